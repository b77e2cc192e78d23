// The local broker over real loopback HTTP: ARK's write side (NDJSON chunks, complete, memory messages) as the
// executor's BrokerStream sends it, and ARK's read side (SSE with from-beginning replay, [DONE]) as ark-sdk's
// readBrokerStream reads it; plus its refusals of bad input.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BrokerStreamError } from "ark-sdk";
import { readBrokerStream } from "../../src/ark/query-stream.js";
import { BrokerStream } from "../../src/executor/broker-client.js";
import { startLocalBroker, type LocalBroker } from "ark-sdk/testing";

let broker: LocalBroker;

before(async () => {
  broker = await startLocalBroker();
});

after(async () => {
  await broker.close();
});

async function read(query: string, signal = AbortSignal.timeout(5_000)): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const item of readBrokerStream(broker.url, query, signal)) out.push(item);
  return out;
}

const contentOf = (chunk: Record<string, unknown>) => (chunk.choices as { delta: { content: string } }[] | undefined)?.[0]?.delta.content;

describe("local broker", () => {
  it("replays a finished stream from the beginning and ends with [DONE]", async () => {
    const stream = new BrokerStream({ baseUrl: broker.url, queryName: "q-done", sessionId: "s1", agentName: "a1" });
    void stream.sendChunk("Hello ");
    void stream.sendChunk("world");
    void stream.sendFinalChunk("Hello world", [{ role: "assistant", content: "Hello world" }]);
    await stream.complete();
    assert.equal(broker.isComplete("q-done"), true);
    const chunks = await read("q-done");
    assert.deepEqual(chunks.map(contentOf), ["Hello ", "world", ""]);
    assert.equal((chunks[2]?.ark as { completedQuery?: unknown }).completedQuery !== undefined, true);
  });

  it("delivers chunks live to a reader that connected first", async () => {
    const reading = read("q-live");
    await new Promise((r) => setTimeout(r, 50));
    const stream = new BrokerStream({ baseUrl: broker.url, queryName: "q-live", sessionId: "s", agentName: "a" });
    void stream.sendChunk("one");
    void stream.sendChunk("two");
    await stream.complete();
    assert.deepEqual((await reading).map(contentOf), ["one", "two"]);
  });

  it("ends a stream after an error chunk, as ARK's broker does", async () => {
    const stream = new BrokerStream({ baseUrl: broker.url, queryName: "q-err", sessionId: "s", agentName: "a" });
    void stream.sendChunk("partial");
    await stream.sendError("engine exploded");
    assert.deepEqual((await read("q-err")).map((c) => contentOf(c) ?? (c.error as { message: string }).message), ["partial", "engine exploded"]);
  });

  it("stores memory messages per conversation", async () => {
    const stream = new BrokerStream({ baseUrl: broker.url, queryName: "q-mem", sessionId: "conv-7", agentName: "a" });
    await stream.sendMessages("conv-7", [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }]);
    assert.deepEqual(broker.messages("conv-7").map((m) => m.message), [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }]);
    const listed = (await (await fetch(`${broker.url}/messages?conversation_id=conv-7`)).json()) as { total: number };
    assert.equal(listed.total, 2);
    const deleted = (await (await fetch(`${broker.url}/queries/q-mem/messages`, { method: "DELETE" })).json()) as { deleted: number };
    assert.equal(deleted.deleted, 2);
  });

  it("refuses bad input with a status and a message naming the problem", async () => {
    const post = (path: string, body: string) => fetch(`${broker.url}${path}`, { method: "POST", body }).then(async (r) => [r.status, ((await r.json()) as { error?: { message: string } }).error?.message]);
    assert.deepEqual(await post("/stream/q-bad", '{"ok":1}\nnot json\n'), [400, "line 2 of the NDJSON body is not JSON"]);
    assert.deepEqual(broker.chunks("q-bad"), [], "nothing of a rejected body is kept");
    assert.deepEqual(await post("/stream/never-started/complete", "{}"), [404, "Stream not found"]);
    assert.deepEqual(await post("/messages", '{"conversation_id":"c","messages":[]}'), [400, "query_id must be a non-empty string"]);
    const wait = await fetch(`${broker.url}/stream/q-x?wait-for-query=soon`);
    assert.equal(wait.status, 400);
  });

  it("times out a reader waiting for a query that never streams (wait-for-query)", async () => {
    const response = await fetch(`${broker.url}/stream/q-silent?wait-for-query=100ms`);
    const text = await response.text();
    assert.match(text, /"type":"timeout_error"/);
    assert.match(text, /data: \[DONE\]\n\n$/);
  });

  it("readBrokerStream reports an unreachable broker as BrokerStreamError", async () => {
    await assert.rejects(readBrokerStream("http://127.0.0.1:1", "q", AbortSignal.timeout(5_000)).next(), (e: unknown) => e instanceof BrokerStreamError && /cannot reach the broker/.test(e.message));
  });
});
