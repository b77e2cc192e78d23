/**
 * MCP tool calls through `@modelcontextprotocol/sdk` (an optional peer,
 * imported only when an execution first calls an MCP tool). One client per
 * server per execution, connected on first use with the server's transport
 * (`http`: streamable HTTP, `sse`), its headers (bearer token and overrides
 * included), its connection timeout, and closed when the execution ends.
 * Results are joined as ARK's engine joins them: text parts as they are,
 * other parts as indented JSON.
 */

import { errorMessage } from "../../core/errors.js";
import { parseGoDuration } from "../../core/go-duration.js";
import type { MCPServerConfig } from "../types.js";
import type { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import type { Transport as McpTransport } from "@modelcontextprotocol/sdk/shared/transport.js";

/** The MCP SDK's modules this file uses, loaded once per process. */
interface McpModules {
  Client: typeof import("@modelcontextprotocol/sdk/client/index.js").Client;
  StreamableHTTPClientTransport: typeof import("@modelcontextprotocol/sdk/client/streamableHttp.js").StreamableHTTPClientTransport;
  SSEClientTransport: typeof import("@modelcontextprotocol/sdk/client/sse.js").SSEClientTransport;
}

let modules: Promise<McpModules> | undefined;

/** Why an MCP call could not be made at all (missing SDK, unsupported transport): the tool is unavailable. */
export class McpUnavailable {
  constructor(readonly reason: string, readonly cause?: unknown) {}
}

/** A failed MCP call (connection, protocol error, timeout), as a message. */
export class McpFailure {
  constructor(readonly message: string, readonly cause?: unknown) {}
}

async function loadModules(): Promise<McpModules | McpUnavailable> {
  modules ??= Promise.all([
    import("@modelcontextprotocol/sdk/client/index.js"),
    import("@modelcontextprotocol/sdk/client/streamableHttp.js"),
    import("@modelcontextprotocol/sdk/client/sse.js"),
  ]).then(([client, http, sse]) => ({ Client: client.Client, StreamableHTTPClientTransport: http.StreamableHTTPClientTransport, SSEClientTransport: sse.SSEClientTransport }));
  try {
    return await modules;
  } catch (error) {
    modules = undefined;
    return new McpUnavailable(`MCP tools need the optional peer dependency @modelcontextprotocol/sdk, which cannot be loaded (${errorMessage(error)}); install it: npm install @modelcontextprotocol/sdk`, error);
  }
}

function durationMs(text: string | undefined, fallbackMs: number): number {
  if (!text) return fallbackMs;
  try {
    const ms = parseGoDuration(text);
    return ms > 0 ? ms : fallbackMs;
  } catch {
    return fallbackMs;
  }
}

/** `work`'s outcome, or a rejection with `signal`'s reason as soon as it aborts (the work goes on for others). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error as Error);
      },
    );
  });
}

/** One connected MCP server. */
interface Session {
  client: McpClient;
  transport: McpTransport & { terminateSession?: () => Promise<void> };
}

/** The text ARK hands the model for an MCP result's content parts. */
export function mcpContentText(content: unknown): string {
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const part of content) {
    if (part !== null && typeof part === "object" && (part as { type?: unknown }).type === "text" && typeof (part as { text?: unknown }).text === "string") {
      out += (part as { text: string }).text;
    } else {
      out += JSON.stringify(part, null, 2);
    }
  }
  return out;
}

/** The MCP servers of one execution: connects each on first use, closes all at the end. */
export class McpSessions {
  private readonly sessions = new Map<string, Promise<Session | McpUnavailable | McpFailure>>();
  private closed = false;

  /** @param connectSignal - the execution's signal: a connection serves every call of the execution, so only the execution's end aborts it */
  constructor(private readonly connectSignal: () => AbortSignal) {}

  /** Whether any server was connected (or is being connected). */
  get used(): boolean {
    return this.sessions.size > 0;
  }

  private connect(server: MCPServerConfig): Promise<Session | McpUnavailable | McpFailure> {
    let session = this.sessions.get(server.name);
    if (!session) {
      session = this.open(server, this.connectSignal());
      this.sessions.set(server.name, session);
      // A failed connection is not kept: the next call tries again.
      void session.then((s) => {
        if (!("client" in s)) this.sessions.delete(server.name);
      });
    }
    return session;
  }

  private async open(server: MCPServerConfig, signal: AbortSignal): Promise<Session | McpUnavailable | McpFailure> {
    const sdk = await loadModules();
    if (sdk instanceof McpUnavailable) return sdk;
    let url: URL;
    try {
      url = new URL(server.url);
    } catch (error) {
      return new McpFailure(`MCP server '${server.name}' has an invalid address '${server.url}'`, error);
    }
    const requestInit: RequestInit = { headers: { ...server.headers } };
    let transport: Session["transport"];
    switch (server.transport || "http") {
      case "http":
        transport = new sdk.StreamableHTTPClientTransport(url, { requestInit });
        break;
      case "sse":
        transport = new sdk.SSEClientTransport(url, { requestInit });
        break;
      default:
        return new McpUnavailable(`MCP server '${server.name}' uses transport '${server.transport}'; ARK (and ark-sdk) support http and sse`);
    }
    const client = new sdk.Client({ name: "ark-sdk", version: "1" });
    const timeoutMs = durationMs(server.timeout, 30_000);
    try {
      await client.connect(transport, { signal, timeout: timeoutMs });
    } catch (error) {
      void client.close().catch(() => undefined);
      if (signal.aborted) throw signal.reason;
      return new McpFailure(`cannot connect to MCP server '${server.name}' at ${server.url} (${server.transport || "http"}): ${errorMessage(error)}`, error);
    }
    if (this.closed) {
      await this.closeSession({ client, transport });
      return new McpFailure(`the execution ended while connecting to MCP server '${server.name}'`);
    }
    return { client, transport };
  }

  /**
   * Calls `toolName` on `server`. Resolves with the result, or an
   * {@link McpUnavailable} / {@link McpFailure}; rejects only with `signal`'s reason.
   */
  async call(server: MCPServerConfig, toolName: string, args: Record<string, unknown>, signal: AbortSignal): Promise<{ content: string; isError: boolean; structured?: unknown } | McpUnavailable | McpFailure> {
    const session = await untilAborted(this.connect(server), signal);
    if (!("client" in session)) return session;
    const timeoutMs = durationMs(server.toolCallTimeout ?? server.timeout, 30_000);
    try {
      const result = await session.client.callTool({ name: toolName, arguments: args }, undefined, { signal, timeout: timeoutMs });
      const structured = (result as { structuredContent?: unknown }).structuredContent;
      return { content: mcpContentText(result.content), isError: result.isError === true, ...(structured === undefined ? {} : { structured }) };
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      const code = (error as { code?: unknown }).code;
      if (code === -32001) return new McpFailure(`MCP server '${server.name}' did not answer tools/call '${toolName}' within ${timeoutMs} ms (its tool-call timeout)`, error);
      return new McpFailure(`MCP server '${server.name}' tools/call '${toolName}': ${errorMessage(error)}`, error);
    }
  }

  private async closeSession(session: Session): Promise<void> {
    // Streamable HTTP: end the server's session (DELETE) before dropping the connection.
    await session.transport.terminateSession?.().catch(() => undefined);
    await session.client.close().catch(() => undefined);
  }

  /** Closes every connected client. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(pending.map(async (p) => {
      const session = await p.catch(() => undefined);
      if (session && "client" in session) await this.closeSession(session);
    }));
  }
}
