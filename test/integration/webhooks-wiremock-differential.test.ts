/**
 * The same webhook stubs on the real WireMock (3.13, whose webhooks are built in) and on Decoy, posted
 * through the admin API of each, call the same receiver on loopback: the receiver must see the same
 * method, path, headers and body from both. `originalResponse` is Decoy's addition (WireMock 3.13's
 * webhook templates see only `originalRequest` and render it empty), so no case here uses it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Decoy } from '../../src/index.js';
import { startDecoy } from '../support/decoy.js';
import { startReceiver, type Received, type Receiver } from '../support/receiver.js';
import { startWireMock, type WireMockProcess } from '../support/wiremock.js';

/** Headers that name the client or the connection, not the webhook. */
const TRANSPORT_HEADERS = new Set(['host', 'user-agent', 'connection', 'keep-alive', 'accept-encoding', 'transfer-encoding']);

interface Case {
  name: string;
  stub: (hook: string) => Record<string, unknown>;
  request: { method: string; path: string; body?: string; headers?: Record<string, string> };
}

const CASES: Case[] = [
  {
    name: 'serveEventListeners: POST with headers and a body templated from originalRequest',
    stub: (hook) => ({
      request: { method: 'POST', urlPath: '/pay' },
      response: { status: 202, body: 'accepted' },
      serveEventListeners: [{ name: 'webhook', parameters: {
        method: 'POST', url: `${hook}/callback/{{jsonPath originalRequest.body '$.id'}}`,
        headers: { 'Content-Type': 'application/json', 'X-Source': 'mock', 'X-Method': '{{originalRequest.method}}' },
        body: `{"id":"{{jsonPath originalRequest.body '$.id'}}","path":"{{originalRequest.url}}","q":"{{originalRequest.query.mode}}"}`,
      } }],
    }),
    request: { method: 'POST', path: '/pay?mode=live', body: '{"id":"p-42"}', headers: { 'Content-Type': 'application/json' } },
  },
  {
    name: 'postServeActions list: a GET without a body',
    stub: (hook) => ({
      request: { method: 'GET', url: '/ping-hook' },
      response: { status: 200 },
      postServeActions: [{ name: 'webhook', parameters: { method: 'GET', url: `${hook}/pinged?from={{originalRequest.path}}` } }],
    }),
    request: { method: 'GET', path: '/ping-hook' },
  },
  {
    name: 'base64Body and a header with several values',
    stub: (hook) => ({
      request: { method: 'PUT', url: '/bin' },
      response: { status: 204 },
      serveEventListeners: [{ name: 'webhook', parameters: {
        method: 'PUT', url: `${hook}/bin`, headers: { 'Content-Type': 'application/octet-stream', 'X-Tag': ['a', 'b'] },
        base64Body: Buffer.from('binary payload').toString('base64'),
      } }],
    }),
    request: { method: 'PUT', path: '/bin', body: 'x' },
  },
  {
    name: 'originalRequest headers, body and a helper in the URL and body',
    stub: (hook) => ({
      request: { method: 'POST', url: '/order' },
      response: { status: 201, body: 'created' },
      serveEventListeners: [{ name: 'webhook', parameters: {
        method: '{{originalRequest.headers.X-Callback-Method}}', url: `${hook}/order-events/{{originalRequest.headers.X-Trace}}`,
        headers: { 'Content-Type': 'text/plain', 'X-Trace': '{{originalRequest.headers.X-Trace}}' },
        body: 'trace={{originalRequest.headers.X-Trace}} body={{originalRequest.body}} upper={{upper originalRequest.method}}',
      } }],
    }),
    request: { method: 'POST', path: '/order', body: '{"n":1}', headers: { 'X-Trace': 't-77', 'X-Callback-Method': 'PATCH' } },
  },
  {
    name: 'a fixed delay: both wait at least as long before calling',
    stub: (hook) => ({
      request: { method: 'GET', url: '/delayed' },
      response: { status: 200 },
      serveEventListeners: [{ name: 'webhook', parameters: { method: 'POST', url: `${hook}/delayed`, body: 'late', delay: { type: 'fixed', milliseconds: 300 } } }],
    }),
    request: { method: 'GET', path: '/delayed' },
  },
];

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function seen(r: Received): Seen {
  const headers: Seen['headers'] = {};
  for (const [k, v] of Object.entries(r.headers)) if (!TRANSPORT_HEADERS.has(k)) headers[k] = v;
  return { method: r.method, url: r.url, headers, body: r.body };
}

describe('webhooks: Decoy against the real WireMock', function () {
  this.timeout(60_000);
  let wiremock: WireMockProcess;
  let decoy: Decoy;
  let receiver: Receiver;
  let root: string;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'decoy-wm-webhooks-'));
    [wiremock, { decoy }, receiver] = await Promise.all([startWireMock(root), startDecoy({}), startReceiver([200])]);
  });
  after(async () => {
    await Promise.all([wiremock?.stop(), decoy?.stop(), receiver?.close()]);
    rmSync(root, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const results: Seen[] = [];
      for (const base of [wiremock.url, decoy.url]) {
        await fetch(`${base}/__admin/mappings`, { method: 'DELETE' });
        const created = await fetch(`${base}/__admin/mappings`, { method: 'POST', body: JSON.stringify(c.stub(receiver.url)), headers: { 'Content-Type': 'application/json' } });
        assert.equal(created.status, 201, `${base}: ${await created.text()}`);
        const before = receiver.received.length;
        const sent = Date.now();
        const res = await fetch(`${base}${c.request.path}`, { method: c.request.method, ...(c.request.body !== undefined ? { body: c.request.body } : {}), headers: c.request.headers ?? {} });
        await res.arrayBuffer();
        const got = await receiver.waitFor(before + 1, 10_000);
        const delay = (c.stub('').serveEventListeners as Array<{ parameters: { delay?: { milliseconds: number } } }> | undefined)?.[0]?.parameters.delay?.milliseconds ?? 0;
        assert.ok(got[before]!.at - sent >= delay - 10, `${base} called after ${got[before]!.at - sent} ms, expected at least ${delay}`);
        results.push(seen(got[before]!));
      }
      const [fromWireMock, fromDecoy] = results;
      assert.deepEqual(fromDecoy, fromWireMock);
    });
  }

  it("WireMock 2's map spelling (postServeActions: { webhook: ... }) is accepted and acted on by both", async () => {
    const stub = { request: { url: '/map-form' }, response: { status: 200 }, postServeActions: { webhook: { method: 'POST', url: `${receiver.url}/map`, body: 'map' } } };
    const statuses: number[] = [];
    const delivered: boolean[] = [];
    for (const base of [wiremock.url, decoy.url]) {
      await fetch(`${base}/__admin/mappings`, { method: 'DELETE' });
      const created = await fetch(`${base}/__admin/mappings`, { method: 'POST', body: JSON.stringify(stub), headers: { 'Content-Type': 'application/json' } });
      statuses.push(created.status);
      await created.arrayBuffer();
      const before = receiver.received.length;
      await fetch(`${base}/map-form`).then((r) => r.arrayBuffer());
      delivered.push(await receiver.waitFor(before + 1, 1_500).then(() => true, () => false));
    }
    assert.deepEqual({ statuses, delivered }, { statuses: [201, 201], delivered: [true, true] });
  });
});
