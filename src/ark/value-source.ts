/**
 * Resolves ARK value sources (`{ value }` or `{ valueFrom: { secretKeyRef |
 * configMapKeyRef | serviceRef | queryParameterRef } }`) to strings. Unlike
 * the Python SDK, `serviceRef` and `queryParameterRef` are supported and a
 * missing Secret, ConfigMap or key is an error naming the object and the
 * field that referenced it (unless the selector says `optional: true`).
 */

import type { ConfigMap, Secret, Service } from "../client/core-kinds.js";
import type { ResourceClient } from "../client/resource-client.js";
import { QueryResolutionError } from "./errors.js";
import type { ObjectCache } from "../client/object-cache.js";
import { isRecord } from "../core/json.js";
import { errorMessage } from "../core/errors.js";

/** A Kubernetes Service address: the Service's port that the reference selected, and the cleaned path. */
export interface ServiceAddress {
  /** The Service's name. */
  name: string;
  /** The Service's namespace. */
  namespace: string;
  /** The port, when the reference names one. */
  port?: number;
  /** A path to append to the URL (e.g. `/stream`). */
  path?: string;
}

/** Go's `path.Join("/", p)`: rooted, `.`/`..`/duplicate slashes resolved, no trailing slash. */
export function joinUrlPath(p: string): string {
  const out: string[] = [];
  for (const segment of p.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") out.pop();
    else out.push(segment);
  }
  return `/${out.join("/")}`;
}

/**
 * Turns a Service address into a URL. The default is ARK's in-cluster form
 * {@link clusterServiceUrl}; engines running outside the cluster (or tests)
 * can map Services to reachable addresses instead.
 */
export type ServiceUrlResolver = (address: ServiceAddress) => string;

/** `http://<name>.<namespace>.svc.cluster.local:<port>[path]`: always `http`, whatever the port (ARK's rule). */
export function clusterServiceUrl(address: ServiceAddress): string {
  const port = address.port === undefined ? "" : `:${address.port}`;
  return `http://${address.name}.${address.namespace}.svc.cluster.local${port}${address.path ?? ""}`;
}

/**
 * Maps a Service address to loopback (`http://127.0.0.1:<port><path>`): the
 * Services ark-sdk's local tools (`ark-sdk dev`, the local broker) publish have
 * the local server's port as their port, so this finds them without cluster DNS.
 */
export function loopbackServiceUrl(address: ServiceAddress): string {
  return `http://127.0.0.1:${address.port ?? 80}${address.path ?? ""}`;
}

/** Whether `value` is shaped like a value source. */
export function isValueSource(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k === "value" || k === "valueFrom") && (typeof value.value === "string" || isRecord(value.valueFrom));
}

/** What value sources are read from. */
export interface ValueSourceDeps {
  cache: ObjectCache;
  secrets: ResourceClient<Secret>;
  configMaps: ResourceClient<ConfigMap>;
  services: ResourceClient<Service>;
  serviceUrl: ServiceUrlResolver;
}

/** Resolves value sources in one namespace, with the Query's parameters for `queryParameterRef`. */
export class ValueSourceResolver {
  private readonly deps: ValueSourceDeps;
  private readonly queryParameters: ReadonlyMap<string, string>;
  private readonly signal: AbortSignal | undefined;

  constructor(deps: ValueSourceDeps, queryParameters: ReadonlyMap<string, string>, signal?: AbortSignal) {
    this.deps = deps;
    this.queryParameters = queryParameters;
    this.signal = signal;
  }

  /**
   * The value of `source` (at `field`, for error messages) in `namespace`;
   * `""` for an absent source.
   * @throws QueryResolutionError naming the missing object or key
   */
  async resolve(source: unknown, namespace: string, field: string): Promise<string> {
    if (source === undefined || source === null) return "";
    if (!isRecord(source)) throw new QueryResolutionError(`${field} must be an object with 'value' or 'valueFrom'`, "Invalid");
    if (typeof source.value === "string" && source.value !== "") return source.value;
    const from = source.valueFrom;
    if (from === undefined || from === null) return typeof source.value === "string" ? source.value : "";
    if (!isRecord(from)) throw new QueryResolutionError(`${field}.valueFrom must be an object`, "Invalid");
    if (isRecord(from.secretKeyRef)) return this.fromSecret(from.secretKeyRef, namespace, `${field}.valueFrom.secretKeyRef`);
    if (isRecord(from.configMapKeyRef)) return this.fromConfigMap(from.configMapKeyRef, namespace, `${field}.valueFrom.configMapKeyRef`);
    if (isRecord(from.serviceRef)) return this.fromService(from.serviceRef, namespace, `${field}.valueFrom.serviceRef`);
    if (isRecord(from.queryParameterRef)) return this.fromQueryParameter(from.queryParameterRef, `${field}.valueFrom.queryParameterRef`);
    throw new QueryResolutionError(`${field}.valueFrom names no supported source (secretKeyRef, configMapKeyRef, serviceRef, queryParameterRef)`, "Unsupported");
  }

  /** The URL of a Service reference (`{ name, namespace?, port?, path? }`). */
  async serviceUrl(ref: Record<string, unknown>, namespace: string, field: string): Promise<string> {
    return this.fromService(ref, namespace, field);
  }

  private selector(ref: Record<string, unknown>, field: string): { name: string; key: string; optional: boolean } {
    if (typeof ref.name !== "string" || ref.name === "") throw new QueryResolutionError(`${field}.name is required`, "Invalid");
    if (typeof ref.key !== "string" || ref.key === "") throw new QueryResolutionError(`${field}.key is required`, "Invalid");
    return { name: ref.name, key: ref.key, optional: ref.optional === true };
  }

  private fromSecret(ref: Record<string, unknown>, namespace: string, field: string): Promise<string> {
    return this.fromKeyed(this.deps.secrets, ref, namespace, field, (secret, key) => {
      const data = secret.data?.[key];
      return data === undefined ? undefined : Buffer.from(data, "base64").toString("utf8");
    });
  }

  private fromConfigMap(ref: Record<string, unknown>, namespace: string, field: string): Promise<string> {
    return this.fromKeyed(this.deps.configMaps, ref, namespace, field, (configMap, key) => {
      const binary = configMap.binaryData?.[key];
      return configMap.data?.[key] ?? (binary === undefined ? undefined : Buffer.from(binary, "base64").toString("utf8"));
    });
  }

  /** A key of a Secret or ConfigMap; `""` when missing but `optional: true`. */
  private async fromKeyed<T extends Secret | ConfigMap>(
    client: ResourceClient<T>,
    ref: Record<string, unknown>,
    namespace: string,
    field: string,
    valueOf: (object: T, key: string) => string | undefined,
  ): Promise<string> {
    const { name, key, optional } = this.selector(ref, field);
    const object = `${client.descriptor.kind} ${namespace}/${name}`;
    const found = await this.read(() => this.deps.cache.get(client, namespace, name, this.signal), object);
    if (!found) {
      if (optional) return "";
      throw new QueryResolutionError(`${object} (referenced by ${field}) not found`, "NotFound", { object });
    }
    const value = valueOf(found, key);
    if (value !== undefined) return value;
    if (optional) return "";
    throw new QueryResolutionError(`${object} has no key '${key}' (referenced by ${field})`, "MissingKey", { object });
  }

  /**
   * ARK's rule (`ResolveServiceReference`): the Service must exist; `port`
   * names one of its ports (matched by name only, so `"8000"` matches a port
   * named "8000", not port 8000); without `port` the Service's first port;
   * always `http`; `path` cleaned as Go's `path.Join("/", path)`.
   */
  private async fromService(ref: Record<string, unknown>, namespace: string, field: string): Promise<string> {
    if (typeof ref.name !== "string" || ref.name === "") throw new QueryResolutionError(`${field}.name is required`, "Invalid");
    const name = ref.name;
    const ns = typeof ref.namespace === "string" && ref.namespace ? ref.namespace : namespace;
    const object = `Service ${ns}/${name}`;
    const service = await this.read(() => this.deps.cache.get(this.deps.services, ns, name, this.signal), object);
    if (!service) throw new QueryResolutionError(`failed to get service ${ns}/${name}: services "${name}" not found (referenced by ${field})`, "NotFound", { object });
    const ports = service.spec?.ports ?? [];
    const portName = typeof ref.port === "number" ? String(ref.port) : typeof ref.port === "string" ? ref.port : "";
    let port: number;
    if (portName !== "") {
      const match = ports.find((p) => p.name === portName);
      if (!match) {
        const hint = /^\d+$/.test(portName) ? "; ARK matches serviceRef ports by name only, so give the port's name" : "";
        throw new QueryResolutionError(`port ${portName} not found in service ${ns}/${name} (referenced by ${field})${hint}`, "MissingKey", { object });
      }
      port = match.port;
    } else {
      const first = ports[0];
      if (!first) throw new QueryResolutionError(`service ${ns}/${name} has no ports (referenced by ${field})`, "MissingKey", { object });
      port = first.port;
    }
    const address: ServiceAddress = { name, namespace: ns, port };
    if (typeof ref.path === "string" && ref.path !== "") address.path = joinUrlPath(ref.path);
    return this.deps.serviceUrl(address);
  }

  private fromQueryParameter(ref: Record<string, unknown>, field: string): string {
    if (typeof ref.name !== "string" || ref.name === "") throw new QueryResolutionError(`${field}.name is required`, "Invalid");
    const value = this.queryParameters.get(ref.name);
    if (value === undefined) throw new QueryResolutionError(`${field} names query parameter '${ref.name}', which the Query does not set`, "Invalid");
    return value;
  }

  private async read<T>(fetch: () => Promise<T>, object: string): Promise<T> {
    try {
      return await fetch();
    } catch (error) {
      throw clusterError(error, object);
    }
  }
}

/** Wraps a cluster read failure (403, timeout…) as a resolution error naming the object. */
export function clusterError(error: unknown, object: string): QueryResolutionError {
  if (error instanceof QueryResolutionError) return error;
  const message = errorMessage(error);
  return new QueryResolutionError(`cannot read ${object}: ${message}`, "ClusterError", { object, cause: error });
}
