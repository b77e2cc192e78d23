/**
 * The exchange between ARK's controller and an engine, seen from the
 * controller's side: the exact `message/send` request it sends for a Query
 * (byte for byte as Go's `encoding/json` writes it with trpc-a2a-go v0.2.5)
 * and how it reads the answer. A local dispatcher reuses these to behave like
 * ARK; the engine's tests use them to prove wire compatibility.
 */

import { createHash, randomUUID } from "node:crypto";
import type { A2AMessage, A2AProtocolTask } from "./a2a.js";
import { QUERY_EXTENSION_METADATA_KEY, QUERY_EXTENSION_URI, type QueryTargetRef } from "./query-extension.js";
import { isRecord } from "../core/json.js";

/** HTTP headers ARK's Go A2A client sends with every JSON-RPC call. */
export const CONTROLLER_REQUEST_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Type": "application/json; charset=utf-8",
  Accept: "application/json",
});

/** What the controller dispatches for one Query (or one team member of it). */
export interface QueryDispatch {
  /** The Query's name. */
  queryName: string;
  /** The Query's namespace. */
  namespace: string;
  /** The user text (the Query's `spec.input` after template expansion). */
  input: string;
  /** A2A context id: the Query's `spec.conversationId`, else `status.conversationId`; omitted when empty. */
  contextId?: string;
  /** Sub-target requests only: the team member to run. */
  target?: QueryTargetRef;
  /** Sub-target requests only: the member's conversation scope (see {@link subTargetConversationId}). */
  conversationId?: string;
  /** JSON-RPC id (default: a random UUID, as Go's `GenerateRPCID`). */
  rpcId?: string;
  /** Message id (default: `msg-<uuid>`, as Go's `GenerateMessageID`). */
  messageId?: string;
}

/** The JSON-RPC `message/send` request object, keys in Go's field order. */
export function buildMessageSendRequest(dispatch: QueryDispatch): Record<string, unknown> {
  const ref: Record<string, unknown> = { name: dispatch.queryName, namespace: dispatch.namespace };
  if (dispatch.target) ref.target = { type: dispatch.target.type, name: dispatch.target.name };
  if (dispatch.conversationId) ref.conversationId = dispatch.conversationId;
  const message: Record<string, unknown> = {};
  if (dispatch.contextId) message.contextId = dispatch.contextId;
  message.extensions = [QUERY_EXTENSION_URI];
  message.kind = "message";
  message.messageId = dispatch.messageId ?? `msg-${randomUUID()}`;
  message.metadata = { [QUERY_EXTENSION_METADATA_KEY]: ref };
  message.parts = [{ kind: "text", text: dispatch.input }];
  message.role = "user";
  return {
    jsonrpc: "2.0",
    id: dispatch.rpcId ?? randomUUID(),
    method: "message/send",
    // trpc-a2a-go's configuration has no omitempty on acceptedOutputModes, hence the null.
    params: { configuration: { acceptedOutputModes: null, blocking: true }, message },
  };
}

/** The exact request body bytes ARK's controller sends for a Query. */
export function buildMessageSendBody(dispatch: QueryDispatch): string {
  return encodeGoJson(buildMessageSendRequest(dispatch));
}

const GO_ESCAPES: Readonly<Record<string, string>> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029" };

/**
 * JSON as Go's `json.Marshal` writes it: compact, with `<`, `>`, `&`,
 * U+2028 and U+2029 escaped (those characters only occur inside strings).
 */
export function encodeGoJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}

/**
 * The conversation scope ARK's completions engine gives a team member it
 * dispatches to a named engine: the first 16 bytes of
 * `sha256(namespace ␀ (parentContextId || queryName) ␀ agentName)`, in hex.
 */
export function subTargetConversationId(namespace: string, parentContextIdOrQueryName: string, agentName: string): string {
  return createHash("sha256").update(`${namespace}\x00${parentContextIdOrQueryName}\x00${agentName}`).digest("hex").slice(0, 32);
}

/** Token usage as the controller stores it on the Query (`status.tokenUsage`). */
export interface QueryTokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
}

/** What the controller makes of an engine's answer. */
export type EngineOutcome =
  | {
      kind: "message";
      /** Text parts, concatenated. */
      content: string;
      /** `status.conversationId`: the metadata's `conversationId`, else the message's `contextId`. */
      conversationId: string;
      /** `status.response.raw`: JSON of the metadata's `messages`, else one assistant message with `content`. */
      raw: string;
      /** Present only when the engine reported `total_tokens > 0`. */
      tokenUsage?: QueryTokenUsage;
      a2a: { contextId?: string; taskId?: string };
      memoryUnavailable?: boolean;
      memoryDegraded?: boolean;
    }
  | { kind: "task"; task: A2AProtocolTask; content: string }
  | { kind: "error"; code?: number; message: string };

/** Concatenated text parts (one per line), as ARK extracts a response's content. */
export function textOfParts(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  const texts: string[] = [];
  for (const part of parts) if (isRecord(part) && part.kind === "text" && typeof part.text === "string") texts.push(part.text);
  return texts.join("\n");
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
}

function readMessageOutcome(message: A2AMessage): EngineOutcome {
  const content = textOfParts(message.parts);
  const meta = isRecord(message.metadata) ? message.metadata[QUERY_EXTENSION_METADATA_KEY] : undefined;
  const ark = isRecord(meta) ? meta : {};
  const outcome: EngineOutcome = {
    kind: "message",
    content,
    conversationId: typeof ark.conversationId === "string" && ark.conversationId ? ark.conversationId : (message.contextId ?? ""),
    raw: "messages" in ark ? JSON.stringify(ark.messages) : JSON.stringify([{ role: "assistant", content }]),
    a2a: {},
  };
  if (message.contextId) outcome.a2a.contextId = message.contextId;
  if (message.taskId) outcome.a2a.taskId = message.taskId;
  if (isRecord(ark.a2a)) {
    if (typeof ark.a2a.contextId === "string" && ark.a2a.contextId) outcome.a2a.contextId = ark.a2a.contextId;
    if (typeof ark.a2a.taskId === "string" && ark.a2a.taskId) outcome.a2a.taskId = ark.a2a.taskId;
  }
  if (isRecord(ark.tokenUsage)) {
    const usage = {
      promptTokens: count(ark.tokenUsage.prompt_tokens),
      completionTokens: count(ark.tokenUsage.completion_tokens),
      totalTokens: count(ark.tokenUsage.total_tokens),
      cachedTokens: count(ark.tokenUsage.cached_tokens),
    };
    if (usage.totalTokens > 0) outcome.tokenUsage = usage;
  }
  if (typeof ark.memoryUnavailable === "boolean") outcome.memoryUnavailable = ark.memoryUnavailable;
  if (typeof ark.memoryDegraded === "boolean") outcome.memoryDegraded = ark.memoryDegraded;
  return outcome;
}

/**
 * Reads a JSON-RPC response to `message/send` the way ARK's controller does:
 * an error (JSON-RPC error or malformed answer) fails the query; a Message
 * is the answer; a Task means human-in-the-loop at the top level.
 */
export function readEngineResponse(body: unknown): EngineOutcome {
  if (!isRecord(body)) return { kind: "error", message: "engine answered with a non-object JSON-RPC response" };
  if (isRecord(body.error)) {
    const code = count(body.error.code);
    const message = typeof body.error.message === "string" ? body.error.message : "unknown error";
    return { kind: "error", code, message: `jsonrpc error ${code}: ${message}` };
  }
  const result = body.result;
  if (!isRecord(result)) return { kind: "error", message: "rpc response missing required 'result' field" };
  if (result.kind === "message") return readMessageOutcome(result as unknown as A2AMessage);
  if (result.kind === "task") {
    const task = result as unknown as A2AProtocolTask;
    let content = task.status?.message ? textOfParts(task.status.message.parts) : "";
    for (const artifact of task.artifacts ?? []) {
      if (content) break;
      content = textOfParts(artifact.parts);
    }
    return { kind: "task", task, content };
  }
  return { kind: "error", message: `unsupported result kind: ${String(result.kind)}` };
}
