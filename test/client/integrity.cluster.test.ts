// The client's integrity under faults, against the real API server: a write
// whose answer is lost (the test kit's TcpProxy forwards the request and drops
// its answer) is reported as ambiguous instead of replayed; an answer cut
// mid-body is a typed error and reads retry; Retry-After on a 5xx is honoured
// for a create (an admission webhook of this file answers 503 once); a 404
// without a Status body is not "absent"; a watch gives up on a 500 that
// repeats; map selectors, names, bodies and patches are checked before any
// request.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { AddressInfo } from "node:net";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { TcpProxy } from "../../src/testing/tcp-proxy.js";
import { Transport } from "../../src/client/transport.js";
import { ResourceClient } from "../../src/client/resource-client.js";
import { retryOnConflict } from "../../src/client/retry-on-conflict.js";
import {
  AmbiguousWriteError, ArgumentError, ConnectionError, NotFoundError, RequestEntityTooLargeError, ServerError,
  isAmbiguousWrite, isNotFound, isRouteNotFound,
} from "../../src/client/errors.js";
import { silentLogger, type LogFields, type Logger } from "../../src/core/logger.js";
import type { ResourceDescriptor } from "../../src/core/descriptor.js";
import type { KubernetesObject } from "../../src/core/meta.js";
import { testAgentDescriptor, type TestAgent } from "./support.js";

let cluster: TestCluster;
let ns: string;
let direct: Transport;
let agents: ResourceClient<TestAgent>;

const agent = (name: string, labels?: Record<string, string>): TestAgent => ({
  apiVersion: "ark.mckinsey.com/v1alpha1", kind: "Agent",
  metadata: { name, ...(labels ? { labels } : {}) }, spec: { prompt: `I am ${name}` },
});

/** A logger that records debug and warn messages with their fields. */
function recordingLogger(): Logger & { lines: { message: string; fields: LogFields | undefined }[] } {
  const lines: { message: string; fields: LogFields | undefined }[] = [];
  const record = (message: string, fields?: LogFields) => void lines.push({ message, fields });
  return { ...silentLogger, debug: record, info: record, warn: record, lines };
}

/** A client of this file's namespace through a fresh proxy; `close` releases both. */
async function throughProxy(options: { logger?: Logger; attempts?: number } = {}) {
  const proxy = await TcpProxy.start(Number(new URL(cluster.server).port));
  const transport = new Transport({
    kubeConfig: proxy.redirect(cluster.kubeConfig), logger: options.logger ?? silentLogger,
    retry: { attempts: options.attempts ?? 5, initialMs: 20, maxMs: 200 },
    // One connection: every call after the first reuses it, so a drop meets the very next request.
    pool: { connections: 1 },
  });
  const client = new ResourceClient(testAgentDescriptor, { transport, namespace: ns, logger: options.logger });
  return {
    proxy, transport, client,
    async close() {
      await transport.close();
      await proxy.close();
    },
  };
}

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("client-integrity");
  direct = new Transport({ kubeConfig: cluster.kubeConfig });
  agents = new ResourceClient(testAgentDescriptor, { transport: direct, namespace: ns });
});

after(async () => {
  await direct?.close();
  await cluster?.close();
});

describe("a write whose answer was lost", () => {
  it("an update is applied once and reported ambiguous, not as a conflict with itself", async () => {
    const created = await agents.create(agent("lost-update"));
    const via = await throughProxy();
    try {
      await via.client.get("lost-update"); // opens the kept-alive connection the drop applies to
      via.proxy.dropAnswers(1);
      const changed = { ...created, spec: { prompt: "changed once" } };
      const error = await via.client.update(changed).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof AmbiguousWriteError, `expected AmbiguousWriteError, got ${String(error)}`);
      assert.ok(isAmbiguousWrite(error));
      assert.ok(error.cause instanceof ConnectionError, "the connection failure is the cause");
      assert.equal(via.proxy.answersDropped, 1);
      const now = await agents.get("lost-update");
      assert.equal(now.spec.prompt, "changed once", "the update was applied");
      assert.equal(Number(now.metadata.generation), 2, "exactly once");
    } finally {
      await via.close();
    }
  });

  it("a delete with a uid precondition is reported ambiguous, not NotFound for its own deletion", async () => {
    const created = await agents.create(agent("lost-delete"));
    const via = await throughProxy();
    try {
      await via.client.get("lost-delete");
      via.proxy.dropAnswers(1);
      const error = await via.client.delete("lost-delete", { preconditions: { uid: created.metadata.uid } }).then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof AmbiguousWriteError, `expected AmbiguousWriteError, got ${String(error)}`);
      assert.equal(via.proxy.answersDropped, 1);
      assert.equal(await agents.getOrUndefined("lost-delete"), undefined, "the delete was applied");
    } finally {
      await via.close();
    }
  });

  it("retryOnConflict under dropped answers: the counter equals the increments reported successful", async () => {
    await agents.create({ ...agent("counter"), metadata: { name: "counter", annotations: { count: "0" } } });
    const via = await throughProxy();
    let reported = 0;
    let ambiguous = 0;
    let notApplied = 0;
    let tries = 0;
    // The proxied writer loses the answer of every third update; a direct writer competes for conflicts.
    const increment = async (client: ResourceClient<TestAgent>, id: string, drop: boolean) => {
      try {
        await retryOnConflict(async () => {
          tries += 1;
          const current = await client.get("counter");
          const annotations = current.metadata.annotations ?? {};
          current.metadata.annotations = { ...annotations, count: String(Number(annotations.count) + 1), [`inc-${id}`]: "1" };
          if (drop) via.proxy.dropAnswers(1);
          return client.update(current);
        }, { attempts: 50 });
        reported += 1;
      } catch (error) {
        if (!isAmbiguousWrite(error)) throw error;
        // Ambiguous: read to find out, as the error says; the increment's own mark tells.
        ambiguous += 1;
        const now = await agents.get("counter");
        if (now.metadata.annotations?.[`inc-${id}`] === "1") reported += 1;
        else notApplied += 1; // the lost answer was a 409: the competitor had written first
      }
    };
    try {
      await via.client.get("counter");
      await Promise.all([
        (async () => {
          for (let i = 0; i < 12; i++) await increment(via.client, `p${i}`, i % 3 === 2);
        })(),
        (async () => {
          for (let i = 0; i < 12; i++) await increment(agents, `d${i}`, false);
        })(),
      ]);
      const final = await agents.get("counter");
      assert.equal(via.proxy.answersPending, 0, "every armed drop met a request");
      assert.ok(via.proxy.answersDropped >= 1, "answers were dropped");
      assert.equal(Number(final.metadata.annotations?.count), reported, `counter vs reported (ambiguous ${ambiguous}, tries ${tries})`);
      assert.equal(ambiguous, via.proxy.answersDropped, "each lost answer was an update's, reported ambiguous");
      assert.equal(reported + notApplied, 24);
    } finally {
      await via.close();
    }
  });
});

describe("an answer cut mid-body", () => {
  it("is a typed connection error, and list retries it", async () => {
    const listNs = await cluster.namespace("client-integrity-cut");
    const big = agents.inNamespace(listNs);
    const prompt = "p".repeat(2_000);
    for (let i = 0; i < 40; i++) await big.create({ ...agent(`cut-${i}`), spec: { prompt } });
    const logger = recordingLogger();
    const via = await throughProxy({ logger });
    try {
      const scoped = via.client.inNamespace(listNs);
      await scoped.get("cut-0");
      via.proxy.dropAnswers(1, { keepBytes: 4_000 });
      const all = await scoped.list();
      assert.equal(all.length, 40);
      assert.equal(via.proxy.answersDropped, 1);
      const retries = logger.lines.filter((l) => l.message === "retrying request");
      assert.equal(retries.length, 1, JSON.stringify(logger.lines));
      assert.equal(retries[0]?.fields?.interrupted, true);

      // Without retries the failure itself shows: typed, not undici's SocketError.
      const once = await throughProxy({ attempts: 1 });
      try {
        await once.client.inNamespace(listNs).get("cut-0");
        once.proxy.dropAnswers(1, { keepBytes: 4_000 });
        const error = await once.client.inNamespace(listNs).listPage().then(() => undefined, (e: unknown) => e);
        assert.ok(error instanceof ConnectionError, `expected ConnectionError, got ${String(error)}`);
        assert.equal(error.interrupted, true);
      } finally {
        await once.close();
      }
    } finally {
      await via.close();
    }
  });
});

describe("Retry-After on a 5xx", () => {
  const webhookDescriptor = {
    group: "admissionregistration.k8s.io", version: "v1", apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration",
    listKind: "ValidatingWebhookConfigurationList", plural: "validatingwebhookconfigurations", singular: "validatingwebhookconfiguration",
    shortNames: [], namespaced: false, storage: true, subresources: { status: false }, printerColumns: [],
  } as unknown as ResourceDescriptor<KubernetesObject>;
  let webhooks: ResourceClient<KubernetesObject>;
  let server: https.Server | undefined;
  let dir = "";
  const calls = new Map<string, number>();

  before(async () => {
    webhooks = new ResourceClient(webhookDescriptor, { transport: direct });
    dir = await mkdtemp(join(tmpdir(), "integrity-webhook-"));
    await promisify(execFile)("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(dir, "key.pem"),
      "-out", join(dir, "cert.pem"), "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
    ]);
    const cert = await readFile(join(dir, "cert.pem"), "utf8");
    // Answers the first review of each object with 503 and retryAfterSeconds 1 (as a starting server does), then allows.
    server = https.createServer({ cert, key: await readFile(join(dir, "key.pem"), "utf8") }, (req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c.toString()));
      req.on("end", () => {
        const review = JSON.parse(text) as { request: { uid: string; name: string } };
        const seen = (calls.get(review.request.name) ?? 0) + 1;
        calls.set(review.request.name, seen);
        const response = seen === 1
          ? { uid: review.request.uid, allowed: false, status: { code: 503, reason: "ServiceUnavailable", message: "server is starting", details: { retryAfterSeconds: 1 } } }
          : { uid: review.request.uid, allowed: true };
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    await webhooks.create({
      metadata: { name: `${ns}-retry-after` },
      webhooks: [{
        name: "retry-after.integrity.test", admissionReviewVersions: ["v1"], sideEffects: "None", failurePolicy: "Fail", timeoutSeconds: 5,
        clientConfig: { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/`, caBundle: Buffer.from(cert).toString("base64") },
        rules: [{ apiGroups: ["ark.mckinsey.com"], apiVersions: ["*"], operations: ["CREATE"], resources: ["agents"], scope: "Namespaced" }],
        objectSelector: { matchLabels: { "integrity-test": ns } },
      }],
    } as KubernetesObject);
  });

  after(async () => {
    await webhooks?.delete(`${ns}-retry-after`).catch(() => undefined);
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a create answered 503 with Retry-After waits as asked and is sent again", async () => {
    const logger = recordingLogger();
    const transport = new Transport({ kubeConfig: cluster.kubeConfig, logger, retry: { initialMs: 20, maxMs: 100 } });
    const client = new ResourceClient(testAgentDescriptor, { transport, namespace: ns, logger });
    try {
      // The webhook configuration takes a moment to be used: wait until it answers (its first review is a 503).
      const started = Date.now();
      let created: TestAgent | undefined;
      for (let i = 0; created === undefined; i++) {
        const name = `retry-after-${i}`;
        const t = Date.now();
        created = await client.create(agent(name, { "integrity-test": ns }));
        if (calls.get(name) !== 2) {
          assert.ok(Date.now() - started < 30_000, "the webhook was never called");
          await agents.delete(name);
          created = undefined;
          continue;
        }
        const waited = Date.now() - t;
        assert.ok(waited >= 900, `waited ${waited} ms, the server asked for 1 s`);
        const retries = logger.lines.filter((l) => l.message === "retrying request" && l.fields?.status === 503);
        assert.equal(retries.length, 1);
        assert.ok(Number(retries[0]?.fields?.delayMs) >= 1_000);
      }
      assert.equal(created.metadata.labels?.["integrity-test"], ns);
    } finally {
      await transport.close();
    }
  });
});

describe("a 404 without a Status body", () => {
  const missing = { ...testAgentDescriptor, group: "integrity.invalid", apiVersion: "integrity.invalid/v1", version: "v1" } as ResourceDescriptor<TestAgent>;

  it("is retried for reads and never reported as the object's absence", async () => {
    const logger = recordingLogger();
    const transport = new Transport({ kubeConfig: cluster.kubeConfig, logger, retry: { attempts: 3, initialMs: 20, maxMs: 50 } });
    const client = new ResourceClient(missing, { transport, namespace: ns });
    try {
      const error = await client.getOrUndefined("anything").then((v) => v, (e: unknown) => e);
      assert.ok(error instanceof ServerError && isRouteNotFound(error), `expected a route-less 404 error, got ${String(error)}`);
      assert.ok(!isNotFound(error));
      assert.equal(logger.lines.filter((l) => l.message === "retrying request" && l.fields?.status === 404).length, 2);
      // A 404 with a Status body is the object's absence, at once.
      logger.lines.length = 0;
      assert.equal(await new ResourceClient(testAgentDescriptor, { transport, namespace: ns }).getOrUndefined("no-such-agent"), undefined);
      assert.equal(logger.lines.filter((l) => l.message === "retrying request").length, 0);
      await assert.rejects(agents.get("no-such-agent"), NotFoundError);
    } finally {
      await transport.close();
    }
  });
});

describe("watch() and permanent errors", () => {
  it("a 500 caused by the request (a malformed resourceVersion) is thrown after it repeats", async () => {
    const seen: unknown[] = [];
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error("the watch kept retrying")), 30_000);
    try {
      const error = await (async () => {
        for await (const event of agents.watch({ resourceVersion: "not-a-version", signal: controller.signal, backoff: { initialMs: 10, maxMs: 50 } })) seen.push(event);
      })().then(() => undefined, (e: unknown) => e);
      assert.ok(error instanceof ServerError, `expected ServerError, got ${String(error)}`);
      assert.equal(error.status, 500);
      assert.deepEqual(seen, []);
    } finally {
      clearTimeout(timer);
    }
  });
});

describe("bad input is refused before any request", () => {
  it("map selectors, names, bodies and patches", async () => {
    const logger = recordingLogger();
    const via = await throughProxy({ logger });
    const c = via.client;
    try {
      const circular: Record<string, unknown> = { metadata: { name: "circular" }, spec: {} };
      circular.self = circular;
      const cases: [string, () => Promise<unknown>, new (...a: never[]) => Error][] = [
        ["selector value with a comma", () => c.list({ labelSelector: { app: "x,env!=prod" } }), ArgumentError],
        ["selector value with an operator", () => c.list({ labelSelector: { app: "!x" } }), ArgumentError],
        ["selector key not a qualified name", () => c.listPage({ labelSelector: { "a b": "x" } }), ArgumentError],
        ["selector value of 64 characters", () => c.list({ labelSelector: { app: "v".repeat(64) } }), ArgumentError],
        ["informer with a bad selector", async () => c.informer({ labelSelector: { app: "x,y" } }), ArgumentError],
        ["lone surrogate in a name", () => c.get("a\ud800"), ArgumentError],
        ["lone surrogate in waitFor", () => c.waitFor("a\udc00", () => true), ArgumentError],
        ["% in a name", () => c.delete("a%2Fb"), ArgumentError],
        ["BigInt in a body", () => c.create({ metadata: { name: "big" }, spec: { prompt: 1n as unknown as string } }), ArgumentError],
        ["circular body", () => c.update(circular as unknown as TestAgent), ArgumentError],
        ["throwing toJSON", () => c.apply({ metadata: { name: "tojson" }, spec: { toJSON: () => { throw new Error("no"); } } } as never), ArgumentError],
        ["Buffer as merge patch", () => c.patch("x", Buffer.from("{}") as never), ArgumentError],
        ["Map as merge patch", () => c.patch("x", new Map([["spec", {}]]) as never), ArgumentError],
        ["array as merge patch", () => c.patch("x", [] as never), ArgumentError],
        ["unknown JSON patch op", () => c.patch("x", [{ op: "increment", path: "/spec/n", value: 1 } as never], { type: "json" }), ArgumentError],
        ["JSON patch path without /", () => c.patch("x", [{ op: "replace", path: "spec/prompt", value: "y" }], { type: "json" }), ArgumentError],
        ["JSON patch move without from", () => c.patch("x", [{ op: "move", path: "/spec/a" } as never], { type: "json" }), ArgumentError],
        ["patch type from the prototype", () => c.patch("x", {}, { type: "toString" as never }), ArgumentError],
        ["body over 3 MiB", () => c.create({ metadata: { name: "huge" }, spec: { prompt: "x".repeat(3 * 1024 * 1024 + 1) } }), RequestEntityTooLargeError],
      ];
      for (const [what, call, type] of cases) {
        await assert.rejects(call(), type, what);
      }
      assert.equal(via.proxy.accepted, 0, "nothing was sent");
      const tooLarge = await c.create({ metadata: { name: "huge" }, spec: { prompt: "é".repeat(2 * 1024 * 1024) } }).then(() => undefined, (e: unknown) => e);
      assert.ok(tooLarge instanceof RequestEntityTooLargeError && tooLarge.bytes > 3 * 1024 * 1024, "bytes are counted as UTF-8");
      assert.equal(via.proxy.accepted, 0, "nothing was sent");

      // Above etcd's 1.5 MiB: a warning, then the request goes (dry run here).
      await c.create({ metadata: { name: "large" }, spec: { prompt: "x".repeat(1_600_000) } }, { dryRun: "All" }).catch(() => undefined);
      assert.ok(logger.lines.some((l) => /etcd/.test(l.message) && Number(l.fields?.bytes) > 1_600_000), "warned about the size");
      assert.ok(via.proxy.accepted > 0);
    } finally {
      await via.close();
    }
  });

  it("a map selector means one equality per entry; a name cannot add terms to waitFor's field selector", async () => {
    await agents.create(agent("sel-a", { app: "x", env: "prod" }));
    await agents.create(agent("sel-b", { app: "x", env: "dev" }));
    assert.deepEqual((await agents.list({ labelSelector: { app: "x", env: "dev" } })).map((a) => a.metadata.name), ["sel-b"]);
    // Names with "," or "=" are escaped in the field selector, so this waits for an object of exactly that name (there is none).
    const error = await agents.waitFor(`sel-a,metadata.namespace=${ns}`, () => true, { timeoutMs: 1_500 }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof Error && /did not reach/.test(error.message), `expected a wait timeout, got ${String(error)}`);
  });
});
