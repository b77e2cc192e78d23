/**
 * Turns Ajv's errors into {@link ValidationProblem}s: Kubernetes-style paths
 * (`spec.tools[2].type`), the rule named after the keyword that failed, and a
 * message of our own.
 */
import type { ErrorObject } from "ajv";
import { childPath, type ValidationProblem } from "./problem.js";

function decodePointerSegment(segment: string): string {
  return segment.replaceAll("~1", "/").replaceAll("~0", "~");
}

/** Converts a JSON Pointer into the object to a problem path, using the data to tell indexes from keys. */
export function pointerToPath(pointer: string, data: unknown): string {
  if (pointer === "") return "";
  let path = "";
  let current: unknown = data;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = decodePointerSegment(raw);
    if (Array.isArray(current)) {
      const index = Number(segment);
      path = childPath(path, index);
      current = current[index];
    } else {
      path = childPath(path, segment);
      current = typeof current === "object" && current !== null ? (current as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  if (pointer === "") return current;
  for (const raw of pointer.slice(1).split("/")) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<string, unknown>)[decodePointerSegment(raw)];
  }
  return current;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function listOf(values: readonly unknown[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

function describe(error: ErrorObject, data: unknown): { rule: string; message: string; suffix?: string | number } {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { rule: "required", message: "is required", suffix: String(p.missingProperty) };
    case "additionalProperties":
      return { rule: "unknown-field", message: "is not declared by the schema: the API server drops it", suffix: String(p.additionalProperty) };
    case "type": {
      const types = (Array.isArray(p.type) ? p.type : String(p.type).split(",")) as string[];
      const got = typeName(valueAt(data, error.instancePath));
      const intOrString = types.includes("integer") && types.includes("string");
      const wanted = types.filter((t) => t !== "null").map(article).join(" or ") + (types.includes("null") ? " or null" : "");
      return { rule: intOrString ? "x-kubernetes-int-or-string" : "type", message: `must be ${wanted} (got ${got})` };
    }
    case "enum": {
      const allowed = (p.allowedValues as unknown[]).filter((v) => v !== null);
      return { rule: "enum", message: `must be one of ${listOf(allowed)} (got ${JSON.stringify(valueAt(data, error.instancePath))})` };
    }
    case "const":
      return { rule: "const", message: `must be ${JSON.stringify(p.allowedValue)} (got ${JSON.stringify(valueAt(data, error.instancePath))})` };
    case "pattern":
      return { rule: "pattern", message: `must match the pattern ${String(p.pattern)}` };
    case "format":
      return { rule: "format", message: `must be a valid ${String(p.format)}` };
    case "minLength":
      return { rule: "minLength", message: `must be at least ${String(p.limit)} characters long` };
    case "maxLength":
      return { rule: "maxLength", message: `must be at most ${String(p.limit)} characters long` };
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return { rule: error.keyword, message: `must be ${String(p.comparison)} ${String(p.limit)}` };
    case "multipleOf":
      return { rule: "multipleOf", message: `must be a multiple of ${String(p.multipleOf)}` };
    case "minItems":
      return { rule: "minItems", message: `must have at least ${String(p.limit)} items` };
    case "maxItems":
      return { rule: "maxItems", message: `must have at most ${String(p.limit)} items` };
    case "minProperties":
      return { rule: "minProperties", message: `must have at least ${String(p.limit)} properties` };
    case "maxProperties":
      return { rule: "maxProperties", message: `must have at most ${String(p.limit)} properties` };
    case "uniqueItems":
      return { rule: "uniqueItems", message: `repeats item ${String(p.j)}`, suffix: Number(p.i) };
    case "x-kubernetes-list-type":
      return p.listType === "set"
        ? { rule: "x-kubernetes-list-type", message: "repeats an earlier item of this set", suffix: Number(p.index) }
        : { rule: "x-kubernetes-list-type", message: "repeats the key fields of an earlier item of this map list", suffix: Number(p.index) };
    case "anyOf":
      return { rule: "anyOf", message: "must match at least one of the allowed shapes" };
    case "oneOf":
      return { rule: "oneOf", message: "must match exactly one of the allowed shapes" };
    case "not":
      return { rule: "not", message: "must not match the excluded shape" };
    default:
      return { rule: error.keyword, message: `violates ${error.keyword}` };
  }
}

/** Problems for Ajv's errors on `data`; drops the per-branch noise of failed `anyOf`/`oneOf`/`not`. */
export function problemsFromAjv(errors: readonly ErrorObject[] | null | undefined, data: unknown): ValidationProblem[] {
  if (!errors) return [];
  const junctions = errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf" || e.keyword === "not").map((e) => `${e.schemaPath}/`);
  const problems: ValidationProblem[] = [];
  for (const error of errors) {
    if (junctions.some((prefix) => error.schemaPath.startsWith(prefix))) continue;
    const { rule, message, suffix } = describe(error, data);
    const base = pointerToPath(error.instancePath, data);
    const path = suffix === undefined ? base : childPath(base, suffix);
    problems.push({ path, rule, message, params: { ...(error.params as Record<string, unknown>) } });
  }
  return problems;
}
