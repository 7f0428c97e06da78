/**
 * The typed client's chaos-rule methods against a real Decoy: what they send, what they return, and
 * that the rules they add act on the wire.
 */
import assert from 'node:assert/strict';
import { appliedFaults, DecoyClient } from '../../src/client/index.js';
import type { Decoy } from '../../src/index.js';
import { clientError } from '../support/client.js';
import { startDecoy, tempStubs } from '../support/decoy.js';
import { outcomeOf, WireClients } from '../support/wire.js';

const STUBS = '- { request: { method: GET, url: /ping }, response: { status: 200, body: pong } }';


describe('DecoyClient: chaos rules', function () {
  this.timeout(5_000);
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let client: DecoyClient;
  let clients: WireClients;

  beforeEach(async () => {
    folder = tempStubs({ 'ping.yaml': STUBS });
    clients = new WireClients();
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 200 }));
    client = new DecoyClient(decoy.url);
  });
  afterEach(async () => {
    await clients?.close();
    await decoy?.stop();
    folder?.cleanup();
  });

  it('addChaosRule returns the stored rule with its id; chaosRules lists it; the rule acts', async () => {
    const rule = await client.addChaosRule({ request: { method: 'GET', urlPath: '/ping' }, status: 503, jsonBody: { error: 'down' }, hits: 3 });
    assert.equal(typeof rule.id, 'string');
    assert.ok(rule.id.length > 0);
    assert.equal(rule.status, 503);
    assert.deepEqual(rule.jsonBody, { error: 'down' });
    assert.equal(rule.remainingHits, 3);
    const listed = await client.chaosRules();
    assert.deepEqual(listed.map((r) => [r.id, r.status, r.remainingHits]), [[rule.id, 503, 3]]);
    const res = await fetch(`${decoy.url}/ping`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { error: 'down' });
    assert.equal((await client.chaosRules())[0]?.remainingHits, 2);
  });

  it('a fault rule with durationMs: expiresAt in the future, the fault on the wire', async () => {
    const before = Date.now();
    const rule = await client.addChaosRule({ fault: 'CONNECTION_RESET_BY_PEER', durationMs: 60_000 });
    assert.ok(rule.expiresAt !== undefined && Date.parse(rule.expiresAt) >= before + 60_000 - 5, `expiresAt ${rule.expiresAt}`);
    assert.equal(await outcomeOf(clients, decoy.port, '/ping'), 'reset');
  });

  it('the journal carries the rule id of what was applied', async () => {
    const rule = await client.addChaosRule({ request: { urlPath: '/ping' }, fixedDelayMilliseconds: 10 });
    await fetch(`${decoy.url}/ping`).then((r) => r.text());
    const [event] = (await client.requests()).requests;
    assert.deepEqual(appliedFaults(event!).map((f) => [f.source, f.action, f.ruleId]), [['chaos-rule', 'delay', rule.id]]);
  });

  it('removeChaosRule removes one; an unknown id is a DecoyClientError with status 404', async () => {
    const a = await client.addChaosRule({ request: { urlPath: '/ping' }, status: 500 });
    const b = await client.addChaosRule({ request: { urlPath: '/other' }, status: 500 });
    await client.removeChaosRule(a.id);
    assert.deepEqual((await client.chaosRules()).map((r) => r.id), [b.id]);
    assert.equal((await fetch(`${decoy.url}/ping`).then((r) => r.status)), 200);
    const e = await clientError(client.removeChaosRule(a.id));
    assert.equal(e.status, 404);
    assert.equal(e.method, 'DELETE');
    assert.equal(e.path, `/__admin/decoy/chaos/${a.id}`);
  });

  it('clearChaosRules removes them all', async () => {
    await client.addChaosRule({ status: 503 });
    await client.addChaosRule({ fault: 'EMPTY_RESPONSE' });
    await client.clearChaosRules();
    assert.deepEqual(await client.chaosRules(), []);
    assert.equal(await fetch(`${decoy.url}/ping`).then((r) => r.text()), 'pong');
  });

  it('an invalid rule is a DecoyClientError with status 422 that names the field', async () => {
    const e = await clientError(client.addChaosRule({ probability: 2, status: 503 }));
    assert.equal(e.status, 422);
    assert.match(`${e.message} ${JSON.stringify(e.details)}`, /probability/);
    assert.deepEqual(await client.chaosRules(), []);
  });
});
