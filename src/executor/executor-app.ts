/**
 * `ExecutorApp` serves a `BaseExecutor` the way ARK's controller calls
 * engines: A2A JSON-RPC on `POST /`, the agent card, `/health`, a readiness
 * endpoint that turns 503 while draining, and optionally the older REST
 * `/execute`. It runs on `node:http` (`listen()`) or behind any fetch-style
 * server (`fetch(request)`). `close()` (and SIGTERM) stops accepting work,
 * lets running executions finish within a grace period, then aborts them
 * through `ctx.signal`.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Claims, RequestGuard } from "../core/request-guard.js";
import { consoleLogger, type Logger } from "../core/logger.js";
import { handleRpc, type A2AHandlerDeps } from "./a2a-handler.js";
import type { A2AAgentCard, A2AAgentSkill } from "../protocol/a2a.js";
import { buildAgentCard } from "../protocol/agent-card.js";
import type { BaseExecutor } from "./base-executor.js";
import { ArgumentError, errorMessage } from "../core/errors.js";
import { ExecutionRuntime } from "./execution-runtime.js";
import { escapingLogger } from "./scoped-logger.js";
import { ExecutorError } from "./errors.js";
import { BodyTooLargeError, jsonReply, readNodeBody, readRequestBody, type IncomingCall, type Reply } from "./http-io.js";
import { JsonRpcError, JsonRpcErrorCode, parseJsonRpcRequest, rpcError } from "../protocol/jsonrpc.js";
import type { QueryResolver } from "./query-resolver.js";
import { handleRestExecute } from "./rest-execute.js";
import { TaskStore } from "./task-store.js";
import { loadTracing, type ExecutionTracing } from "./telemetry.js";
import { onAbort } from "../core/abort.js";
import { SSE_HEADERS } from "../protocol/framing.js";

/** Options of {@link ExecutorApp}. */
export interface ExecutorAppOptions {
  /** Agent card description (default `<engine> execution engine`). */
  description?: string | undefined;
  /** Agent card skills (default: one "<engine> Agent Execution" skill). */
  skills?: A2AAgentSkill[] | undefined;
  /** Agent card version (default `1.0.0`). */
  version?: string | undefined;
  /**
   * Turns QueryRefs into requests. Default: a `ClusterQueryResolver` for the
   * ambient Kubernetes configuration (in-cluster service account or
   * kubeconfig), created on first use and closed by `close()`. A resolver you
   * pass in stays yours: close it after `close()` (its informers' watches keep
   * the process alive until then).
   */
  resolver?: QueryResolver | undefined;
  /** Checks each request before routing (e.g. `bearerAuth(validator)`); its `{ ok: false }` response is sent as is. */
  auth?: RequestGuard | undefined;
  /**
   * The URL the agent card advertises. Set it in production; by default the
   * card names the scheme and `Host` it was fetched with (a malformed `Host`
   * is answered 400).
   */
  publicUrl?: string | undefined;
  /** Largest accepted request body, bytes (default 4 MiB); larger ones get 413. */
  maxBodyBytes?: number | undefined;
  /** How long `close()` lets running executions finish before aborting them, ms (default 25,000). */
  shutdownGracePeriodMs?: number | undefined;
  /** Upper bound on any execution, ms, on top of each Query's `spec.timeout`. */
  maxExecutionMs?: number | undefined;
  /** Also serve the older REST protocol at `POST /execute` (default false). */
  restExecute?: boolean | undefined;
  /** How long finished A2A tasks stay readable through `tasks/get`, ms (default 10 minutes). */
  taskRetentionMs?: number | undefined;
  /** How long a client may take to send a request's headers, ms (default 20,000); slower connections are cut (`listen()` only). */
  headersTimeoutMs?: number | undefined;
  /** How long a client may take to send a whole request, headers and body, ms (default 60,000; not the execution's time). */
  requestTimeoutMs?: number | undefined;
  /** How long an idle keep-alive connection stays open, ms (default 5,000). */
  keepAliveTimeoutMs?: number | undefined;
  /** Most simultaneous connections; further ones are closed at once (default 4,096). */
  maxConnections?: number | undefined;
  /**
   * Bytes of events one `message/stream` holds for a client that reads slower
   * than the engine streams (default 1 MiB); past it, `ctx.streamChunk` waits.
   */
  maxStreamBufferBytes?: number | undefined;
  /** How long a stream's client may read nothing while its socket is full before the stream is cut, ms (default 30,000). */
  streamStallTimeoutMs?: number | undefined;
  logger?: Logger | undefined;
}

/** Options of {@link ExecutorApp.listen}. */
export interface ListenOptions {
  /** Interface to bind (default `0.0.0.0`). */
  host?: string | undefined;
  /** Port (default 8000; 0 picks a free one). */
  port?: number | undefined;
  /** Call `close()` on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean | undefined;
}

/** Options of {@link ExecutorApp.close}. */
export interface CloseOptions {
  /** Overrides the app's `shutdownGracePeriodMs` for this call. */
  gracePeriodMs?: number | undefined;
}

const DEFAULT_MAX_BODY = 4 * 1024 * 1024;
const AGENT_CARD_PATHS = new Set(["/.well-known/agent-card.json", "/.well-known/agent.json"]);
/** A reg-name, IPv4 or bracketed IPv6 host with an optional port (group 1). */
const HOST_PATTERN = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?)(?::(\d{1,5}))?$/;

/** The executor's name, checked against the one given to the app (the Python SDK's form), if any. */
function engineNameOf(executor: BaseExecutor, given: string | undefined): string {
  const own = executor?.engineName;
  if (typeof own !== "string" || own.trim() === "") throw new ArgumentError("executor", "must be a BaseExecutor constructed with its engine name, super(\"MyEngine\")");
  if (given === undefined) return own;
  if (typeof given !== "string" || given.trim() === "") throw new ArgumentError("engineName", "must be a non-empty string (or omitted: the executor's name is used)");
  if (given.toLowerCase() !== own.toLowerCase()) {
    throw new ArgumentError("engineName", `"${given}" is not the executor's name "${own}"; give the name once, in super("${own}"), and use new ExecutorApp(executor)`);
  }
  return own;
}

/** An execution engine's HTTP server. */
export class ExecutorApp {
  /** The engine's name as written in `super("MyEngine")`; the card, skill id, `/health` and logs serve its lower-case form. */
  readonly engineName: string;
  /** The lower-case form: the engine's identifier on the wire. */
  private readonly servedName: string;
  private readonly executor: BaseExecutor;
  private readonly options: ExecutorAppOptions;
  private readonly logger: Logger;
  private readonly runtime: ExecutionRuntime;
  private readonly tasks: TaskStore;
  private readonly rpcDeps: A2AHandlerDeps;
  private resolver: QueryResolver | Promise<QueryResolver> | undefined;
  private readonly ownsResolver: boolean;
  private server: Server | undefined;
  private listenUrl: string | undefined;
  private draining = false;
  private closing: Promise<void> | undefined;
  private activeResponses = 0;
  private responsesDone: (() => void) | undefined;
  private removeSignalHandlers: (() => void) | undefined;
  private lastValidHost: string | undefined;
  private readonly streamStall: StreamStall;
  private readonly tracing: Promise<ExecutionTracing | undefined>;

  /**
   * Serves `executor` under the name it gave its base class (`super("MyEngine")`).
   * The Python SDK's form, `new ExecutorApp(executor, "MyEngine", options?)`, works too;
   * the name must then be the executor's, in any casing.
   * @throws ArgumentError when a name is given that is not the executor's
   */
  constructor(executor: BaseExecutor, options?: ExecutorAppOptions);
  constructor(executor: BaseExecutor, engineName: string, options?: ExecutorAppOptions);
  constructor(executor: BaseExecutor, nameOrOptions?: string | ExecutorAppOptions, maybeOptions: ExecutorAppOptions = {}) {
    const options = typeof nameOrOptions === "object" && nameOrOptions !== null ? nameOrOptions : maybeOptions;
    this.engineName = engineNameOf(executor, typeof nameOrOptions === "object" ? undefined : nameOrOptions);
    this.servedName = this.engineName.toLowerCase();
    this.executor = executor;
    this.options = options;
    this.logger = options.logger ? escapingLogger(options.logger) : consoleLogger(undefined, `ark-sdk:executor:${this.servedName}`);
    this.resolver = options.resolver;
    this.ownsResolver = options.resolver === undefined;
    this.tasks = new TaskStore({ retentionMs: options.taskRetentionMs });
    this.tracing = loadTracing(this.logger, { serviceName: this.servedName, brokerEndpoint: () => this.brokerTracesEndpoint() });
    this.runtime = new ExecutionRuntime(executor, () => this.getResolver(), {
      logger: this.logger,
      maxExecutionMs: options.maxExecutionMs,
      tracing: this.tracing,
    });
    this.streamStall = {
      timeoutMs: options.streamStallTimeoutMs ?? 30_000,
      onCut: (ms) => this.logger.warn(`stream cut: the client read nothing for ${ms} ms while its socket was full`),
    };
    this.rpcDeps = { runtime: this.runtime, tasks: this.tasks, logger: this.logger, isDraining: () => this.draining, maxStreamBufferBytes: options.maxStreamBufferBytes };
  }

  /** The URL `listen()` serves (loopback form when bound to all interfaces), once listening. */
  get url(): string | undefined {
    return this.listenUrl;
  }

  /** Whether the app is shutting down (readiness answers 503, new executions are refused). */
  get isDraining(): boolean {
    return this.draining;
  }

  /** Executions currently running. */
  get inflightExecutions(): number {
    return this.runtime.inflightCount;
  }

  /** The agent card advertising `url`. */
  agentCard(url: string): A2AAgentCard {
    return buildAgentCard({
      engineName: this.engineName,
      url: this.options.publicUrl ?? url,
      description: this.options.description,
      version: this.options.version,
      skills: this.options.skills,
    });
  }

  /** Serves one request (for fetch-style servers, or tests). */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const call: IncomingCall = {
      method: request.method,
      path: url.pathname,
      header: (name) => request.headers.get(name) ?? undefined,
      readBody: (limit) => readRequestBody(request, limit),
      onGone: (listener) => onAbort(request.signal, listener),
      toRequest: () => request,
      origin: url.origin,
    };
    const response = toResponse(await this.handleSafely(call));
    if (request.method !== "HEAD" || response.body === null) return response;
    await response.body.cancel().catch(() => undefined);
    return new Response(null, { status: response.status, headers: response.headers });
  }

  /** Starts an HTTP server; resolves with its URL once listening. */
  async listen(options: ListenOptions = {}): Promise<string> {
    if (this.server) throw new ExecutorError("ExecutorApp is already listening");
    if (this.closing) throw new ExecutorError("ExecutorApp has been closed");
    const host = options.host ?? "0.0.0.0";
    await this.executor.onStart();
    const requestTimeout = this.options.requestTimeoutMs ?? 60_000;
    const headersTimeout = Math.min(this.options.headersTimeoutMs ?? 20_000, requestTimeout);
    const server = createServer({
      requestTimeout,
      headersTimeout,
      // How often node looks for connections past those timeouts (its default, 30 s, would let slow clients linger).
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, headersTimeout / 4)),
    }, (req, res) => {
      this.onNodeRequest(req, res).catch((error: unknown) => {
        // Last resort: a reply that could not be written. Cut this connection; the process lives on.
        this.logger.error(`writing a reply failed: ${errorMessage(error)}`, { path: pathOf(req.url) });
        res.destroy();
      });
    });
    server.keepAliveTimeout = this.options.keepAliveTimeoutMs ?? 5_000;
    server.maxConnections = this.options.maxConnections ?? 4_096;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 8000, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const shown = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : address.family === "IPv6" ? `[${address.address}]` : address.address;
    this.listenUrl = `http://${shown}:${address.port}`;
    if (options.handleSignals ?? true) this.installSignalHandlers();
    this.logger.info(`${this.servedName} listening on ${this.listenUrl}`);
    return this.listenUrl;
  }

  /**
   * Drains and stops: readiness turns 503, new executions are refused, running
   * ones get the grace period, then `ctx.signal` aborts them (cause
   * `shutdown`). Resolves once the server is closed. Safe to call twice.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.closing ??= this.shutdown(options.gracePeriodMs ?? this.options.shutdownGracePeriodMs ?? 25_000);
    return this.closing;
  }

  /** `await using app = new ExecutorApp(…)`: {@link ExecutorApp.close} with the app's grace period. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.draining = true;
    this.removeSignalHandlers?.();
    const server = this.server;
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    server?.closeIdleConnections();
    if (this.runtime.inflightCount > 0) {
      this.logger.info(`draining ${this.runtime.inflightCount} execution(s), up to ${graceMs} ms`);
      if (!(await within(this.runtime.whenIdle(), graceMs))) {
        this.logger.warn(`grace period over; aborting ${this.runtime.inflightCount} execution(s)`);
        this.runtime.abortAll();
        // Engines that ignore ctx.signal get a short extra moment; their answers are moot by now.
        await within(this.runtime.whenIdle(), 5_000);
      }
    }
    this.runtime.abortAll();
    await within(this.whenResponsesDone(), 2_000);
    server?.closeAllConnections();
    await serverClosed;
    try {
      await this.executor.onStop();
    } finally {
      await (await this.tracing)?.close();
      if (this.ownsResolver && this.resolver) await (await this.resolver).close?.();
    }
  }

  /** The broker's traces URL in the engine's namespace, when the resolver can find one (errors: no broker export). */
  private async brokerTracesEndpoint(): Promise<string | undefined> {
    try {
      const resolver = await this.getResolver();
      return await resolver.tracesEndpoint?.(AbortSignal.timeout(10_000));
    } catch (error) {
      this.logger.debug(`tracing: broker discovery skipped: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private installSignalHandlers(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.logger.info(`${signal} received; shutting down`);
      this.close().catch((error: unknown) => this.logger.error(`shutdown failed: ${errorMessage(error)}`));
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
    this.removeSignalHandlers = () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    };
  }

  private whenResponsesDone(): Promise<void> {
    if (this.activeResponses === 0) return Promise.resolve();
    return new Promise((resolve) => (this.responsesDone = resolve));
  }

  private getResolver(): QueryResolver | Promise<QueryResolver> {
    if (!this.resolver) {
      const creating = import("./cluster-resolver.js").then((m) => m.ClusterQueryResolver.fromEnv({ logger: this.logger }));
      this.resolver = creating;
      creating.then(
        (created) => (this.resolver = created),
        // A failed creation (no kubeconfig) is reported per request and retried on the next one.
        () => (this.resolver = undefined),
      );
    }
    return this.resolver;
  }

  private async onNodeRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.activeResponses++;
    // Plain callbacks rather than an AbortController: this runs for every request.
    let goneListeners: (() => void)[] | undefined;
    res.on("close", () => {
      if (!res.writableFinished && goneListeners) for (const listener of goneListeners.splice(0)) listener();
      if (--this.activeResponses === 0) this.responsesDone?.();
    });
    const host = req.headers.host;
    if (host !== undefined && !this.isValidHost(host)) {
      // RFC 9112 §3.2: a server responds 400 to a request whose Host is not a valid host[:port].
      writeNodeBody(res, jsonReply(400, { error: "Bad Request: malformed Host header" }, { Connection: "close" }) as Reply & { body: string });
      return;
    }
    const origin = `http://${host ?? this.listenUrl?.slice("http://".length) ?? "localhost"}`;
    const call: IncomingCall = {
      method: req.method ?? "GET",
      path: pathOf(req.url),
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(", ") : value;
      },
      readBody: (limit) => readNodeBody(req, limit),
      onGone: (listener) => {
        if (res.destroyed && !res.writableFinished) {
          listener();
          return () => {};
        }
        (goneListeners ??= []).push(listener);
        return () => {
          const i = goneListeners?.indexOf(listener) ?? -1;
          if (i !== -1) goneListeners?.splice(i, 1);
        };
      },
      toRequest: () => nodeToRequest(req, origin),
      origin,
    };
    const reply = await this.handleSafely(call);
    // A body nobody read (401, 404, 405, 413) is not drained: the connection closes after the answer, so a
    // refused client cannot make the server read what it declared (node would read all of it to keep the
    // connection alive).
    if (this.draining || !req.complete) reply.headers.Connection = "close";
    if ("body" in reply) writeNodeBody(res, reply);
    else await writeNodeReply(res, reply, this.streamStall);
  }

  /** Whether `host` is a syntactically valid `host[:port]` (the last valid one is remembered: callers repeat theirs). */
  private isValidHost(host: string): boolean {
    if (host === this.lastValidHost) return true;
    const match = HOST_PATTERN.exec(host);
    if (!match || (match[1] !== undefined && Number(match[1]) > 65_535) || !URL.canParse(`http://${host}/`)) return false;
    this.lastValidHost = host;
    return true;
  }

  private async handleSafely(call: IncomingCall): Promise<Reply> {
    try {
      return await this.route(call);
    } catch (error) {
      this.logger.error(`request failed: ${errorMessage(error)}`, { path: call.path });
      return jsonReply(500, { error: "internal error" });
    }
  }

  /** Routes a request (a plain function without auth: one promise layer fewer per request). */
  private route(call: IncomingCall): Reply | Promise<Reply> {
    return this.options.auth ? this.routeAuthenticated(call, this.options.auth) : this.routeFor(call, undefined);
  }

  private async routeAuthenticated(call: IncomingCall, auth: RequestGuard): Promise<Reply> {
    const claims = await auth(call.toRequest());
    if (!claims.ok) return { status: claims.response.status, headers: {}, response: claims.response };
    return this.routeFor(call, claims.claims);
  }

  private routeFor(call: IncomingCall, caller: Claims | undefined): Reply | Promise<Reply> {
    const { method, path } = call;
    // HEAD is answered wherever GET is (node:http and toResponse leave its body out).
    const read = method === "GET" || method === "HEAD";
    if (path === "/health") return read ? jsonReply(200, { status: "healthy", engine: this.servedName }) : notAllowed("GET, HEAD");
    if (path === "/ready") {
      if (!read) return notAllowed("GET, HEAD");
      return this.draining ? jsonReply(503, { status: "draining", engine: this.servedName }) : jsonReply(200, { status: "ready", engine: this.servedName });
    }
    if (AGENT_CARD_PATHS.has(path)) return read ? jsonReply(200, this.agentCard(call.origin)) : notAllowed("GET, HEAD");
    if (path === "/") return method === "POST" ? this.serveRpc(call, caller) : notAllowed("POST");
    if (path === "/execute" && this.options.restExecute) return method === "POST" ? this.serveRest(call, caller) : notAllowed("POST");
    return jsonReply(404, { error: `Not Found: ${path}` });
  }

  /** The 413 of an RPC whose body is over the limit; other read failures are rethrown. */
  private bodyRefused(error: unknown): Reply {
    if (!(error instanceof BodyTooLargeError)) throw error;
    const rpcErr = new JsonRpcError(JsonRpcErrorCode.InvalidRequest, `Invalid Request: ${error.message}`);
    return jsonReply(413, rpcError(null, rpcErr.toObject()), { Connection: "close" });
  }

  private async serveRpc(call: IncomingCall, caller: Claims | undefined): Promise<Reply> {
    let body: string;
    try {
      body = await call.readBody(this.options.maxBodyBytes ?? DEFAULT_MAX_BODY);
    } catch (error) {
      return this.bodyRefused(error);
    }
    let rpc;
    try {
      rpc = parseJsonRpcRequest(body);
    } catch (error) {
      const rpcErr = error instanceof JsonRpcError ? error : new JsonRpcError(JsonRpcErrorCode.ParseError, errorMessage(error));
      return jsonReply(200, rpcError(rpcErr.id, rpcErr.toObject()));
    }
    const outcome = await handleRpc(rpc, { caller, onClientGone: call.onGone, header: call.header }, this.rpcDeps);
    if (outcome.kind === "sse") return { status: 200, headers: { ...SSE_HEADERS }, events: outcome.events };
    try {
      return jsonReply(outcome.status, outcome.body);
    } catch (error) {
      // An engine answer with a BigInt, a cycle or a throwing toJSON: this call fails, nothing else does.
      const message = `the engine's answer cannot be serialised as JSON (${errorMessage(error)})`;
      this.logger.error(message);
      return jsonReply(200, rpcError(outcome.body.id, { code: JsonRpcErrorCode.ExecutionFailed, message }));
    }
  }

  private async serveRest(call: IncomingCall, caller: Claims | undefined): Promise<Reply> {
    if (this.draining) return jsonReply(503, { messages: [], error: "The engine is shutting down and accepts no new executions" });
    let body: string;
    try {
      body = await call.readBody(this.options.maxBodyBytes ?? DEFAULT_MAX_BODY);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      return jsonReply(413, { messages: [], error: `Request body exceeds the ${this.options.maxBodyBytes ?? DEFAULT_MAX_BODY}-byte limit` }, { Connection: "close" });
    }
    return handleRestExecute(body, { caller, onClientGone: call.onGone }, this.runtime, this.logger);
  }
}

function notAllowed(allow: string): Reply {
  return jsonReply(405, { error: `Method Not Allowed (use ${allow})` }, { Allow: allow });
}

function pathOf(url: string | undefined): string {
  if (!url) return "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

function nodeToRequest(req: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
  return new Request(new URL(req.url ?? "/", origin), { method: req.method, headers });
}

/** What the writer does about an SSE client that stops reading. */
interface StreamStall {
  timeoutMs: number;
  onCut: (ms: number) => void;
}

/** Resolves true once `res` can take more, false after `ms` without (true at once if it closes). */
function drained(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off("drain", onDrain);
      res.off("close", onDrain);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    res.on("drain", onDrain);
    res.on("close", onDrain);
  });
}

/** Writes a complete reply: status, headers and body leave in one end() call. */
function writeNodeBody(res: ServerResponse, reply: Reply & { body: string }): void {
  // Headers as a flat [name, value, …] list: node writes them as they are, without building and lowercasing a
  // header map first (a profile under load put that at ~3 µs of CPU per reply, as much as the whole JSON-RPC parse).
  const flat: (string | number)[] = [];
  const headers = reply.headers;
  for (const key in headers) flat.push(key, headers[key] as string);
  flat.push("Content-Length", Buffer.byteLength(reply.body));
  res.writeHead(reply.status, flat).end(reply.body);
}

async function writeNodeReply(res: ServerResponse, reply: Reply, stall?: StreamStall): Promise<void> {
  if ("body" in reply) return writeNodeBody(res, reply);
  if ("response" in reply) {
    const headers: Record<string, string> = {};
    reply.response.headers.forEach((value, key) => (headers[key] = value));
    const body = Buffer.from(await reply.response.arrayBuffer());
    res.writeHead(reply.status, { ...headers, ...reply.headers, "Content-Length": body.length });
    res.end(body);
    return;
  }
  res.writeHead(reply.status, reply.headers);
  res.flushHeaders();
  for await (const event of reply.events) {
    if (res.destroyed) break;
    // Take the next event only once the socket has room: unread events stay bounded (see maxStreamBufferBytes).
    if (!res.write(event) && !(await drained(res, stall?.timeoutMs ?? 30_000))) {
      stall?.onCut(stall.timeoutMs);
      res.destroy();
      break;
    }
  }
  res.end();
}

function toResponse(reply: Reply): Response {
  if ("response" in reply) return reply.response;
  if ("body" in reply) return new Response(reply.body, { status: reply.status, headers: reply.headers });
  const encoder = new TextEncoder();
  const iterator = reply.events[Symbol.asyncIterator]();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
  return new Response(stream, { status: reply.status, headers: reply.headers });
}

/** Whether `promise` settled within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
