/**
 * Human-in-the-loop approval as ARK runs it. An engine that answers
 * `message/send` with an A2A Task pauses the Query: an A2ATask
 * `a2a-task-<taskId>` records it (phase from the task state, the task's
 * metadata as `protocolMetadata`). A decision written into its `spec.input`
 * (`{"decision":"approved"|"rejected"}`), or the approval timeout the engine
 * published, settles the task; ARK then resumes the Query, also after a
 * rejection so the agent can react, at most three times in a row.
 */

import type { ResourceClient } from "../client/resource-client.js";
import { approvalDecisionOf } from "../ark/a2a-task-client.js";
import type { A2AMessage, A2APart, A2AProtocolTask as ProtocolTask } from "../protocol/a2a.js";
import { GoDurationError } from "../core/go-duration.js";
import { parseGoDuration } from "../core/go-duration.js";
import type { A2ATask, A2ATaskStatus, Part } from "../generated/index.js";
import { condition, rfc3339Now } from "./dispatcher-status.js";

/** How many times in a row a rejected tool call may resume the agent (ARK's cap). */
export const MAX_APPROVAL_CASCADES = 3;

/** The Query annotation counting resumptions after rejections. */
export const APPROVAL_CASCADE_ANNOTATION = "ark.mckinsey.com/approval-cascade-count";

const PHASE_OF_STATE: Readonly<Record<string, string>> = {
  submitted: "assigned",
  working: "running",
  "input-required": "input-required",
  "auth-required": "auth-required",
  completed: "completed",
  canceled: "cancelled",
  failed: "failed",
  rejected: "failed",
};

/** The A2ATask phase of an A2A task state (ARK's mapping; note `cancelled`). */
export function phaseOfState(state: string): string {
  return PHASE_OF_STATE[state] ?? "unknown";
}

function toParts(parts: readonly A2APart[] | undefined): Part[] {
  const out: Part[] = [];
  for (const part of parts ?? []) {
    if (part.kind === "text") out.push({ kind: "text", text: String((part as { text?: unknown }).text ?? "") });
    else if (part.kind === "data") out.push({ kind: "data", data: Buffer.from(JSON.stringify((part as { data?: unknown }).data ?? null)).toString("base64") });
    else out.push({ kind: "file", uri: String((part as { file?: { uri?: unknown } }).file?.uri ?? "") });
  }
  return out;
}

function toHistoryMessage(message: A2AMessage): { messageId: string; role: "user" | "agent"; parts: Part[] } {
  return { messageId: message.messageId, role: message.role, parts: toParts(message.parts) };
}

function stringMap(metadata: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata ?? {})) out[key] = typeof value === "string" ? value : JSON.stringify(value);
  return out;
}

/**
 * Records the task an engine answered with as the A2ATask ARK creates,
 * status included. Returns the created object.
 */
export async function recordEngineTask(
  a2aTasks: ResourceClient<A2ATask>,
  task: ProtocolTask,
  ref: { queryName: string; agentName: string; namespace: string },
): Promise<A2ATask> {
  const name = `a2a-task-${task.id}`;
  const spec: A2ATask["spec"] = {
    taskId: task.id,
    queryRef: { name: ref.queryName, namespace: ref.namespace },
    agentRef: { name: ref.agentName, namespace: ref.namespace },
  };
  if (task.contextId) spec.contextId = task.contextId;
  if (typeof task.metadata?.timeout === "string" && task.metadata.timeout !== "") spec.timeout = task.metadata.timeout;
  await a2aTasks.create({ metadata: { name, namespace: ref.namespace }, spec }, { validate: false });
  const status: A2ATaskStatus = {
    phase: phaseOfState(task.status.state),
    protocolState: task.status.state,
    contextId: task.contextId,
    startTime: rfc3339Now(),
    protocolMetadata: stringMap(task.metadata),
    conditions: [condition("Completed", "False", "TaskNotStarted", "Task has not been started yet")],
  };
  if (task.status.message) status.lastStatusMessage = toHistoryMessage(task.status.message);
  if (task.status.timestamp) status.lastStatusTimestamp = task.status.timestamp;
  if (task.history?.length) status.history = task.history.map(toHistoryMessage);
  return a2aTasks.patchStatus(name, { status }, { namespace: ref.namespace });
}

/** The status change a task's decision (or its expired approval timeout) calls for; `undefined` while undecided. */
export function settleApproval(task: A2ATask, now = Date.now()): Partial<A2ATaskStatus> | undefined {
  if (task.status?.phase !== "input-required" || task.spec?.a2aServerRef) return undefined;
  const completionTime = rfc3339Now();
  if (task.spec?.input) {
    const decision = approvalDecisionOf(task);
    if (decision === "approved") return { phase: "completed", completionTime, conditions: [condition("Completed", "True", "ApprovalGranted", "User approved the tool calls")] };
    if (decision === "rejected") {
      return { phase: "failed", completionTime, error: "Tool execution rejected by user", conditions: [condition("Completed", "True", "ApprovalRejected", "Tool execution rejected by user")] };
    }
    if (decision === undefined && !isJsonObject(task.spec.input)) {
      return { phase: "failed", completionTime, error: `Invalid approval decision format: ${task.spec.input.slice(0, 100)}`, conditions: [condition("Completed", "False", "InvalidApprovalDecision", "Failed to parse approval decision")] };
    }
    if (decision !== undefined) {
      return { phase: "failed", completionTime, error: `Invalid decision value: ${decision}`, conditions: [condition("Completed", "False", "InvalidApprovalDecision", `Unknown decision value: ${decision}`)] };
    }
  }
  const expiry = approvalExpiry(task);
  if (expiry === undefined || now < expiry) return undefined;
  const timeout = task.status.protocolMetadata?.timeout ?? "";
  if (task.status.protocolMetadata?.onTimeout === "proceed") {
    return { phase: "completed", completionTime, conditions: [condition("Completed", "True", "ApprovalTimeoutProceeded", "Approval timeout exceeded, proceeding per onTimeout policy")] };
  }
  return {
    phase: "failed",
    completionTime,
    error: `Approval timeout exceeded after ${timeout}`,
    conditions: [condition("Completed", "True", "ApprovalTimeoutRejected", "Approval timeout exceeded, rejecting per onTimeout policy")],
  };
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null;
  } catch {
    return false;
  }
}

/** When the engine's published approval timeout (`protocolMetadata.timeout` from `startTime`) runs out, epoch ms. */
export function approvalExpiry(task: A2ATask): number | undefined {
  const timeout = task.status?.protocolMetadata?.timeout;
  const start = task.status?.startTime ? Date.parse(task.status.startTime) : Number.NaN;
  if (!timeout || Number.isNaN(start)) return undefined;
  try {
    return start + parseGoDuration(timeout);
  } catch (error) {
    if (error instanceof GoDurationError) return undefined;
    throw error;
  }
}

/** Whether a settled task lets the agent react (an explicit or timed-out rejection) rather than failing the Query. */
export function isResumableDenial(task: A2ATask): boolean {
  const reason = task.status?.conditions?.find((c) => c.type === "Completed")?.reason;
  return reason === "ApprovalRejected" || reason === "ApprovalTimeoutRejected";
}

/** Resumptions after rejection so far, from the Query's annotation (unreadable counts as 0). */
export function cascadeCount(annotations: Record<string, string> | undefined): number {
  const value = Number(annotations?.[APPROVAL_CASCADE_ANNOTATION]);
  return Number.isInteger(value) && value > 0 ? value : 0;
}
