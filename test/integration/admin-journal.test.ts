/**
 * The journal over the admin API, as WireMock's own clients read it: serve events carry exactly the
 * members of WireMock's model (its Java client refuses any other and fails the whole journal), Decoy's
 * extra facts travel as WireMock sub-events, and an unmatched event carries WireMock's placeholder stub.
 * The shapes WireMock shares with Decoy are compared with the real jar in the admin differential suite;
 * these tests pin what only Decoy has.
 */
import assert from 'node:assert/strict';
import type { Decoy } from '../../src/index.js';
import { appliedFaults, DecoyClient, statusMessage } from '../../src/client/index.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';
import { startUpstream } from '../support/upstream.js';

type Json = Record<string, any>;

/** The members of WireMock 3.13's ServeEvent and LoggedResponse: nothing else may be sent. */
const SERVE_EVENT_KEYS = ['id', 'request', 'responseDefinition', 'response', 'wasMatched', 'timing', 'subEvents', 'stubMapping'];
const LOGGED_RESPONSE_KEYS = ['status', 'headers', 'bodyAsBase64', 'fault', 'body'];

async function call(base: string, method: string, p: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${base}/__admin${p}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) as Json : {} };
}

function assertWireMockShape(event: Json): void {
  for (const key of Object.keys(event)) assert.ok(SERVE_EVENT_KEYS.includes(key), `serve event member ${key} is not WireMock's`);
  for (const key of Object.keys(event.response)) assert.ok(LOGGED_RESPONSE_KEYS.includes(key), `response member ${key} is not WireMock's`);
  for (const sub of event.subEvents) assert.deepEqual(Object.keys(sub).sort(), ['data', 'timeOffsetNanos', 'type']);
}

describe('the journal as WireMock\'s clients read it', () => {
  let decoy: Decoy;
  afterEach(async () => {
    await decoy?.stop();
  });

  it('serve events carry only WireMock\'s members: faults, delays and the status message are sub-events, a WireMock fault is also response.fault', async () => {
    ({ decoy } = await startDecoy({}));
    await call(decoy.url, 'POST', '/mappings', { request: { url: '/slow' }, response: { status: 200, statusMessage: 'Fine', body: 's', fixedDelayMilliseconds: 5 } });
    await call(decoy.url, 'POST', '/mappings', { request: { url: '/cut' }, response: { status: 200, fault: 'EMPTY_RESPONSE' } });
    await get(`${decoy.url}/slow`);
    await fetch(`${decoy.url}/cut`).catch(() => undefined);
    const { json } = await call(decoy.url, 'GET', '/requests');
    const [cut, slow] = json.requests;
    for (const e of json.requests) assertWireMockShape(e);
    // As WireMock logs it: the stub's response that the fault cut off, with the fault.
    assert.deepEqual(cut.response, { status: 200, headers: { 'Matched-Stub-Id': cut.stubMapping.id }, bodyAsBase64: '', fault: 'EMPTY_RESPONSE', body: '' });
    assert.deepEqual(cut.subEvents.map((s: Json) => [s.type, s.data.source, s.data.action, s.data.fault]), [['decoy.fault', 'stub', 'fault', 'EMPTY_RESPONSE']]);
    assert.equal('fault' in slow.response, false);
    assert.deepEqual(slow.subEvents.map((s: Json) => s.type), ['decoy.statusMessage', 'decoy.fault']);
    assert.equal(slow.subEvents[0].data.statusMessage, 'Fine');
    assert.equal(slow.subEvents[1].data.action, 'delay');

    // The same event, the same shape, wherever it is read.
    assert.deepEqual((await call(decoy.url, 'GET', `/requests/${slow.id}`)).json, slow);
    const removed = await call(decoy.url, 'POST', '/requests/remove', { url: '/slow' });
    assert.deepEqual(removed.json.serveEvents, [slow]);

    // Decoy's client reads them back from the sub-events.
    await get(`${decoy.url}/slow`);
    const client = new DecoyClient(decoy.url);
    const [event] = (await client.requests({ limit: 1 })).requests;
    assert.deepEqual(appliedFaults(event!).map((f) => [f.source, f.action]), [['stub', 'delay']]);
    assert.equal(statusMessage(event!), 'Fine');
  });

  it('POST /__admin/requests/find lists WireMock\'s logged requests, the same request members as the serve events, and nothing of Decoy\'s', async () => {
    ({ decoy } = await startDecoy({}));
    await call(decoy.url, 'POST', '/mappings', { request: { url: '/cut' }, response: { status: 200, fault: 'EMPTY_RESPONSE' } });
    await fetch(`${decoy.url}/cut`).catch(() => undefined);
    const found = (await call(decoy.url, 'POST', '/requests/find', { url: '/cut' })).json;
    const [event] = (await call(decoy.url, 'GET', '/requests')).json.requests;
    assert.deepEqual(Object.keys(found), ['requests', 'requestJournalDisabled']);
    assert.deepEqual(found.requests, [event.request]);
  });

  it('an unmatched serve event carries WireMock\'s placeholder stub (one id for every unmatched event, as WireMock\'s) and the report sent as REQUEST_NOT_MATCHED', async () => {
    ({ decoy } = await startDecoy({}));
    await call(decoy.url, 'POST', '/mappings', { request: { url: '/there' }, response: { status: 200 } });
    await get(`${decoy.url}/elsewhere`);
    await get(`${decoy.url}/nowhere`);
    const [miss, other] = (await call(decoy.url, 'GET', '/requests')).json.requests;
    assert.equal(other.stubMapping.id, miss.stubMapping.id);
    assertWireMockShape(miss);
    assert.equal(miss.wasMatched, false);
    const placeholder = miss.stubMapping;
    assert.match(placeholder.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(placeholder, { id: placeholder.id, request: { method: 'ANY' }, response: { status: 404, fromConfiguredStub: false }, uuid: placeholder.id });
    assert.deepEqual((await call(decoy.url, 'GET', `/requests/${miss.id}`)).json.stubMapping, placeholder);
    const [notMatched] = miss.subEvents;
    assert.equal(notMatched.type, 'REQUEST_NOT_MATCHED');
    assert.equal(notMatched.data.status, 404);
    assert.equal(notMatched.data.contentType, 'text/plain');
    assert.match(notMatched.data.report, /Request was not matched/);
    // The placeholder is no stub: it is not listed, and the typed client sees the event as unmatched.
    assert.equal((await call(decoy.url, 'GET', `/mappings/${placeholder.id}`)).status, 404);
  });

  it('the typed client filters the journal with unmatched and matchingStub', async () => {
    ({ decoy } = await startDecoy({}));
    const client = new DecoyClient(decoy.url);
    const stub = await client.createStub({ request: { url: '/hit' }, response: { status: 200 } });
    await get(`${decoy.url}/hit`);
    await get(`${decoy.url}/miss`);
    await get(`${decoy.url}/hit`);
    const unmatched = await client.requests({ unmatched: true });
    assert.deepEqual([unmatched.requests.map((e) => e.request.url), unmatched.meta.total], [['/miss'], 1]);
    const ofStub = await client.requests({ matchingStub: stub.id, limit: 1 });
    assert.deepEqual([ofStub.requests.map((e) => e.request.url), ofStub.meta.total], [['/hit'], 2]);
  });

  it('POST /__admin/recordings/snapshot takes only the serve events filters.ids names, and lists what it made newest first, as WireMock', async () => {
    const upstream = await startUpstream();
    const folder = tempStubs({ 'mappings/.keep': '' });
    try {
      ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
      await call(decoy.url, 'POST', '/mappings', { request: { urlPathPattern: '/rec/.*' }, response: { proxyBaseUrl: upstream.url } });
      await get(`${decoy.url}/rec/a`);
      await get(`${decoy.url}/rec/b`);
      const [b, a] = (await call(decoy.url, 'GET', '/requests')).json.requests;
      const only = await call(decoy.url, 'POST', '/recordings/snapshot', { filters: { ids: [a.id] }, persist: false });
      assert.deepEqual(only.json.mappings.map((m: Json) => m.request.url ?? m.request.urlPath), ['/rec/a']);
      const all = await call(decoy.url, 'POST', '/recordings/snapshot', { persist: false });
      assert.deepEqual(all.json.mappings.map((m: Json) => m.request.url ?? m.request.urlPath), ['/rec/b', '/rec/a']);
      assert.equal(b.request.url, '/rec/b');
      assert.equal((await call(decoy.url, 'POST', '/recordings/snapshot', { filters: { ids: 'nope' } })).status, 422);
    } finally {
      await upstream.close();
      folder.cleanup();
    }
  });

  it('POST /__admin/recordings/start without a targetBaseUrl records what proxy stubs forward, as WireMock does', async () => {
    const upstream = await startUpstream();
    const folder = tempStubs({ 'mappings/.keep': '' });
    try {
      ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
      await call(decoy.url, 'POST', '/mappings', { request: { urlPathPattern: '/via/.*' }, response: { proxyBaseUrl: upstream.url } });
      assert.equal((await call(decoy.url, 'POST', '/recordings/start', {})).status, 200);
      assert.equal((await call(decoy.url, 'GET', '/recordings/status')).json.status, 'Recording');
      await get(`${decoy.url}/via/a`);
      assert.equal((await get(`${decoy.url}/not-proxied`)).status, 404, 'with no target, a request no stub matches is not forwarded');
      const stopped = await call(decoy.url, 'POST', '/recordings/stop');
      assert.deepEqual(stopped.json.mappings.map((m: Json) => m.request.url ?? m.request.urlPath), ['/via/a']);
    } finally {
      await upstream.close();
      folder.cleanup();
    }
  });
});
