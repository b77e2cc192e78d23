// The shared Query watch on a real control plane: waiters of one namespace share it, a waiter whose known state
// predates the shared watch is caught up by a fresh read (a change or a deletion in between is not lost), and the
// watch stops with its last waiter.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ArkClient, type Query } from "ark-sdk";
import { QueryWatchHub, type QueryChange } from "../../src/ark/query-watch-hub.js";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { silent } from "./helpers.js";

let cluster: TestCluster;
let ark: ArkClient;
let ns = "";

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("watch-hub");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: silent });
});

after(async () => {
  await ark?.close();
  await cluster?.close();
});

const newQuery = (name: string) => ark.queries.create({ metadata: { name }, spec: { input: "x", target: { type: "agent", name: "a" } } });

async function first(changes: AsyncGenerator<QueryChange>): Promise<QueryChange> {
  const next = await changes.next();
  assert.equal(next.done, false);
  return next.value as QueryChange;
}

describe("QueryWatchHub", () => {
  it("delivers later changes, and catches up a waiter whose state predates the shared watch", async () => {
    const hub = new QueryWatchHub(ark.queries, silent);
    const stale = await newQuery("early");
    await ark.queries.patchStatus("early", { status: { phase: "running" } });
    const late = await newQuery("late");
    const stop = new AbortController();
    const lateChanges = hub.changes(ns, late, () => ark.queries.getOrUndefined("late"), stop.signal);
    const lateFirst = first(lateChanges); // starts the shared watch at "late"'s resourceVersion
    const earlyChanges = hub.changes(ns, stale, () => ark.queries.getOrUndefined("early"), stop.signal);
    const caughtUp = await first(earlyChanges);
    assert.equal(caughtUp.type, "MODIFIED");
    assert.equal(caughtUp.object.status?.phase, "running", "the change made before the shared watch began");

    await ark.queries.patchStatus("late", { status: { phase: "done" } });
    const change = await lateFirst;
    assert.equal((change.object as Query).status?.phase, "done");
    stop.abort();
    assert.equal((await lateChanges.next()).done, true, "abort ends the changes");
    assert.equal((await earlyChanges.next()).done, true);
  });

  it("reports a Query deleted before the shared watch began as DELETED", async () => {
    const hub = new QueryWatchHub(ark.queries, silent);
    const gone = await newQuery("gone");
    await ark.queries.delete("gone");
    const other = await newQuery("other");
    const stop = new AbortController();
    const otherChanges = hub.changes(ns, other, () => ark.queries.getOrUndefined("other"), stop.signal);
    void otherChanges.next(); // registers at once: the shared watch starts at "other"'s resourceVersion
    const change = await first(hub.changes(ns, gone, () => ark.queries.getOrUndefined("gone"), stop.signal));
    assert.equal(change.type, "DELETED");
    stop.abort();
  });
});
