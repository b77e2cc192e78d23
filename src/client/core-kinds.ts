/**
 * The few built-in Kubernetes kinds ark-sdk reads and writes itself (ARK
 * resolves values from Secrets, ConfigMaps and Services; the testing kit
 * creates Namespaces), with minimal types: only the fields ARK uses are
 * spelled out. Serve them with `new ResourceClient(secretDescriptor, …)` or
 * `ark.core.secrets`.
 */

import type { ResourceDescriptor } from "../core/descriptor.js";
import type { ObjectMeta } from "../core/meta.js";

/** A Secret (`v1`). `data` values are base64; `stringData` is write-only plain text. */
export interface Secret {
  apiVersion?: "v1";
  kind?: "Secret";
  metadata: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
}

/** A ConfigMap (`v1`). */
export interface ConfigMap {
  apiVersion?: "v1";
  kind?: "ConfigMap";
  metadata: ObjectMeta;
  data?: Record<string, string>;
  /** base64 values. */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

/** One port of a Service. */
export interface ServicePort {
  name?: string;
  protocol?: "TCP" | "UDP" | "SCTP";
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  appProtocol?: string;
}

/** A Service (`v1`), with the fields used to build in-cluster URLs. */
export interface Service {
  apiVersion?: "v1";
  kind?: "Service";
  metadata: ObjectMeta;
  spec?: {
    type?: "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName";
    ports?: ServicePort[];
    selector?: Record<string, string>;
    clusterIP?: string;
    externalName?: string;
  } & Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A Namespace (`v1`, cluster-scoped). */
export interface Namespace {
  apiVersion?: "v1";
  kind?: "Namespace";
  metadata: ObjectMeta;
  spec?: { finalizers?: string[] };
  status?: { phase?: "Active" | "Terminating" | (string & {}) };
}

function core<T extends { metadata: ObjectMeta }>(kind: string, plural: string, namespaced: boolean, status: boolean): ResourceDescriptor<T> {
  return {
    group: "",
    version: "v1",
    apiVersion: "v1",
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    shortNames: [],
    namespaced,
    storage: true,
    subresources: { status },
    printerColumns: [],
  };
}

/** Descriptor of `v1` Secrets. */
export const secretDescriptor: ResourceDescriptor<Secret> = core<Secret>("Secret", "secrets", true, false);
/** Descriptor of `v1` ConfigMaps. */
export const configMapDescriptor: ResourceDescriptor<ConfigMap> = core<ConfigMap>("ConfigMap", "configmaps", true, false);
/** Descriptor of `v1` Services. */
export const serviceDescriptor: ResourceDescriptor<Service> = core<Service>("Service", "services", true, true);
/** Descriptor of `v1` Namespaces (cluster-scoped). */
export const namespaceDescriptor: ResourceDescriptor<Namespace> = core<Namespace>("Namespace", "namespaces", false, true);
