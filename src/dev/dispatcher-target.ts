/**
 * Where a Query goes, decided as ARK's controller decides it: the target
 * (`spec.target`, or the first Agent, Team, Model or Tool matching
 * `spec.selector`), and for an agent on a named ExecutionEngine the engine's
 * resolved address, written back as `status.lastResolvedAddress` with phase
 * `ready`. Targets ARK runs on its own completions engine (models, teams,
 * tools, agents without an engine) need ARK's controller; the error says so.
 */

import type { ArkClient } from "../ark/ark-client.js";
import type { KubernetesObject } from "../core/meta.js";
import type { ListOptions } from "../client/options.js";
import { formatSelector } from "../executor/cluster-resolver.js";
import type { ObjectCache } from "../client/object-cache.js";
import type { ValueSourceResolver } from "../ark/value-source.js";
import type { ExecutionEngine, Query, Target } from "../generated/index.js";
import { DispatchError } from "./dispatcher-errors.js";
import { errorMessage } from "../core/errors.js";

/** A Query the dispatcher can send: to this engine, at this address. */
export interface DispatchPlan {
  target: Target;
  engine: { name: string; namespace: string };
  address: string;
}

/** What target resolution reads with. */
export interface TargetDeps {
  ark: ArkClient;
  cache: ObjectCache;
  values: ValueSourceResolver;
}

const NEEDS_CONTROLLER = "ARK's controller (with its completions engine) is needed for it; the ark-sdk dispatcher is a development stand-in that only dispatches agents whose spec.executionEngine names an ExecutionEngine";

/** The first object of the namespace matching the selector, agents first, as ARK resolves a selector. */
async function targetBySelector(deps: TargetDeps, query: Query, signal: AbortSignal): Promise<Target> {
  const namespace = query.metadata?.namespace;
  const labelSelector = formatSelector(query.spec?.selector ?? {});
  const options: ListOptions = { namespace, labelSelector, limit: 1, signal };
  const kinds: [Target["type"], () => Promise<{ items: KubernetesObject[] }>][] = [
    ["agent", () => deps.ark.agents.listPage(options)],
    ["team", () => deps.ark.teams.listPage(options)],
    ["model", () => deps.ark.models.listPage(options)],
    ["tool", () => deps.ark.tools.listPage(options)],
  ];
  for (const [type, firstPage] of kinds) {
    const page = await firstPage();
    const name = page.items[0]?.metadata?.name;
    if (name) return { type, name };
  }
  throw new DispatchError(`failed to resolve selector: no matching resources found for selector ${labelSelector || "(empty)"}`);
}

/** The target of `query`. @throws DispatchError when it has none or its selector matches nothing */
export async function resolveTarget(deps: TargetDeps, query: Query, signal: AbortSignal): Promise<Target> {
  const target = query.spec?.target;
  if (target?.type && target.name) return { type: target.type, name: target.name };
  if (query.spec?.selector) return targetBySelector(deps, query, signal);
  throw new DispatchError("no target or selector specified");
}

/**
 * Where `target` is served.
 * @throws DispatchError when the target, its engine or the engine's address is missing, or ARK's controller is needed
 */
export async function planDispatch(deps: TargetDeps, target: Target, namespace: string, signal: AbortSignal): Promise<DispatchPlan> {
  if (target.type !== "agent") throw new DispatchError(`cannot run ${target.type} "${target.name}": ${NEEDS_CONTROLLER}.`);
  const agent = await deps.cache.get(deps.ark.agents, namespace, target.name, signal);
  if (!agent) throw new DispatchError(`target agent "${target.name}" not found in namespace ${namespace}`);
  const ref = agent.spec?.executionEngine;
  if (!ref?.name) throw new DispatchError(`cannot run agent "${target.name}": it has no spec.executionEngine, so ARK runs it on its built-in completions engine; ${NEEDS_CONTROLLER}.`);
  if (ref.name === "a2a") throw new DispatchError(`cannot run agent "${target.name}": it proxies to an A2AServer (executionEngine "a2a"); ${NEEDS_CONTROLLER}.`);
  const engineNamespace = ref.namespace || namespace;
  const engine = await deps.cache.get(deps.ark.executionEngines, engineNamespace, ref.name, signal);
  if (!engine) throw new DispatchError(`execution engine ${ref.name} not found in namespace ${engineNamespace}`);
  const address = await resolveEngineAddress(deps, engine, engineNamespace);
  return { target, engine: { name: ref.name, namespace: engineNamespace }, address: address.replace(/\/+$/, "") };
}

/** Resolves the engine's `spec.address` and records it on the engine as ARK does. */
async function resolveEngineAddress(deps: TargetDeps, engine: ExecutionEngine, namespace: string): Promise<string> {
  const name = engine.metadata?.name ?? "";
  let address = "";
  let problem = "";
  try {
    address = await deps.values.resolve(engine.spec?.address, namespace, `ExecutionEngine ${namespace}/${name} spec.address`);
    if (!address) problem = "spec.address resolves to an empty value";
  } catch (error) {
    problem = errorMessage(error);
  }
  const status = problem ? { phase: "error", message: problem } : { phase: "ready", lastResolvedAddress: address, message: "Address resolved" };
  const current = engine.status ?? {};
  if (current.phase !== status.phase || current.lastResolvedAddress !== (status.lastResolvedAddress ?? current.lastResolvedAddress) || current.message !== status.message) {
    await deps.ark.executionEngines.patchStatus(name, { status }, { namespace });
  }
  if (problem) throw new DispatchError(`execution engine ${name} address not yet resolved: ${problem}`);
  return address;
}
