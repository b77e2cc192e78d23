/**
 * Option and result types of the resource client's methods. Every method
 * takes a signal and a timeout; writes take `dryRun` and a field manager.
 */

import type { BackoffOptions } from "../core/backoff.js";

/** Options every call accepts. */
export interface CallOptions {
  /** Aborts the call; the promise rejects with the signal's reason. */
  signal?: AbortSignal | undefined;
  /** Deadline of this call including retries, ms (default: the client's, 30,000; 0: none). */
  timeoutMs?: number | undefined;
  /** Namespace of this call, overriding the client's (namespaced kinds only). */
  namespace?: string | undefined;
}

/** Options of create, update, patch and apply. */
export interface WriteOptions extends CallOptions {
  /** `"All"`: the server validates and answers but stores nothing. */
  dryRun?: "All" | undefined;
  /** Field manager recorded in `managedFields` (default: the client's, `ark-sdk`). */
  fieldManager?: string | undefined;
  /** Client-side schema validation before sending (default: the client's setting, on). */
  validate?: boolean | undefined;
}

/** A label selector: the API's string form (`app=x,tier!=db`) or equality pairs. */
export type LabelSelectorInput = string | Record<string, string>;

/** Options of list and iterate. */
export interface ListOptions extends CallOptions {
  labelSelector?: LabelSelectorInput | undefined;
  /** e.g. `metadata.name=x` (custom resources support only `metadata.name` and `metadata.namespace`). */
  fieldSelector?: string | undefined;
  /** Page size used to fetch everything (default 500). */
  limit?: number | undefined;
}

/** Options of {@link ResourceClient.listPage}. */
export interface ListPageOptions extends CallOptions {
  labelSelector?: LabelSelectorInput | undefined;
  fieldSelector?: string | undefined;
  /** Maximum items in this page. */
  limit?: number | undefined;
  /** The `continue` token of the previous page. */
  continue?: string | undefined;
  /** List at this resourceVersion (`"0"`: any cached state is fine). */
  resourceVersion?: string | undefined;
}

/** One page of a list. */
export interface ListPage<T> {
  items: T[];
  /** Token for the next page; `undefined` on the last page. */
  continue: string | undefined;
  /** How many items remain after this page, when the server says. */
  remainingItemCount: number | undefined;
  /** The list's resourceVersion (watch from here to see later changes). */
  resourceVersion: string;
}

/** Patch flavours: JSON merge patch (RFC 7386), JSON patch (RFC 6902), or strategic merge (built-in kinds only; custom resources answer 415). */
export type PatchType = "merge" | "json" | "strategic";

/** Options of patch and patchStatus. */
export interface PatchOptions extends WriteOptions {
  /** Default `"merge"`. */
  type?: PatchType | undefined;
}

/** One RFC 6902 operation. */
export type JsonPatchOperation =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string }
  | { op: "move" | "copy"; from: string; path: string };

/** Options of server-side apply. */
export interface ApplyOptions extends WriteOptions {
  /** Take ownership of fields another manager owns instead of failing with a conflict. */
  force?: boolean | undefined;
}

/** Options of delete. */
export interface DeleteOptions extends CallOptions {
  propagationPolicy?: "Foreground" | "Background" | "Orphan" | undefined;
  /** Delete only if the object still has this uid and/or resourceVersion. */
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
  /**
   * How long the object may take to terminate, ms (sent as whole seconds, rounded up; 0: at once).
   * Default: the object's own (a Pod's `terminationGracePeriodSeconds`).
   */
  gracePeriodMs?: number | undefined;
  dryRun?: "All" | undefined;
}

/** Options of watch. */
export interface WatchOptions extends Omit<CallOptions, "timeoutMs"> {
  /** Start after this resourceVersion. Without it the watch lists first and reports every existing object as ADDED. */
  resourceVersion?: string | undefined;
  labelSelector?: LabelSelectorInput | undefined;
  fieldSelector?: string | undefined;
  /** Reconnect when the connection is silent this long, ms (default 60,000). Not a total timeout. */
  idleTimeoutMs?: number | undefined;
  /** Reconnect spacing (default 200 ms doubling to 30 s, with jitter). */
  backoff?: BackoffOptions | undefined;
  /** Yield BOOKMARK events (default false; they are always requested and used for resuming). */
  bookmarks?: boolean | undefined;
  /** Yield a `SYNCED` event when the initial list has been reported (and after each relist); default false. */
  synced?: boolean | undefined;
  /**
   * How long the server holds each watch request open before the client re-issues it, ms
   * (sent as whole seconds, rounded up; default random 300,000–600,000).
   */
  serverTimeoutMs?: number | undefined;
}

/** Options of waitFor. */
export interface WaitOptions extends Omit<CallOptions, "timeoutMs"> {
  /** Give up after this long, ms, with a `WaitTimeoutError`. Default: wait until `signal` aborts. */
  timeoutMs?: number | undefined;
}
