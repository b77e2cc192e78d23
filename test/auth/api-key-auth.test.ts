// API-key Basic auth (issue 11 §5, audit: auth/basic.py BasicAuthValidator MISSING): the Python SDK's header rules
// and ARK's API server's 401 answers, through a real server on loopback and a real client.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { apiKeyAuth, createBasicAuthHeader, parseBasicAuthHeader, withGuard } from "ark-sdk/auth";

let server: Server;
let url: string;
const calls: string[] = [];

before(async () => {
  const guard = apiKeyAuth(async (pk, sk) => {
    calls.push(pk);
    if (pk === "pk-ark-boom") throw new Error("Secret store down");
    return pk === "pk-ark-abc" && sk === "sk-ark-s3:cret" ? { sub: pk } : undefined;
  });
  const handle = withGuard(guard, (_request, claims) => new Response(`hello ${claims?.sub ?? "anonymous"}`));
  server = createServer(async (req, res) => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const response = await handle(new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers }));
    const out: Record<string, string> = {};
    response.headers.forEach((value, key) => (out[key] = value));
    res.writeHead(response.status, out).end(await response.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

async function get(path: string, authorization?: string): Promise<{ status: number; body: string; challenge: string | null }> {
  const response = await fetch(`${url}${path}`, { headers: authorization === undefined ? {} : { authorization }, signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await response.text(), challenge: response.headers.get("www-authenticate") };
}

describe("apiKeyAuth (Basic API keys, as ARK's API server)", () => {
  it("admits a valid key pair (split at the first colon) and hands on the verifier's claims", async () => {
    assert.deepEqual(await get("/x", createBasicAuthHeader("pk-ark-abc", "sk-ark-s3:cret")), { status: 200, body: "hello pk-ark-abc", challenge: null });
  });

  it("answers ARK's 401 details, without calling the verifier for malformed headers", async () => {
    calls.length = 0;
    const detail = async (auth?: string) => {
      const r = await get("/x", auth);
      assert.equal(r.status, 401);
      assert.equal(r.challenge, 'Basic realm="ark"');
      return (JSON.parse(r.body) as { detail: string }).detail;
    };
    assert.equal(await detail(), "Missing authorization header");
    assert.equal(await detail("Bearer abc"), "Invalid authorization header. Use 'Basic <credentials>'");
    assert.equal(await detail("basic " + Buffer.from("a:b").toString("base64")), "Invalid authorization header. Use 'Basic <credentials>'");
    assert.equal(await detail("Basic " + Buffer.from("no-colon").toString("base64")), "Invalid basic auth format");
    assert.equal(await detail("Basic %%%"), "Invalid basic auth format");
    assert.equal(await detail("Basic " + Buffer.from([0x61, 0x3a, 0xff]).toString("base64")), "Invalid basic auth format");
    assert.deepEqual(calls, []);
    assert.equal(await detail(createBasicAuthHeader("pk-ark-abc", "wrong")), "Invalid API key credentials");
    assert.equal(await detail(createBasicAuthHeader("pk-ark-boom", "x")), "Basic authentication failed");
    assert.deepEqual(calls, ["pk-ark-abc", "pk-ark-boom"]);
  });

  it("leaves health and the agent card open", async () => {
    assert.equal((await get("/health")).status, 200);
    assert.equal((await get("/.well-known/agent-card.json")).status, 200);
  });

  it("parses and creates headers like the Python SDK", () => {
    assert.deepEqual(parseBasicAuthHeader(createBasicAuthHeader("ü", "p:q")), { username: "ü", password: "p:q" });
    assert.equal(createBasicAuthHeader("user", "pass"), "Basic dXNlcjpwYXNz");
    assert.equal(parseBasicAuthHeader("Basic"), undefined);
  });
});
