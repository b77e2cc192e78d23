/**
 * Typed errors of the execution-engine framework. Each one maps to one
 * JSON-RPC error code on the wire (see `jsonrpc.ts`), so ARK's controller
 * records the query as failed with a message that names the cause.
 */

import { ArkSdkError } from "../core/errors.js";

export { errorMessage } from "../core/errors.js";

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

/** Base class of the errors the execution-engine framework throws on purpose. */
export class ExecutorError extends ArkSdkError {}

/** The execution was stopped through `ctx.signal` before it produced an answer. */
export class ExecutionAbortedError extends ExecutorError {
  readonly abortCause: AbortCause;
  constructor(abortCause: AbortCause, message = describeAbort(abortCause)) {
    super(message);
    this.abortCause = abortCause;
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

