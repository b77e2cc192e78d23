// Shared by the client's cluster tests: hand-written descriptors of two ARK
// kinds (the generic client must serve any descriptor), a KubeConfig pointed
// at another address, and a TCP proxy that can silence or cut connections.
import net from "node:net";
import { after, before } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
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

/** A copy of `kubeConfig` whose current cluster points at `server` (same CA and credentials). */
export function redirectKubeConfig(kubeConfig: KubeConfig, server: string): KubeConfig {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("no current cluster");
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kubeConfig.getClusters().map((c) => (c.name === cluster.name ? { ...c, server } : c)),
    users: kubeConfig.getUsers(),
    contexts: kubeConfig.getContexts(),
    currentContext: kubeConfig.getCurrentContext(),
  });
  return copy;
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

/**
 * A loopback TCP proxy in front of the API server. `freeze()` silences the
 * open connections without closing them (a dead peer, as after a network
 * partition); `block()` also refuses new ones until `unblock()`.
 */
export class TcpProxy {
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private blocked = false;
  private readonly server: net.Server;
  private listeningPort = 0;

  private constructor(targetPort: number) {
    this.server = net.createServer((client) => {
      if (this.blocked) {
        client.destroy();
        return;
      }
      const upstream = net.connect(targetPort, "127.0.0.1");
      const pair = { client, upstream };
      this.pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
    });
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
    proxy.listeningPort = (proxy.server.address() as net.AddressInfo).port;
    return proxy;
  }

  /** The proxy's port on 127.0.0.1. */
  get port(): number {
    return this.listeningPort;
  }

  /** Open connections. */
  get connections(): number {
    return this.pairs.size;
  }

  /** Stops forwarding bytes on every open connection; they stay open. */
  freeze(): void {
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Cuts every open connection and refuses new ones. */
  block(): void {
    this.blocked = true;
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** Accepts connections again. */
  unblock(): void {
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.block();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
