/**
 * ARK's annotation keys and the filter that keeps everything else out of
 * what the SDK returns: `kubectl.kubernetes.io/last-applied-configuration`,
 * for one, holds a full copy of the object, secret values included.
 */

/** Prefix of every ARK label and annotation key. */
export const ARK_DOMAIN = "ark.mckinsey.com/";
/** Prefix of ARK annotation keys (same as {@link ARK_DOMAIN}). */
export const ARK_ANNOTATION_PREFIX = ARK_DOMAIN;
/** Marks a ConfigMap as an ARK resource of a given type. */
export const ARK_RESOURCE_TYPE_ANNOTATION = `${ARK_ANNOTATION_PREFIX}resource-type`;
/** The {@link ARK_RESOURCE_TYPE_ANNOTATION} value of configurations. */
export const CONFIGURATION_RESOURCE_TYPE = "configuration";
/** Free-text description of a secret or configuration. */
export const DESCRIPTION_ANNOTATION = `${ARK_ANNOTATION_PREFIX}description`;
/** Display alias of a secret or configuration. */
export const ALIAS_ANNOTATION = `${ARK_ANNOTATION_PREFIX}alias`;
/** Marks an Agent that proxies to an A2AServer (ARK's webhook then gives it no default `modelRef`). */
export const A2A_SERVER_NAME_ANNOTATION = `${ARK_ANNOTATION_PREFIX}a2a-server-name`;
/** On an ExecutionEngine: `"true"` opts the engine into live streaming. */
export const STREAMING_SUPPORTED_ANNOTATION = `${ARK_ANNOTATION_PREFIX}streaming-supported`;

/** Only the annotations whose key starts with `ark.mckinsey.com/`; `{}` for none. */
export function filterArkAnnotations(annotations: Record<string, string> | undefined | null): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations ?? {})) if (key.startsWith(ARK_ANNOTATION_PREFIX)) kept[key] = value;
  return kept;
}
