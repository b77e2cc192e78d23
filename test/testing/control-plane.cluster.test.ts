import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { existsSync, readdirSync, readFileSync, writeFileSync, chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { KubeConfig } from "@kubernetes/client-node";
import { startControlPlane, findBinaries, ControlPlaneError, type ControlPlane, type CrdObject } from "../../src/testing/index.js";
import { ARK_KIND_SAMPLES } from "../fixtures/ark-objects.js";

interface Reply {
  status: number;
  body: unknown;
}

/** A request through node:https configured by client-node's KubeConfig (an independent client). */
async function kubeRequest(kc: KubeConfig, method: string, path: string, body?: unknown, headers: Record<string, string | string[]> = {}): Promise<Reply> {
  const cluster = kc.getCurrentCluster();
  assert.ok(cluster);
  const url = new URL(path, cluster.server);
  const opts: RequestOptions = { method, headers: { accept: "application/json", ...headers } };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ...opts, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined }));
    });
    req.on("error", reject);
    if (body !== undefined) {
      req.setHeader("content-type", "application/json");
      req.end(JSON.stringify(body));
    } else req.end();
  });
}

function loadKubeconfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Processes whose command line mentions `needle` (our binaries carry their temp dir in their flags). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmd.includes(needle) && Number(entry) !== process.pid) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

// Tests that start (or restart) a plane of their own: 80 s is what one start took on a loaded 2-core machine.
const PLANE_DEADLINE = { timeout: 240_000 };

describe("local control plane", () => {
  let plane: ControlPlane;
  let kc: KubeConfig;
  const namespace = "cp-test";

  before(async () => {
    plane = await startControlPlane();
    kc = loadKubeconfig(plane.kubeconfigPath);
    const ns = await kubeRequest(kc, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    assert.equal(ns.status, 201);
  });
  after(async () => {
    await plane?.close();
  });

  it("serves every ARK kind: create through the API server and read back", async () => {
    for (const sample of ARK_KIND_SAMPLES) {
      const name = `sample-${sample.kind.toLowerCase()}`;
      const base = sample.namespaced ? `/apis/${sample.apiVersion}/namespaces/${namespace}/${sample.plural}` : `/apis/${sample.apiVersion}/${sample.plural}`;
      const created = await kubeRequest(kc, "POST", base, { apiVersion: sample.apiVersion, kind: sample.kind, metadata: { name }, ...sample.body });
      assert.equal(created.status, 201, `${sample.kind}: ${JSON.stringify(created.body)}`);
      const got = await kubeRequest(kc, "GET", `${base}/${name}`);
      assert.equal(got.status, 200, sample.kind);
      const obj = got.body as { kind: string; metadata: { name: string }; spec: Record<string, unknown> };
      assert.equal(obj.kind, sample.kind);
      assert.equal(obj.metadata.name, name);
      assert.deepEqual(obj.spec, { ...obj.spec, ...sample.body.spec });
    }
  });

  it("hands out kubeconfigs that verify the server's certificate", async () => {
    const text = readFileSync(plane.kubeconfigPath, "utf8");
    assert.doesNotMatch(text, /insecure-skip-tls-verify/);
    assert.equal((await kubeRequest(kc, "GET", "/version")).status, 200);
    // The same server with no CA to trust must fail the TLS handshake.
    const untrusting = loadKubeconfig(plane.kubeconfigPath);
    const cluster = untrusting.getCurrentCluster();
    assert.ok(cluster);
    untrusting.clusters = [{ ...cluster, caData: undefined, caFile: undefined }];
    await assert.rejects(kubeRequest(untrusting, "GET", "/version"), /self[- ]signed|unable to verify|certificate/i);
  });

  it("denies a non-admin user until RBAC grants it", async () => {
    const alice = loadKubeconfig(await plane.userKubeconfig("alice", ["devs"]));
    const path = `/apis/ark.mckinsey.com/v1alpha1/namespaces/${namespace}/agents`;
    assert.equal((await kubeRequest(alice, "GET", path)).status, 403);
    const role = await kubeRequest(kc, "POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
      metadata: { name: "agent-reader" },
      rules: [{ apiGroups: ["ark.mckinsey.com"], resources: ["agents"], verbs: ["get", "list"] }],
    });
    assert.equal(role.status, 201);
    const binding = await kubeRequest(kc, "POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
      metadata: { name: "devs-read-agents" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "agent-reader" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "devs" }],
    });
    assert.equal(binding.status, 201);
    // The RBAC authorizer reads bindings through an informer: allow it a moment.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await kubeRequest(alice, "GET", path)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200);
  });

  it("honours impersonation with one Impersonate-Group header per group", async () => {
    const path = `/apis/ark.mckinsey.com/v1alpha1/namespaces/${namespace}/models`;
    await kubeRequest(kc, "POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
      metadata: { name: "model-reader" },
      rules: [{ apiGroups: ["ark.mckinsey.com"], resources: ["models"], verbs: ["list"] }],
    });
    await kubeRequest(kc, "POST", `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
      metadata: { name: "auditors-read-models" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "model-reader" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "auditors" }],
    });
    let both = 0;
    for (let i = 0; i < 50 && both !== 200; i++) {
      both = (await kubeRequest(kc, "GET", path, undefined, { "Impersonate-User": "bob", "Impersonate-Group": ["staff", "auditors"] })).status;
      if (both !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(both, 200);
    // Merged into one comma-joined header, the server reads a single group named "staff,auditors".
    const merged = await kubeRequest(kc, "GET", path, undefined, { "Impersonate-User": "bob", "Impersonate-Group": "staff,auditors" });
    assert.equal(merged.status, 403);
    const onlyStaff = await kubeRequest(kc, "GET", path, undefined, { "Impersonate-User": "bob", "Impersonate-Group": ["staff"] });
    assert.equal(onlyStaff.status, 403);
  });

  it("runs a second plane beside the first without clashing", PLANE_DEADLINE, async () => {
    const second = await startControlPlane({ crds: "none" });
    try {
      assert.notEqual(second.server, plane.server);
      const other = loadKubeconfig(second.kubeconfigPath);
      const list = await kubeRequest(other, "GET", "/api/v1/namespaces");
      const names = (list.body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name);
      assert.ok(!names.includes(namespace), "the second plane has its own etcd");
    } finally {
      await second.close();
    }
    assert.equal((await kubeRequest(kc, "GET", "/version")).status, 200);
  });

  it("survives an API server restart and keeps its data", PLANE_DEADLINE, async () => {
    await plane.restartApiServer();
    const got = await kubeRequest(kc, "GET", `/apis/ark.mckinsey.com/v1alpha1/namespaces/${namespace}/agents/sample-agent`);
    assert.equal(got.status, 200);
  });
});

describe("control plane lifecycle and failures", () => {
  it("stop() ends both processes and removes every temporary file", PLANE_DEADLINE, async () => {
    const plane = await startControlPlane({ crds: "none" });
    assert.ok(processesMentioning(plane.dir).length >= 2);
    await plane.close();
    assert.equal(existsSync(plane.dir), false);
    assert.ok(await eventually(() => processesMentioning(plane.dir).length === 0, 2_000));
    await plane.close(); // idempotent
  });

  it("leaves no orphan when the owning process is killed with SIGKILL", PLANE_DEADLINE, async () => {
    const script = `
      import { startControlPlane } from "./src/testing/index.ts";
      const plane = await startControlPlane({ crds: "none" });
      console.log(plane.dir);
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const dir = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("\n")) resolve(out.trim());
      });
      child.on("exit", (code) => reject(new Error(`child exited early (${code})`)));
    });
    assert.ok(processesMentioning(dir).length >= 2);
    child.kill("SIGKILL");
    assert.ok(await eventually(() => processesMentioning(dir).length === 0, 5_000), "watchdogs killed the binaries");
    assert.ok(await eventually(() => !existsSync(dir), 5_000), "watchdog removed the temp dir");
  });

  it("leaves nothing behind when the owner exits without calling stop()", PLANE_DEADLINE, async () => {
    const script = `
      import { startControlPlane } from "./src/testing/index.ts";
      const plane = await startControlPlane({ crds: "none" });
      console.log(plane.dir);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    assert.equal(code, 0);
    const dir = out.trim();
    assert.match(dir, /ark-sdk-cp-/);
    assert.equal(existsSync(dir), false, "exit hook removed the temp dir");
    assert.ok(await eventually(() => processesMentioning(dir).length === 0, 2_000));
  });

  it("names the missing binary and how to install it", async () => {
    await assert.rejects(startControlPlane({ binaries: { kubeApiserver: "/nonexistent/kube-apiserver" } }), (err: unknown) => {
      assert.ok(err instanceof ControlPlaneError);
      assert.equal(err.failure, "missing-binary");
      assert.match(err.message, /kube-apiserver/);
      return true;
    });
    const env = { HOME: "/nonexistent-home" } as NodeJS.ProcessEnv;
    assert.throws(() => findBinaries({}, env), /ark-sdk control-plane setup/);
  });

  it("reports a port clash without starting anything", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    const root = mkdtempSync(join(tmpdir(), "cp-clash-"));
    try {
      await assert.rejects(startControlPlane({ apiServerPort: port, tmpRoot: root }), (err: unknown) => {
        assert.ok(err instanceof ControlPlaneError);
        assert.equal(err.failure, "port-in-use");
        assert.match(err.message, new RegExp(String(port)));
        return true;
      });
      assert.deepEqual(readdirSync(root), []);
      assert.deepEqual(processesMentioning(root), []);
    } finally {
      blocker.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("reports a process that dies while starting, with its log", async () => {
    const root = mkdtempSync(join(tmpdir(), "cp-crash-"));
    const fake = join(root, "crashing-apiserver");
    writeFileSync(fake, "#!/bin/sh\necho 'fatal: pretend the API server failed to start' >&2\nexit 3\n");
    chmodSync(fake, 0o755);
    try {
      await assert.rejects(startControlPlane({ binaries: { kubeApiserver: fake }, tmpRoot: root, crds: "none" }), (err: unknown) => {
        assert.ok(err instanceof ControlPlaneError);
        assert.equal(err.failure, "process-exited");
        assert.equal(err.processName, "kube-apiserver");
        assert.match(err.message, /pretend the API server failed/);
        return true;
      });
      assert.deepEqual(readdirSync(root), ["crashing-apiserver"]);
      assert.ok(await eventually(() => processesMentioning(root).length === 0, 2_000));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("reports a CRD that never becomes Established", async () => {
    const crd = (name: string, plural: string): CrdObject => ({
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `${plural}.clash.example.com` },
      spec: {
        group: "clash.example.com",
        scope: "Namespaced",
        // Both CRDs claim the same kind: the second one's names are not accepted.
        names: { plural, singular: name, kind: "Widget", listKind: "WidgetList" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }],
      },
    });
    const root = mkdtempSync(join(tmpdir(), "cp-crd-"));
    try {
      await assert.rejects(startControlPlane({ crds: [crd("widget", "widgets"), crd("gadget", "gadgets")], tmpRoot: root, crdTimeoutMs: 2_000 }), (err: unknown) => {
        assert.ok(err instanceof ControlPlaneError);
        assert.equal(err.failure, "crd-not-established");
        // Created concurrently, either one may lose the race for the kind name.
        assert.match(err.message, /(gadgets|widgets)\.clash\.example\.com/);
        return true;
      });
      assert.deepEqual(readdirSync(root), []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
