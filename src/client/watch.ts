/**
 * The list-then-watch loop behind `watch()` and informers. It keeps the last
 * seen state of every object so that whatever goes wrong (a dropped or silent
 * connection, a restarted API server, a `410 Gone` after etcd compaction) the
 * consumer still sees every change exactly as a sequence of ADDED, MODIFIED
 * and DELETED events, never a gap.
 */

import { backoffDelay, sleep, type BackoffOptions } from "../core/backoff.js";
import { errorFromStatus, isGone } from "./errors.js";
import { WatchRestart, afterWatchFailure, parseWatchLine, watchTimeoutSeconds, type RepeatedFailure } from "./watch-decisions.js";
import type { Logger } from "../core/logger.js";
import type { KubernetesObject, Status } from "../core/meta.js";
import { errorMessage } from "../core/errors.js";

/** What a bookmark carries: only the resourceVersion the watch has reached. */
export interface BookmarkObject {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion: string; annotations?: Record<string, string> };
}

/** One change of a watched kind. */
export type WatchEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T }
  | { type: "BOOKMARK"; object: BookmarkObject };

/**
 * The end of the initial list, yielded by `watch({ synced: true })`: every
 * object that existed is reported (as ADDED) up to `resourceVersion`; what
 * follows are changes. It comes again after a relist (after `410 Gone`), once
 * what changed meanwhile is reported. From a given `resourceVersion` it comes first.
 */
export interface SyncedEvent {
  type: "SYNCED";
  resourceVersion: string;
}

/** The type of a {@link WatchEvent}. */
export type WatchEventType = WatchEvent<KubernetesObject>["type"];

/** A change as the loop reports it internally: with the state it replaced, for informers' update handlers. */
export type StoreEvent<T> =
  | { type: "ADDED" | "MODIFIED" | "DELETED"; object: T; previous: T | undefined }
  | { type: "BOOKMARK"; object: BookmarkObject; previous: undefined }
  | { type: "SYNCED"; resourceVersion: string };

/** A page of a list, as the loop needs it. */
export interface SourcePage<T> {
  items: T[];
  continue: string | undefined;
  resourceVersion: string;
}

/** Where the loop reads from: one kind, one scope, fixed selectors. */
export interface ListWatchSource<T> {
  listPage(options: { limit: number; continue: string | undefined; signal: AbortSignal }): Promise<SourcePage<T>>;
  watchLines(options: { resourceVersion: string; timeoutSeconds: number; idleTimeoutMs: number; signal: AbortSignal }): AsyncIterable<string>;
  /** Kind name for messages. */
  readonly kind: string;
}

/** Options of the list-watch loop. */
export interface ListWatchOptions<T> {
  /** Where to start; `undefined` lists first and reports every existing object as ADDED. */
  resourceVersion?: string | undefined;
  /** The last known state, keyed by `namespace/name`; the loop keeps it current. */
  store: Map<string, T>;
  /** Applied to each object before it is stored and reported. */
  transform?: ((object: T) => T) | undefined;
  signal: AbortSignal;
  /** Reconnect when no bytes arrive for this long, ms. */
  idleTimeoutMs: number;
  /** Server-side duration of each watch request, ms, sent as whole seconds rounded up (default random 300–600 s, spreading reconnects). */
  serverTimeoutMs?: number | undefined;
  backoff: BackoffOptions;
  pageSize: number;
  /** Keep going after errors that are not transient (403, 404, …), reporting them to `onError`. */
  retryAllErrors: boolean;
  onError?: ((error: unknown) => void) | undefined;
  logger: Logger;
}

/** The key of an object in a store: `namespace/name` (`name` for cluster-scoped kinds). */
export function objectKey(object: KubernetesObject): string {
  const meta = object.metadata ?? {};
  return meta.namespace ? `${meta.namespace}/${meta.name ?? ""}` : (meta.name ?? "");
}

function resourceVersionOf(object: KubernetesObject): string | undefined {
  return object.metadata?.resourceVersion;
}

export { PERMANENT_ERROR_REPEATS } from "./watch-decisions.js";

/**
 * Runs list+watch until `signal` aborts, yielding every change. Never ends on
 * its own except by throwing a non-transient error when `retryAllErrors` is
 * false.
 */
export async function* listWatch<T extends KubernetesObject>(source: ListWatchSource<T>, options: ListWatchOptions<T>): AsyncGenerator<StoreEvent<T>, void, undefined> {
  const { store, signal, logger } = options;
  const transform = options.transform ?? ((o: T) => o);
  let resourceVersion = options.resourceVersion;
  let failures = 0;
  let needList = resourceVersion === undefined;
  // The last server error and how many times in a row it answered.
  let repeated: RepeatedFailure | undefined;

  while (!signal.aborted) {
    try {
      if (needList) {
        const listed = yield* relist(source, options, transform);
        resourceVersion = listed;
        needList = false;
        failures = 0;
        repeated = undefined;
        yield { type: "SYNCED", resourceVersion: listed };
      }
      const timeoutSeconds = watchTimeoutSeconds(options.serverTimeoutMs);
      const lines = source.watchLines({ resourceVersion: resourceVersion ?? "", timeoutSeconds, idleTimeoutMs: options.idleTimeoutMs, signal });
      for await (const line of lines) {
        failures = 0;
        repeated = undefined;
        const event = parseWatchLine(line, source.kind);
        if (event.type === "ERROR") {
          const error = errorFromStatus(event.object as Status, { method: "GET", path: "watch", kind: source.kind });
          throw error;
        }
        if (event.type === "BOOKMARK") {
          const rv = resourceVersionOf(event.object);
          if (rv) resourceVersion = rv;
          yield { type: "BOOKMARK", object: event.object as BookmarkObject, previous: undefined };
          continue;
        }
        const object = transform(event.object as T);
        const rv = resourceVersionOf(object);
        if (rv) resourceVersion = rv;
        const key = objectKey(object);
        const previous = store.get(key);
        if (event.type === "DELETED") store.delete(key);
        else store.set(key, object);
        yield { type: event.type, object, previous };
      }
      // The server ended the watch (its timeout): carry on from where we are.
      logger.debug("watch ended by server; resuming", { kind: source.kind, resourceVersion });
    } catch (error) {
      if (signal.aborted) return;
      const next = afterWatchFailure(error, options.retryAllErrors, repeated);
      if (next.action === "relist") {
        logger.info("watch resourceVersion expired (410); relisting", { kind: source.kind, resourceVersion });
        needList = true;
        continue;
      }
      if (next.action === "reconnect") {
        // Normal recovery, not a failure: a silent stream is reopened, a relist whose continue token expired starts again from its first page.
        if (error instanceof WatchRestart) logger.info("continue token expired during a relist (410); listing again from the start", { kind: source.kind });
        else logger.debug("watch idle; reconnecting", { kind: source.kind, resourceVersion });
        continue;
      }
      if (next.action === "throw") throw error;
      repeated = next.repeated;
      failures += 1;
      const delay = backoffDelay(failures, options.backoff);
      options.onError?.(error);
      logger.warn("watch failed; retrying", { kind: source.kind, attempt: failures, delayMs: Math.round(delay), error: errorMessage(error) });
      try {
        await sleep(delay, signal);
      } catch {
        return;
      }
    }
  }
}

/**
 * Lists everything, reconciles the store with it (ADDED for new objects,
 * MODIFIED for changed resourceVersions, DELETED for vanished ones) and
 * returns the list's resourceVersion to watch from.
 */
async function* relist<T extends KubernetesObject>(source: ListWatchSource<T>, options: ListWatchOptions<T>, transform: (o: T) => T): AsyncGenerator<StoreEvent<T>, string, undefined> {
  const fresh = new Map<string, T>();
  let token: string | undefined;
  let resourceVersion = "";
  do {
    const page = await source.listPage({ limit: options.pageSize, continue: token, signal: options.signal }).catch((error: unknown) => {
      // A continue token that expired mid-list: start the list again from the top.
      if (isGone(error) && token !== undefined) throw new WatchRestart("continue token expired");
      throw error;
    });
    for (const item of page.items) {
      const object = transform(item);
      fresh.set(objectKey(object), object);
    }
    token = page.continue;
    resourceVersion = page.resourceVersion;
  } while (token);

  const { store } = options;
  for (const change of relistDiff(store, fresh)) {
    const key = objectKey(change.object);
    if (change.type === "DELETED") store.delete(key);
    else store.set(key, change.object);
    yield change;
  }
  return resourceVersion;
}

/** A change a relist found. */
export type RelistChange<T> = { type: "ADDED" | "MODIFIED" | "DELETED"; object: T; previous: T | undefined };

/**
 * The changes that turn `known` (the last seen state, by {@link objectKey})
 * into `fresh` (a full list): ADDED for a new object, MODIFIED for one whose
 * resourceVersion differs, DELETED (with its last known state) for one that
 * vanished; unchanged objects give nothing. DELETED come last.
 */
export function relistDiff<T extends KubernetesObject>(known: ReadonlyMap<string, T>, fresh: ReadonlyMap<string, T>): RelistChange<T>[] {
  const changes: RelistChange<T>[] = [];
  for (const [key, object] of fresh) {
    const previous = known.get(key);
    if (previous && resourceVersionOf(previous) === resourceVersionOf(object)) continue;
    changes.push({ type: previous ? "MODIFIED" : "ADDED", object, previous });
  }
  for (const [key, previous] of known) {
    if (!fresh.has(key)) changes.push({ type: "DELETED", object: previous, previous });
  }
  return changes;
}
