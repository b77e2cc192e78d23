/**
 * Go `time.ParseDuration` syntax, which ARK uses for `spec.timeout`,
 * `spec.ttl` and MCP timeouts: a sequence of decimal numbers with units
 * (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`), e.g. `1h30m`, `1.5h`, `500ms`,
 * `720h0m0s`. The Python SDK only understood integer `h`/`m`/`s` (so `500ms`
 * became 500 minutes); this parser follows Go, except that negative
 * durations are refused because nothing in ARK may be negative.
 */

import { ArkSdkError } from "./errors.js";

/** A Go duration string (`1h30m`, `500ms`) could not be parsed. */
export class GoDurationError extends ArkSdkError {
  readonly input: string;
  constructor(input: string, problem: string) {
    super(`invalid duration ${JSON.stringify(input)}: ${problem}`);
    this.input = input;
  }
}

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  "\u00b5s": 1e-3, // micro sign
  "\u03bcs": 1e-3, // Greek mu
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

// Go's limit: the largest int64 number of nanoseconds.
const MAX_MS = 9_223_372_036_854.775;

const SEGMENT = /^(\d*)(?:\.(\d*))?([^\d.]+)/;

/**
 * Parses a Go duration into milliseconds (fractions kept, e.g. `1.5us` → 0.0015).
 * @throws GoDurationError when the text is not a valid non-negative Go duration
 */
export function parseGoDuration(text: string): number {
  const sign = text[0] === "-" || text[0] === "+" ? text[0] : "";
  const magnitude = parseMagnitude(text, text.slice(sign.length));
  // Go accepts "-0s"; any other negative value is refused.
  if (sign === "-" && magnitude !== 0) throw new GoDurationError(text, "negative durations are not allowed");
  return magnitude;
}

function parseMagnitude(text: string, unsigned: string): number {
  let rest = unsigned;
  if (rest === "0") return 0;
  if (rest === "") throw new GoDurationError(text, "empty duration");
  let total = 0;
  while (rest !== "") {
    const match = SEGMENT.exec(rest);
    if (!match) {
      const problem = /^\d*\.?\d*$/.test(rest) ? `missing unit after ${JSON.stringify(rest)}` : `expected a number at ${JSON.stringify(rest)}`;
      throw new GoDurationError(text, problem);
    }
    const [whole, intPart = "", fracPart, unit = ""] = match;
    if (intPart === "" && (fracPart === undefined || fracPart === "")) {
      throw new GoDurationError(text, `expected a number at ${JSON.stringify(rest)}`);
    }
    const factor = UNIT_MS[unit];
    if (factor === undefined) {
      throw new GoDurationError(text, `unknown unit ${JSON.stringify(unit)} (use ns, us, ms, s, m or h)`);
    }
    total += Number(`${intPart || "0"}.${fracPart ?? ""}0`) * factor;
    if (total > MAX_MS) throw new GoDurationError(text, "duration out of range");
    rest = rest.slice(whole.length);
  }
  return Math.round(total * 1e6) / 1e6; // nanosecond precision, as Go keeps it
}

/**
 * A Go duration in whole seconds, rounded up (a TTL of `500ms` keeps data
 * for one second rather than none), or `undefined` for an absent/empty/zero
 * value, as ARK treats those as "no TTL".
 * @throws GoDurationError when the text is not a valid non-negative Go duration
 */
export function goDurationToSeconds(text: string | undefined | null): number | undefined {
  if (text === undefined || text === null || text === "") return undefined;
  const ms = parseGoDuration(text);
  return ms > 0 ? Math.ceil(ms / 1000) : undefined;
}

function fraction(value: number, scale: number): string {
  const whole = Math.floor(value / scale);
  const rest = value - whole * scale;
  if (rest === 0) return String(whole);
  const digits = String(scale).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}

/** A duration in Go's `time.Duration.String()` notation (`1.5s`, `2m0s`, `1h0m3.25s`, `850ms`). */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(Math.abs(ms) * 1e6);
  const sign = ms < 0 && ns > 0 ? "-" : "";
  if (ns === 0) return "0s";
  if (ns < 1e9) {
    if (ns < 1e3) return `${sign}${ns}ns`;
    return ns < 1e6 ? `${sign}${fraction(ns, 1e3)}\u00b5s` : `${sign}${fraction(ns, 1e6)}ms`;
  }
  const hours = Math.floor(ns / 3.6e12);
  ns -= hours * 3.6e12;
  const minutes = Math.floor(ns / 6e10);
  ns -= minutes * 6e10;
  return `${sign}${hours > 0 ? `${hours}h` : ""}${hours > 0 || minutes > 0 ? `${minutes}m` : ""}${fraction(ns, 1e9)}s`;
}
