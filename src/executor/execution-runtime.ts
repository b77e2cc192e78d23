/**
 * Runs executions: resolves the Query, wires cancellation (task cancel,
 * `spec.cancel`, deadline, shutdown, hang-up) into `ctx.signal`, calls the
 * engine, streams to the broker in ARK's order (memory messages → fallback
 * chunk → final chunk → complete) and builds the answer ARK reads. Tracks
 * in-flight executions so shutdown can drain them.
 */

import { randomUUID } from "node:crypto";
import type { Claims } from "../core/request-guard.js";
import type { Logger } from "../core/logger.js";
import type { A2AMessage, A2AProtocolTask } from "../protocol/a2a.js";
import type { ApprovalGate } from "./tools/approval.js";
import type { BaseExecutor } from "./base-executor.js";
import type { BrokerStream } from "./broker-client.js";
import { textOfParts } from "../protocol/controller-wire.js";
import { ExecutorError } from "./errors.js";
import { ExecutionLog, type LoggedExecution } from "./execution-log.js";
import { errorMessage } from "../core/errors.js";
import { ExecutionRun } from "./execution-context.js";
import { responseText, toWireMessage, toWireTokenUsage, type Message, type TokenUsage, type WireMessage } from "../protocol/messages.js";
import { QUERY_EXTENSION_METADATA_KEY, type QueryRef } from "../protocol/query-extension.js";
import type { QueryResolver, ResolvedQuery, ResolveInput } from "./query-resolver.js";
import type { ExecutionSpan, ExecutionTracing } from "./telemetry.js";
import type { ExecutionEngineRequest } from "./types.js";

/** Options of {@link ExecutionRuntime}. */
export interface ExecutionRuntimeOptions {
  logger: Logger;
  /** Upper bound on any execution, ms, on top of the Query's own timeout. */
  maxExecutionMs?: number | undefined;
  /** Resolves to the tracer when OpenTelemetry is on. */
  tracing: Promise<ExecutionTracing | undefined>;
}

/** One A2A execution to run. */
export interface QueryRunInput {
  message: A2AMessage;
  ref: QueryRef;
  /** The conversation scope (see {@link conversationIdFor}). */
  conversationId: string;
  /** The A2A task's id; when absent, one is made if the execution asks for it (`ctx.taskId`). */
  taskId?: string;
  caller?: Claims;
  /** Registers a listener called if the caller hangs up; returns its remover. */
  onClientGone?: (listener: () => void) => () => void;
  /** `tasks/cancel` for this task. */
  taskSignal?: AbortSignal;
  /** Receives text chunks (A2A streaming clients). */
  onChunk?: (text: string) => Promise<void> | undefined;
  /** Request headers (trace context). */
  header: (name: string) => string | undefined;
}

/** What an execution produced. */
export interface ExecutionResult {
  messages: Message[];
  usage: TokenUsage | undefined;
}

/** Runs executions and keeps count of them. */
export class ExecutionRuntime {
  /**
   * Running executions, each knowing its index (removal swaps the last one in).
   * An array rather than a Set or Map: adding and deleting a key per request
   * churns a hash table, which measurably costs on the hot path.
   */
  private readonly inflight: ExecutionRun[] = [];
  private shuttingDown = false;
  private readonly idleWaiters = new Set<() => void>();
  private readonly executor: BaseExecutor;
  private readonly resolver: () => QueryResolver | Promise<QueryResolver>;
  private readonly options: ExecutionRuntimeOptions;
  private readonly log: ExecutionLog;

  constructor(executor: BaseExecutor, resolver: () => QueryResolver | Promise<QueryResolver>, options: ExecutionRuntimeOptions) {
    this.executor = executor;
    this.resolver = resolver;
    this.options = options;
    this.log = new ExecutionLog(options.logger);
    void options.tracing.then((tracing) => {
      this.tracing = tracing;
      this.tracingLoaded = true;
    });
  }

  private tracing: ExecutionTracing | undefined;
  private tracingLoaded = false;

  /** Executions currently running. */
  get inflightCount(): number {
    return this.inflight.length;
  }

  /** Aborts every running (and future) execution with cause `shutdown`. */
  abortAll(): void {
    this.shuttingDown = true;
    for (const run of [...this.inflight]) run.abort("shutdown");
  }

  /** Resolves when no execution is running. */
  whenIdle(): Promise<void> {
    if (this.inflight.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.add(resolve));
  }

  /**
   * Runs the Query a message refers to and returns the agent message ARK
   * reads, or the input-required Task when a tool call paused the execution
   * for human approval (built-in approval of the cluster resolver).
   */
  async runQuery(input: QueryRunInput): Promise<A2AMessage | A2AProtocolTask> {
    const { message, ref, conversationId } = input;
    const run = this.startRun(ref, conversationId, input.taskId, input.caller, input.onChunk);
    run.linkCallback(input.onClientGone, "client-disconnected");
    run.linkAbort(input.taskSignal, "task-canceled");
    run.setDeadline(this.options.maxExecutionMs);
    const logged: LoggedExecution = { ref, taskId: input.taskId };
    const startedAt = this.log.started(logged);
    const tracing = this.tracingLoaded ? this.tracing : await this.options.tracing;
    const span = tracing?.startSpan("ark.executor.execute", input.header, {
      "ark.engine": this.executor.engineName,
      "ark.query.name": ref.name,
      "ark.query.namespace": ref.namespace,
      "ark.conversation.id": conversationId,
      // The names ARK's controller gives the same facts on its spans.
      "query.name": ref.name,
      "query.namespace": ref.namespace,
      "conversation.id": conversationId,
    });
    let resolved: ResolvedQuery | undefined;
    let broker: BrokerStream | undefined;
    try {
      const pending = this.resolver();
      const resolver = "resolve" in pending ? pending : await this.interruptible(run, pending);
      const call = new ResolveCall(textOfParts(message.parts), conversationId, run);
      resolved = await this.interruptible(run, resolver.resolve(ref, call));
      run.linkAbort(resolved.cancelSignal, "query-canceled");
      run.linkCallback(resolved.onCancel, "query-canceled");
      run.setDeadline(resolved.timeoutMs);
      const request = resolved.request;
      logged.agent = request.agent.name;
      if (span) describeRequest(span, request);
      if (!run.isSubTarget) {
        run.sinks.status = resolver.statusWriter;
        // No allocation here: history() asks the resolver only when the engine calls it.
        if (resolver.memoryFor) run.historySource = resolver as Required<Pick<QueryResolver, "memoryFor">>;
        broker = resolver.brokerFor ? await this.discoverBroker(resolver, ref, request, call) : undefined;
        run.sinks.broker = broker;
      }
      run.attachTools(request, resolved.tools);
      const gate = resolved.tools?.approvals;
      let messages: Message[];
      try {
        messages = await this.callEngine(request, run, span);
      } catch (error) {
        // The engine let the pause escape (or failed because of it): the answer is the approval task.
        if (gate?.paused && !run.aborted) return await this.pause(gate, run, broker, logged, startedAt, span);
        throw error;
      }
      // A pause the engine swallowed still pauses: the tool was not run.
      if (gate?.paused) return await this.pause(gate, run, broker, logged, startedAt, span);
      const { wire, text } = readAnswer(messages);
      if (broker) await this.finishBroker(broker, run, request, text, wire);
      if (span) endWithUsage(span, run.usage);
      this.log.ended(logged, startedAt, run.usage);
      return this.answer(message, conversationId, text, wire, run);
    } catch (error) {
      const failure = run.abortError ?? error;
      this.log.failed(logged, startedAt, failure);
      if (broker) await this.failBroker(broker, failure);
      span?.end(failure);
      throw failure;
    } finally {
      resolved?.release?.();
      void run.closeTools();
      this.endRun(run);
    }
  }

  /**
   * Ends a paused execution as ARK's engine does: the `tool_approval_request`
   * event, the stream completed without a final chunk, the input-required
   * Task as the answer (the run's task id, the conversation as contextId).
   */
  private async pause(gate: ApprovalGate, run: ExecutionRun, broker: BrokerStream | undefined, logged: LoggedExecution, startedAt: number, span: ExecutionSpan | undefined): Promise<A2AProtocolTask> {
    const task = gate.task(run.taskId, run.conversationId);
    if (broker) {
      void broker.sendEvent(gate.requestEvent(task.id));
      await broker.complete();
    }
    this.options.logger.info(`execution paused for tool approval (A2ATask a2a-task-${task.id}): ${String(task.metadata?.toolCalls)}`, logged.ref ? { query: logged.ref.name, namespace: logged.ref.namespace } : undefined);
    if (span) endWithUsage(span, run.usage);
    this.log.ended(logged, startedAt, run.usage);
    return task;
  }

  /** Runs an already-built request (the REST `/execute` protocol): no resolution, no broker. */
  async runRequest(request: ExecutionEngineRequest, input: { caller?: Claims; onClientGone?: (listener: () => void) => () => void }): Promise<ExecutionResult> {
    const run = this.startRun(undefined, request.conversationId, undefined, input.caller, undefined);
    run.historySource = request.history;
    run.linkCallback(input.onClientGone, "client-disconnected");
    run.setDeadline(this.options.maxExecutionMs);
    run.attachTools(request);
    const logged: LoggedExecution = { agent: request.agent.name };
    const startedAt = this.log.started(logged);
    try {
      const messages = await this.callEngine(request, run);
      this.log.ended(logged, startedAt, run.usage);
      return { messages, usage: run.usage };
    } catch (error) {
      const failure = run.abortError ?? error;
      this.log.failed(logged, startedAt, failure);
      throw failure;
    } finally {
      void run.closeTools();
      this.endRun(run);
    }
  }

  private startRun(ref: QueryRef | undefined, conversationId: string, taskId: string | undefined, caller: Claims | undefined, onChunk: ((text: string) => Promise<void> | undefined) | undefined): ExecutionRun {
    const run = new ExecutionRun({ queryRef: ref, conversationId, taskId, caller, logger: this.options.logger, sinks: { onChunk } });
    if (this.shuttingDown) run.abort("shutdown");
    run.inflightIndex = this.inflight.push(run) - 1;
    return run;
  }

  private endRun(run: ExecutionRun): void {
    run.dispose();
    const i = run.inflightIndex;
    if (i !== -1) {
      const last = this.inflight.pop() as ExecutionRun;
      if (last !== run) {
        this.inflight[i] = last;
        last.inflightIndex = i;
      }
      run.inflightIndex = -1;
    }
    // Checked first: clearing a Set allocates, and the runtime goes idle between most requests.
    if (this.inflight.length === 0 && this.idleWaiters.size > 0) {
      for (const wake of this.idleWaiters) wake();
      this.idleWaiters.clear();
    }
  }

  /**
   * Settles with `work`, or rejects as soon as the run is aborted (resolution
   * must not outlive a cancel); an abandoned engine answer is logged when it
   * comes, any other abandoned work's rejection is marked handled. Once `work`
   * settled, an abort does nothing here.
   */
  private interruptible<T>(run: ExecutionRun, work: Promise<T>, engineAnswer = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      run.whenAborted(() => {
        if (settled) return;
        settled = true;
        if (engineAnswer) this.dropLateAnswer(run, work);
        else work.catch(() => undefined);
        reject(run.abortError);
      });
      work.then(
        (value) => {
          settled = true;
          resolve(value);
        },
        (error: unknown) => {
          settled = true;
          reject(error);
        },
      );
    });
  }

  /**
   * Calls the engine. The caller gets its answer as soon as the run is aborted
   * (cancel, deadline, shutdown, hang-up), also when the engine ignores
   * `ctx.signal`: its late answer is dropped and logged. Whatever the engine
   * throws comes out as an `Error` whose message can be read.
   */
  private async callEngine(request: ExecutionEngineRequest, run: ExecutionRun, span?: ExecutionSpan): Promise<Message[]> {
    let work: Promise<Message[]>;
    try {
      work = Promise.resolve(span ? span.run(() => this.executor.executeAgent(request, run)) : this.executor.executeAgent(request, run));
    } catch (error) {
      work = Promise.reject(error as Error);
    }
    let messages: unknown;
    try {
      messages = await this.interruptible(run, work, true);
    } catch (error) {
      throw run.abortError ?? engineFailure(error);
    }
    // An answer that arrives after a cancel or deadline is moot: the caller has given up on it.
    if (run.aborted) throw run.abortError;
    return checkMessages(messages);
  }

  /** Logs what an aborted engine eventually does; nobody waits for it any more. */
  private dropLateAnswer(run: ExecutionRun, work: Promise<unknown>): void {
    const cause = run.abortError?.abortCause;
    const since = Date.now();
    work.then(
      () => this.options.logger.warn(`engine answered ${Date.now() - since} ms after the execution was aborted (${cause}); answer dropped`, { task: run.taskId }),
      (error: unknown) => this.options.logger.debug(`aborted engine ended with: ${errorMessage(error)}`, { task: run.taskId }),
    );
  }

  private async discoverBroker(resolver: QueryResolver, ref: QueryRef, request: ExecutionEngineRequest, call: ResolveCall): Promise<BrokerStream | undefined> {
    if (!resolver.brokerFor) return undefined;
    try {
      return await resolver.brokerFor(ref, request, call);
    } catch (error) {
      this.options.logger.warn(`broker discovery failed; not streaming: ${errorMessage(error)}`, { query: ref.name, namespace: ref.namespace });
      return undefined;
    }
  }

  private async finishBroker(broker: BrokerStream, run: ExecutionRun, request: ExecutionEngineRequest, text: string, wire: WireMessage[]): Promise<void> {
    if (run.conversationId) void broker.sendMessages(run.conversationId, [toWireMessage(request.userInput), ...wire]);
    if (!run.streamedToBroker) void broker.sendChunk(text, "stop");
    void broker.sendFinalChunk(text, wire, run.usage);
    await broker.complete();
  }

  private async failBroker(broker: BrokerStream, error: unknown): Promise<void> {
    // Readers of the stream must learn that it ended, also when it ended badly.
    void broker.sendError(errorMessage(error));
    await broker.complete();
  }

  private answer(request: A2AMessage, conversationId: string, text: string, wire: WireMessage[], run: ExecutionRun): A2AMessage {
    const ark: Record<string, unknown> = { conversationId, messages: wire };
    if (run.usage) ark.tokenUsage = toWireTokenUsage(run.usage);
    // Known only when the engine read its history (ARK's engine always does).
    if (run.memoryUnavailable) ark.memoryUnavailable = true;
    if (run.memoryDegraded) ark.memoryDegraded = true;
    return {
      kind: "message",
      role: "agent",
      messageId: `${request.messageId}-response`,
      contextId: conversationId,
      parts: [{ kind: "text", text }],
      metadata: { [QUERY_EXTENSION_METADATA_KEY]: ark },
    };
  }
}

/** What a resolver gets: the run's signal is made only if the resolver reads it. */
class ResolveCall implements ResolveInput {
  readonly userInput: string;
  readonly conversationId: string;
  readonly #run: ExecutionRun;
  constructor(userInput: string, conversationId: string, run: ExecutionRun) {
    this.userInput = userInput;
    this.conversationId = conversationId;
    this.#run = run;
  }
  get signal(): AbortSignal {
    return this.#run.signal;
  }
}

/**
 * The conversation an execution belongs to: the QueryRef's (sub-targets),
 * else the message's context id, else a new one (as the Python SDK's A2A
 * server generates when the caller sends none).
 */
export function conversationIdFor(message: A2AMessage, ref: QueryRef): string {
  return ref.conversationId || message.contextId || randomUUID();
}

/**
 * Whatever an engine threw, as an `Error` whose message reads: a genuine
 * `Error` stays as it is; anything else (a string, a revoked Proxy, an object
 * whose `toString` throws) becomes an `ExecutorError` describing it.
 */
function engineFailure(error: unknown): Error {
  try {
    if (error instanceof Error && typeof error.message === "string") return error;
  } catch {
    // a hostile value: described below
  }
  return new ExecutorError(errorMessage(error));
}

/** The agent and model of a resolved request, as span attributes (ARK's names and ours). */
function describeRequest(span: ExecutionSpan, request: ExecutionEngineRequest): void {
  span.setAttribute("ark.agent.name", request.agent.name);
  span.setAttribute("agent.name", request.agent.name);
  const model = request.agent.model;
  if (model?.name) span.setAttribute("llm.model.name", model.name);
  if (model?.type) span.setAttribute("llm.model.provider", model.type);
}

/** Ends a successful execution's span with the token usage the engine reported (OpenTelemetry's GenAI names, as ARK uses). */
function endWithUsage(span: ExecutionSpan, usage: TokenUsage | undefined): void {
  if (usage) {
    span.setAttribute("gen_ai.usage.input_tokens", usage.promptTokens);
    span.setAttribute("gen_ai.usage.output_tokens", usage.completionTokens);
    span.setAttribute("gen_ai.usage.total_tokens", usage.totalTokens);
  }
  span.end();
}

/** The wire messages and answer text of the engine's messages; an unreadable answer fails the execution with a clear error. */
function readAnswer(messages: Message[]): { wire: WireMessage[]; text: string } {
  try {
    return { wire: messages.map(toWireMessage), text: responseText(messages) };
  } catch (error) {
    throw new ExecutorError(`executeAgent returned an unreadable answer: ${errorMessage(engineFailure(error))}`);
  }
}

function checkMessages(value: unknown): Message[] {
  try {
    return checkMessageList(value);
  } catch (error) {
    if (error instanceof ExecutorError) throw error;
    throw new ExecutorError(`executeAgent returned an unreadable answer: ${errorMessage(engineFailure(error))}`);
  }
}

function checkMessageList(value: unknown): Message[] {
  if (!Array.isArray(value)) throw new ExecutorError(`executeAgent must return an array of messages, got ${value === null ? "null" : typeof value}`);
  for (let i = 0; i < value.length; i++) {
    const item = value[i] as Partial<Message> | null;
    if (typeof item !== "object" || item === null || typeof item.role !== "string" || typeof item.content !== "string") {
      throw new ExecutorError(`executeAgent returned an invalid message at index ${i}: each message needs a string 'role' and 'content'`);
    }
  }
  return value as Message[];
}
