/**
 * `ark.queries`: the Query kind's resource client plus the workflows around
 * a query: run it and get the answer, wait for one, stream its live output
 * from the broker, cancel it. Waiting follows the Query with a watch (never
 * polling; concurrent waits in a namespace share one) and always ends: with
 * a result, a typed error, or a cancellation that also sets `spec.cancel` so
 * the engine stops working.
 */

import type { ServiceUrlResolver } from "./value-source.js";
import { BrokerReachability, brokerUnreachableAdvice, resolveServiceUrls, type ServiceUrls } from "./service-urls.js";
import type { Transport } from "../client/transport.js";
import { a2aTaskDescriptor, type A2ATask, type Query } from "../generated/index.js";
import { approvalDecisionOf } from "./a2a-task-client.js";
import { configMapDescriptor, secretDescriptor, serviceDescriptor } from "../client/core-kinds.js";
import type { ResourceDescriptor } from "../core/descriptor.js";
import { isNotFound } from "../client/errors.js";
import type { CallOptions, WriteOptions } from "../client/options.js";
import { discoverBrokerUrl, type BrokerLookupClients } from "./query-broker.js";
import { QueryCanceledError, QueryDeletedError, QueryFailedError, QueryTimeoutError } from "./query-errors.js";
import { isQuerySettled, queryPhase } from "./query-phases.js";
import { buildQuery, normalizeTimeout, requestTimeout, type QueryRunRequest } from "./query-request.js";
import { readQueryResult, type QueryResult } from "./query-result.js";
import { BrokerStreamError, ChunkReader, readBrokerStream, type QueryStreamEvent } from "./query-stream.js";
import { QueryWatchHub } from "./query-watch-hub.js";
import { ResourceClient, type ResourceClientOptions } from "../client/resource-client.js";
import { ArkSdkError, errorMessage } from "../core/errors.js";
import { linkAbort } from "../core/abort.js";

/** Options of {@link QueryClient.wait}. */
export interface QueryWaitOptions {
  /** Stop waiting when it aborts (`QueryCanceledError`, reason `aborted`). */
  signal?: AbortSignal | undefined;
  /** Stop waiting after this long, ms (`QueryTimeoutError`). Default: no limit. */
  timeoutMs?: number | undefined;
  /** Namespace of the Query (default: the client's). */
  namespace?: string | undefined;
  /** Set `spec.cancel` when the wait is aborted or times out (default false for `wait`, true for `run`). */
  cancelOnStop?: boolean | undefined;
}

/** Options of {@link QueryClient.run}. */
export interface QueryRunOptions {
  /** Aborting cancels the query (`spec.cancel: true`) and rejects with `QueryCanceledError`. */
  signal?: AbortSignal | undefined;
  /**
   * Client-side deadline, ms, counted from the call (default: the request's
   * `timeout`/`timeoutMs`, else none). When it passes, `spec.cancel` is set and the call
   * rejects with `QueryTimeoutError`.
   */
  timeoutMs?: number | undefined;
}

/** Options of {@link QueryClient.stream}. */
export interface QueryStreamOptions {
  /** Ends the stream early (`QueryCanceledError`, reason `aborted`; the query keeps running). */
  signal?: AbortSignal | undefined;
  /** Namespace of the Query (default: the client's). */
  namespace?: string | undefined;
  /**
   * The broker's base URL. Default: `ARK_SDK_BROKER_URL`, else found from the
   * namespace's `ark-config-streaming` ConfigMap. `null`: do not read the
   * broker (only the final result is yielded).
   */
  brokerUrl?: string | null | undefined;
  /** Maps the broker's Service to a URL when discovering it (default: `ARK_SDK_SERVICE_URLS`, else in-cluster DNS). */
  serviceUrl?: ServiceUrlResolver | undefined;
  /** After the Query settles, how long to wait for the broker stream's end, ms (default 500). */
  settleGraceMs?: number | undefined;
}

/** A Query created by {@link QueryClient.start}, with its client-side deadline. */
interface Started {
  query: Query;
  deadline: number | undefined;
  timeoutMs: number | undefined;
}


/** One per client (and the clients made from it): N streams from a broker that does not answer give one warning. */
const reachabilities = new WeakMap<Transport, BrokerReachability>();

/** The Query client: CRUD, watch and informers of `Query`, plus run / wait / stream / cancel. */
export class QueryClient extends ResourceClient<Query> {
  private readonly a2aTasks: ResourceClient<A2ATask>;
  private readonly hub: QueryWatchHub;

  /** @internal Made by `ArkClient` (`ark.queries`). */
  constructor(descriptor: ResourceDescriptor<Query>, options: ResourceClientOptions) {
    super(descriptor, options);
    this.a2aTasks = new ResourceClient(a2aTaskDescriptor, options);
    this.hub = new QueryWatchHub(this, this.logger);
  }

  /** The same client, defaulting to namespace `ns`. */
  override inNamespace(ns: string): QueryClient {
    return new QueryClient(this.descriptor, { ...this.options, namespace: ns });
  }

  /**
   * Creates the Query of `request` (name generated from the target unless
   * given) and returns it without waiting.
   * @throws ArgumentError naming the bad field of `request`
   */
  async start(request: QueryRunRequest, options: WriteOptions = {}): Promise<Query> {
    return (await this.startTimed(request, undefined, options)).query;
  }

  /**
   * Runs a query: creates it, follows it with a watch to a terminal phase and
   * returns the answer. Phase `input-required` returns too, with the pending
   * A2ATask to approve or reject.
   * @throws QueryFailedError when the Query ends in `error` (its `result` has ARK's response)
   * @throws QueryCanceledError when `signal` aborts or someone cancels the Query; QueryTimeoutError when the deadline passes
   * @throws QueryDeletedError when the Query is deleted before it finishes
   * @example
   * const result = await ark.queries.run({ input: "Hello", target: { type: "agent", name: "greeter" }, timeout: "30s" });
   * console.log(result.content, result.tokenUsage?.totalTokens);
   */
  async run(request: QueryRunRequest, options: QueryRunOptions = {}): Promise<QueryResult> {
    const started = await this.startTimed(request, options.timeoutMs, { signal: options.signal });
    const name = started.query.metadata?.name ?? "";
    return this.follow(name, {
      namespace: started.query.metadata?.namespace,
      signal: options.signal,
      deadline: started.deadline,
      timeoutMs: started.timeoutMs,
      cancelOnStop: true,
      initial: started.query,
    });
  }

  /**
   * Waits for an existing Query to settle (terminal, or paused for
   * approval) and returns its result; errors as {@link QueryClient.run}.
   * @throws NotFoundError when the Query does not exist
   */
  async wait(name: string, options: QueryWaitOptions = {}): Promise<QueryResult> {
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined) normalizeTimeout(timeoutMs, "timeoutMs"); // throws ArgumentError unless a positive number
    return this.follow(name, {
      namespace: options.namespace,
      signal: options.signal,
      deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs,
      timeoutMs,
      cancelOnStop: options.cancelOnStop ?? false,
    });
  }

  /** Asks ARK to stop the query (`spec.cancel: true`); ARK moves it to `canceled`. Returns the updated Query. */
  async cancel(name: string, options: CallOptions = {}): Promise<Query> {
    return this.patch(name, { spec: { cancel: true } }, options);
  }

  /**
   * The query's live output: text deltas and tool calls as the engine
   * streams them to ARK's broker, then always a final `result` event, also
   * when the engine streams nothing or no broker is configured. Ends by
   * throwing as {@link QueryClient.run} does when the Query fails, is
   * canceled or deleted.
   * @example
   * for await (const event of ark.queries.stream(query.metadata.name)) {
   *   if (event.type === "text") process.stdout.write(event.text);
   *   if (event.type === "result") console.log("\n", event.result.tokenUsage);
   * }
   */
  async *stream(name: string, options: QueryStreamOptions = {}): AsyncGenerator<QueryStreamEvent, void, undefined> {
    const namespace = options.namespace ?? this.namespace ?? "default";
    // The service-URL rule; a bad ARK_SDK_BROKER_URL / ARK_SDK_SERVICE_URLS fails here, before the Query is followed.
    const urls = options.brokerUrl === null ? undefined : resolveServiceUrls({ brokerUrl: options.brokerUrl, serviceUrl: options.serviceUrl });
    const stop = linkAbort([options.signal]);
    const settled = this.follow(name, { namespace, signal: stop.signal, cancelOnStop: false });
    settled.catch(() => undefined);
    try {
      const baseUrl = urls && (urls.brokerUrl ?? (await this.discoverBroker(namespace, urls, stop.signal)));
      if (urls && baseUrl) yield* this.brokerEvents(baseUrl, urls, name, settled, stop.signal, options.settleGraceMs ?? 500);
      yield { type: "result", result: await settled };
    } finally {
      stop.abort(new Error("stream closed"));
    }
  }

  // ---- internals -----------------------------------------------------------

  private async startTimed(request: QueryRunRequest, clientTimeout: number | undefined, options: WriteOptions): Promise<Started> {
    const object = buildQuery(request);
    const timeoutMs = clientTimeout !== undefined ? normalizeTimeout(clientTimeout, "timeoutMs")?.ms : requestTimeout(request)?.ms;
    // The deadline counts from the call, so it passes before an engine-side deadline that starts at dispatch.
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    if (options.signal?.aborted) {
      throw new QueryCanceledError(object.metadata?.name ?? object.metadata?.generateName ?? "", "aborted", "Query not created: the signal was already aborted", undefined, options.signal.reason);
    }
    const query = await this.create(object, options);
    return { query, deadline, timeoutMs };
  }

  private async follow(
    name: string,
    options: { namespace?: string; signal?: AbortSignal; deadline?: number; timeoutMs?: number; cancelOnStop: boolean; initial?: Query },
  ): Promise<QueryResult> {
    const { namespace } = options;
    let timedOut = false;
    const controller = linkAbort([options.signal], {
      timeoutMs: options.deadline === undefined ? undefined : options.deadline - Date.now(),
      timeoutReason: () => {
        timedOut = true;
        return new Error(`deadline of Query "${name}" passed`);
      },
    });
    // The first cause wins: the link detaches from the other once aborted.
    const stoppedBy = () => (controller.signal.aborted ? (timedOut ? "timeout" : "aborted") : undefined);
    let stopped: "aborted" | "timeout" | undefined;
    let last: Query | undefined;
    try {
      if (!controller.signal.aborted) {
        // The object just created is a fine starting point: watching from its resourceVersion misses nothing.
        last = options.initial ?? (await this.get(name, { namespace, signal: controller.signal }));
        const first = isQuerySettled(last) ? await this.settle(last, options.signal) : undefined;
        if (first) return first;
        const ns = last.metadata?.namespace ?? namespace ?? this.namespace ?? "default";
        const refresh = () => this.getOrUndefined(name, { namespace: ns, signal: controller.signal });
        for await (const event of this.hub.changes(ns, last, refresh, controller.signal)) {
          if (event.type === "DELETED") throw new QueryDeletedError(name, last);
          last = event.object;
          const result = isQuerySettled(last) ? await this.settle(last, options.signal) : undefined;
          if (result) return result;
        }
      }
    } catch (error) {
      if (!stoppedBy()) throw error;
    } finally {
      stopped = stoppedBy();
      controller.abort();
    }
    if (!stopped) throw new ArkSdkError(`watch of Query "${name}" ended unexpectedly`);
    if (options.cancelOnStop) await this.cancelQuietly(name, namespace);
    const cancelled = options.cancelOnStop ? "; spec.cancel was set" : "";
    if (stopped === "timeout") throw new QueryTimeoutError(name, options.timeoutMs ?? 0, last);
    throw new QueryCanceledError(name, "aborted", `Waiting for Query "${name}" was aborted${cancelled}`, last, options.signal?.reason);
  }

  /**
   * The result of a settled Query, or the error its phase means; `undefined`
   * for a paused Query that is about to move on (its task was decided, or it
   * is being canceled).
   */
  private async settle(query: Query, signal: AbortSignal | undefined): Promise<QueryResult | undefined> {
    const phase = queryPhase(query);
    const name = query.metadata?.name ?? "";
    if (phase === "error") throw new QueryFailedError(readQueryResult(query));
    if (phase === "canceled") throw new QueryCanceledError(name, "canceled", `Query "${name}" was canceled (spec.cancel)`, query);
    if (phase !== "input-required") return readQueryResult(query);
    if (query.spec?.cancel === true) return undefined; // about to be canceled, not waiting for a human
    const taskId = query.status?.response?.a2a?.taskId;
    const task = taskId ? await this.a2aTasks.getOrUndefined(`a2a-task-${taskId}`, { namespace: query.metadata?.namespace, signal }) : undefined;
    if (!task) this.logger.warn(`Query "${name}" awaits input but its A2ATask ${taskId ? `a2a-task-${taskId}` : "(no task id)"} was not found`);
    else if (approvalDecisionOf(task) !== undefined || task.status?.phase !== "input-required") return undefined;
    return readQueryResult(query, task);
  }

  private async cancelQuietly(name: string, namespace: string | undefined): Promise<void> {
    try {
      await this.cancel(name, { namespace, timeoutMs: 10_000 });
    } catch (error) {
      if (isNotFound(error)) return;
      this.logger.warn(`could not set spec.cancel on Query "${name}": ${errorMessage(error)}`);
    }
  }

  private get reachability(): BrokerReachability {
    const transport = this.options.transport;
    let reachability = reachabilities.get(transport);
    if (!reachability) reachabilities.set(transport, (reachability = new BrokerReachability(this.logger)));
    return reachability;
  }

  private async discoverBroker(namespace: string, urls: ServiceUrls, signal: AbortSignal): Promise<string | undefined> {
    const core = { ...this.options, validate: false as const };
    const clients: BrokerLookupClients = {
      configMaps: new ResourceClient(configMapDescriptor, core),
      services: new ResourceClient(serviceDescriptor, core),
      secrets: new ResourceClient(secretDescriptor, core),
      logger: this.logger,
    };
    try {
      return await discoverBrokerUrl(clients, namespace, urls.serviceUrl, signal);
    } catch (error) {
      if (signal.aborted) return undefined;
      this.logger.warn(`no live output: broker discovery in ${namespace} failed: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /** Broker events until the stream ends, or until the Query settled and the grace period passed. */
  private async *brokerEvents(baseUrl: string, urls: ServiceUrls, name: string, settled: Promise<QueryResult>, signal: AbortSignal, graceMs: number): AsyncGenerator<QueryStreamEvent, void, undefined> {
    const reader = new ChunkReader();
    // Its own signal, so the broker connection closes as soon as these events end.
    const local = linkAbort([signal]);
    const chunks = readBrokerStream(baseUrl, name, local.signal);
    const isSettled = settled.then(() => "settled" as const, () => "settled" as const);
    let graceOver: Promise<"grace"> | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      let pending = chunks.next();
      for (;;) {
        const next = await Promise.race([pending, graceOver ?? isSettled]);
        if (next === "grace") return;
        if (next === "settled") {
          graceOver = new Promise((resolve) => (timer = setTimeout(() => resolve("grace"), graceMs)));
          continue;
        }
        this.reachability.reached(baseUrl);
        if (next.done) return;
        yield* reader.read(next.value);
        pending = chunks.next();
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof BrokerStreamError && error.unreachable) this.reachability.unreachable(baseUrl, error, brokerUnreachableAdvice(urls), "no live output; the result is reported when the query ends");
      else this.logger.warn(`no live output for Query "${name}": ${errorMessage(error)}`);
    } finally {
      clearTimeout(timer);
      local.abort();
      void chunks.return(undefined).catch(() => undefined);
    }
  }
}
