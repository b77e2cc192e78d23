/**
 * From schemas to TypeScript types: every object node with properties becomes
 * a named interface ("shape"). Structurally equal shapes reached through the
 * same field name (or recognised as a well-known Kubernetes/ARK shape such as
 * `ValueSource`) are emitted once and shared, across kinds too.
 *
 * Naming, in order of preference: the kind's `Spec`/`Status` (fixed); a
 * well-known name; the field's own name when the shape sits under several
 * different parents (`Header`, `TokenUsage`); else the parent's name plus the
 * field (`AgentSpecModelRef`). Two shapes that end up wanting the same name is
 * a {@link GeneratorError}.
 */
import type { JsonSchemaProps } from "../schema/json-schema.js";
import { GeneratorError } from "./errors.js";
import type { KindVersionModel } from "./model.js";
import { nameWords, pascal, singular } from "./naming.js";

/** A TypeScript type, before rendering. */
export type TypeExpr = (
  | { t: "string"; values?: string[] }
  | { t: "number"; values?: number[] }
  | { t: "boolean" }
  | { t: "intOrString" }
  | { t: "unknown" }
  | { t: "array"; items: TypeExpr }
  | { t: "map"; values: TypeExpr }
  | { t: "empty" }
  | { t: "shape"; shape: Shape }
) & { nullable?: boolean };

/** One property of an interface. */
export interface ShapeProperty {
  name: string;
  type: TypeExpr;
  optional: boolean;
  /** Short facts for the doc comment (default, format, bounds). */
  docs: string[];
}

/** One place a shape is used. */
export interface Occurrence {
  model: KindVersionModel;
  /** JSONPath-like location in the object, e.g. `spec.tools[].partial`. */
  path: string;
  parent: Shape | undefined;
  field: string;
  depth: number;
  order: number;
}

/** An interface to emit. */
export interface Shape {
  key: string;
  properties: ShapeProperty[];
  /** Whether unknown fields are kept (`x-kubernetes-preserve-unknown-fields`): adds an index signature. */
  open: boolean;
  field: string;
  wellKnown?: string;
  forcedName?: string;
  occurrences: Occurrence[];
  name: string;
  /** The file stem of the one kind using it, or `shared`. */
  module: string;
}

/** The root interface of one kind's version. */
export interface RootType {
  model: KindVersionModel;
  /** Properties besides apiVersion, kind and metadata. */
  properties: ShapeProperty[];
}

/** All types of a generation run. */
export interface TypeGraph {
  roots: RootType[];
  /** Every shape, in first-use order. */
  shapes: Shape[];
}

/** Names the generated modules import or declare besides shapes. */
const RESERVED_NAMES = [
  "ObjectMeta", "KubernetesList", "ResourceDescriptor", "ValidationProblem", "ValidateOptions", "PackedSchema",
  "CustomResourceDefinition", "Record", "Array", "Object", "String", "Number", "Boolean", "Date", "Error", "Map", "Set",
  "Promise", "Symbol", "Function", "JSON", "Partial", "Required", "Readonly", "Pick", "Omit",
];

interface WellKnown {
  name: string;
  matches(props: string[]): boolean;
}

const exactly = (...names: string[]) => (props: string[]) => props.join(",") === [...names].sort().join(",");
const VALUE_FROM_SOURCES = ["configMapKeyRef", "queryParameterRef", "secretKeyRef", "serviceRef"];

/** Shapes common enough in Kubernetes and ARK schemas to deserve their usual names. */
const WELL_KNOWN: WellKnown[] = [
  { name: "ValueSource", matches: exactly("value", "valueFrom") },
  { name: "ValueFromSource", matches: (p) => p.length >= 2 && p.every((n) => VALUE_FROM_SOURCES.includes(n)) },
  { name: "KeySelector", matches: exactly("key", "name", "optional") },
  { name: "Condition", matches: exactly("lastTransitionTime", "message", "observedGeneration", "reason", "status", "type") },
  { name: "LabelSelector", matches: exactly("matchExpressions", "matchLabels") },
  { name: "LabelSelectorRequirement", matches: exactly("key", "operator", "values") },
  { name: "ServiceReference", matches: exactly("name", "namespace", "path", "port") },
  { name: "Parameter", matches: exactly("name", "value", "valueFrom") },
];

/** Field names too vague to name a shared type on their own. */
const GENERIC_FIELDS = new Set(["value", "valueFrom", "spec", "status", "config", "data", "item", "items", "metadata", "properties", "values", "ref", "options", "settings"]);

function docFacts(node: JsonSchemaProps): string[] {
  const docs: string[] = [];
  if (node.default !== undefined) docs.push(`Default: \`${JSON.stringify(node.default)}\`.`);
  if (node.format !== undefined) docs.push(`Format: \`${node.format}\`.`);
  if (node.minLength !== undefined && node.minLength > 0) docs.push(`At least ${node.minLength} character${node.minLength === 1 ? "" : "s"}.`);
  if (node.maxLength !== undefined) docs.push(`At most ${node.maxLength} characters.`);
  if (node.minimum !== undefined) docs.push(`Minimum: ${node.minimum}${node.exclusiveMinimum ? " (exclusive)" : ""}.`);
  if (node.maximum !== undefined) docs.push(`Maximum: ${node.maximum}${node.exclusiveMaximum ? " (exclusive)" : ""}.`);
  if (node.minItems !== undefined && node.minItems > 0) docs.push(`At least ${node.minItems} item${node.minItems === 1 ? "" : "s"}.`);
  if (node.maxItems !== undefined) docs.push(`At most ${node.maxItems} items.`);
  if (node["x-kubernetes-preserve-unknown-fields"] && node.type === undefined) docs.push("Any JSON value: the API server keeps it as sent.");
  return docs;
}

/** A stable text identifying a type expression, for deduplication. */
function typeKey(type: TypeExpr): string {
  const n = type.nullable ? "?" : "";
  switch (type.t) {
    case "string":
    case "number":
      return `${type.t}${type.values ? JSON.stringify(type.values) : ""}${n}`;
    case "array":
      return `[${typeKey(type.items)}]${n}`;
    case "map":
      return `{${typeKey(type.values)}}${n}`;
    case "shape":
      return `<${type.shape.key}>${n}`;
    default:
      return `${type.t}${n}`;
  }
}

interface PendingOccurrence {
  shape: Shape;
  model: KindVersionModel;
  path: string;
  parentPath: string | undefined;
  field: string;
  depth: number;
}

class GraphBuilder {
  readonly shapes = new Map<string, Shape>();
  readonly pending: PendingOccurrence[] = [];

  /** The type of a schema node reached through `field` at `path`. */
  typeOf(node: JsonSchemaProps, model: KindVersionModel, field: string, path: string, parentPath: string | undefined, depth: number, forcedName?: string): TypeExpr {
    const base = this.baseType(node, model, field, path, parentPath, depth, forcedName);
    return node.nullable ? { ...base, nullable: true } : base;
  }

  private baseType(node: JsonSchemaProps, model: KindVersionModel, field: string, path: string, parentPath: string | undefined, depth: number, forcedName?: string): TypeExpr {
    if (node["x-kubernetes-int-or-string"]) return { t: "intOrString" };
    switch (node.type) {
      case undefined:
        return { t: "unknown" };
      case "string": {
        const values = node.enum?.filter((v): v is string => typeof v === "string");
        return values && values.length > 0 ? { t: "string", values } : { t: "string" };
      }
      case "integer":
      case "number": {
        const values = node.enum?.filter((v): v is number => typeof v === "number");
        return values && values.length > 0 ? { t: "number", values } : { t: "number" };
      }
      case "boolean":
        return { t: "boolean" };
      case "array":
        return { t: "array", items: node.items ? this.typeOf(node.items, model, singular(field), `${path}[]`, parentPath, depth, undefined) : { t: "unknown" } };
      case "object":
        return this.objectType(node, model, field, path, parentPath, depth, forcedName);
    }
  }

  private objectType(node: JsonSchemaProps, model: KindVersionModel, field: string, path: string, parentPath: string | undefined, depth: number, forcedName?: string): TypeExpr {
    const preserve = node["x-kubernetes-preserve-unknown-fields"] === true;
    const props = Object.entries(node.properties ?? {});
    if (props.length === 0) {
      if (typeof node.additionalProperties === "object") {
        return { t: "map", values: this.typeOf(node.additionalProperties, model, `${field}Value`, `${path}.*`, parentPath, depth, undefined) };
      }
      if (node.additionalProperties === true || preserve) return { t: "map", values: { t: "unknown" } };
      return { t: "empty" };
    }
    const required = new Set(node.required ?? []);
    const properties: ShapeProperty[] = props.map(([name, child]) => ({
      name,
      type: this.typeOf(child, model, name, `${path}.${name}`, path, depth + 1),
      optional: !required.has(name) || child.default !== undefined,
      docs: docFacts(child),
    }));
    const names = properties.map((p) => p.name).sort();
    const wellKnown = forcedName ? undefined : WELL_KNOWN.find((w) => w.matches(names))?.name;
    const content = JSON.stringify([preserve, properties.map((p) => [p.name, typeKey(p.type), p.optional, p.docs])]);
    const key = forcedName ? `forced:${forcedName}|${content}` : wellKnown ? `${wellKnown}|${content}` : `${field}|${content}`;
    let shape = this.shapes.get(key);
    if (!shape) {
      shape = { key, properties, open: preserve, field, occurrences: [], name: "", module: "" };
      if (wellKnown) shape.wellKnown = wellKnown;
      if (forcedName) shape.forcedName = forcedName;
      this.shapes.set(key, shape);
    }
    this.pending.push({ shape, model, path, parentPath, field, depth });
    return { t: "shape", shape };
  }
}

function rootProperties(builder: GraphBuilder, model: KindVersionModel): ShapeProperty[] {
  const required = new Set(model.schema.required ?? []);
  // apiVersion, kind and metadata are rendered by the root itself (literal types, ObjectMeta).
  const properties: ShapeProperty[] = [];
  for (const [name, node] of Object.entries(model.schema.properties ?? {})) {
    if (name === "apiVersion" || name === "kind" || name === "metadata") continue;
    const forced = node.type === "object" && node.properties ? `${model.typeName}${pascal(name)}` : undefined;
    properties.push({
      name,
      type: builder.typeOf(node, model, name, name, undefined, 1, forced),
      // The kind's spec is typed as present (ARK's controllers and clients rely on it); status is written by controllers.
      optional: name === "spec" ? false : name === "status" ? true : !required.has(name),
      docs: docFacts(node),
    });
  }
  return properties;
}

/** `HeaderValue` + `ValueFrom` → `HeaderValueFrom`: words the parent ends with and the field starts with appear once. */
function joinName(parent: string, field: string): string {
  const a = nameWords(parent);
  const b = nameWords(field);
  for (let n = Math.min(a.length - 1, b.length - 1); n > 0; n--) {
    if (a.slice(a.length - n).join("") === b.slice(0, n).join("")) return parent + b.slice(n).join("");
  }
  return parent + field;
}

function sameRoot(a: Occurrence, b: Occurrence): number {
  return a.depth - b.depth || a.order - b.order;
}

function assignNames(shapes: Shape[], models: readonly KindVersionModel[]): void {
  const taken = new Map<string, string>();
  const where = (shape: Shape) => {
    const o = shape.occurrences[0]!;
    return `${o.model.kind} ${o.model.version} ${o.path}`;
  };
  for (const name of RESERVED_NAMES) taken.set(name, "a name ark-sdk reserves");
  for (const m of models) {
    for (const name of [m.typeName, `${m.typeName}List`]) {
      if (taken.has(name)) throw new GeneratorError({ file: m.origin, kind: m.kind, version: m.version }, `name clash between generated types: "${name}" is ${taken.get(name)}`);
    }
    taken.set(m.typeName, `the kind ${m.kind} ${m.version}`);
    taken.set(`${m.typeName}List`, `the list type of ${m.kind} ${m.version}`);
  }
  const claim = (shape: Shape, name: string) => {
    shape.name = name;
    taken.set(name, where(shape));
  };
  for (const shape of shapes.filter((s) => s.forcedName)) {
    const name = shape.forcedName!;
    const first = shape.occurrences[0]!;
    if (taken.has(name)) {
      throw new GeneratorError({ file: first.model.origin, kind: first.model.kind, version: first.model.version, path: `$.${first.path}` }, `name clash between generated types: "${name}" is also ${taken.get(name)}`);
    }
    claim(shape, name);
  }
  // Well-known names go to the shape used most often; the others are named like any shape.
  const wellKnown = shapes.filter((s) => s.wellKnown).sort((a, b) => b.occurrences.length - a.occurrences.length || sameRoot(a.occurrences[0]!, b.occurrences[0]!));
  for (const shape of wellKnown) if (!taken.has(shape.wellKnown!)) claim(shape, shape.wellKnown!);
  const rest = shapes.filter((s) => !s.name).sort((a, b) => sameRoot(a.occurrences[0]!, b.occurrences[0]!));
  for (const shape of rest) {
    const first = shape.occurrences[0]!;
    const parents = new Set(shape.occurrences.map((o) => o.parent));
    const candidates: string[] = [];
    if (parents.size > 1 && !GENERIC_FIELDS.has(shape.field)) candidates.push(pascal(shape.field));
    candidates.push(joinName(first.parent?.name ?? first.model.typeName, pascal(shape.field)));
    const free = candidates.find((c) => !taken.has(c));
    if (free === undefined) {
      const name = candidates[candidates.length - 1]!;
      throw new GeneratorError({ file: first.model.origin, kind: first.model.kind, version: first.model.version, path: `$.${first.path}` }, `name clash between generated types: "${name}" is also ${taken.get(name)}`);
    }
    claim(shape, free);
  }
}

/** Builds the type graph of all models: shared shapes deduplicated, every shape named and placed in a module. */
export function buildTypeGraph(models: readonly KindVersionModel[]): TypeGraph {
  const builder = new GraphBuilder();
  const roots = models.map((model) => ({ model, properties: rootProperties(builder, model) }));
  // Occurrences are recorded bottom-up; link each to its parent shape now that all exist.
  const byPath = new Map<string, Shape>();
  for (const p of builder.pending) byPath.set(`${p.model.fileName}\u0000${p.path}`, p.shape);
  builder.pending.forEach((p, order) => {
    const parent = p.parentPath === undefined ? undefined : byPath.get(`${p.model.fileName}\u0000${p.parentPath}`);
    p.shape.occurrences.push({ model: p.model, path: p.path, parent, field: p.field, depth: p.depth, order });
  });
  const shapes = [...builder.shapes.values()];
  for (const shape of shapes) {
    shape.occurrences.sort(sameRoot);
    const modules = new Set(shape.occurrences.map((o) => o.model.fileName));
    shape.module = modules.size === 1 ? [...modules][0]! : "shared";
  }
  assignNames(shapes, models);
  // First-use order: by depth of first use, then discovery order.
  shapes.sort((a, b) => sameRoot(a.occurrences[0]!, b.occurrences[0]!));
  return { roots, shapes };
}
