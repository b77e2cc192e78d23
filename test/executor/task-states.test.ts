// The A2A task a streaming (message/stream) client sees from a real ExecutorApp over loopback HTTP, event by
// event: the snapshot, each answer chunk as an artifact-update (append only after the first), exactly one final
// status-update whose state matches tasks/get (completed with the answer as artifact and in history; failed with
// the error, never completed; canceled), and the log lines a failure leaves (one each, never two).
// Written against the survivors of a mutation run of src/executor/a2a-handler.ts (README, "Mutation testing").
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BaseExecutor, ExecutorApp, StaticQueryResolver, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import type { LogFields, Logger } from "../../src/core/logger.js";
import { onAbort } from "../../src/core/abort.js";
import { eventually } from "../helpers/deadline.js";
import { plainRequest, sendBody } from "./helpers.js";

type Part = { kind: string; text: string };
type AgentMessage = { kind: string; role: string; taskId?: string; contextId?: string; parts: Part[] };
type Event = {
  kind: string;
  id?: string;
  taskId?: string;
  contextId?: string;
  status?: { state: string; message?: AgentMessage };
  final?: boolean;
  artifact?: { artifactId: string; name: string; parts: Part[] };
  append?: boolean;
  lastChunk?: boolean;
  history?: AgentMessage[];
  artifacts?: { artifactId: string; name: string; parts: Part[] }[];
};
type Line = { level: string; message: string };

/** Inputs: `chunks` streams a, b, c and answers "abc"; `fail` throws; `bigint` answers with what JSON cannot hold; `wait` waits for its abort. */
class StateEngine extends BaseExecutor {
  started = 0;
  constructor() {
    super("StateEngine");
  }
  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    this.started += 1;
    const input = request.userInput.content;
    if (input === "chunks") {
      for (const text of ["a", "b", "c"]) await ctx.streamChunk(text);
      return [{ role: "assistant", content: "abc" }];
    }
    if (input === "fail") throw new Error("model exploded");
    if (input === "bigint") return [{ role: "assistant", content: "big", size: 10n } as unknown as Message];
    if (input === "wait") {
      await new Promise((resolve) => onAbort(ctx.signal, resolve));
      throw ctx.signal.reason;
    }
    return [{ role: "assistant", content: `echo: ${input}` }];
  }
}

/** A logger that keeps every line; `throwOnWarn` makes warn() throw, as a broken log sink would. */
function recordingLogger(throwOnWarn = false): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (message: string, _fields?: LogFields) => {
    lines.push({ level, message });
    if (throwOnWarn && level === "warn") throw new Error("log sink down");
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function startApp(logger: Logger) {
  const engine = new StateEngine();
  const resolver = new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() });
  const app = new ExecutorApp(engine, "StateEngine", { resolver, logger });
  let url = "";
  let id = 0;
  const rpc = async (method: string, params: unknown) => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }), signal: AbortSignal.timeout(10_000) });
    return (await res.json()) as { result?: Event; error?: { code: number; message: string } };
  };
  return {
    engine,
    listen: async () => void (url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false })),
    close: () => app.close({ gracePeriodMs: 200 }),
    rpc,
    /** Opens a message/stream of `input`; `events` resolves with every event once the stream ends (10 s deadline). */
    async stream(input: string): Promise<{ first: Event; events: Promise<Event[]> }> {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: sendBody(input, undefined, { method: "message/stream" }), signal: AbortSignal.timeout(10_000) });
      assert.equal(res.headers.get("content-type")?.split(";")[0], "text/event-stream");
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      const seen: Event[] = [];
      let buffer = "";
      const next = async (): Promise<boolean> => {
        const { value, done } = await reader.read();
        if (done) return false;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          assert.ok(frame.startsWith("data: "), frame);
          const answer = JSON.parse(frame.slice(6)) as { result: Event };
          seen.push(answer.result);
        }
        return true;
      };
      while (seen.length === 0) assert.ok(await next(), "the stream ended before its first event");
      const events = (async () => {
        while (await next());
        return seen;
      })();
      return { first: seen[0]!, events };
    },
  };
}

describe("A2A task states through message/stream", () => {
  const logger = recordingLogger();
  const app = startApp(logger);
  before(() => app.listen());
  after(() => app.close());

  it("a completed task: snapshot, one artifact-update per chunk (append after the first), one final `completed`; tasks/get agrees", async () => {
    const { first, events } = await app.stream("chunks");
    const all = await events;
    const taskId = first.id!;
    assert.equal(first.kind, "task");
    assert.equal(first.status?.state, "working");
    const contextId = first.contextId;
    const artifacts = all.filter((e) => e.kind === "artifact-update");
    assert.deepEqual(
      artifacts.map((e) => ({ taskId: e.taskId, contextId: e.contextId, artifact: e.artifact, append: e.append, lastChunk: e.lastChunk })),
      ["a", "b", "c"].map((text, i) => ({ taskId, contextId, artifact: { artifactId: `${taskId}-response`, name: "response", parts: [{ kind: "text", text }] }, append: i > 0, lastChunk: false })),
    );
    const finals = all.filter((e) => e.final === true);
    assert.equal(finals.length, 1, JSON.stringify(all));
    assert.equal(all.at(-1), finals[0], "the final event is the last one");
    assert.equal(finals[0]?.kind, "status-update");
    assert.equal(finals[0]?.status?.state, "completed");
    assert.deepEqual(finals[0]?.status?.message?.parts, [{ kind: "text", text: "abc" }]);
    assert.ok(all.slice(0, -1).every((e) => e.final !== true && e.status?.state !== "completed"), "nothing before the end says completed");

    const task = (await app.rpc("tasks/get", { id: taskId })).result!;
    assert.equal(task.status?.state, "completed");
    assert.deepEqual(task.artifacts, [{ artifactId: `${taskId}-response`, name: "response", parts: [{ kind: "text", text: "abc" }] }]);
    assert.equal(task.history?.length, 2, JSON.stringify(task.history));
    assert.deepEqual({ role: task.history?.[0]?.role, taskId: task.history?.[0]?.taskId, contextId: task.history?.[0]?.contextId, parts: task.history?.[0]?.parts }, { role: "user", taskId, contextId, parts: [{ kind: "text", text: "chunks" }] });
    assert.deepEqual({ role: task.history?.[1]?.role, taskId: task.history?.[1]?.taskId, parts: task.history?.[1]?.parts }, { role: "agent", taskId, parts: [{ kind: "text", text: "abc" }] });
  });

  it("a task whose engine throws ends `failed` (never `completed`) with the error as an agent message, logged once", async () => {
    logger.lines.length = 0;
    const { first, events } = await app.stream("fail");
    const all = await events;
    const final = all.at(-1)!;
    assert.deepEqual({ kind: final.kind, final: final.final, state: final.status?.state }, { kind: "status-update", final: true, state: "failed" });
    assert.equal(all.filter((e) => e.final === true).length, 1);
    assert.ok(!all.some((e) => e.status?.state === "completed"), JSON.stringify(all));
    const message = final.status?.message;
    assert.deepEqual({ kind: message?.kind, role: message?.role, taskId: message?.taskId, contextId: message?.contextId }, { kind: "message", role: "agent", taskId: first.id, contextId: first.contextId });
    assert.equal(message?.parts.length, 1);
    assert.equal(message?.parts[0]?.kind, "text");
    assert.match(message?.parts[0]?.text ?? "", /model exploded/);
    assert.equal((await app.rpc("tasks/get", { id: first.id })).result?.status?.state, "failed");
    // The runtime logged the engine's exception (error, with its stack); the task layer adds no second line for it.
    const mentions = logger.lines.filter((l) => l.message.includes("model exploded"));
    assert.deepEqual(mentions.map((l) => l.level), ["error"], JSON.stringify(logger.lines));
  });

  it("a task whose answer cannot be serialised ends `failed`, and that failure (which nothing else logged) is logged once as a warning", async () => {
    logger.lines.length = 0;
    const { first, events } = await app.stream("bigint");
    const final = (await events).at(-1)!;
    assert.equal(final.status?.state, "failed");
    assert.match(final.status?.message?.parts[0]?.text ?? "", /answer cannot be serialised as JSON/);
    const mentions = logger.lines.filter((l) => l.message.includes("cannot be serialised"));
    assert.deepEqual(mentions.map((l) => `${l.level} ${l.message.startsWith(`task ${first.id} failed: `)}`), ["warn true"], JSON.stringify(logger.lines));
  });

  it("a canceled task ends with one final `canceled`, and its cancel is not logged as a failure", async () => {
    logger.lines.length = 0;
    const startedBefore = app.engine.started;
    const { first, events } = await app.stream("wait");
    await eventually(() => app.engine.started > startedBefore, "the engine to start", 10_000);
    const canceled = await app.rpc("tasks/cancel", { id: first.id });
    assert.equal(canceled.result?.status?.state, "canceled");
    assert.equal(canceled.result?.status?.message?.parts[0]?.text, "Canceled by tasks/cancel");
    const all = await events;
    const finals = all.filter((e) => e.final === true);
    assert.deepEqual(finals.map((e) => e.status?.state), ["canceled"]);
    assert.equal((await app.rpc("tasks/get", { id: first.id })).result?.status?.state, "canceled");
    assert.deepEqual(logger.lines.filter((l) => l.level === "warn" || l.level === "error"), [], "a cancel is not a failure");
  });
});

describe("A2A task states when the log sink fails", () => {
  const logger = recordingLogger(true);
  const app = startApp(logger);
  before(() => app.listen());
  after(() => app.close());

  it("a failed task still ends `failed` with a final event when writing its warning throws", async () => {
    const { first, events } = await app.stream("bigint");
    const all = await events;
    const finals = all.filter((e) => e.final === true);
    assert.deepEqual(finals.map((e) => e.status?.state), ["failed"], JSON.stringify(all));
    assert.equal((await app.rpc("tasks/get", { id: first.id })).result?.status?.state, "failed");
    assert.ok(logger.lines.some((l) => l.level === "warn" && l.message.includes("cannot be serialised")), "the warning was attempted");
  });
});
