/**
 * The seam between the app and the cluster: turning a QueryRef into an
 * `ExecutionEngineRequest`, plus what the app needs to enforce the Query's
 * cancellation and deadline, and where to stream. The cluster-backed
 * implementation is `ClusterQueryResolver`; tests and local tools may supply
 * their own.
 */

import type { BrokerStream } from "./broker-client.js";
import type { QueryPhaseWriter } from "./execution-context.js";
import type { QueryRef } from "../protocol/query-extension.js";
import type { ExecutionEngineRequest } from "./types.js";
import type { ToolHost } from "./tools/toolbox.js";
import type { MemoryEndpoint } from "../ark/memory.js";

/** Inputs of a resolution besides the reference. */
export interface ResolveInput {
  /** The user text of the A2A message. */
  userInput: string;
  /** The conversation scope chosen by the app (QueryRef's, else the message's context id). */
  conversationId: string;
  /**
   * Aborts when the execution does (cancel, deadline, shutdown, hang-up): pass
   * it to every read that can wait. Made on first read, so a resolver that
   * never waits (in-memory) costs no `AbortController` per request.
   */
  readonly signal: AbortSignal;
}

/** What {@link QueryResolver.brokerFor} gets besides the reference and request. */
export interface BrokerInput {
  /** As {@link ResolveInput.signal}: made on first read. */
  readonly signal: AbortSignal;
}

/** A resolved query. */
export interface ResolvedQuery {
  request: ExecutionEngineRequest;
  /** The Query's `spec.timeout`, ms: the app aborts the execution when it elapses. */
  timeoutMs?: number;
  /** Fires when the Query's `spec.cancel` becomes true. */
  cancelSignal?: AbortSignal;
  /**
   * The same as `cancelSignal` as a subscription (lighter on a hot path):
   * calls `listener` once the Query is canceled and returns a function that
   * unsubscribes. The app unsubscribes when the execution ends.
   */
  onCancel?: (listener: () => void) => () => void;
  /** What runs the request's agent and team tools (sub-queries), for `ctx.tools`; absent: those tools are unavailable. */
  tools?: ToolHost;
  /** Releases what the resolution holds (cancellation watch…); called once the execution ended. */
  release?: () => void;
}

/** Turns QueryRefs into requests. */
export interface QueryResolver {
  /**
   * Resolves a reference. Throws `QueryResolutionError` for a Query (or an
   * object it names) that cannot be resolved.
   */
  resolve(ref: QueryRef, input: ResolveInput): Promise<ResolvedQuery>;
  /** The broker stream of a top-level query, or `undefined` when streaming is not configured in its namespace. */
  brokerFor?(ref: QueryRef, request: ExecutionEngineRequest, input: BrokerInput): Promise<BrokerStream | undefined>;
  /**
   * The ARK broker's OTLP traces URL announced in the engine's own namespace
   * (`ark-config-broker`), a second destination of the engine's spans;
   * `undefined` when none is announced.
   */
  tracesEndpoint?(signal: AbortSignal): Promise<string | undefined>;
  /**
   * Where the conversation memory of a top-level Query is: its `spec.memory`,
   * else the Memory `default` of its namespace; `undefined` when it has none
   * (ARK then keeps no memory). Called only when an engine asks for
   * `ctx.history()`. Throws `MemoryUnavailableError` for a named Memory that
   * is missing or cannot be resolved.
   */
  memoryFor?(ref: QueryRef, signal: AbortSignal): Promise<MemoryEndpoint | undefined>;
  /** Writes Query status phases (`ctx.updateQueryPhase`). */
  readonly statusWriter?: QueryPhaseWriter;
  /** Stops watches and caches. */
  close?(): Promise<void>;
}
