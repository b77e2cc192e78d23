/**
 * Deployment manifests for an execution engine, with least-privilege RBAC:
 * a ServiceAccount, a namespaced Role and RoleBinding (a ClusterRole and
 * ClusterRoleBinding only for an engine serving several namespaces), a
 * Deployment with readiness on `/ready` and liveness on `/health`, a Service
 * with a named port, and the ExecutionEngine whose `serviceRef` ARK resolves.
 *
 * The RBAC rules follow the features the engine uses; each rule says which
 * feature needs it, and a test on a real API server shows that removing any one
 * rule breaks exactly the feature that needs it.
 */

import { ArgumentError } from "../core/errors.js";
import type { KubernetesObject } from "../core/meta.js";

/**
 * What an engine does that needs API permissions beyond resolving a Query
 * (`get` on queries, agents, models and executionengines, always granted):
 *
 * - `secrets`: values from Secrets (model API keys, header values);
 * - `tools`: agents with tools (reads Tools and MCPServers);
 * - `streaming`: streaming to ARK's broker (reads the `ark-config-streaming` ConfigMap and the broker's Service);
 * - `teams`: Queries that target a Team (reads Teams to check the member the controller names);
 * - `selectors`: Queries with `spec.selector` (lists Agents; granted by `cache` when both are used);
 * - `status`: writing Query phases (`ctx.updateQueryPhase`, patches `queries/status`);
 * - `cache`: informer caching (list and watch of each kind read, and of Queries for cancellation);
 *   list/watch on Secrets keeps every Secret of the namespace in the engine's memory;
 * - `agent-tools`: agent and team tools run as sub-Queries (creates Queries, follows them with a watch, sets `spec.cancel` when the call is aborted);
 * - `impersonation`: Queries with `spec.serviceAccount` (impersonates service accounts).
 */
export type EngineFeature = "secrets" | "tools" | "streaming" | "teams" | "selectors" | "status" | "cache" | "agent-tools" | "impersonation";

/** Every feature, in the order rules are listed. */
export const ENGINE_FEATURES: readonly EngineFeature[] = ["secrets", "tools", "streaming", "teams", "selectors", "status", "cache", "agent-tools", "impersonation"];

/** The features of {@link engineManifests} when none are named: what `ExecutorApp` with `ClusterQueryResolver` uses by default. */
export const DEFAULT_ENGINE_FEATURES: readonly EngineFeature[] = ["secrets", "tools", "streaming", "teams", "selectors", "status", "cache"];

/** One RBAC rule and why the engine needs it. */
export interface EngineRbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  /** The feature that needs the rule; `resolve` for the core rules every engine needs. */
  feature: EngineFeature | "resolve";
}

/** Options of {@link engineManifests}. */
export interface EngineManifestOptions {
  /** The engine's name: of the ServiceAccount, Role, Deployment, Service and ExecutionEngine (a DNS-1123 label). */
  name: string;
  /** The namespace everything lives in. */
  namespace: string;
  /** The container image. */
  image: string;
  /** Features the engine uses (default {@link DEFAULT_ENGINE_FEATURES}). */
  features?: readonly EngineFeature[] | undefined;
  /** Grant the rules in every namespace (ClusterRole + ClusterRoleBinding) for an engine that serves several namespaces. Default false. */
  clusterWide?: boolean | undefined;
  /** The port the engine listens on (default 8000), named `http` in the Service and the ExecutionEngine's `serviceRef`. */
  port?: number | undefined;
  /** Replicas of the Deployment (default 1). */
  replicas?: number | undefined;
  /** `ExecutorApp`'s shutdown grace period, ms (default 25,000): the pod's termination grace period is set above it. */
  drainPeriodMs?: number | undefined;
  /** Container resources (default requests 50m CPU / 128Mi, limit 512Mi memory). */
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> } | undefined;
  /** The ExecutionEngine's description. */
  description?: string | undefined;
}

const ARK = "ark.mckinsey.com";
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * The RBAC rules an engine with `features` needs: one rule per feature (two
 * for `cache`, one per API group), so removing a rule removes exactly one
 * feature.
 */
export function engineRbacRules(features: readonly EngineFeature[] = DEFAULT_ENGINE_FEATURES): EngineRbacRule[] {
  for (const f of features) if (!ENGINE_FEATURES.includes(f)) throw new ArgumentError("features", `unknown feature "${f}" (known: ${ENGINE_FEATURES.join(", ")})`);
  const has = (f: EngineFeature) => features.includes(f);
  const rules: EngineRbacRule[] = [{ apiGroups: [ARK], resources: ["queries", "agents", "models", "executionengines"], verbs: ["get"], feature: "resolve" }];
  const cachedArk = ["queries", "agents", "models", "executionengines"];
  const cachedCore: string[] = [];
  if (has("secrets")) {
    rules.push({ apiGroups: [""], resources: ["secrets"], verbs: ["get"], feature: "secrets" });
    cachedCore.push("secrets");
  }
  if (has("tools")) {
    // a2atasks: the built-in tool approval reads the decision of the task a Query paused on.
    rules.push({ apiGroups: [ARK], resources: ["tools", "mcpservers", "a2atasks"], verbs: ["get"], feature: "tools" });
    cachedArk.push("tools", "mcpservers");
  }
  if (has("streaming")) {
    rules.push({ apiGroups: [""], resources: ["configmaps", "services"], verbs: ["get"], feature: "streaming" });
    cachedCore.push("configmaps", "services");
  }
  if (has("teams")) {
    rules.push({ apiGroups: [ARK], resources: ["teams"], verbs: ["get"], feature: "teams" });
    cachedArk.push("teams");
  }
  // With `cache`, the cache rule's list on agents serves selectors too: no second rule granting the same.
  if (has("selectors") && !has("cache")) rules.push({ apiGroups: [ARK], resources: ["agents"], verbs: ["list"], feature: "selectors" });
  if (has("status")) rules.push({ apiGroups: [ARK], resources: ["queries/status"], verbs: ["patch"], feature: "status" });
  if (has("cache")) {
    rules.push({ apiGroups: [ARK], resources: cachedArk, verbs: ["list", "watch"], feature: "cache" });
    if (cachedCore.length > 0) rules.push({ apiGroups: [""], resources: cachedCore, verbs: ["list", "watch"], feature: "cache" });
  }
  if (has("agent-tools")) rules.push({ apiGroups: [ARK], resources: ["queries"], verbs: ["create", "list", "watch", "patch"], feature: "agent-tools" });
  if (has("impersonation")) rules.push({ apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"], feature: "impersonation" });
  return rules;
}

/**
 * The manifests that deploy an engine, in the order to apply them. Apply them
 * with `ark.applyManifest(toYaml(...))`, `ark-sdk apply -f`, or
 * `kubectl apply --server-side -f`.
 */
export function engineManifests(options: EngineManifestOptions): KubernetesObject[] {
  const { name, namespace, image } = options;
  if (!NAME.test(name) || name.length > 63) throw new ArgumentError("name", `must be a DNS-1123 label (lowercase letters, digits, '-'), got ${JSON.stringify(name)}`);
  if (!NAME.test(namespace) || namespace.length > 63) throw new ArgumentError("namespace", `must be a DNS-1123 label, got ${JSON.stringify(namespace)}`);
  if (!image) throw new ArgumentError("image", "is required");
  const port = options.port ?? 8000;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ArgumentError("port", `must be a TCP port, got ${port}`);
  const drainSeconds = Math.ceil((options.drainPeriodMs ?? 25_000) / 1000);
  const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/component": "execution-engine", "app.kubernetes.io/managed-by": "ark-sdk" };
  const selector = { "app.kubernetes.io/name": name };
  const meta = { name, namespace, labels };
  const rules = engineRbacRules(options.features ?? DEFAULT_ENGINE_FEATURES).map(({ apiGroups, resources, verbs }) => ({ apiGroups, resources, verbs }));
  const clusterWide = options.clusterWide === true;
  const roleKind = clusterWide ? "ClusterRole" : "Role";
  const roleName = clusterWide ? `${namespace}-${name}` : name;
  const probe = (path: string, periodSeconds: number) => ({ httpGet: { path, port: "http" }, periodSeconds, timeoutSeconds: 2 });
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: roleKind, metadata: clusterWide ? { name: roleName, labels } : meta, rules } as KubernetesObject,
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: `${roleKind}Binding`,
      metadata: clusterWide ? { name: roleName, labels } : meta,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name: roleName },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    } as KubernetesObject,
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta,
      spec: {
        replicas: options.replicas ?? 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: name,
            terminationGracePeriodSeconds: drainSeconds + 5,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "engine",
                image,
                ports: [{ name: "http", containerPort: port, protocol: "TCP" }],
                env: [{ name: "PORT", value: String(port) }],
                readinessProbe: probe("/ready", 5),
                livenessProbe: { ...probe("/health", 10), failureThreshold: 3 },
                resources: options.resources ?? { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "512Mi" } },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
              },
            ],
          },
        },
      },
    } as KubernetesObject,
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta,
      spec: { selector, ports: [{ name: "http", port, targetPort: "http", protocol: "TCP" }] },
    } as KubernetesObject,
    {
      apiVersion: `${ARK}/v1prealpha1`,
      kind: "ExecutionEngine",
      metadata: meta,
      spec: {
        ...(options.description ? { description: options.description } : {}),
        // ARK resolves a serviceRef's port by its name ("http"), else the Service's first port.
        address: { valueFrom: { serviceRef: { name, port: "http" } } },
      },
    } as KubernetesObject,
  ];
}
