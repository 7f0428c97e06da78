/**
 * The State port's contract suite against Redis Sentinel and a Redis Cluster (real servers): every script
 * and transaction the adapter runs works through Sentinel's master and within one Cluster slot.
 */
import { randomUUID } from 'node:crypto';
import { RedisState } from '../../../src/store/redis-state.js';
import { stateContract } from '../core/state/state-contract.js';
import { startCluster, startSentinel, type RedisCluster, type RedisSentinel } from '../../support/redis.js';

describe('Redis store through Sentinel', function () {
  this.timeout(20_000);
  let sentinel: RedisSentinel;
  before(async () => { sentinel = await startSentinel(); });
  after(async () => { await sentinel?.stop(); });
  stateContract('Redis Sentinel', async ({ journalSize, now }) => {
    const state = new RedisState({ url: sentinel.url, prefix: `contract-${randomUUID()}`, flushMs: 2, journalSize, now });
    await state.connect();
    return state;
  });
});

describe('Redis store on a Cluster', function () {
  this.timeout(30_000);
  let cluster: RedisCluster;
  before(async () => { cluster = await startCluster(); });
  after(async () => { await cluster?.stop(); });
  stateContract('Redis Cluster', async ({ journalSize, now }) => {
    const state = new RedisState({ url: cluster.url, prefix: `contract-${randomUUID()}`, flushMs: 2, journalSize, now });
    await state.connect();
    return state;
  });
});
