/**
 * Errors of `ctx.tools`. Each names the tool; an engine that lets one
 * escape `executeAgent` fails the Query with that message, as ARK's own
 * engine fails a query whose tool call fails.
 */

import { ExecutorError } from "../errors.js";

/** Base class of the tool errors; `toolName` is the name the model called. */
export class ToolError extends ExecutorError {
  readonly toolName: string;
  constructor(toolName: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.toolName = toolName;
  }
}

/** The agent has no tool of that name. */
export class ToolNotFoundError extends ToolError {
  constructor(toolName: string, available: readonly string[]) {
    super(toolName, `tool '${toolName}' is not a tool of this agent (its tools: ${available.length > 0 ? available.join(", ") : "none"})`);
  }
}

/** The engine cannot run the tool (an unsupported kind or setting, a missing optional dependency, no client for sub-queries). */
export class ToolUnavailableError extends ToolError {
  /** Why it cannot run. */
  readonly reason: string;
  constructor(toolName: string, reason: string, options?: { cause?: unknown }) {
    super(toolName, `tool '${toolName}' cannot run: ${reason}`, options);
    this.reason = reason;
  }
}

/** The tool requires human approval (`spec.tools[].approval.required`) and this engine has no approval support wired. */
export class ToolApprovalRequiredError extends ToolError {
  constructor(toolName: string) {
    super(
      toolName,
      `tool '${toolName}' requires human approval (the agent's spec.tools[].approval.required is true) and this engine does not support approval; ` +
        "the call was not made. Remove the approval rule, or run the agent on an engine that supports approval.",
    );
  }
}

/** The call was made and failed: transport error, HTTP status ≥ 400, bad arguments, a failed sub-query, a tool-call timeout. */
export class ToolCallError extends ToolError {
  constructor(toolName: string, message: string, options?: { cause?: unknown }) {
    super(toolName, `tool '${toolName}' failed: ${message}`, options);
  }
}
