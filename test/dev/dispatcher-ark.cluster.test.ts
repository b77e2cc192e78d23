// The dispatcher behaves like ARK v0.1.67's controller (D1-D7, and the status side of W2-W4, W8, W9), on a real
// control plane, against a raw A2A engine on loopback that records every request and answers by input.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ArkClient, clusterServiceUrl, type Logger, type Query } from "ark-sdk";
import { ObjectCache } from "../../src/client/object-cache.js";
import { ValueSourceResolver } from "../../src/ark/value-source.js";
import { QUERY_EXTENSION_METADATA_KEY } from "ark-sdk/protocol";
import { DISPATCHER_ARK_VERSION, startDispatcher, type QueryDispatcher } from "ark-sdk/testing";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually } from "../helpers/deadline.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture files are plain JSON
const golden = (name: string): any => JSON.parse(readFileSync(new URL(`../fixtures/ark-wire/${name}`, import.meta.url), "utf8"));

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
  text: string;
  ref: Record<string, unknown>;
}

/** A raw A2A engine: `hang` never answers, `http500` answers 500, anything else is echoed and reports memoryUnavailable. */
async function startEngine() {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      const body = JSON.parse(raw) as { id: string; params: { message: { parts: { text: string }[]; metadata: Record<string, Record<string, unknown>> } } };
      const text = body.params.message.parts[0]?.text ?? "";
      seen.push({ url: req.url ?? "", headers: req.headers, text, ref: body.params.message.metadata[QUERY_EXTENSION_METADATA_KEY] ?? {} });
      if (text === "hang") return;
      if (text === "http500") return void res.writeHead(500).end('{"error":"<busy>"}');
      const result = { kind: "message", role: "agent", messageId: "r", contextId: "ctx-1", parts: [{ kind: "text", text: `echo:` }, { kind: "text", text }], metadata: { [QUERY_EXTENSION_METADATA_KEY]: { memoryUnavailable: true } } };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: body.id, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

const warnings: string[] = [];
const logger: Logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error: (m: string) => void warnings.push(m) };

let cluster: TestCluster;
let ark: ArkClient;
let ns: string;
let dispatcher: QueryDispatcher;
let engine: Awaited<ReturnType<typeof startEngine>>;
let completions: Awaited<ReturnType<typeof startEngine>>;

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("ark-fidelity");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger });
  engine = await startEngine();
  completions = await startEngine();
  dispatcher = await startDispatcher({ client: ark, namespace: ns, logger, httpTimeoutMs: 1_500, cleanupRetryMs: 200, cleanupGraceMs: 2_500 });
  await ark.executionEngines.create({ metadata: { name: "rec" }, spec: { address: { value: engine.url } } });
  await ark.agents.create({ metadata: { name: "rec-agent" }, spec: { prompt: "p", executionEngine: { name: "rec" } } });
});

after(async () => {
  await dispatcher?.close();
  await engine?.close();
  await completions?.close();
  await ark?.close();
  await cluster?.close();
});

const agent = { type: "agent" as const, name: "rec-agent" };
let counter = 0;
async function run(spec: Record<string, unknown>, until: (q: Query) => boolean = (q) => ["done", "error"].includes(q.status?.phase ?? "")): Promise<Query> {
  const name = `q${++counter}`;
  await ark.queries.create({ metadata: { name }, spec: { input: "hi", ...spec } } as Query);
  return ark.queries.waitFor(name, until, { timeoutMs: 20_000 });
}
const completed = (q: Query) => q.status?.conditions?.find((c) => c.type === "Completed");

describe("D6, D2, D4, W4: a Query's life as on ARK v0.1.67", () => {
  it("declares the version it mimics", () => {
    assert.equal(DISPATCHER_ARK_VERSION, "v0.1.67");
    assert.equal(dispatcher.arkVersion, "v0.1.67");
  });

  it("finalizer and spec.ttl first, QueryNotStarted, running, done; no MemoryUnavailable (W4); duration with the result", async () => {
    const reasons: string[] = [];
    const name = `q${counter + 1}`;
    const watching = new AbortController();
    const watched = (async () => {
      for await (const e of ark.queries.watch({ signal: watching.signal })) {
        if (e.type === "BOOKMARK" || e.object.metadata?.name !== name) continue;
        const reason = completed(e.object)?.reason;
        if (reason && reasons.at(-1) !== reason) reasons.push(reason);
      }
    })().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500)); // the watch is open before the Query exists
    const done = await run({ target: agent, input: "life" });
    await eventually(() => reasons.at(-1) === "QuerySucceeded", "the done event", 5_000, () => reasons);
    watching.abort();
    await watched;
    assert.deepEqual(reasons, ["QueryNotStarted", "QueryRunning", "QuerySucceeded"]);
    assert.deepEqual(done.metadata?.finalizers, ["ark.mckinsey.com/finalizer"]);
    assert.equal(done.spec.ttl, "720h0m0s");
    assert.equal(done.status?.response?.content, "echo:life", "W1: parts concatenated");
    assert.match(done.status?.duration ?? "", /s$/);
    assert.deepEqual(done.status?.conditions?.map((c) => c.type), golden("w04-memory-condition.json").conditionTypesAfterDone);
  });

  it("D2: ArkConfig default's queryTTL; an Agent gets modelRef default unless it proxies an A2AServer", async () => {
    await ark.arkConfigs.create({ metadata: { name: "default" }, spec: { queryTTL: "90m" } } as never);
    try {
      const q = await run({ target: agent });
      assert.equal(q.spec.ttl, "1h30m0s");
    } finally {
      await ark.arkConfigs.delete("default");
    }
    await ark.agents.create({ metadata: { name: "plain" }, spec: { prompt: "p" } });
    await ark.agents.create({ metadata: { name: "proxy", annotations: { "ark.mckinsey.com/a2a-server-name": "srv" } }, spec: { prompt: "p" } });
    await ark.agents.waitFor("plain", (a) => a.spec.modelRef?.name === "default", { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await ark.agents.get("proxy")).spec.modelRef, undefined);
  });

  it("D4: deleting a Query waits for the broker clean-up, retried until the grace period; TTL deletes finished Queries", async () => {
    const broker = createServer((_req, res) => void res.writeHead(500).end());
    await new Promise<void>((resolve) => broker.listen(0, "127.0.0.1", resolve));
    try {
      await ark.memories.create({ metadata: { name: "flaky" }, spec: { address: { value: `http://127.0.0.1:${(broker.address() as AddressInfo).port}` } } } as never);
      const q = await run({ target: agent, memory: { name: "flaky" } });
      const before = dispatcher.stats.cleanups;
      await ark.queries.delete(q.metadata?.name ?? "");
      await eventually(() => dispatcher.stats.cleanups - before >= 3, "three clean-up attempts", 10_000);
      const deleting = await ark.queries.getOrUndefined(q.metadata?.name ?? "");
      assert.ok(deleting, "the name stays taken while the clean-up fails");
      // The grace period runs from metadata.deletionTimestamp, as in ARK; it has whole seconds, so it can be up to
      // a second before the delete call: measure from it, not from the call.
      const deletionStamp = Date.parse(deleting.metadata?.deletionTimestamp ?? "");
      assert.ok(!Number.isNaN(deletionStamp), "the Query is being deleted");
      await eventually(async () => !(await ark.queries.getOrUndefined(q.metadata?.name ?? "")), "the Query gone after the grace period", 15_000);
      assert.ok(Date.now() >= deletionStamp + 2_500, `not before the grace period (2.5 s after ${deleting.metadata?.deletionTimestamp})`);
    } finally {
      broker.closeAllConnections();
      broker.close();
    }
    const short = await run({ target: agent, ttl: "1s" });
    await eventually(async () => !(await ark.queries.getOrUndefined(short.metadata?.name ?? "")), "TTL clean-up", 15_000);
  });
});

describe("D1: targets", () => {
  it("teams, models, tools and engine-less agents go to the namespace's ark-completions engine, as is", async () => {
    await ark.executionEngines.create({ metadata: { name: "ark-completions" }, spec: { address: { value: completions.url } } });
    await ark.agents.create({ metadata: { name: "engineless" }, spec: { prompt: "p" } });
    for (const target of [{ type: "team", name: "t" }, { type: "model", name: "m" }, { type: "tool", name: "x" }, { type: "agent", name: "engineless" }]) {
      const q = await run({ target, input: `to ${target.type}` });
      assert.equal(q.status?.phase, "done", JSON.stringify(q.status));
      assert.deepEqual(q.status?.response?.target, target);
      const request = completions.seen.at(-1);
      assert.equal(request?.text, `to ${target.type}`);
      assert.deepEqual(Object.keys(request?.ref ?? {}), golden("w10-sub-target.json").refKeys, "W10: no target on the wire at v0.1.67");
    }
    const named = await run({ target: agent, input: "named" });
    assert.equal(named.status?.phase, "done");
    assert.equal(engine.seen.at(-1)?.text, "named");
  });
});

describe("D3, W3: engine addresses and failures before dispatch", () => {
  it("D3: the address is resolved once and frozen at ready", async () => {
    await ark.executionEngines.patch("rec", { spec: { address: { value: "http://127.0.0.1:1" } } });
    await new Promise((r) => setTimeout(r, 1_500)); // time for the dispatcher to see the edit (and, wrongly, act on it)
    const q = await run({ target: agent, input: "still here" });
    assert.equal(q.status?.phase, "done");
    assert.equal((await ark.executionEngines.get("rec")).status?.lastResolvedAddress, engine.url);
  });

  it("W3: a missing or unresolved named engine, or no matching selector, ends in error with no response", async () => {
    await ark.agents.create({ metadata: { name: "ghostly" }, spec: { prompt: "p", executionEngine: { name: "ghost-engine" } } });
    await ark.executionEngines.create({ metadata: { name: "broken-engine" }, spec: { address: { valueFrom: { secretKeyRef: { name: "no-such-secret", key: "url" } } } } });
    await ark.agents.create({ metadata: { name: "broken" }, spec: { prompt: "p", executionEngine: { name: "broken-engine" } } });
    const expected = golden("w03-before-dispatch.json").expectedStatus;
    for (const spec of [{ target: { type: "agent", name: "ghostly" } }, { target: { type: "agent", name: "broken" } }, { selector: { matchLabels: { role: "nobody" } } }]) {
      const q = await run(spec);
      assert.equal(q.status?.phase, expected.phase);
      assert.equal(q.status?.response, undefined, JSON.stringify(spec));
      assert.equal(q.status?.duration, undefined);
      const c = completed(q);
      assert.deepEqual([c?.status, c?.reason, c?.message], [expected.completed.status, expected.completed.reason, expected.completed.message]);
    }
    assert.ok(warnings.some((w) => w.includes("execution engine ghost-engine not found")), "the reason is logged");
    assert.ok(warnings.some((w) => w.includes("execution engine broken-engine address not yet resolved")));
    assert.match((await ark.executionEngines.get("broken-engine")).status?.message ?? "", /^Failed to resolve address: /);
  });

  it("W3: inputs that cannot be computed are sent as empty text; a missing name renders <no value>", async () => {
    for (const input of golden("w03-before-dispatch.json").inputs) {
      const q = await run({ target: agent, input: input.input, parameters: input.parameters });
      assert.equal(q.status?.phase, "done");
      assert.equal(engine.seen.at(-1)?.text, input.sent, input.name);
    }
  });
});

describe("W2, W8, W9, D7 through the dispatcher", () => {
  it("W8: User-Agent, traceparent and baggage (spec.sessionId, else the uid), to the trailing-slash URL", async () => {
    const q = await run({ target: agent });
    const sent = engine.seen.at(-1);
    assert.equal(sent?.url, "/");
    assert.equal(sent?.headers["user-agent"], "trpc-a2a-go-client/0.1");
    assert.match(String(sent?.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(sent?.headers.baggage, `ark.session.id=${q.metadata?.uid}`);
    await run({ target: agent, sessionId: "sess-1" });
    assert.equal(engine.seen.at(-1)?.headers.baggage, "ark.session.id=sess-1");
  });

  it("W2: a non-2xx reply is quoted, not parsed, in ARK's error response", async () => {
    const q = await run({ target: agent, input: "http500" });
    const content = `query execution failed: a2aClient.SendMessage: a2aClient.doRequest: unexpected http status 500: {"error":"<busy>"}`;
    assert.equal(q.status?.response?.content, content);
    assert.equal(q.status?.response?.raw, JSON.stringify([{ error: "target_execution_error", message: content }]).replace(/</g, "\\u003c").replace(/>/g, "\\u003e"));
    assert.equal(completed(q)?.message, content);
  });

  it("W9: spec.timeout beyond the HTTP ceiling stops at the ceiling with Go's Client.Timeout error", async () => {
    const q = await run({ target: agent, input: "hang", timeout: "10m" });
    assert.equal(q.status?.response?.content, `query execution failed: a2aClient.SendMessage: a2aClient.doRequest: http request failed: Post "${engine.url}/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`);
    assert.equal(completed(q)?.reason, "QueryErrored");
    assert.equal(q.status?.duration, undefined);
  });

  it("D7: a selector is resolved as spec.serviceAccount (impersonated), which may not list agents here", async () => {
    await ark.agents.patch("rec-agent", { metadata: { labels: { role: "rec" } } });
    const allowed = await run({ selector: { matchLabels: { role: "rec" } } });
    assert.equal(allowed.status?.phase, "done");
    const denied = await run({ selector: { matchLabels: { role: "rec" } }, serviceAccount: "nobody" });
    assert.equal(denied.status?.phase, "error");
    assert.equal(denied.status?.response, undefined);
    assert.ok(warnings.some((w) => /failed to resolve selector: failed to list agents: .*forbidden/i.test(w)), warnings.join("\n"));
  });
});

describe("W12: service references resolve as ARK's ResolveServiceReference", () => {
  it("port by name only, first port, always http, path cleaned, Service required", async () => {
    const fixture = golden("w12-service-ref.json");
    await ark.core.services.create({ metadata: { name: fixture.service.name }, spec: { clusterIP: "None", ports: fixture.service.ports } });
    await ark.core.services.create({ metadata: { name: fixture.noPorts.service.name }, spec: { clusterIP: "None" } });
    const cache = new ObjectCache({ mode: "none", logger });
    const values = new ValueSourceResolver({ cache, secrets: ark.core.secrets, configMaps: ark.core.configMaps, services: ark.core.services, serviceUrl: clusterServiceUrl }, new Map());
    try {
      for (const c of [...fixture.cases, { ref: { name: fixture.noPorts.service.name }, error: fixture.noPorts.error }]) {
        const outcome = await values.serviceUrl(c.ref, ns, "ref").then((url) => ({ url }), (error: unknown) => ({ error: String(error) }));
        if (c.url) assert.deepEqual(outcome, { url: c.url.replace("{NS}", ns) }, JSON.stringify(c.ref));
        else assert.ok("error" in outcome && outcome.error.includes(c.error.replace("{NS}", ns)), `${JSON.stringify(c.ref)}: ${JSON.stringify(outcome)}`);
      }
    } finally {
      await cache.close();
    }
  });
});
