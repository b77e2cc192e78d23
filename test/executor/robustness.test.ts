// ExecutorApp against engines and callers that misbehave, over real node:http on loopback, driven by raw
// requests shaped like ARK's controller and by the A2A JS SDK's client: nothing takes the process down, no
// caller is left waiting, refused requests cost bounded work, and nothing a request says can forge logs or
// prototypes.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { ClientFactory } from "@a2a-js/sdk/client";
import type { Message as A2AJsMessage, Task as A2AJsTask } from "@a2a-js/sdk";
import { bearerAuth, TokenValidator } from "ark-sdk/auth";
import { ExecutionAbortedError, ExecutorApp } from "ark-sdk/executor";
import { QUERY_EXTENSION_METADATA_KEY, QUERY_EXTENSION_URI } from "ark-sdk/protocol";
import { consoleLogger, type LogFields, type Logger } from "../../src/core/logger.js";
import { hostileApp, hostileResolver, HostileEngine } from "./fixtures/hostile-engine.js";
import { postLikeController, sendBody } from "./helpers.js";

type RpcAnswer = { jsonrpc: string; id: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } };
type Line = { level: string; message: string; fields?: LogFields };

/** A logger that keeps every line. */
function recordingLogger(): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Polls `check` until it holds, failing after `ms`. */
async function eventually(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const ref = { name: "q1", namespace: "team-a" };
const metadata = { [QUERY_EXTENSION_METADATA_KEY]: ref };
const userMessage = (text: string): A2AJsMessage => ({ kind: "message", role: "user", messageId: crypto.randomUUID(), parts: [{ kind: "text", text }], metadata, extensions: [QUERY_EXTENSION_URI] });

/** Sends one raw request; `host` overrides the Host header byte for byte. */
function raw(url: string, options: { method?: string; path?: string; host?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  const target = new URL(options.path ?? "/", url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method: options.method ?? "GET", setHost: options.host === undefined, headers: { ...(options.host !== undefined ? { Host: options.host } : {}), ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error("no answer within 5 s")));
    req.end();
  });
}

describe("engine answers and throws that cannot be serialised or printed", () => {
  const logger = recordingLogger();
  const { app } = hostileApp(logger);
  let url = "";
  before(async () => {
    url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  });
  after(() => app.close({ gracePeriodMs: 0 }));

  it("a blocking message/send whose answer cannot be serialised gets a JSON-RPC error naming why", { timeout: 15_000 }, async () => {
    for (const [input, why] of [["bigint", /BigInt/], ["circular", /circular/i], ["tojson", /toJSON refuses/]] as const) {
      const answer = await postLikeController(url, sendBody(input, ref, { id: `id-${input}` }));
      assert.equal(answer.status, 200, `${input}: ${answer.text}`);
      const body = answer.json as RpcAnswer;
      assert.equal(body.id, `id-${input}`);
      assert.equal(body.error?.code, -32011, input);
      assert.match(body.error?.message ?? "", /answer cannot be serialised as JSON/);
      assert.match(body.error?.message ?? "", why);
    }
    assert.equal((await raw(url, { path: "/health" })).status, 200);
  });

  it("a streamed answer that cannot be serialised fails that task (final event `failed`, readable through tasks/get)", { timeout: 15_000 }, async () => {
    const client = await new ClientFactory().createFromUrl(url);
    for (const input of ["bigint", "circular", "tojson"]) {
      const events: { kind: string; status?: { state: string; message?: { parts: { text: string }[] } }; final?: boolean; id?: string }[] = [];
      for await (const event of client.sendMessageStream({ message: userMessage(input) })) events.push(event as never);
      const last = events.at(-1);
      assert.equal(last?.kind, "status-update", input);
      assert.equal(last?.final, true);
      assert.equal(last?.status?.state, "failed");
      assert.match(last?.status?.message?.parts[0]?.text ?? "", /answer cannot be serialised as JSON/);
      const task = await client.getTask({ id: String(events[0]?.id) });
      assert.equal(task.status.state, "failed");
    }
  });

  it("hostile thrown values (revoked Proxy, throwing toString) and a revoked answer fail their call with a readable error", { timeout: 15_000 }, async () => {
    for (const input of ["throw-revoked", "throw-tostring", "answer-revoked"]) {
      const answer = await postLikeController(url, sendBody(input));
      assert.equal(answer.status, 200, `${input}: ${answer.text}`);
      const body = answer.json as RpcAnswer;
      assert.equal(body.error?.code, -32011, input);
      assert.match(body.error?.message ?? "", /./);
      assert.doesNotMatch(body.error?.message ?? "", /^Execution failed/, "the plain cause, without a prefix of ours (issue 13 point 6)");
    }
    const client = await new ClientFactory().createFromUrl(url);
    for (const input of ["throw-revoked", "throw-tostring", "answer-revoked"]) {
      const states: string[] = [];
      let final: { status: { state: string }; final: boolean } | undefined;
      for await (const event of client.sendMessageStream({ message: userMessage(input) })) {
        const e = event as { kind: string; status: { state: string }; final: boolean };
        if (e.kind === "status-update") final = e;
        states.push(e.status?.state);
      }
      assert.equal(final?.final, true, input);
      assert.equal(final?.status.state, "failed", `${input}: a final event never says working (${states.join(",")})`);
    }
    assert.equal(app.inflightExecutions, 0);
  });

  it("the serving process survives every hostile call under --unhandled-rejections=strict", { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, ["--unhandled-rejections=strict", "--import", "tsx", new URL("./fixtures/hostile-server.ts", import.meta.url).pathname], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const childUrl = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("\n")) resolve(out.trim());
        });
        void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
        setTimeout(() => reject(new Error(`server did not start within 20 s: ${stderr}`)), 20_000).unref();
      });
      const client = await new ClientFactory().createFromUrl(childUrl);
      for (const input of ["bigint", "circular", "tojson", "throw-revoked", "throw-tostring", "answer-revoked"]) {
        await postLikeController(childUrl, sendBody(input));
        for await (const event of client.sendMessageStream({ message: userMessage(input) })) void event;
      }
      await new Promise((r) => setTimeout(r, 100));
      const health = await raw(childUrl, { path: "/health" });
      assert.equal(health.status, 200, `the server died: ${stderr}`);
    } finally {
      child.kill("SIGTERM");
      const code = await exited;
      assert.equal(code, 0, `the server must have lived until asked to stop: ${stderr}`);
    }
  });
});

describe("deadlines and cancellation reach the caller when the engine ignores ctx.signal", () => {
  it("the Query's timeout answers the blocking caller at once; the late answer is dropped and logged", { timeout: 15_000 }, async () => {
    const logger = recordingLogger();
    const { app, engine } = hostileApp(logger, { timeoutMs: 150 });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const started = Date.now();
      const answer = await postLikeController(url, sendBody("ignore:3000", { name: "short", namespace: "team-a" }));
      const took = Date.now() - started;
      const body = answer.json as RpcAnswer;
      assert.equal(body.error?.code, -32012);
      assert.equal(body.error?.data?.reason, "deadline");
      assert.ok(took < 2_000, `answered after ${took} ms, not at the 150 ms deadline`);
      assert.equal(app.inflightExecutions, 0, "an abandoned execution no longer counts as in flight");
      assert.equal(await engine.calls[0]?.done, "answered");
      await eventually("the late answer is logged", () => logger.lines.some((l) => l.level === "warn" && /answer dropped/.test(l.message)));
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });

  it("maxExecutionMs bounds REST /execute too", { timeout: 15_000 }, async () => {
    const engine = new HostileEngine();
    const app = new ExecutorApp(engine, "Hostile", { resolver: hostileResolver(), restExecute: true, maxExecutionMs: 150, logger: recordingLogger() });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const started = Date.now();
      const request = { agent: { name: "a", namespace: "team-a" }, userInput: { role: "user", content: "ignore:1500" }, mcpServers: [] };
      const answer = await postLikeController(url, JSON.stringify(request), { path: "/execute" });
      assert.match(String((answer.json as { error: string }).error), /deadline/);
      assert.ok(Date.now() - started < 1000, `answered after ${Date.now() - started} ms`);
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });

  it("tasks/cancel ends the stream with a final `canceled` event at once", { timeout: 15_000 }, async () => {
    const { app, engine } = hostileApp(recordingLogger());
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const client = await new ClientFactory().createFromUrl(url);
      const stream = client.sendMessageStream({ message: userMessage("ignore:2000") });
      const task = (await stream.next()).value as A2AJsTask;
      await eventually("the engine runs", () => engine.calls.length === 1);
      const started = Date.now();
      await client.cancelTask({ id: task.id });
      let final: { status?: { state: string }; final?: boolean } | undefined;
      for await (const event of stream) final = event as never;
      assert.equal(final?.final, true);
      assert.equal(final?.status?.state, "canceled");
      assert.ok(Date.now() - started < 1000, `stream ended ${Date.now() - started} ms after the cancel`);
      assert.equal(app.inflightExecutions, 0);
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });

  it("close() does not wait for an engine that ignores the abort; its caller gets -32012", { timeout: 15_000 }, async () => {
    const { app, engine } = hostileApp(recordingLogger());
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    const pending = postLikeController(url, sendBody("ignore:4000"));
    await eventually("the engine runs", () => engine.calls.length === 1);
    const started = Date.now();
    await app.close({ gracePeriodMs: 100 });
    assert.ok(Date.now() - started < 1500, `close() took ${Date.now() - started} ms`);
    const body = (await pending).json as RpcAnswer;
    assert.equal(body.error?.code, -32012);
    assert.equal(body.error?.data?.reason, "shutdown");
  });
});

describe("a caller that stops reading a stream stops its task", () => {
  it("cancelling the body of app.fetch()'s stream aborts the execution and ends the task", { timeout: 15_000 }, async () => {
    const { app, engine } = hostileApp(recordingLogger());
    try {
      const response = await app.fetch(new Request("http://engine.local/", { method: "POST", body: sendBody("chunks:100000:10", ref, { method: "message/stream" }) }));
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      const taskId = (JSON.parse(first.slice("data: ".length)) as { result: { id: string } }).result.id;
      // The first event is the task, sent before the engine starts (later still when tracing loads first).
      await eventually("the engine runs", () => engine.calls.length === 1);
      await reader.cancel();
      await eventually("the engine is aborted", () => engine.calls[0]?.ctx.signal.aborted === true);
      assert.ok((engine.calls[0]?.ctx.signal.reason as ExecutionAbortedError).abortCause === "client-disconnected");
      await eventually("the execution ends", () => app.inflightExecutions === 0);
      const got = (await (await app.fetch(new Request("http://engine.local/", { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tasks/get", params: { id: taskId } }) }))).json()) as RpcAnswer;
      assert.notEqual((got.result?.status as { state: string }).state, "working");
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });
});

describe("Host header", () => {
  const logger = recordingLogger();
  const plain = hostileApp(logger).app;
  const guarded = new ExecutorApp(new HostileEngine(), "Hostile", {
    resolver: hostileResolver(),
    logger,
    auth: bearerAuth(TokenValidator.fromEnv({ env: { OIDC_ISSUER_URL: "http://127.0.0.1:9/", OIDC_APPLICATION_ID: "x" } })),
  });
  const urls: string[] = [];
  before(async () => {
    for (const app of [plain, guarded]) urls.push(await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false }));
  });
  after(async () => {
    for (const app of [plain, guarded]) await app.close({ gracePeriodMs: 0 });
  });

  it("a malformed Host gets 400 (with or without auth), and no error is logged", { timeout: 15_000 }, async () => {
    for (const url of urls) {
      for (const host of ["bad host", "a/b", "[zz]", "x:99999", "x:", "@evil"]) {
        const answer = await raw(url, { path: "/.well-known/agent-card.json", host });
        assert.equal(answer.status, 400, `${url} Host ${JSON.stringify(host)}: ${answer.text}`);
        assert.match(answer.text, /malformed Host/);
      }
    }
    assert.deepEqual(logger.lines.filter((l) => l.level === "error"), []);
  });

  it("the card's URL is built from a valid Host", { timeout: 15_000 }, async () => {
    const answer = await raw(urls[0] as string, { path: "/.well-known/agent-card.json", host: "engine.example:8080" });
    assert.equal(answer.status, 200);
    assert.equal((JSON.parse(answer.text) as { url: string }).url, "http://engine.example:8080");
  });
});

describe("HEAD wherever GET", () => {
  const plain = hostileApp(recordingLogger()).app;
  const guarded = new ExecutorApp(new HostileEngine(), "Hostile", {
    resolver: hostileResolver(),
    logger: recordingLogger(),
    auth: bearerAuth(TokenValidator.fromEnv({ env: { OIDC_ISSUER_URL: "http://127.0.0.1:9/", OIDC_APPLICATION_ID: "x" } })),
  });
  const urls: string[] = [];
  before(async () => {
    for (const app of [plain, guarded]) urls.push(await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false }));
  });
  after(async () => {
    for (const app of [plain, guarded]) await app.close({ gracePeriodMs: 0 });
  });

  it("answers HEAD on /health, /ready and the agent card like GET, without a body (node:http and fetch)", { timeout: 15_000 }, async () => {
    for (const url of urls) {
      for (const path of ["/health", "/ready", "/.well-known/agent-card.json", "/.well-known/agent.json"]) {
        const get = await raw(url, { path });
        const head = await raw(url, { path, method: "HEAD" });
        assert.equal(head.status, 200, `${url}${path}`);
        assert.equal(head.text, "");
        assert.equal(head.headers["content-type"], get.headers["content-type"]);
        assert.equal(head.headers["content-length"], get.headers["content-length"]);
      }
    }
    const viaFetch = await plain.fetch(new Request("http://engine.local/health", { method: "HEAD" }));
    assert.equal(viaFetch.status, 200);
    assert.equal(viaFetch.body, null);
    const post = await raw(urls[0] as string, { path: "/health", method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, "GET, HEAD");
  });
});

describe("logs cannot be forged", () => {
  it("control characters from a request (a QueryRef name) are escaped in the app's log lines and in consoleLogger", { timeout: 15_000 }, async () => {
    const logger = recordingLogger();
    const { app } = hostileApp(logger);
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const forged = "x\n2026-01-01T00:00:00.000Z ERROR [ark-sdk] forged\r\u001b[2J";
      const answer = await postLikeController(url, sendBody("hi", { name: forged, namespace: "team-a" }, { method: "message/stream" }));
      assert.match(answer.text, /"state":"failed"/);
      await eventually("the failure is logged", () => logger.lines.some((l) => l.message.includes("forged")));
      for (const line of logger.lines) assert.ok(!/[\n\r]/.test(line.message) && !line.message.includes("\u001b"), line.message);
      assert.ok(logger.lines.some((l) => l.message.includes("x\\n2026-01-01T00:00:00.000Z ERROR [ark-sdk] forged\\r\\u001b[2J")));
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
    let written = "";
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => ((written += chunk), true)) as typeof process.stderr.write;
    try {
      consoleLogger("info", "test").warn("a\nb\u2028c");
    } finally {
      process.stderr.write = write;
    }
    assert.equal(written.split("\n").length, 2, written);
    assert.match(written, /a\\nb\\u2028c\n$/);
  });
});

describe("__proto__ and constructor keys in request bodies", () => {
  it("stay data in REST /execute (model config, labels, annotations) and never change a prototype", { timeout: 15_000 }, async () => {
    const { app, engine } = hostileApp(recordingLogger());
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const body = `{"agent":{"name":"a","namespace":"team-a","labels":{"__proto__":"x","constructor":"y"},"annotations":{"__proto__":"z"},
        "model":{"name":"m","type":"openai","config":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"openai":{"apiKey":"k"}}}},
        "userInput":{"role":"user","content":"hello"},"mcpServers":[],"query_annotations":{"__proto__":"q"}}`;
      const answer = await postLikeController(url, body, { path: "/execute" });
      assert.equal(answer.status, 200, answer.text);
      assert.equal((answer.json as { error: string }).error, "");
      const request = engine.calls[0]?.request;
      assert.ok(request);
      const config = request.agent.model.config;
      assert.equal(Object.getPrototypeOf(config), Object.prototype);
      assert.equal((config as Record<string, unknown>).polluted, undefined);
      assert.deepEqual(Object.keys(config).sort(), ["__proto__", "constructor", "openai"]);
      assert.deepEqual(Object.getOwnPropertyDescriptor(config, "__proto__")?.value, { polluted: true });
      for (const map of [request.agent.labels, request.agent.annotations, request.queryAnnotations]) {
        assert.equal(Object.getPrototypeOf(map), Object.prototype);
        assert.ok(Object.hasOwn(map, "__proto__"));
      }
      assert.equal(Object.getOwnPropertyDescriptor(request.agent.labels, "__proto__")?.value, "x");
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });

  it("stay data in A2A params and metadata", { timeout: 15_000 }, async () => {
    const { app, engine } = hostileApp(recordingLogger());
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const body = sendBody("hello").replace('"metadata":{', '"metadata":{"__proto__":{"polluted":true},').replace('"params":{', '"params":{"__proto__":{"blocking":false},');
      const answer = await postLikeController(url, body);
      assert.equal((answer.json as RpcAnswer).result?.kind, "message", answer.text);
      assert.equal(engine.calls[0]?.ctx.queryRef?.name, "q1");
      assert.equal(Object.getPrototypeOf(engine.calls[0]?.ctx.queryRef), Object.prototype);
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });
});

/** Opens a raw TCP connection to `url`, reading (so that the server's FIN is seen). */
function openSocket(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.resume();
    socket.once("error", reject);
  });
}

/** Resolves when `socket` closes, or with false after `ms`. */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

describe("refused requests cost bounded work", () => {
  const apps = {
    plain: new ExecutorApp(new HostileEngine(), "Hostile", { resolver: hostileResolver(), logger: recordingLogger(), maxBodyBytes: 64 * 1024 }),
    guarded: new ExecutorApp(new HostileEngine(), "Hostile", {
      resolver: hostileResolver(),
      logger: recordingLogger(),
      auth: bearerAuth(TokenValidator.fromEnv({ env: { OIDC_ISSUER_URL: "http://127.0.0.1:9/", OIDC_APPLICATION_ID: "x" } })),
    }),
  };
  const urls: Record<string, string> = {};
  before(async () => {
    for (const [name, app] of Object.entries(apps)) urls[name] = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
  });
  after(async () => {
    for (const app of Object.values(apps)) await app.close({ gracePeriodMs: 0 });
  });

  for (const [name, app, method, path, status] of [
    ["401 (no token)", "guarded", "POST", "/", 401],
    ["404", "plain", "POST", "/nope", 404],
    ["405", "plain", "PUT", "/", 405],
    ["413", "plain", "POST", "/", 413],
  ] as const) {
    it(`a ${name} on a request declaring 1 GiB answers and closes the connection instead of reading the body`, { timeout: 15_000 }, async () => {
      const socket = await openSocket(urls[app] as string);
      let answer = "";
      socket.on("data", (c: Buffer) => (answer += c.toString("latin1")));
      socket.on("error", () => undefined); // EPIPE/ECONNRESET once the server closes: expected
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: engine\r\nContent-Type: application/json\r\nContent-Length: ${2 ** 30}\r\n\r\n`);
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      let sent = 0;
      const closed = closedWithin(socket, 3_000);
      // Send as fast as the server takes it, up to 512 MiB.
      while (!socket.destroyed && sent < 512 * 2 ** 20) {
        if (!socket.write(chunk)) await Promise.race([new Promise((r) => socket.once("drain", r)), closed]);
        sent += chunk.length;
      }
      assert.equal(await closed, true, `connection still open after the server took ${sent >> 20} MiB`);
      assert.match(answer, new RegExp(`^HTTP/1.1 ${status} `));
      assert.ok(sent < 64 * 2 ** 20, `the server took ${sent >> 20} MiB of a body it refused`);
    });
  }
});

describe("connection limits", () => {
  it("headersTimeoutMs cuts a client that sends its headers too slowly (slowloris)", { timeout: 15_000 }, async () => {
    const app = new ExecutorApp(new HostileEngine(), "Hostile", { resolver: hostileResolver(), logger: recordingLogger(), headersTimeoutMs: 300 });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const socket = await openSocket(url);
      socket.on("error", () => undefined);
      socket.write("POST / HTTP/1.1\r\nHost: engine\r\n");
      const drip = setInterval(() => socket.writable && socket.write("X-Slow: a\r\n"), 100);
      const started = Date.now();
      const closed = await closedWithin(socket, 3_000);
      clearInterval(drip);
      assert.equal(closed, true, "a slow client was not cut off");
      assert.ok(Date.now() - started < 2_000, `cut after ${Date.now() - started} ms`);
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });

  it("keepAliveTimeoutMs closes idle keep-alive connections; maxConnections refuses connections past the limit", { timeout: 15_000 }, async () => {
    const app = new ExecutorApp(new HostileEngine(), "Hostile", { resolver: hostileResolver(), logger: recordingLogger(), keepAliveTimeoutMs: 200, maxConnections: 2 });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const idle = await openSocket(url);
      idle.write("GET /health HTTP/1.1\r\nHost: engine\r\n\r\n");
      const started = Date.now();
      assert.equal(await closedWithin(idle, 3_000), true);
      assert.ok(Date.now() - started < 2_000, `idle connection closed after ${Date.now() - started} ms`);

      const held = [await openSocket(url), await openSocket(url)];
      for (const socket of held) socket.write("GET /health HTTP/1.1\r\nHost: engine\r\n\r\n");
      await new Promise((r) => setTimeout(r, 50));
      const third = await openSocket(url);
      third.on("error", () => undefined);
      assert.equal(await closedWithin(third, 2_000), true, "a third connection was accepted past maxConnections: 2");
      for (const socket of held) socket.destroy();
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });
});

describe("streaming respects backpressure", () => {
  it("a client that stops reading makes ctx.streamChunk wait (bounded buffer), and is cut after streamStallTimeoutMs", { timeout: 20_000 }, async () => {
    const logger = recordingLogger();
    const engine = new HostileEngine();
    const app = new ExecutorApp(engine, "Hostile", { resolver: hostileResolver(), logger, maxStreamBufferBytes: 256 * 1024, streamStallTimeoutMs: 1_500 });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const socket = await openSocket(url);
      socket.on("error", () => undefined);
      const body = sendBody("chunks:400:65536", ref, { method: "message/stream" }); // 25 MiB of chunks
      socket.write(`POST / HTTP/1.1\r\nHost: engine\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      await new Promise<void>((resolve) => socket.once("data", () => resolve()));
      socket.pause(); // stop reading after the first bytes
      const closed = closedWithin(socket, 8_000);
      await eventually("the engine streams", () => engine.streamedBytes > 0);
      await new Promise((r) => setTimeout(r, 700));
      const streamed = engine.streamedBytes;
      assert.ok(streamed < 12 * 2 ** 20, `the engine streamed ${streamed >> 20} MiB to a client that reads nothing`);
      await eventually("the stalled stream is cut", () => app.inflightExecutions === 0, 8_000);
      socket.resume();
      assert.equal(await closed, true);
      assert.ok((engine.calls[0]?.ctx.signal.reason as ExecutionAbortedError).abortCause === "client-disconnected");
      assert.ok(logger.lines.some((l) => /stream cut/.test(l.message)));
      assert.ok(engine.streamedBytes < 12 * 2 ** 20);
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });

  it("a reading client gets every chunk in order through the bounded buffer", { timeout: 20_000 }, async () => {
    const engine = new HostileEngine();
    const app = new ExecutorApp(engine, "Hostile", { resolver: hostileResolver(), logger: recordingLogger(), maxStreamBufferBytes: 16 * 1024 });
    const url = await app.listen({ host: "127.0.0.1", port: 0, handleSignals: false });
    try {
      const answer = await postLikeController(url, sendBody("chunks:200:4096", ref, { method: "message/stream" }));
      const events = answer.text.split("\n\n").filter((e) => e.startsWith("data: ")).map((e) => JSON.parse(e.slice(6)) as { result: { kind: string; status?: { state: string } } });
      assert.equal(events.filter((e) => e.result.kind === "artifact-update").length, 200);
      assert.equal(events.at(-1)?.result.status?.state, "completed");
    } finally {
      await app.close({ gracePeriodMs: 0 });
    }
  });
});
