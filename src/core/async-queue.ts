/**
 * A push-to-pull queue: producers `push` as events arrive, one consumer reads
 * them with `for await`. It ends after `close()` once drained, or throws the
 * error given to `fail()`. Used where callbacks (watch events, engine chunks)
 * have to become an `AsyncIterable`.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failed = false;
  private failure: unknown;
  private wake: (() => void) | undefined;

  /** Adds an item; ignored once the queue is closed or failed. */
  push(item: T): void {
    if (this.closed || this.failed) return;
    this.items.push(item);
    this.wake?.();
  }

  /** Ends the queue: the consumer reads what is queued, then stops. */
  close(): void {
    this.closed = true;
    this.wake?.();
  }

  /** Ends the queue with an error: the consumer reads what is queued, then the error is thrown. */
  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.failure = error;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.failed) throw this.failure;
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
