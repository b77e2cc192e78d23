import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = (name: string) => `test/scripts/fixtures/${name}.fixture.ts`;

/** Runs scripts/run-tests.ts on fixture files; resolves with its exit code and output. */
function runner(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/run-tests.ts", ...args], {
      cwd: root,
      env: { ...process.env, ARK_SDK_TEST_NO_CONTROL_PLANE: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("scripts/run-tests.ts: unit files share processes", () => {
  it("runs files in one shared process, each file's top-level hooks scoped to its own tests", { timeout: 60_000 }, async () => {
    const { code, out } = await runner([fixture("hooks-a"), fixture("hooks-b")], { ARK_SDK_TEST_CONCURRENCY: "1" });
    assert.equal(code, 0, out);
    assert.match(out, /in 1 shared processes/);
    // Both files' modules load while the suites are built (in either order), before any test runs.
    assert.match(out, /modules loaded in this process: (a,b|b,a)\n/, "b was imported into the process that ran a");
    assert.match(out, /✔ b runs in a's process, after a's after hook/, "a's hooks ran around a's tests only");
    assert.match(out, /ℹ pass 2/);
    assert.match(out, /✔ test\/scripts\/fixtures\/hooks-a\.fixture\.ts/, "each file is a suite named after it");
  });

  it("--isolate gives each file a process of its own", { timeout: 60_000 }, async () => {
    const { code, out } = await runner(["--isolate", fixture("hooks-a"), fixture("hooks-b")]);
    assert.equal(code, 0, out);
    assert.doesNotMatch(out, /shared processes/);
    assert.match(out, /modules loaded in this process: b\b/);
  });

  it("a failing test in a shared process fails the run and is named under its file", { timeout: 60_000 }, async () => {
    const { code, out } = await runner([fixture("hooks-a"), fixture("fails")], { ARK_SDK_TEST_CONCURRENCY: "2" });
    assert.equal(code, 1, out);
    assert.match(out, /in 2 shared processes/);
    assert.match(out, /✖ test\/scripts\/fixtures\/fails\.fixture\.ts/);
    assert.match(out, /✖ fails on purpose/);
    assert.match(out, /ℹ fail 1/);
  });
});
