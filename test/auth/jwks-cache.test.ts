// When keys are fetched: TTL, rotation (one refetch on an unknown kid), the
// refetch floor against kid floods, single-flight, and failing closed when the
// JWKS endpoint is down, slow or serves junk. Real HTTP servers on loopback.
import assert from "node:assert/strict";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { after, afterEach, describe, it } from "node:test";
import { jwtVerify } from "jose";
import { JwksCache, TokenValidationError, TokenValidator, type TokenValidatorOptions } from "../../src/auth/index.js";
import { startLocalOidcIssuer, type LocalOidcIssuer } from "../../src/testing/local-oidc-issuer.js";
import { assertRefused } from "./helpers/assert-refused.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});
after(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function issuer(): Promise<LocalOidcIssuer> {
  const idp = await startLocalOidcIssuer();
  cleanups.push(() => idp.close());
  return idp;
}

async function rawServer(listener: RequestListener): Promise<string> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const validatorFor = (idp: LocalOidcIssuer, options: TokenValidatorOptions = {}) =>
  new TokenValidator({ issuer: idp.issuer, audience: "ark-test", jwksUrl: idp.jwksUrl, ...options });

/** A token whose header names `kid`; the key lookup refuses it before the signature is looked at. */
function tokenWithKid(kid: string): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", kid })}.${part({ sub: "x", exp: Math.floor(Date.now() / 1000) + 60 })}.c2lnbmF0dXJl`;
}

describe("JWKS cache: rotation and refetch floor", () => {
  it("refetches exactly once for a new kid, then serves it from cache", async () => {
    const idp = await issuer();
    const validator = validatorFor(idp);
    await validator.validate(await idp.sign());
    assert.equal(idp.requests.jwks, 1);

    // The issuer rotates: a new key is published after the validator cached the old set.
    const next = await idp.addKey("RS256", false);
    const rotated = await idp.sign({ sub: "after-rotation" }, { kid: next });
    idp.publishKey(next);
    assert.equal((await validator.validate(rotated)).sub, "after-rotation");
    assert.equal(idp.requests.jwks, 2);
    await validator.validate(await idp.sign({}, { kid: next }));
    await validator.validate(await idp.sign());
    assert.equal(idp.requests.jwks, 2);
  });

  it("lets a flood of made-up kids cost at most one refetch per floor", async () => {
    const idp = await issuer();
    const validator = validatorFor(idp, { jwksRefetchFloorMs: 300 });
    await validator.warmUp();
    assert.equal(idp.requests.jwks, 1);

    // Concurrent burst: all share one refetch.
    const burst = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => validator.validate(tokenWithKid(`ghost-${i}`))));
    assert.ok(burst.every((r) => r.status === "rejected" && r.reason instanceof TokenValidationError));
    assert.equal(idp.requests.jwks, 2);

    // Sequential stream within the floor: no fetch at all, clear reason in the details.
    for (let i = 0; i < 50; i += 1) {
      const error = await assertRefused(validator, tokenWithKid(`later-${i}`), TokenValidationError, "No signing key matches the token");
      assert.match(error.details ?? "", /refetch floor|kids/);
    }
    assert.equal(idp.requests.jwks, 2);

    // Once the floor has passed, one more refetch is allowed.
    await sleep(350);
    const error = await assertRefused(validator, tokenWithKid("ghost-kid"), TokenValidationError, "No signing key matches the token");
    assert.match(error.details ?? "", /Unable to find key with kid "ghost-kid"/);
    assert.equal(idp.requests.jwks, 3);
    await validator.validate(await idp.sign());
    assert.equal(idp.requests.jwks, 3);
  });

  it("fetches again once the TTL has passed, and then refuses retired keys", async () => {
    const idp = await issuer();
    const next = await idp.addKey("RS256", false);
    const oldToken = await idp.sign();
    const newToken = await idp.sign({}, { kid: next });
    const validator = validatorFor(idp, { jwksCacheTtlMs: 150 });
    await validator.validate(oldToken);
    await validator.validate(oldToken);
    assert.equal(idp.requests.jwks, 1);

    idp.publishKey(next);
    idp.retireKey("key-1");
    await validator.validate(oldToken); // still cached
    await sleep(200);
    await validator.validate(newToken);
    assert.equal(idp.requests.jwks, 2);
    await assertRefused(validator, oldToken, TokenValidationError, "No signing key matches the token");
  });

  it("shares one fetch among concurrent first requests", async () => {
    const idp = await issuer();
    const validator = new TokenValidator({ issuer: idp.issuer, audience: "ark-test" });
    const token = await idp.sign();
    await Promise.all(Array.from({ length: 20 }, () => validator.validate(token)));
    assert.equal(idp.requests.discovery, 1);
    assert.equal(idp.requests.jwks, 1);
  });
});

describe("JWKS cache: failing closed", () => {
  it("refuses every token when the JWKS server is down, with a clear error", async () => {
    const idp = await issuer();
    const token = await idp.sign();
    const url = idp.jwksUrl;
    await idp.close();
    const validator = new TokenValidator({ jwksUrl: url, audience: "ark-test" });
    const error = await assertRefused(validator, token, TokenValidationError, "Failed to fetch JWKS");
    assert.ok(error.details?.includes(url));
    assert.match(error.details ?? "", /ECONNREFUSED|fetch failed/);
  });

  it("keeps using cached keys within the TTL, and fails closed after it when the endpoint errors", async () => {
    const idp = await issuer();
    const validator = validatorFor(idp, { jwksCacheTtlMs: 100 });
    const token = await idp.sign();
    await validator.validate(token);
    idp.setJwksAvailable(false);
    await validator.validate(token);
    await sleep(150);
    const error = await assertRefused(validator, token, TokenValidationError, "Failed to fetch JWKS");
    assert.match(error.details ?? "", /expected 200, got 503/);
  });

  it("does not hit a failing endpoint on every request, and recovers after the back-off", async () => {
    const idp = await issuer();
    idp.setJwksAvailable(false);
    const cache = new JwksCache({ jwksUrl: idp.jwksUrl, ttlMs: 60_000, refetchFloorMs: 30_000, timeoutMs: 2000, failureBackoffMs: 200 });
    const token = await idp.sign();
    for (let i = 0; i < 20; i += 1) await assert.rejects(jwtVerify(token, cache.getKey), TokenValidationError);
    assert.equal(idp.requests.jwks, 1);
    idp.setJwksAvailable(true);
    await sleep(250);
    const { payload } = await jwtVerify(token, cache.getKey);
    assert.equal(payload.sub, "test-user");
    assert.equal(idp.requests.jwks, 2);
    assert.deepEqual(cache.cachedKeys, ['"key-1" (RSA)']);
  });

  it("gives up on a JWKS endpoint that never answers, within the timeout", async () => {
    const url = await rawServer(() => {
      /* never answers */
    });
    const validator = new TokenValidator({ jwksUrl: `${url}/jwks`, httpTimeoutMs: 200 });
    const started = performance.now();
    const error = await assertRefused(validator, tokenWithKid("k"), TokenValidationError, "Failed to fetch JWKS");
    assert.ok(performance.now() - started < 2000);
    assert.match(error.details ?? "", /no answer within 200 ms/);
  });

  it("refuses key sets that are not JSON, not a JWKS, too large, or redirected", async () => {
    const bodies: Record<string, [number, Record<string, string>, string]> = {
      "/text": [200, { "content-type": "text/html" }, "<html>login</html>"],
      "/shape": [200, { "content-type": "application/json" }, JSON.stringify({ keys: "nope" })],
      "/private": [200, { "content-type": "application/json" }, JSON.stringify({ keys: [{ kty: "oct", k: "c2VjcmV0", kid: "k" }] })],
      "/huge": [200, { "content-type": "application/json" }, JSON.stringify({ keys: [], pad: "x".repeat(2 * 1024 * 1024) })],
      "/redirect": [302, { location: "/shape" }, ""],
    };
    const url = await rawServer((req, res) => {
      const [status, headers, body] = bodies[req.url ?? ""] ?? [404, {}, ""];
      res.writeHead(status, headers);
      res.end(body);
    });
    const expectations: Record<string, RegExp> = {
      "/text": /not JSON/,
      "/shape": /not a JSON Web Key Set/,
      "/private": /kid "k" for alg RS256: the key set holds keys "k" \(oct\)/,
      "/huge": /byte limit/,
      "/redirect": /expected 200, got 302/,
    };
    for (const [path, detail] of Object.entries(expectations)) {
      const validator = new TokenValidator({ jwksUrl: `${url}${path}` });
      const error = await assertRefused(validator, tokenWithKid("k"), TokenValidationError, /Failed to fetch JWKS|No signing key|Failed to get signing key/);
      assert.match(error.details ?? "", detail, path);
    }
  });
});
