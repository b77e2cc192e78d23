/**
 * The API server drops a `null` held by a field that is neither `nullable`
 * nor defaulted (and replaces it with the default when there is one) before
 * it validates. This mirrors that step so the validator judges what the
 * server judges, and reports each dropped null.
 */
import { deref, type JsonSchemaProps, type PackedSchema } from "./json-schema.js";
import { childPath, type ValidationProblem } from "./problem.js";

function fieldSchema(parent: JsonSchemaProps | undefined, key: string, defs: PackedSchema["$defs"]): JsonSchemaProps | undefined {
  if (!parent) return undefined;
  const prop = parent.properties?.[key];
  if (prop) return deref(prop, defs);
  const extra = parent.additionalProperties;
  return typeof extra === "object" ? deref(extra, defs) : undefined;
}

function containsNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some(containsNull);
  for (const key in value) if (containsNull((value as Record<string, unknown>)[key])) return true;
  return false;
}

function prune(value: unknown, schema: JsonSchemaProps | undefined, path: string, defs: PackedSchema["$defs"], problems: ValidationProblem[]): unknown {
  if (Array.isArray(value)) {
    const items = schema?.items ? deref(schema.items, defs) : undefined;
    return value.map((item, i) => prune(item, items, childPath(path, i), defs, problems));
  }
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const sub = fieldSchema(schema, key, defs);
    if (child === null && sub && !sub.nullable) {
      // With a default, the server fills it in; the validator treats the field as absent.
      if (sub.default === undefined) {
        problems.push({ path: childPath(path, key), rule: "null", message: "is null but not nullable: the API server drops it" });
      }
      continue;
    }
    out[key] = prune(child, sub, childPath(path, key), defs, problems);
  }
  return out;
}

/**
 * `obj` without the nulls the API server would drop, plus one `null` problem
 * per dropped null without a default. Returns `obj` itself when it holds no null.
 */
export function pruneNulls(obj: unknown, schema: PackedSchema): { value: unknown; problems: ValidationProblem[] } {
  if (!containsNull(obj)) return { value: obj, problems: [] };
  const problems: ValidationProblem[] = [];
  return { value: prune(obj, schema, "", schema.$defs, problems), problems };
}
