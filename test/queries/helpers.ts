// The query tests' stack on a real control plane: a namespace, a local broker published in it, the development
// dispatcher, and an ExecutorApp serving a scripted engine, plus the Agent/ExecutionEngine objects wiring them.
import { ArkClient, loopbackServiceUrl, type Logger } from "ark-sdk";
import { BaseExecutor, ClusterQueryResolver, ExecutorApp, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { startDispatcher, startLocalBroker, type DispatchRecord, type LocalBroker, type QueryDispatcher } from "ark-sdk/testing";
import type { TestCluster } from "../helpers/cluster.js";
import { onAbort } from "../../src/core/abort.js";

export const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** One execution the engine saw. */
export interface Execution {
  request: ExecutionEngineRequest;
  ctx: ExecutionContext;
  /** Resolves with the abort reason once ctx.signal fires. */
  aborted: Promise<unknown>;
}

/**
 * An engine whose behaviour follows the input: `fail:<message>` throws; `wait` blocks until ctx.signal aborts;
 * `stream:<a>|<b>` streams the pieces and a tool call; `quiet:<text>` answers without streaming; `provision:<text>`
 * sets the Query's phase to provisioning first; anything else is answered upper-cased with usage 3/5/8 and the
 * agent's prompt appended.
 */
export class ScriptedEngine extends BaseExecutor {
  readonly executions: Execution[] = [];
  private readonly waiters: ((e: Execution) => void)[] = [];

  constructor() {
    super("scripted");
  }

  /** The next execution to start. */
  next(): Promise<Execution> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    const aborted = new Promise<unknown>((resolve) => onAbort(ctx.signal, resolve));
    const execution = { request, ctx, aborted };
    this.executions.push(execution);
    this.waiters.shift()?.(execution);
    const input = request.userInput.content;
    if (input.startsWith("fail:")) throw new Error(input.slice(5));
    if (input === "wait") {
      await aborted;
      throw ctx.signal.reason;
    }
    if (input.startsWith("stream:")) {
      const pieces = input.slice(7).split("|");
      await ctx.streamToolCall("lookup", { q: pieces[0] }, "call-1");
      for (const piece of pieces) await ctx.streamChunk(piece);
      ctx.reportUsage({ promptTokens: 2, completionTokens: pieces.length, totalTokens: 2 + pieces.length });
      return [{ role: "assistant", content: pieces.join("") }];
    }
    if (input.startsWith("quiet:")) return [{ role: "assistant", content: input.slice(6) }];
    if (input.startsWith("provision:")) {
      await ctx.updateQueryPhase("provisioning", "ExecutorProvisioning", "starting a sandbox");
      await new Promise((r) => setTimeout(r, 200));
      return [{ role: "assistant", content: input.slice(10) }];
    }
    ctx.reportUsage({ promptTokens: 3, completionTokens: 5, totalTokens: 8 });
    return [{ role: "assistant", content: `${input.toUpperCase()} [${request.agent.prompt}]` }];
  }
}

/** Everything one test file runs queries against. */
export interface QueryStack {
  ark: ArkClient;
  namespace: string;
  broker: LocalBroker;
  dispatcher: QueryDispatcher;
  engine: ScriptedEngine;
  engineUrl: string;
  records: DispatchRecord[];
  close(): Promise<void>;
}

/** Starts the stack in a fresh namespace, with Agent `scripted-agent` on ExecutionEngine `scripted`. */
export async function startQueryStack(cluster: TestCluster, prefix: string): Promise<QueryStack> {
  const namespace = await cluster.namespace(prefix);
  const ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace, logger: silent });
  const broker = await startLocalBroker();
  await broker.publish(ark, namespace);
  const records: DispatchRecord[] = [];
  const dispatcher = await startDispatcher({ client: ark, namespace, logger: silent, onDispatched: (r) => records.push(r) });
  const engine = new ScriptedEngine();
  const resolver = new ClusterQueryResolver(ark, { serviceUrl: loopbackServiceUrl, logger: silent });
  const app = new ExecutorApp(engine, "scripted", { resolver, logger: silent, shutdownGracePeriodMs: 500 });
  const engineUrl = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  await ark.executionEngines.create({ metadata: { name: "scripted" }, spec: { address: { value: engineUrl } } });
  await ark.agents.create({ metadata: { name: "scripted-agent" }, spec: { prompt: "be brief", executionEngine: { name: "scripted" } } });
  return {
    ark,
    namespace,
    broker,
    dispatcher,
    engine,
    engineUrl,
    records,
    async close() {
      await dispatcher.close();
      await app.close({ gracePeriodMs: 200 });
      await resolver.close();
      await broker.close();
      await ark.close();
    },
  };
}

export { eventually } from "../helpers/deadline.js";
