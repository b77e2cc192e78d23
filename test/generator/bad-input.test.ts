// Bad generator input gets a GeneratorError naming file, kind, version and
// schema path; nothing is generated silently as `any`.
import assert from "node:assert/strict";
import { writeFile, rm, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { generate, GeneratorError, parseCrdText, readCrdFiles } from "../../src/generator/index.js";
import type { JsonSchemaProps } from "../../src/schema/json-schema.js";
import { source, testCrd } from "./helpers/crd-builder.js";
import { scratchDir } from "./helpers/paths.js";

const scratch: string[] = [];
after(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

function generatorError(fn: () => unknown): GeneratorError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GeneratorError, `expected a GeneratorError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a GeneratorError");
}

function schemaError(spec: unknown, kind = "Widget"): GeneratorError {
  return generatorError(() => generate([source(testCrd({ kind, spec: spec as JsonSchemaProps }))]));
}

describe("bad generator input", () => {
  it("names the file and document of something that is not a CRD", () => {
    const err = generatorError(() => parseCrdText("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n", "in/cm.yaml"));
    assert.equal(err.message, 'in/cm.yaml#0: is a "ConfigMap", not a CustomResourceDefinition');
    assert.match(generatorError(() => parseCrdText("- a\n- b\n", "list.yaml")).message, /^list\.yaml: is not a Kubernetes object/);
    assert.match(generatorError(() => parseCrdText("a: [\n", "broken.yaml")).message, /^broken\.yaml: is not valid YAML/);
  });

  it("refuses apiextensions v1beta1 and CRDs without the required fields", () => {
    assert.match(generatorError(() => parseCrdText("apiVersion: apiextensions.k8s.io/v1beta1\nkind: CustomResourceDefinition\n", "old.yaml")).message, /only apiextensions\.k8s\.io\/v1/);
    assert.match(generatorError(() => parseCrdText("apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec: {group: g}\n", "half.yaml")).message, /lacks spec\.group, spec\.names\.kind or spec\.names\.plural/);
  });

  it("names the version of a CRD without a structural schema", () => {
    const crd = testCrd({ kind: "Widget", version: "v2" });
    delete crd.spec.versions[0]!.schema;
    const err = generatorError(() => generate([source(crd, "widgets.yaml")]));
    assert.equal(err.message, "widgets.yaml: Widget v2: at $: has no schema (spec.versions[].schema.openAPIV3Schema): a structural schema is required");
    assert.deepEqual(err.location, { file: "widgets.yaml", kind: "Widget", version: "v2", path: "$" });
    const legacy = testCrd({ kind: "Widget" });
    legacy.spec.preserveUnknownFields = true;
    assert.match(generatorError(() => generate([source(legacy)])).message, /preserveUnknownFields: true/);
  });

  it("names the JSON path of a node without a type", () => {
    const err = schemaError({ type: "object", properties: { items: { type: "array", items: { properties: { a: { type: "string" } } } } } });
    assert.equal(err.location.path, "$.spec.items[*]");
    assert.match(err.message, /Widget v1: at \$\.spec\.items\[\*\]: has no type/);
  });

  it("names unsupported constructs", () => {
    assert.match(schemaError({ type: "object", properties: { a: { $ref: "#/definitions/x" } } }).message, /at \$\.spec\.a: unsupported schema construct "\$ref"/);
    assert.match(schemaError({ type: "object", patternProperties: { "^x": { type: "string" } } }).message, /at \$\.spec: unsupported schema construct "patternProperties"/);
    assert.match(schemaError({ type: "array", items: [{ type: "string" }] }).message, /at \$\.spec: unsupported schema construct: items as a list/);
    assert.match(schemaError({ type: "object", "x-made-up": true }).message, /unsupported schema construct "x-made-up"/);
    assert.match(schemaError({ type: "date" }).message, /unsupported type "date"/);
    assert.match(schemaError({ type: "object", properties: { a: { type: "string" } }, additionalProperties: { type: "string" } }).message, /both properties and additionalProperties/);
    assert.match(schemaError({ type: "string", anyOf: [{ type: "string" }] }).message, /"type" is not allowed inside allOf\/anyOf\/oneOf\/not/);
    assert.match(schemaError({ type: "array", "x-kubernetes-list-type": "map", items: { type: "object" } }).message, /needs x-kubernetes-list-map-keys/);
    assert.match(schemaError({ type: "string", pattern: "(?<" }).message, /is not a regular expression/);
  });

  it("reports a name clash between generated types with both places", () => {
    // spec.fooBar (object) and spec.foo.bar (object) both want the name WidgetSpecFooBar.
    const err = schemaError({
      type: "object",
      properties: {
        fooBar: { type: "object", properties: { x: { type: "string" } } },
        foo: { type: "object", properties: { bar: { type: "object", properties: { y: { type: "string" } } } } },
      },
    });
    assert.match(err.message, /name clash between generated types: "WidgetSpecFooBar" is also Widget v1 spec\./);
    assert.equal(err.location.kind, "Widget");
    const twice = generatorError(() => generate([source(testCrd({ kind: "Widget", group: "a.io" }), "a.yaml"), source(testCrd({ kind: "Widget", group: "b.io" }), "b.yaml")]));
    assert.match(twice.message, /name clash between generated types: the type name Widget would be generated for both a\.io\/v1 Widget \(a\.yaml\) and b\.io\/v1 Widget/);
    const reserved = generatorError(() => generate([source(testCrd({ kind: "ObjectMeta" }))]));
    assert.match(reserved.message, /name clash/);
  });

  it("says which path does not exist or holds no CRD files", async () => {
    const dir = await scratchDir("bad-input");
    scratch.push(dir);
    await assert.rejects(readCrdFiles([join(dir, "missing.yaml")]), (e: Error) => e instanceof GeneratorError && /missing\.yaml: does not exist/.test(e.message));
    await mkdir(join(dir, "empty"));
    await assert.rejects(readCrdFiles([join(dir, "empty")]), /holds no \.yaml, \.yml or \.json files/);
    await writeFile(join(dir, "two.yaml"), "---\n---\napiVersion: v1\nkind: Secret\n");
    await assert.rejects(readCrdFiles([join(dir, "two.yaml")]), /two\.yaml#1: is a "Secret"/);
    assert.throws(() => generate([]), /no CustomResourceDefinitions in the input/);
  });

  it("keeps CEL rules and warns that they are not checked client-side", () => {
    const result = generate([source(testCrd({ kind: "Widget", spec: { type: "object", "x-kubernetes-validations": [{ rule: "self.a > 0" }], properties: { a: { type: "integer" } } } }))]);
    assert.deepEqual(result.warnings, ["Widget v1: $.spec: 1 CEL rule(s) (x-kubernetes-validations) kept in the schema but not checked client-side"]);
  });

  it("never types a field as any", () => {
    const result = generate([source(testCrd({ kind: "Widget", spec: { type: "object", properties: { free: { "x-kubernetes-preserve-unknown-fields": true }, obj: { type: "object", "x-kubernetes-preserve-unknown-fields": true }, none: { type: "object" } } } }))]);
    const code = result.files.find((f) => f.path === "widget.ts")!.content;
    assert.match(code, /free\?: unknown;/);
    assert.match(code, /obj\?: Record<string, unknown>;/);
    assert.match(code, /none\?: Record<string, never>;/);
    assert.doesNotMatch(code, /\bany\b/);
  });
});
