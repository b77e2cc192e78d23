// examples/api-key-guard.ts runs as a user would run it (KUBECONFIG + ARK_NAMESPACE) against the control plane,
// and prints what it promises (issue 11 §5, API-key auth parity).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { testCluster, type TestCluster } from "../helpers/cluster.js";

const run = promisify(execFile);
let cluster: TestCluster;

before(async () => {
  cluster = await testCluster();
});
after(async () => {
  await cluster?.close();
});

describe("API-key example", () => {
  it("api-key-guard.ts admits the created key, refuses a wrong secret and the key once deleted", async () => {
    const namespace = await cluster.namespace("example-api-keys");
    const { stdout } = await run(process.execPath, ["--import", "tsx", "examples/api-key-guard.ts"], {
      timeout: 120_000,
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, ARK_NAMESPACE: namespace },
    });
    const refused = `401 {"detail":"Invalid API key credentials or key not found in namespace ${namespace}"}`;
    assert.deepEqual(stdout.trim().split("\n"), [
      "created pk-ark-… (secret shown once: true)",
      'valid key -> 200 {"caller":"example client"}',
      `wrong secret -> ${refused}`,
      "listed: example client",
      `after delete -> ${refused}`,
      "listed after delete: 0",
    ]);
  });
});
