// The generated validators and the Kubernetes semantics of src/schema, on
// ARK's kinds and on small schemas using the keywords ARK's CRDs lack. (The
// same objects against a real API server: server-agreement.test.ts.)
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  a2aServerDescriptor,
  agentDescriptor,
  arkCustomResourceDefinitions,
  arkDescriptors,
  descriptorFor,
  isAgent,
  isQuery,
  validateAgent,
  validateModel,
  validateObject,
  validateQuery,
} from "../../src/generated/index.js";
import { agentSchema } from "../../src/generated/agent.schema.js";
import { buildCustomResourceDefinitions, createValidator, formatProblems, type JsonSchemaProps, type ValidationProblem } from "../../src/schema/index.js";
import { agent, arkConfig, model, query, VALID_OBJECTS } from "./fixtures/typed-objects.js";

const brief = (problems: ValidationProblem[]) => problems.map((p) => `${p.path} ${p.rule}`);

function validatorFor(spec: JsonSchemaProps, extra: Record<string, JsonSchemaProps> = {}) {
  const validate = createValidator({
    apiVersion: "test.ark-sdk.io/v1",
    kind: "Widget",
    namespaced: true,
    schema: { type: "object", properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, spec, ...extra } },
  });
  return (specValue: unknown, more: Record<string, unknown> = {}) => validate({ apiVersion: "test.ark-sdk.io/v1", kind: "Widget", metadata: { name: "w" }, spec: specValue, ...more });
}

describe("generated validators on ARK kinds", () => {
  it("accept a valid object of every kind, through validateObject too", () => {
    for (const obj of VALID_OBJECTS) assert.deepEqual(validateObject(obj), [], `${obj.kind}: ${formatProblems(validateObject(obj))}`);
  });

  it("report every problem with its path and rule", () => {
    const bad = {
      ...agent,
      metadata: { name: "Bad_Name" },
      spec: { prompt: 42, modelRef: {}, tools: [{ type: "nope" }, { name: "x" }], promt: "typo", parameters: [{ name: "" }] },
    };
    assert.deepEqual(brief(validateAgent(bad)), [
      "metadata.name metadata",
      "spec.promt unknown-field",
      "spec.modelRef.name required",
      "spec.parameters[0].name minLength",
      "spec.prompt type",
      "spec.tools[0].type enum",
      "spec.tools[1].type required",
    ]);
    const prompt = validateAgent(bad).find((p) => p.path === "spec.prompt")!;
    assert.equal(prompt.message, "must be a string (got integer)");
    assert.deepEqual(prompt.params, { type: "string" });
  });

  it("check apiVersion, kind and metadata", () => {
    assert.deepEqual(brief(validateAgent({ ...agent, apiVersion: "ark.mckinsey.com/v1", kind: "Agent" })), ["apiVersion const"]);
    assert.deepEqual(brief(validateAgent({ spec: {} })), ["metadata required", "apiVersion required", "kind required"]);
    assert.deepEqual(brief(validateAgent({ ...agent, metadata: { generateName: "agent-" } })), []);
    assert.deepEqual(brief(validateAgent({ ...agent, metadata: { name: "a", namespace: "Not_A_Label", labels: { "a/b/c": "x", ok: "-bad-" }, annotations: { "bad key": "v" } } })), [
      "metadata.namespace metadata",
      'metadata.labels["a/b/c"] metadata',
      "metadata.labels.ok metadata",
      'metadata.annotations["bad key"] metadata',
    ]);
    assert.deepEqual(brief(validateObject({ ...arkConfig, metadata: { name: "default", namespace: "ns" } })), ["metadata.namespace metadata"], "cluster-scoped");
    assert.deepEqual(brief(validateAgent("agent")), [" type"]);
  });

  it("validate model's deep, shared value sources and pattern/bounds", () => {
    const bad = structuredClone(model);
    bad.spec.config.bedrock = { maxTokens: 0, temperature: "1.5" };
    bad.spec.config.azure!.properties = { "weird key": { valueFrom: { secretKeyRef: { name: "s" } as { name: string; key: string } } } };
    assert.deepEqual(brief(validateModel(bad)), [
      'spec.config.azure.properties["weird key"].valueFrom.secretKeyRef.key required',
      "spec.config.bedrock.maxTokens minimum",
      "spec.config.bedrock.temperature pattern",
    ]);
  });

  it("can ignore pruned fields and status, as the client needs on create and update", () => {
    const sent = { ...query, spec: { ...query.spec, extra: 1 }, status: { phase: "queued", bogus: true } };
    assert.deepEqual(brief(validateQuery(sent)), ["spec.extra unknown-field", "status.bogus unknown-field", "status.phase enum"]);
    assert.deepEqual(brief(validateQuery(sent, { unknownFields: "ignore" })), ["status.phase enum"]);
    assert.deepEqual(brief(validateQuery(sent, { unknownFields: "ignore", status: "ignore" })), []);
  });

  it("answer validateObject for unknown kinds and descriptorFor lookups", () => {
    assert.deepEqual(brief(validateObject({ apiVersion: "v1", kind: "Pod" })), [" kind"]);
    assert.equal(descriptorFor("ark.mckinsey.com/v1alpha1", "Agent"), agentDescriptor);
    assert.equal(descriptorFor("ark.mckinsey.com/v1prealpha1", "A2AServer"), a2aServerDescriptor);
    assert.equal(descriptorFor("ark.mckinsey.com/v1alpha1", "A2AServer"), undefined);
    assert.equal(arkDescriptors.length, 11);
    assert.ok(isAgent(agent) && !isAgent(query) && isQuery(query) && !isAgent(null) && !isAgent("Agent"));
  });

  it("rebuild installable CRDs without description texts", () => {
    const crds = arkCustomResourceDefinitions();
    assert.equal(crds.length, 11);
    const agents = crds.find((c) => c.metadata.name === "agents.ark.mckinsey.com")!;
    assert.equal(agents.spec.scope, "Namespaced");
    assert.deepEqual(agents.spec.versions[0]!.subresources, { status: {} });
    assert.equal(agents.spec.versions[0]!.additionalPrinterColumns!.length, 3);
    assert.equal(crds.find((c) => c.spec.names.kind === "ArkConfig")!.spec.scope, "Cluster");
    const text = JSON.stringify(crds);
    assert.doesNotMatch(text, /"description"\s*:\s*"/);
    assert.doesNotMatch(text, /\$ref|\$defs/, "shared subtrees are inlined");
    assert.notEqual(arkCustomResourceDefinitions()[0], crds[0], "fresh objects each call");
  });

  it("put the versions of one kind into one CRD with exactly one storage version", () => {
    const v2 = { ...agentDescriptor, version: "v2", apiVersion: "ark.mckinsey.com/v2", storage: false };
    const [crd, ...rest] = buildCustomResourceDefinitions([
      { descriptor: { ...agentDescriptor, storage: false }, schema: agentSchema },
      { descriptor: v2, schema: agentSchema },
    ]);
    assert.equal(rest.length, 0);
    assert.deepEqual(crd!.spec.versions.map((v) => [v.name, v.served, v.storage]), [["v1alpha1", true, true], ["v2", true, false]]);
  });
});

describe("Kubernetes schema semantics", () => {
  it("x-kubernetes-int-or-string takes integers and strings only", () => {
    const v = validatorFor({ type: "object", properties: { port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] } } });
    assert.deepEqual(brief(v({ port: 80 })), []);
    assert.deepEqual(brief(v({ port: "http" })), []);
    assert.deepEqual(brief(v({ port: 1.5 })), ["spec.port x-kubernetes-int-or-string"]);
    assert.deepEqual(brief(v({ port: true })), ["spec.port x-kubernetes-int-or-string"]);
  });

  it("x-kubernetes-preserve-unknown-fields keeps anything below it", () => {
    const v = validatorFor({ type: "object", properties: { free: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { known: { type: "string" } } }, any: { "x-kubernetes-preserve-unknown-fields": true } } });
    assert.deepEqual(brief(v({ free: { known: "x", other: { deep: [1] } }, any: [1, "two"] })), []);
    assert.deepEqual(brief(v({ free: { known: 1 } })), ["spec.free.known type"]);
    assert.deepEqual(brief(v({ other: 1 })), ["spec.other unknown-field"]);
  });

  it("x-kubernetes-embedded-resource needs apiVersion and kind", () => {
    const v = validatorFor({ type: "object", properties: { template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true } } });
    assert.deepEqual(brief(v({ template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} } })), []);
    assert.deepEqual(brief(v({ template: { metadata: {} } })), ["spec.template.apiVersion required", "spec.template.kind required"]);
    assert.deepEqual(brief(v({ template: { apiVersion: "", kind: "Pod" } })), ["spec.template.apiVersion minLength"]);
  });

  it("x-kubernetes-list-type set and map reject duplicates at the repeated index", () => {
    const v = validatorFor({
      type: "object",
      properties: {
        tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
        ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name", "protocol"], items: { type: "object", required: ["name"], properties: { name: { type: "string" }, protocol: { type: "string", default: "TCP" }, port: { type: "integer" } } } },
        plain: { type: "array", "x-kubernetes-list-type": "atomic", items: { type: "string" } },
      },
    });
    assert.deepEqual(brief(v({ tags: ["a", "b"], ports: [{ name: "http", protocol: "TCP" }, { name: "http", protocol: "UDP" }], plain: ["x", "x"] })), []);
    assert.deepEqual(brief(v({ tags: ["a", "b", "a"], ports: [{ name: "a", port: 1 }, { name: "b" }, { name: "a", port: 2 }] })), ["spec.tags[2] x-kubernetes-list-type", "spec.ports[2] x-kubernetes-list-type"]);
  });

  it("nullable admits null; other nulls are reported as dropped, required ones as missing", () => {
    const v = validatorFor({
      type: "object",
      required: ["must"],
      properties: { maybe: { type: "string", nullable: true }, plain: { type: "string" }, withDefault: { type: "string", default: "d" }, must: { type: "string" }, list: { type: "array", items: { type: "string" } } },
    });
    assert.deepEqual(brief(v({ must: "x", maybe: null, withDefault: null })), []);
    assert.deepEqual(brief(v({ must: null, plain: null })), ["spec.must null", "spec.plain null", "spec.must required"]);
    assert.deepEqual(brief(v({ must: "x", list: ["a", null] })), ["spec.list[1] type"]);
  });

  it("a required field with a default may be omitted (the server fills it in)", () => {
    const v = validatorFor({ type: "object", required: ["mode", "name"], properties: { mode: { type: "string", default: "fast" }, name: { type: "string" } } });
    assert.deepEqual(brief(v({ name: "n" })), []);
    assert.deepEqual(brief(v({})), ["spec.name required"]);
  });

  it("checks the formats the server checks, and only those", () => {
    const v = validatorFor({ type: "object", properties: { at: { type: "string", format: "date-time" }, id: { type: "string", format: "uuid" }, data: { type: "string", format: "byte" }, n: { type: "integer", format: "int32" }, x: { type: "string", format: "made-up" } } });
    assert.deepEqual(brief(v({ at: "2024-02-03T04:05:06.789+01:00", id: "0F8FAD5B-D9CB-469F-A165-70867728950E", data: "aGVsbG8=", n: 2 ** 40, x: "anything" })), []);
    assert.deepEqual(brief(v({ at: "2024-02-03 04:05:06", id: "nope", data: "not base64!" })), ["spec.at format", "spec.id format", "spec.data format"]);
  });

  it("translates OpenAPI's boolean exclusive bounds", () => {
    const v = validatorFor({ type: "object", properties: { ratio: { type: "number", minimum: 0, exclusiveMinimum: true, maximum: 1 } } });
    assert.deepEqual(brief(v({ ratio: 1 })), []);
    assert.deepEqual(brief(v({ ratio: 0 })), ["spec.ratio exclusiveMinimum"]);
  });

  it("reports one problem for a failed anyOf, not one per branch", () => {
    const v = validatorFor({ type: "object", properties: { s: { type: "string", anyOf: [{ pattern: "^a" }, { pattern: "^b" }] } } });
    assert.deepEqual(brief(v({ s: "b1" })), []);
    assert.deepEqual(brief(v({ s: "c" })), ["spec.s anyOf"]);
  });
});
