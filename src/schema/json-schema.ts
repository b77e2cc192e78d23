/**
 * The OpenAPI v3 schema dialect of `apiextensions.k8s.io/v1` CRDs
 * (`JSONSchemaProps`), in its wire form: the keys are exactly what the API
 * server reads and writes, including the `x-kubernetes-*` extensions.
 */

import { ArgumentError } from "../core/errors.js";

/** A CEL rule (`x-kubernetes-validations`); kept in schemas, not evaluated client-side. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
}

/** The JSON types a schema node may declare. */
export type SchemaType = "object" | "array" | "string" | "integer" | "number" | "boolean";

/** One node of a CRD's OpenAPI v3 schema. */
export interface JsonSchemaProps {
  type?: SchemaType;
  format?: string;
  title?: string;
  description?: string;
  default?: unknown;
  example?: unknown;
  enum?: unknown[];
  nullable?: boolean;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  multipleOf?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: JsonSchemaProps;
  properties?: Record<string, JsonSchemaProps>;
  additionalProperties?: JsonSchemaProps | boolean;
  allOf?: JsonSchemaProps[];
  anyOf?: JsonSchemaProps[];
  oneOf?: JsonSchemaProps[];
  not?: JsonSchemaProps;
  externalDocs?: { description?: string; url?: string };
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-embedded-resource"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: ValidationRule[];
  /**
   * Only in ark-sdk's packed schemas: a reference `#/$defs/<name>` to a shared
   * subtree. Never sent to an API server (the CRD builder inlines them).
   */
  $ref?: string;
}

/**
 * A structural schema whose repeated subtrees are stored once under `$defs`
 * and referenced with `$ref`: the generated modules stay small and a validator
 * compiles each shared shape once.
 */
export interface PackedSchema extends JsonSchemaProps {
  $defs?: Record<string, JsonSchemaProps>;
}

const REF_PREFIX = "#/$defs/";

/** The `$defs` entry a `$ref` names, or an error naming the dangling reference. */
export function resolveRef(ref: string, defs: Record<string, JsonSchemaProps> | undefined): JsonSchemaProps {
  const name = ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
  const target = name === undefined ? undefined : defs?.[name];
  if (!target) throw new ArgumentError("$ref", `schema reference ${JSON.stringify(ref)} does not name an entry of $defs`);
  return target;
}

/** The `$ref` value pointing at `$defs[name]`. */
export function refTo(name: string): string {
  return `${REF_PREFIX}${name}`;
}

/** Follows `node.$ref` (if any) to the node it stands for. */
export function deref(node: JsonSchemaProps, defs: Record<string, JsonSchemaProps> | undefined): JsonSchemaProps {
  return node.$ref === undefined ? node : resolveRef(node.$ref, defs);
}

/** The plain structural schema (no `$ref`, no `$defs`) an API server accepts, as a fresh copy. */
export function unpackSchema(schema: PackedSchema): JsonSchemaProps {
  const defs = schema.$defs;
  const inline = (node: JsonSchemaProps): JsonSchemaProps => {
    const source = deref(node, defs);
    const out: JsonSchemaProps = {};
    for (const [key, value] of Object.entries(source) as [keyof PackedSchema, unknown][]) {
      if (key === "$defs" || key === "$ref") continue;
      (out as Record<string, unknown>)[key] = mapChildren(key, value, inline);
    }
    return out;
  };
  return inline(schema);
}

/**
 * Applies `fn` to the sub-schemas held under `key` (properties, items,
 * additionalProperties, allOf/anyOf/oneOf/not) and deep-copies any other value.
 */
function mapChildren(key: string, value: unknown, fn: (node: JsonSchemaProps) => JsonSchemaProps): unknown {
  switch (key) {
    case "properties":
      return Object.fromEntries(Object.entries(value as Record<string, JsonSchemaProps>).map(([k, v]) => [k, fn(v)]));
    case "items":
    case "not":
      return fn(value as JsonSchemaProps);
    case "additionalProperties":
      return typeof value === "boolean" ? value : fn(value as JsonSchemaProps);
    case "allOf":
    case "anyOf":
    case "oneOf":
      return (value as JsonSchemaProps[]).map(fn);
    default:
      return structuredClone(value);
  }
}
