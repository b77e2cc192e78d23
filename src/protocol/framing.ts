/**
 * The framing of ARK's streams, for both directions: engines post
 * newline-delimited JSON (NDJSON) chunks to the broker, the broker answers
 * readers with Server-Sent Events (`data: <json>` events ending with
 * `data: [DONE]`), and an engine answers A2A `message/stream` with SSE too.
 * One line splitter serves every reader (SSE, NDJSON, the API server's watch
 * streams).
 */

import { WireFormatError } from "./errors.js";

/** Headers of a Server-Sent Events answer (no caching, no proxy buffering). */
export const SSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
});

/** The media type of an NDJSON body. */
export const NDJSON_CONTENT_TYPE = "application/x-ndjson";

/** The payload of the SSE event that ends a broker stream. */
export const SSE_DONE_DATA = "[DONE]";

/** One SSE event whose data is `value` as JSON. */
export function sseEvent(value: unknown): string {
  return `data: ${JSON.stringify(value)}\n\n`;
}

/** The SSE event that ends a broker stream (`data: [DONE]`). */
export const SSE_DONE_EVENT = `data: ${SSE_DONE_DATA}\n\n`;

/** One NDJSON line carrying `value`. */
export function ndjsonLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * The JSON values of an NDJSON text; blank lines are skipped.
 * @throws WireFormatError naming the first line that is not JSON (`line 3`)
 */
export function parseNdjson(text: string): unknown[] {
  const values: unknown[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      values.push(JSON.parse(line));
    } catch {
      throw new WireFormatError(`line ${i + 1}`, "is not JSON");
    }
  });
  return values;
}

/**
 * The lines of a byte or text stream, without their `\n` (or `\r\n`), blank
 * ones included; a last line without a newline is yielded when the stream
 * ends. Multi-byte characters split across chunks are decoded whole.
 */
export async function* splitLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of chunks) {
    buffer += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let end = buffer.indexOf("\n"); end !== -1; end = buffer.indexOf("\n", start)) {
      yield stripCr(buffer.slice(start, end));
      start = end + 1;
    }
    buffer = buffer.slice(start);
  }
  buffer += decoder.decode();
  if (buffer !== "") yield stripCr(buffer);
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/**
 * The data of each Server-Sent Event in `lines` (its `data:` lines joined
 * with `\n`); events with empty data (comments, keep-alives, bare `event:` or
 * `id:` fields) are skipped. An event is complete at a blank line; one cut
 * off by the end of the stream is dropped, as the SSE standard says.
 */
export async function* sseData(lines: AsyncIterable<string>): AsyncGenerator<string, void, undefined> {
  let data: string[] = [];
  for await (const line of lines) {
    if (line === "") {
      const joined = data.join("\n");
      data = [];
      if (joined !== "") yield joined;
    } else if (line.startsWith("data:")) {
      data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
    }
  }
}
