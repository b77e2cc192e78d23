/** Which tracer provider the OpenTelemetry API holds globally (shared by `telemetry.ts` and `otel-setup.ts`). */

import type * as OtelApi from "@opentelemetry/api";

/** Whether a tracer provider other than the API's no-op one is registered globally. */
export function hasGlobalTracerProvider(api: typeof OtelApi): boolean {
  const provider = api.trace.getTracerProvider() as OtelApi.TracerProvider & { getDelegate?: () => OtelApi.TracerProvider };
  const delegate = typeof provider.getDelegate === "function" ? provider.getDelegate() : provider;
  return delegate.constructor.name !== "NoopTracerProvider";
}
