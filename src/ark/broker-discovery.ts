/**
 * Finds the broker of a namespace from its `ark-config-streaming` ConfigMap
 * (`enabled: "true"`, `serviceRef: {name, port, namespace?}` as YAML). The
 * answer is cached per namespace for a short time and forgotten when the
 * broker turns out unreachable; the Python SDK cached the first answer (even
 * a failure) for the whole process and every namespace.
 */

import { parse as parseYaml } from "yaml";
import type { Logger } from "../core/logger.js";
import { errorMessage } from "../core/errors.js";
import type { ValueSourceResolver } from "./value-source.js";
import type { ConfigMap } from "../client/core-kinds.js";
import { isRecord } from "../core/json.js";

/** Name of the streaming ConfigMap ARK reads in each namespace. */
export const STREAMING_CONFIG_NAME = "ark-config-streaming";

/** The parsed streaming configuration. */
export interface StreamingConfig {
  enabled: boolean;
  /** `port` is a port name of the Service ("" = its first port), as for every ARK `serviceRef`. */
  serviceRef: { name: string; port: string; namespace?: string };
}

/** Parses the ConfigMap's data. @throws Error naming what is missing */
export function parseStreamingConfig(data: Record<string, string> | undefined): StreamingConfig {
  const enabled = String(data?.enabled ?? "false").toLowerCase() === "true";
  let ref: unknown;
  try {
    ref = parseYaml(data?.serviceRef ?? "{}");
  } catch (error) {
    throw new Error(`Invalid streaming configuration: serviceRef is not YAML (${errorMessage(error)})`);
  }
  const r: Record<string, unknown> = isRecord(ref) ? ref : {};
  const name = typeof r.name === "string" ? r.name : "";
  const port = typeof r.port === "number" || typeof r.port === "string" ? String(r.port) : "";
  // ARK (GetStreamingConfig) requires only the name, and only when streaming is enabled.
  if (!name && enabled) throw new Error("Invalid streaming configuration: serviceRef must have a name");
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
  ttlMs?: number;
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
    this.cache.set(namespace, { url, expires: Date.now() + (this.options.ttlMs ?? 30_000) });
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
