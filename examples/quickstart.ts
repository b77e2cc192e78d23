/**
 * The quickstart: a local control plane with ARK's CRDs, and the typed client
 * creating, listing and deleting ARK resources on it.
 *
 *   npm run quickstart   (first run installs everything, then runs this)
 */
import { ArkClient } from "ark-sdk";
import { startControlPlane } from "ark-sdk/testing";

const step = (text: string) => console.log(`\n▸ ${text}`);

step("starting a local control plane (etcd + kube-apiserver, ARK CRDs)");
const started = Date.now();
const plane = await startControlPlane();
console.log(`  ready in ${Date.now() - started} ms at ${plane.server}`);
console.log(`  kubeconfig: ${plane.kubeconfigPath}`);

const ark = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "default" });
try {
  step("creating a Model and an Agent with the typed client");
  const model = await ark.models.create({
    metadata: { name: "demo-model" },
    spec: {
      provider: "openai",
      model: { value: "gpt-4o-mini" },
      config: { openai: { baseUrl: { value: "http://127.0.0.1:9/v1" }, apiKey: { value: "not-a-real-key" } } },
    },
  });
  console.log(`  created Model ${model.metadata?.name} (uid ${model.metadata?.uid})`);
  const agent = await ark.agents.create({
    metadata: { name: "demo-agent", labels: { app: "quickstart" } },
    spec: { prompt: "You are a helpful assistant.", modelRef: { name: "demo-model" } },
  });
  console.log(`  created Agent ${agent.metadata?.name} → model ${agent.spec?.modelRef?.name}`);

  step("listing Agents with label app=quickstart");
  for (const a of await ark.agents.list({ labelSelector: { app: "quickstart" } })) {
    console.log(`  - ${a.metadata?.name}: "${a.spec?.prompt}"`);
  }

  step("rejecting an invalid object before it is sent");
  try {
    // @ts-expect-error: provider must be one of the known providers, and model is required
    await ark.models.create({ metadata: { name: "broken" }, spec: { provider: 42 } });
  } catch (err) {
    console.log(`  ${(err as Error).name}: ${(err as Error).message.split("\n")[0]}`);
  }

  step("deleting what we created");
  await ark.agents.delete("demo-agent");
  await ark.models.delete("demo-model");
  console.log(`  agents left: ${(await ark.agents.list()).length}, models left: ${(await ark.models.list()).length}`);
} finally {
  await ark.close();
  await plane.stop();
  step("control plane stopped");
}
