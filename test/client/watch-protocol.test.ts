// The watch loop against a scripted loopback HTTP server, for protocol paths
// kube-apiserver 1.20 will not produce on cue: bookmarks (1.20 sends none
// without a context deadline), an in-stream `ERROR 410`, a malformed line.
// Checks every event and every resourceVersion the client asks for.
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { Transport } from "../../src/client/transport.js";
import { ResourceClient } from "../../src/client/resource-client.js";
import { testAgentDescriptor, type TestAgent } from "./support.js";
import { within } from "../helpers/deadline.js";

let server: http.Server;
let transport: Transport;
const requests: { watch: boolean; resourceVersion: string | null }[] = [];
const sockets = new Set<net.Socket>();
type Step = (res: http.ServerResponse) => void;
let lists: unknown[] = [];
let watches: Step[] = [];

const obj = (name: string, rv: string) => ({ apiVersion: "ark.mckinsey.com/v1alpha1", kind: "Agent", metadata: { name, namespace: "ns", resourceVersion: rv }, spec: { prompt: name } });
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const watch = url.searchParams.get("watch") === "true";
    requests.push({ watch, resourceVersion: url.searchParams.get("resourceVersion") });
    if (!watch) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(lists.shift()));
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    const step = watches.shift();
    if (step) step(res);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x",
  });
  transport = new Transport({ kubeConfig: kc });
});

after(async () => {
  await transport.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * The first `expected.length` events of a watch of the scripted server, as `TYPE name@rv`
 * (`BOOKMARK rv`). Fails within 10 s with a diff against `expected` when an event is lost
 * (the last scripted watch stays open, so a missing event would otherwise hang).
 */
async function watchEvents(expected: string[]): Promise<string[]> {
  const count = expected.length;
  const agents = new ResourceClient<TestAgent>(testAgentDescriptor, { transport, namespace: "ns" });
  const seen: string[] = [];
  const controller = new AbortController();
  const read = async () => {
    for await (const event of agents.watch({ bookmarks: true, signal: controller.signal, backoff: { initialMs: 1, maxMs: 5 } })) {
      seen.push(`${event.type} ${event.type === "BOOKMARK" ? event.object.metadata.resourceVersion : `${event.object.metadata.name}@${event.object.metadata.resourceVersion}`}`);
      if (seen.length === count) break;
    }
  };
  try {
    await within(10_000, `${count} watch events`, read(), () => seen).catch((error: unknown) => {
      assert.deepEqual(seen, expected, "a watch event never came (gave up after 10 s)");
      throw error;
    });
  } finally {
    controller.abort();
  }
  return seen;
}

beforeEach(() => {
  requests.length = 0;
  lists = [];
  watches = [];
});

describe("watch protocol", () => {
  it("resumes from bookmarks, relists after an in-stream 410 reporting what changed, and reconnects after a malformed line", async () => {
    lists = [
      { kind: "AgentList", metadata: { resourceVersion: "10" }, items: [obj("a1", "5")] },
      { kind: "AgentList", metadata: { resourceVersion: "17" }, items: [obj("a2", "16"), obj("a3", "17")] },
    ];
    watches = [
      (res) => {
        res.write(line("ADDED", obj("a2", "11")));
        res.end(line("BOOKMARK", { kind: "Agent", apiVersion: "ark.mckinsey.com/v1alpha1", metadata: { resourceVersion: "15" } }));
      },
      (res) => res.end(line("ERROR", { kind: "Status", apiVersion: "v1", status: "Failure", code: 410, reason: "Expired", message: "too old resource version: 15 (16)" })),
      (res) => res.end("this is not json\n"),
      (res) => res.write(line("MODIFIED", obj("a3", "18"))), // then stays open
    ];
    const expected = ["ADDED a1@5", "ADDED a2@11", "BOOKMARK 15", "MODIFIED a2@16", "ADDED a3@17", "DELETED a1@5", "MODIFIED a3@18"];
    assert.deepEqual(await watchEvents(expected), expected);
    assert.deepEqual(requests.map((r) => `${r.watch ? "watch" : "list"}@${r.resourceVersion ?? "-"}`), ["list@-", "watch@10", "watch@15", "list@-", "watch@17", "watch@17"]);
  });

  it("a relist after 410 reports each object that vanished meanwhile as DELETED, once, and keeps the rest", async () => {
    lists = [
      { kind: "AgentList", metadata: { resourceVersion: "10" }, items: [obj("a1", "3"), obj("a2", "4"), obj("a3", "5")] },
      { kind: "AgentList", metadata: { resourceVersion: "20" }, items: [obj("a2", "4")] },
    ];
    watches = [
      (res) => res.end(line("ERROR", { kind: "Status", apiVersion: "v1", status: "Failure", code: 410, reason: "Expired", message: "too old resource version: 10 (19)" })),
      (res) => res.write(line("ADDED", obj("a4", "21"))), // then stays open
    ];
    const expected = ["ADDED a1@3", "ADDED a2@4", "ADDED a3@5", "DELETED a1@3", "DELETED a3@5", "ADDED a4@21"];
    assert.deepEqual(await watchEvents(expected), expected, "a2 is unchanged after the relist: no event for it");
    assert.deepEqual(requests.map((r) => `${r.watch ? "watch" : "list"}@${r.resourceVersion ?? "-"}`), ["list@-", "watch@10", "list@-", "watch@20"]);
  });
});
