// Queries end to end on a real control plane: ark.queries.run/wait/stream/cancel through the development
// dispatcher, an ExecutorApp engine and the local broker, including failure, timeout, cancel, deletion,
// targets the dispatcher cannot serve, and 50 concurrent queries.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  QueryCanceledError, QueryDeletedError, QueryFailedError, QueryTimeoutError, isQueryTerminal, loopbackServiceUrl, type Query,
  type QueryStreamEvent,
} from "ark-sdk";
import { ExecutionAbortedError } from "ark-sdk/executor";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually, startQueryStack, type QueryStack } from "./helpers.js";

let cluster: TestCluster;
let stack: QueryStack;
const agent = { type: "agent" as const, name: "scripted-agent" };

before(async () => {
  cluster = await testCluster();
  stack = await startQueryStack(cluster, "queries");
});

after(async () => {
  await stack?.close();
  await cluster?.close();
});

async function collect(events: AsyncIterable<QueryStreamEvent>): Promise<QueryStreamEvent[]> {
  const out: QueryStreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe("ark.queries.run", () => {
  it("runs a query to done and returns a typed result", async () => {
    const result = await stack.ark.queries.run({ input: "hello engine", target: agent, timeout: "30s" });
    assert.equal(result.phase, "done");
    assert.equal(result.content, "HELLO ENGINE [be brief]");
    assert.deepEqual(result.raw, [{ role: "assistant", content: "HELLO ENGINE [be brief]" }]);
    assert.deepEqual(result.tokenUsage, { promptTokens: 3, completionTokens: 5, totalTokens: 8, cachedTokens: 0 });
    assert.match(result.duration ?? "", /^[\d.]+(ms|s|µs)$/);
    assert.ok((result.durationMs ?? -1) >= 0);
    assert.ok(result.conversationId, "the engine's conversation id is recorded");
    assert.match(result.name, /^scripted-agent-[a-z0-9]{5}$/, "generated name from the target");
    const status = result.query.status;
    assert.equal(status?.response?.phase, "done");
    assert.deepEqual(status?.response?.target, agent);
    const completed = status?.conditions?.find((c) => c.type === "Completed");
    assert.equal(completed?.status, "True");
    assert.equal(completed?.reason, "QuerySucceeded");
    const engine = await stack.ark.executionEngines.get("scripted");
    assert.equal(engine.status?.phase, "ready");
    assert.equal(engine.status?.lastResolvedAddress, stack.engineUrl);
  });

  it("sends the engine exactly what ARK sends: templated input, query reference, conversation id", async () => {
    const first = await stack.ark.queries.run({ input: "greet {{.who}} from {{ .team }}", parameters: { who: "Ada", team: "ops" }, target: agent });
    assert.equal(first.content, "GREET ADA FROM OPS [be brief]");
    const next = stack.engine.next();
    await stack.ark.queries.run({ input: "again", target: agent, conversationId: first.conversationId });
    const execution = await next;
    assert.equal(execution.ctx.conversationId, first.conversationId, "spec.conversationId travels as the A2A contextId");
    assert.equal(execution.ctx.queryRef?.namespace, stack.namespace);
  });

  it("an engine's provisioning phase is waited through", async () => {
    const phases: string[] = [];
    const watching = new AbortController();
    const seen = (async () => {
      for await (const event of stack.ark.queries.watch({ signal: watching.signal })) {
        if (event.type !== "BOOKMARK" && event.object.spec.input === "provision:ready") phases.push(event.object.status?.phase ?? "");
      }
    })();
    const result = await stack.ark.queries.run({ input: "provision:ready", target: agent });
    assert.equal(result.content, "ready");
    await eventually(() => phases.at(-1) === "done", "the done event");
    watching.abort();
    await seen;
    assert.ok(phases.includes("provisioning"), phases.join(","));
    assert.equal(result.query.status?.conditions?.find((c) => c.type === "Completed")?.reason, "QuerySucceeded");
  });

  it("engine error: QueryFailedError carrying ARK's error response with the engine's message", async () => {
    const error = await stack.ark.queries.run({ input: "fail:the model is on fire", target: agent }).catch((e: unknown) => e);
    assert.ok(error instanceof QueryFailedError, String(error));
    assert.match(error.message, /the model is on fire/);
    assert.equal(error.result.phase, "error");
    assert.match(error.result.content, /^query execution failed: .*the model is on fire/);
    assert.equal(error.result.raw[0]?.error, "target_execution_error");
    assert.equal(error.reason, "QueryErrored");
  });

  it("client-side timeout: spec.cancel is set, the engine's ctx.signal aborts, QueryTimeoutError", async () => {
    const next = stack.engine.next();
    const failure = stack.ark.queries.run({ input: "wait", target: agent, timeout: "1500ms" }).catch((e: unknown) => e);
    const execution = await next;
    const error = await failure;
    assert.ok(error instanceof QueryTimeoutError, String(error));
    assert.equal(error.reason, "timeout");
    const reason = await execution.aborted;
    assert.ok(reason instanceof ExecutionAbortedError, String(reason));
    const query = await stack.ark.queries.get(error.queryName);
    assert.equal(query.spec.cancel, true);
    await stack.ark.queries.waitFor(error.queryName, (q) => q.status?.phase === "canceled", { timeoutMs: 10_000 });
  });

  it("spec.timeout enforced by the dispatcher as ARK v0.1.67 does (D6, W9): QueryErrored with Go's deadline error, no duration", async () => {
    const next = stack.engine.next();
    const failure = stack.ark.queries.run({ input: "wait", target: agent, timeout: "1s" }, { timeoutMs: 20_000 }).catch((e: unknown) => e);
    const execution = await next;
    const error = await failure;
    assert.ok(error instanceof QueryFailedError, String(error));
    assert.equal(error.reason, "QueryErrored");
    assert.equal(error.result.content, `query execution failed: a2aClient.SendMessage: a2aClient.doRequest: http request failed: Post "${stack.engineUrl}/": context deadline exceeded`);
    assert.equal(error.result.query.status?.duration, undefined);
    await execution.aborted;
  });

  it("cancel while running: the call is aborted, the Query ends canceled, run() rejects", async () => {
    const next = stack.engine.next();
    const failure = stack.ark.queries.run({ input: "wait", target: agent }).catch((e: unknown) => e);
    const execution = await next;
    const name = execution.ctx.queryRef?.name ?? "";
    const updated = await stack.ark.queries.cancel(name);
    assert.equal(updated.spec.cancel, true);
    const error = await failure;
    assert.ok(error instanceof QueryCanceledError, String(error));
    assert.equal(error.reason, "canceled");
    await execution.aborted;
    const query = await stack.ark.queries.get(name);
    assert.equal(query.status?.phase, "canceled");
    assert.equal(query.status?.conditions?.find((c) => c.type === "Completed")?.reason, "QueryCanceled");
  });

  it("aborting the caller's signal sets spec.cancel", async () => {
    const next = stack.engine.next();
    const controller = new AbortController();
    const failure = stack.ark.queries.run({ input: "wait", target: agent }, { signal: controller.signal }).catch((e: unknown) => e);
    const execution = await next;
    controller.abort();
    const error = await failure;
    assert.ok(error instanceof QueryCanceledError && error.reason === "aborted", String(error));
    await execution.aborted;
    assert.equal((await stack.ark.queries.get(error.queryName)).spec.cancel, true);
  });

  it("targets without a named engine go to the central completions engine, which fails as on ARK without it (D1)", async () => {
    await stack.ark.agents.create({ metadata: { name: "plain-agent" }, spec: { prompt: "hi", modelRef: { name: "m" } } });
    const targets = [{ type: "model" as const, name: "m" }, { type: "team" as const, name: "t" }, { type: "agent" as const, name: "plain-agent" }, { type: "agent" as const, name: "no-such-agent" }];
    for (const target of targets) {
      const error = await stack.ark.queries.run({ input: "hi", target }).catch((e: unknown) => e);
      assert.ok(error instanceof QueryFailedError, String(error));
      assert.equal(
        error.result.content,
        'query execution failed: a2aClient.SendMessage: a2aClient.doRequest: http request failed: Post "http://ark-completions.ark-system/": dial tcp: lookup ark-completions.ark-system: no such host',
        `${target.type}/${target.name}`,
      );
    }
  });

  it("a Query deleted mid-run: run() rejects with QueryDeletedError and the engine's call is aborted", async () => {
    const next = stack.engine.next();
    const failure = stack.ark.queries.run({ input: "wait", target: agent }).catch((e: unknown) => e);
    const execution = await next;
    await stack.ark.queries.delete(execution.ctx.queryRef?.name ?? "");
    const error = await failure;
    assert.ok(error instanceof QueryDeletedError, String(error));
    await execution.aborted;
  });

  it("bad requests fail before anything is sent, naming the field", async () => {
    await assert.rejects(stack.ark.queries.run({ input: "x", target: { type: "robot" as "agent", name: "a" } }), /target\.type: must be one of agent, team, model, tool/);
    await assert.rejects(stack.ark.queries.run({ input: "x", target: agent, timeout: "soon" }), /timeout: .*soon/);
    await assert.rejects(stack.ark.queries.run({ input: 42 as unknown as string, target: agent }), /input: must be a string/);
  });

  it("50 queries at once through one engine: every result is correct", async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => stack.ark.queries.run({ input: `q${i}`, target: agent, timeout: "60s" })));
    results.forEach((result, i) => assert.equal(result.content, `Q${i} [be brief]`));
    assert.equal(new Set(results.map((r) => r.name)).size, 50);
  });
});

describe("ark.queries.wait and stream", () => {
  it("wait() follows an existing Query; waitFor() works with the phase predicates", async () => {
    const query = await stack.ark.queries.start({ input: "later", target: agent });
    const result = await stack.ark.queries.wait(query.metadata.name ?? "");
    assert.equal(result.content, "LATER [be brief]");
    const again = await stack.ark.queries.waitFor(query.metadata.name ?? "", isQueryTerminal, { timeoutMs: 5_000 });
    assert.equal(again.status?.phase, "done");
  });

  it("streams text deltas and tool calls from the broker, then the result", async () => {
    const query = await stack.ark.queries.start({ input: "stream:Sunny |and |warm", target: agent });
    const events = await collect(stack.ark.queries.stream(query.metadata.name ?? "", { serviceUrl: loopbackServiceUrl }));
    assert.deepEqual(events.filter((e) => e.type === "text").map((e) => (e.type === "text" ? e.text : "")), ["Sunny ", "and ", "warm"]);
    const call = events.find((e) => e.type === "tool-call");
    assert.deepEqual(call && call.type === "tool-call" ? [call.name, call.id, JSON.parse(call.arguments)] : [], ["lookup", "call-1", { q: "Sunny " }]);
    const last = events.at(-1);
    assert.equal(last?.type, "result");
    assert.equal(last?.type === "result" ? last.result.content : "", "Sunny and warm");
    assert.equal(last?.type === "result" ? last.result.tokenUsage?.totalTokens : 0, 5);
  });

  it("ends with the result when the engine streams nothing, and when no broker is read", async () => {
    const query = await stack.ark.queries.start({ input: "quiet:just this", target: agent });
    const name = query.metadata.name ?? "";
    const viaBroker = await collect(stack.ark.queries.stream(name, { serviceUrl: loopbackServiceUrl }));
    assert.deepEqual(viaBroker.map((e) => e.type), ["text", "result"], "the engine's fallback chunk, then the result");
    const withoutBroker = await collect(stack.ark.queries.stream(name, { brokerUrl: null }));
    assert.deepEqual(withoutBroker.map((e) => e.type), ["result"]);
  });

  it("a failed query's stream shows the engine's error and then throws QueryFailedError", async () => {
    const query = await stack.ark.queries.start({ input: "fail:no luck", target: agent });
    const events: QueryStreamEvent[] = [];
    const error = await (async () => {
      for await (const event of stack.ark.queries.stream(query.metadata.name ?? "", { serviceUrl: loopbackServiceUrl })) events.push(event);
    })().catch((e: unknown) => e);
    assert.ok(error instanceof QueryFailedError, String(error));
    const streamError = events.find((e) => e.type === "stream-error");
    assert.match(streamError?.type === "stream-error" ? streamError.message : "", /no luck/);
  });

  it("the dispatcher reports timings and counts its status writes", async () => {
    await eventually(() => stack.records.length > 0, "dispatch records");
    const done = stack.records.filter((r) => r.phase === "done");
    assert.ok(done.length > 0);
    for (const r of done) assert.ok(r.engineMs >= 0 && r.totalMs >= r.engineMs, JSON.stringify(r));
    assert.ok(stack.dispatcher.stats.statusWrites >= 2 * done.length, "running + final per query");
  });

  it("no Query is left running", async () => {
    const open = (await stack.ark.queries.list()).filter((q: Query) => !isQueryTerminal(q) && q.status?.phase !== "input-required");
    assert.deepEqual(open.map((q) => `${q.metadata.name}:${q.status?.phase}`), []);
  });
});
