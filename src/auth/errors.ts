/**
 * Authentication errors. Each carries two texts: `message`, short and safe to
 * send back to the caller, and `details`, the precise cause for the server's
 * logs (it may name claim values or URLs, never the token itself).
 */

import { ArkSdkError, errorGuard } from "../core/errors.js";

/**
 * The RFC 6750 `error` code a guard puts in `WWW-Authenticate`. `undefined`
 * means "no credentials were sent", for which RFC 6750 §3.1 says to send no code.
 */
export type BearerErrorCode = "invalid_request" | "invalid_token" | undefined;

/** Base class of every error `ark-sdk/auth` throws while authenticating a caller. */
export class AuthenticationError extends ArkSdkError {
  /** The cause in full, for logs; never returned to the caller. */
  readonly details: string | undefined;
  /** The RFC 6750 error code this failure maps to. */
  readonly bearerError: BearerErrorCode = "invalid_token";

  /**
   * @param message - safe to return to the caller
   * @param details - the full cause, for logs
   * @param options - `cause`: the underlying error, kept for debugging
   */
  constructor(message: string, details?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}

/** No token was presented, or the `Authorization` header is not a usable `Bearer` credential. */
export class MissingTokenError extends AuthenticationError {
  override readonly bearerError: BearerErrorCode;

  /**
   * @param malformed - true when a header was sent but is not `Bearer <token>`
   *   (RFC 6750 `invalid_request`); false when no credentials were sent at all.
   */
  constructor(message: string, details?: string, malformed = false) {
    super(message, details);
    this.bearerError = malformed ? "invalid_request" : undefined;
  }
}

/** The token's `exp` (or maximum age) has passed, beyond the allowed clock skew. */
export class ExpiredTokenError extends AuthenticationError {}

/**
 * The token is not acceptable: malformed, badly signed, a refused algorithm,
 * or claims that fail a check (issuer, audience, `nbf`, `iat`).
 */
export class InvalidTokenError extends AuthenticationError {}

/**
 * The token could not be checked against the issuer's keys: discovery or JWKS
 * unreachable or malformed, or no key matches the token's `kid`. Fails closed.
 */
export class TokenValidationError extends AuthenticationError {}

/** A `TokenValidator` was given options that cannot work (thrown at construction, not per request). */
export class AuthConfigurationError extends ArkSdkError {
  /** The option or environment variable at fault. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** `true` for any {@link AuthenticationError}, also one thrown by another copy of ark-sdk. */
export const isAuthenticationError = errorGuard(AuthenticationError);
