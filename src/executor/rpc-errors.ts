/**
 * How the engine framework answers an error on the wire: each typed error maps
 * to one JSON-RPC error code, so ARK's controller records the cause.
 */

import { QueryResolutionError } from "../ark/errors.js";
import { errorMessage } from "../core/errors.js";
import { QueryRefError, WireFormatError } from "../protocol/errors.js";
import { JsonRpcError, JsonRpcErrorCode, type JsonRpcId } from "../protocol/jsonrpc.js";
import { ExecutionAbortedError } from "./errors.js";

/**
 * Maps any error raised while serving a request to its JSON-RPC error: bad
 * QueryRef → `-32602`, resolution → `-32010`, abort → `-32012`, anything
 * else thrown by the engine → `-32011` with the engine's message as it is.
 */
export function toJsonRpcError(error: unknown, id: JsonRpcId): JsonRpcError {
  if (error instanceof JsonRpcError) return error;
  if (error instanceof QueryRefError) {
    return new JsonRpcError(JsonRpcErrorCode.InvalidParams, `Invalid params: ${error.message}`, { id, data: { field: error.field } });
  }
  if (error instanceof WireFormatError) {
    return new JsonRpcError(JsonRpcErrorCode.InvalidParams, `Invalid params: ${error.message}`, { id, data: { field: error.path } });
  }
  if (error instanceof QueryResolutionError) {
    const data: Record<string, string> = { reason: error.reason };
    if (error.object) data.object = error.object;
    return new JsonRpcError(JsonRpcErrorCode.QueryResolutionFailed, `Query resolution failed: ${error.message}`, { id, data });
  }
  if (error instanceof ExecutionAbortedError) {
    return new JsonRpcError(JsonRpcErrorCode.ExecutionAborted, error.message, { id, data: { reason: error.abortCause } });
  }
  // The plain cause: ARK's controller adds its own wrapping ("jsonrpc error -32011: …").
  return new JsonRpcError(JsonRpcErrorCode.ExecutionFailed, errorMessage(error), { id });
}
