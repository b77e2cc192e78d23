// Raw JSON requests to a test cluster, so these tests see exactly what the
// API server answers (status codes, Status causes, pruned fields) without any
// client library in between.
import { request, type RequestOptions } from "node:https";
import type { KubeConfigLike, KubeHttpsOptions } from "../../../src/core/kubeconfig-like.js";

export interface KubeResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface StatusCause {
  field?: string;
  reason?: string;
  message?: string;
}

export async function kubeRequest(kc: KubeConfigLike, method: string, path: string, body?: unknown): Promise<KubeResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options as KubeHttpsOptions);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, cluster.server),
      { ...options, method, headers: { ...options.headers, accept: "application/json", ...(payload ? { "content-type": "application/json" } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** The `details.causes` of a failure Status. */
export function causesOf(res: KubeResponse): StatusCause[] {
  return ((res.body.details as { causes?: StatusCause[] } | undefined)?.causes ?? []).slice();
}

/** The REST collection path of a kind in a namespace (or cluster-wide). */
export function collectionPath(apiVersion: string, plural: string, namespace?: string): string {
  return namespace ? `/apis/${apiVersion}/namespaces/${namespace}/${plural}` : `/apis/${apiVersion}/${plural}`;
}
