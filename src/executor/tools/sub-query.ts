/**
 * Agent and team tools as sub-Queries. ARK's own engine runs the other agent
 * or team in-process; an engine built on ark-sdk creates a Query targeting
 * it and waits for its answer (so it runs wherever ARK runs that target).
 * As in ARK, the tool takes one string argument, `input`; the sub-query gets
 * no conversation history, and its answer is the tool's result. Needs RBAC:
 * `create` and `get`, `list`, `watch` on `queries` (the wait follows the
 * Query with a watch) and `patch` to cancel it when the call is aborted.
 */

import type { ArkClient } from "../../ark/ark-client.js";
import type { TokenUsage } from "../../protocol/messages.js";
import type { QueryRef } from "../../protocol/query-extension.js";
import { ForbiddenError } from "../../client/errors.js";
import { ExecutorError } from "../errors.js";

/** The agent or team a sub-query targets. */
export interface SubQueryTarget {
  type: "agent" | "team";
  name: string;
  namespace: string;
}

/** What a sub-query answered. */
export interface SubQueryOutcome {
  /** The answer text (`status.response.content`). */
  content: string;
  /** Its token usage, when reported (added to the calling execution's usage). */
  usage?: TokenUsage;
}

/** Runs a sub-query and resolves with its answer; rejects when it fails, is canceled or `signal` aborts. */
export type SubQueryRunner = (target: SubQueryTarget, input: string, options: { signal: AbortSignal; parent?: QueryRef }) => Promise<SubQueryOutcome>;

/** The label a sub-query carries naming the Query whose tool call created it. */
export const PARENT_QUERY_LABEL = "ark-sdk.io/parent-query";

/**
 * A {@link SubQueryRunner} creating Queries with `ark` (`ark.queries.run`):
 * no streaming, ARK's default timeout, labelled with the parent Query's name.
 * Aborting the call sets the sub-query's `spec.cancel`.
 */
export function subQueryRunner(ark: ArkClient): SubQueryRunner {
  return async (target, input, { signal, parent }) => {
    let result;
    try {
      result = await ark.queries.run(
        {
          input,
          target: { type: target.type, name: target.name },
          namespace: target.namespace,
          streaming: false,
          ...(parent ? { labels: { [PARENT_QUERY_LABEL]: parent.name } } : {}),
        },
        { signal },
      );
    } catch (error) {
      if (!(error instanceof ForbiddenError)) throw error;
      throw new ExecutorError(
        `${error.message}. Agent and team tools run as sub-Queries: grant the engine create, list, watch and patch on queries (ark.mckinsey.com) in namespace '${target.namespace}' (engineManifests feature "agent-tools")`,
        { cause: error },
      );
    }
    if (result.phase !== "done") {
      throw new ExecutorError(`sub-query ${result.namespace}/${result.name} ended in phase '${result.phase}'${result.phase === "input-required" ? " (it waits for a tool approval; ark-sdk does not resume nested approvals)" : ""}`);
    }
    const usage = result.tokenUsage;
    return { content: result.content, ...(usage ? { usage } : {}) };
  };
}
