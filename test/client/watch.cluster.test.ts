// Watches, informers and waiting against the real API server: typed events,
// resume points, bookmarks and server-side timeouts, a silent connection
// detected by the idle timeout, informers that survive errors, waitFor.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { TestCluster } from "../helpers/cluster.js";
import {
  ArkClient, ClientClosedError, ForbiddenError, WaitTimeoutError, isTimeout, silentLogger, type Agent, type KubernetesObject, type ObjectMeta, type Query,
  type ResourceDescriptor, type WatchEvent,
} from "ark-sdk";
import { sharedPoolCount } from "../../src/client/connection-pool.js";
import { TcpProxy, redirectKubeConfig, useArkCluster } from "./support.js";

let cluster: TestCluster;
let ark: ArkClient;

useArkCluster("client-watch", (c) => ({ cluster, ark } = c));

const agent = (name: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels }, spec: { prompt: `I am ${name}` } });

/** Collects events from `source` until `until` says stop; then ends the iteration. */
async function collect<T>(source: AsyncIterable<T>, until: (seen: T[]) => boolean): Promise<T[]> {
  const seen: T[] = [];
  for await (const event of source) {
    seen.push(event);
    if (until(seen)) break;
  }
  return seen;
}

const summary = (events: WatchEvent<Agent>[]) => events.map((e) => (e.type === "BOOKMARK" ? "BOOKMARK" : `${e.type} ${e.object.metadata.name}`));

describe("watch", () => {
  it("reports existing objects as ADDED, then every change, typed", async () => {
    const watchNs = await cluster.namespace("client-watch-a");
    const agents = ark.agents.inNamespace(watchNs);
    await agents.create(agent("a1"));
    const events = collect(agents.watch(), (seen) => seen.length === 4);
    await new Promise((r) => setTimeout(r, 300));
    await agents.create(agent("a2"));
    await agents.patch("a2", { spec: { description: "changed" } });
    await agents.delete("a1");
    const seen = await events;
    assert.deepEqual(summary(seen), ["ADDED a1", "ADDED a2", "MODIFIED a2", "DELETED a1"]);
    const modified = seen[2];
    assert.ok(modified && modified.type === "MODIFIED" && modified.object.spec.description === "changed");
  });

  it("starts after a resourceVersion and honours selectors", async () => {
    const watchNs = await cluster.namespace("client-watch-b");
    const agents = ark.agents.inNamespace(watchNs);
    await agents.create(agent("old", { team: "x" }));
    const { resourceVersion } = await agents.listPage();
    await agents.create(agent("other-team", { team: "y" }));
    await agents.create(agent("new", { team: "x" }));
    const seen = await collect(agents.watch({ resourceVersion, labelSelector: { team: "x" } }), (s) => s.length === 1);
    assert.deepEqual(summary(seen), ["ADDED new"]);
  });

  it("resumes after the server ends each watch request", async () => {
    // kube-apiserver 1.20 sends no bookmarks here (see watch-protocol.test.ts for those).
    const watchNs = await cluster.namespace("client-watch-c");
    const agents = ark.agents.inNamespace(watchNs);
    const controller = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const event of agents.watch({ serverTimeoutMs: 1_000, signal: controller.signal })) {
        if (event.type !== "BOOKMARK") seen.push(`${event.type} ${event.object.metadata.name}`);
        if (seen.length === 2) controller.abort();
      }
    })();
    await agents.create(agent("first"));
    await new Promise((r) => setTimeout(r, 2_500));
    await agents.create(agent("after-two-server-timeouts"));
    await done;
    assert.deepEqual(seen, ["ADDED first", "ADDED after-two-server-timeouts"]);
  });

  it("detects a silent connection with the idle timeout and resumes without losing events", async () => {
    const watchNs = await cluster.namespace("client-watch-d");
    const proxy = await TcpProxy.start(Number(new URL(cluster.server).port));
    const viaProxy = new ArkClient({ kubeConfig: redirectKubeConfig(cluster.kubeConfig, `https://127.0.0.1:${proxy.port}`), namespace: watchNs, logger: silentLogger });
    try {
      await ark.agents.create(agent("before"), { namespace: watchNs });
      const seen: string[] = [];
      const controller = new AbortController();
      const done = (async () => {
        for await (const event of viaProxy.agents.watch({ idleTimeoutMs: 1_000, signal: controller.signal })) {
          if (event.type !== "BOOKMARK") seen.push(`${event.type} ${event.object.metadata.name}`);
          if (seen.includes("ADDED during-silence")) controller.abort();
        }
      })();
      while (!seen.includes("ADDED before")) await new Promise((r) => setTimeout(r, 50));
      proxy.freeze();
      await ark.agents.create(agent("during-silence"), { namespace: watchNs });
      await done;
      assert.deepEqual(seen, ["ADDED before", "ADDED during-silence"]);
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  it("ends and releases its connection when the consumer stops", async () => {
    await ark.agents.create(agent("present"));
    const events = ark.agents.watch();
    const first = await events.next();
    assert.equal(first.done, false);
    await events.return(undefined);
    assert.equal((await events.next()).done, true);
  });
});

describe("informer", () => {
  it("caches, calls handlers, strips managedFields, and lists by namespace", async () => {
    const informerNs = await cluster.namespace("client-inf");
    const agents = ark.agents.inNamespace(informerNs);
    await agents.create(agent("one"));
    const informer = agents.informer();
    const log: string[] = [];
    informer.on("add", (a) => log.push(`add ${a.metadata.name}`));
    informer.on("update", (a, previous) => log.push(`update ${a.metadata.name} ${previous.spec.description ?? "-"}→${a.spec.description}`));
    informer.on("delete", (a) => log.push(`delete ${a.metadata.name}`));
    try {
      await informer.ready({ timeoutMs: 10_000 });
      assert.ok(informer.hasSynced);
      assert.deepEqual(log, ["add one"]);
      assert.equal(informer.get("one", informerNs)?.metadata.managedFields, undefined, "managedFields stripped by default");
      assert.equal(informer.get("one")?.metadata.name, "one", "the informer's namespace is the default");
      await agents.create(agent("two"));
      await agents.patch("two", { spec: { description: "d" } });
      await agents.delete("one");
      while (log.length < 4) await new Promise((r) => setTimeout(r, 25));
      assert.deepEqual(log, ["add one", "add two", "update two -→d", "delete one"]);
      assert.deepEqual(informer.list().map((a) => a.metadata.name), ["two"]);
      assert.deepEqual(informer.list("elsewhere"), []);
      assert.deepEqual(informer.keys(), [`${informerNs}/two`]);
      assert.equal(informer.size, 1);
      assert.ok(informer.resourceVersion);
    } finally {
      await informer.close();
    }
  });

  it("applies a custom transform, or none", async () => {
    const informerNs = await cluster.namespace("client-inf-t");
    await ark.agents.create(agent("t"), { namespace: informerNs });
    const names = ark.agents.inNamespace(informerNs).informer({ transform: (a) => ({ ...a, spec: {} }) });
    const raw = ark.agents.inNamespace(informerNs).informer({ transform: false });
    try {
      await Promise.all([names.ready(), raw.ready()]);
      assert.deepEqual(names.get("t", informerNs)?.spec, {});
      assert.ok(raw.get("t", informerNs)?.metadata.managedFields?.length);
    } finally {
      await Promise.all([names.close(), raw.close()]);
    }
  });

  it("never stops on its own: reports 403s, retries, and syncs once access is granted", async () => {
    const informerNs = await cluster.namespace("client-inf-rbac");
    await ark.agents.create(agent("secret-agent"), { namespace: informerNs });
    const asDan = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: informerNs, impersonate: { user: "dan" }, logger: silentLogger });
    const informer = asDan.agents.informer({ backoff: { initialMs: 50, maxMs: 200 } });
    const errors: unknown[] = [];
    informer.on("error", (e) => errors.push(e));
    try {
      await assert.rejects(informer.ready({ timeoutMs: 1_000 }), (e: unknown) => e instanceof WaitTimeoutError && e.kind === "Agent" && e.timeoutMs === 1_000);
      assert.ok(errors.length >= 2, `retried (${errors.length} errors)`);
      assert.ok(errors.every((e) => e instanceof ForbiddenError));
      const rbac = { group: "rbac.authorization.k8s.io", version: "v1", apiVersion: "rbac.authorization.k8s.io/v1", shortNames: [], namespaced: true, storage: true, subresources: { status: false }, printerColumns: [] };
      const role: ResourceDescriptor<KubernetesObject & { metadata: ObjectMeta; rules: unknown[] }> = { ...rbac, kind: "Role", listKind: "RoleList", plural: "roles", singular: "role" };
      const binding: ResourceDescriptor<KubernetesObject & { metadata: ObjectMeta; roleRef: unknown; subjects: unknown[] }> = { ...rbac, kind: "RoleBinding", listKind: "RoleBindingList", plural: "rolebindings", singular: "rolebinding" };
      const scoped = ark.inNamespace(informerNs);
      await scoped.resource(role).create({ metadata: { name: "read" }, rules: [{ apiGroups: ["ark.mckinsey.com"], resources: ["agents"], verbs: ["list", "watch"] }] });
      await scoped.resource(binding).create({ metadata: { name: "dan-reads" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read" }, subjects: [{ kind: "User", name: "dan", apiGroup: "rbac.authorization.k8s.io" }] });
      await informer.ready({ timeoutMs: 10_000 });
      assert.deepEqual(informer.list().map((a) => a.metadata.name), ["secret-agent"]);
    } finally {
      await informer.close();
      await asDan.close();
    }
  });

  it("ends, reporting why, when its client is closed underneath it; a watch throws", async () => {
    const own = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ark.namespace, logger: silentLogger });
    const informer = own.agents.informer({ backoff: { initialMs: 10, maxMs: 50 } });
    const errors: unknown[] = [];
    informer.on("error", (e) => errors.push(e));
    await informer.ready({ timeoutMs: 10_000 });
    const events = own.agents.watch({ backoff: { initialMs: 10, maxMs: 50 } });
    await ark.agents.create(agent("before-close"));
    assert.equal((await events.next()).done, false);
    await own.close();
    // Events already received are still delivered; then the watch fails.
    const drain = async () => {
      for (;;) if ((await events.next()).done) return;
    };
    await assert.rejects(drain(), (e: unknown) => e instanceof ClientClosedError);
    const closedSeen = () => errors.some((e) => e instanceof ClientClosedError);
    for (let i = 0; i < 200 && !closedSeen(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(closedSeen(), errors.map(String).join("; "));
    await informer.close();
  });

  it("many informers share one connection pool", async () => {
    const before = sharedPoolCount();
    const informers = [ark.agents.informer(), ark.models.informer(), ark.queries.informer(), ark.teams.informer(), ark.tools.informer(), ark.executionEngines.informer()];
    try {
      await Promise.all(informers.map((i) => i.ready({ timeoutMs: 10_000 })));
      assert.equal(sharedPoolCount(), before);
    } finally {
      await Promise.all(informers.map((i) => i.close()));
    }
  });
});

describe("waitFor", () => {
  it("resolves when the predicate holds, checking the current state first", async () => {
    await ark.queries.create({ metadata: { name: "w1" }, spec: { input: "x", target: { type: "agent", name: "a" } } });
    const done = ark.queries.waitFor("w1", (q: Query) => q.status?.phase === "done", { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 200));
    await ark.queries.patchStatus("w1", { status: { phase: "running" } });
    await ark.queries.patchStatus("w1", { status: { phase: "done" } });
    assert.equal((await done).status?.phase, "done");
    const again = await ark.queries.waitFor("w1", (q) => q.status?.phase === "done", { timeoutMs: 1_000 });
    assert.equal(again.metadata.name, "w1");
  });

  it("waits for an object that does not exist yet", async () => {
    const appears = ark.agents.waitFor("later", () => true, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 200));
    await ark.agents.create(agent("later"));
    assert.equal((await appears).metadata.name, "later");
  });

  it("times out with a WaitTimeoutError, and honours an abort signal", async () => {
    await ark.agents.create(agent("never"));
    const error = await ark.agents.waitFor("never", (a) => a.spec.prompt === "nope", { timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(error instanceof WaitTimeoutError, String(error));
    assert.ok(isTimeout(error));
    assert.equal(error.objectName, "never");
    assert.equal(error.timeoutMs, 300);
    assert.match(error.message, /Agent "never" did not reach the condition within 300 ms/);
    const controller = new AbortController();
    const reason = new Error("stop waiting");
    setTimeout(() => controller.abort(reason), 100);
    await assert.rejects(ark.agents.waitFor("never", () => false, { signal: controller.signal }), (e: unknown) => e === reason);
  });
});
