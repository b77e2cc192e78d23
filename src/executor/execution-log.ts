/**
 * The lifecycle lines of executions, in one place: start (debug), end with
 * duration and token usage (info), cancel, timeout and shutdown with their
 * cause (info), a resolution failure (warn) and an engine exception with its
 * stack (error). Entries are built only when the logger writes their level
 * (`Logger.isEnabled`), so a quiet engine pays one call per line. Errors
 * logged here are remembered so that the layers above do not log them again.
 */

import type { LogFields, Logger } from "../core/logger.js";
import { errorMessage } from "../core/errors.js";
import type { TokenUsage } from "../protocol/messages.js";
import type { QueryRef } from "../protocol/query-extension.js";
import { QueryResolutionError } from "../ark/errors.js";
import { ExecutionAbortedError, type AbortCause } from "./errors.js";

/** What one execution is, for its log lines. */
export interface LoggedExecution {
  /** The Query (absent for the REST `/execute` protocol). */
  ref?: QueryRef;
  /** The A2A task, when there is one. */
  taskId?: string;
  /** The agent, once known. */
  agent?: string;
}

const logged = new WeakSet<object>();

/** Whether {@link ExecutionLog.failed} has already logged `error`. */
export function wasLogged(error: unknown): boolean {
  return typeof error === "object" && error !== null && logged.has(error);
}

const ABORT_VERB: Record<AbortCause, string> = {
  "task-canceled": "canceled",
  "query-canceled": "canceled",
  "client-disconnected": "canceled",
  deadline: "timed out",
  shutdown: "aborted",
};

/** Writes the lifecycle lines of executions to one logger. */
export class ExecutionLog {
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  /** Logs the start (debug); returns the start time for the other lines. */
  started(execution: LoggedExecution): number {
    const at = performance.now();
    if (this.logger.isEnabled?.("debug") !== false) this.logger.debug(`${label(execution)} started`, fieldsOf(execution));
    return at;
  }

  /** Logs a successful end with its duration and token usage (info). */
  ended(execution: LoggedExecution, startedAt: number, usage: TokenUsage | undefined): void {
    if (this.logger.isEnabled?.("info") === false) return;
    const ms = Math.round(performance.now() - startedAt);
    const fields = fieldsOf(execution, ms);
    if (usage) Object.assign(fields, { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, totalTokens: usage.totalTokens });
    const tokens = usage ? `, ${usage.totalTokens} tokens (${usage.promptTokens} prompt + ${usage.completionTokens} completion)` : "";
    this.logger.info(`${label(execution)} done in ${ms} ms${tokens}`, fields);
  }

  /**
   * Logs a failed execution: an abort (cancel, timeout, shutdown, hang-up)
   * with its cause at info; a resolution failure at warn; anything else (the
   * engine threw, or its answer was unusable) at error with the stack.
   */
  failed(execution: LoggedExecution, startedAt: number, error: unknown): void {
    const aborted = error instanceof ExecutionAbortedError;
    const level = aborted ? "info" : error instanceof QueryResolutionError ? "warn" : "error";
    if (typeof error === "object" && error !== null) logged.add(error);
    if (this.logger.isEnabled?.(level) === false) return;
    const ms = Math.round(performance.now() - startedAt);
    const fields = fieldsOf(execution, ms);
    if (aborted) {
      fields.cause = error.abortCause;
      this.logger.info(`${label(execution)} ${ABORT_VERB[error.abortCause]} after ${ms} ms: ${error.message}`, fields);
      return;
    }
    const message = `${label(execution)} failed after ${ms} ms: ${errorMessage(error)}`;
    if (level === "warn") return this.logger.warn(message, fields);
    if (error instanceof Error) {
      fields.error = error.name;
      if (typeof error.stack === "string") fields.stack = error.stack;
    }
    this.logger.error(message, fields);
  }
}

function label(execution: LoggedExecution): string {
  return execution.ref ? `query ${execution.ref.namespace}/${execution.ref.name}` : `execution of agent ${execution.agent ?? "?"}`;
}

function fieldsOf(execution: LoggedExecution, durationMs?: number): LogFields {
  // The fields ctx.logger puts on the engine's own lines, so one filter finds both.
  const fields: LogFields = execution.ref ? { query: execution.ref.name, namespace: execution.ref.namespace } : {};
  if (execution.taskId !== undefined) fields.task = execution.taskId;
  if (execution.agent) fields.agent = execution.agent;
  if (durationMs !== undefined) fields.durationMs = durationMs;
  return fields;
}
