/**
 * Applying a multi-document manifest (like `kubectl apply -f`), and ARK's
 * token secrets and configurations, which never return secret values or
 * foreign annotations.
 *
 *   KUBECONFIG=~/.kube/config ARK_NAMESPACE=default node --import tsx examples/client-manifest.ts
 */
import { ArkClient } from "ark-sdk";

const manifest = `
apiVersion: ark.mckinsey.com/v1alpha1
kind: Model
metadata: { name: gpt }
spec:
  provider: openai
  model: { value: gpt-4o-mini }
  config:
    openai:
      baseUrl: { value: "https://api.openai.com/v1" }
      apiKey: { valueFrom: { secretKeyRef: { name: openai-key, key: token } } }
---
apiVersion: ark.mckinsey.com/v1alpha1
kind: Agent
metadata: { name: helper }
spec: { prompt: "Be brief.", modelRef: { name: gpt } }
`;

const ark = await ArkClient.fromEnv({ namespace: process.env.ARK_NAMESPACE });
try {
  const secret = await ark.tokenSecrets.createSecret("openai-key", { token: "sk-example" }, "Opaque", { description: "OpenAI key", labels: ["prod"] });
  console.log(`secret ${secret.name}: length=${secret.secretLength} tags=${secret.labels.join(",")} annotations=${JSON.stringify(secret.annotations)}`);
  const detail = await ark.tokenSecrets.getSecret("openai-key");
  console.log(`secret keys: ${detail.keys.join(",")} (values are never listed)`);

  for (const outcome of await ark.applyManifest(manifest)) console.log(`apply #${outcome.index} ${outcome.kind}/${outcome.name}: ${outcome.action}`);
  for (const outcome of await ark.applyManifest(manifest)) console.log(`re-apply #${outcome.index} ${outcome.kind}/${outcome.name}: ${outcome.action}`);

  await ark.configurations.createConfiguration("default-model", "gpt", { description: "model used when none is named", labels: ["team1"] });
  const config = await ark.configurations.getConfiguration("default-model");
  console.log(`configuration ${config.name} = ${config.value} (${config.description}; tags ${config.labels.join(",")})`);

  await ark.configurations.deleteConfiguration("default-model");
  await ark.agents.delete("helper");
  await ark.models.delete("gpt");
  await ark.tokenSecrets.deleteSecret("openai-key");
  console.log("cleaned up");
} finally {
  await ark.close();
}
