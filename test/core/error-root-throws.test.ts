// One error root at the edges (issue 10, point 2): bad input and misuse across the layers throw ark-sdk errors
// whose name is their class, never a built-in Error or TypeError. The lint rule in eslint.config.js keeps new
// `throw new Error(...)` out of src/; this file checks the throws it replaced, through the public entry points
// where they are public.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ArgumentError, ConfigError, isArkSdkError } from "ark-sdk";
import { BaseExecutor, ExecutorApp, ExecutorError, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { engineRequest, runEngine, startDispatcher } from "ark-sdk/testing";
import { parseStreamingConfig } from "../../src/ark/broker-discovery.js";
import { validateTokenUsage } from "../../src/protocol/messages.js";
import { readClusterCrds } from "../../src/generator/from-cluster.js";
import { resolveRef } from "../../src/schema/json-schema.js";
import type { KubeConfigLike } from "../../src/core/kubeconfig-like.js";

const is = (cls: abstract new (...args: never[]) => Error, field?: string) => (e: unknown) => {
  assert.ok(e instanceof cls, `a ${cls.name}, got ${String(e)}`);
  assert.ok(isArkSdkError(e));
  assert.equal(e.name, cls.name);
  if (field !== undefined) assert.equal((e as ArgumentError).field, field);
  return true;
};

class Echo extends BaseExecutor {
  constructor(name = "echo") {
    super(name);
  }
  async executeAgent(_req: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    await ctx.streamChunk(42 as unknown as string);
    return [];
  }
}

describe("bad input throws ark-sdk errors", () => {
  it("BaseExecutor without a name: ArgumentError on engineName", () => {
    assert.throws(() => new Echo(""), is(ArgumentError, "engineName"));
  });

  it("ctx.streamChunk with a non-string: ArgumentError on text, and the run fails with it", async () => {
    const run = await runEngine(new Echo(), engineRequest({ input: "hi" }));
    assert.ok(run.error, "the run failed");
    is(ArgumentError, "text")(run.error);
  });

  it("an engine that returns no array fails its test-kit run with an ExecutorError", async () => {
    class Bad extends BaseExecutor {
      constructor() {
        super("bad");
      }
      async executeAgent(): Promise<Message[]> {
        return "hello" as unknown as Message[];
      }
    }
    const run = await runEngine(new Bad(), engineRequest({ input: "hi" }));
    is(ExecutorError)(run.error);
  });

  it("ExecutorApp.listen twice, or after close: ExecutorError", async () => {
    const app = new ExecutorApp(new Echo());
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      await assert.rejects(app.listen({ host: "127.0.0.1", port: 0 }), is(ExecutorError));
    } finally {
      await app.close();
    }
    await assert.rejects(app.listen({ host: "127.0.0.1", port: 0 }), is(ExecutorError));
  });

  it("startDispatcher with neither kubeConfig nor client: ArgumentError", async () => {
    await assert.rejects(startDispatcher({} as Parameters<typeof startDispatcher>[0]), is(ArgumentError, "kubeConfig"));
  });

  it("a streaming ConfigMap that names no broker: ConfigError", () => {
    assert.throws(() => parseStreamingConfig({ enabled: "true", serviceRef: "port: http" }), is(ConfigError));
    assert.throws(() => parseStreamingConfig({ enabled: "true", serviceRef: "name: [" }), is(ConfigError));
  });

  it("a negative token count: ArgumentError naming the count", () => {
    assert.throws(() => validateTokenUsage({ promptTokens: -1, completionTokens: 0, totalTokens: 0 }), is(ArgumentError, "TokenUsage.promptTokens"));
  });

  it("a dangling schema $ref: ArgumentError", () => {
    assert.throws(() => resolveRef("#/$defs/nope", {}), is(ArgumentError, "$ref"));
  });

  it("readClusterCrds: a context with a KubeConfig object is an ArgumentError; an unreachable server a GeneratorError", async () => {
    const kubeConfig = {
      getCurrentCluster: () => ({ name: "c", server: "http://127.0.0.1:1" }),
      getCurrentContext: () => "ctx",
      applyToHTTPSOptions: async () => undefined,
    } as unknown as KubeConfigLike;
    await assert.rejects(readClusterCrds({ kubeConfig, context: "other" }), is(ArgumentError, "context"));
    const { GeneratorError } = await import("../../src/generator/errors.js");
    await assert.rejects(readClusterCrds({ kubeConfig }), (e: unknown) => is(GeneratorError)(e) && /cluster:ctx.*listing CustomResourceDefinitions from http:\/\/127\.0\.0\.1:1 failed/.test(String(e)));
  });
});
