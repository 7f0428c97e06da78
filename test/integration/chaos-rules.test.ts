/**
 * Chaos, per stub (`chaos:` entries: firstRequests, everyNth, probability, with a seed) and at run time
 * (`/__admin/decoy/chaos` rules), as real clients see it; the contract is docs/faults.md.
 */
import assert from 'node:assert/strict';
import { request } from 'undici';
import type { Decoy } from '../../src/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { admin, binomialBounds, outcomeOf, WireClients } from '../support/wire.js';
import { appliedFaults } from '../../src/client/index.js';

const SLACK = 1_500;

const STUBS = [
  '- { request: { method: GET, url: /plain }, response: { status: 200, body: plain } }',
  '- { request: { method: POST, urlPathPattern: "/orders/.*" }, response: { status: 201, body: created } }',
  '- request: { method: GET, url: /warm }',
  '  response: { status: 200, body: ready }',
  '  chaos:',
  '    - { firstRequests: 2, status: 503, body: warming up }',
  '    - { everyNth: 3, fault: EMPTY_RESPONSE }',
  '- request: { method: GET, url: /flaky }',
  '  response: { status: 200, body: ok }',
  '  chaos:',
  '    - { probability: 0.2, fault: CONNECTION_RESET_BY_PEER }',
  '    - { probability: 0.2, status: 503, jsonBody: { error: overloaded } }',
  '- request: { method: GET, url: /freq }',
  '  response: { status: 200, body: ok }',
  '  chaos:',
  '    - { probability: 0.05, status: 500 }',
  '    - { probability: 0.10, status: 503 }',
  '    - { probability: 0.20, status: 429 }',
  '- request: { method: GET, url: /chaos-delay }',
  '  response: { status: 200, body: slow, fixedDelayMilliseconds: 200 }',
  '  chaos:',
  '    - { firstRequests: 1, fixedDelayMilliseconds: 300 }',
  '- request: { method: GET, url: /chaos-status }',
  '  response: { status: 200, body: fine }',
  '  chaos:',
  '    - { firstRequests: 1, status: 503, jsonBody: { error: overloaded }, headers: { Retry-After: "5" } }',
].join('\n');

/** Sends `n` requests with at most `concurrency` in flight; returns the statuses in completion order. */
async function statuses(clients: WireClients, url: string, n: number, concurrency = 16): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) {
      next++;
      const res = await request(url, { dispatcher: clients.agent });
      await res.body.dump();
      out.push(res.statusCode);
    }
  }));
  return out;
}

const count = (xs: readonly unknown[], x: unknown) => xs.filter((y) => y === x).length;

describe('chaos (docs/faults.md)', function () {
  this.timeout(5_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let clients: WireClients;
  const extra: Decoy[] = [];

  /** A Decoy on the chaos stubs (stopped after the test). */
  async function start(options: { seed?: number } = {}): Promise<Decoy> {
    const { decoy: d } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 200, ...options } as Parameters<typeof startDecoy>[0]);
    assert.deepEqual(d.loadReport?.errors ?? [], [], 'the chaos stubs load without errors');
    extra.push(d);
    return d;
  }

  beforeEach(async () => {
    folder = tempStubs({ 'chaos.yaml': STUBS });
    clients = new WireClients();
    decoy = await start({ seed: 1234 });
  });
  afterEach(async () => {
    await clients?.close();
    await Promise.all(extra.splice(0).map((d) => d.stop()));
    folder?.cleanup();
  });

  async function serveEventsFor(url: string, n = 1): Promise<any[]> {
    let found: any[] = [];
    await eventually(async () => {
      const { json } = await admin(decoy.url, 'GET', '/requests');
      found = json.requests.filter((e: any) => e.request.url === url);
      return found.length >= n;
    }, 2_000, `${n} serve event(s) for ${url}`);
    return found;
  }

  describe('stub chaos entries', () => {
    it('firstRequests: the first 2 get the error response, then the stub answers', async () => {
      const a = await clients.httpGet(decoy.port, '/warm');
      const b = await clients.httpGet(decoy.port, '/warm');
      assert.deepEqual([a.status, a.body.toString()], [503, 'warming up']);
      assert.deepEqual([b.status, b.body.toString()], [503, 'warming up']);
      // The 3rd is everyNth: 3's; the 4th is normal.
      await clients.httpGet(decoy.port, '/warm');
      const d = await clients.httpGet(decoy.port, '/warm');
      assert.deepEqual([d.status, d.body.toString()], [200, 'ready']);
    });
    it('everyNth: the 3rd, 6th and 9th requests get the fault; count-based entries are checked in order', async () => {
      const seen: string[] = [];
      for (let i = 0; i < 9; i++) seen.push(await outcomeOf(clients, decoy.port, '/warm'));
      assert.deepEqual(seen, [
        'status 503', 'status 503', 'empty',
        'status 200', 'status 200', 'empty',
        'status 200', 'status 200', 'empty',
      ]);
    });
    it("a status entry sends its own body and headers instead of the stub's", async () => {
      const r = await clients.undiciGet(`${decoy.url}/chaos-status`);
      assert.equal(r.status, 503);
      assert.deepEqual(JSON.parse(r.text ?? ''), { error: 'overloaded' });
      assert.equal(r.headers?.['retry-after'], '5');
      const next = await clients.undiciGet(`${decoy.url}/chaos-status`);
      assert.deepEqual([next.status, next.text], [200, 'fine']);
    });
    it("a delay entry is added to the stub's own delay", async () => {
      const first = await clients.httpGet(decoy.port, '/chaos-delay');
      assert.deepEqual([first.status, first.body.toString()], [200, 'slow']);
      assert.ok(first.elapsedMs >= 500 && first.elapsedMs < 500 + SLACK, `took ${first.elapsedMs} ms (stub 200 + chaos 300)`);
      const second = await clients.httpGet(decoy.port, '/chaos-delay');
      assert.ok(second.elapsedMs >= 200 && second.elapsedMs < 500, `took ${second.elapsedMs} ms (stub 200 only)`);
    });
    it('probability with a seed: the same 50 outcomes on two fresh instances', async () => {
      const run = async (d: Decoy) => {
        const seen: string[] = [];
        for (let i = 0; i < 50; i++) seen.push(await outcomeOf(clients, d.port, '/flaky'));
        return seen;
      };
      const first = await run(await start({ seed: 42 }));
      const second = await run(await start({ seed: 42 }));
      assert.deepEqual(second, first);
      // The entries do apply (P(one of them missing from 50 draws) < 1e-4, and the seed makes it fixed).
      assert.ok(first.includes('reset') && first.includes('status 503') && first.includes('status 200'), first.join(', '));
      assert.deepEqual(new Set(first), new Set(['reset', 'status 503', 'status 200']));
    });
    it('probability without a seed: two instances draw differently', async () => {
      const run = async (d: Decoy) => (await statuses(clients, `${d.url}/freq`, 60, 1)).join(',');
      // P(two independent 60-draw sequences are equal) is below 1e-12.
      assert.notEqual(await run(await start()), await run(await start()));
    });
    it('probability: over 2,000 requests, each entry within 5 sigma of its share (5% / 10% / 20% / 65%)', async () => {
      const seen = await statuses(clients, `${decoy.url}/freq`, 2_000);
      assert.equal(seen.length, 2_000);
      for (const [status, p] of [[500, 0.05], [503, 0.10], [429, 0.20], [200, 0.65]] as const) {
        const [lo, hi] = binomialBounds(2_000, p);
        const n = count(seen, status);
        assert.ok(n >= lo && n <= hi, `${n} × ${status}, expected ${Math.round(lo)}..${Math.round(hi)}`);
      }
      assert.equal(seen.filter((s) => ![500, 503, 429, 200].includes(s)).length, 0);
    });
    it('probabilities that add up to more than 1 are rejected (422)', async () => {
      const res = await admin(decoy.url, 'POST', '/mappings', {
        request: { url: '/too-much' },
        response: { status: 200 },
        chaos: [{ probability: 0.7, status: 503 }, { probability: 0.6, status: 500 }],
      });
      assert.equal(res.status, 422, res.text);
      assert.match(res.text, /chaos/);
    });
    it('the journal: source stub-chaos, with the action', async () => {
      await clients.httpGet(decoy.port, '/chaos-status');
      await clients.httpGet(decoy.port, '/chaos-delay');
      const [status] = await serveEventsFor('/chaos-status');
      assert.deepEqual(appliedFaults(status).map((f: any) => `${f.source}/${f.action}`), ['stub-chaos/status']);
      const [delay] = await serveEventsFor('/chaos-delay');
      const kinds = appliedFaults(delay).map((f: any) => `${f.source}/${f.action}`).sort();
      assert.deepEqual(kinds, ['stub-chaos/delay', 'stub/delay']);
    });
  });

  describe('run-time rules: /__admin/decoy/chaos', () => {
    const rules = async () => {
      const res = await admin(decoy.url, 'GET', '/decoy/chaos');
      assert.equal(res.status, 200);
      return res.json.rules as any[];
    };
    const addRule = async (rule: unknown) => {
      const res = await admin(decoy.url, 'POST', '/decoy/chaos', rule);
      assert.equal(res.status, 201, res.text);
      assert.equal(typeof res.json.id, 'string');
      return res.json;
    };

    it('POST → 201 with the rule and its id; GET lists it as created', async () => {
      const rule = { request: { method: 'GET', urlPath: '/plain' }, status: 503, body: 'down' };
      const stored = await addRule(rule);
      assert.deepEqual(stored.request, rule.request);
      assert.equal(stored.status, 503);
      assert.equal(stored.body, 'down');
      const listed = await rules();
      assert.equal(listed.length, 1);
      assert.equal(listed[0].id, stored.id);
      assert.deepEqual(listed[0].request, rule.request);
      assert.equal(listed[0].status, 503);
      assert.equal(listed[0].remainingHits, undefined, 'no limit, no remainingHits');
      assert.equal(listed[0].expiresAt, undefined, 'no limit, no expiresAt');
    });
    it('a rule without a pattern applies to stubbed and unmatched requests alike, but not to /__admin', async () => {
      await addRule({ fault: 'CONNECTION_RESET_BY_PEER' });
      assert.equal(await outcomeOf(clients, decoy.port, '/plain'), 'reset');
      assert.equal(await outcomeOf(clients, decoy.port, '/no-stub-here'), 'reset');
      const r = await clients.curl(['-sS', `${decoy.url}/no-stub-here`]);
      assert.equal(r.exitCode, 56);
      assert.match(r.stderr, /Connection reset by peer/);
      assert.equal((await rules()).length, 1, '/__admin still answers');
    });
    it('a status rule replaces the stub response, and the 404 of an unmatched request', async () => {
      await addRule({ status: 503, jsonBody: { error: 'overloaded' }, headers: { 'Retry-After': '7' } });
      for (const path of ['/plain', '/unmatched']) {
        const r = await clients.undiciGet(`${decoy.url}${path}`);
        assert.equal(r.status, 503, path);
        assert.deepEqual(JSON.parse(r.text ?? ''), { error: 'overloaded' });
        assert.equal(r.headers?.['retry-after'], '7');
      }
    });
    it('a delay rule delays the stub response, which is otherwise unchanged', async () => {
      await addRule({ request: { urlPath: '/plain' }, fixedDelayMilliseconds: 300 });
      const r = await clients.httpGet(decoy.port, '/plain');
      assert.deepEqual([r.status, r.body.toString()], [200, 'plain']);
      assert.ok(r.elapsedMs >= 300 && r.elapsedMs < 300 + SLACK, `took ${r.elapsedMs} ms`);
      await admin(decoy.url, 'DELETE', '/decoy/chaos');
      await addRule({ request: { urlPath: '/plain' }, delayDistribution: { type: 'uniform', lower: 200, upper: 250 } });
      const u = await clients.httpGet(decoy.port, '/plain');
      assert.ok(u.elapsedMs >= 200 && u.elapsedMs < 250 + SLACK, `took ${u.elapsedMs} ms`);
    });
    it('the request pattern scopes the rule: only matching requests are affected', async () => {
      await addRule({ request: { method: 'POST', urlPathPattern: '/orders/.*' }, status: 503 });
      const post = await request(`${decoy.url}/orders/7`, { method: 'POST', body: '{}', dispatcher: clients.agent });
      assert.equal(post.statusCode, 503);
      await post.body.dump();
      assert.equal((await clients.httpGet(decoy.port, '/plain')).status, 200, 'another path');
      const get = await clients.httpGet(decoy.port, '/orders/7');
      assert.equal(get.status, 404, 'same path, another method: unmatched, and not the rule');
    });
    it('rules are checked in the order they were added; a failed probability draw falls through', async () => {
      await addRule({ request: { urlPath: '/plain' }, status: 500 });
      await addRule({ request: { urlPath: '/plain' }, status: 503 });
      assert.equal((await clients.httpGet(decoy.port, '/plain')).status, 500);
      await admin(decoy.url, 'DELETE', '/decoy/chaos');
      await addRule({ request: { urlPath: '/plain' }, probability: 0, status: 500 });
      await addRule({ request: { urlPath: '/plain' }, status: 503 });
      assert.equal((await clients.httpGet(decoy.port, '/plain')).status, 503);
    });
    it('hits: applied exactly N times, counted down in the list, then gone', async () => {
      const stored = await addRule({ request: { urlPath: '/plain' }, status: 503, hits: 2 });
      let listed = await rules();
      assert.equal(listed[0].remainingHits, 2);
      assert.equal((await clients.httpGet(decoy.port, '/plain')).status, 503);
      listed = await rules();
      assert.equal(listed.find((r) => r.id === stored.id)?.remainingHits, 1);
      // Requests the rule does not match do not count.
      assert.equal((await clients.httpGet(decoy.port, '/unmatched')).status, 404);
      assert.equal((await clients.httpGet(decoy.port, '/plain')).status, 503);
      assert.deepEqual(await rules(), []);
      for (let i = 0; i < 3; i++) assert.equal((await clients.httpGet(decoy.port, '/plain')).status, 200);
    });
    it('durationMs: applies at once with an expiresAt, and no longer once it has passed', async () => {
      const before = Date.now();
      const stored = await addRule({ request: { urlPath: '/plain' }, status: 503, durationMs: 400 });
      const after = Date.now();
      const listed = (await rules()).find((r) => r.id === stored.id);
      assert.ok(listed, 'listed while it lasts');
      const expiresAt = Date.parse(listed.expiresAt);
      assert.match(listed.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.ok(expiresAt >= before + 400 - 5 && expiresAt <= after + 400 + 5, `expiresAt ${listed.expiresAt}`);
      assert.equal((await clients.httpGet(decoy.port, '/plain')).status, 503);
      await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 100));
      assert.equal((await clients.httpGet(decoy.port, '/plain')).status, 200, 'not after it expired');
      assert.equal((await rules()).find((r) => r.id === stored.id), undefined, 'an expired rule is gone from the list');
    });
    it('probability: applied to its share of requests (5 sigma over 2,000)', async () => {
      await addRule({ request: { urlPath: '/plain' }, probability: 0.3, status: 503 });
      const seen = await statuses(clients, `${decoy.url}/plain`, 2_000);
      const [lo, hi] = binomialBounds(2_000, 0.3);
      const n = count(seen, 503);
      assert.ok(n >= lo && n <= hi, `${n} × 503 of 2000, expected ${Math.round(lo)}..${Math.round(hi)}`);
      assert.equal(count(seen, 200), 2_000 - n);
    });
    it('probability with a seed: the same rule draws on two fresh instances', async () => {
      const run = async (d: Decoy) => {
        const res = await admin(d.url, 'POST', '/decoy/chaos', { request: { urlPath: '/plain' }, probability: 0.5, status: 503 });
        assert.equal(res.status, 201, res.text);
        return (await statuses(clients, `${d.url}/plain`, 60, 1)).join(',');
      };
      const first = await run(await start({ seed: 99 }));
      assert.equal(await run(await start({ seed: 99 })), first);
      assert.match(first, /503/);
      assert.match(first, /200/);
    });
    it('an invalid rule is a 422 that names the field; nothing is stored', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ probability: 1.5, status: 503 }, /probability/],
        [{ fault: 'NOT_A_FAULT' }, /fault/],
        [{ status: 503, hits: -1 }, /hits/],
        [{ status: 503, durationMs: 'soon' }, /durationMs/],
        [{ status: 'teapot' }, /status/],
        [{ request: { method: 42 }, status: 503 }, /request/],
        [{ fixedDelayMilliseconds: -5 }, /fixedDelayMilliseconds/],
        [{}, /fixedDelayMilliseconds|delayDistribution|fault|status|action/],
      ];
      for (const [rule, field] of cases) {
        const res = await admin(decoy.url, 'POST', '/decoy/chaos', rule);
        assert.equal(res.status, 422, `${JSON.stringify(rule)} → ${res.status} ${res.text}`);
        assert.match(res.text, field, `${JSON.stringify(rule)} → ${res.text}`);
      }
      assert.deepEqual(await rules(), []);
    });
    it('DELETE /{id} removes one rule (200); an unknown id is a 404', async () => {
      const a = await addRule({ request: { urlPath: '/plain' }, status: 503 });
      const b = await addRule({ request: { urlPath: '/other' }, status: 503 });
      assert.equal((await admin(decoy.url, 'DELETE', `/decoy/chaos/${a.id}`)).status, 200);
      assert.deepEqual((await rules()).map((r) => r.id), [b.id]);
      assert.equal((await clients.httpGet(decoy.port, '/plain')).status, 200);
      assert.equal((await admin(decoy.url, 'DELETE', `/decoy/chaos/${a.id}`)).status, 404);
      assert.equal((await admin(decoy.url, 'DELETE', '/decoy/chaos/no-such-rule')).status, 404);
    });
    it('DELETE all: 200, no rules left, requests served normally', async () => {
      await addRule({ request: { urlPath: '/plain' }, status: 503 });
      await addRule({ fault: 'EMPTY_RESPONSE' });
      assert.equal((await admin(decoy.url, 'DELETE', '/decoy/chaos')).status, 200);
      assert.deepEqual(await rules(), []);
      const r = await clients.httpGet(decoy.port, '/plain');
      assert.deepEqual([r.status, r.body.toString()], [200, 'plain']);
    });
    it('the journal: source chaos-rule with the ruleId and the action', async () => {
      const reset = await addRule({ request: { urlPath: '/plain' }, fault: 'CONNECTION_RESET_BY_PEER', hits: 1 });
      await clients.httpGet(decoy.port, '/plain');
      const slow = await addRule({ request: { urlPath: '/plain' }, fixedDelayMilliseconds: 20, hits: 1 });
      await clients.httpGet(decoy.port, '/plain');
      const down = await addRule({ status: 503, hits: 1 });
      await clients.httpGet(decoy.port, '/unmatched');
      await clients.httpGet(decoy.port, '/plain');
      const plain = await serveEventsFor('/plain', 3);
      // Newest first: the normal one, the delayed one, the reset one.
      assert.deepEqual(appliedFaults(plain[0]), [], `unexpected faults: ${JSON.stringify(plain[0].subEvents)}`);
      assert.deepEqual(appliedFaults(plain[1]).map((f: any) => [f.source, f.action, f.ruleId]), [['chaos-rule', 'delay', slow.id]]);
      assert.deepEqual(appliedFaults(plain[2]).map((f: any) => [f.source, f.action, f.ruleId]), [['chaos-rule', 'fault', reset.id]]);
      assert.match(appliedFaults(plain[2])[0]!.description, /CONNECTION_RESET_BY_PEER/);
      const [unmatched] = await serveEventsFor('/unmatched');
      assert.deepEqual(appliedFaults(unmatched).map((f: any) => [f.source, f.action, f.ruleId]), [['chaos-rule', 'status', down.id]]);
    });
  });
});
