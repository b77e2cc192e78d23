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
 *
 * Files that need no control plane share processes: they are dealt into as many
 * shards as the concurrency (ARK_SDK_TEST_CONCURRENCY, default 2), and each
 * shard is one process that imports its files, each inside a suite named after
 * the file (so a file's top-level before/after hooks stay scoped to its own
 * tests). Starting node with tsx and loading the SDK once per shard instead of
 * once per file is what keeps `test:unit` under a minute: about 0.8 s of CPU per
 * process, 56 files. `--isolate` (or ARK_SDK_TEST_ISOLATE=1) runs every file in
 * a process of its own, as cluster files always do, to rule out a test that
 * leaks global state into the next.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const CLUSTER_SUFFIX = ".cluster.test.ts";

/** Whether a test file needs a control plane (by its name). */
function needsControlPlane(file: string): boolean {
  return file.endsWith(CLUSTER_SUFFIX);
}

/**
 * Writes the shard entry files: each imports its test files, one suite per file.
 * Files are dealt in turn (sorted by path, so each folder is spread over the
 * shards), which balances them well enough without recorded timings.
 */
function writeShards(dir: string, shared: string[], count: number): string[] {
  const shards: string[][] = Array.from({ length: Math.min(count, shared.length) }, () => []);
  shared.forEach((file, i) => shards[i % shards.length]!.push(file));
  return shards.map((group, i) => {
    const lines = group.map((file) => `describe(${JSON.stringify(file)}, async () => { await import(${JSON.stringify(pathToFileURL(resolve(file)).href)}); });`);
    const path = join(dir, `shard-${i + 1}-of-${shards.length}.test.mjs`);
    writeFileSync(path, `import { describe } from "node:test";\n${lines.join("\n")}\n`);
    return path;
  });
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
// Set when this runner is itself started from a test: node --test would then skip every file and exit 0.
delete env.NODE_TEST_CONTEXT;
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

const concurrency = Number(process.env.ARK_SDK_TEST_CONCURRENCY ?? "2");
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error(`ARK_SDK_TEST_CONCURRENCY must be a whole number above 0, got ${process.env.ARK_SDK_TEST_CONCURRENCY}`);
  process.exit(1);
}
const timeoutMs = process.env.ARK_SDK_TEST_TIMEOUT_MS ?? "120000";
const isolate = argv.includes("--isolate") || process.env.ARK_SDK_TEST_ISOLATE === "1";
const shared = isolate ? [] : files.filter((f) => !needsControlPlane(f));
const shardDir = shared.length > 1 ? mkdtempSync(join(tmpdir(), "ark-sdk-test-shards-")) : undefined;
const entries = shardDir ? [...writeShards(shardDir, shared, concurrency), ...files.filter((f) => !shared.includes(f))] : files;
const sharing = shardDir ? `, the unit files in ${entries.length - (files.length - shared.length)} shared processes` : "";
console.log(`running ${files.length} test files (${files.length - clusterFiles} unit, ${clusterFiles} cluster${sharing})`);
const child = spawn(
  process.execPath,
  ["--unhandled-rejections=strict", "--import", "tsx", "--test", `--test-concurrency=${concurrency}`, `--test-timeout=${timeoutMs}`, "--test-reporter=spec", ...entries],
  { stdio: "inherit", env },
);
for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
const code = await new Promise<number>((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? 1 : 0))));
if (shardDir) rmSync(shardDir, { recursive: true, force: true });
await stopPlane();
console.log(`${files.length} test files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(code);
