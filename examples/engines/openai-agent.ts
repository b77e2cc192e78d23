// Repository-only example (not shipped in the package): an ARK execution engine on the official `openai` client with
// the agent's tools (MCP, http, agent/team, builtin: whatever ctx.tools lists), the conversation's history, streaming
// and token usage. The client's runTools() runs the whole tool loop; each call goes through ctx.tools (streamed to ARK
// as a tool-call chunk, paused for human approval when the tool requires it, aborted with the query). It is the
// trial's 185-line engine rewritten with the kit. Tested with the engine test kit only in
// test/integrations/engines.test.ts, and end to end behind the local dispatcher on a local control plane in
// test/integrations/engines.cluster.test.ts.
// Run it: PORT=8000 node --import tsx examples/engines/openai-agent.ts (in a cluster, or next to `ark-sdk dev`).
import { BaseExecutor, ExecutorApp, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { chatParams, fromOpenAIMessages, openAIClientFor, openAIRunnableTools, toOpenAIMessages } from "ark-sdk/openai";

export class OpenAIAgentExecutor extends BaseExecutor {
  constructor() {
    super("OpenAIAgent");
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const model = request.agent.model;
    const history = await ctx.history(); // the conversation's earlier turns, from ARK's memory
    const input = toOpenAIMessages([{ role: "system", content: this.resolvePrompt(request.agent) }, ...history, request.userInput]);
    const runner = openAIClientFor(model, { signal: ctx.signal }).chat.completions.runTools({
      ...chatParams(model),
      messages: input,
      tools: openAIRunnableTools(ctx),
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = Promise.resolve();
    runner.on("content", (delta) => void (streamed = streamed.then(() => ctx.streamChunk(delta))));
    await runner.done().catch((error: Error) => Promise.reject(error.cause ?? error)); // the runner wraps a tool's error
    await streamed;
    const usage = await runner.totalUsage();
    ctx.reportUsage({ promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens });
    return fromOpenAIMessages(runner.messages.slice(input.length));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await new ExecutorApp(new OpenAIAgentExecutor(), "OpenAIAgent").listen({ host: "0.0.0.0", port: Number(process.env.PORT ?? 8000) });
}
