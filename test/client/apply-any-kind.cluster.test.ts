// applyManifest and `ark-sdk apply -f` for any kind the cluster serves (issue 14, point 4): core, apps and RBAC
// kinds and CRDs of other projects found through API discovery, server dry run, kinds the cluster does not serve
// refused before anything is applied, and discovery re-reading a group version when a kind appears in it.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ArgumentError, isNotFound, type ArkClient, type KubernetesObject } from "ark-sdk";
import { ApiDiscovery } from "../../src/client/discovery.js";
import { Transport } from "../../src/client/transport.js";
import type { CliIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import type { TestCluster } from "../helpers/cluster.js";
import { useArkCluster } from "./support.js";

let cluster: TestCluster;
let ark: ArkClient;
let ns: string;

useArkCluster("client-apply-any", (c) => ({ cluster, ns, ark } = c));

const ENGINE_MANIFEST = (image: string) => `apiVersion: v1
kind: ServiceAccount
metadata: { name: my-engine }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: my-engine }
rules:
  - { apiGroups: [ark.mckinsey.com], resources: [queries, agents, models], verbs: [get] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: my-engine }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: my-engine }
subjects: [{ kind: ServiceAccount, name: my-engine }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: my-engine }
spec:
  selector: { matchLabels: { app: my-engine } }
  template:
    metadata: { labels: { app: my-engine } }
    spec:
      serviceAccountName: my-engine
      containers: [{ name: engine, image: ${image}, ports: [{ name: http, containerPort: 8000, protocol: TCP }] }]
---
apiVersion: v1
kind: Service
metadata: { name: my-engine }
spec:
  selector: { app: my-engine }
  ports: [{ name: http, port: 8000, targetPort: http, protocol: TCP }]
---
apiVersion: ark.mckinsey.com/v1prealpha1
kind: ExecutionEngine
metadata: { name: my-engine }
spec:
  address: { valueFrom: { serviceRef: { name: my-engine, port: http } } }
`;

const crd = (group: string, kind: string, plural: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: ${plural}.${group} }
spec:
  group: ${group}
  scope: Namespaced
  names: { kind: ${kind}, plural: ${plural}, singular: ${kind.toLowerCase()}, listKind: ${kind}List }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`;

async function established(name: string, deadlineMs = 20_000): Promise<void> {
  const crds = await ark.discoverClient("apiextensions.k8s.io/v1", "CustomResourceDefinition");
  assert.ok(crds, "the cluster serves CustomResourceDefinitions");
  const until = Date.now() + deadlineMs;
  for (;;) {
    const object = (await crds.get(name)) as KubernetesObject & { status?: { conditions?: { type: string; status: string }[] } };
    if (object.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) return;
    if (Date.now() > until) assert.fail(`CRD ${name} not Established within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("applyManifest: any kind the cluster serves", () => {
  it("applies an engine's deployment manifest: ServiceAccount, Role, RoleBinding, Deployment, Service, ExecutionEngine", async () => {
    const outcomes = await ark.applyManifest(ENGINE_MANIFEST("example/engine:1"));
    assert.deepEqual(
      outcomes.map((o) => `${o.apiVersion} ${o.kind} ${o.namespace}/${o.name} ${o.action}`),
      [
        `v1 ServiceAccount ${ns}/my-engine created`,
        `rbac.authorization.k8s.io/v1 Role ${ns}/my-engine created`,
        `rbac.authorization.k8s.io/v1 RoleBinding ${ns}/my-engine created`,
        `apps/v1 Deployment ${ns}/my-engine created`,
        `v1 Service ${ns}/my-engine created`,
        `ark.mckinsey.com/v1prealpha1 ExecutionEngine ${ns}/my-engine created`,
      ],
    );
    const deployments = await ark.discoverClient("apps/v1", "Deployment");
    const stored = (await deployments?.get("my-engine")) as KubernetesObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
    assert.equal(stored.spec.template.spec.containers[0]?.image, "example/engine:1");
    assert.deepEqual(stored.metadata?.managedFields?.map((m) => `${m.manager} ${m.operation}`), ["ark-sdk Apply"]);

    const again = await ark.applyManifest(ENGINE_MANIFEST("example/engine:1"));
    assert.deepEqual(again.map((o) => o.action), ["unchanged", "unchanged", "unchanged", "unchanged", "unchanged", "unchanged"]);
    const changed = await ark.applyManifest(ENGINE_MANIFEST("example/engine:2"));
    assert.deepEqual(changed.map((o) => o.action), ["unchanged", "unchanged", "unchanged", "configured", "unchanged", "unchanged"]);
  });

  it("dry run: the server checks every document and stores none", async () => {
    const text = ENGINE_MANIFEST("example/engine:1").replaceAll("my-engine", "dry-engine");
    const outcomes = await ark.applyManifest(text, { dryRun: "All" });
    assert.deepEqual(outcomes.map((o) => o.action), ["created", "created", "created", "created", "created", "created"]);
    assert.equal(outcomes[3]?.object?.metadata?.name, "dry-engine", "the server's answer is reported");
    for (const o of outcomes) {
      const client = await ark.discoverClient(o.apiVersion, o.kind);
      await assert.rejects(client!.get(o.name), isNotFound, `${o.kind} ${o.name} must not be stored`);
    }
  });

  it("applies a CRD of another project, then objects of it, through discovery", async () => {
    const group = `widgets-${ns}.example.com`;
    await ark.applyManifest(crd(group, "Widget", "widgets"));
    await established(`widgets.${group}`);
    const outcomes = await ark.applyManifest(`apiVersion: ${group}/v1\nkind: Widget\nmetadata: { name: w1 }\nspec: { size: 3 }\n`);
    assert.deepEqual(outcomes.map((o) => `${o.kind} ${o.name} ${o.action}`), ["Widget w1 created"]);
    const widgets = await ark.discoverClient(`${group}/v1`, "Widget");
    assert.equal(widgets?.descriptor.plural, "widgets");
    assert.equal(widgets?.descriptor.namespaced, true);
    assert.deepEqual(((await widgets!.get("w1")) as KubernetesObject & { spec: unknown }).spec, { size: 3 });
  });

  it("refuses a kind the cluster does not serve before applying anything, naming the document", async () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: not-applied }\n---\napiVersion: nowhere.example.com/v1\nkind: Gadget\nmetadata: { name: g }\n`;
    await assert.rejects(ark.applyManifest(text), (e: unknown) => e instanceof ArgumentError && e.field === "document 1" && /nowhere\.example\.com\/v1 Gadget is not a kind the cluster serves/.test(e.message));
    assert.equal(await ark.core.configMaps.getOrUndefined("not-applied"), undefined);
  });
});

describe("ApiDiscovery", () => {
  let transport: Transport;
  before(() => {
    transport = new Transport({ kubeConfig: cluster.kubeConfig });
  });
  after(async () => {
    await transport.close();
  });

  it("re-reads a cached group version for a missing kind only after refreshAfterMs", async () => {
    let now = 1_000_000;
    const discovery = new ApiDiscovery(transport, { now: () => now, refreshAfterMs: 2_000 });
    const group = `gizmos-${ns}.example.com`;
    await ark.applyManifest(crd(group, "Gizmo", "gizmos"));
    await established(`gizmos.${group}`);
    assert.equal((await discovery.find(`${group}/v1`, "Gizmo"))?.plural, "gizmos");
    // A second kind appears in the same group version after the list was cached.
    await ark.applyManifest(crd(group, "Doohickey", "doohickeys"));
    await established(`doohickeys.${group}`);
    now += 1_000;
    assert.equal(await discovery.find(`${group}/v1`, "Doohickey"), undefined, "within refreshAfterMs the cached list answers");
    now += 1_500;
    assert.equal((await discovery.find(`${group}/v1`, "Doohickey"))?.plural, "doohickeys", "after refreshAfterMs a miss re-reads the list");
    assert.equal(await discovery.find("nowhere.example.com/v1", "Gadget"), undefined, "an unserved group version is not an error");
    assert.equal((await discovery.find("v1", "Pod"))?.namespaced, true);
    assert.equal((await discovery.find("v1", "Namespace"))?.namespaced, false);
    assert.equal((await discovery.find("apps/v1", "Deployment"))?.subresources.status, true);
  });
});

describe("ark-sdk apply -f", () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ark-apply-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function capture(): CliIo & { stdout: string; stderr: string } {
    const io = { stdout: "", stderr: "", isTty: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
    return io;
  }

  it("applies files and prints one line per document; exit 1 and the failure's line when one fails", async () => {
    const good = join(dir, "good.yaml");
    await writeFile(good, `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cli-cm }\ndata: { a: b }\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: cli-d }\nspec: { selector: { matchLabels: { a: b } }, template: { metadata: { labels: { a: b } }, spec: { containers: [{ name: c, image: x }] } } }\n`);
    const io = capture();
    const code = await main(["apply", "-f", good, "-n", ns, "--kubeconfig", cluster.kubeconfigPath], io);
    assert.equal(code, 0, io.stderr);
    assert.equal(io.stdout, `configmap/cli-cm -n ${ns} created\ndeployment/cli-d -n ${ns} created\n`);

    const bad = join(dir, "bad.yaml");
    await writeFile(bad, `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: cli-bad }\nspec: { selector: { matchLabels: { a: b } }, template: { metadata: { labels: { a: c } }, spec: { containers: [{ name: c, image: x }] } } }\n`);
    const io2 = capture();
    const code2 = await main(["apply", "-f", bad, "-n", ns, "--kubeconfig", cluster.kubeconfigPath, "--dry-run"], io2);
    assert.equal(code2, 1);
    assert.match(io2.stdout, /^deployment\/cli-bad -n \S+ failed: .*selector/);
  });

  it("usage errors exit 2", async () => {
    const io = capture();
    assert.equal(await main(["apply"], io), 2);
    assert.match(io.stderr, /apply needs at least one -f <file>/);
  });
});
