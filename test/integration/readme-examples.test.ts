import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

const readme = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
/** Every ```yaml and ```json block in the README that looks like a stub file. */
const blocks = [...readme.matchAll(/```(yaml|json)\n([\s\S]*?)```/g)]
  .map((m) => ({ ext: m[1]!, text: m[2]! }))
  .filter((b) => /request/.test(b.text) && /response/.test(b.text));

describe('README examples', () => {
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  before(async () => {
    const files: Record<string, string> = { '__files/user.json': '{"id":1}', '__files/invoice-7.json': '{"invoice": {{request.pathSegments.[1]}} }' };
    blocks.forEach((b, i) => (files[`example-${i}.${b.ext}`] = b.text));
    folder = tempStubs(files);
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
  });
  after(async () => {
    await decoy.stop();
    folder.cleanup();
  });

  it('every stub example in the README loads without a problem', () => {
    assert.ok(blocks.length >= 2, `found ${blocks.length} stub examples`);
    assert.deepEqual(decoy.loadReport!.errors.map((e) => e.format()), []);
    assert.ok(decoy.loadReport!.stubs >= 3);
  });

  it('the shorthand example: path template, plain-string header, object body as JSON', async () => {
    const ok = await get(`${decoy.url}/users/1`, { headers: { Accept: 'application/json' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'application/json');
    assert.deepEqual(JSON.parse(ok.text), { id: 1, name: 'Ada' });
    // pathParameters constrain the template; the header shorthand is equalTo.
    assert.equal((await get(`${decoy.url}/users/ada`, { headers: { Accept: 'application/json' } })).status, 404);
    assert.equal((await get(`${decoy.url}/users/1`, { headers: { Accept: 'text/html' } })).status, 404);
  });

  it('the templating example: request model, helpers, templated status and body file', async () => {
    const r = await get(`${decoy.url}/greetings/ann`, { method: 'POST', headers: { 'X-Request-Id': 'r-1' }, body: JSON.stringify({ item: 'tea', qty: 3 }) });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('x-request-id'), 'r-1');
    const body = JSON.parse(r.text);
    assert.equal(body.message, 'Hello ann');
    assert.equal(body.item, 'tea');
    assert.equal(body.quantity, '6');
    assert.match(body.at, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(body.ticket, /^[A-Z0-9]{8}$/);
    assert.match(body.by, /^[A-Z]/);
    assert.equal((await get(`${decoy.url}/greetings/ann?dryRun=true`, { method: 'POST', body: '{"qty":1}' })).status, 200);
    assert.deepEqual(JSON.parse((await get(`${decoy.url}/invoices/7`)).text), { invoice: 7 });
  });

  it('the method list and wildcard example', async () => {
    assert.equal((await fetch(`${decoy.url}/files/a/b/c`, { method: 'HEAD' })).status, 204);
    assert.equal((await get(`${decoy.url}/files/x`)).status, 204);
    assert.equal((await get(`${decoy.url}/files/x`, { method: 'DELETE' })).status, 404);
  });

  it('the response sequence example: fails twice, then succeeds', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(`${decoy.url}/payments`, { method: 'POST' })).status);
    assert.deepEqual(statuses, [503, 503, 201, 201]);
  });

  it('the faults example: a reset, a first-request 503, then the normal answer', async () => {
    await assert.rejects(fetch(`${decoy.url}/reset`), (e: Error & { cause?: { code?: string } }) => e.cause?.code === 'ECONNRESET');
    assert.equal((await get(`${decoy.url}/inventory`)).status, 503);
    // Then 85% normal, 15% faults: a few tries find a normal answer.
    let normal = false;
    for (let i = 0; i < 20 && !normal; i++) {
      try { normal = (await get(`${decoy.url}/inventory`)).status === 200; } catch { /* a reset */ }
    }
    assert.ok(normal);
  });

  it('the generated data example: a customer generated from its schema', async () => {
    const res = await get(`${decoy.url}/customers/42`);
    assert.equal(res.status, 200);
    const customer = JSON.parse(res.text);
    assert.ok(['free', 'pro', 'enterprise'].includes(customer.tier), res.text);
    assert.match(customer.address.zip, /^[0-9]{5}$/);
  });

  it('the requestSchema example: a request that breaks it gets a 400 listing the violation', async () => {
    const bad = await get(`${decoy.url}/orders?limit=500&ids=1,x`);
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.text).violations.map((v: { name: string; pointer: string }) => [v.name, v.pointer]), [['limit', ''], ['ids', '/1']]);
    assert.equal((await get(`${decoy.url}/orders?limit=5&ids=1,2`)).status, 200);
  });

  it('the WireMock JSON example', async () => {
    const res = await get(`${decoy.url}/health`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"status":"UP"}');
  });
});
