// Shared by the client's cluster tests: hand-written descriptors of two ARK
// kinds (the generic client must serve any descriptor), a KubeConfig pointed
// at another address, and the test kit's TCP proxy that can silence or cut connections.
import { after, before } from "node:test";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
export { TcpProxy, redirectKubeConfig } from "../../src/testing/tcp-proxy.js";
import { ArkClient, type ArkClientOptions } from "../../src/ark/ark-client.js";
import type { KubernetesObject, ObjectMeta } from "../../src/core/meta.js";
import type { ResourceDescriptor } from "../../src/core/descriptor.js";

/** An Agent as these tests use it. */
export interface TestAgent extends KubernetesObject {
  metadata: ObjectMeta;
  spec: { prompt?: string; description?: string; modelRef?: { name: string }; tools?: { type: string; name: string }[] };
  status?: { conditions?: { type: string; status: string; reason: string; message: string; lastTransitionTime: string }[] };
}

/** A Query as these tests use it. */
export interface TestQuery extends KubernetesObject {
  metadata: ObjectMeta;
  spec: { input: unknown; target?: { type: string; name: string }; timeout?: string; cancel?: boolean };
  status?: { phase?: string; duration?: string };
}

const base = { group: "ark.mckinsey.com", version: "v1alpha1", apiVersion: "ark.mckinsey.com/v1alpha1", shortNames: [], namespaced: true, storage: true, subresources: { status: true }, printerColumns: [] };

export const testAgentDescriptor: ResourceDescriptor<TestAgent> = { ...base, kind: "Agent", listKind: "AgentList", plural: "agents", singular: "agent" };
export const testQueryDescriptor: ResourceDescriptor<TestQuery> = { ...base, kind: "Query", listKind: "QueryList", plural: "queries", singular: "query" };

/** What {@link useArkCluster} hands a test file. */
export interface ArkClusterContext {
  cluster: TestCluster;
  /** A fresh namespace of this file. */
  ns: string;
  /** An ArkClient defaulting to `ns`. */
  ark: ArkClient;
}

/**
 * Registers before/after hooks that attach to the shared control plane,
 * create a namespace named after `prefix` and an ArkClient in it, and release
 * them after the file's tests; `receive` gets them once ready.
 */
export function useArkCluster(prefix: string, receive: (context: ArkClusterContext) => void, options: Partial<ArkClientOptions> = {}): void {
  let context: ArkClusterContext | undefined;
  before(async () => {
    const cluster = await testCluster();
    const ns = await cluster.namespace(prefix);
    context = { cluster, ns, ark: new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, ...options }) };
    receive(context);
  });
  after(async () => {
    await context?.ark.close();
    await context?.cluster.close();
  });
}

/** Runs `fn` with up to `width` calls in flight. */
export async function inParallel<T>(count: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, count) }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await fn(i);
    }
  }));
  return out;
}
