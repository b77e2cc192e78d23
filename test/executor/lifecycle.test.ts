// Draining and shutdown, the auth guard contract, and the older REST /execute protocol, each on its own app
// over real node:http.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RequestGuard } from "ark-sdk/auth";
import { BaseExecutor, ExecutionAbortedError, ExecutorApp, StaticQueryResolver, type ExecutionContext, type Message } from "ark-sdk/executor";
import { toWireRequest } from "../../src/executor/types.js";
import { TestEngine, plainRequest, postLikeController, sendBody } from "./helpers.js";

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function resolver() {
  return new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() });
}

describe("close(): drain, then abort", () => {
  it("refuses new work and turns readiness 503 while in-flight executions finish; aborts the rest after the grace period", async () => {
    const engine = new TestEngine();
    const app = new ExecutorApp(engine, "MyEngine", { resolver: resolver(), logger: silent });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    const sleeperSeen = engine.nextCall();
    const sleeper = postLikeController(url, sendBody("sleep:300"));
    await sleeperSeen;
    const waiterSeen = engine.nextCall();
    const waiter = postLikeController(url, sendBody("wait"));
    const waiterCall = await waiterSeen;

    const started = Date.now();
    const closed = app.close({ gracePeriodMs: 700 });
    assert.equal(app.isDraining, true);
    // The listening socket is closed at once, so probe through fetch-style serving.
    const ready = await app.fetch(new Request("http://engine.local/ready"));
    assert.equal(ready.status, 503);
    assert.deepEqual(await ready.json(), { status: "draining", engine: "myengine" });
    const refused = await app.fetch(new Request("http://engine.local/", { method: "POST", body: sendBody("late") }));
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: { code: number } }).error.code, -32013);
    assert.equal((await app.fetch(new Request("http://engine.local/health"))).status, 200, "liveness stays up while draining");

    const slept = await sleeper;
    assert.equal(((slept.json as { result: { parts: { text: string }[] } }).result.parts[0]?.text), "slept 300", "in-flight work finishes within the grace period");
    const reason = await waiterCall.aborted;
    assert.ok(reason instanceof ExecutionAbortedError && reason.abortCause === "shutdown");
    assert.ok(Date.now() - started >= 650, "aborted only after the grace period");
    const aborted = await waiter;
    assert.equal((aborted.json as { error: { code: number; data: unknown } }).error.code, -32012);
    await closed;
    assert.equal(app.inflightExecutions, 0);
    await assert.rejects(fetch(`${url}/health`));
  });

  it("close() is idempotent and fast when idle", async () => {
    const app = new ExecutorApp(new TestEngine("Idle"), { resolver: resolver(), logger: silent });
    await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    const t = Date.now();
    await Promise.all([app.close(), app.close()]);
    assert.ok(Date.now() - t < 1000);
  });
});

describe("auth guard", () => {
  // The guard contract: the app hands over every request; the guard decides, including which paths are open.
  const guard: RequestGuard = async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/health" || path === "/ready" || path.startsWith("/.well-known/")) return { ok: true };
    if (request.headers.get("authorization") === "Bearer good") return { ok: true, claims: { sub: "alice" } };
    return { ok: false, response: new Response(JSON.stringify({ error: "unauthorized" }), { status: 401, headers: { "WWW-Authenticate": 'Bearer error="invalid_token"', "Content-Type": "application/json" } }) };
  };

  it("sends the guard's refusal as is, keeps open paths open and passes the caller's claims to the engine", async () => {
    const engine = new TestEngine();
    const app = new ExecutorApp(engine, { resolver: resolver(), auth: guard, logger: silent });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      assert.equal((await fetch(`${url}/health`)).status, 200);
      assert.equal((await fetch(`${url}/.well-known/agent-card.json`)).status, 200);
      const denied = await postLikeController(url, sendBody("hi"));
      assert.equal(denied.status, 401);
      assert.equal(denied.headers["www-authenticate"], 'Bearer error="invalid_token"');
      assert.equal(engine.calls.length, 0);
      const next = engine.nextCall();
      const allowed = await fetch(url, { method: "POST", headers: { authorization: "Bearer good", "content-type": "application/json" }, body: sendBody("hi") });
      assert.equal(allowed.status, 200);
      assert.deepEqual((await next).ctx.caller, { sub: "alice" });
    } finally {
      await app.close();
    }
  });
});

describe("REST /execute (older protocol, opt-in)", () => {
  it("runs an ExecutionEngineRequest and answers { messages, error, token_usage }", async () => {
    const engine = new TestEngine();
    const app = new ExecutorApp(engine, { resolver: resolver(), restExecute: true, logger: silent });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const wire = toWireRequest({ ...plainRequest(), userInput: { role: "user", content: "stream" }, conversationId: "c-1" });
      const ok = await postLikeController(url, JSON.stringify(wire), { path: "/execute" });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, { messages: [{ role: "assistant", content: "Sunny today" }], error: "", token_usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6, cached_tokens: 0 } });
      assert.equal(engine.calls.at(-1)?.ctx.queryRef, undefined);

      const failed = await postLikeController(url, JSON.stringify({ ...wire, userInput: { role: "user", content: "fail" } }), { path: "/execute" });
      assert.equal(failed.status, 200);
      assert.deepEqual(failed.json, { messages: [], error: "model exploded" });

      const bad = await postLikeController(url, JSON.stringify({ userInput: { role: "user", content: "x" } }), { path: "/execute" });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json, { messages: [], error: "Invalid request: agent: must be an object" });
    } finally {
      await app.close();
    }
  });

  it("is not served unless enabled", async () => {
    const app = new ExecutorApp(new TestEngine("Modern"), { resolver: resolver(), logger: silent });
    const res = await app.fetch(new Request("http://engine.local/execute", { method: "POST", body: "{}" }));
    assert.equal(res.status, 404);
    await app.close();
  });
});

describe("ctx.logger", () => {
  it("tags every line with the execution's query, namespace and task", async () => {
    const lines: { message: string; fields: unknown }[] = [];
    const record = (message: string, fields?: unknown) => void lines.push({ message, fields });
    class Chatty extends BaseExecutor {
      constructor() {
        super("Chatty");
      }
      async executeAgent(_request: unknown, ctx: ExecutionContext): Promise<Message[]> {
        ctx.logger.info("thinking", { step: 1 });
        return [{ role: "assistant", content: ctx.taskId }];
      }
    }
    const app = new ExecutorApp(new Chatty(), "Chatty", { resolver: resolver(), logger: { debug: record, info: record, warn: record, error: record } });
    const res = await app.fetch(new Request("http://engine.local/", { method: "POST", body: sendBody("hi") }));
    const taskId = ((await res.json()) as { result: { parts: { text: string }[] } }).result.parts[0]?.text;
    assert.deepEqual(lines.filter((l) => !l.message.startsWith("query team-a/q1 ")), [{ message: "thinking", fields: { query: "q1", namespace: "team-a", task: taskId, step: 1 } }]);
    await app.close();
  });
});
