/**
 * The Query status the dispatcher writes, shaped as ARK's controller writes
 * it: the phase, the `Completed` condition with ARK's reasons
 * (`QueryRunning`, `QuerySucceeded`, `QueryErrored`, `QueryCanceled`),
 * `response` (content, raw, phase, target, a2a), `tokenUsage`,
 * `conversationId`, `duration` in Go's notation, and `MemoryUnavailable`
 * when the engine reports it.
 */

import type { QueryTokenUsage } from "../protocol/controller-wire.js";
import { mergeCondition } from "../ark/query-status.js";
import type { Condition, Query, QueryStatus, QueryStatusResponse, Target } from "../generated/index.js";

/** RFC 3339 in whole seconds, as Kubernetes stores condition times. */
export function rfc3339Now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A condition stamped now. */
export function condition(type: string, status: "True" | "False", reason: string, message: string): Condition {
  return { type, status, reason, message, lastTransitionTime: rfc3339Now() };
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

/** The `Completed` condition ARK sets for `phase`. */
export function completedCondition(phase: string, response: QueryStatusResponse | undefined, errorReason = "QueryErrored"): Condition {
  switch (phase) {
    case "done":
      return condition("Completed", "True", "QuerySucceeded", "Query completed successfully");
    case "error":
      return condition("Completed", "True", errorReason, response?.phase === "error" && response.content ? response.content : "Query completed with error");
    case "canceled":
      return condition("Completed", "True", "QueryCanceled", "Query canceled");
    default:
      return condition("Completed", "False", "QueryRunning", "Query is running");
  }
}

/** ARK's error response: the message as content, `[{error: "target_execution_error", message}]` as raw. */
export function errorResponse(target: Target | undefined, message: string): QueryStatusResponse {
  const response: QueryStatusResponse = { content: message, raw: JSON.stringify([{ error: "target_execution_error", message }]), phase: "error" };
  if (target) response.target = { ...target };
  return response;
}

/** What one dispatch produced, to be written onto the Query. */
export interface DispatchOutcome {
  phase: "done" | "error" | "input-required";
  response: QueryStatusResponse;
  /** The `Completed` reason of an error (default `QueryErrored`). */
  errorReason?: string;
  tokenUsage?: QueryTokenUsage;
  conversationId?: string;
  memoryUnavailable?: boolean;
  memoryDegraded?: boolean;
  durationMs?: number;
}

/** The new status of `query` after `outcome`. */
export function statusWithOutcome(query: Query, outcome: DispatchOutcome): QueryStatus {
  const status: QueryStatus = { ...query.status, phase: outcome.phase, response: outcome.response };
  if (outcome.tokenUsage) status.tokenUsage = { ...outcome.tokenUsage };
  if (outcome.conversationId) status.conversationId = outcome.conversationId;
  if (outcome.durationMs !== undefined) status.duration = formatGoDuration(outcome.durationMs);
  let conditions = query.status?.conditions;
  if (outcome.memoryUnavailable !== undefined) {
    conditions = mergeCondition(
      conditions,
      outcome.memoryUnavailable
        ? condition("MemoryUnavailable", "True", "NoMemoryBackend", "No memory backend is configured; conversation history is not kept")
        : condition("MemoryUnavailable", "False", "MemoryReachable", "Memory backend reachable"),
    );
  }
  if (outcome.memoryDegraded) conditions = mergeCondition(conditions, condition("MemoryDegraded", "True", "GetMessagesFailed", "Reading conversation history failed"));
  status.conditions = mergeCondition(conditions, completedCondition(outcome.phase, outcome.response, outcome.errorReason));
  return status;
}

/** The status of `query` in `phase` with ARK's condition for it, everything else kept. */
export function statusInPhase(query: Query, phase: "running" | "canceled" | "error", response?: QueryStatusResponse): QueryStatus {
  const status: QueryStatus = { ...query.status, phase };
  if (response) status.response = response;
  status.conditions = mergeCondition(query.status?.conditions, completedCondition(phase, status.response));
  return status;
}
