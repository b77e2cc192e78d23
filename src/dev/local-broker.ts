/**
 * A minimal stand-in for ARK's broker (`ark-broker`) on loopback, for local
 * development and tests: the write side engines use (`POST /stream/<query>`
 * NDJSON chunks, `POST /stream/<query>/complete`, `POST /messages`) and the
 * read side ARK's clients use (`GET /stream/<query>` Server-Sent Events with
 * `from-beginning` replay, ending in `data: [DONE]`). Everything is kept in
 * memory. It is a development tool, not a replacement for ARK's broker.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ArkClient } from "../ark/ark-client.js";
import { isAlreadyExists } from "../client/errors.js";
import { ArkSdkError } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { STREAMING_CONFIG_NAME } from "../ark/broker-discovery.js";
import { GoDurationError } from "../core/go-duration.js";
import { parseGoDuration } from "../core/go-duration.js";
import { errorMessage } from "../core/errors.js";
import { parseNdjson, SSE_DONE_EVENT, SSE_HEADERS, sseEvent } from "../protocol/framing.js";
import { WireFormatError } from "../protocol/errors.js";

/** Options of {@link startLocalBroker}. */
export interface LocalBrokerOptions {
  /** Interface to bind (default `127.0.0.1`). */
  host?: string;
  /** Port (default 0: a free one). */
  port?: number;
  /** Streams kept for replay; the oldest completed ones are dropped beyond this (default 1,000). */
  maxStreams?: number;
  /** Largest accepted request body, bytes (default 8 MiB). */
  maxBodyBytes?: number;
  logger?: Logger;
}

/** A memory message as stored by `POST /messages`. */
export interface StoredMessage {
  sequence: number;
  conversation_id: string;
  query_id: string;
  message: unknown;
  timestamp: string;
}

/** A running local broker. */
export interface LocalBroker {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly port: number;
  /** The chunks received for `query`, in order. */
  chunks(query: string): unknown[];
  /** Whether `query`'s stream was completed. */
  isComplete(query: string): boolean;
  /** Memory messages, optionally of one conversation. */
  messages(conversationId?: string): StoredMessage[];
  /**
   * Makes the broker discoverable in `namespace` the way ARK configures it:
   * a headless Service `ark-broker` whose port `http` is the broker's
   * loopback port, and the `ark-config-streaming` ConfigMap pointing at it.
   * Engines and clients then find it through `loopbackServiceUrl` (from `ark-sdk`).
   */
  publish(ark: ArkClient, namespace: string): Promise<void>;
  /** Ends open streams and stops the server. */
  close(): Promise<void>;
  /** `await using broker = await startLocalBroker()`: `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface StreamState {
  chunks: unknown[];
  complete: boolean;
  subscribers: Set<ServerResponse>;
}

class HttpProblem extends ArkSdkError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) throw new HttpProblem(413, `request body exceeds ${limit} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts).toString("utf8");
}

/** `wait-for-query`: seconds as a number, or a Go duration. */
function waitParam(value: string | null): number | undefined {
  if (value === null || value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  try {
    return parseGoDuration(value);
  } catch (error) {
    if (error instanceof GoDurationError) throw new HttpProblem(400, `wait-for-query: ${error.message}`);
    throw error;
  }
}

class LocalBrokerServer implements LocalBroker {
  url = "";
  port = 0;
  private readonly server: Server;
  private readonly streams = new Map<string, StreamState>();
  private readonly memory: StoredMessage[] = [];
  private sequence = 0;
  private readonly options: LocalBrokerOptions;
  private readonly logger: Logger;

  constructor(options: LocalBrokerOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => {
        const status = error instanceof HttpProblem ? error.status : 500;
        if (status === 500) this.logger.error(`local broker: ${errorMessage(error)}`);
        if (!res.headersSent) json(res, status, { error: { code: status === 500 ? "INTERNAL" : "BAD_REQUEST", message: errorMessage(error) } });
        else res.end();
      });
    });
  }

  async listen(): Promise<void> {
    const host = this.options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(this.options.port ?? 0, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${this.port}`;
  }

  chunks(query: string): unknown[] {
    return [...(this.streams.get(query)?.chunks ?? [])];
  }

  isComplete(query: string): boolean {
    return this.streams.get(query)?.complete ?? false;
  }

  messages(conversationId?: string): StoredMessage[] {
    return this.memory.filter((m) => conversationId === undefined || m.conversation_id === conversationId);
  }

  async publish(ark: ArkClient, namespace: string): Promise<void> {
    const create = async (make: () => Promise<unknown>) => {
      try {
        await make();
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    };
    await create(() => ark.core.services.create({ metadata: { name: "ark-broker", namespace }, spec: { clusterIP: "None", ports: [{ name: "http", port: this.port }] } }));
    await create(() =>
      ark.core.configMaps.create({ metadata: { name: STREAMING_CONFIG_NAME, namespace }, data: { enabled: "true", serviceRef: "name: ark-broker\nport: http\n" } }),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    for (const stream of this.streams.values()) for (const res of stream.subscribers) res.end();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private stream(query: string, create: boolean): StreamState | undefined {
    let state = this.streams.get(query);
    if (!state && create) {
      state = { chunks: [], complete: false, subscribers: new Set() };
      this.streams.set(query, state);
      this.evict();
    }
    return state;
  }

  /** Drops the oldest completed streams nobody reads beyond the limit. */
  private evict(): void {
    const limit = this.options.maxStreams ?? 1_000;
    for (const [query, state] of this.streams) {
      if (this.streams.size <= limit) return;
      if (state.complete && state.subscribers.size === 0) this.streams.delete(query);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://broker");
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? "GET";
    if (method === "GET" && url.pathname === "/health") return json(res, 200, { status: "ok" });
    if (parts[0] === "stream" && parts.length === 2 && method === "POST") return this.receiveChunks(parts[1] as string, req, res);
    if (parts[0] === "stream" && parts.length === 3 && parts[2] === "complete" && method === "POST") return this.complete(parts[1] as string, res);
    if (parts[0] === "stream" && parts.length === 2 && method === "GET") return this.serveStream(parts[1] as string, url, req, res);
    if (url.pathname === "/messages" && method === "POST") return this.storeMessages(req, res);
    if (url.pathname === "/messages" && method === "GET") {
      const conversation = url.searchParams.get("conversation_id") ?? undefined;
      const query = url.searchParams.get("query_id") ?? undefined;
      const items = this.messages(conversation).filter((m) => query === undefined || m.query_id === query);
      return json(res, 200, { items, total: items.length });
    }
    if (parts[0] === "queries" && parts.length === 3 && parts[2] === "messages" && method === "DELETE") {
      const before = this.memory.length;
      this.memory.splice(0, this.memory.length, ...this.memory.filter((m) => m.query_id !== parts[1]));
      return json(res, 200, { deleted: before - this.memory.length });
    }
    json(res, 404, { error: { code: "NOT_FOUND", message: `no route for ${method} ${url.pathname}` } });
  }

  private async receiveChunks(query: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, this.options.maxBodyBytes ?? 8 * 1024 * 1024);
    let parsed: unknown[];
    try {
      parsed = parseNdjson(body);
    } catch (error) {
      if (error instanceof WireFormatError) throw new HttpProblem(400, `${error.path} of the NDJSON body is not JSON`);
      throw error;
    }
    const state = this.stream(query, true) as StreamState;
    for (const chunk of parsed) {
      state.chunks.push(chunk);
      for (const res of state.subscribers) this.send(res, chunk, state);
    }
    json(res, 200, { status: "stream_processed", query, chunks_received: parsed.length });
  }

  private complete(query: string, res: ServerResponse): void {
    const state = this.stream(query, false);
    if (!state) return json(res, 404, { error: { code: "NOT_FOUND", message: "Stream not found" } });
    if (state.complete) return json(res, 200, { status: "already_completed", query });
    state.complete = true;
    for (const sub of state.subscribers) this.done(sub, state);
    json(res, 200, { status: "completed", query });
  }

  private serveStream(query: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
    const fromBeginning = url.searchParams.get("from-beginning") === "true";
    const waitMs = waitParam(url.searchParams.get("wait-for-query"));
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    const state = this.stream(query, true) as StreamState;
    if (fromBeginning) {
      for (const chunk of state.chunks) if (!this.send(res, chunk, state)) return;
      if (state.complete) return this.done(res, state);
    }
    state.subscribers.add(res);
    const seen = state.chunks.length;
    const timer =
      waitMs === undefined
        ? undefined
        : setTimeout(() => {
            if (state.chunks.length > seen || res.writableEnded) return;
            const timeout = { error: { message: "Request timeout waiting for streaming query response", type: "timeout_error", code: "timeout" } };
            this.send(res, timeout, state);
            this.done(res, state);
          }, waitMs);
    req.on("close", () => {
      clearTimeout(timer);
      state.subscribers.delete(res);
    });
  }

  /** Writes one event; an error chunk ends the stream, as ARK's broker does. Returns false once ended. */
  private send(res: ServerResponse, chunk: unknown, state: StreamState): boolean {
    if (res.writableEnded) return false;
    res.write(sseEvent(chunk));
    if (typeof chunk === "object" && chunk !== null && "error" in chunk) {
      this.done(res, state);
      return false;
    }
    return true;
  }

  private done(res: ServerResponse, state: StreamState): void {
    state.subscribers.delete(res);
    if (res.writableEnded) return;
    res.write(SSE_DONE_EVENT);
    res.end();
  }

  private async storeMessages(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req, this.options.maxBodyBytes ?? 8 * 1024 * 1024);
    let body: { conversation_id?: unknown; query_id?: unknown; messages?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new HttpProblem(400, "body is not JSON");
    }
    if (typeof body.conversation_id !== "string" || body.conversation_id === "") throw new HttpProblem(400, "conversation_id must be a non-empty string");
    if (typeof body.query_id !== "string" || body.query_id === "") throw new HttpProblem(400, "query_id must be a non-empty string");
    if (!Array.isArray(body.messages)) throw new HttpProblem(400, "messages must be an array");
    const timestamp = new Date().toISOString();
    for (const message of body.messages) {
      this.memory.push({ sequence: ++this.sequence, conversation_id: body.conversation_id, query_id: body.query_id, message, timestamp });
    }
    json(res, 200, { status: "stored", count: body.messages.length });
  }
}

/**
 * Starts a local broker on loopback. A development tool: ARK's own broker
 * adds persistence, pagination, events, traces and sessions.
 * @example
 * const broker = await startLocalBroker();
 * await broker.publish(ark, "default"); // engines and ark.queries.stream() now find it
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  const broker = new LocalBrokerServer(options);
  await broker.listen();
  return broker;
}
