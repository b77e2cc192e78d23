/**
 * HTTP to the API server: pooled keep-alive connections, credentials and
 * impersonation headers, per-call deadline and abort, typed errors, and
 * retries that are safe (never replaying a request the server may already
 * have acted on).
 */

import { setMaxListeners } from "node:events";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Dispatcher } from "undici";
import { backoffDelay, sleep, type BackoffOptions } from "../core/backoff.js";
import { leasePool, type PoolLease, type PoolOptions } from "./connection-pool.js";
import { KubeCredentials, type CredentialSnapshot } from "./credentials.js";
import { ClientClosedError, ConnectionError, TimeoutError, decodeApiError, isTooManyRequests, type ApiError, type RequestContext } from "./errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { SDK_VERSION } from "../core/version.js";
import { errorMessage } from "../core/errors.js";
import { linkAbort } from "../core/abort.js";
import { splitLines } from "../protocol/framing.js";

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
  attempts?: number;
}

/** Options of a {@link Transport}. */
export interface TransportOptions {
  kubeConfig: KubeConfig;
  /** `User-Agent` (default `ark-sdk/<version>`). The API server records writes without a field manager under its first segment. */
  userAgent?: string;
  impersonate?: Impersonation;
  logger?: Logger;
  /** Deadline of one call including its retries, ms (default 30,000; 0 = none). */
  timeoutMs?: number;
  retry?: RetryOptions;
  pool?: PoolOptions;
}

/** Query parameters; `undefined` values are left out. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

/** One HTTP call. */
export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path below the server URL, starting with `/`. */
  path: string;
  query?: QueryParams;
  /** Sent as JSON text. */
  body?: unknown;
  /** Default `application/json` when there is a body. */
  contentType?: string;
  /**
   * Whether repeating the call cannot change the outcome. Only idempotent
   * calls are retried after a 5xx or a dropped connection; any call is
   * retried after a 429 or a refused connection (the server did not act).
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

const RETRYABLE_STATUS = new Set([502, 503, 504]);
// Errors that prove the request never reached the server, so even a create may be resent.
const NEVER_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

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
  // Aborted by close(): ends this transport's in-flight calls and streams even though the shared pool lives on.
  private readonly closing = new AbortController();

  constructor(options: TransportOptions) {
    this.credentials = new KubeCredentials(options.kubeConfig);
    this.logger = options.logger ?? silentLogger;
    this.userAgent = options.userAgent ?? `ark-sdk/${SDK_VERSION}`;
    this.impersonate = options.impersonate;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { initialMs: 200, maxMs: 5_000, ...options.retry, attempts: Math.max(1, options.retry?.attempts ?? 5) };
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
   * usable answer arrived (a `TimeoutError` once the deadline passes).
   */
  async request<R>(request: HttpRequest): Promise<R> {
    const deadline = request.timeoutMs ?? this.timeoutMs;
    const context: RequestContext = { method: request.method, path: request.path, kind: request.kind, name: request.name };
    const link = linkAbort([request.signal, this.closing.signal], {
      timeoutMs: deadline > 0 ? deadline : undefined,
      timeoutReason: () => this.clientTimeout(deadline, context),
    });
    try {
      return await this.requestWithRetries<R>(request, link.signal, context);
    } finally {
      link.close();
    }
  }

  private clientTimeout(ms: number, context: RequestContext): TimeoutError {
    return new TimeoutError({ message: `${context.method} ${context.path} did not complete within ${ms} ms`, request: context, timeoutMs: ms });
  }

  private async requestWithRetries<R>(request: HttpRequest, signal: AbortSignal, context: RequestContext): Promise<R> {
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    let refreshedCredentials = false;
    for (let attempt = 1; ; attempt++) {
      let response: Dispatcher.ResponseData;
      try {
        response = await this.dispatch(await this.target(), request, payload, signal);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const connection = this.connectionError(error, context);
        const safe = request.idempotent || NEVER_SENT_CODES.has(connection.code ?? "");
        if (safe && attempt < this.retry.attempts) {
          await this.pause(attempt, undefined, signal, context, connection);
          continue;
        }
        throw connection;
      }
      const { statusCode } = response;
      if (statusCode >= 200 && statusCode < 300) {
        const text = await response.body.text();
        return (text === "" ? undefined : JSON.parse(text)) as R;
      }
      const text = await response.body.text().catch(() => "");
      if (statusCode === 401 && !refreshedCredentials) {
        // Expired token or rotated certificate: ask the kubeconfig's auth plugin again, once.
        refreshedCredentials = true;
        this.credentials.invalidate();
        this.logger.debug("401 from API server; refreshing credentials and retrying once", { method: request.method, path: request.path });
        continue;
      }
      const retryAfter = headerValue(response.headers["retry-after"]);
      const error = decodeApiError(statusCode, text, retryAfter, context);
      const retryable = isTooManyRequests(error) || (request.idempotent && RETRYABLE_STATUS.has(statusCode));
      if (retryable && attempt < this.retry.attempts) {
        await this.pause(attempt, isTooManyRequests(error) ? error.retryAfter : undefined, signal, context, error);
        continue;
      }
      throw error;
    }
  }

  private async pause(attempt: number, retryAfterSeconds: number | undefined, signal: AbortSignal, context: RequestContext, cause: ApiError | ConnectionError): Promise<void> {
    const delay = Math.max(backoffDelay(attempt, this.retry), (retryAfterSeconds ?? 0) * 1000);
    const why = cause instanceof ConnectionError ? { code: cause.code } : { status: cause.status, reason: cause.reason };
    this.logger.debug("retrying request", { method: context.method, path: context.path, attempt, delayMs: Math.round(delay), error: cause.name, ...why });
    await sleep(delay, signal);
  }

  private connectionError(error: unknown, context: RequestContext): ConnectionError {
    const code = errorCode(error);
    const message = errorMessage(error);
    return new ConnectionError({ message: `${context.method} ${context.path}: ${message}${code ? ` (${code})` : ""}`, request: context, code, cause: error });
  }

  private headers(snapshot: CredentialSnapshot, contentType: string | undefined): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = { ...snapshot.headers, "user-agent": this.userAgent, accept: "application/json" };
    if (contentType) headers["content-type"] = contentType;
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

  private async target(): Promise<{ snapshot: CredentialSnapshot; dispatcher: Dispatcher; origin: string; basePath: string }> {
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
    const url = new URL(snapshot.server);
    return { snapshot, dispatcher: lease.dispatcher, origin: url.origin, basePath: url.pathname.replace(/\/+$/, "") };
  }

  /** One HTTP exchange on `target` (from {@link target}); `timeouts` are undici's (streams set them). */
  private async dispatch(
    { snapshot, dispatcher, origin, basePath }: Awaited<ReturnType<Transport["target"]>>,
    request: Pick<HttpRequest, "method" | "path" | "query" | "contentType"> & { idempotent?: boolean },
    payload: string | undefined,
    signal: AbortSignal,
    timeouts: { headersTimeout?: number; bodyTimeout?: number } = {},
  ): Promise<Dispatcher.ResponseData> {
    const contentType = payload === undefined ? undefined : (request.contentType ?? "application/json");
    return dispatcher.request({
      origin,
      path: `${basePath}${request.path}${buildQuery(request.query)}`,
      method: request.method,
      headers: this.headers(snapshot, contentType),
      body: payload ?? null,
      signal,
      idempotent: request.idempotent,
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

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
