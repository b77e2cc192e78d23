/**
 * ARK's API-key authentication: `Authorization: Basic base64(<public key>:<secret key>)`,
 * parsed by the rules of the Python SDK's `BasicAuthValidator` and answered
 * as ARK's API server answers (401 with a JSON `detail`). The keys are checked
 * by a verifier you give; `ark.apiKeys.verify` checks them against the
 * Secrets ARK's API server keeps (bcrypt hashes, type `ark.mckinsey.com/api-key`).
 */
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import { errorMessage } from "../core/errors.js";
import type { Claims, GuardResult, RequestGuard } from "../core/request-guard.js";
import { DEFAULT_PUBLIC_PATHS } from "./bearer-auth.js";

/** Credentials read from a Basic `Authorization` header. */
export interface BasicCredentials {
  /** The user name: for ARK API keys, the public key (`pk-ark-…`). */
  username: string;
  /** The password: for ARK API keys, the secret key (`sk-ark-…`). */
  password: string;
}

/** Checks a key pair; the claims of the caller when valid, `undefined` when not. */
export type ApiKeyVerifier = (publicKey: string, secretKey: string) => Promise<Claims | undefined>;

/** Options of {@link apiKeyAuth}. */
export interface ApiKeyAuthOptions {
  /** Paths served to `GET`/`HEAD` without credentials (default: those of `bearerAuth`). */
  publicPaths?: readonly string[];
  /** Where verifier failures are logged (default: silent). */
  logger?: Logger;
  /**
   * The namespace the keys live in. When set, a refused key is answered with
   * ark-api's full text, `"Invalid API key credentials or key not found in
   * namespace <namespace>"` (pass `ark.apiKeys.namespace`).
   */
  namespace?: string;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The credentials of a Basic `Authorization` value, by the Python SDK's rules:
 * the value starts with `"Basic "` (case-sensitive), the rest is base64 of
 * UTF-8 text split at its first colon. `undefined` when any rule fails.
 */
export function parseBasicAuthHeader(value: string): BasicCredentials | undefined {
  if (!value.startsWith("Basic ")) return undefined;
  const encoded = value.slice(6).trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(encoded, "base64"));
  } catch {
    return undefined;
  }
  const colon = text.indexOf(":");
  if (colon < 0) return undefined;
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** The `Authorization` value for `username:password` (what ARK's CLI sends with an API key). */
export function createBasicAuthHeader(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/**
 * A guard that admits requests carrying an API key `verify` accepts, with
 * ARK's API server's answers: 401 `{"detail": "Missing authorization header"}`,
 * `"Invalid authorization header. Use 'Basic <credentials>'"`, `"Invalid basic
 * auth format"`, `"Invalid API key credentials"`, or `"Basic authentication
 * failed"` when the verifier itself fails (logged).
 *
 * Against the keys ark-api issued (Secrets of the namespace), pass the
 * client's store: `apiKeyAuth(ark.apiKeys.verify, { namespace: ark.apiKeys.namespace })`.
 *
 * @example
 * ```ts
 * const app = new ExecutorApp(executor, { auth: apiKeyAuth(async (pk, sk) => (keys.get(pk) === sk ? { sub: pk } : undefined)) });
 * ```
 */
export function apiKeyAuth(verify: ApiKeyVerifier, options: ApiKeyAuthOptions = {}): RequestGuard {
  const publicPaths = new Set(options.publicPaths ?? DEFAULT_PUBLIC_PATHS);
  const logger = options.logger ?? silentLogger;
  const invalidDetail = options.namespace === undefined ? "Invalid API key credentials" : `Invalid API key credentials or key not found in namespace ${options.namespace}`;
  return async (request: Request): Promise<GuardResult> => {
    if ((request.method === "GET" || request.method === "HEAD") && publicPaths.has(new URL(request.url).pathname)) return { ok: true };
    const header = request.headers.get("authorization");
    if (!header) return refuse("Missing authorization header");
    if (!header.startsWith("Basic ")) return refuse("Invalid authorization header. Use 'Basic <credentials>'");
    const credentials = parseBasicAuthHeader(header);
    if (!credentials) return refuse("Invalid basic auth format");
    let claims: Claims | undefined;
    try {
      claims = await verify(credentials.username, credentials.password);
    } catch (error) {
      logger.error(`auth: API key verification failed: ${errorMessage(error)}`);
      return refuse("Basic authentication failed");
    }
    return claims ? { ok: true, claims } : refuse(invalidDetail);
  };
}

function refuse(detail: string): GuardResult {
  return {
    ok: false,
    response: new Response(JSON.stringify({ detail }), {
      status: 401,
      headers: { "content-type": "application/json", "cache-control": "no-store", "www-authenticate": 'Basic realm="ark"' },
    }),
  };
}
