/**
 * Validation of A2A method parameters. Each failure names the exact field
 * (`params.message.parts[0].text`), which becomes a JSON-RPC `-32602`.
 * Tolerant where real clients differ: Go's client sends
 * `acceptedOutputModes: null`, and unknown fields are ignored.
 */

import type { A2AMessage, A2AMessageSendParams, A2APart } from "./a2a.js";
import { WireFormatError } from "./errors.js";
import { isRecord } from "../core/json.js";

/** `value` as an optional string; `at` + `field` name it in the error (joined only then). */
function optionalString(value: unknown, at: string, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new WireFormatError(`${at}${field}`, "must be a string");
  return value;
}

/** Reads `parts[i]` of the message at `at` (paths are built only for an error: this runs for every part of every request). */
function readPart(value: unknown, at: string, i: number): A2APart {
  if (!isRecord(value)) throw new WireFormatError(`${at}.parts[${i}]`, "must be an object");
  if (value.kind === "text") {
    if (typeof value.text !== "string") throw new WireFormatError(`${at}.parts[${i}].text`, "must be a string");
    return value.metadata === undefined ? { kind: "text", text: value.text } : { kind: "text", text: value.text, metadata: readMetadata(value.metadata, `${at}.parts[${i}]`, ".metadata") };
  }
  if (value.kind === "file" || value.kind === "data") return value as A2APart;
  throw new WireFormatError(`${at}.parts[${i}].kind`, `must be "text", "file" or "data", got ${JSON.stringify(value.kind) ?? "nothing"}`);
}

/** `value` as optional metadata; `at` + `field` name it in the error (joined only then). */
function readMetadata(value: unknown, at: string, field = ""): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new WireFormatError(`${at}${field}`, "must be an object");
  return value;
}

function readMessage(value: unknown, path: string): A2AMessage {
  if (!isRecord(value)) throw new WireFormatError(path, "is required and must be an object");
  if (value.kind !== undefined && value.kind !== "message") throw new WireFormatError(`${path}.kind`, 'must be "message"');
  if (value.role !== "user" && value.role !== "agent") throw new WireFormatError(`${path}.role`, 'must be "user" or "agent"');
  if (typeof value.messageId !== "string" || value.messageId === "") throw new WireFormatError(`${path}.messageId`, "must be a non-empty string");
  if (!Array.isArray(value.parts)) throw new WireFormatError(`${path}.parts`, "must be an array");
  const message: A2AMessage = {
    kind: "message",
    role: value.role,
    messageId: value.messageId,
    parts: value.parts.map((p, i) => readPart(p, path, i)),
  };
  const contextId = optionalString(value.contextId, path, ".contextId");
  if (contextId) message.contextId = contextId;
  const taskId = optionalString(value.taskId, path, ".taskId");
  if (taskId) message.taskId = taskId;
  const metadata = readMetadata(value.metadata, path, ".metadata");
  if (metadata) message.metadata = metadata;
  if (value.extensions !== undefined && value.extensions !== null) {
    if (!Array.isArray(value.extensions) || !value.extensions.every((e) => typeof e === "string")) {
      throw new WireFormatError(`${path}.extensions`, "must be an array of strings");
    }
    message.extensions = value.extensions as string[];
  }
  return message;
}

/** Reads `message/send` / `message/stream` params. @throws WireFormatError */
export function readSendParams(params: unknown): A2AMessageSendParams {
  if (!isRecord(params)) throw new WireFormatError("params", "must be an object");
  const result: A2AMessageSendParams = { message: readMessage(params.message, "params.message") };
  if (params.configuration !== undefined && params.configuration !== null) {
    const c = params.configuration;
    if (!isRecord(c)) throw new WireFormatError("params.configuration", "must be an object");
    if (c.blocking !== undefined && c.blocking !== null && typeof c.blocking !== "boolean") {
      throw new WireFormatError("params.configuration.blocking", "must be a boolean");
    }
    if (c.historyLength !== undefined && c.historyLength !== null && (typeof c.historyLength !== "number" || !Number.isInteger(c.historyLength))) {
      throw new WireFormatError("params.configuration.historyLength", "must be an integer");
    }
    if (c.acceptedOutputModes !== undefined && c.acceptedOutputModes !== null && !Array.isArray(c.acceptedOutputModes)) {
      throw new WireFormatError("params.configuration.acceptedOutputModes", "must be an array of strings");
    }
    result.configuration = {};
    if (typeof c.blocking === "boolean") result.configuration.blocking = c.blocking;
    if (typeof c.historyLength === "number") result.configuration.historyLength = c.historyLength;
  }
  const metadata = readMetadata(params.metadata, "params.metadata");
  if (metadata) result.metadata = metadata;
  return result;
}

/** Reads `tasks/get` / `tasks/cancel` params. @throws WireFormatError */
export function readTaskParams(params: unknown): { id: string; historyLength?: number } {
  if (!isRecord(params)) throw new WireFormatError("params", "must be an object");
  if (typeof params.id !== "string" || params.id === "") throw new WireFormatError("params.id", "must be a non-empty string");
  const read: { id: string; historyLength?: number } = { id: params.id };
  if (params.historyLength !== undefined && params.historyLength !== null) {
    if (typeof params.historyLength !== "number" || !Number.isInteger(params.historyLength) || params.historyLength < 0) {
      throw new WireFormatError("params.historyLength", "must be a non-negative integer");
    }
    read.historyLength = params.historyLength;
  }
  return read;
}
