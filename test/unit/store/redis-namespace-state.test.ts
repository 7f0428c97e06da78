/**
 * A namespace's State on Redis keeps the State port's contract: its own scenarios, counters, journal,
 * resources and API stubs under its keys, the default namespace's chaos rules, settings and recordings.
 * Two replicas' states of one namespace agree, and another namespace of the same fleet sees nothing of it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { namespaceState } from '../../../src/core/namespaces/memory-namespaces.js';
import { MemoryState } from '../../../src/core/state/memory-state.js';
import type { State } from '../../../src/core/state/state.js';
import { RedisState } from '../../../src/store/redis-state.js';
import { stateContract } from '../core/state/state-contract.js';
import { startRedis, type RedisServer } from '../../support/redis.js';

let redis: RedisServer;
before(async function () {
  this.timeout(10_000);
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

async function root(prefix: string, options: { journalSize?: number; now?: () => number } = {}): Promise<RedisState> {
  const state = new RedisState({ url: redis.url, prefix, flushMs: 2, ...options });
  await state.connect();
  return state;
}

/** A namespace's state that, closed, closes its fleet's connections too (each contract case is a fleet of its own). */
async function inNamespace(name: string, parent: RedisState): Promise<State> {
  const state = namespaceState(await parent.namespace(name), parent);
  return { ...state, close: async () => { await state.close(); await parent.close(); } };
}

stateContract('in memory, a namespace', async ({ journalSize, now }) => namespaceState(new MemoryState({ journalSize, now }), new MemoryState({ journalSize, now })));
stateContract('Redis, a namespace', async ({ journalSize, now }) => inNamespace('run-1', await root(`ns-contract-${randomUUID()}`, { journalSize, now })));

describe('Redis store: namespaces', () => {
  it('two replicas agree on a namespace\'s scenario and counters; another namespace and the default one see none of it', async () => {
    const prefix = `ns-${randomUUID()}`;
    const [a, b] = [await root(prefix), await root(prefix)];
    try {
      const [a1, b1, a2] = [await a.namespace('one'), await b.namespace('one'), await a.namespace('two')];
      assert.equal(await a1.scenarios.compareAndSet('cart', 'Started', 'Full'), true);
      assert.equal(await b1.scenarios.compareAndSet('cart', 'Started', 'Full'), false, 'the other replica\'s copy of namespace one is moved');
      assert.equal(await b1.scenarios.read!('cart'), 'Full');
      assert.equal(await a2.scenarios.read!('cart'), 'Started');
      assert.equal(await a.scenarios.read!('cart'), 'Started');
      assert.equal(await a1.counters.incrementAndGet('seq:x'), 1);
      assert.equal(await b1.counters.incrementAndGet('seq:x'), 2);
      assert.equal(await a2.counters.incrementAndGet('seq:x'), 1);
      assert.equal(await a.counters.incrementAndGet('seq:x'), 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('the fleet\'s list of namespaces is capped atomically, and a drop forgets one for every replica', async () => {
    const prefix = `ns-${randomUUID()}`;
    const [a, b] = [await root(prefix), await root(prefix)];
    try {
      const claims = await Promise.all(['x', 'y', 'z', 'w'].map((n, i) => (i % 2 ? a : b).claimNamespace(n, 1000 + i, 3)));
      assert.equal(claims.filter(Boolean).length, 3, 'three of four admitted, whatever the replica');
      assert.equal((await a.listNamespaces()).length, 3);
      const dropped: string[] = [];
      b.onNamespaceDropped((name) => { dropped.push(name); });
      const first = (await a.listNamespaces())[0]!.name;
      await a.dropNamespace(first);
      for (let i = 0; i < 200 && dropped.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.deepEqual(dropped, [first]);
      assert.equal((await b.listNamespaces()).length, 2);
      assert.equal(await b.claimNamespace('v', 2000, 3), true, 'the drop made room');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
