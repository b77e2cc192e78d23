/**
 * A list+watch cache of one kind. It starts at once, keeps itself current
 * through every failure (reporting errors, never stopping on its own unless
 * its client is closed), and calls handlers for each add, update and delete
 * it observes.
 */

import type { BackoffOptions } from "../core/backoff.js";
import type { Closeable } from "../core/closeable.js";
import { WaitTimeoutError, isClientClosed } from "./errors.js";
import type { Logger } from "../core/logger.js";
import type { KubernetesObject } from "../core/meta.js";
import { listWatch, objectKey, type ListWatchSource } from "./watch.js";
import { linkAbort, onAbort } from "../core/abort.js";
import { definedProps } from "../core/defined.js";

/** Handlers an informer calls, by event name. */
export interface InformerHandlers<T> {
  /** An object appeared (including every object of the initial list). */
  add: (object: T) => void;
  /** An object changed; `previous` is the cached state it replaced. */
  update: (object: T, previous: T) => void;
  /** An object was deleted (its last known state). */
  delete: (object: T) => void;
  /** The cache finished a full list (first start, or a relist after `410 Gone`). */
  synced: (resourceVersion: string) => void;
  /** Something failed; the informer retries by itself. */
  error: (error: unknown) => void;
}

/** Options of {@link Informer}. */
export interface InformerOptions<T> {
  /** Applied to each object before caching. Default {@link stripManagedFields}; `false` caches objects as received. */
  transform?: ((object: T) => T) | false | undefined;
  /** Reconnect a watch that sent nothing for this long, ms (default 60,000). */
  idleTimeoutMs?: number | undefined;
  /** Retry spacing after failures (default 500 ms doubling to 30 s, with jitter). */
  backoff?: BackoffOptions | undefined;
  /** Page size of (re)lists (default 500). */
  pageSize?: number | undefined;
  /** Server-side duration of each watch request, ms, sent as whole seconds rounded up (default random 300,000–600,000). */
  serverTimeoutMs?: number | undefined;
}

/** Removes `metadata.managedFields` (server-side apply bookkeeping, often the bulk of an object). The input is not modified. */
export function stripManagedFields<T extends KubernetesObject>(object: T): T {
  const metadata = object.metadata;
  if (!metadata || metadata.managedFields === undefined) return object;
  const { managedFields: _dropped, ...rest } = metadata;
  return { ...object, metadata: rest };
}

type HandlerMap<T> = { [E in keyof InformerHandlers<T>]: Set<InformerHandlers<T>[E]> };

/**
 * A cache of one kind in one scope. Handlers registered in the same tick as
 * the informer was created see every object from the first list on.
 */
export class Informer<T extends KubernetesObject> implements Closeable {
  private readonly store = new Map<string, T>();
  private readonly handlers: HandlerMap<T> = { add: new Set(), update: new Set(), delete: new Set(), synced: new Set(), error: new Set() };
  private readonly controller = new AbortController();
  private readonly loop: Promise<void>;
  private synced = false;
  private readonly readyWaiters = new Set<() => void>();
  private lastResourceVersion = "";
  private readonly kind: string;

  /**
   * @internal Created by `ResourceClient.informer()`.
   * @param defaultNamespace - namespace `get` assumes when given none (the informer's own, for a one-namespace informer)
   */
  constructor(source: ListWatchSource<T>, options: InformerOptions<T>, private readonly logger: Logger, private readonly defaultNamespace?: string) {
    this.kind = source.kind;
    const transform = options.transform === false ? undefined : (options.transform ?? stripManagedFields);
    // Start after the current tick so handlers attached right after construction see the first list.
    this.loop = Promise.resolve().then(() => this.run(source, options, transform));
  }

  private async run(source: ListWatchSource<T>, options: InformerOptions<T>, transform: ((o: T) => T) | undefined): Promise<void> {
    const events = listWatch(source, {
      store: this.store,
      transform,
      signal: this.controller.signal,
      idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
      serverTimeoutMs: options.serverTimeoutMs,
      backoff: { initialMs: 500, maxMs: 30_000, ...definedProps(options.backoff) },
      pageSize: options.pageSize ?? 500,
      retryAllErrors: true,
      onError: (error) => this.emit("error", error),
      logger: this.logger,
    });
    try {
      for await (const event of events) {
        if (event.type === "SYNCED") {
          this.lastResourceVersion = event.resourceVersion;
          this.markSynced();
          this.emit("synced", event.resourceVersion);
        } else if (event.type === "BOOKMARK") {
          this.lastResourceVersion = event.object.metadata.resourceVersion;
        } else {
          this.lastResourceVersion = event.object.metadata?.resourceVersion ?? this.lastResourceVersion;
          if (event.type === "ADDED") this.emit("add", event.object);
          else if (event.type === "DELETED") this.emit("delete", event.object);
          else if (event.previous) this.emit("update", event.object, event.previous);
          else this.emit("add", event.object);
        }
      }
    } catch (error) {
      // With retryAllErrors the loop only ends by abort, or when its client was closed underneath it.
      if (isClientClosed(error)) this.logger.warn("informer stopped: its client was closed", { kind: source.kind });
      else this.logger.error("informer loop ended unexpectedly", { error });
      this.emit("error", error);
    }
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const wake of this.readyWaiters) wake();
    this.readyWaiters.clear();
  }

  private emit<E extends keyof InformerHandlers<T>>(event: E, ...args: Parameters<InformerHandlers<T>[E]>): void {
    for (const handler of this.handlers[event]) {
      try {
        (handler as (...a: Parameters<InformerHandlers<T>[E]>) => void)(...args);
      } catch (error) {
        // A failing handler must not stop the cache or starve the other handlers.
        this.logger.error(`informer ${event} handler threw`, { error });
        if (event !== "error") this.emit("error", error);
      }
    }
  }

  /** Registers a handler. */
  on<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): this {
    (this.handlers[event] as Set<InformerHandlers<T>[E]>).add(handler);
    return this;
  }

  /** Removes a handler. */
  off<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): this {
    (this.handlers[event] as Set<InformerHandlers<T>[E]>).delete(handler);
    return this;
  }

  /** Whether the first full list has been cached. */
  get hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the cache reflects (of the last list, event or bookmark). */
  get resourceVersion(): string {
    return this.lastResourceVersion;
  }

  /**
   * Resolves once the first full list is cached. Waits through failures (the
   * informer keeps retrying); bound the wait with `timeoutMs` or `signal`.
   */
  ready(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    return new Promise<void>((resolve, reject) => {
      const link = linkAbort([options.signal], {
        timeoutMs: options.timeoutMs,
        timeoutReason: () => new WaitTimeoutError({ message: `${this.kind} informer did not sync within ${options.timeoutMs} ms`, timeoutMs: options.timeoutMs ?? 0, kind: this.kind }),
      });
      const done = () => {
        link.close();
        resolve();
      };
      // The link detaches itself once aborted: nothing else to clean up.
      onAbort(link.signal, (reason) => {
        this.readyWaiters.delete(done);
        reject(reason);
      });
      this.readyWaiters.add(done);
    });
  }

  /** The cached object, or `undefined`. `namespace` defaults to the informer's namespace (needed for an all-namespaces informer). */
  get(name: string, namespace: string | undefined = this.defaultNamespace): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Every cached object, optionally only those of one namespace. */
  list(namespace?: string): T[] {
    const all = [...this.store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  /** Keys (`namespace/name`) of every cached object. */
  keys(): string[] {
    return [...this.store.keys()];
  }

  /** Number of cached objects. */
  get size(): number {
    return this.store.size;
  }

  /** The cache key of an object (`namespace/name`). */
  static keyOf(object: KubernetesObject): string {
    return objectKey(object);
  }

  /** Stops watching and resolves when the loop has ended. The cache stays readable. Safe to call twice. */
  async close(): Promise<void> {
    this.controller.abort(new Error("informer closed"));
    await this.loop;
  }

  /** `await using informer = client.informer()`: {@link Informer.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
