// ARK's memory API over real loopback HTTP: the local broker serves it as ark-broker does (pages of at most 1,000,
// cursor = last sequence, PAGINATION_ERROR, conversations, TTL), and readConversation reads it as ARK's engine does,
// bounded (latest `limit`, `maxBytes`), typed, abortable, with MemoryUnavailableError naming what failed.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { BaseExecutor, MemoryUnavailableError, readConversation, type MemoryEndpoint, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { engineRequest, runEngine, startLocalBroker, type LocalBroker } from "ark-sdk/testing";
import { ArgumentError } from "ark-sdk";

let broker: LocalBroker;
/** Counts requests on their way to the broker (the paging mechanism). */
let proxy: Server;
let proxied: string[] = [];
let endpoint: MemoryEndpoint;

async function post(path: string, body: unknown): Promise<[number, unknown]> {
  const response = await fetch(`${broker.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return [response.status, await response.json()];
}

async function get(path: string): Promise<[number, Record<string, unknown>]> {
  const response = await fetch(`${broker.url}${path}`);
  return [response.status, (await response.json()) as Record<string, unknown>];
}

async function serve(handler: Parameters<typeof createServer>[1]): Promise<[Server, string]> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return [server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`];
}

before(async () => {
  broker = await startLocalBroker();
  const turns = Array.from({ length: 2500 }, (_, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content: `m${i}` }));
  for (let i = 0; i < turns.length; i += 500) await post("/messages", { conversation_id: "long", query_id: `q${i}`, messages: turns.slice(i, i + 500) });
  await post("/messages", { conversation_id: "short", query_id: "q-s", messages: [{ role: "user", content: "hi" }] });
  let url: string;
  [proxy, url] = await serve((req, res) => {
    proxied.push(req.url ?? "");
    fetch(`${broker.url}${req.url}`).then(async (r) => res.writeHead(r.status, { "Content-Type": "application/json" }).end(await r.text()), (e: unknown) => res.writeHead(502).end(String(e)));
  });
  endpoint = { memory: "ns/default", url, headers: {} };
});

after(async () => {
  await broker?.close();
  await new Promise((resolve) => proxy?.close(resolve));
});

describe("the local broker serves ARK's memory API", () => {
  it("GET /messages pages like ark-broker: limit default 100, max 1,000, cursor = last sequence, hasMore/nextCursor", async () => {
    const [, first] = await get("/messages?conversation_id=long");
    assert.equal((first.items as unknown[]).length, 100);
    assert.equal(first.total, 2500);
    assert.equal(first.hasMore, true);
    const [, page] = await get(`/messages?conversation_id=long&limit=1000&cursor=${first.nextCursor}`);
    const items = page.items as { sequence: number; message: { content: string } }[];
    assert.equal(items[0]?.message.content, "m100");
    assert.equal(items[0]?.sequence, (first.nextCursor as number) + 1);
    const [, last] = await get(`/messages?conversation_id=long&limit=1000&cursor=${2000}`);
    assert.equal(last.hasMore, false);
    assert.equal(last.nextCursor, undefined);
    assert.equal((last.items as unknown[]).length, 500);
  });

  it("bad limits and cursors are PAGINATION_ERRORs; conversations are listed, shown, created and deleted", async () => {
    for (const bad of ["limit=0", "limit=1001", "limit=x", "cursor=-1"]) {
      const [status, body] = await get(`/messages?${bad}`);
      assert.equal(status, 400, bad);
      assert.equal((body.error as { code: string }).code, "PAGINATION_ERROR", bad);
    }
    const [, list] = await get("/conversations");
    assert.deepEqual(list.conversations, ["long", "short"]);
    const [, shown] = await get("/conversations/short");
    assert.deepEqual((shown.messages as { message: unknown }[]).map((m) => m.message), [{ role: "user", content: "hi" }]);
    assert.equal((await get("/conversations/none"))[0], 404);
    const [created, made] = await post("/conversations", {});
    assert.equal(created, 201);
    assert.match((made as { conversation_id: string }).conversation_id, /^[0-9a-f-]{36}$/);
    await post("/messages", { conversation_id: "temp", query_id: "qa", messages: [{ role: "user", content: "a" }] });
    await post("/messages", { conversation_id: "temp", query_id: "qb", messages: [{ role: "user", content: "b" }] });
    await fetch(`${broker.url}/conversations/temp/queries/qa/messages`, { method: "DELETE" });
    assert.deepEqual(broker.messages("temp").map((m) => m.query_id), ["qb"]);
    await fetch(`${broker.url}/conversations/temp`, { method: "DELETE" });
    assert.deepEqual(broker.messages("temp"), []);
  });

  it("messages with ttl_seconds expire; a bad ttl is refused", async () => {
    assert.equal((await post("/messages", { conversation_id: "ttl", query_id: "q", messages: [{ role: "user", content: "x" }], ttl_seconds: 0 }))[0], 400);
    await post("/messages", { conversation_id: "ttl", query_id: "q", messages: [{ role: "user", content: "x" }], ttl_seconds: 1 });
    assert.equal(broker.messages("ttl").length, 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal(broker.messages("ttl").length, 0);
  });
});

describe("readConversation", () => {
  it("pages through the whole conversation and keeps the latest `limit` messages, typed, oldest first", async () => {
    proxied = [];
    const latest = await readConversation(endpoint, "long", { limit: 1500 });
    assert.equal(latest.length, 1500);
    assert.deepEqual(latest[0], { role: "user", content: "m1000" });
    assert.equal(latest.at(-1)?.content, "m2499");
    assert.deepEqual(proxied, ["/messages?conversation_id=long&limit=1000", "/messages?conversation_id=long&limit=1000&cursor=1000", "/messages?conversation_id=long&limit=1000&cursor=2000"]);
    assert.equal((await readConversation(endpoint, "long")).length, 100, "default limit 100");
    assert.deepEqual(await readConversation(endpoint, "nobody"), []);
  });

  it("maxBytes drops the oldest messages, and never leaves a tool message without its call", async () => {
    const [server, url] = await serve((_req, res) => {
      const messages = [
        { role: "user", content: "x".repeat(500) },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "y".repeat(100) },
        { role: "assistant", content: "done" },
      ];
      res.writeHead(200).end(JSON.stringify({ items: messages.map((message, i) => ({ sequence: i + 1, message })), hasMore: false }));
    });
    try {
      const own = { memory: "ns/m", url, headers: {} };
      assert.equal((await readConversation(own, "c")).length, 4);
      const bounded = await readConversation(own, "c", { maxBytes: 300 });
      assert.deepEqual(bounded, [{ role: "assistant", content: "done" }], "the tool message lost its call: dropped too");
      const calls = await readConversation(own, "c", { maxBytes: 400 });
      assert.equal(calls[0]?.role, "assistant");
      assert.deepEqual(calls[0]?.toolCalls, [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }]);
      await assert.rejects(readConversation(own, "c", { limit: -1 }), (e: unknown) => e instanceof ArgumentError && e.field === "limit" && e.name === "ArgumentError");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("fails with MemoryUnavailableError naming the Memory and what went wrong", async () => {
    const [server, url] = await serve((req, res) => {
      if (req.url?.includes("=status")) res.writeHead(503).end("down");
      else if (req.url?.includes("=html")) res.writeHead(200).end("<html>");
      else if (req.url?.includes("=shape")) res.writeHead(200).end(JSON.stringify({ items: [{ message: { content: "no role" } }] }));
      else if (req.url?.includes("=loop")) res.writeHead(200).end(JSON.stringify({ items: [], hasMore: true }));
      // =hang: never answers
    });
    const own = { memory: "ns/m", url, headers: {} };
    const failure = async (id: string, options = {}) => {
      const error = await readConversation(own, id, options).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof MemoryUnavailableError, `${id}: ${String(error)}`);
      assert.equal(error.memory, "ns/m");
      return error;
    };
    try {
      assert.equal((await failure("status")).reason, "Unreachable");
      assert.match((await failure("status")).message, /HTTP 503: down/);
      assert.equal((await failure("html")).reason, "BadResponse");
      assert.match((await failure("shape")).message, /items\[0\]\.message\.role/);
      assert.match((await failure("loop")).message, /nextCursor/);
      const hung = await failure("hang", { timeoutMs: 200 });
      assert.match(hung.message, /no answer within 200 ms/);
      const closed = await readConversation({ memory: "ns/m", url: "http://127.0.0.1:9", headers: {} }, "c").catch((e: unknown) => e);
      assert.ok(closed instanceof MemoryUnavailableError && closed.reason === "Unreachable", String(closed));
      // The caller's signal wins over everything: its reason comes out as is.
      const stop = new AbortController();
      const reading = readConversation(own, "hang", { signal: stop.signal });
      setTimeout(() => stop.abort(new Error("stop reading")), 50);
      await assert.rejects(reading, /stop reading/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("ctx.history() in the engine test kit", () => {
  class Echo extends BaseExecutor {
    constructor() {
      super("echo");
    }
    async executeAgent(_request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
      const history = await ctx.history({ limit: 2 });
      return [{ role: "assistant", content: history.map((m) => m.content).join(",") }];
    }
  }

  it("answers the request's history, bounded", async () => {
    const history: Message[] = [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }];
    const result = await runEngine(new Echo(), engineRequest({ history }));
    assert.equal(result.text, "b,c");
    assert.equal((await runEngine(new Echo(), engineRequest())).text, "");
  });
});
