/**
 * Chat messages and token usage as engines produce them, and their wire form.
 * In TypeScript the fields are camelCase (`toolCalls`, `toolCallId`); on the
 * wire (ARK's `status.response.raw`, the broker, `/execute`) they are the
 * OpenAI chat names (`tool_calls`, `tool_call_id`), which is what ARK and its
 * dashboard read.
 */

import { WireFormatError } from "./errors.js";
import { isRecord } from "../core/json.js";
import { ArgumentError } from "../core/errors.js";

/** One function call requested by the model. */
export interface ToolCall {
  id: string;
  type: "function";
  function: {
    name: string;
    /** JSON text of the arguments, as OpenAI sends it. */
    arguments: string;
  };
}

/**
 * A chat message. Unknown fields are kept (the Python model allows extras),
 * so engines can carry provider-specific data through to ARK.
 */
export interface Message {
  role: "system" | "user" | "assistant" | "tool" | (string & {});
  content: string;
  /** Author name (e.g. the agent), omitted on the wire when empty. */
  name?: string;
  /** Tool calls of an assistant message. */
  toolCalls?: ToolCall[];
  /** For `role: "tool"`: the id of the call this message answers. */
  toolCallId?: string;
  [extra: string]: unknown;
}

/** Tokens spent by an execution (all counts are non-negative integers). */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens?: number;
}

/** {@link TokenUsage} as ARK reads it from the response metadata. */
export interface WireTokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_tokens: number;
}

/** A message in its JSON wire form. */
export type WireMessage = Record<string, unknown> & { role: string; content: string };

/** The wire form of a message: OpenAI field names, empty `name` omitted. */
export function toWireMessage(message: Message): WireMessage {
  const { role, content, name, toolCalls, toolCallId, ...extra } = message;
  const wire: WireMessage = { ...extra, role, content };
  if (name) wire.name = name;
  if (toolCalls && toolCalls.length > 0) wire.tool_calls = toolCalls;
  if (toolCallId) wire.tool_call_id = toolCallId;
  return wire;
}

function readToolCalls(value: unknown, path: string): ToolCall[] {
  if (!Array.isArray(value)) throw new WireFormatError(path, "must be an array");
  return value.map((call, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(call) || !isRecord(call.function)) throw new WireFormatError(at, "must be an object with a 'function' object");
    const { name, arguments: args } = call.function;
    if (typeof name !== "string") throw new WireFormatError(`${at}.function.name`, "must be a string");
    return {
      id: typeof call.id === "string" ? call.id : "",
      type: "function",
      function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}) },
    };
  });
}

/**
 * Reads a message from JSON, accepting both the OpenAI names and the
 * camelCase ones. `content: null` (OpenAI's tool-call messages) becomes `""`.
 * @throws WireFormatError naming the bad field
 */
export function fromWireMessage(value: unknown, path = "message"): Message {
  if (!isRecord(value)) throw new WireFormatError(path, "must be an object");
  const { role, content, name, tool_calls, toolCalls, tool_call_id, toolCallId, ...extra } = value;
  if (typeof role !== "string" || role === "") throw new WireFormatError(`${path}.role`, "must be a non-empty string");
  if (content !== undefined && content !== null && typeof content !== "string") {
    throw new WireFormatError(`${path}.content`, "must be a string");
  }
  const message: Message = { ...extra, role, content: content ?? "" };
  if (name !== undefined && name !== null) {
    if (typeof name !== "string") throw new WireFormatError(`${path}.name`, "must be a string");
    if (name) message.name = name;
  }
  const calls = tool_calls ?? toolCalls;
  if (calls !== undefined && calls !== null) message.toolCalls = readToolCalls(calls, `${path}.tool_calls`);
  const callId = tool_call_id ?? toolCallId;
  if (callId !== undefined && callId !== null) {
    if (typeof callId !== "string") throw new WireFormatError(`${path}.tool_call_id`, "must be a string");
    message.toolCallId = callId;
  }
  return message;
}

/** The wire form ARK reads (`cached_tokens` always present, 0 when unknown). */
export function toWireTokenUsage(usage: TokenUsage): WireTokenUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    cached_tokens: usage.cachedTokens ?? 0,
  };
}

/** Checks a reported usage and returns a clean copy. @throws ArgumentError naming the bad count */
export function validateTokenUsage(usage: TokenUsage): TokenUsage {
  const check = (field: keyof TokenUsage, value: number | undefined): number => {
    if (value === undefined) return 0;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ArgumentError(`TokenUsage.${field}`, `must be a non-negative integer, got ${String(value)}`);
    }
    return value;
  };
  const clean: TokenUsage = {
    promptTokens: check("promptTokens", usage.promptTokens),
    completionTokens: check("completionTokens", usage.completionTokens),
    totalTokens: check("totalTokens", usage.totalTokens),
  };
  if (usage.cachedTokens !== undefined) clean.cachedTokens = check("cachedTokens", usage.cachedTokens);
  return clean;
}

/** Sums two usages (engines that call a model several times report each call). */
export function addTokenUsage(a: TokenUsage | undefined, b: TokenUsage): TokenUsage {
  if (!a) return { ...b };
  const sum: TokenUsage = {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
  if (a.cachedTokens !== undefined || b.cachedTokens !== undefined) sum.cachedTokens = (a.cachedTokens ?? 0) + (b.cachedTokens ?? 0);
  return sum;
}

/** The answer text: the non-empty contents of assistant messages, concatenated (as ARK's Python engines do). */
export function responseText(messages: readonly Message[]): string {
  let text = "";
  for (const m of messages) if (m.role === "assistant" && m.content) text += m.content;
  return text;
}
