/**
 * Typed errors for everything the resource client does. Failures reported by
 * the API server are decoded from its `Status` body into one {@link ApiError}
 * subclass per meaning, so callers branch on a type guard (or `instanceof`)
 * instead of parsing strings. When no usable answer arrived the error is a
 * {@link TransportError} instead, never an `ApiError` with an invented status:
 * the two need different handling (only a transport failure can leave the
 * outcome of a write unknown). Client-side problems (bad input, validation,
 * a wait that gave up) have their own classes.
 *
 * Every class's `name` is its class name; the object an error is about is in
 * `objectName`, its Kind in `kind`. The guards work across duplicated copies
 * of ark-sdk (see `core/errors.ts` for the whole hierarchy).
 */

import type { ValidationProblem } from "../schema/index.js";
import type { Status, StatusCause } from "../core/meta.js";
import { ArkSdkError, errorGuard, markTimeout } from "../core/errors.js";

export { ArkSdkError, ArgumentError, ConfigError, isArkSdkError, isTimeout } from "../core/errors.js";

/** One `details.causes` entry of an `Invalid` (422) answer. */
export interface InvalidCause {
  /** JSON path of the offending field, e.g. `spec.replicas`. */
  field: string;
  /** Machine-readable reason, e.g. `FieldValueRequired`. */
  reason: string;
  /** Human-readable message. */
  message: string;
}

/** What the client knew about a request, used when the server's `Status` omits it. */
export interface RequestContext {
  method: string;
  path: string;
  /** Kind the request was about (e.g. `Agent`). */
  kind?: string;
  /** Object name the request was about. */
  name?: string;
}

/** What an {@link ApiError} is built from (the client decodes it from the API server's `Status` answer). */
export interface ApiErrorInit {
  /** HTTP status code of the answer. */
  status: number;
  /** `Status.reason`, e.g. `NotFound`. */
  reason: string;
  message: string;
  /** Kind the request was about, e.g. `Agent`. */
  kind?: string | undefined;
  /** The resource (plural) the server named in `Status.details.kind`, e.g. `agents`. */
  resource?: string | undefined;
  /** The object the error is about. */
  objectName?: string | undefined;
  body?: Status | undefined;
  request?: RequestContext | undefined;
  cause?: unknown;
}

/** A failure answered by the API server: an HTTP status of 400 or more, usually with a `Status` body. */
export class ApiError extends ArkSdkError {
  /** HTTP status code of the answer (always a real one, ≥ 400). */
  readonly status: number;
  /** `Status.reason`, e.g. `NotFound`, `AlreadyExists`, `Conflict`. */
  readonly reason: string;
  /** Kind the request was about, e.g. `Agent` ("" when unknown). */
  readonly kind: string;
  /**
   * The resource the server named in `Status.details.kind`: for most answers
   * the plural, e.g. `agents` ("" when the server named none).
   */
  readonly resource: string;
  /** The object the error is about (`Status.details.name`, else the request's object name, else ""). */
  readonly objectName: string;
  /** The decoded `Status` body, when the server sent one. */
  readonly body: Status | undefined;
  /** HTTP method and path of the failed request. */
  readonly request: { method: string; path: string } | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.reason = init.reason;
    this.kind = init.kind ?? init.request?.kind ?? "";
    this.resource = init.resource ?? "";
    this.objectName = init.objectName ?? init.request?.name ?? "";
    this.body = init.body;
    this.request = init.request ? { method: init.request.method, path: init.request.path } : undefined;
  }
}

/** 404: the object (or its namespace, or the kind) does not exist. */
export class NotFoundError extends ApiError {}
/** 409 `AlreadyExists`: create of a name that is taken. */
export class AlreadyExistsError extends ApiError {}
/** 409 `Conflict`: stale `resourceVersion`, or a server-side-apply field conflict. */
export class ConflictError extends ApiError {}
/** 410 `Gone`/`Expired`: a resourceVersion or continue token too old to serve. */
export class GoneError extends ApiError {}
/** 400: a malformed request. */
export class BadRequestError extends ApiError {}
/** 401: credentials missing, expired or rejected. */
export class UnauthorizedError extends ApiError {}
/** 403: authenticated, but RBAC (or admission) forbids the request. */
export class ForbiddenError extends ApiError {}
/** 5xx other than a timeout, or a 404 without a `Status` body (reason `RouteNotFound`: no route for the path yet, as while the server starts). */
export class ServerError extends ApiError {}

/** 422 `Invalid`: the object failed server-side validation; {@link InvalidError.causes} names each field. */
export class InvalidError extends ApiError {
  /** One entry per field the server rejected. */
  readonly causes: InvalidCause[];
  constructor(init: ApiErrorInit & { causes: InvalidCause[] }) {
    super(init);
    this.causes = init.causes;
  }
}

/** 429: the server (or API priority and fairness) asked the client to slow down. */
export class TooManyRequestsError extends ApiError {
  /** Seconds the server asked to wait (`Retry-After` / `details.retryAfterSeconds`), if it said. */
  readonly retryAfter: number | undefined;
  constructor(init: ApiErrorInit & { retryAfter: number | undefined }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}

/** The API server gave up: 504, or reason `Timeout`/`ServerTimeout`. A timeout ({@link isTimeout}). */
export class ServerTimeoutError extends ApiError {}
markTimeout(ServerTimeoutError);

/** What a {@link TransportError} is built from. */
export interface TransportErrorInit {
  message: string;
  /** The request that got no usable answer. */
  request?: RequestContext | undefined;
  cause?: unknown;
}

/**
 * No usable answer arrived from the API server: the connection failed, the
 * client's deadline passed, the client was closed, or a stream sent something
 * unreadable. There is no HTTP status; for a write the server may or may not
 * have acted.
 */
export class TransportError extends ArkSdkError {
  /** HTTP method and path of the request, when known. */
  readonly request: { method: string; path: string } | undefined;
  /** Kind the request was about, e.g. `Agent` ("" when unknown). */
  readonly kind: string;
  /** The object the request was about ("" when none). */
  readonly objectName: string;

  constructor(init: TransportErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.request = init.request ? { method: init.request.method, path: init.request.path } : undefined;
    this.kind = init.request?.kind ?? "";
    this.objectName = init.request?.name ?? "";
  }
}

/** No (complete) HTTP answer: connection refused or reset, TLS failure, DNS failure, or an answer cut off mid-body. */
export class ConnectionError extends TransportError {
  /** The low-level error code (e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`), when known. */
  readonly code: string | undefined;
  /** `true` when the answer's status line arrived and its body was cut off. */
  readonly interrupted: boolean;
  constructor(init: TransportErrorInit & { code?: string | undefined; interrupted?: boolean }) {
    super(init);
    this.code = init.code;
    this.interrupted = init.interrupted ?? false;
  }
}

/**
 * The client gave up waiting for the API server: the call's deadline passed
 * (its retries included), or a stream sent nothing for its idle timeout. A
 * timeout ({@link isTimeout}).
 */
export class TimeoutError extends TransportError {
  /** The deadline (or idle time) that passed, ms. */
  readonly timeoutMs: number;
  /** `true` when a stream (a watch) went silent; `false` when a call's deadline passed. */
  readonly idle: boolean;
  constructor(init: TransportErrorInit & { timeoutMs: number; idle?: boolean }) {
    super(init);
    this.timeoutMs = init.timeoutMs;
    this.idle = init.idle ?? false;
  }
}
markTimeout(TimeoutError);

/**
 * A write (update, patch, apply, delete) whose connection failed after the
 * request was sent, or whose answer was cut off: the server may or may not
 * have applied it. The client does not replay it (a replayed update would
 * meet its own write as a 409, a replayed delete its own deletion as a 404);
 * read the object to learn the outcome. `cause` is the connection failure.
 */
export class AmbiguousWriteError extends TransportError {
  /** The low-level error code of the failure (e.g. `UND_ERR_SOCKET`), when known. */
  readonly code: string | undefined;
  constructor(init: TransportErrorInit & { code?: string | undefined }) {
    super(init);
    this.code = init.code;
  }
}

/** The client (its transport) was closed while the call or watch was running, or before it started. */
export class ClientClosedError extends TransportError {}

/**
 * A client-side wait gave up: `waitFor`/`waitForDeletion` did not see its
 * condition, or an informer did not sync, within `timeoutMs`. Nothing failed
 * on the wire. A timeout ({@link isTimeout}).
 */
export class WaitTimeoutError extends ArkSdkError {
  /** The time waited, ms. */
  readonly timeoutMs: number;
  /** Kind waited for, e.g. `Agent` ("" when unknown). */
  readonly kind: string;
  /** The object waited for ("" for an informer sync). */
  readonly objectName: string;
  constructor(init: { message: string; timeoutMs: number; kind?: string; objectName?: string }) {
    super(init.message);
    this.timeoutMs = init.timeoutMs;
    this.kind = init.kind ?? "";
    this.objectName = init.objectName ?? "";
  }
}
markTimeout(WaitTimeoutError);

/** Client-side schema validation failed; nothing was sent to the server. */
export class ValidationError extends ArkSdkError {
  /** Every problem found, each with its path. */
  readonly problems: ValidationProblem[];
  /** Kind of the rejected object, e.g. `Agent`. */
  readonly kind: string;
  /** Name of the rejected object (`metadata.name`), or "". */
  readonly objectName: string;
  constructor(kind: string, objectName: string, problems: ValidationProblem[]) {
    const list = problems.map((p) => `${p.path || "(object)"}: ${p.message} (${p.rule})`).join("; ");
    super(`${kind} "${objectName}" failed validation: ${list}`);
    this.problems = problems;
    this.kind = kind;
    this.objectName = objectName;
  }
}

/**
 * A request body larger than the API server accepts (3 MiB), refused before
 * anything was sent. The object must shrink (large data belongs in a Secret,
 * a ConfigMap or outside the cluster).
 */
export class RequestEntityTooLargeError extends ArkSdkError {
  /** Size of the serialised body, bytes. */
  readonly bytes: number;
  /** The limit it exceeded, bytes. */
  readonly limit: number;
  /** Kind of the object, e.g. `Agent`. */
  readonly kind: string;
  /** Name of the object, or "". */
  readonly objectName: string;
  constructor(init: { bytes: number; limit: number; kind: string; objectName: string }) {
    super(`${init.kind}${init.objectName ? ` "${init.objectName}"` : ""}: the request body is ${init.bytes} bytes, more than the API server accepts (${init.limit})`);
    this.bytes = init.bytes;
    this.limit = init.limit;
    this.kind = init.kind;
    this.objectName = init.objectName;
  }
}

function isStatus(value: unknown): value is Status {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "Status";
}

function toCauses(causes: StatusCause[] | undefined): InvalidCause[] {
  return (causes ?? []).map((c) => ({ field: c.field ?? "", reason: c.reason ?? "", message: c.message ?? "" }));
}

/** Parses `Retry-After` (seconds or an HTTP date) into seconds. */
export function parseRetryAfter(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

/**
 * Decodes an API server failure into the matching {@link ApiError} subclass.
 * @param status - HTTP status code
 * @param rawBody - the response body (a `Status` JSON text, or anything else the server or a proxy sent)
 * @param retryAfterHeader - the `Retry-After` header, if any
 * @param request - what the client was doing, to fill gaps in the `Status`
 */
export function decodeApiError(status: number, rawBody: string, retryAfterHeader: string | undefined, request: RequestContext): ApiError {
  let body: Status | undefined;
  try {
    const parsed: unknown = JSON.parse(rawBody);
    if (isStatus(parsed)) body = parsed;
  } catch {
    // Not JSON: a proxy or a non-Kubernetes server answered; keep the text as the message.
  }
  const reason = body?.reason ?? defaultReason(status);
  const text = rawBody.length > 500 ? `${rawBody.slice(0, 500)}…` : rawBody;
  const message = body?.message ?? (text.trim() !== "" ? text.trim() : `HTTP ${status} from ${request.method} ${request.path}`);
  const init = {
    status,
    reason,
    message,
    kind: request.kind ?? "",
    resource: body?.details?.kind ?? "",
    objectName: body?.details?.name ?? request.name ?? "",
    body,
    request,
  };
  return errorFor(init, body, retryAfterHeader);
}

function errorFor(init: ApiErrorInit, body: Status | undefined, retryAfterHeader: string | undefined): ApiError {
  const { status, reason } = init;
  // Without a Status body a 404 names no object: the server has no route for the path (yet: routes are installed just after a restart).
  if (status === 404 && body === undefined) return new ServerError({ ...init, reason: "RouteNotFound", message: `${init.message} (the API server has no route for this path: it is starting, or the kind is not installed)` });
  if (status === 404) return new NotFoundError(init);
  if (status === 409) return reason === "AlreadyExists" ? new AlreadyExistsError(init) : new ConflictError(init);
  if (status === 410) return new GoneError(init);
  if (status === 422) return new InvalidError({ ...init, causes: toCauses(body?.details?.causes) });
  if (status === 429) {
    const retryAfter = parseRetryAfter(retryAfterHeader) ?? body?.details?.retryAfterSeconds;
    return new TooManyRequestsError({ ...init, retryAfter });
  }
  if (status === 401) return new UnauthorizedError(init);
  if (status === 403) return new ForbiddenError(init);
  if (status === 504 || reason === "Timeout" || reason === "ServerTimeout") return new ServerTimeoutError(init);
  if (status === 400) return new BadRequestError(init);
  if (status >= 500) return new ServerError(init);
  return new ApiError(init);
}

function defaultReason(status: number): string {
  const reasons: Record<number, string> = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed", 409: "Conflict",
    410: "Gone", 415: "UnsupportedMediaType", 422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable", 504: "Timeout",
  };
  return reasons[status] ?? (status >= 500 ? "InternalError" : "Unknown");
}

/** Builds an {@link ApiError} from a `Status` object delivered inside a watch stream (`type: ERROR`). */
export function errorFromStatus(status: Status, request: RequestContext): ApiError {
  const init = {
    status: status.code ?? 500,
    reason: status.reason ?? defaultReason(status.code ?? 500),
    message: status.message ?? "watch error",
    kind: request.kind ?? "",
    resource: status.details?.kind ?? "",
    objectName: status.details?.name ?? request.name ?? "",
    body: status,
    request,
  };
  return errorFor(init, status, undefined);
}

/** `true` for any {@link ApiError} (the server answered with a failure status). */
export const isApiError = errorGuard(ApiError);
/** `true` for a 404. */
export const isNotFound = errorGuard(NotFoundError);
/** `true` for a 409 `AlreadyExists`. */
export const isAlreadyExists = errorGuard(AlreadyExistsError);
/** `true` for a 409 `Conflict` (stale resourceVersion or SSA field conflict). */
export const isConflict = errorGuard(ConflictError);
/** `true` for a 410. */
export const isGone = errorGuard(GoneError);
/** `true` for a 400. */
export const isBadRequest = errorGuard(BadRequestError);
/** `true` for a 422. */
export const isInvalid = errorGuard(InvalidError);
/** `true` for a 403. */
export const isForbidden = errorGuard(ForbiddenError);
/** `true` for a 401. */
export const isUnauthorized = errorGuard(UnauthorizedError);
/** `true` for a 429. */
export const isTooManyRequests = errorGuard(TooManyRequestsError);
/** `true` for a 5xx that is not a timeout. */
export const isServerError = errorGuard(ServerError);
/** `true` for any {@link TransportError}: no usable answer arrived. */
export const isTransportError = errorGuard(TransportError);
/** `true` when the connection failed ({@link ConnectionError}). */
export const isConnectionError = errorGuard(ConnectionError);
/** `true` when the client was closed under the call ({@link ClientClosedError}). */
export const isClientClosed = errorGuard(ClientClosedError);
/** `true` for a client-side {@link ValidationError}. */
export const isValidationError = errorGuard(ValidationError);
/** `true` for an {@link AmbiguousWriteError}: a write that may or may not have been applied. */
export const isAmbiguousWrite = errorGuard(AmbiguousWriteError);
/** `true` for a {@link RequestEntityTooLargeError} (a body over the API server's limit, refused before sending). */
export const isRequestEntityTooLarge = errorGuard(RequestEntityTooLargeError);
/**
 * `true` for a 404 without a `Status` body (a {@link ServerError}, reason
 * `RouteNotFound`): the server had no route for the path (it is starting, or
 * the kind is not installed). Never the object's absence.
 */
export const isRouteNotFound = (e: unknown): e is ServerError => isServerError(e) && e.status === 404;
