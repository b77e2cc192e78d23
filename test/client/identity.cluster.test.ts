// Who the client is: configuration discovery (fromEnv: kubeconfig files,
// KUBECONFIG lists, contexts, in-cluster service account, namespace rule),
// and identity against real RBAC (403 typed; impersonation with one
// Impersonate-Group header per group, allowed and denied).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { ArkClient, ConfigError, ForbiddenError, type KubernetesObject, type LogFields, type Logger, type ObjectMeta, type ResourceDescriptor } from "ark-sdk";

interface Role extends KubernetesObject {
  metadata: ObjectMeta;
  rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}
interface RoleBinding extends KubernetesObject {
  metadata: ObjectMeta;
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: { kind: "User" | "Group"; name: string; apiGroup: string }[];
}
const rbac = { group: "rbac.authorization.k8s.io", version: "v1", apiVersion: "rbac.authorization.k8s.io/v1", shortNames: [], namespaced: true, storage: true, subresources: { status: false }, printerColumns: [] };
const roleDescriptor: ResourceDescriptor<Role> = { ...rbac, kind: "Role", listKind: "RoleList", plural: "roles", singular: "role" };
const roleBindingDescriptor: ResourceDescriptor<RoleBinding> = { ...rbac, kind: "RoleBinding", listKind: "RoleBindingList", plural: "rolebindings", singular: "rolebinding" };

let cluster: TestCluster;
let admin: ArkClient;
let ns: string;
let dir: string;
const opened: ArkClient[] = [];

function recordingLogger(): Logger & { entries: { level: string; message: string; fields?: LogFields }[] } {
  const entries: { level: string; message: string; fields?: LogFields }[] = [];
  const log = (level: string) => (message: string, fields?: LogFields) => void entries.push({ level, message, fields });
  return { entries, debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
}

async function track(client: Promise<ArkClient> | ArkClient): Promise<ArkClient> {
  const c = await client;
  opened.push(c);
  return c;
}

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("client-id");
  dir = await mkdtemp(join(tmpdir(), "ark-identity-"));
  admin = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns });
  await admin.resource(roleDescriptor).create({ metadata: { name: "agent-reader" }, rules: [{ apiGroups: ["ark.mckinsey.com"], resources: ["agents"], verbs: ["get", "list", "watch"] }] });
  await admin.resource(roleBindingDescriptor).create({
    metadata: { name: "readers-read-agents" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "agent-reader" },
    subjects: [{ kind: "Group", name: "readers", apiGroup: "rbac.authorization.k8s.io" }],
  });
  await admin.agents.create({ metadata: { name: "visible" }, spec: { prompt: "p" } });
});

after(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await admin?.close();
  await rm(dir, { recursive: true, force: true });
  await cluster?.close();
});

describe("RBAC", () => {
  it("a user without a role gets a typed 403", async () => {
    const alice = await track(ArkClient.fromEnv({ kubeconfig: await cluster.userKubeconfig("alice", ["devs"]), namespace: ns }));
    const error = await alice.agents.list().catch((e: unknown) => e);
    assert.ok(error instanceof ForbiddenError, String(error));
    assert.equal(error.status, 403);
    assert.equal(error.reason, "Forbidden");
    assert.match(error.message, /alice/);
  });

  it("a user in a bound group may read but not write", async () => {
    const reader = await track(ArkClient.fromEnv({ kubeconfig: await cluster.userKubeconfig("carol", ["devs", "readers"]), namespace: ns }));
    assert.deepEqual((await reader.agents.list()).map((a) => a.metadata.name), ["visible"]);
    await assert.rejects(reader.agents.create({ metadata: { name: "nope" }, spec: { prompt: "p" } }), ForbiddenError);
  });

  it("impersonation sends each group separately, so the second group's binding applies", async () => {
    const asBob = await track(new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, impersonate: { user: "bob", groups: ["nobody", "readers"] } }));
    assert.deepEqual((await asBob.agents.list()).map((a) => a.metadata.name), ["visible"]);
    await assert.rejects(asBob.agents.delete("visible"), ForbiddenError);
    await assert.rejects(asBob.models.list(), ForbiddenError);
  });

  it("impersonation is denied where RBAC says so", async () => {
    const joined = await track(new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, impersonate: { user: "bob", groups: ["nobody,readers"] } }));
    await assert.rejects(joined.agents.list(), ForbiddenError, "a comma-joined value is one (unbound) group name");
    const alice = await track(ArkClient.fromEnv({ kubeconfig: await cluster.userKubeconfig("alice", ["devs"]), namespace: ns, impersonate: { user: "admin", groups: ["system:masters"] } }));
    const error = await alice.agents.list().catch((e: unknown) => e);
    assert.ok(error instanceof ForbiddenError);
    assert.match(error.message, /impersonate/);
  });
});

describe("fromEnv", () => {
  const noServiceAccount = () => join(dir, "no-sa");

  it("reads KUBECONFIG (skipping missing files) and takes the context's namespace; logs its choice at debug", async () => {
    const logger = recordingLogger();
    const client = await track(ArkClient.fromEnv({ env: { KUBECONFIG: `${join(dir, "missing")}:${cluster.kubeconfigPath}` }, serviceAccountDir: noServiceAccount(), logger }));
    assert.equal(client.namespace, cluster.kubeConfig.getContextObject(cluster.kubeConfig.getCurrentContext())?.namespace ?? "default");
    assert.ok(await client.inNamespace(ns).agents.get("visible"));
    const chosen = logger.entries.find((e) => e.message === "kubernetes configuration chosen");
    assert.equal(chosen?.level, "debug");
    assert.equal(chosen?.fields?.source, "kubeconfig-env");
    assert.equal(chosen?.fields?.server, cluster.server);
  });

  it("prefers the in-cluster namespace file over the context, and the option over both", async () => {
    const sa = join(dir, "sa-ns");
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, "namespace"), `${ns}\n`);
    const fromFile = await track(ArkClient.fromEnv({ kubeconfig: cluster.kubeconfigPath, serviceAccountDir: sa, env: {} }));
    assert.equal(fromFile.namespace, ns);
    const fromOption = await track(ArkClient.fromEnv({ kubeconfig: cluster.kubeconfigPath, serviceAccountDir: sa, namespace: "elsewhere", env: {} }));
    assert.equal(fromOption.namespace, "elsewhere");
  });

  it("falls back to the in-cluster service account when there is no kubeconfig", async () => {
    const sa = join(dir, "sa-full");
    await mkdir(sa, { recursive: true });
    const user = cluster.kubeConfig.getCurrentUser();
    const clusterEntry = cluster.kubeConfig.getCurrentCluster();
    assert.ok(user?.token, "the admin kubeconfig uses a bearer token");
    await writeFile(join(sa, "token"), user.token);
    await writeFile(join(sa, "ca.crt"), Buffer.from(clusterEntry?.caData ?? "", "base64"));
    await writeFile(join(sa, "namespace"), ns);
    const url = new URL(cluster.server);
    const logger = recordingLogger();
    const inCluster = await track(ArkClient.fromEnv({
      env: { HOME: join(dir, "empty-home"), KUBERNETES_SERVICE_HOST: url.hostname, KUBERNETES_SERVICE_PORT: url.port }, serviceAccountDir: sa, logger,
    }));
    assert.equal(inCluster.namespace, ns);
    assert.equal(logger.entries.find((e) => e.message === "kubernetes configuration chosen")?.fields?.source, "in-cluster");
    assert.deepEqual((await inCluster.agents.list()).map((a) => a.metadata.name), ["visible"]);
  });

  it("selects a context, and says clearly what is missing", async () => {
    await assert.rejects(ArkClient.fromEnv({ kubeconfig: cluster.kubeconfigPath, context: "nope", env: {} }), (e: unknown) => e instanceof ConfigError && /no context "nope"/.test(e.message));
    await assert.rejects(ArkClient.fromEnv({ env: { HOME: join(dir, "empty-home") }, serviceAccountDir: noServiceAccount() }), (e: unknown) => e instanceof ConfigError && /no Kubernetes configuration found/.test(e.message));
    await assert.rejects(ArkClient.fromEnv({ env: { KUBECONFIG: join(dir, "missing") } }), (e: unknown) => e instanceof ConfigError && /KUBECONFIG names no existing file/.test(e.message));
    const context = cluster.kubeConfig.getCurrentContext();
    const chosen = await track(ArkClient.fromEnv({ kubeconfig: cluster.kubeconfigPath, context, namespace: ns, env: {} }));
    assert.ok(await chosen.agents.get("visible"));
  });
});
