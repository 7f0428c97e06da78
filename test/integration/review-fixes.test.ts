/**
 * Regression tests for bugs two reviewers found in the merged code, each named after its bug. Real
 * Decoys on port 0, real clients.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

/** A GET over node:https trusting any certificate; resolves with the status or the error code. */
function httpsGet(url: string): Promise<{ status?: number; code?: string }> {
  return new Promise((resolve) => {
    const req = https.get(url, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume().on('end', () => resolve({ status: res.statusCode! }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ code: e.code ?? e.message }));
  });
}

describe('review fixes', function () {
  this.timeout(30_000);
  let decoy: Decoy | undefined;
  let folder: ReturnType<typeof tempStubs> | undefined;
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    folder?.cleanup();
    folder = undefined;
  });

  describe('CONNECTION_RESET_BY_PEER over HTTPS crashed the process (a TLS socket cannot resetAndDestroy)', () => {
    it('resets the connection, with and without a delay, and the server keeps serving', async () => {
      folder = tempStubs({
        'stubs.yaml': [
          '- { request: { method: GET, url: /reset }, response: { fault: CONNECTION_RESET_BY_PEER } }',
          '- { request: { method: GET, url: /late-reset }, response: { fault: CONNECTION_RESET_BY_PEER, fixedDelayMilliseconds: 20 } }',
          '- { request: { method: GET, url: /ok }, response: { status: 200, body: fine } }',
          '',
        ].join('\n'),
      });
      ({ decoy } = await startDecoy({ stubsDir: folder.dir, httpsPort: 0 }));
      assert.deepEqual(await httpsGet(`${decoy.httpsUrl}/reset`), { code: 'ECONNRESET' });
      assert.deepEqual(await httpsGet(`${decoy.httpsUrl}/late-reset`), { code: 'ECONNRESET' });
      assert.deepEqual(await httpsGet(`${decoy.httpsUrl}/ok`), { status: 200 });
    });
  });

  describe('--cors also covered /__admin: any website could read the journal and rewrite stubs', () => {
    it('adds CORS headers to stub answers only: admin answers and admin preflights get none', async () => {
      folder = tempStubs({ 'stubs.yaml': '- { request: { method: GET, url: /hello }, response: { status: 200, body: hi, headers: { X-Id: "1" } } }\n' });
      ({ decoy } = await startDecoy({ stubsDir: folder.dir, cors: true }));
      const origin = 'https://evil.example';
      const stub = await fetch(`${decoy.url}/hello`, { headers: { Origin: origin } });
      assert.equal(stub.headers.get('access-control-allow-origin'), origin);
      assert.match(stub.headers.get('access-control-expose-headers') ?? '', /X-Id/i);
      const journal = await fetch(`${decoy.url}/__admin/requests`, { headers: { Origin: origin } });
      assert.equal(journal.status, 200);
      await journal.text();
      assert.equal(journal.headers.get('access-control-allow-origin'), null);
      assert.equal(journal.headers.get('access-control-allow-credentials'), null);
      const preflight = await fetch(`${decoy.url}/__admin/mappings`, {
        method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
      await preflight.text();
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      assert.equal(preflight.headers.get('access-control-allow-methods'), null);
    });
  });

  describe('services', () => {
    const stub = (url: string, body: string) => `- { request: { method: GET, url: ${url} }, response: { status: 200, body: ${body} } }\n`;

    it('TLS options with services stopped the start: a service without an HTTPS port does not take the TLS settings', async () => {
      folder = tempStubs({ 'main.yaml': stub('/main', 'main'), 'pay/p.yaml': stub('/pay', 'paid') });
      ({ decoy } = await startDecoy({ stubsDir: folder.dir, httpsPort: 0, tls: {}, discoverServices: false, services: [{ name: 'pay', port: 0, stubsDir: `${folder.dir}/pay` }] }));
      assert.deepEqual(await httpsGet(`${decoy.httpsUrl}/main`), { status: 200 });
      const pay = decoy.service('pay')!;
      assert.equal(pay.httpsUrl, undefined);
      assert.equal(await (await fetch(`${pay.url}/pay`)).text(), 'paid');
    });

    it('services did not inherit seed and stableData: generated data of a service differs from run to run', async () => {
      const generated = '- { request: { method: GET, url: /id }, response: { status: 200, schema: { type: object, required: [id], properties: { id: { type: string, format: uuid } } } } }\n';
      folder = tempStubs({ 'main.yaml': stub('/main', 'main'), 'pay/p.yaml': generated });
      const run = async () => {
        const started = await startDecoy({ stubsDir: folder!.dir, seed: 42, stableData: true, discoverServices: false, services: [{ name: 'pay', port: 0, stubsDir: `${folder!.dir}/pay` }] });
        try {
          return await (await fetch(`${started.decoy.service('pay')!.url}/id`)).text();
        } finally {
          await started.decoy.stop();
        }
      };
      const first = await run();
      assert.match(first, /"id"/);
      assert.equal(await run(), first);
    });

    it('the main service was listed with adminBase /__admin, which on a service\'s port is that service\'s admin API', async () => {
      folder = tempStubs({ 'main.yaml': stub('/main', 'main'), 'pay/p.yaml': stub('/pay', 'paid') });
      ({ decoy } = await startDecoy({ stubsDir: folder.dir, discoverServices: false, services: [{ name: 'pay', port: 0, stubsDir: `${folder.dir}/pay` }] }));
      const pay = decoy.service('pay')!;
      await fetch(`${decoy.url}/main`);
      for (const base of [decoy.url, pay.url]) {
        const listed = await (await fetch(`${base}/__admin/decoy/services`)).json() as { services: Array<{ name: string; adminBase: string }> };
        const main = listed.services.find((s) => s.name === 'default')!;
        // Each entry's adminBase works on whichever port the list was read from.
        const journal = await (await fetch(`${base}${main.adminBase}/requests`)).json() as { requests: Array<{ request: { url: string } }> };
        assert.deepEqual(journal.requests.map((r) => r.request.url), ['/main'], `read on ${base}`);
      }
    });

    it('a taken service port gave a message naming --port, not the service', async () => {
      const net = await import('node:net');
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const taken = (blocker.address() as import('node:net').AddressInfo).port;
      folder = tempStubs({ 'main.yaml': stub('/main', 'main'), 'pay/p.yaml': stub('/pay', 'paid') });
      try {
        await assert.rejects(startDecoy({ stubsDir: folder.dir, discoverServices: false, services: [{ name: 'pay', port: taken, stubsDir: `${folder.dir}/pay` }] }),
          (e: Error & { hint?: string }) => /service pay/.test(e.message) && /pay/.test(e.hint ?? '') && !/--admin-port/.test(e.hint ?? ''));
      } finally {
        blocker.close();
      }
    });

    it('a retried start() after a failure leaked servers and duplicated the services', async () => {
      const net = await import('node:net');
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const taken = (blocker.address() as import('node:net').AddressInfo).port;
      folder = tempStubs({ 'main.yaml': stub('/main', 'main'), 'pay/p.yaml': stub('/pay', 'paid') });
      const { createDecoy } = await import('../../src/index.js');
      const d = createDecoy({ port: 0, host: '127.0.0.1', watch: false, stubsDir: folder.dir, httpsPort: taken, discoverServices: false,
        services: [{ name: 'pay', port: 0, stubsDir: `${folder.dir}/pay` }] });
      decoy = d;
      await assert.rejects(d.start(), /already in use/);
      blocker.close();
      await new Promise((r) => setTimeout(r, 50));
      await d.start();
      assert.deepEqual(d.services().map((s) => s.name), ['default', 'pay']);
      assert.equal(await (await fetch(`${d.url}/main`)).text(), 'main');
      const payUrl = d.service('pay')!.url;
      assert.equal(await (await fetch(`${payUrl}/pay`)).text(), 'paid');
      await d.stop();
      decoy = undefined;
      // Everything it opened is closed: neither port answers.
      await assert.rejects(fetch(`${d.url}/main`));
      await assert.rejects(fetch(`${payUrl}/pay`));
    });
  });

  it('two Decoys sharing one DecoyMetrics under the same name lost the first one\'s series: the second is refused', async () => {
    const { DecoyMetrics } = await import('../../src/index.js');
    const metrics = new DecoyMetrics();
    ({ decoy } = await startDecoy({ metrics }));
    await assert.rejects(startDecoy({ metrics }), (e: Error & { code?: string }) => e.code === 'DECOY_ERR_OPTION_INVALID' && /default/.test(e.message));
    // A distinct name is fine, and both count.
    const other = await startDecoy({ metrics, name: 'other' });
    try {
      await fetch(`${decoy.url}/a`);
      await fetch(`${other.decoy.url}/b`);
      const text = await metrics.text();
      assert.match(text, /decoy_unmatched_requests_total\{service="default",method="GET"\} 1/);
      assert.match(text, /decoy_unmatched_requests_total\{service="other",method="GET"\} 1/);
    } finally {
      await other.decoy.stop();
    }
  });

  describe('admin API input', () => {
    it('bad percent-escapes, charsets, content encodings and gzip bodies answered 500: they are 4xx problem documents', async () => {
      ({ decoy } = await startDecoy({}));
      const cases: Array<[string, string, RequestInit, number]> = [
        ['GET', '/__admin/mappings/%ZZ', {}, 400],
        ['GET', '/__admin/requests/%ZZ', {}, 400],
        ['DELETE', '/__admin/decoy/chaos/%ZZ', {}, 400],
        ['PUT', '/__admin/scenarios/%ZZ/state', { body: '{}' }, 400],
        ['GET', '/__admin/decoy/requests/%ZZ/near-misses', {}, 400],
        ['POST', '/__admin/mappings', { body: '{}', headers: { 'Content-Type': 'application/json; charset=foo' } }, 415],
        ['POST', '/__admin/mappings', { body: '{}', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'zz' } }, 415],
        ['POST', '/__admin/mappings', { body: 'not gzip at all', headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' } }, 400],
      ];
      for (const [method, url, init, status] of cases) {
        const res = await fetch(`${decoy.url}${url}`, { method, ...init, headers: { Accept: 'application/problem+json', ...(init as { headers?: Record<string, string> }).headers } });
        const text = await res.text();
        assert.equal(res.status, status, `${method} ${url} → ${res.status} ${text}`);
        assert.equal((JSON.parse(text) as { status: number }).status, status);
      }
    });

    it('delays beyond what a timer can wait (2^31-1 ms) were accepted and became 1 ms: they are 422', async () => {
      ({ decoy } = await startDecoy({}));
      const cases: Array<[string, unknown, RegExp]> = [
        ['/__admin/settings', { fixedDelay: 1e20 }, /fixedDelay/],
        ['/__admin/settings', { delayDistribution: { type: 'uniform', lower: 1, upper: 1e20 } }, /upper/],
        ['/__admin/decoy/chaos', { fixedDelayMilliseconds: 2 ** 31 }, /fixedDelayMilliseconds/],
        ['/__admin/decoy/chaos', { delayDistribution: { type: 'lognormal', median: 1e12, sigma: 0.1 } }, /median/],
      ];
      for (const [url, body, field] of cases) {
        const res = await fetch(`${decoy.url}${url}`, { method: 'POST', body: JSON.stringify(body) });
        const text = await res.text();
        assert.equal(res.status, 422, `${url} ${JSON.stringify(body)} → ${res.status} ${text}`);
        assert.match(text, field);
        assert.match(text, /2147483647/);
      }
      assert.deepEqual(await (await fetch(`${decoy.url}/__admin/decoy/chaos`)).json(), { rules: [] });
    });
  });

  it('a stub file with a delay beyond what a timer can wait loaded and answered after 1 ms: now a load error with the pointer', async () => {
    const folder = tempStubs({ 'fine.yaml': '- { request: { url: /fine }, response: { body: ok } }', 'late.yaml': [
      '- { request: { url: /late }, response: { body: late, fixedDelayMilliseconds: 1e12 } }',
      '- { request: { url: /later }, response: { body: late, delayDistribution: { type: fixed, milliseconds: 3000000000 } } }',
    ].join('\n') });
    try {
      ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
      const errors = decoy.loadReport!.errors.map((e) => e.format());
      assert.equal(errors.length, 2, errors.join('\n'));
      assert.match(errors[0]!, /late\.yaml:1:\d+ DECOY_ERR_STUB_INVALID .*fixedDelayMilliseconds must be at most 2147483647 ms/);
      assert.match(errors[1]!, /late\.yaml:2:\d+ DECOY_ERR_STUB_INVALID .*delayDistribution\.milliseconds must be at most 2147483647 ms/);
      assert.equal((await get(`${decoy.url}/fine`)).text, 'ok', 'the good file still serves');
    } finally {
      folder.cleanup();
    }
  });

  it('health checks failed with --admin-host: GET /__admin/health stays open on the stub port (liveness only)', async () => {
    ({ decoy } = await startDecoy({ adminPort: 0, adminHost: '127.0.0.1' }));
    const health = await fetch(`${decoy.url}/__admin/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'healthy');
    assert.equal((await fetch(`${decoy.url}/__admin/mappings`)).status, 404);
    assert.equal((await fetch(`${decoy.url}/__admin/health`, { method: 'POST' })).status, 404);
  });

  it('metric series and match counts of deleted stubs were kept forever (API stubs get random ids): they are dropped', async () => {
    ({ decoy } = await startDecoy({}));
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const created = await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify({ request: { method: 'GET', url: `/t${i}` }, response: { status: 200 } }) });
      const { id } = await created.json() as { id: string };
      ids.push(id);
      assert.equal((await fetch(`${decoy.url}/t${i}`)).status, 200);
      assert.equal((await fetch(`${decoy.url}/__admin/mappings/${id}`, { method: 'DELETE' })).status, 200);
    }
    const kept = await (await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify({ request: { method: 'GET', url: '/kept' }, response: { status: 200 } }) })).json() as { id: string };
    assert.equal((await fetch(`${decoy.url}/kept`)).status, 200);
    const metrics = await (await fetch(`${decoy.url}/__admin/metrics`)).text();
    const counts = (await (await fetch(`${decoy.url}/__admin/decoy/match-counts`)).json() as { counts: Record<string, number> }).counts;
    assert.deepEqual(counts, { [kept.id]: 1 });
    assert.match(metrics, new RegExp(`decoy_requests_total\\{[^}]*stub="${kept.id}"[^}]*\\} 1`));
    for (const id of ids) assert.ok(!metrics.includes(id), `deleted stub ${id} still has series`);
  });
});
