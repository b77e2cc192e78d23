/**
 * JSON-RPC 2.0 framing for the A2A endpoint: parsing a request body,
 * building responses, and the error codes the engine answers with. ARK's Go
 * controller turns any JSON-RPC error into a failed query whose message is
 * `jsonrpc error <code>: <message>`, so every message names its cause.
 */

import { ArkSdkError, errorMessage } from "../core/errors.js";
import { isRecord } from "../core/json.js";

/** JSON-RPC and A2A error codes used by the engine. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** A2A: no task with that id. */
  TaskNotFound: -32001,
  /** A2A: the task already finished. */
  TaskNotCancelable: -32002,
  /** A2A: the operation is not supported (e.g. push notifications). */
  UnsupportedOperation: -32004,
  /** ark-sdk: the QueryRef was valid but could not be resolved (missing object, key, permission). */
  QueryResolutionFailed: -32010,
  /** ark-sdk: the engine's `executeAgent` threw. */
  ExecutionFailed: -32011,
  /** ark-sdk: the execution was canceled, timed out or aborted by shutdown. */
  ExecutionAborted: -32012,
  /** ark-sdk: the engine is draining and accepts no new work. */
  ShuttingDown: -32013,
} as const;

/** A JSON-RPC request id. */
export type JsonRpcId = string | number | null;

/** The `error` member of a JSON-RPC response. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** A JSON-RPC response (success or failure). */
export type JsonRpcResponse<R = unknown> =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: R }
  | { jsonrpc: "2.0"; id: JsonRpcId; error: JsonRpcErrorObject };

/** A parsed, structurally valid JSON-RPC request. */
export interface JsonRpcRequest {
  id: JsonRpcId;
  method: string;
  params: unknown;
}

/** An error that becomes a JSON-RPC error response. */
export class JsonRpcError extends ArkSdkError {
  readonly code: number;
  readonly data?: unknown;
  /** The request id, when it could be read before the failure. */
  readonly id: JsonRpcId;
  constructor(code: number, message: string, options: { data?: unknown; id?: JsonRpcId } = {}) {
    super(message);
    this.code = code;
    this.data = options.data;
    this.id = options.id ?? null;
  }

  /** The `error` object for the wire. */
  toObject(): JsonRpcErrorObject {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

/**
 * Parses and checks a JSON-RPC 2.0 request body.
 * @throws JsonRpcError `-32700` for malformed JSON, `-32600` for a bad envelope
 */
export function parseJsonRpcRequest(body: string): JsonRpcRequest {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new JsonRpcError(JsonRpcErrorCode.ParseError, `Parse error: the body is not valid JSON (${errorMessage(error)})`);
  }
  if (Array.isArray(value)) throw new JsonRpcError(JsonRpcErrorCode.InvalidRequest, "Invalid Request: batch requests are not supported");
  if (!isRecord(value)) throw new JsonRpcError(JsonRpcErrorCode.InvalidRequest, "Invalid Request: the body must be a JSON object");
  const rawId = value.id;
  const id: JsonRpcId = typeof rawId === "string" || typeof rawId === "number" || rawId === null ? rawId : null;
  if (value.jsonrpc !== "2.0") {
    throw new JsonRpcError(JsonRpcErrorCode.InvalidRequest, `Invalid Request: 'jsonrpc' must be "2.0", got ${JSON.stringify(value.jsonrpc) ?? "nothing"}`, { id });
  }
  if (!("id" in value)) {
    throw new JsonRpcError(JsonRpcErrorCode.InvalidRequest, "Invalid Request: 'id' is required (notifications are not supported)");
  }
  if (rawId !== id) throw new JsonRpcError(JsonRpcErrorCode.InvalidRequest, "Invalid Request: 'id' must be a string, a number or null");
  if (typeof value.method !== "string" || value.method === "") {
    throw new JsonRpcError(JsonRpcErrorCode.InvalidRequest, "Invalid Request: 'method' must be a non-empty string", { id });
  }
  return { id, method: value.method, params: value.params };
}

/** A success response. */
export function rpcResult<R>(id: JsonRpcId, result: R): JsonRpcResponse<R> {
  return { jsonrpc: "2.0", id, result };
}

/** A failure response. */
export function rpcError(id: JsonRpcId, error: JsonRpcErrorObject): JsonRpcResponse<never> {
  return { jsonrpc: "2.0", id, error };
}
