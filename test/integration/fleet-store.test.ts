/**
 * Two in-process Decoys sharing one real redis-server: the UI's live log through either replica carries the
 * fleet's traffic, admin changes while the store is away, a service stopped and started again, and an admin
 * change answered only once the store holds it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { EventSource } from 'undici';
import type { Decoy } from '../../src/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { startRedis, twoReplicasOnRedis, type RedisServer } from '../support/redis.js';

const STUBS = { mappings: [{ request: { method: 'GET', urlPathPattern: '/hello/.*' }, response: { status: 200, body: 'hi' } }] };

interface LiveRow { url: string; status: number; matched: boolean }

describe('two replicas on one Redis: what the UI and the admin API see', function () {
  this.timeout(20_000);
  const fleet = twoReplicasOnRedis({ 'stubs.json': JSON.stringify(STUBS) }, 'store', 'test');

  it("the live log through one replica (its server-sent events) shows a request another replica served", async () => {
    const source = new EventSource(`${fleet.b.url}/__admin/decoy/events`);
    try {
      const rows: LiveRow[] = [];
      const seen = new Promise<LiveRow>((resolve, reject) => {
        source.addEventListener('served', (e) => {
          const row = JSON.parse((e as MessageEvent<string>).data) as LiveRow;
          rows.push(row);
          if (row.url === '/hello/from-a') resolve(row);
        });
        source.onerror = () => reject(new Error('the event stream failed'));
      });
      await new Promise<void>((resolve) => source.addEventListener('ready', () => resolve(), { once: true }));
      assert.equal(await (await fetch(`${fleet.a.url}/hello/from-a`)).text(), 'hi');
      const row = await Promise.race([seen, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not on b's live log within 2 s: ${JSON.stringify(rows)}`)), 2000))]);
      assert.equal(row.status, 200);
      assert.equal(row.matched, true);
      // b's own requests still show once, and a's once: nothing twice.
      await fetch(`${fleet.b.url}/hello/from-b`);
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(rows.map((r) => r.url).sort(), ['/hello/from-a', '/hello/from-b']);
    } finally {
      source.close();
    }
  });
});

describe('a replica while its Redis is away, and a replica stopped and started again', function () {
  this.timeout(20_000);
  const fleet = twoReplicasOnRedis({ 'stubs.json': JSON.stringify(STUBS) }, 'outage');

  const connected = async (d: Decoy): Promise<boolean> => ((await (await fetch(`${d.url}/__admin/health`)).json()) as { store: { connected: boolean } }).store.connected;
  const postRule = (d: Decoy, urlPath: string, status: number): Promise<Response> => fetch(`${d.url}/__admin/decoy/chaos`, {
    method: 'POST', headers: { accept: 'application/problem+json' }, body: JSON.stringify({ request: { urlPath }, status }),
  });

  it('an admin change during the outage is refused with a 503 that names the store; reads and serving go on; after it the change reaches the fleet', async () => {
    await fleet.redis.kill();
    await eventually(async () => !(await connected(fleet.a)), 3000, 'a to notice the outage');
    const refused = await postRule(fleet.a, '/hello/ruled', 418);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    const problem = await refused.json() as { title: string; status: number; errors: Array<{ detail: string }> };
    assert.equal(problem.title, 'The shared store is unreachable');
    assert.equal(problem.status, 503);
    assert.match(problem.errors[0]!.detail, new RegExp(`^DECOY_ERR_STORE_UNAVAILABLE: the store redis://127\\.0\\.0\\.1:${fleet.redis.port}/? is unreachable since .*POST /__admin/decoy/chaos would change this replica only.*nothing was changed`));
    // Nothing changed on a, and reads and counting still answer.
    assert.deepEqual(((await (await fetch(`${fleet.a.url}/__admin/decoy/chaos`)).json()) as { rules: unknown[] }).rules, []);
    assert.equal((await fetch(`${fleet.a.url}/hello/ruled`)).status, 200);
    assert.equal((await fetch(`${fleet.a.url}/__admin/requests/count`, { method: 'POST', body: JSON.stringify({ method: 'GET', urlPath: '/hello/ruled' }) })).status, 200);

    await fleet.redis.revive();
    await eventually(async () => (await connected(fleet.a)) && (await connected(fleet.b)), 5000, 'both replicas back in the fleet');
    assert.equal((await postRule(fleet.a, '/hello/ruled', 418)).status, 201);
    await eventually(async () => (await fetch(`${fleet.b.url}/hello/ruled`)).status === 418, 2000, 'the rule made after the outage on b');
    await fetch(`${fleet.a.url}/__admin/decoy/chaos`, { method: 'DELETE' });
  });

  it('a replica stopped and started again reconnects to the store: it hears the fleet and the fleet hears it', async () => {
    await fleet.a.stop();
    await fleet.a.start();
    assert.equal(await connected(fleet.a), true);
    assert.equal((await postRule(fleet.b, '/hello/restarted', 451)).status, 201);
    await eventually(async () => (await fetch(`${fleet.a.url}/hello/restarted`)).status === 451, 2000, 'a rule made on b served by the restarted a');
    await fetch(`${fleet.a.url}/__admin/decoy/chaos`, { method: 'DELETE' });
    await eventually(async () => (await fetch(`${fleet.b.url}/hello/restarted`)).status === 200, 2000, 'the rules removed through the restarted a, on b');
    // Its journal and its live log are the fleet's again: a request to b is counted on a, and shown on a's live log.
    const source = new EventSource(`${fleet.a.url}/__admin/decoy/events`);
    const shown = new Promise<void>((resolve) => source.addEventListener('served', (e) => {
      if ((JSON.parse((e as MessageEvent<string>).data) as LiveRow).url === '/hello/counted-after-restart') resolve();
    }));
    await new Promise<void>((resolve) => source.addEventListener('ready', () => resolve(), { once: true }));
    await fetch(`${fleet.b.url}/hello/counted-after-restart`);
    try {
      await Promise.race([shown, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('b\'s request not on the restarted a\'s live log within 2 s')), 2000))]);
    } finally {
      source.close();
    }
    await eventually(async () => {
      const r = await fetch(`${fleet.a.url}/__admin/requests/count`, { method: 'POST', body: JSON.stringify({ method: 'GET', url: '/hello/counted-after-restart' }) });
      return ((await r.json()) as { count: number }).count === 1;
    }, 2000, 'b\'s request counted on a');
  });
});

/** A TCP link to `port` that holds every chunk `delayMs` in each direction (in order): a slow network to Redis. */
async function slowLink(port: number, delayMs: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const relay = (from: net.Socket, to: net.Socket): void => {
    from.on('data', (chunk) => { setTimeout(() => { if (!to.destroyed) to.write(chunk); }, delayMs); });
    from.on('close', () => setTimeout(() => to.destroy(), delayMs));
    from.on('error', () => to.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(port, '127.0.0.1');
    for (const s of [client, upstream]) { sockets.add(s); s.on('close', () => sockets.delete(s)); }
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

describe('an admin change is answered once the shared store holds it', function () {
  this.timeout(20_000);
  let redis: RedisServer;
  let link: Awaited<ReturnType<typeof slowLink>>;
  let folder: ReturnType<typeof tempStubs>;
  const replicas: Decoy[] = [];

  before(async () => {
    redis = await startRedis();
    // Replica a reaches Redis over a link 150 ms slow each way; b is next to it.
    link = await slowLink(redis.port, 150);
    folder = tempStubs({ 'stubs.json': JSON.stringify(STUBS) });
    const prefix = `answered-${randomUUID().slice(0, 8)}`;
    for (const port of [link.port, redis.port]) replicas.push((await startDecoy({ stubsDir: folder.dir, store: { url: `redis://127.0.0.1:${port}`, prefix } })).decoy);
  });
  after(async () => {
    for (const d of replicas) await d.stop();
    await link?.close();
    await redis?.stop();
    folder?.cleanup();
  });

  it('a stub or chaos rule changed through a replica with a slow link to Redis is served so by the other replica as soon as the change is answered', async () => {
    const [a, b] = replicas as [Decoy, Decoy];
    let id = '';
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const answer = await fetch(`${a.url}/__admin/mappings${id ? `/${id}` : ''}`, {
        method, ...(method === 'DELETE' ? {} : { body: JSON.stringify({ request: { method: 'GET', url: '/posted' }, response: { status: 200, body: `${method} on a` } }) }),
      });
      assert.equal(answer.status, method === 'POST' ? 201 : 200);
      if (method === 'POST') id = ((await answer.json()) as { id: string }).id;
      // Asked of b the moment a answered: no waiting, no retry.
      const onB = await fetch(`${b.url}/posted`);
      if (method === 'DELETE') assert.equal(onB.status, 404, 'the stub deleted through a, on b');
      else assert.equal(await onB.text(), `${method} on a`, `the stub after ${method} through a, on b`);
    }
    // A chaos rule likewise, and its removal.
    assert.equal((await fetch(`${a.url}/__admin/decoy/chaos`, { method: 'POST', body: JSON.stringify({ request: { urlPath: '/hello/ruled' }, status: 418 }) })).status, 201);
    assert.equal((await fetch(`${b.url}/hello/ruled`)).status, 418, 'the rule added through a, on b');
    assert.equal((await fetch(`${a.url}/__admin/decoy/chaos`, { method: 'DELETE' })).status, 200);
    assert.equal((await fetch(`${b.url}/hello/ruled`)).status, 200, 'the rules removed through a, on b');
  });
});
