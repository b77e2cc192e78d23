/**
 * The quickstart: one query through an execution engine you wrote, on your
 * machine, in seconds. It starts a local Kubernetes control plane with ARK's
 * CRDs, ark-sdk's development dispatcher (standing in for ARK's controller)
 * and a local broker, serves the example summarizer engine built with
 * ExecutorApp, creates a Model, an ExecutionEngine, an Agent and a Query with
 * the typed client, and prints the streamed answer and the final status.
 *
 *   npm run quickstart   (first run installs the control plane, then runs this)
 */
import { ArkClient, loopbackServiceUrl } from "ark-sdk";
import { ClusterQueryResolver, ExecutorApp } from "ark-sdk/executor";
import { startControlPlane, startDispatcher, startLocalBroker } from "ark-sdk/testing";
import { SummarizerEngine } from "./engines/summarizer.js";

const step = (text: string) => console.log(`\n▸ ${text}`);
const started = Date.now();
const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const quiet = { debug() {}, info() {}, warn: (m: string) => console.error(`  warning: ${m}`), error: (m: string) => console.error(`  error: ${m}`) };

step("starting a local control plane (etcd + kube-apiserver with ARK's CRDs)");
const plane = await startControlPlane();
console.log(`  ready at ${plane.server} (${since()})`);

const ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "default", logger: quiet });
const broker = await startLocalBroker();
await broker.publish(ark, "default");
const dispatcher = await startDispatcher({ client: ark, namespace: "default", logger: quiet });
const resolver = new ClusterQueryResolver(ark, { serviceUrl: loopbackServiceUrl, logger: quiet });
const engine = new ExecutorApp(new SummarizerEngine(), { resolver, logger: quiet });
try {
  const engineUrl = await engine.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  console.log(`  dispatcher (a development stand-in for ARK's controller) watching namespace default`);
  console.log(`  broker at ${broker.url}; summarizer engine (examples/engines/summarizer.ts) at ${engineUrl}`);

  step("creating a Model, an ExecutionEngine and an Agent with the typed client");
  await ark.models.create({
    metadata: { name: "demo-model" },
    spec: { provider: "openai", model: { value: "gpt-4o-mini" }, config: { openai: { baseUrl: { value: "https://api.openai.com/v1" }, apiKey: { value: "unused-by-this-engine" } } } },
  });
  await ark.executionEngines.create({ metadata: { name: "summarizer" }, spec: { address: { value: engineUrl } } });
  await ark.agents.create({
    metadata: { name: "release-notes" },
    spec: {
      prompt: "Summarize release notes for {{.audience}} in {{.bullets}} bullet points.",
      parameters: [{ name: "audience", value: "engineering managers" }, { name: "bullets", value: "2" }],
      modelRef: { name: "demo-model" },
      executionEngine: { name: "summarizer" },
    },
  });
  console.log("  Model demo-model, ExecutionEngine summarizer, Agent release-notes");

  step("running a Query and streaming the answer from the broker");
  const query = await ark.queries.start({
    target: { type: "agent", name: "release-notes" },
    input:
      "Queries now wait in a queued phase while the controller is busy. Queries that run too long fail with a clear timeout reason. " +
      "The dashboard has a new dark theme. Engines stream tool calls to the broker while queries run.",
    timeout: "30s",
  });
  console.log(`  Query ${query.metadata.name} created`);
  for await (const event of ark.queries.stream(query.metadata.name ?? "", { serviceUrl: loopbackServiceUrl })) {
    if (event.type === "tool-call") console.log(`  [tool call] ${event.name}(${event.arguments})`);
    if (event.type === "text") process.stdout.write(`  │ ${event.text}`);
    if (event.type === "result") {
      const { phase, tokenUsage, duration, conversationId } = event.result;
      step("final Query status");
      console.log(`  phase: ${phase}`);
      console.log(`  tokens: prompt ${tokenUsage?.promptTokens}, completion ${tokenUsage?.completionTokens}, total ${tokenUsage?.totalTokens}`);
      console.log(`  duration: ${duration}`);
      console.log(`  conversationId: ${conversationId}`);
      const completed = event.result.query.status?.conditions?.find((c) => c.type === "Completed");
      console.log(`  condition Completed=${completed?.status} (${completed?.reason})`);
    }
  }
  const executionEngine = await ark.executionEngines.get("summarizer");
  console.log(`  ExecutionEngine summarizer: phase ${executionEngine.status?.phase}, address ${executionEngine.status?.lastResolvedAddress}`);
} finally {
  await dispatcher.close();
  await engine.close({ gracePeriodMs: 1_000 });
  await resolver.close();
  await broker.close();
  await ark.close();
  await plane.close();
  step(`stopped everything (${since()} in total)`);
}
