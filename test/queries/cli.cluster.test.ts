// The CLI's query workflows: `ark-sdk dev` (a real control plane, dispatcher and broker in a child process,
// stopped with SIGINT) and `ark-sdk query` against it with a real engine, plus usage errors and help texts.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ArkClient, loopbackServiceUrl } from "ark-sdk";
import { ClusterQueryResolver, ExecutorApp } from "ark-sdk/executor";
import type { CliIo } from "../../src/cli/io.js";
import { main } from "../../src/cli/main.js";
import { ScriptedEngine, silent } from "./helpers.js";

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: "", stderr: "", isTty: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = capture();
  const code = await main(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe("ark-sdk dev and query: help and usage errors", () => {
  it("dev --help says the dispatcher is a development tool", async () => {
    const { code, stdout } = await cli("dev", "--help");
    assert.equal(code, 0);
    assert.match(stdout, /DEVELOPMENT TOOL/);
    assert.match(stdout, /not a replacement for ARK/);
  });

  it("query --help documents targets, streaming and exit codes", async () => {
    const { code, stdout } = await cli("query", "--help");
    assert.equal(code, 0);
    assert.match(stdout, /agent\/<name>, team\/<name>, model\/<name> or tool\/<name>/);
    assert.match(stdout, /--stream/);
    assert.match(stdout, /3 the query waits for approval/);
  });

  it("usage mistakes exit 2 with a message naming them, before touching a cluster", async () => {
    const cases: [string[], RegExp][] = [
      [["query", "agent/a"], /expected <target> and <input>, got 1/],
      [["query", "robot/a", "hi"], /target type must be one of agent, team, model, tool, got "robot"/],
      [["query", "agent/", "hi"], /target "agent\/" has no name/],
      [["query", "a", "hi", "--param", "novalue"], /--param must be name=value, got "novalue"/],
      [["query", "a", "hi", "--timeout", "soon"], /--timeout: /],
      [["query", "a", "hi", "--stream", "--wait"], /exclude each other/],
      [["query", "a", "hi", "-o", "yaml"], /--output must be text or json/],
      [["dev", "--port", "70000"], /--port must be a TCP port number/],
      [["dev", "--broker-port", "x"], /--broker-port must be a TCP port number/],
      [["query", "a", "hi", "--frobnicate"], /Unknown option '--frobnicate'/],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await cli(...argv);
      assert.equal(code, 2, argv.join(" "));
      assert.match(stderr, message, argv.join(" "));
    }
  });
});

describe("ark-sdk dev + ark-sdk query", () => {
  let child: ChildProcess;
  let env: { server: string; kubeconfig: string; broker: string; namespace: string };
  let childErr = "";
  let ark: ArkClient;
  let app: ExecutorApp;
  let resolver: ClusterQueryResolver;

  before(async () => {
    child = spawn(process.execPath, ["--import", "tsx", "-e", 'import("./src/cli/main.ts").then((m) => m.main(["dev", "--output", "json"])).then((c) => process.exit(c))'], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr?.on("data", (c: Buffer) => (childErr += c.toString()));
    env = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve(JSON.parse(line) as typeof env);
      });
      child.on("exit", (code) => reject(new Error(`ark-sdk dev exited early (${code}): ${childErr}`)));
    });
    ark = await ArkClient.fromEnv({ kubeconfig: env.kubeconfig, namespace: "default", logger: silent });
    resolver = new ClusterQueryResolver(ark, { serviceUrl: loopbackServiceUrl, logger: silent });
    app = new ExecutorApp(new ScriptedEngine(), "scripted", { resolver, logger: silent });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    await ark.executionEngines.create({ metadata: { name: "scripted" }, spec: { address: { value: url } } });
    await ark.agents.create({ metadata: { name: "scripted-agent" }, spec: { prompt: "p", executionEngine: { name: "scripted" } } });
  });

  after(async () => {
    await app?.close({ gracePeriodMs: 100 });
    await resolver?.close();
    await ark?.close();
    if (child && child.exitCode === null) child.kill("SIGINT");
  });

  const query = (...argv: string[]) => cli("query", "--kubeconfig", env.kubeconfig, ...argv);

  it("streams the answer to stdout and the summary to stderr", async () => {
    const { code, stdout, stderr } = await query("scripted-agent", "stream:Hello, |world", "--broker-url", env.broker);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, "Hello, world\n");
    assert.match(stderr, /^\[tool call\] lookup$/m);
    assert.match(stderr, /^done in [\d.]+(ms|s) · tokens 2 prompt \+ 2 completion = 4 · query scripted-agent-\w{5} · conversation \S+$/m);
  });

  it("--wait prints the whole answer; -o json prints the result; parameters fill the input", async () => {
    const waited = await query("agent/scripted-agent", "quiet:all at once", "--wait");
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout, "all at once\n");
    const json = await query("agent/scripted-agent", "hi {{.who}}", "-p", "who=ada", "-o", "json");
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as { phase: string; content: string; tokenUsage: { totalTokens: number }; pendingTask: null };
    assert.deepEqual([result.phase, result.content, result.tokenUsage.totalTokens, result.pendingTask], ["done", "HI ADA [p]", 8, null]);
  });

  it("a failing query exits 1 with the engine's message; a target for ARK's completions engine fails as on ARK without one", async () => {
    const failed = await query("scripted-agent", "fail:disk full", "--wait");
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /✗ Query "scripted-agent-\w{5}" failed: query execution failed: .*disk full/);
    const model = await query("model/gpt", "hi", "--wait");
    assert.equal(model.code, 1);
    assert.match(model.stderr, /Post "http:\/\/ark-completions\.ark-system\/": dial tcp: lookup ark-completions\.ark-system: no such host/);
  });

  it("--timeout gives up, cancels the query and exits 1", async () => {
    const { code, stderr } = await query("scripted-agent", "wait", "--timeout", "1s", "--wait");
    assert.equal(code, 1);
    assert.match(stderr, /timed out; spec.cancel was set/);
  });

  it("the example engine served on its own, as dev's instructions say, streams through the local broker", async () => {
    const engine = spawn(process.execPath, ["--import", "tsx", "examples/engines/summarizer.ts"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PORT: "0", KUBECONFIG: env.kubeconfig, ARK_SDK_BROKER_URL: env.broker },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        engine.stdout?.on("data", (c: Buffer) => {
          out += c.toString();
          const match = /listening on (\S+)/.exec(out);
          if (match) resolve(match[1] as string);
        });
        engine.on("exit", (code) => reject(new Error(`summarizer exited (${code})`)));
      });
      await ark.executionEngines.create({ metadata: { name: "summarizer" }, spec: { address: { value: url } } });
      await ark.agents.create({ metadata: { name: "notes" }, spec: { prompt: "p", parameters: [{ name: "bullets", value: "1" }], executionEngine: { name: "summarizer" } } });
      process.env.ARK_SDK_BROKER_URL = env.broker;
      const { code, stdout, stderr } = await query("notes", "Engines stream. Engines stream tool calls too.").finally(() => delete process.env.ARK_SDK_BROKER_URL);
      assert.equal(code, 0, stderr);
      assert.match(stdout, /^Summary for a general audience \(1 of 2 sentences\):\n• Engines stream tool calls too\.\n/);
      assert.match(stderr, /^\[tool call\] rank_sentences$/m, "tool calls only arrive through the broker");
    } finally {
      const exited = new Promise((resolve) => engine.on("exit", resolve));
      engine.kill("SIGTERM");
      assert.equal(await exited, 0, "the engine stops cleanly on SIGTERM");
    }
  });

  it("Ctrl-C stops the dispatcher, broker and control plane cleanly", async () => {
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    assert.equal(await exited, 0, childErr);
    assert.match(childErr, /stopped: dispatcher, broker and control plane/);
    assert.equal(existsSync(env.kubeconfig), false, "the plane's files are removed");
    await assert.rejects(fetch(`${env.broker}/health`), "the broker is gone");
  });
});
