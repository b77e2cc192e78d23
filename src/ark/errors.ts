/**
 * Errors of ARK's domain: a query reference that cannot be resolved into what
 * an engine needs.
 */

import { ArkSdkError } from "../core/errors.js";

/**
 * A QueryRef was well-formed but could not be turned into an
 * `ExecutionEngineRequest`: an object is missing, a Secret key is absent, an
 * override is not authorised… `reason` is a stable machine-readable word.
 */
export class QueryResolutionError extends ArkSdkError {
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

