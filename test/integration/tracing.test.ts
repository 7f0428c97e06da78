/**
 * Traces: a client instrumented with the OpenTelemetry SDK calls Decoy; Decoy exports its spans over
 * OTLP/HTTP to a receiver on loopback that decodes them with the official OTLP protobuf definitions (or
 * reads OTLP JSON); the spans must continue the client's trace and say what Decoy did.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Decoy } from '../../src/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { closedPort, startUpstream, type Upstream } from '../support/upstream.js';

const require = createRequire(import.meta.url);
// The OTLP protobuf definitions as OpenTelemetry's own packages generate them.
const otlp = require('otlp-proto-decoder/build/src/generated/root').opentelemetry.proto;

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status: number;
  links: Array<{ traceId: string; spanId: string }>;
}

const SERVER = 2;
const CLIENT = 3;

const hex = (v: unknown): string => (typeof v === 'string' ? v.toLowerCase() : Buffer.from(v as Uint8Array).toString('hex'));

function valueOf(v: Record<string, unknown>): unknown {
  if ('stringValue' in v && v.stringValue != null) return v.stringValue;
  if ('intValue' in v && v.intValue != null) return Number(v.intValue);
  if ('boolValue' in v && v.boolValue != null) return v.boolValue;
  if ('doubleValue' in v && v.doubleValue != null) return v.doubleValue;
  if ('arrayValue' in v && v.arrayValue != null) return ((v.arrayValue as { values?: Array<Record<string, unknown>> }).values ?? []).map(valueOf);
  return undefined;
}

function spansOf(request: { resourceSpans?: unknown[] }): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (request.resourceSpans ?? []) as Array<{ scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }>) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const attributes: Record<string, unknown> = {};
        for (const a of (s.attributes ?? []) as Array<{ key: string; value: Record<string, unknown> }>) attributes[a.key] = valueOf(a.value);
        out.push({
          traceId: hex(s.traceId), spanId: hex(s.spanId), parentSpanId: s.parentSpanId ? hex(s.parentSpanId) : '',
          name: String(s.name), kind: Number(s.kind), attributes, status: Number((s.status as { code?: number } | undefined)?.code ?? 0),
          links: ((s.links ?? []) as Array<{ traceId: unknown; spanId: unknown }>).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId) })),
        });
      }
    }
  }
  return out;
}

/** An OTLP/HTTP receiver: keeps every span it is sent, and the content types it saw. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; contentTypes: string[]; close(): Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const type = String(req.headers['content-type']);
      contentTypes.push(type);
      assert.equal(req.url, '/v1/traces');
      const decoded = type.includes('json')
        ? JSON.parse(body.toString())
        : otlp.collector.trace.v1.ExportTraceServiceRequest.toObject(otlp.collector.trace.v1.ExportTraceServiceRequest.decode(body), { longs: String, bytes: Buffer });
      spans.push(...spansOf(decoded));
      res.writeHead(200, { 'Content-Type': type.includes('json') ? 'application/json' : 'application/x-protobuf' }).end(type.includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans, contentTypes,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** The test's own instrumented client: a span around each call, its context sent as `traceparent`. */
function instrumentedClient() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test-client');
  const propagator = new W3CTraceContextPropagator();
  return {
    async call(url: string, init: RequestInit = {}): Promise<{ span: Span; status: number | string }> {
      const span = tracer.startSpan(`client ${url}`);
      const headers: Record<string, string> = {};
      propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, { set: (c, k, v) => { c[k] = v; } });
      let status: number | string;
      try {
        status = (await fetch(url, { ...init, headers: { ...headers, ...(init.headers as Record<string, string> | undefined) } })).status;
      } catch (e) {
        status = String(((e as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? e);
      }
      span.end();
      return { span, status };
    },
  };
}

describe('traces (OTLP)', function () {
  this.timeout(30_000);
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let upstream: Upstream;
  let decoy: Decoy | undefined;
  let folder: ReturnType<typeof tempStubs>;
  const saved = { ...process.env };

  beforeEach(async () => {
    receiver = await startReceiver();
    upstream = await startUpstream((_req, res) => { res.writeHead(200, { 'Content-Type': 'text/plain' }).end('from upstream'); });
    folder = tempStubs({
      'plain.yaml': 'name: plain order\nrequest: { method: GET, path: /orders/:id }\nresponse: { status: 200, jsonBody: { ok: true } }\n',
      'slow-reset.yaml': 'name: broken payments\nrequest: { url: /payments }\nresponse: { fault: CONNECTION_RESET_BY_PEER, fixedDelayMilliseconds: 30 }\n',
      'proxy.yaml': `name: to upstream\nrequest: { urlPathPattern: /up/.* }\nresponse: { proxyBaseUrl: '${upstream.url}' }\n`,
      'flow.yaml': 'name: first call\nscenarioName: checkout\nrequiredScenarioState: Started\nnewScenarioState: Paid\nrequest: { url: /checkout }\nresponses: [{ status: 202 }, { status: 200 }]\n',
    });
  });

  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    await receiver.close();
    await upstream.close();
    folder.cleanup();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  const serverSpans = () => receiver.spans.filter((s) => s.kind === SERVER);

  it('continues the client\'s trace with a SERVER span naming the stub (protobuf by default)', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, otlpEndpoint: receiver.url }));
    const client = instrumentedClient();
    const { span, status } = await client.call(`${decoy.url}/orders/42?api_key=supersecret123`, { headers: { 'User-Agent': 'trace-test' } });
    assert.equal(status, 200);
    await eventually(() => serverSpans().length >= 1, 5000, 'Decoy\'s span at the receiver');
    const s = serverSpans()[0]!;
    assert.equal(s.traceId, span.spanContext().traceId, 'one trace');
    assert.equal(s.parentSpanId, span.spanContext().spanId, 'the client\'s span is the parent');
    assert.equal(s.name, 'GET /orders/:id');
    assert.equal(s.attributes['decoy.stub.name'], 'plain order');
    assert.equal(s.attributes['decoy.match'], 'matched');
    assert.equal(s.attributes['http.request.method'], 'GET');
    assert.equal(s.attributes['http.response.status_code'], 200);
    assert.equal(s.attributes['url.path'], '/orders/42');
    assert.equal(s.attributes['user_agent.original'], 'trace-test');
    assert.equal(s.attributes['decoy.service'], 'default');
    assert.doesNotMatch(String(s.attributes['url.query']), /supersecret123/, 'secrets are masked as in recordings');
    assert.match(receiver.contentTypes[0]!, /protobuf/);
  });

  it('an injected fault and delay are on the span, marked as an error', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, otlpEndpoint: receiver.url }));
    const { span, status } = await instrumentedClient().call(`${decoy.url}/payments`);
    assert.equal(status, 'ECONNRESET', 'the client sees the reset');
    await eventually(() => serverSpans().length >= 1, 5000, 'the span of the reset request');
    const s = serverSpans()[0]!;
    assert.equal(s.traceId, span.spanContext().traceId);
    assert.equal(s.attributes['decoy.fault'], 'CONNECTION_RESET_BY_PEER');
    assert.ok(Number(s.attributes['decoy.delay_ms']) >= 30, `delay ${s.attributes['decoy.delay_ms']}`);
    assert.deepEqual(s.attributes['decoy.fault.sources'], ['stub']);
    assert.equal(s.attributes['http.response.status_code'], undefined, 'no response was sent');
    assert.equal(s.status, 2, 'status ERROR');
  });

  it('a chaos rule\'s error response names the rule; a scenario transition and sequence position are recorded', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, otlpEndpoint: receiver.url }));
    const added = await (await fetch(`${decoy.url}/__admin/decoy/chaos`, { method: 'POST', body: JSON.stringify({ request: { urlPathPattern: '/orders/.*' }, status: 503, hits: 1 }) })).json() as { id: string };
    const client = instrumentedClient();
    assert.equal((await client.call(`${decoy.url}/orders/1`)).status, 503);
    assert.equal((await client.call(`${decoy.url}/checkout`)).status, 202);
    await eventually(() => serverSpans().length >= 2, 5000, 'two spans');
    const [chaos, flow] = [serverSpans().find((s) => s.attributes['url.path'] === '/orders/1')!, serverSpans().find((s) => s.attributes['url.path'] === '/checkout')!];
    assert.equal(chaos.attributes['decoy.chaos_rule.id'], added.id);
    assert.deepEqual(chaos.attributes['decoy.fault.sources'], ['chaos-rule']);
    assert.equal(chaos.attributes['http.response.status_code'], 503);
    assert.equal(flow.attributes['decoy.scenario.name'], 'checkout');
    assert.equal(flow.attributes['decoy.scenario.from'], 'Started');
    assert.equal(flow.attributes['decoy.scenario.to'], 'Paid');
    assert.equal(flow.attributes['decoy.sequence.position'], 0);
  });

  it('a proxied request: a CLIENT span for the upstream call, whose context the upstream receives', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, otlpEndpoint: receiver.url }));
    const { span, status } = await instrumentedClient().call(`${decoy.url}/up/thing`);
    assert.equal(status, 200);
    await eventually(() => receiver.spans.length >= 2, 5000, 'the server and client spans');
    const server = serverSpans()[0]!;
    const upstreamSpan = receiver.spans.find((s) => s.kind === CLIENT)!;
    assert.equal(server.traceId, span.spanContext().traceId);
    assert.equal(upstreamSpan.traceId, server.traceId, 'the upstream call is in the same trace');
    assert.equal(upstreamSpan.parentSpanId, server.spanId, 'under Decoy\'s server span');
    assert.equal(upstreamSpan.attributes['http.response.status_code'], 200);
    assert.equal(server.attributes['decoy.proxied_to'], upstream.url);
    const sent = upstream.requests[0]!.headers.traceparent as string;
    assert.equal(sent.split('-')[1], span.spanContext().traceId, 'the upstream gets the trace');
    assert.equal(sent.split('-')[2], upstreamSpan.spanId, 'with the CLIENT span as its parent');
  });

  it('a webhook the request caused gets a span of its own, linked to the request\'s span', async () => {
    folder.write('hook.yaml', `name: pay\nrequest: { method: POST, url: /pay }\nresponse: { status: 202 }\nwebhooks:\n  - { method: POST, url: '${upstream.url}/hooks/paid', body: { paid: true } }\n`);
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, otlpEndpoint: receiver.url }));
    const { span, status } = await instrumentedClient().call(`${decoy.url}/pay`, { method: 'POST' });
    assert.equal(status, 202);
    await eventually(() => receiver.spans.some((s) => s.name === 'webhook POST'), 5000, 'the webhook span');
    const server = serverSpans().find((s) => s.attributes['url.path'] === '/pay')!;
    const hook = receiver.spans.find((s) => s.name === 'webhook POST')!;
    assert.equal(server.traceId, span.spanContext().traceId);
    assert.equal(hook.kind, CLIENT);
    assert.deepEqual(hook.links, [{ traceId: server.traceId, spanId: server.spanId }], 'linked to the request that caused it');
    assert.equal(hook.attributes['http.response.status_code'], 200);
    assert.match(String(hook.attributes['url.full']), /\/hooks\/paid$/);
    assert.equal(upstream.requests[0]!.url, '/hooks/paid');
  });

  it('B3 headers are continued too, and passed on upstream as B3', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, otlpEndpoint: receiver.url }));
    const traceId = '463ac35c9f6413ad48485a3953bb6124';
    const res = await fetch(`${decoy.url}/up/b3`, { headers: { 'X-B3-TraceId': traceId, 'X-B3-SpanId': 'a2fb4a1d1a96d312', 'X-B3-Sampled': '1' } });
    assert.equal(res.status, 200);
    await eventually(() => serverSpans().length >= 1, 5000, 'the span');
    assert.equal(serverSpans()[0]!.traceId, traceId);
    assert.equal(serverSpans()[0]!.parentSpanId, 'a2fb4a1d1a96d312');
    assert.equal(upstream.requests[0]!.headers['x-b3-traceid'], traceId);
  });

  it('OTEL_EXPORTER_OTLP_PROTOCOL=http/json exports OTLP JSON', async () => {
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, otlpEndpoint: receiver.url }));
    const { span } = await instrumentedClient().call(`${decoy.url}/orders/7`);
    await eventually(() => serverSpans().length >= 1, 5000, 'the span');
    assert.match(receiver.contentTypes[0]!, /json/);
    assert.equal(serverSpans()[0]!.traceId, span.spanContext().traceId);
  });

  it('the standard OTEL_EXPORTER_OTLP_ENDPOINT variable turns tracing on', async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_SERVICE_NAME = 'payments-mock';
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    await fetch(`${decoy.url}/orders/9`);
    await eventually(() => serverSpans().length >= 1, 5000, 'the span');
  });

  it('an unreachable collector never affects serving', async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, otlpEndpoint: `http://127.0.0.1:${await closedPort()}` }));
    for (let i = 0; i < 20; i++) assert.equal((await fetch(`${decoy.url}/orders/${i}`)).status, 200);
    await decoy.stop();
    decoy = undefined;
  });

  it('without tracing, serving loads no OpenTelemetry module', () => {
    // A fresh process: this one has loaded the SDK for the tests above.
    const script = `
      import { createRequire } from 'node:module';
      const { createDecoy } = await import(${JSON.stringify(new URL('../../dist/index.js', import.meta.url).href)});
      const decoy = createDecoy({ stubsDir: ${JSON.stringify(folder.dir)}, port: 0, host: '127.0.0.1', watch: false });
      await decoy.start();
      const res = await fetch(decoy.url + '/orders/1');
      await decoy.stop();
      const cache = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({ status: res.status, otel: cache.filter((k) => k.includes('@opentelemetry')) }));`;
    const env = { ...process.env };
    delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
    delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop()!) as { status: number; otel: string[] };
    assert.equal(result.status, 200);
    assert.deepEqual(result.otel, []);
  });
});
