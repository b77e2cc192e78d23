/** Renders the type graph as TypeScript declarations. */
import { propertyKey } from "./naming.js";
import type { RootType, Shape, ShapeProperty, TypeExpr } from "./shapes.js";

/** A doc comment, safe for any text (no early `*\/`). */
export function docComment(lines: readonly string[], indent = ""): string {
  const safe = lines.map((l) => l.replaceAll("*/", "*\\/"));
  if (safe.length === 1) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${safe.map((l) => `${indent} * ${l}`).join("\n")}\n${indent} */\n`;
}

function literalUnion(values: readonly (string | number)[], open: string): string {
  return [...values.map((v) => JSON.stringify(v)), open].join(" | ");
}

/** The TypeScript text of a type expression. */
function renderType(type: TypeExpr): string {
  const text = renderBase(type);
  return type.nullable ? `${text} | null` : text;
}

function renderBase(type: TypeExpr): string {
  switch (type.t) {
    case "string":
      // Enums stay open: a newer server may send values this SDK does not know yet.
      return type.values ? literalUnion(type.values, "(string & {})") : "string";
    case "number":
      return type.values ? literalUnion(type.values, "(number & {})") : "number";
    case "boolean":
      return "boolean";
    case "intOrString":
      return "number | string";
    case "unknown":
      return "unknown";
    case "array": {
      const items = renderType(type.items);
      return items.includes(" ") ? `(${items})[]` : `${items}[]`;
    }
    case "map":
      return `Record<string, ${renderType(type.values)}>`;
    case "empty":
      return "Record<string, never>";
    case "shape":
      return type.shape.name;
  }
}

function renderProperty(p: ShapeProperty): string {
  const doc = p.docs.length > 0 ? docComment([p.docs.join(" ")], "  ") : "";
  return `${doc}  ${propertyKey(p.name)}${p.optional ? "?" : ""}: ${renderType(p.type)};\n`;
}

function usedAt(shape: Shape): string {
  const first = shape.occurrences[0]!;
  const places = new Set(shape.occurrences.map((o) => `${o.model.typeName} \`${o.path}\``));
  if (places.size === 1) return `\`${first.path}\` of {@link ${first.model.typeName}}.`;
  const shown = [...places].slice(0, 3).join(", ");
  return `Shared by ${places.size} fields, e.g. ${shown}.`;
}

/** One shape as an exported interface. */
export function renderShape(shape: Shape): string {
  const first = shape.occurrences[0]!;
  const summary =
    shape.forcedName && first.path === "spec"
      ? `Desired state of {@link ${first.model.typeName}}.`
      : shape.forcedName && first.path === "status"
        ? `Observed state of {@link ${first.model.typeName}}, written by its controller.`
        : usedAt(shape);
  const lines = [summary];
  if (shape.open) lines.push("Unknown fields are kept by the API server (x-kubernetes-preserve-unknown-fields).");
  const body = shape.properties.map(renderProperty).join("");
  const index = shape.open ? "  [key: string]: unknown;\n" : "";
  return `${docComment(lines)}export interface ${shape.name} {\n${body}${index}}\n`;
}

/** A kind's root interface and list alias. */
export function renderRoot(root: RootType): string {
  const m = root.model;
  const body = [`  apiVersion: ${JSON.stringify(m.apiVersion)};\n`, `  kind: ${JSON.stringify(m.kind)};\n`, "  metadata: ObjectMeta;\n", ...root.properties.map(renderProperty)].join("");
  return (
    `${docComment([`The \`${m.kind}\` custom resource (\`${m.apiVersion}\`).`])}export interface ${m.typeName} {\n${body}}\n\n` +
    `${docComment([`A list of {@link ${m.typeName}} objects, as a list request returns it.`])}export type ${m.typeName}List = KubernetesList<${m.typeName}>;\n`
  );
}

/** The shapes a set of types refers to directly. */
export function referencedShapes(types: readonly TypeExpr[]): Set<Shape> {
  const out = new Set<Shape>();
  const visit = (t: TypeExpr) => {
    if (t.t === "shape") out.add(t.shape);
    else if (t.t === "array") visit(t.items);
    else if (t.t === "map") visit(t.values);
  };
  types.forEach(visit);
  return out;
}
