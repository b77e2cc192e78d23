// The client examples run as a user would run them (KUBECONFIG + ARK_NAMESPACE)
// against the control plane, and print what they promise.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { testCluster, type TestCluster } from "../helpers/cluster.js";

const run = promisify(execFile);
let cluster: TestCluster;

before(async () => {
  cluster = await testCluster();
});
after(async () => {
  await cluster?.close();
});

async function runExample(name: string, timeoutMs = 60_000): Promise<{ namespace: string; lines: string[] }> {
  const namespace = await cluster.namespace(`example-${name.replace(/\.ts$/, "")}`);
  const { stdout } = await run(process.execPath, ["--import", "tsx", `examples/${name}`], {
    timeout: timeoutMs,
    env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, ARK_NAMESPACE: namespace },
  });
  return { namespace, lines: stdout.trim().split("\n") };
}

async function example(name: string): Promise<string[]> {
  return (await runExample(name)).lines;
}

describe("client examples", () => {
  it("client-crud.ts walks through CRUD, patch, apply, status and typed errors", async () => {
    const lines = await example("client-crud.ts");
    assert.match(lines[0] ?? "", /^created Agent my-agent in example-client-crud-/);
    assert.deepEqual(lines.slice(1), [
      "updated prompt: Updated",
      "stale update -> ConflictError",
      "merge patch: description=(removed) tools=noop",
      'apply: prompt="Owned by the example" managers=ark-sdk,example',
      "status subresource: phase=done input unchanged=true",
      "duplicate create -> AlreadyExistsError",
      "invalid create -> ValidationError at spec.prompt (nothing sent)",
      "after delete: gone",
      "get after delete -> NotFoundError (404)",
    ]);
  });

  it("client-watch.ts shows informer handlers, typed watch events and waitFor", async () => {
    const lines = await example("client-watch.ts");
    assert.equal(lines[0], "informer ready with 0 agents");
    const informer = lines.filter((l) => l.startsWith("informer:"));
    assert.deepEqual(informer, ["informer: add watched", "informer: update watched (v1 -> v2)", "informer: delete watched"]);
    const watch = lines.filter((l) => l.startsWith("watch:"));
    assert.deepEqual(watch, ["watch: ADDED query q phase=-", "watch: MODIFIED query q phase=done", "watch: DELETED query q phase=done"]);
    assert.ok(lines.includes("waitFor: query q is done"));
    assert.equal(lines.at(-1), "informer now holds 0 agents");
  });

  it("client-manifest.ts applies a manifest and uses the secret and configuration stores", async () => {
    assert.deepEqual(await example("client-manifest.ts"), [
      'secret openai-key: length=16 tags=prod annotations={"ark.mckinsey.com/description":"OpenAI key"}',
      "secret keys: token (values are never listed)",
      "apply #0 Model/gpt: created",
      "apply #1 Agent/helper: created",
      "re-apply #0 Model/gpt: unchanged",
      "re-apply #1 Agent/helper: unchanged",
      "configuration default-model = gpt (model used when none is named; tags team1)",
      "cleaned up",
    ]);
  });
});

// Issue 11 §5, API-key auth parity. bcrypt at ark-api's cost makes this example slower than the others.
describe("API-key example", () => {
  it("api-key-guard.ts admits the created key, refuses a wrong secret and the key once deleted", async () => {
    const { namespace, lines } = await runExample("api-key-guard.ts", 120_000);
    const refused = `401 {"detail":"Invalid API key credentials or key not found in namespace ${namespace}"}`;
    assert.deepEqual(lines, [
      "created pk-ark-… (secret shown once: true)",
      'valid key -> 200 {"caller":"example client"}',
      `wrong secret -> ${refused}`,
      "listed: example client",
      `after delete -> ${refused}`,
      "listed after delete: 0",
    ]);
  });
});
