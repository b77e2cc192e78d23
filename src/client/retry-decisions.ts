/**
 * The transport's retry decisions, as pure functions: whether a failed call
 * may be sent again (never replaying a write the server may already have
 * acted on) and how long to pause first. `Transport` applies them; they are
 * separate so each rule can be tested (and mutation-tested) on its own.
 */

import { backoffDelay, type BackoffOptions } from "../core/backoff.js";
import { isRouteNotFound, isTooManyRequests, parseRetryAfter, type ApiError } from "./errors.js";

/** Statuses after which a read (never a write) may be sent again: the gateway or server may not have acted, or acted without effect. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([502, 503, 504]);

/** Connection failures that prove the request never left: any call may be sent again. */
export const NEVER_SENT_CODES: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * After a connection failure (no answer): `"retry"` when the call may be sent
 * again (a read, or any call that never left), `"ambiguous"` for a write that
 * may have reached the server.
 */
export function afterConnectionFailure(code: string | undefined, idempotent: boolean): "retry" | "ambiguous" {
  if (idempotent || NEVER_SENT_CODES.has(code ?? "")) return "retry";
  return "ambiguous";
}

/**
 * After an error answer: `undefined` when the call must not be sent again,
 * else the server's requested pause in seconds (`retryAfterSeconds`, absent
 * when it named none). A 429, a 5xx with `Retry-After` and a 404 without a
 * `Status` body (no route yet) mean the server did not act, so any call may
 * be sent again; other 502/503/504 only reads.
 */
export function afterErrorAnswer(error: ApiError, idempotent: boolean, retryAfterHeader: string | undefined): { retryAfterSeconds: number | undefined } | undefined {
  const status = error.status;
  const retryAfterSeconds = isTooManyRequests(error)
    ? error.retryAfter
    : status >= 500 ? (parseRetryAfter(retryAfterHeader) ?? error.body?.details?.retryAfterSeconds) : undefined;
  const notActed = isTooManyRequests(error) || retryAfterSeconds !== undefined || isRouteNotFound(error);
  if (notActed || (idempotent && RETRYABLE_STATUS.has(status))) return { retryAfterSeconds };
  return undefined;
}

/**
 * The pause before retry number `attempt` (1 after the first try), ms: the
 * backoff, or the server's `Retry-After` if longer. `undefined` when the
 * attempts are used up or the pause would reach past `deadlineAt`.
 */
export function retryPause(
  attempt: number, policy: { attempts: number } & BackoffOptions, retryAfterSeconds: number | undefined, now: number, deadlineAt: number,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.attempts) return undefined;
  const delay = Math.max(backoffDelay(attempt, policy, random), (retryAfterSeconds ?? 0) * 1000);
  if (now + delay >= deadlineAt) return undefined;
  return delay;
}
