/**
 * The app's transport-neutral view of one HTTP exchange, so the same routing
 * serves `node:http` (fast path, no WHATWG objects per request) and
 * `app.fetch(Request)`. Also the bounded body readers both paths share.
 */

import type { IncomingMessage } from "node:http";
import { ExecutorError } from "./errors.js";

/** One incoming request. */
export interface IncomingCall {
  method: string;
  /** Path without the query string. */
  path: string;
  /** A header value (lower-case name), joined with `, ` when repeated. */
  header(name: string): string | undefined;
  /** Reads the whole body as UTF-8. @throws BodyTooLargeError past `limit` bytes */
  readBody(limit: number): Promise<string>;
  /** Registers a listener called if the caller goes away before the answer is complete; returns its remover. */
  onGone(listener: () => void): () => void;
  /** The request as a WHATWG `Request` without its body (built on demand, for auth guards). */
  toRequest(): Request;
  /** `http:` or `https:` and the `Host` the caller used, for absolute URLs. */
  readonly origin: string;
}

/** The answer to a request. */
export type Reply =
  | { status: number; headers: Record<string, string>; body: string }
  | { status: number; headers: Record<string, string>; events: AsyncIterable<string> }
  | { status: number; headers: Record<string, string>; response: Response };

/** The request body exceeded the configured limit (answered with 413). */
export class BodyTooLargeError extends ExecutorError {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body exceeds the ${limit}-byte limit`);
    this.limit = limit;
  }
}

/** Headers of JSON answers. */
export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "Content-Type": "application/json" });

/** A JSON reply. */
export function jsonReply(status: number, value: unknown, extraHeaders?: Record<string, string>): Reply {
  // A fresh literal per reply (cheaper than spreading JSON_HEADERS): the writer adds Content-Length to it.
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  return { status, headers: extraHeaders ? Object.assign(headers, extraHeaders) : headers, body: JSON.stringify(value) };
}

function declaredLength(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const n = Number(header);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Reads a `node:http` request body, refusing more than `limit` bytes (checks Content-Length first). */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = declaredLength(req.headers["content-length"]);
  // Past the limit the body is left unread: the app closes the connection after its 413.
  if (declared !== undefined && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

/** Reads a WHATWG request body, refusing more than `limit` bytes. */
export async function readRequestBody(request: Request, limit: number): Promise<string> {
  const declared = declaredLength(request.headers.get("content-length") ?? undefined);
  if (declared !== undefined && declared > limit) {
    await request.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(limit);
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
