/**
 * ARK's token secrets (the Python SDK's `SecretClient`): Kubernetes Secrets
 * holding a single `token`, with a description, an alias and tags. What it
 * returns never contains a secret value (except from `getSecretValue`, which
 * exists for that) nor any non-ARK annotation.
 */

import { ALIAS_ANNOTATION, DESCRIPTION_ANNOTATION, filterArkAnnotations } from "./annotations.js";
import type { Secret } from "../client/core-kinds.js";
import { ArgumentError } from "../client/errors.js";
import { labelsToTags, stripTagLabels, tagsToLabels, validateTag, validateUpdatedTags } from "./labels.js";
import type { CallOptions } from "../client/options.js";
import type { ResourceClient } from "../client/resource-client.js";

/** A secret in a list. */
export interface SecretSummary {
  name: string;
  /** The Secret's uid. */
  id: string;
  /** ARK annotations only. */
  annotations: Record<string, string>;
}

/** A secret as create/update report it. */
export interface SecretInfo extends SecretSummary {
  type: string;
  /** Sum of the UTF-8 byte lengths of the stored (base64) values. */
  secretLength: number;
  description: string | undefined;
  alias: string | undefined;
  /** Tags. */
  labels: string[];
}

/** A secret as get reports it: its keys, never its values. */
export interface SecretDetail extends SecretSummary {
  type: string;
  secretLength: number;
  keys: string[];
}

/** Description, alias and tags of a secret. */
export interface SecretMetadataInput {
  description?: string;
  alias?: string;
  labels?: string[];
}

/** Throws unless `stringData` is exactly `{ token }`; returns it. */
export function validateAndEncodeToken(stringData: Record<string, string> | undefined | null): Record<string, string> {
  const keys = Object.keys(stringData ?? {});
  if (!stringData || keys.length === 0) throw new ArgumentError("stringData", "Secret data cannot be empty");
  const invalid = keys.filter((key) => key !== "token");
  if (invalid.length > 0 || !keys.includes("token")) {
    throw new ArgumentError("stringData", `Only 'token' field is allowed. Invalid fields: ${invalid.join(", ")}`);
  }
  return stringData;
}

/** Sum of the UTF-8 byte lengths of the values. */
export function calculateSecretLength(data: Record<string, unknown> | undefined | null): number {
  let total = 0;
  for (const value of Object.values(data ?? {})) total += Buffer.byteLength(typeof value === "string" ? value : String(value), "utf8");
  return total;
}

function info(secret: Secret): SecretInfo {
  const annotations = secret.metadata.annotations ?? {};
  return {
    name: secret.metadata.name ?? "",
    id: secret.metadata.uid ?? "",
    type: secret.type ?? "Opaque",
    // The stored base64 length, as get reports it, whatever was sent.
    secretLength: calculateSecretLength(secret.data),
    annotations: filterArkAnnotations(annotations),
    description: annotations[DESCRIPTION_ANNOTATION],
    alias: annotations[ALIAS_ANNOTATION],
    labels: labelsToTags(secret.metadata.labels),
  };
}

/** Token secrets of one namespace. Build with `ark.tokenSecrets` or `new SecretClient(ark.core.secrets.inNamespace(ns))`. */
export class SecretClient {
  constructor(private readonly secrets: ResourceClient<Secret>) {}

  /** Secrets matching `labelSelector` (all when omitted). */
  async listSecrets(labelSelector?: string, options: CallOptions = {}): Promise<{ items: SecretSummary[]; count: number }> {
    const items = (await this.secrets.list({ ...options, labelSelector })).map((secret) => ({
      name: secret.metadata.name ?? "",
      id: secret.metadata.uid ?? "",
      annotations: filterArkAnnotations(secret.metadata.annotations),
    }));
    return { items, count: items.length };
  }

  /** Creates a token secret. */
  async createSecret(name: string, stringData: Record<string, string>, secretType = "Opaque", meta: SecretMetadataInput = {}, options: CallOptions = {}): Promise<SecretInfo> {
    const validated = validateAndEncodeToken(stringData);
    for (const tag of meta.labels ?? []) validateTag(tag);
    const annotations: Record<string, string> = {};
    if (meta.description) annotations[DESCRIPTION_ANNOTATION] = meta.description;
    if (meta.alias) annotations[ALIAS_ANNOTATION] = meta.alias;
    const labels = tagsToLabels(meta.labels);
    const created = await this.secrets.create(
      {
        metadata: { name, ...(Object.keys(annotations).length > 0 ? { annotations } : {}), ...(Object.keys(labels).length > 0 ? { labels } : {}) },
        stringData: validated,
        type: secretType,
      },
      options,
    );
    return info(created);
  }

  /** Describes a secret: its keys and length, never its values. */
  async getSecret(name: string, options: CallOptions = {}): Promise<SecretDetail> {
    const secret = await this.secrets.get(name, options);
    return {
      name: secret.metadata.name ?? "",
      id: secret.metadata.uid ?? "",
      type: secret.type ?? "Opaque",
      secretLength: calculateSecretLength(secret.data),
      keys: Object.keys(secret.data ?? {}).sort(),
      annotations: filterArkAnnotations(secret.metadata.annotations),
    };
  }

  /** One value of a secret, base64 as stored. Throws `ArgumentError` for a missing key. */
  async getSecretValue(name: string, key: string, options: CallOptions = {}): Promise<{ name: string; id: string; type: string; value: string }> {
    const secret = await this.secrets.get(name, options);
    const value = secret.data?.[key];
    if (value === undefined) throw new ArgumentError("key", `Invalid key ${key} for secret ${name}`);
    return { name: secret.metadata.name ?? "", id: secret.metadata.uid ?? "", type: secret.type ?? "Opaque", value };
  }

  /**
   * Updates a secret: the token when `stringData` is given (else the value is
   * untouched), and each of description, alias and tags that is given (an
   * empty string clears a description or alias; tags are replaced as a set).
   */
  async updateSecret(name: string, stringData?: Record<string, string>, meta: SecretMetadataInput = {}, options: CallOptions = {}): Promise<SecretInfo> {
    const validated = stringData === undefined ? undefined : validateAndEncodeToken(stringData);
    const secret = await this.secrets.get(name, options);
    const metadata = secret.metadata;
    if (meta.labels !== undefined) {
      validateUpdatedTags(meta.labels, labelsToTags(metadata.labels));
      metadata.labels = { ...stripTagLabels(metadata.labels), ...tagsToLabels(meta.labels) };
    }
    const annotations = { ...(metadata.annotations ?? {}) };
    for (const [key, value] of [[DESCRIPTION_ANNOTATION, meta.description], [ALIAS_ANNOTATION, meta.alias]] as const) {
      if (value === undefined) continue;
      if (value === "") delete annotations[key];
      else annotations[key] = value;
    }
    metadata.annotations = annotations;
    if (validated) secret.stringData = validated;
    return info(await this.secrets.update(secret, options));
  }

  /** Deletes a secret; resolves `true`. */
  async deleteSecret(name: string, options: CallOptions = {}): Promise<true> {
    await this.secrets.delete(name, options);
    return true;
  }
}
