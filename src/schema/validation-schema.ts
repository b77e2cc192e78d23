/**
 * Turns a kind's structural schema (Kubernetes dialect) into the plain JSON
 * Schema a validator checks, so that validation means what the API server
 * means:
 * - fields the schema does not declare get `additionalProperties: false`
 *   (the server prunes them), except under `x-kubernetes-preserve-unknown-fields`;
 * - a required field with a `default` is not required (the server fills it in);
 * - `nullable` adds `null` (nulls the server prunes are removed beforehand,
 *   see `prune-nulls.ts`);
 * - `x-kubernetes-int-or-string` becomes `type: [integer, string]`;
 * - `x-kubernetes-embedded-resource` requires `apiVersion` and `kind`;
 * - OpenAPI's boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers;
 * - `x-kubernetes-list-type` set/map stays, checked by a custom keyword;
 * - the root pins `apiVersion` and `kind`; `metadata` is left to object-meta.ts.
 */
import { deref, type JsonSchemaProps, type PackedSchema } from "./json-schema.js";

/** A JSON Schema node as the validator compiles it. */
export type ValidationSchemaNode = Record<string, unknown>;

type Position = "skeleton" | "junctor";

interface Context {
  defs: Record<string, JsonSchemaProps> | undefined;
}

function isCanonicalIntOrString(anyOf: JsonSchemaProps[] | undefined): boolean {
  if (!anyOf || anyOf.length !== 2) return false;
  const types = anyOf.map((s) => (Object.keys(s).length === 1 ? s.type : undefined)).sort();
  return types[0] === "integer" && types[1] === "string";
}

function withNull(type: unknown): unknown {
  if (Array.isArray(type)) return type.includes("null") ? type : [...type, "null"];
  return type === undefined ? undefined : [type, "null"];
}

function translate(node: JsonSchemaProps, position: Position, ctx: Context): ValidationSchemaNode {
  if (node.$ref !== undefined) return { $ref: node.$ref };
  const out: ValidationSchemaNode = {};
  const intOrString = node["x-kubernetes-int-or-string"] === true;
  const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
  if (intOrString) out.type = ["integer", "string"];
  else if (node.type !== undefined) out.type = node.type;
  if (node.nullable) out.type = withNull(out.type);
  if (node.enum) out.enum = node.nullable && !node.enum.includes(null) ? [...node.enum, null] : [...node.enum];

  if (node.minimum !== undefined) out[node.exclusiveMinimum ? "exclusiveMinimum" : "minimum"] = node.minimum;
  if (node.maximum !== undefined) out[node.exclusiveMaximum ? "exclusiveMaximum" : "maximum"] = node.maximum;
  for (const key of ["multipleOf", "minLength", "maxLength", "pattern", "format", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties"] as const) {
    if (node[key] !== undefined) out[key] = node[key];
  }
  const listType = node["x-kubernetes-list-type"];
  if (listType === "set" || listType === "map") {
    out["x-kubernetes-list-type"] = listType;
    if (listType === "map") out["x-kubernetes-list-map-keys"] = [...(node["x-kubernetes-list-map-keys"] ?? [])];
  }
  if (node.items) out.items = translate(node.items, position, ctx);

  const properties: Record<string, ValidationSchemaNode> = {};
  const required = new Set(node.required ?? []);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const hasDefault = deref(child, ctx.defs).default !== undefined;
    if (hasDefault) required.delete(name);
    properties[name] = translate(child, position, ctx);
  }
  if (node["x-kubernetes-embedded-resource"] && position === "skeleton") {
    // The server requires apiVersion and kind on embedded objects and keeps their metadata.
    properties.apiVersion ??= { type: "string", minLength: 1 };
    properties.kind ??= { type: "string", minLength: 1 };
    properties.metadata ??= { type: "object" };
    required.add("apiVersion").add("kind");
  }
  if (Object.keys(properties).length > 0) out.properties = properties;
  if (required.size > 0) out.required = [...required];

  if (node.additionalProperties !== undefined) {
    out.additionalProperties = typeof node.additionalProperties === "boolean" ? node.additionalProperties : translate(node.additionalProperties, position, ctx);
  } else if (position === "skeleton" && node.type === "object" && !preserve) {
    out.additionalProperties = false;
  }

  for (const key of ["allOf", "oneOf"] as const) {
    if (node[key]) out[key] = node[key]!.map((s) => translate(s, "junctor", ctx));
  }
  if (node.anyOf && !(intOrString && isCanonicalIntOrString(node.anyOf))) out.anyOf = node.anyOf.map((s) => translate(s, "junctor", ctx));
  if (node.not) out.not = translate(node.not, "junctor", ctx);
  return out;
}

/**
 * The validation schema of one kind's version.
 * @param schema - the packed structural schema (as the generator emits it)
 * @param identity - the `apiVersion` and `kind` objects must carry
 */
export function toValidationSchema(schema: PackedSchema, identity: { apiVersion: string; kind: string }): ValidationSchemaNode {
  const ctx: Context = { defs: schema.$defs };
  const root = translate({ ...schema, $defs: undefined } as JsonSchemaProps, "skeleton", ctx);
  const properties = (root.properties ?? {}) as Record<string, ValidationSchemaNode>;
  properties.apiVersion = { const: identity.apiVersion };
  properties.kind = { const: identity.kind };
  // ObjectMeta is checked by validateObjectMeta (object-meta.ts); the server keeps its fields.
  properties.metadata = {};
  root.properties = properties;
  root.required = [...new Set([...((root.required as string[] | undefined) ?? []), "apiVersion", "kind"])];
  root.type = "object";
  if (schema.$defs) {
    root.$defs = Object.fromEntries(Object.entries(schema.$defs).map(([name, def]) => [name, translate(def, "skeleton", ctx)]));
  }
  return root;
}
