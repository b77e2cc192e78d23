/**
 * The entry point: `ArkClient` with one typed {@link ResourceClient} per ARK
 * kind, the core kinds ARK uses, the secret and configuration stores, and
 * manifest apply. `ArkClientV1alpha1` / `ArkClientV1prealpha1` give the kinds
 * of one API version, like the Python SDK's versioned clients. All clients
 * made from one another share one transport and connection pool.
 */

import type { KubeConfigLike } from "../core/kubeconfig-like.js";
import { a2aTaskDescriptor, arkKinds, arkKindsByVersion, queryDescriptor, validateObject, descriptorFor, type A2ATask, type Query } from "../generated/index.js";
import { ApiDiscovery } from "../client/discovery.js";
import { applyManifest, type ApplyManifestOptions, type ManifestOutcome } from "../client/apply-manifest.js";
import { loadConfig, resolveNamespace, type LoadConfigOptions } from "../client/config.js";
import type { PoolOptions } from "../client/connection-pool.js";
import { configMapDescriptor, namespaceDescriptor, secretDescriptor, serviceDescriptor, type ConfigMap, type Namespace, type Secret, type Service } from "../client/core-kinds.js";
import { ConfigurationClient } from "./configurations.js";
import type { Closeable } from "../core/closeable.js";
import type { ResourceDescriptor } from "../core/descriptor.js";
import { consoleLogger, type Logger } from "../core/logger.js";
import type { KubernetesObject } from "../core/meta.js";
import { checkNamespace } from "../client/paths.js";
import { A2ATaskClient } from "./a2a-task-client.js";
import { QueryClient } from "./query-client.js";
import { ResourceClient, type ResourceClientOptions, type Validator } from "../client/resource-client.js";
import { SecretClient } from "./secrets.js";
import { ApiKeyStore } from "./api-keys.js";
import { Transport, type Impersonation, type RetryOptions } from "../client/transport.js";
import { checkValidationMode, SchemaValidation, type ValidationMode } from "../client/schema-validation.js";

/** Options of the ARK clients. */
export interface ArkClientOptions {
  /** A loaded kubeconfig, e.g. a `@kubernetes/client-node` `KubeConfig` (its current context is used). */
  kubeConfig: KubeConfigLike;
  /** Default namespace (default: the in-cluster namespace file, else the context's namespace, else `default`). */
  namespace?: string | undefined;
  /** Act as another user and groups (one `Impersonate-Group` header per group). */
  impersonate?: Impersonation | undefined;
  /** `User-Agent` (default `ark-sdk/<version>`). */
  userAgent?: string | undefined;
  /** Default field manager of writes and server-side apply (default `ark-sdk`). */
  fieldManager?: string | undefined;
  /** Client-side schema validation of ARK kinds before create/update/apply (default true). */
  validate?: boolean | undefined;
  /**
   * What that validation checks against and how strictly (default `"lenient"`):
   * `"lenient"` uses the schemas bundled with this SDK (ARK v0.1.67) and only
   * warns, through `logger`, about fields they do not declare; `"strict"`
   * rejects those too; `"cluster"` validates against the CRDs installed in the
   * target cluster (read once per client, read again when the server's answers
   * show a CRD changed; needs `get` on customresourcedefinitions).
   */
  validation?: ValidationMode | undefined;
  /** Where the client logs (default: stderr at `ARK_SDK_LOG_LEVEL`, else `warn`). */
  logger?: Logger | undefined;
  /** Deadline of each call including retries, ms (default 30,000). */
  timeoutMs?: number | undefined;
  /** Retries of transient failures. */
  retry?: RetryOptions | undefined;
  /** Connection pool tuning. */
  pool?: PoolOptions | undefined;
}

/** Options of `fromEnv`: how to find the configuration (see `config.ts`), plus the client's options. */
export type FromEnvOptions = Omit<ArkClientOptions, "kubeConfig"> & Omit<LoadConfigOptions, "namespace" | "logger">;

/** The built-in kinds ARK resolves values from. */
export interface CoreClients {
  /** Secrets. */
  secrets: ResourceClient<Secret>;
  /** ConfigMaps. */
  configMaps: ResourceClient<ConfigMap>;
  /** Services. */
  services: ResourceClient<Service>;
  /** Cluster-scoped. */
  namespaces: ResourceClient<Namespace>;
}

/** @internal What clients made from one another share. */
export interface SharedClientState {
  transport: Transport;
  fieldManager: string;
  validate: boolean;
  schemaValidation: SchemaValidation;
  logger: Logger;
  /** API discovery for kinds ark-sdk has no descriptor of; made on first use. */
  discovery?: ApiDiscovery;
  /** What the root client was built with (for {@link ArkClient.impersonating}). */
  init: ArkClientOptions;
}

function createShared(options: ArkClientOptions): { shared: SharedClientState; namespace: string } {
  const logger = options.logger ?? consoleLogger(undefined, "ark-sdk:client");
  const transport = new Transport({
    kubeConfig: options.kubeConfig, userAgent: options.userAgent, impersonate: options.impersonate, logger,
    timeoutMs: options.timeoutMs, retry: options.retry, pool: options.pool,
  });
  const namespace = checkNamespace("namespace", options.namespace ?? resolveNamespace(options.kubeConfig, undefined).namespace);
  const schemaValidation = new SchemaValidation(checkValidationMode(options.validation), transport, logger);
  return { shared: { transport, fieldManager: options.fieldManager ?? "ark-sdk", validate: options.validate ?? true, schemaValidation, logger, init: options }, namespace };
}

/** Loads the configuration the way `fromEnv` documents and returns the client's options. */
async function optionsFromEnv(options: FromEnvOptions): Promise<ArkClientOptions> {
  const logger = options.logger ?? consoleLogger(undefined, "ark-sdk:client");
  const loaded = await loadConfig({ ...options, logger });
  return { ...options, kubeConfig: loaded.kubeConfig, namespace: loaded.namespace, logger };
}

/** Common parts of every ARK client ({@link ArkClient}, {@link ArkClientV1alpha1}, {@link ArkClientV1prealpha1}): namespace, core kinds, stores, any other kind. */
export abstract class ArkClientBase implements Closeable {
  /** The default namespace of this client. */
  readonly namespace: string;
  /** @internal */
  protected readonly shared: SharedClientState;
  private readonly ownsTransport: boolean;
  private coreClients: CoreClients | undefined;
  private apiKeyStore: ApiKeyStore | undefined;

  /** @internal */
  protected constructor(init: ArkClientOptions | { shared: SharedClientState; namespace: string }) {
    if ("kubeConfig" in init) {
      const created = createShared(init);
      this.shared = created.shared;
      this.namespace = created.namespace;
      this.ownsTransport = true;
    } else {
      this.shared = init.shared;
      this.namespace = checkNamespace("namespace", init.namespace);
      this.ownsTransport = false;
    }
  }

  /**
   * A client configured from the environment: an explicit `kubeconfig` file,
   * else `KUBECONFIG` (merged list) or `~/.kube/config`, else the in-cluster
   * service account; namespace from the option, else the in-cluster namespace
   * file, else the context's, else `default`. The choice is logged at debug.
   * Works on each client class: `ArkClient.fromEnv()`, `ArkClientV1alpha1.fromEnv()`, ….
   */
  static async fromEnv<C extends ArkClientBase>(this: new (init: ArkClientOptions) => C, options: FromEnvOptions = {}): Promise<C> {
    return new this(await optionsFromEnv(options));
  }

  /** @internal The options every resource client of this ARK client is built with. */
  protected resourceOptions(validate: boolean): ResourceClientOptions {
    const { transport, fieldManager, logger, schemaValidation } = this.shared;
    return { transport, namespace: this.namespace, fieldManager, logger, validate: validate && this.shared.validate ? validateObject : false, schemaValidation };
  }

  /**
   * A client of any kind, e.g. one you generated yourself. `validate` checks
   * objects before create/update/apply: your own validator (e.g. the
   * `validateObject` or `validate<Kind>` that `ark-sdk generate` wrote for your
   * CRDs), or `true` for ARK's generated schemas, which apply only to the kinds
   * they know (another kind is not checked, never refused). Default: none.
   */
  resource<T extends KubernetesObject>(descriptor: ResourceDescriptor<T>, options: { validate?: boolean | Validator } = {}): ResourceClient<T> {
    const validate = options.validate ?? false;
    if (typeof validate === "function") return new ResourceClient(descriptor, { ...this.resourceOptions(false), validate });
    const known = validate && descriptorFor(descriptor.apiVersion, descriptor.kind) !== undefined;
    return new ResourceClient(descriptor, this.resourceOptions(known));
  }

  /** Secrets, ConfigMaps, Services and Namespaces. */
  get core(): CoreClients {
    this.coreClients ??= {
      secrets: this.resource(secretDescriptor),
      configMaps: this.resource(configMapDescriptor),
      services: this.resource(serviceDescriptor),
      namespaces: this.resource(namespaceDescriptor),
    };
    return this.coreClients;
  }

  /**
   * ARK token secrets of this namespace (the Python SDK's `SecretClient`):
   * Secrets holding one `token`, with description, alias and tags. For plain
   * Kubernetes Secrets use `core.secrets`.
   */
  get tokenSecrets(): SecretClient {
    return new SecretClient(this.core.secrets);
  }

  /**
   * ARK API keys of this namespace, stored as ARK's API server stores them
   * (one store per client, so `ark.apiKeys.verify` can be passed to
   * `apiKeyAuth` as is). Other options: `new ApiKeyStore(ark.core.secrets, options)`.
   */
  get apiKeys(): ApiKeyStore {
    this.apiKeyStore ??= new ApiKeyStore(this.core.secrets, { logger: this.shared.logger });
    return this.apiKeyStore;
  }

  /** ARK configurations of this namespace (ConfigMap-backed). */
  get configurations(): ConfigurationClient {
    return new ConfigurationClient(this.core.configMaps);
  }

  /** This client's validation mode and, in mode `"cluster"`, the cluster's CRD schemas it has read. */
  get schemaValidation(): SchemaValidation {
    return this.shared.schemaValidation;
  }

  /** @internal The transport (tests compare it across views). */
  get transport(): Transport {
    return this.shared.transport;
  }

  /**
   * Releases the connection pool. Clients derived from this one (views,
   * versioned clients) share it and stop working too; closing a derived
   * client does nothing.
   */
  async close(): Promise<void> {
    if (this.ownsTransport) await this.shared.transport.close();
  }

  /** `await using ark = await ArkClient.fromEnv()`: {@link ArkClientBase.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * The typed client of a generated kind's descriptor: {@link QueryClient} for
 * Queries, {@link A2ATaskClient} for A2ATasks, else a {@link ResourceClient}
 * of the kind's object type.
 */
export type KindClient<D> = D extends ResourceDescriptor<infer T> ? (T extends Query ? QueryClient : T extends A2ATask ? A2ATaskClient : ResourceClient<T>) : never;

/** One typed client per kind of a generated kind table (`arkKinds`, an entry of `arkKindsByVersion`), under the same property. */
export type KindClients<K> = { readonly [P in keyof K]: KindClient<K[P]> };

/** The client {@link KindClient} names, made at run time. */
function kindClient(descriptor: ResourceDescriptor, options: ResourceClientOptions): ResourceClient<KubernetesObject> {
  if (descriptor === queryDescriptor) return new QueryClient(queryDescriptor, options) as unknown as ResourceClient<KubernetesObject>;
  if (descriptor === a2aTaskDescriptor) return new A2ATaskClient(a2aTaskDescriptor, options) as unknown as ResourceClient<KubernetesObject>;
  return new ResourceClient(descriptor, options);
}

/** A client per kind of `table`; `reuse` answers with an existing client of the property (a version's, shared by the all-kinds client). */
function kindClients<K extends Readonly<Record<string, ResourceDescriptor>>>(
  table: K, options: ResourceClientOptions, reuse: (property: string, descriptor: ResourceDescriptor) => ResourceClient<KubernetesObject> | undefined = () => undefined,
): KindClients<K> {
  const clients: Record<string, ResourceClient<KubernetesObject>> = {};
  for (const [property, descriptor] of Object.entries(table)) clients[property] = reuse(property, descriptor) ?? kindClient(descriptor, options);
  return clients as KindClients<K>;
}

/**
 * The `ark.mckinsey.com/v1alpha1` kinds: one typed client per kind, under
 * its plural (`agents`, `queries`, `mcpServers`, …), generated from ARK's CRDs.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the kind properties come from the generated kind table
export interface ArkClientV1alpha1 extends KindClients<(typeof arkKindsByVersion)["ark.mckinsey.com/v1alpha1"]> {}
/** The `ark.mckinsey.com/v1alpha1` kinds. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface
export class ArkClientV1alpha1 extends ArkClientBase {
  /** A client from explicit options; {@link ArkClientBase.fromEnv} loads them from the environment. */
  constructor(options: ArkClientOptions);
  /** @internal A view sharing another client's connections. */
  constructor(init: { shared: SharedClientState; namespace: string });
  constructor(init: ArkClientOptions | { shared: SharedClientState; namespace: string }) {
    super(init);
    Object.assign(this, kindClients(arkKindsByVersion["ark.mckinsey.com/v1alpha1"], this.resourceOptions(true)));
  }
}

/**
 * The `ark.mckinsey.com/v1prealpha1` kinds: one typed client per kind, under
 * its plural (`a2aServers`, `executionEngines`), generated from ARK's CRDs.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the kind properties come from the generated kind table
export interface ArkClientV1prealpha1 extends KindClients<(typeof arkKindsByVersion)["ark.mckinsey.com/v1prealpha1"]> {}
/** The `ark.mckinsey.com/v1prealpha1` kinds. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface
export class ArkClientV1prealpha1 extends ArkClientBase {
  /** A client from explicit options; {@link ArkClientBase.fromEnv} loads them from the environment. */
  constructor(options: ArkClientOptions);
  /** @internal A view sharing another client's connections. */
  constructor(init: { shared: SharedClientState; namespace: string });
  constructor(init: ArkClientOptions | { shared: SharedClientState; namespace: string }) {
    super(init);
    Object.assign(this, kindClients(arkKindsByVersion["ark.mckinsey.com/v1prealpha1"], this.resourceOptions(true)));
  }
}

/**
 * Every ARK kind, typed, in one client: one client per kind under its plural
 * (`agents`, `queries`, `mcpServers`, …), generated from ARK's CRDs, each the
 * same object as in the versioned view of its version.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type -- the kind properties come from the generated kind table
export interface ArkClient extends KindClients<typeof arkKinds> {}
/**
 * Every ARK kind, typed, in one client.
 * @example
 * const ark = await ArkClient.fromEnv({ namespace: "team-a" });
 * const agent = await ark.agents.get("my-agent");
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see the interface
export class ArkClient extends ArkClientBase {
  /** The v1alpha1 kinds, sharing this client's connections. */
  readonly v1alpha1: ArkClientV1alpha1;
  /** The v1prealpha1 kinds, sharing this client's connections. */
  readonly v1prealpha1: ArkClientV1prealpha1;

  /** A client from a loaded KubeConfig. Prefer {@link ArkClient.fromEnv} unless you build the KubeConfig yourself. */
  constructor(options: ArkClientOptions);
  /** @internal A view sharing another client's connections. */
  constructor(init: { shared: SharedClientState; namespace: string });
  constructor(init: ArkClientOptions | { shared: SharedClientState; namespace: string }) {
    super(init);
    const derived = { shared: this.shared, namespace: this.namespace };
    this.v1alpha1 = new ArkClientV1alpha1(derived);
    this.v1prealpha1 = new ArkClientV1prealpha1(derived);
    // Adding an API version to the CRDs fails here until it has its versioned view.
    const views = {
      "ark.mckinsey.com/v1alpha1": this.v1alpha1,
      "ark.mckinsey.com/v1prealpha1": this.v1prealpha1,
    } satisfies Record<keyof typeof arkKindsByVersion, ArkClientBase>;
    const byVersion = views as Record<string, unknown> as Record<string, Record<string, ResourceClient<KubernetesObject> | undefined> | undefined>;
    const fromView = (property: string, descriptor: ResourceDescriptor) => byVersion[descriptor.apiVersion]?.[property];
    Object.assign(this, kindClients(arkKinds, this.resourceOptions(true), fromView));
  }

  /** The same client with another default namespace, sharing connections. */
  inNamespace(namespace: string): ArkClient {
    return new ArkClient({ shared: this.shared, namespace });
  }

  /**
   * A new client acting as `impersonate` (same cluster, credentials and
   * options, its own transport; close it when done). The real identity needs
   * the `impersonate` verb on the users, groups or serviceaccounts named.
   */
  impersonating(impersonate: Impersonation): ArkClient {
    return new ArkClient({ ...this.shared.init, namespace: this.namespace, impersonate, logger: this.shared.logger });
  }

  /** The client serving `apiVersion`/`kind` among ARK's and the core kinds, or `undefined` (see {@link ArkClient.discoverClient} for any other kind). */
  clientFor(apiVersion: string, kind: string): ResourceClient<KubernetesObject> | undefined {
    const clientsOf = (view: object) => Object.values(view).filter((v): v is ResourceClient<KubernetesObject> => v instanceof ResourceClient);
    const all = [...clientsOf(this), ...clientsOf(this.v1alpha1), ...clientsOf(this.v1prealpha1), ...clientsOf(this.core)];
    return all.find((client) => client.descriptor.apiVersion === apiVersion && client.descriptor.kind === kind);
  }

  /**
   * Server-side-applies every document of a multi-document YAML (ARK kinds
   * and Secrets/ConfigMaps/Services/Namespaces), validated first, and reports
   * each outcome; rejects with `ManifestError` (carrying all outcomes) if any
   * document failed. Documents without a namespace go to `options.namespace`,
   * else this client's.
   */
  async applyManifest(yamlText: string, options: ApplyManifestOptions = {}): Promise<ManifestOutcome[]> {
    return applyManifest(yamlText, (apiVersion, kind) => this.discoverClient(apiVersion, kind, { signal: options.signal }), options);
  }

  /**
   * The client of any kind the cluster serves: ARK's kinds and the core kinds
   * come typed and validated; any other kind (Deployments, RBAC, another
   * project's CRDs) is found through API discovery, cached per client, and
   * served unvalidated. `undefined` when the cluster does not serve the kind.
   */
  async discoverClient(apiVersion: string, kind: string, options: { signal?: AbortSignal } = {}): Promise<ResourceClient<KubernetesObject> | undefined> {
    const known = this.clientFor(apiVersion, kind);
    if (known) return known;
    this.shared.discovery ??= new ApiDiscovery(this.shared.transport);
    const descriptor = await this.shared.discovery.find(apiVersion, kind, options);
    return descriptor ? this.resource(descriptor) : undefined;
  }
}
