/**
 * Reads the objects a resolution needs, from informers when possible. One
 * informer per (kind, namespace) is started on first use; reads of a hot
 * agent then cost no API round trip while watch events keep the cache
 * current. A miss (an object created a moment ago, e.g. the Query ARK just
 * dispatched) falls back to a direct GET, and a kind the engine may not
 * list/watch (RBAC) falls back to direct GETs for good.
 */

import { isForbidden, isUnauthorized } from "./errors.js";
import type { Informer } from "./informer.js";
import type { Logger } from "../core/logger.js";
import type { KubernetesObject } from "../core/meta.js";
import type { ResourceClient } from "./resource-client.js";
import { errorMessage } from "../core/errors.js";
import { NameIndex, SharedWatch } from "./shared-watch.js";

/** `informer`: cache with list+watch; `none`: a GET per read. */
export type CacheMode = "informer" | "none";

/** Counters for benchmarks and debugging. */
export interface CacheStats {
  /** Reads answered from an informer. */
  hits: number;
  /** Reads that went to the API server. */
  reads: number;
  /** Informers started. */
  informers: number;
}

type Listener = (object: KubernetesObject | undefined) => void;

/** An informer's change handlers dispatching to subscribers by object name. */
interface InformerFeed {
  listeners: NameIndex<Listener>;
  stop: () => void;
}

interface Slot {
  informer: Informer<KubernetesObject>;
  ready: Promise<boolean>;
  /** Set once `ready` resolved true, so hot reads skip the await. */
  synced: boolean;
}

/** Options of {@link ObjectCache}. */
export interface ObjectCacheOptions {
  mode: CacheMode;
  logger: Logger;
  /** How long the first read of a kind waits for its informer to sync before reading directly, ms (default 10,000). */
  syncTimeoutMs?: number | undefined;
}

/** The object reader of a resolver. */
export class ObjectCache {
  readonly stats: CacheStats = { hits: 0, reads: 0, informers: 0 };
  private readonly slots = new Map<string, Slot>();
  private readonly uncachable = new Set<string>();
  private readonly feeds = new Map<string, InformerFeed>();
  private readonly watches = new Map<string, SharedWatch<KubernetesObject>>();
  private readonly options: ObjectCacheOptions;

  constructor(options: ObjectCacheOptions) {
    this.options = options;
  }

  /** The object, or `undefined` when it does not exist. */
  async get<T extends KubernetesObject>(client: ResourceClient<T>, namespace: string, name: string, signal?: AbortSignal): Promise<T | undefined> {
    const slot = this.options.mode === "informer" ? this.slot(client, namespace) : undefined;
    if (slot && (slot.synced || (await slot.ready))) {
      const cached = slot.informer.get(name, namespace) as T | undefined;
      if (cached) {
        this.stats.hits++;
        return cached;
      }
    }
    this.stats.reads++;
    return client.getOrUndefined(name, { namespace, signal });
  }

  /**
   * Calls `onChange` with each new state of one object (`undefined` once
   * deleted) until the returned function is called. One feed per kind and
   * namespace serves every subscriber: the kind's informer when there is one,
   * else a {@link SharedWatch} of the namespace (not a watch per object),
   * closed with its last subscriber.
   */
  subscribe<T extends KubernetesObject>(client: ResourceClient<T>, namespace: string, name: string, onChange: (object: T | undefined) => void): () => void {
    const listener = onChange as Listener;
    const slot = this.options.mode === "informer" ? this.slot(client, namespace) : undefined;
    if (slot) {
      const key = this.key(client, namespace);
      const feed = this.feeds.get(key) ?? this.informerFeed(slot, key);
      return feed.listeners.add(name, listener);
    }
    const kind = `${client.descriptor.apiVersion}/${client.descriptor.plural}`;
    let watch = this.watches.get(kind);
    if (!watch) this.watches.set(kind, (watch = new SharedWatch(client as unknown as ResourceClient<KubernetesObject>, { logger: this.options.logger })));
    const subscription = watch.subscribe({ namespace, name }, { change: (change) => listener(change.type === "DELETED" ? undefined : change.object) });
    return () => subscription.unsubscribe();
  }

  /** Stops every informer and watch. */
  async close(): Promise<void> {
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
    for (const watch of this.watches.values()) watch.close();
    this.watches.clear();
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map((s) => s.informer.close()));
  }

  /** `await using`: {@link ObjectCache.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private key(client: { descriptor: { apiVersion: string; plural: string } }, namespace: string): string {
    return `${client.descriptor.apiVersion}/${client.descriptor.plural}/${namespace}`;
  }

  private informerFeed(slot: Slot, key: string): InformerFeed {
    const feed: InformerFeed = { listeners: new NameIndex<Listener>(), stop: () => {} };
    const deliver = (object: KubernetesObject, deleted: boolean) => {
      for (const listener of feed.listeners.of(object.metadata?.name)) listener(deleted ? undefined : object);
    };
    const onUpsert = (o: KubernetesObject) => deliver(o, false);
    const onDelete = (o: KubernetesObject) => deliver(o, true);
    slot.informer.on("add", onUpsert).on("update", onUpsert).on("delete", onDelete);
    feed.stop = () => void slot.informer.off("add", onUpsert).off("update", onUpsert).off("delete", onDelete);
    this.feeds.set(key, feed);
    return feed;
  }

  private slot<T extends KubernetesObject>(client: ResourceClient<T>, namespace: string): Slot | undefined {
    const key = this.key(client, namespace);
    if (this.uncachable.has(key)) return undefined;
    const existing = this.slots.get(key);
    if (existing) return existing;
    const informer = client.informer({ namespace }) as unknown as Informer<KubernetesObject>;
    const slot: Slot = { informer, ready: Promise.resolve(false), synced: false };
    slot.ready = new Promise<boolean>((resolve) => {
      let settled = false;
      const giveUp = (error: unknown) => {
        if (settled) return;
        settled = true;
        informer.off("error", onError);
        // Usually RBAC without list/watch: read directly from now on.
        this.options.logger.warn(`cannot cache ${client.descriptor.plural} in ${namespace} (${errorMessage(error)}); reading directly`);
        this.uncachable.add(key);
        this.slots.delete(key);
        this.feeds.get(key)?.stop();
        this.feeds.delete(key);
        void informer.close();
        resolve(false);
      };
      const onError = (error: unknown) => {
        if (isForbidden(error) || isUnauthorized(error)) giveUp(error);
      };
      informer.on("error", onError);
      informer.ready({ timeoutMs: this.options.syncTimeoutMs ?? 10_000 }).then(() => {
        if (settled) return;
        settled = true;
        informer.off("error", onError);
        slot.synced = true;
        resolve(true);
      }, giveUp);
    });
    this.slots.set(key, slot);
    this.stats.informers++;
    return slot;
  }
}
