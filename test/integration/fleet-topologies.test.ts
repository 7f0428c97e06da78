/**
 * Two Decoy replicas on Redis Sentinel, and two on a 3-master Redis Cluster (real servers, Debian's
 * redis-server and redis-cli): they share a scenario, a response sequence and an API stub, changes are
 * pushed to the other replica (pub/sub; sharded on the Cluster), and every key the fleet writes carries
 * its one hash tag.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Decoy } from '../../src/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { startCluster, startSentinel } from '../support/redis.js';

const execFileAsync = promisify(execFile);

const STUBS = {
  mappings: [
    { request: { method: 'GET', url: '/cart' }, scenarioName: 'cart', requiredScenarioState: 'Started', response: { status: 200, body: 'empty' } },
    { request: { method: 'POST', url: '/cart' }, scenarioName: 'cart', requiredScenarioState: 'Started', newScenarioState: 'Full', response: { status: 201 } },
    { request: { method: 'GET', url: '/cart' }, scenarioName: 'cart', requiredScenarioState: 'Full', response: { status: 200, body: 'full' } },
    { request: { method: 'GET', url: '/sequence' }, responses: [{ status: 503 }, { status: 503 }, { status: 200 }] },
  ],
};

/** Every key on the servers at these ports (SCAN through redis-cli). */
async function keysOn(port: number): Promise<string[]> {
  const { stdout } = await execFileAsync('redis-cli', ['-p', String(port), '--scan']);
  return stdout.split('\n').filter((k) => k !== '');
}

function fleetOn(topology: string, start: () => Promise<{ url: string; ports: number[]; stop(): Promise<void> }>): void {
  describe(`two replicas on ${topology}`, function () {
    this.timeout(20_000);
    let server: Awaited<ReturnType<typeof start>>;
    let folder: ReturnType<typeof tempStubs>;
    let a: Decoy;
    let b: Decoy;
    const prefix = `topology-${randomUUID().slice(0, 8)}`;

    before(async () => {
      server = await start();
      folder = tempStubs({ 'stubs.json': JSON.stringify(STUBS) });
      ({ decoy: a } = await startDecoy({ stubsDir: folder.dir, store: { url: server.url, prefix } }));
      ({ decoy: b } = await startDecoy({ stubsDir: folder.dir, store: { url: server.url, prefix } }));
    });
    after(async () => {
      await a?.stop();
      await b?.stop();
      await server?.stop();
      folder?.cleanup();
    });

    it('a scenario advanced through one replica answers in its next state on the other', async () => {
      assert.equal(await (await fetch(`${b.url}/cart`)).text(), 'empty');
      assert.equal((await fetch(`${a.url}/cart`, { method: 'POST' })).status, 201);
      assert.equal(await (await fetch(`${b.url}/cart`)).text(), 'full');
      // The compare-and-set is the fleet's: the other replica cannot move it again.
      assert.equal((await fetch(`${b.url}/cart`, { method: 'POST' })).status, 404);
    });

    it('"503 twice then 200" is twice for the two replicas together', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await fetch(`${(i % 2 ? a : b).url}/sequence`)).status);
      assert.deepEqual(statuses, [503, 503, 200, 200, 200, 200]);
    });

    it('a stub and a chaos rule posted to one replica are pushed to the other', async () => {
      const posted = await fetch(`${a.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify({ request: { method: 'GET', url: '/new' }, response: { status: 200, body: 'new stub' } }) });
      assert.equal(posted.status, 201);
      await eventually(async () => (await (await fetch(`${b.url}/new`)).text()) === 'new stub', 2000, 'the stub on b');
      assert.equal((await fetch(`${b.url}/__admin/decoy/chaos`, { method: 'POST', body: JSON.stringify({ request: { urlPath: '/new' }, status: 418 }) })).status, 201);
      await eventually(async () => (await fetch(`${a.url}/new`)).status === 418, 2000, 'the rule on a');
    });

    it('every key the fleet wrote starts with its hash tag {prefix}: (one Cluster slot)', async () => {
      const perNode = await Promise.all(server.ports.map(keysOn));
      const fleet = perNode.map((keys) => keys.filter((k) => k.includes(prefix)));
      const all = fleet.flat();
      assert.ok(all.length >= 4, `the fleet's keys: ${all.join(', ')}`);
      assert.deepEqual(all.filter((k) => !k.startsWith(`{${prefix}}:`)), []);
      assert.equal(fleet.filter((keys) => keys.length > 0).length, 1, 'one node holds them all');
    });
  });
}

fleetOn('Redis Sentinel', async () => {
  const s = await startSentinel();
  return { url: s.url, ports: [s.master.port], stop: () => s.stop() };
});
fleetOn('a 3-master Redis Cluster', startCluster);
