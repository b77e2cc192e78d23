/**
 * `apiextensions.k8s.io/v1` CustomResourceDefinition in wire form: what the
 * generator reads (files or a live cluster) and what
 * `arkCustomResourceDefinitions()` hands to a control plane.
 */
import type { ObjectMeta } from "../core/meta.js";
import type { JsonSchemaProps } from "./json-schema.js";

/** Names of a kind (`spec.names`). */
export interface CustomResourceDefinitionNames {
  kind: string;
  listKind?: string;
  plural: string;
  singular?: string;
  shortNames?: string[];
  categories?: string[];
}

/** One printer column of a version (`additionalPrinterColumns[]`). */
export interface CustomResourceColumnDefinition {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  description?: string;
  priority?: number;
}

/** The subresources a version serves. */
export interface CustomResourceSubresources {
  status?: Record<string, never>;
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
}

/** One version of a kind (`spec.versions[]`). */
export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated?: boolean;
  deprecationWarning?: string;
  schema?: { openAPIV3Schema?: JsonSchemaProps };
  subresources?: CustomResourceSubresources;
  additionalPrinterColumns?: CustomResourceColumnDefinition[];
}

/** A CustomResourceDefinition (`apiextensions.k8s.io/v1`). */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: ObjectMeta & { name: string };
  spec: {
    group: string;
    names: CustomResourceDefinitionNames;
    scope: "Namespaced" | "Cluster";
    versions: CustomResourceDefinitionVersion[];
    preserveUnknownFields?: boolean;
    conversion?: { strategy: "None" | "Webhook"; [key: string]: unknown };
  };
  status?: Record<string, unknown>;
}
