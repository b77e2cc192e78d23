// A2A tasks as a client sees them through tasks/get and tasks/cancel on a real ExecutorApp over loopback HTTP:
// a task that fails reads `failed` (never `completed`), a canceled one `canceled`, a finished one cannot be
// canceled, and one past its retention is gone. Every wait has its own deadline.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ExecutionAbortedError, ExecutorApp, StaticQueryResolver } from "ark-sdk/executor";
import { eventually } from "../helpers/deadline.js";
import { TestEngine, plainRequest, sendBody } from "./helpers.js";

interface TaskView {
  id: string;
  status: { state: string; message?: { role: string; parts: { kind: string; text: string }[] } };
  artifacts?: { parts: { text: string }[] }[];
  history?: unknown[];
}
type RpcAnswer = { result?: TaskView; error?: { code: number; message: string } };

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const resolver = new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() });

function startApp(options: { taskRetentionMs?: number } = {}) {
  const engine = new TestEngine();
  const app = new ExecutorApp(engine, "MyEngine", { resolver, logger: silent, ...options });
  let url = "";
  let id = 100;
  const call = async (method: string, params: unknown): Promise<RpcAnswer> => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }), signal: AbortSignal.timeout(10_000) });
    return (await res.json()) as RpcAnswer;
  };
  return {
    engine,
    listen: async () => void (url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false })),
    close: () => app.close({ gracePeriodMs: 200 }),
    /** Starts a non-blocking execution of `input`; returns the task as first reported. */
    async start(input: string): Promise<TaskView> {
      const res = await fetch(url, { method: "POST", body: sendBody(input, undefined, { blocking: false }), signal: AbortSignal.timeout(10_000) });
      const answer = (await res.json()) as RpcAnswer;
      assert.ok(answer.result, JSON.stringify(answer));
      return answer.result;
    },
    get: (taskId: string) => call("tasks/get", { id: taskId }),
    cancel: (taskId: string) => call("tasks/cancel", { id: taskId }),
    /** tasks/get until the task leaves `working` (5 s deadline). */
    async settled(taskId: string): Promise<TaskView> {
      let last: RpcAnswer | undefined;
      await eventually(async () => (last = await call("tasks/get", { id: taskId })).result?.status.state !== "working", `task ${taskId} to settle`, 5_000, () => last);
      assert.ok(last?.result, JSON.stringify(last));
      return last.result;
    },
  };
}

describe("A2A tasks through tasks/get and tasks/cancel", () => {
  const engine = startApp();
  before(() => engine.listen());
  after(() => engine.close());

  it("a task whose execution throws reads `failed` with the error, and cannot be canceled", async () => {
    const task = await engine.start("fail");
    assert.equal(task.status.state, "working");
    const settled = await engine.settled(task.id);
    assert.equal(settled.status.state, "failed");
    assert.equal(settled.status.message?.role, "agent");
    assert.match(settled.status.message?.parts[0]?.text ?? "", /model exploded/);
    assert.equal(settled.artifacts, undefined, "a failed task has no answer artifact");
    const cancel = await engine.cancel(task.id);
    assert.equal(cancel.error?.code, -32002);
    assert.match(cancel.error?.message ?? "", /already failed and cannot be canceled/);
    assert.equal((await engine.get(task.id)).result?.status.state, "failed", "still failed after the refused cancel");
  });

  it("a canceled task reads `canceled`, its execution sees the cancel, and it stays canceled", async () => {
    const next = engine.engine.nextCall();
    const task = await engine.start("wait");
    const call = await next;
    const canceled = await engine.cancel(task.id);
    assert.equal(canceled.result?.status.state, "canceled");
    const reason = await call.aborted;
    assert.ok(reason instanceof ExecutionAbortedError && reason.abortCause === "task-canceled", String(reason));
    const settled = await engine.settled(task.id);
    assert.equal(settled.status.state, "canceled");
    assert.equal(settled.status.message?.parts[0]?.text, "Canceled by tasks/cancel");
    const again = await engine.cancel(task.id);
    assert.match(again.error?.message ?? "", /already canceled and cannot be canceled/);
  });

  it("a completed task reads `completed` with its answer, and cannot be canceled", async () => {
    const task = await engine.start("hello");
    const settled = await engine.settled(task.id);
    assert.equal(settled.status.state, "completed");
    assert.equal(settled.artifacts?.[0]?.parts[0]?.text, "echo: hello");
    assert.equal((await engine.cancel(task.id)).error?.code, -32002);
  });

  it("an unknown task id is TaskNotFound for both methods", async () => {
    for (const answer of [await engine.get("no-such-task"), await engine.cancel("no-such-task")]) {
      assert.equal(answer.error?.code, -32001);
      assert.match(answer.error?.message ?? "", /Task not found: no-such-task/);
    }
  });
});

describe("A2A task retention", () => {
  const engine = startApp({ taskRetentionMs: 1 });
  before(() => engine.listen());
  after(() => engine.close());

  it("a finished task past its retention is gone (TaskNotFound); a running one is kept", async () => {
    const next = engine.engine.nextCall();
    const running = await engine.start("wait");
    await next;
    const done = await engine.start("hello");
    assert.equal((await engine.settled(done.id)).status.state, "completed");
    await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.settled((await engine.start("hello")).id); // a new task makes the store drop what expired
    const gone = await engine.get(done.id);
    assert.equal(gone.error?.code, -32001, JSON.stringify(gone));
    assert.equal((await engine.get(running.id)).result?.status.state, "working", "running tasks are never dropped");
    await engine.cancel(running.id);
  });
});
