/**
 * Read-modify-write under optimistic concurrency: run `fn` (which must read
 * the object afresh each time) until it succeeds without a resourceVersion
 * conflict, backing off with jitter so concurrent writers spread out.
 */

import { backoffDelay, sleep, type BackoffOptions } from "../core/backoff.js";
import { ArgumentError, isConflict, type ConflictError } from "./errors.js";
import { definedProps } from "../core/defined.js";

// A server-side-apply ownership conflict does not go away by reading again.
function isFieldManagerConflict(error: ConflictError): boolean {
  return (error.body?.details?.causes ?? []).some((cause) => cause.reason === "FieldManagerConflict");
}

/** Options of {@link retryOnConflict}. */
export interface RetryOnConflictOptions {
  /** Total tries (default 10). */
  attempts?: number | undefined;
  /** Spacing between tries (default 10 ms doubling to 1 s, half of it random). */
  backoff?: BackoffOptions | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Calls `fn` until it resolves, retrying only on `ConflictError` (409
 * `Conflict` of a stale resourceVersion; not a server-side-apply field
 * ownership conflict). Any other error, or the last conflict, is thrown.
 * @example
 * await retryOnConflict(async () => {
 *   const agent = await ark.agents.get("a");
 *   agent.spec.prompt += "!";
 *   return ark.agents.update(agent);
 * });
 */
export async function retryOnConflict<R>(fn: (attempt: number) => Promise<R>, options: RetryOnConflictOptions = {}): Promise<R> {
  const attempts = options.attempts ?? 10;
  if (!Number.isInteger(attempts) || attempts < 1) throw new ArgumentError("attempts", "must be a positive integer");
  const backoff = { initialMs: 10, maxMs: 1_000, ...definedProps(options.backoff) };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!isConflict(error) || isFieldManagerConflict(error) || attempt >= attempts) throw error;
      await sleep(backoffDelay(attempt, backoff), options.signal);
    }
  }
}
