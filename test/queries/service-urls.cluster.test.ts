// The one service-URL rule, through each consumer's real entry on a real control plane: `ark-sdk query` (the CLI's
// main), ExecutorApp with its default resolver, ark.queries.stream() and the development dispatcher. The broker's
// Service points at a loopback server that accepts and drops every connection, so each consumer names the URL it
// tried (in its warning, or, for the dispatcher, in the failed Query's message) and the test compares them per
// environment. Then: one warning across N queries while the broker is down, and a moved broker found again on the
// next query without waiting for the discovery TTL.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { ArkClient, QueryFailedError, type Logger } from "ark-sdk";
import { ClusterQueryResolver, ExecutorApp } from "ark-sdk/executor";
import { startDispatcher, startLocalBroker, type LocalBroker } from "ark-sdk/testing";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { within } from "../helpers/deadline.js";
import { ScriptedEngine, silent } from "./helpers.js";

/** A logger keeping every line. */
function recorder(): Logger & { lines: { level: string; message: string }[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

const UNREACHABLE = /cannot reach ARK's broker at (\S+) /;

/** The URLs named by "cannot reach ARK's broker at <url>" warnings. */
const warnedUrls = (lines: readonly { level: string; message: string }[]) =>
  lines.filter((l) => l.level === "warn").flatMap((l) => UNREACHABLE.exec(l.message)?.[1] ?? []);

/** A server on loopback that accepts connections and drops them: nothing there answers. */
async function startDeadEnd(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  server.on("connection", (socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

let cluster: TestCluster;

before(async () => {
  cluster = await testCluster();
});

describe("the same environment gives the same URL in all four consumers", () => {
  let namespace: string;
  let ark: ArkClient;
  let brokerPort: number;
  let fixedPort: number;
  const servers: Server[] = [];

  before(async () => {
    namespace = await cluster.namespace("svc-urls");
    ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace, logger: silent });
    const broker = await startDeadEnd();
    const fixed = await startDeadEnd();
    servers.push(broker.server, fixed.server);
    brokerPort = broker.port;
    fixedPort = fixed.port;
    // What ARK's broker chart publishes: the Service (port "http") and the streaming ConfigMap pointing at it.
    await ark.core.services.create({ metadata: { name: "ark-broker" }, spec: { ports: [{ name: "http", port: brokerPort }] } });
    await ark.core.configMaps.create({ metadata: { name: "ark-config-streaming" }, data: { enabled: "true", serviceRef: "name: ark-broker\nport: http\n" } });
    process.env.KUBECONFIG = cluster.kubeconfigPath;
  });

  after(async () => {
    await ark?.close();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const cluster_ = (port: number) => `http://ark-broker.${namespace}.svc.cluster.local:${port}`;
  const loopback = (port: number) => `http://127.0.0.1:${port}`;
  // Per environment: the broker's URL (CLI, engine, client) and the Service's URL the dispatcher uses.
  const rows: { name: string; env: () => Record<string, string>; broker: () => string; dispatcher: () => string }[] = [
    { name: "ARK_SDK_SERVICE_URLS=loopback", env: () => ({ ARK_SDK_SERVICE_URLS: "loopback" }), broker: () => loopback(brokerPort), dispatcher: () => loopback(brokerPort) },
    { name: "ARK_SDK_SERVICE_URLS=cluster", env: () => ({ ARK_SDK_SERVICE_URLS: "cluster" }), broker: () => cluster_(brokerPort), dispatcher: () => cluster_(brokerPort) },
    {
      name: "ARK_SDK_BROKER_URL wins over discovery (the dispatcher reads no broker: Services only)",
      env: () => ({ ARK_SDK_SERVICE_URLS: "loopback", ARK_SDK_BROKER_URL: `${loopback(fixedPort)}/` }),
      broker: () => loopback(fixedPort),
      dispatcher: () => loopback(brokerPort),
    },
    { name: "nothing set: cluster DNS (the dispatcher, a local tool, defaults to loopback)", env: () => ({}), broker: () => cluster_(brokerPort), dispatcher: () => loopback(brokerPort) },
  ];

  for (const row of rows) {
    it(row.name, async () => {
      const saved = { ARK_SDK_SERVICE_URLS: process.env.ARK_SDK_SERVICE_URLS, ARK_SDK_BROKER_URL: process.env.ARK_SDK_BROKER_URL };
      delete process.env.ARK_SDK_SERVICE_URLS;
      delete process.env.ARK_SDK_BROKER_URL;
      Object.assign(process.env, row.env());
      const engineLog = recorder();
      const clientLog = recorder();
      const dispatcher = await startDispatcher({ client: ark, namespace, logger: silent });
      // ExecutorApp with its DEFAULT resolver (ClusterQueryResolver.fromEnv, reading process.env and KUBECONFIG).
      const app = new ExecutorApp(new ScriptedEngine(), "scripted", { logger: engineLog, shutdownGracePeriodMs: 200 });
      const client = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace, logger: clientLog });
      const stderr: string[] = [];
      const write = process.stderr.write;
      try {
        const engineUrl = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
        const engineName = `scripted-${rows.indexOf(row)}`;
        await ark.executionEngines.create({ metadata: { name: engineName }, spec: { address: { value: engineUrl } } });
        await ark.agents.create({ metadata: { name: `${engineName}-agent` }, spec: { prompt: "p", executionEngine: { name: engineName } } });
        // The dispatcher's observable: an engine addressed through the same Service (one per row: the dispatcher,
        // as ARK's controller, keeps an engine's resolved address in its status).
        await ark.executionEngines.create({ metadata: { name: `via-service-${engineName}` }, spec: { address: { valueFrom: { serviceRef: { name: "ark-broker", port: "http" } } } } });
        await ark.agents.create({ metadata: { name: `via-service-${engineName}-agent` }, spec: { prompt: "p", executionEngine: { name: `via-service-${engineName}` } } });

        // 1. The CLI: `ark-sdk query` streams by default; its client logs to stderr.
        const io: CliIo & { stdout: string } = { stdout: "", isTty: false, out: (t) => void (io.stdout += t), err: (t) => void stderr.push(t) };
        process.stderr.write = ((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true)) as typeof process.stderr.write;
        let code: number;
        try {
          code = await within(60_000, "ark-sdk query", main(["query", "--kubeconfig", cluster.kubeconfigPath, "-n", namespace, `${engineName}-agent`, "stream:a|b"], io));
        } finally {
          process.stderr.write = write;
        }
        assert.equal(code, 0, stderr.join(""));
        assert.equal(io.stdout, "ab\n", "the answer arrives without the broker");
        const cliUrls = stderr.join("").split("\n").flatMap((l) => UNREACHABLE.exec(l)?.[1] ?? []);

        // 2. The engine streamed (tried to) to the broker of the same rule.
        const engineUrls = warnedUrls(engineLog.lines);

        // 3. ark.queries.stream() on a second query.
        const events = [];
        const query = await client.queries.start({ input: "stream:c", target: { type: "agent", name: `${engineName}-agent` } });
        for await (const event of client.queries.stream(query.metadata.name ?? "", { signal: AbortSignal.timeout(60_000) })) events.push(event);
        assert.equal(events.at(-1)?.type, "result");
        const clientUrls = warnedUrls(clientLog.lines);

        // 4. The dispatcher calls the engine addressed through the Service, and names the URL in the Query's failure.
        const failed = await client.queries.run({ input: "hi", target: { type: "agent", name: `via-service-${engineName}-agent` } }, { timeoutMs: 60_000 }).then(
          () => assert.fail("the query on a dead-end engine succeeded"),
          (error: unknown) => (error instanceof QueryFailedError ? error.message : assert.fail(String(error))),
        );
        const dispatcherUrl = /Post "(http:\/\/[^/"]+)\//.exec(failed)?.[1];

        assert.deepEqual(
          { cli: cliUrls, engine: engineUrls, client: clientUrls, dispatcher: dispatcherUrl },
          { cli: [row.broker()], engine: [row.broker()], client: [row.broker()], dispatcher: row.dispatcher() },
          failed,
        );
      } finally {
        process.stderr.write = write;
        await dispatcher.close();
        await app.close({ gracePeriodMs: 100 });
        await client.close();
        delete process.env.ARK_SDK_SERVICE_URLS;
        delete process.env.ARK_SDK_BROKER_URL;
        for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
      }
    });
  }

  it("bad values are ConfigErrors (usage errors in the CLI) naming the variable, in every consumer", async () => {
    process.env.ARK_SDK_SERVICE_URLS = "dns";
    try {
      const io = { isTty: false, out() {}, err: (t: string) => void (text += t) };
      let text = "";
      assert.equal(await main(["query", "--kubeconfig", cluster.kubeconfigPath, "-n", namespace, "a", "hi"], io), 2);
      assert.match(text, /ARK_SDK_SERVICE_URLS must be "cluster" or "loopback", got "dns"/);
      await assert.rejects(ClusterQueryResolver.fromEnv({ logger: silent }), { name: "ConfigError", message: /ARK_SDK_SERVICE_URLS must be "cluster" or "loopback"/ });
      await assert.rejects(startDispatcher({ client: ark, namespace, logger: silent }), { name: "ConfigError", message: /ARK_SDK_SERVICE_URLS/ });
      await assert.rejects(ark.queries.stream("any").next(), { name: "ConfigError", message: /ARK_SDK_SERVICE_URLS/ });
      delete process.env.ARK_SDK_SERVICE_URLS;
      process.env.ARK_SDK_BROKER_URL = "broker:8080";
      await assert.rejects(ark.queries.stream("any").next(), { name: "ConfigError", message: /^ARK_SDK_BROKER_URL must be an http:\/\/ or https:\/\/ URL such as http:\/\/127\.0\.0\.1:8080, got "broker:8080"$/ });
      text = "";
      assert.equal(await main(["query", "--kubeconfig", cluster.kubeconfigPath, "a", "hi", "--broker-url", "http://127.0.0.1:1"], io), 2, "the variable is checked even when the flag wins");
      assert.match(text, /ARK_SDK_BROKER_URL must be/);
    } finally {
      delete process.env.ARK_SDK_SERVICE_URLS;
      delete process.env.ARK_SDK_BROKER_URL;
    }
  });
});

describe("a broker that goes down and moves", () => {
  let namespace: string;
  let ark: ArkClient;
  let first: LocalBroker;
  let second: LocalBroker | undefined;
  let third: LocalBroker | undefined;
  let followerApp: ExecutorApp | undefined;
  let followerResolver: ClusterQueryResolver | undefined;
  const engineLog = recorder();
  const clientLog = recorder();
  let client: ArkClient;
  let app: ExecutorApp;
  let resolver: ClusterQueryResolver;
  let dispatcher: Awaited<ReturnType<typeof startDispatcher>>;

  before(async () => {
    namespace = await cluster.namespace("moves");
    ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace, logger: silent });
    client = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace, logger: clientLog });
    first = await startLocalBroker();
    await first.publish(ark, namespace);
    dispatcher = await startDispatcher({ client: ark, namespace, logger: silent });
    // A TTL far longer than the test: only dropping the address on a failed connection can find the moved broker.
    resolver = new ClusterQueryResolver(ark, { env: { ARK_SDK_SERVICE_URLS: "loopback" }, brokerCacheTtlMs: 600_000, logger: engineLog });
    app = new ExecutorApp(new ScriptedEngine(), "scripted", { resolver, logger: engineLog, shutdownGracePeriodMs: 200 });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    await ark.executionEngines.create({ metadata: { name: "scripted" }, spec: { address: { value: url } } });
    await ark.agents.create({ metadata: { name: "scripted-agent" }, spec: { prompt: "p", executionEngine: { name: "scripted" } } });
  });

  after(async () => {
    await dispatcher?.close();
    await app?.close({ gracePeriodMs: 100 });
    await resolver?.close();
    await first?.close();
    await second?.close();
    await third?.close();
    await followerApp?.close({ gracePeriodMs: 100 });
    await followerResolver?.close();
    await client?.close();
    await ark?.close();
  });

  /** Runs a streaming query through ark.queries.stream() (ARK_SDK_SERVICE_URLS=loopback) and returns the streamed text. */
  async function streamed(input: string, agent = "scripted-agent"): Promise<string> {
    const saved = process.env.ARK_SDK_SERVICE_URLS;
    process.env.ARK_SDK_SERVICE_URLS = "loopback";
    try {
      const query = await client.queries.start({ input, target: { type: "agent", name: agent } });
      let text = "";
      for await (const event of client.queries.stream(query.metadata.name ?? "", { signal: AbortSignal.timeout(60_000) })) {
        if (event.type === "text") text += event.text;
        if (event.type === "result") assert.equal(event.result.phase, "done");
      }
      return text;
    } finally {
      if (saved === undefined) delete process.env.ARK_SDK_SERVICE_URLS;
      else process.env.ARK_SDK_SERVICE_URLS = saved;
    }
  }

  const unreachable = (log: ReturnType<typeof recorder>) => log.lines.filter((l) => l.level === "warn" && l.message.startsWith("cannot reach ARK's broker"));

  it("streams through the published broker", async () => {
    assert.equal(await streamed("stream:one|two"), "onetwo");
    assert.deepEqual([unreachable(engineLog).length, unreachable(clientLog).length], [0, 0]);
  });

  it("down: N queries give exactly one warning per side, naming the URL and the variable to set", async () => {
    const url = first.url.replace(/\/+$/, "");
    await first.close();
    for (let i = 0; i < 4; i++) assert.equal(await streamed(`stream:down${i}`), "", "nothing streams, the answer still arrives");
    assert.equal(unreachable(engineLog).length, 1, JSON.stringify(engineLog.lines.filter((l) => l.level === "warn")));
    assert.equal(unreachable(clientLog).length, 1, JSON.stringify(clientLog.lines.filter((l) => l.level === "warn")));
    const brokerWarnings = engineLog.lines.filter((l) => l.level === "warn" && /broker/i.test(l.message));
    assert.equal(brokerWarnings.length, 1, `no other broker warning on the engine's side: ${JSON.stringify(brokerWarnings)}`);
    for (const line of [unreachable(engineLog)[0], unreachable(clientLog)[0]]) {
      assert.ok(line?.message.startsWith(`cannot reach ARK's broker at ${url} (`), line?.message);
      assert.match(line?.message ?? "", /ark-config-streaming ConfigMap, its Service mapped by ARK_SDK_SERVICE_URLS=loopback; is the local broker running\? Set ARK_SDK_BROKER_URL=<the broker's URL>/);
    }
  });

  it("moved: a broker published at a new port is used by the next query, without waiting for the TTL", async () => {
    second = await startLocalBroker();
    await second.publish(ark, namespace);
    // The engine reads the Service through its informer, which learns of the move a moment later: the first
    // queries may still fail (each dropping the address); the TTL (10 minutes) must not be what ends it.
    const started = Date.now();
    let text = "";
    for (let i = 0; text === "" && Date.now() - started < 30_000; i++) text = await streamed(`stream:back|${i}`);
    assert.match(text, /^back\d+$/, "a query streamed through the moved broker within 30 s");
    assert.equal(unreachable(engineLog).length, 1, "no new warning once the broker answers");
  });

  it("moved while the old broker still runs: the engine's default discovery follows the Service, not a 30 s TTL", async () => {
    // An engine with the default broker cache (informers; no explicit TTL), primed with the current broker.
    followerResolver = new ClusterQueryResolver(ark, { env: { ARK_SDK_SERVICE_URLS: "loopback" }, logger: silent });
    followerApp = new ExecutorApp(new ScriptedEngine(), "scripted", { resolver: followerResolver, logger: silent, shutdownGracePeriodMs: 200 });
    const url = await followerApp.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    await ark.executionEngines.create({ metadata: { name: "follower" }, spec: { address: { value: url } } });
    await ark.agents.create({ metadata: { name: "follower-agent" }, spec: { prompt: "p", executionEngine: { name: "follower" } } });
    assert.equal(await streamed("stream:via|second", "follower-agent"), "viasecond");

    third = await startLocalBroker();
    await third.publish(ark, namespace);
    // The old broker still accepts the engine's calls, so nothing fails: only re-reading the Service finds the new one.
    // 15 s is far below the 30 s a cached address would be kept, and far above an informer's delay.
    const started = Date.now();
    let text = "";
    for (let i = 0; text === "" && Date.now() - started < 15_000; i++) text = await streamed(`stream:third|${i}`, "follower-agent");
    assert.match(text, /^third\d+$/, "a query streamed through the newly published broker within 15 s");
  });
});
