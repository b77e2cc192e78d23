// TokenValidator against a real local OIDC issuer (node:http, keys made by jose).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { exportSPKI, importJWK, SignJWT, type KeyObject } from "jose";
import {
  AuthConfigurationError,
  ExpiredTokenError,
  InvalidTokenError,
  MissingTokenError,
  TokenValidationError,
  TokenValidator,
  type TokenValidatorOptions,
} from "../../src/auth/index.js";
import { startLocalOidcIssuer, type LocalOidcIssuer } from "../../src/testing/local-oidc-issuer.js";
import { assertRefused } from "./helpers/assert-refused.js";

let idp: LocalOidcIssuer;
before(async () => {
  idp = await startLocalOidcIssuer();
});
after(() => idp.close());

const validatorFor = (options: TokenValidatorOptions = {}) =>
  new TokenValidator({ issuer: idp.issuer, audience: "ark-test", jwksUrl: idp.jwksUrl, ...options });

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("TokenValidator: valid tokens", () => {
  it("accepts a token signed by the issuer and returns its claims", async () => {
    const token = await idp.sign({ sub: "alice", groups: ["devs"] });
    const claims = await validatorFor().validate(token);
    assert.equal(claims.sub, "alice");
    assert.equal(claims.iss, idp.issuer);
    assert.deepEqual(claims.groups, ["devs"]);
  });

  it("accepts an ES256 key from the same key set", async () => {
    const kid = await idp.addKey("ES256");
    const claims = await validatorFor().validate(await idp.sign({ sub: "ec" }, { kid }));
    assert.equal(claims.sub, "ec");
    idp.retireKey(kid);
  });

  it("accepts a token whose aud is one of several configured audiences", async () => {
    const validator = validatorFor({ audience: "app-a, ark-test ,app-c" });
    assert.deepEqual(validator.config.audience, ["app-a", "ark-test", "app-c"]);
    assert.equal((await validator.validate(await idp.sign())).aud, "ark-test");
    const multi = await idp.sign({ aud: ["unrelated", "app-c"] });
    assert.deepEqual((await validator.validate(multi)).aud, ["unrelated", "app-c"]);
  });

  it("tolerates clock skew on exp within the configured bound", async () => {
    const token = await idp.sign({}, { expiresInMs: -10_000 });
    await validatorFor({ clockSkewMs: 30_000 }).validate(token);
    await assertRefused(validatorFor({ clockSkewMs: 0 }), token, ExpiredTokenError, "Token has expired");
  });
});

describe("TokenValidator: time claims", () => {
  it("refuses an expired token with ExpiredTokenError", async () => {
    const error = await assertRefused(validatorFor(), await idp.sign({}, { expiresInMs: -120_000 }), ExpiredTokenError, "Token has expired");
    assert.match(error.details ?? "", /exp/);
  });

  it("refuses a token that is not yet valid (nbf)", async () => {
    await assertRefused(validatorFor(), await idp.sign({}, { notBeforeInMs: 120_000 }), InvalidTokenError, "Token is not yet valid");
  });

  it("refuses a token issued in the future (iat)", async () => {
    const error = await assertRefused(validatorFor(), await idp.sign({}, { issuedAtInMs: 600_000 }), InvalidTokenError, "Token is not yet valid");
    assert.match(error.details ?? "", /iat/);
  });

  it("refuses a token older than maxTokenAgeMs", async () => {
    const token = await idp.sign({}, { issuedAtInMs: -3_600_000, expiresInMs: 3_600_000 });
    await validatorFor().validate(token);
    await assertRefused(validatorFor({ maxTokenAgeMs: 600_000 }), token, ExpiredTokenError, "Token has expired");
  });

  it("refuses a token without exp (it would never expire)", async () => {
    const error = await assertRefused(validatorFor(), await idp.sign({}, { withoutExpiry: true }), InvalidTokenError, "Invalid token claims");
    assert.match(error.details ?? "", /exp/);
  });
});

describe("TokenValidator: issuer and audience", () => {
  it("refuses a wrong issuer, saying which was expected in the details", async () => {
    const error = await assertRefused(validatorFor(), await idp.sign({ iss: "https://evil.example" }), InvalidTokenError, "Invalid token claims");
    assert.match(error.details ?? "", /evil\.example/);
    assert.ok(error.details?.includes(idp.issuer));
  });

  it("refuses a wrong audience", async () => {
    const error = await assertRefused(validatorFor(), await idp.sign({ aud: "another-app" }), InvalidTokenError, "Invalid token claims");
    assert.match(error.details ?? "", /aud.*another-app.*ark-test/);
  });

  it("refuses when none of the token's audiences is configured", async () => {
    await assertRefused(validatorFor({ audience: ["app-a", "app-b"] }), await idp.sign({ aud: ["x", "y"] }), InvalidTokenError, "Invalid token claims");
  });
});

describe("TokenValidator: forged and malformed tokens", () => {
  it('refuses alg "none"', async () => {
    const valid = await idp.sign();
    const [, payload] = valid.split(".");
    const unsigned = `${b64url({ alg: "none", typ: "JWT", kid: "key-1" })}.${payload}.`;
    const error = await assertRefused(validatorFor(), unsigned, InvalidTokenError, "Invalid token");
    assert.match(error.details ?? "", /alg/i);
  });

  it("refuses HS256 signed with the issuer's public key (algorithm confusion)", async () => {
    const jwk = idp.publicJwk("key-1");
    const pem = await exportSPKI((await importJWK(jwk, "RS256")) as KeyObject);
    const now = Math.floor(Date.now() / 1000);
    for (const secret of [pem, JSON.stringify(jwk)]) {
      const forged = await new SignJWT({ iss: idp.issuer, aud: "ark-test", sub: "mallory", iat: now, exp: now + 300 })
        .setProtectedHeader({ alg: "HS256", kid: "key-1" })
        .sign(new TextEncoder().encode(secret));
      await assertRefused(validatorFor(), forged, InvalidTokenError, "Invalid token");
    }
  });

  it("refuses a valid algorithm that is not on the allow-list, without fetching keys", async () => {
    const validator = validatorFor({ algorithms: ["ES256"] });
    const before = idp.requests.jwks;
    const error = await assertRefused(validator, await idp.sign(), InvalidTokenError, "Invalid token");
    assert.match(error.details ?? "", /ES256/);
    assert.equal(idp.requests.jwks, before);
  });

  it("refuses a tampered payload", async () => {
    const [header, payload, signature] = (await idp.sign({ sub: "alice" })).split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
    const tampered = `${header}.${b64url({ ...claims, sub: "admin" })}.${signature}`;
    const error = await assertRefused(validatorFor(), tampered, InvalidTokenError, "Invalid token");
    assert.match(error.details ?? "", /signature/);
  });

  it("refuses a token signed by a key the issuer never published", async () => {
    const rogue = await idp.addKey("RS256", false);
    const error = await assertRefused(validatorFor(), await idp.sign({}, { kid: rogue }), TokenValidationError, "No signing key matches the token");
    assert.match(error.details ?? "", new RegExp(rogue));
  });

  it("refuses garbage with InvalidTokenError, never a crash", async () => {
    const validator = validatorFor();
    for (const garbage of ["not-a-jwt", "a.b.c", "...", "e30.e30.", "%%%.$$$.###", "\u{1F600}.\u{1F600}.\u{1F600}", `${b64url([1, 2])}.${b64url({})}.c2ln`]) {
      await assertRefused(validator, garbage, InvalidTokenError, "Invalid token");
    }
    await assertRefused(validator, "", MissingTokenError, "Missing token");
  });

  it("refuses a 100 KB token before parsing it", async () => {
    const big = await idp.sign({ padding: "x".repeat(100_000) });
    const error = await assertRefused(validatorFor(), big, InvalidTokenError, "Invalid token");
    assert.match(error.details ?? "", /maxTokenLength/);
    await assertRefused(validatorFor(), "a".repeat(100_000), InvalidTokenError, "Invalid token");
    // Raising the limit shows it was the length, not the content, that was refused.
    assert.equal((await validatorFor({ maxTokenLength: 200_000 }).validate(big)).sub, "test-user");
  });
});

describe("TokenValidator: OIDC discovery", () => {
  it("finds the JWKS through discovery once, then serves from cache", async () => {
    const { discovery, jwks } = idp.requests;
    const validator = new TokenValidator({ issuer: idp.issuer, audience: "ark-test" });
    await validator.validate(await idp.sign());
    await validator.validate(await idp.sign());
    assert.equal(idp.requests.discovery - discovery, 1);
    assert.equal(idp.requests.jwks - jwks, 1);
  });

  it("skips discovery when a JWKS URL is given", async () => {
    const { discovery } = idp.requests;
    await validatorFor().validate(await idp.sign());
    assert.equal(idp.requests.discovery, discovery);
  });

  it("fails closed with a clear error when the discovery document has no jwks_uri", async () => {
    idp.setDiscoveryDocument({ issuer: idp.issuer });
    try {
      const validator = new TokenValidator({ issuer: idp.issuer, audience: "ark-test" });
      const error = await assertRefused(validator, await idp.sign(), TokenValidationError, "OIDC discovery failed");
      assert.match(error.details ?? "", /did not include jwks_uri/);
      assert.match(error.details ?? "", /OIDC_JWKS_URL/);
      await assert.rejects(validator.warmUp(), TokenValidationError);
    } finally {
      idp.setDiscoveryDocument(undefined);
    }
  });

  it("refuses a discovery document that names another issuer", async () => {
    idp.setDiscoveryDocument({ issuer: "https://elsewhere.example", jwks_uri: idp.jwksUrl });
    try {
      const validator = new TokenValidator({ issuer: idp.issuer });
      const error = await assertRefused(validator, await idp.sign(), TokenValidationError, "OIDC discovery failed");
      assert.match(error.details ?? "", /elsewhere\.example/);
    } finally {
      idp.setDiscoveryDocument(undefined);
    }
  });

  it("reports an unreachable issuer at warmUp", async () => {
    const gone = await startLocalOidcIssuer();
    const issuer = gone.issuer;
    await gone.close();
    const validator = new TokenValidator({ issuer, httpTimeoutMs: 2000 });
    await assert.rejects(validator.warmUp(), (e: unknown) => {
      assert.ok(e instanceof TokenValidationError);
      assert.equal(e.message, "OIDC discovery failed");
      assert.match(e.details ?? "", /ECONNREFUSED|fetch failed/);
      assert.ok(e.details?.includes(`${issuer}/.well-known/openid-configuration`));
      return true;
    });
  });
});

describe("TokenValidator: configuration", () => {
  it("reads the OIDC_* environment", async () => {
    const validator = TokenValidator.fromEnv({ env: { OIDC_ISSUER_URL: idp.issuer, OIDC_APPLICATION_ID: "other, ark-test", OIDC_JWKS_CACHE_TTL_SECONDS: "60" } });
    assert.deepEqual(validator.config.audience, ["other", "ark-test"]);
    assert.equal(validator.config.jwksCacheTtlMs, 60_000);
    assert.equal((await validator.validate(await idp.sign({ sub: "env" }))).sub, "env");
  });

  it("fromEnv({ env, ...options }): options win over the environment, like ArkClient.fromEnv", () => {
    const validator = TokenValidator.fromEnv({ env: { OIDC_ISSUER_URL: idp.issuer, OIDC_CLOCK_SKEW_SECONDS: "5" }, clockSkewMs: 1500, audience: "mine" });
    assert.equal(validator.config.clockSkewMs, 1500);
    assert.deepEqual(validator.config.audience, ["mine"]);
    assert.equal(validator.config.issuer, idp.issuer);
    assert.equal(TokenValidator.fromEnv({ env: { OIDC_ISSUER_URL: idp.issuer, OIDC_CLOCK_SKEW_SECONDS: "5" } }).config.clockSkewMs, 5000);
  });

  it("refuses environment variables passed where options go (the old fromEnv(env) form)", () => {
    const oldForm = { OIDC_ISSUER_URL: idp.issuer } as unknown as Parameters<typeof TokenValidator.fromEnv>[0];
    assert.throws(() => TokenValidator.fromEnv(oldForm), (e: unknown) => e instanceof AuthConfigurationError && /OIDC_ISSUER_URL.*\{ env: \{/.test(e.message));
  });

  it("refuses settings that cannot work, naming the field", () => {
    const refuses = (options: TokenValidatorOptions, field: string) =>
      assert.throws(() => new TokenValidator(options), (e: unknown) => e instanceof AuthConfigurationError && e.field === field);
    refuses({}, "issuer");
    refuses({ issuer: "not a url" }, "issuer");
    refuses({ jwksUrl: "file:///etc/passwd" }, "jwksUrl");
    refuses({ jwksUrl: idp.jwksUrl, algorithms: [] }, "algorithms");
    for (const alg of ["none", "HS256", "HS512"]) {
      refuses({ jwksUrl: idp.jwksUrl, algorithms: [alg as "RS256"] }, "algorithms");
    }
    refuses({ jwksUrl: idp.jwksUrl, clockSkewMs: -1000 }, "clockSkewMs");
    refuses({ jwksUrl: idp.jwksUrl, jwksCacheTtlMs: Number.NaN }, "jwksCacheTtlMs");
    assert.throws(() => TokenValidator.fromEnv({ env: { OIDC_JWKS_URL: idp.jwksUrl, OIDC_JWKS_CACHE_TTL_SECONDS: "five" } }), /OIDC_JWKS_CACHE_TTL_SECONDS/);
    assert.throws(() => TokenValidator.fromEnv({ env: { OIDC_JWKS_URL: idp.jwksUrl, ARK_JWT_ALGORITHM: "HS256" } }), AuthConfigurationError);
  });
});
