/**
 * The ObjectMeta rules the API server applies to every custom resource before
 * its schema: name and namespace formats, label and annotation syntax. The
 * CRD schema only says `metadata: {type: object}`, so without these a
 * validator would pass names the server refuses.
 */
import { childPath, type ValidationProblem } from "./problem.js";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const ANNOTATIONS_MAX_BYTES = 256 * 1024;

function problem(path: string, message: string, params?: Record<string, unknown>): ValidationProblem {
  return params ? { path, rule: "metadata", message, params } : { path, rule: "metadata", message };
}

function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && DNS_SUBDOMAIN.test(value);
}

/**
 * Why `key` is not a qualified name (`prefix/name` with an optional
 * DNS-subdomain prefix and a 63-character name), or `undefined` when it is.
 */
export function qualifiedNameError(key: string): string | undefined {
  const parts = key.split("/");
  if (parts.length > 2) return "must be a qualified name: an optional DNS subdomain prefix and '/', then a name";
  const name = parts.length === 2 ? parts[1]! : parts[0]!;
  const prefix = parts.length === 2 ? parts[0]! : undefined;
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return "has a prefix that is not a valid DNS subdomain";
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME_PART.test(name)) {
    return "must be a qualified name: up to 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  }
  return undefined;
}

/** The message for a label value that is not one, or `undefined` when `value` is a valid label value. */
export function labelValueError(value: string): string | undefined {
  if (value.length <= 63 && LABEL_VALUE.test(value)) return undefined;
  return "label value must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
}

function stringMap(value: unknown, path: string, problems: ValidationProblem[]): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push({ path, rule: "type", message: "must be an object of strings", params: { type: "object" } });
    return undefined;
  }
  const map = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== "string") problems.push({ path: childPath(path, k), rule: "type", message: "must be a string", params: { type: "string" } });
  }
  return map;
}

function optionalString(meta: Record<string, unknown>, key: string, path: string, problems: ValidationProblem[]): string | undefined {
  const value = meta[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") {
    problems.push({ path: childPath(path, key), rule: "type", message: "must be a string", params: { type: "string" } });
    return undefined;
  }
  return value;
}

/**
 * Checks `metadata` of a custom resource as the API server does on create.
 * `namespace` is not required (the client fills it in from the request);
 * `name` is, unless `generateName` is set.
 * @param namespaced - whether the kind lives in namespaces (cluster-scoped kinds forbid `namespace`)
 */
export function validateObjectMeta(meta: unknown, namespaced: boolean, path = "metadata"): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    return [{ path, rule: meta === undefined ? "required" : "type", message: meta === undefined ? "is required" : "must be an object", params: { type: "object" } }];
  }
  const m = meta as Record<string, unknown>;
  const name = optionalString(m, "name", path, problems);
  const generateName = optionalString(m, "generateName", path, problems);
  if (generateName) {
    // The server appends random characters, so only the prefix (trailing dashes allowed) is checked.
    const prefix = generateName.replace(/-+$/, "");
    if (prefix !== "" && !isDnsSubdomain(prefix)) {
      problems.push(problem(childPath(path, "generateName"), "must be a DNS subdomain prefix: lowercase letters, digits, '-' and '.'"));
    }
  }
  if (name === undefined || name === "") {
    if (!generateName && !problems.some((p) => p.path === childPath(path, "name"))) {
      problems.push({ path: childPath(path, "name"), rule: "required", message: "is required (or set generateName)" });
    }
  } else if (!isDnsSubdomain(name)) {
    problems.push(problem(childPath(path, "name"), "must be a DNS subdomain: at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit", { value: name }));
  }
  const namespace = optionalString(m, "namespace", path, problems);
  if (namespace) {
    if (!namespaced) problems.push(problem(childPath(path, "namespace"), "is not allowed: the kind is cluster-scoped"));
    else if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
      problems.push(problem(childPath(path, "namespace"), "must be a DNS label: at most 63 lowercase letters, digits and '-'", { value: namespace }));
    }
  }
  const labels = stringMap(m.labels, childPath(path, "labels"), problems);
  for (const [key, value] of Object.entries(labels ?? {})) {
    const keyError = qualifiedNameError(key);
    if (keyError) problems.push(problem(childPath(childPath(path, "labels"), key), `label key ${keyError}`, { key }));
    const valueError = typeof value === "string" ? labelValueError(value) : undefined;
    if (valueError) problems.push(problem(childPath(childPath(path, "labels"), key), valueError, { value }));
  }
  const annotations = stringMap(m.annotations, childPath(path, "annotations"), problems);
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const keyError = qualifiedNameError(key.toLowerCase());
    if (keyError) problems.push(problem(childPath(childPath(path, "annotations"), key), `annotation key ${keyError}`, { key }));
    annotationBytes += Buffer.byteLength(key) + (typeof value === "string" ? Buffer.byteLength(value) : 0);
  }
  if (annotationBytes > ANNOTATIONS_MAX_BYTES) {
    problems.push(problem(childPath(path, "annotations"), `must be at most ${ANNOTATIONS_MAX_BYTES} bytes in total`, { bytes: annotationBytes }));
  }
  return problems;
}
