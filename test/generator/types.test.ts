// Type-level tests: the generated types compile against valid objects of
// every kind and refuse wrong ones (fixtures/typed-objects.ts, whose
// expect-error lines must stay errors), and the code generated for the non-core CRDs
// type-checks under the repository's strict settings.
import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import ts from "typescript";
import { generate, readCrdFiles, writeGeneratedFiles } from "../../src/generator/index.js";
import { importsFrom } from "../../src/cli/generate.js";
import { REPO_ROOT, SHARED_CRDS, itWithCrds, scratchDir } from "./helpers/paths.js";

const FIXTURE = join(REPO_ROOT, "test", "generator", "fixtures", "typed-objects.ts");
const scratch: string[] = [];
after(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

/** The repository's compiler options (tsconfig.json), without emitting. */
const compilerOptions: ts.CompilerOptions = (() => {
  const read = ts.readConfigFile(join(REPO_ROOT, "tsconfig.json"), (p) => ts.sys.readFile(p));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, REPO_ROOT);
  return { ...parsed.options, noEmit: true, incremental: false };
})();

// One compiler host for every check: the standard library and ark-sdk's sources are parsed once, not once per
// check (tsc in a child process per check cost most of this file's time). Files the tests write are never cached.
const baseHost = ts.createCompilerHost(compilerOptions);
const SCRATCH_ROOT = join(REPO_ROOT, ".tmp");
const parsed = new Map<string, ts.SourceFile>();
const host: ts.CompilerHost = {
  ...baseHost,
  getSourceFile(fileName, languageVersion, onError, shouldCreate) {
    const scratchFile = fileName.startsWith(SCRATCH_ROOT);
    const hit = scratchFile ? undefined : parsed.get(fileName);
    if (hit) return hit;
    const file = baseHost.getSourceFile(fileName, languageVersion, onError, shouldCreate);
    if (file && !scratchFile) parsed.set(fileName, file);
    return file;
  },
};

/**
 * Type-checks `files` (and every file under `dir`, for generated code) with the repository's compiler options.
 * Only those files' diagnostics count: ark-sdk's own sources they import are type-checked by the build and lint.
 * Returns 0 when clean, else 2 (as tsc exits), and the diagnostics as tsc prints them.
 */
function typeCheck(files: readonly string[], dir?: string): { status: number; output: string } {
  const program = ts.createProgram({ rootNames: [...files], options: compilerOptions, host });
  const roots = new Set(files);
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  let checked = 0;
  for (const file of program.getSourceFiles()) {
    if (!roots.has(file.fileName) && !(dir !== undefined && file.fileName.startsWith(`${dir}/`))) continue;
    checked += 1;
    diagnostics.push(...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file));
  }
  // Every root was found and checked (a wrong path must not pass as "no errors").
  assert.ok(checked >= roots.size, `checked ${checked} of ${roots.size} files: ${[...roots].join(", ")}`);
  const output = ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => REPO_ROOT, getNewLine: () => "\n" });
  return { status: diagnostics.length === 0 ? 0 : 2, output };
}

describe("generated types", () => {
  it("compile against valid objects and reject the @ts-expect-error cases", async () => {
    const { status, output } = typeCheck([FIXTURE]);
    assert.equal(status, 0, output);
  });

  it("catch a wrong field when it is not expected (the check can fail)", async () => {
    const dir = await scratchDir("types-negative");
    scratch.push(dir);
    const file = join(dir, "wrong.ts");
    await writeFile(file, `import type { Agent } from "${relative(dir, join(REPO_ROOT, "src", "generated", "index.js"))}";\nexport const a: Agent = { apiVersion: "ark.mckinsey.com/v1alpha1", kind: "Agent", metadata: {}, spec: { modelRef: { namespace: "x" } } };\n`);
    const { status, output } = typeCheck([file]);
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
    const { status, output } = typeCheck([join(dir, "index.ts"), use], dir);
    assert.equal(status, 0, output);
  });
});
