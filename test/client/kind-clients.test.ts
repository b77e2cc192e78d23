// The ARK clients' kind properties come from the generated kind tables: every generated kind has a typed client on
// ArkClient (at its storage version) and on the view of its API version, Queries and A2ATasks get their own clients,
// and the property names users already write stay. No cluster needed: clients connect only when used.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { KubeConfig } from "@kubernetes/client-node";
import { A2ATaskClient, ArkClient, QueryClient, ResourceClient, arkDescriptors, arkKinds, arkKindsByVersion, silentLogger } from "ark-sdk";
import { clientProperty } from "../../src/generator/naming.js";

const kubeConfig = new KubeConfig();
kubeConfig.loadFromOptions({
  clusters: [{ name: "c", server: "https://127.0.0.1:9", skipTLSVerify: true }],
  users: [{ name: "u", token: "t" }], contexts: [{ name: "x", cluster: "c", user: "u", namespace: "team-a" }], currentContext: "x",
});
const ark = new ArkClient({ kubeConfig, logger: silentLogger });
after(() => ark.close());

const props = (o: object) => o as unknown as Record<string, unknown>;

describe("ARK clients from the generated kind tables", () => {
  it("give every generated kind a typed client on ArkClient and on its version's view", () => {
    assert.ok(arkDescriptors.length >= 11, "the registry lists ARK's kinds");
    for (const descriptor of arkDescriptors) {
      const property = clientProperty(descriptor.kind, descriptor.plural);
      const view = props(ark)[descriptor.version];
      assert.ok(typeof view === "object" && view !== null, `ArkClient has a view of ${descriptor.apiVersion} (ark.${descriptor.version})`);
      const versioned = props(view)[property];
      assert.ok(versioned instanceof ResourceClient, `ark.${descriptor.version}.${property} is a client of ${descriptor.kind}`);
      assert.equal(versioned.descriptor, descriptor);
      assert.equal(versioned.namespace, descriptor.namespaced ? "team-a" : undefined);
      if (descriptor.storage) assert.equal(props(ark)[property], versioned, `ark.${property} is the same client as ark.${descriptor.version}.${property}`);
      assert.equal(ark.clientFor(descriptor.apiVersion, descriptor.kind), versioned, `clientFor(${descriptor.apiVersion}, ${descriptor.kind})`);
    }
  });

  it("have exactly the generated tables' kinds", () => {
    const clients = (o: object) => Object.entries(o).filter(([, v]) => v instanceof ResourceClient).map(([k]) => k).sort();
    assert.deepEqual(clients(ark), Object.keys(arkKinds).sort());
    for (const [apiVersion, table] of Object.entries(arkKindsByVersion)) {
      const version = apiVersion.slice(apiVersion.indexOf("/") + 1);
      assert.deepEqual(clients(props(ark)[version] as object), Object.keys(table).sort(), `the ${apiVersion} view`);
    }
  });

  it("keep the property names and client classes of the public API", () => {
    const expected: [string, abstract new (...args: never[]) => object][] = [
      ["agents", ResourceClient], ["models", ResourceClient], ["queries", QueryClient], ["teams", ResourceClient], ["tools", ResourceClient],
      ["memories", ResourceClient], ["mcpServers", ResourceClient], ["a2aTasks", A2ATaskClient], ["arkConfigs", ResourceClient],
      ["a2aServers", ResourceClient], ["executionEngines", ResourceClient],
    ];
    for (const [property, cls] of expected) assert.ok(props(ark)[property] instanceof cls, `ark.${property} is a ${cls.name}`);
    assert.ok(ark.v1alpha1.queries instanceof QueryClient);
    assert.ok(ark.v1alpha1.a2aTasks instanceof A2ATaskClient);
    assert.ok(!(ark.agents instanceof QueryClient));
    assert.equal(ark.inNamespace("other").agents.namespace, "other");
  });

  it("name a kind's property after its plural, camel-cased like the kind", () => {
    assert.equal(clientProperty("Agent", "agents"), "agents");
    assert.equal(clientProperty("MCPServer", "mcpservers"), "mcpServers");
    assert.equal(clientProperty("A2ATask", "a2atasks"), "a2aTasks");
    assert.equal(clientProperty("Memory", "memories"), "memories");
    assert.equal(clientProperty("Query", "queries"), "queries");
    assert.equal(clientProperty("Person", "people"), "people");
    assert.equal(clientProperty("ArkConfig", "arkconfigs"), "arkConfigs");
    assert.equal(clientProperty("Widget", "my-widgets"), "myWidgets");
  });
});
