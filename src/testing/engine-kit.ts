/**
 * The engine test kit: build an `ExecutionEngineRequest` with sensible
 * defaults ({@link engineRequest}) and run an executor directly, with a real
 * execution context, collecting everything it produced ({@link runEngine}):
 * the answer, every streamed chunk and tool call, usage, phase updates, and
 * the error, if any. No server, no cluster, no network.
 */

import { errorMessage } from "../core/errors.js";
import { ExecutorError } from "../executor/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import type { BaseExecutor } from "../executor/base-executor.js";
import type { StreamedToolCall } from "../executor/broker-client.js";
import { ExecutionRun } from "../executor/execution-context.js";
import type { ExecutionEngineRequest, ModelConfig } from "../executor/types.js";
import type { Message, TokenUsage } from "../protocol/messages.js";
import type { QueryRef } from "../protocol/query-extension.js";
import type { ToolHost } from "../executor/tools/toolbox.js";

/** What {@link engineRequest} takes: any field of the request, plus shortcuts. */
export interface EngineRequestInit extends Partial<Omit<ExecutionEngineRequest, "agent">> {
  /** The user's input (shortcut for `userInput`). */
  input?: string | undefined;
  /** Fields of the agent (name, prompt, model, …). */
  agent?: Partial<ExecutionEngineRequest["agent"]> | undefined;
  /** Shortcut: an OpenAI-compatible model at this base URL (e.g. a local model server's `url`). */
  modelUrl?: string | undefined;
}

/** The model {@link engineRequest} uses with `modelUrl`: provider `openai`, model `test-model`, key `test-key`. */
export function testModel(baseUrl: string, name = "test-model"): ModelConfig {
  return { name, type: "openai", config: { openai: { baseUrl, apiKey: "test-key", headers: {}, properties: {} } } };
}

/** A complete `ExecutionEngineRequest` with defaults for every field you leave out. */
export function engineRequest(init: EngineRequestInit = {}): ExecutionEngineRequest {
  const { input, agent, modelUrl, ...rest } = init;
  return {
    userInput: { role: "user", content: input ?? "Hello" },
    mcpServers: [],
    conversationId: "",
    queryAnnotations: {},
    executionEngineAnnotations: {},
    ...rest,
    agent: {
      name: "test-agent",
      namespace: "default",
      prompt: "You are a helpful assistant.",
      description: "",
      parameters: [],
      model: modelUrl !== undefined ? testModel(modelUrl) : { name: "", type: "", config: {} },
      labels: {},
      annotations: {},
      ...agent,
    },
  };
}

/** A phase update the engine made (`ctx.updateQueryPhase`). */
export interface RecordedPhase {
  phase: string;
  reason: string;
  message: string;
}

/** Everything one execution produced. */
export interface EngineRunResult {
  /** The messages `executeAgent` returned (`[]` when it failed). */
  messages: Message[];
  /** The text ARK would record: the assistant messages' contents joined with no separator (ARK's joining of text parts). */
  text: string;
  /** Every `ctx.streamChunk` text, in order. */
  chunks: string[];
  /** Every `ctx.streamToolCall`, in order. */
  toolCalls: StreamedToolCall[];
  /** The summed `ctx.reportUsage` (undefined when never reported). */
  usage: TokenUsage | undefined;
  /** Every `ctx.updateQueryPhase`. */
  phases: RecordedPhase[];
  /** What `executeAgent` threw (or the abort cause), else undefined. */
  error: unknown;
  /** How long `executeAgent` took, ms. */
  durationMs: number;
}

/** Options of {@link runEngine}. */
export interface RunEngineOptions {
  /** Aborts the execution (its `ctx.signal` fires with cause `task-canceled`). */
  signal?: AbortSignal | undefined;
  /** Aborts the execution after this long, ms (cause `deadline`, like a Query's `spec.timeout`). */
  timeoutMs?: number | undefined;
  /** The query reference the context carries (default: a Query `test-query` in `request.agent.namespace`). */
  queryRef?: QueryRef | undefined;
  /** The context's logger (default: silent). */
  logger?: Logger | undefined;
  /**
   * What runs the request's tools besides the request itself: `subQueries`
   * for agent/team tools (e.g. `subQueryRunner(ark)`), `approve` for tools
   * that require approval. Default: neither (such calls fail with a clear error).
   */
  tools?: ToolHost | undefined;
}

/**
 * Runs `executor.executeAgent(request, ctx)` with a real execution context and
 * collects what it produced. Never throws for the engine's failure: it is in
 * `error`.
 */
export async function runEngine(executor: BaseExecutor, request: ExecutionEngineRequest | string = engineRequest(), options: RunEngineOptions = {}): Promise<EngineRunResult> {
  const req = typeof request === "string" ? engineRequest({ input: request }) : request;
  const chunks: string[] = [];
  const toolCalls: StreamedToolCall[] = [];
  const phases: RecordedPhase[] = [];
  const queryRef = options.queryRef ?? { name: "test-query", namespace: req.agent.namespace, conversationId: req.conversationId };
  const run = new ExecutionRun({
    queryRef,
    conversationId: req.conversationId,
    taskId: "test-task",
    caller: undefined,
    logger: options.logger ?? silentLogger,
    sinks: {
      broker: {
        sendChunk: async (content: string, _finish?: string | null, calls?: StreamedToolCall[]) => {
          if (content) chunks.push(content);
          if (calls) toolCalls.push(...calls.map((c) => structuredClone(c)));
        },
      },
      status: {
        updatePhase: async (_ref, phase, reason, message) => {
          phases.push({ phase, reason, message });
        },
      },
    },
  });
  // ctx.history() answers the request's `history` (as on the REST /execute protocol).
  run.historySource = req.history;
  run.linkAbort(options.signal, "task-canceled");
  run.setDeadline(options.timeoutMs);
  run.attachTools(req, options.tools);
  const started = performance.now();
  let messages: Message[] = [];
  let error: unknown;
  try {
    const answer = executor.executeAgent(req, run);
    // An engine that ignores ctx.signal still ends here when the execution is aborted.
    const aborted = new Promise<never>((_, reject) => run.onAbort(() => reject(run.abortError)));
    aborted.catch(() => undefined);
    messages = await Promise.race([answer, aborted]);
    if (!Array.isArray(messages)) throw new ExecutorError(`executeAgent must return an array of messages, got ${typeof messages}`);
  } catch (thrown) {
    error = thrown;
    messages = [];
  } finally {
    run.dispose();
    await run.closeTools();
  }
  const text = messages.filter((m) => m.role === "assistant").map((m) => m.content).join("");
  if (error !== undefined && options.logger) options.logger.debug(`engine failed: ${errorMessage(error)}`);
  return { messages, text, chunks, toolCalls, usage: run.usage, phases, error, durationMs: performance.now() - started };
}
