/**
 * The part of a loaded kubeconfig that ark-sdk uses, as an ark-sdk type.
 * `@kubernetes/client-node`'s `KubeConfig` satisfies it (ark-sdk loads
 * kubeconfigs with it), but its type stays out of ark-sdk's declarations, so
 * a strict project (`skipLibCheck: false`) needs neither client-node's types
 * nor the `ws` types they pull in.
 */

/** A cluster entry of a kubeconfig. */
export interface KubeClusterEntry {
  readonly name: string;
  /** The API server's URL. */
  readonly server: string;
  readonly caData?: string | undefined;
  readonly caFile?: string | undefined;
  readonly skipTLSVerify?: boolean | undefined;
  readonly tlsServerName?: string | undefined;
  readonly proxyUrl?: string | undefined;
}

/** A user entry of a kubeconfig (only the fields ark-sdk reads are typed). */
export interface KubeUserEntry {
  readonly name: string;
  /** A literal bearer token, when the user has one. */
  readonly token?: string | undefined;
  /** An exec credential plugin, when the user has one. */
  readonly exec?: unknown;
  /** An auth provider (OIDC, token file…), when the user has one. */
  readonly authProvider?: unknown;
}

/** A context entry of a kubeconfig. */
export interface KubeContextEntry {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace?: string | undefined;
}

/** Connection options a kubeconfig fills in for its current context (CA, client certificate, `Authorization` header…). */
export interface KubeHttpsOptions {
  headers?: Record<string, unknown> | undefined;
  ca?: string | Buffer | undefined;
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  servername?: string | undefined;
  rejectUnauthorized?: boolean | undefined;
  auth?: string | undefined;
}

/**
 * A loaded kubeconfig, as ark-sdk uses it: its current context's cluster,
 * user and namespace, and the credentials it applies to a connection.
 * `@kubernetes/client-node`'s `KubeConfig` is one; pass yours where ark-sdk
 * takes a `kubeConfig`. The ones ark-sdk hands out (a local control plane's,
 * a test cluster's) are client-node `KubeConfig`s too; to use one with
 * client-node's typed API, load its export:
 * `const kc = new KubeConfig(); kc.loadFromString(plane.kubeConfig.exportConfig());`.
 */
export interface KubeConfigLike {
  /** The current context's name. */
  getCurrentContext(): string;
  /** The context of that name, or null. */
  getContextObject(name: string): KubeContextEntry | null;
  /** The current context's cluster, or null. */
  getCurrentCluster(): KubeClusterEntry | null;
  /** The current context's user, or null. */
  getCurrentUser(): KubeUserEntry | null;
  /** Every cluster entry. */
  getClusters(): readonly KubeClusterEntry[];
  /** Every user entry. */
  getUsers(): readonly KubeUserEntry[];
  /** Every context entry. */
  getContexts(): readonly KubeContextEntry[];
  /**
   * Fills `options` with the current context's TLS identity and headers (CA,
   * client certificate and key, bearer token, `Impersonate-User`), running
   * exec or auth-provider plugins as needed.
   */
  applyToHTTPSOptions(options: KubeHttpsOptions): Promise<void>;
  /** The whole kubeconfig, serialized (JSON, which is also YAML). */
  exportConfig(): string;
}
