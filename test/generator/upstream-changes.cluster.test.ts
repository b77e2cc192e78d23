// Objects written by a newer ARK than the CRDs this SDK was generated from
// (reference ark-crds.md §1.3: Query phase "queued", MCPServer
// spec.toolCallTimeout, enums on Team strategy and members[].type) stay
// readable and writable: open enums in the types (compiled in
// fixtures/typed-objects.ts), identity-only guards, and validation that can
// ignore what the old schema does not know. The old-schema API server prunes
// the new field rather than failing.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { testCluster, type TestCluster } from "../helpers/cluster.js";
import { isMCPServer, isQuery, isTeam, mcpServerDescriptor, validateMCPServer, validateQuery, validateTeam, type MCPServer, type Query, type QueryStatus } from "../../src/generated/index.js";
import { enumTeam, mcpServerWithToolCallTimeout, queuedQuery } from "./fixtures/typed-objects.js";
import { collectionPath, kubeRequest } from "./helpers/kube-request.js";

// As a newer server would send them over the wire.
const fromNewerServer = {
  query: JSON.parse(JSON.stringify({ ...queuedQuery, status: { phase: "queued", conditions: [] } })) as unknown,
  mcp: JSON.parse(JSON.stringify(mcpServerWithToolCallTimeout)) as unknown,
  team: JSON.parse(JSON.stringify(enumTeam)) as unknown,
};
const writeBack = { unknownFields: "ignore", status: "ignore" } as const;

describe("objects from a newer ARK", () => {
  it("pass the type guards and keep their new values", () => {
    assert.ok(isQuery(fromNewerServer.query));
    const phase: QueryStatus["phase"] = (fromNewerServer.query as Query).status?.phase;
    assert.equal(phase, "queued");
    assert.ok(isMCPServer(fromNewerServer.mcp));
    assert.equal((fromNewerServer.mcp as MCPServer & { spec: { toolCallTimeout?: string } }).spec.toolCallTimeout, "90s");
    assert.ok(isTeam(fromNewerServer.team));
  });

  it("are reported precisely by strict validation, and accepted for writing back", () => {
    assert.deepEqual(validateQuery(fromNewerServer.query).map((p) => `${p.path} ${p.rule}`), ["status.phase enum"]);
    assert.deepEqual(validateMCPServer(fromNewerServer.mcp).map((p) => `${p.path} ${p.rule}`), ["spec.toolCallTimeout unknown-field"]);
    assert.deepEqual(validateTeam(fromNewerServer.team), [], "strategy and members[].type are plain strings in this schema");
    assert.deepEqual(validateQuery(fromNewerServer.query, writeBack), []);
    assert.deepEqual(validateMCPServer(fromNewerServer.mcp, writeBack), []);
  });
});

describe("an API server with the older schema", () => {
  let cluster: TestCluster;
  let ns: string;
  before(async () => {
    cluster = await testCluster();
    ns = await cluster.namespace("newer-objects");
  });
  after(async () => {
    await cluster?.close();
  });

  it("prunes the newer field instead of failing the write", async () => {
    const path = collectionPath(mcpServerDescriptor.apiVersion, mcpServerDescriptor.plural, ns);
    const body = { ...(fromNewerServer.mcp as MCPServer), metadata: { name: `newer-${randomBytes(3).toString("hex")}` }, status: undefined };
    const res = await kubeRequest(cluster.kubeConfig, "POST", path, body);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal((res.body.spec as Record<string, unknown>).toolCallTimeout, undefined);
    assert.deepEqual(validateMCPServer(res.body), []);
  });
});
