/**
 * Control-plane start-up and stop times, medians over 5 runs.
 *
 * - cold: the first start in this process (files not yet in the page cache, CRDs installed)
 * - warm: later starts with ARK's CRDs
 * - bare: later starts with no CRDs (the floor the CRD install adds to)
 * - stop: stop() to every process gone and the temp dir removed
 * Baseline: exec of `kube-apiserver --version` (process start floor), printed as a ratio.
 */
import { execFileSync } from "node:child_process";
import { startControlPlane, findBinaries } from "../src/testing/index.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

async function timeStart(crds: "ark" | "none"): Promise<{ start: number; stop: number }> {
  const t0 = performance.now();
  const plane = await startControlPlane({ crds });
  const t1 = performance.now();
  await plane.close();
  return { start: t1 - t0, stop: performance.now() - t1 };
}

const bin = findBinaries().kubeApiserver;
const execTimes: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const t = performance.now();
  execFileSync(bin, ["--version"]);
  execTimes.push(performance.now() - t);
}
const baseline = median(execTimes);

const cold = await timeStart("ark");
const warm: number[] = [];
const stops: number[] = [cold.stop];
for (let i = 0; i < RUNS; i++) {
  const r = await timeStart("ark");
  warm.push(r.start);
  stops.push(r.stop);
}
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) bare.push((await timeStart("none")).start);

const row = (name: string, ms: number) => console.log(`${name.padEnd(34)} ${ms.toFixed(0).padStart(7)} ms   ${(ms / baseline).toFixed(1).padStart(7)}x baseline`);
console.log(`control plane (etcd + kube-apiserver v1.20.2), ${RUNS} runs, medians`);
row("baseline: kube-apiserver --version", baseline);
row("cold start to ready (ARK CRDs)", cold.start);
row("warm start to ready (ARK CRDs)", median(warm));
row("warm start, no CRDs", median(bare));
row("stop (processes gone, dir removed)", median(stops));
console.log(`CRD install share of a warm start: ${((1 - median(bare) / median(warm)) * 100).toFixed(0)}%`);
