// Every kind of tool end to end on the real local control plane: Tool, MCPServer and Agent objects resolved by the
// ClusterQueryResolver into request.agent.tools, run by an engine through ctx.tools, dispatched by the local
// dispatcher. MCP tools hit a real MCP SDK server (bearer token from the MCPServer's tokenSecretRef), http tools a
// node:http server (header from a Secret), agent tools run as sub-Queries through the dispatcher, team tools as
// sub-Queries the dispatcher sends to the namespace's ark-completions engine (here a minimal A2A server), builtins
// as ARK defines them. Also: cancellation mid-tool-call, approval required without approval support, and a tool the
// engine cannot run, each failing the Query with a message naming the tool.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ArkClient, loopbackServiceUrl, QueryFailedError } from "ark-sdk";
import { BaseExecutor, ClusterQueryResolver, ExecutorApp, PARENT_QUERY_LABEL, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { startDispatcher, startLocalBroker, startLocalMcpServer, type LocalBroker, type LocalMcpServer, type QueryDispatcher } from "ark-sdk/testing";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { eventually, within } from "../helpers/deadline.js";
import { silent } from "../queries/helpers.js";

let cluster: TestCluster;
let ns: string;
let ark: ArkClient;
let broker: LocalBroker;
let dispatcher: QueryDispatcher;
let mcp: LocalMcpServer;
let http: Server;
let completions: Server;
let app: ExecutorApp;
let resolver: ClusterQueryResolver;
const httpSeen: { url: string; headers: IncomingMessage["headers"] }[] = [];
const teamInputs: string[] = [];

/** An engine whose input names what it does with its tools (the "helper-agent" answers as a plain agent). */
class ToolEngine extends BaseExecutor {
  requests: ExecutionEngineRequest[] = [];
  constructor() {
    super("tooled");
  }
  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    this.requests.push(request);
    const input = request.userInput.content;
    if (request.agent.name === "helper-agent") {
      ctx.reportUsage({ promptTokens: 1, completionTokens: 2, totalTokens: 3 });
      return [{ role: "assistant", content: `helper says ${input}` }];
    }
    if (input === "list") {
      return [{ role: "assistant", content: JSON.stringify(ctx.tools.list().map(({ name, kind, description, inputSchema, approval, unsupported }) => ({ name, kind, description, inputSchema, approval, unsupported }))) }];
    }
    if (input === "loop") {
      const out: string[] = [];
      out.push((await ctx.tools.call("add", '{"a":2,"b":3}', { toolCallId: "t1" })).content);
      out.push((await ctx.tools.call("weather", { city: "Oslo" }, { toolCallId: "t2" })).content);
      out.push((await ctx.tools.call("helper", { input: "hi" }, { toolCallId: "t3" })).content);
      out.push((await ctx.tools.call("crew", { input: "plan" }, { toolCallId: "t4" })).content);
      out.push((await ctx.tools.call("noop", { message: "x" }, { toolCallId: "t5" })).content);
      return [{ role: "assistant", content: out.join("|") }];
    }
    // "call:<tool>": call that one tool with no arguments.
    const result = await ctx.tools.call(input.slice(5), {});
    return [{ role: "assistant", content: result.content }];
  }
}

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("tools");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: silent });
  broker = await startLocalBroker();
  await broker.publish(ark, ns);
  mcp = await startLocalMcpServer({
    requireAuthorization: "Bearer mcp-token",
    tools: {
      add: { description: "Adds", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } }, handler: ({ a, b }) => String(Number(a) + Number(b)) },
      slow: { handler: (_args, { signal }) => new Promise<string>((_resolve, reject) => signal.addEventListener("abort", () => reject(new Error("canceled")), { once: true })) },
    },
  });
  http = createServer((req, res) => {
    httpSeen.push({ url: req.url ?? "", headers: req.headers });
    res.writeHead(200).end(`sunny in ${decodeURIComponent((req.url ?? "").split("/").pop() ?? "")}`);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  // The namespace's ark-completions engine, as far as team sub-queries need it: answers A2A message/send.
  completions = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const rpc = JSON.parse(body) as { id: string; params: { message: { messageId: string; contextId?: string; parts: { text: string }[] } } };
      const text = rpc.params.message.parts.map((p) => p.text).join("");
      teamInputs.push(text);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
        jsonrpc: "2.0", id: rpc.id,
        result: { kind: "message", role: "agent", messageId: `${rpc.params.message.messageId}-r`, contextId: rpc.params.message.contextId ?? "c", parts: [{ kind: "text", text: `crew planned: ${text}` }] },
      }));
    });
  });
  await new Promise<void>((r) => completions.listen(0, "127.0.0.1", r));
  dispatcher = await startDispatcher({ client: ark, namespace: ns, logger: silent });
  // approvals: false: this engine runs without approval support (its built-in approval is tested in approval.cluster.test.ts).
  resolver = new ClusterQueryResolver(ark, { serviceUrl: loopbackServiceUrl, logger: silent, approvals: false });
  app = new ExecutorApp(new ToolEngine(), "tooled", { resolver, logger: silent, shutdownGracePeriodMs: 500 });
  const engineUrl = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });

  await ark.executionEngines.create({ metadata: { name: "tooled" }, spec: { address: { value: engineUrl } } });
  await ark.executionEngines.create({ metadata: { name: "ark-completions" }, spec: { address: { value: `http://127.0.0.1:${(completions.address() as AddressInfo).port}` } } });
  await ark.core.secrets.create({ metadata: { name: "mcp-auth" }, stringData: { access_token: "mcp-token" } } as never);
  await ark.core.secrets.create({ metadata: { name: "weather-key" }, stringData: { key: "w-123" } } as never);
  await ark.mcpServers.create({ metadata: { name: "calc" }, spec: { address: { value: mcp.url }, transport: "http", timeout: "10s", authorization: { tokenSecretRef: { name: "mcp-auth" } } } as never });
  // As ARK's MCPServer controller writes them from tools/list.
  await ark.tools.create({ metadata: { name: "calc-add" }, spec: { type: "mcp", description: "Adds", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" }, tenant: { type: "string" } }, required: ["a", "tenant"] }, mcp: { mcpServerRef: { name: "calc" }, toolName: "add" } } });
  await ark.tools.create({ metadata: { name: "calc-slow" }, spec: { type: "mcp", mcp: { mcpServerRef: { name: "calc" }, toolName: "slow" } } });
  await ark.tools.create({
    metadata: { name: "weather" },
    spec: { type: "http", description: "Weather by city", inputSchema: { type: "object", properties: { city: { type: "string" } } }, http: { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/w/{city}`, headers: [{ name: "X-Key", value: { valueFrom: { secretKeyRef: { name: "weather-key", key: "key" } } } }], timeout: "5s" } },
  });
  await ark.tools.create({ metadata: { name: "helper" }, spec: { type: "agent", description: "Asks the helper", inputSchema: { type: "object", properties: { input: { type: "string" } }, required: ["input"] }, agent: { name: "helper-agent" } } });
  await ark.tools.create({ metadata: { name: "crew" }, spec: { type: "team", inputSchema: { type: "object", properties: { input: { type: "string" } } }, team: { name: "crew" } } });
  await ark.tools.create({ metadata: { name: "noop" }, spec: { type: "builtin", builtin: { name: "noop" } } });
  await ark.agents.create({ metadata: { name: "helper-agent" }, spec: { prompt: "help", executionEngine: { name: "tooled" } } });
  await ark.teams.create({ metadata: { name: "crew" }, spec: { strategy: "sequential", members: [{ name: "helper-agent", type: "agent" }] } });
  await ark.agents.create({
    metadata: { name: "tooled-agent" },
    spec: {
      prompt: "use tools",
      executionEngine: { name: "tooled" },
      tools: [
        { type: "mcp", name: "add", partial: { name: "calc-add", parameters: [{ name: "tenant", value: "acme" }] } },
        { type: "http", name: "weather", description: "Forecast for a city" },
        { type: "agent", name: "helper" },
        { type: "team", name: "crew" },
        { type: "builtin", name: "noop" },
        { type: "built-in", name: "terminate" },
        { type: "mcp", name: "calc-slow" },
        { type: "http", name: "guarded", partial: { name: "weather" }, approval: { required: true, timeout: "2m", onTimeout: "proceed" } },
        { type: "builtin", name: "filtered", partial: { name: "noop" }, functions: [{ name: "jq", value: ".x" }] },
      ],
    },
  } as never);
});

after(async () => {
  await dispatcher?.close();
  await app?.close({ gracePeriodMs: 200 });
  await resolver?.close();
  await mcp?.close();
  http?.closeAllConnections();
  await new Promise((r) => http?.close(r));
  completions?.closeAllConnections();
  await new Promise((r) => completions?.close(r));
  await broker?.close();
  await ark?.close();
});

const run = (input: string, timeout = "60s") => ark.queries.run({ input, target: { type: "agent", name: "tooled-agent" }, timeout });

describe("agent tools on a real control plane", { timeout: 180_000 }, () => {
  it("every tool of the agent reaches the engine typed: description, JSON schema (partial parameters hidden), approval, what cannot run", async () => {
    const result = await within(60_000, "the list query", run("list"));
    const tools = JSON.parse(result.content) as { name: string; kind: string; description: string; inputSchema: Record<string, unknown>; approval?: unknown; unsupported?: string }[];
    assert.deepEqual(tools.map((t) => `${t.kind}:${t.name}`), ["mcp:add", "http:weather", "agent:helper", "team:crew", "builtin:noop", "builtin:terminate", "mcp:calc-slow", "http:guarded", "builtin:filtered"]);
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    assert.deepEqual(byName.add?.inputSchema, { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a"] });
    assert.equal(byName.add?.description, "Adds");
    assert.equal(byName.weather?.description, "Forecast for a city");
    assert.equal(byName.crew?.description, "Custom tool: crew");
    assert.equal(byName["calc-slow"]?.description, "Custom tool: calc-slow");
    assert.deepEqual(byName["calc-slow"]?.inputSchema, { type: "object", properties: {} });
    assert.equal(byName.terminate?.description, "Use this function to provide a final response to the user and then end the current conversation");
    assert.deepEqual(byName.guarded?.approval, { required: true, onTimeout: "proceed", timeoutMs: 120_000 });
    assert.match(byName.filtered?.unsupported ?? "", /jq result filter/);
  });

  it("a tool loop through the dispatcher: MCP (bearer token, hidden partial parameter), http (Secret header), agent and team sub-queries, builtin; tool calls streamed", async () => {
    const calls0 = mcp.calls.length;
    const result = await within(90_000, "the loop query", run("loop"));
    assert.equal(result.phase, "done");
    assert.equal(result.content, "5|sunny in Oslo|helper says hi|crew planned: plan|map[message:x]");
    const call = mcp.calls[calls0];
    assert.deepEqual(call?.arguments, { a: 2, b: 3, tenant: "acme" });
    assert.equal(call?.headers.authorization, "Bearer mcp-token");
    assert.equal(httpSeen.at(-1)?.headers["x-key"], "w-123");
    assert.deepEqual(teamInputs, ["plan"]);
    // The sub-queries exist, labelled with the parent Query; the agent's usage adds to the parent's.
    const subs = await ark.queries.list({ labelSelector: { [PARENT_QUERY_LABEL]: result.name } });
    assert.deepEqual(subs.map((q) => `${q.spec?.target?.type}/${q.spec?.target?.name}:${q.status?.phase}`).sort(), ["agent/helper-agent:done", "team/crew:done"]);
    assert.equal(result.tokenUsage?.totalTokens, 3);
    const streamed = broker.chunks(result.name).flatMap((c) => ((c as { choices?: { delta?: { tool_calls?: { id: string; function: { name: string } }[] } }[] }).choices?.[0]?.delta?.tool_calls ?? []));
    assert.deepEqual(streamed.map((t) => `${t.id}:${t.function.name}`), ["t1:add", "t2:weather", "t3:helper", "t4:crew", "t5:noop"]);
  });

  it("canceling the Query mid-tool-call cancels the MCP call (the server sees it) and the Query ends canceled", async () => {
    const calls0 = mcp.calls.length;
    const query = await ark.queries.start({ input: "call:calc-slow", target: { type: "agent", name: "tooled-agent" }, timeout: "60s" });
    const name = query.metadata?.name ?? "";
    await eventually(() => mcp.calls.length > calls0, "the MCP call to reach the server", 60_000);
    await ark.queries.cancel(name);
    await eventually(() => mcp.calls[calls0]?.canceled === true, "the MCP server to see the cancel", 10_000);
    const settled = await ark.queries.wait(name, { timeoutMs: 20_000 }).catch((error: unknown) => error);
    assert.equal((settled as { name?: string }).name, "QueryCanceledError", String(settled));
    await eventually(() => mcp.openSessions === 0, "the MCP session to close", 10_000);
  });

  it("a tool requiring approval, on an engine without approval support, fails the Query naming the tool", async () => {
    const error = await run("call:guarded").catch((e: unknown) => e);
    assert.ok(error instanceof QueryFailedError, String(error));
    assert.match(error.message, /tool 'guarded' requires human approval/);
  });

  it("a tool the engine cannot run fails the Query with a clear message naming it", async () => {
    const error = await run("call:filtered").catch((e: unknown) => e);
    assert.ok(error instanceof QueryFailedError, String(error));
    assert.match(error.message, /tool 'filtered' cannot run: its jq result filter \(the agent's spec.tools\[\]\.functions\) is not supported by ark-sdk/);
  });
});
