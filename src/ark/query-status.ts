/**
 * Writes an engine's progress to its Query: `status.phase` plus a
 * `Completed=False` condition whose reason/message say what is happening
 * (e.g. `provisioning` / `ExecutorProvisioning`). The condition is merged
 * into the existing ones by type, under optimistic concurrency; the Python
 * SDK's merge patch replaced the whole conditions array.
 */

import type { ResourceClient } from "../client/resource-client.js";
import type { Condition, Query } from "../generated/index.js";
import { retryOnConflict } from "../client/retry-on-conflict.js";
import type { QueryRef } from "../protocol/query-extension.js";

/** RFC 3339 in whole seconds, as Kubernetes stores condition times. */
function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * `conditions` with `next` put in place of the condition of the same type
 * (keeping its `lastTransitionTime` when the status did not change), or
 * appended. Other conditions are untouched.
 */
export function mergeCondition(conditions: readonly Condition[] | undefined, next: Condition): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === next.type);
  if (index === -1) return [...list, next];
  const previous = list[index] as Condition;
  list[index] = previous.status === next.status ? { ...next, lastTransitionTime: previous.lastTransitionTime || next.lastTransitionTime } : next;
  return list;
}

/** Writes a Query's phase (what `ctx.updateQueryPhase` calls); the cluster-backed writer patches the Query's status. */
export interface QueryPhaseWriter {
  /** Sets the phase of the Query `ref` names, with the reason and message of its `Completed` condition. */
  updatePhase(ref: QueryRef, phase: string, reason: string, message: string): Promise<void>;
}

/** Writes Query phases through the status subresource. */
export class QueryStatusWriter implements QueryPhaseWriter {
  private readonly queries: ResourceClient<Query>;

  constructor(queries: ResourceClient<Query>) {
    this.queries = queries;
  }

  async updatePhase(ref: QueryRef, phase: string, reason: string, message: string): Promise<void> {
    const condition: Condition = { type: "Completed", status: "False", reason, message, lastTransitionTime: now() };
    await retryOnConflict(async () => {
      const query = await this.queries.get(ref.name, { namespace: ref.namespace });
      const conditions = mergeCondition(query.status?.conditions, condition);
      // resourceVersion makes the merge patch conditional: a concurrent writer means a retry, not a lost condition.
      await this.queries.patchStatus(
        ref.name,
        { metadata: { resourceVersion: query.metadata?.resourceVersion }, status: { phase, conditions } },
        { namespace: ref.namespace },
      );
    });
  }
}
