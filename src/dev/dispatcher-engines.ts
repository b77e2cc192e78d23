/**
 * ARK v0.1.67's ExecutionEngine controller, as the dispatcher runs it: a new
 * engine goes to `running` ("Resolving execution engine address"), then its
 * `spec.address` is resolved once: `ready` with `status.lastResolvedAddress`,
 * or `error` ("Failed to resolve address: …", tried again a minute later).
 * A `ready` engine is never looked at again, so a later edit of
 * `spec.address` is ignored until the engine is recreated, as in ARK.
 */

import type { ArkClient } from "../ark/ark-client.js";
import type { ValueSourceResolver } from "../ark/value-source.js";
import { errorMessage } from "../core/errors.js";
import type { ExecutionEngine } from "../generated/index.js";

/** How long ARK waits before resolving an engine in `error` again. */
export const ENGINE_RETRY_MS = 60_000;

/** What one reconcile of an engine did. */
export interface EngineStep {
  /** The engine after the step. */
  engine: ExecutionEngine;
  /** Reconcile again after this long (`error`). */
  retryMs?: number;
}

async function writeStatus(ark: ArkClient, engine: ExecutionEngine, status: NonNullable<ExecutionEngine["status"]>): Promise<ExecutionEngine> {
  return ark.executionEngines.updateStatus({ ...engine, status: { ...engine.status, ...status } }, { namespace: engine.metadata?.namespace });
}

/** One reconcile of `engine` by ARK's rules. */
export async function reconcileEngine(ark: ArkClient, values: ValueSourceResolver, engine: ExecutionEngine): Promise<EngineStep> {
  const phase = engine.status?.phase;
  if (phase === "ready") return { engine };
  if (phase !== "running" && phase !== "error") {
    return { engine: await writeStatus(ark, engine, { phase: "running", message: "Resolving execution engine address" }) };
  }
  const namespace = engine.metadata?.namespace ?? "default";
  let address: string;
  try {
    address = await values.resolve(engine.spec?.address, namespace, `ExecutionEngine ${namespace}/${engine.metadata?.name ?? ""} spec.address`);
  } catch (error) {
    const failed = await writeStatus(ark, engine, { phase: "error", message: `Failed to resolve address: ${errorMessage(error)}` });
    return { engine: failed, retryMs: ENGINE_RETRY_MS };
  }
  return { engine: await writeStatus(ark, engine, { phase: "ready", message: "ExecutionEngine address resolved successfully", lastResolvedAddress: address }) };
}
