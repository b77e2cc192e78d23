// The engine's A2A task store on its own: terminal states are final, retention and the size bound drop only
// finished tasks (oldest first), and snapshots are copies. Time is a clock the test moves.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { A2AMessage, A2ATaskState } from "../../src/protocol/a2a.js";
import { TaskStore, snapshotTask, type TaskRecord } from "../../src/executor/task-store.js";

function record(id: string): TaskRecord & { canceled: number } {
  const r = {
    task: { kind: "task" as const, id, contextId: "ctx", status: { state: "working" as A2ATaskState }, history: [] as A2AMessage[] },
    canceled: 0,
    cancel: () => void (r.canceled += 1),
  };
  return r;
}

const note = (text: string): A2AMessage => ({ kind: "message", role: "agent", messageId: text, parts: [{ kind: "text", text }] });

function clock(start = 1_000) {
  let at = start;
  return { now: () => at, advance: (ms: number) => void (at += ms) };
}

describe("TaskStore transitions", () => {
  for (const terminal of ["completed", "failed", "canceled", "rejected"] as const) {
    it(`${terminal} is final: later transitions change neither state, message nor finish time`, () => {
      const time = clock();
      const store = new TaskStore({ now: time.now });
      store.add(record("t"));
      store.transition("t", terminal, note(terminal));
      const finishedAt = store.get("t")?.finishedAt;
      assert.equal(finishedAt, 1_000);
      time.advance(5);
      for (const later of ["completed", "failed", "canceled", "working"] as const) {
        const task = store.transition("t", later, note(later));
        assert.equal(task?.status.state, terminal, `${terminal} -> ${later} is ignored`);
      }
      assert.equal(store.get("t")?.task.status.message?.messageId, terminal);
      assert.equal(store.get("t")?.finishedAt, finishedAt);
    });
  }

  it("non-terminal states may change, and do not mark the task finished", () => {
    const store = new TaskStore();
    store.add(record("t"));
    assert.equal(store.transition("t", "input-required")?.status.state, "input-required");
    assert.equal(store.transition("t", "working", note("again"))?.status.state, "working");
    assert.equal(store.get("t")?.task.status.message?.messageId, "again");
    assert.equal(store.get("t")?.finishedAt, undefined);
    assert.equal(store.transition("missing", "completed"), undefined);
  });
});

describe("TaskStore bounds", () => {
  it("drops a finished task only once its retention has passed, and never a running one", () => {
    const time = clock();
    const store = new TaskStore({ retentionMs: 60_000, now: time.now });
    store.add(record("running"));
    store.add(record("done"));
    store.transition("done", "completed");
    time.advance(60_000);
    store.add(record("a"));
    assert.ok(store.get("done"), "exactly at the retention it is still readable");
    time.advance(1);
    store.add(record("b"));
    assert.equal(store.get("done"), undefined);
    assert.ok(store.get("running"), "running tasks are kept however old");
    assert.equal(store.size, 3);
  });

  it("when full, drops the oldest finished tasks first, and grows rather than drop running ones", () => {
    const store = new TaskStore({ maxTasks: 3 });
    store.add(record("running"));
    store.add(record("old"));
    store.add(record("new"));
    store.transition("new", "completed");
    store.transition("old", "failed");
    store.add(record("d"));
    assert.deepEqual(["running", "old", "new", "d"].filter((id) => store.get(id)), ["running", "new", "d"], "insertion order decides: 'old' goes first");
    store.transition("new", "completed");
    store.add(record("e"));
    assert.deepEqual(["running", "new", "d", "e"].filter((id) => store.get(id)), ["running", "d", "e"]);
    store.add(record("f"));
    assert.equal(store.size, 4, "only running tasks left: the store grows past maxTasks");
  });
});

describe("snapshotTask", () => {
  it("copies the task and cuts its history to the last historyLength messages", () => {
    const r = record("t");
    r.task.history = [note("1"), note("2"), note("3")];
    const ids = (n?: number) => snapshotTask(r.task, n).history?.map((m) => m.messageId);
    assert.deepEqual(ids(), ["1", "2", "3"]);
    assert.deepEqual(ids(2), ["2", "3"]);
    assert.deepEqual(ids(0), []);
    assert.deepEqual(ids(-1), []);
    const copy = snapshotTask(r.task);
    copy.status.state = "failed";
    copy.history?.push(note("4"));
    assert.equal(r.task.status.state, "working");
    assert.equal(r.task.history.length, 3);
  });

  it("copies artifacts part by part, and leaves out a history the task does not have", () => {
    const r = record("t");
    const task = { ...r.task, history: undefined, artifacts: [{ artifactId: "a", parts: [{ kind: "text" as const, text: "x" }] }] };
    const copy = snapshotTask(task, 1);
    assert.equal("history" in copy && copy.history !== undefined, false);
    copy.artifacts?.[0]?.parts.push({ kind: "text", text: "y" });
    assert.equal(task.artifacts[0]?.parts.length, 1, "the task's artifact is not shared with the snapshot");
  });
});
