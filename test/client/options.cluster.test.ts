// The option vocabulary's behaviours against the real API server: watch({ synced: true }) marks the end of the
// initial list; ark.resource(descriptor, { validate }) takes the user's own validator, and `validate: true` checks
// only kinds ARK's registry knows (never refusing another kind's valid object).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ArkClient, NotFoundError, ValidationError, agentDescriptor, configMapDescriptor, type ConfigMap, type KubernetesObject, type ValidationProblem,
  type SyncedEvent, type WatchEvent, type Agent,
} from "ark-sdk";
import type { TestCluster } from "../helpers/cluster.js";
import { useArkCluster } from "./support.js";

let cluster: TestCluster;
let ark: ArkClient;

useArkCluster("client-options", (c) => ({ cluster, ark } = c));

const agent = (name: string) => ({ metadata: { name }, spec: { prompt: `I am ${name}` } });
const describeEvent = (e: WatchEvent<Agent> | SyncedEvent) => (e.type === "SYNCED" ? "SYNCED" : e.type === "BOOKMARK" ? "BOOKMARK" : `${e.type} ${e.object.metadata.name}`);

/** Reads the next `count` events of `source` (leaving it open), or fails after 10 s. */
async function take<E>(source: AsyncGenerator<E>, count: number): Promise<E[]> {
  const seen: E[] = [];
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} events in 10 s`)), 10_000)));
  try {
    while (seen.length < count) {
      const next = await Promise.race([source.next(), deadline]);
      if (next.done) break;
      seen.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return seen;
}

describe("watch: the initial-list-done marker", () => {
  it("with { synced: true }, SYNCED follows the existing objects' ADDED events and precedes later changes", async () => {
    const agents = ark.agents.inNamespace(await cluster.namespace("opt-synced"));
    await agents.create(agent("a1"));
    await agents.create(agent("a2"));
    const stream = agents.watch({ synced: true });
    const first = await take(stream, 3);
    assert.deepEqual(first.map(describeEvent).sort(), ["ADDED a1", "ADDED a2", "SYNCED"]);
    assert.equal(first[2]?.type, "SYNCED", "the marker comes after every existing object");
    const synced = first[2] as SyncedEvent;
    assert.match(synced.resourceVersion, /^\d+$/);
    const later = take(stream, 1);
    await agents.create(agent("a3"));
    assert.deepEqual((await later).map(describeEvent), ["ADDED a3"]);
    await stream.return(undefined);
  });

  it("from a resourceVersion, SYNCED comes first with that version; without the option it never comes", async () => {
    const agents = ark.agents.inNamespace(await cluster.namespace("opt-synced-rv"));
    const created = await agents.create(agent("b1"));
    const rv = created.metadata.resourceVersion ?? "";
    const fromRvStream = agents.watch({ synced: true, resourceVersion: rv });
    const fromRv = await take(fromRvStream, 1);
    await fromRvStream.return(undefined);
    assert.deepEqual(fromRv, [{ type: "SYNCED", resourceVersion: rv }]);
    const plain = agents.watch();
    const firstPlain = await take(plain, 1);
    const later = take(plain, 1);
    await agents.create(agent("b2"));
    assert.deepEqual([...firstPlain, ...(await later)].map((e) => describeEvent(e)), ["ADDED b1", "ADDED b2"]);
    await plain.return(undefined);
  });
});

describe("ark.resource(descriptor, { validate })", () => {
  it("runs the user's own validator before sending, and sends nothing when it refuses", async () => {
    const calls: string[] = [];
    const onlyModes = (object: unknown): ValidationProblem[] => {
      const cm = object as ConfigMap;
      calls.push(cm.metadata?.name ?? "");
      const mode = cm.data?.mode;
      return mode === "fast" || mode === "safe" ? [] : [{ path: "data.mode", rule: "enum", message: `must be fast or safe, got ${String(mode)}` }];
    };
    const settings = ark.resource(configMapDescriptor, { validate: onlyModes });
    const error = await settings.create({ metadata: { name: "bad" }, data: { mode: "reckless" } }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.deepEqual(error.problems.map((p) => p.path), ["data.mode"]);
    await assert.rejects(settings.get("bad"), NotFoundError, "a refused object is never sent");
    const good = await settings.create({ metadata: { name: "good" }, data: { mode: "fast" } });
    assert.equal(good.data?.mode, "fast");
    assert.deepEqual(calls, ["bad", "good"]);
  });

  it("validate: true checks ARK's kinds and lets any other kind's valid object through", async () => {
    const other = ark.resource(configMapDescriptor, { validate: true });
    const created = await other.create({ metadata: { name: "plain" }, data: { k: "v" } });
    assert.equal(created.metadata.name, "plain");
    const agents = ark.resource(agentDescriptor, { validate: true });
    const wrong = { metadata: { name: "wrong" }, spec: { prompt: 42 } } as unknown as KubernetesObject as Agent;
    const error = await agents.create(wrong).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.ok(error.problems.some((p) => p.path === "spec.prompt"), JSON.stringify(error.problems));
  });
});
