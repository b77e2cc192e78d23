// OpenTelemetry: with OTEL_EXPORTER_OTLP_ENDPOINT set, one span per execution continues the caller's traceparent
// and carries its baggage; without it, nothing is loaded. Spans are recorded by the real OpenTelemetry SDK.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ExecutorApp, StaticQueryResolver } from "ark-sdk/executor";
import { loadTracing } from "../../src/executor/telemetry.js";
import { TestEngine, plainRequest, sendBody } from "./helpers.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let app: ExecutorApp;
let previous: string | undefined;

before(() => {
  trace.setGlobalTracerProvider(provider);
  previous = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318";
  const resolver = new StaticQueryResolver().set("team-a", "q1", { request: plainRequest() });
  app = new ExecutorApp(new TestEngine("Traced"), { resolver, logger: silent });
});

after(async () => {
  await app.close();
  await provider.shutdown();
  trace.disable();
  if (previous === undefined) delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  else process.env.OTEL_EXPORTER_OTLP_ENDPOINT = previous;
});

const post = (input: string, headers: Record<string, string> = {}) =>
  app.fetch(new Request("http://engine.local/", { method: "POST", headers: { "content-type": "application/json", ...headers }, body: sendBody(input) }));

describe("OpenTelemetry", () => {
  it("records one span per execution, child of the caller's traceparent, with baggage as attributes", async () => {
    exporter.reset();
    await post("hello", {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      baggage: "ark.session.id=session-42,team=forecast%20ops",
    });
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 1);
    const span = spans[0];
    assert.equal(span?.name, "ark.executor.execute");
    assert.equal(span?.spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.equal(span?.parentSpanContext?.spanId, "00f067aa0ba902b7");
    assert.equal(span?.attributes["ark.session.id"], "session-42");
    assert.equal(span?.attributes.team, "forecast ops");
    assert.equal(span?.attributes["ark.query.name"], "q1");
    assert.equal(span?.attributes["ark.agent.name"], "weather-agent");
    assert.equal(span?.status.code, 0);
  });

  it("marks the span failed when the engine throws, and creates none for /health", async () => {
    exporter.reset();
    await post("fail");
    await app.fetch(new Request("http://engine.local/health"));
    const spans = exporter.getFinishedSpans();
    assert.equal(spans.length, 1);
    assert.equal(spans[0]?.status.code, 2);
    assert.equal(spans[0]?.status.message, "model exploded");
  });

  it("is off (nothing loaded) without OTEL_EXPORTER_OTLP_ENDPOINT", async () => {
    assert.equal(await loadTracing(silent, { env: {} }), undefined);
    assert.notEqual(await loadTracing(silent, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://x" } }), undefined);
  });
});
