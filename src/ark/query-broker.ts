/**
 * Where a namespace's broker is, for readers of query streams: the same
 * `ark-config-streaming` ConfigMap engines use (`enabled: "true"` and a
 * Service reference), turned into a URL. In a cluster that is the Service's
 * DNS name; outside one, pass a `serviceUrl` mapping (e.g. ark-sdk's
 * `loopbackServiceUrl` for a local broker) or the broker's URL directly.
 */

import { parseStreamingConfig, STREAMING_CONFIG_NAME } from "./broker-discovery.js";
import { ObjectCache } from "../client/object-cache.js";
import { clusterServiceUrl, ValueSourceResolver, type ServiceUrlResolver } from "./value-source.js";
import type { ConfigMap, Secret, Service } from "../client/core-kinds.js";
import type { Logger } from "../core/logger.js";
import type { ResourceClient } from "../client/resource-client.js";

/** The clients broker discovery reads with. */
export interface BrokerLookupClients {
  configMaps: ResourceClient<ConfigMap>;
  services: ResourceClient<Service>;
  secrets: ResourceClient<Secret>;
  logger: Logger;
}

/**
 * The broker base URL of `namespace`, or `undefined` when the namespace has
 * no enabled streaming configuration.
 * @throws QueryResolutionError when the configuration names a Service or port that does not exist
 */
export async function discoverBrokerUrl(clients: BrokerLookupClients, namespace: string, serviceUrl: ServiceUrlResolver | undefined, signal?: AbortSignal): Promise<string | undefined> {
  const configMap = await clients.configMaps.getOrUndefined(STREAMING_CONFIG_NAME, { namespace, signal });
  if (!configMap) return undefined;
  const config = parseStreamingConfig(configMap.data);
  if (!config.enabled) return undefined;
  const values = new ValueSourceResolver(
    {
      cache: new ObjectCache({ mode: "none", logger: clients.logger }),
      secrets: clients.secrets,
      configMaps: clients.configMaps,
      services: clients.services,
      serviceUrl: serviceUrl ?? clusterServiceUrl,
    },
    new Map(),
    signal,
  );
  return values.serviceUrl(config.serviceRef, namespace, `ConfigMap ${namespace}/${STREAMING_CONFIG_NAME} serviceRef`);
}
