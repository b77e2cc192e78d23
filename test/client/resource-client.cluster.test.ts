// The generic ResourceClient against the real API server: pagination,
// selectors, patches, server-side apply, the status subresource, optimistic
// concurrency, deletes, namespaces and typed errors.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { Transport } from "../../src/client/transport.js";
import { ResourceClient } from "../../src/client/resource-client.js";
import { retryOnConflict } from "../../src/client/retry-on-conflict.js";
import {
  AlreadyExistsError, ArgumentError, ConflictError, InvalidError, NotFoundError, isConflict,
} from "../../src/client/errors.js";
import { inParallel, testAgentDescriptor, testQueryDescriptor, type TestAgent } from "./support.js";

let cluster: TestCluster;
let transport: Transport;
let ns: string;
let agents: ResourceClient<TestAgent>;

const agent = (name: string, extra: Partial<TestAgent["metadata"]> = {}) => ({ metadata: { name, ...extra }, spec: { prompt: `I am ${name}`, modelRef: { name: "m" } } });

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("client-rc");
  transport = new Transport({ kubeConfig: cluster.kubeConfig });
  agents = new ResourceClient(testAgentDescriptor, { transport, namespace: ns });
});

after(async () => {
  await transport?.close();
  await cluster?.close();
});

describe("pagination and selectors", () => {
  const pageNs = { value: "" };
  let paged: ResourceClient<TestAgent>;
  before(async () => {
    pageNs.value = await cluster.namespace("client-pages");
    paged = agents.inNamespace(pageNs.value);
    await inParallel(250, 16, (i) => paged.create(agent(`a-${String(i).padStart(3, "0")}`, { labels: { parity: i % 2 === 0 ? "even" : "odd", tens: String(Math.floor(i / 10)) } })));
  });

  it("list returns every item across pages of 100", async () => {
    const all = await paged.list({ limit: 100 });
    assert.equal(all.length, 250);
    assert.equal(new Set(all.map((a) => a.metadata.name)).size, 250);
    assert.equal(all[0]?.kind, "Agent");
    assert.equal(all[0]?.apiVersion, "ark.mckinsey.com/v1alpha1");
  });

  it("iterate yields objects, fetching the next page only when the loop gets there", async () => {
    const fetched: (string | undefined)[] = [];
    const counting = paged.inNamespace(pageNs.value);
    const listPage = counting.listPage.bind(counting);
    counting.listPage = (options) => {
      fetched.push(options?.continue === undefined ? "first" : "next");
      return listPage(options);
    };
    const names: string[] = [];
    for await (const item of counting.iterate({ limit: 100 })) {
      assert.equal(item.kind, "Agent");
      names.push(item.metadata.name ?? "");
      if (names.length === 150) break;
    }
    assert.deepEqual(names, Array.from({ length: 150 }, (_, i) => `a-${String(i).padStart(3, "0")}`));
    assert.deepEqual(fetched, ["first", "next"], "two pages of 100 for 150 objects, the third never fetched");
    let all = 0;
    for await (const _item of paged.iterate({ limit: 100 })) all++;
    assert.equal(all, 250);
  });

  it("pages yields pages with continue tokens and remaining counts", async () => {
    const sizes: number[] = [];
    const remaining: (number | undefined)[] = [];
    for await (const page of paged.pages({ limit: 100 })) {
      sizes.push(page.items.length);
      remaining.push(page.remainingItemCount);
    }
    assert.deepEqual(sizes, [100, 100, 50]);
    assert.deepEqual(remaining, [150, 50, undefined]);
    const first = await paged.listPage({ limit: 100 });
    assert.ok(first.continue);
    assert.ok(first.resourceVersion);
    const second = await paged.listPage({ limit: 100, continue: first.continue });
    assert.equal(second.items[0]?.metadata.name, "a-100");
  });

  it("filters by label selector (string or pairs) and by field selector", async () => {
    assert.equal((await paged.list({ labelSelector: "parity=even", limit: 100 })).length, 125);
    assert.equal((await paged.list({ labelSelector: { parity: "odd", tens: "3" } })).length, 5);
    assert.equal((await paged.list({ labelSelector: "tens in (1,2),parity!=odd" })).length, 10);
    const one = await paged.list({ fieldSelector: "metadata.name=a-007" });
    assert.deepEqual(one.map((a) => a.metadata.name), ["a-007"]);
  });

  it("rejects a bad page size before sending", async () => {
    await assert.rejects(paged.listPage({ limit: 0 }), ArgumentError);
  });
});

describe("CRUD and typed errors", () => {
  it("creates, reads, replaces and deletes", async () => {
    const created = await agents.create(agent("crud-1"));
    assert.equal(created.metadata.namespace, ns);
    assert.ok(created.metadata.uid);
    const got = await agents.get("crud-1");
    got.spec.prompt = "Updated";
    const updated = await agents.update(got);
    assert.equal(updated.spec.prompt, "Updated");
    assert.notEqual(updated.metadata.resourceVersion, got.metadata.resourceVersion);
    await agents.delete("crud-1");
    assert.equal(await agents.getOrUndefined("crud-1"), undefined);
  });

  it("answers 404, 409 and 422 with their error classes", async () => {
    const missing = await agents.get("nope").catch((e: unknown) => e);
    assert.ok(missing instanceof NotFoundError);
    assert.equal(missing.status, 404);
    assert.equal(missing.objectName, "nope");
    assert.equal(missing.kind, "Agent");
    assert.equal(missing.resource, "agents");
    assert.equal(missing.name, "NotFoundError");
    await agents.create(agent("dup"));
    const dup = await agents.create(agent("dup")).catch((e: unknown) => e);
    assert.ok(dup instanceof AlreadyExistsError);
    assert.equal(dup.reason, "AlreadyExists");
    const invalid = await agents.create({ metadata: { name: "bad" }, spec: { prompt: 5 as unknown as string } }).catch((e: unknown) => e);
    assert.ok(invalid instanceof InvalidError);
    assert.equal(invalid.status, 422);
    assert.deepEqual(invalid.causes.map((c) => c.field), ["spec.prompt"]);
    await assert.rejects(agents.delete("nope"), NotFoundError);
  });

  it("checks arguments before sending", async () => {
    await assert.rejects(agents.get(""), (e: unknown) => e instanceof ArgumentError && e.field === "name");
    await assert.rejects(agents.get("a/b"), ArgumentError);
    await assert.rejects(agents.create({ metadata: {}, spec: {} }), (e: unknown) => e instanceof ArgumentError && e.field === "metadata.name");
    await assert.rejects(agents.create({ apiVersion: "v1" as never, metadata: { name: "x" }, spec: {} }), (e: unknown) => e instanceof ArgumentError && e.field === "apiVersion");
    await assert.rejects(agents.create(agent("x", { namespace: "other" }), { namespace: ns }), (e: unknown) => e instanceof ArgumentError && e.field === "metadata.namespace");
    await assert.rejects(agents.get("x", { namespace: "Not_Valid" }), ArgumentError);
  });

  it("dry-runs writes without storing them", async () => {
    const dry = await agents.create(agent("dry"), { dryRun: "All" });
    assert.equal(dry.metadata.name, "dry");
    assert.equal(await agents.getOrUndefined("dry"), undefined);
    await agents.create(agent("dry-del"));
    await agents.delete("dry-del", { dryRun: "All" });
    assert.ok(await agents.getOrUndefined("dry-del"));
  });

  it("deletes only when preconditions hold", async () => {
    const created = await agents.create(agent("pre"));
    const wrong = await agents.delete("pre", { preconditions: { uid: "00000000-0000-0000-0000-000000000000" } }).catch((e: unknown) => e);
    assert.ok(wrong instanceof ConflictError);
    await agents.delete("pre", { preconditions: { uid: created.metadata.uid }, propagationPolicy: "Background", gracePeriodMs: 0 });
    await agents.waitForDeletion("pre", { timeoutMs: 10_000 });
  });

  it("uses the call's namespace over the object's and the client's, and all-namespaces views", async () => {
    const other = await cluster.namespace("client-rc-other");
    await agents.create(agent("here"));
    await agents.create(agent("there"), { namespace: other });
    await agents.create(agent("there-too", { namespace: other }));
    assert.ok(await agents.get("there", { namespace: other }));
    assert.ok(await agents.inNamespace(other).get("there-too"));
    const everywhere = agents.allNamespaces();
    const names = (await everywhere.list()).filter((a) => a.metadata.namespace === other || a.metadata.namespace === ns).map((a) => `${a.metadata.namespace}/${a.metadata.name}`);
    assert.ok(names.includes(`${ns}/here`) && names.includes(`${other}/there`) && names.includes(`${other}/there-too`));
    await assert.rejects(everywhere.get("here"), (e: unknown) => e instanceof ArgumentError && e.field === "namespace");
    assert.equal((await everywhere.get("here", { namespace: ns })).metadata.name, "here");
  });
});

describe("patches", () => {
  it("applies a merge patch, and null removes a field", async () => {
    await agents.create({ metadata: { name: "mp" }, spec: { prompt: "p", description: "d" } });
    const patched = await agents.patch("mp", { metadata: { labels: { x: "1" } }, spec: { description: null } });
    assert.equal(patched.spec.description, undefined);
    assert.equal(patched.spec.prompt, "p");
    assert.equal(patched.metadata.labels?.x, "1");
  });

  it("applies a JSON patch, whose failed test fails the whole patch", async () => {
    await agents.create({ metadata: { name: "jp" }, spec: { prompt: "p", tools: [{ type: "built-in", name: "t1" }] } });
    const patched = await agents.patch("jp", [
      { op: "test", path: "/spec/prompt", value: "p" },
      { op: "replace", path: "/spec/prompt", value: "q" },
      { op: "add", path: "/spec/tools/-", value: { type: "built-in", name: "t2" } },
    ], { type: "json" });
    assert.equal(patched.spec.prompt, "q");
    assert.deepEqual(patched.spec.tools?.map((t) => t.name), ["t1", "t2"]);
    const failed = await agents.patch("jp", [{ op: "test", path: "/spec/prompt", value: "p" }, { op: "replace", path: "/spec/prompt", value: "r" }], { type: "json" }).catch((e: unknown) => e);
    assert.ok(failed instanceof InvalidError, String(failed));
    assert.equal((await agents.get("jp")).spec.prompt, "q");
  });

  it("rejects a patch whose shape does not match its type", async () => {
    await assert.rejects(agents.patch("jp", [] as never), (e: unknown) => e instanceof ArgumentError && e.field === "patch");
    await assert.rejects(agents.patch("jp", {} as never, { type: "json" }), ArgumentError);
  });
});

describe("server-side apply", () => {
  it("records the field manager, conflicts with another manager, and yields to force", async () => {
    const first = await agents.apply({ metadata: { name: "ssa" }, spec: { prompt: "from alice" } }, { fieldManager: "alice" });
    assert.equal(first.spec.prompt, "from alice");
    assert.deepEqual(first.metadata.managedFields?.map((m) => [m.manager, m.operation]), [["alice", "Apply"]]);

    const again = await agents.apply({ metadata: { name: "ssa" }, spec: { prompt: "from alice" } }, { fieldManager: "alice" });
    assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion, "re-applying the same configuration changes nothing");

    const conflict = await agents.apply({ metadata: { name: "ssa" }, spec: { prompt: "from bob" } }, { fieldManager: "bob" }).catch((e: unknown) => e);
    assert.ok(conflict instanceof ConflictError);
    assert.match(conflict.message, /alice/);
    assert.equal((await agents.get("ssa")).spec.prompt, "from alice");

    const bobDescription = await agents.apply({ metadata: { name: "ssa" }, spec: { description: "bob's" } }, { fieldManager: "bob" });
    assert.equal(bobDescription.spec.prompt, "from alice", "disjoint fields merge");
    assert.equal(bobDescription.spec.description, "bob's");

    const forced = await agents.apply({ metadata: { name: "ssa" }, spec: { prompt: "from bob", description: "bob's" } }, { fieldManager: "bob", force: true });
    assert.equal(forced.spec.prompt, "from bob");
    const owners = new Map(forced.metadata.managedFields?.map((m) => [m.manager, JSON.stringify(m.fieldsV1)]));
    assert.match(owners.get("bob") ?? "", /f:prompt/);
    assert.doesNotMatch(owners.get("alice") ?? "", /f:prompt/);
  });

  it("creates with apply and uses the client's default field manager", async () => {
    const created = await agents.apply({ metadata: { name: "ssa-default" }, spec: { prompt: "x" } });
    assert.deepEqual(created.metadata.managedFields?.map((m) => m.manager), ["ark-sdk"]);
    const dry = await agents.apply({ metadata: { name: "ssa-dry" }, spec: { prompt: "x" } }, { dryRun: "All" });
    assert.equal(dry.metadata.name, "ssa-dry");
    assert.equal(await agents.getOrUndefined("ssa-dry"), undefined);
  });
});

describe("status subresource", () => {
  it("keeps spec and status writes apart", async () => {
    const queries = new ResourceClient(testQueryDescriptor, { transport, namespace: ns });
    const created = await queries.create({ metadata: { name: "q1" }, spec: { input: "hi", target: { type: "agent", name: "a" } } });
    const generation = created.metadata.generation;

    const running = await queries.patchStatus("q1", { status: { phase: "running" } });
    assert.equal(running.status?.phase, "running");
    assert.equal(running.metadata.generation, generation, "status writes do not bump generation");
    assert.equal(running.spec.input, "hi");

    const sneaky = await queries.patchStatus("q1", { spec: { input: "changed through status" }, status: { phase: "done" } });
    assert.equal(sneaky.spec.input, "hi", "the status subresource ignores spec");
    assert.equal(sneaky.status?.phase, "done");

    const current = await queries.get("q1");
    const specWrite = await queries.update({ ...current, spec: { ...current.spec, input: "new input" }, status: { phase: "error" } });
    assert.equal(specWrite.spec.input, "new input");
    assert.equal(specWrite.status?.phase, "done", "the main resource ignores status");

    const viaUpdateStatus = await queries.updateStatus({ ...specWrite, status: { phase: "canceled", duration: "1s" } });
    assert.equal(viaUpdateStatus.status?.phase, "canceled");
    const jsonStatus = await queries.patchStatus("q1", [{ op: "replace", path: "/status/phase", value: "running" }], { type: "json" });
    assert.equal(jsonStatus.status?.phase, "running");
    assert.equal((await queries.getStatus("q1")).status?.phase, "running");
  });
});

describe("optimistic concurrency", () => {
  it("fails a replace with a stale resourceVersion", async () => {
    await agents.create(agent("occ"));
    const a = await agents.get("occ");
    const b = await agents.get("occ");
    await agents.update({ ...a, spec: { ...a.spec, description: "a" } });
    const stale = await agents.update({ ...b, spec: { ...b.spec, description: "b" } }).catch((e: unknown) => e);
    assert.ok(isConflict(stale));
    assert.equal(stale.status, 409);
    assert.equal((await agents.get("occ")).spec.description, "a");
  });

  it("retryOnConflict loses no update among 20 concurrent writers", async () => {
    await agents.create({ metadata: { name: "counter", annotations: { count: "0" } }, spec: { prompt: "c" } });
    let conflicts = 0;
    await Promise.all(Array.from({ length: 20 }, (_, writer) => retryOnConflict(async (attempt) => {
      if (attempt > 1) conflicts++;
      const current = await agents.get("counter");
      const count = Number(current.metadata.annotations?.count ?? "0");
      current.metadata.annotations = { ...current.metadata.annotations, count: String(count + 1), [`writer-${writer}`]: "done" };
      return agents.update(current);
    }, { attempts: 30 })));
    const final = await agents.get("counter");
    assert.equal(final.metadata.annotations?.count, "20");
    assert.equal(Object.keys(final.metadata.annotations ?? {}).filter((k) => k.startsWith("writer-")).length, 20);
    assert.ok(conflicts > 0, "the writers really did conflict");
  });

  it("retryOnConflict gives up after its attempts and passes other errors through", async () => {
    let calls = 0;
    const conflict = new ConflictError({ status: 409, reason: "Conflict", message: "stale" });
    await assert.rejects(retryOnConflict(async () => { calls++; throw conflict; }, { attempts: 3, backoff: { initialMs: 1 } }), ConflictError);
    assert.equal(calls, 3);
    calls = 0;
    await assert.rejects(retryOnConflict(async () => { calls++; throw new NotFoundError({ status: 404, reason: "NotFound", message: "x" }); }), NotFoundError);
    assert.equal(calls, 1);
  });
});
