/**
 * The agent's model as a typed, provider-discriminated value. ARK's Model CRD
 * keeps one configuration block per provider (`spec.config.openai`, `.azure`,
 * `.anthropic`, `.bedrock`) whose values are strings after value sources are
 * resolved; {@link typedModel} names the keys each provider has and parses
 * `properties` (`"0.2"` → `0.2`, `"true"` → `true`), so an engine never guesses.
 */

import type { ModelConfig } from "./types.js";
import { ExecutorError } from "./errors.js";
import { isRecord } from "../core/json.js";

/** Model properties (`temperature`, `max_tokens`, …) parsed to their types: numbers and booleans from their text, other text as is. */
export type ModelProperties = Record<string, string | number | boolean>;

/** Fields every provider's model has. */
interface ModelBase {
  /** The model to call (the Model's resolved `spec.model`), e.g. `gpt-4.1`; for Azure, the deployment. */
  model: string;
  /** Extra HTTP headers to send to the provider. */
  headers: Record<string, string>;
  /** Request parameters (`temperature`, `max_tokens`, …), parsed. */
  properties: ModelProperties;
}

/** An OpenAI (or OpenAI-compatible) model. */
export interface OpenAIModel extends ModelBase {
  provider: "openai";
  baseUrl: string;
  apiKey: string;
}

/** An Azure OpenAI model (`model` is the deployment). */
export interface AzureModel extends ModelBase {
  provider: "azure";
  baseUrl: string;
  /** API key auth (`apiKey` or `auth.apiKey`); absent with managed or workload identity. */
  apiKey?: string;
  /** e.g. `2024-10-21`. */
  apiVersion?: string;
  /** Managed or workload identity settings, when the Model uses them instead of a key. */
  identity?: { kind: "managed"; clientId?: string } | { kind: "workload"; clientId: string; tenantId: string };
}

/** An Anthropic model. */
export interface AnthropicModel extends ModelBase {
  provider: "anthropic";
  baseUrl: string;
  apiKey: string;
  /** The `anthropic-version` header value, when set. */
  version?: string;
}

/** An AWS Bedrock model. Credentials absent means the ambient AWS credential chain. */
export interface BedrockModel extends ModelBase {
  provider: "bedrock";
  region?: string;
  baseUrl?: string;
  apiKey?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  modelArn?: string;
  maxTokens?: number;
  temperature?: number;
}

/** A provider this ark-sdk does not know (a newer ARK): the resolved block as found. */
export interface OtherModel extends ModelBase {
  provider: "other";
  /** The provider's name as the Model spells it. */
  name: string;
  config: Record<string, unknown>;
}

/** The agent has no model (ARK lets such a query proceed; the engine decides). */
export interface NoModel {
  provider: "none";
}

/** The agent's model, one variant per provider. Switch on `provider`. */
export type TypedModel = OpenAIModel | AzureModel | AnthropicModel | BedrockModel | OtherModel | NoModel;

/** A model's configuration lacks a value the provider needs (e.g. an OpenAI model without `baseUrl`). */
export class ModelConfigError extends ExecutorError {
  /** The provider block's key at fault, e.g. `openai.baseUrl`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`model configuration ${field}: ${message}`);
    this.field = field;
  }
}

/** `"0.2"` → 0.2, `"true"` → true, `"256"` → 256; anything else stays text. */
export function parseModelProperty(value: string): string | number | boolean {
  const text = value.trim();
  if (text === "true") return true;
  if (text === "false") return false;
  if (/^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  return value;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return { ...out };
}

function properties(value: unknown): ModelProperties {
  const out: ModelProperties = {};
  if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === "string") out[k] = parseModelProperty(v);
      else if (typeof v === "number" || typeof v === "boolean") out[k] = v;
    }
  }
  return out;
}

function optional(block: Record<string, unknown>, key: string): string | undefined {
  const v = block[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function required(block: Record<string, unknown>, provider: string, key: string): string {
  const v = optional(block, key);
  if (v === undefined) throw new ModelConfigError(`${provider}.${key}`, "is required but empty or missing");
  return v;
}

function num(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const parsed = parseModelProperty(value);
    return typeof parsed === "number" ? parsed : undefined;
  }
  return undefined;
}

/**
 * The typed form of a resolved {@link ModelConfig}.
 * @throws ModelConfigError when a value the provider needs is missing
 */
export function typedModel(config: ModelConfig): TypedModel {
  if (config.type === "") return { provider: "none" };
  const block: Record<string, unknown> = isRecord(config.config[config.type]) ? (config.config[config.type] as Record<string, unknown>) : {};
  const base = { model: config.name, headers: stringMap(block.headers), properties: properties(block.properties) };
  switch (config.type) {
    case "openai":
      return { provider: "openai", ...base, baseUrl: required(block, "openai", "baseUrl"), apiKey: required(block, "openai", "apiKey") };
    case "azure": {
      const auth = isRecord(block.auth) ? block.auth : {};
      const model: AzureModel = { provider: "azure", ...base, baseUrl: required(block, "azure", "baseUrl") };
      const apiKey = optional(block, "apiKey") ?? optional(auth, "apiKey");
      if (apiKey !== undefined) model.apiKey = apiKey;
      const apiVersion = optional(block, "apiVersion");
      if (apiVersion !== undefined) model.apiVersion = apiVersion;
      if (isRecord(auth.workloadIdentity)) {
        model.identity = { kind: "workload", clientId: required(auth.workloadIdentity, "azure.auth.workloadIdentity", "clientId"), tenantId: required(auth.workloadIdentity, "azure.auth.workloadIdentity", "tenantId") };
      } else if (isRecord(auth.managedIdentity)) {
        const clientId = optional(auth.managedIdentity, "clientId");
        model.identity = clientId === undefined ? { kind: "managed" } : { kind: "managed", clientId };
      }
      return model;
    }
    case "anthropic": {
      const model: AnthropicModel = { provider: "anthropic", ...base, baseUrl: required(block, "anthropic", "baseUrl"), apiKey: required(block, "anthropic", "apiKey") };
      const version = optional(block, "version");
      if (version !== undefined) model.version = version;
      return model;
    }
    case "bedrock": {
      const model: BedrockModel = { provider: "bedrock", ...base };
      for (const key of ["region", "baseUrl", "apiKey", "accessKeyId", "secretAccessKey", "sessionToken", "modelArn"] as const) {
        const v = optional(block, key);
        if (v !== undefined) model[key] = v;
      }
      const maxTokens = num(block.maxTokens);
      if (maxTokens !== undefined) model.maxTokens = maxTokens;
      const temperature = num(block.temperature);
      if (temperature !== undefined) model.temperature = temperature;
      return model;
    }
    default:
      return { provider: "other", name: config.type, ...base, config: { ...block } };
  }
}
