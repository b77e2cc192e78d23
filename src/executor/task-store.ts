/**
 * In-memory A2A tasks of streaming and non-blocking executions, so clients
 * can `tasks/get` and `tasks/cancel` them. Bounded: finished tasks are
 * dropped after a retention period and the oldest finished ones go first
 * when the store is full (the Python SDK's store grows without limit).
 */

import { TERMINAL_TASK_STATES, type A2AMessage, type A2AProtocolTask, type A2ATaskState } from "../protocol/a2a.js";

/** One task and the means to cancel it. */
export interface TaskRecord {
  task: A2AProtocolTask;
  /** Aborts the execution behind the task. */
  cancel: () => void;
  finishedAt?: number;
}

/** Options of {@link TaskStore}. */
export interface TaskStoreOptions {
  /** How long finished tasks stay readable, ms (default 10 minutes). */
  retentionMs?: number | undefined;
  /** Most tasks kept (default 1,000); running tasks are never dropped. */
  maxTasks?: number | undefined;
  /** The clock retention is measured with, ms (default `Date.now`); tests pass their own. */
  now?: (() => number) | undefined;
}

/** The task store. */
export class TaskStore {
  private readonly records = new Map<string, TaskRecord>();
  private readonly retentionMs: number;
  private readonly maxTasks: number;
  private readonly now: () => number;

  constructor(options: TaskStoreOptions = {}) {
    this.retentionMs = options.retentionMs ?? 10 * 60_000;
    this.maxTasks = options.maxTasks ?? 1000;
    this.now = options.now ?? (() => Date.now());
  }

  /** Registers a new task. */
  add(record: TaskRecord): void {
    this.evict();
    this.records.set(record.task.id, record);
  }

  /** The task record, if known. */
  get(id: string): TaskRecord | undefined {
    return this.records.get(id);
  }

  /** Moves a task to `state`; terminal states are final and later transitions are ignored. */
  transition(id: string, state: A2ATaskState, message?: A2AMessage): A2AProtocolTask | undefined {
    const record = this.records.get(id);
    if (!record) return undefined;
    if (TERMINAL_TASK_STATES.has(record.task.status.state)) return record.task;
    record.task.status = { state, timestamp: new Date().toISOString(), ...(message ? { message } : {}) };
    if (TERMINAL_TASK_STATES.has(state)) record.finishedAt = this.now();
    return record.task;
  }

  /** Number of tasks held. */
  get size(): number {
    return this.records.size;
  }

  private evict(): void {
    const now = this.now();
    for (const [id, record] of this.records) {
      if (record.finishedAt !== undefined && now - record.finishedAt > this.retentionMs) this.records.delete(id);
    }
    if (this.records.size < this.maxTasks) return;
    // Map iteration is insertion order: the first finished ones are the oldest.
    for (const [id, record] of this.records) {
      if (this.records.size < this.maxTasks) break;
      if (record.finishedAt !== undefined) this.records.delete(id);
    }
  }
}

/** A copy of a task with its history cut to the last `historyLength` messages. */
export function snapshotTask(task: A2AProtocolTask, historyLength?: number): A2AProtocolTask {
  const copy: A2AProtocolTask = { ...task, status: { ...task.status } };
  if (task.history) copy.history = historyLength === undefined ? [...task.history] : historyLength <= 0 ? [] : task.history.slice(-historyLength);
  if (task.artifacts) copy.artifacts = task.artifacts.map((a) => ({ ...a, parts: [...a.parts] }));
  return copy;
}
