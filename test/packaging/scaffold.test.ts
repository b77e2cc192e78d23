// Slow (issue 14, definition of done): `ark-sdk init engine` scaffolds a project into a temp dir, ark-sdk is
// installed there from its packed tarball (the template's other packages from the registry or npm's cache), and
// the scaffold's own `npm test`, typecheck and build pass. The openai scaffold installs through its own
// package.json; the minimal one is scaffolded by the packaged CLI, the ai-sdk one gets its AI SDK packages added,
// and both reuse the first one's node_modules. Needs dist/ (CI builds it before the tests).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";

const exec = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; version: string; devDependencies: Record<string, string> };
const built = existsSync(join(root, "dist", "index.js"));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

async function sh(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<string> {
  try {
    // Without NODE_TEST_CONTEXT: the scaffold's own `node --test` would otherwise skip its files as a nested run.
    const { NODE_TEST_CONTEXT: _nested, ...env } = process.env;
    const { stdout, stderr } = await exec(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, env: { ...env, npm_config_update_notifier: "false", NODE_OPTIONS: "" } });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`);
  }
}

const quiet: CliIo = { out: () => undefined, err: (t) => void process.stderr.write(t), isTty: false };

describe("a scaffolded engine project, with ark-sdk from its tarball", { skip: !built && !process.env.CI ? "dist/ not built (CI builds it; run npm run build)" : false }, () => {
  it("passes its own npm test, typecheck and build (openai, minimal and ai-sdk templates)", { timeout: 900_000 }, async () => {
    assert.ok(built, "dist/ is built");
    const tmp = mkdtempSync(join(tmpdir(), "ark-scaffold-"));
    try {
      await sh(npm, ["pack", "--ignore-scripts", "--pack-destination", tmp], root);
      const tarball = join(tmp, `${pkg.name}-${pkg.version}.tgz`);
      assert.ok(existsSync(tarball), `npm pack wrote ${readdirSync(tmp).join(", ")}`);

      // openai: scaffolded by the CLI, installed through its own package.json plus the tarball.
      const openai = join(tmp, "openai-engine");
      assert.equal(await main(["init", "engine", "openai-engine", "--dir", openai], quiet), 0);
      await sh(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], openai, 400_000);
      const installed = JSON.parse(readFileSync(join(openai, "node_modules", "ark-sdk", "package.json"), "utf8")) as { version: string };
      assert.equal(installed.version, pkg.version);
      assert.ok(!existsSync(join(openai, "node_modules", "ark-sdk", "src")), "the installed ark-sdk is the packed one (no sources)");
      const tested = await sh(npm, ["test"], openai);
      assert.match(tested, /# pass 2\b/);
      assert.match(tested, /# fail 0\b/);
      await sh(npm, ["run", "typecheck"], openai);
      await sh(npm, ["run", "build"], openai);
      assert.ok(existsSync(join(openai, "dist", "main.js")), "build writes dist/main.js, the Dockerfile's command");

      // minimal: scaffolded by the packaged CLI itself.
      const minimal = join(tmp, "minimal-engine");
      await sh(join(openai, "node_modules", ".bin", "ark-sdk"), ["init", "engine", "minimal-engine", "--template", "minimal", "--dir", minimal], openai);
      symlinkSync(join(openai, "node_modules"), join(minimal, "node_modules"), "dir");
      assert.match(await sh(npm, ["test"], minimal), /# pass 1\b/);
      await sh(npm, ["run", "typecheck"], minimal);

      // ai-sdk: its AI SDK packages added next to the first install.
      const aiSdk = join(tmp, "ai-engine");
      assert.equal(await main(["init", "engine", "ai-engine", "--template", "ai-sdk", "--dir", aiSdk], quiet), 0);
      const deps = (JSON.parse(readFileSync(join(aiSdk, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies;
      const extra = Object.entries(deps).filter(([name]) => name !== "ark-sdk").map(([name, range]) => `${name}@${range}`);
      await sh(npm, ["install", "--no-audit", "--no-fund", "--prefer-offline", "--no-save", tarball, ...extra], openai, 400_000);
      symlinkSync(join(openai, "node_modules"), join(aiSdk, "node_modules"), "dir");
      assert.match(await sh(npm, ["test"], aiSdk), /# pass 2\b/);
      await sh(npm, ["run", "typecheck"], aiSdk);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
