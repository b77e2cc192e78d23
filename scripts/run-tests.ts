/**
 * The test runner behind `npm test` and `npm run test:unit`.
 *
 * Test files that need a Kubernetes control plane are named `*.cluster.test.ts`;
 * every other `*.test.ts` needs none. The runner starts one local control plane
 * only when a selected file needs it, publishes it to every test file
 * (ARK_SDK_TEST_CONTROL_PLANE), runs node's test runner over the files (with
 * --unhandled-rejections=strict), then stops the plane.
 *
 *   node --import tsx scripts/run-tests.ts [--unit | --cluster] [files or folders...]
 *
 * `--unit` keeps only the files that need no control plane, `--cluster` only
 * those that do; without files it runs test/. Each test fails after
 * ARK_SDK_TEST_TIMEOUT_MS (default 120,000 ms) unless it sets its own timeout.
 */
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const CLUSTER_SUFFIX = ".cluster.test.ts";

/** Whether a test file needs a control plane (by its name). */
function needsControlPlane(file: string): boolean {
  return file.endsWith(CLUSTER_SUFFIX);
}

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

const argv = process.argv.slice(2);
const only = argv.includes("--unit") ? "unit" : argv.includes("--cluster") ? "cluster" : "all";
const paths = argv.filter((a) => !a.startsWith("--"));
const files = (paths.length > 0 ? paths : ["test"])
  .flatMap(testFiles)
  .map((f) => relative(process.cwd(), f))
  .filter((f) => only === "all" || needsControlPlane(f) === (only === "cluster"));
if (files.length === 0) {
  console.error("no test files found");
  process.exit(1);
}

const clusterFiles = files.filter(needsControlPlane).length;
const env: NodeJS.ProcessEnv = { ...process.env };
let stopPlane = async (): Promise<void> => {};
const started = Date.now();
if (clusterFiles > 0) {
  // Loaded only when needed: a unit run does not even import the control plane's modules.
  const { startControlPlane, publishControlPlane, SHARED_PLANE_ENV } = await import("../src/testing/index.js");
  const plane = await startControlPlane();
  const infoPath = join(plane.dir, "plane.json");
  await publishControlPlane(plane, infoPath);
  env[SHARED_PLANE_ENV] = infoPath;
  stopPlane = () => plane.close();
  console.log(`control plane ready at ${plane.server} in ${Date.now() - started} ms`);
} else {
  // Tells test/helpers/cluster.ts to refuse to start a plane of its own.
  env.ARK_SDK_TEST_NO_CONTROL_PLANE = "1";
}
console.log(`running ${files.length} test files (${files.length - clusterFiles} unit, ${clusterFiles} cluster)`);

const concurrency = process.env.ARK_SDK_TEST_CONCURRENCY ?? "2";
const timeoutMs = process.env.ARK_SDK_TEST_TIMEOUT_MS ?? "120000";
const child = spawn(
  process.execPath,
  ["--unhandled-rejections=strict", "--import", "tsx", "--test", `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, "--test-reporter=spec", ...files],
  { stdio: "inherit", env },
);
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
const code = await new Promise<number>((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? 1 : 0))));
await stopPlane();
console.log(`${files.length} test files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(code);
