/**
 * Optional OpenTelemetry tracing: one span per execution, continuing the
 * caller's W3C `traceparent` and copying every `baggage` entry (e.g.
 * `ark.session.id`) onto the span, active while the engine runs so that the
 * spans of model and tool calls nest under it. Enabled, as in the Python SDK,
 * by `OTEL_EXPORTER_OTLP_ENDPOINT`: `@opentelemetry/api` is then loaded with a
 * dynamic import and, unless a tracer provider is registered already, the
 * SDK is set up to export over OTLP/HTTP (`otel-setup.ts`, also the broker's
 * `/v1/traces` when ARK's `ark-config-broker` names one). Without the variable
 * nothing is imported and no work is done.
 */

import type * as OtelApi from "@opentelemetry/api";
import type { Logger } from "../core/logger.js";
import { SDK_VERSION } from "../core/version.js";
import { errorMessage } from "../core/errors.js";
import { hasGlobalTracerProvider } from "./otel-global.js";

/** A started execution span. */
export interface ExecutionSpan {
  setAttribute(key: string, value: string | number | boolean): void;
  /** Runs `work` with this span active, so that spans started inside it are its children. */
  run<T>(work: () => T): T;
  /** Ends the span; with an error, records it and marks the span failed. */
  end(error?: unknown): void;
}

/** Starts execution spans. */
export interface ExecutionTracing {
  startSpan(name: string, header: (name: string) => string | undefined, attributes: Record<string, string>): ExecutionSpan;
  /** Exports what is pending and stops the SDK when this module set it up (a no-op otherwise). */
  close(): Promise<void>;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** Reads a W3C `traceparent` header; `undefined` when absent or invalid. */
export function parseTraceparent(value: string | undefined): { traceId: string; spanId: string; sampled: boolean } | undefined {
  const match = value ? TRACEPARENT.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, version, traceId = "", spanId = "", flags = "00"] = match;
  if (version === "ff" || /^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** Reads a W3C `baggage` header into its entries (properties dropped, values URL-decoded). */
export function parseBaggage(value: string | undefined): Record<string, string> {
  const entries: Record<string, string> = {};
  if (!value || value.length > 8192) return entries;
  for (const member of value.split(",").slice(0, 180)) {
    const pair = member.split(";")[0] ?? "";
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    if (!key) continue;
    try {
      entries[key] = decodeURIComponent(raw);
    } catch {
      entries[key] = raw;
    }
  }
  return entries;
}

/** Options of {@link loadTracing}. */
export interface LoadTracingOptions {
  env?: NodeJS.ProcessEnv | undefined;
  /** Load even without `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  force?: boolean | undefined;
  /** Set up no SDK: spans go to whatever provider is registered globally (none: not recorded). */
  apiOnly?: boolean | undefined;
  /** `service.name` of the SDK set up here when `OTEL_SERVICE_NAME` is not set. */
  serviceName?: string | undefined;
  /** Finds the ARK broker's OTLP traces URL (a second export destination), called once when the SDK is set up here. */
  brokerEndpoint?: (() => Promise<string | undefined>) | undefined;
}

/** The loaded API, for {@link childSpan}; set by the first {@link loadTracing} that loads it. */
let loadedApi: typeof OtelApi | undefined;

/**
 * Loads tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (or `force`);
 * `undefined` otherwise or when `@opentelemetry/api` is not installed. Sets
 * up the OpenTelemetry SDK (OTLP/HTTP export) unless a tracer provider is
 * registered already or `apiOnly`.
 */
export async function loadTracing(logger: Logger, options: LoadTracingOptions = {}): Promise<ExecutionTracing | undefined> {
  const env = options.env ?? process.env;
  if (!options.force && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  let api: typeof OtelApi;
  try {
    api = await import("@opentelemetry/api");
  } catch (error) {
    logger.warn(`OTEL_EXPORTER_OTLP_ENDPOINT is set but @opentelemetry/api cannot be loaded (${errorMessage(error)}); tracing is off`);
    return undefined;
  }
  loadedApi ??= api;
  let close = async (): Promise<void> => {};
  if (!options.apiOnly && !hasGlobalTracerProvider(api)) {
    try {
      const { setupTracing } = await import("./otel-setup.js");
      const sdk = setupTracing({ logger, serviceName: options.serviceName, brokerEndpoint: options.brokerEndpoint?.() });
      close = () => sdk.close();
      logger.info(`tracing: exporting spans over OTLP/HTTP to ${env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT}`);
    } catch (error) {
      logger.warn(`tracing: the OpenTelemetry SDK cannot be set up (${errorMessage(error)}); spans go to the global tracer provider, which records none. Install @opentelemetry/sdk-trace-node, @opentelemetry/resources and @opentelemetry/exporter-trace-otlp-http, or register your own provider`);
    }
  }
  const tracer = api.trace.getTracer("ark-sdk", SDK_VERSION);
  return {
    close,
    startSpan(name, header, attributes) {
      let parent: OtelApi.Context = api.ROOT_CONTEXT;
      const remote = parseTraceparent(header("traceparent"));
      if (remote) {
        parent = api.trace.setSpanContext(parent, {
          traceId: remote.traceId,
          spanId: remote.spanId,
          traceFlags: remote.sampled ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE,
          isRemote: true,
        });
      }
      const baggage = parseBaggage(header("baggage"));
      const entries = Object.entries(baggage);
      if (entries.length > 0) {
        parent = api.propagation.setBaggage(parent, api.propagation.createBaggage(Object.fromEntries(entries.map(([k, v]) => [k, { value: v }]))));
      }
      const span = tracer.startSpan(name, { kind: api.SpanKind.SERVER, attributes: { ...baggage, ...attributes } }, parent);
      const active = api.trace.setSpan(parent, span);
      return {
        setAttribute: (key, value) => void span.setAttribute(key, value),
        run: (work) => api.context.with(active, work),
        end: (error?: unknown) => endSpan(api, span, error),
      };
    },
  };
}

function endSpan(api: typeof OtelApi, span: OtelApi.Span, error: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : new Error(errorMessage(error)));
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: errorMessage(error) });
  }
  span.end();
}

/**
 * Runs `work` in a child span of the active span (the execution's, inside an
 * engine): for the model and tool calls ark-sdk makes. Without tracing loaded
 * it only runs `work`. The span fails when `work` throws or rejects.
 * @internal
 */
export async function childSpan<T>(name: string, attributes: Record<string, string | number | boolean>, work: (setAttribute: (key: string, value: string | number | boolean) => void) => Promise<T>): Promise<T> {
  const api = loadedApi;
  if (!api) return work(() => {});
  const tracer = api.trace.getTracer("ark-sdk", SDK_VERSION);
  return tracer.startActiveSpan(name, { kind: api.SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const result = await work((key, value) => void span.setAttribute(key, value));
      endSpan(api, span, undefined);
      return result;
    } catch (error) {
      endSpan(api, span, error);
      throw error;
    }
  });
}
