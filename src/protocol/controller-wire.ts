/**
 * The exchange between ARK's controller and an engine, seen from the
 * controller's side: the exact `message/send` request it sends for a Query
 * (byte for byte as Go's `encoding/json` writes it with trpc-a2a-go v0.2.5)
 * and how it reads the answer. A local dispatcher reuses these to behave like
 * ARK; the engine's tests use them to prove wire compatibility.
 */

import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { A2AMessage, A2AProtocolTask } from "./a2a.js";
import { QUERY_EXTENSION_METADATA_KEY, QUERY_EXTENSION_URI, type QueryTargetRef } from "./query-extension.js";
import { isRecord } from "../core/json.js";

/** The `User-Agent` of ARK's Go A2A client (trpc-a2a-go v0.2.5's default; ARK never overrides it). */
export const CONTROLLER_USER_AGENT = "trpc-a2a-go-client/0.1";

/**
 * HTTP headers ARK's controller sends with every `message/send`: the three
 * trpc-a2a-go sets, and `Accept-Encoding: gzip`, which Go's HTTP transport
 * adds on its own. With telemetry configured in ARK, `traceparent` and
 * `baggage` come on top ({@link controllerTraceHeaders}).
 */
export const CONTROLLER_REQUEST_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Content-Type": "application/json; charset=utf-8",
  Accept: "application/json",
  "User-Agent": CONTROLLER_USER_AGENT,
  "Accept-Encoding": "gzip",
});

/**
 * The hard ceiling of one engine call on ARK up to v0.1.67: the controller's
 * shared HTTP client has a 5-minute timeout, whatever `spec.timeout` says
 * (lifted in 0.1.68).
 */
export const CONTROLLER_HTTP_TIMEOUT_MS = 5 * 60_000;

/** `spec.timeout` when a Query has none (the controller's default). */
export const CONTROLLER_DEFAULT_QUERY_TIMEOUT_MS = 5 * 60_000;

/**
 * The `traceparent` and `baggage` headers ARK's controller adds to a dispatch
 * when its telemetry is configured: a fresh trace (the query's dispatch span,
 * sampled) and the baggage member `ark.session.id` = the Query's
 * `spec.sessionId`, else its uid.
 */
export function controllerTraceHeaders(sessionId: string, ids: { traceId?: string; spanId?: string } = {}): { traceparent: string; baggage: string } {
  const traceId = ids.traceId ?? randomBytes(16).toString("hex");
  const spanId = ids.spanId ?? randomBytes(8).toString("hex");
  return { traceparent: `00-${traceId}-${spanId}-01`, baggage: `ark.session.id=${encodeBaggageValue(sessionId)}` };
}

// W3C baggage values: everything outside the baggage-octet range is percent-encoded (as OpenTelemetry Go does).
function encodeBaggageValue(value: string): string {
  let out = "";
  for (const byte of Buffer.from(value, "utf8")) {
    const safe = byte === 0x21 || (byte >= 0x23 && byte <= 0x2b) || (byte >= 0x2d && byte <= 0x3a) || (byte >= 0x3c && byte <= 0x5b) || (byte >= 0x5d && byte <= 0x7e);
    out += safe && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The URL the controller posts to: the engine's address with a trailing `/` added when it has none (trpc-a2a-go's rule). */
export function controllerRequestUrl(address: string): string {
  return address.endsWith("/") ? address : `${address}/`;
}

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

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function sortedKeys(_key: string, value: unknown): unknown {
  if (!isRecord(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(compareUtf8)) sorted[key] = value[key];
  return sorted;
}

/**
 * JSON as Go's `json.Marshal` writes it: compact, with `<`, `>`, `&`,
 * U+2028 and U+2029 escaped (those characters only occur inside strings).
 * With `sortKeys`, object keys come out in byte order, as Go writes a
 * `map[string]any` (how the controller re-encodes what it decoded).
 */
export function encodeGoJson(value: unknown, options: { sortKeys?: boolean } = {}): string {
  const text = options.sortKeys ? JSON.stringify(value, sortedKeys) : JSON.stringify(value);
  return text.replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
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
      /** Text parts, concatenated without a separator (Go's `ExtractTextFromParts`). */
      content: string;
      /** `status.conversationId`: the metadata's `conversationId`, else the A2A context id; `""` keeps the Query's previous one. */
      conversationId: string;
      /** `status.response.raw`: the metadata's `messages` re-encoded as Go does (keys sorted), else one assistant message with `content`. */
      raw: string;
      /** Present only when the engine reported `total_tokens > 0`. */
      tokenUsage?: QueryTokenUsage;
      /** `status.response.a2a`: the message's ids, overridden by the metadata's `a2a` (even by an empty string). */
      a2a: { contextId?: string; taskId?: string };
      /** What the engine reported in `memoryUnavailable` (ARK v0.1.67 reads it but does not persist a condition from it). */
      memoryUnavailable?: boolean;
      /** What the engine reported in `memoryDegraded` (read by ARK from 0.1.68 on). */
      memoryDegraded?: boolean;
    }
  | { kind: "task"; task: A2AProtocolTask; content: string }
  | {
      kind: "error";
      /** The JSON-RPC error code, when the engine answered with one. */
      code?: number;
      /**
       * The Go error of `SendMessage`, e.g. `a2aClient.SendMessage: jsonrpc error -32603: boom`;
       * ARK writes it to `status.response.content` behind {@link QUERY_EXECUTION_FAILED}.
       */
      message: string;
    };

/** The prefix ARK's controller puts before every failure of the engine call in `status.response.content`. */
export const QUERY_EXECUTION_FAILED = "query execution failed: ";

/** Text parts concatenated without a separator, as ARK's `ExtractTextFromParts` reads a response's content. */
export function textOfParts(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  let text = "";
  for (const part of parts) if (isRecord(part) && part.kind === "text" && typeof part.text === "string") text += part.text;
  return text;
}

/** `[{"role":"assistant","content":…}]`: the `raw` ARK stores when the engine reports no messages. */
export function fallbackRaw(content: string): string {
  return encodeGoJson([{ role: "assistant", content }]);
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.trunc(value) : 0;
}

function readMessageOutcome(message: A2AMessage): EngineOutcome {
  const content = textOfParts(message.parts);
  const meta = isRecord(message.metadata) ? message.metadata[QUERY_EXTENSION_METADATA_KEY] : undefined;
  const ark = isRecord(meta) ? meta : {};
  const a2a: { contextId?: string; taskId?: string } = {};
  let contextId = typeof message.contextId === "string" ? message.contextId : "";
  let taskId = typeof message.taskId === "string" ? message.taskId : "";
  // Go assigns the metadata's a2a ids whenever they are strings, so an empty one blanks the message's.
  if (isRecord(ark.a2a)) {
    if (typeof ark.a2a.contextId === "string") contextId = ark.a2a.contextId;
    if (typeof ark.a2a.taskId === "string") taskId = ark.a2a.taskId;
  }
  if (contextId) a2a.contextId = contextId;
  if (taskId) a2a.taskId = taskId;
  const conversation = typeof ark.conversationId === "string" ? ark.conversationId : "";
  const outcome: EngineOutcome = {
    kind: "message",
    content,
    conversationId: conversation || contextId,
    raw: "messages" in ark ? encodeGoJson(ark.messages, { sortKeys: true }) : fallbackRaw(content),
    a2a,
  };
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

const SEND = "a2aClient.SendMessage: ";
const DO_REQUEST = "a2aClient.doRequest: ";

/** `undefined` for JSON `null` and absent values, as Go's decoder leaves a pointer nil. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/**
 * Reads a decoded JSON-RPC response to `message/send` the way ARK's
 * controller does (trpc-a2a-go v0.2.5): a JSON-RPC error or an unusable
 * result fails the query with Go's error text; a Message is the answer; a
 * Task means human-in-the-loop at the top level. `rpcId` is the request's id
 * (Go names it when `result` is missing).
 */
export function readEngineResponse(body: unknown, rpcId = ""): EngineOutcome {
  if (Array.isArray(body) || (typeof body !== "object" && body !== undefined)) {
    const type = Array.isArray(body) ? "array" : typeof body === "boolean" ? "bool" : typeof body;
    return { kind: "error", message: `${SEND}${DO_REQUEST}failed to decode response body (status 200): json: cannot unmarshal ${type} into Go value of type jsonrpc.RawResponse. Body: ${JSON.stringify(body)}` };
  }
  const response = isRecord(body) ? body : {};
  if (isRecord(response.error)) {
    const code = count(response.error.code);
    const message = typeof response.error.message === "string" ? response.error.message : "";
    return { kind: "error", code, message: `${SEND}jsonrpc error ${code}: ${message}` };
  }
  if (!present(response.result) && !("result" in response)) return { kind: "error", message: `${SEND}rpc response missing required 'result' field for id ${rpcId}` };
  const result = response.result;
  const kind = isRecord(result) && typeof result.kind === "string" ? result.kind : "";
  if (kind === "message") return readMessageOutcome(result as unknown as A2AMessage);
  if (kind === "task") {
    const task = result as unknown as A2AProtocolTask;
    // Go takes status.message's text whenever there is a status message, even an empty one; artifacts only without it.
    let content = "";
    if (isRecord(task.status) && present(task.status.message)) content = textOfParts(task.status.message?.parts);
    else for (const artifact of task.artifacts ?? []) {
      content = textOfParts(artifact.parts);
      if (content) break;
    }
    return { kind: "task", task, content };
  }
  return { kind: "error", message: `${SEND}failed to unmarshal rpc result: unsupported result kind: ${kind}. Raw result: ${encodeGoJson(result)}` };
}

/**
 * Go's `encoding/json` syntax error for `text`, or `undefined` for valid JSON.
 * Exact for the shapes engines and proxies produce (empty or truncated
 * bodies, HTML or plain-text pages, trailing garbage, misplaced
 * separators); elsewhere the offending character is exact and the context
 * is Go's most common one.
 */
function goJsonSyntaxError(text: string): string | undefined {
  let message: string;
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    message = error instanceof Error ? error.message : String(error);
  }
  const trimmed = text.replace(/^[ \t\r\n]+/, "");
  if (trimmed === "" || /end of JSON input|Unterminated string/i.test(message)) return "unexpected end of JSON input";
  const first = trimmed[0] as string;
  if (!/[[{"\-0-9tfn]/.test(first)) return `invalid character ${goQuoteChar(first)} looking for beginning of value`;
  const position = /at position (\d+)/.exec(message);
  const at = position ? text[Number(position[1])] : /Unexpected token '?(.)/.exec(message)?.[1];
  const where = /after JSON/i.test(message)
    ? "after top-level value"
    : /Expected ':' after property name/.test(message)
      ? "after object key"
      : /after property value/.test(message)
        ? "after object key:value pair"
        : /after array element/.test(message)
          ? "after array element"
          : /property name/.test(message)
            ? "looking for beginning of object key string"
            : "looking for beginning of value";
  return at === undefined ? "unexpected end of JSON input" : `invalid character ${goQuoteChar(at)} ${where}`;
}

function goQuoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const quoted = JSON.stringify(c);
  return `'${quoted.slice(1, -1)}'`;
}

/**
 * Reads an engine's HTTP reply to `message/send` exactly as ARK's controller
 * (trpc-a2a-go v0.2.5) does: a non-2xx status fails with the body quoted
 * verbatim and never parsed; a body that is not JSON fails with Go's decoder
 * message; otherwise {@link readEngineResponse}.
 */
export function readEngineReply(reply: { status: number; body: string }, rpcId = ""): EngineOutcome {
  if (reply.status < 200 || reply.status >= 300) return { kind: "error", message: `${SEND}${DO_REQUEST}unexpected http status ${reply.status}: ${reply.body}` };
  const syntax = goJsonSyntaxError(reply.body);
  if (syntax !== undefined) return { kind: "error", message: `${SEND}${DO_REQUEST}failed to decode response body (status ${reply.status}): ${syntax}. Body: ${reply.body}` };
  return readEngineResponse(JSON.parse(reply.body) as unknown, rpcId);
}

/**
 * The Go error of a `message/send` that got no HTTP answer: `cause` as Go's
 * `net/http` words it (`context deadline exceeded`, `EOF`,
 * `dial tcp 127.0.0.1:8000: connect: connection refused`, …).
 */
export function transportFailure(url: string, cause: string): EngineOutcome {
  return { kind: "error", message: `${SEND}${DO_REQUEST}http request failed: Post ${JSON.stringify(url)}: ${cause}` };
}
