/**
 * One watch of a namespace's Queries shared by everyone waiting on a Query
 * there. Sixteen concurrent `run()` calls then cost one watch connection
 * instead of sixteen (each its own TLS handshake and API-server watcher).
 * The watch starts with the first waiter and stops with the last; nothing
 * lingers to keep the process alive. Objects seen are remembered (bounded)
 * so a waiter that registers a moment after its Query changed still sees it.
 */

import type { Query } from "../generated/index.js";
import { AsyncQueue } from "../core/async-queue.js";
import type { Logger } from "../core/logger.js";
import type { ResourceClient } from "../client/resource-client.js";
import type { WatchEvent } from "../client/watch.js";
import { onAbort } from "../core/abort.js";

/** A change of one Query as a waiter sees it. */
export type QueryChange = { type: "ADDED" | "MODIFIED" | "DELETED"; object: Query };

const REMEMBERED = 10_000;

function revision(query: Query | undefined): bigint | undefined {
  try {
    return BigInt(query?.metadata?.resourceVersion ?? "");
  } catch {
    return undefined;
  }
}

type Mailbox = AsyncQueue<QueryChange>;

/** The shared watch of one namespace. */
class NamespaceWatch {
  readonly waiters = new Map<string, Set<Mailbox>>();
  readonly seen = new Map<string, Query>();
  readonly startedAt: bigint | undefined;
  private readonly controller = new AbortController();

  constructor(client: ResourceClient<Query>, readonly namespace: string, from: Query, logger: Logger, onEnd: () => void) {
    this.startedAt = revision(from);
    const events = client.watch({ namespace, resourceVersion: from.metadata?.resourceVersion, signal: this.controller.signal });
    void (async () => {
      try {
        for await (const event of events) this.deliver(event);
      } catch (error) {
        logger.debug("shared Query watch failed", { namespace, error });
        for (const boxes of this.waiters.values()) for (const box of boxes) box.fail(error);
      } finally {
        onEnd();
      }
    })();
  }

  private deliver(event: WatchEvent<Query>): void {
    if (event.type === "BOOKMARK") return;
    const name = event.object.metadata?.name ?? "";
    this.seen.delete(name);
    this.seen.set(name, event.object);
    if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.keys().next().value as string);
    for (const box of this.waiters.get(name) ?? []) box.push({ type: event.type, object: event.object });
  }

  stop(): void {
    this.controller.abort(new Error("no more waiters"));
  }
}

/** Shares Query watches between waiters, per namespace. */
export class QueryWatchHub {
  private readonly watches = new Map<string, NamespaceWatch>();

  constructor(
    private readonly client: ResourceClient<Query>,
    private readonly logger: Logger,
  ) {}

  /**
   * The changes of Query `name` after `current` (the state the caller
   * knows), until `signal` aborts. `refresh` re-reads the Query; it is used
   * when the shared watch started after `current`, so no change is missed.
   */
  async *changes(namespace: string, current: Query, refresh: () => Promise<Query | undefined>, signal: AbortSignal): AsyncGenerator<QueryChange, void, undefined> {
    const name = current.metadata?.name ?? "";
    let watch = this.watches.get(namespace);
    if (!watch) {
      const created: NamespaceWatch = new NamespaceWatch(this.client, namespace, current, this.logger, () => {
        if (this.watches.get(namespace) === created) this.watches.delete(namespace);
      });
      watch = created;
      this.watches.set(namespace, watch);
    }
    const box: Mailbox = new AsyncQueue<QueryChange>();
    const boxes = watch.waiters.get(name) ?? new Set<Mailbox>();
    boxes.add(box);
    watch.waiters.set(name, boxes);
    let unlisten = () => {};
    try {
      const known = revision(current);
      const seen = watch.seen.get(name);
      if (seen && (known === undefined || (revision(seen) ?? 0n) > known)) box.push({ type: "MODIFIED", object: seen });
      else if (known !== undefined && watch.startedAt !== undefined && known < watch.startedAt) {
        // The watch began after the state we know: a change in between would not be delivered.
        const fresh = await refresh();
        if (!fresh) box.push({ type: "DELETED", object: current });
        else if ((revision(fresh) ?? 0n) > known) box.push({ type: "MODIFIED", object: fresh });
      }
      unlisten = onAbort(signal, () => box.close());
      yield* box;
    } finally {
      unlisten();
      boxes.delete(box);
      if (boxes.size === 0) {
        watch.waiters.delete(name);
        watch.seen.delete(name);
      }
      if (watch.waiters.size === 0 && this.watches.get(namespace) === watch) {
        this.watches.delete(namespace);
        watch.stop();
      }
    }
  }
}
