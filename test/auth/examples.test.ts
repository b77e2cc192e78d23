// The auth examples run as a user would run them, and print what they promise.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, it } from "node:test";

const run = promisify(execFile);
const example = async (name: string) => (await run(process.execPath, ["--import", "tsx", `examples/${name}`], { timeout: 30_000 })).stdout;

describe("auth examples", () => {
  it("auth-validate.ts accepts a valid token and names each refusal", async () => {
    assert.equal(
      await example("auth-validate.ts"),
      [
        'valid: sub=alice groups=["ark-admins"]',
        "expired: ExpiredTokenError: Token has expired",
        "wrong audience: InvalidTokenError: Invalid token claims",
        "garbage: InvalidTokenError: Invalid token",
        "",
      ].join("\n"),
    );
  });

  it("auth-guard.ts keeps /health open and guards the rest", async () => {
    const lines = (await example("auth-guard.ts")).trim().split("\n");
    assert.equal(lines.length, 4);
    assert.match(lines[0] ?? "", /^GET \/health \(no credentials\) -> 200 .*"caller":"anonymous"/);
    assert.match(lines[1] ?? "", /^GET \/private \(no credentials\) -> 401 .*\[Bearer realm="ark"\]$/);
    assert.match(lines[2] ?? "", /^GET \/private Basic -> 401 .*error="invalid_request"/);
    assert.match(lines[3] ?? "", /^GET \/private bearer -> 200 .*"caller":"engine-client"/);
  });
});
