// ExecutorApp's throughput on ARK's path, driven by an external load generator (autocannon, run as its own
// process so it does not share the servers' event loop): A2A `message/send` with ARK's exact controller request
// (resolved from memory by StaticQueryResolver, echo engine) and REST `/execute`, each as a ratio against a bare
// node:http server that parses the JSON body and answers a fixed JSON reply, measured in the same run. The
// servers take turns (bare and ark-sdk alternating, who goes first swapping every round), so the machine's noise
// hits both alike; each round prints its own ratio and the summary gives the range. Because the load generator
// runs elsewhere, this process's CPU time is the servers' own: CPU µs per request is printed too, and its ratio
// (bare ÷ ark-sdk, "throughput at equal CPU") is steadier than req/s on a machine shared with other work.
// Run: node --import tsx bench/executor-server.ts
//   BENCH_ROUNDS (default 3), BENCH_SECONDS per turn (default 3), BENCH_CONNECTIONS (default 32).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BaseExecutor, ExecutorApp, StaticQueryResolver, type ExecutionEngineRequest, type Message } from "../src/executor/index.js";
import { toWireRequest } from "../src/executor/types.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const silent = { debug() {}, info() {}, warn() {}, error() {} };

class EchoEngine extends BaseExecutor {
  constructor() {
    super("Echo");
  }
  async executeAgent(request: ExecutionEngineRequest): Promise<Message[]> {
    return [{ role: "assistant", content: `echo: ${request.userInput.content}` }];
  }
}

/** What the weather Query of ARK's controller request resolves to: an agent with a model and parameters. */
const resolved: Omit<ExecutionEngineRequest, "userInput" | "conversationId"> = {
  agent: {
    name: "weather-agent",
    namespace: "team-a",
    prompt: "You forecast the weather for {{city}}.",
    description: "Forecasts",
    parameters: [{ name: "city", value: "Lisbon" }],
    model: { name: "gpt-4.1", type: "openai", config: { openai: { apiKey: "sk-bench", baseUrl: "https://llm.example/v1", properties: { temperature: "0.2" }, headers: {} } } },
    labels: { team: "a" },
    annotations: {},
  },
  mcpServers: [],
  queryAnnotations: {},
  executionEngineAnnotations: {},
};

/** The floor: read the body, JSON.parse it, answer a fixed JSON reply in one write. */
async function startBare(): Promise<Server> {
  const reply = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { kind: "message", role: "agent", messageId: "m-response", contextId: "conv-123", parts: [{ kind: "text", text: "echo: Is 2 < 3 & why?" }] } });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(reply) }).end(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

interface Turn {
  rps: number;
  /** This process's CPU time per request, µs (the servers' work; the load generator is another process). */
  cpuUs: number;
  errors: number;
}

/** One autocannon run in its own process. */
function autocannon(url: string, body: string): Promise<Turn> {
  const bin = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
  const args = [bin, "-c", String(CONNECTIONS), "-d", String(SECONDS), "-m", "POST", "-H", "Content-Type=application/json; charset=utf-8", "-H", "Accept=application/json", "-b", body, "--json", url];
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const used = process.cpuUsage(cpu);
      const result = JSON.parse(out) as { requests: { total: number }; duration: number; errors: number; timeouts: number; non2xx: number };
      resolve({ rps: result.requests.total / result.duration, cpuUs: (used.user + used.system) / result.requests.total, errors: result.errors + result.timeouts + result.non2xx });
    });
  });
}

async function check(url: string, body: string, expect: string): Promise<void> {
  const text = await (await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } })).text();
  if (!text.includes(expect)) throw new Error(`${url} answered ${text}`);
}

async function main(): Promise<void> {
  try {
    createRequire(import.meta.url).resolve("autocannon/autocannon.js");
  } catch {
    throw new Error("autocannon is not installed: run npm install (it is a dev dependency)");
  }
  const a2aBody = readFileSync(new URL("../test/executor/fixtures/controller-message-send.json", import.meta.url), "utf8");
  const restBody = JSON.stringify(toWireRequest({ ...resolved, userInput: { role: "user", content: "Is 2 < 3 & why?" }, conversationId: "conv-123" }));
  const bare = await startBare();
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const resolver = new StaticQueryResolver().set("team-a", "weather-query", { request: resolved });
  const app = new ExecutorApp(new EchoEngine(), "Echo", { resolver, restExecute: true, logger: silent });
  const appUrl = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  await check(appUrl, a2aBody, '"text":"echo: Is 2 < 3 & why?"');
  await check(`${appUrl}/execute`, restBody, '"content":"echo: Is 2 < 3 & why?"');

  const modes = [
    { name: "A2A message/send", bare: { url: bareUrl, body: a2aBody }, ark: { url: appUrl, body: a2aBody }, aim: 0.7 },
    { name: "REST /execute", bare: { url: bareUrl, body: restBody }, ark: { url: `${appUrl}/execute`, body: restBody }, aim: 0.8 },
  ];
  console.log(`autocannon in its own process, ${CONNECTIONS} connections, ${SECONDS} s per turn, ${ROUNDS} rounds; node ${process.version}`);
  // Warm-up (JIT, connections).
  for (const mode of modes) {
    await autocannon(mode.bare.url, mode.bare.body);
    await autocannon(mode.ark.url, mode.ark.body);
  }
  try {
    for (const mode of modes) {
      const ratios: number[] = [];
      const cpuRatios: number[] = [];
      const bareRates: number[] = [];
      const arkRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const order = round % 2 === 0 ? (["bare", "ark"] as const) : (["ark", "bare"] as const);
        const turn: Record<string, Turn> = {};
        for (const who of order) turn[who] = await autocannon(mode[who].url, mode[who].body);
        const b = turn.bare as Turn;
        const a = turn.ark as Turn;
        if (a.errors + b.errors > 0) console.log(`  (errors: bare ${b.errors}, ark-sdk ${a.errors})`);
        ratios.push(a.rps / b.rps);
        cpuRatios.push(b.cpuUs / a.cpuUs);
        bareRates.push(b.rps);
        arkRates.push(a.rps);
        console.log(`${mode.name.padEnd(18)} round ${round + 1}: bare ${b.rps.toFixed(0).padStart(6)} req/s, ark-sdk ${a.rps.toFixed(0).padStart(6)} req/s, ratio ${(a.rps / b.rps).toFixed(2)}; CPU/req bare ${b.cpuUs.toFixed(0)} µs, ark-sdk ${a.cpuUs.toFixed(0)} µs, ratio ${(b.cpuUs / a.cpuUs).toFixed(2)}`);
      }
      const range = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
      const overall = arkRates.reduce((s, x) => s + x, 0) / bareRates.reduce((s, x) => s + x, 0);
      console.log(`${mode.name}: ark-sdk ${overall.toFixed(2)}× bare node (rounds ${range(ratios, 2)}; bare ${range(bareRates, 0)} req/s, ark-sdk ${range(arkRates, 0)} req/s; aim ≥ ${mode.aim}); at equal CPU ${range(cpuRatios, 2)}×\n`);
    }
  } finally {
    await app.close({ gracePeriodMs: 0 });
    await new Promise((r) => bare.close(r));
  }
}

await main();
