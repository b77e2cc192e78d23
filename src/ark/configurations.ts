/**
 * ARK "configurations" (the Python SDK's `ConfigurationClient`): named
 * values stored in ConfigMaps that carry the annotation
 * `ark.mckinsey.com/resource-type: configuration`. ConfigMaps without it are
 * invisible here (reads answer NotFound), so this client can never be used to
 * read or delete an unrelated ConfigMap.
 */

import { ALIAS_ANNOTATION, ARK_RESOURCE_TYPE_ANNOTATION, CONFIGURATION_RESOURCE_TYPE, DESCRIPTION_ANNOTATION } from "./annotations.js";
import type { ConfigMap } from "../client/core-kinds.js";
import { NotFoundError } from "../client/errors.js";
import { labelsToTags, stripTagLabels, tagsToLabels, validateTag, validateUpdatedTags } from "./labels.js";
import type { CallOptions } from "../client/options.js";
import type { ResourceClient } from "../client/resource-client.js";

/** The data key holding a configuration's value. */
export const CONFIGURATION_DATA_KEY = "value";

/** A configuration as the client returns it. */
export interface Configuration {
  name: string;
  /** The ConfigMap's uid. */
  id: string;
  value: string | undefined;
  description: string | undefined;
  alias: string | undefined;
  /** Tags. */
  labels: string[];
}

function toConfiguration(configMap: ConfigMap): Configuration {
  const annotations = configMap.metadata.annotations ?? {};
  return {
    name: configMap.metadata.name ?? "",
    id: configMap.metadata.uid ?? "",
    value: configMap.data?.[CONFIGURATION_DATA_KEY],
    description: annotations[DESCRIPTION_ANNOTATION],
    alias: annotations[ALIAS_ANNOTATION],
    labels: labelsToTags(configMap.metadata.labels),
  };
}

function isConfiguration(configMap: ConfigMap): boolean {
  return configMap.metadata.annotations?.[ARK_RESOURCE_TYPE_ANNOTATION] === CONFIGURATION_RESOURCE_TYPE;
}

/**
 * Labels and annotations of a configuration: foreign ones kept, tags and
 * description/alias replaced (omitted = cleared), the ownership marker set.
 */
export function buildLabelsAndAnnotations(
  description: string | undefined,
  alias: string | undefined,
  tags: readonly string[] | undefined,
  existingLabels?: Record<string, string>,
  existingAnnotations?: Record<string, string>,
): { labels: Record<string, string>; annotations: Record<string, string> } {
  const labels = { ...stripTagLabels(existingLabels), ...tagsToLabels(tags) };
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(existingAnnotations ?? {})) {
    if (key !== DESCRIPTION_ANNOTATION && key !== ALIAS_ANNOTATION) annotations[key] = value;
  }
  annotations[ARK_RESOURCE_TYPE_ANNOTATION] = CONFIGURATION_RESOURCE_TYPE;
  if (description) annotations[DESCRIPTION_ANNOTATION] = description;
  if (alias) annotations[ALIAS_ANNOTATION] = alias;
  return { labels, annotations };
}

/** Description, alias and tags of a configuration. */
export interface ConfigurationMetadataInput {
  description?: string;
  alias?: string;
  labels?: string[];
}

/** Configurations of one namespace. Build with `ark.configurations` or `new ConfigurationClient(ark.core.configMaps.inNamespace(ns))`. */
export class ConfigurationClient {
  constructor(private readonly configMaps: ResourceClient<ConfigMap>) {}

  private async read(name: string, options: CallOptions): Promise<ConfigMap> {
    const configMap = await this.configMaps.get(name, options);
    if (!isConfiguration(configMap)) {
      throw new NotFoundError({ status: 404, reason: "NotFound", message: `Configuration '${name}' not found`, kind: "ConfigMap", resource: "configmaps", objectName: name });
    }
    return configMap;
  }

  /** Configurations matching `labelSelector` (all when omitted). */
  async listConfigurations(labelSelector?: string, options: CallOptions = {}): Promise<{ items: Configuration[]; count: number }> {
    const items = (await this.configMaps.list({ ...options, labelSelector })).filter(isConfiguration).map(toConfiguration);
    return { items, count: items.length };
  }

  /** One configuration; `NotFoundError` if missing or not a configuration. */
  async getConfiguration(name: string, options: CallOptions = {}): Promise<Configuration> {
    return toConfiguration(await this.read(name, options));
  }

  /** Creates a configuration. */
  async createConfiguration(name: string, value: string, meta: ConfigurationMetadataInput = {}, options: CallOptions = {}): Promise<Configuration> {
    for (const tag of meta.labels ?? []) validateTag(tag);
    const { labels, annotations } = buildLabelsAndAnnotations(meta.description, meta.alias, meta.labels);
    const created = await this.configMaps.create({ metadata: { name, labels, annotations }, data: { [CONFIGURATION_DATA_KEY]: value } }, options);
    return toConfiguration(created);
  }

  /**
   * Replaces a configuration's value, description, alias and tags (a full
   * replace: omitted ones are cleared), keeping foreign labels, annotations,
   * other data keys and server-owned metadata.
   */
  async updateConfiguration(name: string, value: string, meta: ConfigurationMetadataInput = {}, options: CallOptions = {}): Promise<Configuration> {
    const existing = await this.read(name, options);
    validateUpdatedTags(meta.labels ?? [], labelsToTags(existing.metadata.labels));
    const { labels, annotations } = buildLabelsAndAnnotations(meta.description, meta.alias, meta.labels, existing.metadata.labels, existing.metadata.annotations);
    existing.metadata.labels = labels;
    existing.metadata.annotations = annotations;
    existing.data = { ...(existing.data ?? {}), [CONFIGURATION_DATA_KEY]: value };
    return toConfiguration(await this.configMaps.update(existing, options));
  }

  /** Deletes a configuration (only the one that was verified: a uid precondition); resolves `true`. */
  async deleteConfiguration(name: string, options: CallOptions = {}): Promise<true> {
    const existing = await this.read(name, options);
    await this.configMaps.delete(name, { ...options, preconditions: { uid: existing.metadata.uid } });
    return true;
  }
}
