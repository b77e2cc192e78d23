// An example execution engine built with ark-sdk: an extractive summarizer.
// It reads the agent's prompt (ARK has already filled its {{.parameters}}),
// takes the audience and bullet count from the agent's parameters, ranks the
// input's sentences by how many frequent keywords they carry, streams the top
// ones as bullets, announces a tool call it makes, and reports token usage.
// No model server needed, so it is deterministic and fast.
//
// Run it on its own: PORT=8000 node --import tsx examples/engines/summarizer.ts
// (it reads the cluster of KUBECONFIG; next to `ark-sdk dev`, export the ARK_SDK_BROKER_URL it prints and the
// engine streams to dev's local broker, whose Service it then finds on loopback).
import { BaseExecutor, ClusterQueryResolver, ExecutorApp, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { loopbackServiceUrl } from "ark-sdk";

const STOP_WORDS = new Set(
  "a an and are as at be by for from has have in is it its of on or that the their them they this to was were will with you your we our can each one while now too when than then into".split(" "),
);

/** Word-ish tokens (words, numbers, punctuation), the unit of the usage report. */
export function countTokens(text: string): number {
  return text.match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)?.length ?? 0;
}

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+/).map((s) => s.trim()).filter(Boolean);
}

function keywords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (word.length < 3 || STOP_WORDS.has(word)) continue;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

/** The engine: one method turning a request into the answer's messages. */
export class SummarizerEngine extends BaseExecutor {
  constructor() {
    super("summarizer");
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const param = (name: string) => request.agent.parameters.find((p) => p.name === name)?.value;
    const audience = param("audience") || "a general audience";
    const bullets = Math.max(1, Number(param("bullets")) || 3);
    const input = request.userInput.content;
    if (input.trim() === "") throw new Error("nothing to summarize: the query input is empty");

    const counts = keywords(input);
    const top = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5);
    await ctx.streamToolCall("rank_sentences", { keywords: top.map(([word]) => word), keep: bullets });
    const all = sentences(input);
    const ranked = all
      .map((sentence, index) => ({ sentence, index, score: [...keywords(sentence).keys()].reduce((sum, word) => sum + (counts.get(word) ?? 0), 0) }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, bullets)
      .sort((a, b) => a.index - b.index);

    const lines = [
      `Summary for ${audience} (${ranked.length} of ${all.length} sentences):`,
      ...ranked.map((r) => `• ${r.sentence}`),
      `Keywords: ${top.map(([word, n]) => `${word}×${n}`).join(", ")}`,
    ];
    for (const line of lines) {
      ctx.signal.throwIfAborted();
      await ctx.streamChunk(`${line}\n`);
    }
    const answer = lines.join("\n");
    const promptTokens = countTokens(request.agent.prompt) + countTokens(input);
    const completionTokens = countTokens(answer);
    ctx.reportUsage({ promptTokens, completionTokens, totalTokens: promptTokens + completionTokens });
    return [{ role: "assistant", content: answer, name: request.agent.name }];
  }
}

// Started directly (not imported): serve the engine until Ctrl-C.
if (import.meta.url === `file://${process.argv[1]}`) {
  const resolver = process.env.ARK_SDK_BROKER_URL ? await ClusterQueryResolver.fromEnv({ serviceUrl: loopbackServiceUrl }) : undefined;
  const app = new ExecutorApp(new SummarizerEngine(), { description: "Extractive summarizer (ark-sdk example)", resolver });
  const url = await app.listen({ port: Number(process.env.PORT ?? 8000), handleSignals: false });
  console.log(`summarizer engine listening on ${url}`);
  const stop = async () => {
    await app.close(); // drains running executions
    await resolver?.close(); // a resolver we created is ours to close
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}
