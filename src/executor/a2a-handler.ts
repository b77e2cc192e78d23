/**
 * The A2A JSON-RPC methods: `message/send` (blocking, as ARK calls it, or
 * not), `message/stream` (Server-Sent Events), `tasks/get` and
 * `tasks/cancel`. A blocking send answers with the agent Message ARK
 * expects; a failed execution answers with a JSON-RPC error, which ARK's
 * controller records as a failed query. Streaming and non-blocking calls
 * run as tasks that end `completed`, `failed` or `canceled`.
 */

import { wasLogged } from "./execution-log.js";
import { AsyncQueue } from "../core/async-queue.js";
import { randomUUID } from "node:crypto";
import type { Claims } from "../core/request-guard.js";
import type { Logger } from "../core/logger.js";
import { TERMINAL_TASK_STATES, type A2AArtifact, type A2AMessage, type A2AStreamEvent, type A2AProtocolTask } from "../protocol/a2a.js";
import { readSendParams, readTaskParams } from "../protocol/a2a-params.js";
import { ExecutionAbortedError, ExecutorError } from "./errors.js";
import { errorMessage } from "../core/errors.js";
import { conversationIdFor, type ExecutionRuntime } from "./execution-runtime.js";
import { JsonRpcError, JsonRpcErrorCode, rpcError, rpcResult, type JsonRpcId, type JsonRpcRequest, type JsonRpcResponse } from "../protocol/jsonrpc.js";
import { toJsonRpcError } from "./rpc-errors.js";
import { extractQueryRef } from "../protocol/query-extension.js";
import { sseEvent } from "../protocol/framing.js";
import { snapshotTask, type TaskRecord, type TaskStore } from "./task-store.js";

/** Who is calling and how to notice that they left. */
export interface RpcCallContext {
  caller?: Claims;
  /** Registers a listener called if the HTTP caller goes away; returns its remover. */
  onClientGone: (listener: () => void) => () => void;
  header: (name: string) => string | undefined;
}

/** What the app needs from its surroundings. */
export interface A2AHandlerDeps {
  runtime: ExecutionRuntime;
  tasks: TaskStore;
  logger: Logger;
  isDraining: () => boolean;
  /** Bytes of events a `message/stream` may hold for a client that is not reading before `ctx.streamChunk` waits (default 1 MiB). */
  maxStreamBufferBytes?: number;
}

/** Default of {@link A2AHandlerDeps.maxStreamBufferBytes}. */
export const DEFAULT_MAX_STREAM_BUFFER_BYTES = 1024 * 1024;

/** A JSON answer, or an event stream. */
export type RpcOutcome = { kind: "json"; status: number; body: JsonRpcResponse } | { kind: "sse"; events: AsyncIterable<string> };

const PUSH_METHODS = new Set([
  "tasks/pushNotificationConfig/set",
  "tasks/pushNotificationConfig/get",
  "tasks/pushNotificationConfig/list",
  "tasks/pushNotificationConfig/delete",
]);

/** Serves one JSON-RPC request. Never throws: every failure is a JSON-RPC error. */
export async function handleRpc(rpc: JsonRpcRequest, call: RpcCallContext, deps: A2AHandlerDeps): Promise<RpcOutcome> {
  try {
    switch (rpc.method) {
      case "message/send":
        return await messageSend(rpc, call, deps);
      case "message/stream":
        return messageStream(rpc, call, deps);
      case "tasks/get":
        return json(rpc.id, getTask(rpc, deps));
      case "tasks/cancel":
        return json(rpc.id, cancelTask(rpc, deps));
      case "tasks/resubscribe":
        throw new JsonRpcError(JsonRpcErrorCode.UnsupportedOperation, "tasks/resubscribe is not supported by this engine", { id: rpc.id });
      default:
        if (PUSH_METHODS.has(rpc.method)) {
          throw new JsonRpcError(-32003, "Push notifications are not supported by this engine", { id: rpc.id });
        }
        throw new JsonRpcError(JsonRpcErrorCode.MethodNotFound, `Method not found: ${rpc.method}`, { id: rpc.id });
    }
  } catch (error) {
    const rpcErr = toJsonRpcError(error, rpc.id);
    if (rpcErr.code === JsonRpcErrorCode.ExecutionFailed && !wasLogged(error)) deps.logger.error(`request failed: ${errorMessage(error)}`, { method: rpc.method });
    const status = rpcErr.code === JsonRpcErrorCode.ShuttingDown ? 503 : 200;
    return { kind: "json", status, body: rpcError(rpc.id, rpcErr.toObject()) };
  }
}

function json(id: JsonRpcId, result: unknown): RpcOutcome {
  return { kind: "json", status: 200, body: rpcResult(id, result) };
}

function refuseWhileDraining(rpc: JsonRpcRequest, deps: A2AHandlerDeps): void {
  if (deps.isDraining()) throw new JsonRpcError(JsonRpcErrorCode.ShuttingDown, "The engine is shutting down and accepts no new executions", { id: rpc.id });
}

async function messageSend(rpc: JsonRpcRequest, call: RpcCallContext, deps: A2AHandlerDeps): Promise<RpcOutcome> {
  const params = readSendParams(rpc.params);
  const ref = extractQueryRef(params.message.metadata);
  refuseWhileDraining(rpc, deps);
  const conversationId = conversationIdFor(params.message, ref);
  if (params.configuration?.blocking === false) {
    const record = startTask(params.message, ref, conversationId, call, deps, { linkClient: false });
    return json(rpc.id, snapshotTask(record, params.configuration.historyLength));
  }
  const answer = await deps.runtime.runQuery({
    message: params.message,
    ref,
    conversationId,
    caller: call.caller,
    onClientGone: call.onClientGone,
    header: call.header,
  });
  return json(rpc.id, answer);
}

function messageStream(rpc: JsonRpcRequest, call: RpcCallContext, deps: A2AHandlerDeps): RpcOutcome {
  const params = readSendParams(rpc.params);
  const ref = extractQueryRef(params.message.metadata);
  refuseWhileDraining(rpc, deps);
  const queue = new AsyncQueue<string>();
  // Listeners of "the caller stopped receiving": a hang-up, or the reply writer giving up on the stream.
  const goneListeners = new Set<() => void>();
  const onClientGone = (listener: () => void) => {
    const off = call.onClientGone(listener);
    goneListeners.add(listener);
    return () => {
      off();
      goneListeners.delete(listener);
    };
  };
  let ended = false;
  // Backpressure: events the writer has not taken yet are counted; past the limit, ctx.streamChunk waits until
  // the client has read half of them (the writer takes events only as fast as the socket drains).
  const limit = deps.maxStreamBufferBytes ?? DEFAULT_MAX_STREAM_BUFFER_BYTES;
  let buffered = 0;
  let waiting: (() => void)[] = [];
  const wake = () => {
    for (const resolve of waiting) resolve();
    waiting = [];
  };
  const task = startTask(params.message, ref, conversationIdFor(params.message, ref), { ...call, onClientGone }, deps, {
    linkClient: true,
    onEvent: (event, final) => {
      const text = sseEvent(rpcResult(rpc.id, event));
      buffered += text.length;
      queue.push(text);
      if (final) {
        ended = true;
        queue.close();
        wake();
      }
      if (buffered <= limit || ended) return undefined;
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
  });
  queue.push(sseEvent(rpcResult(rpc.id, snapshotTask(task))));
  async function* events(): AsyncGenerator<string> {
    try {
      for await (const text of queue) {
        buffered -= text.length;
        if (buffered <= limit / 2) wake();
        yield text;
      }
    } finally {
      wake();
      // The writer stopped before the final event (write failure, hang-up): the task must not run on unseen.
      if (!ended) for (const listener of [...goneListeners]) listener();
    }
  }
  return { kind: "sse", events: events() };
}

function findTask(rpc: JsonRpcRequest, deps: A2AHandlerDeps, id: string): TaskRecord {
  const record = deps.tasks.get(id);
  if (!record) throw new JsonRpcError(JsonRpcErrorCode.TaskNotFound, `Task not found: ${id}`, { id: rpc.id });
  return record;
}

function getTask(rpc: JsonRpcRequest, deps: A2AHandlerDeps): A2AProtocolTask {
  const { id, historyLength } = readTaskParams(rpc.params);
  return snapshotTask(findTask(rpc, deps, id).task, historyLength);
}

function cancelTask(rpc: JsonRpcRequest, deps: A2AHandlerDeps): A2AProtocolTask {
  const { id } = readTaskParams(rpc.params);
  const record = findTask(rpc, deps, id);
  const state = record.task.status.state;
  if (TERMINAL_TASK_STATES.has(state)) {
    throw new JsonRpcError(JsonRpcErrorCode.TaskNotCancelable, `Task ${id} is already ${state} and cannot be canceled`, { id: rpc.id });
  }
  record.cancel();
  deps.tasks.transition(id, "canceled", agentText(record.task, "Canceled by tasks/cancel"));
  return snapshotTask(record.task);
}

function agentText(task: A2AProtocolTask, text: string): A2AMessage {
  return { kind: "message", role: "agent", messageId: randomUUID(), taskId: task.id, contextId: task.contextId, parts: [{ kind: "text", text }] };
}

/** Creates a task and runs it in the background, reporting each change through `onEvent`. */
function startTask(
  message: A2AMessage,
  ref: ReturnType<typeof extractQueryRef>,
  conversationId: string,
  call: RpcCallContext,
  deps: A2AHandlerDeps,
  options: { linkClient: boolean; onEvent?: (event: A2AStreamEvent, final: boolean) => Promise<void> | undefined },
): A2AProtocolTask {
  const id = randomUUID();
  const cancel = new AbortController();
  const task: A2AProtocolTask = {
    kind: "task",
    id,
    contextId: conversationId,
    status: { state: "working", timestamp: new Date().toISOString() },
    history: [{ ...message, taskId: id, contextId: conversationId }],
  };
  deps.tasks.add({ task, cancel: () => cancel.abort() });
  const emit = options.onEvent ?? (() => undefined);
  const statusEvent = (final: boolean) =>
    emit({ kind: "status-update", taskId: id, contextId: conversationId, status: { ...task.status }, final }, final);
  const artifact: A2AArtifact = { artifactId: `${id}-response`, name: "response", parts: [] };
  let chunks = 0;
  const fail = (error: unknown) => {
    let canceled = false;
    let message: string;
    try {
      canceled = error instanceof ExecutionAbortedError && error.abortCause === "task-canceled";
      message = canceled ? "Canceled by tasks/cancel" : toJsonRpcError(error, null).message;
    } catch {
      message = errorMessage(error);
    }
    if (!canceled && !wasLogged(error)) deps.logger.warn(`task ${id} failed: ${message}`);
    deps.tasks.transition(id, canceled ? "canceled" : "failed", agentText(task, message));
  };
  deps.runtime
    .runQuery({
      message,
      ref,
      conversationId,
      taskId: id,
      caller: call.caller,
      onClientGone: options.linkClient ? call.onClientGone : undefined,
      taskSignal: cancel.signal,
      header: call.header,
      onChunk: (text) =>
        emit({ kind: "artifact-update", taskId: id, contextId: conversationId, artifact: { ...artifact, parts: [{ kind: "text", text }] }, append: chunks++ > 0, lastChunk: false }, false),
    })
    .then((answer) => {
      if (answer.kind === "task") {
        // Paused for tool approval: the task waits for input, with ARK's approval metadata.
        task.metadata = { ...answer.metadata };
        deps.tasks.transition(id, "input-required");
        return;
      }
      // Kept for tasks/get and sent as events: it must be plain JSON, whatever the engine put in it.
      const final = jsonCopy({ ...answer, taskId: id });
      task.history?.push(final);
      task.artifacts = [{ ...artifact, parts: final.parts }];
      deps.tasks.transition(id, "completed", final);
    })
    .catch(fail)
    .finally(() => {
      // A final event never says "working" (input-required is where a paused execution stops).
      if (!TERMINAL_TASK_STATES.has(task.status.state) && task.status.state !== "input-required") deps.tasks.transition(id, "failed", agentText(task, "Execution failed"));
      statusEvent(true);
    })
    .catch((error: unknown) => deps.logger.error(`task ${id}: reporting its end failed: ${errorMessage(error)}`));
  return task;
}

/** A plain-JSON copy of an engine's answer. @throws ExecutorError naming why it cannot be serialised */
function jsonCopy(answer: A2AMessage): A2AMessage {
  try {
    return JSON.parse(JSON.stringify(answer)) as A2AMessage;
  } catch (error) {
    throw new ExecutorError(`the engine's answer cannot be serialised as JSON (${errorMessage(error)})`);
  }
}

