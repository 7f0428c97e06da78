/**
 * Webhooks in the core, without sockets: which spellings compile, the errors a bad webhook gets (with
 * its pointer), the plan the engine hands the sender after an exchange (rendering, faults, order),
 * the backoff, and the bounded webhook journal.
 */
import assert from 'node:assert/strict';
import { MockEngine } from '../../../../src/core/engine.js';
import { isDecoyError } from '../../../../src/core/errors.js';
import { createRandom } from '../../../../src/core/faults/random.js';
import { DecoyRequest } from '../../../../src/core/request.js';
import { compileStub } from '../../../../src/core/stub.js';
import type { StubDefinition } from '../../../../src/core/stub-definition.js';
import { validateStubDefinition } from '../../../../src/core/stub-schema.js';
import { backoffBefore, compileWebhooks, planWebhooks, type WebhookJob } from '../../../../src/core/webhooks/webhook.js';
import { WebhookLog, countDelivered } from '../../../../src/core/webhooks/webhook-log.js';

const CONNECTION = { clientIp: '10.0.0.7', localAddress: '127.0.0.1', localPort: 8080, scheme: 'http' as const };

function request(method: string, url: string, body = ''): DecoyRequest {
  const r = DecoyRequest.fromRaw(method, url, ['Host', 'localhost:8080', 'X-Trace', 't-1'], Buffer.from(body));
  r.httpVersion = '1.1';
  return r;
}

const RESPONSE = { status: 201, headers: ['X-Id', 'o-1'], body: Buffer.from('made') };

function plan(def: StubDefinition, req = request('POST', '/pay', '{"id":"p-9"}'), seed = 1) {
  const webhooks = compileWebhooks(def);
  assert.ok(webhooks);
  return planWebhooks(webhooks, req, RESPONSE, createRandom(seed), Date.now(), {});
}

function compileError(def: StubDefinition): { pointer: string | undefined; message: string } {
  try {
    compileStub(def, { sequence: 1 });
  } catch (e) {
    assert.ok(isDecoyError(e));
    return { pointer: e.source?.pointer, message: e.message };
  }
  assert.fail('the stub compiled');
}

describe('webhooks (core)', () => {
  describe('spellings', () => {
    const parameters = { method: 'POST', url: 'http://h/x' };
    const rows: Array<[string, StubDefinition]> = [
      ['serveEventListeners', { request: {}, serveEventListeners: [{ name: 'webhook', parameters }] }],
      ['postServeActions as a list', { request: {}, postServeActions: [{ name: 'webhook', parameters }] }],
      ["postServeActions as WireMock 2's map", { request: {}, postServeActions: { webhook: parameters } }],
      ["Decoy's webhooks", { request: {}, webhooks: [parameters] }],
    ];
    for (const [name, def] of rows) {
      it(`${name} validates and compiles to one webhook`, () => {
        assert.deepEqual(validateStubDefinition(def), []);
        const stub = compileStub(def, { sequence: 1 });
        assert.equal(stub.webhooks?.length, 1);
        assert.deepEqual(stub.ignoredKeys, []);
      });
    }

    it('a stub without webhooks has none (serving it pays nothing)', () => {
      assert.equal(compileStub({ request: {} }, { sequence: 1 }).webhooks, undefined);
    });

    it('a listener other than webhook is a Java extension: ignored and reported', () => {
      const stub = compileStub({ request: {}, serveEventListeners: [{ name: 'kafka-publisher', parameters: {} }] }, { sequence: 1 });
      assert.equal(stub.webhooks, undefined);
      assert.deepEqual(stub.ignoredKeys, ['serveEventListeners "kafka-publisher"']);
    });
  });

  describe('errors point at the bad parameter', () => {
    const rows: Array<[string, StubDefinition, string, RegExp]> = [
      ['no url', { request: {}, webhooks: [{ method: 'POST' }] }, '/webhooks/0/url', /needs a url/],
      ['an unknown parameter', { request: {}, serveEventListeners: [{ name: 'webhook', parameters: { url: 'http://h', bodyy: 'x' } }] }, '/serveEventListeners/0/parameters/bodyy', /unknown webhook parameter "bodyy"/],
      ['body and base64Body', { request: {}, webhooks: [{ url: 'http://h', body: 'a', base64Body: 'YQ==' }] }, '/webhooks/0/base64Body', /either body or base64Body/],
      ['a bad delay type', { request: {}, webhooks: [{ url: 'http://h', delay: { type: 'gaussian' } }] }, '/webhooks/0/delay/type', /must be one of "lognormal", "uniform", "fixed"/],
      ['too many attempts', { request: {}, webhooks: [{ url: 'http://h', retry: { maxAttempts: 50 } }] }, '/webhooks/0/retry/maxAttempts', /from 1 to 20/],
      ['a probability above 1', { request: {}, webhooks: [{ url: 'http://h', dropProbability: 2 }] }, '/webhooks/0/dropProbability', /from 0 to 1/],
      ['a template that does not parse', { request: {}, webhooks: [{ url: 'http://h/{{#if}}' }] }, '/webhooks/0/url', /template/],
    ];
    for (const [name, def, pointer, message] of rows) {
      it(name, () => {
        const e = compileError(def);
        assert.equal(e.pointer, pointer);
        assert.match(e.message, message);
      });
    }
  });

  describe('the plan', () => {
    it('renders method, url, headers and body with originalRequest and originalResponse', () => {
      const [call] = plan({ request: {}, webhooks: [{
        method: 'put', url: "http://h/{{jsonPath originalRequest.body '$.id'}}",
        headers: { 'X-Trace': '{{originalRequest.headers.X-Trace}}', 'X-Both': ['a', 'b'] },
        body: '{{originalResponse.status}} {{originalResponse.body}} {{originalResponse.headers.X-Id}}',
      }] });
      assert.deepEqual({ method: call!.method, url: call!.url, headers: call!.headers, body: call!.body.toString() },
        { method: 'PUT', url: 'http://h/p-9', headers: ['X-Trace', 't-1', 'X-Both', 'a', 'X-Both', 'b'], body: '201 made o-1' });
    });

    it('an object body is sent as JSON with its content type', () => {
      const [call] = plan({ request: {}, webhooks: [{ url: 'http://h', method: 'POST', body: { ok: true } }] });
      assert.equal(call!.body.toString(), '{"ok":true}');
      assert.deepEqual(call!.headers, ['Content-Type', 'application/json']);
    });

    it('a url that renders to no http(s) URL is planned as an error, not sent', () => {
      const [call] = plan({ request: {}, webhooks: [{ url: '{{originalRequest.headers.X-None}}' }] });
      assert.match(call!.error ?? '', /not an http\(s\) URL/);
    });

    it('duplicate repeats the call with the gap; the copies carry one rendered body', () => {
      const calls = plan({ request: {}, webhooks: [{ url: 'http://h', body: "{{randomValue type='UUID'}}", duplicate: { times: 3, gapMs: 250 } }] });
      assert.deepEqual(calls.map((c) => [c.copy, c.waitMs]), [[1, 0], [2, 250], [3, 250]]);
      assert.equal(new Set(calls.map((c) => c.body.toString())).size, 1);
    });

    it('outOfOrder swaps a webhook with the next one', () => {
      const calls = plan({ request: {}, webhooks: [{ url: 'http://h/1', outOfOrder: true }, { url: 'http://h/2' }, { url: 'http://h/3' }] });
      assert.deepEqual(calls.map((c) => c.url), ['http://h/2', 'http://h/1', 'http://h/3']);
    });

    it('dropProbability draws from the seeded random: about that share is dropped', () => {
      const random = createRandom(7);
      const webhooks = compileWebhooks({ request: {}, webhooks: [{ url: 'http://h', dropProbability: 0.3 }] })!;
      let dropped = 0;
      for (let i = 0; i < 1000; i++) if (planWebhooks(webhooks, request('GET', '/'), RESPONSE, random, 0, {})[0]!.dropped) dropped++;
      assert.ok(dropped > 240 && dropped < 360, `${dropped} of 1000 dropped`);
    });

    it('malformedBody true cuts the body in half; a string replaces it', () => {
      assert.equal(plan({ request: {}, webhooks: [{ url: 'http://h', body: '{"a":1,"b":2}', malformedBody: true }] })[0]!.body.toString(), '{"a":1');
      assert.equal(plan({ request: {}, webhooks: [{ url: 'http://h', body: 'x', malformedBody: 'not json' }] })[0]!.body.toString(), 'not json');
    });

    it('a uniform delay is drawn within its bounds', () => {
      const calls = plan({ request: {}, webhooks: [{ url: 'http://h', delay: { type: 'uniform', lower: 100, upper: 200 } }] });
      assert.ok(calls[0]!.waitMs >= 100 && calls[0]!.waitMs <= 200);
    });
  });

  it('the backoff grows by the factor from the second attempt, up to its cap', () => {
    const policy = { maxAttempts: 6, backoffMs: 100, factor: 2, maxBackoffMs: 500 };
    assert.deepEqual([2, 3, 4, 5, 6].map((a) => backoffBefore(policy, a)), [100, 200, 400, 500, 500]);
  });

  it('the engine hands the sender a job after the exchange completes, linked to its serve event', () => {
    const engine = new MockEngine({ seed: 1 });
    engine.setFileStubs([compileStub({ id: 's-1', request: { url: '/pay' }, response: { status: 200 }, webhooks: [{ url: 'http://h/x' }] }, { sequence: 1 })]);
    const jobs: WebhookJob[] = [];
    engine.onWebhooks((job) => jobs.push(job));
    const x = engine.serve(request('GET', '/pay'), CONNECTION);
    assert.ok(!(x instanceof Promise));
    assert.equal(jobs.length, 0, 'nothing before the exchange is complete');
    engine.complete(x);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.stubId, 's-1');
    assert.equal(jobs[0]!.requestId, x.event!.id);
  });

  it('a request the stub\'s requestSchema rejects (a 400) makes no callbacks; one it accepts does', () => {
    const engine = new MockEngine({ seed: 1 });
    engine.setFileStubs([compileStub({
      request: { method: 'POST', url: '/pay' }, response: { status: 200 }, webhooks: [{ url: 'http://h/x' }],
      requestSchema: { body: { required: true, content: { 'application/json': { type: 'object', required: ['id'] } } } },
    }, { sequence: 1 })]);
    const jobs: WebhookJob[] = [];
    engine.onWebhooks((job) => jobs.push(job));
    const send = (body: string) => {
      const r = DecoyRequest.fromRaw('POST', '/pay', ['Host', 'localhost', 'Content-Type', 'application/json'], Buffer.from(body));
      r.httpVersion = '1.1';
      const x = engine.serve(r, CONNECTION);
      assert.ok(!(x instanceof Promise));
      engine.complete(x);
      return x.response.status;
    };
    assert.equal(send('{}'), 400);
    assert.equal(jobs.length, 0);
    assert.equal(send('{"id":"p"}'), 200);
    assert.equal(jobs.length, 1);
  });

  it('the webhook journal keeps the newest entries up to its cap, and filters by path and method', () => {
    const log = new WebhookLog(3);
    for (let i = 1; i <= 5; i++) {
      log.append({ requestId: undefined, stubId: 's', stubName: undefined, webhook: 0, copy: 1, attempt: 1, method: i % 2 ? 'POST' : 'GET',
        url: `http://h/p${i}?q=1`, headers: [], body: Buffer.alloc(0), outcome: 'delivered', status: 200, sentAt: 0, durationMs: 1, faults: [] });
    }
    assert.equal(log.size, 3);
    assert.deepEqual(log.list().map((a) => a.seq), [3, 4, 5]);
    assert.deepEqual(log.list({ urlPath: '/p4' }).map((a) => a.seq), [4]);
    assert.deepEqual(log.list({ method: 'post' }).map((a) => a.seq), [3, 5]);
    assert.equal(countDelivered(log.list({ urlPattern: 'http://h/p[34].*' })), 2);
  });
});
