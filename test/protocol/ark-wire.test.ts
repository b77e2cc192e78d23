// The controller's side of the wire against the golden fixtures of test/fixtures/ark-wire (ARK v0.1.67, each
// derived from the Go source; see that folder's README). Reading answers is pure; sending goes through the
// dispatcher's real HTTP call to real loopback servers.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  CONTROLLER_DEFAULT_QUERY_TIMEOUT_MS, CONTROLLER_HTTP_TIMEOUT_MS, CONTROLLER_REQUEST_HEADERS, QUERY_EXTENSION_METADATA_KEY, buildMessageSendBody, controllerRequestUrl, controllerTraceHeaders, readEngineReply,
  readEngineResponse, textOfParts, type EngineOutcome,
} from "ark-sdk/protocol";
import { parseGoDuration } from "ark-sdk";
import { sendMessage, type EngineCall } from "../../src/dev/dispatcher-engine-call.js";
import { errorResponse } from "../../src/dev/dispatcher-status.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture files are plain JSON
const golden = (name: string): any => JSON.parse(readFileSync(new URL(`../fixtures/ark-wire/${name}`, import.meta.url), "utf8"));

const content = (outcome: EngineOutcome): string => (outcome.kind === "error" ? `query execution failed: ${outcome.message}` : `not an error: ${outcome.kind}`);
const answered = (call: EngineCall): EngineOutcome => {
  assert.equal(call.kind, "answered");
  return (call as { outcome: EngineOutcome }).outcome;
};

/** A loopback server answering each POST with `reply(body)` and recording what came in. */
async function startEngine(reply: (body: string) => { status: number; body: string; hang?: boolean; hangUp?: boolean }) {
  const seen: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      seen.push({ url: req.url ?? "", headers: req.headers, body });
      const answer = reply(body);
      if (answer.hang) return;
      if (answer.hangUp) return void req.socket.destroy();
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

describe("W1: text parts are concatenated without a separator", () => {
  const fixture = golden("w01-text-parts.json");
  for (const c of fixture.cases) {
    it(c.name, () => {
      assert.equal(textOfParts(c.parts), c.text);
      const outcome = readEngineResponse({ jsonrpc: "2.0", id: "1", result: { kind: "message", role: "agent", messageId: "m", parts: c.parts } });
      assert.equal(outcome.kind === "message" ? outcome.content : "", c.text);
    });
  }
});

describe("W2: error strings with Go's prefixes; a non-2xx reply read as Go reads it", () => {
  const fixture = golden("w02-error-strings.json");
  for (const r of fixture.replies) {
    it(r.name, () => {
      const outcome = readEngineReply({ status: r.status, body: r.body }, fixture.rpcId);
      assert.equal(content(outcome), r.content);
      if (r.code !== undefined) assert.equal(outcome.kind === "error" ? outcome.code : undefined, r.code);
      if (r.raw !== undefined) assert.equal(errorResponse(undefined, r.content).raw, r.raw);
    });
  }

  let engine: Awaited<ReturnType<typeof startEngine>>;
  before(async () => {
    engine = await startEngine((body) => {
      const { id } = JSON.parse(body) as { id: string };
      const r = fixture.replies.find((x: { body: string }) => x.body.includes(`"id":"rpc-1"`)) as { status: number; body: string };
      return { ...r, body: r.body.replace(/rpc-1/g, id) };
    });
  });
  after(() => engine.close());

  it("the same reading over real HTTP, with the request's own id", async () => {
    const body = buildMessageSendBody({ queryName: "q", namespace: "ns", input: "hi", rpcId: "rpc-1" });
    const outcome = answered(await sendMessage({ address: engine.url, body, rpcId: "rpc-1", timeoutMs: 5_000 }, new AbortController().signal));
    assert.equal(content(outcome), fixture.replies[0].content);
  });

  for (const t of fixture.transport) {
    it(`transport: ${t.name}`, async () => {
      let address: string;
      let close = async () => {};
      if (t.cause === "refused") {
        const gone = await startEngine(() => ({ status: 200, body: "{}" }));
        address = gone.url;
        await gone.close();
      } else {
        const rude = await startEngine(() => ({ status: 200, body: "", hangUp: true }));
        address = rude.url;
        close = rude.close;
      }
      const outcome = answered(await sendMessage({ address, body: "{}", rpcId: "r", timeoutMs: 5_000 }, new AbortController().signal));
      await close();
      const expected = t.content.replace("{URL}", `${address}/`).replace("{HOSTPORT}", new URL(address).host);
      assert.equal(content(outcome), expected);
    });
  }
});

describe("W5: conversation-id precedence", () => {
  const fixture = golden("w05-conversation-id.json");
  for (const c of fixture.cases) {
    it(c.name, () => {
      const message: Record<string, unknown> = { kind: "message", role: "agent", messageId: "m", parts: [{ kind: "text", text: "x" }], metadata: { [QUERY_EXTENSION_METADATA_KEY]: c.ark } };
      if (c.contextId !== undefined) message.contextId = c.contextId;
      if (c.taskId !== undefined) message.taskId = c.taskId;
      const outcome = readEngineResponse({ jsonrpc: "2.0", id: "1", result: message });
      assert.equal(outcome.kind, "message");
      if (outcome.kind !== "message") return;
      assert.equal(outcome.conversationId || fixture.previousConversationId, c.conversationId);
      assert.deepEqual(Object.keys(outcome.a2a).length > 0 ? outcome.a2a : null, c.a2a);
    });
  }
  it("the request's contextId: spec.conversationId, else status.conversationId", () => {
    for (const r of fixture.request) {
      const body = JSON.parse(buildMessageSendBody({ queryName: "q", namespace: "n", input: "x", contextId: r.spec || r.status || undefined })) as { params: { message: { contextId?: string } } };
      assert.equal(body.params.message.contextId ?? null, r.contextId);
    }
  });
});

describe("W6: a Task's text comes from status.message", () => {
  const fixture = golden("w06-task-text.json");
  for (const c of fixture.cases) {
    it(c.name, () => {
      const task: Record<string, unknown> = { kind: "task", id: "t1", contextId: "c1", status: c.status };
      if (c.artifacts) task.artifacts = c.artifacts;
      const outcome = readEngineResponse({ jsonrpc: "2.0", id: "1", result: task });
      assert.equal(outcome.kind, "task");
      assert.equal(outcome.kind === "task" ? outcome.content : undefined, c.content);
    });
  }
});

describe("W7: raw is the engine's messages re-encoded as Go does", () => {
  for (const c of golden("w07-raw.json").cases) {
    it(c.name, () => {
      const ark = "messages" in c ? { messages: c.messages } : {};
      const outcome = readEngineResponse({ jsonrpc: "2.0", id: "1", result: { kind: "message", role: "agent", messageId: "m", parts: [{ kind: "text", text: c.content ?? "" }], metadata: { [QUERY_EXTENSION_METADATA_KEY]: ark } } });
      assert.equal(outcome.kind === "message" ? outcome.raw : "", c.raw);
    });
  }
});

describe("W8: the request's URL and headers", () => {
  const fixture = golden("w08-request.json");
  let engine: Awaited<ReturnType<typeof startEngine>>;
  before(async () => {
    engine = await startEngine(() => ({ status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: "1", result: { kind: "message", role: "agent", messageId: "m", parts: [] } }) }));
  });
  after(() => engine.close());

  it("posts to the address with a trailing slash", () => {
    for (const u of fixture.urls) assert.equal(controllerRequestUrl(u.address), u.url);
  });
  it("the constant headers are trpc-a2a-go's and Go's", () => {
    assert.deepEqual({ ...CONTROLLER_REQUEST_HEADERS }, fixture.headers);
  });
  it("baggage carries spec.sessionId, else the uid; traceparent is a fresh sampled trace", () => {
    for (const s of fixture.sessionId) {
      const headers = controllerTraceHeaders(s.spec || s.uid);
      assert.equal(headers.baggage, s.baggage);
      assert.match(headers.traceparent, new RegExp(fixture.telemetryHeaders.traceparent));
    }
    assert.notEqual(controllerTraceHeaders("x").traceparent, controllerTraceHeaders("x").traceparent);
  });
  it("the dispatcher's call sends exactly those headers, to the trailing-slash path", async () => {
    const trace = controllerTraceHeaders("sess-1");
    const outcome = answered(await sendMessage({ address: `${engine.url}/a2a`, body: "{}", rpcId: "1", timeoutMs: 5_000, headers: trace }, new AbortController().signal));
    assert.equal(outcome.kind, "message");
    const request = engine.seen.at(-1);
    assert.equal(request?.url, "/a2a/");
    for (const [name, value] of Object.entries({ ...fixture.headers, ...trace })) assert.equal(request?.headers[name.toLowerCase()], value, name);
    const extra = Object.keys(request?.headers ?? {}).filter((h) => !["host", "content-length", "connection", "traceparent", "baggage"].includes(h) && !(h in Object.fromEntries(Object.keys(fixture.headers).map((k) => [k.toLowerCase(), 1]))));
    assert.deepEqual(extra, [], "no header Go would not send");
  });
});

describe("W9: spec.timeout and the controller's 5-minute HTTP ceiling", () => {
  const fixture = golden("w09-timeouts.json");
  let engine: Awaited<ReturnType<typeof startEngine>>;
  before(async () => {
    engine = await startEngine(() => ({ status: 200, body: "", hang: true }));
  });
  after(() => engine.close());

  it("the ceiling is 5 minutes and the default spec.timeout 5 minutes", () => {
    assert.equal(CONTROLLER_HTTP_TIMEOUT_MS, fixture.ceilingMs);
    assert.equal(CONTROLLER_DEFAULT_QUERY_TIMEOUT_MS, fixture.cases[0].deadlineMs);
  });
  // The same rule on a scale of 1 ms = 1 s of the real one, so the test waits 300 ms instead of 5 minutes.
  for (const c of fixture.cases) {
    it(`spec.timeout ${c.specTimeout ?? "(none)"}: ${c.cause}`, async () => {
      const specMs = (c.specTimeout === null ? CONTROLLER_DEFAULT_QUERY_TIMEOUT_MS : parseGoDuration(c.specTimeout)) / 1000;
      const ceilingMs = fixture.ceilingMs / 1000;
      const started = Date.now();
      const outcome = answered(await sendMessage({ address: engine.url, body: "{}", rpcId: "1", timeoutMs: specMs, ceilingMs }, new AbortController().signal));
      const took = Date.now() - started;
      assert.equal(content(outcome), fixture.content.replace("{URL}", `${engine.url}/`).replace("{CAUSE}", c.cause));
      assert.ok(took >= Math.min(specMs, ceilingMs) - 5 && took < Math.min(specMs, ceilingMs) + 1_000, `ended after ${took} ms`);
    });
  }
  it("an abort (cancel, deletion) is no outcome at all", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    assert.deepEqual(await sendMessage({ address: engine.url, body: "{}", rpcId: "1", timeoutMs: 5_000 }, controller.signal), { kind: "aborted" });
  });
});

describe("W10: at v0.1.67 the reference names the Query only", () => {
  it("has exactly name and namespace", () => {
    const body = JSON.parse(buildMessageSendBody({ queryName: "q", namespace: "n", input: "x" })) as { params: { message: { metadata: Record<string, Record<string, unknown>> } } };
    assert.deepEqual(Object.keys(body.params.message.metadata[QUERY_EXTENSION_METADATA_KEY] ?? {}), golden("w10-sub-target.json").refKeys);
  });
});
