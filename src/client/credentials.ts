/**
 * Turns a client-node `KubeConfig` into what our transport needs: the TLS
 * identity of the connection pool and the headers of each request. All the
 * hard parts (exec plugins, OIDC, token files, client certificates,
 * `as-user`) stay in client-node; this file only caches the result so a
 * request does not re-read files or re-run plugins, and refreshes it when it
 * may have expired or the server answered 401.
 */

import { createHash } from "node:crypto";
import type { KubeConfigLike, KubeHttpsOptions } from "../core/kubeconfig-like.js";
import { ConfigError } from "./errors.js";
import { errorMessage } from "../core/errors.js";

/** TLS settings for the connections to one API server. */
export interface TlsIdentity {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
}

/** Everything a request needs from the credentials, as of one moment. */
export interface CredentialSnapshot {
  /** Base URL of the API server, without a trailing slash. */
  server: string;
  /** Proxy URL from the kubeconfig cluster entry, if any. */
  proxyUrl: string | undefined;
  tls: TlsIdentity;
  /** Stable digest of server + proxy + TLS identity: requests with equal keys may share connections. */
  poolKey: string;
  /** `Authorization` and `Impersonate-User` (from `as-user`) headers. */
  headers: Record<string, string>;
}

/** How long a credential computed by a plugin (exec, OIDC, token file) is reused before asking client-node again. */
export const DYNAMIC_CREDENTIAL_TTL_MS = 30_000;

type HttpsLikeOptions = {
  headers?: Record<string, unknown>;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  servername?: string;
  rejectUnauthorized?: boolean;
  auth?: string;
};

/**
 * Caches the credentials of a KubeConfig's current context. Static ones
 * (client certificate, literal token) are computed once; ones produced by an
 * auth plugin are recomputed after {@link DYNAMIC_CREDENTIAL_TTL_MS} or after
 * {@link KubeCredentials.invalidate} (the transport calls it on a 401).
 */
export class KubeCredentials {
  private cached: { snapshot: CredentialSnapshot; at: number } | undefined;
  private pending: Promise<CredentialSnapshot> | undefined;
  private readonly dynamic: boolean;

  constructor(private readonly kubeConfig: KubeConfigLike, private readonly ttlMs = DYNAMIC_CREDENTIAL_TTL_MS) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new ConfigError(`kubeconfig context "${kubeConfig.getCurrentContext()}" names no cluster (or there is no current context)`);
    const user = kubeConfig.getCurrentUser();
    this.dynamic = Boolean(user?.exec || user?.authProvider);
  }

  /** The API server URL of the current context. */
  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server.replace(/\/+$/, "") ?? "";
  }

  /** Current credentials; computed at most once at a time, cached as described above. */
  async current(): Promise<CredentialSnapshot> {
    const cached = this.cached;
    if (cached && (!this.dynamic || Date.now() - cached.at < this.ttlMs)) return cached.snapshot;
    this.pending ??= this.compute().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The cached credentials if they are still current (what {@link current} would return without waiting), else `undefined`. */
  peek(): CredentialSnapshot | undefined {
    const cached = this.cached;
    return cached && (!this.dynamic || Date.now() - cached.at < this.ttlMs) ? cached.snapshot : undefined;
  }

  /** Drops the cache so the next {@link current} asks client-node (and its plugins) again. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async compute(): Promise<CredentialSnapshot> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (!cluster) throw new ConfigError("kubeconfig has no current cluster");
    const opts: HttpsLikeOptions = { headers: {} };
    try {
      // client-node fills CA, client cert/key, bearer token (running exec/OIDC
      // plugins as needed) and as-user into https-style options.
      await this.kubeConfig.applyToHTTPSOptions(opts as KubeHttpsOptions);
    } catch (error) {
      throw new ConfigError(`could not obtain credentials for context "${this.kubeConfig.getCurrentContext()}": ${errorMessage(error)}`, { cause: error });
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(opts.headers ?? {})) {
      if (typeof value === "string" || typeof value === "number") headers[key] = String(value);
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString("base64")}`;
    const tls: TlsIdentity = {};
    if (opts.ca !== undefined) tls.ca = opts.ca;
    if (opts.cert !== undefined) tls.cert = opts.cert;
    if (opts.key !== undefined) tls.key = opts.key;
    if (opts.servername !== undefined) tls.servername = opts.servername;
    if (opts.rejectUnauthorized !== undefined) tls.rejectUnauthorized = opts.rejectUnauthorized;
    const server = cluster.server.replace(/\/+$/, "");
    const digest = createHash("sha256");
    for (const part of [server, cluster.proxyUrl ?? "", tls.ca, tls.cert, tls.key, tls.servername ?? "", String(tls.rejectUnauthorized)]) {
      digest.update(part === undefined ? "-" : part).update("\0");
    }
    const snapshot: CredentialSnapshot = { server, proxyUrl: cluster.proxyUrl, tls, poolKey: digest.digest("hex"), headers };
    this.cached = { snapshot, at: Date.now() };
    return snapshot;
  }
}
