import assert, { AssertionError } from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DecoyClient } from '../../src/client/index.js';
import { createDecoy, type Decoy } from '../../src/index.js';
import { clientError } from '../support/client.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';

const FILE_STUBS = [
  '- id: 00000000-0000-0000-0000-000000000001',
  '  name: ping',
  '  request: { method: GET, url: /ping }',
  '  response: { body: pong }',
].join('\n');

/** A port nothing listens on (free when asked; nothing is started on it in between). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}


async function assertionError(p: Promise<unknown>): Promise<AssertionError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AssertionError, `expected an AssertionError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected verify to fail');
}

describe('DecoyClient', () => {
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let client: DecoyClient;
  const send = (p: string, init?: RequestInit) => fetch(`${decoy.url}${p}`, init).then((r) => r.text());

  beforeEach(async () => {
    folder = tempStubs({ 'ping.yaml': FILE_STUBS });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    client = new DecoyClient(decoy.url);
  });
  afterEach(async () => {
    await decoy.stop();
    folder.cleanup();
  });

  describe('stubs', () => {
    it('createStub returns the mapping with its id, and the stub serves', async () => {
      const created = await client.createStub({ name: 'user', request: { method: 'GET', url: '/users/1' }, response: { status: 200, body: 'Ada' } });
      assert.match(created.id, /^[0-9a-f-]{36}$/);
      assert.equal(created.uuid, created.id);
      assert.equal(created.name, 'user');
      assert.deepEqual(created.request, { method: 'GET', url: '/users/1' });
      assert.equal(await send('/users/1'), 'Ada');
      assert.deepEqual(await client.getStub(created.id), created);
    });

    it('listStubs pages newest first and counts them all', async () => {
      const a = await client.createStub({ request: { url: '/a' }, response: {} });
      const b = await client.createStub({ request: { url: '/b' }, response: {} });
      const all = await client.listStubs();
      assert.deepEqual(all.mappings.map((m) => m.id), [b.id, a.id, '00000000-0000-0000-0000-000000000001']);
      assert.equal(all.meta.total, 3);
      const page = await client.listStubs({ limit: 1, offset: 1 });
      assert.deepEqual(page.mappings.map((m) => m.id), [a.id]);
      assert.equal(page.meta.total, 3);
    });

    it('updateStub replaces the definition and keeps the id', async () => {
      const { id } = await client.createStub({ request: { url: '/v' }, response: { body: 'one' } });
      const updated = await client.updateStub(id, { request: { url: '/v' }, response: { body: 'two' } });
      assert.equal(updated.id, id);
      assert.equal(await send('/v'), 'two');
    });

    it('removeStub removes one; removeAllStubs every one; resetStubs goes back to the files', async () => {
      const { id } = await client.createStub({ request: { url: '/gone' }, response: {} });
      await client.removeStub(id);
      assert.equal((await clientError(client.getStub(id))).status, 404);
      await client.createStub({ request: { url: '/api' }, response: {} });
      await client.removeAllStubs();
      assert.equal((await client.listStubs()).meta.total, 0);
      await client.resetStubs();
      assert.deepEqual((await client.listStubs()).mappings.map((m) => m.name), ['ping']);
    });

    it('removeStubMapping removes the stub with the id, else every stub with an equal request pattern', async () => {
      const a = await client.createStub({ request: { method: 'GET', url: '/twin' }, response: { body: 'a' } });
      await client.createStub({ request: { url: '/twin', method: 'GET' }, response: { body: 'b' } });
      const other = await client.createStub({ request: { method: 'POST', url: '/twin' }, response: { body: 'c' } });
      await client.removeStubMapping({ id: other.id, request: { url: '/unrelated' } });
      assert.equal((await clientError(client.getStub(other.id))).status, 404);
      await client.removeStubMapping({ request: { method: 'GET', url: '/twin' } });
      assert.equal((await clientError(client.getStub(a.id))).status, 404);
      assert.deepEqual((await client.listStubs()).mappings.map((m) => m.name), ['ping']);
    });

    it('saveStubs writes the API changes into the stubs folder; unsavedChanges and decoyStubs show them until then', async () => {
      const { id } = await client.createStub({ name: 'saved', request: { url: '/saved' }, response: { body: 'kept' } });
      const changes = await client.unsavedChanges();
      assert.deepEqual(changes.created.map((m) => m.id), [id]);
      assert.deepEqual(changes.edited, []);
      assert.deepEqual(changes.deleted, []);
      const info = await client.decoyStubs();
      const fromApi = info.find((s) => s.id === id)!;
      assert.equal(fromApi.source, 'api (unsaved)');
      assert.equal(fromApi.name, 'saved');
      assert.equal(typeof fromApi.explanation, 'string');
      const ping = info.find((s) => s.name === 'ping')!;
      assert.equal(ping.source, 'file');
      // Named relative to the stubs folder, whatever the server's working directory.
      assert.equal(ping.file, 'ping.yaml');
      assert.equal(ping.line, 1);

      const { written } = await client.saveStubs();
      assert.equal(written.length, 1);
      assert.ok(existsSync(path.join(folder.dir, written[0]!)));
      assert.match(readFileSync(path.join(folder.dir, written[0]!), 'utf8'), /\/saved/);
      assert.deepEqual((await client.unsavedChanges()).created, []);
    });

    it('importStubs: OVERWRITE by default, IGNORE keeps what is there, deleteAllNotInImport removes the rest', async () => {
      const id = '11111111-1111-1111-1111-111111111111';
      await client.importStubs([{ id, request: { url: '/i' }, response: { body: 'first' } }]);
      assert.equal(await send('/i'), 'first');
      await client.importStubs([{ id, request: { url: '/i' }, response: { body: 'ignored' } }], { duplicatePolicy: 'IGNORE' });
      assert.equal(await send('/i'), 'first');
      await client.importStubs([{ id, request: { url: '/i' }, response: { body: 'second' } }], { duplicatePolicy: 'OVERWRITE', deleteAllNotInImport: true });
      assert.equal(await send('/i'), 'second');
      assert.deepEqual((await client.listStubs()).mappings.map((m) => m.id), [id]);
    });

    it('importStubs rejects the whole import when one stub is invalid, with a pointer into the list', async () => {
      const e = await clientError(client.importStubs([
        { request: { url: '/fine' }, response: {} },
        { request: { url: '/bad' }, response: { status: 'x' as unknown as number } },
      ]));
      assert.equal(e.message, 'POST /__admin/mappings/import → 422 Invalid import: /mappings/1/response/status: response.status must be an integer (got "x")');
      assert.equal((await client.listStubs()).meta.total, 1);
    });

    it('findStubsByMetadata and removeStubsByMetadata select by a value pattern on metadata', async () => {
      const a = await client.createStub({ request: { url: '/a' }, response: {}, metadata: { team: 'a' } });
      await client.createStub({ request: { url: '/b' }, response: {}, metadata: { team: 'b' } });
      const found = await client.findStubsByMetadata({ matchesJsonPath: "$[?(@.team == 'a')]" });
      assert.deepEqual(found.map((m) => m.id), [a.id]);
      await client.removeStubsByMetadata({ equalToJson: { team: 'a' } });
      assert.deepEqual((await client.listStubs()).mappings.map((m) => m.metadata), [{ team: 'b' }, undefined]);
    });
  });

  describe('the journal', () => {
    it('requests lists newest first, with limit and since; getRequest finds one by id', async () => {
      await send('/ping');
      await new Promise((r) => setTimeout(r, 20));
      const since = new Date();
      await new Promise((r) => setTimeout(r, 20));
      await send('/nothing-here');
      const all = await client.requests();
      assert.deepEqual(all.requests.map((e) => e.request.url), ['/nothing-here', '/ping']);
      assert.equal(all.meta.total, 2);
      assert.equal(all.requestJournalDisabled, false);
      assert.deepEqual((await client.requests({ limit: 1 })).requests.map((e) => e.request.url), ['/nothing-here']);
      assert.deepEqual((await client.requests({ since })).requests.map((e) => e.request.url), ['/nothing-here']);
      // As in WireMock, meta.total is the journal's size whatever the filter.
      assert.equal((await client.requests({ since: since.toISOString() })).meta.total, 2);

      const event = await client.getRequest(all.requests[1]!.id);
      assert.equal(event.wasMatched, true);
      assert.equal(event.stubMapping?.name, 'ping');
      assert.equal(event.response.body, 'pong');
    });

    it('find, count and removeRequests take a request pattern', async () => {
      await send('/ping');
      await send('/ping');
      await send('/orders', { method: 'POST', body: '{"id":1}' });
      const found = await client.find({ method: 'POST', urlPath: '/orders' });
      assert.equal(found.length, 1);
      assert.equal(found[0]!.body, '{"id":1}');
      assert.equal(await client.count({ url: '/ping' }), 2);
      const removed = await client.removeRequests({ url: '/ping' });
      assert.equal(removed.length, 2);
      assert.equal(await client.count({ url: '/ping' }), 0);
      await client.resetRequests();
      assert.equal((await client.requests()).meta.total, 0);
    });

    it('unmatched and the near-miss calls', async () => {
      await send('/ping');
      await send('/pong');
      assert.deepEqual((await client.unmatched()).map((r) => r.url), ['/pong']);

      const forUnmatched = await client.nearMissesForUnmatched();
      assert.equal(forUnmatched[0]!.request.url, '/pong');
      assert.equal(forUnmatched[0]!.stubMapping.name, 'ping');
      assert.ok(forUnmatched[0]!.matchResult.distance > 0);

      const forRequest = await client.nearMissesFor({ method: 'GET', url: '/pinh' });
      assert.equal(forRequest[0]!.stubMapping.name, 'ping');

      const forPattern = await client.nearMissesForPattern({ method: 'GET', url: '/pong' });
      assert.deepEqual(forPattern.map((n) => n.request.url), ['/pong', '/ping']);
      assert.equal(forPattern[0]!.matchResult.distance, 0);
      assert.deepEqual(forPattern[0]!.requestPattern, { method: 'GET', url: '/pong' });
    });
  });

  describe('verify', () => {
    it('passes with the default (at least once), an exact number, and a range', async () => {
      await send('/ping');
      await send('/ping');
      await client.verify({ method: 'GET', url: '/ping' });
      await client.verify({ url: '/ping' }, 2);
      await client.verify({ url: '/ping' }, { exactly: 2 });
      await client.verify({ url: '/ping' }, { atLeast: 1, atMost: 2 });
      await client.verify({ url: '/never' }, 0);
      await client.verify({ url: '/never' }, { atMost: 0 });
    });

    it('fails with the pattern, both counts and the closest requests (up to 3, closest first)', async () => {
      await send('/orders/1', { method: 'POST', body: '{}' });
      await send('/orders');
      await send('/health/check/deep/and/long', { method: 'DELETE' });
      await send('/orderz', { method: 'POST', body: '{}' });
      const e = await assertionError(client.verify({ method: 'POST', url: '/orders' }, 1));
      // The distances come from the server's matcher weights; the format is what is pinned here.
      assert.equal(e.message.replace(/distance \d+(\.\d+)?/g, 'distance D'), [
        'Expected exactly 1 request matching',
        '{',
        '  "method": "POST",',
        '  "url": "/orders"',
        '}',
        'but received 0.',
        'Closest requests received:',
        '  POST /orderz (distance D)',
        '  POST /orders/1 (distance D)',
        '  GET /orders (distance D)',
      ].join('\n'));
      const distances = [...e.message.matchAll(/distance (\d+(?:\.\d+)?)\)/g)].map((m) => Number(m[1]));
      assert.deepEqual(distances, [...distances].sort((a, b) => a - b));
      assert.ok(distances.every((d) => d > 0 && d < 1 && String(d).length <= 5), `three decimals at most: ${distances.join(', ')}`);
      assert.equal(e.expected, 'exactly 1 request');
      assert.equal(e.actual, 0);
      assert.equal(e.operator, 'verify');
    });

    it('says so when no requests were received at all', async () => {
      const e = await assertionError(client.verify({ method: 'GET', urlPath: '/users', queryParameters: { page: { equalTo: '2' } } }));
      assert.equal(e.message, [
        'Expected at least 1 request matching',
        '{',
        '  "method": "GET",',
        '  "urlPath": "/users",',
        '  "queryParameters": {',
        '    "page": {',
        '      "equalTo": "2"',
        '    }',
        '  }',
        '}',
        'but received 0.',
        'Closest requests received: none (no requests were received at all).',
      ].join('\n'));
    });

    it('fails when there are too many, listing the matching ones first', async () => {
      for (let i = 0; i < 3; i++) await send('/ping');
      const e = await assertionError(client.verify({ url: '/ping' }, { atMost: 2 }));
      assert.equal(e.message, [
        'Expected at most 2 requests matching',
        '{',
        '  "url": "/ping"',
        '}',
        'but received 3.',
        'Closest requests received:',
        '  GET /ping (distance 0)',
        '  GET /ping (distance 0)',
        '  GET /ping (distance 0)',
      ].join('\n'));
      assert.equal(e.actual, 3);
      const between = await assertionError(client.verify({ url: '/ping' }, { atLeast: 4, atMost: 5 }));
      assert.match(between.message, /^Expected between 4 and 5 requests matching\n/);
    });

    it('rejects a count that cannot be meant, before calling the server', async () => {
      await assert.rejects(client.verify({ url: '/ping' }, -1), { name: 'TypeError', message: 'verify: times must be a whole number >= 0 (got -1)' });
      await assert.rejects(client.verify({ url: '/ping' }, { atLeast: 3, atMost: 1 }), { name: 'TypeError', message: 'verify: times.atLeast (3) is greater than times.atMost (1)' });
      await assert.rejects(client.verify({ url: '/ping' }, { exactly: 1, atMost: 1 }), { name: 'TypeError', message: 'verify: times.exactly cannot be combined with atLeast or atMost' });
      await assert.rejects(client.verify({ url: '/ping' }, {}), { name: 'TypeError', message: 'verify: times needs atLeast, atMost or exactly' });
    });

    it('an invalid pattern is a DecoyClientError with a pointer', async () => {
      // An object where a string belongs (a number would be read as text, as WireMock's reader does).
      const e = await clientError(client.verify({ method: 'GET', url: { path: '/x' } as unknown as string }));
      assert.equal(e.status, 422);
      assert.equal(e.title, 'Invalid request pattern');
      assert.deepEqual(e.details.map((d) => d.pointer), ['/url']);
    });

    it('fails clearly when the server keeps no journal', async () => {
      const quiet = createDecoy({ port: 0, host: '127.0.0.1', watch: false, journalSize: 0 });
      await quiet.start();
      try {
        const e = await assertionError(new DecoyClient(quiet.url).verify({ url: '/ping' }, 0));
        assert.equal(e.message, 'Cannot verify exactly 0 requests matching\n{\n  "url": "/ping"\n}\nbecause the server keeps no request journal (journal size 0).');
      } finally {
        await quiet.stop();
      }
    });
  });

  describe('scenarios', () => {
    it('scenarios, setScenarioState and resetScenarios', async () => {
      await client.createStub({ scenarioName: 'cart', requiredScenarioState: 'Started', newScenarioState: 'full', request: { url: '/add' }, response: { body: 'added' } });
      await client.createStub({ scenarioName: 'cart', requiredScenarioState: 'full', request: { url: '/cart' }, response: { body: 'one item' } });
      const [cart] = await client.scenarios();
      assert.equal(cart!.name, 'cart');
      assert.equal(cart!.state, 'Started');
      assert.deepEqual([...cart!.possibleStates].sort(), ['Started', 'full']);
      assert.equal(cart!.mappings.length, 2);

      await client.setScenarioState('cart', 'full');
      assert.equal(await send('/cart'), 'one item');
      await client.resetScenarios();
      assert.equal((await client.scenarios())[0]!.state, 'Started');

      const e = await clientError(client.setScenarioState('cart', 'empty'));
      assert.equal(e.message, 'PUT /__admin/scenarios/cart/state → 422 Scenario cart does not support state empty: state must be one of "Started", "full" (got "empty")');
      assert.equal((await clientError(client.setScenarioState('nope', 'Started'))).status, 404);
    });
  });

  describe('settings and the server', () => {
    it('settings and updateSettings', async () => {
      // WireMock's defaults and its replace-the-whole-object update.
      assert.deepEqual(await client.settings(), { proxyPassThrough: true });
      await client.updateSettings({ fixedDelay: 10 });
      assert.deepEqual(await client.settings(), { fixedDelay: 10, proxyPassThrough: false });
      const e = await clientError(client.updateSettings({ fixedDelay: -1 }));
      assert.deepEqual(e.details, [{ pointer: '/fixedDelay', title: 'fixedDelay must be a whole number of milliseconds >= 0 (got -1)' }]);
    });

    it('reset restores the stubs, empties the journal and restarts scenarios', async () => {
      await client.createStub({ scenarioName: 's', newScenarioState: 'two', request: { url: '/s' }, response: {} });
      await send('/s');
      await client.reset();
      assert.deepEqual((await client.listStubs()).mappings.map((m) => m.name), ['ping']);
      assert.equal((await client.requests()).meta.total, 0);
      assert.deepEqual(await client.scenarios(), []);
    });

    it('health and version', async () => {
      const health = await client.health();
      assert.equal(health.status, 'healthy');
      assert.equal(health.stubs, 1);
      const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      assert.equal(await client.version(), version);
      assert.equal(health.version, version);
    });

    it('loadErrors lists the problems of stub files', async () => {
      assert.deepEqual(await client.loadErrors(), []);
      folder.write('bad.yaml', '- request: { url: /x }\n  response: { status: "x" }\n');
      await client.resetStubs();
      const [error] = await client.loadErrors();
      assert.equal(error!.code, 'DECOY_ERR_STUB_INVALID');
      assert.equal(path.resolve(error!.file!), path.join(folder.dir, 'bad.yaml'));
      assert.equal(error!.line, 2);
      assert.equal(error!.formatted, `${error!.file}:2:${error!.column} DECOY_ERR_STUB_INVALID response.status must be an integer (got "x")`);
    });

    it('shutdown stops the server', async () => {
      await client.shutdown();
      await eventually(async () => (await clientError(client.health())).status === 0, 3000, 'the server to stop');
    });

    it('waitUntilReady polls until the server answers', async () => {
      const port = await freePort();
      const late = createDecoy({ port, host: '127.0.0.1', watch: false });
      const starting = new Promise((r) => setTimeout(r, 300)).then(() => late.start());
      try {
        const started = Date.now();
        const health = await new DecoyClient(`http://127.0.0.1:${port}`).waitUntilReady({ timeoutMs: 5000, intervalMs: 20 });
        assert.equal(health.status, 'healthy');
        assert.ok(Date.now() - started >= 250);
      } finally {
        await starting;
        await late.stop();
      }
    });

    it('waitUntilReady gives up after timeoutMs, saying why', async () => {
      const port = await freePort();
      const started = Date.now();
      const e = await clientError(new DecoyClient(`http://127.0.0.1:${port}`).waitUntilReady({ timeoutMs: 200 }));
      const took = Date.now() - started;
      assert.ok(took >= 200 && took < 1000, `took ${took} ms`);
      assert.equal(e.status, 0);
      assert.equal(e.message, `GET /__admin/health → no answer Decoy was not ready after 200 ms (last: connect ECONNREFUSED 127.0.0.1:${port})`);
    });
  });

  describe('errors', () => {
    it('a 422 carries the title and each detail with its pointer', async () => {
      const e = await clientError(client.createStub({ request: { url: '/x' }, response: { status: 'x' as unknown as number } }));
      assert.equal(e.message, 'POST /__admin/mappings → 422 Invalid stub: /response/status: response.status must be an integer (got "x")');
      assert.equal(e.name, 'DecoyClientError');
      assert.equal(e.status, 422);
      assert.equal(e.title, 'Invalid stub');
      assert.deepEqual(e.details, [{ pointer: '/response/status', title: 'response.status must be an integer (got "x")' }]);
      assert.equal(e.method, 'POST');
      assert.equal(e.path, '/__admin/mappings');
    });

    it('a 404 for an unknown id', async () => {
      const id = '99999999-9999-9999-9999-999999999999';
      const e = await clientError(client.getStub(id));
      assert.equal(e.message, `GET /__admin/mappings/${id} → 404 Stub ${id} not found`);
      assert.deepEqual(e.details, []);
      assert.equal((await clientError(client.updateStub(id, { request: {}, response: {} }))).status, 404);
      assert.equal((await clientError(client.removeStub(id))).status, 404);
      assert.equal((await clientError(client.getRequest(id))).message, `GET /__admin/requests/${id} → 404 Request ${id} not found`);
    });

    it('a bad query parameter names it', async () => {
      const e = await clientError(client.listStubs({ limit: -1 }));
      assert.equal(e.message, 'GET /__admin/mappings?limit=-1 → 400 Invalid query parameter limit: ?limit: limit must be a whole number >= 0 (got "-1")');
    });

    it('no answer is status 0 with the socket error', async () => {
      const port = await freePort();
      const e = await clientError(new DecoyClient(`http://127.0.0.1:${port}`).health());
      assert.equal(e.message, `GET /__admin/health → no answer connect ECONNREFUSED 127.0.0.1:${port}`);
      assert.ok(e.cause instanceof Error);
    });
  });

  describe('construction', () => {
    it('accepts a trailing slash or /__admin, and rejects what is not an http URL', async () => {
      assert.equal((await new DecoyClient(`${decoy.url}/`).health()).status, 'healthy');
      assert.equal(new DecoyClient(`${decoy.url}/__admin/`).baseUrl, decoy.url);
      assert.throws(() => new DecoyClient('localhost:8080'), { name: 'TypeError', message: 'DecoyClient: baseUrl must be an absolute http(s) URL (got "localhost:8080")' });
      assert.throws(() => new DecoyClient('/relative'), TypeError);
    });

    it('uses the fetch it is given', async () => {
      const calls: string[] = [];
      const logging: typeof fetch = (input, init) => {
        calls.push(`${init?.method} ${String(input)}`);
        return fetch(input, init);
      };
      await new DecoyClient(decoy.url, { fetch: logging }).count({ url: '/ping' });
      assert.deepEqual(calls, [`POST ${decoy.url}/__admin/requests/count`]);
    });
  });

  describe('the admin token', () => {
    let locked: Decoy;
    beforeEach(async () => {
      locked = createDecoy({ port: 0, host: '127.0.0.1', watch: false, adminToken: 's3cret', adminPort: 0 });
      await locked.start();
    });
    afterEach(() => locked.stop());

    it('without it, every call is 401', async () => {
      const e = await clientError(new DecoyClient(locked.url).listStubs());
      assert.equal(e.message, 'GET /__admin/mappings → 401 Unauthorized: this Decoy needs an admin token: send Authorization: Bearer <token>');
      assert.equal((await clientError(new DecoyClient(locked.url, { token: 'wrong' }).listStubs())).status, 401);
    });

    it('the health check, and so waitUntilReady, needs no token (container probes cannot send one)', async () => {
      assert.equal((await new DecoyClient(locked.url).health()).status, 'healthy');
      await new DecoyClient(locked.url).waitUntilReady({ timeoutMs: 2000 });
    });

    it('with it, calls work on the stub port and on the admin port', async () => {
      const viaStubPort = new DecoyClient(locked.url, { token: 's3cret' });
      const { id } = await viaStubPort.createStub({ request: { url: '/t' }, response: { body: 'ok' } });
      const viaAdminPort = new DecoyClient(locked.adminUrl!, { token: 's3cret' });
      assert.equal((await viaAdminPort.getStub(id)).id, id);
      await fetch(`${locked.url}/t`);
      await viaAdminPort.verify({ url: '/t' }, 1);
    });
  });
});
