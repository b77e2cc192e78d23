/**
 * A resolver that needs no cluster: you register what each Query resolves
 * to. For engine unit tests and local development; an unknown Query answers
 * like a missing one would on a cluster.
 */

import { silentLogger, type Logger } from "../core/logger.js";
import { brokerStreamFor, type BrokerStream } from "./broker-client.js";
import { BrokerReachability } from "../ark/service-urls.js";
import { QueryResolutionError } from "../ark/errors.js";
import type { QueryRef } from "../protocol/query-extension.js";
import type { QueryResolver, ResolvedQuery, ResolveInput } from "./query-resolver.js";
import type { ExecutionEngineRequest } from "./types.js";
import type { ToolHost } from "./tools/toolbox.js";

/** What a registered Query resolves to; `userInput` and `conversationId` come from each call. */
export interface StaticQuery {
  request: Omit<ExecutionEngineRequest, "userInput" | "conversationId">;
  /** The Query's timeout, ms. */
  timeoutMs?: number;
}

/** A registered Query: its request (a frozen copy) and who waits for its cancellation. */
interface Entry {
  request: Readonly<StaticQuery["request"]>;
  timeoutMs: number | undefined;
  canceled: boolean;
  /** Who waits for the cancellation: a linked list (a Set or Map churned per execution costs on the hot path). */
  cancelListeners: Listeners;
}

/** One waiting listener in a {@link Listeners} list. */
interface ListenerNode {
  listener: () => void;
  prev: ListenerNode | undefined;
  next: ListenerNode | undefined;
}

/** A doubly linked list of listeners: add and remove without hashing. */
class Listeners {
  private head: ListenerNode | undefined;

  /** Adds `listener`; returns its remover (safe to call twice). */
  add(listener: () => void): () => void {
    const node: ListenerNode = { listener, prev: undefined, next: this.head };
    if (this.head) this.head.prev = node;
    this.head = node;
    return () => this.remove(node);
  }

  private remove(node: ListenerNode): void {
    if (node.prev) node.prev.next = node.next;
    else if (this.head === node) this.head = node.next;
    else return; // already removed
    if (node.next) node.next.prev = node.prev;
    node.prev = node.next = undefined;
  }

  /** Removes every listener and returns them. */
  takeAll(): (() => void)[] {
    const all: (() => void)[] = [];
    for (let node = this.head; node; node = node.next) all.push(node.listener);
    this.head = undefined;
    return all;
  }
}

/**
 * An in-memory {@link QueryResolver}. Each registered request is copied and
 * deep-frozen once, so every execution shares it without a per-request clone
 * (an engine cannot change what the next execution gets).
 */
export class StaticQueryResolver implements QueryResolver {
  /** Namespace → name → entry (no key string built per lookup). */
  private readonly queries = new Map<string, Map<string, Entry>>();
  private readonly logger: Logger | undefined;
  private readonly tools: ToolHost | undefined;
  /**
   * The broker stream of a top-level execution; present only with a
   * `brokerUrl` (without one there is nothing to discover, and the app skips
   * the step instead of awaiting a no-op per execution).
   */
  readonly brokerFor?: (ref: QueryRef, request: ExecutionEngineRequest) => Promise<BrokerStream | undefined>;

  /**
   * @param options.brokerUrl - stream top-level executions to this broker (as `ark-config-streaming` would)
   * @param options.logger - where broker failures are reported
   * @param options.tools - what runs agent/team tools (`{ subQueries: subQueryRunner(ark) }`) and approvals for `ctx.tools`
   */
  constructor(options: { brokerUrl?: string; logger?: Logger; tools?: ToolHost } = {}) {
    this.logger = options.logger;
    this.tools = options.tools;
    const brokerUrl = options.brokerUrl;
    if (brokerUrl) {
      // One per resolver: N executions against a broker that does not answer give one warning.
      const reachability = new BrokerReachability(this.logger ?? silentLogger);
      const advice = `given as the StaticQueryResolver's brokerUrl option: start the broker there, or pass its URL`;
      this.brokerFor = async (ref, request) => brokerStreamFor(brokerUrl, ref, request, { logger: this.logger, reachability, advice });
    }
  }

  /** Registers (or replaces) what `namespace/name` resolves to. */
  set(namespace: string, name: string, query: StaticQuery): this {
    let names = this.queries.get(namespace);
    if (!names) this.queries.set(namespace, (names = new Map()));
    names.set(name, { request: deepFreeze(structuredClone(query.request)), timeoutMs: query.timeoutMs, canceled: false, cancelListeners: new Listeners() });
    return this;
  }

  /** Acts like setting the Query's `spec.cancel: true`: running executions of it are aborted. */
  cancel(namespace: string, name: string): void {
    const entry = this.queries.get(namespace)?.get(name);
    if (!entry || entry.canceled) return;
    entry.canceled = true;
    for (const listener of entry.cancelListeners.takeAll()) listener();
  }

  async resolve(ref: QueryRef, input: ResolveInput): Promise<ResolvedQuery> {
    const entry = this.queries.get(ref.namespace)?.get(ref.name);
    if (!entry) {
      throw new QueryResolutionError(`Query '${ref.name}' not found in namespace '${ref.namespace}'`, "NotFound", { object: `Query ${ref.namespace}/${ref.name}` });
    }
    const request: ExecutionEngineRequest = { ...(entry.request as ExecutionEngineRequest), userInput: { role: "user", content: input.userInput }, conversationId: input.conversationId };
    // A subscription rather than an AbortSignal: no EventTarget listener per execution.
    const onCancel = (listener: () => void) => {
      if (entry.canceled) {
        listener();
        return () => {};
      }
      return entry.cancelListeners.add(listener);
    };
    return { request, timeoutMs: entry.timeoutMs, onCancel, tools: this.tools };
  }

}

/** `value` with every nested object frozen. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
