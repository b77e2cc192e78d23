/**
 * HTTP to the API server: pooled keep-alive connections, credentials and
 * impersonation headers, per-call deadline and abort, typed errors, and
 * retries that are safe (never replaying a request the server may already
 * have acted on).
 */

import { EventEmitter, setMaxListeners } from "node:events";
import type { KubeConfigLike } from "../core/kubeconfig-like.js";
import type { Dispatcher } from "undici";
import { sleep, timerDelay, type BackoffOptions } from "../core/backoff.js";
import { leasePool, type PoolLease, type PoolOptions } from "./connection-pool.js";
import { KubeCredentials, type CredentialSnapshot } from "./credentials.js";
import {
  AmbiguousWriteError, ClientClosedError, ConnectionError, TimeoutError, TransportError, decodeApiError,
  type ApiError, type RequestContext,
} from "./errors.js";
import { encodeBody } from "./input.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { SDK_VERSION } from "../core/version.js";
import { errorMessage } from "../core/errors.js";
import { linkAbort } from "../core/abort.js";
import { afterConnectionFailure, afterErrorAnswer, retryPause } from "./retry-decisions.js";
import { splitLines } from "../protocol/framing.js";
import { definedProps } from "../core/defined.js";

/** Who to act as (the API server checks that the real identity may impersonate). */
export interface Impersonation {
  /** `Impersonate-User`. */
  user: string;
  /** One `Impersonate-Group` header each. */
  groups?: string[];
  /** `Impersonate-Uid` (API servers ≥ 1.22). */
  uid?: string;
  /** `Impersonate-Extra-<key>` headers, one per value. */
  extra?: Record<string, string[]>;
}

/** Retry policy for transient failures. */
export interface RetryOptions extends BackoffOptions {
  /** Total tries including the first (default 5; 1 disables retries). */
  attempts?: number | undefined;
}

/** Options of a {@link Transport}. */
export interface TransportOptions {
  kubeConfig: KubeConfigLike;
  /** `User-Agent` (default `ark-sdk/<version>`). The API server records writes without a field manager under its first segment. */
  userAgent?: string | undefined;
  impersonate?: Impersonation | undefined;
  logger?: Logger | undefined;
  /** Deadline of one call including its retries, ms (default 30,000; 0 = none). */
  timeoutMs?: number | undefined;
  retry?: RetryOptions | undefined;
  pool?: PoolOptions | undefined;
}

/** Query parameters; `undefined` values are left out. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

/** One HTTP call. */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path below the server URL, starting with `/`. */
  path: string;
  query?: QueryParams;
  /** Sent as JSON text (checked as by {@link encodeBody}). */
  body?: unknown;
  /** The body as JSON text already; takes precedence over `body`. */
  payload?: string;
  /** Default `application/json` when there is a body. */
  contentType?: string;
  /**
   * Whether the call may be sent again when its outcome is unknown: `true`
   * for reads. Such calls are retried after a dropped connection, an answer
   * cut off mid-body or a 502/503/504. Any call is retried when the server
   * provably did not act: a refused connection or connect timeout, a 429, a
   * 5xx with `Retry-After`, a 404 without a `Status` body. A write
   * (`false`) whose connection failed after it was sent is reported as an
   * {@link AmbiguousWriteError}, never replayed: a replayed update would
   * meet its own write (409), a replayed delete its own deletion (404).
   */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Overrides the transport's deadline for this call, ms (0 = none). */
  timeoutMs?: number;
  /** Kind and name for error messages. */
  kind?: string;
  name?: string;
}

/** A streaming request (watch). */
export interface StreamRequest extends Omit<HttpRequest, "body" | "contentType" | "idempotent" | "timeoutMs"> {
  /** Fails the stream when no bytes arrive for this long, ms. */
  idleTimeoutMs: number;
  /**
   * Deadline for the response headers, ms (default: the idle timeout, at most
   * 30,000). The API server answers a watch at once, so a silent start means
   * a dead pooled connection; failing fast lets the caller reconnect.
   */
  headersTimeoutMs?: number;
}


function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current && typeof current === "object"; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function buildQuery(query: QueryParams | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.append(key, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/**
 * Sends requests to one API server with the identity of one KubeConfig
 * context. Cheap to share; {@link Transport.close} releases its connection
 * pool reference (the pool closes when its last user leaves).
 */
export class Transport {
  readonly logger: Logger;
  readonly credentials: KubeCredentials;
  private readonly userAgent: string;
  private readonly impersonate: Impersonation | undefined;
  private readonly timeoutMs: number;
  private readonly retry: Required<Pick<RetryOptions, "attempts">> & BackoffOptions;
  private readonly poolOptions: PoolOptions;
  private lease: PoolLease | undefined;
  private currentTarget: Target | undefined;
  // Calls in flight, aborted by close().
  private readonly inFlight = new Set<CallAbort>();
  // Aborted by close(): ends this transport's in-flight calls and streams even though the shared pool lives on.
  private readonly closing = new AbortController();

  constructor(options: TransportOptions) {
    this.credentials = new KubeCredentials(options.kubeConfig);
    this.logger = options.logger ?? silentLogger;
    this.userAgent = options.userAgent ?? `ark-sdk/${SDK_VERSION}`;
    this.impersonate = options.impersonate;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { initialMs: 200, maxMs: 5_000, ...definedProps(options.retry), attempts: Math.max(1, options.retry?.attempts ?? 5) };
    this.poolOptions = options.pool ?? {};
    // Every in-flight call listens for close(); there may be many.
    setMaxListeners(0, this.closing.signal);
  }

  /** The API server URL. */
  get server(): string {
    return this.credentials.server;
  }

  /**
   * Sends `request` and returns the parsed JSON body of a 2xx answer. Throws
   * an {@link ApiError} for a failure answer, a {@link TransportError} when no
   * usable answer arrived (a `TimeoutError` once the deadline passes, an
   * {@link AmbiguousWriteError} for a write that may have been applied).
   */
  async request<R>(request: HttpRequest): Promise<R> {
    const deadline = request.timeoutMs ?? this.timeoutMs;
    const context: RequestContext = { method: request.method, path: request.path, kind: request.kind, name: request.name };
    if (this.closing.signal.aborted) throw this.closing.signal.reason;
    // One CallAbort per call, not an AbortController: an AbortSignal (an EventTarget) and its listeners cost more than the rest of a call.
    const call = new CallAbort();
    const userSignal = request.signal;
    const onUserAbort = userSignal ? () => call.abort(userSignal.reason) : undefined;
    if (userSignal?.aborted) throw userSignal.reason;
    userSignal?.addEventListener("abort", onUserAbort!, { once: true });
    const timer = deadline > 0 ? setTimeout(() => call.abort(this.clientTimeout(deadline, context)), timerDelay(deadline)) : undefined;
    this.inFlight.add(call);
    try {
      return await this.requestWithRetries<R>(request, call, context, deadline > 0 ? Date.now() + deadline : Infinity);
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(call);
      userSignal?.removeEventListener("abort", onUserAbort!);
    }
  }

  private clientTimeout(ms: number, context: RequestContext): TimeoutError {
    return new TimeoutError({ message: `${context.method} ${context.path} did not complete within ${ms} ms`, request: context, timeoutMs: ms });
  }

  private async requestWithRetries<R>(request: HttpRequest, signal: CallAbort, context: RequestContext, deadlineAt: number): Promise<R> {
    const payload = request.payload ?? (request.body === undefined ? undefined : encodeBody(request.body, { kind: context.kind ?? "", name: context.name }, this.logger));
    let refreshedCredentials = false;
    for (let attempt = 1; ; attempt++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await this.dispatch(this.readyTarget() ?? (await this.target()), request, payload, signal);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const failure = this.connectionError(error, context);
        // Only a failure before the request left (refused, no address, connect timeout) proves the server did not act.
        if (afterConnectionFailure(failure.code, request.idempotent) === "ambiguous") throw ambiguousWrite(failure, context, "the connection failed after the request was sent");
        if (await this.pauseBeforeRetry(attempt, undefined, deadlineAt, signal, context, failure)) continue;
        throw failure;
      }
      const { statusCode } = response;
      let text: string;
      try {
        text = await response.body.text();
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        // The answer's head arrived but its body was cut off.
        const failure = this.connectionError(error, context, `the HTTP ${statusCode} answer was cut off mid-body`);
        if (!request.idempotent) {
          const what = statusCode < 300 ? `the server answered ${statusCode} (applied) but the answer was cut off` : `the HTTP ${statusCode} answer was cut off`;
          throw ambiguousWrite(failure, context, what);
        }
        if (await this.pauseBeforeRetry(attempt, undefined, deadlineAt, signal, context, failure)) continue;
        throw failure;
      }
      if (statusCode >= 200 && statusCode < 300) {
        if (text === "") return undefined as R;
        try {
          return JSON.parse(text) as R;
        } catch (error) {
          throw new TransportError({ message: `${context.method} ${context.path}: the HTTP ${statusCode} answer is not JSON: ${text.slice(0, 200)}`, request: context, cause: error });
        }
      }
      if (statusCode === 401 && !refreshedCredentials) {
        // Expired token or rotated certificate: ask the kubeconfig's auth plugin again, once.
        refreshedCredentials = true;
        this.credentials.invalidate();
        this.logger.debug("401 from API server; refreshing credentials and retrying once", { method: request.method, path: request.path });
        continue;
      }
      const retryAfterHeader = headerValue(response.headers["retry-after"]);
      const error = decodeApiError(statusCode, text, retryAfterHeader, context);
      const retry = afterErrorAnswer(error, request.idempotent, retryAfterHeader);
      if (retry && (await this.pauseBeforeRetry(attempt, retry.retryAfterSeconds, deadlineAt, signal, context, error))) continue;
      throw error;
    }
  }

  /**
   * Sleeps before retry number `attempt` and returns `true`, or returns `false`
   * at once when the attempts are used up or the wait (backoff, or the
   * server's `Retry-After` if longer) would outlast the call's deadline.
   */
  private async pauseBeforeRetry(
    attempt: number, retryAfterSeconds: number | undefined, deadlineAt: number, signal: CallAbort, context: RequestContext, cause: ApiError | ConnectionError,
  ): Promise<boolean> {
    const delay = retryPause(attempt, this.retry, retryAfterSeconds, Date.now(), deadlineAt);
    if (delay === undefined) return false;
    const why = cause instanceof ConnectionError ? { code: cause.code, interrupted: cause.interrupted } : { status: cause.status, reason: cause.reason };
    this.logger.debug("retrying request", { method: context.method, path: context.path, attempt, delayMs: Math.round(delay), error: cause.name, ...why });
    await sleep(delay, signal.signal());
    return true;
  }

  private connectionError(error: unknown, context: RequestContext, what?: string): ConnectionError {
    const code = errorCode(error);
    const message = errorMessage(error);
    return new ConnectionError({
      message: `${context.method} ${context.path}: ${what ? `${what}: ` : ""}${message}${code ? ` (${code})` : ""}`,
      request: context, code, cause: error, interrupted: what !== undefined,
    });
  }

  /** The headers of every request with `snapshot`'s credentials (no content type). */
  private baseHeaders(snapshot: CredentialSnapshot): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = { ...snapshot.headers, "user-agent": this.userAgent, accept: "application/json" };
    const imp = this.impersonate;
    if (imp) {
      headers["Impersonate-User"] = imp.user;
      // One header line per group: a comma-joined value would be read as a single group name.
      if (imp.groups && imp.groups.length > 0) headers["Impersonate-Group"] = [...imp.groups];
      if (imp.uid) headers["Impersonate-Uid"] = imp.uid;
      for (const [key, values] of Object.entries(imp.extra ?? {})) headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = [...values];
    }
    return headers;
  }

  /** The current target when nothing needs awaiting (fresh credentials, pool leased): the fast path of every call. */
  private readyTarget(): Target | undefined {
    const target = this.currentTarget;
    return target && this.lease?.key === target.leaseKey && this.credentials.peek() === target.snapshot ? target : undefined;
  }

  private async target(): Promise<Target> {
    if (this.closing.signal.aborted) throw this.closing.signal.reason;
    const snapshot = await this.credentials.current();
    let lease = this.lease;
    if (!lease || !lease.key.startsWith(`${snapshot.poolKey}:`)) {
      const fresh = await leasePool(snapshot, this.poolOptions);
      // A concurrent call may have leased the same pool while this one awaited.
      if (this.lease && this.lease.key === fresh.key) {
        void fresh.release();
        lease = this.lease;
      } else {
        const previous = this.lease;
        lease = fresh;
        this.lease = fresh;
        if (previous) void previous.release();
      }
    }
    const current = this.currentTarget;
    if (current && current.snapshot === snapshot && current.leaseKey === lease.key) return current;
    // Parsed and built once per credentials and pool, not per request.
    const url = new URL(snapshot.server);
    const target: Target = {
      snapshot, leaseKey: lease.key, dispatcher: lease.dispatcher, origin: url.origin, basePath: url.pathname.replace(/\/+$/, ""),
      headers: this.baseHeaders(snapshot), headersWithType: new Map(),
    };
    this.currentTarget = target;
    return target;
  }

  /** One HTTP exchange on `target` (from {@link target}); `timeouts` are undici's (streams set them). */
  private dispatch(
    target: Target,
    request: Pick<HttpRequest, "method" | "path" | "query" | "contentType">,
    payload: string | undefined,
    signal: AbortSignal | CallAbort,
    timeouts?: { headersTimeout?: number; bodyTimeout?: number },
  ): Promise<Dispatcher.ResponseData> {
    let headers = target.headers;
    if (payload !== undefined) {
      const contentType = request.contentType ?? "application/json";
      let typed = target.headersWithType.get(contentType);
      if (!typed) target.headersWithType.set(contentType, (typed = { ...headers, "content-type": contentType }));
      headers = typed;
    }
    return target.dispatcher.request({
      origin: target.origin,
      path: request.query === undefined ? target.basePath + request.path : target.basePath + request.path + buildQuery(request.query),
      method: request.method,
      headers,
      body: payload ?? null,
      signal,
      ...timeouts,
    });
  }

  /**
   * Opens a streaming GET (a watch) and yields its body line by line. Errors
   * before the stream starts are decoded as for {@link request}; the caller
   * owns reconnecting.
   */
  async *streamLines(request: StreamRequest): AsyncGenerator<string, void, undefined> {
    const context: RequestContext = { method: request.method, path: request.path, kind: request.kind, name: request.name };
    const link = linkAbort([request.signal, this.closing.signal]);
    try {
      const response = await this.openStream(request, link.signal, context);
      try {
        yield* this.lines(response, request, link.signal, context);
      } finally {
        // Ends the request if the consumer stopped early; a no-op after a clean end.
        response.body.destroy();
      }
    } finally {
      link.close();
    }
  }

  private async openStream(request: StreamRequest, signal: AbortSignal, context: RequestContext): Promise<Dispatcher.ResponseData> {
    for (let refreshed = false; ; refreshed = true) {
      const target = await this.target();
      let response: Dispatcher.ResponseData;
      try {
        response = await this.dispatch(target, request, undefined, signal, {
          headersTimeout: request.headersTimeoutMs ?? Math.min(request.idleTimeoutMs, 30_000),
          bodyTimeout: request.idleTimeoutMs,
        });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw this.connectionError(error, context);
      }
      if (response.statusCode >= 200 && response.statusCode < 300) return response;
      const text = await response.body.text().catch(() => "");
      if (response.statusCode === 401 && !refreshed) {
        this.credentials.invalidate();
        continue;
      }
      throw decodeApiError(response.statusCode, text, headerValue(response.headers["retry-after"]), context);
    }
  }

  private async *lines(response: Dispatcher.ResponseData, request: StreamRequest, signal: AbortSignal, context: RequestContext): AsyncGenerator<string, void, undefined> {
    try {
      for await (const line of splitLines(response.body as AsyncIterable<Uint8Array>)) if (line.trim() !== "") yield line;
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      if (errorCode(error) === "UND_ERR_BODY_TIMEOUT") {
        throw new TimeoutError({ message: `no data on ${request.path} for ${request.idleTimeoutMs} ms`, request: context, timeoutMs: request.idleTimeoutMs, idle: true });
      }
      throw this.connectionError(error, context);
    }
  }

  /**
   * Ends this transport's in-flight calls and watches and releases its
   * reference on the shared connection pool. Later calls fail with a
   * `ClientClosedError`.
   */
  async close(): Promise<void> {
    if (!this.closing.signal.aborted) {
      this.closing.abort(new ClientClosedError({ message: "the client was closed" }));
      for (const call of this.inFlight) call.abort(this.closing.signal.reason);
      this.inFlight.clear();
    }
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
  }

  /** `await using`: {@link Transport.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Where and how requests go, for one credential snapshot and pool lease. */
interface Target {
  snapshot: CredentialSnapshot;
  leaseKey: string;
  dispatcher: Dispatcher;
  origin: string;
  basePath: string;
  /** Headers of a request without a body. */
  headers: Record<string, string | string[]>;
  /** Headers with `content-type`, by content type. */
  headersWithType: Map<string, Record<string, string | string[]>>;
}

/**
 * The abort handle of one call: an EventEmitter, which undici accepts as a
 * signal and which costs far less than an AbortController's AbortSignal. A
 * real AbortSignal is made only when something needs one (a retry's sleep).
 */
class CallAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  private controller: AbortController | undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
    this.emit("abort");
  }

  /** An AbortSignal that aborts with this call. */
  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }
}

/** The error for a write whose outcome is unknown: `failure` (the connection error) is its cause. */
function ambiguousWrite(failure: ConnectionError, context: RequestContext, what: string): AmbiguousWriteError {
  return new AmbiguousWriteError({
    message: `${context.method} ${context.path}: ${what}; the server may have applied it. Read the object to find out before repeating it (${failure.message})`,
    request: context, code: failure.code, cause: failure,
  });
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
