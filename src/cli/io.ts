/** What every CLI command writes to, so tests can capture output. */

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
export class UsageError extends Error {
  override readonly name = "UsageError";
}
