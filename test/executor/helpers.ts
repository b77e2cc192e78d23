// Shared pieces of the executor tests: a test engine whose behaviour follows its input, a client that posts
// like ARK's Go controller, and a recording broker on loopback.
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BaseExecutor, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { onAbort } from "../../src/core/abort.js";

/** One call the test engine saw. */
export interface SeenCall {
  request: ExecutionEngineRequest;
  ctx: ExecutionContext;
  /** Resolves with the abort reason once ctx.signal fires. */
  aborted: Promise<unknown>;
}

/**
 * An engine for tests. Inputs: `fail` throws; `wait` blocks until ctx.signal aborts; `sleep:<ms>` answers after
 * ms ignoring the signal; `stream` streams chunks and a tool call; `golden` answers with tool messages and usage;
 * anything else is echoed.
 */
export class TestEngine extends BaseExecutor {
  readonly calls: SeenCall[] = [];
  private waiters: ((call: SeenCall) => void)[] = [];

  constructor(name = "MyEngine") {
    super(name);
  }

  /** Resolves with the next call (or the n-th already seen). */
  nextCall(): Promise<SeenCall> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const aborted = new Promise<unknown>((resolve) => onAbort(ctx.signal, resolve));
    const call = { request, ctx, aborted };
    this.calls.push(call);
    this.waiters.shift()?.(call);
    const input = request.userInput.content;
    if (input === "fail") throw new Error("model exploded");
    if (input === "wait") {
      await aborted;
      throw ctx.signal.reason;
    }
    if (input.startsWith("sleep:")) {
      await new Promise((r) => setTimeout(r, Number(input.slice(6))));
      return [{ role: "assistant", content: `slept ${input.slice(6)}` }];
    }
    if (input === "stream") {
      await ctx.streamChunk("Sunny ");
      await ctx.streamToolCall("lookup", { q: "weather" }, "call-1");
      await ctx.streamChunk("today");
      ctx.reportUsage({ promptTokens: 4, completionTokens: 2, totalTokens: 6 });
      return [{ role: "assistant", content: "Sunny today" }];
    }
    if (input === "Is 2 < 3 & why?") {
      ctx.reportUsage({ promptTokens: 10, completionTokens: 4, totalTokens: 14, cachedTokens: 3 });
      ctx.reportUsage({ promptTokens: 2, completionTokens: 1, totalTokens: 3 });
      return [
        { role: "assistant", content: "", toolCalls: [{ id: "call-1", type: "function", function: { name: "lookup", arguments: '{"q":"weather"}' } }] },
        { role: "tool", content: "sunny", toolCallId: "call-1" },
        { role: "assistant", content: `echo: ${input}`, name: "weather-agent" },
      ];
    }
    return [{ role: "assistant", content: `echo: ${input}` }];
  }
}

/** The answer of a raw HTTP call. */
export interface RawAnswer {
  status: number;
  headers: IncomingMessage["headers"];
  text: string;
  json: unknown;
}

/** POSTs `body` exactly as ARK's Go controller does (its headers, byte for byte body). */
export function postLikeController(url: string, body: string | Buffer, options: { signal?: AbortSignal; path?: string } = {}): Promise<RawAnswer> {
  const target = new URL(options.path ?? "/", url);
  const payload = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      target,
      {
        method: "POST",
        signal: options.signal,
        headers: {
          "User-Agent": "Go-http-client/1.1",
          "Content-Length": payload.length,
          Accept: "application/json",
          "Content-Type": "application/json; charset=utf-8",
          "Accept-Encoding": "gzip",
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** A JSON-RPC `message/send` body carrying a QueryRef. */
export function sendBody(input: string, ref: Record<string, unknown> = { name: "q1", namespace: "team-a" }, extra: { contextId?: string; id?: string | number; method?: string; blocking?: boolean } = {}): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id: extra.id ?? 1,
    method: extra.method ?? "message/send",
    params: {
      configuration: { blocking: extra.blocking ?? true },
      message: {
        kind: "message", role: "user", messageId: `m-${Math.random().toString(16).slice(2)}`,
        ...(extra.contextId ? { contextId: extra.contextId } : {}),
        parts: [{ kind: "text", text: input }],
        metadata: { "https://github.com/mckinsey/agents-at-scale-ark/tree/main/ark/api/extensions/query/v1/ref": ref },
        extensions: ["https://github.com/mckinsey/agents-at-scale-ark/tree/main/ark/api/extensions/query/v1"],
      },
    },
  });
}

/** One call the recording broker received. */
export interface BrokerCall {
  path: string;
  contentType: string;
  body: unknown;
}

/** A real broker stand-in on loopback that records every call in arrival order. */
export async function startRecordingBroker(): Promise<{ url: string; port: number; calls: BrokerCall[]; server: Server; close: () => Promise<void>; failNext: (status: number) => void }> {
  const calls: BrokerCall[] = [];
  let failures: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the raw text
      }
      calls.push({ path: req.url ?? "", contentType: req.headers["content-type"] ?? "", body });
      const status = failures.shift() ?? 200;
      res.writeHead(status, { "Content-Type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    server,
    failNext: (status) => (failures = [...failures, status]),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The request an engine gets for a plain agent (for StaticQueryResolver). */
export function plainRequest(agent = "weather-agent"): Omit<ExecutionEngineRequest, "userInput" | "conversationId"> {
  return {
    agent: { name: agent, namespace: "team-a", prompt: "You forecast.", description: "", parameters: [], model: { name: "gpt-4.1", type: "openai", config: {} }, labels: {}, annotations: {} },
    mcpServers: [],
    queryAnnotations: {},
    executionEngineAnnotations: {},
  };
}
