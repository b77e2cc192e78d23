/**
 * Human approval of tool calls as ARK's own engine runs it, built into the
 * engine runtime (ExecutorApp with the ClusterQueryResolver).
 *
 * - **Pause.** A call of a tool whose `approval.required` is true is not
 *   made: `ctx.tools.call` throws {@link ToolApprovalPendingError} and so
 *   does every later call of the execution. Whatever the engine then does
 *   (let the error escape, or swallow it), the A2A answer is the
 *   `input-required` Task ARK's engine returns: metadata strings
 *   `toolCalls`, `timeout`, `onTimeout` and `context`, `contextId` the
 *   conversation; the broker gets ARK's `tool_approval_request` event and the
 *   stream is completed without a final chunk.
 * - **Resume.** ARK's controller re-sends the Query once its A2ATask is
 *   decided; `status.response.a2a.taskId` still names the task. The resolver
 *   reads it and hands the decision to this gate. The engine runs again from
 *   the start with the same request (the conversation state is carried by
 *   re-running, not in the task: see README "Tool approval"); its first call
 *   of a paused tool takes the decision: approved (or timed out with
 *   `onTimeout: proceed`): the tool runs once, with the arguments the human
 *   approved; rejected or timed out: the model gets ARK's rejection text as
 *   the tool's result, and the loop continues as in ARK.
 */

import { formatGoDuration } from "../../core/go-duration.js";
import type { ApprovalOutcome } from "../../ark/a2a-task-client.js";
import type { A2AProtocolTask } from "../../protocol/a2a.js";
import { encodeGoJson } from "../../protocol/controller-wire.js";
import { ToolError } from "./errors.js";
import type { AgentTool, ToolApproval, ToolResult } from "./types.js";

/** A tool call as ARK records it in the task's `toolCalls` (the OpenAI tool-call shape). */
export interface ApprovalToolCall {
  id: string;
  function: { arguments: string; name: string };
  type: "function";
}

/** The decision on a paused execution, read from its A2ATask when the Query is re-sent. */
export interface ApprovalResumption {
  /** The A2A task id (`a2a-task-<taskId>`). */
  taskId: string;
  outcome: ApprovalOutcome;
  /** The calls that waited for the decision (the task's `toolCalls`). */
  toolCalls: ApprovalToolCall[];
}

/** The tool result ARK hands the model for a rejected call (its texts). */
export function rejectionResult(name: string, toolCallId: string, timedOut: boolean): ToolResult {
  const content = timedOut ? "Tool execution rejected: approval timeout exceeded" : "Tool execution rejected by user";
  return { name, toolCallId, content, isError: true, rejected: true };
}

/**
 * The execution paused for human approval: the call was not made. Engines
 * need not handle it: the runtime answers ARK with the input-required Task
 * whether the error escapes `executeAgent` or not.
 */
export class ToolApprovalPendingError extends ToolError {
  constructor(toolName: string, waitingOn: string) {
    super(toolName, `tool '${toolName}' was not run: the execution is paused until a human approves or rejects the call of '${waitingOn}' (input-required)`);
  }
}

/** What to do with a call of an approval-requiring tool. */
export type ApprovalVerdict = { run: Record<string, unknown> } | { result: ToolResult };

/** @internal One execution's approval state: the decision it resumes with, the calls it paused on. */
export class ApprovalGate {
  private readonly agent: { name: string; namespace: string; conversationId: string };
  private readonly resumption: ApprovalResumption | undefined;
  private readonly consumed = new Set<number>();
  private calls: ApprovalToolCall[] = [];
  private rule: ToolApproval | undefined;

  constructor(agent: { name: string; namespace: string; conversationId: string }, resumption?: ApprovalResumption) {
    this.agent = agent;
    this.resumption = resumption;
  }

  /** Whether a call paused the execution. */
  get paused(): boolean {
    return this.rule !== undefined;
  }

  /** The decision this execution resumes with, if any. */
  get resumedWith(): ApprovalResumption | undefined {
    return this.resumption;
  }

  /** The error for a call made after the pause (not run). */
  pausedError(toolName: string): ToolApprovalPendingError {
    return new ToolApprovalPendingError(toolName, this.calls[0]?.function.name ?? toolName);
  }

  /**
   * The verdict on a call of `tool` (whose approval is required): the
   * resumption's decision when it holds a call of that tool not yet used
   * (same arguments first), else the execution pauses.
   * @throws ToolApprovalPendingError when the execution pauses
   */
  decide(tool: AgentTool, args: Record<string, unknown>, rawArguments: string, toolCallId: string): ApprovalVerdict {
    if (!this.paused) {
      const index = this.match(tool.name, rawArguments);
      if (index !== undefined) {
        this.consumed.add(index);
        const outcome = this.resumption?.outcome;
        const approvedCall = this.resumption?.toolCalls[index];
        if (outcome === "approved" || outcome === "timeout-proceeded") return { run: approvedArguments(approvedCall, args) };
        return { result: rejectionResult(tool.name, toolCallId, outcome === "timeout-rejected") };
      }
    }
    // ARK pauses on every call needing approval in the model's batch; the first call's rule is the task's.
    // Key order as Go marshals openai-go's tool call: id, function (arguments, name), type.
    this.calls.push({ id: toolCallId, function: { arguments: rawArguments, name: tool.name }, type: "function" });
    this.rule ??= tool.approval;
    throw this.pausedError(tool.name);
  }

  private match(name: string, rawArguments: string): number | undefined {
    const calls = this.resumption?.toolCalls ?? [];
    let byName: number | undefined;
    for (let i = 0; i < calls.length; i++) {
      const call = calls[i] as ApprovalToolCall;
      if (this.consumed.has(i) || call.function.name !== name) continue;
      if (call.function.arguments === rawArguments) return i;
      byName ??= i;
    }
    return byName;
  }

  /**
   * The input-required Task ARK's engine answers with (id `taskId`, the
   * conversation as `contextId`). `timeout` is Go's duration text, `""` when
   * the agent sets none (ARK's engine requires one).
   */
  task(taskId: string, conversationId: string): A2AProtocolTask {
    const rule = this.rule ?? { required: true, onTimeout: "reject" };
    return {
      id: taskId,
      contextId: conversationId,
      kind: "task",
      status: { state: "input-required" },
      metadata: {
        // Byte for byte as Go's json.Marshal writes them (struct field order, <>& escaped).
        toolCalls: encodeGoJson(this.calls),
        timeout: rule.timeoutMs !== undefined ? formatGoDuration(rule.timeoutMs) : "",
        onTimeout: rule.onTimeout,
        context: encodeGoJson({
          ConversationID: this.agent.conversationId,
          PendingToolCallIndex: 0,
          CompletedToolResults: [],
          AgentName: this.agent.name,
          AgentNamespace: this.agent.namespace,
        }),
      },
    };
  }

  /** ARK's `tool_approval_request` stream event (`timeout` and `onTimeout` left out when empty). */
  requestEvent(taskId: string): Record<string, unknown> {
    const rule = this.rule ?? { required: true, onTimeout: "reject" };
    const event: Record<string, unknown> = { type: "tool_approval_request", taskId, toolCalls: this.calls };
    if (rule.timeoutMs !== undefined) event.timeout = formatGoDuration(rule.timeoutMs);
    if (rule.onTimeout) event.onTimeout = rule.onTimeout;
    event.agentName = this.agent.name;
    return event;
  }
}

/** The arguments the human approved (the recorded call's), else the call's own. */
function approvedArguments(call: ApprovalToolCall | undefined, fallback: Record<string, unknown>): Record<string, unknown> {
  const text = call?.function.arguments ?? "";
  if (text.trim() === "") return fallback;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fallback;
  } catch {
    return fallback;
  }
}

/**
 * The `toolCalls` metadata string of an approval task, parsed.
 * @returns the calls, or a string saying what is wrong
 */
export function parseApprovalToolCalls(text: string | undefined): ApprovalToolCall[] | string {
  if (text === undefined) return "the A2ATask has no toolCalls in status.protocolMetadata";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `failed to parse toolCalls of the A2ATask: ${(error as Error).message}`;
  }
  if (!Array.isArray(value)) return "failed to parse toolCalls of the A2ATask: not a JSON array";
  const calls: ApprovalToolCall[] = [];
  for (const item of value) {
    const fn = (item as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof fn?.name !== "string") return "failed to parse toolCalls of the A2ATask: a call has no function name";
    calls.push({ id: typeof id === "string" ? id : "", function: { arguments: typeof fn.arguments === "string" ? fn.arguments : "", name: fn.name }, type: "function" });
  }
  return calls;
}
