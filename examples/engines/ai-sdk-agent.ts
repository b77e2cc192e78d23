// Repository-only example (not shipped in the package): an ARK execution engine on the Vercel AI SDK with the agent's
// tools (MCP, http, agent/team, builtin: whatever ctx.tools lists), the conversation's history, streaming and token
// usage. One streamText call runs the whole tool loop; each call goes through ctx.tools (streamed to ARK as a
// tool-call chunk, paused for human approval when the tool requires it, aborted with the query). Tested with the
// engine test kit only in test/integrations/engines.test.ts, and end to end behind the local dispatcher on a local
// control plane in test/integrations/engines.cluster.test.ts.
// Run it: PORT=8000 node --import tsx examples/engines/ai-sdk-agent.ts (in a cluster, or next to `ark-sdk dev`).
import { streamText } from "ai";
import { BaseExecutor, ExecutorApp, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { aiSdkTools, callSettingsFor, fromModelMessages, languageModelFor, toModelMessages } from "ark-sdk/ai-sdk";

export class AiSdkAgentExecutor extends BaseExecutor {
  constructor() {
    super("AiSdkAgent");
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const model = request.agent.model;
    const result = streamText({
      model: await languageModelFor(model),
      ...callSettingsFor(model),
      ...aiSdkTools(ctx),
      system: this.resolvePrompt(request.agent),
      messages: toModelMessages([...(await ctx.history()), request.userInput]), // earlier turns from ARK's memory first
    });
    for await (const text of result.textStream) await ctx.streamChunk(text);
    const usage = await result.totalUsage;
    ctx.reportUsage({ promptTokens: usage.inputTokens ?? 0, completionTokens: usage.outputTokens ?? 0, totalTokens: usage.totalTokens ?? 0 });
    return fromModelMessages((await result.response).messages);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await new ExecutorApp(new AiSdkAgentExecutor(), "AiSdkAgent").listen({ host: "0.0.0.0", port: Number(process.env.PORT ?? 8000) });
}
