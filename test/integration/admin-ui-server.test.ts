/**
 * The server side of the web admin UI: its static files (content types, caching, the page for any
 * UI route, nothing outside the UI folder), the live event stream (events as they happen, a slow
 * reader dropped rather than buffered, streams ended by stop()), and the endpoints the UI reads.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Decoy } from '../../src/index.js';
import { findUiFolder } from '../../src/admin/ui-routes.js';
import { decoyPerTest } from '../support/decoy.js';

const STUBS = `- name: list orders
  request: { method: GET, urlPath: /orders }
  response: { status: 200, body: "[]" }
`;

/** Reads server-sent events from a fetch stream. */
async function openEvents(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: Array<{ type: string; data: any }> = [];
  const waiters: Array<() => void> = [];
  let ended = false;
  const done = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (type && data) events.push({ type, data: JSON.parse(data) });
          waiters.splice(0).forEach((w) => w());
        }
      }
    } catch { /* aborted */ }
    ended = true;
    waiters.splice(0).forEach((w) => w());
  })();
  const next = async (type: string, test: (data: any) => boolean = () => true, timeoutMs = 3000) => {
    const start = Date.now();
    for (;;) {
      const found = events.find((e) => e.type === type && test(e.data));
      if (found) return found.data;
      if (ended) throw new Error(`the stream ended before a ${type} event`);
      if (Date.now() - start > timeoutMs) throw new Error(`no ${type} event within ${timeoutMs} ms`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 50); });
    }
  };
  return { res, events, next, ended: () => ended, done, close: () => controller.abort() };
}

/** A raw GET that is sent exactly as written (fetch would normalize `..` away). */
function rawGet(port: number, target: string): Promise<{ status: number; body: string; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method: 'GET' }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), type: res.headers['content-type'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web admin UI: server side', function () {
  const suite = decoyPerTest({ 'orders.yaml': STUBS });
  let decoy: Decoy | undefined;

  describe('static files', () => {
    before(function () {
      if (!findUiFolder()) {
        console.warn('    the UI is not built (npm run build)');
        this.skip();
      }
    });

    it('serves the page, its assets with their types and caching, and the page for any UI route', async () => {
      ({ decoy } = await suite.start());
      const bare = await fetch(`${decoy.url}/__admin/ui`, { redirect: 'manual' });
      assert.equal(bare.status, 301);
      assert.equal(bare.headers.get('location'), '/__admin/ui/');
      const page = await fetch(`${decoy.url}/__admin/ui/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(page.headers.get('cache-control'), 'no-cache');
      const html = await page.text();
      const script = /src="(\/__admin\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      const style = /href="(\/__admin\/ui\/assets\/[^"]+\.css)"/.exec(html)?.[1];
      assert.ok(script && style, 'the page links its script and style under /__admin/ui/assets/');
      assert.doesNotMatch(html, /https?:\/\//, 'nothing is loaded from another host');
      const js = await fetch(`${decoy.url}${script}`);
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type') ?? '', /^(text|application)\/javascript/);
      assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      const css = await fetch(`${decoy.url}${style}`);
      assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
      const deep = await fetch(`${decoy.url}/__admin/ui/some/route`);
      assert.equal(deep.status, 200);
      assert.equal(await deep.text(), html, 'a UI route answers with the page');
      assert.equal((await fetch(`${decoy.url}/__admin/ui/assets/gone-1234.js`)).status, 404, 'a missing asset is a 404, not the page');
      assert.equal((await fetch(`${decoy.url}/__admin/ui/`, { method: 'POST' })).status, 405);
    });

    it('never serves a file outside the UI folder', async () => {
      ({ decoy } = await suite.start());
      assert.ok(existsSync(path.join(findUiFolder()!, '..', 'index.js')), 'there is a file one level up to reach for');
      for (const target of ['/__admin/ui/../index.js', '/__admin/ui/..%2findex.js', '/__admin/ui/%2e%2e/index.js', '/__admin/ui/assets/..%2f..%2findex.js']) {
        const r = await rawGet(decoy.port, target);
        assert.doesNotMatch(r.body, /createDecoy/, `${target} stays inside the UI folder (got ${r.status})`);
      }
    });

    it('serves the UI without the admin token, and nothing it calls without it', async () => {
      ({ decoy } = await suite.start({ adminToken: 'tok' }));
      assert.equal((await fetch(`${decoy.url}/__admin/ui/`)).status, 200);
      assert.equal((await fetch(`${decoy.url}/__admin/decoy/events`)).status, 401);
      assert.equal((await fetch(`${decoy.url}/__admin/decoy/match-counts`)).status, 401);
      const events = await openEvents(`${decoy.url}/__admin/decoy/events`, { Authorization: 'Bearer tok' });
      await events.next('ready');
      events.close();
    });
  });

  describe('live events', () => {
    it('pushes each served request and each stub change as it happens', async () => {
      ({ decoy } = await suite.start());
      const events = await openEvents(`${decoy.url}/__admin/decoy/events`);
      assert.equal(events.res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
      await events.next('ready');
      await fetch(`${decoy.url}/orders`);
      const row = await events.next('served', (d) => d.url === '/orders');
      assert.equal(row.method, 'GET');
      assert.equal(row.status, 200);
      assert.equal(row.matched, true);
      assert.equal(row.stub.name, 'list orders');
      assert.equal(typeof row.durationMs, 'number');
      await fetch(`${decoy.url}/nowhere`);
      const miss = await events.next('served', (d) => d.url === '/nowhere');
      assert.equal(miss.matched, false);
      assert.equal(miss.status, 404);
      const created = await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify({ request: { url: '/new' }, response: { status: 204 } }) });
      assert.equal(created.status, 201);
      assert.equal((await events.next('stubs-changed')).stubs, 2);
      events.close();
    });

    it('answers the rows, match counts, traffic and near misses the UI reads', async () => {
      ({ decoy } = await suite.start());
      await fetch(`${decoy.url}/orders`);
      await fetch(`${decoy.url}/orders`);
      await fetch(`${decoy.url}/orderz`);
      const log = await (await fetch(`${decoy.url}/__admin/decoy/log?limit=10`)).json() as { entries: Array<{ id: string; url: string }> };
      assert.deepEqual(log.entries.map((e) => e.url), ['/orders', '/orders', '/orderz'], 'oldest first');
      const stubId = decoy.engine.stubs.all[0]!.id;
      const counts = await (await fetch(`${decoy.url}/__admin/decoy/match-counts`)).json() as { counts: Record<string, number> };
      assert.deepEqual(counts.counts, { [stubId]: 2 });
      const traffic = await (await fetch(`${decoy.url}/__admin/decoy/traffic?seconds=60`)).json() as { seconds: number; series: Record<string, number[]> };
      assert.equal(traffic.seconds, 60);
      const sum = (c: string) => traffic.series[c]!.reduce((a, b) => a + b, 0);
      assert.equal(sum('2xx'), 2);
      assert.equal(sum('4xx'), 1);
      const near = await (await fetch(`${decoy.url}/__admin/decoy/requests/${log.entries[2]!.id}/near-misses`)).json() as any;
      assert.equal(near.matched, false);
      assert.equal(near.nearMisses[0].stub.name, 'list orders');
      assert.equal(near.nearMisses[0].stub.file, 'orders.yaml', 'the file as users know it');
      const path = near.nearMisses[0].fields.find((f: { label: string }) => f.label === 'Path');
      assert.deepEqual([path.matched, path.actual], [false, '/orderz']);
      assert.match(near.report, /Request was not matched/);
      assert.match(near.suggestion, /urlPath: \/orderz/);
      assert.equal((await fetch(`${decoy.url}/__admin/decoy/log?limit=x`)).status, 400);
    });

    it('drops a client that stops reading instead of buffering for it', async function () {
      this.timeout(30_000);
      ({ decoy } = await suite.start());
      // A client that sends the request and then never reads.
      const socket = net.connect(decoy.port, '127.0.0.1');
      await new Promise<void>((r) => socket.once('connect', () => r()));
      let received = 0;
      socket.on('data', (c: Buffer) => { received += c.length; });
      socket.write('GET /__admin/decoy/events HTTP/1.1\r\nHost: x\r\n\r\n');
      await new Promise<void>((r) => {
        const check = () => (received > 0 ? r() : setTimeout(check, 10));
        check();
      });
      socket.pause();
      const closed = new Promise<void>((r) => socket.once('close', () => r()));
      // Long URLs make each event about 14 KB: 6,000 of them (84 MB) are more than the kernel's socket
      // buffers (up to 32 MB for receiving on loopback here) and the server's limit together hold.
      const longPath = `/orders?${'x'.repeat(14_000)}`;
      await autocannon({ url: `${decoy.url}${longPath}`, amount: 6000, connections: 10, pipelining: 4 });
      const produced = 6000 * 14_000;
      // Reading again: a dropped stream ends; a live one would stay open.
      socket.resume();
      const dropped = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      assert.ok(received < produced, `the client got ${received} of ${produced} bytes`);
      assert.ok(dropped, 'the server ended the stream of a client that fell behind');
      assert.equal((await fetch(`${decoy.url}/orders`)).status, 200, 'serving goes on');
      socket.destroy();
    });

    it('ends open streams when the server stops, without waiting for the grace period', async () => {
      ({ decoy } = await suite.start({ shutdownGraceMs: 20_000 }));
      const events = await openEvents(`${decoy.url}/__admin/decoy/events`);
      await events.next('ready');
      const start = Date.now();
      await decoy.stop();
      assert.ok(Date.now() - start < 5_000, `stopped in ${Date.now() - start} ms`);
      await events.done;
      assert.equal(events.ended(), true);
      decoy = undefined;
    });
  });
});
