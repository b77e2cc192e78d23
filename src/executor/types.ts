/**
 * What an engine is asked to run (`ExecutionEngineRequest`) and what it
 * answers (`ExecutionEngineResponse`). Field names are idiomatic camelCase
 * in TypeScript; `toWireRequest`/`fromWireRequest` convert to and from the
 * Python SDK's JSON (mixed `userInput` / `query_annotations` names), used by
 * the REST `/execute` protocol.
 */

import { WireFormatError } from "../protocol/errors.js";
import { fromWireMessage, toWireMessage, toWireTokenUsage, type Message, type TokenUsage } from "../protocol/messages.js";
import { isRecord, setOwn } from "../core/json.js";
import type { ToolConfig } from "./tools/types.js";

/** A resolved agent parameter (prompt template variable). */
export interface ResolvedParameter {
  /** The parameter's name, as the prompt template refers to it. */
  name: string;
  /** Its value, with any value source (Secret, ConfigMap, query parameter) already read. */
  value: string;
}

/**
 * The agent's model, with every value source resolved. `config` holds one
 * entry keyed by provider, e.g. `{ openai: { apiKey, baseUrl, properties, headers } }`;
 * headers and properties are flattened to `name → value`.
 */
export interface ModelConfig {
  /** The model name to call (the Model's resolved `spec.model`). */
  name: string;
  /** Provider: `openai`, `azure`, `bedrock`, `anthropic`, or `""` when the agent has no model. */
  type: string;
  /** Provider settings, one entry keyed by `type` (see above). */
  config: Record<string, Record<string, unknown>>;
}

/** The agent an engine runs. */
export interface AgentConfig {
  /** The Agent's name. */
  name: string;
  /** The Agent's namespace. */
  namespace: string;
  /** The prompt with its parameters already substituted. */
  prompt: string;
  /** The Agent's `spec.description`; `""` when unset. */
  description: string;
  /** The Agent's parameters, values resolved. */
  parameters: ResolvedParameter[];
  /** The model the agent uses. */
  model: ModelConfig;
  /** The Agent's labels. */
  labels: Record<string, string>;
  /** The Agent's annotations. */
  annotations: Record<string, string>;
  /** The agent's `spec.outputSchema` (JSON Schema for structured output), when set. */
  outputSchema?: Record<string, unknown>;
  /**
   * Every tool of the agent (`spec.tools`), resolved: name, description,
   * JSON input schema, kind-specific settings and approval rule. Run them
   * through `ctx.tools`. Absent on requests from callers that send only
   * `mcpServers` (then `ctx.tools` lists those servers' tools).
   */
  tools?: ToolConfig[];
}

/** An MCP server and the tool names of it the agent may use. */
export interface MCPServerConfig {
  /** The MCPServer's name. */
  name: string;
  /** Its resolved address. */
  url: string;
  /** `http` (streamable HTTP) or `sse`. */
  transport: string;
  /** Go duration, e.g. `30s`: the MCPServer's `spec.timeout` (on ARK ≥ 0.1.68 it bounds connection setup only). */
  timeout: string;
  /**
   * Go duration bounding each tool call: `spec.toolCallTimeout` on ARK ≥ 0.1.68,
   * else `spec.timeout` (which bounded tool calls before). Absent on requests
   * from callers that do not send it.
   */
  toolCallTimeout?: string;
  /** Headers to send, values resolved: `spec.headers`, the bearer token of `spec.authorization.tokenSecretRef`, then Agent and Query `spec.overrides`. */
  headers: Record<string, string>;
  /** The names of this server's tools the agent may call. */
  tools: string[];
}

/** A function tool handed inline to an engine (older `/execute` protocol only). */
export interface ToolDefinition {
  /** The function's name. */
  name: string;
  /** What the function does, for the model. */
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
}

/** Everything an engine needs to run one query. */
export interface ExecutionEngineRequest {
  /** The agent to run. */
  agent: AgentConfig;
  /** The user's message (the Query's input). */
  userInput: Message;
  /** The MCP servers whose tools the agent may use. */
  mcpServers: MCPServerConfig[];
  /** Conversation scope (memory key); `""` when none. */
  conversationId: string;
  /** The Query's annotations. */
  queryAnnotations: Record<string, string>;
  /** The ExecutionEngine's annotations (engine settings). */
  executionEngineAnnotations: Record<string, string>;
  /** How long the broker keeps this query's messages (the Query's `spec.ttl`), when set. */
  messageTtlSeconds?: number;
  /** Prior messages, sent only by callers of the older `/execute` protocol. */
  history?: Message[];
  /** Inline tools, sent only by callers of the older `/execute` protocol. */
  tools?: ToolDefinition[];
}

/** The answer of the older REST `/execute` protocol. */
export interface ExecutionEngineResponse {
  /** The messages the engine produced. */
  messages: Message[];
  /** Non-empty when the execution failed. */
  error: string;
  /** Tokens used, when the engine reports them. */
  tokenUsage?: TokenUsage;
}

function str(value: unknown, path: string, fallback?: string): string {
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw new WireFormatError(path, "is required");
  }
  if (typeof value !== "string") throw new WireFormatError(path, "must be a string");
  return value;
}

function stringMap(value: unknown, path: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new WireFormatError(path, "must be an object of strings");
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) setOwn(out, k, str(v, `${path}.${k}`));
  return out;
}

function list<T>(value: unknown, path: string, read: (item: unknown, at: string) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new WireFormatError(path, "must be an array");
  return value.map((item, i) => read(item, `${path}[${i}]`));
}

function object(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw new WireFormatError(path, "must be an object");
  return value;
}

function readModel(value: unknown, path: string): ModelConfig {
  if (value === undefined || value === null) return { name: "", type: "", config: {} };
  const m = object(value, path);
  const config: Record<string, Record<string, unknown>> = {};
  for (const [provider, block] of Object.entries(isRecord(m.config) ? m.config : {})) setOwn(config, provider, object(block, `${path}.config.${provider}`));
  return { name: str(m.name, `${path}.name`, ""), type: str(m.type, `${path}.type`, ""), config };
}

function readAgent(value: unknown, path: string): AgentConfig {
  const a = object(value, path);
  const agent: AgentConfig = {
    name: str(a.name, `${path}.name`),
    namespace: str(a.namespace, `${path}.namespace`, ""),
    prompt: str(a.prompt, `${path}.prompt`, ""),
    description: str(a.description, `${path}.description`, ""),
    parameters: list(a.parameters, `${path}.parameters`, (p, at) => {
      const o = object(p, at);
      return { name: str(o.name, `${at}.name`), value: str(o.value, `${at}.value`, "") };
    }),
    model: readModel(a.model, `${path}.model`),
    labels: stringMap(a.labels, `${path}.labels`),
    annotations: stringMap(a.annotations, `${path}.annotations`),
  };
  if (a.outputSchema !== undefined && a.outputSchema !== null) agent.outputSchema = object(a.outputSchema, `${path}.outputSchema`);
  return agent;
}

function readMcpServer(value: unknown, path: string): MCPServerConfig {
  const s = object(value, path);
  return {
    name: str(s.name, `${path}.name`),
    url: str(s.url, `${path}.url`),
    transport: str(s.transport, `${path}.transport`, "http"),
    timeout: str(s.timeout, `${path}.timeout`, "30s"),
    headers: stringMap(s.headers, `${path}.headers`),
    tools: list(s.tools, `${path}.tools`, (t, at) => str(t, at)),
    ...(s.toolCallTimeout === undefined || s.toolCallTimeout === null ? {} : { toolCallTimeout: str(s.toolCallTimeout, `${path}.toolCallTimeout`) }),
  };
}

function readTool(value: unknown, path: string): ToolDefinition {
  const t = object(value, path);
  const parameters = t.parameters === undefined || t.parameters === null ? {} : object(t.parameters, `${path}.parameters`);
  return { name: str(t.name, `${path}.name`), description: str(t.description, `${path}.description`, ""), parameters };
}

/**
 * Reads an `ExecutionEngineRequest` from the JSON of the `/execute` protocol
 * (both the Python SDK's current field names and the older `history`/`tools` form).
 * @throws WireFormatError naming the bad field
 */
export function fromWireRequest(value: unknown): ExecutionEngineRequest {
  const r = object(value, "request");
  const request: ExecutionEngineRequest = {
    agent: readAgent(r.agent, "agent"),
    userInput: fromWireMessage(r.userInput, "userInput"),
    mcpServers: list(r.mcpServers, "mcpServers", readMcpServer),
    conversationId: str(r.conversationId, "conversationId", ""),
    queryAnnotations: stringMap(r.query_annotations ?? r.queryAnnotations, "query_annotations"),
    executionEngineAnnotations: stringMap(r.execution_engine_annotations ?? r.executionEngineAnnotations, "execution_engine_annotations"),
  };
  const ttl = r.message_ttl_seconds ?? r.messageTtlSeconds;
  if (ttl !== undefined && ttl !== null) {
    if (typeof ttl !== "number" || !Number.isSafeInteger(ttl) || ttl < 0) {
      throw new WireFormatError("message_ttl_seconds", "must be a non-negative integer");
    }
    request.messageTtlSeconds = ttl;
  }
  if (r.history !== undefined && r.history !== null) request.history = list(r.history, "history", fromWireMessage);
  if (r.tools !== undefined && r.tools !== null) request.tools = list(r.tools, "tools", readTool);
  return request;
}

/** The Python SDK's JSON form of a request (what `/execute` callers send). */
export function toWireRequest(request: ExecutionEngineRequest): Record<string, unknown> {
  // Resolved tools are for in-process engines (ctx.tools); the Python SDK's wire form has none.
  const { outputSchema, tools: _tools, ...agent } = request.agent;
  const wire: Record<string, unknown> = {
    agent: outputSchema ? { ...agent, outputSchema } : agent,
    userInput: toWireMessage(request.userInput),
    mcpServers: request.mcpServers,
    conversationId: request.conversationId,
    query_annotations: request.queryAnnotations,
    execution_engine_annotations: request.executionEngineAnnotations,
    message_ttl_seconds: request.messageTtlSeconds ?? null,
  };
  if (request.history) wire.history = request.history.map(toWireMessage);
  if (request.tools) wire.tools = request.tools;
  return wire;
}

/** The JSON form of an `/execute` answer: `{ messages, error, token_usage? }`. */
export function toWireResponse(response: ExecutionEngineResponse): Record<string, unknown> {
  const wire: Record<string, unknown> = { messages: response.messages.map(toWireMessage), error: response.error };
  if (response.tokenUsage) wire.token_usage = toWireTokenUsage(response.tokenUsage);
  return wire;
}
