/**
 * Reads the objects a resolution needs, from informers when possible. One
 * informer per (kind, namespace) is started on first use; reads of a hot
 * agent then cost no API round trip while watch events keep the cache
 * current. A miss (an object created a moment ago, e.g. the Query ARK just
 * dispatched) falls back to a direct GET, and a kind the engine may not
 * list/watch (RBAC) falls back to direct GETs for good.
 */

import { isForbidden, isUnauthorized } from "../client/errors.js";
import type { Informer } from "../client/informer.js";
import type { Logger } from "../client/logger.js";
import type { KubernetesObject } from "../client/meta.js";
import type { ResourceClient } from "../client/resource-client.js";
import { errorMessage } from "./errors.js";

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

interface Slot {
  informer: Informer<KubernetesObject>;
  ready: Promise<boolean>;
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
  private readonly watches = new Set<AbortController>();
  private readonly options: ObjectCacheOptions;

  constructor(options: ObjectCacheOptions) {
    this.options = options;
  }

  /** The object, or `undefined` when it does not exist. */
  async get<T extends KubernetesObject>(client: ResourceClient<T>, namespace: string, name: string, signal?: AbortSignal): Promise<T | undefined> {
    const slot = this.options.mode === "informer" ? this.slot(client, namespace) : undefined;
    if (slot && (await slot.ready)) {
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
   * deleted) until the returned function is called. Uses the kind's informer
   * when there is one, else a watch of that object alone.
   */
  subscribe<T extends KubernetesObject>(client: ResourceClient<T>, namespace: string, name: string, onChange: (object: T | undefined) => void): () => void {
    const slot = this.options.mode === "informer" ? this.slot(client, namespace) : undefined;
    if (slot) {
      const matches = (o: KubernetesObject) => o.metadata?.name === name && o.metadata?.namespace === namespace;
      const onUpsert = (o: KubernetesObject) => matches(o) && onChange(o as T);
      const onDelete = (o: KubernetesObject) => matches(o) && onChange(undefined);
      slot.informer.on("add", onUpsert).on("update", onUpsert).on("delete", onDelete);
      return () => void slot.informer.off("add", onUpsert).off("update", onUpsert).off("delete", onDelete);
    }
    const controller = new AbortController();
    this.watches.add(controller);
    void (async () => {
      try {
        for await (const event of client.watch({ namespace, fieldSelector: `metadata.name=${name}`, signal: controller.signal })) {
          if (event.type === "BOOKMARK") continue;
          onChange(event.type === "DELETED" ? undefined : event.object);
        }
      } catch (error) {
        if (!controller.signal.aborted) this.options.logger.warn(`watch of ${client.descriptor.kind} ${namespace}/${name} ended: ${errorMessage(error)}`);
      } finally {
        this.watches.delete(controller);
      }
    })();
    return () => controller.abort();
  }

  /** Stops every informer and watch. */
  async close(): Promise<void> {
    for (const watch of this.watches) watch.abort();
    const slots = [...this.slots.values()];
    this.slots.clear();
    await Promise.all(slots.map((s) => s.informer.stop()));
  }

  private slot<T extends KubernetesObject>(client: ResourceClient<T>, namespace: string): Slot | undefined {
    const key = `${client.descriptor.apiVersion}/${client.descriptor.plural}/${namespace}`;
    if (this.uncachable.has(key)) return undefined;
    let slot = this.slots.get(key);
    if (!slot) {
      const informer = client.informer({ namespace }) as unknown as Informer<KubernetesObject>;
      const ready = new Promise<boolean>((resolve) => {
        let settled = false;
        const giveUp = (error: unknown) => {
          if (settled) return;
          settled = true;
          informer.off("error", onError);
          // Usually RBAC without list/watch: read directly from now on.
          this.options.logger.warn(`cannot cache ${client.descriptor.plural} in ${namespace} (${errorMessage(error)}); reading directly`);
          this.uncachable.add(key);
          this.slots.delete(key);
          void informer.stop();
          resolve(false);
        };
        const onError = (error: unknown) => {
          if (isForbidden(error) || isUnauthorized(error)) giveUp(error);
        };
        informer.on("error", onError);
        informer.ready({ timeout: this.options.syncTimeoutMs ?? 10_000 }).then(() => {
          if (settled) return;
          settled = true;
          informer.off("error", onError);
          resolve(true);
        }, giveUp);
      });
      slot = { informer, ready };
      this.slots.set(key, slot);
      this.stats.informers++;
    }
    return slot;
  }
}
