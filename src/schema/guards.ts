/** Runtime checks behind the generated `isAgent(obj)`-style type guards. */

/** Whether `obj` is an object whose `apiVersion` and `kind` are the given ones. */
export function hasIdentity(obj: unknown, apiVersion: string, kind: string): boolean {
  if (typeof obj !== "object" || obj === null) return false;
  const o = obj as { apiVersion?: unknown; kind?: unknown };
  return o.apiVersion === apiVersion && o.kind === kind;
}
