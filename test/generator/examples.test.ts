// The generator's and validator's examples run and print what they promise.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "./helpers/paths.js";

function runExample(name: string): string {
  const res = spawnSync(process.execPath, ["--import", "tsx", join("examples", name)], { cwd: REPO_ROOT, encoding: "utf8", timeout: 60_000 });
  assert.equal(res.status, 0, `${name} failed:\n${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

describe("examples", () => {
  it("validate-agent.ts reports the manifest's problems with paths and rules", () => {
    const out = runExample("validate-agent.ts");
    assert.match(out, /^typed agent: 0 problems$/m);
    assert.match(out, /^manifest is an Agent: true$/m);
    assert.match(out, /^ {2}metadata\.name: must be a DNS subdomain.*\[metadata\]$/m);
    assert.match(out, /^ {2}spec\.promt: is not declared by the schema.*\[unknown-field\]$/m);
    assert.match(out, /^ {2}spec\.modelRef\.name: is required \[required\]$/m);
    assert.match(out, /^ {2}spec\.tools\[0\]\.type: must be one of .*\(got "mcp-server"\) \[enum\]$/m);
    assert.match(out, /^newer agent, strict: spec\.reasoningEffort \[unknown-field\]$/m);
    assert.match(out, /^newer agent, unknownFields ignored: 0 problems$/m);
  });

  it("generate-types.ts generates a typed kind from a CRD", () => {
    const out = runExample("generate-types.ts");
    assert.match(out, /wrote 4 files .* for 1 kind: Widget v1/);
    assert.match(out, /^files: index\.ts, registry\.ts, widget\.schema\.ts, widget\.ts$/m);
    assert.match(out, /color\?: "red" \| "green" \| \(string & \{\}\);/);
    assert.match(out, /port\?: number \| string;/);
    assert.match(out, /^ {2}size: number;$/m);
    assert.doesNotMatch(out, /How big the widget is/, "no description text copied");
  });
});
