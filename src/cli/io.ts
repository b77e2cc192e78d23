/** What every CLI command writes to, so tests can capture output. */

import { ArkSdkError } from "../core/errors.js";

/** Output sinks of a command. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stdout is a terminal (progress lines and colours only then). */
  isTty: boolean;
}

/** The process's own stdout/stderr. */
export const processIo: CliIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTty: Boolean(process.stdout.isTTY),
};

/** A mistake in the command line: printed with the help text, exit code 2. */
export class UsageError extends ArkSdkError {}

/** A `--port`-style option as a TCP port number, or undefined when absent. @throws UsageError when it is not one */
export function parsePort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new UsageError(`${flag} must be a TCP port number, got ${value}`);
  return n;
}

/**
 * Resolves on the first SIGINT or SIGTERM, keeping the event loop alive until
 * then (a local control plane's processes don't hold it open on purpose).
 */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((resolve) => {
    const keepAlive = setInterval(() => undefined, 60_000);
    const stop = () => {
      clearInterval(keepAlive);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
