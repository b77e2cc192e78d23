/**
 * Optional OpenTelemetry tracing: one span per execution, continuing the
 * caller's W3C `traceparent` and copying every `baggage` entry (e.g.
 * `ark.session.id`) onto the span. Enabled, as in the Python SDK, by
 * `OTEL_EXPORTER_OTLP_ENDPOINT`; `@opentelemetry/api` is then loaded with a
 * dynamic import. Without the variable nothing is imported and no work is
 * done. Spans go to the globally registered tracer provider: register an
 * SDK (e.g. `@opentelemetry/sdk-node`) to export them.
 */

import type * as OtelApi from "@opentelemetry/api";
import type { Logger } from "../core/logger.js";
import { SDK_VERSION } from "../core/version.js";
import { errorMessage } from "../core/errors.js";

/** A started execution span. */
export interface ExecutionSpan {
  setAttribute(key: string, value: string | number | boolean): void;
  /** Ends the span; with an error, records it and marks the span failed. */
  end(error?: unknown): void;
}

/** Starts execution spans. */
export interface ExecutionTracing {
  startSpan(name: string, header: (name: string) => string | undefined, attributes: Record<string, string>): ExecutionSpan;
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

/**
 * Loads tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (or `force`);
 * `undefined` otherwise or when `@opentelemetry/api` is not installed.
 */
export async function loadTracing(logger: Logger, options: { env?: NodeJS.ProcessEnv; force?: boolean } = {}): Promise<ExecutionTracing | undefined> {
  const env = options.env ?? process.env;
  if (!options.force && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  let api: typeof OtelApi;
  try {
    api = await import("@opentelemetry/api");
  } catch (error) {
    logger.warn(`OTEL_EXPORTER_OTLP_ENDPOINT is set but @opentelemetry/api cannot be loaded (${errorMessage(error)}); tracing is off`);
    return undefined;
  }
  const tracer = api.trace.getTracer("ark-sdk", SDK_VERSION);
  return {
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
      return {
        setAttribute: (key, value) => void span.setAttribute(key, value),
        end: (error?: unknown) => {
          if (error !== undefined) {
            span.recordException(error instanceof Error ? error : new Error(errorMessage(error)));
            span.setStatus({ code: api.SpanStatusCode.ERROR, message: errorMessage(error) });
          }
          span.end();
        },
      };
    },
  };
}
