/**
 * Puts a {@link RequestGuard} in front of any fetch-style handler (Node's
 * `Request` → `Response` servers, Hono, Bun, Deno...), for services that are
 * not an `ExecutorApp`.
 */
import type { Claims, RequestGuard } from "../core/request-guard.js";

/** A fetch-style request handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** A handler that also receives the caller's verified claims (`undefined` on public paths). */
export type AuthenticatedHandler = (request: Request, claims: Claims | undefined) => Response | Promise<Response>;

/**
 * A handler that runs `guard` first and calls `handler` only when it lets the
 * request through; otherwise it answers with the guard's response.
 *
 * @example
 * ```ts
 * const handle = withGuard(bearerAuth(validator), (request, claims) => new Response(`hello ${claims?.sub}`));
 * ```
 */
export function withGuard(guard: RequestGuard, handler: AuthenticatedHandler): FetchHandler {
  return async (request: Request): Promise<Response> => {
    const decision = await guard(request);
    if (!decision.ok) return decision.response;
    return handler(request, decision.claims);
  };
}
