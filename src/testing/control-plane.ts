/**
 * A real Kubernetes control plane (etcd + kube-apiserver) on loopback, with
 * ARK's CRDs installed: what envtest is for Go, for ark-sdk's tests and yours.
 */
import { randomBytes } from "node:crypto";
import type { Closeable } from "../core/closeable.js";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import type { KubeConfigLike } from "../core/kubeconfig-like.js";
import { sleep } from "../core/backoff.js";
import { arkCustomResourceDefinitions } from "../generated/index.js";
import { ArkClient } from "../ark/ark-client.js";
import { silentLogger } from "../core/logger.js";
import { ReadinessProbe } from "./readiness.js";
import { findBinaries, type ControlPlaneBinaries } from "./binaries.js";
import { crdDescriptor, installCrds, type CrdObject } from "./crd-install.js";
import { ControlPlaneError } from "./errors.js";
import { createClientCa, issueClientCert, writeServiceAccountKeys, type ClientCa } from "./pki.js";
import { freePort, portInUse } from "./ports.js";
import { SupervisedProcess } from "./supervised-process.js";
import { writeKubeconfig } from "./kubeconfig-file.js";

/** A user known to the API server through the static token file. */
export interface StaticUser {
  name: string;
  groups?: string[];
}

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Which CRDs to install: ARK's (default), none, or the given objects. */
  crds?: "ark" | "none" | readonly CrdObject[] | undefined;
  /** Explicit binary paths (otherwise found as {@link findBinaries} says). */
  binaries?: Partial<ControlPlaneBinaries> | undefined;
  /** Users written into the static token file, for RBAC tests. */
  users?: readonly StaticUser[] | undefined;
  /** kube-apiserver's secure port (default: a free one). */
  apiServerPort?: number | undefined;
  /** etcd's client port (default: a free one). */
  etcdPort?: number | undefined;
  /** How long to wait for each process to be ready, in ms (default 60 000). */
  startTimeoutMs?: number | undefined;
  /** How long to wait for the CRDs to be Established, in ms (default 30 000). */
  crdTimeoutMs?: number | undefined;
  /** Extra kube-apiserver flags, e.g. `--audit-log-path=...`. */
  extraApiServerFlags?: readonly string[] | undefined;
  /** Parent folder of the plane's temporary folder (default: /dev/shm when present, for etcd's fsyncs). */
  tmpRoot?: string | undefined;
}

/** A running control plane. */
export interface ControlPlane extends Closeable {
  /** The API server's URL, `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** An admin kubeconfig (group `system:masters`), verifying the server's TLS certificate. */
  readonly kubeconfigPath: string;
  /** That kubeconfig, loaded. */
  readonly kubeConfig: KubeConfigLike;
  /** The admin bearer token. */
  readonly adminToken: string;
  /** PEM of the API server's serving certificate bundle (trust it to verify TLS). */
  readonly caPem: string;
  /** etcd's client URL. */
  readonly etcdUrl: string;
  /** The plane's temporary folder (removed by {@link ControlPlane.close}). */
  readonly dir: string;
  /**
   * A kubeconfig for a non-admin user in `groups`: a static token when the user
   * was declared in `options.users`, else a client certificate from the plane's CA.
   */
  userKubeconfig(name: string, groups?: readonly string[]): Promise<string>;
  /** Kills kube-apiserver (SIGKILL) and starts it again on the same port, cert and etcd. */
  restartApiServer(): Promise<void>;
  /** Kills kube-apiserver; the plane is unreachable until {@link ControlPlane.startApiServer}. */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again after {@link ControlPlane.stopApiServer} and waits until ready. */
  startApiServer(): Promise<void>;
  /** Compacts etcd up to its current revision: older resourceVersions then answer 410 Gone. */
  compactEtcd(): Promise<number>;
  /** Ends both processes and removes every temporary file. Idempotent. */
  close(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, proc: SupervisedProcess, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.isRunning) {
      const exit = await proc.exited;
      throw new ControlPlaneError("process-exited", `${proc.name} exited while starting (code ${exit.code}, signal ${exit.signal}).`, proc.name, proc.logTail());
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new ControlPlaneError("not-ready", `${proc.name} was not ${what} within ${timeoutMs} ms.`, proc.name, proc.logTail());
    await sleep(100);
  }
}

async function choosePort(requested: number | undefined, label: string): Promise<number> {
  if (requested === undefined) return freePort();
  if (await portInUse(requested)) {
    throw new ControlPlaneError("port-in-use", `Port ${requested} requested for ${label} is already in use on 127.0.0.1; pick another or omit it to get a free one.`, label);
  }
  return requested;
}

/**
 * Starts etcd and kube-apiserver on free loopback ports in a fresh temporary
 * folder and resolves once the API server is ready and the CRDs are Established.
 *
 * @throws ControlPlaneError when a binary is missing, a port is taken, a process
 *   dies while starting or a CRD is not Established in time; nothing is left running.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = findBinaries(options.binaries);
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const tmpRoot = options.tmpRoot ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
  const dir = await mkdtemp(join(tmpRoot, "ark-sdk-cp-"));
  const procs: SupervisedProcess[] = [];
  let installer: ArkClient | undefined;
  const cleanup = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await installer?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const etcdPort = await choosePort(options.etcdPort, "etcd");
    const peerPort = await freePort();
    const apiPort = await choosePort(options.apiServerPort, "kube-apiserver");
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const server = `https://127.0.0.1:${apiPort}`;
    const certDir = join(dir, "certs");
    await mkdir(certDir);

    const etcd = new SupervisedProcess(
      "etcd",
      binaries.etcd,
      [
        "--name", "ark-sdk", "--data-dir", join(dir, "etcd"),
        "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl,
        "--listen-peer-urls", `http://127.0.0.1:${peerPort}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${peerPort}`,
        "--initial-cluster", `ark-sdk=http://127.0.0.1:${peerPort}`,
        "--log-level", "warn",
      ],
      { logFile: join(dir, "etcd.log"), orphanCleanupDir: dir, env: { ...process.env, ETCD_UNSUPPORTED_ARCH: process.env.ETCD_UNSUPPORTED_ARCH ?? "" } },
    );
    procs.push(etcd);
    etcd.start();

    // Credentials: a static admin token, declared users, a client CA for the rest.
    const adminToken = randomBytes(24).toString("hex");
    const userTokens = new Map<string, { token: string; groups: string[] }>();
    const tokenLines = [`${adminToken},ark-sdk-admin,ark-sdk-admin,"system:masters"`];
    for (const [i, u] of (options.users ?? []).entries()) {
      const token = randomBytes(24).toString("hex");
      userTokens.set(u.name, { token, groups: [...(u.groups ?? [])] });
      tokenLines.push(`${token},${u.name},user-${i}${u.groups?.length ? `,"${u.groups.join(",")}"` : ""}`);
    }
    await writeFile(join(dir, "tokens.csv"), tokenLines.join("\n") + "\n", { mode: 0o600 });
    const sa = await writeServiceAccountKeys(dir);
    let clientCa: ClientCa | undefined;
    let clientCaError: unknown;
    try {
      clientCa = await createClientCa(dir);
    } catch (err) {
      clientCaError = err;
    }

    await waitFor(async () => (await fetch(`${etcdUrl}/health`)).ok, etcd, timeoutMs, "healthy");

    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      "--insecure-port=0",
      `--cert-dir=${certDir}`,
      `--token-auth-file=${join(dir, "tokens.csv")}`,
      ...(clientCa ? [`--client-ca-file=${clientCa.cert}`] : []),
      "--authorization-mode=RBAC",
      "--service-account-issuer=https://kubernetes.default.svc",
      `--service-account-key-file=${sa.publicKey}`,
      `--service-account-signing-key-file=${sa.privateKey}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--disable-admission-plugins=ServiceAccount",
      "--allow-privileged=true",
      "--profiling=false",
      ...(options.extraApiServerFlags ?? []),
    ];
    const apiserver = new SupervisedProcess("kube-apiserver", binaries.kubeApiserver, apiArgs, { logFile: join(dir, "kube-apiserver.log") });
    procs.push(apiserver);

    const caFile = join(certDir, "apiserver.crt");
    const waitApiReady = async () => {
      await waitFor(async () => existsSync(caFile), apiserver, timeoutMs, "writing its serving certificate");
      const caPem = await readFile(caFile, "utf8");
      const probe = new ReadinessProbe(server, caPem, adminToken);
      try {
        await waitFor(() => probe.ready(), apiserver, timeoutMs, "ready (/readyz)");
      } finally {
        probe.close();
      }
      return caPem;
    };
    apiserver.start();
    const caPem = await waitApiReady();

    const kubeconfigPath = join(dir, "admin.kubeconfig");
    await writeKubeconfig(kubeconfigPath, { server, caFile, user: "ark-sdk-admin", credentials: { token: adminToken } });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);

    const crds = options.crds === "none" ? [] : options.crds === undefined || options.crds === "ark" ? arkCustomResourceDefinitions() : options.crds;
    if (crds.length > 0) {
      installer = new ArkClient({ kubeConfig, logger: silentLogger, validate: false });
      await installCrds(installer.resource(crdDescriptor, { validate: false }), crds, options.crdTimeoutMs ?? 30_000);
      await installer.close();
      installer = undefined;
    }

    let stopped = false;
    let userSeq = 0;
    const plane: ControlPlane = {
      server,
      kubeconfigPath,
      kubeConfig,
      adminToken,
      caPem,
      etcdUrl,
      dir,
      async userKubeconfig(name, groups = []) {
        const path = join(dir, `user-${++userSeq}.kubeconfig`);
        const declared = userTokens.get(name);
        if (declared && sameGroups(declared.groups, groups)) {
          await writeKubeconfig(path, { server, caFile, user: name, credentials: { token: declared.token } });
          return path;
        }
        if (!clientCa) {
          throw clientCaError instanceof Error ? clientCaError : new ControlPlaneError("openssl-failed", "No client CA: openssl is unavailable.");
        }
        const cert = await issueClientCert(clientCa, dir, `user-${userSeq}`, name, groups);
        await writeKubeconfig(path, { server, caFile, user: name, credentials: { clientCertificate: cert.cert, clientKey: cert.key } });
        return path;
      },
      async stopApiServer() {
        await apiserver.stop();
      },
      async startApiServer() {
        if (await portInUse(apiPort)) await sleep(200);
        apiserver.start();
        await waitApiReady();
      },
      async restartApiServer() {
        await plane.stopApiServer();
        await plane.startApiServer();
      },
      async compactEtcd() {
        const range = await fetch(`${etcdUrl}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: Buffer.from("/").toString("base64") }) });
        const header = ((await range.json()) as { header?: { revision?: string } }).header;
        const revision = Number(header?.revision ?? 0);
        const res = await fetch(`${etcdUrl}/v3/kv/compaction`, { method: "POST", body: JSON.stringify({ revision: String(revision), physical: true }) });
        if (!res.ok) throw new ControlPlaneError("process-exited", `etcd compaction failed: ${res.status} ${await res.text()}`, "etcd", etcd.logTail());
        return revision;
      },
      async close() {
        if (stopped) return;
        stopped = true;
        await cleanup();
      },
      [Symbol.asyncDispose]: () => plane.close(),
    };
    return plane;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

function sameGroups(a: readonly string[], b: readonly string[]): boolean {
  const sortedB = [...b].sort();
  return a.length === b.length && [...a].sort().every((g, i) => g === sortedB[i]);
}
