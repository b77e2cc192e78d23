/**
 * The phases of a Query and what each means to a client waiting on it. ARK's
 * CRD lists seven; ARK 0.1.68 added `queued`, and later releases may add
 * more, so unknown phases are treated as "still in progress".
 */

import type { Query } from "../generated/index.js";

/** Every phase ARK writes to `status.phase`, in lifecycle order. */
export type QueryPhase = "pending" | "queued" | "provisioning" | "running" | "input-required" | "done" | "error" | "canceled";

/** What each phase means (for help texts and progress lines). */
export const QUERY_PHASE_MEANINGS: Readonly<Record<QueryPhase, string>> = Object.freeze({
  pending: "created, not yet picked up by the controller",
  queued: "waiting for a free execution slot (controller at its concurrency limit)",
  provisioning: "the engine is preparing infrastructure before it runs",
  running: "dispatched to the target's engine",
  "input-required": "paused: a tool call waits for human approval (see the A2ATask)",
  done: "answered",
  error: "failed; status.response.content says why",
  canceled: "stopped because spec.cancel was set",
});

/** Phases after which the Query never changes again. */
export const TERMINAL_QUERY_PHASES: ReadonlySet<string> = new Set(["done", "error", "canceled"]);

/** The Query's phase; a Query without status is `pending` (the CRD's default). */
export function queryPhase(query: Pick<Query, "status">): string {
  return query.status?.phase || "pending";
}

/** Whether the Query reached `done`, `error` or `canceled`. */
export function isQueryTerminal(query: Pick<Query, "status">): boolean {
  return TERMINAL_QUERY_PHASES.has(queryPhase(query));
}

/** Whether a client waiting for an answer should stop waiting: terminal, or paused for approval. */
export function isQuerySettled(query: Pick<Query, "status">): boolean {
  return isQueryTerminal(query) || queryPhase(query) === "input-required";
}
