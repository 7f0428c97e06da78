/**
 * Namespaces across a fleet (issue 19's "Done when"): three Decoy replicas share one real redis-server;
 * two test runs, each in its own namespace, spread every request and admin call over the three, and
 * each sees only its own stubs, scenario, sequence, resource items and journal. The cap, reset, drop
 * and idle expiry hold for the fleet.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Decoy } from '../../src/index.js';
import { DecoyClient } from '../../src/client/index.js';
import { DecoyClientError } from '../../src/client/client-error.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { send, SHARED_STUBS } from '../support/namespaces.js';

/** Each call goes to the next replica: a test run's requests and admin calls are spread over the fleet. */
function roundRobin(urls: string[]): { next(): string; fetch: typeof fetch } {
  let i = 0;
  const next = (): string => urls[i++ % urls.length]!;
  return {
    next,
    fetch: (input, init) => {
      const url = new URL(String(input));
      const to = new URL(next());
      url.host = to.host;
      return fetch(url, init);
    },
  };
}

async function itemsOf(base: string, ns: string): Promise<string[]> {
  const orders = (await send(base, 'GET', '/orders', { namespace: ns })).json as { items: Array<{ customer: string }> } | Array<{ customer: string }>;
  return (Array.isArray(orders) ? orders : orders.items).map((o) => o.customer);
}

/** One test run in namespace `ns`, each step on another replica. */
async function fleetRun(urls: string[], ns: string): Promise<void> {
  const rr = roundRobin(urls);
  const admin = new DecoyClient(urls[0]!, { namespace: ns, fetch: rr.fetch });
  await admin.createStub({ request: { method: 'GET', url: '/mine' }, response: { status: 200, body: `mine in ${ns}` } });
  // Another replica learns of the stub over the store's channel: a moment later at most.
  for (const url of urls) await eventually(async () => (await send(url, 'GET', '/mine', { namespace: ns })).text === `mine in ${ns}`, 5000, `${url} to serve ${ns}'s stub`);
  assert.equal((await send(rr.next(), 'GET', '/cart', { namespace: ns })).text, 'empty');
  assert.equal((await send(rr.next(), 'POST', '/cart', { namespace: ns })).status, 201);
  assert.equal((await send(rr.next(), 'GET', '/cart', { namespace: ns })).text, 'full');
  assert.equal((await send(rr.next(), 'GET', '/retry', { namespace: ns })).status, 503);
  assert.equal((await send(rr.next(), 'GET', '/retry', { namespace: ns })).text, 'recovered');
  assert.equal((await send(rr.next(), 'POST', '/orders', { namespace: ns, body: { customer: ns, total: 1 } })).status, 201);
  for (const url of urls) assert.deepEqual(await itemsOf(url, ns), ['ada', ns]);
  // Journal events reach the store in batches every few ms.
  await eventually(async () => (await admin.countRequests({ method: 'ANY', urlPattern: '.*' })).count === 6 + urls.length * 2, 5000, `${ns}'s journal on every replica`);
  for (let i = 0; i < urls.length; i++) {
    assert.equal((await admin.countRequests({ method: 'GET', url: '/cart' })).count, 2);
    await admin.verify({ method: 'POST', url: '/orders' }, 1);
    assert.equal((await admin.scenarios()).find((s) => s.name === 'cart')?.state, 'Full');
    const mine = (await admin.listStubs()).mappings.filter((s) => typeof s.response?.body === 'string' && s.response.body.startsWith('mine in'));
    assert.deepEqual(mine.map((s) => s.response?.body), [`mine in ${ns}`]);
  }
}

describe('namespaces across three replicas sharing Redis', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let folder: ReturnType<typeof tempStubs>;
  let fleet: Decoy[] = [];
  let urls: string[];
  let prefix: string;

  const startFleet = async (options: Parameters<typeof startDecoy>[0] = {}) => {
    prefix = `ns-${randomUUID().slice(0, 8)}`;
    fleet = [];
    for (let i = 0; i < 3; i++) fleet.push((await startDecoy({ stubsDir: folder.dir, store: { url: redis.url, prefix }, ...options })).decoy);
    urls = fleet.map((d) => d.url);
  };

  before(async () => { redis = await startRedis(); });
  after(async () => { await redis?.stop(); });
  beforeEach(() => { folder = tempStubs(SHARED_STUBS); });
  afterEach(async () => {
    await Promise.all(fleet.map((d) => d.stop()));
    folder.cleanup();
  });

  it('two runs in two namespaces, spread over three replicas, each see only their own stubs, scenario, sequence, orders and journal', async () => {
    await startFleet();
    await Promise.all([fleetRun(urls, 'run-a'), fleetRun(urls, 'run-b')]);
    for (const url of urls) {
      assert.equal((await send(url, 'GET', '/mine')).status, 404);
      assert.equal((await send(url, 'GET', '/cart')).text, 'empty');
      assert.deepEqual(await itemsOf(url, 'other'), ['ada'], 'a new namespace starts from the seed');
    }
    for (const url of urls) {
      const list = await new DecoyClient(url).namespaces();
      assert.deepEqual(list.namespaces.map((n) => n.name), ['other', 'run-a', 'run-b'], 'every replica lists the fleet\'s namespaces');
    }
  });

  it('resetting or dropping a namespace on one replica does it for the fleet and leaves the other namespace', async () => {
    await startFleet();
    await Promise.all([fleetRun(urls, 'run-a'), fleetRun(urls, 'run-b')]);
    await new DecoyClient(urls[0]!).resetNamespace('run-a');
    for (const url of urls) {
      await eventually(async () => (await send(url, 'GET', '/mine', { namespace: 'run-a' })).status === 404, 5000, `${url} to forget run-a's stub`);
      assert.equal((await send(url, 'GET', '/cart', { namespace: 'run-a' })).text, 'empty');
      assert.deepEqual(await itemsOf(url, 'run-a'), ['ada']);
      assert.equal((await send(url, 'GET', '/cart', { namespace: 'run-b' })).text, 'full');
    }
    await new DecoyClient(urls[1]!).dropNamespace('run-b');
    for (const url of urls) {
      await eventually(async () => !(await new DecoyClient(url).namespaces()).namespaces.some((n) => n.name === 'run-b'), 5000, `${url} to forget run-b`);
    }
    // Nothing of it stays in Redis (a journal batch's marker expires by itself within minutes).
    const { createClient } = await import('redis');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      // The other replicas let it go, then delete what they wrote meanwhile (a request served while it was dropped).
      await eventually(async () => (await client.keys(`*${prefix}*ns:run-b:*`)).filter((k) => !k.includes(':journal:batch:')).length === 0, 5000, 'run-b\'s keys to go');
      assert.ok((await client.keys(`*${prefix}*ns:run-a:*`)).length > 0, 'the other namespace\'s keys are there');
    } finally {
      await client.close();
    }
    assert.equal((await send(urls[2]!, 'GET', '/mine', { namespace: 'run-b' })).status, 404, 'a dropped namespace starts afresh on every replica');
    assert.equal((await send(urls[2]!, 'GET', '/cart', { namespace: 'run-b' })).text, 'empty');
    assert.deepEqual(await itemsOf(urls[0]!, 'run-b'), ['ada']);
  });

  it('--max-namespaces counts the fleet\'s namespaces: the third, on a third replica, gets a 429', async () => {
    await startFleet({ maxNamespaces: 2 });
    assert.equal((await send(urls[0]!, 'POST', '/cart', { namespace: 'one' })).status, 201);
    assert.equal((await send(urls[1]!, 'POST', '/cart', { namespace: 'two' })).status, 201);
    const refused = await send(urls[2]!, 'GET', '/cart', { namespace: 'three' });
    assert.equal(refused.status, 429);
    assert.match(refused.text, /--max-namespaces 2/);
    assert.equal((await send(urls[2]!, 'GET', '/cart', { namespace: 'one' })).text, 'full', 'a namespace another replica made is served here');
    const admin = await new DecoyClient(urls[2]!, { namespace: 'four' }).countRequests({ method: 'ANY' }).then(() => undefined, (e: unknown) => e);
    assert.ok(admin instanceof DecoyClientError);
    assert.equal(admin.status, 429);
  });

  it('a namespace idle on every replica for longer than --namespace-idle-timeout is dropped for the fleet', async () => {
    await startFleet({ namespaceIdleTimeoutMs: 400 });
    await send(urls[0]!, 'POST', '/cart', { namespace: 'idle' });
    await send(urls[1]!, 'POST', '/cart', { namespace: 'busy' });
    await eventually(async () => {
      await send(urls[2]!, 'GET', '/cart', { namespace: 'busy' });
      const names = (await new DecoyClient(urls[1]!).namespaces()).namespaces.map((n) => n.name);
      return !names.includes('idle');
    }, 8000, 'the idle namespace to expire');
    assert.equal((await send(urls[1]!, 'GET', '/cart', { namespace: 'busy' })).text, 'full');
    assert.equal((await send(urls[0]!, 'GET', '/cart', { namespace: 'idle' })).text, 'empty', 'an expired namespace starts afresh');
  });
});
