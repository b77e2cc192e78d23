// ARK API keys on the real local control plane (issue 11 §5, API-key auth parity): the store reads and writes
// Secrets exactly as ark-api does, both ways, and an ExecutorApp guarded by apiKeyAuth backed by the store
// answers a real HTTP client as ark-api answers (401 details, lastUsedAt written).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { ApiKeyStore, ArkClient, silentLogger, type Secret } from "ark-sdk";
import { formatApiKeyMetadata } from "../../src/ark/api-keys.js";
import { apiKeyAuth, createBasicAuthHeader } from "ark-sdk/auth";
import { ExecutorApp, StaticQueryResolver } from "ark-sdk/executor";
import { buildMessageSendBody, readEngineResponse } from "ark-sdk/protocol";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { WhoAmIEngine } from "../helpers/who-am-i.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/ark-api-keys/ark-api-secret.json", import.meta.url), "utf8")) as {
  publicKey: string;
  secretKey: string;
  secret: Secret;
};
const META = "ark.mckinsey.com/api-key-metadata";
const decode = (value: string | undefined) => Buffer.from(value ?? "", "base64").toString("utf8");
/** Python's datetime.isoformat() of an aware UTC time. */
const PY_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?\+00:00$/;

let cluster: TestCluster;
let ark: ArkClient;
let ns: string;
let engine: WhoAmIEngine;
let app: ExecutorApp;
let url: string;

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("api-keys");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: silentLogger });
  engine = new WhoAmIEngine();
  const resolver = new StaticQueryResolver().set(ns, "q1", {
    request: {
      agent: { name: "agent", namespace: ns, prompt: "", description: "", parameters: [], model: { name: "m", type: "openai", config: {} }, labels: {}, annotations: {} },
      mcpServers: [],
      queryAnnotations: {},
      executionEngineAnnotations: {},
    },
  });
  app = new ExecutorApp(engine, "WhoAmI", { auth: apiKeyAuth(ark.apiKeys.verify, { namespace: ark.apiKeys.namespace }), resolver, logger: silentLogger });
  url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
});

after(async () => {
  await app?.close({ gracePeriodMs: 0 });
  await ark?.close();
  await cluster?.close();
});

async function sendQuery(publicKey: string, secretKey: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url}/`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: createBasicAuthHeader(publicKey, secretKey) },
    body: buildMessageSendBody({ queryName: "q1", namespace: ns, input: "who am I?" }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: response.status, body: await response.text() };
}

const refused = () => ({ status: 401, body: JSON.stringify({ detail: `Invalid API key credentials or key not found in namespace ${ns}` }) });

describe("ApiKeyStore and ark-api's Secrets", () => {
  it("verifies a key ark-api wrote (fixture: cost-12 $2b$ hash made by pyca/bcrypt) and records its use as ark-api does", async () => {
    await ark.core.secrets.create(fixture.secret);
    const claims = await ark.apiKeys.verify(fixture.publicKey, fixture.secretKey);
    assert.deepEqual({ ...claims, id: undefined }, {
      sub: fixture.publicKey, authMethod: "api-key", id: undefined, name: "Interop fixture \u2603", namespace: ns,
      secretName: fixture.secret.metadata.name, expiresAt: "2099-01-01T00:00:00.000Z",
    });
    const stored = await ark.core.secrets.get(fixture.secret.metadata.name ?? "");
    assert.equal(claims?.id, stored.metadata.uid);
    const metadata = JSON.parse(stored.metadata.annotations?.[META] ?? "{}") as Record<string, string>;
    assert.deepEqual(Object.keys(metadata), ["name", "createdAt", "expiresAt", "lastUsedAt"], "ark-api's key order");
    assert.equal(metadata["createdAt"], "2026-11-30T08:15:42.123456+00:00", "ark-api's own times are kept as written");
    assert.match(metadata["lastUsedAt"] ?? "", PY_UTC);
    assert.equal(await ark.apiKeys.verify(fixture.publicKey, `${fixture.secretKey.slice(0, -1)}x`), undefined);
  });

  it("creates keys with every field ark-api reads, in ark-api's formats", async () => {
    const created = await ark.apiKeys.create({ name: "ci \u00e9", expiresAt: new Date("2099-06-01T12:00:00.250Z") });
    assert.match(created.publicKey, /^pk-ark-[A-Za-z0-9_-]{43}$/);
    assert.match(created.secretKey, /^sk-ark-[A-Za-z0-9_-]{64}$/);
    // Read back the way ark-api's get_api_key_by_public_key reads it, independently of the store.
    const name = `api-key-${created.publicKey.slice(7).replaceAll("_", "-").toLowerCase().replace(/-+/g, "-").replace(/^-|-$/g, "")}`;
    const secret = await ark.core.secrets.get(name);
    assert.equal(secret.type, "ark.mckinsey.com/api-key");
    assert.deepEqual(secret.metadata.labels, { "ark.mckinsey.com/api-key": "true" });
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), ["is_active", "public_key", "secret_key_hash"]);
    assert.equal(decode(secret.data?.["public_key"]), created.publicKey);
    assert.equal(decode(secret.data?.["is_active"]), "true");
    const hash = decode(decode(secret.data?.["secret_key_hash"]));
    assert.match(hash, /^\$2b\$12\$[./A-Za-z0-9]{53}$/, "what Python's bcrypt.gensalt() makes");
    assert.equal(await bcrypt.compare(created.secretKey, hash), true);
    const annotation = secret.metadata.annotations?.[META] ?? "";
    assert.equal(annotation, formatApiKeyMetadata({ name: "ci \u00e9", createdAt: created.createdAt, expiresAt: created.expiresAt }));
    assert.match(annotation, /^\{"name": "ci \\u00e9", "createdAt": "[^"]+", "expiresAt": "2099-06-01T12:00:00\.250000\+00:00"\}$/);
    assert.equal(created.id, secret.metadata.uid);
  });

  it("lists live keys only, gets deleted ones, and soft-deletes as ark-api (Secret kept, is_active false, deletedAt set)", async () => {
    const keep = await ark.apiKeys.create({ name: "keep" });
    const drop = await ark.apiKeys.create({ name: "drop" });
    assert.equal(await ark.apiKeys.delete(drop.publicKey), true);
    const listed = await ark.apiKeys.list();
    assert.equal(listed.count, listed.items.length);
    assert.ok(listed.items.some((key) => key.publicKey === keep.publicKey && key.isActive && key.name === "keep"));
    assert.ok(!listed.items.some((key) => key.publicKey === drop.publicKey));
    const dropped = await ark.apiKeys.get(drop.publicKey);
    assert.equal(dropped?.isActive, false);
    assert.ok(dropped?.deletedAt instanceof Date);
    const raw = await ark.core.secrets.get(dropped?.secretName ?? "");
    assert.equal(decode(raw.data?.["is_active"]), "false");
    assert.match((JSON.parse(raw.metadata.annotations?.[META] ?? "{}") as Record<string, string>)["deletedAt"] ?? "", PY_UTC);
    assert.equal(await ark.apiKeys.delete("pk-ark-no-such-key"), false);
    assert.equal(await ark.apiKeys.get("pk-ark-no-such-key"), undefined);
    // A Secret of a key's name that is not an API key is left alone (ark-api would mark it).
    await ark.core.secrets.create({ metadata: { name: "api-key-opaque-one" }, stringData: { public_key: "pk-ark-opaque-one" } });
    assert.equal(await ark.apiKeys.delete("pk-ark-opaque-one"), false);
    assert.equal((await ark.core.secrets.get("api-key-opaque-one")).metadata.annotations, undefined);
  });
});

describe("apiKeyAuth backed by ark.apiKeys in front of an ExecutorApp", () => {
  it("admits a valid key (200, claims to the engine) and writes lastUsedAt once per interval", async () => {
    const key = await ark.apiKeys.create({ name: "engine client" });
    const secretName = (await ark.apiKeys.get(key.publicKey))?.secretName ?? "";
    const before = (await ark.core.secrets.get(secretName)).metadata.resourceVersion;
    const first = await sendQuery(key.publicKey, key.secretKey);
    assert.equal(first.status, 200, first.body);
    const outcome = readEngineResponse(JSON.parse(first.body));
    assert.equal("content" in outcome ? outcome.content : undefined, `hello ${key.publicKey}`);
    assert.equal(engine.callers.at(-1)?.["name"], "engine client");
    const touched = await ark.core.secrets.get(secretName);
    assert.notEqual(touched.metadata.resourceVersion, before, "the first use is written");
    assert.match((JSON.parse(touched.metadata.annotations?.[META] ?? "{}") as Record<string, string>)["lastUsedAt"] ?? "", PY_UTC);
    // Within the (default 60 s) interval, further uses are not written.
    assert.equal((await sendQuery(key.publicKey, key.secretKey)).status, 200);
    assert.equal((await ark.core.secrets.get(secretName)).metadata.resourceVersion, touched.metadata.resourceVersion, "no second write within the interval");
    // With interval 0 (ark-api's behaviour), every use is written.
    const everyTime = new ApiKeyStore(ark.core.secrets, { lastUsedIntervalMs: 0 });
    assert.ok(await everyTime.verify(key.publicKey, key.secretKey));
    assert.notEqual((await ark.core.secrets.get(secretName)).metadata.resourceVersion, touched.metadata.resourceVersion);
  });

  it("refuses wrong secret, unknown, expired, soft-deleted and wrong-type keys with ark-api's 401 detail, before the engine runs", async () => {
    const valid = await ark.apiKeys.create({ name: "valid" });
    const expired = await ark.apiKeys.create({ name: "expired", expiresAt: new Date(Date.now() - 60_000) });
    const deleted = await ark.apiKeys.create({ name: "deleted" });
    assert.equal(await ark.apiKeys.delete(deleted.publicKey), true);
    // The fixture's data under another name and type: a Secret that is not an API key.
    const wrongType = "pk-ark-wrong-type";
    await ark.core.secrets.create({ metadata: { name: "api-key-wrong-type", annotations: fixture.secret.metadata.annotations }, type: "Opaque", stringData: { ...fixture.secret.stringData, public_key: wrongType } });
    // Naive expiry (no UTC offset): ark-api cannot compare it with now and refuses the key.
    const naive = await ark.apiKeys.create({ name: "naive" });
    const naiveName = (await ark.apiKeys.get(naive.publicKey))?.secretName ?? "";
    await ark.core.secrets.patch(naiveName, { metadata: { annotations: { [META]: '{"name": "naive", "createdAt": "2026-01-01T00:00:00+00:00", "expiresAt": "2999-01-01T00:00:00"}' } } });
    // Each of ark-api's "inactive" signs alone refuses: deletedAt without is_active false, and the reverse.
    const deletedOnly = await ark.apiKeys.create({ name: "deletedAt only" });
    await ark.core.secrets.patch((await ark.apiKeys.get(deletedOnly.publicKey))?.secretName ?? "", {
      metadata: { annotations: { [META]: '{"name": "d", "createdAt": "2026-01-01T00:00:00+00:00", "deletedAt": "2026-01-02T00:00:00+00:00"}' } },
    });
    const inactiveOnly = await ark.apiKeys.create({ name: "is_active false only" });
    await ark.core.secrets.patch((await ark.apiKeys.get(inactiveOnly.publicKey))?.secretName ?? "", { data: { is_active: Buffer.from("false").toString("base64") } });
    // A public key that names the same Secret (names are lower-cased) but is not the stored one.
    const swapped = `pk-ark-${[...valid.publicKey.slice(7)].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("")}`;
    // A stored secret of 72 bytes: bcryptjs would accept it followed by anything; pyca/bcrypt 5 (ark-api) refuses > 72 bytes.
    const long = "sk-ark-".padEnd(72, "L");
    await ark.core.secrets.create({
      metadata: { name: "api-key-long", labels: { "ark.mckinsey.com/api-key": "true" }, annotations: { [META]: '{"name": "long", "createdAt": "2026-01-01T00:00:00+00:00"}' } },
      type: "ark.mckinsey.com/api-key",
      stringData: { public_key: "pk-ark-long", secret_key_hash: Buffer.from(await bcrypt.hash(long, 4)).toString("base64"), is_active: "true" },
    });
    assert.ok(await ark.apiKeys.verify("pk-ark-long", long), "the 72-byte secret itself verifies");
    const calls = engine.callers.length;
    const cases: [string, string, string][] = [
      ["wrong secret", valid.publicKey, `${valid.secretKey.slice(0, -2)}zz`],
      ["unknown key", "pk-ark-unknown", valid.secretKey],
      ["unknown key, name no Secret can have", "pk-ark-../../x", valid.secretKey],
      ["expired", expired.publicKey, expired.secretKey],
      ["soft-deleted", deleted.publicKey, deleted.secretKey],
      ["wrong Secret type", wrongType, fixture.secretKey],
      ["naive expiry", naive.publicKey, naive.secretKey],
      ["deletedAt set, is_active true", deletedOnly.publicKey, deletedOnly.secretKey],
      ["is_active false, no deletedAt", inactiveOnly.publicKey, inactiveOnly.secretKey],
      ["public key differing in case from the stored one", swapped, valid.secretKey],
      ["secret beyond bcrypt's 72 bytes", "pk-ark-long", `${long}-and-more`],
    ];
    for (const [label, pk, sk] of cases) assert.deepEqual(await sendQuery(pk, sk), refused(), label);
    assert.equal(engine.callers.length, calls, "the engine never ran");
    assert.equal((await sendQuery(valid.publicKey, valid.secretKey)).status, 200, "the valid key still works");
  });

  it("spends one bcrypt comparison on an unknown key as on a wrong secret (CPU time, not wall time)", async () => {
    const key = await ark.apiKeys.create({ name: "timing" });
    const store = new ApiKeyStore(ark.core.secrets);
    const cpu = async (pk: string, sk: string) => {
      const start = process.cpuUsage();
      assert.equal(await store.verify(pk, sk), undefined);
      const used = process.cpuUsage(start);
      return (used.user + used.system) / 1000;
    };
    await cpu("pk-ark-warm-up", key.secretKey); // the store's dummy hash is made on first use
    const wrong = await cpu(key.publicKey, `${key.secretKey.slice(0, -2)}zz`);
    const unknown = await cpu("pk-ark-never-issued", key.secretKey);
    // A cost-12 comparison is tens of ms of CPU even on a fast machine; a Secret read is far less.
    assert.ok(wrong > 20, `a wrong secret costs a bcrypt comparison (${wrong} ms)`);
    assert.ok(unknown > wrong / 3, `an unknown key costs one too (${unknown} ms vs ${wrong} ms)`);
  });
});
