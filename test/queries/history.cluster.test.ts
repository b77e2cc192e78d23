// ctx.history() through the local dispatcher on a real control plane: the engine (ExecutorApp with the cluster
// resolver) reads the Memory its Query uses — spec.memory, else `default` (published by the local broker) — through
// ARK's memory API, and the answer's metadata says when there was no Memory or it could not be read (ARK's
// memoryUnavailable / memoryDegraded).
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ArkClient, loopbackServiceUrl, QueryFailedError, type Query } from "ark-sdk";
import { BaseExecutor, ClusterQueryResolver, ExecutorApp, MemoryUnavailableError, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { QUERY_EXTENSION_METADATA_KEY } from "ark-sdk/protocol";
import { startDispatcher, startLocalBroker, type LocalBroker, type QueryDispatcher } from "ark-sdk/testing";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { within } from "../helpers/deadline.js";
import { silent } from "./helpers.js";

/** Answers with what ctx.history() returned: `seen <n>: role:content|…`; `lenient:` inputs answer `[]` when memory fails. */
class HistoryEngine extends BaseExecutor {
  readonly seen: Message[][] = [];
  constructor() {
    super("historian");
  }
  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const input = request.userInput.content;
    if (input.startsWith("skip:")) return [{ role: "assistant", content: "no history read" }];
    const history = input.startsWith("lenient:") ? await ctx.history().catch((e: unknown) => (e instanceof MemoryUnavailableError ? [] : Promise.reject(e))) : await ctx.history();
    this.seen.push(history);
    return [{ role: "assistant", content: `seen ${history.length}: ${history.map((m) => `${m.role}:${m.content}`).join("|")}` }];
  }
}

let cluster: TestCluster;
let ark: ArkClient;
let broker: LocalBroker;
let dispatcher: QueryDispatcher;
let app: ExecutorApp;
let resolver: ClusterQueryResolver;
const engine = new HistoryEngine();
const target = { type: "agent" as const, name: "historian-agent" };

/** A memory service of its own: records each request, serves `pages` in ark-broker's page format. */
let memoryServer: Server;
const memoryRequests: { url: string; headers: IncomingHttpHeaders }[] = [];

before(async () => {
  cluster = await testCluster();
  const namespace = await cluster.namespace("history");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace, logger: silent });
  broker = await startLocalBroker();
  await broker.publish(ark, namespace);
  dispatcher = await startDispatcher({ client: ark, namespace, logger: silent });
  resolver = new ClusterQueryResolver(ark, { serviceUrl: loopbackServiceUrl, logger: silent });
  app = new ExecutorApp(engine, { resolver, logger: silent, shutdownGracePeriodMs: 200 });
  engineUrl = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  await ark.executionEngines.create({ metadata: { name: "historian" }, spec: { address: { value: engineUrl } } });
  await ark.agents.create({ metadata: { name: "historian-agent" }, spec: { prompt: "remember", executionEngine: { name: "historian" } } });
  memoryServer = createServer((req, res) => {
    memoryRequests.push({ url: req.url ?? "", headers: req.headers });
    const item = (sequence: number, message: unknown) => ({ sequence, conversation_id: "c", query_id: "q", message, timestamp: "" });
    const body = { items: [item(7, { role: "user", content: [{ type: "text", text: "parts " }, { type: "text", text: "joined" }] }), item(8, { role: "assistant", content: "ok" })], total: 2, hasMore: false };
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => memoryServer.listen(0, "127.0.0.1", resolve));
  await ark.core.secrets.create({ metadata: { name: "memory-auth" }, stringData: { token: "s3cret" } });
  await ark.memories.create({
    metadata: { name: "own-memory" },
    spec: {
      address: { value: `http://127.0.0.1:${(memoryServer.address() as AddressInfo).port}/` },
      headers: [{ name: "X-Memory-Token", value: { valueFrom: { secretKeyRef: { name: "memory-auth", key: "token" } } } }],
    },
  });
});

after(async () => {
  await dispatcher?.close();
  await app?.close({ gracePeriodMs: 100 });
  await resolver?.close();
  await broker?.close();
  await new Promise((resolve) => memoryServer?.close(resolve));
  await ark?.close();
});

let engineUrl: string;

/** Sends a settled Query to the engine again (A2A message/send, as the controller does) and returns the answer's ARK metadata. */
async function engineMetadata(query: Query, text: string): Promise<Record<string, unknown>> {
  const ref = { name: query.metadata.name, namespace: query.metadata.namespace };
  const message = { kind: "message", role: "user", messageId: `m-${Date.now()}`, contextId: query.spec?.conversationId, parts: [{ kind: "text", text }], metadata: { [QUERY_EXTENSION_METADATA_KEY]: ref } };
  const response = await fetch(engineUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "message/send", params: { message } }) });
  const body = (await response.json()) as { result?: { metadata?: Record<string, Record<string, unknown>> } };
  return body.result?.metadata?.[QUERY_EXTENSION_METADATA_KEY] ?? {};
}

describe("ctx.history() through the local dispatcher", () => {
  it("a follow-up Query with the same conversationId sees the earlier turns, from the default Memory", async () => {
    const first = await within(20_000, "first query", ark.queries.run({ target, input: "my name is Ada", conversationId: "conv-ada" }));
    assert.equal(first.content, "seen 0: ");
    const second = await within(20_000, "follow-up query", ark.queries.run({ target, input: "what is my name?", conversationId: "conv-ada" }));
    assert.equal(second.content, "seen 2: user:my name is Ada|assistant:seen 0: ");
    const third = await within(20_000, "third query", ark.queries.run({ target, input: "again?", conversationId: "conv-ada" }));
    assert.match(third.content, /^seen 4: user:my name is Ada\|/);
    // Another conversation sees none of it.
    const other = await within(20_000, "other conversation", ark.queries.run({ target, input: "hello", conversationId: "conv-bob" }));
    assert.equal(other.content, "seen 0: ");
    assert.equal((await engineMetadata(other.query, "and again")).memoryUnavailable, undefined, "a Memory was there");
  });

  it("reads the Memory of spec.memory with its resolved headers, only when the engine asks", async () => {
    memoryRequests.length = 0;
    const skipped = await within(20_000, "query without history", ark.queries.run({ target, input: "skip: me", conversationId: "conv-own", memory: { name: "own-memory" } }));
    assert.equal(skipped.content, "no history read");
    assert.equal(memoryRequests.length, 0, "history is lazy: no memory request unless ctx.history() is called");
    const result = await within(20_000, "query with own memory", ark.queries.run({ target, input: "who?", conversationId: "conv-own", memory: { name: "own-memory" } }));
    assert.equal(result.content, "seen 2: user:parts joined|assistant:ok");
    assert.equal(memoryRequests.length, 1);
    assert.equal(memoryRequests[0]?.url, "/messages?conversation_id=conv-own&limit=1000");
    assert.equal(memoryRequests[0]?.headers["x-memory-token"], "s3cret");
  });

  it("a Query naming a missing Memory fails with the typed error's message", async () => {
    const failed = await within(20_000, "failed query", ark.queries.run({ target, input: "who?", conversationId: "conv-x", memory: { name: "no-such-memory" } }).catch((e: unknown) => e));
    assert.ok(failed instanceof QueryFailedError, String(failed));
    assert.match(failed.message, /Memory .*\/no-such-memory \(the Query's spec\.memory\) not found/);
  });

  it("an unreachable Memory: the engine that continues without history reports memoryDegraded", async () => {
    await ark.memories.create({ metadata: { name: "gone-memory" }, spec: { address: { value: "http://127.0.0.1:9/" } } });
    const result = await within(20_000, "lenient query", ark.queries.run({ target, input: "lenient: who?", conversationId: "conv-gone", memory: { name: "gone-memory" } }));
    assert.equal(result.content, "seen 0: ");
    assert.equal((await engineMetadata(result.query, "lenient: again")).memoryDegraded, true);
  });

  it("without a Memory, history is empty and the engine reports memoryUnavailable (ARK's no-op memory)", async () => {
    await ark.memories.delete("default");
    try {
      const result = await within(20_000, "query without memory", ark.queries.run({ target, input: "anyone?", conversationId: "conv-ada" }));
      assert.equal(result.content, "seen 0: ");
      assert.equal((await engineMetadata(result.query, "anyone?")).memoryUnavailable, true);
    } finally {
      await broker.publish(ark, ark.namespace);
    }
  });

  it("publish() of a second broker moves the ark-broker Service (which the Memory default addresses) to it", async () => {
    const second = await startLocalBroker();
    try {
      await second.publish(ark, ark.namespace);
      const service = await ark.core.services.get("ark-broker");
      assert.deepEqual(service.spec?.ports?.map((p) => p.port), [second.port]);
      const memory = await ark.memories.get("default");
      assert.deepEqual(memory.spec.address, { valueFrom: { serviceRef: { name: "ark-broker", port: "http" } } });
    } finally {
      await broker.publish(ark, ark.namespace);
      await second.close();
    }
  });
});
