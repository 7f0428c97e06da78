/**
 * Resources (issue 19): a collection declared in a stub file is served with create, read, list, replace,
 * patch and delete, remembering what clients created; every operation is an ordinary stub (faults,
 * chaos, priority, the journal); reset puts the seed back; replicas sharing Redis share the items.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decoy } from '../../src/index.js';
import { DecoyClient } from '../../src/client/index.js';
import { twoReplicasOnRedis } from '../support/redis.js';
import { startDecoy, tempStubs } from '../support/decoy.js';

const ORDERS = `
resource: /orders
ids: sequential
seed: orders-seed.yaml
pageSize: 2
schema:
  type: object
  required: [customer, total]
  properties:
    customer: { type: string }
    total: { type: number, minimum: 0 }
    status: { type: string, enum: [open, paid, shipped] }
`;

const SEED = `
- { id: 1, customer: ada, total: 10, status: paid }
- { id: 2, customer: bob, total: 25, status: open }
`;

interface Answer { status: number; headers: Headers; body: unknown; text: string }

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { parsed = undefined; }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

describe('resources: a collection declared in a stub file', function () {
  this.timeout(20_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;

  beforeEach(async () => {
    folder = tempStubs({ 'orders.yaml': ORDERS, '__files/orders-seed.yaml': SEED });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
  });
  afterEach(async () => {
    await decoy.stop();
    folder.cleanup();
  });

  it('create, read, list with paging and filters, patch, replace, delete, then 404', async () => {
    const base = decoy.url;
    const created = await call(base, 'POST', '/orders', { customer: 'cy', total: 7, status: 'open' });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, { customer: 'cy', total: 7, status: 'open', id: 3 }, 'the next number after the seed');
    assert.equal(created.headers.get('location'), '/orders/3');

    assert.deepEqual((await call(base, 'GET', '/orders/3')).body, { customer: 'cy', total: 7, status: 'open', id: 3 });
    assert.equal((await call(base, 'GET', '/orders/99')).status, 404);

    const all = await call(base, 'GET', '/orders');
    assert.deepEqual((all.body as Array<{ id: number }>).map((o) => o.id), [1, 2, 3], 'no paging asked: every item, oldest first');
    assert.equal(all.headers.get('x-total-count'), '3');
    const page2 = await call(base, 'GET', '/orders?page=2');
    assert.deepEqual((page2.body as Array<{ id: number }>).map((o) => o.id), [3], 'page 2 of pageSize 2');
    assert.deepEqual(((await call(base, 'GET', '/orders?offset=1&limit=1')).body as Array<{ id: number }>).map((o) => o.id), [2]);
    const open = await call(base, 'GET', '/orders?status=open');
    assert.deepEqual((open.body as Array<{ id: number }>).map((o) => o.id), [2, 3], 'filtered by a field');
    assert.equal(open.headers.get('x-total-count'), '2');
    assert.equal((await call(base, 'GET', '/orders?page=zero')).status, 400);

    const patched = await call(base, 'PATCH', '/orders/3', { status: 'paid', total: null, note: 'rush' });
    assert.equal(patched.status, 422, 'removing a required field by merge patch breaks the schema');
    const patched2 = await call(base, 'PATCH', '/orders/3', { status: 'paid', note: 'rush' });
    assert.equal(patched2.status, 200);
    assert.deepEqual(patched2.body, { customer: 'cy', total: 7, status: 'paid', id: 3, note: 'rush' });

    const replaced = await call(base, 'PUT', '/orders/3', { customer: 'cy', total: 9, id: 'ignored' });
    assert.equal(replaced.status, 200);
    assert.deepEqual(replaced.body, { customer: 'cy', total: 9, id: 3 }, 'the id stays the one in the path');
    assert.equal((await call(base, 'PUT', '/orders/42', { customer: 'x', total: 1 })).status, 404);

    const deleted = await call(base, 'DELETE', '/orders/3');
    assert.equal(deleted.status, 204);
    assert.equal(deleted.text, '');
    assert.equal((await call(base, 'GET', '/orders/3')).status, 404);
    assert.equal((await call(base, 'DELETE', '/orders/3')).status, 404);
  });

  it('validation: a body that is not a JSON object is 400, one that breaks the schema 422 with every violation', async () => {
    const base = decoy.url;
    const notJson = await call(base, 'POST', '/orders', 'total=3');
    assert.equal(notJson.status, 400);
    assert.match((notJson.body as { error: string }).error, /JSON object/);
    const bad = await call(base, 'POST', '/orders', { customer: 5, total: -1 });
    assert.equal(bad.status, 422);
    const violations = (bad.body as { violations: Array<{ pointer: string; message: string }> }).violations;
    assert.deepEqual(violations.map((v) => v.pointer).sort(), ['/customer', '/total']);
    assert.equal(((await call(base, 'GET', '/orders')).body as unknown[]).length, 2, 'nothing was created');
  });

  it('reset puts the seed back; the admin API and the client read, replace and clear items', async () => {
    const base = decoy.url;
    await call(base, 'POST', '/orders', { customer: 'cy', total: 7 });
    await call(base, 'DELETE', '/orders/1');
    assert.deepEqual(((await call(base, 'GET', '/orders')).body as Array<{ id: number }>).map((o) => o.id), [2, 3]);
    assert.equal((await call(base, 'POST', '/__admin/reset')).status, 200);
    assert.deepEqual(((await call(base, 'GET', '/orders')).body as Array<{ id: number }>).map((o) => o.id), [1, 2]);
    assert.equal((await call(base, 'POST', '/orders', { customer: 'dee', total: 1 })).headers.get('location'), '/orders/3', 'the ids start again after the seed');

    const client = new DecoyClient(base);
    const listed = await client.resources();
    assert.deepEqual(listed.map((r) => [r.name, r.items, r.maxItems]), [['/orders', 3, 10_000]]);
    assert.deepEqual((await client.resourceItems('/orders')).map((o) => o.id), [1, 2, 3]);
    await client.setResourceItems('orders', [{ id: 'a', customer: 'x', total: 1 }]);
    assert.deepEqual((await call(base, 'GET', '/orders/a')).body, { id: 'a', customer: 'x', total: 1 });
    await assert.rejects(client.setResourceItems('/orders', [{ id: 'b', customer: 'x', total: -5 }]), /schema/);
    await client.clearResourceItems('/orders');
    assert.deepEqual((await call(base, 'GET', '/orders')).body, []);
    await client.resetResource('/orders');
    assert.deepEqual(((await call(base, 'GET', '/orders')).body as Array<{ id: number }>).map((o) => o.id), [1, 2]);
    await assert.rejects(client.resourceItems('/nope'), /no resource/);
  });

  it('each operation is an ordinary stub: listed, journaled, overridden by a higher priority, with faults and chaos rules', async () => {
    const base = decoy.url;
    const client = new DecoyClient(base);
    const stubs = (await call(base, 'GET', '/__admin/mappings')).body as { mappings: Array<{ name: string; response: { resource?: { operation: string; seed?: string; items?: unknown } } }> };
    const ops = stubs.mappings.filter((m) => m.response.resource !== undefined);
    assert.deepEqual(ops.map((m) => m.response.resource!.operation).sort(), ['create', 'delete', 'list', 'patch', 'read', 'replace']);
    assert.equal(ops[0]!.response.resource!.seed, 'orders-seed.yaml', 'the seed file by name');
    assert.equal((ops[0]!.response.resource!.items as unknown[]).length, 2, 'and its items, so the definition compiles as it is shown');

    await call(base, 'GET', '/orders/1');
    const served = (await call(base, 'GET', '/__admin/requests')).body as { requests: Array<{ request: { url: string }; stubMapping?: { name: string } }> };
    assert.equal(served.requests[0]!.stubMapping?.name, '/orders read');

    // A hand-written stub of higher priority answers instead of the resource.
    await call(base, 'POST', '/__admin/mappings', { priority: 1, request: { method: 'GET', url: '/orders/1' }, response: { status: 418 } });
    assert.equal((await call(base, 'GET', '/orders/1')).status, 418);
    assert.equal((await call(base, 'GET', '/orders/2')).status, 200);

    // A chaos rule on the create operation: the client sees the 503, and nothing is created.
    await client.addChaosRule({ request: { method: 'POST', urlPath: '/orders' }, status: 503, hits: 1 });
    assert.equal((await call(base, 'POST', '/orders', { customer: 'cy', total: 7 })).status, 503);
    assert.equal(((await call(base, 'GET', '/orders')).body as unknown[]).length, 2);
    assert.equal((await call(base, 'POST', '/orders', { customer: 'cy', total: 7 })).status, 201, 'the rule is spent after one hit');

    // A socket fault on a resource operation, as a client sees it on the wire.
    await call(base, 'POST', '/__admin/mappings', { priority: 1, request: { method: 'DELETE', urlPathPattern: '/orders/.*' }, response: { fault: 'CONNECTION_RESET_BY_PEER' } });
    await assert.rejects(fetch(`${base}/orders/1`, { method: 'DELETE' }));
  });

  it('an API edit of a generated stub serves at once, and a save leaves the declaration file as written', async () => {
    const base = decoy.url;
    const mappings = (await call(base, 'GET', '/__admin/mappings')).body as { mappings: Array<{ id: string; name: string; request: unknown; response: Record<string, unknown> }> };
    const read = mappings.mappings.find((m) => m.name === '/orders read')!;
    const edited = await call(base, 'PUT', `/__admin/mappings/${read.id}`, { ...read, response: { ...read.response, fixedDelayMilliseconds: 1 } });
    assert.equal(edited.status, 200, edited.text);
    assert.equal((await call(base, 'GET', '/orders/1')).status, 200, 'the edited read serves the same collection');
    assert.equal((await call(base, 'POST', '/__admin/mappings/save')).status, 200);
    assert.equal(readFileSync(path.join(folder.dir, 'orders.yaml'), 'utf8'), ORDERS);
  });

  it('a declaration with delays and stub chaos applies them to every operation', async () => {
    folder.write('slow.yaml', 'resource: /slow\nfixedDelayMilliseconds: 150\nchaos:\n  - firstRequests: 1\n    status: 503\n');
    await decoy.stop();
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    const first = await call(decoy.url, 'GET', '/slow');
    assert.equal(first.status, 503, 'the first request gets the chaos entry');
    assert.equal((await call(decoy.url, 'POST', '/slow', { name: 'x' })).status, 503, 'each operation is a stub with its own count');
    assert.deepEqual((await call(decoy.url, 'GET', '/slow')).body, [], 'the create the chaos entry answered made nothing');
    const started = Date.now();
    const second = await call(decoy.url, 'POST', '/slow', { name: 'x' });
    assert.ok(Date.now() - started >= 140, 'the delay applies');
    assert.equal(second.status, 201);
    assert.match((second.body as { id: string }).id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a UUID by default');
  });

  it('a full collection answers 507 and keeps what it holds; an id taken from the body answers 409 when taken', async () => {
    folder.write('tiny.yaml', 'resource: /tiny\nids: body\nmaxItems: 2\nitems:\n  - { id: a }\n');
    await decoy.stop();
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    assert.equal((await call(decoy.url, 'POST', '/tiny', { id: 'a' })).status, 409);
    assert.equal((await call(decoy.url, 'POST', '/tiny', {})).status, 422, 'the id must be in the body');
    assert.equal((await call(decoy.url, 'POST', '/tiny', { id: 'b' })).status, 201);
    const full = await call(decoy.url, 'POST', '/tiny', { id: 'c' });
    assert.equal(full.status, 507);
    assert.match((full.body as { error: string }).error, /maximum of 2 items/);
  });

  it('templates read a resource: {{resource}} lists items, or finds one by id', async () => {
    folder.write('summary.yaml', `
request: { method: GET, url: /summary }
response:
  status: 200
  transformers: [response-template]
  body: "{{size (resource '/orders')}} orders; first {{#with (resource '/orders' id=1)}}{{customer}}{{/with}}; {{toJson (resource '/orders')}}"
`);
    await decoy.stop();
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    assert.match((await call(decoy.url, 'GET', '/summary')).text, /^2 orders; first ada; \[/, 'the seed before any write');
    await call(decoy.url, 'POST', '/orders', { customer: 'cy', total: 7 });
    assert.match((await call(decoy.url, 'GET', '/summary')).text, /^3 orders; first ada; .*"customer" : "cy"/s);
  });

  it('a bad declaration or seed is a load error that names the file and the key', async () => {
    folder.write('bad.yaml', 'resource: orders\nids: random\n');
    folder.write('bad-seed.yaml', 'resource: /things\nseed: things.yaml\n');
    folder.write('__files/things.yaml', '- { name: no-id }\n');
    await decoy.stop();
    let log;
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    const text = log.text();
    assert.match(text, /bad\.yaml:1:\d+ .*resource must be a path/);
    assert.match(text, /bad\.yaml:2:\d+ .*ids must be one of uuid, sequential, body/);
    assert.match(text, /bad-seed\.yaml:2:\d+ .*seed file things\.yaml, item 0: an item of \/things needs its id in id/);
    assert.equal((await call(decoy.url, 'GET', '/orders')).status, 200, 'the good files still load');
  });
});

describe('resources shared by two Decoys on one Redis (--store)', function () {
  this.timeout(30_000);
  const fleet = twoReplicasOnRedis({ 'orders.yaml': ORDERS, '__files/orders-seed.yaml': SEED }, 'res');

  it('an item created on one is read, listed, patched and deleted on the other; ids are unique across both', async () => {
    const created = await call(fleet.a.url, 'POST', '/orders', { customer: 'cy', total: 7 });
    assert.equal(created.status, 201);
    assert.deepEqual((await call(fleet.b.url, 'GET', '/orders/3')).body, { customer: 'cy', total: 7, id: 3 });
    assert.equal((await call(fleet.b.url, 'PATCH', '/orders/3', { status: 'shipped' })).status, 200);
    assert.equal(((await call(fleet.a.url, 'GET', '/orders/3')).body as { status: string }).status, 'shipped');
    // Creates on both at once: every one gets its own number.
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => call(i % 2 ? fleet.a.url : fleet.b.url, 'POST', '/orders', { customer: `c${i}`, total: i })));
    const ids = made.map((m) => (m.body as { id: number }).id);
    assert.equal(new Set(ids).size, 10);
    assert.equal(((await call(fleet.a.url, 'GET', '/orders')).body as unknown[]).length, 13);
    assert.equal((await call(fleet.b.url, 'DELETE', '/orders/3')).status, 204);
    assert.equal((await call(fleet.a.url, 'GET', '/orders/3')).status, 404);
    // A reset on one puts the seed back for both.
    await call(fleet.b.url, 'POST', '/__admin/reset');
    assert.deepEqual(((await call(fleet.a.url, 'GET', '/orders')).body as Array<{ id: number }>).map((o) => o.id), [1, 2]);
  });
});


describe('the stateful-mocks guide: its examples load and do what it says', function () {
  this.timeout(20_000);
  const guide = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '../../docs/guides/stateful-mocks.md'), 'utf8');
  const blocks = [...guide.matchAll(/```(yaml|json)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]! }));
  const cookbook = [...guide.slice(guide.indexOf('## Cookbook')).matchAll(/```(yaml|json)\n([\s\S]*?)```/g)].map((m) => m[2]!);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;

  before(async () => {
    const byName = (name: string) => blocks.find((b) => b.text.startsWith(`# stubs/${name}`))!.text;
    folder = tempStubs({
      'orders.yaml': byName('orders.yaml'),
      '__files/orders-seed.yaml': byName('__files/orders-seed.yaml'),
      'summary.yaml': blocks.find((b) => b.text.includes('/orders/summary'))!.text,
      'payments.yaml': cookbook[0]!,
      '__files/payments-seed.json': cookbook[1]!,
      'refund.yaml': cookbook[2]!,
    });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
  });
  after(async () => {
    await decoy?.stop();
    folder?.cleanup();
  });

  it('the orders declaration and its summary template', async () => {
    assert.deepEqual(((await call(decoy.url, 'GET', '/orders')).body as Array<{ id: number }>).map((o) => o.id), [1, 2]);
    assert.equal((await call(decoy.url, 'POST', '/orders', { customer: 'cy', total: 3 })).headers.get('location'), '/orders/3');
    assert.equal(((await call(decoy.url, 'GET', '/orders/summary')).body as { count: number }).count, 3, 'a hand-written stub beside the resource reads it');
  });

  it('a sandbox of a payments API that remembers what you created', async () => {
    const base = decoy.url;
    const created = await call(base, 'POST', '/v1/payments', { amount: 4200, currency: 'EUR', status: 'pending' });
    assert.equal(created.status, 201);
    const id = (created.body as { id: string }).id;
    assert.equal(created.headers.get('location'), `/v1/payments/${id}`);
    assert.equal((await call(base, 'PATCH', `/v1/payments/${id}`, { status: 'succeeded' })).status, 200);
    const succeeded = (await call(base, 'GET', '/v1/payments?status=succeeded')).body as Array<{ id: string }>;
    assert.deepEqual(succeeded.map((p) => p.id), ['pay_seed_1', id]);
    assert.equal((await call(base, 'POST', '/v1/payments', { amount: 0, currency: 'JPY' })).status, 422);
    assert.deepEqual((await call(base, 'POST', `/v1/payments/${id}/refund`)).body, { payment: id, refunded: 4200 });
    assert.deepEqual((await call(base, 'POST', '/v1/payments/nope/refund')).body, { error: 'no such payment' });
    const rule = await call(base, 'POST', '/__admin/decoy/chaos', { request: { method: 'POST', urlPath: '/v1/payments' }, status: 503, probability: 1 });
    assert.equal(rule.status, 201);
    assert.equal((await call(base, 'POST', '/v1/payments', { amount: 1, currency: 'EUR' })).status, 503);
    await call(base, 'POST', '/__admin/reset');
    assert.deepEqual(((await call(base, 'GET', '/v1/payments')).body as Array<{ id: string }>).map((p) => p.id), ['pay_seed_1']);
  });
});
