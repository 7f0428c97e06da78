/**
 * Two in-process Decoys sharing one real redis-server: the UI's live log through either replica carries the
 * fleet's traffic, admin changes while the store is away, and a service stopped and started again.
 */
import assert from 'node:assert/strict';
import { EventSource } from 'undici';
import type { Decoy } from '../../src/index.js';
import { eventually } from '../support/decoy.js';
import { twoReplicasOnRedis } from '../support/redis.js';

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
