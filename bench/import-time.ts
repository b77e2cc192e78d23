// Import time of the built `ark-sdk` and `ark-sdk/executor` in a cold node process, median of N, against the same
// import followed by every optional peer (what the entry points would cost if they imported openai, ai, the MCP
// SDK and the OpenTelemetry SDK statically), measured in the same run, alternating. Each sample is one new process
// timing its own `await import(...)` (process start excluded). Needs dist/ (`npm run build`).
// Run: node --import tsx bench/import-time.ts   (BENCH_IMPORT_RUNS to change N, default 9)
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const root = new URL("../", import.meta.url);
if (!existsSync(new URL("dist/index.js", root))) {
  console.error("dist/ is missing: run `npm run build` first");
  process.exit(1);
}
const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 9);
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

/** ms one cold process takes to import `specifiers` in order. */
function sample(specifiers: string[]): number {
  const script = `const t = performance.now(); for (const s of ${JSON.stringify(specifiers)}) await import(s); console.log(performance.now() - t);`;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: root, encoding: "utf8" }).trim());
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

for (const entry of ["ark-sdk", "ark-sdk/executor"]) {
  const alone: number[] = [];
  const withPeers: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate who goes first: the machine is shared.
    if (i % 2 === 0) {
      alone.push(sample([entry]));
      withPeers.push(sample([entry, ...PEERS]));
    } else {
      withPeers.push(sample([entry, ...PEERS]));
      alone.push(sample([entry]));
    }
  }
  const a = median(alone);
  const b = median(withPeers);
  console.log(`${entry.padEnd(18)} import ${a.toFixed(1)} ms (median of ${RUNS}); with the optional peers ${b.toFixed(1)} ms; ratio ${(a / b).toFixed(2)} (peers avoided: ${(b - a).toFixed(1)} ms)`);
}
