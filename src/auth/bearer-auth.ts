/**
 * A {@link RequestGuard} that demands `Authorization: Bearer <token>` and
 * answers RFC 6750 challenges (401 + `WWW-Authenticate`) for everything else.
 * Health, readiness and agent-card paths stay open by default so that probes
 * and A2A discovery work without credentials.
 */
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import { AuthenticationError, MissingTokenError, TokenValidationError } from "./errors.js";
import type { Claims, GuardResult, RequestGuard } from "../core/request-guard.js";
import type { TokenVerifier } from "./token-validator.js";

/** Paths open to `GET`/`HEAD` without a token unless configured otherwise. */
export const DEFAULT_PUBLIC_PATHS: readonly string[] = [
  "/health",
  "/ready",
  "/.well-known/agent-card.json",
  "/.well-known/agent.json",
];

/** How {@link bearerAuth} treats requests. */
export interface BearerAuthOptions {
  /**
   * Exact paths served to `GET` and `HEAD` without a token (default
   * {@link DEFAULT_PUBLIC_PATHS}); pass `[]` to protect every path.
   */
  publicPaths?: readonly string[] | undefined;
  /** The `realm` named in challenges (default `"ark"`). */
  realm?: string | undefined;
  /** Where refusals are logged with their details (default: silent). */
  logger?: Logger | undefined;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;
const BEARER_SCHEME = /^Bearer(?:[ \t]|$)/i;

/**
 * The token in an `Authorization` header value. The scheme is matched without
 * regard to case (RFC 7235 §2.1).
 * @throws MissingTokenError when the header is absent, empty, of another scheme or malformed
 */
export function extractBearerToken(authorization: string | null | undefined): string {
  const value = authorization?.trim() ?? "";
  if (value === "") throw new MissingTokenError("Missing bearer token", "no Authorization header");
  const token = BEARER.exec(value)?.[1];
  if (token !== undefined) return token;
  const details = BEARER_SCHEME.test(value)
    ? "Authorization header holds no well-formed bearer token"
    : `Authorization scheme "${value.split(/[ \t]/, 1)[0]?.slice(0, 32) ?? ""}" is not Bearer`;
  throw new MissingTokenError("Invalid authorization header format", details, true);
}

/**
 * A guard that lets a request through only with a token `verifier` accepts,
 * handing its claims on; public paths pass without one.
 *
 * @example
 * ```ts
 * const app = new ExecutorApp(executor, { auth: bearerAuth(TokenValidator.fromEnv()) });
 * ```
 */
export function bearerAuth(verifier: TokenVerifier, options: BearerAuthOptions = {}): RequestGuard {
  const publicPaths = new Set(options.publicPaths ?? DEFAULT_PUBLIC_PATHS);
  const realm = options.realm ?? "ark";
  const logger = options.logger ?? silentLogger;

  return async (request: Request): Promise<GuardResult> => {
    if ((request.method === "GET" || request.method === "HEAD") && publicPaths.has(pathOf(request.url))) return { ok: true };
    let claims: Claims;
    try {
      claims = await verifier.validate(extractBearerToken(request.headers.get("authorization")));
    } catch (error) {
      const refusal = asAuthenticationError(error);
      const fields = { method: request.method, path: pathOf(request.url), error: refusal.name, details: refusal.details };
      // Key and discovery failures are the operator's problem; bad tokens are the caller's.
      if (refusal instanceof TokenValidationError) logger.warn(`auth: request refused: ${refusal.message}`, fields);
      else logger.debug(`auth: request refused: ${refusal.message}`, fields);
      return { ok: false, response: unauthorizedResponse(refusal, realm) };
    }
    return { ok: true, claims };
  };
}

/**
 * The 401 answer for `error`: an RFC 6750 `WWW-Authenticate` challenge and a
 * small JSON body, both carrying only the error's safe message.
 */
export function unauthorizedResponse(error: AuthenticationError, realm = "ark"): Response {
  const code = error.bearerError;
  const params = [`realm="${quotable(realm)}"`];
  if (code !== undefined) params.push(`error="${code}"`, `error_description="${quotable(error.message)}"`);
  return new Response(JSON.stringify({ error: code ?? "unauthorized", error_description: error.message }), {
    status: 401,
    headers: {
      "content-type": "application/json",
      "cache-control": "no-store",
      "www-authenticate": `Bearer ${params.join(", ")}`,
    },
  });
}

// A verifier that breaks its contract (throws something else) still fails closed.
function asAuthenticationError(error: unknown): AuthenticationError {
  if (error instanceof AuthenticationError) return error;
  return new TokenValidationError("Token validation failed", error instanceof Error ? `${error.name}: ${error.message}` : String(error), { cause: error });
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return "";
  }
}

// quoted-string may not hold '"' or '\' unescaped; our texts never need them.
function quotable(text: string): string {
  return text.replace(/["\\\r\n]/g, "");
}
