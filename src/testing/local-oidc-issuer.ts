/**
 * A real, minimal OIDC issuer on loopback for tests and examples: a `node:http`
 * server serving a discovery document and a JWKS, and signing tokens with keys
 * made by jose. It stands in for Keycloak, Entra ID or Okta so that token
 * validation is exercised over real HTTP, including key rotation and outages.
 * Not for production.
 */
import { ArgumentError, ArkSdkError } from "../core/errors.js";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Closeable } from "../core/closeable.js";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

/** Algorithms the local issuer can sign with. */
export type LocalIssuerAlgorithm = "RS256" | "ES256";

/** Options of {@link startLocalOidcIssuer}. */
export interface LocalOidcIssuerOptions {
  /** Algorithm of the first signing key (default `RS256`). */
  algorithm?: LocalIssuerAlgorithm | undefined;
  /** Audience put in tokens unless `sign` says otherwise (default `"ark-test"`). */
  audience?: string | undefined;
}

/** Options of one token signed by {@link LocalOidcIssuer.sign}. */
export interface SignOptions {
  /** The key to sign with (default: the first published key). */
  kid?: string | undefined;
  /** `exp` this long from now, ms, rounded to whole seconds (default 300,000; negative for an expired token). */
  expiresInMs?: number | undefined;
  /** `nbf` this long from now, ms, rounded to whole seconds (default: none). */
  notBeforeInMs?: number | undefined;
  /** `iat` this long from now, ms, rounded to whole seconds (default 0). */
  issuedAtInMs?: number | undefined;
  /** Omit `exp` entirely. */
  withoutExpiry?: boolean | undefined;
}

/** A running local issuer. */
export interface LocalOidcIssuer extends Closeable {
  /** `http://127.0.0.1:<port>`: the `iss` of its tokens and the base of discovery. */
  readonly issuer: string;
  /** Where its JWKS is served. */
  readonly jwksUrl: string;
  /** The discovery document's address. */
  readonly discoveryUrl: string;
  /** Requests served so far, by endpoint. */
  readonly requests: { discovery: number; jwks: number };
  /** Signs a JWT with default `iss`, `aud`, `sub`, `iat`, `exp`; `claims` override them. */
  sign(claims?: JWTPayload, options?: SignOptions): Promise<string>;
  /** Makes a new key pair; published in the JWKS unless `publish` is false. Returns its `kid`. */
  addKey(algorithm?: LocalIssuerAlgorithm, publish?: boolean): Promise<string>;
  /** Adds an existing key to the JWKS (rotation: sign with it, then publish). */
  publishKey(kid: string): void;
  /** Removes a key from the JWKS (it can still sign, as a leaked or retired key would). */
  retireKey(kid: string): void;
  /** The public JWK of a key. */
  publicJwk(kid: string): JWK;
  /** Replaces the discovery document (e.g. to drop `jwks_uri`); `undefined` restores the default. */
  setDiscoveryDocument(document: Record<string, unknown> | undefined): void;
  /** Makes the JWKS endpoint answer 503 (`false`) or serve keys again (`true`). */
  setJwksAvailable(available: boolean): void;
  /** Stops the server (again: no-op). */
  close(): Promise<void>;
}

interface KeyEntry {
  algorithm: LocalIssuerAlgorithm;
  privateKey: CryptoKey;
  publicJwk: JWK;
  published: boolean;
}

/** Starts a local OIDC issuer on `127.0.0.1` on a free port. */
export async function startLocalOidcIssuer(options: LocalOidcIssuerOptions = {}): Promise<LocalOidcIssuer> {
  const keys = new Map<string, KeyEntry>();
  const requests = { discovery: 0, jwks: 0 };
  let customDiscovery: Record<string, unknown> | undefined;
  let jwksAvailable = true;
  let keyCounter = 0;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && path === "/.well-known/openid-configuration") {
      requests.discovery += 1;
      return sendJson(res, 200, customDiscovery ?? defaultDiscovery());
    }
    if (req.method === "GET" && path === "/jwks") {
      requests.jwks += 1;
      if (!jwksAvailable) return sendJson(res, 503, { error: "unavailable" });
      return sendJson(res, 200, { keys: [...keys.values()].filter((key) => key.published).map((key) => key.publicJwk) });
    }
    sendJson(res, 404, { error: "not found" });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;
  const jwksUrl = `${issuer}/jwks`;
  const audience = options.audience ?? "ark-test";
  const defaultDiscovery = () => ({
    issuer,
    jwks_uri: jwksUrl,
    id_token_signing_alg_values_supported: ["RS256", "ES256"],
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
  });

  const addKey = async (algorithm: LocalIssuerAlgorithm = options.algorithm ?? "RS256", publish = true): Promise<string> => {
    keyCounter += 1;
    const kid = `key-${keyCounter}`;
    const pair = await generateKeyPair(algorithm, { extractable: true });
    const publicJwk = { ...(await exportJWK(pair.publicKey)), kid, alg: algorithm, use: "sig" };
    keys.set(kid, { algorithm, privateKey: pair.privateKey, publicJwk, published: publish });
    return kid;
  };
  const entry = (kid: string): KeyEntry => {
    const key = keys.get(kid);
    if (!key) throw new ArgumentError("kid", `local issuer has no key "${kid}"`);
    return key;
  };
  await addKey();

  const close = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (!server.listening) return resolve();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  const running: LocalOidcIssuer = {
    issuer,
    jwksUrl,
    discoveryUrl: `${issuer}/.well-known/openid-configuration`,
    requests,
    addKey,
    async sign(claims: JWTPayload = {}, signOptions: SignOptions = {}): Promise<string> {
      const kid = signOptions.kid ?? [...keys.entries()].find(([, key]) => key.published)?.[0];
      if (kid === undefined) throw new ArkSdkError("local issuer has no published key to sign with");
      const key = entry(kid);
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = {
        iss: issuer,
        aud: audience,
        sub: "test-user",
        iat: now + seconds(signOptions.issuedAtInMs ?? 0),
        ...(signOptions.withoutExpiry ? {} : { exp: now + seconds(signOptions.expiresInMs ?? 300_000) }),
        ...(signOptions.notBeforeInMs === undefined ? {} : { nbf: now + seconds(signOptions.notBeforeInMs) }),
        ...claims,
      };
      return new SignJWT(payload).setProtectedHeader({ alg: key.algorithm, kid, typ: "JWT" }).sign(key.privateKey);
    },
    publishKey: (kid) => {
      entry(kid).published = true;
    },
    retireKey: (kid) => {
      entry(kid).published = false;
    },
    publicJwk: (kid) => ({ ...entry(kid).publicJwk }),
    setDiscoveryDocument: (document) => {
      customDiscovery = document;
    },
    setJwksAvailable: (available) => {
      jwksAvailable = available;
    },
    close,
    [Symbol.asyncDispose]: () => running.close(),
  };
  return running;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** A claim offset: whole seconds of `ms` (JWT times are seconds). */
function seconds(ms: number): number {
  return Math.round(ms / 1000);
}
