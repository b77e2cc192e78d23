// The transport against a real loopback HTTP server that misbehaves on cue:
// connection reuse, safe retries (429 with Retry-After, 503, resets),
// credential refresh on 401 through a real exec plugin, impersonation
// headers on the wire, deadlines and aborts.
import { after, afterEach, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type net from "node:net";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { Transport } from "../../src/client/transport.js";
import { sharedPoolCount } from "../../src/client/connection-pool.js";
import { AmbiguousWriteError, ConnectionError, ServerError, TimeoutError, TooManyRequestsError, UnauthorizedError, isApiError, isTimeout, isTransportError } from "../../src/client/errors.js";
import { SDK_VERSION } from "../../src/core/version.js";
import type { LogFields, Logger } from "../../src/core/logger.js";

type Reply = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  socket: net.Socket;
  at: number;
}

let server: http.Server;
let port: number;
let dir: string;
let replies: Reply[] = [];
let fallback: Reply = (_req, res) => json(res, 200, { kind: "Thing", metadata: { name: "ok" } });
const seen: Seen[] = [];
const sockets = new Set<net.Socket>();
const transports: Transport[] = [];

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
const status = (code: number, reason: string) => ({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message: `${reason} from test server` });

function kubeconfig(user: Record<string, unknown> = { token: "static-token" }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", ...user }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });
  return kc;
}

function transport(options: Partial<ConstructorParameters<typeof Transport>[0]> = {}): Transport {
  const t = new Transport({ kubeConfig: kubeconfig(), retry: { initialMs: 10, maxMs: 50 }, ...options });
  transports.push(t);
  return t;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ark-transport-"));
  server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders: req.rawHeaders, socket: req.socket, at: Date.now() });
    req.resume();
    req.on("end", () => (replies.shift() ?? fallback)(req, res));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterEach(async () => {
  await Promise.all(transports.splice(0).map((t) => t.close()));
  replies = [];
  seen.length = 0;
  fallback = (_req, res) => json(res, 200, { kind: "Thing", metadata: { name: "ok" } });
});

after(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

const get = (t: Transport, extra: Record<string, unknown> = {}) => t.request<{ metadata: { name: string } }>({ method: "GET", path: "/api/v1/things/x", idempotent: true, ...extra });
const create = (t: Transport) => t.request({ method: "POST", path: "/api/v1/things", body: { metadata: { name: "x" } }, idempotent: false });

describe("connection pool", () => {
  it("reuses keep-alive connections across calls and shares them between transports", async () => {
    const a = transport();
    const b = transport();
    for (let i = 0; i < 20; i++) await get(i % 2 === 0 ? a : b);
    // undici may open a second connection when a call follows the previous one in the same tick.
    assert.ok(new Set(seen.map((s) => s.socket)).size <= 2, "no connection per request");
    assert.equal(sharedPoolCount(), 1);
    const idle = new Set(seen.map((s) => s.socket));
    seen.length = 0;
    await Promise.all(Array.from({ length: 8 }, () => get(a)));
    assert.equal(seen.length, 8);
    const burst = new Set(seen.map((s) => s.socket));
    assert.ok([...idle].some((socket) => burst.has(socket)), "a burst reuses the idle keep-alive connection");
    seen.length = 0;
    for (let i = 0; i < 10; i++) await get(b);
    assert.ok(new Set(seen.map((s) => s.socket)).size <= 2, "the connections opened for the burst are reused");
  });
});

describe("retries", () => {
  it("retries a 429 after Retry-After, also for a create (the server did not act)", async () => {
    replies.push((_q, res) => json(res, 429, status(429, "TooManyRequests"), { "retry-after": "1" }));
    const started = Date.now();
    await get(transport());
    assert.equal(seen.length, 2);
    assert.ok((seen[1]?.at ?? 0) - started >= 900, "waited for Retry-After");
    seen.length = 0;
    replies.push((_q, res) => json(res, 429, status(429, "TooManyRequests"), { "retry-after": "0" }));
    await create(transport());
    assert.equal(seen.length, 2);
  });

  it("gives up on 429 after its attempts with TooManyRequestsError", async () => {
    fallback = (_q, res) => json(res, 429, status(429, "TooManyRequests"), { "retry-after": "0" });
    const error = await get(transport({ retry: { attempts: 3, initialMs: 1 } })).catch((e: unknown) => e);
    assert.ok(error instanceof TooManyRequestsError);
    assert.equal(error.retryAfter, 0);
    assert.equal(seen.length, 3);
  });

  it("retries 503 for idempotent calls only", async () => {
    replies.push((_q, res) => json(res, 503, status(503, "ServiceUnavailable")), (_q, res) => json(res, 503, status(503, "ServiceUnavailable")));
    assert.equal((await get(transport())).metadata.name, "ok");
    assert.equal(seen.length, 3);
    seen.length = 0;
    replies.push((_q, res) => json(res, 503, status(503, "ServiceUnavailable")));
    await assert.rejects(create(transport()), ServerError);
    assert.equal(seen.length, 1, "a create is never replayed after a 503");
  });

  it("retries a reset connection for idempotent calls only", async () => {
    replies.push((req) => req.socket.destroy());
    assert.equal((await get(transport())).metadata.name, "ok");
    assert.equal(seen.length, 2);
    seen.length = 0;
    replies.push((req) => req.socket.destroy());
    const error = await create(transport()).catch((e: unknown) => e);
    // Sent, then the connection failed: the create may have been applied, so it is ambiguous, not replayed.
    assert.ok(error instanceof AmbiguousWriteError, String(error));
    assert.ok(error.cause instanceof ConnectionError, "the reset is the cause");
    assert.ok(!isApiError(error), "no answer is not an API error");
    assert.equal(seen.length, 1, "a create is never replayed after a reset");
  });

  it("retries a refused connection even for a create (nothing was sent), once per attempt", async () => {
    const retries: LogFields[] = [];
    const t = transport({ kubeConfig: kubeconfigFor(await deadPort()), retry: { attempts: 3, initialMs: 1 }, logger: recordRetries(retries) });
    const error = await create(t).catch((e: unknown) => e);
    assert.ok(error instanceof ConnectionError);
    assert.equal(error.code, "ECONNREFUSED");
    assert.deepEqual(retries.map((f) => f.attempt), [1, 2], "three attempts: two retries, then the error");
  });

  it("a refused create goes through once the server listens, and is sent exactly once", async () => {
    const port = await deadPort();
    const late = http.createServer((req, res) => {
      posts.push(req.method ?? "");
      req.resume();
      req.on("end", () => json(res, 201, { kind: "Thing", metadata: { name: "created" } }));
    });
    const posts: string[] = [];
    const retries: LogFields[] = [];
    // The server starts listening when the transport reports its first retry; the backoff leaves it time to.
    const logger = recordRetries(retries, () => {
      if (retries.length === 1) late.listen(port, "127.0.0.1");
    });
    const t = transport({ kubeConfig: kubeconfigFor(port), retry: { attempts: 6, initialMs: 200, maxMs: 200 }, logger });
    try {
      const created = await t.request<{ metadata: { name: string } }>({ method: "POST", path: "/api/v1/things", body: { metadata: { name: "x" } }, idempotent: false });
      assert.equal(created.metadata.name, "created");
      assert.deepEqual(posts, ["POST"], "the create reached the server once");
      assert.ok(retries.length >= 1 && retries.every((f) => f.error === "ConnectionError" && f.code === "ECONNREFUSED"), JSON.stringify(retries));
    } finally {
      await t.close();
      late.closeAllConnections();
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  });
});

/** A loopback port nothing listens on (connections to it are refused). */
async function deadPort(): Promise<number> {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const dead = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  return dead;
}

function kubeconfigFor(port: number): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({ clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }], users: [{ name: "u", token: "t" }], contexts: [{ name: "x", cluster: "c", user: "u" }], currentContext: "x" });
  return kc;
}

/** A logger that records the transport's "retrying request" entries (and calls `onRetry` after each). */
function recordRetries(into: LogFields[], onRetry: () => void = () => {}): Logger {
  const noop = () => {};
  return {
    debug: (message: string, fields?: LogFields) => {
      if (message !== "retrying request") return;
      into.push(fields ?? {});
      onRetry();
    },
    info: noop,
    warn: noop,
    error: noop,
  };
}

describe("credentials", () => {
  it("re-runs the exec plugin once after a 401 and succeeds with the new token", async () => {
    const counter = join(dir, "exec-count");
    const plugin = join(dir, "plugin.mjs");
    await writeFile(counter, "0");
    await writeFile(plugin, `import fs from "node:fs";
const n = Number(fs.readFileSync(${JSON.stringify(counter)}, "utf8")) + 1;
fs.writeFileSync(${JSON.stringify(counter)}, String(n));
process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", status: { token: "token-" + n } }));
`);
    fallback = (req, res) => (req.headers.authorization === "Bearer token-2" ? json(res, 200, { metadata: { name: "ok" } }) : json(res, 401, status(401, "Unauthorized")));
    const t = transport({ kubeConfig: kubeconfig({ exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: process.execPath, args: [plugin] } }) });
    assert.equal((await get(t)).metadata.name, "ok");
    assert.deepEqual(seen.map((s) => s.headers.authorization), ["Bearer token-1", "Bearer token-2"]);
    await get(t);
    assert.equal(await readFile(counter, "utf8"), "2", "the fresh token is cached, not re-fetched per call");

    seen.length = 0;
    fallback = (_q, res) => json(res, 401, status(401, "Unauthorized"));
    await assert.rejects(get(t), UnauthorizedError);
    assert.equal(seen.length, 2, "one refresh, then the 401 is reported");
  });

  it("sends one Impersonate-Group header per group, the user, and the ark-sdk user agent", async () => {
    await get(transport({ impersonate: { user: "alice", groups: ["devs", "ops,eu"], extra: { scopes: ["a", "b"] } } }));
    const raw = seen[0]?.rawHeaders ?? [];
    const pairs: [string, string][] = [];
    for (let i = 0; i < raw.length; i += 2) pairs.push([String(raw[i]).toLowerCase(), String(raw[i + 1])]);
    assert.deepEqual(pairs.filter(([k]) => k === "impersonate-group").map(([, v]) => v), ["devs", "ops,eu"]);
    assert.deepEqual(pairs.filter(([k]) => k === "impersonate-user").map(([, v]) => v), ["alice"]);
    assert.deepEqual(pairs.filter(([k]) => k === "impersonate-extra-scopes").map(([, v]) => v), ["a", "b"]);
    assert.equal(seen[0]?.headers["user-agent"], `ark-sdk/${SDK_VERSION}`);
    assert.equal(seen[0]?.headers.authorization, "Bearer static-token");
    seen.length = 0;
    await get(transport({ userAgent: "my-tool/2" }));
    assert.equal(seen[0]?.headers["user-agent"], "my-tool/2");
  });
});

describe("deadlines and aborts", () => {
  it("fails a call that exceeds its deadline with a client TimeoutError", async () => {
    fallback = () => {};
    const started = Date.now();
    const error = await get(transport(), { timeoutMs: 300 }).catch((e: unknown) => e);
    assert.ok(error instanceof TimeoutError, String(error));
    assert.ok(isTransportError(error) && isTimeout(error) && !isApiError(error));
    assert.equal(error.timeoutMs, 300);
    assert.equal(error.idle, false);
    assert.ok(Date.now() - started < 5_000);
  });

  it("rejects with the signal's reason when aborted", async () => {
    fallback = () => {};
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    setTimeout(() => controller.abort(reason), 100);
    await assert.rejects(get(transport(), { signal: controller.signal }), (e: unknown) => e === reason);
  });

  it("decodes a non-Kubernetes error body", async () => {
    replies.push((_q, res) => {
      res.writeHead(418, { "content-type": "text/plain" });
      res.end("short and stout");
    });
    const error = await get(transport()).catch((e: unknown) => e);
    assert.equal((error as { status?: number }).status, 418);
    assert.equal((error as Error).message, "short and stout");
  });
});
