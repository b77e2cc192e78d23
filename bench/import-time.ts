// Import time of ark-sdk's entry points in cold processes, as ratios against a baseline measured in the same run:
// `@kubernetes/client-node` (the Kubernetes client most TypeScript users already load). Each sample is one new
// process timing its own `await import(...)` (process start excluded); the median of N per entry; the order of the
// entries rotates from run to run (the machine is shared). Also `ark-sdk` and `ark-sdk/executor` followed by every
// optional peer (openai, ai, @ai-sdk/openai, the MCP SDK, the OpenTelemetry SDK): what the two entry points would
// cost if they loaded those peers, which they do not (test/packaging/optional-peers.test.ts checks that).
// Runs the built dist/ when it exists (`npm run build`), else the sources under tsx (then it says so: the figures
// include tsx's on-the-fly compilation and are not those users get).
// BENCH_IMPORT_BEFORE=<another checkout with its dist/ built> adds its `ark-sdk` and `ark-sdk/executor` (imported by
// file URL) to the same run, to show an import time unchanged (or not) since that version.
// Run: node --import tsx bench/import-time.ts   (BENCH_IMPORT_RUNS to change N, default and minimum 15)
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = new URL("../", import.meta.url);
const built = existsSync(new URL("dist/index.js", root));
const RUNS = Math.max(15, Number(process.env.BENCH_IMPORT_RUNS ?? 15));
const PEERS = [
  "openai",
  "ai",
  "@ai-sdk/openai",
  "@modelcontextprotocol/sdk/client/index.js",
  "@opentelemetry/api",
  "@opentelemetry/sdk-trace-node",
  "@opentelemetry/resources",
  "@opentelemetry/exporter-trace-otlp-http",
];
const BASELINE = "@kubernetes/client-node";

/** What one sample imports, in order. */
const cases: { label: string; specifiers: string[] }[] = [
  { label: BASELINE, specifiers: [BASELINE] },
  { label: "ark-sdk", specifiers: ["ark-sdk"] },
  { label: "ark-sdk/executor", specifiers: ["ark-sdk/executor"] },
  { label: "ark-sdk/openai", specifiers: ["ark-sdk/openai"] },
  { label: "ark-sdk/ai-sdk", specifiers: ["ark-sdk/ai-sdk"] },
  { label: "ark-sdk + all optional peers", specifiers: ["ark-sdk", ...PEERS] },
  { label: "ark-sdk/executor + all optional peers", specifiers: ["ark-sdk/executor", ...PEERS] },
];
const before = process.env.BENCH_IMPORT_BEFORE;
if (before) {
  const dist = pathToFileURL(`${resolve(before)}/dist/`);
  for (const [entry, file] of [["ark-sdk", "index.js"], ["ark-sdk/executor", "executor/index.js"]] as const) {
    const url = new URL(file, dist);
    if (!existsSync(url)) throw new Error(`BENCH_IMPORT_BEFORE: ${url.pathname} is missing (build that checkout first)`);
    cases.push({ label: `${entry} (before)`, specifiers: [url.href] });
  }
}

/** ms one cold process takes to import `specifiers` in order. */
function sample(specifiers: string[]): number {
  const script = `const t = performance.now(); for (const s of ${JSON.stringify(specifiers)}) await import(s); console.log(performance.now() - t);`;
  const args = [...(built ? [] : ["--import", "tsx"]), "--input-type=module", "-e", script];
  const out = execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" }).trim().split("\n").at(-1) ?? "";
  const ms = Number(out);
  if (!Number.isFinite(ms)) throw new Error(`no timing from ${specifiers.join(", ")}: ${out}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

console.log(`import time, ${built ? "built dist/" : "sources under tsx (no dist/: run `npm run build` for the figures users get)"}, median of ${RUNS} cold processes each`);
const samples = cases.map(() => [] as number[]);
for (let run = 0; run < RUNS; run++) {
  for (let k = 0; k < cases.length; k++) {
    const i = (k + run) % cases.length;
    samples[i]!.push(sample(cases[i]!.specifiers));
  }
}
const medians = samples.map(median);
const baseline = medians[0]!;
for (const [i, { label }] of cases.entries()) {
  const ms = medians[i]!;
  console.log(`${label.padEnd(38)} ${ms.toFixed(1).padStart(7)} ms   ×${(ms / baseline).toFixed(2)} of ${BASELINE}`);
}
for (const entry of ["ark-sdk", "ark-sdk/executor"]) {
  const alone = medians[cases.findIndex((c) => c.label === entry)]!;
  const withPeers = medians[cases.findIndex((c) => c.label === `${entry} + all optional peers`)]!;
  console.log(`${entry}: ×${(alone / withPeers).toFixed(2)} of the same import with every optional peer loaded (${(withPeers - alone).toFixed(1)} ms avoided)`);
}
if (before) {
  for (const entry of ["ark-sdk", "ark-sdk/executor"]) {
    const now = medians[cases.findIndex((c) => c.label === entry)]!;
    const then = medians[cases.findIndex((c) => c.label === `${entry} (before)`)]!;
    console.log(`${entry}: ×${(now / then).toFixed(2)} of the same entry in ${before}`);
  }
}
