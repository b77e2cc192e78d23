/**
 * The list-watch loop's decisions, as pure functions: what to do after a
 * failure (relist, reconnect at once, back off and retry, or give up), how
 * long each watch request asks the server to keep it open, and how a line of
 * a watch stream is read. `listWatch` (watch.ts) applies them; they are
 * separate so each rule can be tested (and mutation-tested) on its own.
 */

import { ArkSdkError } from "../core/errors.js";
import { TimeoutError, TransportError, isClientClosed, isGone, isServerError, isTimeout, isTooManyRequests, isTransportError } from "./errors.js";
import type { KubernetesObject } from "../core/meta.js";

/** Thrown inside a relist when its continue token expired: the list starts again from its first page. */
export class WatchRestart extends ArkSdkError {}

/** How many times in a row the same server error may answer a `watch()` (no `retryAllErrors`) before it is thrown as permanent. */
export const PERMANENT_ERROR_REPEATS = 5;

/** The last server error the loop met and how many times in a row it answered. */
export interface RepeatedFailure {
  key: string;
  count: number;
}

/**
 * What the loop does after `error`:
 * - `relist`: the resourceVersion expired (410 Gone): list again, reporting what changed meanwhile;
 * - `reconnect`: normal recovery, not a failure (a silent stream, an expired continue token): go on at once;
 * - `throw`: give up, the error ends the watch;
 * - `retry`: back off, then watch again; `repeated` is the new repeat state.
 */
export type WatchFailureAction = { action: "relist" } | { action: "reconnect" } | { action: "throw" } | { action: "retry"; repeated: RepeatedFailure | undefined };

/**
 * Errors after which reconnecting can help: no usable answer (but not a
 * closed client, after which nothing will ever succeed again), a 5xx, a
 * server timeout or a 429.
 */
export function isTransientWatchError(error: unknown): boolean {
  if (isClientClosed(error)) return false;
  return isTransportError(error) || isServerError(error) || isTimeout(error) || isTooManyRequests(error);
}

/**
 * A key for "the same server failure again": a 500 (or a route-less 404) with
 * the same message. Such an error is usually caused by the request itself
 * (a malformed resourceVersion), so repeating it cannot help.
 */
export function repeatKey(error: unknown): string | undefined {
  if (!isServerError(error) || (error.status !== 500 && error.status !== 404)) return undefined;
  return `${error.status} ${error.message}`;
}

/**
 * The loop's answer to a failure. A closed client always ends the watch;
 * errors that are not transient end it unless `retryAllErrors`; the same
 * server error {@link PERMANENT_ERROR_REPEATS} times in a row ends it unless
 * `retryAllErrors`.
 */
export function afterWatchFailure(error: unknown, retryAllErrors: boolean, repeated: RepeatedFailure | undefined): WatchFailureAction {
  if (isGone(error)) return { action: "relist" };
  if (error instanceof TimeoutError && error.idle) return { action: "reconnect" };
  if (error instanceof WatchRestart) return { action: "reconnect" };
  if (isClientClosed(error)) return { action: "throw" };
  if (!isTransientWatchError(error) && !retryAllErrors) return { action: "throw" };
  const key = repeatKey(error);
  const next = key === undefined ? undefined : { key, count: repeated?.key === key ? repeated.count + 1 : 1 };
  if (next && next.count >= PERMANENT_ERROR_REPEATS && !retryAllErrors) return { action: "throw" };
  return { action: "retry", repeated: next };
}

/**
 * The `timeoutSeconds` of one watch request: `serverTimeoutMs` in whole
 * seconds rounded up (at least 1), else a random 300–599 s so that many
 * watchers do not all reconnect at once.
 */
export function watchTimeoutSeconds(serverTimeoutMs: number | undefined, random: () => number = Math.random): number {
  if (serverTimeoutMs !== undefined) return Math.max(1, Math.ceil(serverTimeoutMs / 1000));
  return 300 + Math.floor(random() * 300);
}

/** One event of a watch stream as the server sends it. */
export interface RawWatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: KubernetesObject;
}

const EVENT_TYPES: ReadonlySet<string> = new Set(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);

/**
 * Reads one line of a `kind` watch stream.
 * @throws TransportError when the line is not JSON, or not an event of a known type with an object
 */
export function parseWatchLine(line: string, kind: string): RawWatchEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new TransportError({ message: `${kind} watch sent a line that is not JSON: ${line.slice(0, 200)}` });
  }
  const event = parsed as { type?: unknown; object?: unknown } | null;
  if (typeof event !== "object" || event === null || typeof event.type !== "string" || !EVENT_TYPES.has(event.type) || typeof event.object !== "object" || event.object === null) {
    throw new TransportError({ message: `${kind} watch sent an unexpected event: ${line.slice(0, 200)}` });
  }
  return parsed as RawWatchEvent;
}
