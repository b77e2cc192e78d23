/**
 * One control plane per test run, shared by every test file: a runner starts
 * it and publishes where it is (ARK_SDK_TEST_CONTROL_PLANE, a JSON file);
 * each file attaches with {@link testCluster} and works in its own namespace.
 * A file run on its own starts (and later stops) a plane of its own.
 */
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { KubeConfigLike } from "../core/kubeconfig-like.js";
import type { Closeable } from "../core/closeable.js";
import { ArkClient } from "../ark/ark-client.js";
import { ArkSdkError, errorMessage } from "../core/errors.js";
import { silentLogger } from "../core/logger.js";
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from "./control-plane.js";
import { clientCaFiles, issueClientCert } from "./pki.js";
import { writeKubeconfig } from "./kubeconfig-file.js";

/** The environment variable naming the shared plane's description file. */
export const SHARED_PLANE_ENV = "ARK_SDK_TEST_CONTROL_PLANE";

/** What a runner publishes about the plane it started. */
export interface PlaneInfo {
  server: string;
  kubeconfigPath: string;
  adminToken: string;
  caPem: string;
  dir: string;
}

function planeInfo(plane: ControlPlane): PlaneInfo {
  return { server: plane.server, kubeconfigPath: plane.kubeconfigPath, adminToken: plane.adminToken, caPem: plane.caPem, dir: plane.dir };
}

/** Writes `plane`'s description for {@link testCluster} to attach to. */
export async function publishControlPlane(plane: ControlPlane, path: string): Promise<void> {
  await writeFile(path, JSON.stringify(planeInfo(plane)), { mode: 0o600 });
}

/** A control plane as one test file sees it. */
export interface TestCluster extends Closeable {
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly kubeConfig: KubeConfigLike;
  /** The plane itself when this file started it (fault hooks live there); undefined when shared. */
  readonly plane?: ControlPlane;
  /** Creates a namespace with a unique name starting with `prefix`; returns its name. */
  namespace(prefix?: string): Promise<string>;
  /** A kubeconfig for a non-admin user (x509 client certificate). */
  userKubeconfig(name: string, groups?: readonly string[]): Promise<string>;
  /** Stops the plane if this file started it; otherwise only releases connections. */
  close(): Promise<void>;
}

/**
 * Attaches to the run's shared control plane, or starts one when none is
 * published. Call `close()` in an `after()` hook (or `await using cluster = await testCluster()`).
 */
export async function testCluster(options: ControlPlaneOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<TestCluster> {
  const infoPath = env[SHARED_PLANE_ENV];
  let info: PlaneInfo;
  let plane: ControlPlane | undefined;
  if (infoPath) {
    info = JSON.parse(await readFile(infoPath, "utf8")) as PlaneInfo;
  } else {
    plane = await startControlPlane(options);
    info = planeInfo(plane);
  }
  let kubeConfig: KubeConfigLike;
  if (plane) kubeConfig = plane.kubeConfig;
  else {
    const loaded = new KubeConfig();
    loaded.loadFromFile(info.kubeconfigPath);
    kubeConfig = loaded;
  }
  const admin = new ArkClient({ kubeConfig, logger: silentLogger });
  let seq = 0;
  const cluster: TestCluster = {
    server: info.server,
    kubeconfigPath: info.kubeconfigPath,
    kubeConfig,
    plane,
    async namespace(prefix = "test") {
      const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 40).replace(/-+$/, "");
      const name = `${clean}-${randomBytes(3).toString("hex")}`;
      try {
        await admin.core.namespaces.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
      } catch (error) {
        throw new ArkSdkError(`creating namespace ${name} failed: ${errorMessage(error)}`, { cause: error });
      }
      return name;
    },
    async userKubeconfig(name, groups = []) {
      if (plane) return plane.userKubeconfig(name, groups);
      const stem = `shared-user-${process.pid}-${++seq}`;
      const cert = await issueClientCert(clientCaFiles(info.dir), info.dir, stem, name, groups);
      const path = join(info.dir, `${stem}.kubeconfig`);
      await writeKubeconfig(path, { server: info.server, caFile: join(info.dir, "certs", "apiserver.crt"), user: name, credentials: { clientCertificate: cert.cert, clientKey: cert.key } });
      return path;
    },
    async close() {
      await admin.close();
      await plane?.close();
    },
    [Symbol.asyncDispose]: () => cluster.close(),
  };
  return cluster;
}
