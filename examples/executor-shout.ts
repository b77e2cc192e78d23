/**
 * An execution engine in ~40 lines: it answers with the agent's prompt (its
 * parameters already filled in by ark-sdk) followed by the user's input
 * shouted back word by word, streams each word, reports token usage and
 * stops as soon as ARK cancels the query (or the pod is asked to stop).
 *
 *   KUBECONFIG=~/.kube/config PORT=8000 node --import tsx examples/executor-shout.ts
 *
 * Register it in ARK with an ExecutionEngine whose address is this server,
 * and point an Agent's `spec.executionEngine.name` at it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { BaseExecutor, ExecutorApp, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";

const wordDelayMs = Number(process.env.WORD_DELAY_MS ?? 0);

class ShoutEngine extends BaseExecutor {
  constructor() {
    super("ShoutEngine");
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const words = request.userInput.content.split(/\s+/).filter(Boolean);
    const shouted: string[] = [];
    for (const word of words) {
      // Waiting with ctx.signal means a cancel, a deadline or SIGTERM stops us right here.
      if (wordDelayMs > 0) await sleep(wordDelayMs, undefined, { signal: ctx.signal });
      shouted.push(word.toUpperCase());
      await ctx.streamChunk(`${word.toUpperCase()} `);
    }
    const promptTokens = request.agent.prompt.split(/\s+/).length + words.length;
    ctx.reportUsage({ promptTokens, completionTokens: words.length, totalTokens: promptTokens + words.length });
    return [{ role: "assistant", content: `${request.agent.prompt}\n${shouted.join(" ")}`, name: request.agent.name }];
  }
}

const app = new ExecutorApp(new ShoutEngine(), {
  description: "Shouts the user's input back, after the agent's prompt",
  shutdownGracePeriodMs: Number(process.env.SHUTDOWN_GRACE_MS ?? 25_000),
});
const url = await app.listen({ port: Number(process.env.PORT ?? 8000) });
console.log(`ShoutEngine listening on ${url}`);
