/**
 * Abort-signal plumbing shared by every layer: listening to a signal without
 * leaking the listener, and a signal of one's own that follows parent signals
 * and an optional timeout. Long-lived parents (a transport's close signal, an
 * app's shutdown signal) see many short calls come and go, so every link is
 * detached explicitly instead of waiting for garbage collection as
 * `AbortSignal.any` does.
 */

import { timerDelay } from "./backoff.js";

/**
 * Calls `listener` with the signal's reason once `signal` aborts, at once if it
 * already has; returns the function that removes the listener (a no-op after
 * it ran). With no signal, nothing happens.
 */
export function onAbort(signal: AbortSignal | undefined, listener: (reason: unknown) => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    listener(signal.reason);
    return () => {};
  }
  const handler = () => listener(signal.reason);
  signal.addEventListener("abort", handler, { once: true });
  return () => signal.removeEventListener("abort", handler);
}

/** Options of {@link linkAbort}. */
export interface LinkAbortOptions {
  /** Aborts the linked signal after this many ms (clamped to what `setTimeout` keeps); none when undefined. */
  timeoutMs?: number | undefined;
  /** The reason a timeout aborts with, made when it fires (default: a `DOMException` named `TimeoutError`, as `AbortSignal.timeout` uses). */
  timeoutReason?: (() => unknown) | undefined;
}

/** A signal of one's own, linked to parent signals and a timeout; see {@link linkAbort}. */
export interface LinkedAbort {
  /** Aborts when a parent aborts (with its reason), when the timeout passes, or on {@link LinkedAbort.abort}. */
  readonly signal: AbortSignal;
  /** Aborts the linked signal (never the parents) and detaches it. */
  abort(reason?: unknown): void;
  /** Detaches from the parents and clears the timer; the signal keeps its state. Call it when the work is done. */
  close(): void;
}

/**
 * A signal that aborts when the first of `parents` aborts (with that reason)
 * or after `timeoutMs`, whichever comes first. Call `close()` (or `abort()`)
 * when the work ends so the parents drop their listeners and the timer stops;
 * once aborted, the link detaches itself.
 */
export function linkAbort(parents: readonly (AbortSignal | undefined)[], options: LinkAbortOptions = {}): LinkedAbort {
  const controller = new AbortController();
  const detach: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const close = () => {
    clearTimeout(timer);
    timer = undefined;
    for (const d of detach.splice(0)) d();
  };
  const abort = (reason?: unknown) => {
    controller.abort(reason);
    close();
  };
  for (const parent of parents) {
    if (controller.signal.aborted) break;
    detach.push(onAbort(parent, abort));
  }
  if (!controller.signal.aborted && options.timeoutMs !== undefined) {
    const reason = options.timeoutReason ?? (() => new DOMException("The operation was aborted due to timeout", "TimeoutError"));
    timer = setTimeout(() => abort(reason()), timerDelay(options.timeoutMs));
  }
  if (controller.signal.aborted) close();
  return { signal: controller.signal, abort, close };
}
