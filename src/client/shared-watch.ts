/**
 * One server watch shared by many subscribers. Subscribers of the same scope
 * (namespace and selectors) of one kind share a single `watch()` stream: the
 * first subscription opens it, the last unsubscribe closes it, and resuming,
 * relisting after `410 Gone` and backoff happen once, in that stream, for all
 * of them. Sixteen waiters on Queries of one namespace then cost one watch
 * connection (one TLS handshake, one API-server watcher) instead of sixteen.
 * Changes are dispatched by object name, so a subscriber of one object costs
 * nothing per change of another.
 */

import type { Logger } from "../core/logger.js";
import type { KubernetesObject } from "../core/meta.js";
import { errorMessage } from "../core/errors.js";
import type { WatchOptions } from "./options.js";
import type { ResourceClient } from "./resource-client.js";

/** A change of one object as a subscriber sees it. */
export interface ObjectChange<T> {
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: T;
}

/** Which objects a shared stream watches; subscriptions with equal scopes share one stream. */
export interface SharedWatchScope {
  /** Namespace (default: the client's scope). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

/** Options of {@link SharedWatch.subscribe}. */
export interface SharedSubscribeOptions extends SharedWatchScope {
  /** Only the changes of the object with this name (in the scope); default every change. */
  name?: string | undefined;
  /**
   * Where the stream starts if this subscription opens it: after this
   * resourceVersion. Without it the stream lists first and reports every
   * existing object as ADDED. Ignored when the stream is already open.
   */
  resourceVersion?: string | undefined;
}

/** What a subscriber is called with. */
export interface SharedWatchSubscriber<T> {
  /** A change (of the subscribed object only, with `name`). */
  change(event: ObjectChange<T>): void;
  /** The shared stream failed in a way retrying cannot fix (403, 404, …): no change comes any more. */
  end?(error: unknown): void;
}

/** One subscription; {@link SharedSubscription.unsubscribe} ends it. */
export interface SharedSubscription<T> {
  /** The resourceVersion the shared stream started after, or `undefined` when it started by listing. */
  readonly startedAt: string | undefined;
  /** The last change of `name` the stream saw (only with {@link SharedWatchOptions.remember}). */
  last(name: string): ObjectChange<T> | undefined;
  /** Ends this subscription; the last one of a stream closes the server watch. Safe to call twice. */
  unsubscribe(): void;
}

/** Options of {@link SharedWatch}. */
export interface SharedWatchOptions {
  logger: Logger;
  /** How many objects' last changes each stream remembers for {@link SharedSubscription.last} (default 0: none). */
  remember?: number | undefined;
  /** Passed to each stream's `watch()` (reconnect spacing, idle and server timeouts). */
  watch?: Pick<WatchOptions, "backoff" | "idleTimeoutMs" | "serverTimeoutMs"> | undefined;
}

/**
 * Subscribers indexed by object name, plus those of every object. Delivery
 * works on a copy, so a subscriber may unsubscribe (itself or others) while
 * being called.
 */
export class NameIndex<S> {
  private readonly byName = new Map<string, Set<S>>();
  private readonly everything = new Set<S>();

  /** Adds `subscriber` for `name` (every object when `undefined`); returns its removal. */
  add(name: string | undefined, subscriber: S): () => void {
    if (name === undefined) {
      this.everything.add(subscriber);
      return () => void this.everything.delete(subscriber);
    }
    let set = this.byName.get(name);
    if (!set) this.byName.set(name, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.byName.get(name) === set) this.byName.delete(name);
    };
  }

  /** The subscribers of the object `name`: its own, then those of every object. */
  of(name: string | undefined): S[] {
    const own = name === undefined ? undefined : this.byName.get(name);
    return own ? [...own, ...this.everything] : [...this.everything];
  }

  /** Every subscriber. */
  all(): S[] {
    return [...new Set([...[...this.byName.values()].flatMap((s) => [...s]), ...this.everything])];
  }

  /** How many subscribers there are. */
  get size(): number {
    let n = this.everything.size;
    for (const set of this.byName.values()) n += set.size;
    return n;
  }
}

/** One open server watch and its subscribers. */
class Stream<T extends KubernetesObject> {
  readonly subscribers = new NameIndex<SharedWatchSubscriber<T>>();
  readonly remembered = new Map<string, ObjectChange<T>>();
  readonly controller = new AbortController();

  constructor(readonly startedAt: string | undefined, private readonly remember: number, private readonly logger: Logger) {}

  deliver(event: ObjectChange<T>): void {
    const name = event.object.metadata?.name;
    if (this.remember > 0 && name !== undefined) {
      this.remembered.delete(name);
      this.remembered.set(name, event);
      if (this.remembered.size > this.remember) this.remembered.delete(this.remembered.keys().next().value as string);
    }
    for (const subscriber of this.subscribers.of(name)) {
      try {
        subscriber.change(event);
      } catch (error) {
        // One failing subscriber must not starve the others or stop the stream.
        this.logger.error("shared watch subscriber threw", { error });
      }
    }
  }

  fail(error: unknown): void {
    for (const subscriber of this.subscribers.all()) {
      try {
        subscriber.end?.(error);
      } catch (thrown) {
        this.logger.error("shared watch subscriber threw", { error: thrown });
      }
    }
  }
}

/**
 * Shares server watches of one kind between subscribers: one stream per
 * scope (namespace and selectors), opened by the first subscription and
 * closed by the last unsubscribe. A stream that fails for good (403, 404)
 * ends its subscriptions through {@link SharedWatchSubscriber.end}; the next
 * subscription opens a new one.
 */
export class SharedWatch<T extends KubernetesObject> {
  private readonly streams = new Map<string, Stream<T>>();

  constructor(private readonly client: ResourceClient<T>, private readonly options: SharedWatchOptions) {}

  /** Subscribes to the changes in `options`' scope (of one object with `options.name`). */
  subscribe(options: SharedSubscribeOptions, subscriber: SharedWatchSubscriber<T>): SharedSubscription<T> {
    const key = JSON.stringify([options.namespace ?? null, options.labelSelector ?? null, options.fieldSelector ?? null]);
    const stream = this.streams.get(key) ?? this.open(key, options);
    const remove = stream.subscribers.add(options.name, subscriber);
    let done = false;
    return {
      startedAt: stream.startedAt,
      last: (name) => stream.remembered.get(name),
      unsubscribe: () => {
        if (done) return;
        done = true;
        remove();
        if (stream.subscribers.size === 0) this.stop(key, stream);
      },
    };
  }

  /** How many server watches are open now. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Closes every stream; their subscriptions receive nothing more. */
  close(): void {
    for (const [key, stream] of [...this.streams]) this.stop(key, stream);
  }

  private stop(key: string, stream: Stream<T>): void {
    if (this.streams.get(key) === stream) this.streams.delete(key);
    stream.controller.abort(new Error("no more subscribers"));
  }

  private open(key: string, scope: SharedSubscribeOptions): Stream<T> {
    const { logger } = this.options;
    const stream = new Stream<T>(scope.resourceVersion, this.options.remember ?? 0, logger);
    this.streams.set(key, stream);
    const events = this.client.watch({
      ...this.options.watch,
      namespace: scope.namespace,
      labelSelector: scope.labelSelector,
      fieldSelector: scope.fieldSelector,
      resourceVersion: scope.resourceVersion,
      signal: stream.controller.signal,
    });
    void (async () => {
      try {
        for await (const event of events) {
          if (event.type !== "BOOKMARK") stream.deliver({ type: event.type, object: event.object });
        }
      } catch (error) {
        if (stream.controller.signal.aborted) return;
        logger.warn(`shared watch of ${this.client.descriptor.plural}${scope.namespace ? ` in ${scope.namespace}` : ""} ended: ${errorMessage(error)}`);
        if (this.streams.get(key) === stream) this.streams.delete(key);
        stream.fail(error);
      } finally {
        if (this.streams.get(key) === stream) this.streams.delete(key);
      }
    })();
    return stream;
  }
}
