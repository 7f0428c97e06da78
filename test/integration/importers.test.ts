/**
 * HAR and Pact imports: fixture files are imported, written to a temp stubs folder with the folder's
 * recording writer, served by a real Decoy, and answered as the HAR recorded or the contract says.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Decoy } from '../../src/index.js';
import type { StubDefinition } from '../../src/core/stub-definition.js';
import { StubFolder } from '../../src/sources/stub-folder.js';
import { importHar } from '../../src/sources/importers/har.js';
import { importPact } from '../../src/sources/importers/pact.js';
import { silentLogger } from '../../src/observability/logger.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

const fixtures = fileURLToPath(new URL('../fixtures/import/', import.meta.url));

/** Writes imported stubs as files, then serves the folder. */
async function serveImported(stubs: StubDefinition[]): Promise<{ decoy: Decoy; dir: string; files: string[]; cleanup(): Promise<void> }> {
  const tmp = tempStubs();
  const folder = new StubFolder({ dir: tmp.dir, logger: silentLogger(), nextSequence: (() => { let n = 0; return () => ++n; })(), onChange: () => {} });
  const { files } = await folder.saveRecorded(stubs.map((definition, i) => ({ name: `imported-${i + 1}`, definition })));
  await folder.close();
  const { decoy, log } = await startDecoy({ stubsDir: tmp.dir });
  assert.equal(decoy.loadReport?.errors.length ?? 0, 0, log.text());
  return { decoy, dir: tmp.dir, files, cleanup: async () => { await decoy.stop(); tmp.cleanup(); } };
}

describe('importers', () => {
  describe('HAR', () => {
    it('keeps the API calls of a browser session and says what it skipped', async () => {
      const { stubs, warnings } = await importHar([path.join(fixtures, 'shop.har')]);
      assert.deepEqual(stubs.map((s) => s.name), ['GET /api/products', 'POST /api/cart', 'GET /api/avatar/u-1', 'DELETE /api/cart/c-77/items/p-1']);
      const text = warnings.join('\n');
      for (const reason of ['a static asset', 'a data: URL', 'a repeat of an earlier request', 'a CORS preflight', '304 Not Modified (no body to replay)', 'aborted (status 0)']) {
        assert.ok(text.includes(reason), `no warning about ${reason} in:\n${text}`);
      }
      assert.ok(text.includes('skipped 4 entries: a static asset'), text);
      assert.ok(text.includes('skipped 1 entry: a data: URL'), text);
    });

    it('masks credentials and drops transfer headers', async () => {
      const { stubs } = await importHar([path.join(fixtures, 'shop.har')]);
      const json = JSON.stringify(stubs);
      for (const secret of ['eyJhbGciOiJIUzI1NiJ9', 's3cr3t-session-id']) assert.ok(!json.includes(secret), `${secret} leaked: ${json}`);
      const products = stubs[0]!;
      assert.deepEqual(Object.keys(products.response!.headers as object).sort(), ['cache-control', 'content-type']);
      // The cookie's value is masked; its name and attributes are kept, so replay sets the same cookie.
      assert.match((stubs[1]!.response!.headers as Record<string, string>)['set-cookie']!, /^[^=]+=<redacted>(;|$)/);
    });

    it('serves what the HAR recorded once written to a stubs folder', async function () {
      const { stubs } = await importHar([path.join(fixtures, 'shop.har')]);
      const served = await serveImported(stubs);
      try {
        assert.equal(served.files.length, 4);
        const products = await get(`${served.decoy.url}/api/products?page=1&sort=price`);
        assert.equal(products.status, 200);
        assert.equal(products.headers.get('content-type'), 'application/json');
        assert.equal(JSON.parse(products.text).items[0].name, 'Teapot');
        const cart = await get(`${served.decoy.url}/api/cart`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ quantity: 2, productId: 'p-1' }) });
        assert.equal(cart.status, 201);
        assert.equal(cart.headers.get('location'), '/api/cart/c-77');
        assert.equal(JSON.parse(cart.text).cartId, 'c-77');
        const avatar = await fetch(`${served.decoy.url}/api/avatar/u-1`);
        assert.deepEqual([...new Uint8Array(await avatar.arrayBuffer())], [...Array(16).keys()]);
        assert.equal((await get(`${served.decoy.url}/api/cart/c-77/items/p-1`, { method: 'DELETE' })).status, 204);
        // A different query is not what was recorded.
        assert.equal((await get(`${served.decoy.url}/api/products?page=2&sort=price`)).status, 404);
      } finally {
        await served.cleanup();
      }
    });

    it('rejects a file that is not a HAR with a clear error', async () => {
      await assert.rejects(importHar([path.join(fixtures, 'orders-v2.pact.json')]), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'DECOY_ERR_IMPORT_INVALID');
        assert.match(e.message, /orders-v2\.pact\.json is not a HAR file: it has no log\.entries list/);
        return true;
      });
    });

    it('review B item 23: a missing file said "is not a HAR file: ENOENT"; now it says the file is missing', async () => {
      for (const [run, what] of [[importHar, 'HAR'], [importPact, 'Pact']] as const) {
        await assert.rejects(run([path.join(fixtures, 'nope.json')]), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'DECOY_ERR_IMPORT_INVALID');
          assert.match(e.message, /cannot read .*nope\.json: no such file$/, what);
          return true;
        });
      }
    });
  });

  describe('Pact', () => {
    it('turns v2 matching rules into matchers', async () => {
      const { stubs } = await importPact([path.join(fixtures, 'orders-v2.pact.json')]);
      assert.equal(stubs.length, 3);
      const create = stubs[1]!;
      assert.deepEqual(create.request!.headers!['X-Request-Id'], { matches: '[0-9a-f]{6}' });
      assert.deepEqual(create.request!.bodyPatterns, [
        { equalToJson: '{"customerId":"${json-unit.ignore}","lines":[{"sku":"TEA-1","quantity":2}],"note":"${json-unit.ignore}"}' },
        { matchesJsonPath: { expression: '$.customerId', matches: 'c-\\d+' } },
        { matchesJsonPath: '$.note' },
      ]);
      assert.equal(stubs[2]!.request!.urlPathPattern, '/orders/\\d+');
      assert.deepEqual(stubs[0]!.metadata, { importedFrom: 'pact', consumer: 'web-shop', provider: 'orders-api', providerStates: ['order 42 exists'] });
    });

    it('answers a v2 contract as the contract says', async () => {
      const { stubs } = await importPact([path.join(fixtures, 'orders-v2.pact.json')]);
      const served = await serveImported(stubs);
      try {
        const order = await get(`${served.decoy.url}/orders/42?fields=id%2Ctotal&fields=status`, { headers: { Accept: 'application/json' } });
        assert.equal(order.status, 200);
        assert.deepEqual(JSON.parse(order.text), { id: 42, total: 99.5, status: 'paid' });
        assert.equal(order.headers.get('content-type'), 'application/json; charset=utf-8');
        const created = await get(`${served.decoy.url}/orders`, {
          method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'abc123' },
          body: JSON.stringify({ customerId: 'c-12345', lines: [{ sku: 'TEA-1', quantity: 2 }], note: 'ring twice' }),
        });
        assert.equal(created.status, 201);
        assert.equal(created.headers.get('location'), '/orders/43');
        // The regex rule on customerId is enforced.
        const wrong = await get(`${served.decoy.url}/orders`, {
          method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'abc123' },
          body: JSON.stringify({ customerId: 'x-1', lines: [{ sku: 'TEA-1', quantity: 2 }], note: 'n' }),
        });
        assert.equal(wrong.status, 404);
        assert.deepEqual(JSON.parse((await get(`${served.decoy.url}/orders/9001`)).text), { id: 7, status: 'open' });
      } finally {
        await served.cleanup();
      }
    });

    it('answers a v3 contract as the contract says, and warns about generators', async () => {
      const { stubs, warnings } = await importPact([path.join(fixtures, 'users-v3.pact.json')]);
      assert.ok(warnings.some((w) => w.includes('response generators are not applied')), warnings.join('\n'));
      assert.deepEqual(stubs[0]!.request!.queryParameters, { name: { equalTo: 'ada' }, page: { matches: '-?\\d+' } });
      const served = await serveImported(stubs);
      try {
        const found = await get(`${served.decoy.url}/users?name=ada&page=3`, { headers: { Accept: 'application/json' } });
        assert.equal(found.status, 200);
        assert.deepEqual(JSON.parse(found.text), [{ id: 'u-1', name: 'Ada Lovelace' }]);
        assert.equal((await get(`${served.decoy.url}/users?name=ada&page=x`, { headers: { Accept: 'application/json' } })).status, 404);
        const put = (email: string, version: unknown) => get(`${served.decoy.url}/users/u-2`, {
          method: 'PUT', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify({ email, version }),
        });
        assert.equal((await put('grace@example.org', 9)).status, 204);
        assert.equal((await put('not-an-email', 9)).status, 404);
        assert.equal((await put('grace@example.org', 'nine')).status, 404);
      } finally {
        await served.cleanup();
      }
    });

    it('reads the HTTP interactions of a v4 file, unwrapping its bodies', async () => {
      const tmp = tempStubs({ 'v4.json': JSON.stringify({
        consumer: { name: 'c' }, provider: { name: 'p' }, metadata: { pactSpecification: { version: '4.0' } },
        interactions: [
          { type: 'Synchronous/HTTP', description: 'ping', request: { method: 'POST', path: '/ping', body: { content: { a: 1 }, contentType: 'application/json', encoded: false } },
            response: { status: 200, body: { content: 'cG9uZw==', contentType: 'text/plain', encoded: 'base64' } } },
          { type: 'Asynchronous/Messages', description: 'an event', contents: { content: {} } },
        ],
      }) });
      try {
        const { stubs, warnings } = await importPact([path.join(tmp.dir, 'v4.json')]);
        assert.equal(stubs.length, 1);
        assert.deepEqual(stubs[0]!.request!.bodyPatterns, [{ equalToJson: '{"a":1}' }]);
        assert.equal(stubs[0]!.response!.body, 'pong');
        assert.match(warnings.join('\n'), /message and plugin interactions are skipped/);
      } finally {
        tmp.cleanup();
      }
    });

    it('writes stub files that read back as the same definitions', async () => {
      const { stubs } = await importPact([path.join(fixtures, 'users-v3.pact.json'), path.join(fixtures, 'orders-v2.pact.json')]);
      const served = await serveImported(stubs);
      try {
        const written = readdirSync(served.dir).filter((f) => f.endsWith('.yaml'));
        assert.equal(written.length, 5);
        assert.match(readFileSync(path.join(served.dir, written[0]!), 'utf8'), /importedFrom: pact/);
      } finally {
        await served.cleanup();
      }
    });
  });
});
