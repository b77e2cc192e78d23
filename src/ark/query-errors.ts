/**
 * How a query can fail to produce an answer: the target failed (phase
 * `error`), it was canceled (by the caller's signal, a client-side timeout or
 * someone setting `spec.cancel`), or the Query was deleted while waiting.
 * Each carries what was known of the Query so nothing is lost.
 */

import type { Query } from "../generated/index.js";
import { ArkSdkError, markTimeout } from "../core/errors.js";
import type { QueryResult } from "./query-result.js";

/** The Query ended in phase `error`; {@link QueryFailedError.result} holds ARK's response (content, raw, usage). */
export class QueryFailedError extends ArkSdkError {
  /** The failed Query's outcome: `content` is ARK's error text. */
  readonly result: QueryResult;
  /** The `Completed` condition's reason (e.g. `QueryErrored`, `TimedOutInExecution`), when present. */
  readonly reason: string | undefined;

  constructor(result: QueryResult) {
    const reason = result.query.status?.conditions?.find((c) => c.type === "Completed")?.reason;
    super(`Query "${result.name}" failed: ${result.content || "no error message in status.response.content"}`);
    this.result = result;
    this.reason = reason;
  }

  /** The failed Query as last seen. */
  get query(): Query {
    return this.result.query;
  }
}

/** Why a query was canceled. */
export type QueryCancelReason =
  /** The caller's `signal` aborted; ark-sdk set `spec.cancel`. */
  | "aborted"
  /** The client-side deadline passed; ark-sdk set `spec.cancel`. */
  | "timeout"
  /** Someone else set `spec.cancel` and ARK moved the Query to `canceled`. */
  | "canceled";

/** The Query was canceled before it answered. */
export class QueryCanceledError extends ArkSdkError {
  readonly queryName: string;
  readonly reason: QueryCancelReason;
  /** The Query as last seen, when it was read. */
  readonly query: Query | undefined;

  constructor(queryName: string, reason: QueryCancelReason, message: string, query?: Query, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.queryName = queryName;
    this.reason = reason;
    this.query = query;
  }
}

/**
 * The client-side deadline passed; `spec.cancel` was set on the Query. A
 * cancellation by its cause and a timeout by its meaning: `isTimeout(err)`
 * holds, as for every other ark-sdk timeout.
 */
export class QueryTimeoutError extends QueryCanceledError {
  /** The deadline that passed, ms. */
  readonly timeoutMs: number;

  constructor(queryName: string, timeoutMs: number, query?: Query) {
    super(queryName, "timeout", `Query "${queryName}" did not finish within ${timeoutMs} ms; spec.cancel was set`, query);
    this.timeoutMs = timeoutMs;
  }
}
markTimeout(QueryTimeoutError);

/** The Query was deleted while the client waited for it. */
export class QueryDeletedError extends ArkSdkError {
  readonly queryName: string;
  /** The Query as last seen before deletion. */
  readonly query: Query | undefined;

  constructor(queryName: string, query?: Query) {
    super(`Query "${queryName}" was deleted before it finished (last phase: ${query?.status?.phase || "pending"})`);
    this.queryName = queryName;
    this.query = query;
  }
}

