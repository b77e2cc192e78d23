/**
 * API discovery: which kinds a cluster serves, under which URL plural, and
 * whether they are namespaced, read from the API server's resource lists
 * (`/api/v1`, `/apis/<group>/<version>`) the way `kubectl` does. One group
 * version is read at a time, only when asked for, and cached; a kind missing
 * from a cached list makes the list be read again (at most once per
 * `refreshAfterMs`), so a CRD installed a moment ago is found.
 */

import type { ResourceDescriptor } from "../core/descriptor.js";
import { isRecord } from "../core/json.js";
import { ArgumentError, isNotFound, isRouteNotFound } from "./errors.js";
import type { Transport } from "./transport.js";

/** One resource of a group version as the API server lists it. */
export interface DiscoveredResource {
  /** URL plural, e.g. `deployments`. */
  name: string;
  kind: string;
  singularName: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
}

/** Options of {@link ApiDiscovery}. */
export interface ApiDiscoveryOptions {
  /** How long a group version's resource list is trusted, ms (default 300,000). */
  ttlMs?: number | undefined;
  /** The least time between two reads of one group version forced by a kind missing from it, ms (default 2,000). */
  refreshAfterMs?: number | undefined;
  /** The clock, for tests. */
  now?: (() => number) | undefined;
}

interface CachedList {
  /** `undefined`: the server does not serve this group version. */
  resources: DiscoveredResource[] | undefined;
  readAt: number;
}

/** Finds the descriptor of any kind a cluster serves. */
export class ApiDiscovery {
  private readonly transport: Transport;
  private readonly ttlMs: number;
  private readonly refreshAfterMs: number;
  private readonly now: () => number;
  private readonly cache = new Map<string, Promise<CachedList>>();

  constructor(transport: Transport, options: ApiDiscoveryOptions = {}) {
    this.transport = transport;
    this.ttlMs = options.ttlMs ?? 300_000;
    this.refreshAfterMs = options.refreshAfterMs ?? 2_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * The descriptor of `kind` in `apiVersion` (`v1`, `apps/v1`, `ark.mckinsey.com/v1alpha1`),
   * or `undefined` when the cluster does not serve it. Subresources (`pods/log`) are never returned.
   */
  async find(apiVersion: string, kind: string, options: { signal?: AbortSignal } = {}): Promise<ResourceDescriptor | undefined> {
    const { group, version } = splitApiVersion(apiVersion);
    let list = await this.list(apiVersion, options.signal, false);
    let resource = list.resources?.find((r) => r.kind === kind && !r.name.includes("/"));
    if (!resource && this.now() - list.readAt >= this.refreshAfterMs) {
      list = await this.list(apiVersion, options.signal, true);
      resource = list.resources?.find((r) => r.kind === kind && !r.name.includes("/"));
    }
    if (!resource) return undefined;
    const hasStatus = list.resources?.some((r) => r.name === `${resource.name}/status`) ?? false;
    return {
      group,
      version,
      apiVersion,
      kind: resource.kind,
      listKind: `${resource.kind}List`,
      plural: resource.name,
      singular: resource.singularName || resource.kind.toLowerCase(),
      shortNames: resource.shortNames,
      namespaced: resource.namespaced,
      storage: false,
      subresources: { status: hasStatus },
      printerColumns: [],
    };
  }

  /** Forgets every cached list. */
  invalidate(): void {
    this.cache.clear();
  }

  private list(apiVersion: string, signal: AbortSignal | undefined, force: boolean): Promise<CachedList> {
    const cached = this.cache.get(apiVersion);
    if (cached && !force) {
      return cached.then((list) => (this.now() - list.readAt < this.ttlMs ? list : this.list(apiVersion, signal, true)));
    }
    const read = this.read(apiVersion, signal);
    this.cache.set(apiVersion, read);
    // A failed read is not cached: the next call asks again.
    read.catch(() => {
      if (this.cache.get(apiVersion) === read) this.cache.delete(apiVersion);
    });
    return read;
  }

  private async read(apiVersion: string, signal: AbortSignal | undefined): Promise<CachedList> {
    const path = apiVersion === "v1" ? "/api/v1" : `/apis/${apiVersion}`;
    const readAt = this.now();
    try {
      const body = await this.transport.request<unknown>({ method: "GET", path, idempotent: true, signal, kind: "APIResourceList" });
      return { resources: parseResourceList(body), readAt };
    } catch (error) {
      // A group version the server does not serve answers a bare `404 page not found` (no Status body).
      if (isNotFound(error) || isRouteNotFound(error)) return { resources: undefined, readAt };
      throw error;
    }
  }
}

/** `apps/v1` → `{ group: "apps", version: "v1" }`; `v1` → the core group `""`. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const parts = apiVersion.split("/");
  if (parts.length === 1 && parts[0]) return { group: "", version: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { group: parts[0], version: parts[1] };
  throw new ArgumentError("apiVersion", `must be "version" or "group/version", got ${JSON.stringify(apiVersion)}`);
}

function parseResourceList(body: unknown): DiscoveredResource[] {
  const resources = isRecord(body) && Array.isArray(body.resources) ? body.resources : [];
  const out: DiscoveredResource[] = [];
  for (const r of resources) {
    if (!isRecord(r) || typeof r.name !== "string" || typeof r.kind !== "string") continue;
    out.push({
      name: r.name,
      kind: r.kind,
      singularName: typeof r.singularName === "string" ? r.singularName : "",
      namespaced: r.namespaced === true,
      verbs: Array.isArray(r.verbs) ? r.verbs.filter((v): v is string => typeof v === "string") : [],
      shortNames: Array.isArray(r.shortNames) ? r.shortNames.filter((v): v is string => typeof v === "string") : [],
    });
  }
  return out;
}
