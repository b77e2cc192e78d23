/**
 * Finds the broker of a namespace from its `ark-config-streaming` ConfigMap
 * (`enabled: "true"`, `serviceRef: {name, port, namespace?}` as YAML). The
 * answer is cached per namespace for a short time and forgotten when the
 * broker turns out unreachable; the Python SDK cached the first answer (even
 * a failure) for the whole process and every namespace.
 */

import { parse as parseYaml } from "yaml";
import type { Logger } from "../core/logger.js";
import { ConfigError, errorMessage } from "../core/errors.js";
import type { ServiceUrlResolver, ValueSourceResolver } from "./value-source.js";
import type { ConfigMap, Service } from "../client/core-kinds.js";
import { isRecord } from "../core/json.js";

/** Name of the streaming ConfigMap ARK reads in each namespace. */
export const STREAMING_CONFIG_NAME = "ark-config-streaming";

/** The parsed streaming configuration. */
export interface StreamingConfig {
  enabled: boolean;
  /** `port` is a port name of the Service ("" = its first port), as for every ARK `serviceRef`. */
  serviceRef: { name: string; port: string; namespace?: string };
}

/** Parses the ConfigMap's data. @throws ConfigError naming what is missing */
export function parseStreamingConfig(data: Record<string, string> | undefined): StreamingConfig {
  const enabled = String(data?.enabled ?? "false").toLowerCase() === "true";
  let ref: unknown;
  try {
    ref = parseYaml(data?.serviceRef ?? "{}");
  } catch (error) {
    throw new ConfigError(`Invalid streaming configuration: serviceRef is not YAML (${errorMessage(error)})`);
  }
  const r: Record<string, unknown> = isRecord(ref) ? ref : {};
  const name = typeof r.name === "string" ? r.name : "";
  const port = typeof r.port === "number" || typeof r.port === "string" ? String(r.port) : "";
  // ARK (GetStreamingConfig) requires only the name, and only when streaming is enabled.
  if (!name && enabled) throw new ConfigError("Invalid streaming configuration: serviceRef must have a name");
  const config: StreamingConfig = { enabled, serviceRef: { name, port } };
  if (typeof r.namespace === "string" && r.namespace) config.serviceRef.namespace = r.namespace;
  return config;
}

/** Options of {@link BrokerDiscovery}. */
export interface BrokerDiscoveryOptions {
  /** Reads the namespace's streaming ConfigMap (`undefined` when absent). */
  readConfigMap: (namespace: string, name: string, signal: AbortSignal) => Promise<ConfigMap | undefined>;
  /** Resolves Service references to URLs. */
  values: () => ValueSourceResolver;
  /** How long an answer is reused, ms (default 30,000). */
  ttlMs?: number | undefined;
  /**
   * Re-read a found address on every lookup instead of reusing it for `ttlMs`
   * (answers "no broker" are still reused): for readers backed by informers,
   * where a re-read costs no API call and follows a moved broker Service at once.
   */
  followChanges?: boolean | undefined;
  logger: Logger;
}

/** Per-namespace broker discovery with a TTL cache. */
export class BrokerDiscovery {
  private readonly cache = new Map<string, { url: string | undefined; expires: number }>();
  // Concurrent executions share one lookup per namespace instead of stampeding the API server at expiry.
  private readonly inflight = new Map<string, Promise<string | undefined>>();
  private readonly options: BrokerDiscoveryOptions;

  constructor(options: BrokerDiscoveryOptions) {
    this.options = options;
  }

  /** The broker base URL for `namespace`, or `undefined` when streaming is not configured (errors are logged). */
  async baseUrl(namespace: string): Promise<string | undefined> {
    const hit = this.cache.get(namespace);
    if (hit && hit.expires > Date.now()) return hit.url;
    let pending = this.inflight.get(namespace);
    if (!pending) {
      // Not tied to the first caller's signal: its cancel must not fail the others' lookup.
      pending = this.lookup(namespace, AbortSignal.timeout(10_000)).finally(() => this.inflight.delete(namespace));
      this.inflight.set(namespace, pending);
    }
    return pending;
  }

  private async lookup(namespace: string, signal: AbortSignal): Promise<string | undefined> {
    let url: string | undefined;
    try {
      url = await this.discover(namespace, signal);
    } catch (error) {
      // Transient failures are not cached: the next execution tries again.
      this.options.logger.warn(`broker discovery in ${namespace} failed: ${errorMessage(error)}`);
      return undefined;
    }
    if (url === undefined || !this.options.followChanges) this.cache.set(namespace, { url, expires: Date.now() + (this.options.ttlMs ?? 30_000) });
    return url;
  }

  /** Forgets the cached answer of `namespace` (e.g. after the broker was unreachable). */
  invalidate(namespace: string): void {
    this.cache.delete(namespace);
  }

  private async discover(namespace: string, signal: AbortSignal): Promise<string | undefined> {
    const configMap = await this.options.readConfigMap(namespace, STREAMING_CONFIG_NAME, signal);
    if (!configMap) return undefined;
    const config = parseStreamingConfig(configMap.data);
    if (!config.enabled) return undefined;
    return this.options.values().serviceUrl(config.serviceRef, namespace, `ConfigMap ${namespace}/${STREAMING_CONFIG_NAME} serviceRef`);
  }
}

/** Name of the ConfigMap that announces ARK's broker as a telemetry destination. */
export const BROKER_CONFIG_NAME = "ark-config-broker";

/** What {@link discoverBrokerTracesUrl} reads. */
export interface BrokerTracesLookup {
  /** Reads a ConfigMap (`undefined` when absent). */
  readConfigMap: (namespace: string, name: string, signal: AbortSignal) => Promise<ConfigMap | undefined>;
  /** Reads a Service (`undefined` when absent). */
  readService: (namespace: string, name: string, signal: AbortSignal) => Promise<Service | undefined>;
  /** Turns the Service address into a URL (in-cluster DNS, or loopback for local runs). */
  serviceUrl: ServiceUrlResolver;
}

/**
 * The ARK broker's OTLP/HTTP traces URL (`…/v1/traces`) announced by the
 * `ark-config-broker` ConfigMap of `namespace` (the engine's own), as ARK's
 * Python engines find it: `enabled` must be exactly `"true"`; `serviceRef`
 * is read line by line (`name:`, `port:`, and, as ARK's controller also
 * reads it, `namespace:`); a numeric port is used as is, a named one is
 * looked up among the Service's ports, and port 80 is the fallback.
 * `undefined` when the namespace announces no broker.
 * @throws the lookup's error when the ConfigMap cannot be read
 */
export async function discoverBrokerTracesUrl(lookup: BrokerTracesLookup, namespace: string, signal: AbortSignal): Promise<string | undefined> {
  const configMap = await lookup.readConfigMap(namespace, BROKER_CONFIG_NAME, signal);
  if (configMap?.data?.enabled !== "true") return undefined;
  const ref: Record<string, string> = {};
  for (const line of (configMap.data.serviceRef ?? "").split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    if (key === "name" || key === "port" || key === "namespace") ref[key] = line.slice(colon + 1).trim().replace(/^"+|"+$/g, "");
  }
  if (!ref.name) return undefined;
  const serviceNamespace = ref.namespace || namespace;
  const portText = ref.port ?? "";
  let port = 80;
  if (/^\d+$/.test(portText)) {
    port = Number(portText);
  } else {
    try {
      const service = await lookup.readService(serviceNamespace, ref.name, signal);
      port = service?.spec?.ports?.find((p) => p.name === portText)?.port ?? 80;
    } catch {
      // ARK's engines fall back to port 80 when the Service cannot be read.
    }
  }
  return lookup.serviceUrl({ name: ref.name, namespace: serviceNamespace, port, path: "/v1/traces" });
}
