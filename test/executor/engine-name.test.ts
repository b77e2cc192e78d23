// The engine's name is given once (super("MyEngine")); the Python SDK's second argument still works when it names
// the same engine; one casing rule: engineName as written, wire identifiers lower-cased. Real ExecutorApp over
// real node:http on loopback; `await using` disposes it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArgumentError } from "ark-sdk";
import { ExecutorApp, StaticQueryResolver, type ExecutorAppOptions } from "ark-sdk/executor";
import type { A2AAgentCard } from "ark-sdk/protocol";
import { TestEngine, plainRequest } from "./helpers.js";

const noop = () => {};
const options = (): ExecutorAppOptions => ({
  resolver: new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() }),
  logger: { debug: noop, info: noop, warn: noop, error: noop },
});

async function served(app: ExecutorApp): Promise<{ card: A2AAgentCard; health: { engine: string }; ready: { engine: string } }> {
  const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  const read = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000) });
    assert.equal(res.status, 200, path);
    return (await res.json()) as T;
  };
  return { card: await read("/.well-known/agent-card.json"), health: await read("/health"), ready: await read("/ready") };
}

describe("ExecutorApp: the engine's name, once", () => {
  it("takes the name from the executor: written form on engineName, lower-case on the wire", async () => {
    await using app = new ExecutorApp(new TestEngine("WeatherBot"), options());
    assert.equal(app.engineName, "WeatherBot");
    const { card, health, ready } = await served(app);
    assert.equal(card.name, "weatherbot");
    assert.equal(card.skills[0]?.id, "weatherbot-execute");
    assert.equal(card.skills[0]?.name, "WeatherBot Agent Execution");
    assert.equal(card.description, "WeatherBot execution engine");
    assert.equal(health.engine, "weatherbot");
    assert.equal(ready.engine, "weatherbot");
  });

  it("accepts the Python SDK's form, new ExecutorApp(executor, name), in any casing of the executor's name", async () => {
    await using app = new ExecutorApp(new TestEngine("WeatherBot"), "weatherbot", options());
    assert.equal(app.engineName, "WeatherBot", "the executor's written form wins");
    const { card } = await served(app);
    assert.equal(card.name, "weatherbot");
    assert.equal(card.skills[0]?.name, "WeatherBot Agent Execution");
  });

  it("refuses a second name that is not the executor's, naming both", () => {
    assert.throws(
      () => new ExecutorApp(new TestEngine("WeatherBot"), "OtherEngine", options()),
      (e: unknown) => e instanceof ArgumentError && e.name === "ArgumentError" && /"OtherEngine" is not the executor's name "WeatherBot"/.test(e.message),
    );
    assert.throws(() => new ExecutorApp(new TestEngine("WeatherBot"), "  ", options()), ArgumentError);
  });
});

describe("ExecutorApp: await using", () => {
  it("closes the server when the scope ends", async () => {
    let url = "";
    let seen: ExecutorApp | undefined;
    {
      await using app = new ExecutorApp(new TestEngine(), options());
      seen = app;
      url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
      assert.equal((await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })).status, 200);
    }
    assert.equal(seen.isDraining, true);
    await assert.rejects(fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) }), /fetch failed/);
  });
});
