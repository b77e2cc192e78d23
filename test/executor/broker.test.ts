// Streaming to ARK's broker: a real node:http broker on loopback records every call; the engine runs behind
// ExecutorApp exactly as ARK calls it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, beforeEach, describe, it } from "node:test";
import { BaseExecutor, ExecutorApp, StaticQueryResolver, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { plainRequest, postLikeController, sendBody, startRecordingBroker, type BrokerCall } from "./helpers.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

class BrokerEngine extends BaseExecutor {
  constructor() {
    super("BrokerEngine");
  }
  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    switch (request.userInput.content) {
      case "weather?":
        await ctx.streamChunk("Sunny ");
        await ctx.streamToolCall("lookup", { q: "weather" }, "call-1");
        await ctx.streamChunk("today");
        ctx.reportUsage({ promptTokens: 4, completionTokens: 2, totalTokens: 6 });
        return [{ role: "assistant", content: "Sunny today" }];
      case "tools only":
        // Not awaited on purpose: order must hold anyway.
        void ctx.streamToolCall("Bash", { cmd: "ls" }, "toolu_1");
        void ctx.streamToolCall("Read", '{"path":"/etc/hosts"}', "toolu_2");
        void ctx.streamToolCall("Grep", "{}", "toolu_3", 7);
        return [{ role: "assistant", content: "done" }];
      case "fail":
        await ctx.streamChunk("partial ");
        throw new Error("tool crashed");
      default:
        return [{ role: "assistant", content: `plain ${request.userInput.content}` }];
    }
  }
}

let broker: Awaited<ReturnType<typeof startRecordingBroker>>;
let app: ExecutorApp;
let url = "";

before(async () => {
  broker = await startRecordingBroker();
  const resolver = new StaticQueryResolver({ brokerUrl: broker.url })
    .set("team-a", "weather-query", { request: { ...plainRequest(), messageTtlSeconds: 3600 } })
    .set("team-a", "team-query", { request: plainRequest("member-a") });
  app = new ExecutorApp(new BrokerEngine(), "BrokerEngine", { resolver, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
});
after(async () => {
  await app.close();
  await broker.close();
});
beforeEach(() => {
  broker.calls.length = 0;
});

const normalise = (calls: BrokerCall[]) =>
  calls.map((c) => {
    const body = c.body as { created?: number };
    return { ...c, body: typeof body === "object" && body && "created" in body ? { ...body, created: 0 } : body };
  });

const send = (input: string, query = "weather-query", extra: Record<string, unknown> = {}) =>
  postLikeController(url, sendBody(input, { name: query, namespace: "team-a", ...extra }, { contextId: "conv-123" }));

describe("broker stream of a top-level query", () => {
  it("sends chunks, tool-call chunks, memory messages, the final chunk and complete, in that order (golden)", async () => {
    const answer = await send("weather?");
    assert.equal(answer.status, 200);
    assert.deepEqual(normalise(broker.calls), JSON.parse(fixture("broker-calls.json")));
    for (const call of broker.calls.filter((c) => c.path === "/stream/weather-query")) assert.equal(call.contentType, "application/x-ndjson");
  });

  it("sends the whole answer as one chunk when the engine streamed no text", async () => {
    await send("hello");
    assert.deepEqual(broker.calls.map((c) => c.path), ["/messages", "/stream/weather-query", "/stream/weather-query", "/stream/weather-query/complete"]);
    const fallback = broker.calls[1]?.body as { choices: { delta: { content: string; tool_calls?: unknown }; finish_reason: string }[] };
    assert.deepEqual(fallback.choices[0]?.delta, { role: "assistant", content: "plain hello" });
    assert.equal(fallback.choices[0]?.finish_reason, "stop");
    assert.equal((broker.calls[2]?.body as { id: string }).id, "chatcmpl-final");
  });

  it("keeps tool-call order and indices (counter 0,1 then an explicit 7; string arguments unchanged), and still sends the text", async () => {
    await send("tools only");
    const toolChunks = broker.calls
      .map((c) => (c.body as { choices?: { delta: { tool_calls?: { index: number; id: string; function: { name: string; arguments: string } }[] } }[] }).choices?.[0]?.delta.tool_calls?.[0])
      .filter((t) => t !== undefined);
    assert.deepEqual(toolChunks.map((t) => [t.index, t.id, t.function.name, t.function.arguments]), [
      [0, "toolu_1", "Bash", '{"cmd":"ls"}'],
      [1, "toolu_2", "Read", '{"path":"/etc/hosts"}'],
      [7, "toolu_3", "Grep", "{}"],
    ]);
    const textChunks = broker.calls.filter((c) => (c.body as { choices?: { delta: { content: string } }[] }).choices?.[0]?.delta.content === "done");
    assert.equal(textChunks.length, 1, "tool-call chunks do not count as streamed text");
    await send("tools only");
    const again = broker.calls.map((c) => (c.body as { choices?: { delta: { tool_calls?: { index: number }[] } }[] }).choices?.[0]?.delta.tool_calls?.[0]?.index).filter((i) => i !== undefined);
    assert.deepEqual(again.slice(3), [0, 1, 7], "the index restarts with each execution");
  });

  it("closes the stream with an error chunk when the engine fails, and the query still fails", async () => {
    const answer = await send("fail");
    assert.equal((answer.json as { error: { code: number } }).error.code, -32011);
    const paths = broker.calls.map((c) => c.path);
    assert.deepEqual(paths, ["/stream/weather-query", "/stream/weather-query", "/stream/weather-query/complete"]);
    // W11: ARK's completions engine's error chunk (test/fixtures/ark-wire/w11-broker-error-chunk.json).
    const golden = JSON.parse(readFileSync(new URL("../fixtures/ark-wire/w11-broker-error-chunk.json", import.meta.url), "utf8")) as { chunk: { error: unknown } };
    assert.deepEqual((broker.calls[1]?.body as { error: unknown }).error, golden.chunk.error);
  });

  it("never fails the execution because of the broker", async () => {
    for (let i = 0; i < 4; i++) broker.failNext(500);
    const answer = await send("hello");
    assert.equal((answer.json as { result: { parts: { text: string }[] } }).result.parts[0]?.text, "plain hello");
  });
});

describe("sub-target requests", () => {
  it("never touch the broker", async () => {
    const answer = await send("hello", "team-query", { target: { type: "agent", name: "member-a" }, conversationId: "scope-1" });
    assert.equal(answer.status, 200);
    assert.equal(broker.calls.length, 0);
  });
});

describe("an unreachable broker", () => {
  it("is logged and does not fail the execution", async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} };
    const resolver = new StaticQueryResolver({ brokerUrl: "http://127.0.0.1:1", logger }).set("team-a", "q", { request: plainRequest() });
    const lonely = new ExecutorApp(new BrokerEngine(), { resolver, logger });
    try {
      const res = await lonely.fetch(new Request("http://engine.local/", { method: "POST", body: sendBody("hi", { name: "q", namespace: "team-a" }) }));
      assert.equal(((await res.json()) as { result: { parts: { text: string }[] } }).result.parts[0]?.text, "plain hi");
      assert.deepEqual(warnings.filter((w) => w.startsWith("cannot reach ARK's broker at http://127.0.0.1:1 (bad port)")).length, 1, warnings.join("\n"));
    } finally {
      await lonely.close();
    }
  });
});
