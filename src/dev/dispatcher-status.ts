/**
 * The Query status the dispatcher writes, shaped as ARK v0.1.67's controller
 * writes it: the phase, the `Completed` condition with that version's
 * reasons (`QueryNotStarted`, `QueryRunning`, `QuerySucceeded`,
 * `QueryErrored`, `QueryCanceled`; no `TimedOut*`, which came in 0.1.68),
 * `response` (content, raw, phase, target, a2a), `tokenUsage`,
 * `conversationId` and `duration` in Go's notation (written only with a
 * result, never with an error). No `MemoryUnavailable` condition: v0.1.67
 * sets it in memory and loses it when its status write re-reads the Query.
 */

import { encodeGoJson, type QueryTokenUsage } from "../protocol/controller-wire.js";
import { mergeCondition } from "../ark/query-status.js";
import type { Condition, Query, QueryStatus, QueryStatusResponse, Target } from "../generated/index.js";

/** RFC 3339 in whole seconds, as Kubernetes stores condition times. */
export function rfc3339Now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A condition stamped now (with the Query's generation, as ARK records it). */
export function condition(type: string, status: "True" | "False", reason: string, message: string, observedGeneration?: number): Condition {
  const result: Condition = { type, status, reason, message, lastTransitionTime: rfc3339Now() };
  if (observedGeneration !== undefined) result.observedGeneration = observedGeneration;
  return result;
}

import { formatGoDuration } from "../core/go-duration.js";
export { formatGoDuration };

/** The `Completed` condition ARK v0.1.67 sets on first sight of a Query. */
export function notStartedCondition(generation?: number): Condition {
  return condition("Completed", "False", "QueryNotStarted", "The query has not been started yet", generation);
}

/**
 * The `Completed` condition ARK sets for `phase`; for `error`, the
 * response's content when it is an error response, else the generic text.
 * `input-required` leaves the condition as it was (`undefined`).
 */
export function completedCondition(phase: string, response: QueryStatusResponse | undefined, generation?: number): Condition | undefined {
  switch (phase) {
    case "done":
      return condition("Completed", "True", "QuerySucceeded", "Query completed successfully", generation);
    case "error":
      return condition("Completed", "True", "QueryErrored", response?.phase === "error" && response.content ? response.content : "Query completed with error", generation);
    case "canceled":
      return condition("Completed", "True", "QueryCanceled", "Query canceled", generation);
    case "running":
      return condition("Completed", "False", "QueryRunning", "Query is running", generation);
    default:
      return undefined;
  }
}

/** ARK's error response (`createErrorResponse`): the message as content, `[{"error":"target_execution_error","message":…}]` as raw. */
export function errorResponse(target: Target | undefined, message: string): QueryStatusResponse {
  const response: QueryStatusResponse = { content: message, raw: encodeGoJson([{ error: "target_execution_error", message }]), phase: "error" };
  if (target) response.target = { ...target };
  return response;
}

/** What one dispatch produced, to be written onto the Query. */
export interface DispatchOutcome {
  phase: "done" | "error" | "input-required";
  response: QueryStatusResponse;
  tokenUsage?: QueryTokenUsage;
  conversationId?: string;
  /** Written only with a result (`done`, `input-required`), as ARK does. */
  durationMs?: number;
}

function withCompleted(query: Query, status: QueryStatus): QueryStatus {
  const next = completedCondition(status.phase ?? "", status.response, query.metadata?.generation);
  if (next) status.conditions = mergeCondition(query.status?.conditions, next);
  return status;
}

/** The new status of `query` after `outcome`. */
export function statusWithOutcome(query: Query, outcome: DispatchOutcome): QueryStatus {
  const status: QueryStatus = { ...query.status, phase: outcome.phase, response: outcome.response };
  if (outcome.tokenUsage) status.tokenUsage = { ...outcome.tokenUsage };
  if (outcome.conversationId) status.conversationId = outcome.conversationId;
  if (outcome.durationMs !== undefined && outcome.phase !== "error") status.duration = formatGoDuration(outcome.durationMs);
  return withCompleted(query, status);
}

/** The status of `query` in `phase` with ARK's condition for it, everything else kept (a given `response` replaces the current one). */
export function statusInPhase(query: Query, phase: "running" | "canceled" | "error", response?: QueryStatusResponse): QueryStatus {
  const status: QueryStatus = { ...query.status, phase };
  if (response) status.response = response;
  return withCompleted(query, status);
}

/** The status of a Query seen for the first time: `QueryNotStarted`. */
export function statusNotStarted(query: Query): QueryStatus {
  return { ...query.status, conditions: mergeCondition(query.status?.conditions, notStartedCondition(query.metadata?.generation)) };
}
