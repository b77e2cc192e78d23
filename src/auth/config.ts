/**
 * Options of a `TokenValidator`, how they are read from the environment, and
 * how they are checked once so that a bad setting fails at start-up rather
 * than on every request.
 */
import type { Logger } from "../core/logger.js";
import { AuthConfigurationError } from "./errors.js";

/** Signature algorithms a validator may accept. HMAC (`HS*`) and `none` are never accepted. */
export type AsymmetricAlgorithm =
  | "RS256" | "RS384" | "RS512"
  | "PS256" | "PS384" | "PS512"
  | "ES256" | "ES384" | "ES512"
  | "EdDSA" | "Ed25519";

const ASYMMETRIC: ReadonlySet<string> = new Set<AsymmetricAlgorithm>([
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
]);

/** The algorithms accepted when none are configured. */
export const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = ["RS256", "ES256"];

/** What a `TokenValidator` checks and where it finds the issuer's keys. */
export interface TokenValidatorOptions {
  /**
   * Expected `iss` claim. Also the base of OIDC discovery
   * (`<issuer>/.well-known/openid-configuration`) when `jwksUrl` is not set.
   */
  issuer?: string | undefined;
  /** Accepted audiences: the token's `aud` must contain at least one. Unset: any audience (a warning is logged). */
  audience?: string | readonly string[] | undefined;
  /** The JWKS endpoint. Set it to skip discovery. */
  jwksUrl?: string | undefined;
  /** Accepted signature algorithms (default `RS256`, `ES256`). */
  algorithms?: readonly AsymmetricAlgorithm[] | undefined;
  /** Clock skew allowed on `exp`, `nbf` and `iat`, ms (default 30,000). */
  clockSkewMs?: number | undefined;
  /** Reject tokens whose `iat` is older than this, ms (default: no limit; `exp` still applies). */
  maxTokenAgeMs?: number | undefined;
  /** Claims that must be present, in addition to `exp` (always required). */
  requiredClaims?: readonly string[] | undefined;
  /** How long fetched keys are trusted before they are fetched again, ms (default 300,000). */
  jwksCacheTtlMs?: number | undefined;
  /**
   * Least time between two refetches caused by an unknown `kid`, ms
   * (default 30,000), so that a flood of made-up `kid`s costs the JWKS server at
   * most one request per interval.
   */
  jwksRefetchFloorMs?: number | undefined;
  /** Timeout of each discovery or JWKS request, ms (default 5000). */
  httpTimeoutMs?: number | undefined;
  /** Longest token accepted, in characters (default 16384); longer ones are refused before any parsing. */
  maxTokenLength?: number | undefined;
  /** Where key fetches, rotations and failures are logged (default: silent). */
  logger?: Logger | undefined;
}

/** Options after defaults and checks: what the validator actually runs with. */
export interface ResolvedAuthConfig {
  issuer: string | undefined;
  audience: string[] | undefined;
  jwksUrl: string | undefined;
  algorithms: AsymmetricAlgorithm[];
  clockSkewMs: number;
  maxTokenAgeMs: number | undefined;
  requiredClaims: string[];
  jwksCacheTtlMs: number;
  jwksRefetchFloorMs: number;
  httpTimeoutMs: number;
  maxTokenLength: number;
}

/**
 * Splits a comma-separated audience list, trimming blanks and dropping empty
 * entries; `undefined` when nothing is left.
 */
export function parseAudiences(value: string | readonly string[] | undefined): string[] | undefined {
  return splitList(value);
}

function splitList(value: string | readonly string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const parts = (typeof value === "string" ? value.split(",") : value).map((part) => part.trim()).filter((part) => part.length > 0);
  return parts.length > 0 ? parts : undefined;
}

/**
 * Reads validator options from the environment. The `OIDC_*` names win over
 * the Python SDK's `ARK_*` ones when both are set:
 * - `OIDC_ISSUER_URL` / `ARK_ISSUER`: issuer
 * - `OIDC_APPLICATION_ID` / `ARK_AUDIENCE`: audience(s), comma-separated
 * - `OIDC_JWKS_URL` / `ARK_JWKS_URL`: JWKS endpoint (skips discovery)
 * - `ARK_JWT_ALGORITHM`: accepted algorithm(s), comma-separated
 * - `OIDC_JWKS_CACHE_TTL_SECONDS`, `OIDC_JWKS_REFETCH_FLOOR_SECONDS`, `OIDC_CLOCK_SKEW_SECONDS`: seconds
 *   in the environment (as the Python SDK reads them), returned as the `…Ms` options
 *
 * Empty values count as unset. Numbers are checked by {@link resolveAuthConfig}.
 */
export function authOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TokenValidatorOptions {
  const read = (...names: string[]): string | undefined => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (value) return value;
    }
    return undefined;
  };
  const options: TokenValidatorOptions = {};
  const issuer = read("OIDC_ISSUER_URL", "ARK_ISSUER");
  if (issuer !== undefined) options.issuer = issuer;
  const audience = parseAudiences(read("OIDC_APPLICATION_ID", "ARK_AUDIENCE"));
  if (audience !== undefined) options.audience = audience;
  const jwksUrl = read("OIDC_JWKS_URL", "ARK_JWKS_URL");
  if (jwksUrl !== undefined) options.jwksUrl = jwksUrl;
  const algorithms = splitList(read("ARK_JWT_ALGORITHM"));
  // Checked (and refused if not asymmetric) by resolveAuthConfig.
  if (algorithms !== undefined) options.algorithms = algorithms as AsymmetricAlgorithm[];
  const ttl = numberFromEnv(env, "OIDC_JWKS_CACHE_TTL_SECONDS");
  if (ttl !== undefined) options.jwksCacheTtlMs = ttl * 1000;
  const floor = numberFromEnv(env, "OIDC_JWKS_REFETCH_FLOOR_SECONDS");
  if (floor !== undefined) options.jwksRefetchFloorMs = floor * 1000;
  const skew = numberFromEnv(env, "OIDC_CLOCK_SKEW_SECONDS");
  if (skew !== undefined) options.clockSkewMs = skew * 1000;
  return options;
}

function numberFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new AuthConfigurationError(name, `expected a number of seconds, got "${raw}"`);
  return value;
}

/** Applies defaults and refuses settings that cannot work, naming the option at fault. */
export function resolveAuthConfig(options: TokenValidatorOptions): ResolvedAuthConfig {
  const issuer = options.issuer?.trim() || undefined;
  const jwksUrl = options.jwksUrl?.trim() || undefined;
  if (issuer === undefined && jwksUrl === undefined) {
    throw new AuthConfigurationError("issuer", "set an issuer (for OIDC discovery) or a jwksUrl (OIDC_ISSUER_URL or OIDC_JWKS_URL)");
  }
  if (jwksUrl !== undefined) checkHttpUrl("jwksUrl", jwksUrl);
  if (issuer !== undefined && jwksUrl === undefined) checkHttpUrl("issuer", issuer);

  const algorithms = [...(options.algorithms ?? DEFAULT_ALGORITHMS)];
  if (algorithms.length === 0) throw new AuthConfigurationError("algorithms", "at least one algorithm is required");
  for (const alg of algorithms) {
    if (!ASYMMETRIC.has(alg)) {
      throw new AuthConfigurationError(
        "algorithms",
        `"${alg}" is not accepted: only asymmetric algorithms (${[...ASYMMETRIC].join(", ")}) can be checked against a JWKS; "none" and HMAC are always refused`,
      );
    }
  }

  const requiredClaims = [...new Set(["exp", ...(options.requiredClaims ?? [])])];
  return {
    issuer,
    audience: parseAudiences(options.audience),
    jwksUrl,
    algorithms,
    clockSkewMs: nonNegative("clockSkewMs", options.clockSkewMs, 30_000),
    maxTokenAgeMs: options.maxTokenAgeMs === undefined ? undefined : nonNegative("maxTokenAgeMs", options.maxTokenAgeMs, 0),
    requiredClaims,
    jwksCacheTtlMs: nonNegative("jwksCacheTtlMs", options.jwksCacheTtlMs, 300_000),
    jwksRefetchFloorMs: nonNegative("jwksRefetchFloorMs", options.jwksRefetchFloorMs, 30_000),
    httpTimeoutMs: positive("httpTimeoutMs", options.httpTimeoutMs, 5000),
    maxTokenLength: positive("maxTokenLength", options.maxTokenLength, 16384),
  };
}

function checkHttpUrl(field: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AuthConfigurationError(field, `"${value}" is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AuthConfigurationError(field, `"${value}" must be an http(s) URL`);
  }
}

function nonNegative(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new AuthConfigurationError(field, `expected a number >= 0, got ${String(value)}`);
  return value;
}

function positive(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new AuthConfigurationError(field, `expected a number > 0, got ${String(value)}`);
  return value;
}
