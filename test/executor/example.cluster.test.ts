// Runs examples/executor-shout.ts as a real process against the control plane (its default resolver reads the
// cluster from KUBECONFIG), sends it the controller's exact request, then stops it with SIGTERM mid-execution.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { ArkClient } from "ark-sdk";
import { buildMessageSendBody, readEngineResponse } from "ark-sdk/protocol";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { postLikeController } from "./helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
let cluster: TestCluster;
let ark: ArkClient;
let ns = "";

function startExample(env: Record<string, string>): { child: ChildProcess; url: Promise<string>; output: () => string } {
  const child = spawn(process.execPath, ["--import", "tsx", "examples/executor-shout.ts"], {
    cwd: root,
    env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`example exited (${code}) before listening:\n${output}`)));
  });
  return { child, url, output: () => output };
}

before(async () => {
  cluster = await testCluster();
  ns = await cluster.namespace("example");
  ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  await ark.agents.create({ metadata: { name: "shouter" }, spec: { prompt: "Respond to {{.who}}.", parameters: [{ name: "who", value: "the captain" }] } });
  await ark.queries.create({ metadata: { name: "shout-query" }, spec: { input: "hello world", target: { type: "agent", name: "shouter" } } });
});

after(async () => {
  await ark?.close();
  await cluster?.close();
});

describe("examples/executor-shout.ts", () => {
  it("answers ARK's request with real work: prompt filled in, input shouted, usage reported", async () => {
    const example = startExample({});
    try {
      const url = await example.url;
      const answer = await postLikeController(url, buildMessageSendBody({ queryName: "shout-query", namespace: ns, input: "hello world", contextId: "c-1" }));
      const outcome = readEngineResponse(answer.json);
      assert.equal(outcome.kind, "message", answer.text);
      if (outcome.kind !== "message") return;
      assert.equal(outcome.content, "Respond to the captain.\nHELLO WORLD");
      assert.equal(outcome.conversationId, "c-1");
      assert.deepEqual(outcome.tokenUsage, { promptTokens: 6, completionTokens: 2, totalTokens: 8, cachedTokens: 0 });
      assert.deepEqual(JSON.parse(outcome.raw), [{ role: "assistant", content: "Respond to the captain.\nHELLO WORLD", name: "shouter" }]);
    } finally {
      example.child.kill("SIGKILL");
    }
  });

  it("on SIGTERM drains, then aborts the running execution through ctx.signal and exits cleanly", async () => {
    const example = startExample({ WORD_DELAY_MS: "100", SHUTDOWN_GRACE_MS: "300" });
    const url = await example.url;
    const words = Array.from({ length: 40 }, (_, i) => `w${i}`).join(" ");
    const pending = postLikeController(url, buildMessageSendBody({ queryName: "shout-query", namespace: ns, input: words }));
    await new Promise((r) => setTimeout(r, 500)); // the execution is under way (4 s of work)
    const started = Date.now();
    example.child.kill("SIGTERM");
    const outcome = readEngineResponse((await pending).json);
    assert.equal(outcome.kind, "error");
    if (outcome.kind === "error") {
      assert.equal(outcome.code, -32012);
      assert.match(outcome.message, /the engine is shutting down/);
    }
    const [code] = (await once(example.child, "exit")) as [number | null];
    assert.equal(code, 0, example.output());
    // The -32012 answer above proves the execution was aborted rather than finished; this bound only catches a hang.
    assert.ok(Date.now() - started < 15_000, "exits after the grace period instead of hanging");
    assert.match(example.output(), /grace period over; aborting 1 execution/);
  });
});
