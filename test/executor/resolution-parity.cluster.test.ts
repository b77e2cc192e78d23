// Query resolution in engines predicts what ARK does (audit gaps 2-5, W12): a missing default Model degrades
// with a warning, spec.serviceAccount is honoured by impersonation, serviceRef follows ARK's
// ResolveServiceReference in the engine resolver, the client's broker discovery and the dispatcher, and MCP
// servers carry the bearer token, the overrides' headers and the tool-call timeout.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { ArkClient, clusterServiceUrl, type KubernetesObject, type LogFields, type Logger, type ResourceDescriptor } from "ark-sdk";
import { ClusterQueryResolver, QueryResolutionError, type ResolvedQuery } from "ark-sdk/executor";
import { discoverBrokerUrl } from "../../src/ark/query-broker.js";
import { startDispatcher } from "ark-sdk/testing";
import { testCluster, type TestCluster } from "../helpers/cluster.js";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const loopback = ({ port, path }: { port?: number; path?: string }) => `http://127.0.0.1:${port ?? 80}${path ?? ""}`;

function recordingLogger(): Logger & { warnings: { message: string; fields?: LogFields }[] } {
  const warnings: { message: string; fields?: LogFields }[] = [];
  const none = () => undefined;
  return { warnings, debug: none, info: none, error: none, warn: (message, fields) => warnings.push({ message, fields }) };
}

const rbac = (kind: "Role" | "RoleBinding", plural: string): ResourceDescriptor<KubernetesObject & Record<string, unknown>> => ({
  group: "rbac.authorization.k8s.io", version: "v1", apiVersion: "rbac.authorization.k8s.io/v1", kind, listKind: `${kind}List`, plural,
  singular: kind.toLowerCase(), shortNames: [], namespaced: true, storage: true, subresources: { status: false }, printerColumns: [],
});
const serviceAccountDescriptor: ResourceDescriptor<KubernetesObject> = {
  group: "", version: "v1", apiVersion: "v1", kind: "ServiceAccount", listKind: "ServiceAccountList", plural: "serviceaccounts",
  singular: "serviceaccount", shortNames: [], namespaced: true, storage: true, subresources: { status: false }, printerColumns: [],
};

let cluster: TestCluster;
let ark: ArkClient;
let ns = "";
const logger = recordingLogger();
let resolver: ClusterQueryResolver;

async function resolve(query: string, using = resolver): Promise<ResolvedQuery> {
  return using.resolve({ name: query, namespace: ns, conversationId: "" }, { userInput: "hi", conversationId: "c", signal: AbortSignal.timeout(20_000) });
}

async function resolveError(query: string, using = resolver): Promise<QueryResolutionError> {
  const error = await resolve(query, using).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof QueryResolutionError, `expected a QueryResolutionError, got ${String(error)}`);
  return error;
}

const agentQuery = (name: string, agent: string, extra: Record<string, unknown> = {}) =>
  ark.queries.create({ metadata: { name }, spec: { input: "hi", target: { type: "agent", name: agent }, ...extra } });

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("parity");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: recordingLogger() });
  resolver = new ClusterQueryResolver(ark, { serviceUrl: loopback, logger, cache: "none" });
  await ark.executionEngines.create({ metadata: { name: "engine" }, spec: { address: { value: "http://127.0.0.1:1" } } });
});

after(async () => {
  await resolver?.close();
  await ark?.close();
  await cluster?.close();
});

describe("gap 2: an agent whose Model does not exist", () => {
  it("gap 2: no modelRef means 'default' as ARK's webhook sets it; a missing Model degrades to type 'unknown' with a warning", async () => {
    await ark.agents.create({ metadata: { name: "no-model" }, spec: { prompt: "p", executionEngine: { name: "engine" } } });
    await ark.agents.create({ metadata: { name: "gone-model" }, spec: { prompt: "p", modelRef: { name: "gone" }, executionEngine: { name: "engine" } } });
    await ark.agents.create({ metadata: { name: "a2a-proxy", annotations: { "ark.mckinsey.com/a2a-server-name": "remote" } }, spec: { prompt: "p", executionEngine: { name: "engine" } } });
    await agentQuery("q-no-model", "no-model");
    await agentQuery("q-gone-model", "gone-model");
    await agentQuery("q-a2a", "a2a-proxy");
    logger.warnings.length = 0;
    assert.deepEqual((await resolve("q-no-model")).request.agent.model, { name: "default", type: "unknown", config: {} });
    assert.deepEqual((await resolve("q-gone-model")).request.agent.model, { name: "gone", type: "unknown", config: {} });
    assert.deepEqual(logger.warnings.map((w) => w.message), [
      `Agent 'no-model': Model 'default' not found in namespace '${ns}'; resolving without a model (type "unknown"), as ARK does`,
      `Agent 'gone-model': Model 'gone' not found in namespace '${ns}'; resolving without a model (type "unknown"), as ARK does`,
    ]);
    assert.deepEqual((await resolve("q-a2a")).request.agent.model, { name: "", type: "", config: {} }, "the webhook gives A2A agents no default");
  });

  it("gap 2: once a 'default' Model exists, an agent without modelRef uses it", async () => {
    await ark.models.create({ metadata: { name: "default" }, spec: { provider: "openai", model: { value: "gpt-4.1-mini" }, config: { openai: { apiKey: { value: "k" }, baseUrl: { value: "https://llm" } } } } });
    const model = (await resolve("q-no-model")).request.agent.model;
    assert.equal(model.name, "gpt-4.1-mini");
    assert.equal(model.type, "openai");
  });
});

describe("gap 3: MCP servers carry what ARK's own engine uses", () => {
  before(async () => {
    await ark.core.secrets.create({ metadata: { name: "mcp-oauth" }, data: { access_token: b64("tok-123"), custom: b64("tok-custom") } });
    await ark.core.secrets.create({ metadata: { name: "static" }, data: { auth: b64("Basic static") } });
    const server = (name: string, labels: Record<string, string>, spec: Record<string, unknown>) =>
      ark.mcpServers.create({ metadata: { name, labels }, spec: { address: { value: `http://${name}.example/mcp` }, transport: "http", ...spec } as never });
    await server("oauth", { tier: "gold" }, { authorization: { tokenSecretRef: { name: "mcp-oauth" } }, headers: [{ name: "Authorization", value: { valueFrom: { secretKeyRef: { name: "static", key: "auth" } } } }], timeout: "20s" });
    await server("custom-key", { tier: "silver" }, { authorization: { tokenSecretRef: { name: "mcp-oauth", accessTokenKey: "custom" } } });
    await server("no-secret", {}, { authorization: { tokenSecretRef: { name: "absent" } } });
    for (const s of ["oauth", "custom-key", "no-secret"]) {
      await ark.tools.create({ metadata: { name: `t-${s}` }, spec: { type: "mcp", mcp: { mcpServerRef: { name: s }, toolName: "search" } } });
    }
    await ark.agents.create({
      metadata: { name: "mcp-agent" },
      spec: {
        prompt: "p", executionEngine: { name: "engine" },
        tools: ["oauth", "custom-key", "no-secret"].map((s) => ({ type: "mcp", name: `t-${s}` })),
        overrides: [
          { resourceType: "mcpserver", headers: [{ name: "X-Agent", value: { value: "a" } }, { name: "X-Both", value: { value: "agent" } }] },
          { resourceType: "mcpserver", labelSelector: { matchLabels: { tier: "gold" } }, headers: [{ name: "X-Gold", value: { value: "yes" } }] },
          { resourceType: "model", headers: [{ name: "X-Model-Only", value: { value: "m" } }] },
        ],
      },
    });
    await agentQuery("q-mcp", "mcp-agent", {
      overrides: [{ resourceType: "mcpserver", labelSelector: { matchExpressions: [{ key: "tier", operator: "In", values: ["gold", "silver"] }] }, headers: [{ name: "X-Both", value: { value: "query" } }] }],
    });
  });

  it("gap 3: the bearer token of spec.authorization.tokenSecretRef, Agent then Query overrides, and the tool-call timeout", async () => {
    logger.warnings.length = 0;
    const servers = Object.fromEntries((await resolve("q-mcp")).request.mcpServers.map((s) => [s.name, s]));
    assert.deepEqual(servers.oauth?.headers, { Authorization: "Bearer tok-123", "X-Agent": "a", "X-Both": "query", "X-Gold": "yes" });
    assert.deepEqual(servers["custom-key"]?.headers, { Authorization: "Bearer tok-custom", "X-Agent": "a", "X-Both": "query" });
    assert.deepEqual(servers["no-secret"]?.headers, { "X-Agent": "a", "X-Both": "agent" }, "no token, and the Query's override selects by tier");
    assert.equal(servers.oauth?.timeout, "20s");
    assert.equal(servers.oauth?.toolCallTimeout, "20s", "ARK <= 0.1.67 bounds tool calls by spec.timeout");
    assert.equal(servers["no-secret"]?.toolCallTimeout, "30s");
    assert.deepEqual(logger.warnings.map((w) => w.message), [
      `MCPServer ${ns}/no-secret: no access token in Secret 'absent' (spec.authorization.tokenSecretRef); calling it without one`,
    ]);
  });
});

describe("W12 / gap 5: serviceRef resolves as ARK's ResolveServiceReference, everywhere", () => {
  before(async () => {
    await ark.core.services.create({ metadata: { name: "svc" }, spec: { clusterIP: "None", ports: [{ name: "web", port: 8000 }, { name: "admin", port: 9000 }] } });
    await ark.core.services.create({ metadata: { name: "portless" }, spec: { clusterIP: "None", ports: [{ name: "x", port: 1 }] } });
    const viaService = (name: string, serviceRef: Record<string, unknown>) =>
      ark.mcpServers.create({ metadata: { name }, spec: { address: { valueFrom: { serviceRef } }, transport: "http" } as never });
    await viaService("by-name", { name: "svc", port: "admin", path: "v1//tools/" });
    await viaService("first-port", { name: "svc" });
    await viaService("numeric", { name: "svc", port: "8000" });
    await viaService("missing", { name: "nope", port: "web" });
    for (const s of ["by-name", "first-port", "numeric", "missing"]) {
      await ark.tools.create({ metadata: { name: `svc-${s}` }, spec: { type: "mcp", mcp: { mcpServerRef: { name: s }, toolName: "t" } } });
      await ark.agents.create({ metadata: { name: `svc-${s}` }, spec: { prompt: "p", executionEngine: { name: "engine" }, tools: [{ type: "mcp", name: `svc-${s}` }] } });
      await agentQuery(`q-svc-${s}`, `svc-${s}`);
    }
  });

  it("W12: a port matched by name, the first port without one, a cleaned path; a numeric port or a missing Service fail with ARK's words", async () => {
    assert.equal((await resolve("q-svc-by-name")).request.mcpServers[0]?.url, "http://127.0.0.1:9000/v1/tools");
    assert.equal((await resolve("q-svc-first-port")).request.mcpServers[0]?.url, "http://127.0.0.1:8000");
    const numeric = await resolveError("q-svc-numeric");
    assert.match(numeric.message, new RegExp(`^port 8000 not found in service ${ns}/svc \\(referenced by MCPServer ${ns}/numeric spec\\.address\\.valueFrom\\.serviceRef\\); ARK matches serviceRef ports by name only`));
    const missing = await resolveError("q-svc-missing");
    assert.match(missing.message, new RegExp(`^failed to get service ${ns}/nope: services "nope" not found`));
    assert.equal(missing.reason, "NotFound");
  });

  it("W12: the in-cluster URL is always http with the port, 443 included", () => {
    assert.equal(clusterServiceUrl({ name: "s", namespace: "n", port: 443, path: "/x" }), "http://s.n.svc.cluster.local:443/x");
  });

  it("W12: the client's broker discovery applies the same rules", async () => {
    const brokerNs = await cluster.namespace("parity-broker");
    const client = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: brokerNs, logger: recordingLogger() });
    try {
      const clients = { configMaps: client.core.configMaps, services: client.core.services, secrets: client.core.secrets, logger: recordingLogger() };
      await client.core.services.create({ metadata: { name: "ark-broker" }, spec: { clusterIP: "None", ports: [{ name: "http", port: 8080 }] } });
      await client.core.configMaps.create({ metadata: { name: "ark-config-streaming" }, data: { enabled: "true", serviceRef: "name: ark-broker\n" } });
      assert.equal(await discoverBrokerUrl(clients, brokerNs, undefined), `http://ark-broker.${brokerNs}.svc.cluster.local:8080`);
      await client.core.configMaps.patch("ark-config-streaming", { data: { serviceRef: "name: ark-broker\nport: \"8080\"\n" } });
      await assert.rejects(discoverBrokerUrl(clients, brokerNs, undefined), /port 8080 not found in service .*ARK matches serviceRef ports by name only/);
    } finally {
      await client.close();
    }
  });

  it("W12: the dispatcher resolves an engine's serviceRef address the same way, and reports ARK's words", async () => {
    const dispatchNs = await cluster.namespace("parity-dispatch");
    const client = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: dispatchNs, logger: recordingLogger() });
    const dispatcher = await startDispatcher({ client, namespace: dispatchNs, logger: recordingLogger() });
    try {
      await client.core.services.create({ metadata: { name: "engine-svc" }, spec: { clusterIP: "None", ports: [{ name: "http", port: 8000 }] } });
      await client.executionEngines.create({ metadata: { name: "numeric" }, spec: { address: { valueFrom: { serviceRef: { name: "engine-svc", port: "8000" } } } } });
      await client.agents.create({ metadata: { name: "a" }, spec: { prompt: "p", executionEngine: { name: "numeric" } } });
      await client.queries.create({ metadata: { name: "q" }, spec: { input: "hi", target: { type: "agent", name: "a" } } });
      const engine = await client.executionEngines.waitFor("numeric", (e) => e.status?.phase === "error", { timeoutMs: 15_000 });
      assert.match(engine.status?.message ?? "", new RegExp(`port 8000 not found in service ${dispatchNs}/engine-svc`));
    } finally {
      await dispatcher.close();
      await client.close();
    }
  });
});

describe("gap 4: spec.serviceAccount", () => {
  let engineArk: ArkClient;
  let engineResolver: ClusterQueryResolver;
  const roles = () => ark.resource(rbac("Role", "roles"));
  const bindings = () => ark.resource(rbac("RoleBinding", "rolebindings"));
  const bind = (name: string, role: string, subject: Record<string, unknown>) =>
    bindings().create({ metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role }, subjects: [subject] } as never);
  const readAll = (name: string, resources: string[], extra: Record<string, unknown>[] = []) =>
    roles().create({ metadata: { name }, rules: [{ apiGroups: ["ark.mckinsey.com", ""], resources, verbs: ["get", "list", "watch"] }, ...extra] } as never);

  before(async () => {
    // The engine: a plain user who may read everything it needs and impersonate one service account only.
    const kc = new KubeConfig();
    kc.loadFromFile(await cluster.userKubeconfig("parity-engine"));
    engineArk = new ArkClient({ kubeConfig: kc, namespace: ns, logger: recordingLogger(), retry: { attempts: 1 } });
    engineResolver = new ClusterQueryResolver(engineArk, { serviceUrl: loopback, logger: recordingLogger() });
    const all = ["queries", "agents", "models", "tools", "mcpservers", "teams", "executionengines", "secrets", "configmaps", "services"];
    await readAll("engine", all, [{ apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"], resourceNames: ["narrow"] }]);
    await bind("engine", "engine", { kind: "User", name: "parity-engine", apiGroup: "rbac.authorization.k8s.io" });
    // The Query's service account may read queries and agents, but not models or secrets.
    for (const sa of ["narrow", "other"]) await ark.resource(serviceAccountDescriptor).create({ metadata: { name: sa } });
    await readAll("narrow", ["queries", "agents", "executionengines"]);
    await bind("narrow", "narrow", { kind: "ServiceAccount", name: "narrow", namespace: ns });
    await ark.models.create({ metadata: { name: "m" }, spec: { provider: "openai", model: { value: "x" }, config: { openai: { apiKey: { value: "k" }, baseUrl: { value: "https://llm" } } } } });
    await ark.agents.create({ metadata: { name: "sa-agent" }, spec: { prompt: "p", modelRef: { name: "m" }, executionEngine: { name: "engine" } } });
    await ark.agents.create({ metadata: { name: "sa-agent-bare" }, spec: { prompt: "p", modelRef: { name: "absent-model" }, executionEngine: { name: "engine" } } });
    await agentQuery("q-sa", "sa-agent", { serviceAccount: "narrow" });
    await agentQuery("q-sa-bare", "sa-agent-bare", { serviceAccount: "narrow" });
    await agentQuery("q-sa-other", "sa-agent", { serviceAccount: "other" });
    await agentQuery("q-engine", "sa-agent");
  });

  after(async () => {
    await engineResolver?.close();
    await engineArk?.close();
  });

  it("gap 4: without spec.serviceAccount the engine reads as itself", async () => {
    assert.equal((await resolve("q-engine", engineResolver)).request.agent.model.name, "x");
  });

  it("gap 4: with it, objects are read as system:serviceaccount:<ns>:<name>, whose RBAC decides", async () => {
    const error = await resolveError("q-sa", engineResolver);
    assert.equal(error.reason, "Unauthorized");
    assert.match(error.message, new RegExp(`^cannot read Model ${ns}/m as system:serviceaccount:${ns}:narrow \\(the Query's spec\\.serviceAccount\\): .*forbidden`));
    // What the account may read resolves; the Model it may not get is not 'missing' (no silent degrade).
    const bare = await resolveError("q-sa-bare", engineResolver);
    assert.match(bare.message, /cannot read Model .*absent-model as system:serviceaccount/);
    await roles().patch("narrow", { rules: [{ apiGroups: ["ark.mckinsey.com", ""], resources: ["queries", "agents", "executionengines", "models"], verbs: ["get"] }] } as never);
    const resolved = await waitResolves("q-sa", engineResolver);
    assert.equal(resolved.request.agent.model.name, "x");
  });

  it("gap 4: an engine that may not impersonate the account fails with a message naming the RBAC it needs", async () => {
    const error = await resolveError("q-sa-other", engineResolver);
    assert.equal(error.reason, "Unauthorized");
    assert.match(error.message, new RegExp(`the Query runs as service account 'other' \\(spec\\.serviceAccount\\) and this engine resolves it as system:serviceaccount:${ns}:other, as ARK's controller does, but the engine may not impersonate it: grant the engine's identity the verb "impersonate" on resource "serviceaccounts" \\(core group\\) in namespace '${ns}'`));
  });
});

/** RBAC changes take a moment to reach the authorizer's cache. */
async function waitResolves(query: string, using: ClusterQueryResolver): Promise<ResolvedQuery> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await resolve(query, using);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
