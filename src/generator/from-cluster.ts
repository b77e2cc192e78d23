/**
 * Reads the CustomResourceDefinitions installed in a live cluster, so users
 * whose ARK is newer than this SDK can regenerate their own types.
 */
import { ArgumentError, ArkSdkError, ConfigError, errorMessage } from "../core/errors.js";
import { GeneratorError } from "./errors.js";
import { request, type RequestOptions } from "node:https";
import type { KubeConfigLike, KubeHttpsOptions } from "../core/kubeconfig-like.js";
import { asCrd, type CrdSource } from "./read-crds.js";

/** Which cluster and which CRDs. */
export interface ClusterCrdOptions {
  /** A loaded kubeconfig (its current context is used); default: the kubeconfig file below, else `KUBECONFIG`/`~/.kube/config`/in-cluster. */
  kubeConfig?: KubeConfigLike | undefined;
  /** A kubeconfig file to load instead of the default ones. */
  kubeconfigPath?: string | undefined;
  /** The context to use (default: the kubeconfig's current context); not with `kubeConfig`. */
  context?: string | undefined;
  /** API groups to keep (default `["ark.mckinsey.com"]`; `["*"]` keeps every CRD). */
  groups?: readonly string[] | undefined;
  signal?: AbortSignal | undefined;
}

const CRD_LIST_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

async function loadKubeConfig(options: ClusterCrdOptions): Promise<KubeConfigLike> {
  if (options.kubeConfig) {
    if (options.context) throw new ArgumentError("context", "readClusterCrds: `context` goes with a kubeconfig file, not with `kubeConfig` (select the context on it yourself)");
    return options.kubeConfig;
  }
  // Loaded only here: the client library is large and `generate --crds` never needs it.
  const { KubeConfig } = await import("@kubernetes/client-node");
  const kc = new KubeConfig();
  if (options.kubeconfigPath) kc.loadFromFile(options.kubeconfigPath);
  else kc.loadFromDefault();
  if (options.context) {
    if (!kc.getContextObject(options.context)) throw new ConfigError(`the kubeconfig has no context named "${options.context}"`);
    kc.setCurrentContext(options.context);
  }
  return kc;
}

function getJson(url: URL, options: RequestOptions, signal: AbortSignal | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, method: "GET", headers: { ...options.headers, accept: "application/json" }, signal, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new ArkSdkError(`no answer from ${url.origin} within 30 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** The CRDs of the selected groups installed in the cluster, sorted by name. */
export async function readClusterCrds(options: ClusterCrdOptions = {}): Promise<CrdSource[]> {
  const kc = await loadKubeConfig(options);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ConfigError(`the kubeconfig's context "${kc.getCurrentContext()}" names no cluster`);
  const httpsOptions: RequestOptions = {};
  await kc.applyToHTTPSOptions(httpsOptions as KubeHttpsOptions);
  const url = new URL(CRD_LIST_PATH, cluster.server);
  const origin = `cluster:${kc.getCurrentContext()}`;
  let answer: { status: number; body: string };
  try {
    answer = await getJson(url, httpsOptions, options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new GeneratorError({ file: origin }, `listing CustomResourceDefinitions from ${cluster.server} failed: ${errorMessage(error)}`);
  }
  const { status, body } = answer;
  if (status !== 200) throw new GeneratorError({ file: origin }, `listing CustomResourceDefinitions from ${cluster.server} failed with HTTP ${status}: ${body.slice(0, 300)}`);
  const items = (JSON.parse(body) as { items?: unknown[] }).items ?? [];
  const groups = options.groups ?? ["ark.mckinsey.com"];
  return items
    .map((item) => {
      // List items carry no apiVersion/kind of their own.
      const doc = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", ...(item as Record<string, unknown>) };
      const name = (doc as { metadata?: { name?: string } }).metadata?.name ?? "?";
      return { crd: asCrd(doc, `${origin}/${name}`), origin: `${origin}/${name}` };
    })
    .filter((s) => groups.includes("*") || groups.includes(s.crd.spec.group))
    .sort((a, b) => (a.crd.metadata.name < b.crd.metadata.name ? -1 : 1));
}
