// Lifecycle logging (issue 13 point 6): one line at the start (debug), at the end with duration and token usage
// (info), on cancel and timeout with their cause (info), and an engine exception at error with its stack, logged
// once; the failure's JSON-RPC message is the engine's plain cause. Lines are built only for enabled levels.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ExecutorApp, StaticQueryResolver } from "ark-sdk/executor";
import type { LogFields, Logger, LogLevel } from "../../src/core/logger.js";
import { TestEngine, plainRequest, sendBody } from "./helpers.js";
import { within } from "../helpers/deadline.js";

interface Entry {
  level: string;
  message: string;
  fields: LogFields | undefined;
}

/** A real logger that keeps its entries; `min` is the least severe level it says it writes. */
function recordingLogger(min: Exclude<LogLevel, "silent"> = "debug"): Logger & { entries: Entry[]; asked: string[] } {
  const order = ["debug", "info", "warn", "error"];
  const entries: Entry[] = [];
  const asked: string[] = [];
  // Keeps every entry it is given, so that an entry built for a disabled level shows.
  const write = (level: string) => (message: string, fields?: LogFields) => void entries.push({ level, message, fields });
  return {
    entries,
    asked,
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    isEnabled: (level) => {
      asked.push(level);
      return order.indexOf(level) >= order.indexOf(min);
    },
  };
}

type RpcAnswer = { error?: { code: number; message: string } };

function setup(logger: Logger, options: { maxExecutionMs?: number } = {}) {
  const resolver = new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() });
  const engine = new TestEngine();
  const app = new ExecutorApp(engine, { resolver, logger, ...options });
  const post = async (input: string) => {
    const response = await app.fetch(new Request("http://engine.local/", { method: "POST", headers: { "content-type": "application/json" }, body: sendBody(input) }));
    return (await response.json()) as RpcAnswer;
  };
  return { app, engine, resolver, post };
}

const lifecycle = (entries: Entry[]) => entries.filter((e) => e.message.startsWith("query team-a/q1"));

describe("lifecycle logging (issue 13 point 6)", () => {
  it("logs start at debug and the end at info with duration, agent and token usage", async () => {
    const logger = recordingLogger();
    const { app, post } = setup(logger);
    try {
      await post("stream");
    } finally {
      await app.close();
    }
    const [start, end, ...rest] = lifecycle(logger.entries);
    assert.deepEqual(rest, []);
    assert.equal(start?.level, "debug");
    assert.equal(start?.message, "query team-a/q1 started");
    assert.deepEqual([start?.fields?.query, start?.fields?.namespace], ["q1", "team-a"]);
    assert.equal(end?.level, "info");
    assert.match(end?.message ?? "", /^query team-a\/q1 done in \d+ ms, 6 tokens \(4 prompt \+ 2 completion\)$/);
    assert.equal(end?.fields?.agent, "weather-agent");
    assert.equal(end?.fields?.task, start?.fields?.task);
    assert.equal(typeof end?.fields?.durationMs, "number");
    assert.deepEqual([end?.fields?.promptTokens, end?.fields?.completionTokens, end?.fields?.totalTokens], [4, 2, 6]);
  });

  it("logs an engine exception once, at error, with its stack; the caller gets the plain cause", async () => {
    const logger = recordingLogger();
    const { app, post } = setup(logger);
    let answer: RpcAnswer;
    try {
      answer = await post("fail");
    } finally {
      await app.close();
    }
    assert.equal(answer.error?.code, -32011);
    assert.equal(answer.error?.message, "model exploded");
    const errors = logger.entries.filter((e) => e.level === "error" || e.level === "warn");
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0]?.message ?? "", /^query team-a\/q1 failed after \d+ ms: model exploded$/);
    assert.equal(errors[0]?.level, "error");
    assert.equal(errors[0]?.fields?.error, "Error");
    assert.match(String(errors[0]?.fields?.stack), /^Error: model exploded\n\s+at TestEngine\.executeAgent/);
  });

  it("logs a timeout and a cancel at info with their cause", async () => {
    const logger = recordingLogger();
    const { app, engine, resolver, post } = setup(logger, { maxExecutionMs: 100 });
    try {
      const timedOut = await within(5_000, "the deadline's answer", post("wait"));
      assert.equal(timedOut.error?.code, -32012);
      const canceling = post("wait");
      await within(5_000, "the second call", engine.nextCall());
      resolver.cancel("team-a", "q1");
      await within(5_000, "the cancel's answer", canceling);
    } finally {
      await app.close();
    }
    const ends = lifecycle(logger.entries).filter((e) => e.level !== "debug");
    assert.equal(ends.length, 2, JSON.stringify(ends));
    assert.equal(ends[0]?.level, "info");
    assert.match(ends[0]?.message ?? "", /^query team-a\/q1 timed out after \d+ ms: execution deadline exceeded/);
    assert.equal(ends[0]?.fields?.cause, "deadline");
    assert.equal(ends[1]?.level, "info");
    assert.match(ends[1]?.message ?? "", /^query team-a\/q1 canceled after \d+ ms: execution canceled: the Query's spec.cancel is true$/);
    assert.equal(ends[1]?.fields?.cause, "query-canceled");
    assert.equal(logger.entries.filter((e) => e.level === "error" || e.level === "warn").length, 0, "an abort is no error");
  });

  it("builds no line for a level the logger does not write (asks isEnabled first)", async () => {
    const logger = recordingLogger("warn");
    const { app, post } = setup(logger);
    try {
      await post("hello");
    } finally {
      await app.close();
    }
    assert.deepEqual(lifecycle(logger.entries), []);
    assert.ok(logger.asked.includes("debug") && logger.asked.includes("info"), `isEnabled was asked: ${logger.asked.join(", ")}`);
  });
});
