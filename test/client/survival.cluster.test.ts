// Watches and informers through faults on a control plane of this file's own:
// kube-apiserver killed and restarted, stopped for a while, and etcd
// compacted so the resume point is gone (410). No event may be lost: each
// scenario ends by comparing what the client saw with a fresh list.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startControlPlane, type ControlPlane } from "../../src/testing/control-plane.js";
import { ArkClient, ConnectionError, isAmbiguousWrite, silentLogger, type Agent, type Informer, type LogFields, type Logger } from "ark-sdk";
import { TcpProxy, inParallel, redirectKubeConfig } from "./support.js";
import { listWatch, type ListWatchSource, type StoreEvent } from "../../src/client/watch.js";

let plane: ControlPlane;
let ark: ArkClient;

async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freshState(namespace: string): Promise<string[]> {
  return (await ark.agents.list({ namespace })).map((a) => `${a.metadata.name}@${a.metadata.resourceVersion}`).sort();
}

function informerState(informer: Informer<Agent>): string[] {
  return informer.list().map((a) => `${a.metadata.name}@${a.metadata.resourceVersion}`).sort();
}

async function namespace(name: string): Promise<string> {
  await ark.core.namespaces.create({ metadata: { name } });
  return name;
}

const agent = (name: string) => ({ metadata: { name }, spec: { prompt: `I am ${name}` } });

before(async () => {
  plane = await startControlPlane();
  // Writers retry through restarts (idempotent calls only; creates use apply, which is idempotent).
  ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "default", logger: silentLogger, retry: { attempts: 40, initialMs: 100, maxMs: 1_000 } });
});

after(async () => {
  await ark?.close();
  await plane?.close();
});

describe("kube-apiserver restart", () => {
  it("a watch resumes where it was and loses nothing", async () => {
    const ns = await namespace("survive-watch");
    const agents = ark.agents.inNamespace(ns);
    const seen: string[] = [];
    const controller = new AbortController();
    const consumer = (async () => {
      for await (const event of agents.watch({ signal: controller.signal, backoff: { initialMs: 100, maxMs: 1_000 } })) {
        if (event.type !== "BOOKMARK") seen.push(`${event.type} ${event.object.metadata.name}`);
      }
    })();
    await agents.apply(agent("a-1"));
    await eventually("ADDED a-1", () => seen.includes("ADDED a-1"));
    await plane.restartApiServer();
    await agents.apply(agent("a-2"));
    await agents.patch("a-1", { spec: { description: "after restart" } });
    await agents.delete("a-1");
    await eventually("all events", () => seen.length >= 4);
    controller.abort();
    await consumer;
    assert.deepEqual(seen, ["ADDED a-1", "ADDED a-2", "MODIFIED a-1", "DELETED a-1"]);
  });

  it("an informer written to during a restart ends equal to a fresh list", async () => {
    const ns = await namespace("survive-informer");
    const agents = ark.agents.inNamespace(ns);
    await inParallel(10, 5, (i) => agents.apply(agent(`pre-${i}`)));
    const informer = agents.informer({ backoff: { initialMs: 100, maxMs: 1_000 } });
    try {
      await informer.ready({ timeoutMs: 30_000 });
      // A write the restart cuts after it was sent is ambiguous (AmbiguousWriteError: applied or not). These writes
      // set absolute values, so, as a caller should, the test repeats an ambiguous one (a few times at most).
      const settle = async (write: () => Promise<unknown>): Promise<void> => {
        for (let attempt = 1; ; attempt++) {
          try {
            await write();
            return;
          } catch (error) {
            if (!isAmbiguousWrite(error) || attempt >= 5) throw error;
          }
        }
      };
      const writes = inParallel(30, 4, async (i) => {
        await settle(() => agents.apply(agent(`during-${i}`)));
        if (i % 3 === 0) await agents.delete(`pre-${i % 10}`).catch(() => undefined);
        if (i % 3 === 1) await settle(() => agents.patch(`during-${i}`, { spec: { description: "patched" } }));
      });
      await new Promise((r) => setTimeout(r, 200));
      await plane.restartApiServer();
      await writes;
      const expected = await freshState(ns);
      await eventually("informer caught up", () => informerState(informer).join() === expected.join(), 30_000);
      assert.equal(informer.size, expected.length);
    } finally {
      await informer.close();
    }
  });

  it("an informer reports the outage while the server is down and recovers when it is back", async () => {
    const ns = await namespace("survive-outage");
    const agents = ark.agents.inNamespace(ns);
    const informer = agents.informer({ backoff: { initialMs: 100, maxMs: 500 } });
    const errors: unknown[] = [];
    informer.on("error", (e) => errors.push(e));
    const added: string[] = [];
    informer.on("add", (a) => added.push(a.metadata.name ?? ""));
    try {
      await informer.ready({ timeoutMs: 30_000 });
      await plane.stopApiServer();
      await eventually("errors reported", () => errors.length >= 2, 30_000);
      assert.ok(errors.every((e) => e instanceof ConnectionError), errors.map(String).join("; "));
      await plane.startApiServer();
      await agents.apply(agent("back"));
      await eventually("add after outage", () => added.includes("back"), 30_000);
      assert.deepEqual(informerState(informer), await freshState(ns));
    } finally {
      await informer.close();
    }
  });
});

describe("etcd compaction (410 Gone)", () => {
  it("a watch and an informer cut off during changes relist and report exactly what changed", async () => {
    const ns = await namespace("survive-gone");
    const agents = ark.agents.inNamespace(ns);
    for (const name of ["stays", "changes", "goes"]) await agents.apply(agent(name));

    const proxy = await TcpProxy.start(Number(new URL(plane.server).port));
    const relists: string[] = [];
    const logger: Logger = { ...silentLogger, info: (message: string, _fields?: LogFields) => void relists.push(message) };
    const cutOff = new ArkClient({ kubeConfig: redirectKubeConfig(plane.kubeConfig, `https://127.0.0.1:${proxy.port}`), namespace: ns, logger });
    const informer = cutOff.agents.informer({ backoff: { initialMs: 100, maxMs: 500 } });
    const informerLog: string[] = [];
    let synced = 0;
    informer.on("add", (a) => informerLog.push(`add ${a.metadata.name}`));
    informer.on("update", (a) => informerLog.push(`update ${a.metadata.name}`));
    informer.on("delete", (a) => informerLog.push(`delete ${a.metadata.name}`));
    informer.on("synced", () => synced++);
    const watched: string[] = [];
    const controller = new AbortController();
    const consumer = (async () => {
      for await (const event of cutOff.agents.watch({ signal: controller.signal, backoff: { initialMs: 100, maxMs: 500 } })) {
        if (event.type !== "BOOKMARK") watched.push(`${event.type} ${event.object.metadata.name}`);
      }
    })();
    try {
      await informer.ready({ timeoutMs: 30_000 });
      await eventually("watch listed", () => watched.length === 3);
      informerLog.length = 0;
      watched.length = 0;

      proxy.block();
      await agents.apply(agent("arrives"));
      await agents.patch("changes", { spec: { description: "changed while away" } });
      await agents.delete("goes");
      await plane.compactEtcd();
      // A fresh watch cache starts after the compaction, so the old resume point is gone there too.
      await plane.restartApiServer();
      proxy.unblock();

      await eventually("informer relisted", () => informerLog.length >= 3, 60_000);
      await eventually("watch relisted", () => watched.length >= 3, 60_000);
      assert.deepEqual([...informerLog].sort(), ["add arrives", "delete goes", "update changes"]);
      assert.deepEqual([...watched].sort(), ["ADDED arrives", "DELETED goes", "MODIFIED changes"]);
      assert.equal(synced, 2, "one initial list and one relist");
      assert.ok(relists.some((m) => /410/.test(m)), `the relist followed a 410: ${relists.join(" | ")}`);
      assert.deepEqual(informerState(informer), await freshState(ns));
      assert.equal(informer.get("changes", ns)?.spec.description, "changed while away");
    } finally {
      controller.abort();
      await consumer;
      await informer.close();
      await cutOff.close();
      await proxy.close();
    }
  });
});

describe("etcd compaction inside a paged relist", () => {
  it("an expired continue token restarts the list at once, reported to no one as an error", async () => {
    const ns = await namespace("survive-continue");
    const agents = ark.agents.inNamespace(ns);
    for (let i = 0; i < 6; i++) await agents.apply(agent(`c-${i}`));
    // The client's own list+watch source, with etcd compacted right after the first page is served.
    const real = (agents as unknown as { source(options: object): ListWatchSource<Agent> }).source({});
    let pages = 0;
    let compacted = false;
    const source: ListWatchSource<Agent> = {
      kind: real.kind,
      watchLines: (options) => real.watchLines(options),
      async listPage(options) {
        const page = await real.listPage(options);
        pages += 1;
        if (!compacted) {
          compacted = true;
          await agents.apply(agent("bump")); // a newer revision, so compacting removes the page's
          await plane.compactEtcd();
        }
        return page;
      },
    };
    const errors: unknown[] = [];
    const logged: string[] = [];
    const logger: Logger = { ...silentLogger, info: (message: string) => void logged.push(message) };
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new Error("no SYNCED within 30 s")), 30_000);
    const started = Date.now();
    const events: StoreEvent<Agent>[] = [];
    try {
      // A long backoff: a restart that waited for it (as a failure would) takes ≥ 5 s.
      for await (const event of listWatch(source, {
        store: new Map(), signal: controller.signal, idleTimeoutMs: 60_000, backoff: { initialMs: 10_000, maxMs: 10_000, jitter: 0.5 },
        pageSize: 2, retryAllErrors: true, onError: (e) => errors.push(e), logger,
      })) {
        events.push(event);
        if (event.type === "SYNCED") break;
      }
    } finally {
      clearTimeout(deadline);
      controller.abort();
    }
    assert.equal(events.at(-1)?.type, "SYNCED", String(controller.signal.reason));
    assert.deepEqual(errors, [], "onError heard nothing");
    assert.ok(logged.some((m) => /continue token expired/.test(m)), logged.join(" | "));
    assert.equal(pages, 1 + 4, "one page, then the whole list again in 4 pages");
    assert.equal(events.filter((e) => e.type === "ADDED").length, 7);
    assert.ok(Date.now() - started < 5_000, `restarted at once (${Date.now() - started} ms)`);
  });
});
