/**
 * `ark-sdk/auth`: validate OIDC bearer tokens (JWTs) and guard engines and
 * services with them.
 *
 * ```ts
 * import { TokenValidator, bearerAuth } from "ark-sdk/auth";
 * const validator = TokenValidator.fromEnv();
 * const app = new ExecutorApp(executor, { auth: bearerAuth(validator) });
 * ```
 * @module ark-sdk/auth
 */
export type { Claims, GuardResult, RequestGuard } from "../core/request-guard.js";
export { TokenValidator, type TokenVerifier, type TokenValidatorFromEnvOptions } from "./token-validator.js";
export {
  authOptionsFromEnv,
  parseAudiences,
  resolveAuthConfig,
  DEFAULT_ALGORITHMS,
  type AsymmetricAlgorithm,
  type ResolvedAuthConfig,
  type TokenValidatorOptions,
} from "./config.js";
export {
  AuthConfigurationError,
  AuthenticationError,
  isAuthenticationError,
  ExpiredTokenError,
  InvalidTokenError,
  MissingTokenError,
  TokenValidationError,
  type BearerErrorCode,
} from "./errors.js";
export { bearerAuth, extractBearerToken, unauthorizedResponse, DEFAULT_PUBLIC_PATHS, type BearerAuthOptions } from "./bearer-auth.js";
export { withGuard, type AuthenticatedHandler, type FetchHandler } from "./with-guard.js";
export { discoverJwksUri, discoveryUrl } from "./oidc-discovery.js";
export { JwksCache, type JwksCacheOptions } from "./jwks-cache.js";
export { apiKeyAuth, parseBasicAuthHeader, createBasicAuthHeader, type ApiKeyVerifier, type ApiKeyAuthOptions, type BasicCredentials } from "./basic-auth.js";
