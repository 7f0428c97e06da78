import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { cliUrl, killCliRuns, ROOT, runCli } from '../support/cli.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

const root = ROOT;
const PETSTORE = path.join(root, 'test/fixtures/openapi/petstore-3.0.yaml');

describe('CLI: OpenAPI and generated data', function () {
  this.timeout(60_000);
  afterEach(killCliRuns);
  const run = (args: string[]) => runCli(args);
  const serve = (args: string[]) => cliUrl(run(['--port', '0', '--host', '127.0.0.1', '--no-watch', ...args]), undefined, 20_000);

  it('decoy import openapi writes one stub file per operation, and the folder then serves the document', async () => {
    const out = tempStubs();
    try {
      const p = run(['import', 'openapi', PETSTORE, '--out', out.dir]);
      assert.equal(await p.exited, 0, p.output());
      assert.match(p.output(), /wrote 19 stub file\(s\)/);
      const files = readdirSync(out.dir).sort();
      assert.equal(files.length, 19);
      assert.ok(files.includes('getPetById.yaml'));
      const stubs = parseYaml(readFileSync(path.join(out.dir, 'getPetById.yaml'), 'utf8')) as Array<{ name: string; request: { path: string } }>;
      assert.equal(stubs[0]!.request.path, '/api/v3/pet/:petId');
      const { decoy } = await startDecoy({ stubsDir: out.dir });
      try {
        assert.deepEqual(decoy.loadReport!.errors.map((e) => e.format()), []);
        assert.equal(JSON.parse((await get(`${decoy.url}/api/v3/pet/10`)).text).name, 'doggie');
        assert.equal((await get(`${decoy.url}/api/v3/pet/10`, { headers: { Prefer: 'code=404' } })).status, 404);
        const order = JSON.parse((await get(`${decoy.url}/api/v3/store/order/1`)).text);
        assert.ok(['placed', 'approved', 'delivered'].includes(order.status), JSON.stringify(order));
      } finally {
        await decoy.stop();
      }
    } finally {
      out.cleanup();
    }
  });

  it('decoy import --format json --validate-requests writes JSON stubs that validate requests', async () => {
    const out = tempStubs();
    try {
      const p = run(['import', 'openapi', PETSTORE, '--out', out.dir, '--format', 'json', '--validate-requests']);
      assert.equal(await p.exited, 0, p.output());
      const stubs = JSON.parse(readFileSync(path.join(out.dir, 'findPetsByStatus.json'), 'utf8')) as Array<{ requestSchema?: unknown }>;
      assert.ok(stubs[0]!.requestSchema);
      const { decoy } = await startDecoy({ stubsDir: out.dir });
      try {
        assert.equal((await get(`${decoy.url}/api/v3/pet/findByStatus?status=lost`)).status, 400);
        assert.equal((await get(`${decoy.url}/api/v3/pet/findByStatus?status=sold`)).status, 200);
      } finally {
        await decoy.stop();
      }
    } finally {
      out.cleanup();
    }
  });

  it('decoy import har and decoy import pact write stub files from the command line, which then serve', async () => {
    const out = tempStubs();
    try {
      const har = run(['import', 'har', path.join(root, 'test/fixtures/import/shop.har'), '--out', path.join(out.dir, 'shop')]);
      assert.equal(await har.exited, 0, har.output());
      const pact = run(['import', 'pact', path.join(root, 'test/fixtures/import/orders-v2.pact.json'), '--out', path.join(out.dir, 'orders'), '--format', 'json']);
      assert.equal(await pact.exited, 0, pact.output());
      assert.ok(readdirSync(path.join(out.dir, 'orders')).every((f) => f.endsWith('.json')), 'pact stubs written as JSON');
      const { decoy } = await startDecoy({ stubsDir: out.dir });
      try {
        assert.deepEqual(decoy.loadReport!.errors.map((e) => e.format()), []);
        const products = await get(`${decoy.url}/api/products?page=1&sort=price`);
        assert.equal(JSON.parse(products.text).items[0].name, 'Teapot');
        const order = await get(`${decoy.url}/orders/42?fields=id%2Ctotal&fields=status`, { headers: { Accept: 'application/json' } });
        assert.deepEqual(JSON.parse(order.text), { id: 42, total: 99.5, status: 'paid' });
      } finally {
        await decoy.stop();
      }
    } finally {
      out.cleanup();
    }
  });

  it('decoy import with an unknown kind or a bad document fails with a clear message', async () => {
    const unknown = run(['import', 'wsdl', PETSTORE, '--out', 'x']);
    assert.notEqual(await unknown.exited, 0);
    assert.match(unknown.output(), /unknown import kind "wsdl"; one of: openapi, har, pact/);
    const harValidate = run(['import', 'har', path.join(root, 'test/fixtures/import/shop.har'), '--out', 'x', '--validate-requests']);
    assert.notEqual(await harValidate.exited, 0);
    assert.match(harValidate.output(), /--validate-requests needs an OpenAPI document; har files have no schemas/);
    const bad = run(['import', 'openapi', 'package.json', '--out', 'x']);
    assert.notEqual(await bad.exited, 0);
    assert.match(bad.output(), /package\.json DECOY_ERR_OPENAPI_INVALID not an OpenAPI document/);
  });

  it('--openapi with --seed: two processes answer the same requests with the same generated data', async () => {
    const empty = tempStubs();
    try {
      const args = ['--stubs', empty.dir, '--openapi', PETSTORE, '--seed', '3'];
      const [a, b] = await Promise.all([serve(args), serve(args)]);
      const paths = ['/api/v3/store/order/1', '/api/v3/user/bob', '/api/v3/store/order/1'];
      const bodiesOf = async (url: string) => { const out = []; for (const p of paths) out.push((await get(url + p)).text); return out; };
      const first = await bodiesOf(a);
      assert.deepEqual(await bodiesOf(b), first);
      assert.notEqual(first[0], first[2]);
    } finally {
      empty.cleanup();
    }
  });

  it('--help lists the new options', async () => {
    const p = run(['--help']);
    assert.equal(await p.exited, 0);
    for (const flag of ['--openapi', '--validate-requests', '--stable-data', 'decoy import openapi']) assert.match(p.output(), new RegExp(flag));
  });
});
