// The Python SDK's stores, ported, against the real API server: token
// secrets (never leaking values or foreign annotations), ConfigMap-backed
// configurations (invisible unless marked), and multi-document manifest apply.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { useArkCluster } from "./support.js";
import type { TestCluster } from "../helpers/cluster.js";
import { ArgumentError, ArkClient, ManifestError, NotFoundError, ValidationError, silentLogger } from "ark-sdk";

let cluster: TestCluster;
let ark: ArkClient;
let ns: string;

useArkCluster("client-stores", (c) => ({ cluster, ns, ark } = c), { logger: silentLogger });

describe("SecretClient", () => {
  it("creates a token secret with description, alias and tags, reporting no value", async () => {
    const created = await ark.tokenSecrets.createSecret("s1", { token: "tok-PLAINTEXT-never-echoed" }, "Opaque", { description: "prod key", alias: "Prod", labels: ["prod", "eu1"] });
    assert.equal(created.name, "s1");
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.type, "Opaque");
    assert.equal(created.secretLength, Buffer.from("tok-PLAINTEXT-never-echoed").toString("base64").length, "length of the stored base64 value");
    assert.deepEqual(created.annotations, { "ark.mckinsey.com/description": "prod key", "ark.mckinsey.com/alias": "Prod" });
    assert.deepEqual(created.labels, ["eu1", "prod"]);
    // A value that cannot occur by chance in a UUID or timestamp ("abc" once
    // did: the random id is hex), checked in both its plain and base64 forms.
    assert.equal(JSON.stringify(created).includes("PLAINTEXT"), false);
    assert.equal(JSON.stringify(created).includes(Buffer.from("tok-PLAINTEXT-never-echoed").toString("base64")), false);
    const raw = await ark.core.secrets.get("s1");
    assert.deepEqual(raw.metadata.labels, { "ark.mckinsey.com/label.prod": "true", "ark.mckinsey.com/label.eu1": "true" });
    assert.equal(raw.metadata.annotations?.["ark.mckinsey.com/resource-type"], undefined, "no resource-type marker on secrets");
  });

  it("keeps foreign annotations (last-applied-configuration) and values out of list and get", async () => {
    await ark.core.secrets.create({
      metadata: { name: "kubectl-made", annotations: { "kubectl.kubernetes.io/last-applied-configuration": '{"stringData":{"token":"leaked"}}', "ark.mckinsey.com/alias": "K" } },
      stringData: { token: "leaked" },
    });
    const listed = await ark.tokenSecrets.listSecrets();
    const entry = listed.items.find((s) => s.name === "kubectl-made");
    assert.deepEqual(entry?.annotations, { "ark.mckinsey.com/alias": "K" });
    assert.equal(listed.count, listed.items.length);
    const detail = await ark.tokenSecrets.getSecret("kubectl-made");
    assert.deepEqual(detail.keys, ["token"]);
    assert.equal(JSON.stringify([listed, detail]).includes("leaked"), false);
    assert.equal((await ark.tokenSecrets.getSecretValue("kubectl-made", "token")).value, Buffer.from("leaked").toString("base64"));
    await assert.rejects(ark.tokenSecrets.getSecretValue("kubectl-made", "password"), /Invalid key password for secret kubectl-made/);
    assert.deepEqual((await ark.tokenSecrets.listSecrets("ark.mckinsey.com/label.prod=true")).items.map((s) => s.name), ["s1"]);
  });

  it("validates input before sending", async () => {
    await assert.rejects(ark.tokenSecrets.createSecret("bad", { password: "p" }), (e: unknown) => e instanceof ArgumentError && /Only 'token' field is allowed. Invalid fields: password/.test(e.message));
    await assert.rejects(ark.tokenSecrets.createSecret("bad", {}), /Secret data cannot be empty/);
    await assert.rejects(ark.tokenSecrets.createSecret("bad", { token: "t" }, "Opaque", { labels: ["has space"] }), /use only letters and digits/);
    assert.equal(await ark.core.secrets.getOrUndefined("bad"), undefined);
  });

  it("updates metadata without touching the value, keeps legacy tags, and deletes", async () => {
    await ark.core.secrets.create({ metadata: { name: "legacy", labels: { "ark.mckinsey.com/label.my-key": "true", app: "x" } }, stringData: { token: "v1" } });
    const before = await ark.core.secrets.get("legacy");
    const updated = await ark.tokenSecrets.updateSecret("legacy", undefined, { description: "now described", labels: ["my-key", "new1"] });
    assert.deepEqual(updated.labels, ["my-key", "new1"]);
    assert.equal(updated.description, "now described");
    const after = await ark.core.secrets.get("legacy");
    assert.equal(after.data?.token, before.data?.token);
    assert.equal(after.metadata.labels?.app, "x");
    await assert.rejects(ark.tokenSecrets.updateSecret("legacy", undefined, { labels: ["my-key", "new-2"] }), /new-2/);
    const rotated = await ark.tokenSecrets.updateSecret("legacy", { token: "v2" }, { description: "" });
    assert.equal(rotated.description, undefined);
    assert.equal((await ark.tokenSecrets.getSecretValue("legacy", "token")).value, Buffer.from("v2").toString("base64"));
    assert.equal(await ark.tokenSecrets.deleteSecret("legacy"), true);
    await assert.rejects(ark.tokenSecrets.getSecret("legacy"), NotFoundError);
  });
});

describe("ConfigurationClient", () => {
  it("creates, reads, lists only marked ConfigMaps, replaces fully and deletes", async () => {
    const created = await ark.configurations.createConfiguration("c1", "value-1", { description: "d", alias: "a", labels: ["t1"] });
    assert.deepEqual({ ...created, id: "" }, { name: "c1", id: "", value: "value-1", description: "d", alias: "a", labels: ["t1"] });
    await ark.core.configMaps.create({ metadata: { name: "plain" }, data: { value: "not a configuration" } });
    assert.deepEqual((await ark.configurations.listConfigurations()).items.map((c) => c.name), ["c1"]);
    await assert.rejects(ark.configurations.getConfiguration("plain"), (e: unknown) => e instanceof NotFoundError && /Configuration 'plain' not found/.test(e.message));
    await assert.rejects(ark.configurations.deleteConfiguration("plain"), NotFoundError);
    assert.ok(await ark.core.configMaps.get("plain"), "an unmarked ConfigMap is never deleted");

    await ark.core.configMaps.patch("c1", { metadata: { labels: { app: "keep" }, annotations: { "example.com/keep": "yes" } }, data: { extra: "keep" } });
    const replaced = await ark.configurations.updateConfiguration("c1", "value-2", { labels: ["t2"] });
    assert.deepEqual({ ...replaced, id: "" }, { name: "c1", id: "", value: "value-2", description: undefined, alias: undefined, labels: ["t2"] });
    const raw = await ark.core.configMaps.get("c1");
    assert.equal(raw.metadata.labels?.app, "keep");
    assert.equal(raw.metadata.annotations?.["example.com/keep"], "yes");
    assert.equal(raw.data?.extra, "keep");
    assert.equal(await ark.configurations.deleteConfiguration("c1"), true);
    assert.equal(await ark.core.configMaps.getOrUndefined("c1"), undefined);
  });
});

describe("applyManifest", () => {
  const manifest = (prompt: string) => `
# a team's ARK setup
---
apiVersion: ark.mckinsey.com/v1alpha1
kind: Model
metadata:
  name: gpt
spec:
  provider: openai
  model: { value: gpt-4o }
  config:
    openai:
      baseUrl: { value: "http://127.0.0.1:1/v1" }
      apiKey: { valueFrom: { secretKeyRef: { name: openai, key: token } } }
---
apiVersion: ark.mckinsey.com/v1alpha1
kind: Agent
metadata:
  name: helper
spec:
  prompt: ${JSON.stringify(prompt)}
  modelRef: { name: gpt }
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
`;

  it("applies every document and reports created, unchanged and configured", async () => {
    const first = await ark.applyManifest(manifest("Be brief."));
    assert.deepEqual(first.map((o) => `${o.index} ${o.kind}/${o.name} ${o.action}`), ["0 Model/gpt created", "1 Agent/helper created", "2 ConfigMap/settings created"]);
    assert.equal((await ark.agents.get("helper")).spec.prompt, "Be brief.");
    const again = await ark.applyManifest(manifest("Be brief."));
    assert.deepEqual(again.map((o) => o.action), ["unchanged", "unchanged", "unchanged"]);
    const changed = await ark.applyManifest(manifest("Be thorough."));
    assert.deepEqual(changed.map((o) => o.action), ["unchanged", "configured", "unchanged"]);
    assert.equal((changed[1]?.object as { spec?: { prompt?: string } }).spec?.prompt, "Be thorough.");
  });

  it("applies the good documents, then rejects with every outcome when one fails validation", async () => {
    const text = `apiVersion: ark.mckinsey.com/v1alpha1
kind: Agent
metadata: { name: good }
spec: { prompt: fine }
---
apiVersion: ark.mckinsey.com/v1alpha1
kind: Agent
metadata: { name: bad }
spec: { prompt: 3 }
`;
    const error = await ark.applyManifest(text).catch((e: unknown) => e);
    assert.ok(error instanceof ManifestError);
    assert.deepEqual(error.outcomes.map((o) => `${o.name} ${o.action}`), ["good created", "bad failed"]);
    assert.ok(error.outcomes[1]?.error instanceof ValidationError);
    assert.match(error.message, /1 of 2 manifest documents failed: #1 Agent "bad"/);
    assert.ok(await ark.agents.get("good"));
  });

  it("refuses unknown kinds and broken YAML before applying anything", async () => {
    const withTypo = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: first }\n---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata: { name: d }\n`;
    await assert.rejects(ark.applyManifest(withTypo), (e: unknown) => e instanceof ArgumentError && /document 1.*apps\/v1 Deploymnet is not a kind the cluster serves/.test(e.message));
    assert.equal(await ark.core.configMaps.getOrUndefined("first"), undefined);
    await assert.rejects(ark.applyManifest("kind: ConfigMap\nmetadata: [oops\n"), (e: unknown) => e instanceof ArgumentError && e.field === "document 0");
  });

  it("puts documents without a namespace in the given one, and respects a document's own", async () => {
    const other = await cluster.namespace("client-stores-other");
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: here }\ndata: { a: b }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: pinned, namespace: ${other} }\ndata: { a: b }\n`;
    const outcomes = await ark.applyManifest(text, { fieldManager: "manifests" });
    assert.deepEqual(outcomes.map((o) => `${o.namespace}/${o.name}`), [`${ns}/here`, `${other}/pinned`]);
    assert.deepEqual((await ark.core.configMaps.get("pinned", { namespace: other })).metadata.managedFields?.map((m) => m.manager), ["manifests"]);
  });
});
