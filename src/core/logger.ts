/**
 * The small logging surface every part of ark-sdk writes to. Bring your own
 * (pino, winston and console all fit) or use {@link consoleLogger}.
 */

/** Log levels, most verbose first. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** What ark-sdk needs from a logger. */
export interface Logger {
  /** Detail for diagnosing a problem (request retries, cache decisions). */
  debug(message: string, fields?: LogFields): void;
  /** A normal event worth recording (a server started, a configuration chosen). */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong and was handled (a retry, a dropped late answer). */
  warn(message: string, fields?: LogFields): void;
  /** Something failed and was not recovered. */
  error(message: string, fields?: LogFields): void;
  /**
   * Whether entries of `level` are written (optional). ark-sdk asks before
   * building costly entries on hot paths; without it every entry is built
   * and the logger filters.
   */
  isEnabled?(level: Exclude<LogLevel, "silent">): boolean;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function isLogLevel(value: string | undefined): value is LogLevel {
  return value !== undefined && value in ORDER;
}

/** The level named by `ARK_SDK_LOG_LEVEL`, else `warn`. */
export function levelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const raw = env.ARK_SDK_LOG_LEVEL?.toLowerCase();
  return isLogLevel(raw) ? raw : "warn";
}

/**
 * A logger writing one line per entry to stderr: `level message {json fields}`.
 * @param level - the least severe level printed (default: `ARK_SDK_LOG_LEVEL`, else `warn`)
 * @param scope - a prefix naming the component, e.g. `ark-sdk:client`
 */
export function consoleLogger(level: LogLevel = levelFromEnv(), scope = "ark-sdk"): Logger {
  const min = ORDER[level];
  const write = (lvl: Exclude<LogLevel, "silent">, message: string, fields?: LogFields) => {
    if (ORDER[lvl] < min) return;
    const tail = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : "";
    process.stderr.write(`${new Date().toISOString()} ${lvl.toUpperCase()} [${scope}] ${escapeLogText(message)}${tail}\n`);
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    isEnabled: (lvl) => ORDER[lvl] >= min,
  };
}

// C0 and C1 controls (newlines, ANSI escapes), DEL, and the JavaScript line separators.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * `text` with every control character written as a JSON-style escape (`\n`,
 * `\u001b`…), so a value taken from a request cannot start a forged log
 * line or drive a terminal.
 */
export function escapeLogText(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  isEnabled: () => false,
};

function safeJson(fields: LogFields): string {
  try {
    return JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message } : value));
  } catch {
    return "[unserialisable fields]";
  }
}
