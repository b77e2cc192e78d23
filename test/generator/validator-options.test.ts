// The decisions of src/schema/validator.ts on their own: which problems each
// ValidateOptions keeps (filterProblems) and what a validator says about a
// value that is not an object at all. Written against the survivors of a
// mutation run (README, "Mutation testing"): each case pins one decision.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createValidator, filterProblems, type ValidationProblem } from "../../src/schema/index.js";

const problem = (path: string, rule: string): ValidationProblem => ({ path, rule, message: `${path} ${rule}` });
const brief = (problems: ValidationProblem[]) => problems.map((p) => `${p.path} ${p.rule}`);

// Problems of every rule the options single out, in and out of `status`, plus paths that only look like status.
const PROBLEMS = [
  problem("spec.name", "type"),
  problem("spec.extra", "unknown-field"),
  problem("spec.gone", "null"),
  problem("status", "type"),
  problem("status.phase", "enum"),
  problem("status[0]", "type"),
  problem("statusMessage", "type"),
  problem("spec.status", "enum"),
  problem("", "kind"),
];

describe("filterProblems", () => {
  it("without options, or with the defaults spelled out, keeps every problem", () => {
    assert.deepEqual(brief(filterProblems(PROBLEMS, undefined)), brief(PROBLEMS));
    assert.deepEqual(brief(filterProblems(PROBLEMS, {})), brief(PROBLEMS));
    assert.deepEqual(brief(filterProblems(PROBLEMS, { unknownFields: "report", status: "validate" })), brief(PROBLEMS));
  });

  it('unknownFields: "ignore" drops unknown-field and null problems (wherever they are) and nothing else', () => {
    const withStatus = [...PROBLEMS, problem("status.extra", "unknown-field")];
    assert.deepEqual(brief(filterProblems(withStatus, { unknownFields: "ignore" })), [
      "spec.name type",
      "status type",
      "status.phase enum",
      "status[0] type",
      "statusMessage type",
      "spec.status enum",
      " kind",
    ]);
  });

  it('status: "ignore" drops problems at status, under status. and under status[ only, of every rule', () => {
    const withStatus = [...PROBLEMS, problem("status.extra", "unknown-field")];
    assert.deepEqual(brief(filterProblems(withStatus, { status: "ignore" })), [
      "spec.name type",
      "spec.extra unknown-field",
      "spec.gone null",
      "statusMessage type",
      "spec.status enum",
      " kind",
    ]);
  });

  it("both options together drop the union", () => {
    assert.deepEqual(brief(filterProblems(PROBLEMS, { unknownFields: "ignore", status: "ignore" })), ["spec.name type", "statusMessage type", "spec.status enum", " kind"]);
  });
});

describe("a validator given something that is not an object", () => {
  const validate = createValidator({
    apiVersion: "test.ark-sdk.io/v1",
    kind: "Widget",
    namespaced: false,
    schema: { type: "object", properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } } },
  });

  for (const [value, got] of [
    [null, "null"],
    [[], "array"],
    [[{ kind: "Widget" }], "array"],
    ["Widget", "string"],
    [7, "number"],
    [undefined, "undefined"],
    [true, "boolean"],
  ] as const) {
    it(`reports ${got} as one type problem at the root, and never throws`, () => {
      assert.deepEqual(validate(value), [{ path: "", rule: "type", message: `must be an object (got ${got})`, params: { type: "object" } }]);
    });
  }

  it("an object of the kind is checked by its schema, not refused as a non-object", () => {
    assert.deepEqual(validate({ apiVersion: "test.ark-sdk.io/v1", kind: "Widget", metadata: { name: "w" } }), []);
  });
});
