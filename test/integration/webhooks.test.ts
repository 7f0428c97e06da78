/**
 * Webhooks against real receivers on loopback: what the receiver sees on the wire (count, order,
 * timing, bodies, headers), retries, the faults for testing receivers, the journal through the admin
 * API and the client, and cancellation at stop.
 */
import assert from 'node:assert/strict';
import { DecoyClient } from '../../src/client/index.js';
import type { Decoy } from '../../src/index.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startDecoy, tempStubs } from '../support/decoy.js';

describe('webhooks', function () {
  this.timeout(10_000);
  let folder: ReturnType<typeof tempStubs> | undefined;
  let decoy: Decoy | undefined;
  let receiver: Receiver | undefined;
  let client: DecoyClient;

  async function start(stubs: (hook: string) => string, answers: Array<number | 'hang'> = [200]): Promise<Receiver> {
    receiver = await startReceiver(answers);
    folder = tempStubs({ 'hooks.yaml': stubs(receiver.url) });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 100 }));
    client = new DecoyClient(decoy.url);
    return receiver;
  }

  afterEach(async () => {
    await decoy?.stop();
    await receiver?.close();
    folder?.cleanup();
    decoy = undefined;
    receiver = undefined;
    folder = undefined;
  });

  it("WireMock's serveEventListeners webhook: method, url, headers and body templated with originalRequest and originalResponse", async () => {
    const r = await start((hook) => JSON.stringify([{
      request: { method: 'POST', urlPath: '/pay' },
      response: { status: 202, headers: { 'X-Order': 'o-7' }, body: 'accepted' },
      serveEventListeners: [{
        name: 'webhook',
        parameters: {
          method: 'PUT', url: `${hook}/hooks/{{jsonPath originalRequest.body '$.id'}}`,
          headers: { 'Content-Type': 'application/json', 'X-Status': '{{originalResponse.status}}' },
          body: `{"id":"{{jsonPath originalRequest.body '$.id'}}","order":"{{originalResponse.headers.X-Order}}","said":"{{originalResponse.body}}"}`,
        },
      }],
    }]));
    const res = await fetch(`${decoy!.url}/pay`, { method: 'POST', body: '{"id":"p-1"}', headers: { 'Content-Type': 'application/json' } });
    assert.equal(res.status, 202);
    const [got] = await r.waitFor(1);
    assert.equal(got!.method, 'PUT');
    assert.equal(got!.url, '/hooks/p-1');
    assert.equal(got!.headers['content-type'], 'application/json');
    assert.equal(got!.headers['x-status'], '202');
    assert.deepEqual(JSON.parse(got!.body), { id: 'p-1', order: 'o-7', said: 'accepted' });
  });

  it('postServeActions in the list and the map spelling, and base64Body, each call the receiver', async () => {
    const r = await start((hook) => JSON.stringify([
      { request: { url: '/list' }, response: { status: 200 }, postServeActions: [{ name: 'webhook', parameters: { method: 'POST', url: `${hook}/from-list`, body: 'list' } }] },
      { request: { url: '/map' }, response: { status: 200 }, postServeActions: { webhook: { method: 'POST', url: `${hook}/from-map`, base64Body: Buffer.from('map').toString('base64') } } },
    ]));
    await fetch(`${decoy!.url}/list`).then((x) => x.text());
    await r.waitFor(1);
    await fetch(`${decoy!.url}/map`).then((x) => x.text());
    const got = await r.waitFor(2);
    assert.deepEqual(got.map((g) => [g.method, g.url, g.body]), [['POST', '/from-list', 'list'], ['POST', '/from-map', 'map']]);
  });

  it('a fixed delay holds the callback back: it arrives after the delay, the response does not wait for it', async () => {
    const r = await start((hook) => `
- request: { method: GET, url: /slow-hook }
  response: { status: 200, body: now }
  webhooks:
    - { method: POST, url: "${hook}/late", delay: { type: fixed, milliseconds: 300 } }
`);
    const sent = Date.now();
    const res = await fetch(`${decoy!.url}/slow-hook`);
    assert.equal(await res.text(), 'now');
    assert.ok(Date.now() - sent < 250, 'the response waited for the callback');
    const [got] = await r.waitFor(1);
    assert.ok(got!.at - sent >= 290, `the callback came after ${got!.at - sent} ms, expected at least 300`);
  });

  it('several webhooks of one stub are delivered in the order written', async () => {
    const r = await start((hook) => `
- request: { url: /three }
  response: { status: 200 }
  webhooks:
    - { method: POST, url: "${hook}/first", delay: { type: fixed, milliseconds: 100 } }
    - { method: POST, url: "${hook}/second" }
    - { method: POST, url: "${hook}/third" }
`);
    await fetch(`${decoy!.url}/three`).then((x) => x.text());
    const got = await r.waitFor(3);
    assert.deepEqual(got.map((g) => g.url), ['/first', '/second', '/third']);
  });

  it('duplicate delivers the same body twice with the gap between; countWebhooks says delivered 2', async () => {
    const r = await start((hook) => `
- request: { url: /pay }
  response: { status: 200 }
  webhooks:
    - method: POST
      url: "${hook}/hooks/payment"
      body: { event: paid, id: "{{randomValue type='UUID'}}" }
      duplicate: { gapMs: 200 }
`);
    await fetch(`${decoy!.url}/pay`).then((x) => x.text());
    const got = await r.waitFor(2);
    assert.equal(got[0]!.body, got[1]!.body, 'the duplicate carries the same body (the same event id)');
    assert.equal(JSON.parse(got[0]!.body).event, 'paid');
    assert.ok(got[1]!.at - got[0]!.at >= 190, `the gap was ${got[1]!.at - got[0]!.at} ms, expected at least 200`);
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(await client.countWebhooks({ urlPath: '/hooks/payment' }), { delivered: 2, attempts: 2 });
    const attempts = await client.webhooks({ urlPath: '/hooks/payment' });
    assert.deepEqual(attempts.map((a) => [a.copy, a.attempt, a.outcome, a.status]), [[1, 1, 'delivered', 200], [2, 1, 'delivered', 200]]);
    assert.match(attempts[1]!.faults.join(), /delivered again/);
  });

  it('outOfOrder sends a webhook after the one written after it', async () => {
    const r = await start((hook) => `
- request: { url: /order }
  response: { status: 200 }
  webhooks:
    - { method: POST, url: "${hook}/created", outOfOrder: true }
    - { method: POST, url: "${hook}/updated" }
`);
    await fetch(`${decoy!.url}/order`).then((x) => x.text());
    assert.deepEqual((await r.waitFor(2)).map((g) => g.url), ['/updated', '/created']);
  });

  it('dropProbability 1 never sends; the journal keeps it as dropped', async () => {
    const r = await start((hook) => `
- request: { url: /lost }
  response: { status: 200 }
  webhooks:
    - { method: POST, url: "${hook}/never", dropProbability: 1 }
    - { method: POST, url: "${hook}/after" }
`);
    await fetch(`${decoy!.url}/lost`).then((x) => x.text());
    await r.waitFor(1);
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(r.received.map((g) => g.url), ['/after']);
    const attempts = await client.webhooks();
    assert.deepEqual(attempts.map((a) => [a.url.replace(r.url, ''), a.outcome]), [['/never', 'dropped'], ['/after', 'delivered']]);
  });

  it('malformedBody sends half the body, which a JSON receiver rejects (journaled with its 400)', async () => {
    const r = await start((hook) => `
- request: { url: /bad }
  response: { status: 200 }
  webhooks:
    - { method: POST, url: "${hook}/strict", body: { amount: 10, currency: EUR }, malformedBody: true }
`, [400]);
    await fetch(`${decoy!.url}/bad`).then((x) => x.text());
    const [got] = await r.waitFor(1);
    assert.equal(got!.body, '{"amount":10,"c');
    assert.throws(() => JSON.parse(got!.body));
    await new Promise((res) => setTimeout(res, 50));
    const [attempt] = await client.webhooks();
    assert.equal(attempt!.status, 400);
    assert.equal(attempt!.outcome, 'delivered');
  });

  it('retries after a 503 with the backoff, and stops after the 200', async () => {
    const r = await start((hook) => `
- request: { url: /retry }
  response: { status: 200 }
  webhooks:
    - { method: POST, url: "${hook}/flaky", body: once, retry: { maxAttempts: 5, backoffMs: 150 } }
`, [503, 200]);
    await fetch(`${decoy!.url}/retry`).then((x) => x.text());
    const got = await r.waitFor(2);
    await new Promise((res) => setTimeout(res, 400));
    assert.equal(r.received.length, 2, 'no retry after the 2xx');
    assert.ok(got[1]!.at - got[0]!.at >= 140, `retried after ${got[1]!.at - got[0]!.at} ms, expected at least 150`);
    assert.deepEqual(got.map((g) => g.body), ['once', 'once']);
    const attempts = await client.webhooks({ urlPath: '/flaky' });
    assert.deepEqual(attempts.map((a) => [a.attempt, a.status, a.outcome]), [[1, 503, 'retrying'], [2, 200, 'delivered']]);
    assert.deepEqual(await client.countWebhooks({ urlPath: '/flaky' }), { delivered: 1, attempts: 2 });
  });

  it('retries a receiver that does not answer within timeoutMs, up to maxAttempts, then gives up', async () => {
    const r = await start((hook) => `
- request: { url: /mute }
  response: { status: 200 }
  webhooks:
    - { method: POST, url: "${hook}/mute", timeoutMs: 100, retry: { maxAttempts: 3, backoffMs: 20 } }
`, ['hang']);
    await fetch(`${decoy!.url}/mute`).then((x) => x.text());
    await r.waitFor(3);
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(r.received.length, 3, 'the cap of 3 attempts holds');
    const attempts = await client.webhooks();
    assert.deepEqual(attempts.map((a) => a.outcome), ['retrying', 'retrying', 'failed']);
    assert.match(attempts[2]!.error ?? '', /no answer within 100 ms/);
  });

  it('without retry, a 500 is one attempt, journaled as failed', async () => {
    const r = await start((hook) => `
- request: { url: /once }
  response: { status: 200 }
  webhooks: [{ method: POST, url: "${hook}/down" }]
`, [500]);
    await fetch(`${decoy!.url}/once`).then((x) => x.text());
    await r.waitFor(1);
    await new Promise((res) => setTimeout(res, 200));
    assert.equal(r.received.length, 1);
    assert.deepEqual((await client.webhooks()).map((a) => [a.status, a.outcome]), [[500, 'failed']]);
  });

  it('the journal links each attempt to the request that caused it', async () => {
    const r = await start((hook) => `
- request: { url: /linked }
  response: { status: 200 }
  webhooks: [{ method: POST, url: "${hook}/x" }]
`);
    await fetch(`${decoy!.url}/linked`).then((x) => x.text());
    await r.waitFor(1);
    await new Promise((res) => setTimeout(res, 50));
    const [event] = (await client.requests()).requests;
    const attempts = await client.webhooks({ requestId: event!.id });
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]!.stubId, event!.stubMapping!.id);
  });

  it('webhooks posted through the admin API are kept in the stub (GET returns them) and act', async () => {
    const r = await start(() => '[]');
    const created = await client.createStub({
      request: { method: 'POST', url: '/api-made' }, response: { status: 201 },
      serveEventListeners: [{ name: 'webhook', parameters: { method: 'POST', url: `${r.url}/made`, body: 'made' } }],
    });
    const fetched = await client.getStub(created.id!);
    assert.deepEqual(fetched.serveEventListeners, [{ name: 'webhook', parameters: { method: 'POST', url: `${r.url}/made`, body: 'made' } }]);
    await fetch(`${decoy!.url}/api-made`, { method: 'POST' }).then((x) => x.text());
    const [got] = await r.waitFor(1);
    assert.equal(got!.body, 'made');
  });

  it('saving a stub keeps its webhooks: the saved file, loaded by a new Decoy, calls the receiver', async () => {
    const r = await start(() => '[]');
    await client.createStub({ name: 'saved hook', request: { url: '/saved' }, response: { status: 200 }, webhooks: [{ method: 'POST', url: `${r.url}/saved`, body: 'kept', duplicate: { gapMs: 10 } }] });
    const saved = await client.saveStubs();
    assert.equal(saved.written.length, 1);
    await decoy!.stop();
    ({ decoy } = await startDecoy({ stubsDir: folder!.dir, shutdownGraceMs: 100 }));
    await fetch(`${decoy.url}/saved`).then((x) => x.text());
    const got = await r.waitFor(2);
    assert.deepEqual(got.map((g) => [g.url, g.body]), [['/saved', 'kept'], ['/saved', 'kept']]);
  });

  it('a bad webhook is a load error that points at it', async () => {
    await assert.rejects(async () => {
      const c = new DecoyClient((await start(() => '[]'), decoy!.url));
      await c.createStub({ request: { url: '/x' }, response: { status: 200 }, webhooks: [{ method: 'POST', url: 'http://127.0.0.1:1/', retry: { maxAttempts: 99 } }] });
    }, (e: Error & { details?: Array<{ pointer?: string; detail: string }> }) => {
      assert.match(JSON.stringify(e), /\/webhooks\/0\/retry\/maxAttempts/);
      assert.match(JSON.stringify(e), /from 1 to 20/);
      return true;
    });
  });

  it('stop cancels pending callbacks: none reaches the receiver afterwards', async () => {
    const r = await start((hook) => `
- request: { url: /later }
  response: { status: 200 }
  webhooks: [{ method: POST, url: "${hook}/later", delay: { type: fixed, milliseconds: 400 } }]
`);
    for (let i = 0; i < 20; i++) await fetch(`${decoy!.url}/later`).then((x) => x.text());
    const engine = (decoy as unknown as { engine: { webhookLog: { list(): Array<{ outcome: string }> } } }).engine;
    const stopping = Date.now();
    await decoy!.stop();
    assert.ok(Date.now() - stopping < 400, 'stop did not wait for the delayed callbacks');
    await new Promise((res) => setTimeout(res, 600));
    assert.equal(r.received.length, 0);
    const outcomes = engine.webhookLog.list().map((a) => a.outcome);
    assert.equal(outcomes.length, 20);
    assert.ok(outcomes.every((o) => o === 'cancelled'), outcomes.join());
    decoy = undefined;
  });

  it('1,000 callbacks pending with long delays hold bounded memory; beyond --max-pending-webhooks they are refused; stop cancels them at once', async () => {
    receiver = await startReceiver([200]);
    folder = tempStubs({ 'hooks.yaml': `
- request: { url: /many }
  response: { status: 200 }
  webhooks: [{ method: POST, url: "${receiver.url}/many", body: "{{randomValue length=200 type='ALPHANUMERIC'}}", delay: { type: fixed, milliseconds: 60000 } }]
` });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 100, maxPendingWebhooks: 1000, journalSize: 0 }));
    const engine = (decoy as unknown as { engine: { webhookLog: { list(): Array<{ outcome: string; error?: string }> } } }).engine;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let batch = 0; batch < 21; batch++) {
      await Promise.all(Array.from({ length: 50 }, () => fetch(`${decoy!.url}/many`).then((x) => x.text())));
    }
    const grown = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(grown < 64 * 1024 * 1024, `the heap grew by ${Math.round(grown / 1024 / 1024)} MB for 1,000 pending callbacks`);
    const refused = engine.webhookLog.list().filter((a) => a.outcome === 'refused');
    assert.equal(refused.length, 50, 'the 50 beyond the cap of 1,000 are refused');
    assert.match(refused[0]!.error ?? '', /1000 callbacks are pending/);
    const stopping = Date.now();
    await decoy.stop();
    assert.ok(Date.now() - stopping < 2_000, `stop took ${Date.now() - stopping} ms`);
    const outcomes = engine.webhookLog.list().map((a) => a.outcome);
    // The journal keeps the newest 1,000 attempts: the cancellations.
    assert.equal(outcomes.filter((o) => o === 'cancelled').length, 1000);
    assert.equal(receiver.received.length, 0);
    decoy = undefined;
  });

  it('--webhook-allow: a callback to a host outside it is journaled as refused and never sent; one inside is sent', async () => {
    receiver = await startReceiver([200]);
    folder = tempStubs({ 'hooks.yaml': `
- request: { url: /guarded }
  response: { status: 200 }
  webhooks:
    - { method: POST, url: "${receiver.url.replace('127.0.0.1', '127.0.0.2')}/outside" }
    - { method: POST, url: "${receiver.url}/inside" }
` });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 100, webhookAllow: ['127.0.0.1/32', 'hooks.test'] }));
    client = new DecoyClient(decoy.url);
    await fetch(`${decoy.url}/guarded`).then((x) => x.text());
    await receiver.waitFor(1);
    await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(receiver.received.map((g) => g.url), ['/inside']);
    const attempts = await client.webhooks();
    assert.deepEqual(attempts.map((a) => [new URL(a.url).pathname, a.outcome]), [['/outside', 'refused'], ['/inside', 'delivered']]);
    assert.match(attempts[0]!.error ?? '', /refused: 127\.0\.0\.2 is not in --webhook-allow/);
  });

  it('--webhook-allow with something that is neither a host nor a network is refused at start, naming the flag', async () => {
    await assert.rejects(startDecoy({ webhookAllow: ['10.0.0.0/40'] }), /--webhook-allow "10\.0\.0\.0\/40" is not a network/);
  });
});
