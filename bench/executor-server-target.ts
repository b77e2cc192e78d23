// The servers `bench/executor-server.ts` measures, in a process of their own (started by it, over IPC): ExecutorApp
// serving an echo engine (A2A `message/send` resolved from memory by StaticQueryResolver, and REST `/execute`), and
// the floor it is compared with: a bare node:http server that does what any JSON-over-HTTP server must — read the
// body, JSON.parse it, JSON.stringify an answer of the same shape and size as ExecutorApp's, write it in one end().
// Both answer the same requests with the same bytes, so the ratio is ExecutorApp's own cost.
// Messages: parent → { type: "cpu" } | { type: "close" }; child → { type: "ready", ... } | { type: "cpu", usage }.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BaseExecutor, ExecutorApp, StaticQueryResolver, type ExecutionEngineRequest, type Message } from "../src/executor/index.js";
import { toWireRequest } from "../src/executor/types.js";

// Logging off, the way the Logger contract lets a logger say so (isEnabled): without isEnabled ExecutorApp must build
// and escape every line it might write, since it cannot know they are dropped.
const silent = { debug() {}, info() {}, warn() {}, error() {}, isEnabled: () => false };

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

/** The floor: per request, JSON.parse the body and JSON.stringify an answer shaped like ExecutorApp's. */
async function startBare(a2aAnswer: Record<string, unknown>, restAnswer: unknown): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: unknown };
      const reply = JSON.stringify(req.url === "/execute" ? restAnswer : { ...a2aAnswer, id: request.id });
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(reply) }).end(reply);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

async function post(url: string, body: string, expect: string): Promise<{ text: string; bytes: number }> {
  const response = await fetch(url, { method: "POST", body, headers: { "content-type": "application/json" } });
  const text = await response.text();
  if (!text.includes(expect)) throw new Error(`${url} answered ${response.status} ${text}`);
  return { text, bytes: Buffer.byteLength(text) };
}

// ARK's controller request; its path comes from the parent (this file may run from a bundle elsewhere).
const a2aBody = readFileSync(process.argv[2] ?? new URL("../test/executor/fixtures/controller-message-send.json", import.meta.url), "utf8");
const restBody = JSON.stringify(toWireRequest({ ...resolved, userInput: { role: "user", content: "Is 2 < 3 & why?" }, conversationId: "conv-123" }));
const resolver = new StaticQueryResolver().set("team-a", "weather-query", { request: resolved });
const app = new ExecutorApp(new EchoEngine(), "Echo", { resolver, restExecute: true, logger: silent });
const appUrl = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
const arkA2A = await post(appUrl, a2aBody, '"text":"echo: Is 2 < 3 & why?"');
const arkRest = await post(`${appUrl}/execute`, restBody, '"content":"echo: Is 2 < 3 & why?"');
const bare = await startBare(JSON.parse(arkA2A.text) as Record<string, unknown>, JSON.parse(arkRest.text));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
const bareA2A = await post(bareUrl, a2aBody, '"text":"echo: Is 2 < 3 & why?"');
const bareRest = await post(`${bareUrl}/execute`, restBody, '"content":"echo: Is 2 < 3 & why?"');
if (bareA2A.bytes !== arkA2A.bytes || bareRest.bytes !== arkRest.bytes) throw new Error("the bare server's answers differ in size from ExecutorApp's");

const send = (message: unknown) => process.send?.(message);
process.on("message", (message: { type: string }) => {
  if (message.type === "cpu") send({ type: "cpu", usage: process.cpuUsage() });
  if (message.type === "close") {
    void Promise.all([app.close({ gracePeriodMs: 0 }), new Promise((r) => bare.close(r))]).then(() => process.exit(0));
  }
});
send({ type: "ready", appUrl, bareUrl, a2aBody, restBody, a2aBytes: arkA2A.bytes, restBytes: arkRest.bytes, execArgv: process.execArgv });
