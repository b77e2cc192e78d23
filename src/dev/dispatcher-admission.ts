/**
 * What ARK v0.1.67's admission webhooks and Query finalizer do that the
 * controller relies on, for a local control plane that has no webhooks:
 * the defaults (`spec.ttl` on Queries, from ArkConfig `default` or 720h;
 * `spec.modelRef: {name: default}` on Agents that do not proxy an
 * A2AServer), the finalizer `ark.mckinsey.com/finalizer` and its broker
 * clean-up (the Query's messages in its Memory, its events at the
 * namespace's `ark-config-broker`; 404 and 405 mean "not supported"), and
 * the TTL garbage collection of finished Queries.
 */

import type { ArkClient } from "../ark/ark-client.js";
import type { ValueSourceResolver } from "../ark/value-source.js";
import { errorMessage } from "../core/errors.js";
import { DispatchError } from "./dispatcher-errors.js";
import { parseGoDuration } from "../core/go-duration.js";
import type { Agent, Query } from "../generated/index.js";
import { formatGoDuration } from "./dispatcher-status.js";

/** The finalizer ARK's controller puts on every Query. */
export const QUERY_FINALIZER = "ark.mckinsey.com/finalizer";

/** The annotation marking an agent that proxies an A2AServer (no default model for those). */
export const A2A_SERVER_ANNOTATION = "ark.mckinsey.com/a2a-server-name";

/** The TTL the webhook gives a Query without `spec.ttl` when ArkConfig `default` sets none (720h). */
export const DEFAULT_QUERY_TTL_MS = 720 * 3_600_000;

/** How long ARK keeps retrying a failed broker clean-up before it drops the finalizer anyway. */
export const CLEANUP_GRACE_MS = 5 * 60_000;

/** How often ARK retries a failed broker clean-up. */
export const CLEANUP_RETRY_MS = 15_000;

/** `spec.ttl` as the webhook writes it (Go's `metav1.Duration`, e.g. `720h0m0s`): ArkConfig `default`'s `queryTTL`, else 720h. */
export async function defaultQueryTtl(ark: ArkClient): Promise<string> {
  let ms = DEFAULT_QUERY_TTL_MS;
  try {
    const config = await ark.arkConfigs.getOrUndefined("default");
    const ttl = (config?.spec as { queryTTL?: unknown } | undefined)?.queryTTL;
    if (typeof ttl === "string" && ttl) ms = parseGoDuration(ttl);
  } catch {
    // the webhook falls back to 720h when the lookup fails
  }
  return formatGoDuration(ms);
}

/** Whether the Agent webhook would give `agent` `modelRef: {name: default}`. */
export function needsDefaultModel(agent: Agent): boolean {
  return !agent.spec?.modelRef && agent.metadata?.annotations?.[A2A_SERVER_ANNOTATION] === undefined;
}

/** The time left until a finished Query's TTL elapses, ms (from its `Completed=True` transition); `undefined` without a TTL. */
export function ttlRemainingMs(query: Query, now = Date.now()): number | undefined {
  const ttl = query.spec?.ttl;
  if (!ttl) return undefined;
  let ms: number;
  try {
    ms = parseGoDuration(ttl);
  } catch {
    return undefined;
  }
  const completed = query.status?.conditions?.find((c) => c.type === "Completed" && c.status === "True");
  const anchor = Date.parse(completed?.lastTransitionTime ?? query.metadata?.creationTimestamp ?? "");
  if (Number.isNaN(anchor)) return undefined;
  return anchor + ms - now;
}

async function deleteAt(baseUrl: string, path: string, what: string, queryName: string): Promise<void> {
  const response = await fetch(`${baseUrl.replace(/\/+$/, "")}${path}`, { method: "DELETE", headers: { "User-Agent": "ark-controller/1.0" }, signal: AbortSignal.timeout(30_000) });
  await response.arrayBuffer().catch(() => undefined);
  if (response.status === 404 || response.status === 405) return;
  if (response.status < 200 || response.status >= 300) throw new DispatchError(`broker at ${baseUrl} returned HTTP ${response.status} deleting ${what} for query ${queryName}`);
}

/**
 * The finalizer's clean-up: deletes the Query's messages from its Memory
 * (`spec.memory`, else Memory `default`; none: nothing to do) and its events
 * from the broker of `ark-config-broker` (none: nothing to do).
 * @throws DispatchError when a broker answers with a failure or cannot be reached
 */
export async function cleanUpBroker(ark: ArkClient, values: ValueSourceResolver, query: Query): Promise<void> {
  const namespace = query.metadata?.namespace ?? "default";
  const name = query.metadata?.name ?? "";
  const problems: string[] = [];
  const memoryName = query.spec?.memory?.name || "default";
  const memoryNamespace = query.spec?.memory?.namespace || namespace;
  try {
    const memory = await ark.memories.getOrUndefined(memoryName, { namespace: memoryNamespace });
    if (memory) {
      const base = memory.status?.lastResolvedAddress || (await values.resolve(memory.spec?.address, memoryNamespace, `Memory ${memoryNamespace}/${memoryName} spec.address`));
      await deleteAt(base, `/queries/${encodeURIComponent(name)}/messages`, "messages", name);
    }
  } catch (error) {
    problems.push(errorMessage(error));
  }
  try {
    const config = await ark.core.configMaps.getOrUndefined("ark-config-broker", { namespace });
    const ref = config?.data?.serviceRef;
    if (config?.data?.enabled === "true" && ref) {
      const fields = Object.fromEntries(ref.trim().split("\n").map((line) => line.split(/:(.*)/s).map((part) => part.trim().replace(/^"|"$/g, ""))));
      const base = await values.serviceUrl({ name: fields.name, namespace: fields.namespace, port: fields.port }, namespace, `ConfigMap ${namespace}/ark-config-broker serviceRef`);
      await deleteAt(base, `/events/${encodeURIComponent(query.metadata?.uid ?? "")}`, "events", name);
    }
  } catch (error) {
    problems.push(errorMessage(error));
  }
  if (problems.length > 0) throw new DispatchError(problems.join("; "));
}
