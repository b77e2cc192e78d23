/**
 * The one error root of ark-sdk. Every error the SDK throws on purpose is an
 * {@link ArkSdkError}; each class's `name` is its own class name (so
 * `String(err)` and `err.name === "NotFoundError"` work), and the type guards
 * recognise errors by a registry-wide brand as well as by `instanceof`, so they
 * still hold when two copies of ark-sdk are loaded in one process.
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
