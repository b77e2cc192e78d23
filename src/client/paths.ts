/**
 * REST paths of a kind, from its descriptor: `/api/v1/...` for the core group,
 * `/apis/<group>/<version>/...` otherwise, with or without a namespace.
 */

import type { ResourceDescriptor } from "../core/descriptor.js";
import { ArgumentError } from "./errors.js";

// With the u flag a surrogate pair is one code point, so only unpaired halves match.
const LONE_SURROGATE = /\p{Surrogate}/u;
// "/" and "%" would change the URL path; control characters (C0 and DEL) are never part of a name.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_NAME = /[/%\u0000-\u001f\u007f]/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Checks an object or namespace name before it goes into a URL or a field
 * selector: a non-empty, well-formed string (no lone surrogates) of at most
 * 253 characters, without `/`, `%` or control characters, and not `.` or `..`
 * (what the API server accepts as a path segment name).
 */
export function checkName(field: string, value: unknown): string {
  if (typeof value !== "string" || value === "") throw new ArgumentError(field, "must be a non-empty string");
  if (LONE_SURROGATE.test(value)) throw new ArgumentError(field, `${JSON.stringify(value)} contains a lone surrogate (not valid Unicode)`);
  if (value.length > 253) throw new ArgumentError(field, `is ${value.length} characters long; names have at most 253`);
  if (FORBIDDEN_IN_NAME.test(value) || value === "." || value === "..") {
    throw new ArgumentError(field, `${JSON.stringify(value)} may not contain "/", "%" or control characters, or be "." or ".."`);
  }
  return value;
}

/** Checks a namespace name (an RFC 1123 label is what the API server accepts). */
export function checkNamespace(field: string, value: unknown): string {
  const name = checkName(field, value);
  if (!DNS_SUBDOMAIN.test(name) || name.length > 63) throw new ArgumentError(field, `"${name}" is not a valid namespace name`);
  return name;
}

/**
 * The collection path of a kind.
 * @param namespace - the namespace for namespaced kinds; `undefined` means all namespaces (list/watch only)
 */
export function collectionPath(descriptor: ResourceDescriptor, namespace: string | undefined): string {
  const root = descriptor.group === "" ? `/api/${descriptor.version}` : `/apis/${descriptor.group}/${descriptor.version}`;
  if (!descriptor.namespaced || namespace === undefined) return `${root}/${descriptor.plural}`;
  return `${root}/namespaces/${encodeURIComponent(namespace)}/${descriptor.plural}`;
}

/** The path of one object, optionally of a subresource such as `status`. */
export function objectPath(descriptor: ResourceDescriptor, namespace: string | undefined, name: string, subresource?: string): string {
  const base = `${collectionPath(descriptor, namespace)}/${encodeURIComponent(name)}`;
  return subresource ? `${base}/${subresource}` : base;
}
