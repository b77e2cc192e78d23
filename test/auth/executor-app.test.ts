// End to end: bearerAuth guarding a real ExecutorApp on loopback, called the
// way ARK's controller calls engines (A2A message/send), with tokens from a
// real local OIDC issuer. The engine sees the caller's verified claims.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bearerAuth, TokenValidator } from "ark-sdk/auth";
import { ExecutorApp, StaticQueryResolver } from "ark-sdk/executor";
import { buildMessageSendBody, readEngineResponse } from "ark-sdk/protocol";
import { silentLogger } from "../../src/core/logger.js";
import { startLocalOidcIssuer, type LocalOidcIssuer } from "../../src/testing/local-oidc-issuer.js";
import { WhoAmIEngine } from "../helpers/who-am-i.js";

let idp: LocalOidcIssuer;
let engine: WhoAmIEngine;
let app: ExecutorApp;
let url: string;

before(async () => {
  idp = await startLocalOidcIssuer({ audience: "whoami-engine" });
  engine = new WhoAmIEngine();
  const resolver = new StaticQueryResolver().set("team-a", "q1", {
    request: {
      agent: { name: "agent", namespace: "team-a", prompt: "", description: "", parameters: [], model: { name: "m", type: "openai", config: {} }, labels: {}, annotations: {} },
      mcpServers: [],
      queryAnnotations: {},
      executionEngineAnnotations: {},
    },
  });
  const validator = TokenValidator.fromEnv({ env: { OIDC_ISSUER_URL: idp.issuer, OIDC_APPLICATION_ID: "whoami-engine" } });
  app = new ExecutorApp(engine, "WhoAmI", { auth: bearerAuth(validator), resolver, logger: silentLogger });
  url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
});

after(async () => {
  await app.close({ gracePeriodMs: 0 });
  await idp.close();
});

const sendQuery = (authorization?: string) =>
  fetch(`${url}/`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
    body: buildMessageSendBody({ queryName: "q1", namespace: "team-a", input: "who am I?" }),
  });

describe("bearerAuth in front of ExecutorApp", () => {
  it("serves health, readiness and the agent card without a token", async () => {
    for (const path of ["/health", "/ready", "/.well-known/agent-card.json", "/.well-known/agent.json"]) {
      const response = await fetch(`${url}${path}`);
      assert.equal(response.status, 200, path);
      await response.body?.cancel();
    }
    const health = (await (await fetch(`${url}/health`)).json()) as { status: string };
    assert.equal(health.status, "healthy");
  });

  it("refuses a query without a token, before the engine runs", async () => {
    const response = await sendQuery();
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="ark"');
    await response.body?.cancel();
    assert.equal(engine.callers.length, 0);
  });

  it("refuses expired and foreign tokens with invalid_token, never echoing them", async () => {
    const tokens = [await idp.sign({}, { expiresInMs: -600_000 }), await idp.sign({ aud: "another-engine" })];
    for (const token of tokens) {
      const response = await sendQuery(`Bearer ${token}`);
      const body = await response.text();
      assert.equal(response.status, 401);
      assert.match(response.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
      assert.ok(!body.includes(token) && !(response.headers.get("www-authenticate") ?? "").includes(token));
    }
    assert.equal(engine.callers.length, 0);
  });

  it("runs the query for a valid token (any case of Bearer) and hands the claims to the engine", async () => {
    const token = await idp.sign({ sub: "ark-controller", groups: ["system:serviceaccounts"] });
    const response = await sendQuery(`bearer ${token}`);
    assert.equal(response.status, 200);
    const outcome = readEngineResponse(await response.json());
    assert.equal(outcome.kind, "message");
    assert.equal("content" in outcome ? outcome.content : undefined, "hello ark-controller");
    assert.equal(engine.callers.length, 1);
    assert.equal(engine.callers[0]?.sub, "ark-controller");
    assert.deepEqual(engine.callers[0]?.groups, ["system:serviceaccounts"]);
    assert.equal(engine.callers[0]?.iss, idp.issuer);
  });
});
