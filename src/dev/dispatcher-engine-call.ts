/**
 * The dispatcher's two calls to an engine: the blocking A2A `message/send`
 * with the exact bytes ARK's controller sends (bounded by the Query's
 * timeout, abortable when the Query is canceled or deleted), and the A2A
 * `tasks/cancel` for a task the engine handed back.
 */

import { randomUUID } from "node:crypto";
import { CONTROLLER_REQUEST_HEADERS, readEngineResponse, type EngineOutcome } from "../protocol/controller-wire.js";
import { errorMessage } from "../core/errors.js";
import { linkAbort } from "../core/abort.js";

/** How a `message/send` ended. */
export type EngineCall =
  | { kind: "answered"; outcome: EngineOutcome }
  | { kind: "timeout" }
  | { kind: "aborted" }
  | { kind: "unreachable"; message: string };

/** Posts `body` (a JSON-RPC `message/send`) to `address` and reads the answer as ARK's controller does. */
export async function sendMessage(address: string, body: string, timeoutMs: number, signal: AbortSignal): Promise<EngineCall> {
  const call = linkAbort([signal], { timeoutMs });
  let response: Response;
  let text: string;
  try {
    response = await fetch(address, { method: "POST", headers: CONTROLLER_REQUEST_HEADERS, body, signal: call.signal });
    text = await response.text();
  } catch (error) {
    if (signal.aborted) return { kind: "aborted" };
    if (call.signal.aborted) return { kind: "timeout" };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { kind: "unreachable", message: `cannot reach the engine at ${address}: ${cause?.code ?? cause?.message ?? errorMessage(error)}` };
  } finally {
    call.close();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const excerpt = text.length > 300 ? `${text.slice(0, 300)}…` : text;
    return { kind: "answered", outcome: { kind: "error", message: `engine answered HTTP ${response.status} with a body that is not JSON: ${excerpt}` } };
  }
  const outcome = readEngineResponse(parsed);
  if (response.status !== 200 && outcome.kind !== "error") {
    return { kind: "answered", outcome: { kind: "error", message: `engine answered HTTP ${response.status}` } };
  }
  return { kind: "answered", outcome };
}

/** Asks the engine to cancel task `taskId` (A2A `tasks/cancel`); resolves to a problem description, or undefined on success. */
export async function cancelTask(address: string, taskId: string): Promise<string | undefined> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: randomUUID(), method: "tasks/cancel", params: { id: taskId } });
  try {
    const response = await fetch(address, { method: "POST", headers: CONTROLLER_REQUEST_HEADERS, body, signal: AbortSignal.timeout(5_000) });
    const answer = (await response.json()) as { error?: { message?: string } };
    return answer.error ? `engine refused tasks/cancel: ${answer.error.message ?? "unknown error"}` : undefined;
  } catch (error) {
    return `tasks/cancel failed: ${errorMessage(error)}`;
  }
}
