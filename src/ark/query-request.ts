/**
 * What a caller asks for when running a query, and how it becomes a Query
 * object: a generated name, the target, parameters as ARK's list, the
 * timeout as a Go duration, and the annotation that asks engines to stream.
 * Mistakes are caught here, naming the field, before anything is sent.
 */

import { GoDurationError } from "../core/go-duration.js";
import { parseGoDuration } from "../core/go-duration.js";
import type { Parameter, Query } from "../generated/index.js";
import { ArgumentError } from "../client/errors.js";
import type { NewObject } from "../client/resource-client.js";

/** The kinds a Query can target. */
export type QueryTargetType = "agent" | "team" | "model" | "tool";

/** The annotation asking the engine to stream chunks to ARK's broker. */
export const STREAMING_ENABLED_ANNOTATION = "ark.mckinsey.com/streaming-enabled";

/** A query to run. */
export interface QueryRunRequest {
  /** The user's input; `{{.name}}` references are filled from `parameters` by ARK. */
  input: string;
  /** What answers: an agent, team, model or tool of that name. */
  target: { type: QueryTargetType; name: string };
  /** Template parameters: plain values, or ARK's list (with `valueFrom` sources). */
  parameters?: Record<string, string> | Parameter[];
  /**
   * The Query's `spec.timeout` as ARK writes it, a Go duration (`"30s"`, `"5m"`).
   * `run()` also stops waiting, and sets `spec.cancel`, once it elapses.
   * Default: ARK's (5 minutes), with no client-side deadline. Give this or `timeoutMs`, not both.
   */
  timeout?: string;
  /** The same as `timeout`, in milliseconds (sent as `"<n>ms"`). */
  timeoutMs?: number;
  /** Continue this conversation (the `conversationId` of an earlier result). */
  conversationId?: string;
  /** Telemetry session key (default: the Query's uid). */
  sessionId?: string;
  /** Memory to use (default: the Memory named `default`, if any). */
  memory?: { name: string; namespace?: string };
  /** Run as this ServiceAccount of the namespace. */
  serviceAccount?: string;
  /** Retention after completion, a Go duration (default: ArkConfig's, else 720h). */
  ttl?: string;
  /** Ask the engine to stream to the broker (annotation `ark.mckinsey.com/streaming-enabled`). Default true. */
  streaming?: boolean;
  /** Exact name; default: generated from the target's name. */
  name?: string;
  /** Namespace; default: the client's. */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const TARGET_TYPES: readonly string[] = ["agent", "team", "model", "tool"];

function nonEmpty(field: string, value: unknown): string {
  if (typeof value !== "string" || value === "") throw new ArgumentError(field, "must be a non-empty string");
  return value;
}

/**
 * `spec.timeout` as a Go duration, and the same in ms; `undefined` when not given.
 * A number is milliseconds. `field` names the option in errors (default `timeout`).
 */
export function normalizeTimeout(timeout: string | number | undefined, field = "timeout"): { spec: string; ms: number } | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout === "number") {
    if (!Number.isFinite(timeout) || timeout <= 0) throw new ArgumentError(field, `must be a positive number of milliseconds, got ${timeout}`);
    const ms = Math.ceil(timeout);
    return { spec: `${ms}ms`, ms };
  }
  if (typeof timeout !== "string") throw new ArgumentError(field, "must be a Go duration string (e.g. \"30s\") or milliseconds");
  let ms: number;
  try {
    ms = parseGoDuration(timeout);
  } catch (error) {
    if (error instanceof GoDurationError) throw new ArgumentError(field, error.message);
    throw error;
  }
  if (ms <= 0) throw new ArgumentError(field, `must be longer than zero, got "${timeout}"`);
  return { spec: timeout, ms };
}

/** The request's `spec.timeout` from `timeout` (Go duration) or `timeoutMs`. @throws ArgumentError when both are given or either is invalid */
export function requestTimeout(request: Pick<QueryRunRequest, "timeout" | "timeoutMs">): { spec: string; ms: number } | undefined {
  if (request.timeout !== undefined && request.timeoutMs !== undefined) throw new ArgumentError("timeoutMs", "give timeout (a Go duration) or timeoutMs, not both");
  if (request.timeoutMs !== undefined) {
    if (typeof request.timeoutMs !== "number") throw new ArgumentError("timeoutMs", `must be a number of milliseconds, got ${typeof request.timeoutMs}`);
    return normalizeTimeout(request.timeoutMs, "timeoutMs");
  }
  if (request.timeout !== undefined && typeof request.timeout !== "string") {
    throw new ArgumentError("timeout", "must be a Go duration string (e.g. \"30s\"); use timeoutMs for milliseconds");
  }
  return normalizeTimeout(request.timeout);
}

function parameterList(parameters: QueryRunRequest["parameters"]): Parameter[] | undefined {
  if (parameters === undefined) return undefined;
  if (Array.isArray(parameters)) {
    parameters.forEach((p, i) => nonEmpty(`parameters[${i}].name`, (p as Partial<Parameter> | null)?.name));
    return parameters;
  }
  if (typeof parameters !== "object" || parameters === null) throw new ArgumentError("parameters", "must be an object of strings or a list of { name, value | valueFrom }");
  return Object.entries(parameters).map(([name, value]) => {
    if (typeof value !== "string") throw new ArgumentError(`parameters.${name}`, `must be a string, got ${typeof value}`);
    return { name, value };
  });
}

/** A `generateName` prefix from the target's name (the API server appends 5 random characters). */
function namePrefix(targetName: string): string {
  const clean = targetName.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+/, "").slice(0, 40).replace(/-+$/, "");
  return `${clean || "query"}-`;
}

/** Builds the Query object of `request`. @throws ArgumentError naming the first bad field */
export function buildQuery(request: QueryRunRequest): NewObject<Query> {
  if (typeof request !== "object" || request === null) throw new ArgumentError("request", "must be an object with input and target");
  if (typeof request.input !== "string") throw new ArgumentError("input", `must be a string, got ${request.input === null ? "null" : typeof request.input}`);
  const target = request.target as Partial<QueryRunRequest["target"]> | undefined;
  if (typeof target !== "object" || target === null) throw new ArgumentError("target", "is required: { type: \"agent\" | \"team\" | \"model\" | \"tool\", name }");
  if (!TARGET_TYPES.includes(target.type as string)) throw new ArgumentError("target.type", `must be one of ${TARGET_TYPES.join(", ")}, got ${JSON.stringify(target.type)}`);
  const targetName = nonEmpty("target.name", target.name);
  const timeout = requestTimeout(request);

  const spec: Query["spec"] = { input: request.input, target: { type: target.type as QueryTargetType, name: targetName } };
  const parameters = parameterList(request.parameters);
  if (parameters) spec.parameters = parameters;
  if (timeout) spec.timeout = timeout.spec;
  if (request.conversationId !== undefined) spec.conversationId = nonEmpty("conversationId", request.conversationId);
  if (request.sessionId !== undefined) spec.sessionId = nonEmpty("sessionId", request.sessionId);
  if (request.serviceAccount !== undefined) spec.serviceAccount = nonEmpty("serviceAccount", request.serviceAccount);
  if (request.memory !== undefined) spec.memory = { ...request.memory, name: nonEmpty("memory.name", request.memory?.name) };
  if (request.ttl !== undefined) spec.ttl = nonEmpty("ttl", request.ttl);

  const annotations: Record<string, string> = { ...request.annotations };
  if (request.streaming ?? true) annotations[STREAMING_ENABLED_ANNOTATION] = "true";
  const metadata: Query["metadata"] = request.name !== undefined ? { name: nonEmpty("name", request.name) } : { generateName: namePrefix(targetName) };
  if (request.namespace !== undefined) metadata.namespace = nonEmpty("namespace", request.namespace);
  if (request.labels) metadata.labels = { ...request.labels };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  return { metadata, spec };
}
