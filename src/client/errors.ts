/**
 * Typed errors for everything the resource client does. Failures reported by
 * the API server are decoded from its `Status` body into one {@link ApiError}
 * subclass per meaning, so callers branch on `instanceof` or a type guard
 * instead of parsing strings. Client-side problems (bad input, validation,
 * network) have their own classes and never masquerade as server answers.
 */

import type { ValidationProblem } from "../schema/index.js";
import type { Status, StatusCause } from "../core/meta.js";
import { ArkSdkError } from "../core/errors.js";

export { ArkSdkError, ArgumentError, ConfigError } from "../core/errors.js";

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

/**
 * A failure answered by the API server (or, for {@link ConnectionError} and a
 * client-side {@link TimeoutError}, the absence of an answer).
 */
export class ApiError extends ArkSdkError {
  /** HTTP status code; `0` when no response arrived. */
  readonly status: number;
  /** `Status.reason`, e.g. `NotFound`, `AlreadyExists`, `Conflict`. */
  readonly reason: string;
  /** `Status.details.kind` (or the kind of the request), e.g. `agents` / `Agent`. */
  readonly kind: string;
  /** The decoded `Status` body, when the server sent one. */
  readonly body: Status | undefined;
  /** HTTP method and path of the failed request. */
  readonly request: { method: string; path: string } | undefined;
  /**
   * The object the error is about (`Status.details.name`, else the request's
   * object name, else ""). Shadows `Error.name` by design of the ARK client
   * contract; the class is `constructor.name`.
   */
  override name: string;

  constructor(init: { status: number; reason: string; message: string; kind?: string; name?: string; body?: Status; request?: RequestContext; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.reason = init.reason;
    this.kind = init.kind ?? "";
    this.name = init.name ?? "";
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
/** 5xx other than a timeout. */
export class ServerError extends ApiError {}

/** 422 `Invalid`: the object failed server-side validation; {@link InvalidError.causes} names each field. */
export class InvalidError extends ApiError {
  /** One entry per field the server rejected. */
  readonly causes: InvalidCause[];
  constructor(init: ConstructorParameters<typeof ApiError>[0] & { causes: InvalidCause[] }) {
    super(init);
    this.causes = init.causes;
  }
}

/** 429: the server (or API priority and fairness) asked the client to slow down. */
export class TooManyRequestsError extends ApiError {
  /** Seconds the server asked to wait (`Retry-After` / `details.retryAfterSeconds`), if it said. */
  readonly retryAfter: number | undefined;
  constructor(init: ConstructorParameters<typeof ApiError>[0] & { retryAfter: number | undefined }) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}

/**
 * A timeout: the server's (504, reason `Timeout`/`ServerTimeout`), or the
 * client's own (status 0, reason `ClientTimeout` for a call, `WaitTimeout`
 * for `waitFor`).
 */
export class TimeoutError extends ApiError {}

/** No HTTP answer: connection refused or reset, TLS failure, DNS failure. `status` is 0. */
export class ConnectionError extends ApiError {
  /** The low-level error code (e.g. `ECONNREFUSED`, `UND_ERR_SOCKET`), when known. */
  readonly code: string | undefined;
  constructor(init: ConstructorParameters<typeof ApiError>[0] & { code: string | undefined }) {
    super(init);
    this.code = init.code;
  }
}

/** Client-side schema validation failed; nothing was sent to the server. */
export class ValidationError extends ArkSdkError {
  /** Every problem found, each with its path. */
  readonly problems: ValidationProblem[];
  /** Kind of the rejected object. */
  readonly kind: string;
  /** Name of the rejected object (`metadata.name`), or "". */
  override name: string;
  constructor(kind: string, objectName: string, problems: ValidationProblem[]) {
    const list = problems.map((p) => `${p.path || "(object)"}: ${p.message} (${p.rule})`).join("; ");
    super(`${kind} "${objectName}" failed validation: ${list}`);
    this.problems = problems;
    this.kind = kind;
    this.name = objectName;
  }
}

// Stack traces print the prototype's `name` captured at construction; give each
// class its own so a thrown NotFoundError still reads "NotFoundError: ..." even
// though instances carry the object name in `name`.
for (const cls of [
  ApiError, NotFoundError, AlreadyExistsError, ConflictError, GoneError, BadRequestError,
  UnauthorizedError, ForbiddenError, ServerError, InvalidError, TooManyRequestsError, TimeoutError, ConnectionError, ValidationError,
]) {
  Object.defineProperty(cls.prototype, "name", { value: cls.name, writable: true, configurable: true, enumerable: false });
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
    kind: body?.details?.kind ?? request.kind ?? "",
    name: body?.details?.name ?? request.name ?? "",
    body,
    request,
  };
  return errorFor(init, body, retryAfterHeader);
}

function errorFor(init: ConstructorParameters<typeof ApiError>[0], body: Status | undefined, retryAfterHeader: string | undefined): ApiError {
  const { status, reason } = init;
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
  if (status === 504 || reason === "Timeout" || reason === "ServerTimeout") return new TimeoutError(init);
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
    kind: status.details?.kind ?? request.kind ?? "",
    name: status.details?.name ?? request.name ?? "",
    body: status,
    request,
  };
  return errorFor(init, status, undefined);
}

/** `true` for any {@link ApiError}. */
export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;
/** `true` for a 404. */
export const isNotFound = (e: unknown): e is NotFoundError => e instanceof NotFoundError;
/** `true` for a 409 `AlreadyExists`. */
export const isAlreadyExists = (e: unknown): e is AlreadyExistsError => e instanceof AlreadyExistsError;
/** `true` for a 409 `Conflict` (stale resourceVersion or SSA field conflict). */
export const isConflict = (e: unknown): e is ConflictError => e instanceof ConflictError;
/** `true` for a 410. */
export const isGone = (e: unknown): e is GoneError => e instanceof GoneError;
/** `true` for a 422. */
export const isInvalid = (e: unknown): e is InvalidError => e instanceof InvalidError;
/** `true` for a 403. */
export const isForbidden = (e: unknown): e is ForbiddenError => e instanceof ForbiddenError;
/** `true` for a 401. */
export const isUnauthorized = (e: unknown): e is UnauthorizedError => e instanceof UnauthorizedError;
/** `true` for a 429. */
export const isTooManyRequests = (e: unknown): e is TooManyRequestsError => e instanceof TooManyRequestsError;
/** `true` for a server or client timeout. */
export const isTimeout = (e: unknown): e is TimeoutError => e instanceof TimeoutError;
/** `true` for a 5xx that is not a timeout. */
export const isServerError = (e: unknown): e is ServerError => e instanceof ServerError;
/** `true` when no HTTP answer arrived. */
export const isConnectionError = (e: unknown): e is ConnectionError => e instanceof ConnectionError;
/** `true` for a client-side {@link ValidationError}. */
export const isValidationError = (e: unknown): e is ValidationError => e instanceof ValidationError;
