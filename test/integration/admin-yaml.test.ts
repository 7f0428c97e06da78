/**
 * Stubs in Decoy's own YAML over the admin API: `POST /__admin/mappings`, `PUT /__admin/mappings/{id}` and
 * `POST /__admin/mappings/import` read a YAML body by its Content-Type, or when the body is not JSON; a
 * problem names the line and column. A body that is neither keeps WireMock's JSON error.
 */
import assert from 'node:assert/strict';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy } from '../support/decoy.js';

type Json = Record<string, any>;

async function send(base: string, method: string, p: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}/__admin${p}`, { method, headers, ...(method === 'GET' ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) as Json : {} };
}

const STUB_YAML = [
  '# a stub as a Decoy stub file writes it',
  'id: 55555555-5555-4555-8555-555555555551',
  'request:',
  '  method: GET',
  '  path: /orders/:id',
  'response:',
  '  status: 200',
  '  body: { order: 7 }',
  '',
].join('\n');

describe('stubs in YAML over the admin API', () => {
  let decoy: Decoy;
  beforeEach(async () => {
    ({ decoy } = await startDecoy({}));
  });
  afterEach(async () => {
    await decoy?.stop();
  });

  for (const contentType of ['application/yaml', 'text/yaml', 'application/x-yaml', undefined]) {
    it(`POST /__admin/mappings reads a YAML stub (${contentType ?? 'no Content-Type: the body is not JSON'})`, async () => {
      const created = await send(decoy.url, 'POST', '/mappings', STUB_YAML, contentType ? { 'Content-Type': contentType } : {});
      assert.equal(created.status, 201, JSON.stringify(created.json));
      assert.equal(created.json.id, '55555555-5555-4555-8555-555555555551');
      const served = await get(`${decoy.url}/orders/7`);
      assert.deepEqual([served.status, served.text], [200, '{"order":7}']);
    });
  }

  it('a YAML stub that breaks the format names the line and column of each problem, with its pointer', async () => {
    const bad = STUB_YAML.replace('status: 200', 'status: abc').replace('  method: GET', '  method: GET\n  urlPathh: /x');
    const answer = await send(decoy.url, 'POST', '/mappings', bad, { 'Content-Type': 'application/yaml' });
    assert.equal(answer.status, 422);
    const byPointer = Object.fromEntries(answer.json.errors.map((e: Json) => [e.source.pointer, e.detail]));
    assert.match(byPointer['/request/urlPathh'], /^line 5, column \d+: request has an unknown key/);
    assert.match(byPointer['/response/status'], /^line 8, column 11: response\.status must be an integer/);
    assert.equal((await send(decoy.url, 'GET', '/mappings', '')).json.meta.total, 0, 'nothing was added');
  });

  it('YAML that does not parse is a 422 naming the line; a body that is neither JSON nor YAML keeps WireMock\'s JSON error', async () => {
    const broken = await send(decoy.url, 'POST', '/mappings', 'request:\n  method: GET\n response: [\n', { 'Content-Type': 'text/yaml' });
    assert.equal(broken.status, 422);
    assert.match(broken.json.errors[0].detail, /^line \d+, column \d+: /);
    const notJson = await send(decoy.url, 'POST', '/mappings', '{"request": {"url": "/x"');
    assert.deepEqual([notJson.status, notJson.json.errors[0].title], [422, 'Error parsing JSON']);
    assert.match(notJson.json.errors[0].detail, /JSON/);
  });

  it('PUT /__admin/mappings/{id} edits with a YAML stub', async () => {
    await send(decoy.url, 'POST', '/mappings', STUB_YAML, { 'Content-Type': 'application/yaml' });
    const edited = await send(decoy.url, 'PUT', '/mappings/55555555-5555-4555-8555-555555555551', STUB_YAML.replace('{ order: 7 }', 'edited'), { 'Content-Type': 'application/yaml' });
    assert.equal(edited.status, 200, JSON.stringify(edited.json));
    assert.equal((await get(`${decoy.url}/orders/7`)).text, 'edited');
  });

  it('POST /__admin/mappings/import takes WireMock\'s { mappings } in YAML, or a plain list of stubs as a stub file has; a problem names its line', async () => {
    const list = '- request: { url: /a }\n  response: { body: a }\n- request: { url: /b }\n  response: { body: b }\n';
    assert.equal((await send(decoy.url, 'POST', '/mappings/import', list, { 'Content-Type': 'application/yaml' })).status, 200);
    const wrapped = 'mappings:\n  - request: { url: /c }\n    response: { body: c }\nimportOptions: { duplicatePolicy: IGNORE, deleteAllNotInImport: false }\n';
    assert.equal((await send(decoy.url, 'POST', '/mappings/import', wrapped)).status, 200);
    assert.deepEqual(await Promise.all(['/a', '/b', '/c'].map(async (u) => (await get(`${decoy.url}${u}`)).text)), ['a', 'b', 'c']);
    const bad = await send(decoy.url, 'POST', '/mappings/import', '- request: { url: /d }\n  response: { body: d }\n- request: { url: /e }\n  response: { status: nope }\n', { 'Content-Type': 'application/yaml' });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.errors[0].source.pointer, '/mappings/1/response/status');
    assert.match(bad.json.errors[0].detail, /^line 4, column 23: /);
    assert.equal((await get(`${decoy.url}/d`)).status, 404, 'one bad stub imports nothing');
  });

  it('a YAML stub with a generated body (schema:) serves its data at once', async () => {
    const yaml = 'request: { url: /gen }\nresponse:\n  schema: { type: object, required: [n], properties: { n: { type: integer } } }\n';
    assert.equal((await send(decoy.url, 'POST', '/mappings', yaml, { 'Content-Type': 'application/yaml' })).status, 201);
    const served = await get(`${decoy.url}/gen`);
    assert.equal(served.status, 200);
    assert.equal(typeof JSON.parse(served.text).n, 'number');
  });
});
