// The example engines (examples/engines/openai-agent.ts, ai-sdk-agent.ts), each a full tool loop in one library call,
// tested with the engine test kit only: the local model server scripts the model, the local MCP server serves an MCP
// tool, a node:http server on loopback is the http tool's endpoint. Both engines must behave the same: tools streamed and run, results back to the model, usage
// summed, the messages ARK records, and a tool that fails (or needs approval the engine lacks) failing the execution.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { BaseExecutor, ToolConfig } from "ark-sdk/executor";
import { engineRequest, runEngine, startLocalMcpServer, startLocalModelServer, type LocalMcpServer, type LocalModelServer } from "ark-sdk/testing";
import { AiSdkAgentExecutor } from "../../examples/engines/ai-sdk-agent.js";
import { OpenAIAgentExecutor } from "../../examples/engines/openai-agent.js";
import { eventually } from "../helpers/deadline.js";

let model: LocalModelServer;
let mcp: LocalMcpServer;
let http: Server;
let httpUrl: string;
const httpSeen: string[] = [];
let httpClosedMidCall = 0;
let onHang: () => void = () => undefined;

before(async () => {
  model = await startLocalModelServer({ apiKey: "test-key", replies: [] });
  mcp = await startLocalMcpServer({
    requireAuthorization: "Bearer mcp-token",
    tools: { add: { description: "Adds two numbers", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } }, handler: ({ a, b }) => String(Number(a) + Number(b)) } },
  });
  http = createServer((req, res) => {
    httpSeen.push(req.url ?? "");
    if (req.url?.startsWith("/hang")) {
      res.on("close", () => void (res.writableEnded || httpClosedMidCall++));
      onHang();
      return;
    }
    if (req.url?.startsWith("/missing")) return void res.writeHead(404).end("no such city");
    const city = new URL(req.url ?? "/", "http://x").searchParams.get("city");
    res.writeHead(200, { "content-type": "text/plain" }).end(`${city}: 21C`);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

after(async () => {
  await model.close();
  await mcp.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});

function weather(path = "/weather", extra: Partial<ToolConfig> = {}): ToolConfig {
  return {
    kind: "http", name: "weather", description: "Current weather of a city", toolRef: "weather",
    inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    http: { url: `${httpUrl}${path}?city={city}`, method: "GET", headers: {}, bodyParameters: {}, timeoutMs: 10_000 },
    ...extra,
  } as ToolConfig;
}
const noop: ToolConfig = { kind: "builtin", name: "noop", description: "Does nothing", inputSchema: { type: "object", properties: { message: { type: "string" } } }, toolRef: "noop", builtin: { name: "noop" } };

const add: ToolConfig = { kind: "mcp", name: "add", description: "Adds two numbers", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } }, toolRef: "add", mcp: { server: "calc", toolName: "add" } };

function request(tools: ToolConfig[]) {
  const mcpServers = [{ name: "calc", url: mcp.url, transport: "http", timeout: "5s", toolCallTimeout: "5s", headers: { Authorization: "Bearer mcp-token" }, tools: ["add"] }];
  return engineRequest({ input: "Weather in Paris?", modelUrl: model.url, mcpServers, agent: { prompt: "You are a weather bot.", tools } });
}

const engines: [string, () => BaseExecutor][] = [
  ["openai (runTools)", () => new OpenAIAgentExecutor()],
  ["AI SDK (streamText)", () => new AiSdkAgentExecutor()],
];

for (const [label, make] of engines) {
  describe(`example engine: ${label}`, () => {
    it("runs a tool loop: parallel MCP + http + builtin calls streamed to ARK, results back to the model, usage summed, messages recorded", async () => {
      const before = model.requests.length;
      httpSeen.length = 0;
      model.reply(
        { content: "Let me check.", toolCalls: [{ id: "call_w", name: "weather", arguments: { city: "Paris" } }, { id: "call_n", name: "noop", arguments: { message: "hi" } }, { id: "call_a", name: "add", arguments: { a: 2, b: 3 } }], chunkSize: 3, usage: { promptTokens: 20, completionTokens: 8 } },
        { content: "It is 21C in Paris.", chunkSize: 5, usage: { promptTokens: 40, completionTokens: 6 } },
      );
      const mcpBefore = mcp.calls.length;
      const result = await runEngine(make(), request([weather(), noop, add]));
      assert.equal(result.error, undefined, String(result.error));
      assert.equal(model.requests.length - before, 2, "two model calls");
      assert.deepEqual(httpSeen, ["/weather?city=Paris"]);
      assert.deepEqual(mcp.calls.slice(mcpBefore).map((c) => [c.tool, c.arguments, c.headers.authorization]), [["add", { a: 2, b: 3 }, "Bearer mcp-token"]]);
      assert.equal(result.chunks.join(""), "Let me check.It is 21C in Paris.");
      assert.ok(result.chunks.length > 3, `the answer streamed in pieces (${result.chunks.length})`);
      assert.deepEqual(result.toolCalls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)]), [["call_w", "weather", { city: "Paris" }], ["call_n", "noop", { message: "hi" }], ["call_a", "add", { a: 2, b: 3 }]]);
      assert.deepEqual(result.usage, { promptTokens: 60, completionTokens: 14, totalTokens: 74 });

      const [first, second] = model.requests.slice(before);
      assert.deepEqual((first!.body.tools as { function: { name: string; description: string } }[]).map((t) => [t.function.name, t.function.description]), [["weather", "Current weather of a city"], ["noop", "Does nothing"], ["add", "Adds two numbers"]]);
      const sent = first!.body.messages as { role: string; content: unknown }[];
      assert.deepEqual(sent.map((m) => [m.role, m.content]), [["system", "You are a weather bot."], ["user", "Weather in Paris?"]]);
      const toolMessages = (second!.body.messages as { role: string; tool_call_id?: string; content: unknown }[]).filter((m) => m.role === "tool");
      assert.deepEqual(toolMessages.map((m) => m.tool_call_id), ["call_w", "call_n", "call_a"]);
      assert.equal(toolMessages[0]!.content, "Paris: 21C");
      assert.equal(toolMessages[2]!.content, "5");

      assert.deepEqual(result.messages.map((m) => [m.role, m.content, m.toolCalls?.map((c) => c.id) ?? m.toolCallId ?? null]), [
        ["assistant", "Let me check.", ["call_w", "call_n", "call_a"]],
        ["tool", "Paris: 21C", "call_w"],
        ["tool", result.messages[2]!.content, "call_n"],
        ["tool", "5", "call_a"],
        ["assistant", "It is 21C in Paris.", null],
      ]);
      assert.equal(result.text, "Let me check.It is 21C in Paris.");
    });

    it("a tool that fails fails the execution with the tool's error, and the model is not called again", async () => {
      const before = model.requests.length;
      model.reply({ toolCalls: [{ id: "call_m", name: "weather", arguments: { city: "Atlantis" } }] });
      const result = await runEngine(make(), request([weather("/missing")]));
      assert.equal((result.error as Error | undefined)?.name, "ToolCallError", String(result.error));
      assert.match(String(result.error), /weather/);
      assert.equal(model.requests.length - before, 1, "the model was not called again after the failure");
    });

    it("a tool that needs approval the engine lacks fails the execution naming the tool", async () => {
      model.reply({ toolCalls: [{ id: "call_a", name: "weather", arguments: { city: "Paris" } }] });
      httpSeen.length = 0;
      const result = await runEngine(make(), request([weather("/weather", { approval: { required: true, onTimeout: "reject" } })]));
      assert.equal((result.error as Error | undefined)?.name, "ToolApprovalRequiredError", String(result.error));
      assert.match(String(result.error), /weather/);
      assert.deepEqual(httpSeen, [], "the tool did not run");
    });

    it("cancellation mid-tool-call aborts the tool's request and ends the execution promptly", async () => {
      model.reply({ toolCalls: [{ id: "call_h", name: "weather", arguments: { city: "Paris" } }] });
      const closedBefore = httpClosedMidCall;
      const cancel = new AbortController();
      onHang = () => cancel.abort();
      const result = await runEngine(make(), request([weather("/hang")]), { signal: cancel.signal, timeoutMs: 10_000 });
      assert.equal((result.error as Error | undefined)?.name, "ExecutionAbortedError", String(result.error));
      assert.ok(result.durationMs < 3_000, `ended promptly (${Math.round(result.durationMs)} ms)`);
      await eventually(() => httpClosedMidCall > closedBefore, "the http tool's request to be aborted", 3_000);
    });
  });
}
