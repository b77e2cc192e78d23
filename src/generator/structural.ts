/**
 * Checks that a CRD version's schema is structural and uses only constructs
 * the generator understands, and returns it without documentation text
 * (`description`, `title`, `example`, `externalDocs`): the generated output
 * carries no upstream prose.
 */
import type { JsonSchemaProps, SchemaType } from "../schema/json-schema.js";
import { GeneratorError, type GeneratorErrorLocation } from "./errors.js";
import { isRecord } from "../core/json.js";

const TYPES = new Set<SchemaType>(["object", "array", "string", "integer", "number", "boolean"]);
const DOC_KEYS = new Set(["description", "title", "example", "externalDocs"]);
/** Keys of JSONSchemaProps a structural schema may not (or ark-sdk cannot) use. */
const UNSUPPORTED: Record<string, string> = {
  $ref: "references are not allowed in a structural schema",
  $schema: "is not allowed in a CRD schema",
  id: "is not allowed in a CRD schema",
  definitions: "is not allowed in a structural schema",
  dependencies: "is not supported",
  patternProperties: "is not allowed in a structural schema",
  additionalItems: "is not allowed in a structural schema",
};
const KNOWN = new Set([
  "type", "format", "default", "enum", "nullable", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "multipleOf",
  "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required",
  "items", "properties", "additionalProperties", "allOf", "anyOf", "oneOf", "not",
  "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string",
  "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations",
  ...DOC_KEYS,
]);

/** The result of {@link cleanSchema}. */
export interface CleanSchema {
  schema: JsonSchemaProps;
  /** Things the generator keeps but cannot check client-side (CEL rules). */
  warnings: string[];
}

class Walker {
  readonly warnings: string[] = [];
  constructor(private readonly location: GeneratorErrorLocation) {}

  fail(path: string, problem: string): never {
    throw new GeneratorError({ ...this.location, path }, problem);
  }

  /** A node of the skeleton (reached through properties, items, additionalProperties). */
  node(raw: unknown, path: string, inJunctor: boolean, parent?: Record<string, unknown>): JsonSchemaProps {
    if (!isRecord(raw)) this.fail(path, `schema must be an object, got ${JSON.stringify(raw)}`);
    const out: Record<string, unknown> = {};
    // Sorted keys: a schema read from a cluster (Go struct order) and from YAML come out the same.
    for (const [key, value] of Object.entries(raw).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (DOC_KEYS.has(key)) continue;
      if (key in UNSUPPORTED) this.fail(path, `unsupported schema construct "${key}": ${UNSUPPORTED[key]}`);
      if (!KNOWN.has(key)) this.fail(path, `unsupported schema construct "${key}"`);
      out[key] = this.keyword(key, value, path, inJunctor, raw, parent);
    }
    const intOrString = out["x-kubernetes-int-or-string"] === true;
    const preserve = out["x-kubernetes-preserve-unknown-fields"] === true;
    if (!inJunctor) {
      if (out.type === undefined && !intOrString && !preserve) {
        this.fail(path, "has no type: a structural schema needs one unless x-kubernetes-int-or-string or x-kubernetes-preserve-unknown-fields is set");
      }
      if (out.properties !== undefined && out.additionalProperties !== undefined && out.additionalProperties !== false) {
        this.fail(path, "sets both properties and additionalProperties, which a structural schema forbids");
      }
    } else {
      const parentIntOrString = parent?.["x-kubernetes-int-or-string"] === true;
      for (const key of ["type", "default", "nullable", "additionalProperties"]) {
        if (key in out && !(key === "type" && parentIntOrString)) this.fail(path, `"${key}" is not allowed inside allOf/anyOf/oneOf/not of a structural schema`);
      }
      const declared = isRecord(parent?.properties) ? parent.properties : {};
      for (const name of Object.keys(isRecord(out.properties) ? out.properties : {})) {
        if (!(name in declared)) this.fail(`${path}.${name}`, "is declared only inside allOf/anyOf/oneOf/not; a structural schema declares every field in its skeleton");
      }
    }
    if (out["x-kubernetes-list-type"] === "map" && !(Array.isArray(out["x-kubernetes-list-map-keys"]) && out["x-kubernetes-list-map-keys"].length > 0)) {
      this.fail(path, "x-kubernetes-list-type: map needs x-kubernetes-list-map-keys");
    }
    return out as JsonSchemaProps;
  }

  keyword(key: string, value: unknown, path: string, inJunctor: boolean, node: Record<string, unknown>, parent: Record<string, unknown> | undefined): unknown {
    switch (key) {
      case "type":
        if (!TYPES.has(value as SchemaType)) this.fail(path, `unsupported type ${JSON.stringify(value)}`);
        return value;
      case "properties":
        if (!isRecord(value)) this.fail(path, "properties must be an object");
        return Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([name, child]) => [name, this.node(child, `${path}.${name}`, inJunctor, node)]),
        );
      case "items":
        if (Array.isArray(value)) this.fail(path, "unsupported schema construct: items as a list (tuple) is not allowed in a structural schema");
        return this.node(value, `${path}[*]`, inJunctor, node);
      case "additionalProperties":
        if (typeof value === "boolean") return value;
        return this.node(value, `${path}.*`, inJunctor, node);
      case "allOf":
      case "anyOf":
      case "oneOf":
        if (!Array.isArray(value)) this.fail(path, `${key} must be a list of schemas`);
        return value.map((v) => this.node(v, path, true, inJunctor ? parent : node));
      case "not":
        return this.node(value, path, true, inJunctor ? parent : node);
      case "required":
      case "x-kubernetes-list-map-keys":
        if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) this.fail(path, `${key} must be a list of strings`);
        return [...value];
      case "enum":
        if (!Array.isArray(value)) this.fail(path, "enum must be a list");
        return structuredClone(value);
      case "x-kubernetes-validations":
        if (!Array.isArray(value)) this.fail(path, "x-kubernetes-validations must be a list");
        this.warnings.push(`${path}: ${value.length} CEL rule(s) (x-kubernetes-validations) kept in the schema but not checked client-side`);
        return structuredClone(value);
      case "x-kubernetes-list-type":
        if (value !== "atomic" && value !== "set" && value !== "map") this.fail(path, `x-kubernetes-list-type must be atomic, set or map, got ${JSON.stringify(value)}`);
        return value;
      case "x-kubernetes-map-type":
        if (value !== "atomic" && value !== "granular") this.fail(path, `x-kubernetes-map-type must be atomic or granular, got ${JSON.stringify(value)}`);
        return value;
      case "pattern":
      case "format":
        if (typeof value !== "string") this.fail(path, `${key} must be a string`);
        if (key === "pattern") {
          try {
            new RegExp(value, "u");
          } catch {
            this.fail(path, `pattern ${JSON.stringify(value)} is not a regular expression this validator can run`);
          }
        }
        return value;
      case "nullable":
      case "uniqueItems":
      case "exclusiveMaximum":
      case "exclusiveMinimum":
      case "x-kubernetes-preserve-unknown-fields":
      case "x-kubernetes-embedded-resource":
      case "x-kubernetes-int-or-string":
        if (typeof value !== "boolean") this.fail(path, `${key} must be true or false`);
        if (key === "uniqueItems" && value) this.fail(path, "uniqueItems: true is not allowed in a CRD schema (use x-kubernetes-list-type: set)");
        return value;
      case "default":
        return structuredClone(value);
      default:
        if (typeof value !== "number") this.fail(path, `${key} must be a number`);
        return value;
    }
  }
}

/**
 * Validates and cleans a version's `openAPIV3Schema`.
 * @param location - file, kind and version, for error messages
 */
export function cleanSchema(raw: unknown, location: GeneratorErrorLocation): CleanSchema {
  if (raw === undefined) throw new GeneratorError({ ...location, path: "$" }, "has no schema (spec.versions[].schema.openAPIV3Schema): a structural schema is required");
  const walker = new Walker(location);
  const schema = walker.node(raw, "$", false);
  if (schema.type !== "object") walker.fail("$", `the root of a CRD schema must have type object, got ${JSON.stringify(schema.type)}`);
  return { schema, warnings: walker.warnings };
}
