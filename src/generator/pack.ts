/**
 * Stores each object subtree that occurs more than once in a schema under
 * `$defs` and points to it with `$ref` (see `PackedSchema`). The Model schema
 * repeats `ValueSource` dozens of times; packed, it is a fifth of the size and
 * its validator compiles each shared shape once.
 */
import { refTo, type JsonSchemaProps, type PackedSchema } from "../schema/json-schema.js";
import { canonicalJson } from "./hash.js";

/** Names a shared subtree from the object path of its first occurrence (e.g. `spec.model` → `ValueSource`). */
export type DefNamer = (path: string) => string | undefined;

interface Child {
  key: "properties" | "items" | "additionalProperties";
  name?: string;
  node: JsonSchemaProps;
  path: string;
}

function children(node: JsonSchemaProps, path: string): Child[] {
  const out: Child[] = [];
  for (const [name, child] of Object.entries(node.properties ?? {})) out.push({ key: "properties", name, node: child, path: path ? `${path}.${name}` : name });
  if (node.items) out.push({ key: "items", node: node.items, path: `${path}[]` });
  if (typeof node.additionalProperties === "object") out.push({ key: "additionalProperties", node: node.additionalProperties, path: `${path}.*` });
  return out;
}

function isShareable(node: JsonSchemaProps): boolean {
  return node.type === "object" && node.properties !== undefined && Object.keys(node.properties).length > 0;
}

/** Packs `schema`; `nameFor` suggests `$defs` names (falling back to `Shared<n>`). */
export function packSchema(schema: JsonSchemaProps, nameFor: DefNamer): PackedSchema {
  const counts = new Map<string, { count: number; path: string }>();
  const keys = new Map<JsonSchemaProps, string>();
  const count = (node: JsonSchemaProps, path: string) => {
    for (const child of children(node, path)) count(child.node, child.path);
    if (!isShareable(node) || path === "") return;
    const key = canonicalJson(node);
    keys.set(node, key);
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { count: 1, path });
  };
  count(schema, "");

  const defs: Record<string, JsonSchemaProps> = {};
  const defNames = new Map<string, string>();
  const usedNames = new Set<string>();
  const rebuild = (node: JsonSchemaProps, path: string): JsonSchemaProps => {
    const out: JsonSchemaProps = { ...node };
    for (const child of children(node, path)) {
      const packed = rebuild(child.node, child.path);
      if (child.key === "properties") out.properties = { ...out.properties, [child.name!]: packed };
      else out[child.key] = packed;
    }
    const key = keys.get(node);
    if (key === undefined || counts.get(key)!.count < 2) return out;
    let name = defNames.get(key);
    if (name === undefined) {
      const base = nameFor(counts.get(key)!.path) ?? "Shared";
      name = base;
      for (let n = 2; usedNames.has(name); n++) name = `${base}${n}`;
      usedNames.add(name);
      defNames.set(key, name);
      defs[name] = out;
    }
    return { $ref: refTo(name) };
  };
  const root: PackedSchema = rebuild(schema, "");
  if (Object.keys(defs).length > 0) root.$defs = Object.fromEntries(Object.entries(defs).sort(([a], [b]) => (a < b ? -1 : 1)));
  return root;
}
