// ctx.tools for http and builtin tools, through the engine test kit (real execution context), against a real node:http
// server on loopback: listing, URL templates, headers, body templates, timeouts, HTTP errors, cancellation mid-call,
// approval without approval support, tools the engine cannot run.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BaseExecutor, ToolApprovalRequiredError, ToolCallError, ToolNotFoundError, ToolUnavailableError, type ExecutionContext, type ExecutionEngineRequest, type Message, type ToolConfig, type ToolResult } from "ark-sdk/executor";
import { engineRequest, runEngine } from "ark-sdk/testing";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let closedMidCall = 0;

before(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (req.url?.startsWith("/missing")) {
        res.writeHead(404).end("nope");
      } else if (req.url?.startsWith("/hang")) {
        res.on("close", () => {
          if (!res.writableEnded) closedMidCall++;
        });
      } else {
        res.writeHead(200, { "content-type": "text/plain" }).end(`ok ${req.method} ${req.url} ${body}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** An engine that runs the calls it is given and answers with their results. */
class CallingEngine extends BaseExecutor {
  results: ToolResult[] = [];
  listed: string[] = [];
  constructor(private readonly calls: { name: string; args?: Record<string, unknown> | string; signal?: AbortSignal }[]) {
    super("calling");
  }
  async executeAgent(_request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    this.listed = ctx.tools.list().map((t) => `${t.kind}:${t.name}`);
    for (const call of this.calls) this.results.push(await ctx.tools.call(call.name, call.args, { toolCallId: `id-${call.name}`, signal: call.signal }));
    return [{ role: "assistant", content: this.results.map((r) => r.content).join("|") }];
  }
}

function http(name: string, http: Partial<Extract<ToolConfig, { kind: "http" }>["http"]>, extra: Partial<ToolConfig> = {}): ToolConfig {
  return {
    kind: "http", name, description: `http ${name}`, inputSchema: { type: "object", properties: {} }, toolRef: name,
    http: { url: `${base}/x`, method: "GET", headers: {}, bodyParameters: {}, timeoutMs: 30_000, ...http },
    ...extra,
  } as ToolConfig;
}

const noop: ToolConfig = { kind: "builtin", name: "noop", description: "noop", inputSchema: {}, toolRef: "noop", builtin: { name: "noop" } };
const terminate: ToolConfig = { kind: "builtin", name: "terminate", description: "t", inputSchema: {}, toolRef: "terminate", builtin: { name: "terminate" } };

function request(tools: ToolConfig[]): ExecutionEngineRequest {
  return engineRequest({ agent: { tools } });
}

describe("ctx.tools: http tools", () => {
  test("URL placeholders are query-escaped arguments, headers are sent, the answer is the tool's result and a tool-call chunk is streamed", async () => {
    seen.length = 0;
    const engine = new CallingEngine([{ name: "weather", args: '{"city":"New York & co","days":3}' }]);
    const result = await runEngine(engine, request([http("weather", { url: `${base}/w/{city}?d={days}&keep={other}`, headers: { "X-Key": "k1" } })]));
    assert.equal(result.error, undefined);
    assert.deepEqual(engine.listed, ["http:weather"]);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.url, "/w/New+York+%26+co?d=3&keep={other}");
    assert.equal(seen[0]?.headers["x-key"], "k1");
    assert.equal(engine.results[0]?.content, "ok GET /w/New+York+%26+co?d=3&keep={other} ");
    assert.equal(engine.results[0]?.toolCallId, "id-weather");
    assert.deepEqual(result.toolCalls.map((c) => [c.function.name, c.function.arguments, c.id]), [["weather", '{"city":"New York & co","days":3}', "id-weather"]]);
  });

  test("POST renders the body template with .input and the body parameters; fixed (partial) arguments are injected, the model's win", async () => {
    seen.length = 0;
    const engine = new CallingEngine([{ name: "post", args: { city: "Oslo", unit: "C" } }]);
    const tool = http("post", { method: "POST", url: `${base}/p`, body: '{"city":"{{ .input.city }}","unit":"{{.input.unit}}","key":"{{.apiKey}}","missing":"{{.nope}}"}', bodyParameters: { apiKey: "s3cret" } }, { fixedArguments: { unit: "F", tenant: "t1" } });
    const result = await runEngine(engine, request([tool]));
    assert.equal(result.error, undefined);
    assert.equal(seen[0]?.method, "POST");
    assert.equal(seen[0]?.body, '{"city":"Oslo","unit":"C","key":"s3cret","missing":"<no value>"}');
  });

  test("a GET never sends the body template", async () => {
    seen.length = 0;
    const result = await runEngine(new CallingEngine([{ name: "get" }]), request([http("get", { body: "{{.input.x}}" })]));
    assert.equal(result.error, undefined);
    assert.equal(seen[0]?.body, "");
  });

  test("HTTP status >= 400 fails the call (and the execution) with ARK's message", async () => {
    const result = await runEngine(new CallingEngine([{ name: "gone" }]), request([http("gone", { url: `${base}/missing` })]));
    assert.ok(result.error instanceof ToolCallError, String(result.error));
    assert.match((result.error as Error).message, /^tool 'gone' failed: HTTP error 404: 404 Not Found \(URL: http:\/\/127\.0\.0\.1:\d+\/missing\)$/);
  });

  test("the Tool's timeout bounds the call", async () => {
    closedMidCall = 0;
    const started = Date.now();
    const result = await runEngine(new CallingEngine([{ name: "slow" }]), request([http("slow", { url: `${base}/hang`, timeoutMs: 150 })]));
    assert.ok(result.error instanceof ToolCallError, String(result.error));
    assert.match((result.error as Error).message, /within 150 ms/);
    assert.ok(Date.now() - started < 5_000);
  });

  test("cancellation mid-call aborts the HTTP request and the execution ends with the abort cause", async () => {
    closedMidCall = 0;
    const controller = new AbortController();
    const pending = runEngine(new CallingEngine([{ name: "hang" }]), request([http("hang", { url: `${base}/hang` })]), { signal: controller.signal, timeoutMs: 10_000 });
    while (!seen.some((s) => s.url === "/hang")) await new Promise((r) => setTimeout(r, 10));
    seen.length = 0;
    controller.abort();
    const result = await pending;
    assert.equal((result.error as { abortCause?: string }).abortCause, "task-canceled");
    const deadline = Date.now() + 5_000;
    while (closedMidCall === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(closedMidCall, 1, "the server saw the request closed before an answer");
  });

  test("an unsupported body template construct fails the call naming it", async () => {
    const result = await runEngine(new CallingEngine([{ name: "tpl" }]), request([http("tpl", { method: "PUT", body: "{{ range .input }}x{{ end }}" })]));
    assert.ok(result.error instanceof ToolCallError);
    assert.match((result.error as Error).message, /failed to resolve body template: template action \{\{ range \.input \}\} is not supported/);
  });
});

describe("ctx.tools: builtins, lookups, approval, unavailable tools", () => {
  test("noop answers its arguments in Go's %v form; terminate marks the result", async () => {
    const engine = new CallingEngine([{ name: "noop", args: { message: "hi", n: 2 } }, { name: "terminate", args: { response: "bye" } }]);
    const result = await runEngine(engine, request([noop, terminate]));
    assert.equal(result.error, undefined);
    assert.equal(engine.results[0]?.content, "map[message:hi n:2]");
    assert.deepEqual([engine.results[1]?.content, engine.results[1]?.terminate], ["bye", true]);
  });

  test("terminate without a response fails as in ARK", async () => {
    const result = await runEngine(new CallingEngine([{ name: "terminate", args: {} }]), request([terminate]));
    assert.ok(result.error instanceof ToolCallError);
    assert.equal((result.error as Error).message, "tool 'terminate' failed: no response");
  });

  test("an unknown tool name fails with ToolNotFoundError listing the agent's tools", async () => {
    const result = await runEngine(new CallingEngine([{ name: "nope" }]), request([noop]));
    assert.ok(result.error instanceof ToolNotFoundError);
    assert.equal((result.error as Error).message, "tool 'nope' is not a tool of this agent (its tools: noop)");
  });

  test("arguments that are not a JSON object fail the call", async () => {
    const result = await runEngine(new CallingEngine([{ name: "noop", args: "[1,2" }]), request([noop]));
    assert.ok(result.error instanceof ToolCallError);
    assert.match((result.error as Error).message, /^tool 'noop' failed: failed to parse arguments: /);
  });

  test("a tool requiring approval fails with ToolApprovalRequiredError when no approval support is wired, and is never run", async () => {
    seen.length = 0;
    const tool = http("guarded", {}, { approval: { required: true, onTimeout: "reject" } });
    const result = await runEngine(new CallingEngine([{ name: "guarded" }]), request([tool]));
    assert.ok(result.error instanceof ToolApprovalRequiredError, String(result.error));
    assert.match((result.error as Error).message, /tool 'guarded' requires human approval/);
    assert.equal(seen.length, 0);
    assert.equal(result.toolCalls.length, 0);
  });

  test("the approval hook decides: approved runs, rejected and timed-out (reject) answer ARK's rejection texts, timeout with proceed runs", async () => {
    seen.length = 0;
    const decisions = ["approved", "rejected", "timeout", "timeout"] as const;
    let i = 0;
    const asked: string[] = [];
    const engine = new CallingEngine([{ name: "a" }, { name: "a" }, { name: "a" }, { name: "p" }]);
    const result = await runEngine(engine, request([
      http("a", {}, { approval: { required: true, onTimeout: "reject" } }),
      http("p", {}, { approval: { required: true, onTimeout: "proceed", timeoutMs: 1000 } }),
    ]), { tools: { approve: async (call) => {
      asked.push(call.tool.name);
      return decisions[i++] ?? "rejected";
    } } });
    assert.equal(result.error, undefined);
    assert.deepEqual(asked, ["a", "a", "a", "p"]);
    assert.equal(seen.length, 2);
    assert.deepEqual(engine.results.map((r) => [r.isError, r.rejected ?? false]), [[false, false], [true, true], [true, true], [false, false]]);
    assert.equal(engine.results[1]?.content, "Tool execution rejected by user");
    assert.equal(engine.results[2]?.content, "Tool execution rejected: approval timeout exceeded");
  });

  test("agent tools without a sub-query runner, unsupported tools and unknown builtins fail naming the tool and why", async () => {
    const agentTool: ToolConfig = { kind: "agent", name: "helper", description: "", inputSchema: {}, toolRef: "helper", agent: { name: "other", namespace: "default" } };
    let result = await runEngine(new CallingEngine([{ name: "helper", args: { input: "hi" } }]), request([agentTool]));
    assert.ok(result.error instanceof ToolUnavailableError);
    assert.match((result.error as Error).message, /^tool 'helper' cannot run: agent tools run as sub-Queries, and this execution has no ARK client/);

    const filtered = { ...noop, name: "filtered", unsupported: "its jq filter (spec.tools[].functions) is not supported by ark-sdk" } as ToolConfig;
    result = await runEngine(new CallingEngine([{ name: "filtered" }]), request([filtered]));
    assert.ok(result.error instanceof ToolUnavailableError);
    assert.equal((result.error as Error).message, "tool 'filtered' cannot run: its jq filter (spec.tools[].functions) is not supported by ark-sdk");

    result = await runEngine(new CallingEngine([{ name: "x" }]), request([{ ...noop, name: "x", builtin: { name: "sleep" } } as ToolConfig]));
    assert.ok(result.error instanceof ToolCallError);
    assert.match((result.error as Error).message, /unsupported builtin tool 'sleep'/);
  });

  test("a request with only mcpServers lists their tools as MCP tools", async () => {
    const engine = new CallingEngine([]);
    await runEngine(engine, engineRequest({ mcpServers: [{ name: "fs", url: "http://127.0.0.1:1/mcp", transport: "http", timeout: "30s", headers: {}, tools: ["read", "write"] }] }));
    assert.deepEqual(engine.listed, ["mcp:read", "mcp:write"]);
  });
});
