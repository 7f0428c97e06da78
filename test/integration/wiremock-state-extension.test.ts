/**
 * WireMock's state extension (wiremock/wiremock-state-extension) without its jar: stub files written for
 * it load unchanged and mean the same. The cases follow the extension's documented examples: the CRUD
 * sandbox, the queue, matching on a context, list operations, the state helper's defaults and errors.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Decoy } from '../../src/index.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { startDecoy, tempStubs } from '../support/decoy.js';

const T = ['response-template'];

/** The documented examples, as a WireMock root's mappings (the extension runs with global templating; here each response says so). */
const MAPPINGS = {
  mappings: [
    // CRUD: POST /identity makes an id and records the identity under it; GET reads it back.
    {
      request: { method: 'POST', url: '/identity' },
      response: { status: 200, transformers: T, headers: { 'content-type': 'application/json' },
        jsonBody: { id: "{{randomValue length=32 type='ALPHANUMERIC' lowercase=true}}", firstName: "{{jsonPath request.body '$.firstName'}}", lastName: "{{jsonPath request.body '$.lastName'}}" } },
      serveEventListeners: [{ name: 'recordState', parameters: {
        context: "{{jsonPath response.body '$.id'}}",
        state: { id: "{{jsonPath response.body '$.id'}}", firstName: "{{jsonPath request.body '$.firstName'}}", lastName: "{{jsonPath request.body '$.lastName'}}",
          birthName: "{{state context=(jsonPath response.body '$.id') property='lastName' default='none'}}" },
      } }],
    },
    {
      request: { method: 'GET', urlPattern: '/identity/[^/]+', customMatcher: { name: 'state-matcher', parameters: { hasContext: '{{request.pathSegments.[1]}}' } } },
      response: { status: 200, transformers: T, headers: { 'content-type': 'application/json' },
        jsonBody: { id: '{{state context=request.pathSegments.[1] property=\'id\'}}', firstName: '{{state context=request.pathSegments.[1] property=\'firstName\'}}',
          lastName: '{{state context=request.pathSegments.[1] property=\'lastName\'}}', updates: '{{state context=request.pathSegments.[1] property=\'updateCount\'}}',
          nickname: '{{state context=request.pathSegments.[1] property=\'nickname\'}}', birthName: '{{state context=request.pathSegments.[1] property=\'birthName\'}}' } },
    },
    {
      request: { method: 'GET', urlPattern: '/identity/[^/]+', customMatcher: { name: 'state-matcher', parameters: { hasNotContext: '{{request.pathSegments.[1]}}' } } },
      response: { status: 404 },
    },
    {
      request: { method: 'PATCH', urlPattern: '/identity/[^/]+' },
      response: { status: 204 },
      serveEventListeners: [{ name: 'recordState', parameters: { context: '{{request.pathSegments.[1]}}', state: { lastName: "{{jsonPath request.body '$.lastName'}}" } } }],
    },
    {
      request: { method: 'DELETE', urlPattern: '/identity/[^/]+' },
      response: { status: 204 },
      serveEventListeners: [{ name: 'deleteState', parameters: { context: '{{request.pathSegments.[1]}}' } }],
    },
    // The queue: POST appends to a list, GET answers the first and removes it.
    {
      request: { method: 'POST', url: '/queue' },
      response: { status: 200, transformers: T, headers: { 'content-type': 'application/json' }, body: "{{request.body}}" },
      serveEventListeners: [{ name: 'recordState', parameters: { context: 'queue', list: { addLast: { firstName: "{{jsonPath request.body '$.firstName'}}" } } } }],
    },
    {
      request: { method: 'POST', url: '/queue/urgent' },
      response: { status: 200 },
      serveEventListeners: [{ name: 'recordState', parameters: { context: 'queue', list: { addFirst: { firstName: "{{jsonPath request.body '$.firstName'}}" } } } }],
    },
    {
      request: { method: 'GET', url: '/queue', customMatcher: { name: 'state-matcher', parameters: { hasContext: 'queue', listSizeMoreThan: '0' } } },
      response: { status: 200, transformers: T, body: "{{state context='queue' list='[0].firstName'}}" },
      serveEventListeners: [{ name: 'deleteState', parameters: { context: 'queue', list: { deleteFirst: true } } }],
    },
    {
      request: { method: 'GET', url: '/queue' },
      priority: 10,
      response: { status: 204 },
    },
    {
      request: { method: 'GET', url: '/queue/all' },
      response: { status: 200, transformers: T, headers: { 'content-type': 'application/json' },
        body: "[{{#each (state context='queue' property='list' default='[]')}}\"{{firstName}}\"{{#unless @last}},{{/unless}}{{/each}}]" },
    },
    {
      request: { method: 'GET', url: '/queue/info' },
      response: { status: 200, transformers: T, body: "{{state context='queue' property='listSize' default='0'}} {{state context='queue' list='[-1].firstName' default='-'}}" },
    },
    {
      request: { method: 'DELETE', urlPattern: '/queue/index/.*' },
      response: { status: 204 },
      serveEventListeners: [{ name: 'deleteState', parameters: { context: 'queue', list: { deleteIndex: '{{request.pathSegments.[2]}}' } } }],
    },
    {
      request: { method: 'DELETE', urlPattern: '/queue/name/.*' },
      response: { status: 204 },
      serveEventListeners: [{ name: 'deleteState', parameters: { context: 'queue', list: { deleteWhere: { property: 'firstName', value: '{{request.pathSegments.[2]}}' } } } }],
    },
    {
      request: { method: 'DELETE', url: '/queue/last' },
      response: { status: 204 },
      serveEventListeners: [{ name: 'deleteState', parameters: { context: 'queue', list: { deleteLast: true } } }],
    },
    // Update count matching.
    {
      request: { method: 'GET', url: '/counted', customMatcher: { name: 'state-matcher', parameters: { hasContext: 'c', updateCountEqualTo: '2' } } },
      response: { status: 200, body: 'twice' },
    },
    {
      request: { method: 'POST', url: '/counted' },
      response: { status: 200 },
      serveEventListeners: [{ name: 'recordState', parameters: { context: 'c', state: { at: '{{now}}' } } }],
    },
  ],
};

interface Answer { status: number; text: string; json: unknown }

async function call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, text, json };
}

function suite(name: string, start: () => Promise<{ decoys: Decoy[]; stop: () => Promise<void> }>): void {
  describe(name, function () {
    this.timeout(30_000);
    let decoys: Decoy[];
    let stop: () => Promise<void>;
    before(async () => ({ decoys, stop } = await start()));
    after(async () => stop?.());
    beforeEach(async () => { await call(decoys[0]!.url, 'POST', '/__admin/reset'); });
    /** The Decoy for the i-th request: with two, they take turns. */
    const at = (i: number): string => decoys[i % decoys.length]!.url;

    it('CRUD: a recorded identity is read back by its id, patched, deleted; an unknown one is 404 (hasNotContext)', async () => {
      const created = await call(at(0), 'POST', '/identity', { firstName: 'John', lastName: 'Doe' });
      assert.equal(created.status, 200);
      const id = (created.json as { id: string }).id;
      assert.match(id, /^[a-z0-9]{32}$/);
      const read = await call(at(1), 'GET', `/identity/${id}`);
      assert.equal(read.status, 200);
      assert.deepEqual(read.json, { id, firstName: 'John', lastName: 'Doe', updates: '1', nickname: `[ERROR: No state for context ${id}, property nickname found]`, birthName: 'none' });
      assert.equal((await call(at(2), 'GET', '/identity/nobody')).status, 404);

      assert.equal((await call(at(3), 'PATCH', `/identity/${id}`, { lastName: 'Smith' })).status, 204);
      const patched = await call(at(4), 'GET', `/identity/${id}`);
      assert.deepEqual({ ...(patched.json as object), nickname: undefined }, { id, firstName: 'John', lastName: 'Smith', updates: '2', nickname: undefined, birthName: 'none' }, 'a recorded state overwrites only the properties it names');

      assert.equal((await call(at(5), 'DELETE', `/identity/${id}`)).status, 204);
      assert.equal((await call(at(6), 'GET', `/identity/${id}`)).status, 404);
    });

    it('a listener reads the state before its own change: recording twice keeps the earlier value where it asks for it', async () => {
      // The birthName of the CRUD case came from the state before the first recording: none, so the default.
      await call(at(0), 'POST', '/counted');
      await call(at(1), 'POST', '/counted');
      assert.equal((await call(at(2), 'GET', '/counted')).text, 'twice');
    });

    it('the queue: append, prepend, take the first (listSizeMoreThan), list, and delete by index, property and last', async () => {
      for (const [i, n] of ['John', 'Jane', 'Jim'].entries()) await call(at(i), 'POST', '/queue', { firstName: n });
      await call(at(3), 'POST', '/queue/urgent', { firstName: 'Ursula' });
      assert.deepEqual((await call(at(4), 'GET', '/queue/all')).json, ['Ursula', 'John', 'Jane', 'Jim']);
      assert.equal((await call(at(5), 'GET', '/queue/info')).text, '4 Jim');
      assert.equal((await call(at(6), 'GET', '/queue')).text, 'Ursula');
      assert.equal((await call(at(7), 'GET', '/queue')).text, 'John');
      await call(at(8), 'POST', '/queue', { firstName: 'Kim' });
      await call(at(9), 'POST', '/queue', { firstName: 'Lou' });
      assert.deepEqual((await call(at(10), 'GET', '/queue/all')).json, ['Jane', 'Jim', 'Kim', 'Lou']);
      await call(at(11), 'DELETE', '/queue/index/1');
      assert.deepEqual((await call(at(12), 'GET', '/queue/all')).json, ['Jane', 'Kim', 'Lou']);
      await call(at(13), 'DELETE', '/queue/index/-1');
      assert.deepEqual((await call(at(14), 'GET', '/queue/all')).json, ['Jane', 'Kim']);
      await call(at(15), 'DELETE', '/queue/name/Jane');
      await call(at(16), 'DELETE', '/queue/last');
      assert.deepEqual((await call(at(17), 'GET', '/queue/all')).json, []);
      assert.equal((await call(at(18), 'GET', '/queue')).status, 204, 'an empty list no longer matches listSizeMoreThan 0');
      assert.equal((await call(at(19), 'GET', '/queue/info')).text, '0 -');
    });

    it('updateCountEqualTo matches after exactly that many recordings; reset forgets every context', async () => {
      await call(at(0), 'POST', '/counted');
      assert.equal((await call(at(1), 'GET', '/counted')).status, 404);
      await call(at(2), 'POST', '/counted');
      assert.equal((await call(at(3), 'GET', '/counted')).text, 'twice');
      await call(at(4), 'POST', '/counted');
      assert.equal((await call(at(5), 'GET', '/counted')).status, 404);
      await call(at(0), 'POST', '/__admin/reset');
      await call(at(1), 'POST', '/queue', { firstName: 'A' });
      await call(at(0), 'POST', '/__admin/reset');
      assert.deepEqual((await call(at(1), 'GET', '/queue/all')).json, []);
    });
  });
}

suite('WireMock state extension: its documented examples, on one Decoy', async () => {
  const folder = tempStubs({ 'mappings/state.json': JSON.stringify(MAPPINGS) });
  const { decoy, log } = await startDecoy({ stubsDir: folder.dir });
  assert.doesNotMatch(log.text(), /Java extension|ERROR/, 'the listeners and the matcher are not reported as extensions Decoy cannot run');
  return { decoys: [decoy], stop: async () => { await decoy.stop(); folder.cleanup(); } };
});

suite('WireMock state extension: the same across two Decoys sharing Redis, taking turns', async () => {
  const redis: RedisServer = await startRedis();
  const folder = tempStubs({ 'mappings/state.json': JSON.stringify(MAPPINGS) });
  const prefix = `state-${randomUUID().slice(0, 8)}`;
  const { decoy: a } = await startDecoy({ stubsDir: folder.dir, store: { url: redis.url, prefix } });
  const { decoy: b } = await startDecoy({ stubsDir: folder.dir, store: { url: redis.url, prefix } });
  return { decoys: [a, b], stop: async () => { await a.stop(); await b.stop(); await redis.stop(); folder.cleanup(); } };
});
