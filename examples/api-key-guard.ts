/**
 * ARK API keys, as ARK's API server issues them, guarding a fetch-style handler:
 * create a key (its secret is shown once), call with it, then revoke it.
 *
 *   KUBECONFIG=~/.kube/config ARK_NAMESPACE=default node --import tsx examples/api-key-guard.ts
 *
 * (No cluster? `npx ark-sdk control-plane up` starts a local one and prints its kubeconfig.)
 */
import { ArkClient } from "ark-sdk";
import { apiKeyAuth, createBasicAuthHeader, withGuard } from "ark-sdk/auth";

const ark = await ArkClient.fromEnv({ namespace: process.env.ARK_NAMESPACE });
try {
  const handle = withGuard(apiKeyAuth(ark.apiKeys.verify, { namespace: ark.apiKeys.namespace }), (_request, claims) =>
    Response.json({ caller: claims?.["name"] }),
  );
  const call = async (label: string, publicKey: string, secretKey: string) => {
    const response = await handle(new Request("http://engine.local/", { method: "POST", headers: { authorization: createBasicAuthHeader(publicKey, secretKey) } }));
    console.log(`${label} -> ${response.status} ${await response.text()}`);
  };

  const key = await ark.apiKeys.create({ name: "example client" });
  console.log(`created ${key.publicKey.slice(0, 7)}… (secret shown once: ${key.secretKey.startsWith("sk-ark-")})`);
  await call("valid key", key.publicKey, key.secretKey);
  await call("wrong secret", key.publicKey, "sk-ark-not-the-secret");
  console.log(`listed: ${(await ark.apiKeys.list()).items.map((k) => k.name).join(", ")}`);
  await ark.apiKeys.delete(key.publicKey);
  await call("after delete", key.publicKey, key.secretKey);
  console.log(`listed after delete: ${(await ark.apiKeys.list()).count}`);
} finally {
  await ark.close();
}
