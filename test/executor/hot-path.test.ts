// What a blocking `message/send` does per request (the path ARK's controller takes), asserted as mechanism: work a
// request does not need is not done at all, and the lazily made pieces still work when something does need them.
// Real ExecutorApp on loopback, driven by requests shaped like ARK's controller's.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  BaseExecutor,
  ExecutionAbortedError,
  ExecutorApp,
  StaticQueryResolver,
  type ExecutionEngineRequest,
  type Message,
  type QueryResolver,
  type ResolvedQuery,
  type ResolveInput,
} from "ark-sdk/executor";
import { plainRequest, postLikeController, sendBody } from "./helpers.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** Answers without touching ctx (no signal, no logger). */
class Echo extends BaseExecutor {
  constructor() {
    super("Echo");
  }
  async executeAgent(request: ExecutionEngineRequest): Promise<Message[]> {
    return [{ role: "assistant", content: `echo: ${request.userInput.content}` }];
  }
}

/** Counts `new AbortController()` (anywhere in this process) while `work` runs. */
async function countAbortControllers(work: () => Promise<void>): Promise<number> {
  const Original = globalThis.AbortController;
  let made = 0;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made++;
    }
  };
  try {
    await work();
  } finally {
    globalThis.AbortController = Original;
  }
  return made;
}

describe("a blocking message/send does no work it does not need", () => {
  const resolver = new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() });
  const app = new ExecutorApp(new Echo(), { resolver, logger: silent });
  let url = "";
  before(async () => {
    url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  });
  after(() => app.close({ gracePeriodMs: 0 }));

  it("makes no AbortController when neither the resolver nor the engine reads a signal", async () => {
    await postLikeController(url, sendBody("warm")); // first-use work (tracing probe, resolver) is not per request
    const made = await countAbortControllers(async () => {
      for (let i = 0; i < 20; i++) {
        const answer = await postLikeController(url, sendBody(`hi ${i}`));
        assert.equal((answer.json as { result?: { parts: { text: string }[] } }).result?.parts[0]?.text, `echo: hi ${i}`);
      }
    });
    assert.equal(made, 0, "AbortControllers made for 20 blocking sends");
  });
});

describe("a resolver's signal is made when read, and aborts with the execution", () => {
  let seen: ResolveInput | undefined;
  let reads = 0;
  /** Waits for its signal, as a resolver reading the cluster does when the API server is slow. */
  const waiting: QueryResolver = {
    resolve(_ref, input): Promise<ResolvedQuery> {
      seen = input;
      reads++;
      const signal = input.signal;
      return new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
    },
  };
  const app = new ExecutorApp(new Echo(), { resolver: waiting, maxExecutionMs: 150, logger: silent });
  let url = "";
  before(async () => {
    url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  });
  after(() => app.close({ gracePeriodMs: 0 }));

  it("the deadline aborts input.signal (reason: the execution's abort) and the caller gets -32012 promptly", async () => {
    const started = Date.now();
    const answer = await postLikeController(url, sendBody("slow resolution"), { signal: AbortSignal.timeout(5_000) });
    const error = (answer.json as { error?: { code: number; message: string } }).error;
    assert.equal(error?.code, -32012, answer.text);
    assert.ok(Date.now() - started < 3_000, `answered after ${Date.now() - started} ms`);
    assert.equal(reads, 1);
    assert.ok(seen?.signal.aborted, "the resolver's signal aborted");
    assert.ok(seen?.signal.reason instanceof ExecutionAbortedError);
    assert.equal((seen?.signal.reason as ExecutionAbortedError).abortCause, "deadline");
    assert.equal(seen?.userInput, "slow resolution");
    assert.equal(app.inflightExecutions, 0);
  });
});

describe("bookkeeping without hash tables stays exact", () => {
  it("StaticQueryResolver's cancel listeners: removed ones are not called, the rest are, once", async () => {
    const resolver = new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() });
    const input = { userInput: "x", conversationId: "c", signal: new AbortController().signal };
    const calls: string[] = [];
    const removers = [];
    for (const name of ["a", "b", "c", "d"]) {
      const resolved = await resolver.resolve({ name: "q1", namespace: "team-a", conversationId: "" }, input);
      removers.push(resolved.onCancel?.(() => calls.push(name)));
    }
    removers[1]?.(); // middle
    removers[3]?.(); // head (the latest)
    removers[3]?.(); // twice: no effect
    resolver.cancel("team-a", "q1");
    resolver.cancel("team-a", "q1");
    assert.deepEqual(calls.sort(), ["a", "c"]);
    removers[0]?.(); // after the cancel: no effect
    const late = await resolver.resolve({ name: "q1", namespace: "team-a", conversationId: "" }, input);
    late.onCancel?.(() => calls.push("late"));
    assert.deepEqual(calls.sort(), ["a", "c", "late"], "a canceled Query calls a new listener at once");
  });

  it("in-flight executions are counted as they end in any order, and close() aborts exactly the running ones", async () => {
    const release = new Map<string, () => void>();
    const aborted: string[] = [];
    class Held extends BaseExecutor {
      constructor() {
        super("Held");
      }
      async executeAgent(request: ExecutionEngineRequest, ctx: { signal: AbortSignal }): Promise<Message[]> {
        const name = request.userInput.content;
        await new Promise<void>((resolve) => {
          release.set(name, resolve);
          ctx.signal.addEventListener("abort", () => {
            aborted.push(name);
            resolve();
          });
        });
        return [{ role: "assistant", content: name }];
      }
    }
    const resolver = new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() });
    const app = new ExecutorApp(new Held(), { resolver, logger: silent });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    const answers = ["r1", "r2", "r3", "r4"].map((name) => postLikeController(url, sendBody(name), { signal: AbortSignal.timeout(10_000) }));
    const deadline = Date.now() + 5_000;
    while (release.size < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(app.inflightExecutions, 4);
    for (const [name, count] of [["r2", 3], ["r1", 2]] as const) {
      release.get(name)?.();
      while (app.inflightExecutions > count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(app.inflightExecutions, count, `after ${name} ended`);
    }
    await app.close({ gracePeriodMs: 0 });
    assert.deepEqual(aborted.sort(), ["r3", "r4"]);
    assert.equal(app.inflightExecutions, 0);
    const texts = (await Promise.all(answers)).map((a) => (a.json as { result?: { parts: { text: string }[] } }).result?.parts[0]?.text);
    assert.deepEqual(texts.slice(0, 2), ["r1", "r2"]);
  });
});
