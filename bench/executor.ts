// message/send throughput and latency of ExecutorApp with a trivial executor, at concurrency 1, 16 and 64:
// (a) resolution served from the informer cache, (b) cold (every object read from the API server, a watch per
// execution for spec.cancel) — each against a bare node:http JSON-RPC echo server measured in the same run.
// Everything is loopback: a local control plane holds the Query/Agent/Model/Secret. The machine is shared, so the
// three servers take turns in short rounds (rotating who goes first) and each ratio compares totals over the same
// rounds. Run: node --import tsx bench/executor.ts   (BENCH_EXECUTOR_ROUNDS, BENCH_EXECUTOR_ROUND_MS to change length)
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { ArkClient } from "../src/index.js";
import { BaseExecutor, ClusterQueryResolver, ExecutorApp, type Message } from "../src/executor/index.js";
import { buildMessageSendBody } from "ark-sdk/protocol";
import { startControlPlane } from "../src/testing/index.js";

const ROUNDS = Number(process.env.BENCH_EXECUTOR_ROUNDS ?? 4);
const ROUND_MS = Number(process.env.BENCH_EXECUTOR_ROUND_MS ?? 500);
const LEVELS = [1, 16, 64];
const silent = { debug() {}, info() {}, warn() {}, error() {} };

class TrivialExecutor extends BaseExecutor {
  constructor() {
    super("Trivial");
  }
  async executeAgent(): Promise<Message[]> {
    return [{ role: "assistant", content: "ok" }];
  }
}

/** The floor: parse the JSON-RPC request, answer a fixed agent message. */
async function startBareServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rpc = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: unknown; params: { message: { messageId: string; contextId?: string } } };
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: rpc.id,
        result: { kind: "message", role: "agent", messageId: `${rpc.params.message.messageId}-response`, contextId: rpc.params.message.contextId, parts: [{ kind: "text", text: "ok" }] },
      });
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

interface Tally {
  count: number;
  ms: number;
  /** Process CPU time (servers and load generator; the API server's own CPU is not counted). */
  cpuMs: number;
  latencies: number[];
  failures: number;
}

/** Runs `concurrency` closed-loop clients for `durationMs`. */
async function load(pool: Pool, body: string, concurrency: number, durationMs: number, tally: Tally): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const res = await pool.request({ path: "/", method: "POST", body, headers: { "content-type": "application/json; charset=utf-8", accept: "application/json" } });
      const text = await res.body.text();
      tally.latencies.push(performance.now() - t0);
      if (res.statusCode !== 200 || !text.includes('"result"')) tally.failures++;
      tally.count++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  tally.ms += performance.now() - started;
  const used = process.cpuUsage(cpu);
  tally.cpuMs += (used.user + used.system) / 1000;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;

async function main(): Promise<void> {
  console.log("starting a local control plane…");
  const plane = await startControlPlane();
  const ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "default", logger: silent });
  await ark.core.secrets.create({ metadata: { name: "bench-key" }, data: { token: Buffer.from("sk-bench").toString("base64") } });
  await ark.models.create({
    metadata: { name: "bench-model" },
    spec: { provider: "openai", model: { value: "gpt-4.1" }, config: { openai: { apiKey: { valueFrom: { secretKeyRef: { name: "bench-key", key: "token" } } }, baseUrl: { value: "https://llm.example/v1" } } } },
  });
  await ark.agents.create({ metadata: { name: "bench-agent" }, spec: { prompt: "You are terse.", modelRef: { name: "bench-model" } } });
  await ark.queries.create({ metadata: { name: "bench-query" }, spec: { input: "ping", target: { type: "agent", name: "bench-agent" } } });
  const body = buildMessageSendBody({ queryName: "bench-query", namespace: "default", input: "ping", contextId: "bench" });

  const bare = await startBareServer();
  const cachedResolver = new ClusterQueryResolver(ark, { cache: "informer", logger: silent });
  const coldResolver = new ClusterQueryResolver(ark, { cache: "none", logger: silent });
  const cached = new ExecutorApp(new TrivialExecutor(), { resolver: cachedResolver, logger: silent });
  const cold = new ExecutorApp(new TrivialExecutor(), { resolver: coldResolver, logger: silent });
  const servers: [string, string][] = [
    ["bare node:http", bare.url],
    ["ExecutorApp, cached resolution", await cached.listen({ host: "127.0.0.1", port: 0, handleSignals: false })],
    ["ExecutorApp, cold resolution", await cold.listen({ host: "127.0.0.1", port: 0, handleSignals: false })],
  ];
  const pools = servers.map(([, url]) => new Pool(url, { connections: 64, pipelining: 1 }));
  try {
    // Warm-up: JIT, connections, informers synced.
    for (const pool of pools) await load(pool, body, 16, 400, { count: 0, ms: 0, cpuMs: 0, latencies: [], failures: 0 });
    console.log(`\nmessage/send, trivial executor, loopback; ${ROUNDS} rounds × ${ROUND_MS} ms per server and level\n`);
    console.log("conc  server                           req/s   p50 ms   p99 ms  CPU µs/req   throughput vs bare   CPU/req vs bare");
    for (const concurrency of LEVELS) {
      const tallies: Tally[] = servers.map(() => ({ count: 0, ms: 0, cpuMs: 0, latencies: [], failures: 0 }));
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < servers.length; k++) {
          const i = (round + k) % servers.length;
          await load(pools[i] as Pool, body, concurrency, ROUND_MS, tallies[i] as Tally);
        }
      }
      const bareRate = ((tallies[0]?.count ?? 0) / (tallies[0]?.ms ?? 1)) * 1000;
      const bareCpu = ((tallies[0]?.cpuMs ?? 0) / (tallies[0]?.count ?? 1)) * 1000;
      servers.forEach(([name], i) => {
        const t = tallies[i] as Tally;
        const sorted = t.latencies.sort((a, b) => a - b);
        const rate = (t.count / t.ms) * 1000;
        const cpuPerReq = (t.cpuMs / t.count) * 1000;
        const ratio = i === 0 ? "1.00× (baseline)" : `${(rate / bareRate).toFixed(2)}×`;
        const cpuRatio = i === 0 ? "1.00×" : `${(cpuPerReq / bareCpu).toFixed(2)}×`;
        const failed = t.failures > 0 ? `  (${t.failures} failed)` : "";
        console.log(
          `${String(concurrency).padEnd(5)} ${name.padEnd(32)} ${rate.toFixed(0).padStart(6)} ${pct(sorted, 50).toFixed(2).padStart(8)} ${pct(sorted, 99).toFixed(2).padStart(8)} ${cpuPerReq.toFixed(0).padStart(11)}   ${ratio.padEnd(18)}   ${cpuRatio}${failed}`,
        );
      });
    }
    console.log(`\ncached resolver: ${cachedResolver.cacheStats.hits} informer hits, ${cachedResolver.cacheStats.reads} API reads; cold resolver: ${coldResolver.cacheStats.reads} API reads`);
  } finally {
    await Promise.all(pools.map((p) => p.close()));
    await cached.close();
    await cold.close();
    await cachedResolver.close();
    await coldResolver.close();
    bare.server.close();
    await ark.close();
    await plane.close();
  }
}

await main();
