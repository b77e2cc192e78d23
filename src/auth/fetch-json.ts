/**
 * GET a small JSON document (OIDC discovery, JWKS) with a timeout and a size
 * cap: a slow or hostile endpoint must not stall requests or fill memory.
 */
import { TokenValidationError } from "./errors.js";
import { ArkSdkError, errorMessage } from "../core/errors.js";

/** Limits of one metadata fetch. */
export interface FetchJsonOptions {
  /** Abort the request after this many milliseconds. */
  timeoutMs: number;
  /** Refuse bodies larger than this many bytes (default 1 MiB). */
  maxBytes?: number | undefined;
  /** What is being fetched, for messages: "JWKS", "OIDC discovery document". */
  what: string;
}

/**
 * Fetches `url` and parses its body as JSON.
 * @throws TokenValidationError naming `what` (safe message) with URL and cause in `details`
 */
export async function fetchJson(url: string, options: FetchJsonOptions): Promise<unknown> {
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const fail = (reason: string, cause?: unknown): TokenValidationError =>
    new TokenValidationError(`Failed to fetch ${options.what}`, `GET ${url}: ${reason}`, { cause });

  let response: Response;
  try {
    // Redirects are not followed: key material comes from the configured address only.
    response = await fetch(url, {
      headers: { accept: "application/json, application/jwk-set+json" },
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw fail(describeFetchError(error, options.timeoutMs), error);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw fail(`expected 200, got ${response.status}`);
  }
  let text: string;
  try {
    text = await readLimited(response, maxBytes);
  } catch (error) {
    throw fail(errorMessage(error), error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw fail("body is not JSON", error);
  }
}

async function readLimited(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new ArkSdkError(`body of ${declared} bytes exceeds the ${maxBytes}-byte limit`);
  }
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new ArkSdkError(`body exceeds the ${maxBytes}-byte limit`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return `no answer within ${timeoutMs} ms`;
    // undici puts the useful part (ECONNREFUSED, ENOTFOUND...) in `cause`.
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? cause.message : "";
    return detail ? `${error.message} (${detail})` : error.message;
  }
  return String(error);
}
