// The one service-URL rule (explicit option > ARK_SDK_BROKER_URL for the broker > ARK_SDK_SERVICE_URLS > default),
// its typed errors, and the unreachable-broker warning: once per outage and owner, naming the URL and the variable,
// counted on an engine streaming to a real loopback broker that goes down and comes back.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { clusterServiceUrl, ConfigError, loopbackServiceUrl, resolveServiceUrls, serviceUrlFromEnv } from "ark-sdk";
import { BaseExecutor, ExecutorApp, StaticQueryResolver, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { plainRequest, sendBody } from "./helpers.js";

describe("Service URL mapping from the environment", () => {
  const address = { name: "ark-broker", namespace: "team-a", port: 8080, path: "/stream" };

  it("uses cluster DNS unless told otherwise", () => {
    assert.equal(serviceUrlFromEnv({}), clusterServiceUrl);
    assert.equal(serviceUrlFromEnv({ ARK_SDK_SERVICE_URLS: "cluster" })(address), "http://ark-broker.team-a.svc.cluster.local:8080/stream");
  });

  it("maps Services to loopback for engines run against ark-sdk dev", () => {
    assert.equal(serviceUrlFromEnv({ ARK_SDK_SERVICE_URLS: " Loopback " }), loopbackServiceUrl);
    assert.equal(loopbackServiceUrl(address), "http://127.0.0.1:8080/stream");
  });
});

describe("the rule's precedence", () => {
  const custom = () => "http://custom";
  const rows: { env: NodeJS.ProcessEnv; options?: Parameters<typeof resolveServiceUrls>[0]; mode: string; service: string; broker: string | undefined; source: string }[] = [
    { env: {}, mode: "cluster", service: "http://b.n.svc.cluster.local:80", broker: undefined, source: "the default (cluster DNS)" },
    { env: {}, options: { defaultMode: "loopback" }, mode: "loopback", service: "http://127.0.0.1:80", broker: undefined, source: "the default (loopback)" },
    { env: { ARK_SDK_SERVICE_URLS: "loopback" }, mode: "loopback", service: "http://127.0.0.1:80", broker: undefined, source: "ARK_SDK_SERVICE_URLS=loopback" },
    { env: { ARK_SDK_SERVICE_URLS: "cluster" }, options: { defaultMode: "loopback" }, mode: "cluster", service: "http://b.n.svc.cluster.local:80", broker: undefined, source: "ARK_SDK_SERVICE_URLS=cluster" },
    { env: { ARK_SDK_SERVICE_URLS: "loopback" }, options: { serviceUrl: custom }, mode: "custom", service: "http://custom", broker: undefined, source: "the serviceUrl option" },
    { env: { ARK_SDK_BROKER_URL: "http://127.0.0.1:9/" }, mode: "cluster", service: "http://b.n.svc.cluster.local:80", broker: "http://127.0.0.1:9", source: "the default (cluster DNS)" },
    { env: { ARK_SDK_BROKER_URL: "http://127.0.0.1:9" }, options: { brokerUrl: "https://broker.example" }, mode: "cluster", service: "http://b.n.svc.cluster.local:80", broker: "https://broker.example", source: "the default (cluster DNS)" },
    { env: { ARK_SDK_BROKER_URL: "  ", ARK_SDK_SERVICE_URLS: "" }, mode: "cluster", service: "http://b.n.svc.cluster.local:80", broker: undefined, source: "the default (cluster DNS)" },
  ];
  for (const row of rows) {
    it(`${JSON.stringify(row.env)} ${JSON.stringify(row.options ?? {})} → ${row.mode}, broker ${row.broker ?? "discovered"}`, () => {
      const urls = resolveServiceUrls({ ...row.options, env: row.env });
      assert.equal(urls.serviceUrl({ name: "b", namespace: "n", port: 80 }), row.service);
      assert.deepEqual([urls.mode, urls.brokerUrl, urls.serviceUrlSource], [row.mode, row.broker, row.source]);
    });
  }
});

describe("bad values", () => {
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [{ ARK_SDK_SERVICE_URLS: "dns" }, /^ARK_SDK_SERVICE_URLS must be "cluster" or "loopback", got "dns"$/],
    [{ ARK_SDK_BROKER_URL: "127.0.0.1:8080" }, /^ARK_SDK_BROKER_URL must be an http:\/\/ or https:\/\/ URL such as http:\/\/127\.0\.0\.1:8080, got "127\.0\.0\.1:8080"$/],
    [{ ARK_SDK_BROKER_URL: "ftp://broker" }, /^ARK_SDK_BROKER_URL must be an http:\/\/ or https:\/\/ URL/],
    [{ ARK_SDK_BROKER_URL: "not a url" }, /^ARK_SDK_BROKER_URL must be an http:\/\/ or https:\/\/ URL/],
  ];
  it("are ConfigErrors naming the variable and what it allows, also when an option wins", () => {
    for (const [env, message] of cases) {
      for (const options of [{}, { serviceUrl: loopbackServiceUrl, brokerUrl: "http://127.0.0.1:1" }]) {
        assert.throws(() => resolveServiceUrls({ ...options, env }), (e: unknown) => e instanceof ConfigError && e.name === "ConfigError" && message.test(e.message), JSON.stringify(env));
      }
    }
    assert.throws(() => serviceUrlFromEnv({ ARK_SDK_SERVICE_URLS: "dns" }), ConfigError);
    assert.throws(() => resolveServiceUrls({ env: {}, brokerUrl: "broker:80" }), /^ConfigError: the brokerUrl option must be an http:\/\/ or https:\/\/ URL/);
  });
});

class Streamer extends BaseExecutor {
  constructor() {
    super("streamer");
  }
  async executeAgent(_request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    for (const piece of ["a", "b", "c", "d", "e"]) await ctx.streamChunk(piece);
    await ctx.streamToolCall("lookup", { q: 1 }, "call-1");
    return [{ role: "assistant", content: "abcde" }];
  }
}

/** A broker on loopback answering 200 to every call; closable and restartable on the same port. */
async function startBroker(port = 0): Promise<{ server: Server; port: number; calls: number }> {
  const broker = { server: undefined as unknown as Server, port: 0, calls: 0 };
  broker.server = createServer((req, res) => {
    broker.calls++;
    req.resume();
    req.on("end", () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => broker.server.listen(port, "127.0.0.1", resolve));
  broker.port = (broker.server.address() as AddressInfo).port;
  return broker;
}

const stop = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe("a broker that cannot be reached", () => {
  it("gives ONE warning across N executions, naming the URL and what to set; a later outage warns again", async () => {
    const lines: { level: string; message: string }[] = [];
    const record = (level: string) => (message: string) => void lines.push({ level, message });
    const logger = { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
    let broker = await startBroker();
    const url = `http://127.0.0.1:${broker.port}`;
    const resolver = new StaticQueryResolver({ brokerUrl: url, logger }).set("team-a", "q", { request: plainRequest() });
    const app = new ExecutorApp(new Streamer(), { resolver, logger });
    const run = async () => {
      const res = await app.fetch(new Request("http://engine.local/", { method: "POST", body: sendBody("hi", { name: "q", namespace: "team-a" }) }));
      assert.equal(((await res.json()) as { result: { parts: { text: string }[] } }).result.parts[0]?.text, "abcde", "the answer arrives anyway");
    };
    const unreachable = () => lines.filter((l) => l.level === "warn" && l.message.startsWith("cannot reach ARK's broker"));
    const warns = () => lines.filter((l) => l.level === "warn");
    try {
      await run();
      assert.equal(warns().length, 0, JSON.stringify(lines));
      const reached = broker.calls;
      assert.ok(reached >= 8, `every call reached the broker (${reached})`);

      await stop(broker.server);
      for (let i = 0; i < 4; i++) await run();
      assert.equal(unreachable().length, 1, JSON.stringify(warns()));
      assert.equal(warns().length, 1, `no other warning: ${JSON.stringify(warns())}`);
      const [warning] = unreachable();
      assert.match(warning?.message ?? "", new RegExp(`^cannot reach ARK's broker at ${url} \\([^)]+\\): live output is not streamed`));
      assert.match(warning?.message ?? "", /brokerUrl option/);
      // About one failed call per execution (plus, at most, the pooled socket the stopped broker reset): the rest of
      // a stream is skipped once nothing answered, instead of a connection attempt per chunk.
      const failed = 1 + lines.filter((l) => l.level === "debug" && l.message.startsWith("broker still unreachable")).length;
      assert.ok(failed >= 4 && failed <= 5, `failed calls: ${failed}`);
      assert.ok(lines.filter((l) => l.message.includes("skipped: the broker did not answer")).length >= 4 * 5, "the remaining calls were skipped");

      broker = await startBroker(broker.port);
      await run();
      assert.ok(broker.calls >= 8, "the broker back at the same URL is used at once");
      await stop(broker.server);
      await run();
      assert.equal(unreachable().length, 2, "a new outage after the broker answered warns again");
    } finally {
      await app.close();
      if (broker.server.listening) await stop(broker.server);
    }
  });
});
