// bearerAuth in front of a fetch-style handler served by a real node:http
// server, driven by real HTTP requests (undici fetch and raw node:http).
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, it } from "node:test";
import {
  bearerAuth,
  extractBearerToken,
  MissingTokenError,
  TokenValidator,
  withGuard,
  type BearerAuthOptions,
  type TokenVerifier,
} from "../../src/auth/index.js";
import type { LogFields, Logger } from "../../src/core/logger.js";
import { startLocalOidcIssuer, type LocalOidcIssuer } from "../../src/testing/local-oidc-issuer.js";
import { serveFetch, type ServedHandler } from "./helpers/serve-fetch.js";

let idp: LocalOidcIssuer;
let validator: TokenValidator;
const servers: ServedHandler[] = [];

before(async () => {
  idp = await startLocalOidcIssuer();
  validator = new TokenValidator({ issuer: idp.issuer, audience: "ark-test" });
});
after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await idp.close();
});

/** A protected echo service: answers with the caller's `sub`. */
async function serve(verifier: TokenVerifier = validator, options?: BearerAuthOptions): Promise<string> {
  const server = await serveFetch(
    withGuard(bearerAuth(verifier, options), (request, claims) =>
      Response.json({ path: new URL(request.url).pathname, sub: claims?.sub ?? null }),
    ),
  );
  servers.push(server);
  return server.url;
}

const get = (url: string, authorization?: string, method = "GET") =>
  fetch(url, { method, headers: authorization === undefined ? {} : { authorization } });

function challenge(response: Response): string {
  return response.headers.get("www-authenticate") ?? "";
}

describe("bearerAuth over HTTP", () => {
  let base: string;
  before(async () => {
    base = await serve();
  });

  it("lets a valid token through and hands the claims to the handler", async () => {
    const response = await get(`${base}/private`, `Bearer ${await idp.sign({ sub: "alice" })}`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { path: "/private", sub: "alice" });
  });

  it("matches the Bearer scheme without regard to case", async () => {
    const token = await idp.sign({ sub: "bob" });
    for (const scheme of ["bearer", "BEARER", "BeArEr"]) {
      const response = await get(`${base}/x`, `${scheme} ${token}`);
      assert.equal(response.status, 200, scheme);
      assert.equal(((await response.json()) as { sub: string }).sub, "bob");
    }
  });

  it("answers a missing header with a bare challenge (RFC 6750 §3.1)", async () => {
    const response = await get(`${base}/private`);
    assert.equal(response.status, 401);
    assert.equal(challenge(response), 'Bearer realm="ark"');
    assert.deepEqual(await response.json(), { error: "unauthorized", error_description: "Missing bearer token" });
  });

  it("answers another scheme or a malformed header with invalid_request", async () => {
    for (const header of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer two tokens", "Bearertoken", "Token abc"]) {
      const response = await get(`${base}/private`, header);
      assert.equal(response.status, 401, header);
      assert.match(challenge(response), /^Bearer realm="ark", error="invalid_request", error_description="Invalid authorization header format"$/, header);
      await response.body?.cancel();
    }
  });

  it("answers bad tokens with invalid_token and a safe description, never echoing the token", async () => {
    const cases: [string, string][] = [
      [await idp.sign({}, { expiresInMs: -300_000 }), "Token has expired"],
      [await idp.sign({ aud: "someone-else" }), "Invalid token claims"],
      [`${(await idp.sign()).slice(0, -4)}AAAA`, "Invalid token"],
      ["garbage", "Invalid token"],
    ];
    for (const [token, description] of cases) {
      const response = await get(`${base}/private`, `Bearer ${token}`);
      const body = await response.text();
      assert.equal(response.status, 401);
      assert.equal(challenge(response), `Bearer realm="ark", error="invalid_token", error_description="${description}"`);
      assert.equal(JSON.parse(body).error_description, description);
      assert.equal(response.headers.get("cache-control"), "no-store");
      let everything = body;
      response.headers.forEach((value, name) => (everything += `${name}: ${value}\n`));
      assert.ok(!everything.includes(token), "token leaked into the response");
    }
  });

  it("keeps /health and the agent card open to GET, but not other methods", async () => {
    for (const path of ["/health", "/ready", "/.well-known/agent-card.json", "/.well-known/agent.json"]) {
      const response = await get(`${base}${path}`);
      assert.equal(response.status, 200, path);
      assert.deepEqual(await response.json(), { path, sub: null });
    }
    const post = await get(`${base}/health`, undefined, "POST");
    assert.equal(post.status, 401);
    await post.body?.cancel();
    for (const path of ["/health/", "/healthz", "/Health", "/health%2F"]) {
      const response = await get(`${base}${path}`);
      assert.equal(response.status, 401, path);
      await response.body?.cancel();
    }
  });

  it("protects every path when publicPaths is empty, and uses the configured realm", async () => {
    const strict = await serve(validator, { publicPaths: [], realm: "engines" });
    const response = await get(`${strict}/health`);
    assert.equal(response.status, 401);
    assert.equal(challenge(response), 'Bearer realm="engines"');
    await response.body?.cancel();
  });

  it("fails closed when the key server is down", async () => {
    const down = await startLocalOidcIssuer();
    const token = await down.sign();
    const downValidator = new TokenValidator({ jwksUrl: down.jwksUrl });
    await down.close();
    const lines: { message: string; fields?: LogFields }[] = [];
    const record = (message: string, fields?: LogFields) => lines.push({ message, fields });
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    const base2 = await serve(downValidator, { logger });
    const response = await get(`${base2}/private`, `Bearer ${token}`);
    assert.equal(response.status, 401);
    assert.match(challenge(response), /error="invalid_token", error_description="Failed to fetch JWKS"/);
    await response.body?.cancel();
    const refusal = lines.find((line) => line.message.includes("request refused"));
    assert.match(String(refusal?.fields?.details), /ECONNREFUSED|fetch failed/);
    assert.ok(!JSON.stringify(lines).includes(token), "token leaked into the log");
  });

  it("fails closed when a verifier breaks its contract and throws something else", async () => {
    const broken: TokenVerifier = {
      validate: async () => {
        throw new RangeError("bug in a custom verifier");
      },
    };
    const base2 = await serve(broken);
    const response = await get(`${base2}/private`, "Bearer abc");
    assert.equal(response.status, 401);
    assert.match(challenge(response), /error_description="Token validation failed"/);
    assert.ok(!(await response.text()).includes("bug in"));
  });

  it("refuses an oversized Authorization header before any handler runs", async () => {
    // Node's own 16 KiB header limit answers 431 first; the validator's maxTokenLength covers smaller limits.
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${base}/private`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { authorization: `Bearer ${"a".repeat(100_000)}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 431);
    const mid = await get(`${base}/private`, `Bearer ${"a".repeat(15_000)}`);
    assert.equal(mid.status, 401);
    assert.match(challenge(mid), /error="invalid_token"/);
    await mid.body?.cancel();
  });
});

describe("extractBearerToken", () => {
  it("returns the token and refuses everything else with MissingTokenError", () => {
    assert.equal(extractBearerToken("Bearer abc.def-ghi_jkl~+/=="), "abc.def-ghi_jkl~+/==");
    assert.equal(extractBearerToken("bearer \t tok  "), "tok");
    for (const bad of [null, undefined, "", "   ", "Bearer", "Bearer a b", "Basic x", "Bearer a,Bearer b", "Bearer tök"]) {
      assert.throws(() => extractBearerToken(bad), MissingTokenError, String(bad));
    }
    assert.throws(() => extractBearerToken(null), (error: unknown) => error instanceof MissingTokenError && error.bearerError === undefined);
    assert.throws(() => extractBearerToken("Basic x"), (error: unknown) => error instanceof MissingTokenError && error.bearerError === "invalid_request");
  });
});
