/**
 * The test runner behind `npm test`: starts one local control plane, publishes
 * it to every test file (ARK_SDK_TEST_CONTROL_PLANE), runs node's test runner
 * over test/** /*.test.ts (or the files/folders given) with --unhandled-rejections=strict, then stops the plane.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { startControlPlane, publishControlPlane, SHARED_PLANE_ENV } from "../src/testing/index.js";

function testFiles(root: string): string[] {
  const st = statSync(root);
  if (st.isFile()) return [root];
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(p));
    else if (entry.name.endsWith(".test.ts")) out.push(p);
  }
  return out.sort();
}

const args = process.argv.slice(2);
const files = (args.length > 0 ? args : ["test"]).flatMap(testFiles).map((f) => relative(process.cwd(), f));
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}

const started = Date.now();
const plane = await startControlPlane();
const infoPath = join(plane.dir, "plane.json");
await publishControlPlane(plane, infoPath);
console.log(`control plane ready at ${plane.server} in ${Date.now() - started} ms; running ${files.length} test files`);

const concurrency = process.env.ARK_SDK_TEST_CONCURRENCY ?? "2";
const child = spawn(
  process.execPath,
  ["--unhandled-rejections=strict", "--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-timeout=600000", "--test-reporter=spec", ...files],
  { stdio: "inherit", env: { ...process.env, [SHARED_PLANE_ENV]: infoPath } },
);
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
const code = await new Promise<number>((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? 1 : 0))));
await plane.stop();
process.exit(code);
