/**
 * The class an execution engine extends: one method, `executeAgent`, that
 * turns an `ExecutionEngineRequest` into the answer's messages. Throwing
 * signals failure and makes ARK record the query as failed.
 */

import { ArgumentError } from "../core/errors.js";
import type { ExecutionContext } from "./execution-context.js";
import type { Message } from "../protocol/messages.js";
import { renderTemplate } from "./prompt-template.js";
import type { AgentConfig, ExecutionEngineRequest } from "./types.js";

/** Base class of an execution engine. */
export abstract class BaseExecutor {
  /**
   * The engine's name as written (`super("MyEngine")`), the one place it is given.
   * Where the name identifies the engine (agent card `name`, skill id, `/health`) it is lower-cased.
   */
  readonly engineName: string;

  constructor(engineName: string) {
    if (typeof engineName !== "string" || engineName.trim() === "") throw new ArgumentError("engineName", "BaseExecutor needs a non-empty string");
    this.engineName = engineName;
  }

  /**
   * Runs one query. Return the new messages (the answer is the concatenated
   * content of the assistant messages); throw to fail the query. Honour
   * `ctx.signal`: it fires on cancel, deadline and shutdown.
   */
  abstract executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]>;

  /** Called once by `ExecutorApp.listen()` before the first request (open pools, load models…). */
  async onStart(): Promise<void> {}

  /** Called once by `ExecutorApp.close()` after in-flight executions have ended. */
  async onStop(): Promise<void> {}

  /**
   * The agent's prompt (or `basePrompt` when it has none) with its
   * parameters substituted. ARK's resolver already substitutes them; this is
   * for engines that build prompts from other templates.
   */
  resolvePrompt(agent: AgentConfig, basePrompt = "You are a helpful assistant."): string {
    return renderTemplate(agent.prompt || basePrompt, agent.parameters);
  }
}
