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
 * @module ark-sdk/openai
 */

import OpenAI, { AzureOpenAI } from "openai";

/** The client's per-request options (not exported by `openai` under a public path). */
type FinalRequestOptions = Parameters<OpenAI["buildRequest"]>[0];
import { ArgumentError } from "../core/errors.js";
import { typedModel, type ModelProperties, type TypedModel } from "../executor/model-config.js";
import type { ModelConfig } from "../executor/types.js";

/** Options of {@link openAIClientFor}. */
export interface OpenAIClientOptions {
  /** Aborts every request of the client (pass `ctx.signal`); combined with a request's own signal. */
  signal?: AbortSignal;
  /** Per-request timeout, ms (the client's default otherwise). */
  timeoutMs?: number;
  /** Retries of the client (default: the client's, 2). */
  maxRetries?: number;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
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
