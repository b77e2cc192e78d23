// When keys are fetched: TTL, rotation (one refetch on an unknown kid), the
// refetch floor against kid floods, single-flight, and failing closed when the
// JWKS endpoint is down, slow or serves junk. Real HTTP servers on loopback.
import assert from "node:assert/strict";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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

/** A clock that moves only when told to: TTL, floor and back-off are tested at their exact edges, without sleeping. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let at = 1_000;
  return { now: () => at, advance: (ms) => void (at += ms) };
}

/** Verifies `token` with the cache's keys and returns the refusal (failing the test if it is accepted). */
async function refusedKey(cache: JwksCache, token: string): Promise<TokenValidationError> {
  const error = await jwtVerify(token, cache.getKey).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof TokenValidationError, `expected a TokenValidationError, got ${String(error)}`);
  return error;
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
    const clock = manualClock();
    const cache = new JwksCache({ jwksUrl: idp.jwksUrl, ttlMs: 3_600_000, refetchFloorMs: 30_000, timeoutMs: 5000, now: clock.now });
    await cache.warmUp();
    assert.equal(idp.requests.jwks, 1);

    // Concurrent burst: all share one refetch.
    const burst = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => jwtVerify(tokenWithKid(`ghost-${i}`), cache.getKey)));
    assert.ok(burst.every((r) => r.status === "rejected" && r.reason instanceof TokenValidationError));
    assert.equal(idp.requests.jwks, 2);

    // Sequential stream within the floor (up to its last millisecond): no fetch at all, clear reason in the details.
    for (let i = 0; i < 50; i += 1) {
      if (i === 49) clock.advance(29_999);
      const error = await refusedKey(cache, tokenWithKid(`later-${i}`));
      assert.match(error.details ?? "", /refetch skipped: the previous one was less than the refetch floor ago/);
    }
    assert.equal(idp.requests.jwks, 2);

    // Once the floor has passed, one more refetch is allowed.
    clock.advance(1);
    const error = await refusedKey(cache, tokenWithKid("ghost-kid"));
    assert.match(error.details ?? "", /Unable to find key with kid "ghost-kid" for alg RS256: the key set holds keys "key-1" \(RSA\)/);
    assert.equal(idp.requests.jwks, 3);
    await jwtVerify(await idp.sign(), cache.getKey);
    assert.equal(idp.requests.jwks, 3);
  });

  it("fetches again once the TTL has passed, and then refuses retired keys", async () => {
    const idp = await issuer();
    const next = await idp.addKey("RS256", false);
    const oldToken = await idp.sign();
    const newToken = await idp.sign({}, { kid: next });
    const clock = manualClock();
    const cache = new JwksCache({ jwksUrl: idp.jwksUrl, ttlMs: 60_000, refetchFloorMs: 30_000, timeoutMs: 5000, now: clock.now });
    await jwtVerify(oldToken, cache.getKey);
    await jwtVerify(oldToken, cache.getKey);
    assert.equal(idp.requests.jwks, 1);

    idp.publishKey(next);
    idp.retireKey("key-1");
    clock.advance(59_999);
    await jwtVerify(oldToken, cache.getKey); // still cached
    assert.equal(idp.requests.jwks, 1);
    clock.advance(1);
    const error = await refusedKey(cache, oldToken);
    assert.match(error.details ?? "", /the key set holds keys ".*" \(RSA\)$/, "the fresh set no longer holds key-1");
    assert.equal(idp.requests.jwks, 2, "one fetch: the TTL's, no extra unknown-kid refetch of a set just fetched");
    await jwtVerify(newToken, cache.getKey);
    assert.equal(idp.requests.jwks, 2);
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
    const clock = manualClock();
    const cache = new JwksCache({ jwksUrl: idp.jwksUrl, ttlMs: 100_000, refetchFloorMs: 30_000, timeoutMs: 5000, now: clock.now });
    const token = await idp.sign();
    await jwtVerify(token, cache.getKey);
    idp.setJwksAvailable(false);
    clock.advance(99_999);
    await jwtVerify(token, cache.getKey);
    assert.equal(idp.requests.jwks, 1);
    clock.advance(1);
    const error = await jwtVerify(token, cache.getKey).catch((e: unknown) => e);
    assert.ok(error instanceof TokenValidationError, String(error));
    assert.equal(error.message, "Failed to fetch JWKS");
    assert.match(error.details ?? "", /expected 200, got 503/);
  });

  it("does not hit a failing endpoint on every request, and recovers after the back-off", async () => {
    const idp = await issuer();
    idp.setJwksAvailable(false);
    const clock = manualClock();
    const cache = new JwksCache({ jwksUrl: idp.jwksUrl, ttlMs: 60_000, refetchFloorMs: 30_000, timeoutMs: 2000, failureBackoffMs: 200, now: clock.now });
    const token = await idp.sign();
    for (let i = 0; i < 20; i += 1) await assert.rejects(jwtVerify(token, cache.getKey), TokenValidationError);
    assert.equal(idp.requests.jwks, 1);
    idp.setJwksAvailable(true);
    clock.advance(199);
    await assert.rejects(jwtVerify(token, cache.getKey), TokenValidationError, "still within the back-off");
    assert.equal(idp.requests.jwks, 1);
    clock.advance(1);
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
