/**
 * Rebuilds CustomResourceDefinitions from descriptors and packed schemas, so
 * a control plane can install the kinds an SDK was generated for without the
 * original YAML (and without its description texts).
 */
import type { ResourceDescriptor } from "../core/descriptor.js";
import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from "./crd.js";
import { unpackSchema, type PackedSchema } from "./json-schema.js";

/** One kind's version as the generator describes it. */
export interface KindVersionEntry {
  descriptor: ResourceDescriptor;
  schema: PackedSchema;
}

function versionOf({ descriptor: d, schema }: KindVersionEntry): CustomResourceDefinitionVersion {
  const version: CustomResourceDefinitionVersion = { name: d.version, served: true, storage: d.storage, schema: { openAPIV3Schema: unpackSchema(schema) } };
  if (d.subresources.status || d.subresources.scale) {
    version.subresources = {};
    if (d.subresources.status) version.subresources.status = {};
    if (d.subresources.scale) version.subresources.scale = { ...d.subresources.scale };
  }
  if (d.printerColumns.length > 0) version.additionalPrinterColumns = d.printerColumns.map((c) => ({ ...c }));
  return version;
}

/** One CRD per group and plural, with a version per entry (fresh objects on every call). */
export function buildCustomResourceDefinitions(entries: readonly KindVersionEntry[]): CustomResourceDefinition[] {
  const byName = new Map<string, CustomResourceDefinition>();
  for (const entry of entries) {
    const d = entry.descriptor;
    const name = `${d.plural}.${d.group}`;
    let crd = byName.get(name);
    if (!crd) {
      crd = {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name },
        spec: {
          group: d.group,
          names: { kind: d.kind, listKind: d.listKind, plural: d.plural, singular: d.singular, ...(d.shortNames.length > 0 ? { shortNames: [...d.shortNames] } : {}) },
          scope: d.namespaced ? "Namespaced" : "Cluster",
          versions: [],
        },
      };
      byName.set(name, crd);
    }
    crd.spec.versions.push(versionOf(entry));
  }
  for (const crd of byName.values()) {
    // The API server needs exactly one storage version.
    if (!crd.spec.versions.some((v) => v.storage)) crd.spec.versions[0]!.storage = true;
  }
  return [...byName.values()];
}
