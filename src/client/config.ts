/**
 * Where the client's configuration comes from, in the order the Python SDK
 * uses, with client-node's `KubeConfig` doing all the parsing and auth:
 *
 * 1. an explicit kubeconfig file (`kubeconfig` option), else
 * 2. `KUBECONFIG` (a list of files, merged) or `~/.kube/config`, else
 * 3. the in-cluster service account (`KUBERNETES_SERVICE_HOST` + token file),
 * else a {@link ConfigError}. `context` selects a kubeconfig context.
 *
 * The default namespace: the `namespace` option, else the in-cluster
 * namespace file (when it exists, even if a kubeconfig was loaded: that is
 * the Python SDK's `get_context()` rule), else the kubeconfig context's
 * namespace, else `default`.
 */

import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { KubeConfigLike } from "../core/kubeconfig-like.js";
import { ConfigError } from "./errors.js";
import { errorMessage } from "../core/errors.js";
import type { Logger } from "../core/logger.js";

/** The service-account folder mounted into pods. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** Inputs of {@link loadConfig}; all optional. */
export interface LoadConfigOptions {
  /** A kubeconfig file to use instead of `KUBECONFIG` / `~/.kube/config`. */
  kubeconfig?: string | undefined;
  /** A context of the kubeconfig (default: its current context). */
  context?: string | undefined;
  /** The namespace, overriding every other source. */
  namespace?: string | undefined;
  /** Environment to read (default `process.env`). */
  env?: NodeJS.ProcessEnv | undefined;
  /** Service-account folder (default `/var/run/secrets/kubernetes.io/serviceaccount`); for tests and unusual mounts. */
  serviceAccountDir?: string | undefined;
  logger?: Logger | undefined;
}

/** What {@link loadConfig} chose. */
export interface LoadedConfig {
  kubeConfig: KubeConfigLike;
  namespace: string;
  /** Which source the configuration came from. */
  source: "kubeconfig-file" | "kubeconfig-env" | "kubeconfig-home" | "in-cluster";
  /** Which source the namespace came from. */
  namespaceSource: "option" | "service-account" | "context" | "default";
}

function readNamespaceFile(dir: string): string | undefined {
  try {
    const value = readFileSync(join(dir, "namespace"), "utf8").trim();
    return value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

/**
 * Loads the configuration as described in this module's documentation.
 * client-node is imported here, on first use, not when ark-sdk is imported:
 * it costs about a second of start-up that most processes never need.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const env = options.env ?? process.env;
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const kubeConfig = new KubeConfig();
  let source: LoadedConfig["source"];
  try {
    if (options.kubeconfig) {
      kubeConfig.loadFromFile(options.kubeconfig);
      source = "kubeconfig-file";
    } else if (env.KUBECONFIG && env.KUBECONFIG.trim() !== "") {
      const files = env.KUBECONFIG.split(process.platform === "win32" ? ";" : ":").filter((f) => f !== "");
      const missing = files.filter((f) => !existsSync(f));
      if (missing.length === files.length) throw new ConfigError(`KUBECONFIG names no existing file: ${env.KUBECONFIG}`);
      kubeConfig.loadFromFile(files.find((f) => existsSync(f)) as string);
      for (const file of files.filter((f) => existsSync(f)).slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(file);
        kubeConfig.mergeConfig(more, true);
      }
      source = "kubeconfig-env";
    } else if (existsSync(join(env.HOME ?? homedir(), ".kube", "config"))) {
      kubeConfig.loadFromFile(join(env.HOME ?? homedir(), ".kube", "config"));
      source = "kubeconfig-home";
    } else if (env.KUBERNETES_SERVICE_HOST && existsSync(join(saDir, "token"))) {
      loadInCluster(kubeConfig, env, saDir);
      source = "in-cluster";
    } else {
      throw new ConfigError("no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account");
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`could not load Kubernetes configuration: ${errorMessage(error)}`, { cause: error });
  }
  if (options.context) {
    if (!kubeConfig.getContextObject(options.context)) {
      throw new ConfigError(`kubeconfig has no context "${options.context}" (has: ${kubeConfig.getContexts().map((c) => c.name).join(", ") || "none"})`);
    }
    kubeConfig.setCurrentContext(options.context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new ConfigError(`kubeconfig context "${kubeConfig.getCurrentContext() ?? ""}" does not name a known cluster`);
  }
  const resolved = resolveNamespace(kubeConfig, options.namespace, saDir);
  options.logger?.debug("kubernetes configuration chosen", {
    source, context: kubeConfig.getCurrentContext(), server: kubeConfig.getCurrentCluster()?.server,
    namespace: resolved.namespace, namespaceSource: resolved.namespaceSource,
  });
  return { kubeConfig, source, ...resolved };
}

/** The namespace rule of this module, for an already loaded KubeConfig. */
export function resolveNamespace(kubeConfig: KubeConfigLike, explicit: string | undefined, serviceAccountDir = SERVICE_ACCOUNT_DIR): Pick<LoadedConfig, "namespace" | "namespaceSource"> {
  if (explicit) return { namespace: explicit, namespaceSource: "option" };
  const fromFile = readNamespaceFile(serviceAccountDir);
  if (fromFile) return { namespace: fromFile, namespaceSource: "service-account" };
  const fromContext = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  if (fromContext) return { namespace: fromContext, namespaceSource: "context" };
  return { namespace: "default", namespaceSource: "default" };
}

function loadInCluster(kubeConfig: KubeConfig, env: NodeJS.ProcessEnv, saDir: string): void {
  if (saDir === SERVICE_ACCOUNT_DIR && env === process.env) {
    kubeConfig.loadFromCluster();
    return;
  }
  // Same as client-node's loadFromCluster, for a non-standard folder or environment.
  const host = env.KUBERNETES_SERVICE_HOST ?? "";
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  const hostPart = host.includes(":") ? `[${host}]` : host;
  kubeConfig.loadFromOptions({
    clusters: [{ name: "inCluster", server: `https://${hostPart}:${port}`, caFile: join(saDir, "ca.crt"), skipTLSVerify: false }],
    users: [{ name: "inClusterUser", authProvider: { name: "tokenFile", config: { tokenFile: join(saDir, "token") } } }],
    contexts: [{ name: "inClusterContext", cluster: "inCluster", user: "inClusterUser", namespace: readNamespaceFile(saDir) }],
    currentContext: "inClusterContext",
  });
}
