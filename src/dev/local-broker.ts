/**
 * A minimal stand-in for ARK's broker (`ark-broker`) on loopback, for local
 * development and tests: the write side engines use (`POST /stream/<query>`
 * NDJSON chunks, `POST /stream/<query>/complete`, `POST /messages`) and the
 * read side ARK's clients use (`GET /stream/<query>` Server-Sent Events with
 * `from-beginning` replay, ending in `data: [DONE]`), and ARK's memory API
 * as ark-broker serves it (`POST`/`GET /messages` with `limit`/`cursor`
 * pages, `/conversations`, the delete routes). Everything is kept in memory.
 * It is a development tool, not a replacement for ARK's broker.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ArkClient } from "../ark/ark-client.js";
import { isNotFound } from "../client/errors.js";
import { randomUUID } from "node:crypto";
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
  host?: string | undefined;
  /** Port (default 0: a free one). */
  port?: number | undefined;
  /** Streams kept for replay; the oldest completed ones are dropped beyond this (default 1,000). */
  maxStreams?: number | undefined;
  /** Largest accepted request body, bytes (default 8 MiB). */
  maxBodyBytes?: number | undefined;
  logger?: Logger | undefined;
}

/** A memory message as stored by `POST /messages` (and listed by `GET /messages`). */
export interface StoredMessage {
  sequence: number;
  conversation_id: string;
  query_id: string;
  message: unknown;
  timestamp: string;
}

/** ark-broker's page sizes: 100 by default, at most 1,000. */
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

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
   * Makes the broker discoverable in `namespace` the way ARK's broker chart
   * configures it: a headless Service `ark-broker` whose port `http` is the
   * broker's loopback port, the `ark-config-streaming` ConfigMap pointing at
   * it, and the Memory `default` addressing it (when the cluster serves the
   * Memory kind). Applied server-side, so publishing a second broker in the
   * same namespace moves all three to it. Engines and clients then find it
   * through `loopbackServiceUrl` (from `ark-sdk`).
   */
  publish(ark: ArkClient, namespace: string): Promise<void>;
  /** Ends open streams and stops the server. */
  close(): Promise<void>;
  /** `await using broker = await startLocalBroker()`: `close()`. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface StoredEntry extends StoredMessage {
  /** When a `ttl_seconds` message expires, ms since the epoch. */
  expires?: number;
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

/** A bad `limit` or `cursor` (ark-broker's `PAGINATION_ERROR`). */
class PaginationProblem extends HttpProblem {
  constructor(message: string) {
    super(400, message);
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
  private memory: StoredEntry[] = [];
  private sequence = 0;
  private readonly options: LocalBrokerOptions;
  private readonly logger: Logger;

  constructor(options: LocalBrokerOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.server = createServer((req, res) => {
      this.route(req, res).catch((error: unknown) => this.fail(res, error));
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
    return this.live()
      .filter((m) => conversationId === undefined || m.conversation_id === conversationId)
      .map(({ expires: _expires, ...m }) => m);
  }

  /** The stored messages that have not expired (expired ones are dropped). */
  private live(): StoredEntry[] {
    const now = Date.now();
    if (this.memory.some((m) => m.expires !== undefined && m.expires <= now)) this.memory = this.memory.filter((m) => m.expires === undefined || m.expires > now);
    return this.memory;
  }

  async publish(ark: ArkClient, namespace: string): Promise<void> {
    const options = { fieldManager: "ark-sdk-local-broker", force: true };
    await ark.core.services.apply(
      { apiVersion: "v1", kind: "Service", metadata: { name: "ark-broker", namespace }, spec: { clusterIP: "None", ports: [{ name: "http", port: this.port, protocol: "TCP" }] } },
      options,
    );
    await ark.core.configMaps.apply(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: STREAMING_CONFIG_NAME, namespace }, data: { enabled: "true", serviceRef: "name: ark-broker\nport: http\n" } },
      options,
    );
    try {
      await ark.memories.apply(
        { apiVersion: "ark.mckinsey.com/v1alpha1", kind: "Memory", metadata: { name: "default", namespace }, spec: { address: { valueFrom: { serviceRef: { name: "ark-broker", port: "http" } } } } },
        options,
      );
    } catch (error) {
      // A cluster without ARK's Memory kind: streaming works, history (ctx.history()) has no Memory to read.
      if (!isNotFound(error)) throw error;
      this.logger.debug(`local broker: no Memory kind in the cluster; not publishing Memory ${namespace}/default (${errorMessage(error)})`);
    }
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
    if (url.pathname === "/messages" || parts[0] === "conversations" || parts[0] === "queries" || url.pathname === "/memory-status") {
      if (await this.memoryRoute(method, url, parts, req, res)) return;
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

  /** ark-broker's memory routes; false when none matches. */
  private async memoryRoute(method: string, url: URL, parts: string[], req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = url.pathname;
    const success = (message: string, extra: Record<string, unknown> = {}) => json(res, 200, { status: "success", message, ...extra });
    const remove = (keep: (m: StoredEntry) => boolean): number => {
      const before = this.memory.length;
      this.memory = this.memory.filter(keep);
      return before - this.memory.length;
    };
    if (path === "/messages" && method === "POST") {
      await this.storeMessages(req, res);
    } else if (path === "/messages" && method === "GET") {
      this.listMessages(url, res);
    } else if (path === "/messages" && method === "DELETE") {
      remove(() => false);
      success("Memory purged");
    } else if (path === "/memory-status" && method === "GET") {
      const conversations: Record<string, { message_count: number; query_count: number }> = {};
      const queries = new Map<string, Set<string>>();
      for (const m of this.live()) {
        const entry = (conversations[m.conversation_id] ??= { message_count: 0, query_count: 0 });
        entry.message_count++;
        const seen = queries.get(m.conversation_id) ?? new Set<string>();
        seen.add(m.query_id);
        queries.set(m.conversation_id, seen);
        entry.query_count = seen.size;
      }
      json(res, 200, { total_conversations: queries.size, total_messages: this.live().length, conversations });
    } else if (path === "/conversations" && method === "POST") {
      json(res, 201, { conversation_id: randomUUID() });
    } else if (path === "/conversations" && method === "GET") {
      json(res, 200, { conversations: [...new Set(this.live().map((m) => m.conversation_id))] });
    } else if (path === "/conversations" && method === "DELETE") {
      remove(() => false);
      success("All conversations deleted");
    } else if (parts[0] === "conversations" && parts.length === 2 && method === "GET") {
      const messages = this.messages(parts[1]);
      if (messages.length === 0) json(res, 404, { error: { code: "NOT_FOUND", message: "Conversation not found" } });
      else json(res, 200, { conversation_id: parts[1], messages });
    } else if (parts[0] === "conversations" && parts.length === 2 && method === "DELETE") {
      remove((m) => m.conversation_id !== parts[1]);
      success(`Conversation ${parts[1]} deleted`);
    } else if (parts[0] === "conversations" && parts.length === 5 && parts[2] === "queries" && parts[4] === "messages" && method === "DELETE") {
      remove((m) => m.conversation_id !== parts[1] || m.query_id !== parts[3]);
      success(`Query ${parts[3]} messages deleted from conversation ${parts[1]}`);
    } else if (parts[0] === "queries" && parts.length === 3 && parts[2] === "messages" && method === "DELETE") {
      const deleted = remove((m) => m.query_id !== parts[1]);
      success(`Query ${parts[1]} messages deleted`, { deleted });
    } else {
      return false;
    }
    return true;
  }

  /** `GET /messages`: ark-broker's pages (`limit` 1–1,000, default 100; `cursor` = the last sequence seen). */
  private listMessages(url: URL, res: ServerResponse): void {
    const params = url.searchParams;
    if (params.get("watch") === "true") throw new HttpProblem(400, "watch=true is not served by the local broker");
    const number = (name: string, min: number): number | undefined => {
      const raw = params.get(name);
      if (raw === null) return undefined;
      const value = Number.parseInt(raw, 10);
      if (Number.isNaN(value) || value < min) throw new PaginationProblem(`${name} must be a ${min === 1 ? "positive" : "non-negative"} integer`);
      return value;
    };
    const limit = number("limit", 1) ?? DEFAULT_PAGE;
    if (limit > MAX_PAGE) throw new PaginationProblem(`limit cannot exceed ${MAX_PAGE}`);
    const cursor = number("cursor", 0);
    const conversation = params.get("conversation_id") || undefined;
    const query = params.get("query_id") || undefined;
    const matching = this.messages(conversation).filter((m) => query === undefined || m.query_id === query);
    const after = cursor === undefined ? matching : matching.filter((m) => m.sequence > cursor);
    const items = after.slice(0, limit);
    const hasMore = after.length > limit;
    const body: Record<string, unknown> = { items, total: matching.length, hasMore };
    if (hasMore) body.nextCursor = items.at(-1)?.sequence;
    json(res, 200, body);
  }

  private fail(res: ServerResponse, error: unknown): void {
    const status = error instanceof HttpProblem ? error.status : 500;
    if (status === 500) this.logger.error(`local broker: ${errorMessage(error)}`);
    if (!res.headersSent) json(res, status, { error: { code: error instanceof PaginationProblem ? "PAGINATION_ERROR" : status === 500 ? "INTERNAL" : "BAD_REQUEST", message: errorMessage(error) } });
    else res.end();
  }

  private async storeMessages(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req, this.options.maxBodyBytes ?? 8 * 1024 * 1024);
    let body: { conversation_id?: unknown; query_id?: unknown; messages?: unknown; ttl_seconds?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new HttpProblem(400, "body is not JSON");
    }
    if (typeof body.conversation_id !== "string" || body.conversation_id === "") throw new HttpProblem(400, "conversation_id must be a non-empty string");
    if (typeof body.query_id !== "string" || body.query_id === "") throw new HttpProblem(400, "query_id must be a non-empty string");
    if (!Array.isArray(body.messages)) throw new HttpProblem(400, "messages must be an array");
    const ttl = body.ttl_seconds === undefined || body.ttl_seconds === null ? undefined : Number(body.ttl_seconds);
    if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl <= 0)) throw new HttpProblem(400, "ttl_seconds must be a positive integer");
    const timestamp = new Date().toISOString();
    for (const message of body.messages) {
      const entry: StoredEntry = { sequence: ++this.sequence, conversation_id: body.conversation_id, query_id: body.query_id, message, timestamp };
      if (ttl !== undefined) entry.expires = Date.now() + ttl * 1000;
      this.memory.push(entry);
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
