// What a relist reports (after 410 Gone): relistDiff compares the last seen state with a full list. Every vanished
// object must come as DELETED with its last known state — a relist that drops them leaves consumers waiting forever.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { objectKey, relistDiff } from "../../src/client/watch.js";
import type { KubernetesObject } from "../../src/core/meta.js";

const obj = (name: string, rv: string, namespace = "ns"): KubernetesObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, resourceVersion: rv } });
const state = (...objects: KubernetesObject[]) => new Map(objects.map((o) => [objectKey(o), o]));
const summary = (changes: ReturnType<typeof relistDiff>) =>
  changes.map((c) => `${c.type} ${c.object.metadata?.name}@${c.object.metadata?.resourceVersion}${c.previous ? ` (was @${c.previous.metadata?.resourceVersion})` : ""}`);

describe("relistDiff", () => {
  it("reports new objects as ADDED, changed ones as MODIFIED with their previous state, vanished ones as DELETED", () => {
    const known = state(obj("stays", "1"), obj("changes", "2"), obj("goes", "3"));
    const fresh = state(obj("stays", "1"), obj("changes", "7"), obj("arrives", "8"));
    assert.deepEqual(summary(relistDiff(known, fresh)), ["MODIFIED changes@7 (was @2)", "ADDED arrives@8", "DELETED goes@3 (was @3)"]);
  });

  it("reports nothing when nothing changed, and everything as ADDED into an empty state", () => {
    const objects = [obj("a", "1"), obj("b", "2")];
    assert.deepEqual(relistDiff(state(...objects), state(...objects)), []);
    assert.deepEqual(summary(relistDiff(new Map(), state(...objects))), ["ADDED a@1", "ADDED b@2"]);
  });

  it("reports every known object as DELETED when the list comes back empty, each with its last state", () => {
    const a = obj("a", "1");
    const b = obj("b", "2", "other");
    const changes = relistDiff(state(a, b), new Map());
    assert.deepEqual(summary(changes), ["DELETED a@1 (was @1)", "DELETED b@2 (was @2)"]);
    assert.equal(changes[0]?.object, a);
    assert.equal(changes[1]?.previous, b);
  });

  it("tells objects of the same name in two namespaces apart", () => {
    const known = state(obj("x", "1", "ns-a"), obj("x", "2", "ns-b"));
    const fresh = state(obj("x", "1", "ns-a"));
    assert.deepEqual(relistDiff(known, fresh).map((c) => `${c.type} ${objectKey(c.object)}`), ["DELETED ns-b/x"]);
  });

  it("does not change the maps it compares", () => {
    const known = state(obj("a", "1"));
    const fresh = state(obj("b", "2"));
    relistDiff(known, fresh);
    assert.deepEqual([...known.keys()], ["ns/a"]);
    assert.deepEqual([...fresh.keys()], ["ns/b"]);
  });
});
