/**
 * Where a Query goes, decided as ARK v0.1.67's controller decides it: the
 * target (`spec.target`, or the first Agent, Team, Model or Tool matching
 * `spec.selector`), then the address (`resolveDispatchAddress`): an agent
 * whose `spec.executionEngine` names an ExecutionEngine (other than `a2a`)
 * goes to that engine's `status.lastResolvedAddress`; every other target
 * (teams, models, tools, agents without an engine, A2A agents, missing
 * agents) goes to the namespace's `ark-completions` ExecutionEngine, else to
 * the central completions address (`--completions-addr`).
 */

import type { ArkClient } from "../ark/ark-client.js";
import type { KubernetesObject } from "../core/meta.js";
import type { ListOptions } from "../client/options.js";
import { formatSelector } from "../executor/cluster-resolver.js";
import type { ObjectCache } from "../client/object-cache.js";
import type { ExecutionEngine, Query, Target } from "../generated/index.js";
import { DispatchError } from "./dispatcher-errors.js";

/** The name of the per-namespace completions engine ARK prefers for targets without a named engine. */
export const COMPLETIONS_ENGINE_NAME = "ark-completions";

/** ARK's default `--completions-addr`: the central completions engine, reachable only inside ARK's cluster. */
export const DEFAULT_COMPLETIONS_ADDRESS = "http://ark-completions.ark-system";

/** The `spec.executionEngine.name` that marks an agent proxying to an A2AServer. */
const A2A_ENGINE = "a2a";

/** Where a Query is sent. */
export interface DispatchPlan {
  target: Target;
  /** The engine's resolved address (posted to with a trailing `/`). */
  address: string;
  /** The ExecutionEngine serving it, or `undefined` for the central completions address. */
  engine?: { name: string; namespace: string };
}

/** What target resolution reads with. */
export interface TargetDeps {
  ark: ArkClient;
  cache: ObjectCache;
  /** The central completions address (`--completions-addr`). */
  completionsAddress: string;
  /** Makes sure an engine never looked at yet gets its first resolution (ARK's ExecutionEngine controller would have done it by now). */
  settleEngine: (engine: ExecutionEngine, signal: AbortSignal) => Promise<ExecutionEngine>;
}

/** The first object of the namespace matching the selector, agents first, as ARK resolves a selector. */
async function targetBySelector(ark: ArkClient, query: Query, signal: AbortSignal): Promise<Target> {
  const namespace = query.metadata?.namespace;
  const labelSelector = formatSelector(query.spec?.selector ?? {});
  const options: ListOptions = { namespace, labelSelector, signal };
  const kinds: [Target["type"], string, () => Promise<{ items: KubernetesObject[] }>][] = [
    ["agent", "agents", () => ark.agents.listPage(options)],
    ["team", "teams", () => ark.teams.listPage(options)],
    ["model", "models", () => ark.models.listPage(options)],
    ["tool", "tools", () => ark.tools.listPage(options)],
  ];
  for (const [type, plural, firstPage] of kinds) {
    let page: { items: KubernetesObject[] };
    try {
      page = await firstPage();
    } catch (error) {
      throw new DispatchError(`failed to resolve selector: failed to list ${plural}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const name = page.items[0]?.metadata?.name;
    if (name) return { type, name };
  }
  throw new DispatchError("failed to resolve selector: no matching resources found for selector");
}

/**
 * The target of `query` (`ark` lists as the Query's service account when it
 * has one). @throws DispatchError with ARK's message when it has none or its
 * selector matches nothing
 */
export async function resolveTarget(ark: ArkClient, query: Query, signal: AbortSignal): Promise<Target> {
  const target = query.spec?.target;
  if (target) return { type: target.type, name: target.name };
  if (query.spec?.selector) return targetBySelector(ark, query, signal);
  throw new DispatchError("no target or selector specified");
}

/** The `ark-completions` engine's address in `namespace`, else the central completions address. */
async function defaultEngine(deps: TargetDeps, target: Target, namespace: string, signal: AbortSignal): Promise<DispatchPlan> {
  let engine = await deps.cache.get(deps.ark.executionEngines, namespace, COMPLETIONS_ENGINE_NAME, signal);
  if (engine) engine = await deps.settleEngine(engine, signal);
  const address = engine?.status?.lastResolvedAddress;
  if (address) return { target, address, engine: { name: COMPLETIONS_ENGINE_NAME, namespace } };
  return { target, address: deps.completionsAddress };
}

/**
 * Where `target` is served (ARK's `resolveDispatchAddress`).
 * @throws DispatchError with ARK's message when the agent's named engine is missing or not resolved yet
 */
export async function planDispatch(deps: TargetDeps, target: Target, namespace: string, signal: AbortSignal): Promise<DispatchPlan> {
  if (target.type !== "agent") return defaultEngine(deps, target, namespace, signal);
  const agent = await deps.cache.get(deps.ark.agents, namespace, target.name, signal);
  const ref = agent?.spec?.executionEngine;
  if (!ref || ref.name === A2A_ENGINE) return defaultEngine(deps, target, namespace, signal);
  const engineNamespace = ref.namespace || namespace;
  let engine = await deps.cache.get(deps.ark.executionEngines, engineNamespace, ref.name, signal);
  if (!engine) throw new DispatchError(`execution engine ${ref.name} not found in namespace ${engineNamespace}: executionengines.ark.mckinsey.com "${ref.name}" not found`);
  engine = await deps.settleEngine(engine, signal);
  const address = engine.status?.lastResolvedAddress;
  if (!address) throw new DispatchError(`execution engine ${ref.name} address not yet resolved`);
  return { target, address, engine: { name: ref.name, namespace: engineNamespace } };
}
