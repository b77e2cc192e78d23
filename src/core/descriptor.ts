/**
 * Everything the generic resource client needs to know about a kind. The
 * generator emits one descriptor per served version of each CRD; users may
 * write their own for kinds ark-sdk does not ship.
 */

import type { KubernetesObject } from "./meta.js";

/** An additional printer column of a CRD version (what `kubectl get` shows). */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  priority?: number;
}

/** The scale subresource's JSON paths, when a kind has one. */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/**
 * Static facts about one version of one kind. The type parameter is the
 * object type the kind's client reads and writes; it exists only for
 * inference (`new ResourceClient(agentDescriptor)` is a client of `Agent`).
 */
export interface ResourceDescriptor<T extends KubernetesObject = KubernetesObject> {
  /** API group, e.g. `ark.mckinsey.com`. */
  readonly group: string;
  /** API version within the group, e.g. `v1alpha1`. */
  readonly version: string;
  /** `group/version`, the value of an object's `apiVersion`. */
  readonly apiVersion: string;
  /** Kind, e.g. `Agent`. */
  readonly kind: string;
  /** List kind, e.g. `AgentList`. */
  readonly listKind: string;
  /** URL plural, e.g. `agents`. */
  readonly plural: string;
  /** Singular name, e.g. `agent`. */
  readonly singular: string;
  /** Short names (`kubectl get <short>`). */
  readonly shortNames: readonly string[];
  /** Whether objects live in a namespace (`false` for cluster-scoped kinds such as ArkConfig). */
  readonly namespaced: boolean;
  /** Whether the version is the CRD's storage version. */
  readonly storage: boolean;
  /** Subresources the kind serves. */
  readonly subresources: {
    readonly status: boolean;
    readonly scale?: ScaleSubresource;
  };
  /** Printer columns, in order. */
  readonly printerColumns: readonly PrinterColumn[];
  /** Phantom field carrying `T`; never set at run time. */
  readonly __object?: T;
}
