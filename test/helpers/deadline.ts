// Deadlines for tests that wait: a lost event fails the test in seconds, naming
// what it waited for and what had arrived, instead of hanging until the
// runner's timeout.
import assert from "node:assert/strict";

/** Resolves as `work` does, or fails after `ms` with `what` and, if given, `progress()` (what had happened so far). */
export async function within<T>(ms: number, what: string, work: Promise<T>, progress?: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const so = progress ? `; so far: ${JSON.stringify(progress(), null, 1)}` : "";
      reject(new assert.AssertionError({ message: `gave up after ${ms} ms waiting for ${what}${so}` }));
    }, ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `check` holds, polling every 20 ms; fails after `ms` naming `what` (and `progress()`, what was seen). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 10_000, progress?: () => unknown): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const so = progress ? `; last seen: ${JSON.stringify(progress())}` : "";
      throw new assert.AssertionError({ message: `gave up after ${ms} ms waiting for ${what}${so}` });
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
