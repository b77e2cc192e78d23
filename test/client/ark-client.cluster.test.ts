// ArkClient against the real API server: create/get/list/update/delete for
// every ARK kind through its typed property, the versioned clients,
// client-side validation (before any request), and namespace views.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { useArkCluster } from "./support.js";
import { KubeConfig } from "@kubernetes/client-node";
import type { TestCluster } from "../helpers/cluster.js";
import { ARK_KIND_SAMPLES } from "../fixtures/ark-objects.js";
import {
  ArgumentError, ArkClient, ArkClientV1alpha1, ArkClientV1prealpha1, InvalidError, ValidationError, isNotFound,
  type KubernetesObject, type ResourceClient,
} from "ark-sdk";

let cluster: TestCluster;
let ark: ArkClient;
let ns: string;

useArkCluster("client-ark", (c) => ({ cluster, ns, ark } = c));

const PROPERTY: Record<string, keyof ArkClient> = {
  agents: "agents", models: "models", queries: "queries", teams: "teams", tools: "tools", memories: "memories", mcpservers: "mcpServers",
  a2atasks: "a2aTasks", arkconfigs: "arkConfigs", a2aservers: "a2aServers", executionengines: "executionEngines",
};

describe("every ARK kind", () => {
  for (const sample of ARK_KIND_SAMPLES) {
    it(`${sample.kind}: create, get, list, update, delete`, async () => {
      const client = ark[PROPERTY[sample.plural] as keyof ArkClient] as unknown as ResourceClient<KubernetesObject & { spec?: unknown }>;
      assert.equal(client.descriptor.kind, sample.kind);
      assert.equal(client.descriptor.apiVersion, sample.apiVersion);
      const name = sample.namespaced ? `s-${sample.plural}` : `s-${ns}`;
      const created = await client.create({ metadata: { name }, ...structuredClone(sample.body) });
      assert.equal(created.kind, sample.kind);
      assert.equal(created.metadata?.namespace, sample.namespaced ? ns : undefined);
      const got = await client.get(name);
      assert.equal(got.metadata?.uid, created.metadata?.uid);
      const listed = await client.list({ fieldSelector: `metadata.name=${name}` });
      assert.deepEqual(listed.map((o) => o.metadata?.name), [name]);
      got.metadata = { ...got.metadata, labels: { touched: "yes" } };
      const updated = await client.update(got);
      assert.equal(updated.metadata?.labels?.touched, "yes");
      await client.delete(name);
      await client.waitForDeletion(name, { timeoutMs: 10_000 });
      assert.equal(await client.getOrUndefined(name), undefined);
    });
  }

  it("treats ArkConfig as cluster-scoped", async () => {
    await assert.rejects(ark.arkConfigs.get("x", { namespace: ns }), (e: unknown) => e instanceof ArgumentError && e.field === "namespace");
    assert.throws(() => ark.arkConfigs.inNamespace(ns), ArgumentError);
    assert.equal(ark.arkConfigs.namespace, undefined);
    const name = `cfg-${ns}`;
    await ark.arkConfigs.create({ metadata: { name }, spec: { queryTTL: "1h" } });
    const everywhere = await ark.inNamespace("default").arkConfigs.list();
    assert.ok(everywhere.some((c) => c.metadata.name === name && c.spec.queryTTL === "1h"));
    await ark.arkConfigs.delete(name);
  });
});

describe("versioned clients", () => {
  it("group the kinds of one API version and share the connection pool", async () => {
    assert.ok(ark.v1alpha1 instanceof ArkClientV1alpha1);
    assert.ok(ark.v1prealpha1 instanceof ArkClientV1prealpha1);
    assert.equal(ark.v1alpha1.transport, ark.transport);
    assert.equal("executionEngines" in ark.v1alpha1, false);
    assert.equal("agents" in ark.v1prealpha1, false);
    await ark.v1prealpha1.executionEngines.create({ metadata: { name: "ee" }, spec: { address: { value: "http://127.0.0.1:1" } } });
    assert.equal((await ark.executionEngines.get("ee")).metadata.name, "ee");
    const standalone = new ArkClientV1alpha1({ kubeConfig: cluster.kubeConfig, namespace: ns });
    try {
      assert.equal((await standalone.agents.list()).length, (await ark.agents.list()).length);
    } finally {
      await standalone.close();
    }
  });
});

describe("client-side validation", () => {
  // A client whose server does not exist: any request would fail with a ConnectionError.
  let offline: ArkClient;
  let kc: KubeConfig;
  before(() => {
    kc = new KubeConfig();
    kc.loadFromOptions({ ...JSON.parse(cluster.kubeConfig.exportConfig()), clusters: [{ name: "nowhere", server: "https://127.0.0.1:1", skipTLSVerify: false }], contexts: [{ name: "c", cluster: "nowhere", user: cluster.kubeConfig.getCurrentUser()?.name }], currentContext: "c", users: cluster.kubeConfig.getUsers() });
    offline = new ArkClient({ kubeConfig: kc, namespace: ns, retry: { attempts: 1 } });
  });
  after(() => offline.close());

  it("rejects a bad object with every problem and path, before any request", async () => {
    const error = await offline.agents.create({ metadata: { name: "Bad_Name" }, spec: { prompt: 42 as unknown as string, modelRef: {} as never, tools: [{ name: "x" } as never] } }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, String(error));
    const paths = error.problems.map((p) => `${p.path}:${p.rule}`).sort();
    assert.ok(paths.includes("spec.prompt:type"), paths.join(" "));
    assert.ok(paths.includes("spec.modelRef.name:required"), paths.join(" "));
    assert.ok(paths.includes("spec.tools[0].type:required"), paths.join(" "));
    assert.ok(paths.some((p) => p.startsWith("metadata.name")), paths.join(" "));
    assert.equal(error.kind, "Agent");
    assert.equal(error.objectName, "Bad_Name");
    assert.equal(error.name, "ValidationError");
  });

  it("reports typos (fields the server would prune) in strict mode and checks updates and applies too (gap 1)", async () => {
    const strict = new ArkClient({ kubeConfig: kc, namespace: ns, retry: { attempts: 1 }, validation: "strict" });
    try {
      const typo = await strict.agents.create({ metadata: { name: "t" }, spec: { promt: "x" } as never }).catch((e: unknown) => e);
      assert.ok(typo instanceof ValidationError);
      assert.deepEqual(typo.problems.map((p) => [p.path, p.rule]), [["spec.promt", "unknown-field"]]);
    } finally {
      await strict.close();
    }
    await assert.rejects(offline.queries.update({ apiVersion: "ark.mckinsey.com/v1alpha1", kind: "Query", metadata: { name: "q" }, spec: { input: "x", target: { type: "robot", name: "r" } as never } }), ValidationError);
    await assert.rejects(offline.agents.apply({ metadata: { name: "a" }, spec: { prompt: 1 as never } }), ValidationError);
  });

  it("lets a partial apply configuration through (missing required fields are fine there)", async () => {
    await ark.queries.create({ metadata: { name: "partial" }, spec: { input: "hello", target: { type: "agent", name: "a" } } });
    const applied = await ark.queries.apply({ metadata: { name: "partial" }, spec: { sessionId: "s-1" } }, { fieldManager: "sessions" });
    assert.equal(applied.spec.sessionId, "s-1");
    assert.equal(applied.spec.input, "hello");
  });

  it("can be turned off per call or per client, leaving the server to judge", async () => {
    const perCall = await ark.agents.create({ metadata: { name: "server-judges" }, spec: { prompt: 42 as unknown as string } }, { validate: false }).catch((e: unknown) => e);
    assert.ok(perCall instanceof InvalidError);
    assert.equal(perCall.causes[0]?.field, "spec.prompt");
    const lax = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, validate: false });
    try {
      await assert.rejects(lax.agents.create({ metadata: { name: "server-judges" }, spec: { prompt: 42 as unknown as string } }), InvalidError);
    } finally {
      await lax.close();
    }
  });
});

describe("namespaces", () => {
  it("inNamespace shares connections; a call's namespace overrides the default", async () => {
    const other = await cluster.namespace("client-ark-other");
    const there = ark.inNamespace(other);
    assert.equal(there.transport, ark.transport);
    assert.equal(there.namespace, other);
    await there.agents.create({ metadata: { name: "x" }, spec: { prompt: "p" } });
    assert.equal((await ark.agents.get("x", { namespace: other })).metadata.namespace, other);
    assert.ok(isNotFound(await ark.agents.get("x").catch((e: unknown) => e)));
    await there.close(); // a view does not own the pool
    assert.equal((await ark.agents.get("x", { namespace: other })).metadata.name, "x");
  });
});
