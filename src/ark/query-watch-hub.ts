/**
 * Waiters on Queries share one watch per namespace (a {@link SharedWatch}):
 * sixteen concurrent `run()` calls cost one watch connection instead of
 * sixteen. The watch starts with the first waiter and stops with the last;
 * nothing lingers to keep the process alive. The stream remembers the last
 * change of each Query (bounded) so a waiter that registers a moment after
 * its Query changed still sees it.
 */

import type { Query } from "../generated/index.js";
import { AsyncQueue } from "../core/async-queue.js";
import type { Logger } from "../core/logger.js";
import type { ResourceClient } from "../client/resource-client.js";
import { SharedWatch, type ObjectChange } from "../client/shared-watch.js";
import { onAbort } from "../core/abort.js";

/** A change of one Query as a waiter sees it. */
export type QueryChange = ObjectChange<Query>;

const REMEMBERED = 10_000;

function revision(resourceVersion: string | undefined): bigint | undefined {
  try {
    return BigInt(resourceVersion ?? "");
  } catch {
    return undefined;
  }
}

/** Shares Query watches between waiters, per namespace. */
export class QueryWatchHub {
  private readonly watch: SharedWatch<Query>;

  constructor(client: ResourceClient<Query>, logger: Logger) {
    this.watch = new SharedWatch(client, { logger, remember: REMEMBERED });
  }

  /**
   * The changes of Query `name` after `current` (the state the caller
   * knows), until `signal` aborts. `refresh` re-reads the Query; it is used
   * when the shared watch started after `current`, so no change is missed.
   */
  async *changes(namespace: string, current: Query, refresh: () => Promise<Query | undefined>, signal: AbortSignal): AsyncGenerator<QueryChange, void, undefined> {
    const name = current.metadata?.name ?? "";
    const box = new AsyncQueue<QueryChange>();
    const subscription = this.watch.subscribe(
      { namespace, name, resourceVersion: current.metadata?.resourceVersion },
      { change: (change) => box.push(change), end: (error) => box.fail(error) },
    );
    let unlisten = () => {};
    try {
      const known = revision(current.metadata?.resourceVersion);
      const startedAt = revision(subscription.startedAt);
      const seen = subscription.last(name);
      if (seen && (known === undefined || (revision(seen.object.metadata?.resourceVersion) ?? 0n) > known)) box.push(seen);
      else if (known !== undefined && startedAt !== undefined && known < startedAt) {
        // The watch began after the state we know: a change in between would not be delivered.
        const fresh = await refresh();
        if (!fresh) box.push({ type: "DELETED", object: current });
        else if ((revision(fresh.metadata?.resourceVersion) ?? 0n) > known) box.push({ type: "MODIFIED", object: fresh });
      }
      unlisten = onAbort(signal, () => box.close());
      yield* box;
    } finally {
      unlisten();
      subscription.unsubscribe();
    }
  }

  /** How many server watches are open now (one per namespace with waiters). */
  get openWatches(): number {
    return this.watch.openStreams;
  }
}
