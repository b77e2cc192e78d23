/**
 * The issuer's public keys, fetched from its JWKS endpoint and kept for a TTL.
 *
 * Key selection and import are jose's (`createLocalJWKSet`); this class only
 * decides *when* to fetch:
 * - when nothing is cached or the cached set is older than the TTL;
 * - once more when a token names a `kid` the cached set lacks (key rotation),
 *   but at most once per refetch floor, so made-up `kid`s cannot hammer the
 *   JWKS server;
 * - never concurrently: callers arriving during a fetch share it;
 * - not again within a short back-off after a failed fetch (the failure is
 *   answered from memory), so a down server is not hit by every request.
 * If no usable set can be obtained, every token is refused (fail closed).
 */
import { createLocalJWKSet, errors, type CryptoKey, type FlattenedJWSInput, type JWSHeaderParameters, type JWTVerifyGetKey } from "jose";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import { AuthenticationError, TokenValidationError } from "./errors.js";
import { fetchJson } from "./fetch-json.js";
import { errorMessage } from "../core/errors.js";

/** How a {@link JwksCache} finds and keeps keys. */
export interface JwksCacheOptions {
  /** The JWKS address, or a function that finds it (OIDC discovery); a function is called again after a failed fetch. */
  jwksUrl: string | (() => Promise<string>);
  /** Trust fetched keys for this long (ms). */
  ttlMs: number;
  /** Least time between two unknown-`kid` refetches (ms). */
  refetchFloorMs: number;
  /** Timeout of each HTTP request (ms). */
  timeoutMs: number;
  /** After a failed fetch, answer with the same failure for this long (ms) instead of fetching again (default 1000). */
  failureBackoffMs?: number | undefined;
  logger?: Logger | undefined;
  /** The clock the TTL, the refetch floor and the back-off are measured with, ms (default `performance.now`); tests pass their own. */
  now?: (() => number) | undefined;
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

interface CachedSet {
  select: LocalKeySet;
  fetchedAt: number;
  kids: string[];
}

/** Why a fetch happens, for logs. */
type FetchReason = "initial" | "ttl-expired" | "unknown-kid";

/** A TTL cache of an issuer's JWKS with single-flight fetches and a refetch floor. */
export class JwksCache {
  private readonly options: JwksCacheOptions;
  private readonly logger: Logger;
  private readonly failureBackoffMs: number;
  private readonly now: () => number;
  private resolvedUrl: string | undefined;
  private cached: CachedSet | undefined;
  private inFlight: Promise<CachedSet> | undefined;
  private lastRefetchAt = Number.NEGATIVE_INFINITY;
  private lastFailure: { at: number; error: TokenValidationError } | undefined;

  constructor(options: JwksCacheOptions) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.failureBackoffMs = options.failureBackoffMs ?? 1000;
    this.now = options.now ?? (() => performance.now());
    if (typeof options.jwksUrl === "string") this.resolvedUrl = options.jwksUrl;
  }

  /**
   * The key-lookup function to hand to `jose.jwtVerify`. It throws only
   * {@link TokenValidationError}s.
   */
  readonly getKey: JWTVerifyGetKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    const startedWith = this.cached;
    const fresh = this.current();
    let set = fresh instanceof Promise ? await fresh : fresh;
    try {
      return await set.select(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw keyError(error, header);
    }
    // Unknown kid. A set fetched during this call is as new as it gets; a set
    // another call fetched meanwhile is worth a look; otherwise fetch once more.
    if (this.cached !== undefined && this.cached !== set) {
      set = this.cached;
    } else if (startedWith !== undefined && set === startedWith) {
      const refreshed = await this.refetchForUnknownKid(header);
      if (refreshed === undefined) throw noMatchingKey(header, "refetch skipped: the previous one was less than the refetch floor ago");
      set = refreshed;
    }
    try {
      return await set.select(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey) throw noMatchingKey(header, `the key set holds ${describeKids(set.kids)}`);
      throw keyError(error, header);
    }
  };

  /** Fetches the key set now if none is cached (or it expired): surfaces discovery and JWKS problems at start-up. */
  async warmUp(): Promise<void> {
    await this.current();
  }

  /** The cached keys as `"kid" (kty)` (empty before the first fetch). */
  get cachedKeys(): readonly string[] {
    return this.cached?.kids ?? [];
  }

  // The cached set while fresh (synchronously: the hot path costs no extra await), else a fetch.
  private current(): CachedSet | Promise<CachedSet> {
    const cached = this.cached;
    if (cached !== undefined && this.now() - cached.fetchedAt < this.options.ttlMs) return cached;
    return this.fetchShared(cached === undefined ? "initial" : "ttl-expired");
  }

  private async refetchForUnknownKid(header: JWSHeaderParameters): Promise<CachedSet | undefined> {
    if (this.inFlight) return this.inFlight;
    const now = this.now();
    if (now - this.lastRefetchAt < this.options.refetchFloorMs) return undefined;
    this.lastRefetchAt = now;
    this.logger.info("auth: token names an unknown kid, refetching the key set", { kid: shortKid(header.kid) });
    return this.fetchShared("unknown-kid");
  }

  private fetchShared(reason: FetchReason): Promise<CachedSet> {
    if (this.inFlight) return this.inFlight;
    const failure = this.lastFailure;
    if (failure && this.now() - failure.at < this.failureBackoffMs) return Promise.reject(failure.error);
    const attempt = this.fetchSet(reason).then(
      (set) => {
        this.cached = set;
        this.lastFailure = undefined;
        return set;
      },
      (error: unknown) => {
        const failed = error instanceof TokenValidationError
          ? error
          : new TokenValidationError("Failed to fetch JWKS", String(error), { cause: error });
        this.lastFailure = { at: this.now(), error: failed };
        // Find the address again next time: the issuer may have moved its keys.
        if (typeof this.options.jwksUrl !== "string") this.resolvedUrl = undefined;
        this.logger.warn("auth: could not fetch the key set; tokens are refused until it can be", { reason, details: failed.details });
        throw failed;
      },
    ).finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = attempt;
    return attempt;
  }

  private async fetchSet(reason: FetchReason): Promise<CachedSet> {
    const source = this.options.jwksUrl;
    const url = this.resolvedUrl ?? (typeof source === "string" ? source : await source());
    this.resolvedUrl = url;
    const body = await fetchJson(url, { timeoutMs: this.options.timeoutMs, what: "JWKS" });
    let select: LocalKeySet;
    try {
      select = createLocalJWKSet(body as Parameters<typeof createLocalJWKSet>[0]);
    } catch (error) {
      throw new TokenValidationError("Failed to fetch JWKS", `GET ${url}: not a JSON Web Key Set (${errorMessage(error)})`, { cause: error });
    }
    const kids = listKids(body);
    this.logger.debug("auth: key set fetched", { url, reason, kids });
    return { select, fetchedAt: this.now(), kids };
  }
}

function noMatchingKey(header: JWSHeaderParameters, why: string): TokenValidationError {
  const kid = header.kid === undefined ? "no kid" : `kid ${shortKid(header.kid)}`;
  return new TokenValidationError("No signing key matches the token", `Unable to find key with ${kid} for alg ${String(header.alg)}: ${why}`);
}

function keyError(error: unknown, header: JWSHeaderParameters): AuthenticationError {
  if (error instanceof AuthenticationError) return error;
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenValidationError("No signing key matches the token", `the token has no kid and several keys accept alg ${String(header.alg)}`, { cause: error });
  }
  return new TokenValidationError("Failed to get signing key", `Failed to get signing key: ${errorMessage(error)}`, { cause: error });
}

// "key-1" (RSA), for logs and details: shows why a kid that is present may still not match an alg.
function listKids(body: unknown): string[] {
  const keys = (body as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) return [];
  return keys.map((key: unknown) => {
    const { kid, kty } = (typeof key === "object" && key !== null ? key : {}) as { kid?: unknown; kty?: unknown };
    return `${typeof kid === "string" ? JSON.stringify(kid) : "(no kid)"} (${String(kty)})`;
  });
}

function describeKids(kids: readonly string[]): string {
  return kids.length === 0 ? "no keys" : `keys ${kids.join(", ")}`;
}

// The kid comes from the caller: quote it and cap its length before it reaches a log line.
function shortKid(kid: unknown): string {
  const text = typeof kid === "string" ? kid : String(kid);
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
