// The README's first command: the quickstart demo runs end to end and prints what it promises.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";

describe("examples/quickstart.ts", () => {
  it("runs a query through the example engine and prints the streamed answer and the final status", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "examples/quickstart.ts"], { encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 0, `quickstart failed:\n${run.stdout}\n${run.stderr}`);
    const out = run.stdout;
    assert.match(out, /^▸ starting a local control plane/m);
    assert.match(out, /^ {2}Model demo-model, ExecutionEngine summarizer, Agent release-notes$/m);
    assert.match(out, /^ {2}\[tool call\] rank_sentences\(\{"keywords":\[.*\],"keep":2\}\)$/m);
    assert.match(out, /^ {2}│ Summary for engineering managers \(2 of 4 sentences\):$/m, "the agent's parameters reached the engine");
    assert.equal((out.match(/^ {2}│ • /gm) ?? []).length, 2, "two bullets, as the agent's bullets parameter says");
    assert.match(out, /^ {2}phase: done$/m);
    const tokens = /^ {2}tokens: prompt (\d+), completion (\d+), total (\d+)$/m.exec(out);
    assert.ok(tokens, out);
    assert.equal(Number(tokens[1]) + Number(tokens[2]), Number(tokens[3]));
    assert.ok(Number(tokens[3]) > 0);
    assert.match(out, /^ {2}duration: [\d.]+(ms|s)$/m);
    assert.match(out, /^ {2}condition Completed=True \(QuerySucceeded\)$/m);
    assert.match(out, /^ {2}ExecutionEngine summarizer: phase ready, address http:\/\/127\.0\.0\.1:\d+$/m);
    assert.match(out, /^▸ stopped everything/m);
    assert.equal(run.stderr, "", "no warnings");
  });
});
