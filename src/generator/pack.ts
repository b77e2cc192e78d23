/**
 * Stores each object subtree that occurs more than once (in a schema, or
 * across the schemas of a generation run) under
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

/** How often each shareable subtree (by canonical JSON) occurs in `schemas`, all together. */
export function countSubtrees(schemas: readonly JsonSchemaProps[]): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (node: JsonSchemaProps, path: string) => {
    for (const child of children(node, path)) count(child.node, child.path);
    if (!isShareable(node) || path === "") return;
    const key = canonicalJson(node);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  for (const schema of schemas) count(schema, "");
  return counts;
}

/**
 * Packs `schema`: every subtree that occurs at least twice (per `counts`,
 * e.g. over all kinds of a generation run) moves to `$defs`. `nameFor`
 * suggests `$defs` names (falling back to `Shared<n>`).
 */
export function packSchema(schema: JsonSchemaProps, nameFor: DefNamer, counts: ReadonlyMap<string, number> = countSubtrees([schema])): PackedSchema {
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
    if (!isShareable(node) || path === "") return out;
    const key = canonicalJson(node);
    if ((counts.get(key) ?? 0) < 2) return out;
    let name = defNames.get(key);
    if (name === undefined) {
      const base = nameFor(path) ?? "Shared";
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
