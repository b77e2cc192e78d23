/**
 * A Query's outcome as a typed value: the answer, the raw messages (parsed
 * from the JSON string ARK stores), token usage with absent counters as 0,
 * the duration in milliseconds as well as ARK's Go form, and the A2ATask a
 * paused query waits on.
 */

import { GoDurationError } from "../core/go-duration.js";
import { parseGoDuration } from "../core/go-duration.js";
import type { A2ATask, Query, QueryStatusTokenUsage } from "../generated/index.js";
import { queryPhase } from "./query-phases.js";
import { isRecord } from "../core/json.js";

/** One message of `status.response.raw`: a chat message, or ARK's `{ error, message }` on failure. */
export interface QueryRawMessage {
  /** `user`, `assistant`, `tool`, … */
  role?: string;
  /** The message text; `null` for an assistant message that only calls tools. */
  content?: string | null;
  [field: string]: unknown;
}

/** The outcome of a Query that reached a terminal phase or paused for approval. */
export interface QueryResult {
  /** The Query's name. */
  name: string;
  /** The Query's namespace. */
  namespace: string;
  /** `done`, `error`, `canceled` or `input-required` (other phases are not results). */
  phase: string;
  /** The answer text (`status.response.content`), `""` when none. */
  content: string;
  /** `status.response.raw` parsed; empty when absent or not a JSON array (see {@link QueryResult.rawText}). */
  raw: QueryRawMessage[];
  /** `status.response.raw` as stored. */
  rawText: string | undefined;
  /** Token usage when the engine reported any; counters it left out are 0. */
  tokenUsage: Required<QueryStatusTokenUsage> | undefined;
  /** `status.duration` as ARK wrote it (Go form, e.g. `1.234s`). */
  duration: string | undefined;
  /** The same duration in milliseconds. */
  durationMs: number | undefined;
  /** The conversation to continue with `conversationId` on the next query. */
  conversationId: string | undefined;
  /** The A2ATask awaiting a decision (phase `input-required` only, when it could be read). */
  pendingTask: A2ATask | undefined;
  /** The Query as last seen. */
  query: Query;
}

function parseRaw(text: string | undefined): QueryRawMessage[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value.filter((m): m is QueryRawMessage => isRecord(m));
  } catch {
    // Not JSON: the text stays available in rawText.
  }
  return [];
}

function durationMs(text: string | undefined): number | undefined {
  if (!text) return undefined;
  try {
    return parseGoDuration(text);
  } catch (error) {
    if (error instanceof GoDurationError) return undefined;
    throw error;
  }
}

function usage(status: QueryStatusTokenUsage | undefined): Required<QueryStatusTokenUsage> | undefined {
  if (!status) return undefined;
  const filled = {
    promptTokens: status.promptTokens ?? 0,
    completionTokens: status.completionTokens ?? 0,
    totalTokens: status.totalTokens ?? 0,
    cachedTokens: status.cachedTokens ?? 0,
  };
  return Object.values(filled).some((n) => n > 0) ? filled : undefined;
}

/** Reads the outcome of `query` (any phase; callers decide which phases are results). */
export function readQueryResult(query: Query, pendingTask?: A2ATask): QueryResult {
  const status = query.status;
  const rawText = status?.response?.raw;
  return {
    name: query.metadata?.name ?? "",
    namespace: query.metadata?.namespace ?? "",
    phase: queryPhase(query),
    content: status?.response?.content ?? "",
    raw: parseRaw(rawText),
    rawText,
    tokenUsage: usage(status?.tokenUsage),
    duration: status?.duration,
    durationMs: durationMs(status?.duration),
    conversationId: status?.conversationId,
    pendingTask,
    query,
  };
}
