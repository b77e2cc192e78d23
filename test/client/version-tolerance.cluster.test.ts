// The client against a cluster running a newer ARK than its bundled schemas
// (audit gap 1, issue 11 §1): this file starts its own control plane whose
// MCPServer CRD declares `spec.toolCallTimeout` (ARK 0.1.68), then writes
// MCPServers that use it in each validation mode.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  ArgumentError, ArkClient, BUNDLED_ARK_VERSION, ValidationError,
  type KubernetesObject, type LogFields, type Logger, type MCPServer, type ResourceDescriptor, type ValidationMode,
} from "ark-sdk";
import { arkCustomResourceDefinitions } from "../../src/generated/index.js";
import type { CustomResourceDefinition } from "../../src/schema/index.js";
import { startControlPlane, type ControlPlane } from "../../src/testing/index.js";

type NewerMCPServer = MCPServer & { spec: MCPServer["spec"] & { toolCallTimeout?: string } };
type Crd = CustomResourceDefinition & KubernetesObject;

const crdDescriptor: ResourceDescriptor<Crd> = {
  group: "apiextensions.k8s.io", version: "v1", apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
  listKind: "CustomResourceDefinitionList", plural: "customresourcedefinitions", singular: "customresourcedefinition", shortNames: [],
  namespaced: false, storage: true, subresources: { status: true }, printerColumns: [],
};

/** The MCPServer CRD as ARK 0.1.68 ships it: `spec.toolCallTimeout` added (pattern from upstream #3073). */
function withToolCallTimeout(crd: CustomResourceDefinition): CustomResourceDefinition {
  const copy = structuredClone(crd);
  for (const version of copy.spec.versions) {
    const spec = version.schema?.openAPIV3Schema?.properties?.spec;
    assert.ok(spec?.properties, "the bundled MCPServer CRD has spec properties");
    spec.properties.toolCallTimeout = { type: "string", pattern: "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$" };
  }
  return copy;
}

const bundledMcp = (): CustomResourceDefinition => {
  const crd = arkCustomResourceDefinitions().find((c) => c.spec.names.kind === "MCPServer");
  assert.ok(crd);
  return crd;
};

function recordingLogger(): Logger & { warnings: { message: string; fields?: LogFields }[] } {
  const warnings: { message: string; fields?: LogFields }[] = [];
  const none = () => undefined;
  return { warnings, debug: none, info: none, error: none, warn: (message, fields) => warnings.push({ message, fields }) };
}

const mcp = (name: string, toolCallTimeout = "90s"): NewerMCPServer => ({
  apiVersion: "ark.mckinsey.com/v1alpha1", kind: "MCPServer",
  metadata: { name },
  spec: { address: { value: "http://mcp.example:8080/mcp" }, transport: "http", toolCallTimeout },
});

let plane: ControlPlane;
const clients: ArkClient[] = [];

function client(validation: ValidationMode | undefined, logger: Logger = recordingLogger()): ArkClient {
  const c = new ArkClient({ kubeConfig: plane.kubeConfig, namespace: "default", validation, logger, retry: { attempts: 2 } });
  clients.push(c);
  return c;
}

/** Replaces the cluster's MCPServer CRD and waits until the API server applies its schema to writes. */
async function installMcpCrd(admin: ArkClient, crd: CustomResourceDefinition, keepsField: boolean): Promise<void> {
  const crds = admin.resource(crdDescriptor);
  const current = await crds.get(crd.metadata.name);
  await crds.update({ ...(crd as Crd), metadata: { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion } }, { validate: false });
  const deadline = Date.now() + 20_000;
  for (;;) {
    const probe = await admin.mcpServers.create(mcp(`probe-${Date.now()}`), { dryRun: "All", validate: false });
    if ((probe as NewerMCPServer).spec.toolCallTimeout !== undefined === keepsField) return;
    assert.ok(Date.now() < deadline, "the API server did not pick up the replaced CRD within 20 s");
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  // Only the MCPServer CRD: the plane starts faster, and no other kind is written here.
  plane = await startControlPlane({ crds: [withToolCallTimeout(bundledMcp())] });
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await plane?.close();
});

describe("gap 1: writing objects of a newer ARK", { timeout: 120_000 }, () => {
  it("gap 1: default (lenient) mode creates, updates and applies them, warning once per field that the bundled schema is ARK v0.1.67", async () => {
    const logger = recordingLogger();
    const ark = client(undefined, logger);
    const created = (await ark.mcpServers.create(mcp("lenient"))) as NewerMCPServer;
    assert.equal(created.spec.toolCallTimeout, "90s", "the newer cluster keeps the field");
    // Read-modify-write of an object read from the newer cluster keeps the extra field.
    const read = (await ark.mcpServers.get("lenient")) as NewerMCPServer;
    read.spec.description = "edited";
    const updated = (await ark.mcpServers.update(read)) as NewerMCPServer;
    assert.equal(updated.spec.toolCallTimeout, "90s");
    assert.equal(updated.spec.description, "edited");
    const applied = (await ark.mcpServers.apply({ metadata: { name: "lenient" }, spec: { toolCallTimeout: "2m" } as never }, { fieldManager: "tuner", force: true })) as NewerMCPServer;
    assert.equal(applied.spec.toolCallTimeout, "2m");
    assert.equal(logger.warnings.length, 1, JSON.stringify(logger.warnings));
    const [warning] = logger.warnings;
    assert.match(warning!.message, /MCPServer field spec\.toolCallTimeout is not declared by the bundled schema \(ARK v0\.1\.67\)/);
    assert.equal(warning!.fields?.field, "spec.toolCallTimeout");
    assert.equal(BUNDLED_ARK_VERSION, "0.1.67");
  });

  it("gap 1: lenient mode still rejects what no ARK accepts (a wrong type), before any request", async () => {
    const ark = client("lenient");
    const error = await ark.mcpServers.create({ ...mcp("bad-type"), spec: { ...mcp("x").spec, transport: 7 as never } }).catch((e: unknown) => e);
    assert.ok(error instanceof ValidationError, String(error));
    assert.deepEqual(error.problems.map((p) => `${p.path} ${p.rule}`), ["spec.transport type", "spec.transport enum"]);
  });

  it("gap 1: strict mode refuses create, update and apply with a message naming the field and the bundled ARK version", async () => {
    const ark = client("strict");
    const lenient = client("lenient");
    await lenient.mcpServers.create(mcp("strict-target"));
    const existing = await ark.mcpServers.get("strict-target");
    const attempts = [
      ark.mcpServers.create(mcp("strict")),
      ark.mcpServers.update(existing),
      ark.mcpServers.apply({ metadata: { name: "strict-target" }, spec: { toolCallTimeout: "1m" } as never }),
    ];
    for (const attempt of await Promise.allSettled(attempts)) {
      assert.equal(attempt.status, "rejected");
      const error = (attempt as PromiseRejectedResult).reason as unknown;
      assert.ok(error instanceof ValidationError, String(error));
      assert.deepEqual(error.problems.map((p) => `${p.path} ${p.rule}`), ["spec.toolCallTimeout unknown-field"]);
      assert.match(error.message, /spec\.toolCallTimeout: is not declared by the schema: the API server drops it \(checked against the bundled ARK v0\.1\.67 schema, validation "strict"\)/);
    }
    assert.equal(await ark.mcpServers.getOrUndefined("strict"), undefined, "nothing was created");
  });

  it("gap 1: cluster mode validates against the installed CRD (read once per client): the new field passes, a typo fails", async () => {
    const logger = recordingLogger();
    const ark = client("cluster", logger);
    const created = (await ark.mcpServers.create(mcp("cluster"))) as NewerMCPServer;
    assert.equal(created.spec.toolCallTimeout, "90s");
    const read = (await ark.mcpServers.get("cluster")) as NewerMCPServer;
    read.spec.toolCallTimeout = "3m";
    assert.equal(((await ark.mcpServers.update(read)) as NewerMCPServer).spec.toolCallTimeout, "3m");
    await ark.mcpServers.apply({ metadata: { name: "cluster" }, spec: { toolCallTimeout: "4m" } as never }, { force: true });
    const badPattern = await ark.mcpServers.create(mcp("cluster-bad", "ninety seconds")).catch((e: unknown) => e);
    assert.ok(badPattern instanceof ValidationError);
    assert.deepEqual(badPattern.problems.map((p) => `${p.path} ${p.rule}`), ["spec.toolCallTimeout pattern"]);
    const typo = await ark.mcpServers.create({ ...mcp("cluster-typo"), spec: { ...mcp("x").spec, toolCallTimeOut: "1m" } as never }).catch((e: unknown) => e);
    assert.ok(typo instanceof ValidationError);
    assert.match(typo.message, /spec\.toolCallTimeOut: .*checked against the cluster's CRD mcpservers\.ark\.mckinsey\.com/);
    assert.deepEqual(logger.warnings, []);
    // One read for the writes, plus one re-read for each failing validation (in case the CRD just changed).
    assert.equal(clusterReads(ark), 3);
  });

  it("gap 1: cluster mode reads the CRD again when it changed, and the rejection an old schema caused goes away", async () => {
    const admin = client("lenient");
    const ark = client("cluster");
    try {
      await installMcpCrd(admin, bundledMcp(), false);
      const refused = await ark.mcpServers.create(mcp("upgrade")).catch((e: unknown) => e);
      assert.ok(refused instanceof ValidationError, "an ARK v0.1.67 cluster does not declare toolCallTimeout");
      assert.equal(clusterReads(ark), 2, "first read, then one re-read before failing");
      await ark.mcpServers.create({ ...mcp("plain"), spec: { address: { value: "http://m" } } });
      assert.equal(clusterReads(ark), 2, "a passing write uses the cached schema");
      await installMcpCrd(admin, withToolCallTimeout(bundledMcp()), true);
      const created = (await ark.mcpServers.create(mcp("upgrade"))) as NewerMCPServer;
      assert.equal(created.spec.toolCallTimeout, "90s");
      assert.equal(clusterReads(ark), 3, "the upgraded CRD was read once");
      await ark.mcpServers.create(mcp("upgrade-2"));
      assert.equal(clusterReads(ark), 3);
    } finally {
      await installMcpCrd(admin, withToolCallTimeout(bundledMcp()), true);
    }
  });

  it("gap 1: an unknown mode is an ArgumentError naming the modes", () => {
    assert.throws(() => new ArkClient({ kubeConfig: plane.kubeConfig, validation: "loose" as never }), (e: unknown) => e instanceof ArgumentError && /"lenient", "strict", "cluster"/.test(e.message));
  });
});

function clusterReads(ark: ArkClient): number {
  assert.equal(ark.schemaValidation.mode, "cluster");
  return ark.schemaValidation.clusterSchemas?.reads ?? -1;
}
