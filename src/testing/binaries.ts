/**
 * Finds the etcd and kube-apiserver binaries, in the envtest order:
 * KUBEBUILDER_ASSETS, then ARK_SDK_ETCD / ARK_SDK_KUBE_APISERVER, then the
 * ark-sdk cache that `ark-sdk control-plane setup` fills.
 */
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ControlPlaneError } from "./errors.js";

/** The kube-apiserver version the setup script builds. */
export const CONTROL_PLANE_VERSION = "v1.20.2";

/** Paths of the two control-plane binaries. */
export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
}

/** The cache folder the setup script installs into. */
export function controlPlaneCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.ARK_SDK_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(env.HOME ?? homedir(), ".cache"), "ark-sdk");
  return join(root, "control-plane", CONTROL_PLANE_VERSION);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where each binary would be looked for, in order, with the source it came from. */
export function binaryCandidates(env: NodeJS.ProcessEnv = process.env): { source: string; etcd?: string; kubeApiserver?: string }[] {
  const out: { source: string; etcd?: string; kubeApiserver?: string }[] = [];
  if (env.KUBEBUILDER_ASSETS) {
    out.push({ source: "KUBEBUILDER_ASSETS", etcd: join(env.KUBEBUILDER_ASSETS, "etcd"), kubeApiserver: join(env.KUBEBUILDER_ASSETS, "kube-apiserver") });
  }
  if (env.ARK_SDK_ETCD || env.ARK_SDK_KUBE_APISERVER) {
    out.push({ source: "ARK_SDK_ETCD/ARK_SDK_KUBE_APISERVER", etcd: env.ARK_SDK_ETCD, kubeApiserver: env.ARK_SDK_KUBE_APISERVER });
  }
  const cache = controlPlaneCacheDir(env);
  out.push({ source: `cache ${cache}`, etcd: join(cache, "etcd"), kubeApiserver: join(cache, "kube-apiserver") });
  return out;
}

/**
 * Resolves both binaries, each from the first source that has it.
 * @throws ControlPlaneError (`missing-binary`) saying where it looked and how to install.
 */
export function findBinaries(overrides: Partial<ControlPlaneBinaries> = {}, env: NodeJS.ProcessEnv = process.env): ControlPlaneBinaries {
  const candidates = binaryCandidates(env);
  const pick = (which: "etcd" | "kubeApiserver", label: string): string => {
    const explicit = overrides[which];
    if (explicit) {
      if (isExecutable(explicit)) return explicit;
      throw new ControlPlaneError("missing-binary", `${label} binary ${explicit} (given in options) is missing or not executable.`, label);
    }
    const looked: string[] = [];
    for (const c of candidates) {
      const p = c[which];
      if (!p) continue;
      if (isExecutable(p)) return p;
      looked.push(`${p} (${c.source})`);
    }
    throw new ControlPlaneError(
      "missing-binary",
      `${label} binary not found. Looked in: ${looked.join(", ")}. ` +
        "Run `npx ark-sdk control-plane setup` to install it, or point KUBEBUILDER_ASSETS at a folder holding etcd and kube-apiserver.",
      label,
    );
  };
  return { etcd: pick("etcd", "etcd"), kubeApiserver: pick("kubeApiserver", "kube-apiserver") };
}
