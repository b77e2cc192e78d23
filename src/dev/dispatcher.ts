/**
 * A local Query dispatcher: a development stand-in for ARK's controller,
 * mimicking ONE declared ARK version ({@link DISPATCHER_ARK_VERSION}, the
 * version of the bundled CRDs): its phases, condition reasons, messages and
 * timeouts. It watches Queries and ExecutionEngines and, like ARK v0.1.67:
 * puts the finalizer on a new Query and writes `QueryNotStarted`; resolves
 * each engine's address once (frozen at `ready`); sends an agent with a named
 * engine to that engine and every other target (teams, models, tools, agents
 * without an engine) to the namespace's `ark-completions` ExecutionEngine,
 * else to the central completions address; sends the exact A2A
 * `message/send` with ARK's headers (User-Agent, traceparent, baggage);
 * bounds it by `spec.timeout` and the 5-minute HTTP ceiling; turns
 * `spec.cancel` into an aborted call (ARK sends no `tasks/cancel`); runs the
 * approval round trip; writes the status as ARK does (failures before the
 * call leave `status.response` alone); cleans up at deletion and deletes
 * finished Queries after `spec.ttl`. It also applies the admission defaults
 * ARK's webhooks give (`spec.ttl`, an Agent's `modelRef: default`), since a
 * local control plane runs no webhooks. It is NOT a replacement for ARK: no
 * completions engine of its own, no memory, no other controllers.
 */

import type { KubeConfigLike } from "../core/kubeconfig-like.js";
import { ArkClient } from "../ark/ark-client.js";
import { backoffDelay } from "../core/backoff.js";
import type { Closeable } from "../core/closeable.js";
import { isAlreadyExists, isNotFound } from "../client/errors.js";
import type { ResourceClient } from "../client/resource-client.js";
import type { KubernetesObject } from "../core/meta.js";
import type { Informer } from "../client/informer.js";
import { consoleLogger, type Logger } from "../core/logger.js";
import { queryPhase, TERMINAL_QUERY_PHASES } from "../ark/query-phases.js";
import { retryOnConflict } from "../client/retry-on-conflict.js";
import { buildMessageSendBody, controllerTraceHeaders, CONTROLLER_DEFAULT_QUERY_TIMEOUT_MS, CONTROLLER_HTTP_TIMEOUT_MS, QUERY_EXECUTION_FAILED } from "../protocol/controller-wire.js";
import { randomUUID } from "node:crypto";
import { BUNDLED_ARK_VERSION } from "../core/version.js";
import { GoDurationError } from "../core/go-duration.js";
import { parseGoDuration } from "../core/go-duration.js";
import { ObjectCache } from "../client/object-cache.js";
import { ValueSourceResolver, type ServiceUrlResolver } from "../ark/value-source.js";
import { resolveServiceUrls } from "../ark/service-urls.js";
import type { A2ATask, Agent, ExecutionEngine, Query, QueryStatus } from "../generated/index.js";
import {
  APPROVAL_CASCADE_ANNOTATION, approvalExpiry, cascadeCount, isResumableDenial, MAX_APPROVAL_CASCADES, recordEngineTask, settleApproval,
} from "./dispatcher-approvals.js";
import { sendMessage, type EngineCall } from "./dispatcher-engine-call.js";
import { reconcileEngine } from "./dispatcher-engines.js";
import { CLEANUP_GRACE_MS, CLEANUP_RETRY_MS, cleanUpBroker, defaultQueryTtl, needsDefaultModel, QUERY_FINALIZER, ttlRemainingMs } from "./dispatcher-admission.js";
import { DispatchError } from "./dispatcher-errors.js";
import { resolveQueryInput } from "./dispatcher-input.js";
import { errorResponse, formatGoDuration, statusInPhase, statusNotStarted, statusWithOutcome, type DispatchOutcome } from "./dispatcher-status.js";
import { DEFAULT_COMPLETIONS_ADDRESS, planDispatch, resolveTarget, type DispatchPlan, type TargetDeps } from "./dispatcher-target.js";
import { ArgumentError, errorMessage } from "../core/errors.js";
import { onAbort } from "../core/abort.js";

/** The ARK release whose controller the dispatcher mimics (phases, reasons, messages, timeouts): the version of the bundled CRDs. */
export const DISPATCHER_ARK_VERSION: string = `v${BUNDLED_ARK_VERSION}`;

/** Options of {@link startDispatcher}. */
export interface DispatcherOptions {
  /** Where the Queries are (one of `kubeConfig` or `client`). */
  kubeConfig?: KubeConfigLike | undefined;
  /** An existing client to use (not closed by the dispatcher). */
  client?: ArkClient | undefined;
  /** Dispatch Queries of this namespace only (default: every namespace). */
  namespace?: string | undefined;
  /**
   * Maps `serviceRef` engine addresses to URLs. Default: `ARK_SDK_SERVICE_URLS`
   * (`loopback` or `cluster`), else `loopbackServiceUrl`: the dispatcher
   * runs outside any cluster, so Services are expected on loopback.
   */
  serviceUrl?: ServiceUrlResolver | undefined;
  /** Queries executing at once; more wait for a slot (default 32, ARK's default). */
  maxConcurrentQueries?: number | undefined;
  /**
   * The central completions engine ARK sends targets without a named engine to
   * when the namespace has no `ark-completions` ExecutionEngine (ARK's
   * `--completions-addr`, default `http://ark-completions.ark-system`, which
   * does not resolve outside ARK's cluster: such Queries fail as ARK's would
   * without its completions engine).
   */
  completionsAddress?: string | undefined;
  /**
   * Send `traceparent` and `baggage` (`ark.session.id`) with each dispatch,
   * as ARK does when its telemetry is configured (default true; false mimics
   * an ARK without telemetry).
   */
  traceHeaders?: boolean | undefined;
  /** The controller's hard HTTP ceiling per engine call (default 5 minutes, ARK ≤ 0.1.67; lower it only in tests). */
  httpTimeoutMs?: number | undefined;
  /** How long a failing broker clean-up is retried before the finalizer is dropped anyway (default 5 minutes, ARK's). */
  cleanupGraceMs?: number | undefined;
  /** How often a failing broker clean-up is retried (default 15 s, ARK's). */
  cleanupRetryMs?: number | undefined;
  /** Apply ARK's admission defaults (`spec.ttl` on Queries, `modelRef: default` on Agents), as its webhooks would (default true). */
  admissionDefaults?: boolean | undefined;
  logger?: Logger | undefined;
  /** Called after each dispatch with its timings (for benchmarks and dashboards). */
  onDispatched?: ((record: DispatchRecord) => void) | undefined;
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
  /** Broker clean-ups attempted by the finalizer (retries count again). */
  cleanups: number;
}

/** A running dispatcher. */
export interface QueryDispatcher extends Closeable {
  /** The namespace dispatched, or `undefined` for all. */
  readonly namespace: string | undefined;
  /** The ARK version mimicked ({@link DISPATCHER_ARK_VERSION}). */
  readonly arkVersion: string;
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
  readonly arkVersion = DISPATCHER_ARK_VERSION;
  readonly stats: DispatcherStats = { dispatched: 0, statusWrites: 0, cleanups: 0 };
  private readonly ark: ArkClient;
  private readonly ownsClient: boolean;
  private readonly logger: Logger;
  private readonly options: DispatcherOptions;
  private readonly serviceUrl: ServiceUrlResolver;
  private readonly cache: ObjectCache;
  private readonly slots: Slots;
  private readonly queries: Informer<Query>;
  private readonly tasks: Informer<A2ATask>;
  private readonly engines: Informer<ExecutionEngine>;
  private readonly agents: Informer<Agent>;
  private readonly flights = new Map<string, Flight>();
  /** The resourceVersion of our last status write per Query uid: older cached states are stale. */
  private readonly written = new Map<string, bigint>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly queued = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly settling = new Map<string, Promise<ExecutionEngine>>();
  private readonly work = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: DispatcherOptions) {
    if (!options.client && !options.kubeConfig) throw new ArgumentError("kubeConfig", "startDispatcher: pass kubeConfig or client");
    this.options = options;
    this.namespace = options.namespace;
    // The shared service-URL rule; a local tool, so loopback unless ARK_SDK_SERVICE_URLS says otherwise.
    this.serviceUrl = resolveServiceUrls({ serviceUrl: options.serviceUrl, defaultMode: "loopback" }).serviceUrl;
    this.logger = options.logger ?? consoleLogger(undefined, "ark-sdk:dispatcher");
    this.ark = options.client ?? new ArkClient({ kubeConfig: options.kubeConfig as KubeConfigLike, namespace: options.namespace, logger: this.logger });
    this.ownsClient = !options.client;
    this.cache = new ObjectCache({ mode: "informer", logger: this.logger });
    this.slots = new Slots(options.maxConcurrentQueries ?? 32);
    const all = options.namespace === undefined;
    const scoped = <T extends KubernetesObject>(client: ResourceClient<T>) => (all ? client.allNamespaces() : client).informer({ namespace: options.namespace });
    this.queries = scoped(this.ark.queries);
    this.tasks = scoped(this.ark.a2aTasks);
    this.engines = scoped(this.ark.executionEngines);
    this.agents = scoped(this.ark.agents);
    const onQuery = (q: Query) => this.enqueue(keyOf(q));
    this.queries.on("add", onQuery).on("update", onQuery).on("delete", (q) => this.forget(q));
    const onTask = (t: A2ATask) => this.enqueue(`task:${keyOf(t)}`);
    this.tasks.on("add", onTask).on("update", onTask).on("delete", (t) => this.clearTimer(keyOf(t)));
    const onEngine = (e: ExecutionEngine) => this.enqueue(`engine:${keyOf(e)}`);
    this.engines.on("add", onEngine).on("update", onEngine).on("delete", (e) => this.clearTimer(`engine:${keyOf(e)}`));
    if (options.admissionDefaults !== false) {
      const onAgent = (a: Agent) => this.enqueue(`agent:${keyOf(a)}`);
      this.agents.on("add", onAgent).on("update", onAgent);
    }
  }

  get inflight(): number {
    return this.flights.size;
  }

  async ready(): Promise<void> {
    await Promise.all([this.queries, this.tasks, this.engines, this.agents].map((informer) => informer.ready({ timeoutMs: 30_000 })));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.queries.close(), this.tasks.close(), this.engines.close(), this.agents.close()]);
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
        return this.reconcile(key);
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

  private reconcile(key: string): Promise<void> {
    const colon = key.indexOf(":");
    const kind = colon === -1 ? "" : key.slice(0, colon);
    const rest = key.slice(colon + 1);
    switch (kind) {
      case "task":
        return this.reconcileTask(rest);
      case "engine":
        return this.reconcileEngineKey(rest);
      case "agent":
        return this.defaultAgent(rest);
      default:
        return this.reconcileQuery(key);
    }
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

  private split(key: string): [string | undefined, string] {
    const slash = key.indexOf("/");
    return [key.slice(0, slash) || undefined, key.slice(slash + 1)];
  }

  private cached(key: string): Query | undefined {
    const [namespace, name] = this.split(key);
    return this.queries.get(name, namespace);
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
    this.clearTimer(`ttl:${keyOf(query)}`);
  }

  private stop(flight: Flight, reason: StopReason): void {
    flight.reason ??= reason;
    flight.controller.abort(new Error(`query ${reason}`));
  }

  // ---- Queries ---------------------------------------------------------------

  /** ARK's Query reconcile, in its order: TTL clean-up, finalizer, `QueryNotStarted`, cancel, then by phase. */
  private async reconcileQuery(key: string): Promise<void> {
    const query = this.cached(key);
    if (!query || this.isStale(query)) return;
    const uid = query.metadata?.uid ?? "";
    const name = query.metadata?.name ?? "";
    const namespace = query.metadata?.namespace;
    const phase = queryPhase(query);
    if (query.metadata?.deletionTimestamp) return this.finalize(query);
    const remaining = TERMINAL_QUERY_PHASES.has(phase) ? ttlRemainingMs(query) : undefined;
    if (remaining !== undefined && remaining < 0) {
      await this.ark.queries.delete(name, { namespace }).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
      return;
    }
    const finalizers = query.metadata?.finalizers ?? [];
    if (!finalizers.includes(QUERY_FINALIZER) || (!query.spec?.ttl && this.options.admissionDefaults !== false)) {
      // The finalizer (ARK's controller) and spec.ttl (ARK's webhook, which ran at creation in a real cluster) in one write.
      const patch: Record<string, unknown> = { metadata: { resourceVersion: query.metadata?.resourceVersion, finalizers: finalizers.includes(QUERY_FINALIZER) ? finalizers : [...finalizers, QUERY_FINALIZER] } };
      if (!query.spec?.ttl && this.options.admissionDefaults !== false) patch.spec = { ttl: await defaultQueryTtl(this.ark) };
      await this.ark.queries.patch(name, patch, { namespace });
      return;
    }
    if ((query.status?.conditions ?? []).length === 0) {
      await this.writeStatus(query, (latest) => statusNotStarted(latest));
      return;
    }
    if (query.spec?.cancel === true && phase !== "canceled") return this.cancel(query);
    if (TERMINAL_QUERY_PHASES.has(phase)) {
      if (remaining !== undefined) this.setTimer(`ttl:${key}`, remaining + 1, key);
      return;
    }
    if (this.flights.has(uid)) return;
    if (phase === "input-required") return this.checkPaused(query);
    const flight: Flight = { controller: new AbortController() };
    this.flights.set(uid, flight);
    this.track(this.fly(query, flight).finally(() => this.flights.delete(uid)));
  }

  /** ARK's finalizer: stop the call, clean the broker up (retried, given up after the grace period), then release the Query. */
  private async finalize(query: Query): Promise<void> {
    const uid = query.metadata?.uid ?? "";
    const flight = this.flights.get(uid);
    if (flight) this.stop(flight, "deleted");
    const finalizers = query.metadata?.finalizers ?? [];
    if (!finalizers.includes(QUERY_FINALIZER)) return;
    this.stats.cleanups++;
    const signal = AbortSignal.timeout(60_000);
    try {
      await cleanUpBroker(this.ark, this.values(signal), query);
    } catch (error) {
      const since = Date.now() - Date.parse(query.metadata?.deletionTimestamp ?? "");
      if (!(since > (this.options.cleanupGraceMs ?? CLEANUP_GRACE_MS))) {
        this.logger.warn(`broker clean-up of Query ${keyOf(query)} failed; retrying (ARK keeps the Query until it succeeds or ${formatGoDuration(this.options.cleanupGraceMs ?? CLEANUP_GRACE_MS)} passed): ${errorMessage(error)}`);
        this.setTimer(`cleanup:${keyOf(query)}`, this.options.cleanupRetryMs ?? CLEANUP_RETRY_MS, keyOf(query));
        return;
      }
      this.logger.error(`giving up on the broker clean-up of Query ${keyOf(query)} after the grace period: ${errorMessage(error)}`);
    }
    await this.ark.queries
      .patch(query.metadata?.name ?? "", { metadata: { resourceVersion: query.metadata?.resourceVersion, finalizers: finalizers.filter((f) => f !== QUERY_FINALIZER) } }, { namespace: query.metadata?.namespace })
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
  }

  /** ARK's cancel: stop the call and record `canceled` (ARK never sends `tasks/cancel`, even for a paused task). */
  private async cancel(query: Query): Promise<void> {
    const flight = this.flights.get(query.metadata?.uid ?? "");
    if (flight) this.stop(flight, "canceled");
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
      await this.writeStatus(current ?? query, (latest) => (latest.spec?.cancel ? undefined : statusInPhase(latest, "error")))
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
    const namespace = query.metadata?.namespace ?? "default";
    let plan: DispatchPlan;
    const reader = query.spec?.serviceAccount ? this.ark.impersonating({ user: `system:serviceaccount:${namespace}:${query.spec.serviceAccount}` }) : this.ark;
    try {
      const target = await resolveTarget(reader, query, signal);
      plan = await planDispatch(this.deps(), target, namespace, signal);
    } catch (error) {
      if (signal.aborted) return;
      if (!(error instanceof DispatchError)) throw error;
      // ARK fails such a Query before the call: no response, the condition says only "Query completed with error".
      this.logger.warn(`Query ${keyOf(query)} failed before dispatch (ARK records no response for this): ${error.message}`);
      await this.writeStatus(query, (latest) => (latest.spec?.cancel || signal.aborted ? undefined : statusInPhase(latest, "error")));
      record.phase = "error";
      return;
    } finally {
      if (reader !== this.ark) await reader.close();
    }
    if (plan.target.type === "agent" && this.options.admissionDefaults !== false) await this.defaultAgent(`${namespace}/${plan.target.name}`);
    const input = await resolveQueryInput(query, this.values(signal));
    if (input.problem) this.logger.warn(`Query ${keyOf(query)}: ARK sends empty text when the input cannot be computed, and so does the dispatcher: ${input.problem}`);
    const rpcId = randomUUID();
    const body = buildMessageSendBody({
      queryName: query.metadata?.name ?? "",
      namespace: query.metadata?.namespace ?? "",
      input: input.text,
      contextId: query.spec?.conversationId || query.status?.conversationId || undefined,
      rpcId,
    });
    const headers = this.options.traceHeaders === false ? undefined : controllerTraceHeaders(query.spec?.sessionId || query.metadata?.uid || "");
    this.stats.dispatched++;
    const callStarted = Date.now();
    const call = await sendMessage({ address: plan.address, body, rpcId, timeoutMs: this.timeoutOf(query), ceilingMs: this.options.httpTimeoutMs ?? CONTROLLER_HTTP_TIMEOUT_MS, headers }, signal);
    record.engineMs = Date.now() - callStarted;
    const outcome = await this.outcomeOf(call, query, plan);
    if (!outcome || signal.aborted) return;
    outcome.durationMs = Date.now() - started;
    const final = outcome;
    // A cancel that arrived meanwhile owns the status; ARK drops the result of a canceled call too.
    await this.writeStatus(query, (latest) => (latest.spec?.cancel || signal.aborted ? undefined : statusWithOutcome(latest, final)));
    record.phase = final.phase;
  }

  private async outcomeOf(call: EngineCall, query: Query, plan: DispatchPlan): Promise<DispatchOutcome | undefined> {
    const target = plan.target;
    if (call.kind === "aborted") return undefined;
    const outcome = call.outcome;
    if (outcome.kind === "error") return { phase: "error", response: errorResponse(target, `${QUERY_EXECUTION_FAILED}${outcome.message}`) };
    if (outcome.kind === "task") {
      const { task } = outcome;
      const namespace = query.metadata?.namespace ?? "";
      try {
        await recordEngineTask(this.ark.a2aTasks, task, { queryName: query.metadata?.name ?? "", agentName: target.name, namespace });
      } catch (error) {
        const why = isAlreadyExists(error) ? `a2atasks.ark.mckinsey.com "a2a-task-${task.id}" already exists` : errorMessage(error);
        return { phase: "error", response: errorResponse(target, `failed to create A2ATask: ${why}`) };
      }
      return {
        phase: "input-required",
        response: { target: { ...target }, content: outcome.content, raw: "{}", phase: "input-required", a2a: { contextId: task.contextId || undefined, taskId: task.id } },
        conversationId: task.contextId || undefined,
      };
    }
    const response: DispatchOutcome["response"] = { target: { ...target }, content: outcome.content, raw: outcome.raw, phase: "done" };
    if (outcome.a2a.contextId || outcome.a2a.taskId) response.a2a = { ...outcome.a2a };
    return { phase: "done", response, tokenUsage: outcome.tokenUsage, conversationId: outcome.conversationId || undefined };
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
      { cache: this.cache, secrets: core.secrets, configMaps: core.configMaps, services: core.services, serviceUrl: this.serviceUrl },
      new Map(),
      signal,
    );
  }

  private deps(): TargetDeps {
    return {
      ark: this.ark,
      cache: this.cache,
      completionsAddress: this.options.completionsAddress ?? DEFAULT_COMPLETIONS_ADDRESS,
      settleEngine: (engine, settleSignal) => this.settleEngine(engine, settleSignal),
    };
  }

  /** `spec.timeout` (default 5 minutes), ms. */
  private timeoutOf(query: Query): number {
    const text = query.spec?.timeout;
    if (!text) return CONTROLLER_DEFAULT_QUERY_TIMEOUT_MS;
    try {
      return parseGoDuration(text);
    } catch (error) {
      if (!(error instanceof GoDurationError)) throw error;
      this.logger.warn(`Query spec.timeout ${JSON.stringify(text)} is not a Go duration; using the default 5m`);
      return CONTROLLER_DEFAULT_QUERY_TIMEOUT_MS;
    }
  }

  // ---- ExecutionEngines and Agents ---------------------------------------------

  private async reconcileEngineKey(key: string): Promise<void> {
    const [namespace, name] = this.split(key);
    const engine = this.engines.get(name, namespace);
    if (!engine) return;
    await this.settleEngine(engine, AbortSignal.timeout(30_000), true);
  }

  /**
   * Runs ARK's ExecutionEngine reconcile on `engine` until it has had its
   * first resolution (`ready` or `error`); one at a time per engine. With
   * `oneStep`, a single reconcile (what an informer event triggers).
   */
  private settleEngine(engine: ExecutionEngine, signal: AbortSignal, oneStep = false): Promise<ExecutionEngine> {
    const key = keyOf(engine);
    const phase = engine.status?.phase;
    if (phase === "ready" || (phase === "error" && !oneStep)) return Promise.resolve(engine);
    const running = this.settling.get(key);
    if (running) return running;
    const run = (async () => {
      let current = engine;
      for (let step = 0; step < 3; step++) {
        signal.throwIfAborted();
        const done = await reconcileEngine(this.ark, this.values(signal), current);
        current = done.engine;
        if (done.retryMs !== undefined) this.setTimer(`engine:${key}`, done.retryMs, `engine:${key}`);
        if (oneStep || current.status?.phase === "ready" || current.status?.phase === "error") break;
      }
      return current;
    })().finally(() => this.settling.delete(key));
    this.settling.set(key, run);
    return run;
  }

  /** ARK's Agent webhook default: `modelRef: {name: default}` unless the agent proxies an A2AServer. */
  private async defaultAgent(key: string): Promise<void> {
    const [namespace, name] = this.split(key);
    const agent = this.agents.get(name, namespace) ?? (await this.ark.agents.getOrUndefined(name, { namespace }));
    if (!agent || agent.metadata?.deletionTimestamp || !needsDefaultModel(agent)) return;
    await this.ark.agents
      .patch(name, { metadata: { resourceVersion: agent.metadata?.resourceVersion }, spec: { modelRef: { name: "default" } } }, { namespace })
      .catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
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
