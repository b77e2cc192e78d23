/**
 * The OpenTelemetry SDK set up as ARK's Python engines do (`_init_otel`): a
 * tracer provider registered globally with W3C trace-context and baggage
 * propagation, every baggage entry (e.g. `ark.session.id`) copied onto each
 * span, spans batched to the OTLP/HTTP endpoint of the standard
 * `OTEL_EXPORTER_OTLP_*` variables and, when given, also to the ARK broker's
 * `/v1/traces`. Imports the SDK packages (optional peers) statically: only
 * `ark-sdk/otel` and the dynamic import in `telemetry.ts` reach this module.
 */

import * as otelApi from "@opentelemetry/api";
import { context as otelContext, propagation, trace, type Context } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { errorMessage } from "../core/errors.js";
import { silentLogger, type Logger } from "../core/logger.js";
import { SDK_VERSION } from "../core/version.js";
import { hasGlobalTracerProvider } from "./otel-global.js";

/** Options of {@link setupTracing}. */
export interface TracingOptions {
  /**
   * The OTLP/HTTP traces URL (e.g. `http://collector:4318/v1/traces`). Default:
   * what the exporter reads from the standard variables, as in ARK's Python
   * and Go components: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; headers from
   * `OTEL_EXPORTER_OTLP_HEADERS` (`key=value,...`).
   */
  endpoint?: string | undefined;
  /** Extra headers of the primary exporter (merged over `OTEL_EXPORTER_OTLP_HEADERS`). */
  headers?: Record<string, string> | undefined;
  /**
   * A second destination: the ARK broker's OTLP traces URL
   * (`http://<broker>/v1/traces`), or a promise of it (discovery may take a
   * moment; spans ended before it settles go to the primary endpoint only).
   * `undefined` (or a promise of it) adds none.
   */
  brokerEndpoint?: string | Promise<string | undefined> | undefined;
  /** `service.name` when `OTEL_SERVICE_NAME` is not set (default `ark-engine`). */
  serviceName?: string | undefined;
  /**
   * The exporters to use instead of OTLP/HTTP (tests, other protocols). When
   * given, `endpoint`, `headers` and `brokerEndpoint` are ignored.
   */
  exporters?: SpanExporter[] | undefined;
  /** Delay between two batch exports, ms (default 5,000, the SDK's default). */
  exportDelayMs?: number | undefined;
  /** Where setup and export problems are logged (default: silent). */
  logger?: Logger | undefined;
}

/** The tracing {@link setupTracing} registered; flush it before the process exits. */
export interface Tracing {
  /** Whether this call registered the provider (`false` when another one was registered already and is used instead). */
  readonly registered: boolean;
  /** Exports every ended span now. */
  flush(): Promise<void>;
  /** Flushes, then stops exporting and unregisters the provider. Idempotent. */
  close(): Promise<void>;
  /** The same as `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Copies every baggage entry of the span's parent context onto the span as
 * an attribute (what the Python SDK's `BaggageSpanProcessor` does), so that
 * `ark.session.id` reaches model and tool spans too.
 */
class BaggageToAttributes implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    const baggage = propagation.getBaggage(parentContext);
    if (!baggage) return;
    for (const [key, entry] of baggage.getAllEntries()) span.setAttribute(key, entry.value);
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A processor whose target arrives later (the broker's endpoint is discovered asynchronously). */
class LateProcessor implements SpanProcessor {
  private target: SpanProcessor | undefined;
  private closed = false;

  set(target: SpanProcessor): void {
    if (this.closed) void target.shutdown();
    else this.target = target;
  }
  onStart(span: Span, parentContext: Context): void {
    this.target?.onStart(span, parentContext);
  }
  onEnd(span: ReadableSpan): void {
    this.target?.onEnd(span);
  }
  async forceFlush(): Promise<void> {
    await this.target?.forceFlush();
  }
  async shutdown(): Promise<void> {
    this.closed = true;
    await this.target?.shutdown();
  }
}

/**
 * Registers an OpenTelemetry tracer provider exporting over OTLP/HTTP, as
 * ARK's Python engines do when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
 * `ExecutorApp` calls it by itself in that case; call it yourself to choose
 * the options, or to trace code that is not an engine. When a provider is
 * already registered (your own SDK setup), that one is kept and nothing is
 * exported by this call (`registered: false`).
 *
 * @example
 * ```ts
 * import { setupTracing } from "ark-sdk/otel";
 * await using tracing = setupTracing({ endpoint: "http://collector:4318/v1/traces" });
 * ```
 */
export function setupTracing(options: TracingOptions = {}): Tracing {
  const logger = options.logger ?? silentLogger;
  if (hasGlobalTracerProvider(otelApi)) {
    logger.debug("tracing: a tracer provider is already registered; using it");
    const keep = async () => {};
    return { registered: false, flush: keep, close: keep, [Symbol.asyncDispose]: keep };
  }
  const batch = (exporter: SpanExporter) => new BatchSpanProcessor(exporter, options.exportDelayMs === undefined ? {} : { scheduledDelayMillis: options.exportDelayMs });
  const processors: SpanProcessor[] = [new BaggageToAttributes()];
  if (options.exporters) {
    processors.push(...options.exporters.map(batch));
  } else {
    const primary: ConstructorParameters<typeof OTLPTraceExporter>[0] = {};
    if (options.endpoint) primary.url = options.endpoint;
    if (options.headers) primary.headers = options.headers;
    processors.push(batch(new OTLPTraceExporter(primary)));
    if (options.brokerEndpoint !== undefined) {
      const late = new LateProcessor();
      processors.push(late);
      Promise.resolve(options.brokerEndpoint).then(
        (url) => {
          if (!url) return;
          late.set(batch(new OTLPTraceExporter({ url })));
          logger.info(`tracing: also exporting to the ARK broker at ${url}`);
        },
        (error: unknown) => logger.debug(`tracing: no broker exporter: ${errorMessage(error)}`),
      );
    }
  }
  const detected = detectResources({ detectors: [envDetector] });
  const resource = resourceFromAttributes({
    "service.name": options.serviceName ?? "ark-engine",
    "telemetry.sdk.name": "opentelemetry",
    "ark.sdk.version": SDK_VERSION,
  }).merge(detected);
  const provider = new NodeTracerProvider({ resource, spanProcessors: processors });
  provider.register();
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      try {
        await provider.shutdown();
      } catch (error) {
        logger.warn(`tracing: shutdown failed: ${errorMessage(error)}`);
      }
      trace.disable();
      propagation.disable();
      otelContext.disable();
    })());
  return {
    registered: true,
    flush: async () => {
      try {
        await provider.forceFlush();
      } catch (error) {
        logger.warn(`tracing: export failed: ${errorMessage(error)}`);
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
