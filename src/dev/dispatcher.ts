/**
 * A local Query dispatcher: a development stand-in for the one part of ARK's
 * controller engine authors depend on. It watches Queries and, for a Query
 * whose target agent names an ExecutionEngine, resolves the engine's address,
 * sends the exact A2A `message/send` ARK's controller sends, enforces
 * `spec.timeout`, turns `spec.cancel` into an aborted call (and `tasks/cancel`
 * for a task the engine handed back), runs the approval round trip, and
 * writes the Query status as ARK does. It is NOT a replacement for ARK: no
 * completions engine (models, teams, tools, agents without an engine), no
 * webhooks, no memory, no TTL garbage collection.
 */

import type { KubeConfig } from "@kubernetes/client-node";
import { ArkClient } from "../ark/ark-client.js";
import { backoffDelay } from "../core/backoff.js";
import type { Closeable } from "../core/closeable.js";
import { isAlreadyExists } from "../client/errors.js";
import type { Informer } from "../client/informer.js";
import { consoleLogger, type Logger } from "../core/logger.js";
import { queryPhase, TERMINAL_QUERY_PHASES } from "../ark/query-phases.js";
import { retryOnConflict } from "../client/retry-on-conflict.js";
import { buildMessageSendBody } from "../protocol/controller-wire.js";
import { GoDurationError } from "../core/go-duration.js";
import { parseGoDuration } from "../core/go-duration.js";
import { ObjectCache } from "../client/object-cache.js";
import { loopbackServiceUrl, ValueSourceResolver, type ServiceUrlResolver } from "../ark/value-source.js";
import type { A2ATask, Query, QueryStatus, Target } from "../generated/index.js";
import {
  APPROVAL_CASCADE_ANNOTATION, approvalExpiry, cascadeCount, isResumableDenial, MAX_APPROVAL_CASCADES, recordEngineTask, settleApproval,
} from "./dispatcher-approvals.js";
import { cancelTask, sendMessage, type EngineCall } from "./dispatcher-engine-call.js";
import { DispatchError } from "./dispatcher-errors.js";
import { resolveQueryInput } from "./dispatcher-input.js";
import { errorResponse, statusInPhase, statusWithOutcome, type DispatchOutcome } from "./dispatcher-status.js";
import { planDispatch, resolveTarget, type DispatchPlan, type TargetDeps } from "./dispatcher-target.js";
import { errorMessage } from "../core/errors.js";
import { onAbort } from "../core/abort.js";

/** Options of {@link startDispatcher}. */
export interface DispatcherOptions {
  /** Where the Queries are (one of `kubeConfig` or `client`). */
  kubeConfig?: KubeConfig;
  /** An existing client to use (not closed by the dispatcher). */
  client?: ArkClient;
  /** Dispatch Queries of this namespace only (default: every namespace). */
  namespace?: string;
  /**
   * Maps `serviceRef` engine addresses to URLs (default {@link loopbackServiceUrl}:
   * the dispatcher runs outside any cluster, so Services are expected on loopback).
   */
  serviceUrl?: ServiceUrlResolver;
  /** Queries executing at once; more wait for a slot (default 32, ARK's default). */
  maxConcurrentQueries?: number;
  logger?: Logger;
  /** Called after each dispatch with its timings (for benchmarks and dashboards). */
  onDispatched?: (record: DispatchRecord) => void;
}

/** The timings of one dispatch. */
export interface DispatchRecord {
  name: string;
  namespace: string;
  /** The phase written (`done`, `error`, `input-required`), or `aborted`. */
  phase: string;
  /** Waiting for an execution slot, ms. */
  queuedMs: number;
  /** The engine's `message/send`, ms (0 when it was not called). */
  engineMs: number;
  /** From the `running` status write to the final status write, ms. */
  totalMs: number;
}

/** Counters of a dispatcher. */
export interface DispatcherStats {
  /** Queries sent to an engine (resumptions count again). */
  dispatched: number;
  /** Status writes to Queries. */
  statusWrites: number;
}

/** A running dispatcher. */
export interface QueryDispatcher extends Closeable {
  /** The namespace dispatched, or `undefined` for all. */
  readonly namespace: string | undefined;
  readonly stats: DispatcherStats;
  /** Queries executing now. */
  readonly inflight: number;
  /** Stops watching and aborts running calls without writing their status (ARK's controller resumes such Queries after a restart). */
  close(): Promise<void>;
}

type StopReason = "canceled" | "deleted" | "shutdown";

interface Flight {
  controller: AbortController;
  reason?: StopReason;
}

/** A counting semaphore whose waits can be aborted. */
class Slots {
  private free: number;
  private readonly waiters = new Set<() => void>();

  constructor(size: number) {
    this.free = size;
  }

  async acquire(signal: AbortSignal): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const unlisten = onAbort(signal, (reason) => {
        this.waiters.delete(wake);
        reject(reason);
      });
      const wake = () => {
        unlisten();
        resolve();
      };
      this.waiters.add(wake);
    });
  }

  release(): void {
    const next = this.waiters.values().next();
    if (next.done) this.free++;
    else {
      this.waiters.delete(next.value);
      next.value();
    }
  }
}

const DEFAULT_TIMEOUT = "5m";

function keyOf(object: { metadata?: { namespace?: string; name?: string } }): string {
  return `${object.metadata?.namespace ?? ""}/${object.metadata?.name ?? ""}`;
}

function rv(object: { metadata?: { resourceVersion?: string } }): bigint | undefined {
  try {
    return BigInt(object.metadata?.resourceVersion ?? "");
  } catch {
    return undefined; // not an etcd revision (e.g. an aggregated API server): no staleness check
  }
}

class Dispatcher implements QueryDispatcher {
  readonly namespace: string | undefined;
  readonly stats: DispatcherStats = { dispatched: 0, statusWrites: 0 };
  private readonly ark: ArkClient;
  private readonly ownsClient: boolean;
  private readonly logger: Logger;
  private readonly options: DispatcherOptions;
  private readonly cache: ObjectCache;
  private readonly slots: Slots;
  private readonly queries: Informer<Query>;
  private readonly tasks: Informer<A2ATask>;
  private readonly flights = new Map<string, Flight>();
  /** The resourceVersion of our last status write per Query uid: older cached states are stale. */
  private readonly written = new Map<string, bigint>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly queued = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly work = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: DispatcherOptions) {
    if (!options.client && !options.kubeConfig) throw new TypeError("startDispatcher: pass kubeConfig or client");
    this.options = options;
    this.namespace = options.namespace;
    this.logger = options.logger ?? consoleLogger(undefined, "ark-sdk:dispatcher");
    this.ark = options.client ?? new ArkClient({ kubeConfig: options.kubeConfig as KubeConfig, namespace: options.namespace, logger: this.logger });
    this.ownsClient = !options.client;
    this.cache = new ObjectCache({ mode: "informer", logger: this.logger });
    this.slots = new Slots(options.maxConcurrentQueries ?? 32);
    const scope = options.namespace === undefined ? { queries: this.ark.queries.allNamespaces(), tasks: this.ark.a2aTasks.allNamespaces() } : { queries: this.ark.queries, tasks: this.ark.a2aTasks };
    this.queries = scope.queries.informer({ namespace: options.namespace });
    this.tasks = scope.tasks.informer({ namespace: options.namespace });
    const onQuery = (q: Query) => this.enqueue(keyOf(q));
    this.queries.on("add", onQuery).on("update", onQuery).on("delete", (q) => this.forget(q));
    const onTask = (t: A2ATask) => this.enqueue(`task:${keyOf(t)}`);
    this.tasks.on("add", onTask).on("update", onTask).on("delete", (t) => this.clearTimer(keyOf(t)));
  }

  get inflight(): number {
    return this.flights.size;
  }

  async ready(): Promise<void> {
    await Promise.all([this.queries.ready({ timeoutMs: 30_000 }), this.tasks.ready({ timeoutMs: 30_000 })]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.queries.close(), this.tasks.close()]);
    for (const flight of this.flights.values()) this.stop(flight, "shutdown");
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
    await this.cache.close();
    if (this.ownsClient) await this.ark.close();
  }

  // ---- event plumbing --------------------------------------------------------

  /** Runs the reconcile of `key` after the previous one of the same key; coalesces repeats. */
  private enqueue(key: string): void {
    if (this.closed || this.queued.has(key)) return;
    this.queued.add(key);
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => {
        this.queued.delete(key);
        return key.startsWith("task:") ? this.reconcileTask(key.slice(5)) : this.reconcileQuery(key);
      })
      .then(
        () => void this.failures.delete(key),
        (error: unknown) => this.retryLater(key, error),
      )
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
    this.track(next);
  }

  /** A failed reconcile (a conflict, a flaky API server) is tried again with backoff, as a controller requeues. */
  private retryLater(key: string, error: unknown): void {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    if (failures > 8) {
      this.failures.delete(key);
      this.logger.error(`reconcile of ${key} failed ${failures - 1} times; giving up until its next change: ${errorMessage(error)}`);
      return;
    }
    this.logger.warn(`reconcile of ${key} failed (attempt ${failures}); retrying: ${errorMessage(error)}`);
    this.setTimer(`retry:${key}`, backoffDelay(failures + 1, { jitter: 0 }), key);
  }

  private track(promise: Promise<unknown>): void {
    this.work.add(promise);
    void promise.finally(() => this.work.delete(promise));
  }

  private cached(key: string): Query | undefined {
    const slash = key.indexOf("/");
    return this.queries.get(key.slice(slash + 1), key.slice(0, slash) || undefined);
  }

  private isStale(query: Query): boolean {
    const uid = query.metadata?.uid ?? "";
    const mine = this.written.get(uid);
    const seen = rv(query);
    return mine !== undefined && seen !== undefined && seen < mine;
  }

  private forget(query: Query): void {
    const uid = query.metadata?.uid ?? "";
    const flight = this.flights.get(uid);
    if (flight) this.stop(flight, "deleted");
    this.written.delete(uid);
  }

  private stop(flight: Flight, reason: StopReason): void {
    flight.reason ??= reason;
    flight.controller.abort(new Error(`query ${reason}`));
  }

  // ---- Queries ---------------------------------------------------------------

  private async reconcileQuery(key: string): Promise<void> {
    const query = this.cached(key);
    if (!query || this.isStale(query)) return;
    const uid = query.metadata?.uid ?? "";
    if (query.metadata?.deletionTimestamp) {
      const flight = this.flights.get(uid);
      if (flight) this.stop(flight, "deleted");
      return;
    }
    const phase = queryPhase(query);
    if (query.spec?.cancel === true && phase !== "canceled") return this.cancel(query);
    if (TERMINAL_QUERY_PHASES.has(phase) || this.flights.has(uid)) return;
    if (phase === "input-required") return this.checkPaused(query);
    const flight: Flight = { controller: new AbortController() };
    this.flights.set(uid, flight);
    this.track(this.fly(query, flight).finally(() => this.flights.delete(uid)));
  }

  /** ARK's cancel: stop the call, tell the engine about a task it holds, and record `canceled`. */
  private async cancel(query: Query): Promise<void> {
    const flight = this.flights.get(query.metadata?.uid ?? "");
    if (flight) this.stop(flight, "canceled");
    const taskId = query.status?.response?.a2a?.taskId;
    if (queryPhase(query) === "input-required" && taskId) {
      const problem = await this.plan(query)
        .then((plan) => cancelTask(plan.address, taskId))
        .catch((error: unknown) => errorMessage(error));
      if (problem) this.logger.warn(`canceling task ${taskId} of Query ${keyOf(query)}: ${problem}`);
    }
    await this.writeStatus(query, (latest) => statusInPhase(latest, "canceled"));
  }

  /** One dispatch: `running`, a slot, the engine call, the final status. */
  private async fly(query: Query, flight: Flight): Promise<void> {
    const record: DispatchRecord = { name: query.metadata?.name ?? "", namespace: query.metadata?.namespace ?? "", phase: "aborted", queuedMs: 0, engineMs: 0, totalMs: 0 };
    const started = Date.now();
    let current: Query | undefined = query;
    try {
      const phase = queryPhase(query);
      if (phase !== "running" && phase !== "provisioning") current = await this.writeStatus(query, (latest) => statusInPhase(latest, "running"));
      if (!current) return;
      await this.slots.acquire(flight.controller.signal);
      record.queuedMs = Date.now() - started;
      try {
        await this.execute(current, flight, record);
      } finally {
        this.slots.release();
      }
    } catch (error) {
      if (flight.controller.signal.aborted) return;
      this.logger.error(`dispatching Query ${keyOf(query)} failed: ${errorMessage(error)}`);
      const response = errorResponse(query.spec?.target, `the ark-sdk dispatcher failed: ${errorMessage(error)}`);
      await this.writeStatus(current ?? query, (latest) => (latest.spec?.cancel ? undefined : statusWithOutcome(latest, { phase: "error", response })))
        .catch((writeError: unknown) => this.logger.error(`recording the failure of Query ${keyOf(query)} failed: ${errorMessage(writeError)}`));
      record.phase = "error";
    } finally {
      record.totalMs = Date.now() - started;
      this.options.onDispatched?.(record);
    }
  }

  private async execute(query: Query, flight: Flight, record: DispatchRecord): Promise<void> {
    const signal = flight.controller.signal;
    const started = Date.now();
    let target: Target | undefined = query.spec?.target;
    let outcome: DispatchOutcome | undefined;
    try {
      const deps = this.deps(signal);
      target = await resolveTarget(deps, query, signal);
      const plan = await planDispatch(deps, target, query.metadata?.namespace ?? "default", signal);
      const input = await resolveQueryInput(query, deps.values);
      const timeoutMs = this.timeoutOf(query);
      const body = buildMessageSendBody({
        queryName: query.metadata?.name ?? "",
        namespace: query.metadata?.namespace ?? "",
        input,
        contextId: query.spec?.conversationId || query.status?.conversationId || undefined,
      });
      this.stats.dispatched++;
      const callStarted = Date.now();
      const call = await sendMessage(plan.address, body, timeoutMs, signal);
      record.engineMs = Date.now() - callStarted;
      outcome = await this.outcomeOf(call, query, plan);
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof DispatchError)) throw error;
      outcome = { phase: "error", response: errorResponse(target, error.message) };
    }
    if (!outcome || signal.aborted) return;
    outcome.durationMs = Date.now() - started;
    const final = outcome;
    // A cancel that arrived meanwhile owns the status; ARK drops the result of a canceled call too.
    await this.writeStatus(query, (latest) => (latest.spec?.cancel || signal.aborted ? undefined : statusWithOutcome(latest, final)));
    record.phase = final.phase;
  }

  private async outcomeOf(call: EngineCall, query: Query, plan: DispatchPlan): Promise<DispatchOutcome | undefined> {
    const target = plan.target;
    switch (call.kind) {
      case "aborted":
        return undefined;
      case "timeout":
        return { phase: "error", response: errorResponse(target, "Query timed out during execution"), errorReason: "TimedOutInExecution" };
      case "unreachable":
        return { phase: "error", response: errorResponse(target, `query execution failed: ${call.message}`) };
    }
    const outcome = call.outcome;
    if (outcome.kind === "error") return { phase: "error", response: errorResponse(target, `query execution failed: ${outcome.message}`) };
    if (outcome.kind === "task") {
      const { task } = outcome;
      const namespace = query.metadata?.namespace ?? "";
      try {
        await recordEngineTask(this.ark.a2aTasks, task, { queryName: query.metadata?.name ?? "", agentName: target.name, namespace });
      } catch (error) {
        const why = isAlreadyExists(error) ? `A2ATask a2a-task-${task.id} already exists` : errorMessage(error);
        return { phase: "error", response: errorResponse(target, `failed to create A2ATask: ${why}`) };
      }
      return {
        phase: "input-required",
        response: { target: { ...target }, content: outcome.content, raw: "{}", phase: "input-required", a2a: { contextId: task.contextId, taskId: task.id } },
        conversationId: task.contextId || undefined,
      };
    }
    const response: DispatchOutcome["response"] = { target: { ...target }, content: outcome.content, raw: outcome.raw, phase: "done" };
    if (outcome.a2a.contextId || outcome.a2a.taskId) response.a2a = { ...outcome.a2a };
    return {
      phase: "done",
      response,
      tokenUsage: outcome.tokenUsage,
      conversationId: outcome.conversationId || outcome.a2a.contextId || undefined,
      memoryUnavailable: outcome.memoryUnavailable,
      memoryDegraded: outcome.memoryDegraded,
    };
  }

  /** A paused Query: resume or fail it once its A2ATask settled. */
  private async checkPaused(query: Query): Promise<void> {
    const taskId = query.status?.response?.a2a?.taskId;
    if (!taskId) return;
    const namespace = query.metadata?.namespace ?? "";
    const task = this.tasks.get(`a2a-task-${taskId}`, namespace) ?? (await this.ark.a2aTasks.getOrUndefined(`a2a-task-${taskId}`, { namespace }));
    const phase = task?.status?.phase;
    if (!task || (phase !== "completed" && phase !== "failed" && phase !== "cancelled")) return;
    if (phase === "completed") {
      if (query.metadata?.annotations?.[APPROVAL_CASCADE_ANNOTATION] !== undefined) await this.setCascade(query, null);
      await this.writeStatus(query, (latest) => statusInPhase(latest, "running"));
      return;
    }
    if (isResumableDenial(task)) {
      const count = cascadeCount(query.metadata?.annotations);
      if (count < MAX_APPROVAL_CASCADES) {
        await this.setCascade(query, String(count + 1));
        await this.writeStatus(query, (latest) => statusInPhase(latest, "running"));
        return;
      }
      const content = `Approval cascade limit reached (${MAX_APPROVAL_CASCADES}). The agent kept retrying a denied tool; aborting.`;
      await this.writeStatus(query, (latest) => statusInPhase(latest, "error", { target: latest.status?.response?.target, content, phase: "error" }));
      return;
    }
    const error = task.status?.error;
    await this.writeStatus(query, (latest) => statusInPhase(latest, "error", error ? { target: latest.status?.response?.target, content: error, phase: "error" } : undefined));
  }

  private async setCascade(query: Query, value: string | null): Promise<void> {
    await this.ark.queries.patch(query.metadata?.name ?? "", { metadata: { annotations: { [APPROVAL_CASCADE_ANNOTATION]: value } } }, { namespace: query.metadata?.namespace });
  }

  // ---- A2ATasks --------------------------------------------------------------

  /** Settles an approval task on its decision or timeout (ARK's A2ATask controller), then looks at its Query. */
  private async reconcileTask(key: string): Promise<void> {
    const slash = key.indexOf("/");
    const task = this.tasks.get(key.slice(slash + 1), key.slice(0, slash) || undefined);
    if (!task) return;
    const change = settleApproval(task);
    if (change) {
      this.clearTimer(key);
      await this.ark.a2aTasks.patchStatus(task.metadata?.name ?? "", { metadata: { resourceVersion: task.metadata?.resourceVersion }, status: change }, { namespace: task.metadata?.namespace });
    } else {
      const expiry = approvalExpiry(task);
      if (task.status?.phase === "input-required" && expiry !== undefined) this.setTimer(key, expiry - Date.now());
    }
    const query = task.spec?.queryRef?.name;
    if (query && task.status?.phase !== "input-required") this.enqueue(`${task.spec.queryRef.namespace || task.metadata?.namespace}/${query}`);
  }

  /** Enqueues `target` (default: the task `key`) after `ms`, once per `key`. */
  private setTimer(key: string, ms: number, target = `task:${key}`): void {
    if (this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.enqueue(target);
    }, Math.max(0, Math.min(ms, 2_147_483_647)));
    timer.unref();
    this.timers.set(key, timer);
  }

  private clearTimer(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  // ---- helpers ---------------------------------------------------------------

  private values(signal: AbortSignal): ValueSourceResolver {
    const core = this.ark.core;
    return new ValueSourceResolver(
      { cache: this.cache, secrets: core.secrets, configMaps: core.configMaps, services: core.services, serviceUrl: this.options.serviceUrl ?? loopbackServiceUrl },
      new Map(),
      signal,
    );
  }

  private deps(signal: AbortSignal): TargetDeps {
    return { ark: this.ark, cache: this.cache, values: this.values(signal) };
  }

  private async plan(query: Query): Promise<DispatchPlan> {
    const signal = AbortSignal.timeout(10_000);
    const deps = this.deps(signal);
    const target = await resolveTarget(deps, query, signal);
    return planDispatch(deps, target, query.metadata?.namespace ?? "default", signal);
  }

  private timeoutOf(query: Query): number {
    const text = query.spec?.timeout || DEFAULT_TIMEOUT;
    try {
      return parseGoDuration(text);
    } catch (error) {
      if (error instanceof GoDurationError) throw new DispatchError(`invalid spec.timeout: ${error.message}`);
      throw error;
    }
  }

  /**
   * Replaces the Query's status with `build(latest)` under optimistic
   * concurrency (a PUT of the status subresource, as ARK's controller does).
   * Returns the updated Query, or `undefined` when it is gone or `build`
   * declined.
   */
  private async writeStatus(query: Query, build: (latest: Query) => QueryStatus | undefined): Promise<Query | undefined> {
    const name = query.metadata?.name ?? "";
    const namespace = query.metadata?.namespace;
    const uid = query.metadata?.uid;
    return retryOnConflict(async (attempt) => {
      const latest = attempt === 1 ? query : await this.ark.queries.getOrUndefined(name, { namespace });
      if (!latest || latest.metadata?.uid !== uid || latest.metadata?.deletionTimestamp) return undefined;
      const status = build(latest);
      if (!status) return undefined;
      const updated = await this.ark.queries.updateStatus({ ...latest, status }, { namespace });
      this.stats.statusWrites++;
      const version = rv(updated);
      if (uid && version !== undefined) this.written.set(uid, version);
      return updated;
    });
  }
}

/**
 * Starts a dispatcher and resolves once it has read the current Queries.
 * A development tool standing in for ARK's controller when you build an
 * engine; install ARK for everything else.
 * @example
 * const dispatcher = await startDispatcher({ kubeConfig: plane.kubeConfig, namespace: "default" });
 * const result = await ark.queries.run({ input: "hi", target: { type: "agent", name: "my-agent" } });
 * await dispatcher.close();
 */
export async function startDispatcher(options: DispatcherOptions): Promise<QueryDispatcher> {
  const dispatcher = new Dispatcher(options);
  try {
    await dispatcher.ready();
  } catch (error) {
    await dispatcher.close();
    throw error;
  }
  return dispatcher;
}
