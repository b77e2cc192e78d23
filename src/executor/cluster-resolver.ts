/**
 * Resolves a QueryRef against the cluster: Query → target agent (authorising
 * team sub-targets) → Model with every value source resolved → parameters
 * and prompt → MCP servers of the agent's tools (headers, `spec.overrides`,
 * bearer token, timeouts) → the ExecutionEngine's annotations → TTL and
 * timeout. The Query is read with the engine's own identity; everything else
 * too, unless the Query names a `spec.serviceAccount`: then, as ARK's
 * controller does, as `system:serviceaccount:<namespace>:<name>`
 * (impersonation; the engine needs the `impersonate` verb on that
 * serviceaccount). The engine's own reads go through informers (see
 * `ObjectCache`), so a hot agent is not re-read per request; impersonated
 * reads are direct GETs, so the service account's RBAC decides each one.
 * Also discovers the namespace's broker and writes Query phases.
 */

import { ArkClient, type FromEnvOptions } from "../ark/ark-client.js";
import { consoleLogger, type Logger } from "../core/logger.js";
import type { KubernetesObject } from "../core/meta.js";
import type { Agent, AgentSpec, AgentSpecTool, Header, LabelSelector, LabelSelectorRequirement, MCPServer, Model, Override, Parameter, Query, QuerySpec, Tool, ToolSpec } from "../generated/index.js";
import type { ToolConfig } from "./tools/types.js";
import { BUILTIN_TOOLS } from "./tools/builtin.js";
import { renderFieldTemplate } from "./tools/http.js";
import { subQueryRunner } from "./tools/sub-query.js";
import type { ToolHost } from "./tools/toolbox.js";
import { errorMessage } from "../core/errors.js";
import type { ResourceClient } from "../client/resource-client.js";
import { SDK_VERSION } from "../core/version.js";
import { BrokerDiscovery, discoverBrokerTracesUrl } from "../ark/broker-discovery.js";
import { brokerStreamFor, type BrokerStream } from "./broker-client.js";
import { GoDurationError } from "../core/go-duration.js";
import { QueryResolutionError } from "../ark/errors.js";
import { approvalOutcomeOf } from "../ark/a2a-task-client.js";
import { ApprovalGate, parseApprovalToolCalls, type ApprovalResumption } from "./tools/approval.js";
import { goDurationToSeconds, parseGoDuration } from "../core/go-duration.js";
import { ObjectCache, type CacheMode, type CacheStats } from "../client/object-cache.js";
import { renderTemplate } from "./prompt-template.js";
import type { QueryRef } from "../protocol/query-extension.js";
import type { QueryResolver, ResolvedQuery, ResolveInput } from "./query-resolver.js";
import { QueryStatusWriter, type QueryPhaseWriter } from "../ark/query-status.js";
import { authorizeOverride } from "../ark/team-membership.js";
import type { AgentConfig, ExecutionEngineRequest, MCPServerConfig, ModelConfig, ResolvedParameter } from "./types.js";
import { clusterError, isValueSource, ValueSourceResolver, type ServiceUrlResolver } from "../ark/value-source.js";
import { BrokerReachability, brokerUnreachableAdvice, resolveServiceUrls, type ServiceUrls } from "../ark/service-urls.js";
import type { Closeable } from "../core/closeable.js";
import { isRecord, setOwn } from "../core/json.js";
import { ForbiddenError } from "../client/errors.js";
import { A2A_SERVER_NAME_ANNOTATION } from "../ark/annotations.js";
import { memoryEndpointFor, MemoryUnavailableError, type MemoryEndpoint } from "../ark/memory.js";

/** Options of {@link ClusterQueryResolver}. */
export interface ClusterQueryResolverOptions {
  /** `informer` (default): cache objects with list+watch; `none`: read every object on every request. */
  cache?: CacheMode | undefined;
  /**
   * Maps Service references to URLs. Default: `ARK_SDK_SERVICE_URLS`
   * (`loopback` or `cluster`), else in-cluster DNS names (see `resolveServiceUrls`).
   */
  serviceUrl?: ServiceUrlResolver | undefined;
  /** A fixed broker every namespace streams to. Default: `ARK_SDK_BROKER_URL`, else the namespace's `ark-config-streaming` ConfigMap. */
  brokerUrl?: string | undefined;
  /** Where `ARK_SDK_SERVICE_URLS` and `ARK_SDK_BROKER_URL` are read (default `process.env`). */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * How long a namespace's broker address is reused, ms. Default: with the
   * informer cache, a found address is re-read from the informers on every
   * query (no API call; a moved broker Service is followed at once) and "no
   * broker" is reused 30,000 ms; with cache `none`, 30,000 ms for both. An
   * address that refuses connections is dropped at once either way.
   */
  brokerCacheTtlMs?: number | undefined;
  /** Timeout of broker calls, ms (default 10,000). */
  brokerTimeoutMs?: number | undefined;
  logger?: Logger | undefined;
  /**
   * What runs agent tools besides the request (`ctx.tools`). Default:
   * agent and team tools run as sub-Queries created with the resolver's
   * client (RBAC: create, get, list, watch, patch on queries); no approval
   * hook, so the built-in approval applies (see `approvals`). An `approve`
   * hook given here wins over the built-in approval.
   */
  tools?: ToolHost | undefined;
  /**
   * Built-in human approval of tool calls, as ARK's engine does it (default
   * true): a call of a tool whose `approval.required` is true pauses the
   * execution and the engine answers with ARK's input-required Task; the
   * Query's re-dispatch resumes it with the A2ATask's decision (RBAC: get on
   * a2atasks). `false`: such calls fail with `ToolApprovalRequiredError`.
   */
  approvals?: boolean | undefined;
}

/** The Query's `spec.timeout` default (ARK's CRD default). */
export const DEFAULT_QUERY_TIMEOUT = "5m";

type Obj = Record<string, unknown>;

function rec(value: unknown): Obj {
  return isRecord(value) ? value : {};
}

/** The items of a list field, without nulls (a validated object has none; an unvalidated one must not crash the resolver). */
function list<T>(value: readonly T[] | undefined | null): T[] {
  return Array.isArray(value) ? value.filter((item): item is T => item !== null && item !== undefined) : [];
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(value))) if (typeof v === "string") setOwn(out, k, v);
  return out;
}

/** A spec as read: the API server validated it against the CRD, but an older or newer ARK may leave fields out. */
type Read<S> = Partial<S>;

/** Who reads a resolution's objects: the engine itself, or the Query's service account. */
interface Scope {
  ark: ArkClient;
  cache: ObjectCache;
  /** The impersonated user, when not the engine itself. */
  user?: string;
  /** The Query being resolved (for `spec.overrides`). */
  query: KubernetesObject;
}

/** Whether `labels` satisfy a `metav1.LabelSelector` (absent selector: everything). */
function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  const have = labels ?? {};
  for (const [k, v] of Object.entries(rec(selector.matchLabels))) if (have[k] !== v) return false;
  for (const expr of list<LabelSelectorRequirement>(selector.matchExpressions)) {
    const key = text(expr.key) ?? "";
    const values = list<unknown>(expr.values);
    const present = Object.prototype.hasOwnProperty.call(have, key);
    switch (expr.operator) {
      case "In":
        if (!present || !values.includes(have[key])) return false;
        break;
      case "NotIn":
        if (present && values.includes(have[key])) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** An agent tool of type `built-in` with no Tool object: ARK's builtin definition. */
function builtinConfig(name: string): ToolConfig {
  const known = BUILTIN_TOOLS[name];
  return {
    kind: "builtin",
    name,
    toolRef: "",
    description: known?.description ?? `Built-in tool: ${name}`,
    inputSchema: structuredClone(known?.inputSchema ?? { type: "object", properties: {} }),
    builtin: { name },
    ...(known ? {} : { unsupported: `unsupported builtin tool '${name}': ARK v0.1.67 supports noop and terminate` }),
  };
}

const LEGACY_PROVIDER_TYPES = new Set(["openai", "azure", "bedrock", "anthropic"]);

/** Turns QueryRefs into requests by reading the cluster. */
export class ClusterQueryResolver implements QueryResolver, Closeable {
  readonly statusWriter: QueryPhaseWriter;
  private readonly ark: ArkClient;
  private readonly ownsClient: boolean;
  private readonly cache: ObjectCache;
  private readonly logger: Logger;
  private readonly options: ClusterQueryResolverOptions;
  private readonly serviceUrl: ServiceUrlResolver;
  private readonly urls: ServiceUrls;
  private readonly brokerReachability: BrokerReachability;
  private readonly broker: BrokerDiscovery;
  private readonly impersonated = new Map<string, Scope>();
  private readonly toolHost: ToolHost;

  constructor(ark: ArkClient, options: ClusterQueryResolverOptions = {}, ownsClient = false) {
    this.ark = ark;
    this.ownsClient = ownsClient;
    this.options = options;
    this.logger = options.logger ?? consoleLogger(undefined, "ark-sdk:executor");
    this.cache = new ObjectCache({ mode: options.cache ?? "informer", logger: this.logger });
    this.urls = resolveServiceUrls({ serviceUrl: options.serviceUrl, brokerUrl: options.brokerUrl, env: options.env });
    this.serviceUrl = this.urls.serviceUrl;
    this.brokerReachability = new BrokerReachability(this.logger);
    this.statusWriter = new QueryStatusWriter(ark.queries);
    this.toolHost = { subQueries: subQueryRunner(ark), ...options.tools };
    this.broker = new BrokerDiscovery({
      readConfigMap: (ns, name, signal) => this.cache.get(this.ark.core.configMaps, ns, name, signal),
      values: () => this.values({ ark: this.ark, cache: this.cache }, new Map()),
      ttlMs: options.brokerCacheTtlMs,
      followChanges: options.brokerCacheTtlMs === undefined && (options.cache ?? "informer") === "informer",
      logger: this.logger,
    });
  }

  /**
   * A resolver using the ambient configuration (in-cluster service account,
   * else kubeconfig) read from `env` (default `process.env`), like
   * `ArkClient.fromEnv`; `client` tunes the client it creates (and closes).
   * @throws ConfigError when `ARK_SDK_SERVICE_URLS` or `ARK_SDK_BROKER_URL` has a bad value
   */
  static async fromEnv(options: ClusterQueryResolverOptions & { client?: FromEnvOptions | undefined } = {}): Promise<ClusterQueryResolver> {
    const { client, ...resolverOptions } = options;
    // Checked before any connection is made: a bad variable fails here, naming it.
    resolveServiceUrls({ serviceUrl: resolverOptions.serviceUrl, brokerUrl: resolverOptions.brokerUrl, env: resolverOptions.env });
    const ark = await ArkClient.fromEnv({ env: resolverOptions.env, logger: resolverOptions.logger, ...client });
    return new ClusterQueryResolver(ark, resolverOptions, true);
  }

  /** Cache counters (informer hits vs API reads). */
  get cacheStats(): CacheStats {
    return this.cache.stats;
  }

  async tracesEndpoint(signal: AbortSignal): Promise<string | undefined> {
    const core = this.ark.core;
    return discoverBrokerTracesUrl({
      readConfigMap: (ns, name, s) => this.cache.get(core.configMaps, ns, name, s),
      readService: (ns, name, s) => this.cache.get(core.services, ns, name, s),
      serviceUrl: this.serviceUrl,
    }, this.ark.namespace, signal);
  }

  async resolve(ref: QueryRef, input: ResolveInput): Promise<ResolvedQuery> {
    const ns = ref.namespace;
    const signal = input.signal;
    const query = await this.mustGet({ cache: this.cache }, this.ark.queries, ns, ref.name, signal, `Query '${ref.name}' not found in namespace '${ns}'`);
    const scope = this.scopeFor(query, text(query.spec?.serviceAccount), ns);
    try {
      return await this.resolveAs(scope, query, ref, input, signal);
    } catch (error) {
      throw scope.user === undefined ? error : this.impersonationError(error, scope.user);
    }
  }

  private async resolveAs(scope: Scope, query: Query, ref: QueryRef, input: ResolveInput, signal: AbortSignal): Promise<ResolvedQuery> {
    const ns = ref.namespace;
    const qspec: Read<QuerySpec> = query.spec ?? {};
    const declared = qspec.target ? { type: text(qspec.target.type), name: text(qspec.target.name) } : undefined;
    const agentName = await this.targetAgent(scope, ref, declared, qspec, signal);
    const agent = await this.mustGet(scope, scope.ark.agents, ns, agentName, signal, `Agent '${agentName}' (target of query '${ref.name}') not found in namespace '${ns}'`);
    const aspec: Read<AgentSpec> = agent.spec ?? {};

    const queryParams = await this.queryParameters(scope, qspec, ns, signal);
    const values = this.values(scope, queryParams, signal);
    const parameters = await this.agentParameters(aspec, queryParams, values, ns);
    const agentConfig: AgentConfig = {
      name: agent.metadata?.name ?? agentName,
      namespace: ns,
      prompt: renderTemplate(text(aspec.prompt) ?? "", parameters),
      description: text(aspec.description) ?? "",
      parameters,
      model: await this.model(scope, agent, ns, values, signal),
      labels: { ...agent.metadata?.labels },
      annotations: { ...agent.metadata?.annotations },
    };
    if (isRecord(aspec.outputSchema)) agentConfig.outputSchema = aspec.outputSchema;
    const { tools, mcpServers } = await this.agentTools(scope, agent, ns, values, queryParams, signal);
    agentConfig.tools = tools;

    const request: ExecutionEngineRequest = {
      agent: agentConfig,
      userInput: { role: "user", content: input.userInput },
      mcpServers,
      conversationId: input.conversationId,
      queryAnnotations: { ...query.metadata?.annotations },
      executionEngineAnnotations: await this.engineAnnotations(scope, agentConfig.name, aspec, ns, signal),
    };
    const ttl = this.duration(qspec.ttl, "spec.ttl", ref.name, goDurationToSeconds);
    if (ttl !== undefined) request.messageTtlSeconds = ttl;
    const timeoutMs = this.duration(qspec.timeout ?? DEFAULT_QUERY_TIMEOUT, "spec.timeout", ref.name, parseGoDuration);

    const onCancel = (listener: () => void): (() => void) => {
      if (qspec.cancel === true) {
        listener();
        return () => {};
      }
      return this.cache.subscribe(this.ark.queries, ns, ref.name, (q) => {
        if (q === undefined || q.spec?.cancel === true) listener();
      });
    };
    return { request, timeoutMs: timeoutMs || undefined, onCancel, tools: await this.toolHostFor(query, agentConfig, qspec, signal) };
  }

  /**
   * What runs this execution's tools: the shared host, plus the built-in
   * approval when the agent has a tool requiring it (and no `approve` hook
   * was given), resuming with the decision of the task the Query paused on.
   */
  private async toolHostFor(query: Query, agent: AgentConfig, qspec: Read<QuerySpec>, signal: AbortSignal): Promise<ToolHost> {
    if (this.options.approvals === false || this.toolHost.approve || !agent.tools?.some((t) => t.approval?.required)) return this.toolHost;
    const resumption = await this.resumptionOf(query, signal);
    const gate = new ApprovalGate({ name: agent.name, namespace: agent.namespace, conversationId: text(qspec.conversationId) ?? "" }, resumption);
    return { ...this.toolHost, approvals: gate };
  }

  /**
   * ARK's resumption check: the Query's `status.response.a2a.taskId` names
   * an A2ATask that was approved, or rejected in a way the agent reacts to.
   * A missing or undecided task is no resumption (as in ARK).
   */
  private async resumptionOf(query: Query, signal: AbortSignal): Promise<ApprovalResumption | undefined> {
    const taskId = query.status?.response?.a2a?.taskId;
    if (!taskId) return undefined;
    const ns = query.metadata?.namespace ?? this.ark.namespace;
    const name = `a2a-task-${taskId}`;
    let task;
    try {
      task = await this.ark.a2aTasks.getOrUndefined(name, { namespace: ns, signal });
    } catch (error) {
      throw new QueryResolutionError(`cannot read A2ATask '${name}' to resume Query '${query.metadata?.name ?? ""}' after approval (the engine needs get on a2atasks): ${errorMessage(error)}`, error instanceof ForbiddenError ? "Unauthorized" : "Invalid", { object: `A2ATask ${ns}/${name}`, cause: error });
    }
    const outcome = task ? approvalOutcomeOf(task) : undefined;
    if (!task || !outcome) return undefined;
    const toolCalls = parseApprovalToolCalls(task.status?.protocolMetadata?.toolCalls);
    if (typeof toolCalls === "string") throw new QueryResolutionError(`cannot resume Query '${query.metadata?.name ?? ""}' after approval: ${toolCalls}`, "Invalid", { object: `A2ATask ${ns}/${name}` });
    return { taskId, outcome, toolCalls };
  }

  async brokerFor(ref: QueryRef, request: ExecutionEngineRequest): Promise<BrokerStream | undefined> {
    const baseUrl = this.urls.brokerUrl ?? (await this.broker.baseUrl(ref.namespace));
    if (!baseUrl) return undefined;
    return brokerStreamFor(baseUrl, ref, request, {
      logger: this.logger,
      timeoutMs: this.options.brokerTimeoutMs,
      onUnreachable: () => this.broker.invalidate(ref.namespace),
      reachability: this.brokerReachability,
      advice: brokerUnreachableAdvice(this.urls),
    });
  }

  /**
   * The Memory of the Query (`spec.memory`, else `default` in its namespace),
   * read with the engine's own identity as ARK's engine does: address and
   * headers resolved, Services mapped by the resolver's `serviceUrl`.
   */
  async memoryFor(ref: QueryRef, signal: AbortSignal): Promise<MemoryEndpoint | undefined> {
    const ns = ref.namespace;
    let qspec: Read<QuerySpec>;
    let values: ValueSourceResolver;
    try {
      const query = await this.mustGet({ cache: this.cache }, this.ark.queries, ns, ref.name, signal, `Query '${ref.name}' not found in namespace '${ns}'`);
      qspec = query.spec ?? {};
      const scope: Scope = { ark: this.ark, cache: this.cache, query };
      values = this.values(scope, await this.queryParameters(scope, qspec, ns, signal), signal);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new MemoryUnavailableError(`cannot find the Memory of Query ${ns}/${ref.name}: ${errorMessage(error)}`, "Unresolvable", { cause: error });
    }
    const memoryRef = qspec.memory ? { name: text(qspec.memory.name), namespace: text(qspec.memory.namespace) } : undefined;
    return memoryEndpointFor({ getMemory: (mns, name, s) => this.cache.get(this.ark.memories, mns, name, s), values }, memoryRef, ns, signal);
  }

  /** Stops informers and, when the resolver created it, the client (and the impersonating clients it made). */
  async close(): Promise<void> {
    const scopes = [...this.impersonated.values()];
    this.impersonated.clear();
    await Promise.all(scopes.map(async (s) => {
      await s.cache.close();
      await s.ark.close();
    }));
    await this.cache.close();
    if (this.ownsClient) await this.ark.close();
  }

  /** `await using`: {@link ClusterQueryResolver.close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // ---- steps ---------------------------------------------------------------

  /** The engine itself, or (with `spec.serviceAccount`) a client impersonating that service account, made once per account. */
  private scopeFor(query: Query, account: string | undefined, ns: string): Scope {
    if (!account) return { ark: this.ark, cache: this.cache, query };
    const user = `system:serviceaccount:${ns}:${account}`;
    let scope = this.impersonated.get(user);
    if (!scope) {
      // Direct reads: an informer would list and watch with the account's identity, which it rarely may.
      scope = { ark: this.ark.impersonating({ user }), cache: new ObjectCache({ mode: "none", logger: this.logger }), user, query };
      this.impersonated.set(user, scope);
    }
    return { ...scope, query };
  }

  /** A 403 during an impersonated resolution: either the engine may not impersonate, or the account may not read. */
  private impersonationError(error: unknown, user: string): unknown {
    const forbidden = error instanceof ForbiddenError ? error : error instanceof QueryResolutionError && error.cause instanceof ForbiddenError ? error.cause : undefined;
    if (!forbidden) return error;
    const object = error instanceof QueryResolutionError ? error.object : undefined;
    const [, , ns = "", account = ""] = user.split(":");
    if (/cannot impersonate/i.test(forbidden.message)) {
      return new QueryResolutionError(
        `the Query runs as service account '${account}' (spec.serviceAccount) and this engine resolves it as ${user}, as ARK's controller does, ` +
          `but the engine may not impersonate it: grant the engine's identity the verb "impersonate" on resource "serviceaccounts" (core group) in namespace '${ns}'. API server: ${forbidden.message}`,
        "Unauthorized",
        { object, cause: forbidden },
      );
    }
    return new QueryResolutionError(`cannot read ${object ?? "an object"} as ${user} (the Query's spec.serviceAccount): ${forbidden.message}`, "Unauthorized", { object, cause: forbidden });
  }

  private values(scope: Pick<Scope, "ark" | "cache">, queryParams: ReadonlyMap<string, string>, signal?: AbortSignal): ValueSourceResolver {
    const core = scope.ark.core;
    return new ValueSourceResolver(
      { cache: scope.cache, secrets: core.secrets, configMaps: core.configMaps, services: core.services, serviceUrl: this.serviceUrl },
      queryParams,
      signal,
    );
  }

  private async mustGet<T extends KubernetesObject>(scope: Pick<Scope, "cache">, client: ResourceClient<T>, ns: string, name: string, signal: AbortSignal, notFound: string): Promise<T> {
    const object = `${client.descriptor.kind} ${ns}/${name}`;
    let found: T | undefined;
    try {
      found = await scope.cache.get(client, ns, name, signal);
    } catch (error) {
      throw clusterError(error, object);
    }
    if (!found) throw new QueryResolutionError(notFound, "NotFound", { object });
    return found;
  }

  private async targetAgent(scope: Scope, ref: QueryRef, declared: { type?: string; name?: string } | undefined, qspec: Read<QuerySpec>, signal: AbortSignal): Promise<string> {
    if (ref.target) {
      if (ref.target.type !== "agent") {
        throw new QueryResolutionError(`Query extension target override only supports agent targets, got '${ref.target.type}'`, "Unsupported");
      }
      const readTeam = (name: string) => scope.cache.get(scope.ark.teams, ref.namespace, name, signal).catch((error: unknown) => {
        throw clusterError(error, `Team ${ref.namespace}/${name}`);
      });
      await authorizeOverride(readTeam, ref.name, declared, ref.target.name);
      return ref.target.name;
    }
    if (declared?.type && declared.name) {
      if (declared.type !== "agent") {
        throw new QueryResolutionError(
          `Query extension resolution only supports agent targets, got '${declared.type}'. Executing a member of a team requires the caller to send a query extension 'target', which this ark-sdk supports but the caller did not send; upgrading Ark provides it. This engine runs ark-sdk ${SDK_VERSION}.`,
          "Unsupported",
        );
      }
      return declared.name;
    }
    if (qspec.selector) return this.agentBySelector(scope, ref, qspec.selector, signal);
    throw new QueryResolutionError(`Query '${ref.name}' has no target`, "Invalid");
  }

  /** ARK resolves a selector to the first match, agents first. */
  private async agentBySelector(scope: Scope, ref: QueryRef, selector: LabelSelector, signal: AbortSignal): Promise<string> {
    const labelSelector = formatSelector(selector);
    let agents: Agent[];
    try {
      agents = await scope.ark.agents.list({ namespace: ref.namespace, labelSelector, signal });
    } catch (error) {
      throw clusterError(error, `Agents matching ${labelSelector} in ${ref.namespace}`);
    }
    const name = agents[0]?.metadata?.name;
    if (!name) throw new QueryResolutionError(`Query '${ref.name}' selects no agent (selector ${labelSelector}); this engine only runs agents`, "NotFound");
    return name;
  }

  private async queryParameters(scope: Scope, qspec: Read<QuerySpec>, ns: string, signal: AbortSignal): Promise<Map<string, string>> {
    const params = new Map<string, string>();
    const values = this.values(scope, params, signal);
    for (const [i, param] of list<Parameter>(qspec.parameters).entries()) {
      const name = text(param.name);
      if (!name) continue;
      params.set(name, await values.resolve(param, ns, `Query spec.parameters[${i}] (${name})`));
    }
    return params;
  }

  private async agentParameters(aspec: Read<AgentSpec>, queryParams: ReadonlyMap<string, string>, values: ValueSourceResolver, ns: string): Promise<ResolvedParameter[]> {
    const out: ResolvedParameter[] = [];
    for (const [i, param] of list<Parameter>(aspec.parameters).entries()) {
      const name = text(param.name);
      if (!name) continue;
      const field = `Agent spec.parameters[${i}] (${name})`;
      // A parameter without a source takes the Query's parameter of the same name, as in the Python SDK.
      const value = param.value === undefined && param.valueFrom === undefined ? (queryParams.get(name) ?? "") : await values.resolve(param, ns, field);
      out.push({ name, value });
    }
    return out;
  }

  /**
   * The agent's Model. Without `spec.modelRef` ARK's webhook sets `default`
   * (unless the agent proxies to an A2AServer), so that is resolved here too.
   * A Model that does not exist is not an error, as in ARK and the Python SDK:
   * the request goes out with `{ name, type: "unknown", config: {} }` and a warning.
   */
  private async model(scope: Scope, agent: Agent, ns: string, values: ValueSourceResolver, signal: AbortSignal): Promise<ModelConfig> {
    const aspec: Read<AgentSpec> = agent.spec ?? {};
    const isA2A = agent.metadata?.annotations?.[A2A_SERVER_NAME_ANNOTATION] !== undefined;
    const refName = text(aspec.modelRef?.name) ?? (aspec.modelRef === undefined && !isA2A ? "default" : undefined);
    if (!refName) return { name: "", type: "", config: {} };
    const modelNs = text(aspec.modelRef?.namespace) ?? ns;
    let model: Model;
    try {
      model = await this.mustGet(scope, scope.ark.models, modelNs, refName, signal, `Model '${refName}' not found in namespace '${modelNs}'`);
    } catch (error) {
      if (!(error instanceof QueryResolutionError && error.reason === "NotFound")) throw error;
      this.logger.warn(`Agent '${agent.metadata?.name ?? ""}': Model '${refName}' not found in namespace '${modelNs}'; resolving without a model (type "unknown"), as ARK does`, {
        agent: agent.metadata?.name, model: refName, namespace: modelNs,
      });
      return { name: refName, type: "unknown", config: {} };
    }
    const mspec = model.spec ?? {};
    const legacyType = text(mspec.type);
    const provider = text(mspec.provider) ?? (legacyType && LEGACY_PROVIDER_TYPES.has(legacyType) ? legacyType : "unknown");
    // The provider names the block; a provider this ark-sdk's CRDs do not know yet is passed on as found.
    const config = rec(mspec.config);
    const block = isRecord(config[provider]) ? config[provider] : undefined;
    const name = (await values.resolve(mspec.model, modelNs, `Model ${modelNs}/${refName} spec.model`)) || refName;
    if (!block) return { name, type: provider, config: {} };
    const resolved = await this.resolveTree(block, modelNs, values, `Model ${modelNs}/${refName} spec.config.${provider}`);
    return { name, type: provider, config: { [provider]: rec(resolved) } };
  }

  /** Resolves every value source in a provider block; header lists become `name → value` maps. */
  private async resolveTree(node: unknown, ns: string, values: ValueSourceResolver, field: string): Promise<unknown> {
    if (isValueSource(node)) return values.resolve(node, ns, field);
    if (Array.isArray(node)) {
      const isHeaderList = node.every((h) => isRecord(h) && typeof h.name === "string" && "value" in h);
      if (isHeaderList && node.length > 0) return this.headers(node, ns, values, field);
      return Promise.all(node.map((item, i) => this.resolveTree(item, ns, values, `${field}[${i}]`)));
    }
    if (isRecord(node)) {
      const out: Obj = {};
      for (const [key, child] of Object.entries(node)) setOwn(out, key, await this.resolveTree(child, ns, values, `${field}.${key}`));
      return out;
    }
    return node;
  }

  private async headers(headers: readonly Partial<Header>[], ns: string, values: ValueSourceResolver, field: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [i, header] of headers.entries()) {
      const name = text(header.name);
      if (!name) continue;
      const value = await values.resolve(header.value, ns, `${field}[${i}] (${name})`);
      if (value !== "") setOwn(out, name, value);
    }
    return out;
  }

  /**
   * Every tool of the agent (`spec.tools`), as ARK's engine builds them: the
   * Tool object named by the entry (`partial.name`, else `name`) gives the
   * kind, description (the entry's, else the Tool's, else its annotation
   * `description`, else ARK's default text) and input schema (ARK's default
   * `{ type: object, properties: {} }` overlaid with `spec.inputSchema`); the
   * partial's parameters are resolved and hidden from the schema; the
   * entry's approval rule is kept. A `built-in` entry without a Tool object
   * gets ARK's builtin definition. Returns the tools and the MCP servers their
   * MCP tools use.
   */
  private async agentTools(scope: Scope, agent: Agent, ns: string, values: ValueSourceResolver, queryParams: ReadonlyMap<string, string>, signal: AbortSignal): Promise<{ tools: ToolConfig[]; mcpServers: MCPServerConfig[] }> {
    const aspec: Read<AgentSpec> = agent.spec ?? {};
    const agentName = agent.metadata?.name ?? "";
    const byServer = new Map<string, { name: string; namespace: string; tools: string[] }>();
    const tools: ToolConfig[] = [];
    for (const [i, entry] of list<AgentSpecTool>(aspec.tools).entries()) {
      const field = `Agent ${ns}/${agentName} spec.tools[${i}]`;
      // With a partial, partial.name is the Tool object and name is what the model sees (ARK's GetToolCRDName).
      const exposed = text(entry.name);
      const toolRef = text(entry.partial?.name) ?? exposed;
      if (!exposed || !toolRef) throw new QueryResolutionError(`${field} has no name`, "Invalid", { object: `Agent ${ns}/${agentName}` });
      let tool: Tool | undefined;
      try {
        tool = await this.mustGet(scope, scope.ark.tools, ns, toolRef, signal, `Tool '${toolRef}' (used by agent '${agentName}') not found in namespace '${ns}'`);
      } catch (error) {
        if (!(entry.type === "built-in" && error instanceof QueryResolutionError && error.reason === "NotFound")) throw error;
      }
      const config = tool ? await this.toolConfig(tool, exposed, ns, values) : builtinConfig(exposed);
      if (text(entry.description)) config.description = text(entry.description) ?? "";
      if (entry.partial) await this.applyPartial(config, entry.partial, ns, values, queryParams, field);
      const filters = list<Parameter>(entry.functions).filter((f) => f.name === "jq" && text(f.value));
      if (filters.length > 0 && !config.unsupported) config.unsupported = "its jq result filter (the agent's spec.tools[].functions) is not supported by ark-sdk";
      const approval = entry.approval;
      if (approval) {
        const timeout = text(approval.timeout);
        config.approval = {
          required: approval.required === true,
          onTimeout: approval.onTimeout === "proceed" ? "proceed" : "reject",
          ...(timeout ? { timeoutMs: this.toolDuration(timeout, `${field}.approval.timeout`) } : {}),
        };
      }
      if (config.kind === "mcp") {
        const serverNs = config.mcp.server.slice(0, config.mcp.server.indexOf("/"));
        const serverName = config.mcp.server.slice(config.mcp.server.indexOf("/") + 1);
        const key = config.mcp.server;
        config.mcp.server = serverName;
        const group = byServer.get(key) ?? { name: serverName, namespace: serverNs, tools: [] };
        if (!group.tools.includes(config.mcp.toolName)) group.tools.push(config.mcp.toolName);
        byServer.set(key, group);
      }
      tools.push(config);
    }
    return { tools, mcpServers: await this.mcpServerConfigs(scope, agent, byServer, values, signal) };
  }

  /** The configuration of one Tool object, exposed as `name`. */
  private async toolConfig(tool: Tool, name: string, ns: string, values: ValueSourceResolver): Promise<ToolConfig> {
    const tspec: Read<ToolSpec> = tool.spec ?? {};
    const toolRef = tool.metadata?.name ?? name;
    const object = `Tool ${ns}/${toolRef}`;
    const inputSchema: Record<string, unknown> = { type: "object", properties: {}, ...(isRecord(tspec.inputSchema) ? structuredClone(tspec.inputSchema) : {}) };
    const description = text(tspec.description) ?? text(tool.metadata?.annotations?.description);
    const base = { name, toolRef, inputSchema };
    switch (tspec.type) {
      case "mcp": {
        const serverName = text(tspec.mcp?.mcpServerRef?.name);
        const toolName = text(tspec.mcp?.toolName);
        if (!serverName || !toolName) throw new QueryResolutionError(`Tool ${ns}/${toolRef} has no spec.mcp.mcpServerRef.name or spec.mcp.toolName`, "Invalid", { object });
        const serverNs = text(tspec.mcp?.mcpServerRef?.namespace) ?? ns;
        // "<namespace>/<name>" until agentTools groups the servers; then the server's name.
        return { ...base, kind: "mcp", description: description ?? `Custom tool: ${toolRef}`, mcp: { server: `${serverNs}/${serverName}`, toolName } };
      }
      case "http": {
        const http = tspec.http;
        const url = text(http?.url);
        if (!http || !url) throw new QueryResolutionError(`Tool ${ns}/${toolRef} has no spec.http.url`, "Invalid", { object });
        const bodyParameters: Record<string, string> = {};
        for (const [i, param] of list<Parameter>(http.bodyParameters).entries()) {
          const pname = text(param.name);
          if (pname) setOwn(bodyParameters, pname, await values.resolve(param, ns, `${object} spec.http.bodyParameters[${i}] (${pname})`));
        }
        return {
          ...base,
          kind: "http",
          description: description ?? `HTTP request to ${url}`,
          http: {
            url,
            method: text(http.method) ?? "GET",
            headers: await this.headers(list<Header>(http.headers), ns, values, `${object} spec.http.headers`),
            ...(text(http.body) ? { body: http.body } : {}),
            bodyParameters,
            // ARK: an absent or unparsable timeout (a bare number has no unit for Go) is 30 s.
            timeoutMs: this.toolDuration(text(http.timeout), undefined) ?? 30_000,
          },
        };
      }
      case "agent":
      case "team": {
        const target = text(tspec.type === "agent" ? tspec.agent?.name : tspec.team?.name);
        if (!target) throw new QueryResolutionError(`Tool ${ns}/${toolRef} has no spec.${tspec.type}.name`, "Invalid", { object });
        const ref = { name: target, namespace: ns };
        return tspec.type === "agent"
          ? { ...base, kind: "agent", description: description ?? `Custom tool: ${toolRef}`, agent: ref }
          : { ...base, kind: "team", description: description ?? `Custom tool: ${toolRef}`, team: ref };
      }
      case "builtin": {
        // ARK picks the builtin by the Tool object's name.
        const known = BUILTIN_TOOLS[toolRef];
        return {
          ...base,
          kind: "builtin",
          description: description ?? `Built-in tool: ${toolRef}`,
          builtin: { name: toolRef },
          ...(known ? {} : { unsupported: `unsupported builtin tool '${toolRef}': ARK v0.1.67 supports noop and terminate` }),
        };
      }
      default:
        throw new QueryResolutionError(`Tool ${ns}/${toolRef} has unsupported type '${String(tspec.type)}' (supported: http, mcp, agent, team, builtin)`, "Unsupported", { object });
    }
  }

  /**
   * `partial.parameters`: values resolved (`valueFrom`, else the `value`
   * template with the Query's parameters as `.Query.<name>`) and injected on
   * every call; removed from the schema's `properties` and `required`, as ARK does.
   */
  private async applyPartial(config: ToolConfig, partial: NonNullable<AgentSpecTool["partial"]>, ns: string, values: ValueSourceResolver, queryParams: ReadonlyMap<string, string>, field: string): Promise<void> {
    const params = list<Parameter>(partial.parameters).filter((p) => text(p.name));
    const properties = config.inputSchema.properties;
    if (!isRecord(properties)) {
      config.unsupported ??= "failed to create partial tool definition: tool schema missing or invalid 'properties' field";
      return;
    }
    const hidden = new Set(params.map((p) => p.name));
    config.inputSchema = {
      ...config.inputSchema,
      properties: Object.fromEntries(Object.entries(properties).filter(([k]) => !hidden.has(k))),
      ...(Array.isArray(config.inputSchema.required) ? { required: config.inputSchema.required.filter((r) => !hidden.has(r as string)) } : {}),
    };
    const fixed: Record<string, string> = {};
    for (const [i, param] of params.entries()) {
      const at = `${field}.partial.parameters[${i}] (${param.name})`;
      try {
        const value = param.valueFrom ? await values.resolve(param, ns, at) : renderFieldTemplate(param.value ?? "", { Query: Object.fromEntries(queryParams) });
        setOwn(fixed, param.name, value);
      } catch (error) {
        if (error instanceof QueryResolutionError) throw error;
        config.unsupported ??= `failed to resolve partial parameter '${param.name}': ${errorMessage(error)}`;
      }
    }
    config.fixedArguments = fixed;
  }

  /** A Go duration in ms; with `field`, an invalid one is a resolution error, without, `undefined`. */
  private toolDuration(value: string | undefined, field: string | undefined): number | undefined {
    if (!value) return undefined;
    try {
      return parseGoDuration(value);
    } catch (error) {
      if (field && error instanceof GoDurationError) throw new QueryResolutionError(`${field} is not a valid duration: ${error.message}`, "Invalid");
      if (error instanceof GoDurationError) return undefined;
      throw error;
    }
  }

  private async mcpServerConfigs(scope: Scope, agent: Agent, byServer: Map<string, { name: string; namespace: string; tools: string[] }>, values: ValueSourceResolver, signal: AbortSignal): Promise<MCPServerConfig[]> {
    const agentName = agent.metadata?.name ?? "";
    const servers: MCPServerConfig[] = [];
    if (byServer.size === 0) return servers;
    const agentOverrides = await this.mcpOverrides(agent, values, "Agent");
    const queryOverrides = await this.mcpOverrides(scope.query, values, "Query");
    for (const group of byServer.values()) {
      const server = await this.mustGet(scope, scope.ark.mcpServers, group.namespace, group.name, signal, `MCPServer '${group.name}' (used by agent '${agentName}') not found in namespace '${group.namespace}'`);
      const sspec = server.spec ?? {};
      const field = `MCPServer ${group.namespace}/${group.name}`;
      const url = await values.resolve(sspec.address, group.namespace, `${field} spec.address`);
      if (!url) throw new QueryResolutionError(`MCPServer '${group.name}' has no resolvable address`, "Invalid", { object: field });
      const headers = await this.headers(list<Header>(sspec.headers), group.namespace, values, `${field} spec.headers`);
      const token = await this.mcpBearerToken(scope, server, signal);
      if (token) headers.Authorization = `Bearer ${token}`;
      // ARK's completions engine: the server's headers, then the Agent's, then the Query's overrides (resourceType mcpserver).
      for (const overrides of [agentOverrides, queryOverrides]) {
        for (const o of overrides) {
          if (o.namespace !== group.namespace || !selectorMatches(o.selector, server.metadata?.labels)) continue;
          for (const [name, value] of Object.entries(o.headers)) setOwn(headers, name, value);
        }
      }
      const timeout = text(sspec.timeout) ?? "30s";
      servers.push({
        name: group.name,
        url,
        transport: text(sspec.transport) ?? "http",
        timeout,
        // ARK >= 0.1.68 bounds tool calls by spec.toolCallTimeout; before, spec.timeout bounded them.
        toolCallTimeout: text((sspec as { toolCallTimeout?: unknown }).toolCallTimeout) ?? timeout,
        headers,
        tools: group.tools,
      });
    }
    return servers;
  }

  /** The `resourceType: mcpserver` entries of an object's `spec.overrides`, headers resolved (in the object's namespace). */
  private async mcpOverrides(object: KubernetesObject, values: ValueSourceResolver, kind: string): Promise<{ namespace: string; selector: LabelSelector | undefined; headers: Record<string, string> }[]> {
    const ns = object.metadata?.namespace ?? "";
    const out: { namespace: string; selector: LabelSelector | undefined; headers: Record<string, string> }[] = [];
    const overrides = list<Override>((object as { spec?: { overrides?: Override[] } }).spec?.overrides);
    for (const [i, override] of overrides.entries()) {
      if (override.resourceType !== "mcpserver") continue;
      const headers = await this.headers(list<Header>(override.headers), ns, values, `${kind} ${ns}/${object.metadata?.name ?? ""} spec.overrides[${i}].headers`);
      if (Object.keys(headers).length > 0) out.push({ namespace: ns, selector: override.labelSelector, headers });
    }
    return out;
  }

  /**
   * The access token of `spec.authorization.tokenSecretRef` (key
   * `accessTokenKey`, default `access_token`), as ARK's controller reads it:
   * a missing Secret or key means no token, not an error.
   */
  private async mcpBearerToken(scope: Scope, server: MCPServer, signal: AbortSignal): Promise<string | undefined> {
    const ref = server.spec?.authorization?.tokenSecretRef;
    const name = text(ref?.name);
    if (!name) return undefined;
    const ns = server.metadata?.namespace ?? "";
    const secret = await this.mustGet(scope, scope.ark.core.secrets, ns, name, signal, "").catch((error: unknown) => {
      if (error instanceof QueryResolutionError && error.reason === "NotFound") return undefined;
      throw error;
    });
    const raw = secret?.data?.[text(ref?.accessTokenKey) ?? "access_token"];
    if (!secret || raw === undefined) {
      this.logger.warn(`MCPServer ${ns}/${server.metadata?.name ?? ""}: no access token in Secret '${name}' (spec.authorization.tokenSecretRef); calling it without one`);
      return undefined;
    }
    return Buffer.from(raw, "base64").toString("utf8") || undefined;
  }

  private async engineAnnotations(scope: Scope, agentName: string, aspec: Read<AgentSpec>, ns: string, signal: AbortSignal): Promise<Record<string, string>> {
    const ref = aspec.executionEngine;
    if (ref === undefined || ref === null) return {};
    const name = text(ref.name);
    if (!name) throw new QueryResolutionError(`ExecutionEngine reference on agent '${agentName}' has no name`, "Invalid");
    if (name === "a2a") return {}; // ARK's reserved "proxy to an A2AServer" engine has no object
    const engineNs = text(ref.namespace) ?? ns;
    const engine = await this.mustGet(scope, scope.ark.executionEngines, engineNs, name, signal, `ExecutionEngine '${name}' (used by agent '${agentName}') not found in namespace '${engineNs}'`);
    return stringMap(engine.metadata?.annotations);
  }

  private duration<R>(value: unknown, field: string, query: string, parse: (s: string) => R): R | undefined {
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") throw new QueryResolutionError(`Query '${query}' ${field} must be a duration string`, "Invalid");
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof GoDurationError) throw new QueryResolutionError(`Query '${query}' has an invalid ${field}: ${error.message}`, "Invalid");
      throw error;
    }
  }
}

/** A `metav1.LabelSelector` in the API's string form. */
export function formatSelector(selector: LabelSelector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(rec(selector.matchLabels))) if (typeof v === "string") parts.push(`${k}=${v}`);
  for (const expr of list<LabelSelectorRequirement>(selector.matchExpressions)) {
    const key = text(expr.key);
    if (!key) continue;
    const vals = list<unknown>(expr.values).filter((v): v is string => typeof v === "string");
    switch (expr.operator) {
      case "In":
        parts.push(`${key} in (${vals.join(",")})`);
        break;
      case "NotIn":
        parts.push(`${key} notin (${vals.join(",")})`);
        break;
      case "Exists":
        parts.push(key);
        break;
      case "DoesNotExist":
        parts.push(`!${key}`);
        break;
    }
  }
  return parts.join(",");
}
