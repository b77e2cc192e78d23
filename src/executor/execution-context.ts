/**
 * The per-execution handle an engine receives: cancellation, streaming,
 * status updates and usage reporting. Each execution gets its own context,
 * so concurrent executions never share streaming state (the Python SDK kept
 * it on the executor object, which concurrent requests overwrite).
 */

import { randomUUID } from "node:crypto";
import type { Claims } from "../core/request-guard.js";
import type { Logger } from "../core/logger.js";
import type { BrokerStream, StreamedToolCall } from "./broker-client.js";
import { ExecutionAbortedError, type AbortCause } from "./errors.js";
import { ArgumentError, errorMessage } from "../core/errors.js";
import { addTokenUsage, validateTokenUsage, type Message, type TokenUsage } from "../protocol/messages.js";
import { boundHistory, historyBounds, MemoryUnavailableError, readConversation, type HistoryOptions, type MemoryEndpoint } from "../ark/memory.js";
import { linkAbort } from "../core/abort.js";
import type { QueryRef } from "../protocol/query-extension.js";
import type { QueryPhaseWriter } from "../ark/query-status.js";

export type { QueryPhaseWriter } from "../ark/query-status.js";
import { scopedLogger } from "./scoped-logger.js";
import { onAbort } from "../core/abort.js";
import type { ExecutionEngineRequest } from "./types.js";
import type { ExecutionTools } from "./tools/types.js";
import { Toolbox, type ToolHost } from "./tools/toolbox.js";

/** The request of an execution that has none attached: no tools, no MCP servers. */
const NO_TOOLS_REQUEST = Object.freeze({ agent: Object.freeze({ tools: Object.freeze([]) }), mcpServers: Object.freeze([]) }) as unknown as ExecutionEngineRequest;

/** What an engine can do and know while it runs one query. */
export interface ExecutionContext {
  /**
   * Fires on A2A `tasks/cancel`, the Query's `spec.cancel`, the deadline
   * (`spec.timeout`), shutdown after the grace period, and when the caller
   * hangs up. Its `reason` is an `ExecutionAbortedError` naming the cause.
   * Pass it to everything that can wait (fetch, SDK calls, timers).
   */
  readonly signal: AbortSignal;
  /** The ARK query reference (`undefined` for requests of the REST `/execute` protocol). */
  readonly queryRef: QueryRef | undefined;
  /** True when ARK's completions engine dispatched one team member: no broker, no status writes. */
  readonly isSubTarget: boolean;
  /** The conversation scope of this execution (`""` when none). */
  readonly conversationId: string;
  /** The A2A task id of this execution. */
  readonly taskId: string;
  /** The verified identity of the caller, when the app has an auth guard. */
  readonly caller: Claims | undefined;
  /** Logger scoped to this execution. */
  readonly logger: Logger;
  /** Streams a piece of the answer (to the broker and to A2A streaming clients). */
  streamChunk(text: string): Promise<void>;
  /**
   * Streams a tool call to the broker. Object arguments are JSON-encoded;
   * `index` defaults to a per-execution counter (0, 1, 2…).
   */
  streamToolCall(name: string, args?: string | Record<string, unknown>, toolCallId?: string, index?: number): Promise<void>;
  /** Sets the Query's `status.phase` and merges a `Completed=False` condition (e.g. `provisioning`). No-op for sub-targets. */
  updateQueryPhase(phase: string, reason: string, message?: string): Promise<void>;
  /** Adds tokens to this execution's usage; the sum goes back to ARK (`status.tokenUsage`). */
  reportUsage(usage: TokenUsage): void;
  /** `fetch` that aborts with {@link signal} (combined with `init.signal` when given). */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /**
   * The agent's tools (`request.agent.tools`): list them, and call them by
   * name (MCP, http, agent/team sub-queries, builtins). Made on first use;
   * MCP connections opened by calls close when the execution ends.
   */
  readonly tools: ExecutionTools;
  /**
   * The conversation's earlier messages, oldest first, from ARK's memory: the
   * Memory the Query names (`spec.memory`), else the Memory `default` of its
   * namespace, read through the memory API (`GET /messages?conversation_id=`)
   * as ARK's completions engine does. Bounded: the latest `limit` messages
   * (default 100) within `maxBytes` of JSON (default 1 MiB). Read only when
   * called; aborted by {@link signal}.
   *
   * Empty when the execution has no conversation id, when the Query has no
   * Memory (as ARK's engine, the answer then reports `memoryUnavailable`),
   * and for team members (the team's transcript is in the user
   * input). On the REST `/execute` protocol (and in `runEngine` of
   * `ark-sdk/testing`): the request's `history`, bounded the same way.
   * @throws MemoryUnavailableError when the Memory cannot be read (the answer
   *   then reports `memoryDegraded`); ARK's own engine continues
   *   without history: `await ctx.history().catch(() => [])` does the same.
   */
  history(options?: HistoryOptions): Promise<Message[]>;
}

/** Where {@link ExecutionContext.history} reads: a Memory found on demand, or the messages a request carried. */
export type HistorySource = { memoryFor(ref: QueryRef, signal: AbortSignal): Promise<MemoryEndpoint | undefined> } | readonly Message[];

/** Where an execution's output goes besides its answer. */
export interface ExecutionSinks {
  /** Where streamed chunks and tool calls go: ARK's broker, or an in-memory sink in tests. */
  broker?: Pick<BrokerStream, "sendChunk">;
  status?: QueryPhaseWriter;
  /** Receives each text chunk (A2A `message/stream` clients). */
  onChunk?: (text: string) => Promise<void> | undefined;
}

/** @internal The context implementation the app drives. */
export class ExecutionRun implements ExecutionContext {
  readonly queryRef: QueryRef | undefined;
  readonly isSubTarget: boolean;
  readonly conversationId: string;
  /** The given task id, else one made when first read (a blocking send's engine rarely asks). */
  #taskId: string | undefined;
  readonly caller: Claims | undefined;
  private readonly baseLogger: Logger;
  private scoped: Logger | undefined;
  /** Whether a text chunk reached the broker (then no fallback chunk is sent). */
  streamedToBroker = false;
  usage: TokenUsage | undefined;
  // Created on first use of `signal`: an AbortController per request is measurable on the hot path.
  private controller: AbortController | undefined;
  private reason: ExecutionAbortedError | undefined;
  private abortListeners: (() => void)[] = [];
  /** Where output goes; the runtime attaches the broker and status writer once the Query is resolved. */
  readonly sinks: ExecutionSinks;
  private toolCallIndex = 0;
  private readonly cleanups: (() => void)[] = [];
  /** Where the runtime keeps this run in its in-flight list (-1 when not in it). */
  inflightIndex = -1;
  private toolRequest: ExecutionEngineRequest | undefined;
  private toolHost: ToolHost | undefined;
  private toolbox: Toolbox | undefined;
  /** Where `history()` reads; set by the runtime once the Query is resolved (none: history is empty). */
  historySource: HistorySource | undefined;
  /** `history()` found no Memory for a conversation (ARK's `memoryUnavailable`). */
  memoryUnavailable = false;
  /** `history()` could not read the Memory (ARK's `memoryDegraded`). */
  memoryDegraded = false;

  constructor(init: {
    queryRef: QueryRef | undefined;
    conversationId: string;
    /** Made on first read when not given. */
    taskId?: string;
    caller: Claims | undefined;
    logger: Logger;
    sinks: ExecutionSinks;
  }) {
    this.queryRef = init.queryRef;
    this.isSubTarget = init.queryRef?.target !== undefined;
    this.conversationId = init.conversationId;
    this.#taskId = init.taskId;
    this.caller = init.caller;
    this.baseLogger = init.logger;
    this.sinks = init.sinks;
  }

  get taskId(): string {
    return (this.#taskId ??= randomUUID());
  }

  /** The app's logger with this execution's query, namespace and task on every line (made on first use). */
  get logger(): Logger {
    const ref = this.queryRef;
    this.scoped ??= scopedLogger(this.baseLogger, ref ? { query: ref.name, namespace: ref.namespace, task: this.taskId } : { task: this.taskId });
    return this.scoped;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Whether the execution was aborted. */
  get aborted(): boolean {
    return this.reason !== undefined;
  }

  /** Aborts the execution (first cause wins). */
  abort(cause: AbortCause): void {
    if (this.reason) return;
    this.reason = new ExecutionAbortedError(cause);
    this.controller?.abort(this.reason);
    for (const listener of this.abortListeners.splice(0)) listener();
  }

  /** Calls `listener` once on abort (at once if already aborted); returns a function that removes it. */
  onAbort(listener: () => void): () => void {
    if (this.reason) {
      listener();
      return () => {};
    }
    this.abortListeners.push(listener);
    return () => {
      const i = this.abortListeners.indexOf(listener);
      if (i !== -1) this.abortListeners.splice(i, 1);
    };
  }

  /** Calls `listener` once on abort (at once if already aborted); it stays registered for the run's life (no remover made). */
  whenAborted(listener: () => void): void {
    if (this.reason) listener();
    else this.abortListeners.push(listener);
  }

  /** Aborts with `cause` when `source` fires (or already has). */
  linkAbort(source: AbortSignal | undefined, cause: AbortCause): void {
    if (source) this.cleanups.push(onAbort(source, () => this.abort(cause)));
  }

  /** Aborts with `cause` when a listener registered through `subscribe` is called. */
  linkCallback(subscribe: ((listener: () => void) => () => void) | undefined, cause: AbortCause): void {
    if (subscribe) this.cleanups.push(subscribe(() => this.abort(cause)));
  }

  /** Aborts with `deadline` after `ms` (ignored when not a positive finite number). */
  setDeadline(ms: number | undefined): void {
    if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return;
    const timer = setTimeout(() => this.abort("deadline"), ms);
    timer.unref?.();
    this.cleanups.push(() => clearTimeout(timer));
  }

  /** Sets the request whose tools `ctx.tools` runs, and what runs them (sub-queries, approval). */
  attachTools(request: ExecutionEngineRequest, host?: ToolHost): void {
    this.toolRequest = request;
    this.toolHost = host;
  }

  get tools(): ExecutionTools {
    // An execution without a request (none attached yet) has no tools.
    this.toolbox ??= new Toolbox(this.toolRequest ?? NO_TOOLS_REQUEST, this, this.toolHost);
    return this.toolbox;
  }

  /**
   * Closes what tool calls opened (MCP clients) in the background (the answer
   * does not wait for a slow server); returns the closing, `undefined` when
   * `ctx.tools` was never used.
   */
  closeTools(): Promise<void> | undefined {
    return this.toolbox?.close();
  }

  /** Detaches from every source and timer. */
  dispose(): void {
    const cleanups = this.cleanups;
    for (let i = 0; i < cleanups.length; i++) (cleanups[i] as () => void)();
    cleanups.length = 0;
  }

  /** The abort cause, when aborted. */
  get abortError(): ExecutionAbortedError | undefined {
    return this.reason;
  }

  async streamChunk(text: string): Promise<void> {
    if (typeof text !== "string") throw new ArgumentError("text", "streamChunk(text) needs a string");
    // Nobody reads an aborted execution's stream: an engine that ignores ctx.signal learns it here.
    if (this.reason) throw this.reason;
    if (text === "") return;
    const room = this.sinks.onChunk?.(text);
    if (room) {
      // The A2A client reads slower than the engine writes: wait for it (the app cuts a client that stalls).
      await room;
      if (this.reason) throw this.reason;
    }
    if (this.sinks.broker) {
      this.streamedToBroker = true;
      await this.sinks.broker.sendChunk(text);
    }
  }

  async streamToolCall(name: string, args: string | Record<string, unknown> = "", toolCallId = "", index?: number): Promise<void> {
    if (typeof name !== "string" || name === "") throw new ArgumentError("name", "streamToolCall(name) needs a non-empty string");
    if (!this.sinks.broker) return;
    const call: StreamedToolCall = {
      index: index ?? this.toolCallIndex++,
      id: toolCallId,
      type: "function",
      function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) },
    };
    await this.sinks.broker.sendChunk("", null, [call]);
  }

  async updateQueryPhase(phase: string, reason: string, message = ""): Promise<void> {
    if (!this.sinks.status || !this.queryRef || this.isSubTarget) return;
    try {
      await this.sinks.status.updatePhase(this.queryRef, phase, reason, message);
    } catch (error) {
      // Status is informational: a failed write must not fail the execution.
      this.logger.error(`failed to update query phase: ${errorMessage(error)}`, { query: this.queryRef.name, phase });
    }
  }

  reportUsage(usage: TokenUsage): void {
    this.usage = addTokenUsage(this.usage, validateTokenUsage(usage));
  }

  async history(options: HistoryOptions = {}): Promise<Message[]> {
    const bounds = historyBounds(options);
    if (this.reason) throw this.reason;
    const source = this.historySource;
    if (source === undefined) return [];
    if (!("memoryFor" in source)) return boundHistory(source, bounds);
    const ref = this.queryRef;
    if (this.conversationId === "" || ref === undefined) return [];
    const link = linkAbort([this.signal, options.signal]);
    try {
      const endpoint = await source.memoryFor(ref, link.signal);
      if (!endpoint) {
        this.memoryUnavailable = true;
        return [];
      }
      return await readConversation(endpoint, this.conversationId, { ...bounds, signal: link.signal });
    } catch (error) {
      if (error instanceof MemoryUnavailableError) this.memoryDegraded = true;
      throw error;
    } finally {
      link.close();
    }
  }

  fetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const signal = init.signal ? AbortSignal.any([this.signal, init.signal]) : this.signal;
    return fetch(input, { ...init, signal });
  }
}
