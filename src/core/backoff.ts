/**
 * Capped exponential backoff with jitter, and an abortable sleep. Shared by
 * request retries, watch reconnects and `retryOnConflict`, so every retry
 * loop in the client spreads its load the same way.
 */

/** How retries are spaced. */
export interface BackoffOptions {
  /** Delay before the first retry, ms (default 100). */
  initialMs?: number | undefined;
  /** Upper bound of any one delay, ms (default 10,000). */
  maxMs?: number | undefined;
  /** Growth factor per attempt (default 2). */
  factor?: number | undefined;
  /**
   * Fraction of each delay that is random (default 0.5: a delay of `d`
   * becomes uniform in `[d/2, d]`), so many clients that failed together do
   * not retry together.
   */
  jitter?: number | undefined;
}

/**
 * The delay before retry number `attempt` (1 for the first retry).
 * @param random - source of randomness in [0, 1), replaceable for tests
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 10_000;
  const factor = options.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  return base * (1 - jitter * random());
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The longest delay `setTimeout` honours; longer ones fire at once. */
export const TIMER_MAX = 2_147_483_647;

/** A delay `setTimeout` keeps: clamped to 0..{@link TIMER_MAX} (a day-long or infinite timeout must not fire immediately). */
export function timerDelay(ms: number): number {
  return Math.min(TIMER_MAX, Math.max(0, ms));
}
