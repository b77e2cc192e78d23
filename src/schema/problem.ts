/**
 * What a validator reports: one problem per broken rule, each located by a
 * path into the object.
 *
 * Path format (the one Kubernetes uses in its own error causes): property
 * names joined with `.`, array indexes in brackets, e.g. `spec.tools[2].type`.
 * A map key that is not a plain identifier is written as a bracketed JSON
 * string, e.g. `metadata.labels["app.kubernetes.io/name"]`. The empty string
 * denotes the object itself.
 */

/** One reason an object does not satisfy its kind's schema. */
export interface ValidationProblem {
  /** Where: e.g. `spec.modelRef.name` or `spec.tools[2].type` ("" = the object itself). */
  path: string;
  /**
   * Which rule: a JSON Schema keyword (`required`, `type`, `enum`, `pattern`,
   * `minLength`, `maximum`, `format`, …), a Kubernetes one
   * (`x-kubernetes-int-or-string`, `x-kubernetes-list-type`,
   * `x-kubernetes-embedded-resource`), `unknown-field` (a field the schema does
   * not declare: the API server prunes it), `null` (a null the API server
   * prunes), `metadata` (an ObjectMeta rule such as the name format) or `kind`
   * (no schema for the object's apiVersion and kind).
   */
  rule: string;
  /** A sentence for humans, without the path. */
  message: string;
  /** The rule's parameters, e.g. `{ allowedValues: [...] }` for `enum`. */
  params?: Record<string, unknown>;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** Appends a property name or array index to a problem path. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  if (!IDENTIFIER.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === "" ? key : `${parent}.${key}`;
}

/** Renders problems one per line (`path: message [rule]`), for error messages and logs. */
export function formatProblems(problems: readonly ValidationProblem[]): string {
  return problems.map((p) => `${p.path || "(object)"}: ${p.message} [${p.rule}]`).join("\n");
}
