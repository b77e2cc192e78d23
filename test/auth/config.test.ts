// Pure configuration functions: audience parsing, environment names and precedence, defaults.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { authOptionsFromEnv, parseAudiences, resolveAuthConfig, DEFAULT_ALGORITHMS } from "../../src/auth/index.js";
import { discoveryUrl } from "../../src/auth/oidc-discovery.js";

describe("parseAudiences", () => {
  it("splits, trims and drops empties; nothing left is undefined", () => {
    assert.equal(parseAudiences(undefined), undefined);
    assert.equal(parseAudiences(""), undefined);
    assert.equal(parseAudiences("  ,  "), undefined);
    assert.deepEqual(parseAudiences(" app "), ["app"]);
    assert.deepEqual(parseAudiences("app-a, app-b,,app-c "), ["app-a", "app-b", "app-c"]);
    assert.deepEqual(parseAudiences([" a", "", "b "]), ["a", "b"]);
  });
});

describe("authOptionsFromEnv", () => {
  it("reads OIDC_* names and prefers them over ARK_*", () => {
    const options = authOptionsFromEnv({
      OIDC_ISSUER_URL: "https://idp.example/realms/ark",
      ARK_ISSUER: "https://ignored.example",
      ARK_AUDIENCE: "ark-api, dashboard",
      ARK_JWKS_URL: "https://idp.example/keys",
      ARK_JWT_ALGORITHM: "ES256, RS256",
      OIDC_JWKS_CACHE_TTL_SECONDS: "120",
      OIDC_JWKS_REFETCH_FLOOR_SECONDS: "5",
      OIDC_CLOCK_SKEW_SECONDS: "0",
    });
    assert.deepEqual(options, {
      issuer: "https://idp.example/realms/ark",
      audience: ["ark-api", "dashboard"],
      jwksUrl: "https://idp.example/keys",
      algorithms: ["ES256", "RS256"],
      jwksCacheTtlMs: 120_000,
      jwksRefetchFloorMs: 5000,
      clockSkewMs: 0,
    });
  });

  it("treats empty values as unset", () => {
    assert.deepEqual(authOptionsFromEnv({ OIDC_ISSUER_URL: "", OIDC_APPLICATION_ID: " ", ARK_ISSUER: "https://ark.example" }), { issuer: "https://ark.example" });
  });
});

describe("resolveAuthConfig", () => {
  it("applies the documented defaults", () => {
    const config = resolveAuthConfig({ issuer: "https://idp.example" });
    assert.deepEqual(config.algorithms, [...DEFAULT_ALGORITHMS]);
    assert.deepEqual(config.algorithms, ["RS256", "ES256"]);
    assert.equal(config.jwksCacheTtlMs, 300_000);
    assert.equal(config.jwksRefetchFloorMs, 30_000);
    assert.equal(config.clockSkewMs, 30_000);
    assert.deepEqual(config.requiredClaims, ["exp"]);
    assert.equal(config.audience, undefined);
  });

  it("always requires exp, whatever else is required", () => {
    assert.deepEqual(resolveAuthConfig({ issuer: "https://idp.example", requiredClaims: ["sub", "exp"] }).requiredClaims, ["exp", "sub"]);
  });
});

describe("discoveryUrl", () => {
  it("ignores a trailing slash on the issuer", () => {
    assert.equal(discoveryUrl("https://idp.example/realms/ark/"), "https://idp.example/realms/ark/.well-known/openid-configuration");
    assert.equal(discoveryUrl("https://idp.example"), "https://idp.example/.well-known/openid-configuration");
  });
});
