// Packaging (issue 14, point 5): ark-sdk is ESM-only; `require()` of any entry point fails with an error that
// says so and how to load it instead, while `import` of the built package works. Runs against the built
// `dist/` through the package's own exports (Node's self-reference by package name).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { exports: Record<string, unknown>; files: string[] };
const entries = Object.keys(pkg.exports).filter((k) => k !== "./package.json").map((k) => (k === "." ? "ark-sdk" : `ark-sdk/${k.slice(2)}`));

describe("ESM-only packaging", () => {
  it("require() of every entry point throws ERR_ARK_SDK_ESM_ONLY naming import()", async () => {
    const script = `for (const e of ${JSON.stringify(entries)}) { try { require(e); console.log(e, "loaded"); } catch (err) { console.log(e, err.code, /import\\(/.test(err.message)); } }`;
    const { stdout } = await run(process.execPath, ["-e", script], { cwd: root, timeout: 30_000 });
    assert.deepEqual(stdout.trim().split("\n"), entries.map((e) => `${e} ERR_ARK_SDK_ESM_ONLY true`));
  });

  it("import() of every built entry point loads", { skip: !existsSync(new URL("dist/index.js", root)) && !process.env.CI ? "dist/ not built (npm test builds it)" : false }, async () => {
    const script = `for (const e of ${JSON.stringify(entries)}) { const m = await import(e); console.log(e, Object.keys(m).length > 0); }`;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: root, timeout: 60_000 });
    assert.deepEqual(stdout.trim().split("\n"), entries.map((e) => `${e} true`));
  });

  it("ships a LICENSE and source maps that carry their sources", () => {
    assert.ok(pkg.files.includes("LICENSE") && existsSync(new URL("LICENSE", root)));
    const map = new URL("dist/index.js.map", root);
    if (!existsSync(map)) return assert.ok(!process.env.CI, "CI builds dist/ before the tests");
    const parsed = JSON.parse(readFileSync(map, "utf8")) as { sources: string[]; sourcesContent?: string[] };
    assert.equal(parsed.sourcesContent?.length, parsed.sources.length, "every source is embedded (sourcesContent)");
  });
});
