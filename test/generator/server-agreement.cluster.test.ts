// The generated validators against a real kube-apiserver: objects the server
// accepts validate; objects it rejects are rejected at the same paths; fields
// it prunes are the ones reported as unknown. Then `--from-cluster` against
// the same server gives the same output as `--crds` on the files.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { after, before, describe, it } from "node:test";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { descriptorFor, validateObject } from "../../src/generated/index.js";
import { generate, readClusterCrds, readCrdFiles } from "../../src/generator/index.js";
import { run } from "../../src/cli/generate.js";
import { createValidator, type JsonSchemaProps, type ValidationProblem } from "../../src/schema/index.js";
import type { ObjectMeta } from "../../src/core/meta.js";
import { VALID_OBJECTS, agent, a2aTask, mcpServer, model, query, team, tool } from "./fixtures/typed-objects.js";
import { testCrd } from "./helpers/crd-builder.js";
import { causesOf, collectionPath, kubeRequest, type KubeResponse } from "./helpers/kube-request.js";
import { SHARED_CRDS, itWithCrds, scratchDir } from "./helpers/paths.js";

type Obj = { apiVersion: string; kind: string; metadata: ObjectMeta; spec?: unknown; status?: unknown };

let cluster: TestCluster;
let ns: string;
const cleanup: string[] = [];
const scratch: string[] = [];
const suffix = randomBytes(3).toString("hex");

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("generator");
});
after(async () => {
  for (const path of cleanup) await kubeRequest(cluster.kubeConfig, "DELETE", path).catch(() => undefined);
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  await cluster?.close();
});

function pathOf(obj: Obj): string {
  const d = descriptorFor(obj.apiVersion, obj.kind);
  assert.ok(d, `${obj.apiVersion} ${obj.kind} is generated`);
  return collectionPath(obj.apiVersion, d.plural, d.namespaced ? ns : undefined);
}

async function create(obj: Obj): Promise<KubeResponse> {
  const { status: _status, ...body } = obj;
  const res = await kubeRequest(cluster.kubeConfig, "POST", pathOf(obj), body);
  if (res.status === 201) cleanup.push(`${pathOf(obj)}/${(res.body.metadata as { name: string }).name}`);
  return res;
}

/** Paths as the 1.20 API server reports them: without list indexes and map keys. */
const normalise = (path: string) => path.replace(/\[[^\]]*\]/g, "");
const pathSet = (paths: Iterable<string>) => [...new Set([...paths].map(normalise))].sort();
/** Cause fields; 1.20 reports a failed anyOf with field "<nil>" and the path only in the message. */
const causePaths = (res: KubeResponse) => causesOf(res).map((c) => (c.field === "<nil>" ? (/"([^"]+)" must validate/.exec(c.message ?? "")?.[1] ?? "<nil>") : (c.field ?? "")));
const rejected = (problems: ValidationProblem[]) => pathSet(problems.filter((p) => p.rule !== "unknown-field" && p.rule !== "null").map((p) => p.path));

function named<T extends Obj>(obj: T, name: string): T {
  return { ...structuredClone(obj), metadata: { ...obj.metadata, name: `${name}-${suffix}` } };
}

describe("generated validators agree with the API server", () => {
  it("every valid fixture is created, gets its status written, reads back and validates", async () => {
    for (const fixture of VALID_OBJECTS) {
      const obj = named(fixture as Obj, fixture.metadata.name ?? "x");
      assert.deepEqual(validateObject(obj), [], `${obj.kind} fixture validates`);
      const created = await create(obj);
      assert.equal(created.status, 201, `${obj.kind}: ${JSON.stringify(created.body)}`);
      let stored = created.body;
      if (obj.status !== undefined) {
        const res = await kubeRequest(cluster.kubeConfig, "PUT", `${pathOf(obj)}/${obj.metadata.name}/status`, { ...created.body, status: obj.status });
        assert.equal(res.status, 200, `${obj.kind} status: ${JSON.stringify(res.body)}`);
        stored = res.body;
        assert.deepEqual(stored.status, obj.status, `${obj.kind} status stored as sent`);
      }
      assert.deepEqual(validateObject(stored), [], `${obj.kind} as the server returns it validates`);
    }
  });

  /** An object of `base`'s kind with a spec the types would refuse (that is the point). */
  const wrong = (base: Obj, spec: unknown, metadata: ObjectMeta = base.metadata): Obj => ({ ...base, metadata, spec });
  const invalid: { name: string; obj: Obj }[] = [
    { name: "agent", obj: wrong(agent, { prompt: 42, modelRef: {}, tools: [{ type: "nope" }, { name: "t" }], parameters: [{ name: "" }] }, { name: "Bad_Name", labels: { "a/b/c": "x" } }) },
    { name: "model", obj: wrong(model, { ...model.spec, provider: "openia", config: { bedrock: { maxTokens: 0, temperature: "1.5" } }, model: {} }) },
    { name: "model-missing", obj: wrong(model, { config: {} }) },
    { name: "query", obj: wrong(query, { target: { type: "robot", name: "" }, timeout: 5, memory: {} }) },
    { name: "team", obj: wrong(team, { strategy: "sequential", maxTurns: "many", members: [{ name: "a" }] }) },
    { name: "tool", obj: wrong(tool, { http: { method: "FETCH" } }) },
    { name: "mcp", obj: wrong(mcpServer, { ...mcpServer.spec, transport: "grpc", headers: [{ name: "", value: {} }] }) },
    { name: "a2atask", obj: wrong(a2aTask, { ...a2aTask.spec, taskId: "", priority: "high", queryRef: {} }) },
  ];
  for (const c of invalid) {
    it(`rejects an invalid ${c.name} at the paths the server names`, async () => {
      const obj = c.obj.metadata.name === "Bad_Name" ? c.obj : named(c.obj, `bad-${c.name}`);
      const ours = rejected(validateObject(obj, { status: "ignore" }));
      assert.ok(ours.length > 0, "the validator finds problems");
      const res = await create(obj);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.deepEqual(ours, pathSet(causePaths(res)));
    });
  }

  it("rejects an invalid status at the paths the server names (status subresource)", async () => {
    const obj = named(agent, "bad-status");
    const created = await create(obj);
    assert.equal(created.status, 201);
    const status = { conditions: [{ type: "Ready", status: "Maybe", reason: "", message: "m", lastTransitionTime: "yesterday" }] };
    const ours = rejected(validateObject({ ...obj, status }));
    assert.deepEqual(ours, ["status.conditions.lastTransitionTime", "status.conditions.reason", "status.conditions.status"]);
    const res = await kubeRequest(cluster.kubeConfig, "PUT", `${pathOf(obj)}/${obj.metadata.name}/status`, { ...created.body, status });
    assert.equal(res.status, 422);
    assert.deepEqual(ours, pathSet(causePaths(res)));
  });

  it("reports exactly the fields and nulls the server prunes, and accepts what it defaults", async () => {
    const obj = named(query, "pruned") as Obj & { spec: Record<string, unknown> };
    obj.spec = { ...obj.spec, prompt: "not a Query field", target: { type: "agent", name: "a", weight: 3 }, sessionId: null, timeout: null, parameters: [{ name: "p", value: null }] };
    const problems = validateObject(obj, { status: "ignore" });
    assert.deepEqual(
      problems.map((p) => `${p.path} ${p.rule}`),
      ["spec.parameters[0].value null", "spec.sessionId null", "spec.prompt unknown-field", "spec.target.weight unknown-field"],
    );
    assert.deepEqual(validateObject(obj, { status: "ignore", unknownFields: "ignore" }), []);
    const res = await create(obj);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const spec = res.body.spec as Record<string, unknown>;
    assert.ok(!("prompt" in spec) && !("sessionId" in spec), "pruned by the server");
    assert.deepEqual(spec.target, { type: "agent", name: "a" });
    assert.deepEqual(spec.parameters, [{ name: "p" }]);
    assert.equal(spec.timeout, "5m", "a null with a default gets the default");
    assert.deepEqual(validateObject(res.body), []);
  });

  it("accepts what the server accepts at the edges (int32 overflow, generateName, empty strings)", async () => {
    const obj = { ...named(a2aTask, "edge"), metadata: { generateName: "edge-" } } as Obj;
    (obj.spec as { priority: number }).priority = 2 ** 40;
    (obj.spec as { input: string }).input = "";
    assert.deepEqual(validateObject(obj, { status: "ignore" }), []);
    const res = await kubeRequest(cluster.kubeConfig, "POST", pathOf(obj), { ...obj, status: undefined });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    cleanup.push(`${pathOf(obj)}/${(res.body.metadata as { name: string }).name}`);
  });
});

describe("Kubernetes keywords agree with the API server (a CRD of the test's own)", () => {
  const group = `g${suffix}.ark-sdk.io`;
  const spec: JsonSchemaProps = {
    type: "object",
    required: ["mode"],
    properties: {
      mode: { type: "string", default: "fast" },
      port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
      tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
      ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], items: { type: "object", required: ["name"], properties: { name: { type: "string" }, port: { type: "integer" } } } },
      template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
      note: { type: "string", nullable: true },
      at: { type: "string", format: "date-time" },
      ratio: { type: "number", minimum: 0, exclusiveMinimum: true },
    },
  };
  const crd = testCrd({ kind: "Gadget", group, spec });
  const validate = createValidator({ apiVersion: `${group}/v1`, kind: "Gadget", namespaced: true, schema: crd.spec.versions[0]!.schema!.openAPIV3Schema! });
  const crdPath = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;

  before(async () => {
    const res = await kubeRequest(cluster.kubeConfig, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    for (let i = 0; i < 200; i++) {
      const got = await kubeRequest(cluster.kubeConfig, "GET", crdPath);
      const conditions = ((got.body.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []);
      if (conditions.some((c) => c.type === "Established" && c.status === "True")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Discovery of a new CRD lags a little behind Established.
    for (let i = 0; i < 100; i++) {
      const probe = await kubeRequest(cluster.kubeConfig, "GET", collectionPath(`${group}/v1`, "gadgets", ns));
      if (probe.status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    await kubeRequest(cluster.kubeConfig, "DELETE", crdPath).catch(() => undefined);
  });

  const cases: { name: string; spec: Record<string, unknown>; accepted: boolean }[] = [
    { name: "valid", spec: { port: "http", tags: ["a", "b"], ports: [{ name: "a" }, { name: "b" }], template: { apiVersion: "v1", kind: "Pod", spec: {} }, note: null, at: "2024-01-01T00:00:00Z", ratio: 0.5 }, accepted: true },
    { name: "int-or-string", spec: { port: 1.5 }, accepted: false },
    { name: "set-duplicate", spec: { tags: ["a", "a"] }, accepted: false },
    { name: "map-duplicate", spec: { ports: [{ name: "a", port: 1 }, { name: "a", port: 2 }] }, accepted: false },
    { name: "embedded-without-kind", spec: { template: { apiVersion: "v1" } }, accepted: false },
    { name: "bad-date-time", spec: { at: "2024-01-01 00:00" }, accepted: false },
    { name: "exclusive-minimum", spec: { ratio: 0 }, accepted: false },
    { name: "default-fills-required", spec: { mode: null }, accepted: true },
  ];
  for (const c of cases) {
    it(`${c.name}: ${c.accepted ? "accepted" : "rejected"} by both`, async () => {
      const obj = { apiVersion: `${group}/v1`, kind: "Gadget", metadata: { name: `${c.name}-${suffix}` }, spec: c.spec };
      const ours = rejected(validate(obj));
      const res = await kubeRequest(cluster.kubeConfig, "POST", collectionPath(`${group}/v1`, "gadgets", ns), obj);
      if (c.accepted) {
        assert.deepEqual(ours, []);
        assert.equal(res.status, 201, JSON.stringify(res.body));
      } else {
        assert.ok(ours.length > 0);
        assert.equal(res.status, 422, JSON.stringify(res.body));
        assert.deepEqual(ours, pathSet(causePaths(res)));
      }
    });
  }
});

describe("--from-cluster", () => {
  itWithCrds("generates the same output as --crds on the same CRDs", async () => {
    const fromFiles = await readCrdFiles([SHARED_CRDS]);
    const names = new Set(fromFiles.map((s) => s.crd.metadata.name));
    // The shared plane may hold other CRDs of other tests; compare the same set.
    const fromCluster = (await readClusterCrds({ kubeConfig: cluster.kubeConfig })).filter((s) => names.has(s.crd.metadata.name));
    assert.equal(fromCluster.length, names.size, "all 11 ARK CRDs are installed");
    const a = generate(fromFiles);
    const b = generate(fromCluster);
    assert.equal(b.inputHash, a.inputHash);
    assert.deepEqual(b.files, a.files);
  });

  itWithCrds("works through the CLI with --kubeconfig and --context", async () => {
    const out = await scratchDir("from-cluster");
    scratch.push(out);
    const io = { out: [] as string[], err: [] as string[] };
    const cli = { out: (t: string) => void io.out.push(t), err: (t: string) => void io.err.push(t), isTty: false };
    const context = cluster.kubeConfig.getCurrentContext();
    assert.equal(await run(["--from-cluster", "--kubeconfig", cluster.kubeconfigPath, "--context", context, "--out", out], cli), 0, io.err.join(""));
    assert.match(io.out.join(""), /Agent v1alpha1, ArkConfig v1alpha1/);
    assert.equal(await run(["--from-cluster", "--kubeconfig", cluster.kubeconfigPath, "--context", "no-such-context", "--out", out], cli), 1);
    assert.match(io.err.join(""), /no context named "no-such-context"/);
  });
});
