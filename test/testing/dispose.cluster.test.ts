// Every long-lived object closes through `await using`: its [Symbol.asyncDispose] calls its own close() exactly once
// when the scope ends (counted by wrapping close on the instance), and what it held is released (a closed client
// refuses calls, a closed server refuses connections). Real objects against the run's real control plane.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ArkClient, ClientClosedError, silentLogger, type Closeable } from "ark-sdk";
import { ClusterQueryResolver } from "ark-sdk/executor";
import { startDispatcher, startLocalBroker, startLocalOidcIssuer } from "ark-sdk/testing";
import { testCluster } from "../helpers/cluster.js";

/** Counts calls of `object.close()` from now on. */
function countCloses<T extends Closeable>(object: T): { object: T; closes: () => number } {
  let closes = 0;
  const original = object.close.bind(object);
  object.close = async () => {
    closes++;
    await original();
  };
  return { object, closes: () => closes };
}

const refused = (url: string) => assert.rejects(fetch(url, { signal: AbortSignal.timeout(5_000) }), /fetch failed/);

describe("await using closes every long-lived object", () => {
  it("ArkClient, Informer, ClusterQueryResolver, dispatcher and the test cluster", async () => {
    const counted: { name: string; closes: () => number }[] = [];
    let client: ArkClient | undefined;
    {
      await using cluster = await testCluster();
      counted.push({ name: "TestCluster", ...countCloses(cluster) });
      const ns = await cluster.namespace("dispose");
      await using ark = new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: silentLogger });
      counted.push({ name: "ArkClient", ...countCloses(ark) });
      client = ark;
      await using informer = ark.agents.informer();
      counted.push({ name: "Informer", ...countCloses(informer) });
      await informer.ready({ timeoutMs: 10_000 });
      await using resolver = new ClusterQueryResolver(new ArkClient({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: silentLogger }), { logger: silentLogger }, true);
      counted.push({ name: "ClusterQueryResolver", ...countCloses(resolver) });
      await using dispatcher = await startDispatcher({ kubeConfig: cluster.kubeConfig, namespace: ns, logger: silentLogger });
      counted.push({ name: "QueryDispatcher", ...countCloses(dispatcher) });
      assert.deepEqual(counted.map((c) => c.closes()), [0, 0, 0, 0, 0], "nothing closed before the scope ends");
    }
    assert.deepEqual(counted.map((c) => `${c.name}: ${c.closes()}`), counted.map((c) => `${c.name}: 1`));
    const error = await client?.agents.list().catch((e: unknown) => e);
    assert.ok(error instanceof ClientClosedError, String(error));
  });

  it("the local broker and the local OIDC issuer stop serving", async () => {
    let brokerUrl = "";
    let issuerUrl = "";
    const counted: (() => number)[] = [];
    {
      await using broker = await startLocalBroker({ logger: silentLogger });
      counted.push(countCloses(broker).closes);
      await using issuer = await startLocalOidcIssuer();
      counted.push(countCloses(issuer).closes);
      brokerUrl = broker.url;
      issuerUrl = `${issuer.issuer}/.well-known/openid-configuration`;
      assert.equal((await fetch(issuerUrl, { signal: AbortSignal.timeout(5_000) })).status, 200);
    }
    assert.deepEqual(counted.map((closes) => closes()), [1, 1]);
    await refused(`${brokerUrl}/health`);
    await refused(issuerUrl);
  });
});
