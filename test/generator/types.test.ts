// Type-level tests: the generated types compile against valid objects of
// every kind and refuse wrong ones (fixtures/typed-objects.ts, whose
// expect-error lines must stay errors), and the code generated for the non-core CRDs
// type-checks under the repository's strict settings.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { generate, readCrdFiles, writeGeneratedFiles } from "../../src/generator/index.js";
import { importsFrom } from "../../src/cli/generate.js";
import { REPO_ROOT, SHARED_CRDS, itWithCrds, scratchDir } from "./helpers/paths.js";

const TSC = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
const FIXTURE = join(REPO_ROOT, "test", "generator", "fixtures", "typed-objects.ts");
const scratch: string[] = [];
after(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

/** Runs tsc with the repository's compiler options on `files`; returns its diagnostics. */
async function typeCheck(dir: string, files: readonly string[]): Promise<{ status: number | null; output: string }> {
  const config = join(dir, "tsconfig.json");
  await writeFile(config, JSON.stringify({ extends: join(REPO_ROOT, "tsconfig.json"), compilerOptions: { noEmit: true, incremental: false }, include: [], files }));
  const res = spawnSync(process.execPath, [TSC, "-p", config, "--pretty", "false"], { encoding: "utf8", timeout: 120_000 });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

describe("generated types", () => {
  it("compile against valid objects and reject the @ts-expect-error cases", async () => {
    const dir = await scratchDir("types");
    scratch.push(dir);
    const { status, output } = await typeCheck(dir, [FIXTURE]);
    assert.equal(status, 0, output);
  });

  it("catch a wrong field when it is not expected (the check can fail)", async () => {
    const dir = await scratchDir("types-negative");
    scratch.push(dir);
    const file = join(dir, "wrong.ts");
    await writeFile(file, `import type { Agent } from "${relative(dir, join(REPO_ROOT, "src", "generated", "index.js"))}";\nexport const a: Agent = { apiVersion: "ark.mckinsey.com/v1alpha1", kind: "Agent", metadata: {}, spec: { modelRef: { namespace: "x" } } };\n`);
    const { status, output } = await typeCheck(dir, [file]);
    assert.notEqual(status, 0);
    assert.match(output, /wrong\.ts.*Property 'name' is missing/);
  });

  itWithCrds("of the removed-from-core and marketplace CRDs type-check", async () => {
    const dir = await scratchDir("extra-kinds");
    scratch.push(dir);
    const sdkSrc = `${relative(dir, join(REPO_ROOT, "src"))}/`;
    const result = generate(await readCrdFiles([join(SHARED_CRDS, "removed-from-core"), join(SHARED_CRDS, "marketplace-ark-sandbox")]), { imports: importsFrom(sdkSrc) });
    await writeGeneratedFiles(dir, result.files);
    const use = join(dir, "use.ts");
    await writeFile(
      use,
      [
        'import { isSandbox, validateSandbox, type Sandbox, type Evaluation } from "./index.js";',
        'export const s: Sandbox = { apiVersion: "ark.mckinsey.com/v1alpha1", kind: "Sandbox", metadata: { name: "s" }, spec: { image: "python", resources: { limits: { cpu: "500m", memory: 1024 } } } };',
        'export const e: Evaluation["spec"]["type"] = "batch";',
        "export const ok: boolean = isSandbox(s) && validateSandbox(s).length === 0;",
        '// @ts-expect-error int-or-string values are numbers or strings',
        'export const bad: Sandbox = { ...s, spec: { resources: { limits: { cpu: true } } } };',
      ].join("\n"),
    );
    const { status, output } = await typeCheck(dir, [join(dir, "index.ts"), use]);
    assert.equal(status, 0, output);
  });
});
