// An ARK execution engine on the official `openai` client, written with ark-sdk's engine kit: the agent's Model
// (any OpenAI-compatible or Azure endpoint) becomes a client with its key, headers, API version and the query's
// abort signal; the answer streams to ARK's broker and the token usage goes back to the Query.
// Run it: PORT=8000 node --import tsx examples/engines/openai-chat.ts (in a cluster, or next to `ark-sdk dev`).
import { BaseExecutor, ExecutorApp, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { chatParams, openAIClientFor } from "ark-sdk/openai";

export class OpenAIChatExecutor extends BaseExecutor {
  constructor() {
    super("OpenAIChat");
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const client = openAIClientFor(request.agent.model, { signal: ctx.signal });
    const stream = await client.chat.completions.create({
      ...chatParams(request.agent.model),
      messages: [{ role: "system", content: this.resolvePrompt(request.agent) }, { role: "user", content: request.userInput.content }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let answer = "";
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta.content ?? "";
      if (text) await ctx.streamChunk(text);
      answer += text;
      if (chunk.usage) ctx.reportUsage({ promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens, totalTokens: chunk.usage.total_tokens });
    }
    return [{ role: "assistant", content: answer }];
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await new ExecutorApp(new OpenAIChatExecutor(), "OpenAIChat").listen({ host: "0.0.0.0", port: Number(process.env.PORT ?? 8000) });
}
