// OpenTelemetry export (issue 11 §5, audit "OTEL PARTIAL"): with OTEL_EXPORTER_OTLP_ENDPOINT set, ExecutorApp sets
// up the OpenTelemetry SDK by itself, as ARK's Python engines do, and exports its spans over OTLP/HTTP to that
// endpoint (with OTEL_EXPORTER_OTLP_HEADERS) and to the broker's /v1/traces. Two real OTLP receivers on loopback
// decode what the exporter sends.
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { trace } from "@opentelemetry/api";
import { BaseExecutor, ExecutorApp, StaticQueryResolver, type ExecutionContext, type ExecutionEngineRequest, type Message } from "ark-sdk/executor";
import { plainRequest, sendBody } from "./helpers.js";
import { within } from "../helpers/deadline.js";

/** One span as OTLP/JSON carries it, attributes flattened. */
interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  service: unknown;
}

interface Receiver {
  url: string;
  spans: ReceivedSpan[];
  requests: { path: string; headers: IncomingHttpHeaders }[];
  server: Server;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };

function flatten(attributes: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of attributes ?? []) out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.boolValue ?? value.doubleValue);
  return out;
}

/** A minimal OTLP/HTTP traces receiver (JSON encoding, what @opentelemetry/exporter-trace-otlp-http sends). */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: "", spans: [], requests: [], server: createServer() };
  receiver.server.on("request", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      receiver.requests.push({ path: req.url ?? "", headers: req.headers });
      assert.equal(req.headers["content-type"], "application/json");
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        resourceSpans: { resource?: { attributes?: KeyValue[] }; scopeSpans: { spans: (Omit<ReceivedSpan, "attributes" | "service"> & { attributes?: KeyValue[] })[] }[] }[];
      };
      for (const rs of body.resourceSpans) {
        const service = flatten(rs.resource?.attributes)["service.name"];
        for (const ss of rs.scopeSpans) for (const s of ss.spans) receiver.spans.push({ ...s, attributes: flatten(s.attributes), service });
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
  return receiver;
}

/** Makes a child span the way an instrumented model client does: through the global API, inside executeAgent. */
class TracedEngine extends BaseExecutor {
  constructor() {
    super("Traced");
  }
  async executeAgent(request: ExecutionEngineRequest, ctx: ExecutionContext): Promise<Message[]> {
    if (request.userInput.content === "fail") throw new Error("model exploded");
    await trace.getTracer("test-model-client").startActiveSpan("llm.gpt-4.1", async (span) => {
      await new Promise((r) => setTimeout(r, 5));
      span.end();
    });
    ctx.reportUsage({ promptTokens: 7, completionTokens: 3, totalTokens: 10 });
    return [{ role: "assistant", content: "done" }];
  }
}

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const saved: Record<string, string | undefined> = {};
const VARS = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];
let collector: Receiver;
let broker: Receiver;

before(async () => {
  collector = await startReceiver();
  broker = await startReceiver();
  for (const v of VARS) saved[v] = process.env[v];
  delete process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  delete process.env.OTEL_SERVICE_NAME;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = collector.url;
  process.env.OTEL_EXPORTER_OTLP_HEADERS = "x-tenant=acme,authorization=Basic%20cGs6c2s=";
});

after(async () => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  for (const r of [collector, broker]) {
    r.server.closeAllConnections();
    r.server.close();
  }
});

describe("OTLP/HTTP export (issue 11 §5)", () => {
  it("exports the execution span, its model child span and a failure to the collector and to the broker", async () => {
    const resolver = new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() });
    const withBroker = Object.assign(resolver, { tracesEndpoint: async () => `${broker.url}/v1/traces` });
    const app = new ExecutorApp(new TracedEngine(), { resolver: withBroker, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const post = (input: string, headers: Record<string, string> = {}) =>
      app.fetch(new Request("http://engine.local/", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: sendBody(input) }));
    try {
      assert.equal((await post("hello", { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`, baggage: "ark.session.id=session-42" })).status, 200);
      assert.equal((await post("fail")).status, 200);
    } finally {
      // close() flushes the batch processors: nothing is left waiting for the 5 s export timer.
      await within(15_000, "ExecutorApp.close() flushing spans", app.close({ gracePeriodMs: 1_000 }));
    }

    // The standard variables: OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces, OTEL_EXPORTER_OTLP_HEADERS decoded.
    assert.ok(collector.requests.length >= 1);
    for (const r of collector.requests) {
      assert.equal(r.path, "/v1/traces");
      assert.equal(r.headers["x-tenant"], "acme");
      assert.equal(r.headers.authorization, "Basic cGs6c2s=");
    }
    const executions = collector.spans.filter((s) => s.name === "ark.executor.execute");
    assert.equal(executions.length, 2, `spans received: ${collector.spans.map((s) => s.name).join(", ")}`);
    const [ok, failed] = [executions.find((s) => s.traceId === TRACE_ID), executions.find((s) => s.traceId !== TRACE_ID)];
    assert.ok(ok && failed);

    // The caller's traceparent is the parent; query, namespace, agent, model, usage and baggage are attributes.
    assert.equal(ok.parentSpanId, CALLER_SPAN);
    assert.equal(ok.kind, 2); // SERVER
    assert.equal(ok.service, "traced");
    assert.equal(ok.attributes["query.name"], "q1");
    assert.equal(ok.attributes["query.namespace"], "team-a");
    assert.equal(ok.attributes["agent.name"], "weather-agent");
    assert.equal(ok.attributes["llm.model.name"], "gpt-4.1");
    assert.equal(ok.attributes["llm.model.provider"], "openai");
    assert.equal(ok.attributes["gen_ai.usage.total_tokens"], 10);
    assert.equal(ok.attributes["ark.session.id"], "session-42");
    assert.equal(ok.status.code ?? 0, 0);

    // The engine's own span nests under the execution span and carries the baggage too (BaggageSpanProcessor).
    const model = collector.spans.find((s) => s.name === "llm.gpt-4.1");
    assert.ok(model, "the model span was exported");
    assert.equal(model.traceId, TRACE_ID);
    assert.equal(model.parentSpanId, ok.spanId);
    assert.equal(model.attributes["ark.session.id"], "session-42");

    // Without a traceparent, a new trace; a failed execution has status ERROR with the engine's message.
    assert.equal(failed.parentSpanId ?? "", "");
    assert.equal(failed.status.code, 2);
    assert.equal(failed.status.message, "model exploded");

    // The broker received the same spans, without having to be configured by hand.
    assert.deepEqual(broker.spans.map((s) => s.spanId).sort(), collector.spans.map((s) => s.spanId).sort());
    assert.ok(broker.requests.every((r) => r.path === "/v1/traces"));
  });
});
