/**
 * OIDC discovery: find an issuer's JWKS address in its
 * `/.well-known/openid-configuration` document (OpenID Connect Discovery 1.0).
 */
import { TokenValidationError } from "./errors.js";
import { fetchJson } from "./fetch-json.js";

/** The discovery document address of `issuer` (a trailing slash on the issuer is ignored). */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

/**
 * Fetches the issuer's discovery document and returns its `jwks_uri`.
 * The document's own `issuer` must equal the configured one (Discovery §4.3),
 * so a misrouted or spoofed document cannot supply the keys.
 * @throws TokenValidationError ("OIDC discovery failed"; `details` says why and how to override)
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  const url = discoveryUrl(issuer);
  const fail = (reason: string, cause?: unknown): TokenValidationError =>
    new TokenValidationError("OIDC discovery failed", `OIDC discovery for ${url} failed: ${reason}. Set OIDC_JWKS_URL to override.`, { cause });

  let document: unknown;
  try {
    document = await fetchJson(url, { timeoutMs, what: "OIDC discovery document" });
  } catch (error) {
    throw fail(error instanceof TokenValidationError ? (error.details ?? error.message) : String(error), error);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw fail("the document is not a JSON object");
  }
  const fields = document as Record<string, unknown>;
  if (typeof fields.issuer === "string" && fields.issuer !== issuer) {
    throw fail(`the document names issuer "${fields.issuer}", not the configured "${issuer}"`);
  }
  const jwksUri = fields.jwks_uri;
  if (typeof jwksUri !== "string" || jwksUri.length === 0) {
    throw fail("the document did not include jwks_uri");
  }
  let parsed: URL;
  try {
    parsed = new URL(jwksUri);
  } catch {
    throw fail(`jwks_uri "${jwksUri}" is not a URL`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw fail(`jwks_uri "${jwksUri}" is not an http(s) URL`);
  return jwksUri;
}
