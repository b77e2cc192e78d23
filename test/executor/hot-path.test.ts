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
