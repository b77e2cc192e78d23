// `ark-sdk control-plane up` starts a real control plane (its own, not the run's shared one).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";

describe("ark-sdk control-plane up", () => {
  it("runs a plane until SIGINT, then cleans up", { timeout: 180_000 }, async (t) => {
    const child = spawn(process.execPath, ["--import", "tsx", "-e", 'import("./src/cli/main.ts").then(m => m.main(["control-plane", "up", "--output", "json"])).then(c => process.exit(c))'], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    // A failed or cancelled test must not leave the CLI (and its plane) running.
    t.after(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const info = await new Promise<{ server: string; kubeconfig: string }>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve(JSON.parse(line) as { server: string; kubeconfig: string });
      });
      child.on("exit", (code) => reject(new Error(`exited early (${code}): ${stderr}`)));
    });
    assert.match(info.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(existsSync(info.kubeconfig));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    assert.equal(code, 0, stderr);
    assert.equal(existsSync(info.kubeconfig), false, "the plane's files are removed");
    assert.match(stderr, /control plane stopped/);
  });
});
