/**
 * `--contract FILE` / `--contract-strict`: stubs from files, the admin API and recordings checked
 * against an OpenAPI document, on a real Decoy, with what a client and an operator see.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decoy } from '../../src/index.js';
import { eventually, get, startDecoy, tempStubs } from '../support/decoy.js';

const ORDERS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/openapi/contract/orders.yaml');

const STUBS = {
  'orders.yaml': `
- name: one order
  request: { method: GET, urlPath: /api/orders/1 }
  response: { status: 200, jsonBody: { id: 1, status: paid, total: 9.5 } }
- name: lost order
  request: { method: GET, urlPath: /api/orders/2 }
  response: { status: 200, jsonBody: { id: 2, status: lost, total: 1 } }
- name: teapot
  request: { method: GET, urlPath: /api/orders/3 }
  response: { status: 418 }
`,
};

const BAD_OVER_API = { name: 'refunds', request: { method: 'GET', urlPath: '/api/refunds' }, response: { status: 200, jsonBody: [] } };
const GOOD_OVER_API = { name: 'mine', request: { method: 'GET', urlPath: '/api/orders/mine' }, response: { status: 200, jsonBody: [] } };

describe('contract-checked stubs (--contract)', function () {
  this.timeout(30_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy | undefined;
  beforeEach(() => { folder = tempStubs(STUBS); });
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    folder.cleanup();
  });

  describe('soft mode (default)', () => {
    it('loads a stub that breaks the contract with a warning naming the file, line, stub and rule; its answers carry X-Decoy-Contract: violated', async () => {
      const started = await startDecoy({ stubsDir: folder.dir, contract: [ORDERS] });
      decoy = started.decoy;
      const log = started.log.text();
      assert.match(log, /orders\.yaml:5 stub lost order: breaks the contract \(response-body\): response\.jsonBody at \/status must be equal to one of the allowed values \(schema rule enum at [^)]+\)/);
      assert.match(log, /orders\.yaml:8 stub teapot: breaks the contract \(status\): response\.status 418 is not a documented response of GET \/orders\/\{orderId\} \(getOrder\) \(documented: 200, 404\)/);
      assert.doesNotMatch(log, /one order: breaks/);
      const good = await get(`${decoy.url}/api/orders/1`);
      assert.equal(good.status, 200);
      assert.equal(good.headers.get('x-decoy-contract'), null);
      const lost = await get(`${decoy.url}/api/orders/2`);
      assert.equal(lost.status, 200);
      assert.equal(lost.headers.get('x-decoy-contract'), 'violated');
      assert.equal((await get(`${decoy.url}/api/orders/3`)).headers.get('x-decoy-contract'), 'violated');
    });

    it('marks the stub in the admin API (metadata.decoy.contract.violations, what the UI shows)', async () => {
      decoy = (await startDecoy({ stubsDir: folder.dir, contract: [ORDERS] })).decoy;
      const { mappings } = await (await fetch(`${decoy.url}/__admin/mappings`)).json() as { mappings: Array<{ name: string; metadata?: { decoy?: { contract?: { violations: Array<{ rule: string; field: string }> } } } }> };
      const byName = new Map(mappings.map((m) => [m.name, m]));
      assert.deepEqual(byName.get('lost order')!.metadata!.decoy!.contract!.violations.map((v) => [v.rule, v.field]), [['response-body', 'response.jsonBody/status']]);
      assert.equal(byName.get('one order')!.metadata, undefined);
    });

    it('a stub posted over the admin API that breaks the contract is created (201), logged and marked', async () => {
      const started = await startDecoy({ stubsDir: folder.dir, contract: [ORDERS] });
      decoy = started.decoy;
      const res = await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify(BAD_OVER_API) });
      assert.equal(res.status, 201);
      assert.match(started.log.text(), /stub "refunds" breaks the contract \(path\): request\.urlPath "\/api\/refunds" is not a path of the contract/);
      assert.equal((await get(`${decoy.url}/api/refunds`)).headers.get('x-decoy-contract'), 'violated');
    });

    it('a recording that breaks the contract is kept (what the real API said), marked and reported', async () => {
      const upstream = http.createServer((_req, res) => { res.setHeader('Content-Type', 'application/json'); res.end('{"id":5,"state":"paid"}'); });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      try {
        const started = await startDecoy({ contract: [ORDERS] });
        decoy = started.decoy;
        const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
        assert.equal((await fetch(`${decoy.url}/__admin/recordings/start`, { method: 'POST', body: JSON.stringify({ targetBaseUrl: target }) })).status, 200);
        assert.equal((await get(`${decoy.url}/api/orders/5`)).status, 200);
        const stop = await fetch(`${decoy.url}/__admin/recordings/stop`, { method: 'POST' });
        assert.equal(stop.status, 200);
        assert.match(started.log.text(), /recorded stub [^ ]+ breaks the contract \(response-body\): response\.(?:jsonBody|body) must have required property 'status'/);
        const replay = await get(`${decoy.url}/api/orders/5`);
        assert.equal(replay.headers.get('x-decoy-contract'), 'violated');
      } finally {
        upstream.close();
      }
    });
  });

  describe('every stub source (soft mode)', () => {
    const TEMPLATED = `
- name: templated order
  request: { method: GET, path: /api/orders/:id }
  response:
    status: 200
    headers: { Content-Type: application/json }
    body: '{"id": {{request.path.id}}, "status": "{{request.query.state}}", "total": 1}'
    transformers: [response-template]
`;

    it('a templated answer is checked when served: one that breaks the schema carries X-Decoy-Contract: violated and is reported once; one that keeps it carries nothing', async () => {
      folder.write('templated.yaml', TEMPLATED);
      const started = await startDecoy({ stubsDir: folder.dir, contract: [ORDERS] });
      decoy = started.decoy;
      assert.doesNotMatch(started.log.text(), /templated order/);
      const good = await get(`${decoy.url}/api/orders/7?state=paid`);
      assert.deepEqual(JSON.parse(good.text), { id: 7, status: 'paid', total: 1 });
      assert.equal(good.headers.get('x-decoy-contract'), null);
      for (let i = 0; i < 2; i++) {
        const bad = await get(`${decoy.url}/api/orders/7?state=lost`);
        assert.equal(bad.status, 200);
        assert.equal(bad.headers.get('x-decoy-contract'), 'violated');
      }
      const reports = started.log.text().match(/stub "templated order" breaks the contract \(response-body\): response\.body rendered at \/status must be equal to one of the allowed values[^\n]*checked when served/g) ?? [];
      assert.equal(reports.length, 1, started.log.text());
    });

    it('a templated stub posted over the admin API is checked when served too', async () => {
      const started = await startDecoy({ contract: [ORDERS] });
      decoy = started.decoy;
      const stub = { name: 'api templated', request: { method: 'GET', urlPathTemplate: '/api/orders/{id}' }, response: { status: 200, jsonBody: { id: '{{request.path.id}}', status: 'open', total: 0 }, transformers: ['response-template'] } };
      assert.equal((await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify(stub) })).status, 201);
      // The template renders the id as a string: the schema wants an integer.
      const res = await get(`${decoy.url}/api/orders/3`);
      assert.equal(res.headers.get('x-decoy-contract'), 'violated');
      assert.match(started.log.text(), /stub "api templated" breaks the contract \(response-body\): response\.body rendered at \/id must be integer/);
    });

    it('a stub edited over the admin API (PUT) and stubs imported (POST /__admin/mappings/import) are checked and marked', async () => {
      const started = await startDecoy({ stubsDir: folder.dir, contract: [ORDERS] });
      decoy = started.decoy;
      const { mappings } = await (await fetch(`${decoy.url}/__admin/mappings`)).json() as { mappings: Array<{ id: string; name: string }> };
      const one = mappings.find((m) => m.name === 'one order')!;
      const put = await fetch(`${decoy.url}/__admin/mappings/${one.id}`, { method: 'PUT', body: JSON.stringify({ name: 'one order', request: { method: 'GET', urlPath: '/api/orders/1' }, response: { status: 500 } }) });
      assert.equal(put.status, 200);
      assert.equal((await get(`${decoy.url}/api/orders/1`)).headers.get('x-decoy-contract'), 'violated');
      assert.match(started.log.text(), /stub "one order" breaks the contract \(status\): response\.status 500 is not a documented response/);
      const imported = await fetch(`${decoy.url}/__admin/mappings/import`, { method: 'POST', body: JSON.stringify({ mappings: [{ name: 'imported', request: { method: 'DELETE', urlPath: '/api/orders/9' }, response: { status: 204 } }] }) });
      assert.ok(imported.ok, String(imported.status));
      assert.equal((await fetch(`${decoy.url}/api/orders/9`, { method: 'DELETE' })).headers.get('x-decoy-contract'), 'violated');
      assert.match(started.log.text(), /stub "imported" breaks the contract \(method\): request\.method DELETE is not documented for \/orders\/\{orderId\}/);
    });

    it('a stub file changed while serving is checked when it is reloaded', async () => {
      const started = await startDecoy({ stubsDir: folder.dir, contract: [ORDERS], watch: true });
      decoy = started.decoy;
      folder.write('later.yaml', 'name: later\nrequest: { method: GET, urlPath: /api/orders/mine }\nresponse: { status: 200, jsonBody: [{ id: 1 }] }\n');
      await eventually(async () => (await get(`${decoy!.url}/api/orders/mine`)).status === 200, 5000, 'the new file served');
      assert.equal((await get(`${decoy.url}/api/orders/mine`)).headers.get('x-decoy-contract'), 'violated');
      assert.match(started.log.text(), /stub later: breaks the contract \(response-body\): response\.jsonBody at \/0 must have required property 'status'/);
    });

    it('a service beside the main one checks its stubs against the contract its service file names (the main one\'s contract is not its own)', async () => {
      folder.write('payments/decoy.service.yaml', `port: 0\ncontract: ${JSON.stringify(ORDERS)}\n`);
      folder.write('payments/stubs.yaml', 'name: child teapot\nrequest: { method: GET, urlPath: /api/orders/3 }\nresponse: { status: 418 }\n');
      const started = await startDecoy({ stubsDir: folder.dir });
      decoy = started.decoy;
      const services = await (await fetch(`${decoy.url}/__admin/decoy/services`)).json() as { services: Array<{ name: string; url: string }> };
      const payments = services.services.find((s) => s.name === 'payments')!;
      const res = await get(`${payments.url}/api/orders/3`);
      assert.equal(res.status, 418);
      assert.equal(res.headers.get('x-decoy-contract'), 'violated');
      assert.match(started.log.text(), /payments\/stubs\.yaml:\d+ stub child teapot: breaks the contract \(status\)/);
      // The main service has no contract: its stubs carry no mark.
      assert.equal((await get(`${decoy.url}/api/orders/3`)).headers.get('x-decoy-contract'), null);
    });
  });

  describe('strict mode (--contract-strict)', () => {
    it('refuses a file stub that breaks the contract with DECOY_ERR_CONTRACT_VIOLATION at its file and line; the good stubs serve', async () => {
      const started = await startDecoy({ stubsDir: folder.dir, contract: [ORDERS], contractStrict: true });
      decoy = started.decoy;
      const log = started.log.text();
      assert.match(log, /orders\.yaml:7:\d+ DECOY_ERR_CONTRACT_VIOLATION stub "lost order" breaks the contract \(response-body\): response\.jsonBody at \/status must be equal to one of the allowed values \(schema rule enum/);
      assert.match(log, /orders\.yaml:10:\d+ DECOY_ERR_CONTRACT_VIOLATION stub "teapot" breaks the contract \(status\)/);
      assert.equal((await get(`${decoy.url}/api/orders/1`)).status, 200);
      assert.equal((await get(`${decoy.url}/api/orders/2`)).status, 404);
      assert.equal((await get(`${decoy.url}/api/orders/3`)).status, 404);
    });

    it('a recording written to the stubs folder is served and marked, not refused: what the real API answered is kept', async () => {
      const upstream = http.createServer((_req, res) => { res.setHeader('Content-Type', 'application/json'); res.end('{"id":5,"state":"paid"}'); });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      try {
        const started = await startDecoy({ stubsDir: folder.dir, contract: [ORDERS], contractStrict: true });
        decoy = started.decoy;
        const target = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
        assert.equal((await fetch(`${decoy.url}/__admin/recordings/start`, { method: 'POST', body: JSON.stringify({ targetBaseUrl: target }) })).status, 200);
        assert.equal((await get(`${decoy.url}/api/orders/5`)).status, 200);
        const stop = await fetch(`${decoy.url}/__admin/recordings/stop`, { method: 'POST' });
        const { mappings, written } = await stop.json() as { mappings: unknown[]; written: string[] };
        assert.equal(written.length, 1);
        assert.equal(mappings.length, 1);
        const replay = await get(`${decoy.url}/api/orders/5`);
        assert.equal(replay.status, 200);
        assert.equal(replay.headers.get('x-decoy-contract'), 'violated');
        assert.doesNotMatch(started.log.text(), /get-api-orders-5[^\n]*DECOY_ERR_CONTRACT_VIOLATION/);
        assert.match(started.log.text(), /get-api-orders-5[^\n]*breaks the contract \(response-body\): response\.(?:jsonBody|body) must have required property 'status'/);
      } finally {
        upstream.close();
      }
    });

    it('the admin API answers 422 in WireMock\'s error shape naming the stub, the field and the rule; a stub that keeps the contract is created', async () => {
      decoy = (await startDecoy({ stubsDir: folder.dir, contract: [ORDERS], contractStrict: true })).decoy;
      const res = await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify(BAD_OVER_API) });
      assert.equal(res.status, 422);
      const body = await res.json() as { errors: Array<{ code: number; source: { pointer: string }; title: string; detail?: string }> };
      assert.equal(body.errors.length, 1);
      assert.equal(body.errors[0]!.source.pointer, '/request/urlPath');
      assert.match(JSON.stringify(body.errors[0]), /stub \\"refunds\\" breaks the contract \(path\): request\.urlPath \\"\/api\/refunds\\" is not a path of the contract/);
      assert.equal((await get(`${decoy.url}/api/refunds`)).status, 404);
      assert.equal((await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify(GOOD_OVER_API) })).status, 201);
      assert.equal((await get(`${decoy.url}/api/orders/mine`)).status, 200);
    });
  });
});
