/**
 * The entry point: `ArkClient` with one typed {@link ResourceClient} per ARK
 * kind, the core kinds ARK uses, the secret and configuration stores, and
 * manifest apply. `ArkClientV1alpha1` / `ArkClientV1prealpha1` give the kinds
 * of one API version, like the Python SDK's versioned clients. All clients
 * made from one another share one transport and connection pool.
 */

import type { KubeConfig } from "@kubernetes/client-node";
import {
  a2aServerDescriptor, a2aTaskDescriptor, agentDescriptor, arkConfigDescriptor, executionEngineDescriptor, mcpServerDescriptor,
  memoryDescriptor, modelDescriptor, queryDescriptor, teamDescriptor, toolDescriptor, validateObject, descriptorFor,
  type A2AServer, type Agent, type ArkConfig, type ExecutionEngine, type MCPServer, type Memory, type Model, type Team, type Tool,
} from "../generated/index.js";
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
import { Transport, type Impersonation, type RetryOptions } from "../client/transport.js";
import { checkValidationMode, SchemaValidation, type ValidationMode } from "../client/schema-validation.js";

/** Options of the ARK clients. */
export interface ArkClientOptions {
  /** A loaded client-node KubeConfig (its current context is used). */
  kubeConfig: KubeConfig;
  /** Default namespace (default: the in-cluster namespace file, else the context's namespace, else `default`). */
  namespace?: string;
  /** Act as another user and groups (one `Impersonate-Group` header per group). */
  impersonate?: Impersonation;
  /** `User-Agent` (default `ark-sdk/<version>`). */
  userAgent?: string;
  /** Default field manager of writes and server-side apply (default `ark-sdk`). */
  fieldManager?: string;
  /** Client-side schema validation of ARK kinds before create/update/apply (default true). */
  validate?: boolean;
  /**
   * What that validation checks against and how strictly (default `"lenient"`):
   * `"lenient"` uses the schemas bundled with this SDK (ARK v0.1.67) and only
   * warns, through `logger`, about fields they do not declare; `"strict"`
   * rejects those too; `"cluster"` validates against the CRDs installed in the
   * target cluster (read once per client, read again when the server's answers
   * show a CRD changed; needs `get` on customresourcedefinitions).
   */
  validation?: ValidationMode;
  /** Where the client logs (default: stderr at `ARK_SDK_LOG_LEVEL`, else `warn`). */
  logger?: Logger;
  /** Deadline of each call including retries, ms (default 30,000). */
  timeoutMs?: number;
  /** Retries of transient failures. */
  retry?: RetryOptions;
  /** Connection pool tuning. */
  pool?: PoolOptions;
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

/** The `ark.mckinsey.com/v1alpha1` kinds. */
export class ArkClientV1alpha1 extends ArkClientBase {
  /** Agents. */
  readonly agents: ResourceClient<Agent>;
  /** Models. */
  readonly models: ResourceClient<Model>;
  /** Queries, with run / wait / stream / cancel. */
  readonly queries: QueryClient;
  /** Teams. */
  readonly teams: ResourceClient<Team>;
  /** Tools. */
  readonly tools: ResourceClient<Tool>;
  /** Memories. */
  readonly memories: ResourceClient<Memory>;
  /** MCPServers. */
  readonly mcpServers: ResourceClient<MCPServer>;
  /** A2ATasks, with approve / reject. */
  readonly a2aTasks: A2ATaskClient;
  /** Cluster-scoped. */
  readonly arkConfigs: ResourceClient<ArkConfig>;

  /** A client from explicit options; {@link ArkClientBase.fromEnv} loads them from the environment. */
  constructor(options: ArkClientOptions);
  /** @internal A view sharing another client's connections. */
  constructor(init: { shared: SharedClientState; namespace: string });
  constructor(init: ArkClientOptions | { shared: SharedClientState; namespace: string }) {
    super(init);
    const options = this.resourceOptions(true);
    this.agents = new ResourceClient(agentDescriptor, options);
    this.models = new ResourceClient(modelDescriptor, options);
    this.queries = new QueryClient(queryDescriptor, options);
    this.teams = new ResourceClient(teamDescriptor, options);
    this.tools = new ResourceClient(toolDescriptor, options);
    this.memories = new ResourceClient(memoryDescriptor, options);
    this.mcpServers = new ResourceClient(mcpServerDescriptor, options);
    this.a2aTasks = new A2ATaskClient(a2aTaskDescriptor, options);
    this.arkConfigs = new ResourceClient(arkConfigDescriptor, options);
  }

}

/** The `ark.mckinsey.com/v1prealpha1` kinds. */
export class ArkClientV1prealpha1 extends ArkClientBase {
  /** A2AServers. */
  readonly a2aServers: ResourceClient<A2AServer>;
  /** ExecutionEngines. */
  readonly executionEngines: ResourceClient<ExecutionEngine>;

  /** A client from explicit options; {@link ArkClientBase.fromEnv} loads them from the environment. */
  constructor(options: ArkClientOptions);
  /** @internal A view sharing another client's connections. */
  constructor(init: { shared: SharedClientState; namespace: string });
  constructor(init: ArkClientOptions | { shared: SharedClientState; namespace: string }) {
    super(init);
    const options = this.resourceOptions(true);
    this.a2aServers = new ResourceClient(a2aServerDescriptor, options);
    this.executionEngines = new ResourceClient(executionEngineDescriptor, options);
  }

}

/**
 * Every ARK kind, typed, in one client.
 * @example
 * const ark = await ArkClient.fromEnv({ namespace: "team-a" });
 * const agent = await ark.agents.get("my-agent");
 */
export class ArkClient extends ArkClientBase {
  /** Agents. */
  readonly agents: ResourceClient<Agent>;
  /** Models. */
  readonly models: ResourceClient<Model>;
  /** Queries, with run / wait / stream / cancel. */
  readonly queries: QueryClient;
  /** Teams. */
  readonly teams: ResourceClient<Team>;
  /** Tools. */
  readonly tools: ResourceClient<Tool>;
  /** Memories. */
  readonly memories: ResourceClient<Memory>;
  /** MCPServers. */
  readonly mcpServers: ResourceClient<MCPServer>;
  /** A2ATasks, with approve / reject. */
  readonly a2aTasks: A2ATaskClient;
  /** Cluster-scoped. */
  readonly arkConfigs: ResourceClient<ArkConfig>;
  /** A2AServers. */
  readonly a2aServers: ResourceClient<A2AServer>;
  /** ExecutionEngines. */
  readonly executionEngines: ResourceClient<ExecutionEngine>;
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
    ({
      agents: this.agents, models: this.models, queries: this.queries, teams: this.teams, tools: this.tools, memories: this.memories,
      mcpServers: this.mcpServers, a2aTasks: this.a2aTasks, arkConfigs: this.arkConfigs,
    } = this.v1alpha1);
    ({ a2aServers: this.a2aServers, executionEngines: this.executionEngines } = this.v1prealpha1);
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
    const all: ResourceClient<KubernetesObject>[] = [
      this.agents, this.models, this.queries, this.teams, this.tools, this.memories, this.mcpServers, this.a2aTasks, this.arkConfigs,
      this.a2aServers, this.executionEngines, ...Object.values(this.core),
    ] as ResourceClient<KubernetesObject>[];
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
