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

/** Change notifications of one kind in one namespace, by object name. */
interface Feed {
  listeners: Map<string, Set<Listener>>;
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
  syncTimeoutMs?: number;
}

/** The object reader of a resolver. */
export class ObjectCache {
  readonly stats: CacheStats = { hits: 0, reads: 0, informers: 0 };
  private readonly slots = new Map<string, Slot>();
  private readonly uncachable = new Set<string>();
  private readonly feeds = new Map<string, Feed>();
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
   * else a single shared watch of the namespace (not a watch per object).
   */
  subscribe<T extends KubernetesObject>(client: ResourceClient<T>, namespace: string, name: string, onChange: (object: T | undefined) => void): () => void {
    const key = this.key(client, namespace);
    const feed = this.feeds.get(key) ?? this.startFeed(client, namespace, key);
    let listeners = feed.listeners.get(name);
    if (!listeners) feed.listeners.set(name, (listeners = new Set()));
    const listener = onChange as Listener;
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && feed.listeners.get(name) === listeners) feed.listeners.delete(name);
    };
  }

  /** Stops every informer and watch. */
  async close(): Promise<void> {
    for (const feed of this.feeds.values()) feed.stop();
    this.feeds.clear();
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

  private startFeed<T extends KubernetesObject>(client: ResourceClient<T>, namespace: string, key: string): Feed {
    const feed: Feed = { listeners: new Map(), stop: () => {} };
    const deliver = (object: KubernetesObject, deleted: boolean) => {
      const listeners = object.metadata?.name === undefined ? undefined : feed.listeners.get(object.metadata.name);
      if (listeners) for (const listener of [...listeners]) listener(deleted ? undefined : object);
    };
    this.feeds.set(key, feed);
    const slot = this.options.mode === "informer" ? this.slot(client, namespace) : undefined;
    if (slot) {
      const onUpsert = (o: KubernetesObject) => deliver(o, false);
      const onDelete = (o: KubernetesObject) => deliver(o, true);
      slot.informer.on("add", onUpsert).on("update", onUpsert).on("delete", onDelete);
      feed.stop = () => void slot.informer.off("add", onUpsert).off("update", onUpsert).off("delete", onDelete);
      return feed;
    }
    const controller = new AbortController();
    feed.stop = () => controller.abort();
    void (async () => {
      try {
        for await (const event of client.watch({ namespace, signal: controller.signal })) {
          if (event.type !== "BOOKMARK") deliver(event.object, event.type === "DELETED");
        }
      } catch (error) {
        if (!controller.signal.aborted) this.options.logger.warn(`watch of ${client.descriptor.plural} in ${namespace} ended: ${errorMessage(error)}`);
      } finally {
        if (this.feeds.get(key) === feed) this.feeds.delete(key);
      }
    })();
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
