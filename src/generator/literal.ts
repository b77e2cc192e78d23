/** Formats JSON data as a TypeScript object literal: identifier keys unquoted, short arrays on one line. */
import { propertyKey } from "./naming.js";

const WIDTH = 100;

/** A value printed as a bare identifier (a reference to a constant of the generated code). */
export class Identifier {
  constructor(readonly name: string) {}
}

/** The literal text of `value`, indented by `indent` levels of two spaces. */
export function toLiteral(value: unknown, indent = 0): string {
  if (value instanceof Identifier) return value.name;
  const pad = "  ".repeat(indent + 1);
  const end = "  ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inline = `[${value.map((v) => toLiteral(v, indent)).join(", ")}]`;
    if (!inline.includes("\n") && inline.length + indent * 2 <= WIDTH) return inline;
    return `[\n${value.map((v) => `${pad}${toLiteral(v, indent + 1)},`).join("\n")}\n${end}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    const inline = `{ ${entries.map(([k, v]) => `${propertyKey(k)}: ${toLiteral(v, indent + 1)}`).join(", ")} }`;
    if (entries.length <= 2 && !inline.includes("\n") && inline.length + indent * 2 <= WIDTH - 20) return inline;
    return `{\n${entries.map(([k, v]) => `${pad}${propertyKey(k)}: ${toLiteral(v, indent + 1)},`).join("\n")}\n${end}}`;
  }
  return JSON.stringify(value);
}
