// The generator on ARK's real CRDs: the committed output is current, output
// is deterministic, and the non-core CRDs generate code that compiles.
import assert from "node:assert/strict";
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { generate, readCrdFiles, writeGeneratedFiles } from "../../src/generator/index.js";
import { run } from "../../src/cli/generate.js";
import { GENERATED_DIR, SHARED_CRDS, itWithCrds, scratchDir } from "./helpers/paths.js";

const scratch: string[] = [];
after(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), isTty: false }, out, err };
}

describe("generator on ARK's CRDs", () => {
  itWithCrds("reproduces the committed src/generated exactly", async () => {
    const result = generate(await readCrdFiles([SHARED_CRDS]));
    const committed = (await readdir(GENERATED_DIR)).filter((f) => f.endsWith(".ts")).sort();
    assert.deepEqual(result.files.map((f) => f.path).sort(), committed, "the set of generated files changed: run ark-sdk generate --crds ../shared/ark-crds --out src/generated --import-from ../");
    for (const file of result.files) {
      assert.equal(await readFile(join(GENERATED_DIR, file.path), "utf8"), file.content, `${file.path} differs from a fresh generation`);
    }
  });

  itWithCrds("generates the 11 core kinds with their contract names", async () => {
    const { models, files } = generate(await readCrdFiles([SHARED_CRDS]));
    assert.deepEqual(
      models.map((m) => `${m.kind}@${m.version}`),
      ["A2AServer@v1prealpha1", "A2ATask@v1alpha1", "Agent@v1alpha1", "ArkConfig@v1alpha1", "ExecutionEngine@v1prealpha1", "MCPServer@v1alpha1", "Memory@v1alpha1", "Model@v1alpha1", "Query@v1alpha1", "Team@v1alpha1", "Tool@v1alpha1"],
    );
    const all = files.map((f) => f.content).join("\n");
    for (const name of ["agentDescriptor", "modelDescriptor", "queryDescriptor", "teamDescriptor", "toolDescriptor", "memoryDescriptor", "mcpServerDescriptor", "a2aTaskDescriptor", "arkConfigDescriptor", "a2aServerDescriptor", "executionEngineDescriptor"]) {
      assert.match(all, new RegExp(`export const ${name}: ResourceDescriptor<`), name);
    }
    for (const name of ["interface AgentSpec ", "interface AgentSpecModelRef ", "interface QueryStatus ", "interface ValueSource ", "type AgentList = KubernetesList<Agent>", "function isAgent(", "function validateAgent(", "function validateObject(", "function descriptorFor(", "function arkCustomResourceDefinitions("]) {
      assert.ok(all.includes(name), `missing ${name}`);
    }
    assert.doesNotMatch(all, /:\s*any\b|<any>|any\[\]/, "no `any` in generated code");
  });

  itWithCrds("copies no description text of the CRDs into the output", async () => {
    const sources = await readCrdFiles([SHARED_CRDS]);
    const descriptions = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (typeof node === "object" && node !== null) {
        for (const [k, v] of Object.entries(node)) {
          if (k === "description" && typeof v === "string" && v.length > 25) descriptions.add(v.split("\n")[0]!.trim());
          else collect(v);
        }
      }
    };
    sources.forEach((s) => collect(s.crd));
    assert.ok(descriptions.size > 100, "the CRDs hold descriptions to look for");
    const output = generate(sources).files.map((f) => f.content).join("\n");
    const copied = [...descriptions].filter((d) => d.length > 25 && output.includes(d));
    assert.deepEqual(copied, []);
  });

  itWithCrds("is deterministic and independent of input order and formatting", async () => {
    const sources = await readCrdFiles([SHARED_CRDS]);
    const a = generate(sources);
    // Reversed order, keys re-ordered (as a cluster returns them), descriptions dropped, other metadata.
    const shuffle = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(shuffle) : typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !(k === "description" && typeof x === "string")).reverse().map(([k, x]) => [k, shuffle(x)])) : v;
    const b = generate([...sources].reverse().map((s) => ({ origin: `other/${s.origin}`, crd: { ...(shuffle(s.crd) as typeof s.crd), metadata: { name: s.crd.metadata.name, resourceVersion: "42", uid: "u" } } })));
    assert.equal(b.inputHash, a.inputHash);
    assert.deepEqual(b.files, a.files);
  });

  itWithCrds("changes the content hash when the schema changes", async () => {
    const sources = await readCrdFiles([join(SHARED_CRDS, "ark.mckinsey.com_teams.yaml")]);
    const before = generate(sources);
    const changed = structuredClone(sources);
    changed[0]!.crd.spec.versions[0]!.schema!.openAPIV3Schema!.properties!.spec!.properties!.strategy!.enum = ["sequential", "selector"];
    const afterChange = generate(changed);
    assert.notEqual(afterChange.inputHash, before.inputHash);
    assert.match(afterChange.files.find((f) => f.path === "team.ts")!.content, /strategy: "sequential" \| "selector" \| \(string & \{\}\);/);
  });

  itWithCrds("handles the removed-from-core and marketplace CRDs", async () => {
    const result = generate(await readCrdFiles([join(SHARED_CRDS, "removed-from-core"), join(SHARED_CRDS, "marketplace-ark-sandbox")]), { imports: { meta: "x", descriptor: "x", schema: "x" } });
    assert.deepEqual(result.models.map((m) => m.kind), ["Evaluation", "Evaluator", "Sandbox", "SandboxPool", "SandboxTemplate"]);
    const shared = result.files.find((f) => f.path === "shared.ts")!.content;
    assert.match(shared, /export interface Resources \{\n {2}limits\?: Record<string, number \| string>;/, "int-or-string maps, shared by Sandbox and SandboxTemplate");
    const sandbox = result.files.find((f) => f.path === "sandbox.ts")!.content;
    assert.match(sandbox, /shortNames: \["sbx"\]/);
    const template = result.files.find((f) => f.path === "sandbox-template.ts")!.content;
    assert.match(template, /subresources: \{ status: false \}/);
    assert.doesNotMatch(template, /status\?:/, "SandboxTemplate has no status field");
  });
});

describe("ark-sdk generate (CLI)", () => {
  itWithCrds("writes, then --check passes, then --check fails after an edit and stale files are removed", async () => {
    const out = await scratchDir("cli");
    scratch.push(out);
    const first = captureIo();
    assert.equal(await run(["--crds", join(SHARED_CRDS, "ark.mckinsey.com_teams.yaml"), "--crds", join(SHARED_CRDS, "ark.mckinsey.com_agents.yaml"), "--out", out], first.io), 0, first.err.join(""));
    assert.match(first.out.join(""), /wrote \d+ files .* for 2 kinds: Agent v1alpha1, Team v1alpha1/);
    assert.match(await readFile(join(out, "agent.ts"), "utf8"), /from "ark-sdk";/, "imports the package by default");
    const check = captureIo();
    assert.equal(await run(["--crds", join(SHARED_CRDS, "ark.mckinsey.com_teams.yaml"), "--crds", join(SHARED_CRDS, "ark.mckinsey.com_agents.yaml"), "--out", out, "--check"], check.io), 0);
    const regenerate = captureIo();
    assert.equal(await run(["--crds", join(SHARED_CRDS, "ark.mckinsey.com_teams.yaml"), "--out", out], regenerate.io), 0);
    assert.match(regenerate.out.join(""), /removed stale generated files: agent.schema.ts, agent.ts/);
    const stale = captureIo();
    assert.equal(await run(["--crds", join(SHARED_CRDS, "ark.mckinsey.com_agents.yaml"), "--out", out, "--check"], stale.io), 1);
    assert.match(stale.err.join(""), /agent\.ts \(missing\)/);
  });

  it("answers usage errors with exit code 2 and help with 0", async () => {
    for (const argv of [[], ["--out", "x"], ["--crds", "a", "--from-cluster", "--out", "x"], ["--crds", "a"], ["--crds", "a", "--out", "x", "--context", "c"], ["--bogus"]]) {
      const c = captureIo();
      assert.equal(await run(argv, c.io), 2, argv.join(" "));
      assert.match(c.err.join(""), /Usage: ark-sdk generate/);
    }
    const help = captureIo();
    assert.equal(await run(["--help"], help.io), 0);
    assert.match(help.out.join(""), /--from-cluster/);
  });

  it("fails with exit code 1 and the file name for bad input", async () => {
    const c = captureIo();
    const dir = await scratchDir("bad-input");
    scratch.push(dir);
    const notes = join(dir, "NOTES.md");
    await writeFile(notes, "# Notes\n\nNot a CustomResourceDefinition.\n");
    assert.equal(await run(["--crds", notes, "--out", "/nonexistent"], c.io), 1);
    assert.match(c.err.join(""), /NOTES\.md/);
  });
});

describe("writeGeneratedFiles", () => {
  it("leaves files it did not generate alone", async () => {
    const out = await scratchDir("write");
    scratch.push(out);
    await writeGeneratedFiles(out, [{ path: "a.ts", content: "// Generated by `ark-sdk generate`. Do not edit: regenerate instead.\n" }]);
    await writeFile(join(out, "mine.ts"), "export const x = 1;\n");
    const removed = await writeGeneratedFiles(out, [{ path: "b.ts", content: "// Generated by `ark-sdk generate`. Do not edit: regenerate instead.\n" }]);
    assert.deepEqual(removed, ["a.ts"]);
    assert.deepEqual((await readdir(out)).sort(), ["b.ts", "mine.ts"]);
  });
});

describe("CRDs with several versions", () => {
  it("gives the storage version the plain names and the others a version suffix, skips unserved ones", async () => {
    const { testCrd, source } = await import("./helpers/crd-builder.js");
    const crd = testCrd({ kind: "Widget", spec: { type: "object", properties: { size: { type: "integer" } } } });
    const v1 = crd.spec.versions[0]!;
    crd.spec.versions = [
      { ...structuredClone(v1), name: "v1beta1", storage: false },
      v1,
      { ...structuredClone(v1), name: "v2alpha1", storage: false, served: false },
    ];
    const result = generate([source(crd)]);
    assert.deepEqual(result.models.map((m) => [m.typeName, m.valueName, m.fileName, m.storage]), [
      ["Widget", "widget", "widget", true],
      ["WidgetV1beta1", "widgetV1beta1", "widget-v1beta1", false],
    ]);
    const beta = result.files.find((f) => f.path === "widget-v1beta1.ts")!.content;
    assert.match(beta, /export interface WidgetV1beta1 \{\n {2}apiVersion: "test\.ark-sdk\.io\/v1beta1";/);
    assert.match(beta, /export const widgetV1beta1Descriptor: ResourceDescriptor<WidgetV1beta1>/);
    assert.match(beta, /export function isWidgetV1beta1\(/);
    const registry = result.files.find((f) => f.path === "registry.ts")!.content;
    assert.match(registry, /descriptor: widgetDescriptor/);
    assert.match(registry, /descriptor: widgetV1beta1Descriptor/);
  });
});
