/**
 * Recording, differentially: the real WireMock 3.13.2 (the jar, as a child JVM) and Decoy record the same
 * traffic from the same node:http upstream through `/__admin/recordings` and `/__admin/recordings/snapshot`,
 * and the stubs they make are compared: the stop or snapshot answer (order included), the stub list that
 * follows, and the mapping files written. Ids are random on both sides and are left out of the comparison;
 * Decoy's extra `redaction` report is not compared.
 *
 * Run it alone (the JVM starts once, in about two seconds):
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 30000 --exit test/integration/recording-wiremock-differential.test.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Decoy } from '../../src/index.js';
import { startDecoy, tempStubs } from '../support/decoy.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { startWireMock, type WireMockProcess } from '../support/wiremock.js';

/** A fixed upstream: no Date header, so both recordings see the same answers. */
function upstreamHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  res.sendDate = false;
  const url = req.url ?? '';
  if (url === '/rec/a') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Rec': 'a' });
    res.end('{"name":"a"}');
  } else if (url.startsWith('/rec/post')) {
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end('{"created":true}');
  } else {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'X-Path': url });
    res.end(`at ${url}`);
  }
}

interface Side {
  name: 'WireMock' | 'Decoy';
  url: string;
  root: string;
}

async function admin(side: Side, method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${side.url}/__admin${p}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }) });
  const text = await r.text();
  return { status: r.status, json: text === '' ? undefined : JSON.parse(text) };
}

/** A stub as compared: without its random id. */
function withoutId(m: any): any {
  const { id: _id, uuid: _uuid, ...rest } = m;
  return rest;
}

/**
 * The mapping files under the root's mappings/, parsed, without ids and without WireMock's
 * `insertionIndex` (its internal counter of stubs added), in a stable order.
 */
function mappingFiles(root: string): any[] {
  const dir = path.join(root, 'mappings');
  return readdirSync(dir).filter((f) => f.endsWith('.json'))
    .map((f) => {
      const { insertionIndex: _i, ...mapping } = withoutId(JSON.parse(readFileSync(path.join(dir, f), 'utf8')));
      return mapping;
    })
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

describe('recording differential: the stubs WireMock 3.13.2 and Decoy record from the same traffic', function () {
  this.timeout(30_000);
  let upstream: Upstream;
  let wireMock: WireMockProcess;
  let decoy: Decoy;
  const cleanups: Array<() => void> = [];
  let sides: Side[];

  before(async function () {
    this.timeout(60_000);
    upstream = await startUpstream(upstreamHandler);
    const roots = [tempStubs(), tempStubs()];
    for (const r of roots) {
      cleanups.push(r.cleanup);
      mkdirSync(path.join(r.dir, 'mappings'), { recursive: true });
      mkdirSync(path.join(r.dir, '__files'), { recursive: true });
    }
    wireMock = await startWireMock(roots[0]!.dir);
    decoy = (await startDecoy({ stubsDir: roots[1]!.dir, watch: false, shutdownGraceMs: 200 })).decoy;
    sides = [{ name: 'WireMock', url: wireMock.url, root: roots[0]!.dir }, { name: 'Decoy', url: decoy.url, root: roots[1]!.dir }];
  });

  after(async () => {
    await Promise.all([wireMock?.stop(), decoy?.stop(), upstream?.close()]);
    for (const c of cleanups) c();
  });

  beforeEach(async () => {
    for (const side of sides) {
      await admin(side, 'POST', '/reset');
      await admin(side, 'DELETE', '/mappings');
      for (const f of readdirSync(path.join(side.root, 'mappings'))) if (f.endsWith('.json')) rmSync(path.join(side.root, 'mappings', f));
    }
  });

  /** Runs the same steps on both servers and returns each one's results, WireMock's first. */
  async function onBoth<T>(steps: (side: Side) => Promise<T>): Promise<[T, T]> {
    return [await steps(sides[0]!), await steps(sides[1]!)];
  }

  const traffic = async (side: Side) => {
    const send = (p: string, init?: RequestInit) => fetch(`${side.url}${p}`, init).then((r) => r.arrayBuffer());
    await send('/rec/a');
    await send('/rec/b?x=1&x=2&y=3');
    await send('/rec/a');
    await send('/rec/post/json', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Cap': 'c' }, body: '{"a":[1,2]}' });
    await send('/rec/post/xml', { method: 'POST', headers: { 'Content-Type': 'application/xml' }, body: '<a/>' });
    await send('/rec/post/text', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'Text' });
    await send('/rec/post/bin', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: 'abc' });
    await send('/Caf%C3%A9/Some%20Path/x.y-z');
    await send('/rec/a');
  };

  it('records by default as WireMock does: newest first, repeats as a scenario, WireMock\'s names, persistent, header names as sent, the body matcher by Content-Type', async () => {
    const [wm, dc] = await onBoth(async (side) => {
      assert.equal((await admin(side, 'POST', '/recordings/start', { targetBaseUrl: upstream.url })).status, 200, side.name);
      await traffic(side);
      const stopped = await admin(side, 'POST', '/recordings/stop');
      const listed = await admin(side, 'GET', '/mappings');
      return { stopped: stopped.json.mappings.map(withoutId), listed: listed.json.mappings.map(withoutId), files: mappingFiles(side.root) };
    });
    // What this pins, stated once on WireMock's side so a change in the reference shows here.
    assert.deepEqual(wm.stopped.map((m: any) => [m.name, m.requiredScenarioState ?? null, m.newScenarioState ?? null]), [
      ['rec_a', 'scenario-1-rec-a-3', null], ['cafe_some-path_x.y-z', null, null], ['rec_post_bin', null, null], ['rec_post_text', null, null],
      ['rec_post_xml', null, null], ['rec_post_json', null, null], ['rec_a', 'scenario-1-rec-a-2', 'scenario-1-rec-a-3'], ['rec_b', null, null],
      ['rec_a', 'Started', 'scenario-1-rec-a-2'],
    ]);
    assert.deepEqual(dc.stopped, wm.stopped, 'the stop answer');
    assert.deepEqual(dc.listed, wm.listed, 'the stub list after stop');
    assert.deepEqual(dc.files, wm.files, 'the mapping files written');
  });

  it('records a spec as WireMock does: captured header names as given, equalToJson flags as given, repeats dropped (the newest kept), not persistent', async () => {
    const spec = {
      targetBaseUrl: upstream.url, captureHeaders: { 'X-Cap': {}, 'x-other': { caseInsensitive: true } },
      requestBodyPattern: { matcher: 'equalToJson', ignoreArrayOrder: false }, repeatsAsScenarios: false, persist: false,
    };
    const [wm, dc] = await onBoth(async (side) => {
      await admin(side, 'POST', '/recordings/start', spec);
      const send = (p: string, init?: RequestInit) => fetch(`${side.url}${p}`, init).then((r) => r.arrayBuffer());
      await send('/rec/post/json', { method: 'POST', headers: { 'Content-Type': 'application/json', 'x-cap': 'c', 'X-OTHER': 'O' }, body: '{"a":[1,2]}' });
      await send('/rec/b');
      await send('/rec/b');
      const stopped = await admin(side, 'POST', '/recordings/stop');
      return { stopped: stopped.json.mappings.map(withoutId), files: mappingFiles(side.root) };
    });
    assert.deepEqual(wm.stopped[1].request.headers, { 'X-Cap': { equalTo: 'c' }, 'x-other': { equalTo: 'O', caseInsensitive: true } });
    assert.deepEqual(dc.stopped, wm.stopped);
    assert.deepEqual(dc.files, wm.files);
    assert.deepEqual(dc.files, [], 'persist: false writes no file');
  });

  it('snapshots as WireMock does: newest first, and filters.ids keeps only the serve events named', async () => {
    const [wm, dc] = await onBoth(async (side) => {
      await admin(side, 'POST', '/mappings', { request: { method: 'GET', urlPathPattern: '/rec/.*' }, response: { proxyBaseUrl: upstream.url } });
      const send = (p: string) => fetch(`${side.url}${p}`).then((r) => r.arrayBuffer());
      await send('/rec/a');
      await send('/rec/b');
      await send('/rec/c');
      const events = (await admin(side, 'GET', '/requests')).json.requests as Array<{ id: string; request: { url: string } }>;
      const ids = events.filter((e) => e.request.url !== '/rec/b').map((e) => e.id);
      const only = await admin(side, 'POST', '/recordings/snapshot', { filters: { ids }, persist: false });
      const all = await admin(side, 'POST', '/recordings/snapshot', { persist: false });
      return { only: only.json.mappings.map(withoutId), all: all.json.mappings.map(withoutId) };
    });
    assert.deepEqual(wm.only.map((m: any) => m.name), ['rec_c', 'rec_a']);
    assert.deepEqual(wm.all.map((m: any) => m.name), ['rec_c', 'rec_b', 'rec_a']);
    assert.deepEqual(dc.only, wm.only, 'filters.ids');
    assert.deepEqual(dc.all, wm.all, 'no filter');
  });
});
