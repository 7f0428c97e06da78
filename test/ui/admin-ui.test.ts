/**
 * The web admin UI in a real browser (Debian's Chromium, headless, driven by playwright-core) against a
 * real Decoy: what a developer and a tester do with it, each step checked by what the page shows and
 * what a client of the mock sees. Every test saves a screenshot into test/ui/screenshots/.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Decoy, DecoyOptions } from '../../src/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { startReceiver } from '../support/receiver.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import autocannon from 'autocannon';
import { hasChromium, launchBrowser, screenshot, type Browser } from './browser.js';

const STUBS = `- name: list orders
  request: { method: GET, urlPath: /orders }
  response: { status: 200, jsonBody: { orders: [] } }
- name: one order
  request: { method: GET, urlPathPattern: "/orders/[0-9]+" }
  response: { status: 200, jsonBody: { id: 1 } }
`;

/** `amount` requests as fast as loopback allows (pipelined), nine in ten to a stub and one to no stub. */
function loadTraffic(url: string, amount: number): Promise<autocannon.Result> {
  const requests = [...Array.from({ length: 9 }, () => ({ method: 'GET' as const, path: '/orders' })), { method: 'GET' as const, path: '/missing' }];
  return autocannon({ url, amount, connections: 10, pipelining: 10, requests });
}

describe('web admin UI (browser)', function () {
  this.timeout(30_000);
  let browser: Browser;
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy | undefined;
  let page: Page;

  before(async function () {
    if (!hasChromium()) {
      console.warn('    /usr/bin/chromium is missing: apt-get install -y chromium (as .ci/run does) to run the browser tests');
      this.skip();
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await page?.close();
    await decoy?.stop();
    decoy = undefined;
    folder?.cleanup();
  });

  /** A Decoy on the stubs above and the UI open in a new page, its live stream connected. */
  async function open(options: Partial<DecoyOptions> = {}, tab?: string, stubs = STUBS): Promise<Page> {
    folder = tempStubs({ 'orders.yaml': stubs });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, ...options }));
    page = await browser.newPage();
    await page.goto(`${decoy.url}/__admin/ui/${tab ? `#${encodeURIComponent(tab)}` : ''}`);
    return page;
  }

  const live = (p: Page) => p.locator('[data-testid=stream-state][data-state=live]').waitFor();
  const call = (pathAndQuery: string, init?: RequestInit) => fetch(`${decoy!.url}${pathAndQuery}`, init);

  it('creates a stub in the UI, shows a validation error on its line, and the stub answers', async () => {
    const p = await open();
    await live(p);
    await p.getByTestId('stub-new').click();
    const text = p.getByTestId('stub-text');
    await text.fill('request:\n  method: GET\n  urlPath: /greeting\nresponse:\n  status: "two hundred"\n  body: hello from the UI\n');
    await p.getByTestId('stub-save').click();
    const problems = p.getByTestId('stub-problems');
    await problems.getByText('line 5').waitFor();
    assert.match(await problems.innerText(), /status/);
    await text.fill('name: greeting\nrequest:\n  method: GET\n  urlPath: /greeting\nresponse:\n  status: 200\n  body: hello from the UI\n');
    await p.getByTestId('stub-save').click();
    const row = p.locator('[data-testid=stub-row]', { hasText: '/greeting' });
    await row.waitFor();
    const res = await call('/greeting');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from the UI');
    // The match count follows without a reload.
    await row.locator('[data-testid=stub-count]', { hasText: '1' }).waitFor();
    assert.match(await row.innerText(), /api \(unsaved\)/);
    await screenshot(p, 'create-stub');
  });

  it('marks a stub that breaks the API contract (--contract) with a badge: the violations on hover and listed when opened; a stub that keeps it has none', async () => {
    const orders = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../fixtures/openapi/contract/orders.yaml');
    const stubs = `- name: good order
  request: { method: GET, urlPath: /api/orders/1 }
  response: { status: 200, jsonBody: { id: 1, status: paid, total: 9.5 } }
- name: lost order
  request: { method: GET, urlPath: /api/orders/2 }
  response: { status: 200, jsonBody: { id: 2, status: lost, total: 1 } }
`;
    const p = await open({ contract: [orders] }, undefined, stubs);
    const bad = p.locator('[data-testid=stub-row]', { hasText: 'lost order' });
    const good = p.locator('[data-testid=stub-row]', { hasText: 'good order' });
    const badge = bad.getByTestId('contract-badge');
    await badge.waitFor();
    assert.equal(await good.getByTestId('contract-badge').count(), 0);
    assert.match(await badge.locator('summary').getAttribute('title') ?? '', /response-body: response\.jsonBody at \/status must be equal to one of the allowed values/);
    await badge.locator('summary').click();
    const list = badge.getByTestId('contract-violations');
    await list.waitFor();
    assert.match(await list.innerText(), /response-body response\.jsonBody\/status: .*GET \/orders\/\{orderId\} \(getOrder\), .*orders\.yaml/s);
    await screenshot(p, 'contract-badge');
  });

  it('picks another service of the same process, and shows that service\'s stubs and live traffic', async () => {
    const payments = tempStubs({ 'charges.yaml': '- name: charge\n  request: { method: POST, urlPath: /charges }\n  response: { status: 201, jsonBody: { id: ch_1 } }\n' });
    try {
      const p = await open({ services: [{ name: 'payments', port: 0, stubsDir: payments.dir }] }, 'Live log');
      await live(p);
      const picker = p.getByTestId('service-picker');
      await picker.waitFor();
      assert.deepEqual(await picker.locator('option').allInnerTexts(), ['default (:' + decoy!.port + ')', 'payments (:' + decoy!.service('payments')!.port + ')']);
      await picker.selectOption({ label: 'payments (:' + decoy!.service('payments')!.port + ')' });
      await live(p);
      // Traffic to the main service does not show in the payments service's log; its own does.
      assert.equal((await call('/orders')).status, 200);
      const res = await fetch(`${decoy!.service('payments')!.url}/charges`, { method: 'POST' });
      assert.equal(res.status, 201);
      await p.locator('[data-testid=log-row][data-url="/charges"]').waitFor();
      assert.equal(await p.locator('[data-testid=log-row][data-url="/orders"]').count(), 0, 'the main service\'s request is not in this log');
      await p.getByTestId('tab-stubs').click();
      await p.locator('[data-testid=stub-row]', { hasText: '/charges' }).waitFor();
      assert.equal(await p.locator('[data-testid=stub-row]', { hasText: '/orders' }).count(), 0, 'only the payments stubs are listed');
      await screenshot(p, 'service-picker');
    } finally {
      payments.cleanup();
    }
  });

  it('opened on a service\'s port, the picker showed "default" with that service\'s data: it starts on the service that owns the port', async () => {
    const payments = tempStubs({ 'charges.yaml': '- name: charge\n  request: { method: POST, urlPath: /charges }\n  response: { status: 201, jsonBody: { id: ch_1 } }\n' });
    try {
      await (await open({ services: [{ name: 'payments', port: 0, stubsDir: payments.dir }] })).close();
      const p = await browser.newPage();
      page = p;
      await p.goto(`${decoy!.service('payments')!.url}/__admin/ui/`);
      const picker = p.getByTestId('service-picker');
      await picker.waitFor();
      await p.locator('[data-testid=stub-row]', { hasText: '/charges' }).waitFor();
      assert.equal(await picker.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]!.textContent), `payments (:${decoy!.service('payments')!.port})`);
      assert.equal(await p.locator('[data-testid=stub-row]', { hasText: '/orders' }).count(), 0);
    } finally {
      payments.cleanup();
    }
  });

  it('picks a namespace, and shows that namespace\'s stubs and requests only; (default) shows neither', async () => {
    const p = await open({}, 'Live log');
    await live(p);
    const run = { 'X-Decoy-Namespace': 'run-42' };
    const created = await call('/__admin/mappings', { method: 'POST', headers: run, body: JSON.stringify({ name: 'run 42 only', request: { method: 'GET', url: '/mine' }, response: { status: 200 } }) });
    assert.equal(created.status, 201);
    assert.equal((await call('/mine', { headers: run })).status, 200);
    assert.equal((await call('/orders')).status, 200);
    await p.locator('[data-testid=log-row][data-url="/orders"]').waitFor();
    assert.equal(await p.locator('[data-testid=log-row][data-url="/mine"]').count(), 0, 'the namespace\'s request is not in the default log');
    const picker = p.getByTestId('namespace-picker');
    await picker.focus();
    await picker.locator('option', { hasText: 'run-42' }).waitFor({ state: 'attached' });
    await picker.selectOption('run-42');
    await live(p);
    await p.locator('[data-testid=log-row][data-url="/mine"]').waitFor();
    assert.equal(await p.locator('[data-testid=log-row][data-url="/orders"]').count(), 0, 'the default namespace\'s request is not in run-42\'s log');
    // A request in the namespace shows without a reload.
    assert.equal((await call('/orders/3', { headers: run })).status, 200);
    await p.locator('[data-testid=log-row][data-url="/orders/3"]').waitFor();
    await p.getByTestId('tab-stubs').click();
    await p.locator('[data-testid=stub-row]', { hasText: '/mine' }).waitFor();
    await p.locator('[data-testid=stub-row]', { hasText: '/orders' }).first().waitFor();
    await screenshot(p, 'namespace-picker');
    await picker.selectOption('');
    await p.locator('[data-testid=stub-row]', { hasText: '/orders' }).first().waitFor();
    assert.equal(await p.locator('[data-testid=stub-row]', { hasText: '/mine' }).count(), 0, 'the namespace\'s stub is not the default one\'s');
  });

  it('shows each request in the live log as it happens, without a reload', async () => {
    const p = await open({}, 'Live log');
    await live(p);
    await p.evaluate(() => { (window as unknown as { notReloaded: boolean }).notReloaded = true; });
    assert.equal(await p.getByTestId('log-row').count(), 0);
    assert.equal((await call('/orders')).status, 200);
    const row = p.locator('[data-testid=log-row][data-url="/orders"]');
    await row.waitFor();
    assert.match(await row.innerText(), /GET[\s\S]*\/orders[\s\S]*200[\s\S]*list orders/);
    assert.equal((await call('/orders/7')).status, 200);
    await p.locator('[data-testid=log-row][data-url="/orders/7"]').waitFor();
    assert.equal(await p.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page was not reloaded');
    await row.click();
    await p.getByTestId('request-detail').getByText('"orders"').waitFor();
    await screenshot(p, 'live-log');
  });

  it('a reconnect kept rows the journal no longer holds, above the journal\'s: after it the log is the journal\'s, newest first', async () => {
    const p = await open({}, 'Live log');
    await live(p);
    assert.equal((await call('/orders')).status, 200);
    await p.locator('[data-testid=log-row][data-url="/orders"]').waitFor();
    // The server restarts on the same port (a new, empty journal); traffic goes on before the tab reconnects.
    const port = decoy!.port;
    await decoy!.stop();
    await p.locator('[data-testid=stream-state]:not([data-state=live])').waitFor();
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, port }));
    assert.equal((await call('/orders/7')).status, 200);
    assert.equal((await call('/orders/8')).status, 200);
    await live(p);
    await p.locator('[data-testid=log-row][data-url="/orders/8"]').waitFor();
    await eventually(async () => (await p.locator('[data-testid=log-row][data-url="/orders"]').count()) === 0, 5000, 'the cleared row to go');
    const urls = await p.locator('[data-testid=log-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-url')));
    assert.deepEqual(urls, ['/orders/8', '/orders/7']);
  });

  it('opens an unmatched request and shows its near-miss diff against the closest stubs', async () => {
    const p = await open({}, 'Live log');
    await live(p);
    assert.equal((await call('/orders')).status, 200);
    assert.equal((await call('/orders/42')).status, 200);
    assert.equal((await call('/orderz?page=2', { method: 'GET' })).status, 404);
    const row = p.locator('[data-testid=log-row][data-url="/orderz?page=2"]');
    await row.waitFor();
    assert.match((await row.getAttribute('class')) ?? '', /unmatched/, 'an unmatched request stands out');
    await row.click();
    const diff = p.getByTestId('near-miss-diff');
    await diff.waitFor();
    const miss = diff.locator('tr.miss');
    assert.equal(await miss.count(), 1, 'one field differs');
    assert.match(await miss.innerText(), /Path[\s\S]*\/orders[\s\S]*\/orderz[\s\S]*does not match/);
    assert.match(await p.getByTestId('near-miss').innerText(), /Closest: list orders \(orders\.yaml\)/);
    await screenshot(p, 'near-miss');
  });

  it('shows which part of the closest GraphQL stub a GraphQL request missed: the field, in GraphQL terms', async () => {
    const stubs = `- name: get user
  request: { method: POST, urlPath: /graphql, graphql: { query: "query GetUser { user { name email } }" } }
  response: { status: 200, body: { data: { user: { name: Ada, email: a@example.com } } } }
`;
    const p = await open({}, 'Live log', stubs);
    await live(p);
    const res = await fetch(`${decoy!.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query GetUser { user { name avatar } }' }) });
    assert.equal(res.status, 404);
    const row = p.locator('[data-testid=log-row][data-url="/graphql"]');
    await row.waitFor();
    await row.click();
    const miss = p.getByTestId('near-miss-diff').locator('tr.miss');
    await miss.waitFor();
    assert.match(await miss.innerText(), /GraphQL[\s\S]*query GetUser[\s\S]*field user\.email is not in the request's query \(it asks for user\.avatar instead\)/);
    await screenshot(p, 'near-miss-graphql');
  });

  it('names the GraphQL operation of each matched GraphQL request in the log, and filters by it', async () => {
    const stubs = `- name: graphql users
  request: { method: POST, urlPath: /graphql, graphql: { operationName: GetUser } }
  response: { status: 200, body: { data: { user: null } } }
- name: graphql orders
  request: { method: POST, urlPath: /graphql, graphql: { operationName: ListOrders } }
  response: { status: 200, body: { data: { orders: [] } } }
`;
    const p = await open({}, 'Live log', stubs);
    await live(p);
    for (const query of ['query GetUser { user { id } }', 'query ListOrders { orders { id } }']) {
      const res = await fetch(`${decoy!.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      assert.equal(res.status, 200);
    }
    await eventually(async () => (await p.getByTestId('log-operation').count()) === 2, 5000, 'both rows');
    assert.deepEqual((await p.getByTestId('log-operation').allInnerTexts()).sort(), ['GetUser', 'ListOrders']);
    await p.getByPlaceholder('filter: method, path, operation, status, stub').fill('listorders');
    await eventually(async () => (await p.locator('[data-testid=log-row]').count()) === 1, 5000, 'the filter');
    assert.equal(await p.getByTestId('log-operation').innerText(), 'ListOrders');
    await screenshot(p, 'log-graphql-operations');
  });

  it('shows the webhooks a request caused beside it: the retry after a 503 and the delivery, with the body sent', async () => {
    const receiver = await startReceiver([503, 200]);
    try {
      const p = await open({}, 'Live log', `${STUBS}- name: pay
  request: { method: POST, urlPath: /pay }
  response: { status: 202 }
  webhooks:
    - { method: POST, url: "${receiver.url}/hooks/payment", body: { paid: true }, retry: { maxAttempts: 3, backoffMs: 50 } }
`);
      await live(p);
      assert.equal((await call('/pay', { method: 'POST' })).status, 202);
      await receiver.waitFor(2);
      const row = p.locator('[data-testid=log-row][data-url="/pay"]');
      await row.waitFor();
      await row.click();
      const attempts = p.getByTestId('webhook-attempt');
      await eventually(async () => (await attempts.count()) === 2, 5_000, 'two webhook attempts in the detail');
      assert.match(await attempts.nth(0).innerText(), /POST http:\/\/127\.0\.0\.1:\d+\/hooks\/payment · 503 · retrying/);
      assert.match(await attempts.nth(1).innerText(), /200 · delivered · attempt 2/);
      await attempts.nth(1).locator('summary').click();
      assert.match(await attempts.nth(1).innerText(), /"paid": true/);
      await screenshot(p, 'webhooks');
    } finally {
      await receiver.close();
    }
  });

  it('adds a chaos rule from the page, and the next matching request fails as the rule says', async () => {
    const p = await open({}, 'Chaos');
    await live(p);
    const form = p.getByTestId('chaos-form');
    await form.locator('input[name=urlPathPattern]').fill('/orders.*');
    await form.locator('select[name=action]').selectOption('error');
    await form.locator('input[name=value]').fill('503');
    await form.locator('input[name=hits]').fill('1');
    await p.getByTestId('chaos-add').click();
    const rule = p.getByTestId('chaos-rule');
    await rule.getByText('1 hits left').waitFor();
    assert.match(await rule.innerText(), /\/orders\.\*[\s\S]*503/);
    const failed = await call('/orders');
    assert.equal(failed.status, 503);
    assert.equal(await failed.text(), 'chaos: 503');
    assert.equal((await call('/orders')).status, 200, 'the rule had one hit');
    await p.getByTestId('tab-live-log').click();
    const row = p.locator('[data-testid=log-row][data-status="503"]');
    await row.waitFor();
    assert.match(await row.innerText(), /503/);
    await p.getByTestId('tab-chaos').click();
    await eventually(async () => (await p.getByTestId('chaos-rule').count()) === 0, 5_000, 'the spent rule to leave the page');
    await p.getByTestId('tab-live-log').click();
    await screenshot(p, 'chaos-rule');
  });

  it('the Resources tab shows what clients created, and resets a resource to its seed', async () => {
    const p = await open({}, 'Resources', 'resource: /carts\nids: sequential\nitems:\n  - { id: 1, owner: ada }\n');
    await live(p);
    const row = p.getByTestId('resource-row');
    await row.getByText('/carts').waitFor();
    assert.equal(await p.getByTestId('resource-count').innerText(), '1');
    assert.equal((await call('/carts', { method: 'POST', body: JSON.stringify({ owner: 'bob' }) })).status, 201);
    await eventually(async () => (await p.getByTestId('resource-count').innerText()) === '2', 5_000, 'the new item to be counted');
    await eventually(async () => /"owner": "bob"/.test(await p.getByTestId('resource-items').innerText()), 5_000, 'the new item to show');
    await screenshot(p, 'resources');
    await p.getByTestId('resource-reset').click();
    await eventually(async () => (await p.getByTestId('resource-count').innerText()) === '1', 5_000, 'the reset to show');
    await eventually(async () => !/bob/.test(await p.getByTestId('resource-items').innerText()), 5_000, 'the items to show the seed again');
    assert.equal((await (await call('/carts')).json() as unknown[]).length, 1);
  });

  it('a fault switched on for a path-template stub shows in the Chaos tab with its template and header, not as a bare "GET" that reads as every GET', async () => {
    const stubs = `${STUBS}- name: one user
  request: { method: GET, urlPathTemplate: "/users/{id}", headers: { Accept: { equalTo: application/json } } }
  response: { status: 200, jsonBody: { id: 7 } }
`;
    const p = await open({}, undefined, stubs);
    await live(p);
    const row = p.locator('[data-testid=stub-row]', { hasText: '/users/{id}' });
    await row.waitFor();
    await row.getByLabel('fault switch').selectOption('503');
    await eventually(async () => (await call('/users/7', { headers: { Accept: 'application/json' } })).status === 503, 5_000, 'the switched-on fault to answer');
    assert.equal((await call('/orders')).status, 200, 'another GET is untouched');
    await p.getByTestId('tab-chaos').click();
    const matches = p.getByTestId('chaos-rule-matches');
    await matches.waitFor();
    const text = await matches.innerText();
    assert.match(text, /^GET \/users\/\{id\}/, text);
    assert.match(text, /header Accept = application\/json/, text);
    await screenshot(p, 'chaos-rule-from-switch');
  });

  it('the Recording tab says "Not started" in words before a first recording, not the API\'s "NeverStarted"', async () => {
    const p = await open({}, 'Recording');
    await live(p);
    const status = p.getByTestId('record-status');
    await p.locator('[data-testid=record-status][data-status=NeverStarted]').waitFor();
    assert.equal(await status.innerText(), 'Not started');
  });

  it('starts a recording against a real upstream, shows what it captured, and stops it into stubs', async () => {
    let upstream: Upstream | undefined;
    try {
      upstream = await startUpstream((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"items":[1,2,3]}');
      });
      const p = await open({}, 'Recording');
      await live(p);
      await p.getByTestId('record-target').fill(upstream.url);
      await p.getByTestId('record-start').click();
      await p.getByTestId('record-status').getByText('Recording').waitFor();
      const proxied = await call('/api/items');
      assert.equal(proxied.status, 200);
      assert.equal(await proxied.text(), '{"items":[1,2,3]}');
      await p.getByTestId('record-captured').getByText('/api/items').waitFor();
      await p.getByTestId('record-stop').click();
      await p.getByTestId('record-status').getByText('Stopped').waitFor();
      const result = p.getByTestId('record-result');
      await result.locator('td.mono', { hasText: '/api/items' }).waitFor();
      await p.getByText(/Written to: /).waitFor();
      const written = (await p.getByText(/Written to: /).innerText()).replace('Written to: ', '').split(', ');
      assert.ok(written.length >= 1 && written.every((f) => existsSync(path.join(folder.dir, f))), `recorded files exist: ${written.join(', ')}`);
      assert.match(readFileSync(path.join(folder.dir, written[0]!), 'utf8'), /api\/items/);
      const replayed = await call('/api/items');
      assert.equal(await replayed.text(), '{"items":[1,2,3]}');
      assert.equal(upstream.requests.length, 1, 'the replay came from the recorded stub, not the upstream');
      await screenshot(p, 'recording');
    } finally {
      await upstream?.close();
    }
  });

  it('the recording tab says what was redacted, and with "Mask personal data" the written stubs hold neither the token nor the e-mail', async () => {
    let upstream: Upstream | undefined;
    try {
      upstream = await startUpstream((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"access_token":"ui-Secret-Token-4711","email":"grace.hopper@corp-mail.test"}');
      });
      const p = await open({}, 'Recording');
      await live(p);
      await p.getByTestId('record-target').fill(upstream.url);
      await p.getByTestId('record-mask-pii').check();
      await p.getByTestId('record-start').click();
      await p.getByTestId('record-status').getByText('Recording').waitFor();
      assert.equal((await call('/api/session')).status, 200);
      await p.getByTestId('record-captured').getByText('/api/session').waitFor();
      await p.getByTestId('record-stop').click();
      const summary = await p.getByTestId('record-redaction').innerText();
      assert.match(summary, /^redacted 2 values in 1 exchange: 1 JSON member, 1 e-mail address$/);
      const written = (await p.getByText(/Written to: /).innerText()).replace('Written to: ', '').split(', ');
      const text = readFileSync(path.join(folder.dir, written[0]!), 'utf8');
      assert.ok(!text.includes('ui-Secret-Token-4711') && !text.includes('grace.hopper'), text);
      await screenshot(p, 'recording-redaction');
    } finally {
      await upstream?.close();
    }
  });

  it('asks for the admin token once, and keeps it for the tab', async () => {
    const p = await open({ adminToken: 's3cret' });
    const dialog = p.getByTestId('token-dialog');
    await dialog.waitFor();
    await dialog.locator('input').fill('s3cret');
    await dialog.locator('button').click();
    await live(p);
    await p.locator('[data-testid=stub-row]', { hasText: 'list orders' }).waitFor();
    await p.reload();
    await live(p);
    assert.equal(await p.getByTestId('token-dialog').count(), 0, 'not asked again after a reload');
    await screenshot(p, 'token');
  });

  it('keeps a log of 10,000 requests virtualized: only the rows in view are in the page', async () => {
    const p = await open({}, 'Live log');
    // Fill the journal (its default size) before the page loads it: 10,000 requests, one in ten unmatched.
    // A few more than the journal keeps: it holds the newest 10,000, and so does the page.
    await loadTraffic(`${decoy!.url}`, 10_500);
    await p.reload();
    await live(p);
    await p.getByTestId('log-count').getByText('10000 of 10000').waitFor();
    const rowsInDom = await p.getByTestId('log-row').count();
    assert.ok(rowsInDom > 5 && rowsInDom < 80, `rows in the DOM: ${rowsInDom}`);
    // Each row is placed at its index × the row height: after scrolling to the middle, only rows near row 5000 exist.
    const ROW = 28;
    await p.getByTestId('log-list').evaluate((el, y) => { el.scrollTop = y; el.dispatchEvent(new Event('scroll')); }, ROW * 5000);
    const indexes = async () => (await p.getByTestId('log-row').evaluateAll((rows) => rows.map((r) => Math.round(parseFloat((r as HTMLElement).style.top) / 28)))) as number[];
    await eventually(async () => (await indexes()).includes(5000), 5_000, 'the rows around row 5000');
    const after = await indexes();
    assert.ok(after.length < 80 && after.every((i) => Math.abs(i - 5000) < 80), `rows in the DOM after scrolling: ${after.length}, ${Math.min(...after)}..${Math.max(...after)}`);
    assert.equal(await p.locator('[data-testid=log-row].unmatched').count() > 0, true, 'unmatched rows are marked among them');
    await screenshot(p, 'log-10000');
  });
});
