/**
 * The one error root of ark-sdk. Every error the SDK throws on purpose is an
 * {@link ArkSdkError}; each class's `name` is its own class name (so
 * `String(err)` and `err.name === "NotFoundError"` work), and the type guards
 * recognise errors by a registry-wide brand and the class names on the
 * prototype chain as well as by `instanceof`, so they still hold when two
 * copies of ark-sdk are loaded in one process.
 *
 * The hierarchy (the classes live in the layer that throws them):
 *
 * ```text
 * ArkSdkError
 * ├─ ArgumentError, ConfigError                      (core)
 * ├─ ApiError               the API server answered with a failure status
 * │  ├─ NotFoundError, AlreadyExistsError, ConflictError, GoneError, BadRequestError,
 * │  │  UnauthorizedError, ForbiddenError, InvalidError, TooManyRequestsError, ServerError
 * │  └─ ServerTimeoutError  504 / reason Timeout|ServerTimeout          [timeout]
 * ├─ TransportError         no usable answer arrived (nothing to decode)
 * │  ├─ ConnectionError     refused, reset, TLS or DNS failure
 * │  ├─ TimeoutError        the call's deadline passed, or a stream went idle  [timeout]
 * │  └─ ClientClosedError   the client was closed under the call
 * ├─ WaitTimeoutError       waitFor / informer sync gave up                    [timeout]
 * ├─ ValidationError, ManifestError, query, executor, auth, protocol, generator, … errors
 * │  └─ QueryCanceledError → QueryTimeoutError                                 [timeout]
 * ```
 *
 * "Timeout" is a meaning that crosses the tree (a server timeout is an API
 * answer, a request timeout a transport failure, a query timeout a
 * cancellation), so it is a mark on the class rather than a base class:
 * {@link isTimeout} holds for every class marked with {@link markTimeout}.
 */

/** Brand shared by every copy of ark-sdk loaded in the process. */
const BRAND: unique symbol = Symbol.for("ark-sdk.error") as never;

/** Base class of every error ark-sdk throws on purpose. `name` is the class name. */
export class ArkSdkError extends Error {
  /** Brand that lets guards recognise ark-sdk errors across duplicated package copies. */
  declare readonly [BRAND]: true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, "name", { value: new.target.name, writable: true, configurable: true, enumerable: false });
  }
}
Object.defineProperty(ArkSdkError.prototype, BRAND, { value: true });

/**
 * Whether `value` is an ark-sdk error of the class named `className` or of a
 * subclass of it, judged by the class names on its prototype chain (so an error
 * from another copy of ark-sdk matches too).
 * @internal
 */
export function isErrorOfClass(value: unknown, className: string): boolean {
  if (typeof value !== "object" || value === null || (value as { [BRAND]?: unknown })[BRAND] !== true) return false;
  for (let proto: object | null = Object.getPrototypeOf(value) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const ctor = Object.prototype.hasOwnProperty.call(proto, "constructor") ? (proto as { constructor: unknown }).constructor : undefined;
    if (typeof ctor === "function" && ctor.name === className) return true;
  }
  return false;
}

/** Whether `value` is any ark-sdk error (from this or another copy of the package). */
export function isArkSdkError(value: unknown): value is ArkSdkError {
  return value instanceof ArkSdkError || isErrorOfClass(value, "ArkSdkError");
}

/**
 * A type guard for `cls` that also recognises errors of a class of the same
 * name from another copy of ark-sdk (by brand and prototype-chain class name).
 * @internal
 */
export function errorGuard<T extends ArkSdkError>(cls: abstract new (...args: never[]) => T): (value: unknown) => value is T {
  const className = cls.name;
  return (value: unknown): value is T => value instanceof cls || isErrorOfClass(value, className);
}

/** Mark shared by every copy of ark-sdk: the errors of a class carrying it mean "a deadline passed". */
const TIMEOUT: unique symbol = Symbol.for("ark-sdk.timeout") as never;

/**
 * Marks the errors of `cls` (and of its subclasses) as timeouts, so
 * {@link isTimeout} recognises them, in any copy of ark-sdk.
 * @internal
 */
export function markTimeout(cls: abstract new (...args: never[]) => ArkSdkError): void {
  Object.defineProperty(cls.prototype, TIMEOUT, { value: true });
}

/**
 * Whether `value` is an ark-sdk timeout, whichever side gave up: the client's
 * call deadline or an idle stream (`TimeoutError`), a wait (`WaitTimeoutError`),
 * the API server (`ServerTimeoutError`, 504) or a query's deadline
 * (`QueryTimeoutError`). Works across duplicated copies of ark-sdk.
 */
export function isTimeout(value: unknown): value is ArkSdkError {
  return isArkSdkError(value) && (value as { [TIMEOUT]?: unknown })[TIMEOUT] === true;
}

/** Thrown for invalid arguments (a missing name, a namespace on a cluster-scoped kind, …) before any request is sent. */
export class ArgumentError extends ArkSdkError {
  /** The argument or field at fault, e.g. `metadata.name`. */
  readonly field: string;
  constructor(field: string, message: string, options?: { cause?: unknown }) {
    super(`${field}: ${message}`, options);
    this.field = field;
  }
}

/** Thrown when configuration (kubeconfig, in-cluster service account, context, environment) cannot be loaded. */
export class ConfigError extends ArkSdkError {}

/** The message of any thrown value, for logs and error answers; never throws, whatever the value. */
export function errorMessage(error: unknown): string {
  try {
    if (error instanceof Error) return error.message || error.name;
    if (typeof error === "string") return error;
    return JSON.stringify(error) ?? String(error);
  } catch {
    try {
      return String(error);
    } catch {
      return "unprintable error value";
    }
  }
}
