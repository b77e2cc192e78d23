// Query resolution against the real control plane: a Query, Agent, Model (Secret and ConfigMap value sources),
// Tools, MCPServers (one by serviceRef), Teams (nested, cyclic) and an ExecutionEngine, served by ExecutorApp with
// the cluster-backed resolver, called with the Go controller's exact bytes and with the A2A JS client.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ClientFactory } from "@a2a-js/sdk/client";
import { ArkClient } from "ark-sdk";
import { ClusterQueryResolver, ExecutionAbortedError, ExecutorApp, type ExecutionEngineRequest } from "ark-sdk/executor";
import { QUERY_EXTENSION_METADATA_KEY, QUERY_EXTENSION_URI, buildMessageSendBody, readEngineResponse } from "ark-sdk/protocol";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { TestEngine, postLikeController, startRecordingBroker } from "./helpers.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

let cluster: TestCluster;
let ark: ArkClient;
let ns = "";
let broker: Awaited<ReturnType<typeof startRecordingBroker>>;
let resolver: ClusterQueryResolver;
let engine: TestEngine;
let app: ExecutorApp;
let url = "";

// Services are mapped to loopback: the Service's port is the local server's port.
const loopback = ({ port, path }: { port?: number; path?: string }) => `http://127.0.0.1:${port ?? 80}${path ?? ""}`;

async function seed(): Promise<void> {
  const core = ark.core;
  await core.secrets.create({ metadata: { name: "openai-secret" }, data: { token: b64("sk-secret-123") } });
  await core.configMaps.create({ metadata: { name: "model-config" }, data: { baseUrl: "https://llm.example.com/v1", temperature: "0.2", region: "eu" } });
  await core.services.create({ metadata: { name: "mcp-svc" }, spec: { clusterIP: "None", ports: [{ name: "http", port: 8931 }] } });
  await core.services.create({ metadata: { name: "ark-broker" }, spec: { clusterIP: "None", ports: [{ name: "http", port: broker.port }] } });
  await core.configMaps.create({ metadata: { name: "ark-config-streaming" }, data: { enabled: "true", serviceRef: "name: ark-broker\nport: http\n" } });

  await ark.models.create({
    metadata: { name: "gpt" },
    spec: {
      provider: "openai",
      model: { value: "gpt-4.1" },
      config: {
        openai: {
          apiKey: { valueFrom: { secretKeyRef: { name: "openai-secret", key: "token" } } },
          baseUrl: { valueFrom: { configMapKeyRef: { name: "model-config", key: "baseUrl" } } },
          properties: { temperature: { valueFrom: { configMapKeyRef: { name: "model-config", key: "temperature" } } } },
          headers: [{ name: "X-Team", value: { value: "forecasters" } }],
        },
      },
    },
  });
  await ark.models.create({
    metadata: { name: "broken-model" },
    spec: { provider: "openai", model: { value: "gpt-4.1" }, config: { openai: { apiKey: { valueFrom: { secretKeyRef: { name: "openai-secret", key: "nope" } } }, baseUrl: { value: "https://x" } } } },
  });
  await ark.mcpServers.create({
    metadata: { name: "github" },
    spec: {
      address: { value: "http://github-mcp.example/mcp" },
      transport: "http",
      timeout: "45s",
      headers: [{ name: "Authorization", value: { valueFrom: { secretKeyRef: { name: "openai-secret", key: "token" } } } }],
    },
  });
  await ark.mcpServers.create({ metadata: { name: "files" }, spec: { address: { valueFrom: { serviceRef: { name: "mcp-svc", port: "http", path: "/mcp" } } }, transport: "sse" } });
  const mcpTool = (name: string, server: string, toolName: string) => ark.tools.create({ metadata: { name }, spec: { type: "mcp", mcp: { mcpServerRef: { name: server }, toolName } } });
  await mcpTool("github-search", "github", "search");
  await mcpTool("github-issues", "github", "create_issue");
  await mcpTool("files-read", "files", "read_file");
  await ark.tools.create({ metadata: { name: "web" }, spec: { type: "http", http: { url: "http://127.0.0.1:1/x", method: "GET" } } });
  await ark.executionEngines.create({
    metadata: { name: "my-engine", annotations: { "ark.mckinsey.com/streaming-supported": "true" } },
    spec: { address: { value: "http://127.0.0.1:1" } },
  });
  await ark.agents.create({
    metadata: { name: "weather-agent", labels: { team: "forecast" }, annotations: { owner: "ops" } },
    spec: {
      description: "Forecasts weather",
      prompt: "You forecast for {{.city}} in {{ .unit }} ({{.region}}).",
      modelRef: { name: "gpt" },
      executionEngine: { name: "my-engine" },
      outputSchema: { type: "object", properties: { forecast: { type: "string" } } },
      parameters: [
        { name: "city", valueFrom: { queryParameterRef: { name: "city" } } },
        { name: "unit", value: "celsius" },
        { name: "region", valueFrom: { configMapKeyRef: { name: "model-config", key: "region" } } },
      ],
      tools: [
        { type: "mcp", name: "github-search" },
        { type: "mcp", name: "github-issues" },
        { type: "mcp", name: "files-read" },
        { type: "http", name: "web" },
      ],
    },
  });
  for (const name of ["member-a", "outsider"]) await ark.agents.create({ metadata: { name }, spec: { prompt: `I am ${name}`, modelRef: { name: "gpt" } } });
  await ark.agents.create({ metadata: { name: "broken-agent" }, spec: { prompt: "x", modelRef: { name: "broken-model" } } });
  const team = (name: string, members: { name: string; type: string }[]) => ark.teams.create({ metadata: { name }, spec: { strategy: "sequential", members } });
  await team("inner", [{ name: "member-a", type: "agent" }]);
  await team("outer", [{ name: "inner", type: "team" }]);
  await team("loop-a", [{ name: "loop-b", type: "team" }]);
  await team("loop-b", [{ name: "loop-a", type: "team" }]);
  const query = (name: string, target: { type: string; name: string }, extra: Record<string, unknown> = {}) =>
    ark.queries.create({ metadata: { name, annotations: { "ark.mckinsey.com/streaming-enabled": "true" } }, spec: { input: "What's the weather?", target, ...extra } });
  await query("weather-query", { type: "agent", name: "weather-agent" }, { parameters: [{ name: "city", value: "Paris" }], ttl: "1h30m", timeout: "2m" });
  await query("team-query", { type: "team", name: "outer" });
  await query("loop-query", { type: "team", name: "loop-a" });
  await query("broken-query", { type: "agent", name: "broken-agent" });
}

function expectedRequest(userInput: string, conversationId: string): ExecutionEngineRequest {
  return {
    agent: {
      name: "weather-agent",
      namespace: ns,
      prompt: "You forecast for Paris in celsius (eu).",
      description: "Forecasts weather",
      parameters: [{ name: "city", value: "Paris" }, { name: "unit", value: "celsius" }, { name: "region", value: "eu" }],
      model: {
        name: "gpt-4.1",
        type: "openai",
        config: { openai: { apiKey: "sk-secret-123", baseUrl: "https://llm.example.com/v1", properties: { temperature: "0.2" }, headers: { "X-Team": "forecasters" } } },
      },
      labels: { team: "forecast" },
      annotations: { owner: "ops" },
      outputSchema: { type: "object", properties: { forecast: { type: "string" } } },
      tools: [
        ...(["github-search:github:search", "github-issues:github:create_issue", "files-read:files:read_file"].map((spec) => {
          const [name = "", server = "", toolName = ""] = spec.split(":");
          return { kind: "mcp" as const, name, toolRef: name, description: `Custom tool: ${name}`, inputSchema: { type: "object", properties: {} }, mcp: { server, toolName } };
        })),
        {
          kind: "http", name: "web", toolRef: "web", description: "HTTP request to http://127.0.0.1:1/x", inputSchema: { type: "object", properties: {} },
          http: { url: "http://127.0.0.1:1/x", method: "GET", headers: {}, bodyParameters: {}, timeoutMs: 30_000 },
        },
      ],
    },
    userInput: { role: "user", content: userInput },
    mcpServers: [
      { name: "github", url: "http://github-mcp.example/mcp", transport: "http", timeout: "45s", toolCallTimeout: "45s", headers: { Authorization: "sk-secret-123" }, tools: ["search", "create_issue"] },
      { name: "files", url: "http://127.0.0.1:8931/mcp", transport: "sse", timeout: "30s", toolCallTimeout: "30s", headers: {}, tools: ["read_file"] },
    ],
    conversationId,
    queryAnnotations: { "ark.mckinsey.com/streaming-enabled": "true" },
    executionEngineAnnotations: { "ark.mckinsey.com/streaming-supported": "true" },
    messageTtlSeconds: 5400,
  };
}

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("executor");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: silent });
  broker = await startRecordingBroker();
  await seed();
  resolver = new ClusterQueryResolver(ark, { serviceUrl: loopback, logger: silent });
  engine = new TestEngine();
  app = new ExecutorApp(engine, "MyEngine", { resolver, logger: silent });
  url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
});

after(async () => {
  await app?.close({ gracePeriodMs: 500 });
  await resolver?.close();
  await broker?.close();
  await ark?.close();
  await cluster?.close();
});

const dispatch = (query: string, input = "What's the weather?", extra: { contextId?: string; target?: { type: string; name: string }; conversationId?: string } = {}) =>
  postLikeController(url, buildMessageSendBody({ queryName: query, namespace: ns, input, ...extra }));

describe("resolution of a real Query", () => {
  it("gives the executor the full ExecutionEngineRequest for the controller's exact request", async () => {
    const next = engine.nextCall();
    broker.calls.length = 0;
    const answer = await dispatch("weather-query", "What's the weather?", { contextId: "conv-42" });
    const outcome = readEngineResponse(answer.json);
    assert.equal(outcome.kind, "message", answer.text);
    const { request } = await next;
    assert.deepEqual(request, expectedRequest("What's the weather?", "conv-42"));
    // Streaming was discovered from ark-config-streaming and its Service.
    assert.deepEqual(broker.calls.map((c) => c.path), ["/messages", "/stream/weather-query", "/stream/weather-query", "/stream/weather-query/complete"]);
    assert.deepEqual((broker.calls[0]?.body as { ttl_seconds: number }).ttl_seconds, 5400);
  });

  it("resolves the same request through the A2A JS client", async () => {
    const client = await new ClientFactory().createFromUrl(url);
    const next = engine.nextCall();
    const result = await client.sendMessage({
      message: {
        kind: "message", role: "user", messageId: crypto.randomUUID(), contextId: "conv-7", parts: [{ kind: "text", text: "Rain?" }],
        metadata: { [QUERY_EXTENSION_METADATA_KEY]: { name: "weather-query", namespace: ns } }, extensions: [QUERY_EXTENSION_URI],
      },
    });
    assert.equal(result.kind, "message");
    assert.deepEqual((await next).request, expectedRequest("Rain?", "conv-7"));
  });

  it("reads unchanged objects from informers on the next request, and sees changes through the watch", async () => {
    await resolver.resolve({ name: "weather-query", namespace: ns, conversationId: "" }, { userInput: "x", conversationId: "c", signal: new AbortController().signal });
    const before = { ...resolver.cacheStats };
    await resolver.resolve({ name: "weather-query", namespace: ns, conversationId: "" }, { userInput: "x", conversationId: "c", signal: new AbortController().signal });
    assert.equal(resolver.cacheStats.reads, before.reads, "no API read for a hot agent");
    assert.ok(resolver.cacheStats.hits > before.hits);

    const agent = await ark.agents.get("weather-agent");
    agent.spec.description = "Forecasts weather, updated";
    await ark.agents.update(agent);
    let seen = "";
    for (let i = 0; i < 100 && seen !== "Forecasts weather, updated"; i++) {
      const resolved = await resolver.resolve({ name: "weather-query", namespace: ns, conversationId: "" }, { userInput: "x", conversationId: "c", signal: new AbortController().signal });
      seen = resolved.request.agent.description;
      if (seen !== "Forecasts weather, updated") await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(seen, "Forecasts weather, updated");
    const current = await ark.agents.get("weather-agent");
    current.spec.description = "Forecasts weather";
    await ark.agents.update(current);
  });

  it("without a cache, sees spec.cancel through one shared watch", async () => {
    const direct = new ClusterQueryResolver(ark, { cache: "none", serviceUrl: loopback, logger: silent });
    try {
      for (const name of ["cancel-a", "cancel-b"]) await ark.queries.create({ metadata: { name }, spec: { input: "x", target: { type: "agent", name: "member-a" } } });
      const signal = new AbortController().signal;
      const a = await direct.resolve({ name: "cancel-a", namespace: ns, conversationId: "" }, { userInput: "x", conversationId: "c", signal: signal });
      const b = await direct.resolve({ name: "cancel-b", namespace: ns, conversationId: "" }, { userInput: "x", conversationId: "c", signal: signal });
      let aCanceled = false;
      const offA = a.onCancel?.(() => (aCanceled = true));
      let offB: (() => void) | undefined;
      const bCanceled = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("spec.cancel not seen within 5 s")), 5000);
        offB = b.onCancel?.(() => (clearTimeout(timer), resolve()));
      });
      await ark.queries.patch("cancel-b", { spec: { cancel: true } });
      await bCanceled;
      assert.equal(aCanceled, false, "only the canceled query is aborted");
      offA?.();
      offB?.();
    } finally {
      await direct.close();
    }
  });

  it("resolves identically without a cache", async () => {
    const direct = new ClusterQueryResolver(ark, { cache: "none", serviceUrl: loopback, logger: silent });
    try {
      const resolved = await direct.resolve({ name: "weather-query", namespace: ns, conversationId: "" }, { userInput: "hi", conversationId: "c9", signal: new AbortController().signal });
      const expected = expectedRequest("hi", "c9");
      assert.equal(resolved.request.agent.prompt, expected.agent.prompt);
      assert.deepEqual(resolved.request.mcpServers, expected.mcpServers);
      assert.equal(resolved.timeoutMs, 120_000);
      assert.equal(direct.cacheStats.hits, 0);
    } finally {
      await direct.close();
    }
  });
});

describe("team sub-targets", () => {
  it("runs a member reached through nested teams", async () => {
    const next = engine.nextCall();
    const answer = await dispatch("team-query", "hi", { target: { type: "agent", name: "member-a" }, conversationId: "scope" });
    assert.equal(readEngineResponse(answer.json).kind, "message", answer.text);
    const { request, ctx } = await next;
    assert.equal(request.agent.name, "member-a");
    assert.equal(ctx.isSubTarget, true);
  });

  it("refuses agents outside the team, cycles included, and overrides of agent queries", async () => {
    const cases: [string, string, RegExp][] = [
      ["team-query", "outsider", /Agent 'outsider' is not a member or selector of team 'outer' targeted by query 'team-query'/],
      ["loop-query", "member-a", /Agent 'member-a' is not a member or selector of team 'loop-a'/],
      ["weather-query", "member-a", /only team targets may delegate/],
    ];
    for (const [query, agent, message] of cases) {
      const answer = readEngineResponse((await dispatch(query, "hi", { target: { type: "agent", name: agent } })).json);
      assert.equal(answer.kind, "error");
      if (answer.kind === "error") {
        assert.equal(answer.code, -32010);
        assert.match(answer.message, message);
      }
    }
  });
});

describe("resolution failures answer clearly and the engine keeps serving", () => {
  it("a Query that does not exist", async () => {
    const answer = readEngineResponse((await dispatch("ghost-query")).json);
    assert.equal(answer.kind, "error");
    if (answer.kind === "error") assert.equal(answer.message, `a2aClient.SendMessage: jsonrpc error -32010: Query resolution failed: Query 'ghost-query' not found in namespace '${ns}'`);
  });

  it("a Secret key that is missing", async () => {
    const answer = readEngineResponse((await dispatch("broken-query")).json);
    assert.equal(answer.kind, "error");
    if (answer.kind === "error") {
      assert.match(answer.message, new RegExp(`Secret ${ns}/openai-secret has no key 'nope' \\(referenced by Model ${ns}/broken-model spec\\.config\\.openai\\.apiKey\\.valueFrom\\.secretKeyRef\\)`));
    }
    assert.equal(readEngineResponse((await dispatch("weather-query")).json).kind, "message");
  });
});

describe("the Query's status and cancellation", () => {
  it("updateQueryPhase sets the phase and merges the condition, keeping others", async () => {
    await ark.queries.create({ metadata: { name: "status-query" }, spec: { input: "x", target: { type: "agent", name: "member-a" } } });
    await ark.queries.patchStatus("status-query", {
      status: { phase: "running", conditions: [{ type: "MemoryUnavailable", status: "True", reason: "NoMemoryBackend", message: "none", lastTransitionTime: "2026-01-01T00:00:00Z" }] },
    });
    const next = engine.nextCall();
    const pending = dispatch("status-query", "wait");
    const { ctx } = await next;
    await ctx.updateQueryPhase("provisioning", "ExecutorProvisioning", "Starting sandbox");
    const query = await ark.queries.get("status-query");
    assert.equal(query.status?.phase, "provisioning");
    assert.deepEqual(query.status?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]), [
      ["MemoryUnavailable", "True", "NoMemoryBackend", "none"],
      ["Completed", "False", "ExecutorProvisioning", "Starting sandbox"],
    ]);
    await ark.queries.patch("status-query", { spec: { cancel: true } });
    const reason = await (await next).aborted;
    assert.ok(reason instanceof ExecutionAbortedError && reason.abortCause === "query-canceled", String(reason));
    const answer = readEngineResponse((await pending).json);
    assert.equal(answer.kind, "error");
    if (answer.kind === "error") assert.equal(answer.code, -32012);
  });
});
