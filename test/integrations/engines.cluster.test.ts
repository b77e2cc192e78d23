// The two example engines (examples/engines/openai-agent.ts, ai-sdk-agent.ts) end to end on the real local control
// plane, each as a real engine server (ExecutorApp on loopback, ClusterQueryResolver) behind the local dispatcher:
// the local model server scripts the model (tool calls, then an answer built from the tool results), a local MCP
// server serves the MCP tools, a node:http server on loopback is the http tool, and an agent tool runs a sub-Query on
// the same engine. Every case runs for both engines: a tool loop (MCP + http + agent, each server counting its
// calls) streamed to ark.queries.stream() through the local broker, a follow-up Query of the same conversation whose
// model request carries the earlier turns (checked at the model server), cancellation mid-tool-call, a tool the
// engine cannot run failing the Query, and human approval of a tool call (approve: the tool runs once; reject: it
// never runs), which the examples get from the kit.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ArkClient, isQueryTerminal, loopbackServiceUrl, QueryFailedError, type QueryResult, type QueryStreamEvent } from "ark-sdk";
import { BaseExecutor, ClusterQueryResolver, ExecutorApp } from "ark-sdk/executor";
import { startDispatcher, startLocalBroker, startLocalMcpServer, startLocalModelServer, type LocalBroker, type LocalMcpServer, type LocalModelServer, type QueryDispatcher, type RecordedChatRequest, type ScriptedReply } from "ark-sdk/testing";
import { AiSdkAgentExecutor } from "../../examples/engines/ai-sdk-agent.js";
import { OpenAIAgentExecutor } from "../../examples/engines/openai-agent.js";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually, within } from "../helpers/deadline.js";
import { silent } from "../queries/helpers.js";

const PLANNER_PROMPT = "You plan trips.";
const HELPER_PROMPT = "You are the packing helper.";

let cluster: TestCluster;
let ark: ArkClient;
let broker: LocalBroker;
let dispatcher: QueryDispatcher;
let model: LocalModelServer;
let mcp: LocalMcpServer;
let http: Server;
const httpCalls: string[] = [];

interface ChatMessage {
  role: string;
  content?: unknown;
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** A message's text, whether the client sent a string or content parts. */
function text(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((p: { text?: string }) => p.text ?? "").join("");
  return "";
}

const messagesOf = (request: RecordedChatRequest) => request.body.messages as ChatMessage[];
const toolNamesOf = (request: RecordedChatRequest) => ((request.body.tools ?? []) as { function: { name: string } }[]).map((t) => t.function.name);

/**
 * The model, chosen by what it is asked: the packing helper (the agent tool's sub-Query) answers its input; the
 * planner, on `trip:` with no tool results yet, calls the MCP, http and agent tools at once and, once their results
 * are back, answers with them; on `hang` it calls the MCP tool that never ends; otherwise it answers how many earlier
 * user turns it was shown.
 */
function script(request: RecordedChatRequest): ScriptedReply {
  const messages = messagesOf(request);
  const system = text(messages[0]?.content);
  const lastUser = messages.findLastIndex((m) => m.role === "user");
  const input = text(messages[lastUser]?.content);
  const results = messages.slice(lastUser + 1).filter((m) => m.role === "tool").map((m) => text(m.content));
  if (system === HELPER_PROMPT) return { content: `pack ${input}`, usage: { promptTokens: 5, completionTokens: 3 } };
  if (input.startsWith("trip:") && results.length === 0) {
    const helper = toolNamesOf(request).find((n) => n.startsWith("ask-helper")) ?? "missing-helper-tool";
    return {
      content: "Checking.",
      chunkSize: 3,
      usage: { promptTokens: 20, completionTokens: 8 },
      toolCalls: [
        { id: "call_add", name: "calc-add", arguments: { a: 2, b: 3 } },
        { id: "call_weather", name: "weather", arguments: { city: "Paris" } },
        { id: "call_helper", name: helper, arguments: { input: "an umbrella" } },
      ],
    };
  }
  if (input.startsWith("trip:")) return { content: `Plan: ${results.join(" / ")}.`, chunkSize: 5, usage: { promptTokens: 40, completionTokens: 6 } };
  if (input === "hang") return { toolCalls: [{ id: "call_slow", name: "calc-slow", arguments: {} }] };
  if (input.startsWith("careful:") && results.length === 0) return { content: "Asking first.", toolCalls: [{ id: "call_guarded", name: "weather", arguments: { city: "Oslo" } }] };
  if (input.startsWith("careful:")) return { content: `Careful: ${results.join(" / ")}.` };
  if (input === "filter") return { toolCalls: [{ id: "call_filtered", name: "filtered", arguments: { message: "x" } }] };
  return { content: `I was shown ${messages.slice(0, lastUser).filter((m) => m.role === "user").length} earlier user turns.` };
}

const engines = [
  { label: "openai (runTools)", name: "openai-agent", make: (): BaseExecutor => new OpenAIAgentExecutor() },
  { label: "AI SDK (streamText)", name: "ai-sdk-agent", make: (): BaseExecutor => new AiSdkAgentExecutor() },
];
const servers: { app: ExecutorApp; resolver: ClusterQueryResolver }[] = [];

before(async () => {
  cluster = await testCluster();
  const namespace = await cluster.namespace("engines");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace, logger: silent });
  broker = await startLocalBroker();
  await broker.publish(ark, namespace);
  dispatcher = await startDispatcher({ client: ark, namespace, logger: silent });
  model = await startLocalModelServer({ apiKey: "model-key", replies: script });
  mcp = await startLocalMcpServer({
    requireAuthorization: "Bearer mcp-token",
    tools: {
      add: { description: "Adds two numbers", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } }, handler: ({ a, b }) => `sum ${Number(a) + Number(b)}` },
      slow: { handler: (_args, { signal }) => new Promise<string>((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("canceled")), { once: true })) },
    },
  });
  http = createServer((req, res) => {
    httpCalls.push(req.url ?? "");
    res.writeHead(200, { "content-type": "text/plain" }).end(`sunny in ${decodeURIComponent((req.url ?? "").split("/").pop() ?? "")}`);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));

  await ark.core.secrets.create({ metadata: { name: "model-key" }, stringData: { key: "model-key" } });
  await ark.core.secrets.create({ metadata: { name: "mcp-auth" }, stringData: { access_token: "mcp-token" } });
  await ark.models.create({ metadata: { name: "local" }, spec: { provider: "openai", model: { value: "test-model" }, config: { openai: { apiKey: { valueFrom: { secretKeyRef: { name: "model-key", key: "key" } } }, baseUrl: { value: model.url } } } } });
  await ark.mcpServers.create({ metadata: { name: "calc" }, spec: { address: { value: mcp.url }, transport: "http", timeout: "90s", authorization: { tokenSecretRef: { name: "mcp-auth" } } } as never });
  // As ARK's MCPServer controller writes them from tools/list.
  await ark.tools.create({ metadata: { name: "calc-add" }, spec: { type: "mcp", description: "Adds two numbers", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } }, mcp: { mcpServerRef: { name: "calc" }, toolName: "add" } } });
  await ark.tools.create({ metadata: { name: "calc-slow" }, spec: { type: "mcp", description: "Never ends", mcp: { mcpServerRef: { name: "calc" }, toolName: "slow" } } });
  await ark.tools.create({
    metadata: { name: "weather" },
    spec: { type: "http", description: "Weather by city", inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] }, http: { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/w/{city}`, timeout: "10s" } },
  });
  await ark.tools.create({ metadata: { name: "noop" }, spec: { type: "builtin", builtin: { name: "noop" } } });
  for (const { name, make } of engines) {
    const resolver = new ClusterQueryResolver(ark, { serviceUrl: loopbackServiceUrl, logger: silent });
    const app = new ExecutorApp(make(), { resolver, logger: silent, shutdownGracePeriodMs: 500 });
    servers.push({ app, resolver });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    await ark.executionEngines.create({ metadata: { name }, spec: { address: { value: url } } });
    await ark.agents.create({ metadata: { name: `helper-${name}` }, spec: { prompt: HELPER_PROMPT, modelRef: { name: "local" }, executionEngine: { name } } });
    await ark.tools.create({ metadata: { name: `ask-helper-${name}` }, spec: { type: "agent", description: "Asks the packing helper", inputSchema: { type: "object", properties: { input: { type: "string" } }, required: ["input"] }, agent: { name: `helper-${name}` } } });
    await ark.agents.create({
      metadata: { name: `planner-${name}` },
      spec: {
        prompt: PLANNER_PROMPT,
        modelRef: { name: "local" },
        executionEngine: { name },
        tools: [{ type: "mcp", name: "calc-add" }, { type: "http", name: "weather" }, { type: "agent", name: `ask-helper-${name}` }, { type: "mcp", name: "calc-slow" }],
      },
    } as never);
    // A tool the engine cannot run: a builtin behind a jq result filter.
    await ark.agents.create({
      metadata: { name: `filtering-${name}` },
      spec: { prompt: PLANNER_PROMPT, modelRef: { name: "local" }, executionEngine: { name }, tools: [{ type: "builtin", name: "filtered", partial: { name: "noop" }, functions: [{ name: "jq", value: ".x" }] }] },
    } as never);
    // The same http tool, behind human approval.
    await ark.agents.create({
      metadata: { name: `careful-${name}` },
      spec: { prompt: PLANNER_PROMPT, modelRef: { name: "local" }, executionEngine: { name }, tools: [{ type: "http", name: "weather", approval: { required: true, timeout: "5m", onTimeout: "reject" } }] },
    } as never);
  }
});

after(async () => {
  await dispatcher?.close();
  for (const { app, resolver } of servers) {
    await app.close({ gracePeriodMs: 200 });
    await resolver.close();
  }
  await mcp?.close();
  await model?.close();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await broker?.close();
  await ark?.close();
});

/** The chat requests the planner of `engine` sent since `from` (the helper's sub-Query requests left out). */
const plannerRequests = (from: number) => model.requests.slice(from).filter((r) => text(messagesOf(r)[0]?.content) === PLANNER_PROMPT);

/** Runs a `careful:` Query on `engine`'s careful agent until it pauses for approval of its weather call. */
async function pausedForApproval(engine: string, city: string): Promise<QueryResult> {
  const http0 = httpCalls.length;
  const paused = await within(60_000, "the query to pause", ark.queries.run({ input: `careful: ${city}`, target: { type: "agent", name: `careful-${engine}` }, timeout: "60s" }, { timeoutMs: 55_000 }));
  assert.equal(paused.phase, "input-required", `paused: ${paused.content}`);
  const calls = JSON.parse(paused.pendingTask?.status?.protocolMetadata?.toolCalls ?? "[]") as { id: string; function: { name: string; arguments: string } }[];
  assert.deepEqual(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)]), [["call_guarded", "weather", { city: "Oslo" }]]);
  assert.deepEqual(httpCalls.slice(http0), [], "nothing ran before the decision");
  return paused;
}

for (const engine of engines) {
  const target = { type: "agent" as const, name: `planner-${engine.name}` };
  const conversationId = `trip-${engine.name}`;

  describe(`example engine behind the dispatcher: ${engine.label}`, { timeout: 90_000 }, () => {
    it("a tool loop with MCP + http + agent tools, streamed to ark.queries.stream() through the local broker", async () => {
      const mcp0 = mcp.calls.length;
      const http0 = httpCalls.length;
      const model0 = model.requests.length;
      const query = await ark.queries.start({ input: "trip: Paris", target, conversationId, timeout: "60s" });
      const events: QueryStreamEvent[] = [];
      await within(60_000, "the streamed tool loop", (async () => {
        for await (const event of ark.queries.stream(query.metadata.name ?? "", { serviceUrl: loopbackServiceUrl })) events.push(event);
      })(), () => events.map((e) => e.type));

      // Each tool's server saw exactly one call.
      assert.deepEqual(mcp.calls.slice(mcp0).map((c) => [c.tool, c.arguments, c.headers.authorization]), [["add", { a: 2, b: 3 }, "Bearer mcp-token"]]);
      assert.deepEqual(httpCalls.slice(http0), ["/w/Paris"]);
      const helperRequests = model.requests.slice(model0).filter((r) => text(messagesOf(r)[0]?.content) === HELPER_PROMPT);
      assert.deepEqual(helperRequests.map((r) => text(messagesOf(r).at(-1)?.content)), ["an umbrella"], "the agent tool ran its sub-Query once");
      const planner = plannerRequests(model0);
      assert.equal(planner.length, 2, "the tool calls, then the answer");
      assert.deepEqual(toolNamesOf(planner[0]!).sort(), ["ask-helper-" + engine.name, "calc-add", "calc-slow", "weather"]);
      const results = messagesOf(planner[1]!).filter((m) => m.role === "tool");
      assert.deepEqual(results.map((m) => [m.tool_call_id, text(m.content)]), [["call_add", "sum 5"], ["call_weather", "sunny in Paris"], ["call_helper", "pack an umbrella"]]);

      // Streamed: the text in pieces, each tool call, then the result.
      const streamedText = events.flatMap((e) => (e.type === "text" ? [e.text] : []));
      const answer = "Plan: sum 5 / sunny in Paris / pack an umbrella.";
      assert.equal(streamedText.join(""), `Checking.${answer}`);
      assert.ok(streamedText.length > 4, `the answer streamed in pieces (${streamedText.length})`);
      assert.deepEqual(events.flatMap((e) => (e.type === "tool-call" ? [`${e.id}:${e.name}`] : [])).sort(), ["call_add:calc-add", "call_helper:ask-helper-" + engine.name, "call_weather:weather"]);
      const last = events.at(-1);
      assert.equal(last?.type, "result");
      if (last?.type !== "result") return;
      assert.equal(last.result.phase, "done");
      assert.equal(last.result.content, `Checking.${answer}`, "the assistant messages' text, as ARK's engines answer");
      // The planner's two model calls plus the helper's sub-Query (5 + 3).
      assert.deepEqual([last.result.tokenUsage?.promptTokens, last.result.tokenUsage?.completionTokens, last.result.tokenUsage?.totalTokens], [65, 17, 82]);
    });

    it("a follow-up Query of the same conversation sends the earlier turns to the model", async () => {
      const model0 = model.requests.length;
      const result = await within(60_000, "the follow-up query", ark.queries.run({ input: "and what should I pack?", target, conversationId, timeout: "60s" }));
      const [request] = plannerRequests(model0);
      assert.ok(request, "the planner asked the model");
      const sent = messagesOf(request).map((m) => [m.role, text(m.content), m.tool_calls?.map((c) => c.id) ?? m.tool_call_id ?? null]);
      assert.deepEqual(sent, [
        ["system", PLANNER_PROMPT, null],
        ["user", "trip: Paris", null],
        ["assistant", "Checking.", ["call_add", "call_weather", "call_helper"]],
        ["tool", "sum 5", "call_add"],
        ["tool", "sunny in Paris", "call_weather"],
        ["tool", "pack an umbrella", "call_helper"],
        ["assistant", "Plan: sum 5 / sunny in Paris / pack an umbrella.", null],
        ["user", "and what should I pack?", null],
      ]);
      assert.equal(result.content, "I was shown 1 earlier user turns.");
    });

    it("canceling the Query mid-tool-call cancels the MCP call and the Query ends canceled, the model not asked again", async () => {
      const mcp0 = mcp.calls.length;
      const model0 = model.requests.length;
      const query = await ark.queries.start({ input: "hang", target, timeout: "60s" });
      const name = query.metadata.name ?? "";
      await eventually(() => mcp.calls.length > mcp0, "the MCP call to reach the server", 60_000);
      assert.equal(mcp.calls[mcp0]?.tool, "slow");
      await ark.queries.cancel(name);
      await eventually(() => mcp.calls[mcp0]?.canceled === true, "the MCP server to see the cancel", 20_000);
      const settled = await ark.queries.wait(name, { timeoutMs: 30_000 }).catch((error: unknown) => error);
      assert.equal((settled as { name?: string }).name, "QueryCanceledError", String(settled));
      assert.equal(plannerRequests(model0).length, 1, "no model call after the cancel");
      assert.equal(mcp.calls.length, mcp0 + 1);
    });

    it("a tool the engine cannot run fails the Query with a message naming it, and the model is not asked again", async () => {
      const model0 = model.requests.length;
      const error = await within(60_000, "the failing query", ark.queries.run({ input: "filter", target: { type: "agent", name: `filtering-${engine.name}` }, timeout: "60s" }).catch((e: unknown) => e));
      assert.ok(error instanceof QueryFailedError, error instanceof Error ? String(error) : `the Query did not fail: ${(error as QueryResult).phase} ${(error as QueryResult).content}`);
      assert.match(error.message, /tool 'filtered' cannot run: its jq result filter/);
      assert.equal(model.requests.length - model0, 1, "the one model call that asked for the tool");
    });

    it("approval: a tool with approval.required pauses the Query; approve() resumes it and the tool runs exactly once", async () => {
      const http0 = httpCalls.length;
      const paused = await pausedForApproval(engine.name, "Oslo");
      await ark.a2aTasks.approve(paused.pendingTask?.metadata.name ?? "");
      const done = await ark.queries.waitFor(paused.name, isQueryTerminal, { timeoutMs: 30_000 });
      assert.equal(done.status?.phase, "done", done.status?.response?.content);
      assert.deepEqual(httpCalls.slice(http0), ["/w/Oslo"], "the approved tool ran exactly once");
      assert.match(done.status?.response?.content ?? "", /Careful: sunny in Oslo\.$/);
    });

    it("approval: reject() resumes the Query without running the tool; the model is told it was rejected", async () => {
      const http0 = httpCalls.length;
      const paused = await pausedForApproval(engine.name, "Oslo");
      await ark.a2aTasks.reject(paused.pendingTask?.metadata.name ?? "", "not now");
      const done = await ark.queries.waitFor(paused.name, isQueryTerminal, { timeoutMs: 30_000 });
      assert.equal(done.status?.phase, "done", done.status?.response?.content);
      assert.deepEqual(httpCalls.slice(http0), [], "a rejected tool never runs");
      assert.match(done.status?.response?.content ?? "", /Careful: Tool execution rejected by user\.$/);
    });
  });
}
