/**
 * Validates bearer tokens (JWTs) issued by an OIDC provider: signature against
 * the issuer's JWKS, `exp`/`nbf`/`iat` with clock skew, issuer, audience and
 * an allow-list of asymmetric algorithms. Signature and claim checks are
 * jose's; this class configures them, keeps the keys, and turns every failure
 * into one of the typed errors of `./errors.ts`.
 */
import { errors, jwtVerify, type JWTVerifyOptions } from "jose";
import type { Logger } from "../core/logger.js";
import { silentLogger } from "../core/logger.js";
import { authOptionsFromEnv, resolveAuthConfig, type ResolvedAuthConfig, type TokenValidatorOptions } from "./config.js";
import { AuthConfigurationError, AuthenticationError, ExpiredTokenError, InvalidTokenError, MissingTokenError, TokenValidationError } from "./errors.js";
import { JwksCache } from "./jwks-cache.js";
import { discoverJwksUri } from "./oidc-discovery.js";
import type { Claims } from "../core/request-guard.js";
import { errorMessage } from "../core/errors.js";

/** Options of {@link TokenValidator.fromEnv}: where to read the variables, plus options that win over them. */
export type TokenValidatorFromEnvOptions = TokenValidatorOptions & {
  /** The environment to read (default `process.env`). */
  env?: NodeJS.ProcessEnv;
};

/** Anything that turns a bearer token into verified claims; what {@link bearerAuth} needs. */
export interface TokenVerifier {
  /** Resolves with the verified claims, or rejects with an {@link AuthenticationError}. */
  validate(token: string): Promise<Claims>;
}

/**
 * Validates JWTs against an OIDC issuer's keys.
 *
 * @example
 * ```ts
 * const validator = TokenValidator.fromEnv();
 * await validator.warmUp();              // optional: fail at start-up if the issuer is unreachable
 * const claims = await validator.validate(token);
 * ```
 */
export class TokenValidator implements TokenVerifier {
  /** The settings in force, after defaults. */
  readonly config: Readonly<ResolvedAuthConfig>;
  private readonly keys: JwksCache;
  private readonly verifyOptions: JWTVerifyOptions;
  private readonly logger: Logger;

  /** @throws AuthConfigurationError naming the option that cannot work */
  constructor(options: TokenValidatorOptions) {
    const config = resolveAuthConfig(options);
    this.config = config;
    this.logger = options.logger ?? silentLogger;
    // resolveAuthConfig guarantees an issuer whenever there is no jwksUrl.
    const issuer = config.issuer ?? "";
    this.keys = new JwksCache({
      jwksUrl: config.jwksUrl ?? (() => discoverJwksUri(issuer, config.httpTimeoutMs)),
      ttlMs: config.jwksCacheTtlMs,
      refetchFloorMs: config.jwksRefetchFloorMs,
      timeoutMs: config.httpTimeoutMs,
      logger: this.logger,
    });
    this.verifyOptions = {
      algorithms: config.algorithms,
      issuer: config.issuer,
      audience: config.audience,
      // jose counts these in seconds.
      clockTolerance: config.clockSkewMs / 1000,
      maxTokenAge: config.maxTokenAgeMs === undefined ? undefined : config.maxTokenAgeMs / 1000,
      requiredClaims: config.requiredClaims,
    };
    if (config.audience === undefined) {
      this.logger.warn("auth: no audience configured, tokens for any audience of this issuer are accepted (set OIDC_APPLICATION_ID)");
    }
    if (config.issuer === undefined) {
      this.logger.warn("auth: no issuer configured, the iss claim is not checked (set OIDC_ISSUER_URL)");
    }
  }

  /**
   * A validator configured from the environment (`options.env`, default
   * `process.env`; see {@link authOptionsFromEnv} for the variables), with the
   * other options applied on top. The same shape as `ArkClient.fromEnv`.
   * @throws AuthConfigurationError when neither an issuer nor a JWKS URL is set, or a value is invalid
   */
  static fromEnv(options: TokenValidatorFromEnvOptions = {}): TokenValidator {
    const { env, ...overrides } = options;
    const stray = Object.keys(overrides).find((key) => /^(OIDC|ARK)_/.test(key));
    if (stray !== undefined) throw new AuthConfigurationError(stray, "environment variables go in { env: { ... } }: fromEnv({ env, ...options })");
    return new TokenValidator({ ...authOptionsFromEnv(env ?? process.env), ...overrides });
  }

  /**
   * Fetches discovery and the key set now rather than on the first request.
   * @throws TokenValidationError when they cannot be fetched
   */
  async warmUp(): Promise<void> {
    await this.keys.warmUp();
  }

  /**
   * Verifies `token` and returns its claims.
   * @throws MissingTokenError, ExpiredTokenError, InvalidTokenError or TokenValidationError; nothing else
   */
  async validate(token: string): Promise<Claims> {
    if (typeof token !== "string" || token.length === 0) throw new MissingTokenError("Missing token", "no token given to validate()");
    if (token.length > this.config.maxTokenLength) {
      throw new InvalidTokenError("Invalid token", `token of ${token.length} characters exceeds maxTokenLength ${this.config.maxTokenLength}`);
    }
    let payload: Claims;
    try {
      ({ payload } = await jwtVerify(token, this.keys.getKey, this.verifyOptions));
    } catch (error) {
      throw this.toAuthenticationError(error);
    }
    // jose checks `iat` against the clock only with maxTokenAge; a token from the future is refused either way.
    const skewMs = this.config.clockSkewMs;
    if (typeof payload.iat === "number" && payload.iat * 1000 > Date.now() + skewMs) {
      throw new InvalidTokenError("Token is not yet valid", `iat ${payload.iat} is in the future (clock skew ${skewMs} ms)`);
    }
    return payload;
  }

  private toAuthenticationError(error: unknown): AuthenticationError {
    if (error instanceof AuthenticationError) return error;
    if (error instanceof errors.JWTExpired) {
      return new ExpiredTokenError("Token has expired", `${error.message} (${describeClaim(error.claim, error.payload)})`, { cause: error });
    }
    if (error instanceof errors.JWTClaimValidationFailed) {
      const message = error.claim === "nbf" || (error.claim === "iat" && error.reason === "check_failed") ? "Token is not yet valid" : "Invalid token claims";
      return new InvalidTokenError(message, `${error.message} (${describeClaim(error.claim, error.payload)}${this.expected(error.claim)})`, { cause: error });
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return new InvalidTokenError("Invalid token", `${error.message}; accepted: ${this.config.algorithms.join(", ")}`, { cause: error });
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return new InvalidTokenError("Invalid token", "signature verification failed", { cause: error });
    }
    if (error instanceof errors.JOSEError) {
      // Malformed token, unsupported header, unencoded payload...: the caller's fault.
      return new InvalidTokenError("Invalid token", error.message, { cause: error });
    }
    // e.g. a JWKS key too weak for its algorithm: the issuer's keys are at fault.
    const message = errorMessage(error);
    return new TokenValidationError("Token validation failed", `Token validation failed: ${message}`, { cause: error });
  }

  private expected(claim: string): string {
    if (claim === "aud" && this.config.audience) return `; expected one of ${JSON.stringify(this.config.audience)}`;
    if (claim === "iss" && this.config.issuer) return `; expected ${JSON.stringify(this.config.issuer)}`;
    return "";
  }
}

// Claim values come from the token: stringify and cap them for the log.
function describeClaim(claim: string, payload: Record<string, unknown>): string {
  const value = JSON.stringify(payload[claim]) ?? "absent";
  return `${claim} = ${value.length > 200 ? `${value.slice(0, 200)}…` : value}`;
}
