/**
 * `ark-sdk/openai`: the official `openai` client for the agent's model, with
 * the Model's base URL, key, headers and API version passed through and the
 * execution's abort signal wired in. `openai` is an optional peer dependency,
 * loaded only when this entry point is imported.
 *
 * ```ts
 * import { openAIClientFor, chatParams } from "ark-sdk/openai";
 * const client = openAIClientFor(request.agent.model, { signal: ctx.signal });
 * const answer = await client.chat.completions.create({ ...chatParams(request.agent.model), messages });
 * ```
 *
 * The agent's tools (`ctx.tools`) in the client's formats: {@link openAITools}
 * for `chat.completions.create({ tools })` with {@link runOpenAIToolCalls} for
 * a loop of one's own, or {@link openAIRunnableTools} for the client's
 * `chat.completions.runTools()`, which runs the whole loop in one call.
 * @module ark-sdk/openai
 */

import OpenAI, { AzureOpenAI } from "openai";

/** The client's per-request options (not exported by `openai` under a public path). */
type FinalRequestOptions = Parameters<OpenAI["buildRequest"]>[0];
import { ArgumentError } from "../core/errors.js";
import type { ExecutionContext } from "../executor/execution-context.js";
import { typedModel, type ModelProperties, type TypedModel } from "../executor/model-config.js";
import type { ModelConfig } from "../executor/types.js";
import type { Message } from "../protocol/messages.js";

/** Options of {@link openAIClientFor}. */
export interface OpenAIClientOptions {
  /** Aborts every request of the client (pass `ctx.signal`); combined with a request's own signal. */
  signal?: AbortSignal | undefined;
  /** Per-request timeout, ms (the client's default otherwise). */
  timeoutMs?: number | undefined;
  /** Retries of the client (default: the client's, 2). */
  maxRetries?: number | undefined;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch | undefined;
}

// The client recognises a caller's abort only through a request's own `signal`; these subclasses add the
// execution's signal to every request, so an aborted execution reads as APIUserAbortError, not as a timeout.
function withSignal(options: FinalRequestOptions, signal: AbortSignal | undefined): void {
  if (signal) options.signal = options.signal ? AbortSignal.any([signal, options.signal]) : signal;
}

class SignalOpenAI extends OpenAI {
  #signal: AbortSignal | undefined;
  constructor(options: ConstructorParameters<typeof OpenAI>[0], signal: AbortSignal | undefined) {
    super(options);
    this.#signal = signal;
  }
  protected override async prepareOptions(options: FinalRequestOptions): Promise<void> {
    await super.prepareOptions(options);
    withSignal(options, this.#signal);
  }
}

class SignalAzureOpenAI extends AzureOpenAI {
  #signal: AbortSignal | undefined;
  constructor(options: ConstructorParameters<typeof AzureOpenAI>[0], signal: AbortSignal | undefined) {
    super(options);
    this.#signal = signal;
  }
  protected override async prepareOptions(options: FinalRequestOptions): Promise<void> {
    await super.prepareOptions(options);
    withSignal(options, this.#signal);
  }
}

function modelOf(model: ModelConfig | TypedModel): TypedModel {
  return "provider" in model ? model : typedModel(model);
}

/**
 * An `openai` client for the agent's model: `OpenAI` for `openai` models (any
 * OpenAI-compatible server), `AzureOpenAI` for `azure` models (the model name
 * is the deployment; `apiVersion` from the Model).
 * @throws ArgumentError for providers the `openai` client does not speak (anthropic, bedrock) or an agent without a model
 */
export function openAIClientFor(model: ModelConfig | TypedModel, options: OpenAIClientOptions = {}): OpenAI {
  const m = modelOf(model);
  const common = {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
  };
  switch (m.provider) {
    case "openai":
      return new SignalOpenAI({ apiKey: m.apiKey, baseURL: m.baseUrl, defaultHeaders: m.headers, ...common }, options.signal);
    case "azure":
      if (m.apiKey === undefined) throw new ArgumentError("model", "an Azure model without an API key (managed or workload identity) needs an azureADTokenProvider: build AzureOpenAI yourself");
      return new SignalAzureOpenAI({ apiKey: m.apiKey, endpoint: m.baseUrl, deployment: m.model, defaultHeaders: m.headers, ...(m.apiVersion ? { apiVersion: m.apiVersion } : {}), ...common }, options.signal);
    case "none":
      throw new ArgumentError("model", "the agent has no model");
    default:
      throw new ArgumentError("model", `the openai client does not speak the ${m.provider === "other" ? m.name : m.provider} provider`);
  }
}

/** The request parameters of the agent's model: `{ model, ...properties }` (temperature, max_tokens… already parsed). */
export function chatParams(model: ModelConfig | TypedModel): { model: string } & ModelProperties {
  const m = modelOf(model);
  if (m.provider === "none") throw new ArgumentError("model", "the agent has no model");
  return { ...m.properties, model: m.model };
}

/** The part of the execution context the tool adapters use. */
export type ToolsContext = Pick<ExecutionContext, "tools" | "signal">;

/** The agent's tools as Chat Completions function tools (name, description, JSON schema), for `chat.completions.create({ tools })`. */
export function openAITools(ctx: ToolsContext): OpenAI.Chat.ChatCompletionFunctionTool[] {
  return ctx.tools.list().map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.inputSchema } }));
}

/**
 * Runs the model's tool calls through `ctx.tools.call`, one after the other
 * as ARK does (each streamed to ARK's broker as a tool-call chunk, approval
 * applied, aborted with the execution), and returns the tool messages to
 * append to the conversation. A result the tool reports as an error in-band
 * (an MCP `isError`, a rejected approval) is a tool message the model sees.
 * @throws ToolError (from `ctx.tools.call`) when a call fails: as in ARK, that fails the execution
 */
export async function runOpenAIToolCalls(ctx: ToolsContext, toolCalls: readonly OpenAI.Chat.ChatCompletionMessageToolCall[]): Promise<OpenAI.Chat.ChatCompletionToolMessageParam[]> {
  const messages: OpenAI.Chat.ChatCompletionToolMessageParam[] = [];
  for (const call of toolCalls) {
    if (call.type !== "function") throw new ArgumentError("toolCalls", `tool call ${call.id} is of type ${call.type}; ARK's tools are function tools`);
    const result = await ctx.tools.call(call.function.name, call.function.arguments, { toolCallId: call.id });
    messages.push({ role: "tool", tool_call_id: call.id, content: result.content });
  }
  return messages;
}

/** A function tool `chat.completions.runTools()` runs (the client's `RunnableToolFunctionWithoutParse`). */
export interface RunnableTool {
  type: "function";
  function: {
    name: string;
    description: string;
    parameters: Record<string, unknown>;
    /** Calls the tool with the model's raw JSON arguments; returns the tool's text for the model. */
    function: (args: string, runner: { readonly messages: readonly OpenAI.Chat.ChatCompletionMessageParam[] }) => Promise<string>;
  };
}

/**
 * The agent's tools for the client's `chat.completions.runTools()`: the
 * whole tool loop in one call, each call through `ctx.tools.call` (streamed
 * to ARK's broker, approval applied, aborted with the execution). A failing
 * call rejects the runner, failing the execution as in ARK.
 *
 * ```ts
 * const runner = client.chat.completions.runTools({ ...chatParams(model), messages, tools: openAIRunnableTools(ctx), stream: true });
 * runner.on("content", (delta) => void ctx.streamChunk(delta));
 * const answer = await runner.finalContent();
 * ```
 */
export function openAIRunnableTools(ctx: ToolsContext): RunnableTool[] {
  const used = new Set<string>();
  return ctx.tools.list().map((tool) => ({
    type: "function",
    function: {
      name: tool.name,
      description: tool.description,
      parameters: tool.inputSchema,
      function: async (args, runner) => {
        const toolCallId = callIdOf(runner.messages, tool.name, args, used);
        return (await ctx.tools.call(tool.name, args, toolCallId !== undefined ? { toolCallId } : {})).content;
      },
    },
  }));
}

/** The id of the model's (not yet run) call of `name` with `args`: the runner passes only the arguments to a tool function. */
function callIdOf(messages: readonly OpenAI.Chat.ChatCompletionMessageParam[], name: string, args: string, used: Set<string>): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role !== "assistant" || !message.tool_calls) continue;
    const call = message.tool_calls.find((c) => c.type === "function" && c.function.name === name && c.function.arguments === args && !used.has(c.id));
    if (call) {
      used.add(call.id);
      return call.id;
    }
    return undefined;
  }
  return undefined;
}

/**
 * ARK messages (`ctx.history()`, the request's input) as Chat Completions
 * messages (`toolCalls` → `tool_calls`, `toolCallId` → `tool_call_id`).
 * @throws ArgumentError for a role Chat Completions has no message for
 */
export function toOpenAIMessages(messages: readonly Message[]): OpenAI.Chat.ChatCompletionMessageParam[] {
  return messages.map((message, i): OpenAI.Chat.ChatCompletionMessageParam => {
    switch (message.role) {
      case "system":
        return { role: "system", content: message.content };
      case "developer":
        return { role: "developer", content: message.content };
      case "user":
        return { role: "user", content: message.content };
      case "assistant":
        return message.toolCalls?.length ? { role: "assistant", content: message.content || null, tool_calls: message.toolCalls.map((c) => ({ id: c.id, type: "function", function: { ...c.function } })) } : { role: "assistant", content: message.content };
      case "tool":
        return { role: "tool", tool_call_id: message.toolCallId ?? "", content: message.content };
      default:
        throw new ArgumentError(`messages[${i}].role`, `Chat Completions has no message of role ${JSON.stringify(message.role)}`);
    }
  });
}

/**
 * Chat Completions messages (e.g. the new messages of a `runTools()` runner:
 * the assistant's answers, tool calls and tool results) as the ARK messages
 * `executeAgent` returns. Text content parts are joined.
 */
export function fromOpenAIMessages(messages: readonly OpenAI.Chat.ChatCompletionMessageParam[]): Message[] {
  return messages.map((message): Message => {
    const content = typeof message.content === "string" ? message.content : (message.content ?? []).map((p) => ("text" in p ? p.text : "")).join("");
    if (message.role === "tool") return { role: "tool", content, toolCallId: message.tool_call_id };
    if (message.role === "assistant" && message.tool_calls?.length) {
      const toolCalls = message.tool_calls.flatMap((c) => (c.type === "function" ? [{ id: c.id, type: "function" as const, function: { name: c.function.name, arguments: c.function.arguments } }] : []));
      return { role: "assistant", content, toolCalls };
    }
    return { role: message.role, content };
  });
}
