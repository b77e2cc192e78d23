// ExecutorApp over real node:http on loopback, driven by raw requests byte-equal to ARK's controller and by the
// A2A JS SDK's client (0.3.x, A2A 0.3). Resolution comes from the in-memory StaticQueryResolver; the cluster-backed
// resolver is tested in cluster-resolver.cluster.test.ts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ClientFactory } from "@a2a-js/sdk/client";
import type { Message as A2AJsMessage, Task as A2AJsTask } from "@a2a-js/sdk";
import { ExecutionAbortedError, ExecutorApp, StaticQueryResolver } from "ark-sdk/executor";
import { QUERY_EXTENSION_METADATA_KEY, QUERY_EXTENSION_URI } from "ark-sdk/protocol";
import { TestEngine, plainRequest, postLikeController, sendBody } from "./helpers.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
type RpcAnswer = { jsonrpc: string; id: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };

const resolver = new StaticQueryResolver()
  .set("team-a", "weather-query", { request: plainRequest() })
  .set("team-a", "team-query", { request: plainRequest("member-a") })
  .set("team-a", "q1", { request: plainRequest() })
  .set("team-a", "short", { request: plainRequest(), timeoutMs: 150 });
const engine = new TestEngine();
const app = new ExecutorApp(engine, "MyEngine", { resolver, maxBodyBytes: 64 * 1024, logger: silent() });
let url = "";

function silent() {
  const noop = () => {};
  return { debug: noop, info: noop, warn: noop, error: noop };
}

async function rpc(body: string): Promise<RpcAnswer & { status: number }> {
  const answer = await postLikeController(url, body);
  return { ...(answer.json as RpcAnswer), status: answer.status };
}

before(async () => {
  url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
});
after(async () => {
  await app.close({ gracePeriodMs: 1000 });
});

describe("ARK's controller request (golden bytes)", () => {
  it("answers with the golden agent message: text, context id, raw messages and summed token usage", async () => {
    const next = engine.nextCall();
    const answer = await postLikeController(url, fixture("controller-message-send.json"));
    assert.equal(answer.status, 200);
    assert.match(String(answer.headers["content-type"]), /^application\/json/);
    assert.deepEqual(answer.json, JSON.parse(fixture("engine-response.json")));
    const { request, ctx } = await next;
    assert.equal(request.userInput.content, "Is 2 < 3 & why?");
    assert.equal(request.conversationId, "conv-123");
    assert.deepEqual(ctx.queryRef, { name: "weather-query", namespace: "team-a", conversationId: "" });
    assert.equal(ctx.isSubTarget, false);
    assert.equal(ctx.signal.aborted, false);
  });

  it("generates a conversation id when the Query has none, and returns it", async () => {
    const answer = (await postLikeController(url, fixture("controller-message-send-no-context.json"))).json as RpcAnswer;
    const contextId = answer.result?.contextId;
    assert.match(String(contextId), /^[0-9a-f-]{36}$/);
    const meta = (answer.result?.metadata as Record<string, Record<string, unknown>>)[QUERY_EXTENSION_METADATA_KEY];
    assert.equal(meta?.conversationId, contextId);
    assert.equal(answer.result?.taskId, undefined, "a taskId would make ARK record an A2A task");
  });

  it("runs a team member for a sub-target request, in the member's conversation scope", async () => {
    const next = engine.nextCall();
    const answer = (await postLikeController(url, fixture("controller-message-send-subtarget.json"))).json as RpcAnswer;
    assert.equal(answer.result?.contextId, "166c577a311bcce59f94d9ae24439f16");
    const { ctx, request } = await next;
    assert.equal(ctx.isSubTarget, true);
    assert.deepEqual(ctx.queryRef?.target, { type: "agent", name: "member-a" });
    assert.equal(request.conversationId, "166c577a311bcce59f94d9ae24439f16");
  });
});

describe("agent card, health, readiness", () => {
  it("serves the golden card at both well-known paths with the address actually served", async () => {
    const expected = JSON.parse(fixture("agent-card.json").replace("{{URL}}", url)) as unknown;
    for (const path of ["/.well-known/agent-card.json", "/.well-known/agent.json"]) {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), expected);
    }
  });

  it("reports health and readiness", async () => {
    const health = await fetch(`${url}/health`);
    assert.deepEqual(await health.json(), { status: "healthy", engine: "myengine" });
    const ready = await fetch(`${url}/ready`);
    assert.equal(ready.status, 200);
    assert.equal((await fetch(`${url}/nope`)).status, 404);
    assert.equal((await fetch(`${url}/health`, { method: "POST" })).status, 405);
  });
});

describe("bad input gets the right JSON-RPC error and the server keeps serving", () => {
  it("malformed JSON → -32700", async () => {
    const answer = await rpc("{not json");
    assert.equal(answer.error?.code, -32700);
    assert.match(answer.error?.message ?? "", /not valid JSON/);
    assert.equal(answer.id, null);
  });
  it("wrong JSON-RPC version → -32600 naming the field", async () => {
    const answer = await rpc(JSON.stringify({ jsonrpc: "1.0", id: 7, method: "message/send", params: {} }));
    assert.equal(answer.error?.code, -32600);
    assert.match(answer.error?.message ?? "", /'jsonrpc' must be "2.0"/);
    assert.equal(answer.id, 7);
  });
  it("unknown method → -32601 naming it", async () => {
    const answer = await rpc(JSON.stringify({ jsonrpc: "2.0", id: "x", method: "agents/dance", params: {} }));
    assert.equal(answer.error?.code, -32601);
    assert.equal(answer.error?.message, "Method not found: agents/dance");
  });
  it("missing QueryRef → -32602 with Python's message", async () => {
    const body = JSON.parse(sendBody("hi")) as { params: { message: { metadata?: unknown } } };
    delete body.params.message.metadata;
    const answer = await rpc(JSON.stringify(body));
    assert.equal(answer.error?.code, -32602);
    assert.equal(answer.error?.message, `Invalid params: Missing or invalid Ark query extension metadata at key '${QUERY_EXTENSION_METADATA_KEY}'`);
  });
  it("invalid QueryRef and invalid params → -32602 naming the field", async () => {
    const badTarget = await rpc(sendBody("hi", { name: "q1", namespace: "team-a", target: "agent" }));
    assert.equal(badTarget.error?.code, -32602);
    assert.deepEqual(badTarget.error?.data, { field: "target" });
    const noParts = JSON.parse(sendBody("hi")) as { params: { message: { parts?: unknown } } };
    delete noParts.params.message.parts;
    const answer = await rpc(JSON.stringify(noParts));
    assert.equal(answer.error?.code, -32602);
    assert.equal(answer.error?.message, "Invalid params: params.message.parts: must be an array");
  });
  it("oversized body → 413, refused before it is parsed", async () => {
    const answer = await postLikeController(url, sendBody("x".repeat(70 * 1024)));
    assert.equal(answer.status, 413);
    assert.equal((answer.json as RpcAnswer).error?.code, -32600);
    assert.match((answer.json as RpcAnswer).error?.message ?? "", /exceeds the 65536-byte limit/);
  });
  it("a Query that does not exist → -32010 naming it", async () => {
    const answer = await rpc(sendBody("hi", { name: "nope", namespace: "team-a" }));
    assert.equal(answer.error?.code, -32010);
    assert.equal(answer.error?.message, "Query resolution failed: Query 'nope' not found in namespace 'team-a'");
    assert.deepEqual(answer.error?.data, { reason: "NotFound", object: "Query team-a/nope" });
  });
  it("an engine exception → a JSON-RPC error (ARK records a failed query), never a 'successful' error text", async () => {
    const answer = await rpc(sendBody("fail"));
    assert.equal(answer.error?.code, -32011);
    // The plain cause: ARK's controller adds its own "jsonrpc error -32011: " (issue 13 point 6).
    assert.equal(answer.error?.message, "model exploded");
    assert.equal(answer.result, undefined);
  });
  it("still serves after all of the above", async () => {
    const answer = await rpc(sendBody("still here"));
    assert.equal((answer.result?.parts as { text: string }[])[0]?.text, "echo: still here");
  });
});

describe("cancellation reaches ctx.signal", () => {
  it("deadline (the Query's spec.timeout) → -32012 with reason deadline", async () => {
    const next = engine.nextCall();
    const answer = await rpc(sendBody("wait", { name: "short", namespace: "team-a" }));
    const reason = await (await next).aborted;
    assert.ok(reason instanceof ExecutionAbortedError && reason.abortCause === "deadline");
    assert.equal(answer.error?.code, -32012);
    assert.deepEqual(answer.error?.data, { reason: "deadline" });
  });

  it("spec.cancel → -32012 with reason query-canceled", async () => {
    resolver.set("team-a", "cancel-me", { request: plainRequest() });
    const next = engine.nextCall();
    const pending = rpc(sendBody("wait", { name: "cancel-me", namespace: "team-a" }));
    const call = await next;
    resolver.cancel("team-a", "cancel-me");
    const reason = await call.aborted;
    assert.ok(reason instanceof ExecutionAbortedError && reason.abortCause === "query-canceled");
    assert.equal((await pending).error?.code, -32012);
  });

  it("the caller hanging up (how ARK's controller cancels) aborts the execution", async () => {
    const next = engine.nextCall();
    const controller = new AbortController();
    const pending = postLikeController(url, sendBody("wait"), { signal: controller.signal }).catch((e: unknown) => e);
    const call = await next;
    controller.abort();
    const reason = await call.aborted;
    assert.ok(reason instanceof ExecutionAbortedError && reason.abortCause === "client-disconnected");
    assert.ok((await pending) instanceof Error);
  });

  it("the engine's own fetches abort with ctx.signal", async () => {
    const next = engine.nextCall();
    const pending = rpc(sendBody("wait", { name: "short", namespace: "team-a" }));
    const { ctx } = await next;
    // A request to a server that never answers: only the abort can end it.
    const hang = (await import("node:http")).createServer(() => {});
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", r));
    const port = (hang.address() as { port: number }).port;
    const fetched = ctx.fetch(`http://127.0.0.1:${port}/`).then(() => "answered", (e: unknown) => e);
    const outcome = await fetched;
    hang.closeAllConnections();
    hang.close();
    assert.ok(outcome instanceof ExecutionAbortedError || (outcome instanceof Error && outcome.name === "AbortError") || outcome instanceof DOMException, String(outcome));
    assert.equal((await pending).error?.code, -32012);
  });
});

describe("A2A clients (@a2a-js/sdk 0.3, A2A 0.3)", () => {
  const metadata = { [QUERY_EXTENSION_METADATA_KEY]: { name: "q1", namespace: "team-a" } };
  const userMessage = (text: string): A2AJsMessage => ({ kind: "message", role: "user", messageId: crypto.randomUUID(), parts: [{ kind: "text", text }], metadata, extensions: [QUERY_EXTENSION_URI] });

  it("discovers the engine from its card and sends a blocking message", async () => {
    const client = await new ClientFactory().createFromUrl(url);
    const result = await client.sendMessage({ message: userMessage("hello a2a"), configuration: { blocking: true } });
    assert.equal(result.kind, "message");
    assert.equal((result as A2AJsMessage).parts[0]?.kind === "text" && (result as A2AJsMessage & { parts: { text: string }[] }).parts[0]?.text, "echo: hello a2a");
  });

  it("streams: task, text chunks as artifact updates, final completed status", async () => {
    const client = await new ClientFactory().createFromUrl(url);
    const events: { kind: string; [k: string]: unknown }[] = [];
    for await (const event of client.sendMessageStream({ message: userMessage("stream") })) events.push(event as never);
    assert.equal(events[0]?.kind, "task");
    const chunks = events.filter((e) => e.kind === "artifact-update").map((e) => (e.artifact as { parts: { text: string }[] }).parts[0]?.text);
    assert.deepEqual(chunks, ["Sunny ", "today"]);
    const last = events.at(-1) as { kind: string; final: boolean; status: { state: string; message: { parts: { text: string }[] } } };
    assert.equal(last.kind, "status-update");
    assert.equal(last.final, true);
    assert.equal(last.status.state, "completed");
    assert.equal(last.status.message.parts[0]?.text, "Sunny today");
  });

  it("tasks/cancel aborts ctx.signal and the task ends canceled; tasks/get reports it", async () => {
    const client = await new ClientFactory().createFromUrl(url);
    const next = engine.nextCall();
    const stream = client.sendMessageStream({ message: userMessage("wait") });
    const first = await stream.next();
    const task = first.value as A2AJsTask;
    assert.equal(task.kind, "task");
    const call = await next;
    const canceled = await client.cancelTask({ id: task.id });
    assert.equal(canceled.status.state, "canceled");
    const reason = await call.aborted;
    assert.ok(reason instanceof ExecutionAbortedError && reason.abortCause === "task-canceled");
    let final: { status?: { state: string } } | undefined;
    for await (const event of stream) final = event as never;
    assert.equal(final?.status?.state, "canceled");
    const got = await client.getTask({ id: task.id });
    assert.equal(got.status.state, "canceled");
    await assert.rejects(client.cancelTask({ id: task.id }), /cannot be canceled/);
    await assert.rejects(client.getTask({ id: "no-such-task" }), /Task not found/);
  });

  it("a non-blocking send returns a working task that completes", async () => {
    const client = await new ClientFactory().createFromUrl(url);
    const result = (await client.sendMessage({ message: userMessage("sleep:50"), configuration: { blocking: false } })) as A2AJsTask;
    assert.equal(result.kind, "task");
    assert.equal(result.status.state, "working");
    let task = result;
    for (let i = 0; i < 50 && task.status.state === "working"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      task = await client.getTask({ id: result.id });
    }
    assert.equal(task.status.state, "completed");
    assert.equal((task.artifacts?.[0]?.parts[0] as { text: string }).text, "slept 50");
  });
});

describe("fetch-style serving", () => {
  it("serves the same routes through app.fetch(Request)", async () => {
    const health = await app.fetch(new Request("http://engine.local/health"));
    assert.deepEqual(await health.json(), { status: "healthy", engine: "myengine" });
    const card = (await (await app.fetch(new Request("http://engine.local:9000/.well-known/agent-card.json"))).json()) as { url: string };
    assert.equal(card.url, "http://engine.local:9000");
    const answer = await app.fetch(new Request("http://engine.local/", { method: "POST", body: sendBody("via fetch") }));
    const json = (await answer.json()) as RpcAnswer;
    assert.equal((json.result?.parts as { text: string }[])[0]?.text, "echo: via fetch");
  });
});
