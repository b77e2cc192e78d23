/**
 * Checks of what callers hand the resource client, run before any request:
 * label selectors in map form, field selector values built from names,
 * request bodies (serialisable, within the API server's size limit) and
 * patches (a merge patch is a plain object, a JSON patch a list of known
 * operations). A bad input is an `ArgumentError` (or a
 * `RequestEntityTooLargeError`) here, never a silent rewrite on the server.
 */

import { labelValueError, qualifiedNameError } from "../schema/index.js";
import type { Logger } from "../core/logger.js";
import { ArgumentError, RequestEntityTooLargeError } from "./errors.js";
import type { JsonPatchOperation, LabelSelectorInput } from "./options.js";

/** The API server refuses request bodies above this many bytes (413); 3 MiB. */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;
/** etcd's default request limit (1.5 MiB): a larger object is accepted by the API server but usually refused when stored. */
export const ETCD_REQUEST_BYTES = 1.5 * 1024 * 1024;

/**
 * Turns a label selector in either form into the API's string form. The map
 * form means exactly one equality per entry: each key must be a qualified
 * name and each value a valid label value (≤ 63 characters), so no entry can
 * smuggle in a `,` or an operator. The string form is passed through as the
 * caller wrote it.
 * @throws ArgumentError for an entry that is not a label key and value
 */
export function formatLabelSelector(selector: LabelSelectorInput | undefined): string | undefined {
  if (selector === undefined || typeof selector === "string") return selector;
  if (!isPlainObject(selector)) throw new ArgumentError("labelSelector", "must be a selector string or an object of label keys to values");
  const terms: string[] = [];
  for (const [key, value] of Object.entries(selector)) {
    const keyError = qualifiedNameError(key);
    if (keyError) throw new ArgumentError(`labelSelector.${key}`, `label key ${keyError}`);
    if (typeof value !== "string") throw new ArgumentError(`labelSelector.${key}`, "must be a string (the label's value)");
    const valueError = labelValueError(value);
    if (valueError) throw new ArgumentError(`labelSelector.${key}`, `${valueError}; got ${JSON.stringify(value)}`);
    terms.push(`${key}=${value}`);
  }
  return terms.join(",");
}

/** Escapes a value for a field selector term (`\`, `,` and `=`), as the API server unescapes it. */
export function escapeFieldSelectorValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Whether `value` is a plain object (`{}`, `Object.create(null)`, JSON), not an array, `Map`, `Buffer`, `Date` or class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  // Another realm's Object.prototype counts too: its own prototype is null.
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Serialises a request body to JSON text, turning what `JSON.stringify`
 * throws (a BigInt, a cycle, a throwing `toJSON`) into an `ArgumentError`,
 * refusing bodies over {@link MAX_REQUEST_BYTES} and warning above
 * {@link ETCD_REQUEST_BYTES}.
 * @throws ArgumentError when the body cannot be serialised
 * @throws RequestEntityTooLargeError when it is larger than the API server accepts
 */
export function encodeBody(body: unknown, what: { kind: string; name?: string }, logger: Logger): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (error) {
    throw new ArgumentError("body", `cannot be sent as JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (text === undefined) throw new ArgumentError("body", "serialises to nothing (undefined, a function or a symbol)");
  // UTF-8 is at most 3 bytes per UTF-16 unit: skip the exact count for bodies that cannot be near the limits.
  if (text.length * 3 <= ETCD_REQUEST_BYTES) return text;
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_REQUEST_BYTES) {
    throw new RequestEntityTooLargeError({ bytes, limit: MAX_REQUEST_BYTES, kind: what.kind, objectName: what.name ?? "" });
  }
  if (bytes > ETCD_REQUEST_BYTES) {
    logger.warn("request body is larger than etcd's default limit (1.5 MiB); the API server may refuse to store it", {
      kind: what.kind, name: what.name, bytes,
    });
  }
  return text;
}

/** Checks a JSON merge patch (RFC 7386): a plain object. */
export function checkMergePatch(patch: unknown): void {
  if (!isPlainObject(patch)) {
    throw new ArgumentError("patch", `a merge patch is a plain object of the fields to change; got ${describe(patch)}`);
  }
}

const JSON_PATCH_OPS = new Set(["add", "remove", "replace", "move", "copy", "test"]);

/** Checks a JSON patch (RFC 6902): an array of operations with known `op`s, JSON-pointer paths and the members each needs. */
export function checkJsonPatch(patch: unknown): asserts patch is JsonPatchOperation[] {
  if (!Array.isArray(patch)) throw new ArgumentError("patch", `a JSON patch is an array of operations; got ${describe(patch)}`);
  patch.forEach((operation: unknown, index) => {
    const field = `patch[${index}]`;
    if (!isPlainObject(operation)) throw new ArgumentError(field, `must be an operation object; got ${describe(operation)}`);
    const { op, path } = operation;
    if (typeof op !== "string" || !JSON_PATCH_OPS.has(op)) {
      throw new ArgumentError(`${field}.op`, `must be one of ${[...JSON_PATCH_OPS].join(", ")}; got ${JSON.stringify(op) ?? String(op)}`);
    }
    checkPointer(`${field}.path`, path);
    if ((op === "move" || op === "copy")) checkPointer(`${field}.from`, operation.from);
    if ((op === "add" || op === "replace" || op === "test") && !("value" in operation)) throw new ArgumentError(`${field}.value`, `is required for "${op}"`);
  });
}

function checkPointer(field: string, pointer: unknown): void {
  if (typeof pointer !== "string" || !pointer.startsWith("/")) {
    throw new ArgumentError(field, `must be a JSON pointer starting with "/", e.g. "/spec/prompt"; got ${JSON.stringify(pointer) ?? String(pointer)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value !== "object") return `a ${typeof value}`;
  const ctor = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return ctor ? `a ${ctor}` : "an object";
}
