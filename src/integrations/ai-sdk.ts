/**
 * `ark-sdk/ai-sdk`: the Vercel AI SDK (`ai`) for the agent's model. {@link languageModelFor}
 * turns the Model into an AI SDK language model with its base URL, key,
 * headers and API version passed through (and the execution's abort signal
 * wired into every request); {@link callSettingsFor} turns its `properties`
 * (`temperature`, `max_tokens`, …) into call settings. `ai` and the provider
 * packages are optional peer dependencies, loaded only when this entry point
 * is imported (provider packages only when a model of theirs is asked for).
 *
 * | Model provider | Package |
 * | --- | --- |
 * | `openai` at `api.openai.com` | `@ai-sdk/openai` (Chat Completions, as ARK) |
 * | `openai` at any other base URL | `@ai-sdk/openai-compatible` |
 * | `azure` | `@ai-sdk/azure` (deployment URLs, the Model's `apiVersion`) |
 * | `anthropic` | `@ai-sdk/anthropic` |
 * | `bedrock` | `@ai-sdk/amazon-bedrock` |
 *
 * ```ts
 * import { streamText } from "ai";
 * import { callSettingsFor, languageModelFor } from "ark-sdk/ai-sdk";
 * const model = request.agent.model;
 * const result = streamText({ model: await languageModelFor(model), ...callSettingsFor(model), ...aiSdkTools(ctx), prompt });
 * ```
 *
 * {@link aiSdkTools} hands the agent's tools (`ctx.tools`) to the AI SDK, so
 * the whole tool loop is that one `streamText` call.
 * @module ark-sdk/ai-sdk
 */

import { jsonSchema, stepCountIs, type LanguageModel, type ModelMessage, type StopCondition, type Tool, type ToolSet } from "ai";
import { ArgumentError, ArkSdkError, errorMessage } from "../core/errors.js";
import type { ExecutionContext } from "../executor/execution-context.js";
import { typedModel, type ModelProperties, type TypedModel } from "../executor/model-config.js";
import type { ModelConfig } from "../executor/types.js";
import type { Message, ToolCall } from "../protocol/messages.js";

/** An AI SDK language model object (what `streamText({ model })` takes, minus the gateway's model-id strings). */
export type AiSdkLanguageModel = Exclude<LanguageModel, string>;

/** Options of {@link languageModelFor}. */
export interface LanguageModelOptions {
  /** Aborts every request of the model (pass `ctx.signal`); combined with a call's own `abortSignal`. */
  signal?: AbortSignal | undefined;
  /** The `fetch` the provider uses (default: the global one). */
  fetch?: typeof fetch | undefined;
  /**
   * For `openai` models: `true` uses `@ai-sdk/openai-compatible`, `false` `@ai-sdk/openai`.
   * Default: `@ai-sdk/openai` only when the base URL's host is `api.openai.com`.
   */
  compatible?: boolean | undefined;
  /** For `openai` models through `@ai-sdk/openai`: the Chat Completions API (default, as ARK calls it) or the Responses API. */
  openAIApi?: "chat" | "responses" | undefined;
}

/** The AI SDK provider package a Model needs is not installed. */
export class ProviderPackageMissingError extends ArkSdkError {
  /** The npm package to install, e.g. `@ai-sdk/anthropic`. */
  readonly packageName: string;
  /** The Model's provider, e.g. `anthropic`. */
  readonly provider: string;
  constructor(packageName: string, provider: string, options?: { cause?: unknown }) {
    super(`a ${provider} model needs the AI SDK provider package ${packageName}: npm install ${packageName}`, options);
    this.packageName = packageName;
    this.provider = provider;
  }
}

/** The settings every provider factory of the AI SDK takes, as far as ark-sdk uses them. */
interface ProviderSettings {
  baseURL?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  [key: string]: unknown;
}
/** A provider instance: callable with a model id, some with `.chat(id)`. */
interface ProviderInstance {
  (modelId: string): AiSdkLanguageModel;
  chat?: (modelId: string) => AiSdkLanguageModel;
  responses?: (modelId: string) => AiSdkLanguageModel;
}

function isModuleMissing(error: unknown, packageName: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && errorMessage(error).includes(packageName);
}

/** Imports `packageName` and returns its factory export `factory`. */
async function providerFactory(packageName: string, factory: string, provider: string): Promise<(settings: ProviderSettings) => ProviderInstance> {
  let module: Record<string, unknown>;
  try {
    module = (await import(packageName)) as Record<string, unknown>;
  } catch (error) {
    if (isModuleMissing(error, packageName)) throw new ProviderPackageMissingError(packageName, provider, { cause: error });
    throw error;
  }
  const create = module[factory];
  if (typeof create !== "function") throw new ArkSdkError(`${packageName} has no ${factory}() export: ark-sdk/ai-sdk expects the AI SDK v6 provider API`);
  return create as (settings: ProviderSettings) => ProviderInstance;
}

function modelOf(model: ModelConfig | TypedModel): TypedModel {
  return "provider" in model ? model : typedModel(model);
}

/** A fetch that adds `signal` to every request's own signal. */
function fetchWithSignal(base: typeof fetch, signal: AbortSignal | undefined): typeof fetch {
  if (!signal) return base;
  return (input, init) => base(input, { ...init, signal: init?.signal ? AbortSignal.any([signal, init.signal]) : signal });
}

function isOpenAIHost(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === "api.openai.com";
  } catch {
    return false;
  }
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/**
 * An AI SDK language model for the agent's model, with the Model's base URL,
 * key, headers and API version, and `options.signal` on every request.
 * Provider packages load on first use (see the module's table).
 * @throws ProviderPackageMissingError when the provider's package is not installed (names the package to install)
 * @throws ArgumentError for an agent without a model, an Azure model without an API key, or a provider ARK does not define
 * @throws ModelConfigError when a value the provider needs is missing
 */
export async function languageModelFor(model: ModelConfig | TypedModel, options: LanguageModelOptions = {}): Promise<AiSdkLanguageModel> {
  const m = modelOf(model);
  const fetcher = fetchWithSignal(options.fetch ?? globalThis.fetch, options.signal);
  switch (m.provider) {
    case "openai": {
      const compatible = options.compatible ?? !isOpenAIHost(m.baseUrl);
      if (compatible) {
        const create = await providerFactory("@ai-sdk/openai-compatible", "createOpenAICompatible", "openai");
        return create({ name: "openai-compatible", baseURL: trimSlash(m.baseUrl), apiKey: m.apiKey, headers: m.headers, fetch: fetcher, includeUsage: true })(m.model);
      }
      const create = await providerFactory("@ai-sdk/openai", "createOpenAI", "openai");
      const provider = create({ baseURL: trimSlash(m.baseUrl), apiKey: m.apiKey, headers: m.headers, fetch: fetcher });
      const pick = options.openAIApi === "responses" ? provider.responses : provider.chat;
      return pick ? pick(m.model) : provider(m.model);
    }
    case "azure": {
      if (m.apiKey === undefined) throw new ArgumentError("model", "an Azure model without an API key (managed or workload identity) needs a token: build the @ai-sdk/azure provider yourself with its headers");
      const create = await providerFactory("@ai-sdk/azure", "createAzure", "azure");
      // ARK's Azure base URL is the resource endpoint; @ai-sdk/azure wants it with /openai and builds /deployments/<model>/….
      const base = trimSlash(m.baseUrl);
      const provider = create({
        baseURL: base.endsWith("/openai") ? base : `${base}/openai`,
        apiKey: m.apiKey,
        headers: m.headers,
        fetch: fetcher,
        useDeploymentBasedUrls: true,
        ...(m.apiVersion ? { apiVersion: m.apiVersion } : {}),
      });
      return provider.chat ? provider.chat(m.model) : provider(m.model);
    }
    case "anthropic": {
      const create = await providerFactory("@ai-sdk/anthropic", "createAnthropic", "anthropic");
      // ARK's base URL is the API root (the Go client appends /v1/…); @ai-sdk/anthropic's includes /v1.
      const base = trimSlash(m.baseUrl);
      const headers = m.version !== undefined ? { "anthropic-version": m.version, ...m.headers } : m.headers;
      return create({ baseURL: /\/v\d+$/.test(base) ? base : `${base}/v1`, apiKey: m.apiKey, headers, fetch: fetcher })(m.model);
    }
    case "bedrock": {
      const create = await providerFactory("@ai-sdk/amazon-bedrock", "createAmazonBedrock", "bedrock");
      const settings: ProviderSettings = { headers: m.headers, fetch: fetcher };
      if (m.region !== undefined) settings.region = m.region;
      if (m.baseUrl !== undefined) settings.baseURL = m.baseUrl;
      if (m.apiKey !== undefined) settings.apiKey = m.apiKey;
      if (m.accessKeyId !== undefined) settings.accessKeyId = m.accessKeyId;
      if (m.secretAccessKey !== undefined) settings.secretAccessKey = m.secretAccessKey;
      if (m.sessionToken !== undefined) settings.sessionToken = m.sessionToken;
      return create(settings)(m.modelArn ?? m.model);
    }
    case "none":
      throw new ArgumentError("model", "the agent has no model");
    default:
      throw new ArgumentError("model", `ark-sdk/ai-sdk does not know the ${m.name} provider: build its AI SDK provider yourself from model.config`);
  }
}

/** Call settings of the AI SDK (`streamText` / `generateText` options) taken from a Model. */
export interface ModelCallSettings {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  stopSequences?: string[];
  seed?: number;
  /** The execution's signal (from `options.signal`). */
  abortSignal?: AbortSignal;
  /**
   * The Model's other properties, for the provider: raw under `openaiCompatible` (sent in the request body
   * as is) and camel-cased under `openai`, `azure`, `anthropic`, `bedrock` (each provider keeps the keys it knows).
   */
  providerOptions?: Record<string, Record<string, string | number | boolean>>;
}

/** Options of {@link callSettingsFor}. */
export interface CallSettingsOptions {
  /** Sets `abortSignal` (pass `ctx.signal`). */
  signal?: AbortSignal | undefined;
}

/** ARK's (OpenAI-style) property names → the AI SDK's call settings. */
const NUMERIC_SETTINGS: Record<string, keyof ModelCallSettings> = {
  temperature: "temperature",
  max_tokens: "maxOutputTokens",
  max_completion_tokens: "maxOutputTokens",
  maxTokens: "maxOutputTokens",
  top_p: "topP",
  top_k: "topK",
  presence_penalty: "presencePenalty",
  frequency_penalty: "frequencyPenalty",
  seed: "seed",
};

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * The AI SDK call settings of the agent's model: `temperature`, `max_tokens`,
 * `top_p`, `top_k`, `presence_penalty`, `frequency_penalty`, `seed` and `stop`
 * from its (parsed) properties, Bedrock's `temperature`/`maxTokens`, the other
 * properties as provider options, and the abort signal. Spread it into
 * `streamText`/`generateText`.
 * @throws ArgumentError for an agent without a model, or a property named above whose value is not a number
 */
export function callSettingsFor(model: ModelConfig | TypedModel, options: CallSettingsOptions = {}): ModelCallSettings {
  const m = modelOf(model);
  if (m.provider === "none") throw new ArgumentError("model", "the agent has no model");
  const settings: ModelCallSettings = {};
  const rest: ModelProperties = {};
  for (const [key, value] of Object.entries(m.properties)) {
    const setting = NUMERIC_SETTINGS[key];
    if (setting !== undefined) {
      if (typeof value !== "number") throw new ArgumentError(`model.properties.${key}`, `must be a number, got ${JSON.stringify(value)}`);
      (settings as Record<string, number>)[setting] = value;
    } else if (key === "stop") {
      settings.stopSequences = [String(value)];
    } else {
      rest[key] = value;
    }
  }
  if (m.provider === "bedrock") {
    if (m.temperature !== undefined) settings.temperature ??= m.temperature;
    if (m.maxTokens !== undefined) settings.maxOutputTokens ??= m.maxTokens;
  }
  if (Object.keys(rest).length > 0) {
    const camelCased = Object.fromEntries(Object.entries(rest).map(([k, v]) => [camel(k), v]));
    settings.providerOptions = { openaiCompatible: rest, openai: camelCased, azure: camelCased, anthropic: camelCased, bedrock: camelCased };
  }
  if (options.signal) settings.abortSignal = options.signal;
  return settings;
}

/** Options of {@link aiSdkTools}. */
export interface AiSdkToolsOptions {
  /** Most model calls of one loop (default 25; ARK's own engine has no limit). */
  maxSteps?: number | undefined;
}

/** What {@link aiSdkTools} returns: spread it into `streamText` / `generateText`. */
export interface AiSdkToolLoop {
  /** One AI SDK tool per tool of the agent: its description, its JSON schema, `execute` through `ctx.tools.call`. */
  tools: ToolSet;
  /** `ctx.signal`, also aborted (with the tool's error as the reason) when a tool call fails. */
  abortSignal: AbortSignal;
  /** Stop after `maxSteps` model calls, or once ARK's `terminate` builtin ran. */
  stopWhen: StopCondition<ToolSet>[];
}

/**
 * The agent's tools for the AI SDK: spread the result into `streamText` (or
 * `generateText`) and the model's tool calls run through `ctx.tools.call`
 * (each streamed to ARK's broker as a tool-call chunk, approval applied, the
 * call aborted with the execution), step after step, in that one call.
 *
 * As in ARK, a tool call that fails (the tool cannot run, needs approval the
 * engine lacks, or errs) fails the execution: the loop's `abortSignal` aborts
 * with the tool's error, so `await result.text` rejects with it. A result the
 * tool reports as an error in-band (an MCP `isError`, a rejected approval)
 * goes back to the model as the tool's output, as ARK does. The text the model
 * sees is the tool's `content`.
 *
 * ```ts
 * const result = streamText({ model, ...callSettingsFor(model), ...aiSdkTools(ctx), messages });
 * for await (const text of result.textStream) await ctx.streamChunk(text);
 * ```
 */
export function aiSdkTools(ctx: Pick<ExecutionContext, "tools" | "signal">, options: AiSdkToolsOptions = {}): AiSdkToolLoop {
  const failed = new AbortController();
  const abortSignal = AbortSignal.any([ctx.signal, failed.signal]);
  let terminated = false;
  const tools: ToolSet = {};
  for (const agentTool of ctx.tools.list()) {
    const name = agentTool.name;
    const definition: Tool<Record<string, unknown>, string> = {
      description: agentTool.description,
      inputSchema: jsonSchema<Record<string, unknown>>(agentTool.inputSchema),
      execute: async (input, { toolCallId, abortSignal: signal }) => {
        try {
          const result = await ctx.tools.call(name, input, { toolCallId, ...(signal ? { signal } : {}) });
          if (result.terminate) terminated = true;
          return result.content;
        } catch (error) {
          if (!failed.signal.aborted) failed.abort(error);
          throw error;
        }
      },
    };
    tools[name] = definition;
  }
  return { tools, abortSignal, stopWhen: [stepCountIs(options.maxSteps ?? 25), () => terminated] };
}

function parseInput(call: ToolCall): unknown {
  try {
    return JSON.parse(call.function.arguments === "" ? "{}" : call.function.arguments) as unknown;
  } catch {
    return call.function.arguments;
  }
}

/**
 * ARK messages (`ctx.history()`, the request's input) as AI SDK model
 * messages: assistant tool calls become `tool-call` parts, tool messages
 * `tool-result` parts (named after the call they answer).
 * @throws ArgumentError for a role the AI SDK has no message for
 */
export function toModelMessages(messages: readonly Message[]): ModelMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((message, i): ModelMessage => {
    switch (message.role) {
      case "system":
        return { role: "system", content: message.content };
      case "user":
        return { role: "user", content: message.content };
      case "assistant": {
        const calls = message.toolCalls ?? [];
        if (calls.length === 0) return { role: "assistant", content: message.content };
        for (const call of calls) toolNames.set(call.id, call.function.name);
        return {
          role: "assistant",
          content: [
            ...(message.content ? [{ type: "text" as const, text: message.content }] : []),
            ...calls.map((call) => ({ type: "tool-call" as const, toolCallId: call.id, toolName: call.function.name, input: parseInput(call) })),
          ],
        };
      }
      case "tool": {
        const toolCallId = message.toolCallId ?? "";
        return { role: "tool", content: [{ type: "tool-result", toolCallId, toolName: toolNames.get(toolCallId) ?? message.name ?? "", output: { type: "text", value: message.content } }] };
      }
      default:
        throw new ArgumentError(`messages[${i}].role`, `the AI SDK has no message of role ${JSON.stringify(message.role)}`);
    }
  });
}

/**
 * AI SDK model messages (e.g. `(await result.response).messages`: the
 * assistant's answers, tool calls and tool results of a loop) as the ARK
 * messages `executeAgent` returns. Text parts are joined; tool outputs become
 * their text (JSON outputs as JSON text).
 */
export function fromModelMessages(messages: readonly ModelMessage[]): Message[] {
  const out: Message[] = [];
  for (const message of messages) {
    if (message.role === "tool") {
      for (const part of message.content) {
        if (part.type !== "tool-result") continue;
        const output = part.output;
        const content = output.type === "text" || output.type === "error-text" ? output.value
          : output.type === "json" || output.type === "error-json" ? JSON.stringify(output.value)
          : output.type === "execution-denied" ? (output.reason ?? "Tool execution rejected")
          : output.value.map((p) => (p.type === "text" ? p.text : "")).join("");
        out.push({ role: "tool", content, toolCallId: part.toolCallId });
      }
      continue;
    }
    if (typeof message.content === "string") {
      out.push({ role: message.role, content: message.content });
      continue;
    }
    let text = "";
    const toolCalls: ToolCall[] = [];
    for (const part of message.content) {
      if (part.type === "text") text += part.text;
      else if (part.type === "tool-call") toolCalls.push({ id: part.toolCallId, type: "function", function: { name: part.toolName, arguments: JSON.stringify(part.input ?? {}) } });
    }
    out.push(toolCalls.length > 0 ? { role: message.role, content: text, toolCalls } : { role: message.role, content: text });
  }
  return out;
}
