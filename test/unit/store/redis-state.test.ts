import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { encodeEvent, RedisState, storeKey } from '../../../src/store/redis-state.js';
import { ServeEvent } from '../../../src/core/state/journal.js';
import type { StubChange } from '../../../src/core/state/state.js';
import { isDecoyError } from '../../../src/core/errors.js';
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

async function connected(prefix: string, options: Partial<ConstructorParameters<typeof RedisState>[0]> = {}): Promise<RedisState> {
  const state = new RedisState({ url: redis.url, prefix, flushMs: 2, ...options });
  await state.connect();
  return state;
}

// Each state its own fleet: a fresh prefix, so tests do not see each other's keys.
stateContract('Redis', ({ journalSize, now }) => connected(`contract-${randomUUID()}`, { journalSize, now }));

const CONNECTION = { clientIp: '127.0.0.1', localAddress: '127.0.0.1', localPort: 8080, scheme: 'http' as const };

async function eventually(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`not seen within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Redis store: replicas sharing one prefix', () => {
  let a: RedisState;
  let b: RedisState;
  let prefix: string;
  beforeEach(async () => {
    prefix = `fleet-${randomUUID()}`;
    a = await connected(prefix);
    b = await connected(prefix);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  it('a scenario moved on one replica is in its new state on the other, and compare-and-set is atomic across them', async () => {
    assert.equal(await a.scenarios.compareAndSet('s', 'Started', 'Two'), true);
    await eventually(() => b.scenarios.get('s') === 'Two', 'the new state on b');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).scenarios.compareAndSet('s', 'Two', `Three-${i}`)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('a lost compare-and-set teaches the replica the state that won', async () => {
    await a.scenarios.set('s', 'Elsewhere');
    // b may not have heard yet: its compare-and-set fails and tells it the truth.
    assert.equal(await b.scenarios.compareAndSet('s', 'Started', 'Mine'), false);
    assert.equal(b.scenarios.get('s'), 'Elsewhere');
  });

  it('a chaos rule added and removed at once is gone in Redis too; removing one that is not there answers false', async () => {
    void a.chaosRules.add({ id: 'brief', definition: {}, expiresAt: undefined });
    assert.equal(await a.chaosRules.remove('brief'), true);
    assert.equal(await a.chaosRules.remove('never-added'), false);
    const joining = await connected(prefix);
    try {
      assert.deepEqual(joining.chaosRules.list(), []);
    } finally {
      await joining.close();
    }
  });

  it('read gives the state the store has now, before the change has reached the replica', async () => {
    await a.scenarios.set('s', 'Moved');
    assert.equal(await b.scenarios.read!('s'), 'Moved');
    assert.equal(b.scenarios.get('s'), 'Moved', 'and the local copy has it');
  });

  it('counters count for the fleet: "2 hits" is 2 across replicas', async () => {
    const values = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).counters.incrementAndGet('k')));
    assert.deepEqual([...values].sort((x, y) => x - y), Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('chaos rules and settings set on one replica reach the other', async () => {
    await a.chaosRules.add({ id: 'r1', definition: { status: 503 }, expiresAt: undefined });
    await a.settings.set({ fixedDelay: 5 });
    await eventually(() => b.chaosRules.list().length === 1 && b.settings.get()?.fixedDelay === 5, 'rule and settings on b');
    await a.chaosRules.remove('r1');
    await eventually(() => b.chaosRules.list().length === 0, 'rule removed on b');
  });

  it('the journal holds both replicas\' events, with bodies and ids; remove and clear reach both', async () => {
    const ev = (url: string): ServeEvent => new ServeEvent(Date.now(), 'POST', url, ['Host', 'x'], Buffer.from([0, 1, 2, 255]), CONNECTION, '1.1', undefined,
      { status: 201, headers: ['X', 'y'], body: Buffer.from('made') }, 3);
    const e1 = ev('/from-a');
    a.journal.append(e1);
    b.journal.append(ev('/from-b'));
    await eventually(() => a.journal.size === 2 && b.journal.size === 2, 'two events on each');
    const seen = b.journal.get(e1.id)!;
    assert.equal(seen.url, '/from-a');
    assert.deepEqual(seen.body, Buffer.from([0, 1, 2, 255]));
    assert.deepEqual(seen.response!.body, Buffer.from('made'));
    b.journal.remove((e) => e.url === '/from-a');
    await eventually(() => a.journal.size === 1, 'removal on a');
    const joining = await connected(prefix);
    assert.deepEqual(joining.journal.newestFirst().map((e) => e.url), ['/from-b'], 'Redis holds what the replicas hold');
    await joining.close();
    a.journal.clear();
    await eventually(() => b.journal.size === 0, 'clear on b');
  });

  it('a replica that joins later reads the journal, the rules and the API stub changes so far', async () => {
    a.journal.append(new ServeEvent(Date.now(), 'GET', '/old', [], Buffer.alloc(0), CONNECTION, '1.1', undefined, undefined, 1));
    await a.chaosRules.add({ id: 'r', definition: {}, expiresAt: undefined });
    a.stubs.publish({ kind: 'put', definitions: [{ id: 's1', request: { url: '/x' } }] });
    a.stubs.publish({ kind: 'remove', ids: ['file-stub'] });
    // close() writes the journal batch not yet written.
    await a.close();
    const joining = await connected(prefix);
    try {
      assert.deepEqual(joining.journal.newestFirst().map((e) => e.url), ['/old']);
      assert.deepEqual(joining.chaosRules.list().map((r) => r.id), ['r']);
      const changes: StubChange[] = [];
      await joining.stubs.follow((c) => changes.push(c));
      assert.deepEqual(changes, [{ kind: 'sync', removedAll: false, definitions: [{ id: 's1', request: { url: '/x' } }], removedIds: ['file-stub'] }]);
    } finally {
      await joining.close();
    }
  });

  it('a recording started on one replica captures what both append', async () => {
    await a.recordings.start({ targetBaseUrl: 'http://up' });
    await eventually(() => b.recordings.current().status === 'Recording', 'b records');
    a.recordings.append({ n: 1, body: Buffer.from('x') });
    b.recordings.append({ n: 2 });
    await new Promise((r) => setTimeout(r, 50));
    const got = await a.recordings.stop() as Array<{ n: number; body?: Buffer }>;
    assert.deepEqual(got.map((x) => x.n).sort(), [1, 2]);
    assert.deepEqual(got.find((x) => x.n === 1)!.body, Buffer.from('x'));
    await eventually(() => b.recordings.current().status === 'Stopped', 'b stopped');
  });
});

describe('Redis store: faults of Redis', () => {
  it('a command Redis refuses is counted on this replica alone, and the replica stays in the fleet', async () => {
    const prefix = `refused-${randomUUID()}`;
    const warnings: string[] = [];
    const state = await connected(prefix, { logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      // Someone else's string where the counters' hash should be: HINCRBY answers WRONGTYPE.
      await raw.set(storeKey(prefix, 'counters'), 'not a hash');
      assert.equal(await state.counters.incrementAndGet('k'), 1);
      assert.equal(await state.counters.incrementAndGet('k'), 2);
      assert.equal(state.health().connected, true);
      assert.equal(warnings.length, 1, warnings.join('\n'));
      assert.match(warnings[0]!, /refused a command \(WRONGTYPE/);
      await state.scenarios.set('s', 'Still shared');
      assert.equal(await raw.hGet(storeKey(prefix, 'scenarios'), 's'), 'Still shared');
    } finally {
      await raw.close();
      await state.close();
    }
  });

  it('unreachable at start: an error naming the URL (without its password)', async () => {
    const state = new RedisState({ url: 'redis://:secret@127.0.0.1:1/0', connectTimeoutMs: 500 });
    await assert.rejects(state.connect(), (e: unknown) => isDecoyError(e) && e.code === 'DECOY_ERR_STORE' && /127\.0\.0\.1:1/.test(e.message) && !/secret/.test(e.message));
  });

  it('optional, and Redis comes later: the replica joins the fleet and hears its changes', async function () {
    this.timeout(15_000);
    const late = await startRedis();
    await late.kill();
    const warnings: string[] = [];
    const alone = new RedisState({ url: late.url, prefix: 'late', optional: true, connectTimeoutMs: 300, logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    await alone.connect();
    try {
      assert.equal(alone.health().connected, false);
      await late.revive();
      await eventually(() => alone.health().connected, 'joined once Redis answers', 10_000);
      const other = new RedisState({ url: late.url, prefix: 'late' });
      await other.connect();
      await other.scenarios.set('s', 'Moved');
      await eventually(() => alone.scenarios.get('s') === 'Moved', 'a change made by another replica');
      await other.close();
      assert.equal(warnings.length, 1, warnings.join('\n'));
    } finally {
      await alone.close();
      await late.stop();
    }
  });

  it('optional and unreachable at start: serves alone, and reports it', async () => {
    const warnings: string[] = [];
    const state = new RedisState({ url: 'redis://127.0.0.1:1', optional: true, connectTimeoutMs: 300, logger: { info: () => {}, warn: (m) => warnings.push(m) } });
    await state.connect();
    try {
      assert.equal(await state.counters.incrementAndGet('k'), 1);
      assert.equal(await state.scenarios.compareAndSet('s', 'Started', 'Two'), true);
      assert.equal(state.health().connected, false);
      assert.equal(warnings.length, 1);
    } finally {
      await state.close();
    }
  });
});

describe('Redis store: journal entries', () => {
  it('an event written piece by piece is valid JSON of every field, with the id first, for plain, proxied and faulted events', () => {
    const connection = { clientIp: '::1', localAddress: '::1', localPort: 8443, scheme: 'https' as const };
    const stub = { id: 'stub "quoted" \u2028' } as never;
    const faults = [{ kind: 'fault', description: 'reset "now"' }] as never;
    const events = [
      new ServeEvent(1, 'GET', '/plain', ['Host', 'x'], Buffer.alloc(0), connection, '1.1', undefined, undefined, 0.25),
      new ServeEvent(2, 'POST', '/ü?q="x"\n', ['Host', 'x', 'X-Emoji', '😀'], Buffer.from([0, 255, 10]), connection, '2.0', stub,
        { status: 502, statusMessage: 'Bad "Gateway"', headers: ['a', 'b'], upstreamHeaders: ['Connection', 'close'], body: Buffer.from('body'), complete: false } as never, 12, faults),
    ];
    events[1]!.proxiedTo = 'http://upstream:1/';
    for (const e of events) {
      const text = encodeEvent(e);
      assert.ok(text.startsWith(`{"id":"${e.id}"`));
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const r = e.response as { status: number; statusMessage?: string; headers: string[]; upstreamHeaders?: string[]; body: Buffer; complete?: boolean } | undefined;
      assert.deepEqual(parsed, JSON.parse(JSON.stringify({
        id: e.id, t: e.loggedAt, m: e.method, u: e.url, h: e.rawHeaders, b: e.body.length ? e.body.toString('base64') : '', c: connection, v: e.httpVersion,
        s: (e.stub as { id: string } | undefined)?.id,
        r: r && { status: r.status, statusMessage: r.statusMessage, headers: r.headers, upstreamHeaders: r.upstreamHeaders, body: r.body.toString('base64'), complete: r.complete },
        ms: e.totalMs, f: e.faults, p: e.proxiedTo,
      })));
    }
  });
});

describe('Redis store: journal feeds', () => {
  it('each replica follows the other\'s journal feed and not its own, catches up with a replica that joins, and stops following one that leaves', async () => {
    const prefix = `feeds-${randomUUID()}`;
    const raw = createClient({ url: redis.url });
    await raw.connect();
    const subscribers = async (): Promise<Record<string, number>> => {
      const channels = await raw.pubSubChannels(storeKey(prefix, 'journal-feed:*'));
      return Object.fromEntries(Object.entries(await raw.pubSubNumSub(channels)).map(([c, n]) => [c.slice(c.lastIndexOf(':') + 1), Number(n)]));
    };
    const a = await connected(prefix);
    const b = await connected(prefix);
    try {
      // Two feeds with one subscriber each, the other replica: a replica reading its own batches back would make it 2.
      await eventually(() => true, 'settled');
      assert.deepEqual(Object.values(await subscribers()), [1, 1]);
      a.journal.append(new ServeEvent(Date.now(), 'GET', '/from-a', [], Buffer.alloc(0), CONNECTION, '1.1', undefined, undefined, 1));
      b.journal.append(new ServeEvent(Date.now(), 'GET', '/from-b', [], Buffer.alloc(0), CONNECTION, '1.1', undefined, undefined, 1));
      for (const s of [a, b]) await eventually(() => s.journal.size === 2, 'both events on each replica');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([a.journal.size, b.journal.size], [2, 2], 'each event once');

      // A replica that joins and writes a batch before the others follow its feed: they read it from the journal.
      const early = new ServeEvent(Date.now(), 'GET', '/before-followed', [], Buffer.alloc(0), CONNECTION, '1.1', undefined, undefined, 1);
      await raw.rPush(storeKey(prefix, 'journal'), encodeEvent(early));
      await raw.publish(storeKey(prefix, 'changes'), JSON.stringify({ o: 'late-replica', k: 'hello' }));
      await eventually(() => a.journal.get(early.id) !== undefined && b.journal.get(early.id) !== undefined, 'the early batch on both');
      await eventually(() => true, 'settled');
      assert.equal((await subscribers())['late-replica'], 2);
      await raw.publish(storeKey(prefix, 'changes'), JSON.stringify({ o: 'late-replica', k: 'bye' }));
      const until = Date.now() + 2000;
      while ((await subscribers())['late-replica'] !== undefined && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      assert.equal((await subscribers())['late-replica'], undefined, 'a replica that left is followed no more');
    } finally {
      await raw.close();
      await a.close();
      await b.close();
    }
  });
});
