/**
 * A resolver that needs no cluster: you register what each Query resolves
 * to. For engine unit tests and local development; an unknown Query answers
 * like a missing one would on a cluster.
 */

import type { Logger } from "../core/logger.js";
import { brokerStreamFor, type BrokerStream } from "./broker-client.js";
import { QueryResolutionError } from "../ark/errors.js";
import type { QueryRef } from "../protocol/query-extension.js";
import type { QueryResolver, ResolvedQuery, ResolveInput } from "./query-resolver.js";
import type { ExecutionEngineRequest } from "./types.js";

/** What a registered Query resolves to; `userInput` and `conversationId` come from each call. */
export interface StaticQuery {
  request: Omit<ExecutionEngineRequest, "userInput" | "conversationId">;
  /** The Query's timeout, ms. */
  timeoutMs?: number;
}

/** An in-memory {@link QueryResolver}. */
export class StaticQueryResolver implements QueryResolver {
  private readonly queries = new Map<string, { query: StaticQuery; cancel: AbortController }>();
  private readonly brokerUrl: string | undefined;
  private readonly logger: Logger | undefined;

  /**
   * @param options.brokerUrl - stream top-level executions to this broker (as `ark-config-streaming` would)
   * @param options.logger - where broker failures are reported
   */
  constructor(options: { brokerUrl?: string; logger?: Logger } = {}) {
    this.brokerUrl = options.brokerUrl;
    this.logger = options.logger;
  }

  /** Registers (or replaces) what `namespace/name` resolves to. */
  set(namespace: string, name: string, query: StaticQuery): this {
    this.queries.set(`${namespace}/${name}`, { query, cancel: new AbortController() });
    return this;
  }

  /** Acts like setting the Query's `spec.cancel: true`: running executions of it are aborted. */
  cancel(namespace: string, name: string): void {
    this.queries.get(`${namespace}/${name}`)?.cancel.abort();
  }

  async resolve(ref: QueryRef, input: ResolveInput): Promise<ResolvedQuery> {
    const entry = this.queries.get(`${ref.namespace}/${ref.name}`);
    if (!entry) {
      throw new QueryResolutionError(`Query '${ref.name}' not found in namespace '${ref.namespace}'`, "NotFound", { object: `Query ${ref.namespace}/${ref.name}` });
    }
    const request: ExecutionEngineRequest = {
      ...structuredClone(entry.query.request),
      userInput: { role: "user", content: input.userInput },
      conversationId: input.conversationId,
    };
    return { request, timeoutMs: entry.query.timeoutMs, cancelSignal: entry.cancel.signal };
  }

  async brokerFor(ref: QueryRef, request: ExecutionEngineRequest): Promise<BrokerStream | undefined> {
    if (!this.brokerUrl) return undefined;
    return brokerStreamFor(this.brokerUrl, ref, request, { logger: this.logger });
  }
}
