/**
 * Namespaces (issue 19's isolation): parallel test runs share one Decoy, each in its own namespace
 * (a header, or a path prefix), with its own API stubs, scenario states, sequence positions, resource
 * items and journal over the shared file stubs; reset, drop, idle expiry, the cap and bad names.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Decoy } from '../../src/index.js';
import { DecoyClient } from '../../src/client/index.js';
import { DecoyClientError } from '../../src/client/client-error.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { send, SHARED_STUBS } from '../support/namespaces.js';

/**
 * One test run in namespace `ns` (nothing of it is known to the other run): its own stub, scenario,
 * sequence and orders; then what it sees of its namespace through the admin API.
 */
async function testRun(base: string, ns: string): Promise<void> {
  const admin = new DecoyClient(base, { namespace: ns });
  await admin.createStub({ request: { method: 'GET', url: '/mine' }, response: { status: 200, body: `mine in ${ns}` } });
  // A namespace's stub overrides a file stub by priority, in that namespace only.
  await admin.createStub({ priority: 1, request: { method: 'GET', url: '/shared' }, response: { status: 200, body: `overridden in ${ns}` } });
  const at = (method: string, path: string, body?: unknown) => send(base, method, path, { namespace: ns, ...(body !== undefined ? { body } : {}) });
  assert.equal((await at('GET', '/mine')).text, `mine in ${ns}`);
  assert.equal((await at('GET', '/shared')).text, `overridden in ${ns}`);
  assert.equal((await at('GET', '/cart')).text, 'empty');
  assert.equal((await at('POST', '/cart')).status, 201);
  assert.equal((await at('GET', '/cart')).text, 'full');
  assert.equal((await at('GET', '/retry')).status, 503);
  assert.equal((await at('GET', '/retry')).text, 'recovered');
  const created = await at('POST', '/orders', { customer: ns, total: 1 });
  assert.equal(created.status, 201);
  const orders = (await at('GET', '/orders')).json as { items: Array<{ customer: string }> } | Array<{ customer: string }>;
  const items = Array.isArray(orders) ? orders : orders.items;
  assert.deepEqual(items.map((o) => o.customer), ['ada', ns], 'the seed and this run\'s order, not the other run\'s');

  assert.equal((await admin.countRequests({ method: 'GET', url: '/cart' })).count, 2);
  await admin.verify({ method: 'POST', url: '/orders' }, 1);
  const journal = await admin.requests();
  assert.equal(journal.requests.length, 9, 'this run\'s nine requests only');
  assert.ok(journal.requests.every((r) => r.request.headers?.['X-Decoy-Namespace'] === ns || JSON.stringify(r.request.headers).includes(ns)));
  const stubs = (await admin.listStubs()).mappings;
  assert.ok(stubs.some((s) => s.response?.body === `mine in ${ns}`));
  assert.ok(stubs.some((s) => s.request.url === '/cart'), 'the file stubs are listed too');
  assert.ok(!stubs.some((s) => typeof s.response?.body === 'string' && s.response.body.startsWith('mine in ') && s.response.body !== `mine in ${ns}`));
  const scenarios = await admin.scenarios();
  assert.equal(scenarios.find((s) => s.name === 'cart')?.state, 'Full');
  assert.deepEqual((await admin.resourceItems('/orders')).map((o) => o.customer), ['ada', ns]);
}

/** What a request that names no namespace sees after the runs: the files as they are, none of the runs' changes. */
async function defaultNamespaceUntouched(base: string): Promise<void> {
  assert.equal((await send(base, 'GET', '/mine')).status, 404);
  assert.equal((await send(base, 'GET', '/shared')).text, 'from the file');
  assert.equal((await send(base, 'GET', '/cart')).text, 'empty');
  const orders = (await send(base, 'GET', '/orders')).json as { items: unknown[] } | unknown[];
  assert.equal((Array.isArray(orders) ? orders : orders.items).length, 1);
}

describe('namespaces: parallel test runs against one Decoy', function () {
  this.timeout(20_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let base: string;

  const start = async (options: Parameters<typeof startDecoy>[0] = {}) => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, ...options }));
    base = decoy.url;
  };

  beforeEach(() => { folder = tempStubs(SHARED_STUBS); });
  afterEach(async () => {
    await decoy?.stop();
    folder.cleanup();
  });

  it('a template reads the scenario state of its own namespace ({{scenarioState}})', async () => {
    writeFileSync(path.join(folder.dir, 'where.json'), JSON.stringify({ request: { method: 'GET', url: '/where' }, response: { status: 200, body: 'cart is {{scenarioState \'cart\'}}', transformers: ['response-template'] } }));
    await start();
    assert.equal((await send(base, 'POST', '/cart', { namespace: 'run-a' })).status, 201);
    assert.equal((await send(base, 'GET', '/where', { namespace: 'run-a' })).text, 'cart is Full');
    assert.equal((await send(base, 'GET', '/where', { namespace: 'run-b' })).text, 'cart is Started');
    assert.equal((await send(base, 'GET', '/where')).text, 'cart is Started');
  });

  it('two runs in two namespaces each see only their own stubs, scenario, sequence, orders and journal, and both see the file stubs', async () => {
    await start();
    await Promise.all([testRun(base, 'run-a'), testRun(base, 'run-b')]);
    await defaultNamespaceUntouched(base);
    const root = new DecoyClient(base);
    assert.equal((await root.countRequests({ method: 'ANY', urlPattern: '.*' })).count, 4, 'the default journal holds only the requests that named no namespace');
    const list = await root.namespaces();
    assert.deepEqual(list.namespaces.map((n) => [n.name, n.stubs, n.requests]), [['run-a', 2, 9], ['run-b', 2, 9]]);
    assert.equal(list.maxNamespaces, 1000);
    assert.equal(list.idleTimeoutMs, 30 * 60_000);
    assert.equal(list.header, 'x-decoy-namespace');
    assert.ok(Date.now() - Date.parse(list.namespaces[0]!.lastUsed) < 10_000);
  });

  it('resetting one namespace puts it back to new (its stubs, scenario, orders, journal) and leaves the other as it was', async () => {
    await start();
    await Promise.all([testRun(base, 'run-a'), testRun(base, 'run-b')]);
    const root = new DecoyClient(base);
    await root.resetNamespace('run-a');
    const a = root.namespace('run-a');
    assert.equal((await send(base, 'GET', '/mine', { namespace: 'run-a' })).status, 404);
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'run-a' })).text, 'empty');
    assert.deepEqual((await a.resourceItems('/orders')).map((o) => o.customer), ['ada']);
    assert.equal((await a.countRequests({ method: 'GET', url: '/mine' })).count, 1, 'only the request after the reset');
    assert.equal((await send(base, 'GET', '/mine', { namespace: 'run-b' })).text, 'mine in run-b');
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'run-b' })).text, 'full');
    assert.equal((await root.namespace('run-b').countRequests({ method: 'GET', url: '/cart' })).count, 3);
  });

  it('POST /__admin/reset with the namespace header resets that namespace only; without it, the default one only', async () => {
    await start();
    await Promise.all([testRun(base, 'run-a'), testRun(base, 'run-b')]);
    await new DecoyClient(base, { namespace: 'run-a' }).reset();
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'run-a' })).text, 'empty');
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'run-b' })).text, 'full');
    await send(base, 'POST', '/cart');
    await new DecoyClient(base).reset();
    assert.equal((await send(base, 'GET', '/cart')).text, 'empty');
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'run-b' })).text, 'full', 'a reset without a namespace leaves the namespaces');
    assert.deepEqual((await new DecoyClient(base).namespaces()).namespaces.map((n) => n.name), ['run-a', 'run-b']);
  });

  it('dropping one namespace forgets it and leaves the other; dropping an unknown one is a 404', async () => {
    await start();
    await Promise.all([testRun(base, 'run-a'), testRun(base, 'run-b')]);
    const root = new DecoyClient(base);
    await root.dropNamespace('run-a');
    assert.deepEqual((await root.namespaces()).namespaces.map((n) => n.name), ['run-b']);
    assert.equal((await send(base, 'GET', '/mine', { namespace: 'run-b' })).text, 'mine in run-b');
    const dropped = await root.dropNamespace('run-a').then(() => undefined, (e: unknown) => e);
    assert.ok(dropped instanceof DecoyClientError);
    assert.equal(dropped.status, 404);
    assert.match(dropped.message, /no namespace run-a/);
    // Used again, it starts afresh.
    assert.equal((await send(base, 'GET', '/mine', { namespace: 'run-a' })).status, 404);
    assert.equal(await root.dropNamespaces(), 2);
    assert.deepEqual((await root.namespaces()).namespaces, []);
  });

  it('a namespace unused for longer than --namespace-idle-timeout is dropped, and one in use is kept', async () => {
    await start({ namespaceIdleTimeoutMs: 300 });
    await send(base, 'POST', '/cart', { namespace: 'idle' });
    await send(base, 'POST', '/cart', { namespace: 'busy' });
    const root = new DecoyClient(base);
    await eventually(async () => {
      await send(base, 'GET', '/cart', { namespace: 'busy' });
      return !(await root.namespaces()).namespaces.some((n) => n.name === 'idle');
    }, 5000, 'the idle namespace to expire');
    assert.deepEqual((await root.namespaces()).namespaces.map((n) => n.name), ['busy']);
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'busy' })).text, 'full');
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'idle' })).text, 'empty', 'an expired namespace starts afresh');
  });

  it('a request that would create one namespace more than --max-namespaces gets a 429 naming the cap, and the existing ones keep everything', async () => {
    await start({ maxNamespaces: 2 });
    await send(base, 'POST', '/cart', { namespace: 'one' });
    await send(base, 'POST', '/cart', { namespace: 'two' });
    const refused = await send(base, 'GET', '/cart', { namespace: 'three' });
    assert.equal(refused.status, 429);
    assert.match(refused.text, /DECOY_ERR_NAMESPACE_LIMIT namespace "three" is not created: 2 namespaces exist already, the most allowed \(--max-namespaces 2\)/);
    const adminRefused = await new DecoyClient(base, { namespace: 'three' }).createStub({ request: { url: '/x' }, response: { status: 200 } }).then(() => undefined, (e: unknown) => e);
    assert.ok(adminRefused instanceof DecoyClientError);
    assert.equal(adminRefused.status, 429);
    assert.match(adminRefused.message, /--max-namespaces 2/);
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'one' })).text, 'full');
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'two' })).text, 'full');
    assert.equal((await send(base, 'GET', '/cart')).text, 'empty', 'the default namespace is not counted');
    await new DecoyClient(base).dropNamespace('one');
    assert.equal((await send(base, 'GET', '/cart', { namespace: 'three' })).status, 200, 'a dropped namespace makes room');
  });

  it('a bad namespace name gets a 400 that says what names may hold, on stub requests and admin calls', async () => {
    await start();
    const spaced = await send(base, 'GET', '/shared', { namespace: 'run 42' });
    assert.equal(spaced.status, 400);
    assert.match(spaced.text, /DECOY_ERR_NAMESPACE_INVALID the x-decoy-namespace header: the namespace name "run 42" may hold only letters, digits, "\.", "_" and "-"/);
    const long = await send(base, 'GET', '/shared', { namespace: 'x'.repeat(65) });
    assert.equal(long.status, 400);
    assert.match(long.text, /65 characters long; at most 64/);
    assert.equal((await send(base, 'GET', '/shared', { namespace: '' })).status, 400);
    const admin = await send(base, 'GET', '/__admin/mappings', { namespace: '../etc' });
    assert.equal(admin.status, 400);
    assert.match(admin.text, /may hold only letters/);
    const reset = await send(base, 'POST', '/__admin/decoy/namespaces/bad%20name/reset');
    assert.equal(reset.status, 400);
    assert.deepEqual((await new DecoyClient(base).namespaces()).namespaces, [], 'no namespace was made by a refused name');
  });

  it('a namespace header sent twice names no namespace: its values are read joined, as one bad name (400)', async () => {
    await start();
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      // Two header lines, as a client or proxy that adds its own may send them.
      const req = http.request(`${base}/shared`, { headers: { 'X-Decoy-Namespace': ['run-a', 'run-b'] } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 400);
    assert.match(body, /the namespace name "run-a, run-b" may hold only/);
    assert.deepEqual((await new DecoyClient(base).namespaces()).namespaces, [], 'neither namespace was made');
  });

  it('--namespace-header names the namespace by another header', async () => {
    await start({ namespaceHeader: 'X-Test-Run' });
    const admin = new DecoyClient(base, { namespace: 'job-7', namespaceHeader: 'X-Test-Run' });
    await admin.createStub({ request: { method: 'GET', url: '/mine' }, response: { status: 200, body: 'job 7' } });
    assert.deepEqual(admin.namespaceHeaders, { 'X-Test-Run': 'job-7' });
    assert.equal((await admin.namespaces()).header, 'x-test-run');
    assert.equal((await send(base, 'GET', '/mine', { namespace: 'job-7', header: 'X-Test-Run' })).text, 'job 7');
    assert.equal((await send(base, 'GET', '/mine', { namespace: 'job-7' })).status, 404, 'X-Decoy-Namespace means nothing now');
  });

  it('--namespace-path-prefix serves /ns/<name>/path as /path in namespace <name>', async () => {
    await start({ namespacePathPrefix: '/ns' });
    await new DecoyClient(base).namespace('run-9').createStub({ request: { method: 'GET', urlPath: '/mine' }, response: { status: 200, body: 'run 9' } });
    assert.equal((await send(base, 'GET', '/ns/run-9/mine')).text, 'run 9');
    assert.equal((await send(base, 'GET', '/ns/run-9/mine?x=1')).text, 'run 9');
    assert.equal((await send(base, 'POST', '/ns/run-9/cart')).status, 201);
    assert.equal((await send(base, 'GET', '/ns/run-9/cart')).text, 'full');
    assert.equal((await send(base, 'GET', '/cart')).text, 'empty');
    assert.equal((await send(base, 'GET', '/mine')).status, 404);
    const journal = await new DecoyClient(base, { namespace: 'run-9' }).requests();
    assert.deepEqual(journal.requests.map((r) => r.request.url).reverse(), ['/mine', '/mine?x=1', '/cart', '/cart'], 'the journal shows the path the namespace served');
    assert.equal((await send(base, 'GET', '/ns/bad%20name/cart')).status, 400);
  });

  it('the --verbose log line of a request names its namespace', async () => {
    const { decoy: d, log } = await startDecoy({ stubsDir: folder.dir, verbose: true });
    decoy = d;
    await send(d.url, 'GET', '/shared', { namespace: 'run-7' });
    await send(d.url, 'GET', '/shared');
    await eventually(() => log.lines.filter((l) => l.includes('GET /shared')).length === 2, 3000, 'two log lines');
    const lines = log.lines.filter((l) => l.includes('GET /shared'));
    assert.match(lines[0]!, /\[run-7\] GET \/shared → 200/);
    assert.doesNotMatch(lines[1]!, /\[/);
  });

  it('saving stubs from a namespace is refused: they would become every namespace\'s', async () => {
    await start();
    const admin = new DecoyClient(base, { namespace: 'run-a' });
    await admin.createStub({ request: { method: 'GET', url: '/mine' }, response: { status: 200 } });
    const refused = await admin.saveStubs().then((saved) => saved, (e: unknown) => e);
    assert.ok(refused instanceof DecoyClientError, `refused, not ${JSON.stringify(refused)}`);
    assert.equal(refused.status, 409);
    assert.match(refused.message, /Not saved in a namespace/);
  });
});
