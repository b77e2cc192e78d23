// ctx.tools for MCP tools against a real MCP SDK server on loopback (startLocalMcpServer), over streamable HTTP and
// SSE: headers (bearer token), one client per server per execution closed at the end, in-band tool errors, the
// tool-call timeout, cancellation mid-call (the server sees the cancel), and an unreachable server failing the call.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { BaseExecutor, ToolCallError, ToolUnavailableError, type ExecutionContext, type ExecutionEngineRequest, type MCPServerConfig, type Message, type ToolConfig, type ToolResult } from "ark-sdk/executor";
import { engineRequest, runEngine, startLocalMcpServer, type LocalMcpServer } from "ark-sdk/testing";

let mcp: LocalMcpServer;

before(async () => {
  mcp = await startLocalMcpServer({
    requireAuthorization: "Bearer tok-1",
    tools: {
      add: {
        description: "Adds two numbers",
        inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
        handler: ({ a, b }) => String(Number(a) + Number(b)),
      },
      parts: { handler: () => ({ content: [{ type: "text", text: "one " }, { type: "text", text: "two" }, { type: "image", data: "AAAA", mimeType: "image/png" }] }) },
      oops: { handler: () => ({ content: [{ type: "text", text: "city not found" }], isError: true }) },
      slow: {
        // Answers only when canceled (with an error).
        handler: (_args, { signal }) => new Promise<string>((_resolve, reject) => {
          signal.addEventListener("abort", () => reject(new Error("canceled")), { once: true });
        }),
      },
    },
  });
});

after(async () => {
  await mcp.close();
});

function server(name: string, url: string, transport: string, extra: Partial<MCPServerConfig> = {}): MCPServerConfig {
  return { name, url, transport, timeout: "5s", toolCallTimeout: "5s", headers: { Authorization: "Bearer tok-1" }, tools: [], ...extra };
}

function mcpTool(name: string, serverName: string, toolName = name): ToolConfig {
  return { kind: "mcp", name, description: "", inputSchema: { type: "object", properties: {} }, toolRef: name, mcp: { server: serverName, toolName } };
}

class CallingEngine extends BaseExecutor {
  results: ToolResult[] = [];
  constructor(private readonly calls: { name: string; args?: Record<string, unknown> }[]) {
    super("calling");
  }
  async executeAgent(_request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    for (const [i, call] of this.calls.entries()) this.results.push(await ctx.tools.call(call.name, call.args, { toolCallId: `c${i}` }));
    return [{ role: "assistant", content: this.results.map((r) => r.content).join("|") }];
  }
}

async function eventually(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  return Promise.race([work, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no outcome within ${ms} ms`)), ms).unref())]);
}

for (const transport of ["http", "sse"] as const) {
  describe(`ctx.tools: MCP over ${transport}`, () => {
    const url = () => (transport === "http" ? mcp.url : mcp.sseUrl);

    test("calls run on one client per server per execution, with the server's headers; the client closes when the execution ends", async () => {
      const calls0 = mcp.calls.length;
      const opened0 = mcp.sessionsOpened[transport];
      const closed0 = mcp.sessionsClosed[transport];
      const engine = new CallingEngine([{ name: "sum", args: { a: 2, b: 3 } }, { name: "parts" }, { name: "oops" }]);
      const request = engineRequest({ mcpServers: [server("calc", url(), transport)], agent: { tools: [mcpTool("sum", "calc", "add"), mcpTool("parts", "calc"), mcpTool("oops", "calc")] } });
      const result = await runEngine(engine, request);
      assert.equal(result.error, undefined, String(result.error));
      const seen = mcp.calls.slice(calls0);
      assert.deepEqual(seen.map((c) => [c.tool, c.arguments, c.transport]), [["add", { a: 2, b: 3 }, transport], ["parts", {}, transport], ["oops", {}, transport]]);
      assert.ok(seen.every((c) => c.headers.authorization === "Bearer tok-1"));
      assert.equal(mcp.sessionsOpened[transport] - opened0, 1, "one session for three calls");
      assert.equal(engine.results[0]?.content, "5");
      // ARK joins text parts as they are and writes other parts as indented JSON.
      assert.equal(engine.results[1]?.content, `one two${JSON.stringify({ type: "image", data: "AAAA", mimeType: "image/png" }, null, 2)}`);
      assert.deepEqual([engine.results[2]?.content, engine.results[2]?.isError], ["city not found", true]);
      await eventually("the session to close", () => mcp.sessionsClosed[transport] - closed0 === 1);
    });

    test("cancellation mid-call cancels the MCP request (the server's handler sees it) and the execution ends with the abort cause", async () => {
      const controller = new AbortController();
      const calls0 = mcp.calls.length;
      const closed0 = mcp.sessionsClosed[transport];
      const pending = runEngine(new CallingEngine([{ name: "slow" }]), engineRequest({ mcpServers: [server("s", url(), transport)], agent: { tools: [mcpTool("slow", "s")] } }), { signal: controller.signal, timeoutMs: 10_000 });
      await eventually("the call to reach the server", () => mcp.calls.length > calls0);
      controller.abort();
      const result = await pending;
      assert.equal((result.error as { abortCause?: string }).abortCause, "task-canceled");
      await eventually("the server to see the cancel", () => mcp.calls[calls0]?.canceled === true);
      await eventually("the session to close", () => mcp.sessionsClosed[transport] - closed0 === 1);
    });

    test("a call's own signal cancels just that call (the server sees the cancel) and the session serves the next call", async () => {
      const calls0 = mcp.calls.length;
      const opened0 = mcp.sessionsOpened[transport];
      class AbortingEngine extends BaseExecutor {
        constructor() {
          super("aborting");
        }
        async executeAgent(_request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
          const controller = new AbortController();
          const slow = ctx.tools.call("slow", {}, { signal: controller.signal });
          await eventually("the slow call to reach the server", () => mcp.calls.length > calls0);
          controller.abort();
          const error = await within(3_000, slow.catch((e: unknown) => e));
          assert.ok(error instanceof ToolCallError, String(error));
          await eventually("the server to see the cancel", () => mcp.calls[calls0]?.canceled === true, 3_000);
          assert.equal(mcp.sessionsClosed[transport], closedBefore, "the session is still open");
          return [{ role: "assistant", content: (await ctx.tools.call("sum", { a: 1, b: 2 })).content }];
        }
      }
      const closedBefore = mcp.sessionsClosed[transport];
      const result = await runEngine(new AbortingEngine(), engineRequest({ mcpServers: [server("s", url(), transport, { toolCallTimeout: "60s" })], agent: { tools: [mcpTool("slow", "s"), mcpTool("sum", "s", "add")] } }), { timeoutMs: 15_000 });
      assert.equal(result.error, undefined, String(result.error));
      assert.equal(result.text, "3");
      assert.equal(mcp.sessionsOpened[transport] - opened0, 1);
    });

    test("the tool-call timeout bounds a call", async () => {
      const calls0 = mcp.calls.length;
      const result = await runEngine(new CallingEngine([{ name: "slow" }]), engineRequest({ mcpServers: [server("s", url(), transport, { toolCallTimeout: "200ms" })], agent: { tools: [mcpTool("slow", "s")] } }), { timeoutMs: 10_000 });
      assert.ok(result.error instanceof ToolCallError, String(result.error));
      assert.match((result.error as Error).message, /^tool 'slow' failed: MCP server 's' did not answer tools\/call 'slow' within 200 ms/);
      await eventually("the server to see the cancel", () => mcp.calls[calls0]?.canceled === true);
    });

    test("a wrong bearer token fails the call naming the server", async () => {
      const result = await runEngine(new CallingEngine([{ name: "sum", args: { a: 1, b: 1 } }]), engineRequest({ mcpServers: [server("calc", url(), transport, { headers: { Authorization: "Bearer wrong" } })], agent: { tools: [mcpTool("sum", "calc", "add")] } }));
      assert.ok(result.error instanceof ToolCallError, String(result.error));
      assert.match((result.error as Error).message, new RegExp(`^tool 'sum' failed: cannot connect to MCP server 'calc' at ${url().replace(/[/.]/g, "\\$&")} \\(${transport}\\)`));
    });
  });
}

describe("ctx.tools: MCP failures", () => {
  test("an unreachable server fails the call; an unknown transport makes the tool unavailable", async () => {
    let result = await runEngine(new CallingEngine([{ name: "x" }]), engineRequest({ mcpServers: [server("gone", "http://127.0.0.1:1/mcp", "http")], agent: { tools: [mcpTool("x", "gone")] } }));
    assert.ok(result.error instanceof ToolCallError);
    assert.match((result.error as Error).message, /cannot connect to MCP server 'gone'/);
    result = await runEngine(new CallingEngine([{ name: "x" }]), engineRequest({ mcpServers: [server("ws", mcp.url, "websocket")], agent: { tools: [mcpTool("x", "ws")] } }));
    assert.ok(result.error instanceof ToolUnavailableError);
    assert.equal((result.error as Error).message, "tool 'x' cannot run: MCP server 'ws' uses transport 'websocket'; ARK (and ark-sdk) support http and sse");
  });

  test("a tool whose server is not in the request cannot run", async () => {
    const result = await runEngine(new CallingEngine([{ name: "x" }]), engineRequest({ agent: { tools: [mcpTool("x", "nowhere")] } }));
    assert.ok(result.error instanceof ToolUnavailableError);
    assert.equal((result.error as Error).message, "tool 'x' cannot run: its MCP server 'nowhere' is not among the request's mcpServers");
  });
});
