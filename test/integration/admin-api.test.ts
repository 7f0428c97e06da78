import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Decoy } from '../../src/index.js';
import { eventually, get, startDecoy, tempStubs, type LogCapture } from '../support/decoy.js';

type Json = Record<string, any>;

async function call(base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Json; type: string }> {
  const res = await fetch(`${base}/__admin${p}`, {
    method, headers: { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) as Json : {}, type: res.headers.get('content-type') ?? '' };
}

describe('admin API (Decoy behaviour beyond the WireMock shapes)', () => {
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let log: LogCapture;
  afterEach(async () => {
    await decoy?.stop();
    folder?.cleanup();
  });

  describe('the admin token and the admin port', () => {
    beforeEach(async () => {
      folder = tempStubs({ 's.yaml': 'request: { path: /s }\nresponse: { body: stub }\n' });
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir, adminToken: 's3cret', adminPort: 0 }));
    });

    it('answers 401 without the token or with a wrong one, and works with it', async () => {
      const none = await call(decoy.url, 'GET', '/mappings');
      assert.equal(none.status, 401);
      const raw = await fetch(`${decoy.url}/__admin/mappings`);
      assert.equal(raw.headers.get('www-authenticate'), 'Bearer realm="decoy-admin"');
      // WireMock's clients get application/json (as from WireMock); a client that asks gets problem+json.
      assert.match(none.type, /^application\/json/);
      assert.deepEqual(Object.keys(none.json), ['errors']);
      assert.equal(none.json.errors[0].code, 401);
      const asked = await call(decoy.url, 'GET', '/mappings', undefined, { Accept: 'application/problem+json' });
      assert.match(asked.type, /^application\/problem\+json/);
      assert.equal(asked.json.title, 'Unauthorized');
      assert.equal(none.json.errors[0].title, 'Unauthorized');
      assert.match(none.json.errors[0].detail, /Authorization: Bearer/);
      assert.equal((await call(decoy.url, 'GET', '/mappings', undefined, { Authorization: 'Bearer s3cre' })).status, 401);
      assert.equal((await call(decoy.url, 'GET', '/mappings', undefined, { Authorization: 'Basic s3cret' })).status, 401);
      const ok = await call(decoy.url, 'GET', '/mappings', undefined, { Authorization: 'Bearer s3cret' });
      assert.equal(ok.status, 200);
      assert.equal(ok.json.meta.total, 1);
    });

    it('leaves stub traffic alone', async () => {
      assert.equal((await get(`${decoy.url}/s`)).text, 'stub');
    });

    it('serves the same admin API on the admin port, with the same token', async () => {
      assert.ok(decoy.adminUrl && decoy.adminUrl !== decoy.url);
      assert.equal((await call(decoy.adminUrl!, 'GET', '/mappings')).status, 401);
      const mappings = await call(decoy.adminUrl!, 'GET', '/mappings', undefined, { Authorization: 'Bearer s3cret' });
      assert.equal(mappings.json.meta.total, 1);
      // The health check needs no token: container probes cannot send one.
      assert.equal((await call(decoy.adminUrl!, 'GET', '/health')).json.status, 'healthy');
      // Only the admin API lives there: stubs are not served on it.
      assert.equal((await get(`${decoy.adminUrl}/s`)).status, 404);
    });
  });

  describe('stubs over the API', () => {
    beforeEach(async () => {
      folder = tempStubs({
        'orders.yaml': [
          '# Orders, hand-written: comments must survive a save.',
          '- id: 11111111-1111-4111-8111-111111111111',
          '  request: { method: GET, path: /orders }',
          '  response: { body: from-file }   # the list',
          '- id: 22222222-2222-4222-8222-222222222222',
          '  request: { method: GET, path: /orders/1 }',
          '  response: { body: order-1 }',
        ].join('\n') + '\n',
      });
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir, watch: true }));
    });

    it('serves a created stub at once', async () => {
      const created = await call(decoy.url, 'POST', '/mappings', { request: { method: 'GET', url: '/new' }, response: { status: 202, body: 'made' } });
      assert.equal(created.status, 201);
      assert.match(created.json.id, /^[0-9a-f-]{36}$/);
      assert.equal(created.json.uuid, created.json.id);
      const res = await get(`${decoy.url}/new`);
      assert.equal(res.status, 202);
      assert.equal(res.headers.get('matched-stub-id'), created.json.id);
    });

    it('rejects an invalid stub with every problem and its pointer, and changes nothing', async () => {
      const before = (await call(decoy.url, 'GET', '/mappings')).json.meta.total;
      const bad = await call(decoy.url, 'POST', '/mappings', { request: { method: 'GET', urlPath: '/x', urlPathPattern: '/y' }, response: { status: 'x', bodyy: 1 } });
      assert.equal(bad.status, 422);
      const pointers = bad.json.errors.map((e: Json) => e.source?.pointer).sort();
      assert.deepEqual(pointers, ['/response/bodyy', '/response/status']);
      assert.match(bad.json.errors.find((e: Json) => e.source?.pointer === '/response/status').detail, /response\.status must be an integer \(got "x"\)/);
      const compileError = await call(decoy.url, 'POST', '/mappings', { request: { urlPathPattern: '([' }, response: {} });
      assert.equal(compileError.status, 422);
      assert.equal(compileError.json.errors[0].source.pointer, '/request/urlPathPattern');
      const notJson = await call(decoy.url, 'POST', '/mappings', '{"request": ');
      assert.equal(notJson.status, 422); // as WireMock answers unparseable JSON
      assert.match(notJson.json.errors[0].title, /JSON/);
      assert.equal((await call(decoy.url, 'GET', '/mappings')).json.meta.total, before);
    });

    it('an error answer is only WireMock\'s errors document by default, and the RFC 9457 problem document when asked for', async () => {
      const stub = { request: { url: '/x' }, response: { status: 'x' } };
      const plain = await call(decoy.url, 'POST', '/mappings', stub);
      assert.equal(plain.status, 422);
      assert.match(plain.type, /^application\/json/);
      // Any other member makes WireMock's Java client fail with "Error parsing JSON" instead of raising InvalidInputException.
      assert.deepEqual(plain.json, { errors: [{ code: 10, source: { pointer: '/response/status' }, title: 'Error parsing JSON', detail: 'response.status must be an integer (got "x")' }] });
      const asked = await call(decoy.url, 'POST', '/mappings', stub, { Accept: 'application/problem+json' });
      assert.match(asked.type, /^application\/problem\+json/);
      assert.equal(asked.json.title, 'Invalid stub');
      assert.equal(asked.json.status, 422);
      assert.equal(asked.json.detail, '/response/status: response.status must be an integer (got "x")');
      assert.deepEqual(asked.json.errors, plain.json.errors);
      // A DecoyError's code leads the detail, since WireMock's document has no member for it.
      const compileError = await call(decoy.url, 'POST', '/mappings', { request: { urlPathPattern: '([' }, response: {} });
      assert.match(compileError.json.errors[0].detail, /^DECOY_ERR_\w+: /);
    });

    it('404s unknown ids with an empty body, as WireMock (its Java client reads exactly that), and explains them when asked for problem+json', async () => {
      const id = '99999999-9999-4999-8999-999999999999';
      const calls: Array<[string, string, unknown]> = [['GET', `/mappings/${id}`, undefined], ['PUT', `/mappings/${id}`, { request: {}, response: {} }], ['DELETE', `/mappings/${id}`, undefined], ['GET', `/requests/${id}`, undefined]];
      for (const [method, p, body] of calls) {
        const plain = await call(decoy.url, method, p, body);
        assert.deepEqual([plain.status, plain.json, plain.type], [404, {}, ''], `${method} ${p}`);
        const asked = await call(decoy.url, method, p, body, { Accept: 'application/problem+json' });
        assert.equal(asked.status, 404);
        assert.match(asked.json.title, /not found/, `${method} ${p}`);
      }
      // Decoy's own endpoints explain to everyone.
      const chaos = await call(decoy.url, 'DELETE', `/decoy/chaos/${id}`);
      assert.equal(chaos.status, 404);
      assert.match(chaos.json.errors[0].title, /Chaos rule .* not found/);
    });

    it('an API edit of a file stub is served, leaves the file alone, and is dropped when the file changes (the file wins)', async () => {
      const file = path.join(folder.dir, 'orders.yaml');
      const original = readFileSync(file, 'utf8');
      const edit = await call(decoy.url, 'PUT', '/mappings/11111111-1111-4111-8111-111111111111', { request: { method: 'GET', path: '/orders' }, response: { body: 'edited' } });
      assert.equal(edit.status, 200);
      assert.equal((await get(`${decoy.url}/orders`)).text, 'edited');
      assert.equal(readFileSync(file, 'utf8'), original);
      const changes = await call(decoy.url, 'GET', '/decoy/changes');
      assert.equal(changes.json.edited.length, 1);
      assert.equal(changes.json.edited[0].file, 'orders.yaml');
      const listed = (await call(decoy.url, 'GET', '/decoy/stubs')).json.stubs.find((x: Json) => x.id === '11111111-1111-4111-8111-111111111111');
      assert.deepEqual([listed.source, listed.file, listed.line], ['file, edited over the API (unsaved)', 'orders.yaml', 2]);

      writeFileSync(file, original.replace('from-file', 'file-v2'));
      await eventually(async () => (await get(`${decoy.url}/orders`)).text === 'file-v2', 1000, 'the file to win');
      assert.match(log.text(), /changed on disk: the unsaved API edit of stub 11111111-1111-4111-8111-111111111111 is dropped; the file wins/);
    });

    it('save writes an edit into its YAML file in place (comments kept), removes a deleted stub, and writes created stubs to new files', async () => {
      await call(decoy.url, 'PUT', '/mappings/11111111-1111-4111-8111-111111111111', { request: { method: 'GET', path: '/orders' }, response: { body: 'edited' } });
      await call(decoy.url, 'DELETE', '/mappings/22222222-2222-4222-8222-222222222222');
      const created = await call(decoy.url, 'POST', '/mappings', { name: 'Health Check', request: { method: 'GET', url: '/health' }, response: { body: 'up' } });
      const saved = await call(decoy.url, 'POST', '/mappings/save');
      assert.equal(saved.status, 200);
      assert.equal(saved.json.written.length, 2);
      const text = readFileSync(path.join(folder.dir, 'orders.yaml'), 'utf8');
      assert.match(text, /^# Orders, hand-written: comments must survive a save\./);
      assert.match(text, /edited/);
      assert.doesNotMatch(text, /order-1/);
      const newFile = saved.json.written.find((f: string) => f !== 'orders.yaml');
      assert.match(newFile, /^health-check-[0-9a-f]{8}\.yaml$/);
      assert.match(readFileSync(path.join(folder.dir, newFile), 'utf8'), new RegExp(`id: ${created.json.id}`));
      // No temp files are left behind.
      assert.deepEqual(readdirSync(folder.dir).filter((f) => f.startsWith('.')), []);
      // After the save, nothing is unsaved and everything is still served.
      const changes = await call(decoy.url, 'GET', '/decoy/changes');
      assert.deepEqual([changes.json.created.length, changes.json.edited.length, changes.json.deleted.length], [0, 0, 0]);
      assert.equal((await get(`${decoy.url}/orders`)).text, 'edited');
      assert.equal((await get(`${decoy.url}/health`)).text, 'up');
      assert.equal((await get(`${decoy.url}/orders/1`)).status, 404);

      // Save, then restart: a new Decoy on the same folder serves the same.
      await decoy.stop();
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
      assert.equal((await get(`${decoy.url}/orders`)).text, 'edited');
      assert.equal((await get(`${decoy.url}/health`)).text, 'up');
      assert.equal((await get(`${decoy.url}/health`)).headers.get('matched-stub-id'), created.json.id);
    });

    it('DELETE all hides file stubs until a reset, and a save then does not empty the files', async () => {
      assert.equal((await call(decoy.url, 'DELETE', '/mappings')).status, 200);
      assert.equal((await get(`${decoy.url}/orders`)).status, 404);
      await call(decoy.url, 'POST', '/mappings/save');
      assert.match(readFileSync(path.join(folder.dir, 'orders.yaml'), 'utf8'), /order-1/);
      await call(decoy.url, 'POST', '/mappings/reset');
      assert.equal((await get(`${decoy.url}/orders`)).text, 'from-file');
    });
  });

  it('refuses to save over a file that changed on disk since it was loaded, and writes nothing', async () => {
    folder = tempStubs({ 'a.yaml': 'id: 33333333-3333-4333-8333-333333333333\nrequest: { path: /a }\nresponse: { body: a }\n' });
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir, watch: false }));
    await call(decoy.url, 'PUT', '/mappings/33333333-3333-4333-8333-333333333333', { request: { path: '/a' }, response: { body: 'api' } });
    await call(decoy.url, 'POST', '/mappings', { request: { path: '/b' }, response: { body: 'b' } });
    writeFileSync(path.join(folder.dir, 'a.yaml'), 'id: 33333333-3333-4333-8333-333333333333\nrequest: { path: /a }\nresponse: { body: changed by hand }\n');
    const saved = await call(decoy.url, 'POST', '/mappings/save');
    assert.equal(saved.status, 409);
    assert.match(saved.json.errors[0].detail, /a\.yaml changed on disk since Decoy loaded it/);
    assert.match(readFileSync(path.join(folder.dir, 'a.yaml'), 'utf8'), /changed by hand/);
    assert.deepEqual(readdirSync(folder.dir), ['a.yaml']);
  });

  it('persistent: true saves a created stub at once', async () => {
    folder = tempStubs({ 'mappings/.keep': '' });
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    const created = await call(decoy.url, 'POST', '/mappings', { persistent: true, request: { url: '/p' }, response: { body: 'kept' } });
    assert.equal(created.status, 201);
    // A WireMock root: saved as JSON in mappings/.
    const files = readdirSync(path.join(folder.dir, 'mappings')).filter((f) => f.endsWith('.json'));
    assert.equal(files.length, 1);
    assert.equal(JSON.parse(readFileSync(path.join(folder.dir, 'mappings', files[0]!), 'utf8')).id, created.json.id);
  });

  it('removing a persistent stub deletes it from its YAML file at once, leaving the file\'s other stubs; a stub that is not persistent stays in its file', async () => {
    folder = tempStubs({
      'two.yaml': '- id: 44444444-4444-4444-8444-444444444441\n  persistent: true\n  request: { path: /p }\n  response: { body: p }\n- id: 44444444-4444-4444-8444-444444444442\n  request: { path: /q } # kept comment\n  response: { body: q }\n',
    });
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    assert.equal((await call(decoy.url, 'DELETE', '/mappings/44444444-4444-4444-8444-444444444441')).status, 200);
    const text = readFileSync(path.join(folder.dir, 'two.yaml'), 'utf8');
    assert.doesNotMatch(text, /444444444441/);
    assert.match(text, /# kept comment/);
    assert.equal((await call(decoy.url, 'DELETE', '/mappings/44444444-4444-4444-8444-444444444442')).status, 200);
    assert.match(readFileSync(path.join(folder.dir, 'two.yaml'), 'utf8'), /444444444442/);
    // A reset brings back what the file still holds: the stub that was not persistent.
    await call(decoy.url, 'POST', '/reset');
    assert.equal((await get(`${decoy.url}/p`)).status, 404);
    assert.equal((await get(`${decoy.url}/q`)).text, 'q');
  });

  it('removing a persistent stub whose file changed on disk is a 409 that removes nothing', async () => {
    folder = tempStubs({ 'p.yaml': 'id: 44444444-4444-4444-8444-444444444443\npersistent: true\nrequest: { path: /p }\nresponse: { body: p }\n' });
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    writeFileSync(path.join(folder.dir, 'p.yaml'), 'id: 44444444-4444-4444-8444-444444444443\npersistent: true\nrequest: { path: /p }\nresponse: { body: changed by hand }\n');
    const removed = await call(decoy.url, 'DELETE', '/mappings/44444444-4444-4444-8444-444444444443');
    assert.equal(removed.status, 409);
    assert.match(removed.json.errors[0].detail, /changed on disk/);
    assert.equal((await get(`${decoy.url}/p`)).text, 'p');
    assert.match(readFileSync(path.join(folder.dir, 'p.yaml'), 'utf8'), /changed by hand/);
  });

  it('a stub whose body file is not there yet is accepted over the API, answers 500 with WireMock\'s message until the file appears, then serves it', async () => {
    folder = tempStubs({ 'mappings/.keep': '', '__files/.keep': '' });
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    const created = await call(decoy.url, 'POST', '/mappings', { request: { url: '/report' }, response: { status: 201, bodyFileName: 'report.json', headers: { 'Content-Type': 'application/json' } } });
    assert.equal(created.status, 201);
    const early = await get(`${decoy.url}/report`);
    assert.deepEqual([early.status, early.text], [500, 'Not found in blob store: report.json\n']);
    folder.write('__files/report.json', '{"done":true}');
    // Identity encoding, so that Content-Length is the file's own length (an accepting client gets it gzipped).
    const late = await get(`${decoy.url}/report`, { headers: { 'Accept-Encoding': 'identity' } });
    assert.deepEqual([late.status, late.text, late.headers.get('content-type'), late.headers.get('content-length')], [201, '{"done":true}', 'application/json', '13']);
    // A name that leaves the files folder is still refused at once.
    assert.equal((await call(decoy.url, 'POST', '/mappings', { request: { url: '/x' }, response: { bodyFileName: '../secret.txt' } })).status, 422);
  });

  it('without a stubs folder, save answers 409 and says why', async () => {
    ({ decoy, log } = await startDecoy({}));
    const saved = await call(decoy.url, 'POST', '/mappings/save');
    assert.equal(saved.status, 409);
    assert.match(saved.json.errors[0].detail, /without a stubs folder/);
  });

  describe('the journal', () => {
    it('keeps at most --journal-size requests, newest first, and memory stays bounded', async () => {
      ({ decoy, log } = await startDecoy({ journalSize: 50 }));
      await call(decoy.url, 'POST', '/mappings', { request: { urlPathPattern: '/j/.*' }, response: { body: 'j' } });
      for (let i = 0; i < 300; i++) await get(`${decoy.url}/j/${i}`);
      const all = await call(decoy.url, 'GET', '/requests');
      assert.equal(all.json.meta.total, 50);
      assert.equal(all.json.requests[0].request.url, '/j/299');
      assert.equal(all.json.requests[49].request.url, '/j/250');
      assert.equal(decoy.engine.journal.size, 50);
      const limited = await call(decoy.url, 'GET', '/requests?limit=3');
      assert.deepEqual(limited.json.requests.map((r: Json) => r.request.url), ['/j/299', '/j/298', '/j/297']);
      assert.equal((await call(decoy.url, 'POST', '/requests/count', { urlPathPattern: '/j/29.' })).json.count, 10);
      assert.equal((await call(decoy.url, 'GET', '/requests?limit=x')).status, 400);
    });

    it('records method, url, headers, body, the stub, the response and timing', async () => {
      ({ decoy, log } = await startDecoy({}));
      const stub = await call(decoy.url, 'POST', '/mappings', { request: { method: 'POST', url: '/rec' }, response: { status: 201, body: 'created' } });
      await get(`${decoy.url}/rec`, { method: 'POST', body: '{"a":1}', headers: { 'X-Trace': 'abc', 'Content-Type': 'application/json' } });
      await get(`${decoy.url}/nothing-here`);
      const { json } = await call(decoy.url, 'GET', '/requests');
      const [miss, hit] = json.requests;
      assert.equal(hit.request.method, 'POST');
      assert.equal(hit.request.url, '/rec');
      assert.equal(hit.request.headers['X-Trace'], 'abc');
      assert.equal(hit.request.body, '{"a":1}');
      assert.equal(hit.wasMatched, true);
      assert.equal(hit.stubMapping.id, stub.json.id);
      assert.equal(hit.response.status, 201);
      assert.equal(hit.response.body, 'created');
      assert.equal(typeof hit.timing.totalTime, 'number');
      assert.equal(miss.wasMatched, false);
      assert.equal(miss.response.status, 404);
      // As WireMock logs it: an empty 404, the report that was sent in the REQUEST_NOT_MATCHED sub-event.
      assert.equal(miss.response.body, '');
      assert.match(miss.subEvents[0].data.report, /Request was not matched/);
      const one = await call(decoy.url, 'GET', `/requests/${hit.id}`);
      assert.equal(one.json.id, hit.id);
    });

    it('--no-journal (size 0) records nothing and says so', async () => {
      ({ decoy, log } = await startDecoy({ journalSize: 0 }));
      await get(`${decoy.url}/x`);
      const { json } = await call(decoy.url, 'GET', '/requests');
      assert.equal(json.requestJournalDisabled, true);
      assert.deepEqual(json.requests, []);
    });
  });

  describe('scenarios and response sequences', () => {
    beforeEach(async () => {
      folder = tempStubs({
        'cart.yaml': [
          '- { scenarioName: cart, requiredScenarioState: Started, request: { method: GET, path: /cart }, response: { body: empty } }',
          '- { scenarioName: cart, requiredScenarioState: Started, newScenarioState: full, request: { method: POST, path: /cart }, response: { status: 201 } }',
          '- { scenarioName: cart, requiredScenarioState: full, request: { method: GET, path: /cart }, response: { body: one item } }',
        ].join('\n'),
        'flaky.yaml': [
          'request: { path: /flaky }',
          'responses:',
          '  - { status: 503, body: down }',
          '  - { status: 503, body: still down }',
          '  - { status: 200, body: up }',
        ].join('\n'),
        'cycle.yaml': 'request: { path: /cycle }\nafterLastResponse: cycle\nresponses: [{ body: a }, { body: b }]\n',
      });
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    });

    it('a scenario moves on, is listed, set and reset over the API', async () => {
      assert.equal((await get(`${decoy.url}/cart`)).text, 'empty');
      assert.equal((await get(`${decoy.url}/cart`, { method: 'POST' })).status, 201);
      assert.equal((await get(`${decoy.url}/cart`)).text, 'one item');
      const list = await call(decoy.url, 'GET', '/scenarios');
      assert.equal(list.json.scenarios[0].name, 'cart');
      assert.equal(list.json.scenarios[0].state, 'full');
      assert.deepEqual(list.json.scenarios[0].possibleStates.sort(), ['Started', 'full']);
      assert.equal((await call(decoy.url, 'POST', '/scenarios/reset')).status, 200);
      assert.equal((await get(`${decoy.url}/cart`)).text, 'empty');
      assert.equal((await call(decoy.url, 'PUT', '/scenarios/cart/state', { state: 'full' })).status, 200);
      assert.equal((await get(`${decoy.url}/cart`)).text, 'one item');
      const bad = await call(decoy.url, 'PUT', '/scenarios/cart/state', { state: 'nope' }, { Accept: 'application/problem+json' });
      assert.equal(bad.status, 422);
      assert.match(bad.json.errors[0].detail, /state must be one of "Started", "full"/);
      // WireMock's own document has only the title, word for word.
      const plain = await call(decoy.url, 'PUT', '/scenarios/cart/state', { state: 'nope' });
      assert.deepEqual(plain.json, { errors: [{ code: 11, title: 'Scenario cart does not support state nope' }] });
      assert.equal((await call(decoy.url, 'PUT', '/scenarios/nope/state', { state: 'x' })).status, 404);
    });

    it('a sequence fails twice, then succeeds and stays up', async () => {
      const seen = [];
      for (let i = 0; i < 5; i++) seen.push(`${(await get(`${decoy.url}/flaky`)).status}`);
      assert.deepEqual(seen, ['503', '503', '200', '200', '200']);
      // A reset starts sequences over.
      await call(decoy.url, 'POST', '/reset');
      assert.equal((await get(`${decoy.url}/flaky`)).text, 'down');
    });

    it('a cycling sequence starts over after its last response', async () => {
      const seen = [];
      for (let i = 0; i < 5; i++) seen.push((await get(`${decoy.url}/cycle`)).text);
      assert.deepEqual(seen, ['a', 'b', 'a', 'b', 'a']);
    });

    it('a sequence with a bad key is a load error naming it', async () => {
      folder.write('bad-seq.yaml', 'request: { path: /x }\nresponse: { body: a }\nresponses: [{ body: b }]\n');
      await decoy.stop();
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
      assert.match(log.text(), /bad-seq\.yaml:3:1 DECOY_ERR_STUB_INVALID stub has both response and responses/);
    });
  });

  it('POST /__admin/shutdown stops the server after answering', async () => {
    ({ decoy, log } = await startDecoy({}));
    const res = await call(decoy.url, 'POST', '/shutdown');
    assert.equal(res.status, 200);
    await eventually(async () => {
      try { await fetch(`${decoy.url}/__admin/health`); return false; } catch { return true; }
    }, 3000, 'the server to stop');
  });
});
