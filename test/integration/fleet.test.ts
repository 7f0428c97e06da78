/**
 * Three Decoy replicas (the built CLI, each its own process) share one real redis-server, behind a
 * round-robin balancer: through it, the fleet behaves as one Decoy (issue 16's "Done when").
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { startRedis, type RedisServer } from '../support/redis.js';
import { startBalancer, type Balancer } from '../support/balancer.js';
import { cliUrl, killCliRuns, runCli, type CliRun } from '../support/cli.js';
import { eventually, tempStubs } from '../support/decoy.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

const STUBS = {
  mappings: [
    { request: { method: 'GET', url: '/flaky' }, response: { status: 200, body: 'ok' }, chaos: [{ firstRequests: 2, status: 503 }] },
    { request: { method: 'GET', url: '/sequence' }, responses: [{ status: 503 }, { status: 503 }, { status: 200 }] },
    { request: { method: 'GET', url: '/cart' }, scenarioName: 'cart', requiredScenarioState: 'Started', response: { status: 200, body: 'empty' } },
    { request: { method: 'POST', url: '/cart' }, scenarioName: 'cart', requiredScenarioState: 'Started', newScenarioState: 'Full', response: { status: 201 } },
    { request: { method: 'GET', url: '/cart' }, scenarioName: 'cart', requiredScenarioState: 'Full', response: { status: 200, body: 'full' } },
    { request: { method: 'GET', urlPathPattern: '/counted/.*' }, response: { status: 200, body: 'counted' } },
  ],
};

interface Answer { status: number; body: string }

/** One request on a connection of its own (so the balancer spreads requests, not connections). */
function send(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(`${base}${path}`, { method, agent: false, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(parts).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function count(base: string, urlPattern: string): Promise<number> {
  const r = await send(base, 'POST', '/__admin/requests/count', { method: 'GET', urlPathPattern: urlPattern });
  return (JSON.parse(r.body) as { count: number }).count;
}

/** `n` requests, `concurrency` at a time; each one's answer, or its error. */
async function load(base: string, paths: (i: number) => string, n: number, concurrency: number): Promise<Array<Answer | Error>> {
  const out: Array<Answer | Error> = [];
  let i = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (i < n) {
      const k = i++;
      out[k] = await send(base, 'GET', paths(k)).catch((e: Error) => e);
    }
  }));
  return out;
}

describe('a fleet of three replicas sharing Redis, behind a round-robin balancer', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let folder: ReturnType<typeof tempStubs>;
  let runs: CliRun[];
  let replicas: string[];
  let lb: Balancer;
  let upstream: Upstream;

  before(async () => {
    redis = await startRedis();
    folder = tempStubs({ 'stubs.json': JSON.stringify(STUBS) });
    upstream = await startUpstream((req, res) => { res.writeHead(200, { 'content-type': 'text/plain' }).end(`upstream saw ${req.url}`); });
    const prefix = `fleet-${randomUUID().slice(0, 8)}`;
    runs = [0, 1, 2].map(() => runCli(['--port', '0', '--host', '127.0.0.1', '--stubs', folder.dir, '--no-watch', '--store', redis.url, '--store-prefix', prefix]));
    replicas = await Promise.all(runs.map((r) => cliUrl(r)));
    lb = await startBalancer(replicas.map((u) => Number(new URL(u).port)));
  });
  after(async () => {
    killCliRuns();
    await lb?.close();
    await upstream?.close();
    await redis?.stop();
    folder?.cleanup();
  });

  it('"503 twice then 200" gives exactly two 503s for the fleet, from a stub\'s chaos and from a response sequence', async () => {
    for (const path of ['/flaky', '/sequence']) {
      const answers = await load(lb.url, () => path, 12, 4) as Answer[];
      assert.deepEqual(answers.map((a) => a.status).filter((s) => s === 503).length, 2, `${path}: ${answers.map((a) => a.status)}`);
      assert.equal(answers.filter((a) => a.status === 200).length, 10);
    }
    assert.ok(lb.served.every((n) => n > 0), `every replica took traffic: ${lb.served}`);
  });

  it('a scenario advanced through one replica answers in its next state on the others', async () => {
    assert.equal((await send(replicas[0]!, 'GET', '/cart')).body, 'empty');
    assert.equal((await send(replicas[1]!, 'POST', '/cart')).status, 201);
    for (const r of replicas) assert.equal((await send(r, 'GET', '/cart')).body, 'full', `on ${r}`);
    // Only one replica may move it: the second POST finds it in Full.
    assert.equal((await send(replicas[2]!, 'POST', '/cart')).status, 404);
  });

  /**
   * How long after `since` each replica first served a request the way `served` says: every replica is asked at
   * once, over and over on a kept-alive connection, and a replica's time is when the first such request was sent
   * (what the replica knew then), not when its answer came back: the test measures the propagation, not how long
   * three requests in a row take on a busy machine.
   */
  async function propagation(since: number, path: string, served: (a: Answer) => boolean): Promise<number[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const ask = (base: string): Promise<Answer> => new Promise((resolve, reject) => {
      http.get(`${base}${path}`, { agent }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(parts).toString() }));
      }).on('error', reject);
    });
    try {
      return await Promise.all(replicas.map(async (r) => {
        const until = Date.now() + 2000;
        for (;;) {
          const sentAt = performance.now();
          if (served(await ask(r))) return sentAt - since;
          if (Date.now() > until) throw new Error(`not served by ${r} within 2 s`);
        }
      }));
    } finally {
      agent.destroy();
    }
  }

  it('a stub and a chaos rule posted to one replica are served by every replica within 100 ms', async () => {
    // A replica's first unmatched request loads the near-miss report's code (tens of ms on a busy machine):
    // done before the clock starts, so that what is timed is the change reaching each replica.
    for (const r of replicas) assert.equal((await send(r, 'GET', '/new')).status, 404);
    const posted = await send(replicas[0]!, 'POST', '/__admin/mappings', { request: { method: 'GET', url: '/new' }, response: { status: 200, body: 'new stub' } });
    assert.equal(posted.status, 201);
    const stubMs = await propagation(performance.now(), '/new', (a) => a.body === 'new stub');
    const rule = await send(replicas[1]!, 'POST', '/__admin/decoy/chaos', { request: { urlPath: '/new' }, status: 418 });
    assert.equal(rule.status, 201);
    const ruleMs = await propagation(performance.now(), '/new', (a) => a.status === 418);
    const ms = (t: number[]): string => t.map((x) => x.toFixed(1)).join(', ');
    assert.ok(Math.max(...stubMs, ...ruleMs) < 100, `the stub on each replica after ${ms(stubMs)} ms, the rule after ${ms(ruleMs)} ms`);
    // Removed on another replica: gone everywhere.
    await send(replicas[2]!, 'DELETE', '/__admin/decoy/chaos');
    const id = (JSON.parse(posted.body) as { id: string }).id;
    assert.equal((await send(replicas[2]!, 'DELETE', `/__admin/mappings/${id}`)).status, 200);
    for (const r of replicas) await eventually(async () => (await send(r, 'GET', '/new')).status === 404, 2000, `the stub gone on ${r}`);
  });

  it('count and verify through any replica equal what the client sent', async () => {
    const answers = await load(lb.url, (i) => `/counted/a-${i}`, 60, 6);
    assert.ok(answers.every((a) => !(a instanceof Error) && a.status === 200));
    for (const r of replicas) await eventually(async () => (await count(r, '/counted/a-.*')) === 60, 2000, `count 60 on ${r}`);
    // Nothing counted twice once the batches are in.
    await new Promise((r) => setTimeout(r, 100));
    for (const r of replicas) assert.equal(await count(r, '/counted/a-.*'), 60);
    const verify = await send(replicas[1]!, 'POST', '/__admin/requests/find', { method: 'GET', url: '/counted/a-7' });
    assert.equal((JSON.parse(verify.body) as { requests: unknown[] }).requests.length, 1);
    // Events another replica served name the stub that answered them, as this replica's own do.
    for (const r of replicas) {
      const journal = JSON.parse((await send(r, 'GET', '/__admin/requests')).body) as { requests: Array<{ request: { url: string }; wasMatched: boolean; stubMapping: { request: { urlPathPattern?: string } } }> };
      const counted = journal.requests.filter((e) => e.request.url.startsWith('/counted/a-'));
      assert.equal(counted.length, 60);
      assert.ok(counted.every((e) => e.wasMatched && e.stubMapping.request.urlPathPattern === '/counted/.*'), `on ${r}`);
    }
  });

  it('a recording started on one replica holds the traffic proxied by all', async () => {
    assert.equal((await send(replicas[0]!, 'POST', '/__admin/recordings/start', { targetBaseUrl: upstream.url, persist: false })).status, 200);
    for (const r of replicas) await eventually(async () => JSON.parse((await send(r, 'GET', '/__admin/recordings/status')).body).status === 'Recording', 2000, `recording on ${r}`);
    const answers = await load(lb.url, (i) => `/recorded/${i}`, 9, 3) as Answer[];
    assert.ok(answers.every((a) => a.status === 200 && a.body.startsWith('upstream saw')), JSON.stringify(answers));
    await new Promise((r) => setTimeout(r, 50));
    const stopped = JSON.parse((await send(replicas[0]!, 'POST', '/__admin/recordings/stop')).body) as { mappings: Array<{ request: { url?: string } }> };
    assert.deepEqual(stopped.mappings.map((m) => m.request.url).sort(), Array.from({ length: 9 }, (_, i) => `/recorded/${i}`).sort());
    // The recorded stubs are API stubs: every replica serves them.
    for (const r of replicas) await eventually(async () => (await send(r, 'GET', '/recorded/4')).body === 'upstream saw /recorded/4', 2000, `recorded stub on ${r}`);
  });

  it('a Redis restart mid-load loses nothing: every request answered, counted by every replica, state kept', async () => {
    const loading = load(lb.url, (i) => `/counted/b-${i}`, 300, 6);
    await new Promise((r) => setTimeout(r, 100));
    await redis.restart(300);
    const answers = await loading;
    assert.ok(answers.every((a) => !(a instanceof Error) && a.status === 200), 'every request was served while Redis was away');
    try {
      for (const r of replicas) await eventually(async () => (await count(r, '/counted/b-.*')) === 300, 8000, `count 300 on ${r} after the restart`);
    } catch (e) {
      // Say what each replica counted (more than 300: a batch written twice; fewer: one lost) and what they logged.
      const counts = await Promise.all(replicas.map((r) => count(r, '/counted/b-.*')));
      assert.fail(`${(e as Error).message}: counts ${counts.join(', ')}\n${runs.map((r) => r.output()).join('\n')}`);
    }
    // What was written before the restart is still there: the scenario is still Full.
    for (const r of replicas) assert.equal((await send(r, 'GET', '/cart')).body, 'full');
    const health = JSON.parse((await send(replicas[0]!, 'GET', '/__admin/health')).body) as { store: { connected: boolean } };
    assert.equal(health.store.connected, true);
  });

  it('killing a replica with SIGKILL mid-load loses at most the journal batch it had not written', async () => {
    const loading = load(lb.url, (i) => `/counted/c-${i}`, 300, 6);
    await new Promise((r) => setTimeout(r, 150));
    runs[2]!.child.kill('SIGKILL');
    const answers = await loading;
    const ok = answers.filter((a) => !(a instanceof Error) && a.status === 200).length;
    const failed = answers.length - ok;
    // The requests in flight on the killed replica fail; the balancer sends the rest to the others.
    assert.ok(failed <= 6, `${failed} requests failed`);
    await new Promise((r) => setTimeout(r, 200));
    const counted = await count(replicas[0]!, '/counted/c-.*');
    assert.equal(await count(replicas[1]!, '/counted/c-.*'), counted, 'the survivors agree');
    assert.ok(counted <= ok + failed && counted >= ok - 20, `counted ${counted} of ${ok} answered (lost ${ok - counted}: the killed replica's last batch)`);
  });
});

describe('--store at start', function () {
  this.timeout(20_000);
  afterEach(() => killCliRuns());

  it('Redis unreachable: the CLI exits 1 with an error that names the URL, without its password', async () => {
    const run = runCli(['--port', '0', '--stubs', 'stubs', '--store', 'redis://:hunter2@127.0.0.1:1/0']);
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /DECOY_ERR_STORE the store redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0 is unreachable/);
    assert.doesNotMatch(run.output(), /hunter2/);
  });

  it('not a Redis URL: the CLI exits 1 saying what a store URL looks like', async () => {
    const run = runCli(['--port', '0', '--stubs', 'stubs', '--store', 'http://127.0.0.1:6379']);
    assert.equal(await run.exited, 1);
    assert.match(run.output(), /DECOY_ERR_STORE --store http:\/\/127\.0\.0\.1:6379\/ is not a Redis URL/);
  });
});
