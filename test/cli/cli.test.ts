import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = {
    stdout: "",
    stderr: "",
    isTty: false,
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
  };
  return io;
}

describe("ark-sdk CLI", () => {
  it("prints help and exits 0 on --help, 2 with no command", async () => {
    const io = capture();
    assert.equal(await main(["--help"], io), 0);
    assert.match(io.stdout, /control-plane setup\|up/);
    assert.equal(await main([], capture()), 2);
  });

  it("rejects an unknown command with exit code 2 and the help text", async () => {
    const io = capture();
    assert.equal(await main(["frobnicate"], io), 2);
    assert.match(io.stderr, /unknown command "frobnicate"/);
  });

  it("prints the package version", async () => {
    const io = capture();
    assert.equal(await main(["version"], io), 0);
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    assert.equal(io.stdout.trim(), pkg.version);
  });

  it("rejects a bad control-plane port before starting anything", async () => {
    const io = capture();
    assert.equal(await main(["control-plane", "up", "--port", "99999"], io), 2);
    assert.match(io.stderr, /--port must be a TCP port/);
  });
});
