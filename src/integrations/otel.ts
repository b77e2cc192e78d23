/**
 * `ark-sdk/otel`: OpenTelemetry tracing set up as ARK's Python engines do it,
 * exporting spans over OTLP/HTTP to the endpoint ARK configures
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_HEADERS`, which ARK's
 * charts take from the `otel-environment-variables` ConfigMap and Secret) and
 * to the ARK broker's `/v1/traces`. The OpenTelemetry SDK packages are
 * optional peers, loaded only when this entry point is imported or when an
 * `ExecutorApp` starts with `OTEL_EXPORTER_OTLP_ENDPOINT` set (it then calls
 * {@link setupTracing} by itself).
 *
 * ```ts
 * import { setupTracing } from "ark-sdk/otel";
 * const tracing = setupTracing({ endpoint: "http://collector:4318/v1/traces" });
 * // … on shutdown:
 * await tracing.close();
 * ```
 * @module ark-sdk/otel
 */

export { setupTracing, type Tracing, type TracingOptions } from "../executor/otel-setup.js";
export { discoverBrokerTracesUrl, BROKER_CONFIG_NAME, type BrokerTracesLookup } from "../ark/broker-discovery.js";
