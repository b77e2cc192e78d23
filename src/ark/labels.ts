/**
 * ARK "tags": user labels stored as `ark.mckinsey.com/label.<tag>: "true"`,
 * with the Python SDK's rules (new tags letters and digits only; tags written
 * by older versions may keep `-`, `_` and `.`).
 */

import { ArgumentError } from "../client/errors.js";
import { ARK_DOMAIN } from "./annotations.js";

/** Prefix of ARK label keys. */
export const ARK_LABEL_PREFIX = ARK_DOMAIN;
/** Prefix of tag label keys. */
export const ARK_TAG_LABEL_PREFIX = `${ARK_LABEL_PREFIX}label.`;
/** What a new tag may contain. */
export const TAG_PATTERN = /^[a-zA-Z0-9]+$/;
/** What tags written by earlier versions may contain. */
export const LEGACY_TAG_PATTERN = /^[a-zA-Z0-9]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?$/;
/** A label name part is at most 63 characters, minus `label.`. */
export const TAG_MAX_LENGTH = 57;

function checkLength(tag: string): void {
  if (tag === "") throw new ArgumentError("tags", "Tag cannot be empty");
  if (tag.length > TAG_MAX_LENGTH) throw new ArgumentError("tags", `Tag '${tag}' is too long: ${tag.length} characters, maximum is ${TAG_MAX_LENGTH}`);
}

/** Throws `ArgumentError` unless `tag` is a valid new tag. */
export function validateTag(tag: string): void {
  checkLength(tag);
  if (!TAG_PATTERN.test(tag)) throw new ArgumentError("tags", `Tag '${tag}' is invalid: use only letters and digits`);
}

/** Throws `ArgumentError` unless `tag` is valid under the legacy rule. */
export function validateLegacyTag(tag: string): void {
  checkLength(tag);
  if (!LEGACY_TAG_PATTERN.test(tag)) {
    throw new ArgumentError("tags", `Tag '${tag}' is invalid: use letters, digits, '-', '_' or '.', starting and ending with a letter or digit`);
  }
}

/** Validates the tags of an update: tags the object already has are kept as they are; new ones must pass {@link validateTag}. */
export function validateUpdatedTags(tags: readonly string[], existingTags: readonly string[]): void {
  const existing = new Set(existingTags);
  for (const tag of tags) if (!existing.has(tag)) validateTag(tag);
}

/** `["a", "b"]` → `{ "ark.mckinsey.com/label.a": "true", … }`. */
export function tagsToLabels(tags: readonly string[] | undefined | null): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const tag of tags ?? []) labels[`${ARK_TAG_LABEL_PREFIX}${tag}`] = "true";
  return labels;
}

/** The tags among `labels`, sorted. */
export function labelsToTags(labels: Record<string, string> | undefined | null): string[] {
  return Object.keys(labels ?? {})
    .filter((key) => key.startsWith(ARK_TAG_LABEL_PREFIX))
    .map((key) => key.slice(ARK_TAG_LABEL_PREFIX.length))
    .sort();
}

/** `labels` without tag labels. */
export function stripTagLabels(labels: Record<string, string> | undefined | null): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) if (!key.startsWith(ARK_TAG_LABEL_PREFIX)) kept[key] = value;
  return kept;
}
