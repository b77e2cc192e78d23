// SharedWatch on a control plane of this file's own (no CRDs: it watches ConfigMaps), counting the watches the API
// server really serves (its own gauge of open WATCH requests, which other test files would disturb on a shared plane):
// N subscribers of one namespace open one server watch, the last unsubscribe closes it, and a relist after 410 Gone
// (etcd compacted while the client was cut off) reports the objects that vanished meanwhile as DELETED, once to
// every subscriber, through one relist.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { ArkClient, silentLogger, type ConfigMap, type Logger } from "ark-sdk";
import { startControlPlane, type ControlPlane } from "../../src/testing/index.js";
import { SharedWatch, type ObjectChange } from "../../src/client/shared-watch.js";
import { TcpProxy, redirectKubeConfig } from "./support.js";
import { eventually } from "../helpers/deadline.js";

let plane: ControlPlane;
let ark: ArkClient;

before(async () => {
  plane = await startControlPlane({ crds: "none" });
  ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "default", logger: silentLogger });
});

after(async () => {
  await ark?.close();
  await plane?.close();
});

/** How many ConfigMap watch requests the API server is serving now (its `apiserver_longrunning_gauge`). */
async function serverWatches(): Promise<number> {
  const text = await new Promise<string>((resolve, reject) => {
    const request = https.get(`${plane.server}/metrics`, { ca: plane.caPem, headers: { authorization: `Bearer ${plane.adminToken}` }, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve(body));
      res.on("error", reject);
    });
    request.on("timeout", () => request.destroy(new Error("/metrics did not answer within 10 s")));
    request.on("error", reject);
  });
  const line = text.split("\n").find((l) => l.startsWith("apiserver_longrunning_gauge{") && l.includes('resource="configmaps"') && l.includes('verb="WATCH"') && l.includes('scope="namespace"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(" ") + 1));
}

async function namespace(name: string): Promise<string> {
  await ark.core.namespaces.create({ metadata: { name } });
  return name;
}

const configMap = (name: string, value = "1"): ConfigMap => ({ metadata: { name }, data: { value } });

describe("SharedWatch", () => {
  it("serves N subscribers with one server watch and closes it with the last unsubscribe", async () => {
    const ns = await namespace("shared-count");
    const maps = ark.core.configMaps.inNamespace(ns);
    const shared = new SharedWatch(maps, { logger: silentLogger });
    const baseline = await serverWatches(); // the API server's own watchers
    const seen: string[][] = [[], [], [], [], []];
    const subscriptions = seen.map((log, i) =>
      shared.subscribe({ namespace: ns, name: i < 4 ? "watched" : undefined }, { change: (c) => void log.push(`${c.type} ${c.object.metadata?.name}=${c.object.data?.value}`) }));
    try {
      assert.equal(shared.openStreams, 1, "one stream for one scope");
      await maps.create(configMap("watched"));
      await maps.create(configMap("other"));
      await maps.patch("watched", { data: { value: "2" } });
      await eventually(() => seen.every((log) => log.some((e) => e.endsWith("watched=2"))), "every subscriber saw the change", 15_000, () => seen);
      for (let i = 0; i < 4; i++) assert.deepEqual(seen[i], ["ADDED watched=1", "MODIFIED watched=2"], `subscriber ${i} of "watched" only`);
      assert.deepEqual(seen[4], ["ADDED watched=1", "ADDED other=1", "MODIFIED watched=2"], "the subscriber of everything");
      assert.equal(await serverWatches(), baseline + 1, "five subscribers, one server watch");

      for (const s of subscriptions.slice(0, 4)) s.unsubscribe();
      assert.equal(shared.openStreams, 1, "still open for the last subscriber");
      subscriptions[4]?.unsubscribe();
      assert.equal(shared.openStreams, 0);
      await eventually(async () => (await serverWatches()) === baseline, "the server saw the watch end", 15_000);

      // A new subscriber after the last left opens a new stream.
      const again = shared.subscribe({ namespace: ns, name: "watched" }, { change: () => {} });
      await eventually(async () => (await serverWatches()) === baseline + 1, "a new server watch", 15_000);
      again.unsubscribe();
      assert.equal(shared.openStreams, 0);
    } finally {
      shared.close();
    }
  });

  it("relists after 410 Gone and reports what vanished meanwhile as DELETED to every subscriber", async () => {
    const ns = await namespace("shared-gone");
    const maps = ark.core.configMaps.inNamespace(ns);
    for (const name of ["stays", "changes", "goes"]) await maps.create(configMap(name));

    const proxy = await TcpProxy.start(Number(new URL(plane.server).port));
    const messages: string[] = [];
    const logger: Logger = { ...silentLogger, info: (message: string) => void messages.push(message) };
    const cutOff = new ArkClient({ kubeConfig: redirectKubeConfig(plane.kubeConfig, `https://127.0.0.1:${proxy.port}`), namespace: ns, logger });
    const shared = new SharedWatch(cutOff.core.configMaps, { logger, watch: { backoff: { initialMs: 100, maxMs: 500 } } });
    const logs: string[][] = [[], [], []];
    const record = (log: string[]) => ({ change: (c: ObjectChange<ConfigMap>) => void log.push(`${c.type} ${c.object.metadata?.name}`) });
    const subscriptions = logs.map((log) => shared.subscribe({ namespace: ns }, record(log)));
    try {
      await eventually(() => logs.every((log) => log.length === 3), "the initial list", 15_000, () => logs);
      for (const log of logs) log.length = 0;

      proxy.block();
      await maps.create(configMap("arrives"));
      await maps.patch("changes", { data: { value: "2" } });
      await maps.delete("goes");
      await plane.compactEtcd();
      // A fresh watch cache starts after the compaction, so the old resume point is gone there too.
      await plane.restartApiServer();
      proxy.unblock();

      await eventually(() => logs.every((log) => log.length >= 3), "the relist's changes", 60_000, () => ({ logs, messages }));
      for (const log of logs) assert.deepEqual([...log].sort(), ["ADDED arrives", "DELETED goes", "MODIFIED changes"]);
      assert.ok(messages.some((m) => /410/.test(m) && /relist/.test(m)), `the relist followed a 410: ${messages.join(" | ")}`);
      assert.equal(shared.openStreams, 1, "the stream survived the relist, still shared");
      // One relist for all three subscribers: one list answered the 410, not three.
      assert.equal(messages.filter((m) => /410/.test(m)).length, 1, `one relist: ${messages.join(" | ")}`);
    } finally {
      for (const s of subscriptions) s.unsubscribe();
      shared.close();
      await cutOff.close();
      await proxy.close();
    }
  });
});
