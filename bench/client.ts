/**
 * ark-sdk's resource client against raw @kubernetes/client-node 1.4
 * (`CustomObjectsApi`), in one run on one local control plane: get, list of
 * 100, create+delete, and server-side apply, at concurrency 1 and 16; then
 * the memory an informer holding 10,000 Agents needs, against the JSON size
 * of those objects.
 *
 *   node --import tsx bench/client.ts
 *
 * Each cell alternates short ark-sdk and client-node segments so that load
 * from other processes falls on both alike. A last section isolates the
 * clients' own cost: `get` from a loopback TLS server that answers at once
 * (same certificate and credentials as the control plane). The informer's 10,000 Agents are
 * served by a loopback list/watch server replaying Agents as the real API
 * server returned them (creating 10,000 objects in etcd would take minutes).
 * The ceiling section compares ark-sdk's `get` with a bare undici keep-alive
 * loop (one Agent, the same request, JSON parsed) on the control plane and on
 * the instant stub: what any client built on undici could at best reach.
 * `BENCH_ONLY=ceiling` runs only that section.
 */
import http from "node:http";
import https from "node:https";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type net from "node:net";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { randomUUID } from "node:crypto";
import { Agent as UndiciAgent } from "undici";
import { CustomObjectsApi, KubeConfig, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { ArkClient, silentLogger, type Agent, type KubeConfigLike } from "ark-sdk";
import { startControlPlane } from "ark-sdk/testing";

v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const SEGMENT_MS = Number(process.env.BENCH_SEGMENT_MS ?? 600);
const INFORMER_OBJECTS = Number(process.env.BENCH_INFORMER_OBJECTS ?? 10_000);
const GROUP = "ark.mckinsey.com";
const VERSION = "v1alpha1";

interface Cell {
  latencies: number[];
  elapsedMs: number;
}

/** Runs `op` from `concurrency` workers for `ms`, appending latencies to `cell`. */
async function segment(cell: Cell, concurrency: number, ms: number, op: (i: number) => Promise<unknown>): Promise<void> {
  const started = performance.now();
  const deadline = started + ms;
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const t = performance.now();
      await op(i);
      cell.latencies.push(performance.now() - t);
    }
  }));
  cell.elapsedMs += performance.now() - started;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function stats(cell: Cell): { opsPerSec: number; p50: number; p99: number; n: number } {
  const sorted = [...cell.latencies].sort((a, b) => a - b);
  return { opsPerSec: (cell.latencies.length / cell.elapsedMs) * 1000, p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length };
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");

const agentBody = (name: string, prompt = "You answer questions about release notes, briefly and precisely.") => ({
  apiVersion: `${GROUP}/${VERSION}` as const,
  kind: "Agent" as const,
  metadata: { name, labels: { team: "bench", tier: "standard" } },
  spec: { prompt, description: "benchmark agent", modelRef: { name: "default" }, tools: [{ type: "built-in", name: "noop" }] },
});

async function latencyRows(plane: Awaited<ReturnType<typeof startControlPlane>>): Promise<void> {
  const ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "bench", logger: silentLogger });
  const rawConfig = new KubeConfig();
  rawConfig.loadFromFile(plane.kubeconfigPath);
  const raw = rawConfig.makeApiClient(CustomObjectsApi);
  const applyOptions = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
  try {
    await ark.core.namespaces.create({ metadata: { name: "bench" } });
    await ark.core.namespaces.create({ metadata: { name: "bench-list" } });
    const listed = ark.agents.inNamespace("bench-list");
    await Promise.all(Array.from({ length: 10 }, async (_, w) => {
      for (let i = w; i < 100; i += 10) await listed.create(agentBody(`list-${String(i).padStart(3, "0")}`));
    }));
    await ark.agents.create(agentBody("target"));
    const common = { group: GROUP, version: VERSION, plural: "agents" };

    let unique = 0;
    // Slow operations get longer segments so every cell has enough samples.
    const ops: { name: string; segmentMs: number; ark: (i: number) => Promise<unknown>; raw: (i: number) => Promise<unknown> }[] = [
      {
        name: "get",
        segmentMs: SEGMENT_MS * 0.66,
        ark: () => ark.agents.get("target"),
        raw: () => raw.getNamespacedCustomObject({ ...common, namespace: "bench", name: "target" }),
      },
      {
        name: "list (100 items)",
        segmentMs: SEGMENT_MS * 1.66,
        ark: async () => {
          const items = await ark.agents.list({ namespace: "bench-list" });
          if (items.length !== 100) throw new Error(`listed ${items.length}`);
        },
        raw: async () => {
          const list = (await raw.listNamespacedCustomObject({ ...common, namespace: "bench-list" })) as { items: unknown[] };
          if (list.items.length !== 100) throw new Error(`listed ${list.items.length}`);
        },
      },
      {
        name: "create+delete",
        segmentMs: SEGMENT_MS,
        ark: async () => {
          const name = `c-ark-${unique++}`;
          await ark.agents.create(agentBody(name));
          await ark.agents.delete(name);
        },
        raw: async () => {
          const name = `c-raw-${unique++}`;
          await raw.createNamespacedCustomObject({ ...common, namespace: "bench", body: agentBody(name) });
          await raw.deleteNamespacedCustomObject({ ...common, namespace: "bench", name });
        },
      },
      {
        name: "apply (SSA)",
        segmentMs: SEGMENT_MS * 0.66,
        ark: (i) => ark.agents.apply(agentBody(`applied-ark-${i % 16}`, `prompt ${i}`), { fieldManager: "bench", force: true }),
        raw: (i) => raw.patchNamespacedCustomObject(
          { ...common, namespace: "bench", name: `applied-raw-${i % 16}`, body: agentBody(`applied-raw-${i % 16}`, `prompt ${i}`), fieldManager: "bench", force: true },
          applyOptions,
        ),
      },
    ];

    console.log("\nlatency and throughput (ratio = ark-sdk / client-node; ops/s higher is better, p50/p99 lower is better)\n");
    console.log(["operation".padEnd(18), "conc", "ark ops/s", "ark p50", "ark p99", "cn ops/s", "cn p50", "cn p99", "ops/s ×", "p50 ×", "p99 ×"].map((h, i) => (i === 0 ? h : h.padStart(9))).join(" "));
    for (const op of ops) {
      for (const concurrency of [1, 16]) {
        const a: Cell = { latencies: [], elapsedMs: 0 };
        const b: Cell = { latencies: [], elapsedMs: 0 };
        // Warm both (connections, JIT), then alternate measured segments.
        await segment({ latencies: [], elapsedMs: 0 }, concurrency, 150, op.ark);
        await segment({ latencies: [], elapsedMs: 0 }, concurrency, 150, op.raw);
        for (let round = 0; round < 2; round++) {
          await segment(a, concurrency, op.segmentMs, op.ark);
          await segment(b, concurrency, op.segmentMs, op.raw);
        }
        const sa = stats(a);
        const sb = stats(b);
        console.log([
          op.name.padEnd(18), String(concurrency).padStart(9), fmt(sa.opsPerSec).padStart(9), fmt(sa.p50).padStart(9), fmt(sa.p99).padStart(9),
          fmt(sb.opsPerSec).padStart(9), fmt(sb.p50).padStart(9), fmt(sb.p99).padStart(9),
          fmt(sa.opsPerSec / sb.opsPerSec, 2).padStart(9), fmt(sa.p50 / sb.p50, 2).padStart(9), fmt(sa.p99 / sb.p99, 2).padStart(9),
        ].join(" "));
      }
    }
    console.log(`\n(latencies in ms; each cell: a warm-up, then 2 × 2 alternating segments of ${ops.map((o) => `${Math.round(o.segmentMs)}`).join("/")} ms per client)`);
  } finally {
    await ark.close();
  }
}

/** A loopback list/watch server replaying `objects` in pages; watches stay open and silent. */
async function replayServer(objects: Agent[]): Promise<{ kubeConfig: KubeConfig; close(): Promise<void> }> {
  const pageSize = 500;
  const pages: string[] = [];
  for (let start = 0; start < objects.length; start += pageSize) {
    const end = Math.min(objects.length, start + pageSize);
    pages.push(JSON.stringify({
      apiVersion: `${GROUP}/${VERSION}`, kind: "AgentList",
      metadata: { resourceVersion: "100000", ...(end < objects.length ? { continue: String(end / pageSize), remainingItemCount: objects.length - end } : {}) },
      items: objects.slice(start, end),
    }));
  }
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    res.writeHead(200, { "content-type": "application/json" });
    if (url.searchParams.get("watch") === "true") return; // held open
    res.end(pages[Number(url.searchParams.get("continue") ?? 0)]);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "replay", server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }], contexts: [{ name: "replay", cluster: "replay", user: "u" }], currentContext: "replay",
  });
  return {
    kubeConfig,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function informerMemory(plane: Awaited<ReturnType<typeof startControlPlane>>): Promise<void> {
  const ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "bench-list", logger: silentLogger });
  // Real server output (managedFields and all) is the template of every replayed Agent.
  const templates = await ark.agents.list();
  await ark.close();
  const objects: Agent[] = Array.from({ length: INFORMER_OBJECTS }, (_, i) => {
    const t = structuredClone(templates[i % templates.length] as Agent);
    t.metadata = { ...t.metadata, name: `agent-${i}`, uid: randomUUID(), resourceVersion: String(1000 + i) };
    return t;
  });
  const jsonBytes = objects.reduce((sum, o) => sum + Buffer.byteLength(JSON.stringify(o)), 0);
  const strippedBytes = objects.reduce((sum, o) => {
    const { managedFields: _m, ...metadata } = o.metadata;
    return sum + Buffer.byteLength(JSON.stringify({ ...o, metadata }));
  }, 0);
  const server = await replayServer(objects);
  objects.length = 0;
  try {
    console.log(`\ninformer memory for ${INFORMER_OBJECTS.toLocaleString("en")} Agents (heap growth after GC, against the JSON the server sent)\n`);
    for (const [label, transform] of [["default (managedFields stripped)", undefined], ["transform: false (kept as received)", false]] as const) {
      const client = new ArkClient({ kubeConfig: server.kubeConfig, namespace: "bench", logger: silentLogger });
      gc();
      gc();
      const before = process.memoryUsage().heapUsed;
      const informer = client.agents.informer(transform === false ? { transform: false } : {});
      await informer.ready({ timeoutMs: 120_000 });
      gc();
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      if (informer.size !== INFORMER_OBJECTS) throw new Error(`informer holds ${informer.size} objects`);
      console.log(`${label.padEnd(38)} heap +${(grown / 1e6).toFixed(1)} MB = ${(grown / jsonBytes).toFixed(2)}× of ${(jsonBytes / 1e6).toFixed(1)} MB JSON (${(grown / strippedBytes).toFixed(2)}× of ${(strippedBytes / 1e6).toFixed(1)} MB without managedFields)`);
      await informer.close();
      await client.close();
    }
  } finally {
    await server.close();
  }
}

/** `get` against a TLS stub that answers instantly: what each client itself costs per call. */
async function clientCost(plane: Awaited<ReturnType<typeof startControlPlane>>): Promise<void> {
  const body = JSON.stringify(agentBody("target"));
  const certDir = join(plane.dir, "certs");
  const stub = https.createServer({ cert: readFileSync(join(certDir, "apiserver.crt")), key: readFileSync(join(certDir, "apiserver.key")) }, (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  });
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(plane.kubeConfig.exportConfig());
  kubeConfig.clusters = kubeConfig.clusters.map((c) => ({ ...c, server: `https://127.0.0.1:${(stub.address() as net.AddressInfo).port}` }));
  const ark = new ArkClient({ kubeConfig, namespace: "bench", logger: silentLogger });
  const raw = kubeConfig.makeApiClient(CustomObjectsApi);
  try {
    console.log("\nclient-side cost: get from an instant loopback TLS server (ops/s)\n");
    for (const concurrency of [1, 16]) {
      const a: Cell = { latencies: [], elapsedMs: 0 };
      const b: Cell = { latencies: [], elapsedMs: 0 };
      const arkGet = () => ark.agents.get("target");
      const rawGet = () => raw.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: "agents", namespace: "bench", name: "target" });
      await segment({ latencies: [], elapsedMs: 0 }, concurrency, 150, arkGet);
      await segment({ latencies: [], elapsedMs: 0 }, concurrency, 150, rawGet);
      for (let round = 0; round < 2; round++) {
        await segment(a, concurrency, SEGMENT_MS / 2, arkGet);
        await segment(b, concurrency, SEGMENT_MS / 2, rawGet);
      }
      const sa = stats(a);
      const sb = stats(b);
      console.log(`get conc ${String(concurrency).padStart(2)}: ark-sdk ${fmt(sa.opsPerSec, 0)} ops/s (p50 ${fmt(sa.p50, 2)} ms), client-node ${fmt(sb.opsPerSec, 0)} ops/s (p50 ${fmt(sb.p50, 2)} ms): ${fmt(sa.opsPerSec / sb.opsPerSec, 1)}×`);
    }
  } finally {
    await ark.close();
    await new Promise<void>((resolve) => {
      stub.closeAllConnections();
      stub.close(() => resolve());
    });
  }
}

/** ark-sdk `get` against a bare undici keep-alive loop on `server` (same Agent path, token and CA), at concurrency 1 and 16. */
async function ceilingRows(label: string, server: string, kubeConfig: KubeConfigLike, caPem: string, token: string): Promise<void> {
  const ark = new ArkClient({ kubeConfig, namespace: "bench", logger: silentLogger });
  const agent = new UndiciAgent({ connect: { ca: caPem }, keepAliveTimeout: 60_000 });
  const origin = new URL(server).origin;
  const path = `/apis/${GROUP}/${VERSION}/namespaces/bench/agents/target`;
  const headers = { authorization: `Bearer ${token}`, accept: "application/json" };
  const bare = async () => {
    const res = await agent.request({ origin, path, method: "GET", headers });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`bare GET: ${res.statusCode} ${text.slice(0, 200)}`);
    return JSON.parse(text) as unknown;
  };
  const arkGet = () => ark.agents.get("target");
  try {
    for (const concurrency of [1, 16]) {
      const a: Cell = { latencies: [], elapsedMs: 0 };
      const b: Cell = { latencies: [], elapsedMs: 0 };
      await segment({ latencies: [], elapsedMs: 0 }, concurrency, 150, arkGet);
      await segment({ latencies: [], elapsedMs: 0 }, concurrency, 150, bare);
      // Three rounds, alternating, so load from other processes falls on both alike.
      for (let round = 0; round < 3; round++) {
        await segment(a, concurrency, SEGMENT_MS / 2, arkGet);
        await segment(b, concurrency, SEGMENT_MS / 2, bare);
      }
      const sa = stats(a);
      const sb = stats(b);
      console.log(`${label} get conc ${String(concurrency).padStart(2)}: ark-sdk ${fmt(sa.opsPerSec, 0)} ops/s, bare undici ${fmt(sb.opsPerSec, 0)} ops/s: ${fmt(sa.opsPerSec / sb.opsPerSec, 2)}× of the ceiling (p50 ${fmt(sa.p50, 2)} vs ${fmt(sb.p50, 2)} ms)`);
    }
  } finally {
    await ark.close();
    await agent.close();
  }
}

async function ceiling(plane: Awaited<ReturnType<typeof startControlPlane>>): Promise<void> {
  console.log("\nceiling: ark-sdk get against a bare undici keep-alive loop (ops/s ratio; 1.00 = as fast as raw undici)\n");
  const ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "bench", logger: silentLogger });
  try {
    await ark.core.namespaces.create({ metadata: { name: "bench" } }).catch(() => undefined);
    await ark.agents.apply(agentBody("target"));
  } finally {
    await ark.close();
  }
  await ceilingRows("control plane", plane.server, plane.kubeConfig, plane.caPem, plane.adminToken);
  const body = JSON.stringify(agentBody("target"));
  const certDir = join(plane.dir, "certs");
  const stub = https.createServer({ cert: readFileSync(join(certDir, "apiserver.crt")), key: readFileSync(join(certDir, "apiserver.key")) }, (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(body);
  });
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  try {
    const server = `https://127.0.0.1:${(stub.address() as net.AddressInfo).port}`;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(plane.kubeConfig.exportConfig());
    kubeConfig.clusters = kubeConfig.clusters.map((c) => ({ ...c, server }));
    await ceilingRows("instant stub ", server, kubeConfig, plane.caPem, plane.adminToken);
  } finally {
    await new Promise<void>((resolve) => {
      stub.closeAllConnections();
      stub.close(() => resolve());
    });
  }
}

const started = Date.now();
const plane = await startControlPlane();
console.log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
try {
  if (process.env.BENCH_ONLY !== "ceiling") {
    await latencyRows(plane);
    await informerMemory(plane);
    await clientCost(plane);
  }
  await ceiling(plane);
} finally {
  await plane.close();
}
console.log(`\ntotal ${((Date.now() - started) / 1000).toFixed(1)} s`);
