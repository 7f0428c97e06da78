/**
 * Whether tracing is asked for, without loading it: the OpenTelemetry SDK is imported only when it is.
 */

/** A flag (`--otlp-endpoint`), or one of the standard endpoint variables. */
export function tracingRequested(endpoint: string | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return endpoint !== undefined || env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined;
}
