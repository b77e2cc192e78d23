/** Turning Kubernetes names into TypeScript identifiers and file names. */

/** `modelRef` → `ModelRef`, `a2a-server` → `A2aServer`; drops characters an identifier cannot hold. */
export function pascal(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** `Agent` → `agent`, `MCPServer` → `mcpServer`, `A2ATask` → `a2aTask`, `ArkConfig` → `arkConfig`. */
export function camelKind(kind: string): string {
  const lead = /^[A-Z0-9]+/.exec(kind)?.[0] ?? "";
  if (lead.length === 0) return kind;
  if (lead.length === kind.length) return kind.toLowerCase();
  // An acronym run followed by a capitalised word keeps that word's capital: MCPServer → mcp + Server.
  const keep = lead.length > 1 && /[a-z]/.test(kind[lead.length] ?? "") ? lead.length - 1 : lead.length;
  return kind.slice(0, keep).toLowerCase() + kind.slice(keep);
}

/**
 * The client property of a kind: its plural, camel-cased like the kind
 * (`Agent`/`agents` → `agents`, `MCPServer`/`mcpservers` → `mcpServers`,
 * `Memory`/`memories` → `memories`). Where the plural departs from the kind,
 * the plural's own letters follow the part they share.
 */
export function clientProperty(kind: string, plural: string): string {
  const camel = camelKind(kind);
  const lower = camel.toLowerCase();
  let shared = 0;
  while (shared < lower.length && shared < plural.length && lower[shared] === plural[shared]) shared++;
  const name = camel.slice(0, shared) + plural.slice(shared);
  return name.replace(/[^A-Za-z0-9_$]+([A-Za-z0-9])?/g, (_m, next: string | undefined) => (next ?? "").toUpperCase());
}

/** `MCPServer` → `mcp-server`, `A2ATask` → `a2a-task`, `ArkConfig` → `ark-config`. */
export function kebabKind(kind: string): string {
  const words = kind.match(/[A-Z0-9]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+[0-9]*|[0-9]+/g) ?? [kind];
  return words.map((w) => w.toLowerCase()).join("-");
}

/** The words of a PascalCase name, acronym runs and `_` kept whole: `MCPServerSpec` → `MCP`, `Server`, `Spec`. */
export function nameWords(name: string): string[] {
  return name.match(/[A-Z0-9]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+[0-9]*|[0-9]+|_/g) ?? [name];
}

/** The item name of a list field: `tools` → `tool`, `policies` → `policy`, `history` → `historyItem`. */
export function singular(field: string): string {
  if (/ies$/.test(field) && field.length > 3) return field.slice(0, -3) + "y";
  if (/(ss|x|ch|sh|us)es$/.test(field)) return field.slice(0, -2);
  if (/(ss|us)$/.test(field)) return `${field}Item`;
  if (/s$/.test(field) && field.length > 1) return field.slice(0, -1);
  return `${field}Item`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A property key as TypeScript source: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}
