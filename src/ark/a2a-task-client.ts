/**
 * `ark.a2aTasks`: the A2ATask kind's resource client plus ARK's approval
 * protocol. A query pauses in `input-required` when a tool call needs human
 * approval; the decision is written into the task's `spec.input` as
 * `{"decision":"approved"|"rejected"}` (what ark-api's approval endpoint
 * does), and ARK resumes the query. Deciding a task that is not awaiting
 * approval fails with {@link ApprovalStateError}, as ark-api answers 409.
 */

import type { A2ATask } from "../generated/index.js";
import { ArkSdkError } from "../client/errors.js";
import type { CallOptions } from "../client/options.js";
import { ResourceClient } from "../client/resource-client.js";
import { retryOnConflict } from "../client/retry-on-conflict.js";

/** An approval decision. */
export type ApprovalDecision = "approved" | "rejected";

/** The task cannot take a decision: it is not (or no longer) awaiting approval. */
export class ApprovalStateError extends ArkSdkError {
  readonly taskName: string;
  /** The task's phase when the decision was refused. */
  readonly phase: string;

  constructor(taskName: string, phase: string, detail: string) {
    super(`A2ATask "${taskName}" is not awaiting approval (phase ${phase || "pending"}): ${detail}`);
    this.taskName = taskName;
    this.phase = phase;
  }
}

/** The decision already written into a task's `spec.input`, if any. */
export function approvalDecisionOf(task: A2ATask): string | undefined {
  const input = task.spec?.input;
  if (!input) return undefined;
  try {
    const parsed: unknown = JSON.parse(input);
    const decision = typeof parsed === "object" && parsed !== null ? (parsed as { decision?: unknown }).decision : undefined;
    return typeof decision === "string" && decision !== "" ? decision : undefined;
  } catch {
    return undefined;
  }
}

/** The A2ATask client: CRUD, watch and informers of `A2ATask`, plus approve / reject. */
export class A2ATaskClient extends ResourceClient<A2ATask> {
  /** The same client, defaulting to namespace `ns`. */
  override inNamespace(ns: string): A2ATaskClient {
    return new A2ATaskClient(this.descriptor, { ...this.options, namespace: ns });
  }

  /**
   * Approves the tool calls a paused query waits on; ARK then resumes it.
   * @throws ApprovalStateError when the task is not awaiting approval
   */
  async approve(name: string, options: CallOptions = {}): Promise<A2ATask> {
    return this.decide(name, { decision: "approved" }, options);
  }

  /**
   * Rejects the tool calls; ARK resumes the query so the agent can react
   * (at most three times in a row). `reason` travels with the decision for
   * engines that read it.
   * @throws ApprovalStateError when the task is not awaiting approval
   */
  async reject(name: string, reason?: string, options: CallOptions = {}): Promise<A2ATask> {
    return this.decide(name, reason ? { decision: "rejected", reason } : { decision: "rejected" }, options);
  }

  private async decide(name: string, decision: { decision: ApprovalDecision; reason?: string }, options: CallOptions): Promise<A2ATask> {
    return retryOnConflict(async () => {
      const task = await this.get(name, options);
      const phase = task.status?.phase ?? "";
      if (phase !== "input-required") throw new ApprovalStateError(name, phase, "only tasks in phase input-required take a decision");
      if (task.spec?.a2aServerRef) throw new ApprovalStateError(name, phase, "it is polled from an A2AServer, not an approval task");
      const already = approvalDecisionOf(task);
      if (already) throw new ApprovalStateError(name, phase, `a decision was already made (${already})`);
      // Conditional on resourceVersion: two people deciding at once get one winner and one ApprovalStateError.
      return this.patch(name, { metadata: { resourceVersion: task.metadata?.resourceVersion }, spec: { input: JSON.stringify(decision) } }, options);
    }, { signal: options.signal });
  }
}

/**
 * What a settled approval task means for the paused execution, as ARK's
 * engine reads it on resumption: `approved` (decision approved),
 * `timeout-proceeded` (the timeout ran out with `onTimeout: proceed`; ARK
 * runs the tools as if approved), `rejected` and `timeout-rejected` (the
 * agent resumes and the model sees the rejection as the tool's result).
 */
export type ApprovalOutcome = "approved" | "timeout-proceeded" | "rejected" | "timeout-rejected";

/**
 * The outcome of an approval task, or `undefined` while it is undecided or
 * when it ended in a way the agent cannot resume from (ARK then fails the
 * Query instead of resuming it).
 */
export function approvalOutcomeOf(task: A2ATask): ApprovalOutcome | undefined {
  const reason = task.status?.conditions?.find((c) => c.type === "Completed")?.reason;
  if (task.status?.phase === "completed") return reason === "ApprovalTimeoutProceeded" ? "timeout-proceeded" : "approved";
  if (reason === "ApprovalRejected") return "rejected";
  if (reason === "ApprovalTimeoutRejected") return "timeout-rejected";
  return undefined;
}
