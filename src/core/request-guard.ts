/**
 * The contract between an authentication guard and a fetch-style server such
 * as `ExecutorApp`: the server hands each request to the guard before routing,
 * and either continues (with the caller's verified claims) or answers with the
 * guard's response (typically 401).
 */

/** The verified identity of a caller (JWT claims). */
export type Claims = Record<string, unknown> & { sub?: string; iss?: string; aud?: string | string[] };

/** What a guard decided about one request. */
export type GuardResult = { ok: true; claims?: Claims } | { ok: false; response: Response };

/** Decides whether a request may proceed. Must never throw for bad credentials: answer `{ ok: false }`. */
export type RequestGuard = (request: Request) => Promise<GuardResult>;
