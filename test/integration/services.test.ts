/**
 * Several virtual services in one process: each a folder of stubs on its own port, with its own journal,
 * scenarios and chaos rules, all listed by `GET /__admin/decoy/services` and reachable through the main
 * admin API (`/__admin/decoy/services/<name>/...`) and on their own ports.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import { DecoyClient } from '../../src/client/index.js';
import { readServiceFile } from '../../src/sources/service-file.js';
import type { Decoy } from '../../src/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';

const stub = (url: string, body: string) => `- { request: { method: GET, url: ${url} }, response: { status: 200, body: ${body} } }\n`;

interface Listed { services: Array<{ name: string; port: number; url: string; stubsDir: string; adminBase: string }> }

describe('several services in one process', function () {
  this.timeout(30_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy | undefined;

  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    folder.cleanup();
  });

  it('serves each service folder declared by decoy.service.yaml on its own port, with separate journals', async () => {
    folder = tempStubs({
      'main.yaml': stub('/main', 'main'),
      'payments/decoy.service.yaml': 'port: 0\n',
      'payments/pay.yaml': stub('/pay', 'paid'),
      'users/decoy.service.json': '{ "name": "accounts", "port": 0, "journalSize": 5 }',
      'users/u.yaml': stub('/user', 'ada'),
    });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    const payments = decoy.service('payments')!;
    const accounts = decoy.service('accounts')!;
    assert.notEqual(payments.port, decoy.port);
    assert.notEqual(accounts.port, payments.port);

    // Each port serves its own stubs only; the main folder does not take in the services' folders.
    assert.equal(await (await fetch(`${payments.url}/pay`)).text(), 'paid');
    assert.equal((await fetch(`${payments.url}/main`)).status, 404);
    assert.equal(await (await fetch(`${accounts.url}/user`)).text(), 'ada');
    assert.equal((await fetch(`${decoy.url}/pay`)).status, 404);
    assert.equal(await (await fetch(`${decoy.url}/main`)).text(), 'main');
    assert.equal(decoy.loadReport?.stubs, 1);

    // One list, on every admin API.
    const listed = await (await fetch(`${decoy.url}/__admin/decoy/services`)).json() as Listed;
    assert.deepEqual(listed.services.map((s) => [s.name, s.adminBase]), [
      ['default', '/__admin/decoy/services/default'], ['payments', '/__admin/decoy/services/payments'], ['accounts', '/__admin/decoy/services/accounts'],
    ]);
    assert.equal(listed.services.find((s) => s.name === 'payments')!.url, payments.url);
    assert.equal(listed.services.find((s) => s.name === 'payments')!.port, payments.port);
    assert.match(listed.services.find((s) => s.name === 'accounts')!.stubsDir, /users$/);
    assert.deepEqual(await (await fetch(`${payments.url}/__admin/decoy/services`)).json(), listed);

    // Separate journals, each reachable through the main admin API and on the service's own port.
    const count = async (url: string) => ((await (await fetch(url)).json()) as { requests: Array<{ request: { url: string } }> }).requests.map((r) => r.request.url);
    assert.deepEqual(await count(`${decoy.url}/__admin/decoy/services/payments/requests`), ['/main', '/pay']);
    assert.deepEqual(await count(`${payments.url}/__admin/requests`), ['/main', '/pay']);
    assert.deepEqual(await count(`${decoy.url}/__admin/decoy/services/accounts/requests`), ['/user']);
    assert.deepEqual((await count(`${decoy.url}/__admin/requests`)).sort(), ['/main', '/pay']);
    // Every service's admin API is reachable from every port, the main one included.
    assert.deepEqual((await count(`${accounts.url}/__admin/decoy/services/default/requests`)).sort(), ['/main', '/pay']);
  });

  it('takes services from createDecoy options, each with its own settings, stubs and chaos rules, driven by the typed client', async () => {
    folder = tempStubs({ 'main.yaml': stub('/x', 'main'), 'inventory/i.yaml': stub('/x', 'inventory') });
    ({ decoy } = await startDecoy({
      stubsDir: folder.dir, discoverServices: false,
      services: [{ name: 'inventory', port: 0, stubsDir: `${folder.dir}/inventory`, journalSize: 0 }],
    }));
    const inventory = decoy.service('inventory')!;
    // The folder given as a service is not served by the main service too.
    assert.equal(decoy.loadReport?.stubs, 1);

    const client = new DecoyClient(decoy.url);
    assert.deepEqual((await client.services()).map((s) => s.name), ['default', 'inventory']);
    const inv = client.service('inventory');
    assert.equal(inv.adminBase, '/__admin/decoy/services/inventory');
    await inv.createStub({ request: { method: 'GET', url: '/added' }, response: { status: 201, body: 'made' } });
    assert.equal((await fetch(`${inventory.url}/added`)).status, 201);
    assert.equal((await fetch(`${decoy.url}/added`)).status, 404);
    assert.equal((await inv.listStubs()).mappings.length, 2);
    assert.equal((await client.listStubs()).mappings.length, 1);

    // Chaos rules are per service.
    await inv.addChaosRule({ status: 503 });
    assert.equal((await fetch(`${inventory.url}/x`)).status, 503);
    assert.equal((await fetch(`${decoy.url}/x`)).status, 200);

    // Its own journal setting: this one keeps none, the main one does.
    assert.equal((await inv.requests()).requests.length, 0);
    assert.ok((await client.requests()).requests.length > 0);

    await assert.rejects(client.service('nope').listStubs(), (e: Error & { status?: number }) => e.status === 404 && /no service named nope; the services are default, inventory/.test(e.message));
  });

  it('a service takes CORS from the main options and can serve HTTPS on a port of its own', async () => {
    folder = tempStubs({ 'api/decoy.service.yaml': 'port: 0\nhttpsPort: 0\n', 'api/a.yaml': stub('/a', 'api') });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, cors: true }));
    const api = decoy.service('api')!;
    const listed = await (await fetch(`${decoy.url}/__admin/decoy/services`)).json() as { services: Array<{ name: string; httpsUrl?: string }> };
    assert.equal(listed.services.find((s) => s.name === 'api')!.httpsUrl, api.httpsUrl);
    assert.equal(listed.services.find((s) => s.name === 'default')!.httpsUrl, undefined);
    const agent = new Agent({ connect: { ca: api.certificate! } });
    try {
      assert.equal(await (await undiciFetch(`${api.httpsUrl}/a`, { dispatcher: agent })).text(), 'api');
    } finally {
      await agent.close();
    }
    const preflight = await fetch(`${api.url}/a`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  });

  it('reloads a file saved into a service folder in that service only', async () => {
    folder = tempStubs({ 'main.yaml': stub('/main', 'main'), 'payments/decoy.service.yaml': 'port: 0\n' });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, watch: true }));
    const payments = decoy.service('payments')!;
    folder.write('payments/late.yaml', stub('/late', 'late'));
    await eventually(async () => (await fetch(`${payments.url}/late`)).status === 200, 5000, 'the payments service to load late.yaml');
    await decoy.settled();
    assert.equal((await fetch(`${decoy.url}/late`)).status, 404);
    assert.equal(decoy.engine.stubs.all.length, 1);
  });

  it('rejects a bad service file with a clear error naming the file', async () => {
    folder = tempStubs({ 'payments/decoy.service.yaml': 'port: 99999\nprot: 1\n' });
    await assert.rejects(startDecoy({ stubsDir: folder.dir }), (e: Error & { code?: string; format(): string }) => {
      assert.equal(e.code, 'DECOY_ERR_SERVICE_INVALID');
      assert.match(e.format(), /payments\/decoy\.service\.yaml DECOY_ERR_SERVICE_INVALID port must be a whole number from 0 to 65535 \(got 99999\); unknown key prot \(valid keys: name, port, /);
      assert.ok(!e.format().includes('..'), e.format());
      return true;
    });
  });

  it('rejects two services with the same name', async () => {
    folder = tempStubs({ 'a/decoy.service.yaml': 'name: twin\nport: 0\n', 'b/decoy.service.yaml': 'name: twin\nport: 0\n' });
    await assert.rejects(startDecoy({ stubsDir: folder.dir }), /two services are named twin/);
  });
});

describe('the several-services guide\'s service file example', () => {
  it('is a valid service file', () => {
    const readme = readFileSync(new URL('../../docs/guides/several-services.md', import.meta.url), 'utf8');
    const block = /```yaml\n(# stubs\/payments\/decoy\.service\.yaml\n[\s\S]*?)```/.exec(readme);
    assert.ok(block, 'the guide has no decoy.service.yaml example');
    const folder = tempStubs({ 'payments/decoy.service.yaml': block[1]! });
    try {
      const def = readServiceFile(`${folder.dir}/payments/decoy.service.yaml`);
      assert.equal(def.name, 'payments');
      assert.equal(def.port, 8081);
    } finally {
      folder.cleanup();
    }
  });
});
