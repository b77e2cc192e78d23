// Engine manifests with least-privilege RBAC (issue 14, points 2 and 3), on the real local control plane: the
// generated manifests apply (server-side); the engine's resolver, run as the engine's ServiceAccount, can do
// every feature the manifests declare; and removing any one RBAC rule breaks exactly the features that need it.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { ArkClient, silentLogger, type KubernetesObject } from "ark-sdk";
import { ClusterQueryResolver, engineManifests, engineRbacRules, ENGINE_FEATURES, type EngineFeature, type EngineRbacRule } from "ark-sdk/executor";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { Transport } from "../../src/client/transport.js";
import { testCluster, type TestCluster } from "../helpers/cluster.js";

const ENGINE = "rbac-engine";
let cluster: TestCluster;
let admin: ArkClient;
let ns: string;
let engineKubeConfig: KubeConfig;
let engineTransport: Transport;

const yaml = (objects: KubernetesObject[]) => objects.map((o) => stringify(o)).join("---\n");
const b64 = (s: string) => Buffer.from(s).toString("base64");

async function seed(): Promise<void> {
  await admin.core.secrets.create({ metadata: { name: "llm" }, data: { token: b64("sk-1") } });
  await admin.core.services.create({ metadata: { name: "ark-broker" }, spec: { clusterIP: "None", ports: [{ name: "http", port: 9000 }] } });
  await admin.core.configMaps.create({ metadata: { name: "ark-config-streaming" }, data: { enabled: "true", serviceRef: "name: ark-broker\nport: http\n" } });
  const model = (name: string, apiKey: { value: string } | { valueFrom: { secretKeyRef: { name: string; key: string } } }) => admin.models.create({ metadata: { name }, spec: { provider: "openai", model: { value: "gpt-4.1" }, config: { openai: { apiKey, baseUrl: { value: "https://llm.example" } } } } });
  await model("plain", { value: "sk-0" });
  await model("secret", { valueFrom: { secretKeyRef: { name: "llm", key: "token" } } });
  await admin.mcpServers.create({ metadata: { name: "files" }, spec: { address: { value: "http://files.example/mcp" }, transport: "http" } });
  await admin.tools.create({ metadata: { name: "read" }, spec: { type: "mcp", mcp: { mcpServerRef: { name: "files" }, toolName: "read_file" } } });
  await admin.executionEngines.create({ metadata: { name: ENGINE }, spec: { address: { value: "http://127.0.0.1:1" } } });
  const agent = (name: string, spec: Record<string, unknown>, labels?: Record<string, string>) =>
    admin.agents.create({ metadata: { name, ...(labels ? { labels } : {}) }, spec: { prompt: "hi", executionEngine: { name: ENGINE }, ...spec } });
  await agent("plain", { modelRef: { name: "plain" } }, { role: "picked" });
  await agent("secret", { modelRef: { name: "secret" } });
  await agent("tools", { modelRef: { name: "plain" }, tools: [{ type: "mcp", name: "read" }] });
  await admin.teams.create({ metadata: { name: "crew" }, spec: { strategy: "sequential", members: [{ name: "plain", type: "agent" }] } });
  const query = (name: string, spec: Record<string, unknown>) => admin.queries.create({ metadata: { name }, spec: { input: "hello", ...spec } });
  await query("plain", { target: { type: "agent", name: "plain" } });
  await query("secret", { target: { type: "agent", name: "secret" } });
  await query("tools", { target: { type: "agent", name: "tools" } });
  await query("team", { target: { type: "team", name: "crew" } });
  await query("selector", { selector: { matchLabels: { role: "picked" } } });
}

type Scenario = {
  /** The features whose rules the scenario needs. */
  needs: (EngineFeature | "resolve")[];
  /** A rule of another feature that grants what the scenario needs. */
  alsoNeeds?: (rule: EngineRbacRule) => boolean;
  run: (engine: ArkClient) => Promise<unknown>;
};
const signal = () => AbortSignal.timeout(15_000);
const ref = (name: string, target?: { type: string; name: string }) => ({ name, namespace: ns, conversationId: "", ...(target ? { target } : {}) });
const input = { userInput: "hello", conversationId: "c" };

async function withResolver<T>(engine: ArkClient, cache: "none" | "informer", use: (r: ClusterQueryResolver) => Promise<T>): Promise<T> {
  const resolver = new ClusterQueryResolver(engine, { cache, logger: silentLogger, serviceUrl: ({ port }) => `http://127.0.0.1:${port ?? 80}` });
  try {
    return await use(resolver);
  } finally {
    await resolver.close();
  }
}

// What an engine does, with the features each needs.
const SCENARIOS: Record<string, Scenario> = {
  "resolve a query": { needs: ["resolve"], run: (e) => withResolver(e, "none", (r) => r.resolve(ref("plain"), { ...input, signal: signal() })) },
  "model key from a Secret": { needs: ["resolve", "secrets"], run: (e) => withResolver(e, "none", (r) => r.resolve(ref("secret"), { ...input, signal: signal() })) },
  "agent with MCP tools": { needs: ["resolve", "tools"], run: (e) => withResolver(e, "none", (r) => r.resolve(ref("tools"), { ...input, signal: signal() })) },
  "stream to the broker": {
    needs: ["streaming"],
    run: (e) =>
      withResolver(e, "none", async (r) => {
        const stream = await r.brokerFor(ref("plain"), { agent: { name: "plain" } } as never);
        if (!stream) throw new Error("no broker stream");
      }),
  },
  "team member named by the controller": { needs: ["resolve", "teams"], run: (e) => withResolver(e, "none", (r) => r.resolve(ref("team", { type: "agent", name: "plain" }), { ...input, signal: signal() })) },
  // With every feature on, listing agents for a selector is granted by the cache rule (no duplicate selectors rule).
  "query with a selector": { needs: ["resolve", "selectors"], alsoNeeds: (r) => r.resources.includes("agents") && r.verbs.includes("list"), run: (e) => withResolver(e, "none", (r) => r.resolve(ref("selector"), { ...input, signal: signal() })) },
  "write the query's phase": { needs: ["resolve", "status"], run: (e) => withResolver(e, "none", (r) => r.statusWriter.updatePhase(ref("plain"), "running", "Running", "engine at work")) },
  "informer cache": {
    needs: ["cache"],
    run: (e) =>
      withResolver(e, "informer", async (r) => {
        const round = async () => {
          for (const name of ["secret", "tools"]) await r.resolve(ref(name), { ...input, signal: signal() });
          await r.resolve(ref("team", { type: "agent", name: "plain" }), { ...input, signal: signal() });
          await r.brokerFor(ref("plain"), { agent: { name: "plain" } } as never);
        };
        await round();
        const before = r.cacheStats.reads;
        await round();
        const direct = r.cacheStats.reads - before;
        if (direct > 0) throw new Error(`${direct} read(s) went to the API server after the informers synced`);
      }),
  },
  // What subQueryRunner does: create the Query, follow it (list + watch), cancel it when the tool call is aborted.
  "agent tool as a sub-query": {
    needs: ["agent-tools"],
    run: async (e) => {
      await e.queries.create({ metadata: { generateName: "sub-" }, spec: { input: "sub", target: { type: "agent", name: "plain" } } }, { dryRun: "All" });
      await e.queries.list({ limit: 1 });
      const watch = e.queries.watch({ synced: true })[Symbol.asyncIterator]();
      await watch.next();
      await watch.return?.();
      await e.queries.patch("plain", { spec: { cancel: false } }, { dryRun: "All" });
    },
  },
  "impersonate a query's service account": {
    needs: ["impersonation"],
    run: async () => {
      const as = new ArkClient({ kubeConfig: engineKubeConfig, namespace: ns, impersonate: { user: `system:serviceaccount:${ns}:default` }, logger: silentLogger });
      try {
        // The impersonated account has no permissions: Forbidden names it; a failed impersonation names the engine.
        await as.queries.get("plain").catch((error: unknown) => {
          if (error instanceof Error && error.message.includes(`system:serviceaccount:${ns}:default`)) return;
          throw error;
        });
      } finally {
        await as.close();
      }
    },
  },
};

async function failingScenarios(engine: ArkClient): Promise<string[]> {
  const failed: string[] = [];
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    try {
      await scenario.run(engine);
    } catch {
      failed.push(name);
    }
  }
  return failed;
}

type Rule = { apiGroups?: string[]; resources?: string[]; verbs?: string[] };
const ruleKey = (r: Rule) => `${r.apiGroups?.join()}|${r.resources?.join()}|${r.verbs?.join()}`;

async function applyRole(rules: ReturnType<typeof engineRbacRules>, removed?: Rule): Promise<void> {
  const role = engineManifests({ name: ENGINE, namespace: ns, image: "example/engine:1", features: ENGINE_FEATURES }).find((o) => o.kind === "Role") as KubernetesObject & { rules: unknown[] };
  role.rules = rules.map(({ apiGroups, resources, verbs }) => ({ apiGroups, resources, verbs }));
  await admin.applyManifest(yaml([role]), { force: true });
  // RBAC changes reach the authorizer through an informer: wait until the engine's own rules review shows them.
  const until = Date.now() + 10_000;
  for (;;) {
    const review = await engineTransport.request<{ status: { resourceRules: Rule[] } }>({
      method: "POST",
      path: "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
      body: { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectRulesReview", spec: { namespace: ns } },
      idempotent: false,
    });
    const seen = new Set(review.status.resourceRules.map(ruleKey));
    if (rules.every((r) => seen.has(ruleKey(r))) && (!removed || !seen.has(ruleKey(removed)))) return;
    if (Date.now() > until) assert.fail("the authorizer did not see the new Role within 10 s");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("engine manifests: least-privilege RBAC", { timeout: 300_000 }, () => {
  let engine: ArkClient;
  before(async () => {
    cluster = await testCluster();
    ns = await cluster.namespace("rbac");
    admin = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: silentLogger });
    await seed();
    engineKubeConfig = new KubeConfig();
    engineKubeConfig.loadFromFile(await cluster.userKubeconfig(`system:serviceaccount:${ns}:${ENGINE}`, ["system:serviceaccounts", `system:serviceaccounts:${ns}`]));
    engine = new ArkClient({ kubeConfig: engineKubeConfig, namespace: ns, logger: silentLogger });
    engineTransport = new Transport({ kubeConfig: engineKubeConfig });
  });
  after(async () => {
    await engine?.close();
    await engineTransport?.close();
    await admin?.close();
    await cluster?.close();
  });

  it("the generated manifests apply server-side: ServiceAccount, Role, RoleBinding, Deployment, Service, ExecutionEngine", async () => {
    const objects = engineManifests({ name: ENGINE, namespace: ns, image: "example/engine:1", features: ENGINE_FEATURES });
    const outcomes = await admin.applyManifest(yaml(objects.filter((o) => o.kind !== "ExecutionEngine")));
    assert.deepEqual(outcomes.map((o) => `${o.kind} ${o.action}`), ["ServiceAccount created", "Role created", "RoleBinding created", "Deployment created", "Service created"]);
    const deployment = outcomes[3]?.object as KubernetesObject & { spec: { template: { spec: { terminationGracePeriodSeconds: number; serviceAccountName: string; containers: { readinessProbe: { httpGet: { path: string } }; livenessProbe: { httpGet: { path: string } } }[] } } } };
    const pod = deployment.spec.template.spec;
    assert.equal(pod.serviceAccountName, ENGINE);
    assert.ok(pod.terminationGracePeriodSeconds > 25, "the grace period exceeds ExecutorApp's 25 s drain");
    assert.equal(pod.containers[0]?.readinessProbe.httpGet.path, "/ready");
    assert.equal(pod.containers[0]?.livenessProbe.httpGet.path, "/health");
    const ee = objects.find((o) => o.kind === "ExecutionEngine") as KubernetesObject & { spec: unknown };
    assert.deepEqual(ee.spec, { address: { valueFrom: { serviceRef: { name: ENGINE, port: "http" } } } });
  });

  it("with every rule, the engine's ServiceAccount can do every feature", async () => {
    await applyRole(engineRbacRules(ENGINE_FEATURES));
    assert.deepEqual(await failingScenarios(engine), []);
  });

  it("removing any one rule breaks exactly the features that need it", async () => {
    const rules = engineRbacRules(ENGINE_FEATURES);
    const report: string[] = [];
    for (let i = 0; i < rules.length; i++) {
      const removed = rules[i]!;
      await applyRole(rules.filter((_, j) => j !== i), removed);
      const expected = Object.entries(SCENARIOS).filter(([, s]) => s.needs.includes(removed.feature) || s.alsoNeeds?.(removed) === true).map(([name]) => name);
      const failed = await failingScenarios(engine);
      report.push(`${removed.feature} (${removed.verbs.join(",")} ${removed.resources.join(",")}): ${failed.join("; ")}`);
      assert.deepEqual(failed, expected, `without the ${removed.feature} rule (${removed.verbs} on ${removed.resources})`);
    }
    assert.equal(report.length, rules.length);
  });

  it("ark-sdk engine manifests prints them; ark-sdk apply -f applies the file (server dry run)", async () => {
    const out = { stdout: "", stderr: "" };
    const io = { isTty: false, out: (t: string) => void (out.stdout += t), err: (t: string) => void (out.stderr += t) };
    assert.equal(await main(["engine", "manifests", "--name", "cli-engine", "--image", "example/engine:1", "-n", ns, "--features", "tools,status"], io), 0, out.stderr);
    assert.match(out.stdout, /^# Execution engine "cli-engine".*\n# {3}resolve {7}get queries,agents,models,executionengines\n# {3}tools {9}get tools,mcpservers,a2atasks\n# {3}status {8}patch queries\/status\n/);
    const dir = await mkdtemp(join(tmpdir(), "ark-engine-"));
    try {
      await writeFile(join(dir, "engine.yaml"), out.stdout);
      const applied = { stdout: "", stderr: "" };
      const io2 = { isTty: false, out: (t: string) => void (applied.stdout += t), err: (t: string) => void (applied.stderr += t) };
      assert.equal(await main(["apply", "-f", join(dir, "engine.yaml"), "--dry-run", "--kubeconfig", cluster.kubeconfigPath], io2), 0, applied.stderr + applied.stdout);
      assert.deepEqual(applied.stdout.trim().split("\n").map((l) => l.split(" ")[0]), [
        "serviceaccount/cli-engine", "role/cli-engine", "rolebinding/cli-engine", "deployment/cli-engine", "service/cli-engine", "executionengine/cli-engine",
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const usage = { stdout: "", stderr: "" };
    const io3 = { isTty: false, out: (t: string) => void (usage.stdout += t), err: (t: string) => void (usage.stderr += t) };
    assert.equal(await main(["engine", "manifests", "--name", "x", "--image", "i", "--features", "tools,telepathy"], io3), 2);
    assert.match(usage.stderr, /unknown feature "telepathy"/);
  });

  it("the default features exclude agent tools and impersonation; cluster-wide engines get a ClusterRole", () => {
    const kinds = engineManifests({ name: "e", namespace: "n", image: "i", clusterWide: true }).map((o) => o.kind);
    assert.deepEqual(kinds, ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Service", "ExecutionEngine"]);
    const features = new Set(engineRbacRules().map((r) => r.feature));
    assert.ok(!features.has("agent-tools") && !features.has("impersonation"));
    assert.throws(() => engineRbacRules(["nope" as EngineFeature]), /unknown feature "nope"/);
    assert.deepEqual(engineRbacRules(["selectors"]).map((r) => `${r.feature}: ${r.verbs} ${r.resources}`), ["resolve: get queries,agents,models,executionengines", "selectors: list agents"]);
  });
});
