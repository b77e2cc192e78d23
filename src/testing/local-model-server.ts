/**
 * A local OpenAI-compatible model server for engine tests: real HTTP on
 * loopback answering `POST /v1/chat/completions` from a script (text, tool
 * calls, usage, errors such as 401/404/429/500, delays), streaming as SSE with
 * text and tool-call arguments split across deltas like real providers do
 * (several calls of one answer as parallel calls with their own `index`; usage
 * in a last chunk when the request asks `stream_options.include_usage`), and
 * stalled or dropped streams.
 * Every request is recorded for assertions. Point a Model's `baseUrl` (or
 * {@link engineRequest}'s model) at `server.url`.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ArkSdkError, errorMessage } from "../core/errors.js";
import { isRecord } from "../core/json.js";

/** A tool call the scripted model makes. */
export interface ScriptedToolCall {
  /** Default `call_<n>`. */
  id?: string;
  name: string;
  /** JSON text, or an object that is JSON-encoded. */
  arguments: string | Record<string, unknown>;
}

/** One scripted answer. */
export interface ScriptedReply {
  /** The assistant's text (default "" when there are tool calls, else "ok"). */
  content?: string;
  toolCalls?: ScriptedToolCall[];
  /** Token usage (default: 1 token per 4 characters of the prompt and the answer). */
  usage?: { promptTokens: number; completionTokens: number };
  /** Answer with this HTTP error status instead (401, 404, 429, 500…), as OpenAI shapes errors. */
  status?: number;
  /** The error's message (with `status`). */
  errorMessage?: string;
  /** `Retry-After` seconds (with `status`, e.g. 429). */
  retryAfterSeconds?: number;
  /** Wait this long before answering, ms (for timeouts and cancellation). */
  delayMs?: number;
  /** Characters per streamed delta (default 4). */
  chunkSize?: number;
  /** Streaming: wait this long between frames, ms (to cancel mid-stream). */
  chunkDelayMs?: number;
  /** Streaming: send this many frames, then stop sending and keep the connection open (an idle stream, for read timeouts). */
  stallAfterChunks?: number;
  /** Streaming: send this many frames, then reset the connection (a provider dropping mid-answer). */
  dropAfterChunks?: number;
}

/** A chat completion request as the server received it. */
export interface RecordedChatRequest {
  /** The parsed JSON body (`model`, `messages`, `tools`, `stream`, …). */
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** Whether the client closed the connection before the answer ended. */
  aborted: boolean;
}

/** The script: replies in order, or a function choosing each reply. */
export type ModelScript = readonly ScriptedReply[] | ((request: RecordedChatRequest, index: number) => ScriptedReply);

/** Options of {@link startLocalModelServer}. */
export interface LocalModelServerOptions {
  /** The replies (default: answer "ok" to everything). */
  replies?: ModelScript | undefined;
  /** Require `Authorization: Bearer <apiKey>` (401 otherwise). */
  apiKey?: string | undefined;
  /** The model names `GET /v1/models` lists (default `["test-model"]`). */
  models?: string[] | undefined;
  /** Loopback port (default: a free one). */
  port?: number | undefined;
}

/** A running local model server. */
export interface LocalModelServer {
  /** Base URL for OpenAI clients, ending in `/v1`. */
  readonly url: string;
  /** Every chat completion request, in arrival order. */
  readonly requests: RecordedChatRequest[];
  /** Appends replies to an array script. */
  reply(...replies: ScriptedReply[]): void;
  /** Stops the server and ends open connections. */
  close(): Promise<void>;
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** The local model server could not start. */
export class LocalModelServerError extends ArkSdkError {}

const approxTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

function promptText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return messages.map((m) => (isRecord(m) && typeof m.content === "string" ? m.content : "")).join("\n");
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

function openAIError(res: ServerResponse, status: number, message: string, retryAfter?: number): void {
  const type = status === 401 ? "invalid_request_error" : status === 404 ? "not_found_error" : status === 429 ? "rate_limit_exceeded" : "server_error";
  const code = status === 401 ? "invalid_api_key" : status === 404 ? "model_not_found" : status === 429 ? "rate_limit_exceeded" : null;
  sendJson(res, status, { error: { message, type, param: null, code } }, retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {});
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}

/** Starts a local OpenAI-compatible model server on 127.0.0.1. */
export async function startLocalModelServer(options: LocalModelServerOptions = {}): Promise<LocalModelServer> {
  const requests: RecordedChatRequest[] = [];
  const queue: ScriptedReply[] = typeof options.replies === "function" ? [] : [...(options.replies ?? [])];
  const script = typeof options.replies === "function" ? options.replies : undefined;
  let defaultAll = options.replies === undefined;
  let calls = 0;
  const open = new Set<ServerResponse>();

  const nextReply = (request: RecordedChatRequest): ScriptedReply | undefined => {
    const index = calls++;
    if (script) return script(request, index);
    if (defaultAll) return { content: "ok" };
    return queue.shift();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?")[0];
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return openAIError(res, 401, "Incorrect API key provided.");
    }
    if (req.method === "GET" && (path === "/v1/models" || path === "/models")) {
      return sendJson(res, 200, { object: "list", data: (options.models ?? ["test-model"]).map((id) => ({ id, object: "model", created: 0, owned_by: "ark-sdk" })) });
    }
    if (req.method !== "POST" || (path !== "/v1/chat/completions" && path !== "/chat/completions")) {
      return openAIError(res, 404, `no route for ${req.method} ${path}`);
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(await readBody(req));
      if (!isRecord(parsed)) throw new LocalModelServerError("the body is not a JSON object");
      body = parsed;
    } catch (error) {
      return openAIError(res, 400, `invalid JSON body: ${errorMessage(error)}`);
    }
    const record: RecordedChatRequest = { body, headers: { ...req.headers }, aborted: false };
    requests.push(record);
    const closed = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) record.aborted = true;
      closed.abort();
    });
    const reply = nextReply(record);
    if (!reply) return openAIError(res, 500, `the local model server has no scripted reply left for request ${requests.length}`);
    if (reply.delayMs) await sleep(reply.delayMs, closed.signal);
    if (closed.signal.aborted) return;
    if (reply.status !== undefined && reply.status >= 400) return openAIError(res, reply.status, reply.errorMessage ?? `scripted error ${reply.status}`, reply.retryAfterSeconds);

    const model = typeof body.model === "string" ? body.model : "test-model";
    const toolCalls = (reply.toolCalls ?? []).map((c, i) => ({
      id: c.id ?? `call_${requests.length}_${i}`,
      type: "function" as const,
      function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments) },
    }));
    const content = reply.content ?? (toolCalls.length > 0 ? "" : "ok");
    const usage = reply.usage ?? { promptTokens: approxTokens(promptText(body)), completionTokens: approxTokens(content + toolCalls.map((t) => t.function.arguments).join("")) };
    const wireUsage = { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens };
    const finish = toolCalls.length > 0 ? "tool_calls" : "stop";
    const id = `chatcmpl-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);

    if (body.stream !== true) {
      const message = { role: "assistant", content: toolCalls.length > 0 && content === "" ? null : content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
      return sendJson(res, 200, { id, object: "chat.completion", created, model, choices: [{ index: 0, message, finish_reason: finish, logprobs: null }], usage: wireUsage });
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const size = Math.max(1, reply.chunkSize ?? 4);
    const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }] })}\n\n`;
    const frames: string[] = [chunk({ role: "assistant", content: "" })];
    for (let i = 0; i < content.length; i += size) frames.push(chunk({ content: content.slice(i, i + size) }));
    toolCalls.forEach((call, index) => {
      frames.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }));
      for (let i = 0; i < call.function.arguments.length; i += size) frames.push(chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments.slice(i, i + size) } }] }));
    });
    frames.push(chunk({}, finish));
    const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
    if (streamOptions.include_usage === true) frames.push(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage: wireUsage })}\n\n`);
    frames.push("data: [DONE]\n\n");
    for (const [sent, frame] of frames.entries()) {
      if (sent === reply.dropAfterChunks) return void res.destroy();
      if (sent === reply.stallAfterChunks) return; // the connection stays open until the client gives up or close()
      if (sent > 0 && reply.chunkDelayMs) await sleep(reply.chunkDelayMs, closed.signal);
      if (closed.signal.aborted) return;
      if (!res.write(frame)) await new Promise<void>((resolve) => res.once("drain", resolve).once("close", resolve));
    }
    res.end();
  };

  const server: Server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) openAIError(res, 500, `local model server failed: ${errorMessage(error)}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(new LocalModelServerError(`cannot listen on 127.0.0.1:${options.port ?? 0}: ${errorMessage(error)}`, { cause: error })));
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      for (const res of open) res.destroy();
      server.close(() => resolve());
      server.closeAllConnections?.();
    }));
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    reply: (...replies) => {
      if (script) throw new LocalModelServerError("reply() needs an array script, not a function");
      defaultAll = false;
      queue.push(...replies);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
