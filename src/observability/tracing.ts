/**
 * Traces: each served request continues the caller's trace (W3C `traceparent`/`tracestate`, or B3) with a
 * SERVER span that says which stub answered, which delay and fault were chosen and by whom; a forwarded
 * request gets a CLIENT span with the context passed on upstream, so the trace runs on into the real
 * service. Spans are exported in batches over OTLP/HTTP (protobuf, or JSON when the standard variables ask
 * for it), with the OpenTelemetry SDK.
 *
 * Loaded only when tracing is on (`--otlp-endpoint` or the standard OTEL_EXPORTER_OTLP_* variables): a
 * Decoy without it imports none of this, and its hot path does one `undefined` check. The SDK is used
 * through a provider of its own, never the global one, so a Decoy inside a test process leaves that
 * process's own tracing alone. An exporter that fails drops spans (bounded queue); serving never waits
 * for it.
 */
import type { IncomingMessage } from 'node:http';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type SpanContext, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { B3InjectEncoding, B3Propagator } from '@opentelemetry/propagator-b3';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Exchange, ForwardedResponse, Outcome } from '../core/engine.js';
import type { DeliveryPlan } from '../core/faults/plan.js';
import { redactUrl } from '../core/recording/redaction.js';
import { VERSION } from '../version.js';
import type { WebhookTracing } from '../webhooks/webhook-sender.js';

export interface TracingOptions {
  /** `--otlp-endpoint`: the OTLP/HTTP base URL (`/v1/traces` is added), as OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint?: string | undefined;
  /** The Decoy service (namespace) the spans come from: `decoy.service` on every span. */
  service: string;
  /** The environment to read the standard OTEL_* variables from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** A served request's span, from the decision to the last byte. */
export interface ServerSpan {
  /** Starts the CLIENT span of the upstream call; returns the headers that carry its context upstream. */
  forwarding(baseUrl: string): string[];
  /** Ends the span (and the upstream's) with how the exchange ended. */
  end(outcome?: Outcome): void;
}

export interface Tracing extends WebhookTracing {
  /** The SERVER span of a decided exchange, continuing the caller's trace. */
  serve(req: IncomingMessage, exchange: Exchange, receivedAt: number): ServerSpan;
  /** Exports what is pending and stops. */
  shutdown(): Promise<void>;
}

/** How long a stop waits for the last spans to be exported. */
const SHUTDOWN_WAIT_MS = 1000;

const getter: TextMapGetter<IncomingMessage['headers']> = {
  keys: (h) => Object.keys(h),
  get: (h, key) => h[key.toLowerCase()],
};

const setter: TextMapSetter<string[]> = {
  set: (carrier, key, value) => { carrier.push(key, value); },
};

/** The exporter the standard variables ask for: protobuf by default, JSON for `http/json`. */
async function exporterFor(options: TracingOptions, env: NodeJS.ProcessEnv): Promise<SpanExporter> {
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  // A flag wins over the variables; as a base URL it takes the signal's path, as the specification says.
  const url = options.endpoint === undefined ? undefined : `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const config = url === undefined ? {} : { url };
  if (protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(config);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(config);
}

export async function createTracing(options: TracingOptions): Promise<Tracing> {
  const env = options.env ?? process.env;
  const exporter = await exporterFor(options, env);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME ?? 'decoy',
      'service.version': VERSION,
    }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200 })],
  });
  const tracer = provider.getTracer('decoy', VERSION);
  const w3c = new W3CTraceContextPropagator();
  const b3 = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  const extractor = new CompositePropagator({ propagators: [w3c, b3] });
  /** The SERVER span of each exchange in flight or recently served, for the callbacks it causes to link to. */
  const spanOf = new WeakMap<object, SpanContext>();

  return {
    serve(req, x, receivedAt) {
      const parent = extractor.extract(ROOT_CONTEXT, req.headers, getter);
      // B3 in, B3 out: an upstream in a B3 shop reads the context as it came.
      const usesB3 = req.headers.b3 !== undefined || req.headers['x-b3-traceid'] !== undefined;
      const span = tracer.startSpan(spanName(x), { kind: SpanKind.SERVER, startTime: receivedAt, attributes: serverAttributes(req, x, options.service) }, parent);
      spanOf.set(x, span.spanContext());
      let upstream: Span | undefined;
      let ended = false;
      return {
        forwarding(baseUrl) {
          const ctx: Context = trace.setSpan(parent, span);
          upstream = tracer.startSpan(`${x.request.method}`, {
            kind: SpanKind.CLIENT,
            attributes: { 'http.request.method': x.request.method, 'url.full': redactUrl(baseUrl.replace(/\/+$/, '') + x.request.url), 'server.address': hostOf(baseUrl) },
          }, ctx);
          const headers: string[] = [];
          const upstreamCtx = trace.setSpan(ctx, upstream);
          w3c.inject(upstreamCtx, headers, setter);
          if (usesB3) b3.inject(upstreamCtx, headers, setter);
          return headers;
        },
        end(outcome) {
          if (ended) return;
          ended = true;
          const forwarded = outcome?.kind === 'forwarded' ? outcome.result : undefined;
          if (upstream !== undefined) endUpstream(upstream, forwarded);
          const status = forwarded?.status ?? x.event?.response?.status ?? (sendsNothing(x) ? undefined : x.response.status);
          if (status !== undefined) span.setAttribute('http.response.status_code', status);
          const fault = planOf(x)?.fault;
          if (fault !== undefined || (status !== undefined && status >= 500)) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: fault !== undefined ? `injected fault ${fault}` : `HTTP ${status}` });
            if (fault === undefined) span.setAttribute('error.type', String(status));
            else span.setAttribute('error.type', fault);
          }
          span.end();
        },
      };
    },
    webhookAttempt(cause, call, attempt) {
      // A callback is a request of its own, later: a trace of its own, linked to the request that caused it.
      const link = spanOf.get(cause);
      const span = tracer.startSpan(`webhook ${call.method}`, {
        kind: SpanKind.CLIENT, root: true,
        links: link === undefined ? [] : [{ context: link }],
        attributes: {
          'http.request.method': call.method, 'url.full': redactUrl(call.url), 'server.address': hostOf(call.url),
          'decoy.webhook.index': call.index, 'decoy.webhook.copy': call.copy, 'decoy.webhook.attempt': attempt, 'decoy.service': options.service,
        },
      });
      return {
        end(status, error) {
          if (status !== undefined) span.setAttribute('http.response.status_code', status);
          if (error !== undefined || (status !== undefined && status >= 500)) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: error ?? `HTTP ${status}` });
            span.setAttribute('error.type', error !== undefined ? 'no answer' : String(status));
          }
          span.end();
        },
      };
    },
    async shutdown() {
      // What is pending gets a short chance to leave; an unreachable collector never holds up a stop.
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => { timer = setTimeout(resolve, SHUTDOWN_WAIT_MS); });
      await Promise.race([provider.shutdown().catch(() => undefined), limit]);
      clearTimeout(timer);
    },
  };
}

/** `GET` or, with a stub that names a route, `GET /orders/{id}` (the low-cardinality name the conventions ask for). */
function spanName(x: Exchange): string {
  const route = routeOf(x);
  return route === undefined ? x.request.method : `${x.request.method} ${route}`;
}

/** The stub's path pattern, when it has one (never the raw URL: names must stay few). */
function routeOf(x: Exchange): string | undefined {
  const r = x.stub?.definition.request as Record<string, unknown> | undefined;
  if (r === undefined) return undefined;
  for (const key of ['path', 'urlPathTemplate', 'urlPath', 'urlPathPattern', 'url', 'urlPattern'] as const) {
    if (typeof r[key] === 'string') return (r[key] as string).split('?')[0];
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/** The delivery plan (delay, fault, dribble), when the exchange has one. */
function planOf(x: Exchange): DeliveryPlan | undefined {
  return x.delivery.kind === 'deliver' || x.delivery.kind === 'file' ? x.delivery.plan : undefined;
}

/** Whether the exchange's fault sends no response at all (a reset, an empty response, a hang). */
function sendsNothing(x: Exchange): boolean {
  const fault = planOf(x)?.fault;
  return fault !== undefined && fault !== 'STALL_BODY';
}

function serverAttributes(req: IncomingMessage, x: Exchange, service: string): Attributes {
  const r = x.request;
  const connection = r.connection;
  // Secrets in the query are masked as a recording masks them.
  const url = redactUrl(r.url);
  const q = url.indexOf('?');
  const a: Attributes = {
    'http.request.method': r.method,
    'url.path': q === -1 ? url : url.slice(0, q),
    'url.scheme': connection?.scheme ?? 'http',
    'network.protocol.version': req.httpVersion,
    'decoy.service': service,
  };
  if (q !== -1) a['url.query'] = url.slice(q + 1);
  if (connection !== undefined) {
    a['client.address'] = connection.clientIp;
    a['server.port'] = connection.localPort;
  }
  const host = req.headers.host;
  if (host !== undefined) a['server.address'] = host.replace(/:\d+$/, '');
  const agent = req.headers['user-agent'];
  if (agent !== undefined) a['user_agent.original'] = agent;
  const route = routeOf(x);
  if (route !== undefined) a['http.route'] = route;
  if (x.stub !== undefined) {
    a['decoy.match'] = 'matched';
    a['decoy.stub.id'] = x.stub.id;
    if (x.stub.name !== undefined) a['decoy.stub.name'] = x.stub.name;
  } else {
    a['decoy.match'] = x.delivery.kind === 'forward' ? 'no match, forwarded' : x.miss !== undefined ? 'no match' : 'file';
    const closest = x.miss?.nearMisses[0]?.stub;
    if (closest !== undefined) {
      a['decoy.closest_stub.id'] = closest.id;
      if (closest.name !== undefined) a['decoy.closest_stub.name'] = closest.name;
    }
  }
  const plan = planOf(x);
  const delayMs = x.delivery.kind === 'forward' ? x.delivery.delayMs : plan?.delayMs ?? 0;
  if (delayMs > 0) a['decoy.delay_ms'] = Math.round(delayMs);
  if (plan?.fault !== undefined) a['decoy.fault'] = plan.fault;
  const applied = plan?.applied ?? x.event?.faults;
  if (applied !== undefined && applied.length > 0) {
    a['decoy.faults'] = applied.map((f) => f.description);
    a['decoy.fault.sources'] = [...new Set(applied.map((f) => f.source))];
    const rule = applied.find((f) => f.ruleId !== undefined);
    if (rule !== undefined) a['decoy.chaos_rule.id'] = rule.ruleId!;
  }
  if (x.steps?.position !== undefined) a['decoy.sequence.position'] = x.steps.position;
  if (x.steps?.scenario !== undefined) {
    a['decoy.scenario.name'] = x.steps.scenario.name;
    a['decoy.scenario.from'] = x.steps.scenario.from;
    a['decoy.scenario.to'] = x.steps.scenario.to;
  }
  if (x.delivery.kind === 'forward') {
    a['decoy.proxied_to'] = x.delivery.proxy.baseUrl;
    if (x.delivery.record) a['decoy.recorded'] = true;
  }
  return a;
}

function endUpstream(span: Span, result: ForwardedResponse | undefined): void {
  if (result !== undefined) {
    span.setAttribute('http.response.status_code', result.status);
    if (result.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${result.status}` });
  }
  span.end();
}
