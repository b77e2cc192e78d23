/**
 * Reading a query's live output from ARK's broker the way ARK's own clients
 * do: `GET <broker>/stream/<query>?from-beginning=true` answers Server-Sent
 * Events whose data are OpenAI `chat.completion.chunk`s with an `ark`
 * envelope (or `{ error }`), ending with `data: [DONE]`. Tool-call deltas
 * are accumulated by index, as OpenAI clients do.
 */

import { ArkSdkError } from "../client/errors.js";
import type { QueryResult } from "./query-result.js";
import { isRecord } from "../core/json.js";
import { errorMessage } from "../core/errors.js";
import { splitLines, sseData, SSE_DONE_DATA } from "../protocol/framing.js";

/** One event of `ark.queries.stream()`. */
export type QueryStreamEvent =
  /** A piece of the answer. `agent`/`team` name the producer (team queries interleave members). */
  | { type: "text"; text: string; agent?: string; team?: string }
  /** A tool call as known so far: `arguments` accumulates across chunks, `argumentsDelta` is this chunk's part. */
  | { type: "tool-call"; index: number; id: string; name: string; arguments: string; argumentsDelta: string; agent?: string }
  /** The engine reported a failure on the stream (the Query's phase says how it ended). */
  | { type: "stream-error"; message: string; errorType: string }
  /** The final outcome; always the last event. */
  | { type: "result"; result: QueryResult };

/** A broker stream that could not be read (unreachable, or not an event stream). */
export class BrokerStreamError extends ArkSdkError {
  /** True when nothing answered at the broker's URL (the request failed before any response). */
  readonly unreachable: boolean;
  constructor(message: string, options?: { cause?: unknown; unreachable?: boolean }) {
    super(message, options);
    this.unreachable = options?.unreachable ?? false;
  }
}

type Json = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Yields the JSON payload of each event of the query's broker stream; ends
 * at `[DONE]` or when the broker closes the stream.
 * @throws BrokerStreamError when the broker cannot be reached or answers with anything but an event stream
 */
export async function* readBrokerStream(baseUrl: string, queryName: string, signal: AbortSignal): AsyncGenerator<Json, void, undefined> {
  const url = `${baseUrl.replace(/\/+$/, "")}/stream/${encodeURIComponent(queryName)}?from-beginning=true`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: "text/event-stream" }, signal });
  } catch (error) {
    if (signal.aborted) return;
    throw new BrokerStreamError(`cannot reach the broker at ${url}: ${errorMessage(error)}`, { cause: error, unreachable: true });
  }
  const type = response.headers.get("content-type") ?? "";
  if (response.status !== 200 || !type.startsWith("text/event-stream") || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new BrokerStreamError(`broker answered ${response.status} (${type || "no content type"}) for ${url}`);
  }
  try {
    for await (const data of sseData(splitLines(response.body as unknown as AsyncIterable<Uint8Array>))) {
      if (data.trim() === SSE_DONE_DATA) return;
      let payload: unknown;
      try {
        payload = JSON.parse(data);
      } catch {
        throw new BrokerStreamError(`broker sent an event that is not JSON: ${data.slice(0, 200)}`);
      }
      if (isRecord(payload)) yield payload;
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error instanceof BrokerStreamError ? error : new BrokerStreamError(`broker stream broke: ${errorMessage(error)}`, { cause: error });
  }
}

/** Turns broker chunks into stream events, accumulating tool-call arguments by index. */
export class ChunkReader {
  private readonly toolCalls = new Map<number, { id: string; name: string; arguments: string }>();

  /** The events one chunk carries (none for the final `completedQuery` chunk). */
  read(chunk: Json): QueryStreamEvent[] {
    if (isRecord(chunk.error)) {
      return [{ type: "stream-error", message: text(chunk.error.message) ?? "unknown error", errorType: text(chunk.error.type) ?? "error" }];
    }
    const ark = isRecord(chunk.ark) ? chunk.ark : {};
    const agent = text(ark.agent);
    const team = text(ark.team);
    const choice = Array.isArray(chunk.choices) && isRecord(chunk.choices[0]) ? chunk.choices[0] : {};
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const events: QueryStreamEvent[] = [];
    const content = text(delta.content);
    if (content) events.push({ type: "text", text: content, ...(agent ? { agent } : {}), ...(team ? { team } : {}) });
    for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
      if (!isRecord(call)) continue;
      const index = typeof call.index === "number" ? call.index : 0;
      const fn = isRecord(call.function) ? call.function : {};
      const known = this.toolCalls.get(index) ?? { id: "", name: "", arguments: "" };
      const argumentsDelta = typeof fn.arguments === "string" ? fn.arguments : "";
      known.id = text(call.id) ?? known.id;
      known.name = text(fn.name) ?? known.name;
      known.arguments += argumentsDelta;
      this.toolCalls.set(index, known);
      events.push({ type: "tool-call", index, id: known.id, name: known.name, arguments: known.arguments, argumentsDelta, ...(agent ? { agent } : {}) });
    }
    return events;
  }
}
