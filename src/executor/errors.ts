/**
 * Typed errors of the execution-engine framework. Each one maps to one
 * JSON-RPC error code on the wire (see `jsonrpc.ts`), so ARK's controller
 * records the query as failed with a message that names the cause.
 */

/** Why an execution's `ctx.signal` fired. */
export type AbortCause =
  /** An A2A `tasks/cancel` for the task. */
  | "task-canceled"
  /** The Query's `spec.cancel` became `true`. */
  | "query-canceled"
  /** The Query's `spec.timeout` (or the app's execution limit) elapsed. */
  | "deadline"
  /** The app is shutting down and the grace period ran out. */
  | "shutdown"
  /** The caller closed the connection (ARK's controller does this when it cancels). */
  | "client-disconnected";

/** Base class of every error this module throws on purpose. */
export class ExecutorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A JSON document does not have the expected shape; `path` names the bad field (e.g. `params.message.parts[0].text`). */
export class WireFormatError extends ExecutorError {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.path = path;
  }
}

/** The ARK query reference in a message is missing or malformed (answered with JSON-RPC `-32602`). */
export class QueryRefError extends ExecutorError {
  /** The offending field of the reference, e.g. `namespace` or `target`. */
  readonly field: string;
  constructor(message: string, field: string) {
    super(message);
    this.field = field;
  }
}

/**
 * A QueryRef was well-formed but could not be turned into an
 * `ExecutionEngineRequest`: an object is missing, a Secret key is absent, an
 * override is not authorised… `reason` is a stable machine-readable word.
 */
export class QueryResolutionError extends ExecutorError {
  readonly reason: ResolutionFailureReason;
  /** The object the failure is about, e.g. `Secret team-a/openai`. */
  readonly object?: string;
  constructor(message: string, reason: ResolutionFailureReason, options?: { object?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.reason = reason;
    this.object = options?.object;
  }
}

/** Stable reasons carried by {@link QueryResolutionError}. */
export type ResolutionFailureReason =
  | "NotFound"
  | "MissingKey"
  | "Unauthorized"
  | "Unsupported"
  | "Invalid"
  | "ClusterError";

/** The execution was stopped through `ctx.signal` before it produced an answer. */
export class ExecutionAbortedError extends ExecutorError {
  readonly abortCause: AbortCause;
  constructor(abortCause: AbortCause, message = describeAbort(abortCause)) {
    super(message);
    this.abortCause = abortCause;
  }
}

/** A Go duration string (`1h30m`, `500ms`) could not be parsed. */
export class GoDurationError extends ExecutorError {
  readonly input: string;
  constructor(input: string, problem: string) {
    super(`invalid duration ${JSON.stringify(input)}: ${problem}`);
    this.input = input;
  }
}

/** Human-readable text for each abort cause. */
export function describeAbort(cause: AbortCause): string {
  switch (cause) {
    case "task-canceled":
      return "execution canceled by tasks/cancel";
    case "query-canceled":
      return "execution canceled: the Query's spec.cancel is true";
    case "deadline":
      return "execution deadline exceeded (the Query's spec.timeout elapsed)";
    case "shutdown":
      return "execution aborted: the engine is shutting down";
    case "client-disconnected":
      return "execution aborted: the caller closed the connection";
  }
}

/** The message of any thrown value, for logs and error answers. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
