import assert from 'node:assert/strict';
import { AssertionError } from 'node:assert';
import { DecoyClient, DecoyClientError, verifyRequests, type Admin } from '../../src/client/index.js';
import { isAdminProblem } from '../../src/admin/problem.js';
import { LocalAdmin } from '../../src/admin/local-admin.js';
import { MockEngine } from '../../src/core/engine.js';
import { Recorder } from '../../src/proxy/recorder.js';
import type { Decoy } from '../../src/index.js';
import { clientError } from '../support/client.js';
import { startDecoy } from '../support/decoy.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

const ID_A = '0a000000-0000-4000-8000-00000000000a';
const ID_B = '0b000000-0000-4000-8000-00000000000b';

/** An in-process admin over a fresh engine, with no stubs folder (as a Decoy started without one). */
function localAdmin(engine = new MockEngine()): LocalAdmin {
  return new LocalAdmin({
    engine,
    startedAt: Date.now(),
    save: async () => ({ written: [] }),
    reloadFiles: async () => {},
    loadErrors: () => [],
    recorder: new Recorder(engine, undefined),
    shutdown: () => {},
  });
}

/** What a call gave: its value, or the HTTP status it was refused with (the same for both implementations). */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { value: await p };
  } catch (e) {
    if (e instanceof DecoyClientError) return { refused: e.status };
    if (isAdminProblem(e)) return { refused: e.status };
    // A DecoyError thrown in-process is what the routes answer with a 422.
    if (e instanceof Error && e.name === 'DecoyError') return { refused: 422 };
    throw e;
  }
}

/** Values that differ between two servers by nature: generated ids, clocks. */
function normalized(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v), (key, value) => {
    if ((key === 'id' || key === 'uuid') && typeof value === 'string' && value !== ID_A && value !== ID_B) return '<id>';
    if (key === 'expiresAt' || key === 'timestamp' || key === 'uptimeInSeconds') return '<time>';
    return value;
  });
}

/** The same calls, in order, on any Admin; each call's outcome is kept. */
async function script(admin: Admin): Promise<unknown[]> {
  const steps: Array<() => Promise<unknown>> = [
    () => admin.createStub({ id: ID_A, name: 'a', request: { method: 'GET', urlPath: '/a' }, response: { status: 200, body: 'a' }, metadata: { team: 'x' } }),
    () => admin.createStub({ id: ID_A, request: { url: '/dup' }, response: {} }),
    () => admin.createStub({ request: { method: 'GET', url: '/bad' }, response: { status: 'x' as unknown as number } }),
    () => admin.importStubs([
      { id: ID_B, request: { method: 'POST', url: '/b' }, response: { status: 201 }, scenarioName: 's', requiredScenarioState: 'Started', newScenarioState: 'two' },
      { request: { url: '/c' }, response: { status: 204 } },
    ]),
    () => admin.importStubs([{ request: { url: '/ok' }, response: {} }, { request: { url: '/bad' }, response: { status: 'x' as unknown as number } }]),
    () => admin.importStubs([], { duplicatePolicy: 'SOMETIMES' as 'IGNORE' }),
    () => admin.listStubs({ limit: 2, offset: 1 }),
    () => admin.getStub(ID_B),
    () => admin.getStub('not-a-uuid'),
    () => admin.getStub('0c000000-0000-4000-8000-00000000000c'),
    () => admin.updateStub(ID_A, { name: 'a2', request: { method: 'GET', urlPath: '/a' }, response: { body: 'A' } }),
    () => admin.findStubsByMetadata({ matchesJsonPath: '$.team' }),
    () => admin.unmatchedStubs(),
    () => admin.scenarios(),
    () => admin.setScenarioState('s', 'two'),
    () => admin.setScenarioState('s', 'three'),
    () => admin.setScenarioState('nope', 'two'),
    () => admin.resetScenario('s'),
    () => admin.scenarios(),
    () => admin.settings(),
    () => admin.updateSettings({ fixedDelay: -1 }),
    () => admin.updateSettings({ fixedDelay: 5 }),
    () => admin.settings(),
    () => admin.updateSettings({ fixedDelay: 0 }),
    () => admin.addChaosRule({ request: { urlPath: '/a' }, status: 503, hits: 2 }),
    () => admin.addChaosRule({ status: 503, probability: 2 }),
    () => admin.chaosRules(),
    () => admin.removeChaosRule('no-such-rule'),
    () => admin.clearChaosRules(),
    () => admin.countRequests({ method: 'GET', urlPath: '/a' }),
    () => admin.count({ method: 'GET', urlPath: '/a' }),
    () => admin.find({ method: 'ANY' }),
    () => admin.requests({ limit: 5 }),
    () => admin.requests({ since: 'yesterday' }),
    () => admin.nearMissesFor({ method: 'GET', url: '/aa' }),
    () => admin.nearMissesForPattern({ method: 'GET', url: '/a' }),
    () => admin.removeStubMapping({ request: { method: 'POST', url: '/b' } }),
    () => admin.decoyStubs(),
    () => admin.unsavedChanges(),
    () => admin.removeStubsByMetadata({ matchesJsonPath: '$.team' }),
    () => admin.removeStub(ID_A),
    () => admin.recordingStatus(),
    () => admin.stopRecording(),
    () => admin.loadErrors(),
    () => admin.version(),
    () => admin.removeAllStubs(),
    () => admin.listStubs(),
  ];
  const out: unknown[] = [];
  for (const step of steps) out.push(normalized(await outcome(step())));
  return out;
}

describe('the Admin interface', () => {
  let decoy: Decoy;
  let client: DecoyClient;
  let upstream: Upstream | undefined;

  beforeEach(async () => {
    ({ decoy } = await startDecoy({}));
    client = new DecoyClient(decoy.url);
  });
  afterEach(async () => {
    await decoy.stop();
    await upstream?.close();
    upstream = undefined;
  });

  it('the in-process admin gives what the HTTP client gets, call for call (values and refusals)', async () => {
    const local = await script(localAdmin());
    const remote = await script(client);
    for (let i = 0; i < local.length; i++) assert.deepEqual(local[i], remote[i], `step ${i + 1}`);
  });

  it('unmatchedStubs lists the stubs no request was served by, and removeUnmatchedStubs removes them', async () => {
    await client.createStub({ id: ID_A, request: { url: '/used' }, response: { body: 'used' } });
    await client.createStub({ id: ID_B, request: { url: '/unused' }, response: { body: 'unused' } });
    await fetch(`${decoy.url}/used`).then((r) => r.text());
    assert.deepEqual((await client.unmatchedStubs()).map((s) => s.id), [ID_B]);
    await client.removeUnmatchedStubs();
    assert.deepEqual((await client.listStubs()).mappings.map((s) => s.id), [ID_A]);
  });

  it('removeRequest removes one journal entry, and an id the journal does not hold is no error', async () => {
    await fetch(`${decoy.url}/one`).then((r) => r.text());
    await fetch(`${decoy.url}/two`).then((r) => r.text());
    const [newest] = (await client.requests()).requests;
    await client.removeRequest(newest!.id);
    assert.deepEqual((await client.requests()).requests.map((e) => e.request.url), ['/one']);
    await client.removeRequest(newest!.id);
  });

  it('removeRequestsByMetadata removes the requests served by stubs whose metadata matches, and returns them', async () => {
    await client.createStub({ request: { url: '/tagged' }, response: {}, metadata: { team: 'payments' } });
    await client.createStub({ request: { url: '/other' }, response: {} });
    for (const p of ['/tagged', '/other', '/tagged']) await fetch(`${decoy.url}${p}`).then((r) => r.text());
    const removed = await client.removeRequestsByMetadata({ equalToJson: { team: 'payments' } });
    assert.deepEqual(removed.map((e) => e.request.url), ['/tagged', '/tagged']);
    assert.deepEqual((await client.requests()).requests.map((e) => e.request.url), ['/other']);
  });

  it('resetScenario puts one scenario back to Started and leaves the others; an unknown one is a 404', async () => {
    for (const name of ['one', 'two']) {
      await client.createStub({ request: { url: `/${name}` }, response: {}, scenarioName: name, requiredScenarioState: 'Started', newScenarioState: 'done' });
      await client.setScenarioState(name, 'done');
    }
    await client.resetScenario('one');
    assert.deepEqual(Object.fromEntries((await client.scenarios()).map((s) => [s.name, s.state])), { one: 'Started', two: 'done' });
    assert.equal((await clientError(client.resetScenario('three'))).status, 404);
  });

  it('countRequests says how many and whether the server keeps a journal', async () => {
    await fetch(`${decoy.url}/x`).then((r) => r.text());
    assert.deepEqual(await client.countRequests({ url: '/x' }), { count: 1, requestJournalDisabled: false });
  });

  it('startRecording, recordingStatus, stopRecording and snapshotRecording record through the client', async () => {
    upstream = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('from upstream');
    });
    assert.equal(await client.recordingStatus(), 'NeverStarted');
    await client.startRecording({ targetBaseUrl: upstream.url, persist: false });
    assert.equal(await client.recordingStatus(), 'Recording');
    assert.equal(await fetch(`${decoy.url}/recorded`).then((r) => r.text()), 'from upstream');
    const stopped = await client.stopRecording();
    assert.equal(await client.recordingStatus(), 'Stopped');
    assert.deepEqual(stopped.mappings.map((m) => [m.request.url ?? m.request.urlPath, m.response?.body]), [['/recorded', 'from upstream']]);
    assert.equal(typeof stopped.redaction.summary, 'string');
    assert.equal(await fetch(`${decoy.url}/recorded`).then((r) => r.text()), 'from upstream');
    assert.equal((await clientError(client.stopRecording())).status, 400);

    await client.resetRequests();
    await client.createStub({ request: { urlPath: '/via-proxy' }, response: { proxyBaseUrl: upstream.url } });
    await fetch(`${decoy.url}/via-proxy`).then((r) => r.text());
    const snapshot = await client.snapshotRecording({ persist: false });
    assert.deepEqual(snapshot.mappings.map((m) => m.request.url ?? m.request.urlPath), ['/via-proxy']);
  });

  it('verifyRequests asserts a count on any Admin, in-process as over HTTP', async () => {
    await fetch(`${decoy.url}/seen`).then((r) => r.text());
    await verifyRequests(client, { url: '/seen' }, 1);
    await assert.rejects(verifyRequests(client, { url: '/seen' }, 2), (e: unknown) => e instanceof AssertionError && /Expected exactly 2 requests/.test(e.message));
    await assert.rejects(verifyRequests(localAdmin(), { url: '/seen' }, 1), (e: unknown) => e instanceof AssertionError && /but received 0/.test(e.message));
  });

  describe('changes in bulk rebuild the stub index once', () => {
    /** How many times the engine swapped in a new stub set while `fn` ran. */
    async function rebuilds(engine: MockEngine, fn: () => Promise<unknown>): Promise<number> {
      let n = 0;
      const off = engine.onChange((c) => { if (c.kind === 'stubs') n++; });
      try {
        await fn();
      } finally {
        off();
      }
      return n;
    }
    const many = (n: number, team: string) => Array.from({ length: n }, (_, i) => ({ request: { url: `/${team}/${i}` }, response: { body: String(i) }, metadata: { team } }));

    it('an import of 200 stubs, and removing them by metadata', async () => {
      const engine = new MockEngine();
      const admin = localAdmin(engine);
      assert.equal(await rebuilds(engine, () => admin.importStubs(many(200, 'a'))), 1);
      assert.equal(engine.stubs.size, 200);
      assert.equal(await rebuilds(engine, () => admin.removeStubsByMetadata({ equalToJson: { team: 'a' } })), 1);
      assert.equal(engine.stubs.size, 0);
    });

    it('an import that overwrites and deletes what is not in it', async () => {
      const engine = new MockEngine();
      const admin = localAdmin(engine);
      await admin.importStubs([{ id: ID_A, request: { url: '/old' }, response: {} }, ...many(20, 'gone')]);
      const n = await rebuilds(engine, () => admin.importStubs([{ id: ID_A, request: { url: '/new' }, response: {} }, ...many(30, 'b')], { deleteAllNotInImport: true }));
      // One for the stubs not in the import, one for the import itself.
      assert.equal(n, 2);
      assert.deepEqual(engine.stubs.all.map((s) => s.definition.request?.url).filter((u) => !u!.startsWith('/b/')), ['/new']);
      assert.equal(engine.stubs.size, 31);
    });

    it('an OpenAPI document with many operations', async () => {
      const engine = new MockEngine();
      const admin = localAdmin(engine);
      const paths = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`/things${i}`, { get: { responses: { 200: { description: 'ok' } } } }]));
      const result = await rebuilds(engine, () => admin.addOpenApi({ openapi: '3.0.3', info: { title: 'Many', version: '1' }, paths }));
      assert.equal(result, 1);
      assert.equal(engine.stubs.size, 40);
    });

    it("a recording's stubs, over the admin API of a running Decoy", async () => {
      upstream = await startUpstream((req, res) => { res.end(`upstream ${req.url}`); });
      await client.startRecording({ targetBaseUrl: upstream.url, persist: false, repeatsAsScenarios: false });
      for (let i = 0; i < 25; i++) await fetch(`${decoy.url}/rec/${i}`).then((r) => r.text());
      const n = await rebuilds(decoy.engine, () => client.stopRecording());
      assert.equal(n, 1);
      assert.equal(decoy.engine.stubs.size, 25);
    });

    it('removing stubs by an equal request pattern', async () => {
      const engine = new MockEngine();
      const admin = localAdmin(engine);
      await admin.importStubs(Array.from({ length: 10 }, () => ({ request: { method: 'GET', url: '/same' }, response: {} })));
      assert.equal(await rebuilds(engine, () => admin.removeStubMapping({ request: { method: 'GET', url: '/same' } })), 1);
      assert.equal(engine.stubs.size, 0);
    });
  });
});
