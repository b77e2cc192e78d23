/**
 * End-to-end queries through the development dispatcher and a trivial engine
 * (it echoes its input): `ark.queries.run()` = create the Query, the
 * dispatcher's `running` write, the engine's `message/send`, the final status
 * write, the watch event back to the caller. At concurrency 1 and 16:
 * queries per second and p50/p99 latency, split into the engine's share (the
 * `message/send` round trip, engine-side resolution included) and the rest
 * (API-server round trips and watch delivery).
 *
 * Baselines measured in the same run, on the same plane and engine:
 * - one API write: a merge patch of a ConfigMap (p50),
 * - one engine call: the controller's exact `message/send` posted straight to the engine (p50).
 * Latencies are printed as multiples of these.
 *
 *   node --import tsx bench/query.ts        (BENCH_QUERIES=N scales the counts)
 */
import { ArkClient, type Logger } from "ark-sdk";
import { BaseExecutor, ClusterQueryResolver, ExecutorApp, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { buildMessageSendBody, CONTROLLER_REQUEST_HEADERS } from "ark-sdk/protocol";
import { startControlPlane, startDispatcher, type DispatchRecord } from "ark-sdk/testing";

const SCALE = Number(process.env.BENCH_QUERIES ?? 1);
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

class EchoEngine extends BaseExecutor {
  constructor() {
    super("echo");
  }
  async executeAgent(request: ExecutionEngineRequest): Promise<Message[]> {
    return [{ role: "assistant", content: request.userInput.content }];
  }
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

const plane = await startControlPlane();
const ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "default", logger: silent });
const records = new Map<string, DispatchRecord>();
const dispatcher = await startDispatcher({ client: ark, namespace: "default", logger: silent, onDispatched: (r) => records.set(r.name, r) });
const resolver = new ClusterQueryResolver(ark, { logger: silent });
const app = new ExecutorApp(new EchoEngine(), { resolver, logger: silent });
try {
  const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  await ark.executionEngines.create({ metadata: { name: "echo" }, spec: { address: { value: url } } });
  await ark.agents.create({ metadata: { name: "echo-agent" }, spec: { prompt: "echo", executionEngine: { name: "echo" } } });
  await ark.core.configMaps.create({ metadata: { name: "bench-baseline" }, data: { n: "0" } });

  const runOne = async (i: number) => {
    const t0 = performance.now();
    const result = await ark.queries.run({ input: `q${i}`, target: { type: "agent", name: "echo-agent" }, streaming: false });
    const ms = performance.now() - t0;
    if (result.content !== `q${i}`) throw new Error(`wrong answer for q${i}: ${result.content}`);
    return { name: result.name, ms };
  };
  for (let i = 0; i < 20; i++) await runOne(-i - 1); // warm-up: informers, connections, JIT

  // Baselines.
  const apiWrites: number[] = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    await ark.core.configMaps.patch("bench-baseline", { data: { n: String(i) } });
    apiWrites.push(performance.now() - t);
  }
  const { name: probe } = await runOne(0);
  const engineCalls: number[] = [];
  for (let i = 0; i < 40; i++) {
    const body = buildMessageSendBody({ queryName: probe, namespace: "default", input: "q0" });
    const t = performance.now();
    const response = await fetch(url, { method: "POST", headers: CONTROLLER_REQUEST_HEADERS, body });
    await response.text();
    engineCalls.push(performance.now() - t);
  }
  const apiWrite = quantile(apiWrites, 0.5);
  const engineCall = quantile(engineCalls, 0.5);

  const measure = async (concurrency: number, total: number) => {
    const writesBefore = dispatcher.stats.statusWrites;
    let next = 0;
    const latencies: { name: string; ms: number }[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) latencies.push(await runOne(1000 * concurrency + next++));
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    // The dispatcher reports a dispatch just after its final write; the caller may see the result first.
    while (latencies.some((l) => !records.has(l.name))) await new Promise((r) => setTimeout(r, 10));
    const ms = latencies.map((l) => l.ms);
    const engine = latencies.map((l) => records.get(l.name)?.engineMs ?? Number.NaN);
    const queued = latencies.map((l) => records.get(l.name)?.queuedMs ?? 0);
    return {
      concurrency,
      total,
      qps: total / seconds,
      p50: quantile(ms, 0.5),
      p99: quantile(ms, 0.99),
      engineP50: quantile(engine, 0.5),
      engineShare: engine.reduce((a, b) => a + b, 0) / ms.reduce((a, b) => a + b, 0),
      queuedP50: quantile(queued, 0.5),
      writesPerQuery: (dispatcher.stats.statusWrites - writesBefore) / total,
    };
  };
  const rows = [await measure(1, Math.round(50 * SCALE)), await measure(16, Math.round(160 * SCALE))];

  const x = (ms: number, base: number) => `${(ms / base).toFixed(1)}x`;
  console.log("queries end to end: ark.queries.run() → dispatcher → echo engine → status → watch (kube-apiserver v1.20.2 on loopback)");
  console.log(`baseline: one API write (ConfigMap merge patch) p50 ${apiWrite.toFixed(2)} ms; one engine call (message/send) p50 ${engineCall.toFixed(2)} ms`);
  console.log("conc  queries    q/s   p50 ms  p99 ms   p50/API-write  p50/engine-call  engine p50 ms  engine share  other share  status writes/query");
  for (const r of rows) {
    console.log(
      `${String(r.concurrency).padStart(4)}  ${String(r.total).padStart(7)}  ${r.qps.toFixed(1).padStart(5)}  ${r.p50.toFixed(1).padStart(7)} ${r.p99.toFixed(1).padStart(7)}  ${x(r.p50, apiWrite).padStart(14)}  ${x(r.p50, engineCall).padStart(15)}  ${r.engineP50.toFixed(1).padStart(13)}  ${(r.engineShare * 100).toFixed(0).padStart(11)}%  ${((1 - r.engineShare) * 100).toFixed(0).padStart(10)}%  ${r.writesPerQuery.toFixed(1).padStart(19)}`,
    );
  }
  console.log("engine share: the message/send round trip (engine-side resolution included); other: create, status writes, watch delivery, client work");
} finally {
  await dispatcher.close();
  await app.close({ gracePeriodMs: 500 });
  await resolver.close();
  await ark.close();
  await plane.close();
}
