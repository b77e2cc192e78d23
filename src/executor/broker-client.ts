/**
 * Streaming an execution to ARK's broker (`ark-broker`): OpenAI-style
 * `chat.completion.chunk` NDJSON lines with an `ark` envelope, memory
 * messages, a final chunk carrying the completed query, then `complete`.
 * Calls are sent strictly in the order they were made, even when callers do
 * not await them. A broker failure is logged and never fails the execution.
 */

import { silentLogger, type Logger } from "../core/logger.js";
import { errorMessage } from "../core/errors.js";
import type { TokenUsage, ToolCall, WireMessage } from "../protocol/messages.js";
import type { QueryRef } from "../protocol/query-extension.js";
import type { ExecutionEngineRequest } from "./types.js";
import { NDJSON_CONTENT_TYPE, ndjsonLine } from "../protocol/framing.js";
import { BrokerReachability, isConnectFailure } from "../ark/service-urls.js";

/** Who the chunks are about. */
export interface BrokerStreamOptions {
  /** Broker base URL, e.g. `http://ark-broker.ark-system.svc.cluster.local:80`. */
  baseUrl: string;
  /** The Query's name (the stream id). */
  queryName: string;
  /** The conversation id (`ark.session`). */
  sessionId: string;
  /** The agent's name (`model: "agent/<name>"`). */
  agentName: string;
  /** Retention of memory messages, when the Query has a TTL. */
  messageTtlSeconds?: number | undefined;
  logger?: Logger | undefined;
  /** Per-call timeout, ms (default 10,000). */
  timeoutMs?: number | undefined;
  /** Called when a call fails to connect, so the caller can forget a stale broker address. */
  onUnreachable?: (() => void) | undefined;
  /**
   * Reports a broker that does not answer once per outage (share one per
   * resolver so N queries give one warning; default: one per stream).
   */
  reachability?: BrokerReachability | undefined;
  /** Where the URL came from and the variable to set, for that warning (see `brokerUnreachableAdvice`). */
  advice?: string | undefined;
}

/** A tool call as streamed: an index plus an OpenAI tool call. */
export type StreamedToolCall = ToolCall & { index: number };

/** One NDJSON streaming chunk (without the trailing newline). */
export interface BrokerChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: [{ index: 0; delta: { role: "assistant"; content: string; tool_calls?: StreamedToolCall[] }; finish_reason: string | null }];
  ark: Record<string, unknown>;
}

/** The stream of one resolved Query: named after it, in its conversation, for its agent, with its message TTL. */
export function brokerStreamFor(
  baseUrl: string,
  ref: QueryRef,
  request: ExecutionEngineRequest,
  options: Pick<BrokerStreamOptions, "logger" | "timeoutMs" | "onUnreachable" | "reachability" | "advice"> = {},
): BrokerStream {
  return new BrokerStream({
    ...options,
    baseUrl,
    queryName: ref.name,
    sessionId: request.conversationId,
    agentName: request.agent.name,
    messageTtlSeconds: request.messageTtlSeconds,
  });
}

/** A session streaming one execution to the broker. */
export class BrokerStream {
  private readonly options: BrokerStreamOptions;
  private readonly logger: Logger;
  private readonly base: string;
  private readonly streamPath: string;
  private readonly reachability: BrokerReachability;
  private queue: Promise<void> = Promise.resolve();
  /** Set once a call found nothing answering: the stream's remaining calls are skipped (each would wait for a connect failure). */
  private unreachable = false;

  constructor(options: BrokerStreamOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.reachability = options.reachability ?? new BrokerReachability(this.logger);
    this.base = options.baseUrl.replace(/\/+$/, "");
    this.streamPath = `/stream/${encodeURIComponent(options.queryName)}`;
  }

  private get model(): string {
    return this.options.agentName ? `agent/${this.options.agentName}` : "unknown";
  }

  private get ark(): Record<string, unknown> {
    return { query: this.options.queryName, session: this.options.sessionId, agent: this.options.agentName };
  }

  /** A content (or tool-call) chunk. */
  buildChunk(content: string, finishReason: string | null = null, toolCalls?: StreamedToolCall[]): BrokerChunk {
    const delta: BrokerChunk["choices"][0]["delta"] = { role: "assistant", content };
    if (toolCalls && toolCalls.length > 0) delta.tool_calls = toolCalls;
    return {
      id: this.options.queryName,
      object: "chat.completion.chunk",
      created: Math.floor(Date.now() / 1000),
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
      ark: this.ark,
    };
  }

  /** The final chunk: carries the completed query (phase `done`, response, raw messages, token usage). */
  buildFinalChunk(responseText: string, responseMessages?: WireMessage[], tokenUsage?: TokenUsage): BrokerChunk {
    const response: Record<string, unknown> = { content: responseText, phase: "done" };
    if (responseMessages) response.raw = JSON.stringify(responseMessages);
    const status: Record<string, unknown> = { phase: "done", conversationId: this.options.sessionId, response };
    if (tokenUsage) status.tokenUsage = { cachedTokens: 0, ...tokenUsage };
    const chunk = this.buildChunk("", "stop");
    chunk.id = "chatcmpl-final";
    chunk.ark = { ...this.ark, completedQuery: { metadata: { name: this.options.queryName }, status } };
    return chunk;
  }

  /** Sends a content chunk (and optional tool calls). */
  sendChunk(content: string, finishReason: string | null = null, toolCalls?: StreamedToolCall[]): Promise<void> {
    return this.streamLine(this.buildChunk(content, finishReason, toolCalls), "chunk");
  }

  /** Sends the final chunk. */
  sendFinalChunk(responseText: string, responseMessages?: WireMessage[], tokenUsage?: TokenUsage): Promise<void> {
    return this.streamLine(this.buildFinalChunk(responseText, responseMessages, tokenUsage), "chunk");
  }

  /** Reports a failed execution on the stream as ARK's completions engine does (`{ error: { message, type: "server_error", code: "execution_failed" }, ark }`). */
  sendError(message: string): Promise<void> {
    return this.streamLine({ error: { message, type: "server_error", code: "execution_failed" }, ark: this.ark }, "error chunk");
  }

  /** Sends an event line as it is (ARK streams e.g. its `tool_approval_request` event this way, unwrapped). */
  sendEvent(event: Record<string, unknown>): Promise<void> {
    return this.streamLine(event, "event");
  }

  /** Writes messages to conversation memory (`POST /messages`). */
  sendMessages(conversationId: string, messages: WireMessage[]): Promise<void> {
    const body: Record<string, unknown> = { conversation_id: conversationId, query_id: this.options.queryName, messages };
    if (this.options.messageTtlSeconds !== undefined) body.ttl_seconds = this.options.messageTtlSeconds;
    return this.post("/messages", "application/json", JSON.stringify(body), "messages");
  }

  /** Ends the stream (`POST /stream/<query>/complete`). */
  complete(): Promise<void> {
    return this.post(`${this.streamPath}/complete`, "application/json", "{}", "complete");
  }

  /** Resolves once every call made so far has finished. */
  flush(): Promise<void> {
    return this.queue;
  }

  /** Posts one NDJSON line to the query's stream. */
  private streamLine(line: unknown, what: string): Promise<void> {
    return this.post(this.streamPath, NDJSON_CONTENT_TYPE, ndjsonLine(line), what);
  }

  private post(path: string, contentType: string, body: string, what: string): Promise<void> {
    const send = async () => {
      const url = `${this.base}${path}`;
      if (this.unreachable) {
        this.logger.debug(`broker ${what} skipped: the broker did not answer earlier in this stream`, { url, query: this.options.queryName });
        return;
      }
      try {
        const response = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": contentType },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        await response.arrayBuffer().catch(() => undefined);
        this.reachability.reached(this.base);
        if (response.status !== 200 && response.status !== 202) {
          this.logger.warn(`broker ${what} answered ${response.status}`, { url, query: this.options.queryName });
        }
      } catch (error) {
        // fetch reports network failures (refused, unknown host, reset socket) as TypeError: one warning per outage.
        if (error instanceof TypeError) {
          this.options.onUnreachable?.();
          // Nothing answers at all: skip the stream's remaining calls; a reset socket may recover on the next call.
          if (isConnectFailure(error)) this.unreachable = true;
          this.reachability.unreachable(this.base, error, this.options.advice ?? "given to this engine");
          return;
        }
        this.logger.warn(`broker ${what} failed: ${errorMessage(error)}`, { url, query: this.options.queryName });
      }
    };
    this.queue = this.queue.then(send);
    return this.queue;
  }
}
