/**
 * A local MCP server for engine tests: a real `@modelcontextprotocol/sdk`
 * server on loopback serving the tools you give it (JSON Schemas as they
 * are) over streamable HTTP (`url`, `/mcp`) and SSE (`sseUrl`, `/sse`).
 * Every call is recorded with the headers it came with, whether the client
 * canceled it, and the sessions opened and closed, for assertions. The MCP
 * SDK is an optional peer: it is loaded when a server starts.
 */

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ArkSdkError, errorMessage } from "../core/errors.js";
import type { Server as McpServer } from "@modelcontextprotocol/sdk/server/index.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";

/** What a tool handler receives besides the arguments. */
export interface LocalMcpToolContext {
  /** Fires when the client cancels the call (or the server closes). */
  signal: AbortSignal;
  /** The HTTP headers of the request that carried the call (lower-case names). */
  headers: Readonly<Record<string, string>>;
}

/** A tool's answer: text, or an MCP `CallToolResult` (`{ content, isError?, structuredContent? }`). */
export type LocalMcpToolAnswer = string | { content: Record<string, unknown>[]; isError?: boolean; structuredContent?: Record<string, unknown> };

/** One tool of the server. */
export interface LocalMcpTool {
  /** What it does (listed by `tools/list`). */
  description?: string;
  /** JSON Schema of its arguments (default `{ type: "object" }`). */
  inputSchema?: Record<string, unknown>;
  /** Answers a call; a throw becomes an MCP error answer. */
  handler: (args: Record<string, unknown>, ctx: LocalMcpToolContext) => LocalMcpToolAnswer | Promise<LocalMcpToolAnswer>;
}

/** Options of {@link startLocalMcpServer}. */
export interface LocalMcpServerOptions {
  /** The tools, by name. */
  tools: Record<string, LocalMcpTool>;
  /** The server's name in `initialize` (default `local-mcp`). */
  name?: string | undefined;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number | undefined;
  /** Answer 401 to requests without exactly this `Authorization` header. */
  requireAuthorization?: string | undefined;
}

/** A recorded tool call. */
export interface LocalMcpCall {
  tool: string;
  arguments: Record<string, unknown>;
  headers: Readonly<Record<string, string>>;
  transport: "http" | "sse";
  /** Whether the client canceled it before it answered. */
  canceled: boolean;
}

/** A running {@link startLocalMcpServer}. */
export interface LocalMcpServer {
  /** The streamable HTTP endpoint (`http://127.0.0.1:<port>/mcp`): an MCPServer with `transport: http`. */
  readonly url: string;
  /** The SSE endpoint (`http://127.0.0.1:<port>/sse`): an MCPServer with `transport: sse`. */
  readonly sseUrl: string;
  /** Every tool call, in order of arrival. */
  readonly calls: readonly LocalMcpCall[];
  /** Sessions opened (each `initialize`), by transport. */
  readonly sessionsOpened: { http: number; sse: number };
  /** Sessions that ended (streamable HTTP `DELETE`, SSE stream closed). */
  readonly sessionsClosed: { http: number; sse: number };
  /** Sessions open now. */
  readonly openSessions: number;
  /** Stops the server and closes every session. */
  close(): Promise<void>;
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The MCP SDK is missing, or the server could not start. */
export class LocalMcpServerError extends ArkSdkError {}

async function loadSdk() {
  try {
    const [server, http, sse, types] = await Promise.all([
      import("@modelcontextprotocol/sdk/server/index.js"),
      import("@modelcontextprotocol/sdk/server/streamableHttp.js"),
      import("@modelcontextprotocol/sdk/server/sse.js"),
      import("@modelcontextprotocol/sdk/types.js"),
    ]);
    return { Server: server.Server, StreamableHTTPServerTransport: http.StreamableHTTPServerTransport, SSEServerTransport: sse.SSEServerTransport, types };
  } catch (error) {
    throw new LocalMcpServerError(`startLocalMcpServer needs the optional peer dependency @modelcontextprotocol/sdk (${errorMessage(error)}); install it: npm install --save-dev @modelcontextprotocol/sdk`, { cause: error });
  }
}

function headersOf(req: IncomingMessage | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req?.headers ?? {})) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? undefined : JSON.parse(text);
}

/**
 * Starts a local MCP server on 127.0.0.1.
 * @throws LocalMcpServerError when `@modelcontextprotocol/sdk` is not installed
 * @example
 * await using mcp = await startLocalMcpServer({ tools: {
 *   add: { description: "Adds", inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
 *          handler: ({ a, b }) => String(Number(a) + Number(b)) },
 * } });
 * // MCPServer spec.address.value: mcp.url (transport http) or mcp.sseUrl (transport sse)
 */
export async function startLocalMcpServer(options: LocalMcpServerOptions): Promise<LocalMcpServer> {
  const sdk = await loadSdk();
  const calls: LocalMcpCall[] = [];
  const sessionsOpened = { http: 0, sse: 0 };
  const sessionsClosed = { http: 0, sse: 0 };
  const httpSessions = new Map<string, { transport: InstanceType<typeof sdk.StreamableHTTPServerTransport>; server: McpServer }>();
  const sseSessions = new Map<string, { transport: InstanceType<typeof sdk.SSEServerTransport>; server: McpServer }>();
  const lastHeaders = new WeakMap<Transport, Record<string, string>>();

  const makeServer = (transport: "http" | "sse", headersFor: () => Record<string, string>): McpServer => {
    const server = new sdk.Server({ name: options.name ?? "local-mcp", version: "1.0.0" }, { capabilities: { tools: {} } });
    server.setRequestHandler(sdk.types.ListToolsRequestSchema, () => ({
      tools: Object.entries(options.tools).map(([name, tool]) => ({
        name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        inputSchema: (tool.inputSchema ?? { type: "object" }) as { type: "object" },
      })),
    }));
    server.setRequestHandler(sdk.types.CallToolRequestSchema, async (request, extra) => {
      const name = request.params.name;
      const args = (request.params.arguments ?? {});
      const headers = headersFor();
      const call: LocalMcpCall = { tool: name, arguments: args, headers, transport, canceled: false };
      calls.push(call);
      const tool = Object.prototype.hasOwnProperty.call(options.tools, name) ? options.tools[name] : undefined;
      if (!tool) throw new sdk.types.McpError(sdk.types.ErrorCode.InvalidParams, `unknown tool '${name}'`);
      extra.signal.addEventListener("abort", () => (call.canceled = true), { once: true });
      const answer = await tool.handler(args, { signal: extra.signal, headers });
      return typeof answer === "string" ? { content: [{ type: "text", text: answer }] } : answer;
    });
    return server;
  };

  const denied = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (options.requireAuthorization === undefined || req.headers.authorization === options.requireAuthorization) return false;
    res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "unauthorized" }));
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (denied(req, res)) return;
    if (url.pathname === "/mcp") {
      const sessionId = req.headers["mcp-session-id"];
      const existing = typeof sessionId === "string" ? httpSessions.get(sessionId) : undefined;
      const body = req.method === "POST" ? await readJson(req) : undefined;
      if (existing) {
        lastHeaders.set(existing.transport, headersOf(req));
        await existing.transport.handleRequest(req, res, body);
        return;
      }
      if (req.method !== "POST" || typeof sessionId === "string") {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: "Session not found" }, id: null }));
        return;
      }
      const transport: InstanceType<typeof sdk.StreamableHTTPServerTransport> = new sdk.StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessionsOpened.http++;
          httpSessions.set(id, { transport, server });
        },
        onsessionclosed: (id) => {
          if (httpSessions.delete(id)) sessionsClosed.http++;
        },
      });
      lastHeaders.set(transport, headersOf(req));
      const server = makeServer("http", () => lastHeaders.get(transport) ?? {});
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
      return;
    }
    if (url.pathname === "/sse" && req.method === "GET") {
      const transport = new sdk.SSEServerTransport("/messages", res);
      lastHeaders.set(transport, headersOf(req));
      const server = makeServer("sse", () => lastHeaders.get(transport) ?? {});
      sseSessions.set(transport.sessionId, { transport, server });
      sessionsOpened.sse++;
      res.on("close", () => {
        if (sseSessions.delete(transport.sessionId)) sessionsClosed.sse++;
        void server.close().catch(() => undefined);
      });
      await server.connect(transport);
      return;
    }
    if (url.pathname === "/messages" && req.method === "POST") {
      const session = sseSessions.get(url.searchParams.get("sessionId") ?? "");
      if (!session) {
        res.writeHead(404).end("unknown session");
        return;
      }
      lastHeaders.set(session.transport, headersOf(req));
      await session.transport.handlePostMessage(req, res, await readJson(req));
      return;
    }
    res.writeHead(404).end("not found");
  };

  const http: HttpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(errorMessage(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", (error) => reject(new LocalMcpServerError(`local MCP server cannot listen: ${errorMessage(error)}`, { cause: error })));
    http.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      const sessions = [...httpSessions.values(), ...sseSessions.values()];
      httpSessions.clear();
      sseSessions.clear();
      await Promise.all(sessions.map((s) => s.server.close().catch(() => undefined)));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    })();
    return closing;
  };
  return {
    url: `${base}/mcp`,
    sseUrl: `${base}/sse`,
    calls,
    sessionsOpened,
    sessionsClosed,
    get openSessions() {
      return httpSessions.size + sseSessions.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
