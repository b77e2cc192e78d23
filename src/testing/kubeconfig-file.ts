/** Writes kubeconfig files for the local control plane (TLS verified, never insecure). */
import { readFile, writeFile } from "node:fs/promises";
import { stringify } from "yaml";

/** Credentials of one kubeconfig user. */
export type KubeconfigCredentials = { token: string } | { clientCertificate: string; clientKey: string };

/** Writes a single-context kubeconfig; `caFile` is the API server's serving certificate bundle. */
export async function writeKubeconfig(path: string, opts: { server: string; caFile: string; user: string; credentials: KubeconfigCredentials; namespace?: string }): Promise<void> {
  const ca = await readFile(opts.caFile);
  const user =
    "token" in opts.credentials
      ? { token: opts.credentials.token }
      : {
          "client-certificate-data": (await readFile(opts.credentials.clientCertificate)).toString("base64"),
          "client-key-data": (await readFile(opts.credentials.clientKey)).toString("base64"),
        };
  const doc = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "ark-sdk-local", cluster: { server: opts.server, "certificate-authority-data": ca.toString("base64") } }],
    users: [{ name: opts.user, user }],
    contexts: [{ name: "ark-sdk-local", context: { cluster: "ark-sdk-local", user: opts.user, namespace: opts.namespace ?? "default" } }],
    "current-context": "ark-sdk-local",
    preferences: {},
  };
  await writeFile(path, stringify(doc), { mode: 0o600 });
}
