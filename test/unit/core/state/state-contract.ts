/**
 * What every State adapter must do, as one suite: `stateContract(name, make)` runs it against an adapter.
 * The in-memory adapter runs it today; an adapter outside the process (Redis) must pass the same suite.
 * Every operation is awaited, so an adapter may answer later.
 */
import assert from 'node:assert/strict';
import { ServeEvent } from '../../../../src/core/state/journal.js';
import type { ResourceCollection, ResourceItem, State, StateChange } from '../../../../src/core/state/state.js';

export interface ContractSetup {
  journalSize: number;
  /** The adapter's clock, for chaos rule expiry. */
  now: () => number;
}

const CONNECTION = { clientIp: '127.0.0.1', localAddress: '127.0.0.1', localPort: 8080, scheme: 'http' as const };

function event(url: string): ServeEvent {
  return new ServeEvent(Date.now(), 'GET', url, ['Host', 'x'], Buffer.alloc(0), CONNECTION, '1.1', undefined, { status: 200, headers: [], body: Buffer.alloc(0) }, 1);
}

/** Waits until `check` holds: a shared store may deliver its own changes to subscribers a little later. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > until) assert.fail(`not seen within 2 s: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function stateContract(name: string, make: (setup: ContractSetup) => Promise<State>): void {
  describe(`State port contract: ${name}`, () => {
    let state: State;
    let clock = 1_000_000;
    const setup = (journalSize = 3): Promise<State> => make({ journalSize, now: () => clock });
    beforeEach(async () => {
      clock = 1_000_000;
      state = await setup();
    });
    afterEach(async () => {
      await state.close();
    });

    describe('scenarios', () => {
      it('a scenario never set is in Started; set and reset move it', async () => {
        assert.equal(state.scenarios.get('login'), 'Started');
        await state.scenarios.set('login', 'Logged in');
        assert.equal(state.scenarios.get('login'), 'Logged in');
        await state.scenarios.set('cart', 'Full');
        assert.deepEqual(new Map(state.scenarios.entries()), new Map([['login', 'Logged in'], ['cart', 'Full']]));
        await state.scenarios.reset('login');
        assert.equal(state.scenarios.get('login'), 'Started');
        assert.equal(state.scenarios.get('cart'), 'Full');
        await state.scenarios.reset();
        assert.equal(state.scenarios.get('cart'), 'Started');
        assert.deepEqual(state.scenarios.entries(), []);
      });

      it('compare-and-set moves the scenario only from the expected state', async () => {
        assert.equal(await state.scenarios.compareAndSet('s', 'Step 2', 'Step 3'), false);
        assert.equal(state.scenarios.get('s'), 'Started', 'a failed compare-and-set changes nothing');
        assert.equal(await state.scenarios.compareAndSet('s', 'Started', 'Step 2'), true);
        assert.equal(state.scenarios.get('s'), 'Step 2');
        assert.equal(await state.scenarios.compareAndSet('s', 'Started', 'Step 9'), false);
        assert.equal(state.scenarios.get('s'), 'Step 2');
      });

      it('of many compare-and-sets from the same state at once, exactly one wins', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => state.scenarios.compareAndSet('race', 'Started', `winner ${i}`)));
        assert.equal(results.filter((r) => r).length, 1);
        const winner = results.indexOf(true);
        assert.equal(state.scenarios.get('race'), `winner ${winner}`);
      });
    });

    describe('counters', () => {
      it('increment-and-get counts from 1 per key; get reads; reset forgets some or all', async () => {
        assert.equal(state.counters.get('a'), 0);
        assert.equal(await state.counters.incrementAndGet('a'), 1);
        assert.equal(await state.counters.incrementAndGet('a'), 2);
        assert.equal(await state.counters.incrementAndGet('b'), 1);
        assert.equal(state.counters.get('a'), 2);
        await state.counters.reset(['a']);
        assert.equal(await state.counters.incrementAndGet('a'), 1);
        assert.equal(state.counters.get('b'), 1);
        await state.counters.reset();
        assert.equal(state.counters.get('b'), 0);
      });

      it('increments made at once are all counted, each with its own value', async () => {
        const values = await Promise.all(Array.from({ length: 100 }, () => state.counters.incrementAndGet('hits')));
        assert.deepEqual([...values].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i + 1));
        assert.equal(state.counters.get('hits'), 100);
      });
    });

    describe('chaos rules', () => {
      it('keeps rules in the order added, removes by id, clears, and counts versions', async () => {
        const v0 = state.chaosRules.version;
        await state.chaosRules.add({ id: 'r1', definition: { fault: 'HANG' }, expiresAt: undefined });
        await state.chaosRules.add({ id: 'r2', definition: { status: 503 }, expiresAt: undefined });
        assert.deepEqual(state.chaosRules.list().map((r) => r.id), ['r1', 'r2']);
        assert.deepEqual(state.chaosRules.list()[1]!.definition, { status: 503 });
        assert.ok(state.chaosRules.version > v0, 'a change moves the version');
        assert.equal(await state.chaosRules.remove('r1'), true);
        assert.equal(await state.chaosRules.remove('r1'), false, 'a rule removed twice');
        assert.deepEqual(state.chaosRules.list().map((r) => r.id), ['r2']);
        await state.chaosRules.clear();
        assert.deepEqual(state.chaosRules.list(), []);
      });

      it('a rule is gone once its expiry passes', async () => {
        await state.chaosRules.add({ id: 'short', definition: {}, expiresAt: clock + 100 });
        await state.chaosRules.add({ id: 'forever', definition: {}, expiresAt: undefined });
        assert.equal(state.chaosRules.list().length, 2);
        clock += 100;
        assert.deepEqual(state.chaosRules.list().map((r) => r.id), ['forever']);
      });
    });

    describe('settings', () => {
      it('none until set; then the object last set', async () => {
        assert.equal(state.settings.get(), undefined);
        await state.settings.set({ fixedDelay: 10 });
        await state.settings.set({ fixedDelay: 20, extra: 'x' });
        assert.deepEqual(state.settings.get(), { fixedDelay: 20, extra: 'x' });
      });
    });

    describe('journal', () => {
      it('keeps the newest events up to its capacity, newest first', async () => {
        for (const url of ['/1', '/2', '/3', '/4', '/5']) state.journal.append(event(url));
        assert.equal(state.journal.size, 3);
        assert.deepEqual(state.journal.newestFirst().map((e) => e.url), ['/5', '/4', '/3']);
      });

      it('finds an event by id, removes by predicate (oldest first), clears', async () => {
        const events = ['/a', '/b', '/c'].map(event);
        for (const e of events) state.journal.append(e);
        assert.equal(state.journal.get(events[1]!.id)?.url, '/b');
        assert.equal(state.journal.get('no-such-id'), undefined);
        const removed = state.journal.remove((e) => e.url !== '/b');
        assert.deepEqual(removed.map((e) => e.url), ['/a', '/c']);
        assert.deepEqual(state.journal.newestFirst().map((e) => e.url), ['/b']);
        state.journal.clear();
        assert.equal(state.journal.size, 0);
      });

      it('with capacity 0 it is off and keeps nothing', async () => {
        const off = await setup(0);
        try {
          assert.equal(off.journal.enabled, false);
          off.journal.append(event('/x'));
          assert.equal(off.journal.size, 0);
        } finally {
          await off.close();
        }
      });
    });

    describe('recordings', () => {
      it('captures only while recording, and hands over what it captured, oldest first', async () => {
        assert.equal(state.recordings.current().status, 'NeverStarted');
        state.recordings.append({ n: 0 });
        await state.recordings.start({ targetBaseUrl: 'http://upstream' });
        assert.deepEqual(state.recordings.current(), { status: 'Recording', spec: { targetBaseUrl: 'http://upstream' } });
        state.recordings.append({ n: 1 });
        state.recordings.append({ n: 2 });
        assert.deepEqual(await state.recordings.stop(), [{ n: 1 }, { n: 2 }]);
        assert.equal(state.recordings.current().status, 'Stopped');
        state.recordings.append({ n: 3 });
        await state.recordings.start({});
        assert.deepEqual(await state.recordings.stop(), [], 'a new recording starts empty');
      });
    });

    describe('resources', () => {
      const item = (id: string, extra: Record<string, unknown> = {}): ResourceItem => ({ id, value: { id, ...extra } });
      const orders: ResourceCollection = { name: '/orders', seed: [item('s1'), item('s2')], maxItems: 4 };

      it('a collection nobody wrote holds its seed; insert, get, replace in place, delete', async () => {
        assert.deepEqual((await state.resources.list(orders)).map((i) => i.id), ['s1', 's2']);
        assert.equal(await state.resources.insert(orders, item('a', { total: 1 })), 'created');
        assert.deepEqual(await state.resources.get(orders, 'a'), item('a', { total: 1 }));
        assert.equal(await state.resources.get(orders, 'nope'), undefined);
        assert.equal(await state.resources.replace(orders, item('s1', { total: 9 })), true);
        assert.equal(await state.resources.replace(orders, item('nope')), false);
        assert.deepEqual(await state.resources.list(orders), [item('s1', { total: 9 }), item('s2'), item('a', { total: 1 })], 'a replaced item keeps its place');
        assert.equal(await state.resources.delete(orders, 's2'), true);
        assert.equal(await state.resources.delete(orders, 's2'), false);
        assert.deepEqual((await state.resources.list(orders)).map((i) => i.id), ['s1', 'a']);
      });

      it('an insert refuses a taken id and a full collection', async () => {
        assert.equal(await state.resources.insert(orders, item('s1')), 'exists');
        assert.equal(await state.resources.insert(orders, item('a')), 'created');
        assert.equal(await state.resources.insert(orders, item('b')), 'created');
        assert.equal(await state.resources.insert(orders, item('c')), 'full');
        assert.deepEqual((await state.resources.list(orders)).map((i) => i.id), ['s1', 's2', 'a', 'b']);
      });

      it('of many inserts at once up to the bound, exactly the bound succeed', async () => {
        const big: ResourceCollection = { name: '/big', seed: [], maxItems: 10 };
        const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => state.resources.insert(big, item(`i${i}`))));
        assert.equal(outcomes.filter((o) => o === 'created').length, 10);
        assert.equal((await state.resources.list(big)).length, 10);
      });

      it('setAll replaces every item; reset goes back to the seed, for one collection or all', async () => {
        const users: ResourceCollection = { name: '/users', seed: [item('u1')], maxItems: 10 };
        await state.resources.setAll(orders, [item('x')]);
        await state.resources.insert(users, item('u2'));
        assert.deepEqual((await state.resources.list(orders)).map((i) => i.id), ['x']);
        await state.resources.reset('/orders');
        assert.deepEqual((await state.resources.list(orders)).map((i) => i.id), ['s1', 's2']);
        assert.deepEqual((await state.resources.list(users)).map((i) => i.id), ['u1', 'u2'], 'another collection keeps its items');
        await state.resources.setAll(orders, []);
        assert.deepEqual(await state.resources.list(orders), [], 'emptied, not back to the seed');
        await state.resources.reset();
        assert.deepEqual((await state.resources.list(orders)).map((i) => i.id), ['s1', 's2']);
        assert.deepEqual((await state.resources.list(users)).map((i) => i.id), ['u1']);
      });

      it('peek shows the items written (for templates), none for a collection on its seed, and a change is told', async () => {
        const seen: StateChange[] = [];
        state.subscribe((c) => seen.push(c));
        assert.equal(state.resources.peek('/orders'), undefined);
        await state.resources.insert(orders, item('a'));
        await eventually(() => state.resources.peek('/orders')?.length === 3, 'the local copy has the new item');
        await eventually(() => seen.some((c) => c.kind === 'resource' && c.name === '/orders'), 'a resource change');
        await state.resources.reset();
        await eventually(() => state.resources.peek('/orders') === undefined, 'the local copy forgets on a reset');
      });
    });

    describe('changes', () => {
      it('tells subscribers of each kind of change, until they unsubscribe', async () => {
        const seen: StateChange[] = [];
        const off = state.subscribe((c) => seen.push(c));
        await state.scenarios.set('s', 'Two');
        await state.chaosRules.add({ id: 'r', definition: {}, expiresAt: undefined });
        await state.settings.set({});
        await state.scenarios.reset();
        await eventually(() => seen.length >= 4, 'four changes');
        assert.deepEqual(seen.map((c) => c.kind), ['scenario', 'chaos-rules', 'settings', 'scenarios-reset']);
        assert.deepEqual(seen[0], { kind: 'scenario', name: 's', state: 'Two' });
        off();
        await state.settings.set({ again: true });
        await new Promise((r) => setTimeout(r, 20));
        assert.equal(seen.length, 4, 'nothing after unsubscribing');
      });
    });
  });
}
