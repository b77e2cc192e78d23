// ExecutorApp's throughput on ARK's path, driven by an external load generator: A2A `message/send` with ARK's exact
// controller request (resolved from memory by StaticQueryResolver, echo engine) and REST `/execute`, each as a ratio
// against a bare node:http server measured in the same run (see bench/executor-server-target.ts).
//
// Fairness:
// - Three processes: this one orchestrates; the servers (bare and ark-sdk) run in one process of their own; autocannon
//   runs in a third. So the servers' process CPU time is theirs alone.
// - The servers' process runs under plain `node` from an esbuild bundle of the target (no tsx loader or source-map
//   support in the measured process); BENCH_TSX=1 runs it under tsx instead (both servers alike either way).
// - The same request bytes go to both; the bare server parses them and serialises an answer of the same shape and
//   size as ExecutorApp's (checked at start-up); both answer with Content-Length in one write, keep-alive, the same
//   connection count.
// - A warm-up turn per server and mode, then rounds in which bare and ark-sdk alternate (who goes first swaps each
//   round); the summary gives the median of the rounds and their range.
// - Beside req/s, each turn's CPU µs per request of the servers' process: its ratio (bare ÷ ark-sdk, "throughput at
//   equal CPU") hardly moves when other work shares the machine, where req/s does.
// Run: node --import tsx bench/executor-server.ts
//   BENCH_ROUNDS (default 5), BENCH_SECONDS per turn (default 3), BENCH_CONNECTIONS (default 32),
//   BENCH_MODES (default "a2a,rest"), BENCH_TSX=1 (servers under tsx, not a plain-node build).
import { fork, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const MODES = (process.env.BENCH_MODES ?? "a2a,rest").split(",");
const UNDER_TSX = process.env.BENCH_TSX === "1";
const require = createRequire(import.meta.url);

interface Ready {
  appUrl: string;
  bareUrl: string;
  a2aBody: string;
  restBody: string;
  a2aBytes: number;
  restBytes: number;
  execArgv: string[];
}

interface Turn {
  rps: number;
  /** The servers' process CPU time per request, µs. */
  cpuUs: number;
  errors: number;
}

/** The servers' process: a plain-node bundle of the target (or the target under tsx). */
async function startServers(): Promise<{ child: ChildProcess; ready: Ready; cleanup: () => void }> {
  const target = fileURLToPath(new URL("./executor-server-target.ts", import.meta.url));
  let entry = target;
  let execArgv = ["--import", "tsx"];
  let cleanup = () => {};
  if (!UNDER_TSX) {
    const { build } = await import("esbuild");
    const dir = mkdtempSync(join(tmpdir(), "ark-sdk-bench-"));
    entry = join(dir, "executor-server-target.mjs");
    await build({
      entryPoints: [target],
      outfile: entry,
      bundle: true,
      platform: "node",
      format: "esm",
      target: `node${process.versions.node}`,
      logLevel: "error",
      // Bundled CommonJS dependencies call require().
      banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    });
    execArgv = [];
    cleanup = () => rmSync(dir, { recursive: true, force: true });
  }
  const fixture = fileURLToPath(new URL("../test/executor/fixtures/controller-message-send.json", import.meta.url));
  const child = fork(entry, [fixture], { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once("message", (message) => resolve(message as Ready));
    child.once("exit", (code) => reject(new Error(`the servers' process exited with ${code}`)));
  });
  return { child, ready, cleanup };
}

/** The servers' process's CPU time so far, µs. */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string; usage?: NodeJS.CpuUsage }) => {
      if (message.type !== "cpu" || !message.usage) return;
      child.off("message", onMessage);
      resolve(message.usage.user + message.usage.system);
    };
    child.on("message", onMessage);
    child.send({ type: "cpu" });
  });
}

/** One autocannon run in its own process. */
async function autocannon(child: ChildProcess, url: string, body: string): Promise<Turn> {
  const bin = require.resolve("autocannon/autocannon.js");
  const args = [bin, "-c", String(CONNECTIONS), "-d", String(SECONDS), "-m", "POST", "-H", "Content-Type=application/json; charset=utf-8", "-H", "Accept=application/json", "-b", body, "--json", url];
  const before = await cpuOf(child);
  const out = await new Promise<string>((resolve, reject) => {
    const load = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"] });
    let text = "";
    load.stdout.on("data", (c: Buffer) => (text += c.toString()));
    load.on("error", reject);
    load.on("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`autocannon exited with ${code}`))));
  });
  const used = (await cpuOf(child)) - before;
  const result = JSON.parse(out) as { requests: { total: number }; duration: number; errors: number; timeouts: number; non2xx: number };
  return { rps: result.requests.total / result.duration, cpuUs: used / result.requests.total, errors: result.errors + result.timeouts + result.non2xx };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(" ");

async function main(): Promise<void> {
  try {
    require.resolve("autocannon/autocannon.js");
  } catch {
    throw new Error("autocannon is not installed: run npm install (it is a dev dependency)");
  }
  const { child, ready, cleanup } = await startServers();
  const all = [
    { key: "a2a", name: "A2A message/send", bare: { url: ready.bareUrl, body: ready.a2aBody }, ark: { url: ready.appUrl, body: ready.a2aBody }, bytes: ready.a2aBytes, aim: 0.7 },
    { key: "rest", name: "REST /execute", bare: { url: `${ready.bareUrl}/execute`, body: ready.restBody }, ark: { url: `${ready.appUrl}/execute`, body: ready.restBody }, bytes: ready.restBytes, aim: 0.8 },
  ];
  const modes = all.filter((m) => MODES.includes(m.key));
  console.log(`autocannon in its own process, ${CONNECTIONS} connections, ${SECONDS} s per turn, ${ROUNDS} rounds; node ${process.version}; servers under ${UNDER_TSX ? "tsx" : "plain node (esbuild bundle)"}`);
  console.log(`answers (both servers alike): A2A ${ready.a2aBytes} bytes, REST ${ready.restBytes} bytes; load average ${load()}`);
  try {
    // Warm-up (JIT, connections).
    for (const mode of modes) {
      await autocannon(child, mode.bare.url, mode.bare.body);
      await autocannon(child, mode.ark.url, mode.ark.body);
    }
    for (const mode of modes) {
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      const bareCpu: number[] = [];
      const arkCpu: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? (["bare", "ark"] as const) : (["ark", "bare"] as const);
        const turn: Record<string, Turn> = {};
        for (const who of order) turn[who] = await autocannon(child, mode[who].url, mode[who].body);
        const b = turn.bare as Turn;
        const a = turn.ark as Turn;
        if (a.errors + b.errors > 0) console.log(`  (errors: bare ${b.errors}, ark-sdk ${a.errors})`);
        ratios.push(a.rps / b.rps);
        cpuRatios.push(b.cpuUs / a.cpuUs);
        bareCpu.push(b.cpuUs);
        arkCpu.push(a.cpuUs);
        console.log(`${mode.name.padEnd(18)} round ${round + 1}: bare ${b.rps.toFixed(0).padStart(6)} req/s, ark-sdk ${a.rps.toFixed(0).padStart(6)} req/s, ratio ${(a.rps / b.rps).toFixed(2)}; CPU/req bare ${b.cpuUs.toFixed(0)} µs, ark-sdk ${a.cpuUs.toFixed(0)} µs, ratio ${(b.cpuUs / a.cpuUs).toFixed(2)}`);
      }
      const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
      console.log(
        `${mode.name}: ark-sdk ${median(ratios).toFixed(2)}× bare node req/s (median; rounds ${range(ratios)}; aim ≥ ${mode.aim}); ` +
          `at equal CPU ${median(cpuRatios).toFixed(2)}× (rounds ${range(cpuRatios)}; CPU/req median bare ${median(bareCpu).toFixed(0)} µs, ark-sdk ${median(arkCpu).toFixed(0)} µs); load average ${load()}\n`,
      );
    }
  } finally {
    child.send({ type: "close" });
    await new Promise((r) => child.once("exit", r));
    cleanup();
  }
}

await main();
