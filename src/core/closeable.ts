/**
 * The one shape of every long-lived object of the SDK (clients, informers,
 * servers, the control plane): `close()` releases what it holds and is safe to
 * call twice; `[Symbol.asyncDispose]` calls it, so `await using x = …` closes
 * `x` when the scope ends.
 */

/** A long-lived object: `close()`, and `await using` support. */
export interface Closeable {
  /** Releases what the object holds (connections, watches, servers, processes). Safe to call more than once. */
  close(): Promise<void>;
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
