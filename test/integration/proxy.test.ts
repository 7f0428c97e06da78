/**
 * Proxying, as real clients and a real upstream see it: stubs with `proxyBaseUrl` (WireMock's proxy
 * responses, with additional/removed request headers and a path prefix removed), `proxyAll` for
 * everything no stub matches, HTTPS upstreams (`proxyInsecure`), upstream failures (500, as in WireMock) and timeouts
 * (504), the journal, and run-time chaos rules applied to proxied traffic.
 *
 * The upstream is a node:http / node:https server on port 0 (test/support/upstream.ts) that records
 * what it received; the clients are undici (`request`: no redirects followed, no decompression),
 * fetch and node:http.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { request } from 'undici';
import type { Decoy, DecoyOptions } from '../../src/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { closedPort, echoHandler, selfSignedCert, startUpstream, type Upstream, type UpstreamHandler } from '../support/upstream.js';
import { admin, WireClients } from '../support/wire.js';
import { appliedFaults } from '../../src/client/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SLACK = 1_500;
const MiB = 1024 * 1024;

/** The proxy options of this feature (typed here, so this file compiles before they exist in DecoyOptions). */
type ProxyOptions = DecoyOptions & { proxyAll?: string; proxyInsecure?: boolean; proxyTimeoutMs?: number };

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every byte value 0..255, `times` times over, in a scrambled order (so no run of text survives). */
function allByteValues(times = 4): Buffer {
  const out = Buffer.alloc(256 * times);
  for (let i = 0; i < out.length; i++) out[i] = (i * 167 + (i >> 8)) & 0xff;
  return out;
}

/** The header's single value (undici gives arrays for repeated headers). */
function one(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

describe('proxying (proxyBaseUrl, proxyAll)', function () {
  this.timeout(5_000);
  let clients: WireClients;
  let upstream: Upstream;
  const decoys: Decoy[] = [];
  const upstreams: Upstream[] = [];
  const children: ChildProcess[] = [];
  const cleanups: Array<() => void> = [];

  async function newUpstream(handler?: UpstreamHandler, tls?: { key: string; cert: string }): Promise<Upstream> {
    const u = await startUpstream(handler, tls);
    upstreams.push(u);
    return u;
  }

  /** A Decoy with no stub files (stubs are added through the admin API), stopped after the test. */
  async function startProxy(options: ProxyOptions = {}): Promise<Decoy> {
    const { decoy } = await startDecoy({ shutdownGraceMs: 200, ...options } as DecoyOptions);
    decoys.push(decoy);
    return decoy;
  }

  /** Adds a stub through `POST /__admin/mappings` (WireMock's JSON). */
  async function stub(decoy: Decoy, definition: Record<string, unknown>): Promise<void> {
    const r = await admin(decoy.url, 'POST', '/mappings', definition);
    assert.equal(r.status, 201, `the stub was not created: ${r.status} ${r.text}`);
  }

  /** A Decoy with one stub proxying `urlPathPattern` to `proxyBaseUrl`, plus the given response keys. */
  async function proxyStub(baseUrl: string, response: Record<string, unknown> = {}, pattern = '/.*', options: ProxyOptions = {}): Promise<Decoy> {
    const decoy = await startProxy(options);
    await stub(decoy, { request: { method: 'ANY', urlPathPattern: pattern }, response: { proxyBaseUrl: baseUrl, ...response } });
    return decoy;
  }

  const send = (url: string, init?: Parameters<WireClients['send']>[1]) => clients.send(url, init);

  /** The serve events of `GET /__admin/requests` for `url` (waits until at least `n` are there). */
  async function serveEventsFor(decoy: Decoy, url: string, n = 1): Promise<any[]> {
    let found: any[] = [];
    await eventually(async () => {
      const { json } = await admin(decoy.url, 'GET', '/requests');
      found = (json?.requests ?? []).filter((e: any) => e.request?.url === url);
      return found.length >= n;
    }, 2_000, `${n} serve event(s) for ${url}`);
    return found;
  }

  /** A journal event's response header, whatever the case of its name. */
  function journalHeader(event: any, name: string): unknown {
    const headers = (event.response?.headers ?? {}) as Record<string, unknown>;
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : headers[key];
  }

  beforeEach(async () => {
    clients = new WireClients();
    upstream = await newUpstream(echoHandler);
  });
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    children.length = 0;
    await clients.close();
    await Promise.all(decoys.splice(0).map((d) => d.stop()));
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
    for (const c of cleanups.splice(0)) c();
  });

  describe('a stub with proxyBaseUrl', () => {
    it("forwards the path and query, and returns the upstream's status, headers and JSON body unchanged", async () => {
      const payload = Buffer.from(JSON.stringify({ id: 7, name: 'Zoë', tags: ['a', 'b'], nested: { ok: true } }));
      upstream.handle((_req, res) => {
        res.writeHead(201, [
          'Content-Type', 'application/json; charset=utf-8',
          'Content-Length', String(payload.length),
          'X-Upstream', 'yes',
          'Set-Cookie', 'a=1; Path=/',
          'Set-Cookie', 'b=2; Path=/',
          'ETag', '"v7"',
        ]);
        res.end(payload);
      });
      const decoy = await proxyStub(upstream.url, {}, '/users/.*');
      const r = await send(`${decoy.url}/users/7?expand=true&q=a%20b`, { headers: { accept: 'application/json' } });

      assert.equal(r.status, 201);
      assert.ok(r.body.equals(payload), `body: ${r.text}`);
      assert.equal(one(r.headers, 'content-type'), 'application/json; charset=utf-8');
      assert.equal(one(r.headers, 'content-length'), String(payload.length));
      assert.equal(one(r.headers, 'x-upstream'), 'yes');
      assert.equal(one(r.headers, 'etag'), '"v7"');
      assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2; Path=/']);

      assert.equal(upstream.requests.length, 1);
      const seen = upstream.requests[0]!;
      assert.equal(seen.method, 'GET');
      assert.equal(seen.url, '/users/7?expand=true&q=a%20b');
      assert.equal(seen.headers.host, `127.0.0.1:${upstream.port}`, 'the Host sent upstream is the upstream\'s');
      assert.equal(seen.headers.accept, 'application/json');
    });

    it('adds additionalProxyRequestHeaders and removes removeProxyRequestHeaders (names case-insensitive), as the upstream sees them', async () => {
      const decoy = await proxyStub(upstream.url, {
        additionalProxyRequestHeaders: { 'X-Api-Key': 'secret-key', 'X-Trace-Id': 't-1' },
        removeProxyRequestHeaders: ['x-remove-me', 'Authorization'],
      });
      const r = await send(`${decoy.url}/things`, {
        headers: { 'X-Keep': 'kept', 'X-Remove-Me': 'gone', authorization: 'Bearer client-token' },
      });
      assert.equal(r.status, 200);
      const seen = upstream.requests[0]!;
      assert.equal(seen.headers['x-api-key'], 'secret-key');
      assert.equal(seen.headers['x-trace-id'], 't-1');
      assert.equal(seen.headers['x-keep'], 'kept');
      assert.equal(seen.headers['x-remove-me'], undefined, 'X-Remove-Me reached the upstream');
      assert.equal(seen.headers.authorization, undefined, 'Authorization reached the upstream');
      assert.equal(seen.headers.host, `127.0.0.1:${upstream.port}`);
    });

    it("an additional header replaces the client's of the same name (any case); a header sent twice reaches the upstream twice, names as the client spelt them", async () => {
      const decoy = await proxyStub(upstream.url, { additionalProxyRequestHeaders: { 'X-Api-Key': 'stub-key' } });
      const r = await request(`${decoy.url}/things`, { headers: ['x-api-key', 'client-key', 'X-Multi', 'one', 'X-Multi', 'two', 'X-CamelCase', 'v'] });
      await r.body.dump();
      assert.equal(r.statusCode, 200);
      const raw = upstream.requests[0]!.rawHeaders;
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
      assert.deepEqual(pairs.filter(([n]) => n.toLowerCase() === 'x-api-key'), [['X-Api-Key', 'stub-key']]);
      assert.deepEqual(pairs.filter(([n]) => n.toLowerCase() === 'x-multi'), [['X-Multi', 'one'], ['X-Multi', 'two']]);
      assert.deepEqual(pairs.filter(([n]) => n.toLowerCase() === 'x-camelcase'), [['X-CamelCase', 'v']]);
      assert.equal(pairs.filter(([n]) => n.toLowerCase() === 'host').length, 1, 'one Host header');
    });

    it('strips proxyUrlPrefixToRemove from the start of the path before forwarding (the query kept)', async () => {
      const decoy = await proxyStub(upstream.url, { proxyUrlPrefixToRemove: '/api' }, '/api/.*');
      const r = await send(`${decoy.url}/api/orders/3?page=2&sort=-date`);
      assert.equal(r.status, 200);
      assert.equal(upstream.requests[0]!.url, '/orders/3?page=2&sort=-date');
      // The echo body is the upstream's own view of the request.
      assert.equal(JSON.parse(r.text).url, '/orders/3?page=2&sort=-date');
    });

    it('appends the path to a base URL that has a path of its own (WireMock: base URL + path)', async () => {
      const decoy = await proxyStub(`${upstream.url}/v2`, { proxyUrlPrefixToRemove: '/api' }, '/api/.*');
      const r = await send(`${decoy.url}/api/users?id=1`);
      assert.equal(r.status, 200);
      assert.equal(upstream.requests[0]!.url, '/v2/users?id=1');
    });

    it('forwards POST and PUT bodies byte for byte, with their Content-Type', async () => {
      const decoy = await proxyStub(upstream.url);
      const json = JSON.stringify({ order: { id: 'A-1', items: [{ sku: 'x', qty: 2 }], note: 'naïve ☃' } });
      const post = await send(`${decoy.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json });
      assert.equal(post.status, 200);
      const binary = allByteValues(8);
      const put = await send(`${decoy.url}/blobs/1`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: binary });
      assert.equal(put.status, 200);

      assert.equal(upstream.requests.length, 2);
      const [p, u] = upstream.requests as [typeof upstream.requests[0], typeof upstream.requests[0]];
      assert.deepEqual([p.method, p.url, p.headers['content-type']], ['POST', '/orders', 'application/json']);
      assert.ok(p.body.equals(Buffer.from(json)), `POST body as received: ${p.body.toString()}`);
      assert.deepEqual([u.method, u.url, u.headers['content-type']], ['PUT', '/blobs/1', 'application/octet-stream']);
      assert.ok(u.body.equals(binary), `PUT body: ${u.body.length} bytes received, sha ${sha256(u.body)} vs ${sha256(binary)}`);
    });

    it('forwards a 10 MB request body intact', async () => {
      const decoy = await proxyStub(upstream.url);
      const big = randomBytes(10 * MiB);
      const r = await send(`${decoy.url}/upload`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: big });
      assert.equal(r.status, 200);
      const got = upstream.requests[0]!.body;
      assert.equal(got.length, big.length);
      assert.equal(sha256(got), sha256(big));
    });

    it('returns a binary body with all 256 byte values unchanged', async () => {
      const bytes = allByteValues(4);
      upstream.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
        res.end(bytes);
      });
      const decoy = await proxyStub(upstream.url);
      const r = await send(`${decoy.url}/bin`);
      assert.equal(r.status, 200);
      assert.equal(one(r.headers, 'content-type'), 'application/octet-stream');
      assert.equal(one(r.headers, 'content-length'), String(bytes.length));
      assert.ok(r.body.equals(bytes), `got ${r.body.length} bytes, sha ${sha256(r.body)} vs ${sha256(bytes)}`);
    });

    it('passes a gzip body through still compressed, with its Content-Encoding (and fetch can decode it)', async () => {
      const text = JSON.stringify({ items: Array.from({ length: 500 }, (_, i) => ({ i, s: `item ${i}` })) });
      const gz = gzipSync(Buffer.from(text));
      upstream.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gz.length), vary: 'Accept-Encoding' });
        res.end(gz);
      });
      const decoy = await proxyStub(upstream.url);
      const r = await send(`${decoy.url}/gz`, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(r.status, 200);
      assert.equal(one(r.headers, 'content-encoding'), 'gzip');
      assert.ok(r.body.equals(gz), `the gzip bytes changed: ${r.body.length} bytes vs ${gz.length}`);
      assert.equal(gunzipSync(r.body).toString(), text);
      const cl = one(r.headers, 'content-length');
      if (cl !== undefined) assert.equal(cl, String(gz.length), 'Content-Length must be the compressed size');
      assert.equal(upstream.requests[0]!.headers['accept-encoding'], 'gzip');

      // fetch asks for gzip and decompresses: it sees the original JSON.
      const f = await fetch(`${decoy.url}/gz`);
      assert.equal(f.status, 200);
      assert.equal(await f.text(), text);
    });

    it('delivers a chunked upstream body complete', async () => {
      const pieces = ['first,', 'second,', 'third,', 'fourth,', 'fifth'];
      upstream.handle(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' }); // no Content-Length: chunked
        for (const p of pieces) {
          res.write(p);
          await new Promise((r) => setTimeout(r, 30));
        }
        res.end();
      });
      const decoy = await proxyStub(upstream.url);
      const r = await send(`${decoy.url}/chunked`);
      assert.equal(r.status, 200);
      assert.equal(r.text, pieces.join(''));
      // node:http on a fresh connection: the body ends normally.
      const h = await clients.httpGet(decoy.port, '/chunked');
      assert.equal(h.status, 200);
      assert.equal(h.complete, true, `the body did not end: ${h.error?.message}`);
      assert.equal(h.body.toString(), pieces.join(''));
    });

    it('returns a 10 MB body byte for byte', async () => {
      const big = randomBytes(10 * MiB);
      upstream.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(big.length) });
        res.end(big);
      });
      const decoy = await proxyStub(upstream.url);
      const r = await send(`${decoy.url}/big`);
      assert.equal(r.status, 200);
      assert.equal(r.body.length, big.length);
      assert.equal(sha256(r.body), sha256(big));
    });

    it('streams a 10 MB chunked body: the client has the status and first bytes before the upstream has finished', async () => {
      const big = randomBytes(10 * MiB);
      const head = 2 * MiB;
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let releasedByClient = false;
      upstream.handle(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }); // chunked, no length
        res.write(big.subarray(0, head));
        // Wait for the client to see the response (or give up after 2 s: a proxy that buffers never lets it).
        const timedOut = await Promise.race([released.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 2_000))]);
        releasedByClient = !timedOut;
        for (let off = head; off < big.length; off += 256 * 1024) {
          if (!res.write(big.subarray(off, Math.min(big.length, off + 256 * 1024)))) await new Promise((r) => res.once('drain', r));
        }
        res.end();
      });
      const decoy = await proxyStub(upstream.url);
      const res = await request(`${decoy.url}/stream`, { dispatcher: clients.agent });
      const parts: Buffer[] = [];
      let received = 0;
      for await (const c of res.body) {
        parts.push(c as Buffer);
        received += (c as Buffer).length;
        if (received > 0) release();
      }
      release();
      assert.equal(res.statusCode, 200);
      const body = Buffer.concat(parts);
      assert.equal(body.length, big.length);
      assert.equal(sha256(body), sha256(big));
      assert.ok(releasedByClient, 'the client got nothing until the upstream had finished: the body was buffered, not streamed');
    });

    it('passes a redirect through as is (not followed), Location unchanged', async () => {
      upstream.handle((req, res) => {
        if (req.url === '/old') {
          res.writeHead(302, { location: `${upstream.url}/new?from=old`, 'content-type': 'text/plain' });
          res.end('moved');
        } else {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('the new place');
        }
      });
      const decoy = await proxyStub(upstream.url);
      const r = await send(`${decoy.url}/old`);
      assert.equal(r.status, 302);
      assert.equal(one(r.headers, 'location'), `${upstream.url}/new?from=old`);
      assert.equal(r.text, 'moved');
      assert.deepEqual(upstream.requests.map((q) => q.url), ['/old'], 'Decoy followed the redirect');

      // A relative Location too.
      upstream.handle((_req, res) => {
        res.writeHead(301, { location: '/elsewhere', 'content-length': '0' });
        res.end();
      });
      const rel = await send(`${decoy.url}/moved`);
      assert.deepEqual([rel.status, one(rel.headers, 'location')], [301, '/elsewhere']);
      assert.deepEqual(upstream.requests.map((q) => q.url), ['/old', '/moved']);
    });

    it('drops hop-by-hop response headers (Keep-Alive, Trailer, Upgrade, Proxy-Authenticate) and keeps end-to-end ones', async () => {
      upstream.handle((_req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.setHeader('Keep-Alive', 'timeout=77, max=99');
        res.setHeader('Proxy-Authenticate', 'Basic realm="upstream"');
        res.setHeader('Upgrade', 'h2c');
        res.setHeader('Trailer', 'X-Checksum');
        res.setHeader('X-End-To-End', 'kept');
        res.setHeader('Cache-Control', 'max-age=60');
        res.writeHead(200);
        res.write('hop ');
        res.addTrailers({ 'X-Checksum': 'abc' });
        res.end('by hop');
      });
      const decoy = await proxyStub(upstream.url);
      // node:http with no agent: `Connection: close`, so Decoy's own server adds no Keep-Alive of its own.
      const h = await clients.httpGet(decoy.port, '/hop');
      assert.equal(h.status, 200, `no response: ${h.error?.message}`);
      assert.equal(h.complete, true, `the body did not end: ${h.error?.message}`);
      assert.equal(h.body.toString(), 'hop by hop');
      const headers = h.headers!;
      assert.equal(headers['x-end-to-end'], 'kept');
      assert.equal(headers['cache-control'], 'max-age=60');
      assert.equal(headers['content-type'], 'text/plain');
      assert.notEqual(headers['keep-alive'], 'timeout=77, max=99', "the upstream's Keep-Alive was forwarded");
      assert.equal(headers['proxy-authenticate'], undefined);
      assert.equal(headers.upgrade, undefined);
      assert.equal(headers.trailer, undefined);

      const [event] = await serveEventsFor(decoy, '/hop');
      for (const name of ['Keep-Alive', 'Proxy-Authenticate', 'Upgrade', 'Trailer']) {
        assert.equal(journalHeader(event, name), undefined, `the journal shows ${name} as sent`);
      }
      assert.equal(journalHeader(event, 'X-End-To-End'), 'kept');
    });

    it('headers a Connection header names are not forwarded, in either direction (RFC 9110 7.6.1)', async () => {
      upstream.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive, X-Upstream-Hop', 'x-upstream-hop': 'h', 'x-end-to-end': 'kept' });
        res.end('ok');
      });
      const decoy = await proxyStub(upstream.url);
      // A raw request: fetch and undici refuse a Connection header that names other headers.
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(decoy.port, '127.0.0.1');
        let text = '';
        socket.setEncoding('latin1');
        socket.on('data', (d: string) => { text += d; });
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
        socket.write('GET /conn HTTP/1.1\r\nHost: x\r\nConnection: close, X-Client-Hop\r\nX-Client-Hop: c\r\nX-Client-Kept: k\r\n\r\n');
      });
      assert.match(answer, /^HTTP\/1\.1 200/);
      assert.match(answer, /\r\nx-end-to-end: kept\r\n/i);
      assert.doesNotMatch(answer, /x-upstream-hop/i, "a header the upstream's Connection names reached the client");
      const seen = upstream.requests[0]!;
      assert.equal(seen.headers['x-client-kept'], 'k');
      assert.equal(seen.headers['x-client-hop'], undefined, "a header the client's Connection names reached the upstream");
    });

    it('drops any Proxy-* response header (the contract says Proxy-*, not only the standard names)', async () => {
      upstream.handle((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'proxy-foo': 'bar', 'proxy-status': 'upstream; error=none', 'x-end-to-end': 'kept' });
        res.end('ok');
      });
      const decoy = await proxyStub(upstream.url);
      const r = await send(`${decoy.url}/proxy-star`);
      assert.equal(r.status, 200);
      assert.equal(one(r.headers, 'x-end-to-end'), 'kept');
      assert.equal(one(r.headers, 'proxy-foo'), undefined, 'Proxy-Foo was forwarded to the client');
      assert.equal(one(r.headers, 'proxy-status'), undefined, 'Proxy-Status was forwarded to the client');
    });

    it("upstream error statuses are returned as the upstream's own (404, 500), not Decoy's", async () => {
      upstream.handle((req, res) => {
        const status = req.url === '/missing' ? 404 : 500;
        res.writeHead(status, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ from: 'upstream', status }));
      });
      const decoy = await proxyStub(upstream.url);
      const a = await send(`${decoy.url}/missing`);
      const b = await send(`${decoy.url}/broken`);
      assert.deepEqual([a.status, JSON.parse(a.text)], [404, { from: 'upstream', status: 404 }]);
      assert.deepEqual([b.status, JSON.parse(b.text)], [500, { from: 'upstream', status: 500 }]);
      assert.equal(one(a.headers, 'content-type'), 'application/problem+json');
    });
  });

  describe('proxyAll', () => {
    it('without proxyAll an unmatched request is a 404 and nothing is forwarded', async () => {
      const decoy = await startProxy();
      const r = await send(`${decoy.url}/not-stubbed`);
      assert.equal(r.status, 404);
      assert.equal(upstream.started(), 0);
    });

    it('forwards every unmatched request; stubs still answer the routes they match; /__admin is never forwarded', async () => {
      const decoy = await startProxy({ proxyAll: upstream.url });
      await stub(decoy, { request: { method: 'GET', url: '/mocked' }, response: { status: 200, body: 'from the stub', headers: { 'Content-Type': 'text/plain' } } });

      const unmatched = await send(`${decoy.url}/real/thing?x=1`, { headers: { 'x-client': 'c1' } });
      assert.equal(unmatched.status, 200);
      assert.equal(one(unmatched.headers, 'x-upstream'), 'echo');
      const echoed = JSON.parse(unmatched.text);
      assert.equal(echoed.url, '/real/thing?x=1');
      assert.equal(echoed.headers['x-client'], 'c1');
      assert.equal(echoed.headers.host, `127.0.0.1:${upstream.port}`);

      const post = await send(`${decoy.url}/real/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
      assert.equal(post.status, 200);
      assert.equal(upstream.requests.at(-1)!.body.toString(), '{"a":1}');

      const before = upstream.started();
      const mocked = await send(`${decoy.url}/mocked`);
      assert.deepEqual([mocked.status, mocked.text], [200, 'from the stub']);
      // Same path, another method: no stub matches it, so it goes upstream.
      const otherMethod = await send(`${decoy.url}/mocked`, { method: 'DELETE' });
      assert.equal(otherMethod.status, 200);
      assert.equal(JSON.parse(otherMethod.text).method, 'DELETE');
      assert.equal(upstream.started(), before + 1, 'only the DELETE went upstream');

      const adminBefore = upstream.started();
      const mappings = await admin(decoy.url, 'GET', '/mappings');
      assert.equal(mappings.status, 200);
      assert.ok(Array.isArray(mappings.json?.mappings), `not Decoy's admin answer: ${mappings.text.slice(0, 200)}`);
      const unknownAdmin = await send(`${decoy.url}/__admin/no-such-admin-route`);
      assert.notEqual(unknownAdmin.headers['x-upstream'], 'echo', 'an /__admin request was proxied');
      assert.equal(upstream.started(), adminBefore, '/__admin requests reached the upstream');
    });

    it('a stub added at run time takes a route over from the upstream, and removing it gives it back', async () => {
      const decoy = await startProxy({ proxyAll: upstream.url });
      assert.equal(one((await send(`${decoy.url}/feature`)).headers, 'x-upstream'), 'echo');
      const created = await admin(decoy.url, 'POST', '/mappings', { request: { url: '/feature' }, response: { status: 418, body: 'mocked' } });
      assert.equal(created.status, 201);
      const mocked = await send(`${decoy.url}/feature`);
      assert.deepEqual([mocked.status, mocked.text], [418, 'mocked']);
      assert.equal((await admin(decoy.url, 'DELETE', `/mappings/${created.json.id}`)).status, 200);
      const back = await send(`${decoy.url}/feature`);
      assert.equal(back.status, 200);
      assert.equal(one(back.headers, 'x-upstream'), 'echo');
      assert.equal(upstream.requests.length, 2);
    });
  });

  describe('the journal', () => {
    it('records a stub proxy (wasMatched true) and a proxy-all request (wasMatched false) with the response as sent', async () => {
      upstream.handle((req, res, body) => {
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'x-upstream': 'journal' });
        res.end(JSON.stringify({ path: req.url, got: body.toString() }));
      });
      const decoy = await startProxy({ proxyAll: upstream.url });
      await stub(decoy, { request: { method: 'ANY', urlPathPattern: '/via-stub/.*' }, response: { proxyBaseUrl: upstream.url } });

      const a = await send(`${decoy.url}/via-stub/1`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      const b = await send(`${decoy.url}/via-all/2`);
      assert.equal(a.status, 201);
      assert.equal(b.status, 200);

      const [viaStub] = await serveEventsFor(decoy, '/via-stub/1');
      assert.equal(viaStub.wasMatched, true);
      assert.equal(viaStub.request.method, 'POST');
      assert.equal(viaStub.request.body, 'hello');
      assert.equal(viaStub.response.status, 201);
      assert.equal(journalHeader(viaStub, 'X-Upstream'), 'journal');
      assert.match(String(journalHeader(viaStub, 'Content-Type')), /^application\/json/);
      assert.equal(viaStub.response.body, a.text);
      assert.equal(Buffer.from(viaStub.response.bodyAsBase64, 'base64').toString(), a.text);

      const [viaAll] = await serveEventsFor(decoy, '/via-all/2');
      assert.equal(viaAll.wasMatched, false);
      assert.equal(viaAll.response.status, 200);
      assert.equal(journalHeader(viaAll, 'X-Upstream'), 'journal');
      assert.equal(viaAll.response.body, b.text);
    });

    it('keeps the first 64 KiB of a proxied body in the journal (memory stays bounded), and a binary one (as base64)', async () => {
      const text = 'x'.repeat(MiB - 20) + '0123456789abcdefghij';
      const bytes = allByteValues(2);
      upstream.handle((req, res) => {
        if (req.url === '/text') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(text);
        } else {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.end(bytes);
        }
      });
      const decoy = await proxyStub(upstream.url);
      assert.equal((await send(`${decoy.url}/text`)).body.length, MiB);
      assert.ok((await send(`${decoy.url}/bin`)).body.equals(bytes));
      const [t] = await serveEventsFor(decoy, '/text');
      // The client got the whole MiB; the journal keeps its first 64 KiB, so 10,000 large downloads stay far from gigabytes.
      assert.equal(t.response.body?.length, 64 * 1024, 'the journal should keep exactly the first 64 KiB');
      assert.equal(t.response.body, text.slice(0, 64 * 1024));
      const [bin] = await serveEventsFor(decoy, '/bin');
      assert.ok(Buffer.from(bin.response.bodyAsBase64, 'base64').equals(bytes), 'the journal\'s bodyAsBase64 differs from the bytes sent');
    });
  });

  describe('upstream failures', () => {
    it('upstream down (connection refused): 500 as in WireMock, plain text naming the upstream and the reason; journaled', async () => {
      const port = await closedPort();
      const decoy = await proxyStub(`http://127.0.0.1:${port}`);
      const r = await send(`${decoy.url}/down?x=1`);
      assert.equal(r.status, 500);
      assert.match(String(one(r.headers, 'content-type')), /^text\/plain/);
      assert.match(r.text, new RegExp(`127\\.0\\.0\\.1:${port}`), `the body does not name the upstream: ${r.text}`);
      assert.match(r.text, /ECONNREFUSED/, `the body does not give the reason: ${r.text}`);
      const [event] = await serveEventsFor(decoy, '/down?x=1');
      assert.equal(event.response.status, 500);
      assert.equal(event.wasMatched, true);
      assert.match(String(event.response.body), /ECONNREFUSED/);
    });

    it('proxyAll to an upstream that is down: 500 too', async () => {
      const port = await closedPort();
      const decoy = await startProxy({ proxyAll: `http://127.0.0.1:${port}` });
      const r = await send(`${decoy.url}/anything`);
      assert.equal(r.status, 500);
      assert.match(r.text, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(r.text, /ECONNREFUSED/);
      const [event] = await serveEventsFor(decoy, '/anything');
      assert.equal(event.response.status, 500);
      assert.equal(event.wasMatched, false);
    });

    it('upstream slower than proxyTimeoutMs: 504 with the reason, on time; journaled', async () => {
      upstream.handle(() => {
        // never answers
      });
      const decoy = await proxyStub(upstream.url, {}, '/.*', { proxyTimeoutMs: 300 });
      const r = await send(`${decoy.url}/slow`);
      assert.equal(r.status, 504);
      assert.ok(r.elapsedMs >= 250 && r.elapsedMs < 300 + SLACK, `took ${r.elapsedMs} ms for a 300 ms timeout`);
      assert.match(r.text, /time/i, `the body gives no reason: ${r.text}`);
      assert.match(r.text, new RegExp(`127\\.0\\.0\\.1:${upstream.port}`), `the body does not name the upstream: ${r.text}`);
      assert.equal(upstream.started(), 1, 'the request did reach the upstream');
      const [event] = await serveEventsFor(decoy, '/slow');
      assert.equal(event.response.status, 504);
    });

    it('an upstream within proxyTimeoutMs is answered normally', async () => {
      upstream.handle((_req, res) => {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end('just in time');
        }, 100);
      });
      const decoy = await proxyStub(upstream.url, {}, '/.*', { proxyTimeoutMs: 1_000 });
      const r = await send(`${decoy.url}/ok`);
      assert.deepEqual([r.status, r.text], [200, 'just in time']);
    });
  });

  describe('HTTPS upstreams', () => {
    let tls: { key: string; cert: string };
    before(async function () {
      this.timeout(15_000);
      tls = await selfSignedCert();
    });

    it('rejects a self-signed upstream certificate by default (500 giving the reason; no request reached it)', async () => {
      const secure = await newUpstream(echoHandler, tls);
      const decoy = await proxyStub(secure.url);
      const r = await send(`${decoy.url}/secure`);
      assert.equal(r.status, 500);
      assert.match(r.text, /self[- ]signed|certificate/i, `the body does not give the reason: ${r.text}`);
      assert.equal(secure.requests.length, 0);
      const [event] = await serveEventsFor(decoy, '/secure');
      assert.equal(event.response.status, 500);
    });

    it('accepts it with proxyInsecure: true (stub and proxyAll)', async () => {
      const secure = await newUpstream(echoHandler, tls);
      const decoy = await proxyStub(secure.url, {}, '/stubbed/.*', { proxyInsecure: true, proxyAll: secure.url });
      const viaStub = await send(`${decoy.url}/stubbed/1?q=2`);
      assert.equal(viaStub.status, 200, viaStub.text);
      assert.equal(JSON.parse(viaStub.text).url, '/stubbed/1?q=2');
      const viaAll = await send(`${decoy.url}/other`, { method: 'POST', body: 'over tls' });
      assert.equal(viaAll.status, 200, viaAll.text);
      assert.equal(Buffer.from(JSON.parse(viaAll.text).bodyBase64, 'base64').toString(), 'over tls');
      assert.equal(secure.requests.length, 2);
      assert.equal(secure.requests[0]!.headers.host, `127.0.0.1:${secure.port}`);
    });
  });

  describe('fault injection on proxied traffic (docs/faults.md)', () => {
    it('a chaos rule with fixedDelayMilliseconds delays the proxied response', async () => {
      const decoy = await proxyStub(upstream.url);
      const rule = await admin(decoy.url, 'POST', '/decoy/chaos', { request: { urlPath: '/delayed' }, fixedDelayMilliseconds: 400 });
      assert.equal(rule.status, 201, rule.text);
      const fast = await send(`${decoy.url}/fast`);
      const slow = await send(`${decoy.url}/delayed`);
      assert.equal(slow.status, 200);
      assert.equal(JSON.parse(slow.text).url, '/delayed', 'the delayed response is the upstream\'s');
      assert.ok(slow.elapsedMs >= 400 && slow.elapsedMs < 400 + SLACK, `took ${slow.elapsedMs} ms with a 400 ms delay`);
      assert.ok(fast.elapsedMs < 400, `an unruled request took ${fast.elapsedMs} ms`);
      const [event] = await serveEventsFor(decoy, '/delayed');
      assert.ok(appliedFaults(event).some((f) => f.source === 'chaos-rule' && f.action === 'delay'), JSON.stringify(event.subEvents));
    });

    it('a chaos rule with status 503 replaces the proxied response without calling the upstream (stub proxy and proxyAll)', async () => {
      const decoy = await startProxy({ proxyAll: upstream.url });
      await stub(decoy, { request: { urlPathPattern: '/stubbed/.*' }, response: { proxyBaseUrl: upstream.url } });
      const rule = await admin(decoy.url, 'POST', '/decoy/chaos', { status: 503, body: 'chaos says no', headers: { 'Retry-After': '3' } });
      assert.equal(rule.status, 201, rule.text);

      const viaStub = await send(`${decoy.url}/stubbed/1`);
      const viaAll = await send(`${decoy.url}/anything`, { method: 'POST', body: 'x' });
      for (const r of [viaStub, viaAll]) {
        assert.deepEqual([r.status, r.text, one(r.headers, 'retry-after')], [503, 'chaos says no', '3']);
      }
      assert.equal(upstream.started(), 0, 'the upstream was called');
      const [event] = await serveEventsFor(decoy, '/stubbed/1');
      assert.equal(event.response.status, 503);
      assert.ok(appliedFaults(event).some((f) => f.source === 'chaos-rule' && f.action === 'status'), JSON.stringify(event.subEvents));

      // Rule gone: proxied again.
      assert.equal((await admin(decoy.url, 'DELETE', '/decoy/chaos')).status, 200);
      const after = await send(`${decoy.url}/stubbed/1`);
      assert.equal(after.status, 200);
      assert.equal(upstream.started(), 1);
    });
  });

  describe('CLI', () => {
    it('--proxy-all, --proxy-insecure and --proxy-timeout', async function () {
      this.timeout(10_000); // a CLI start through tsx
      const tls = await selfSignedCert();
      const secure = await newUpstream((req, res) => {
        if (req.url === '/hang') return; // never answers
        res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'tls' });
        res.end(`upstream saw ${req.url}`);
      }, tls);
      const folder = tempStubs({ 'mocked.yaml': '- { request: { method: GET, url: /mocked }, response: { status: 200, body: mocked } }' });
      cleanups.push(folder.cleanup);
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'),
        '--port', '0', '--host', '127.0.0.1', '--stubs', folder.dir, '--no-watch',
        '--proxy-all', secure.url, '--proxy-insecure', '--proxy-timeout', '300'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (c) => (out += c));
      child.stderr!.on('data', (c) => (out += c));
      let url = '';
      await eventually(() => {
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) url = m[1]!;
        return url !== '' || child.exitCode !== null;
      }, 8_000, 'the CLI to start');
      assert.ok(url, `the CLI did not start:\n${out}`);

      const mocked = await send(`${url}/mocked`);
      assert.deepEqual([mocked.status, mocked.text], [200, 'mocked']);
      assert.equal(secure.started(), 0);
      const ok = await send(`${url}/hello?x=1`);
      assert.deepEqual([ok.status, ok.text, one(ok.headers, 'x-upstream')], [200, 'upstream saw /hello?x=1', 'tls']);
      const slow = await send(`${url}/hang`);
      assert.equal(slow.status, 504, slow.text);
      assert.ok(slow.elapsedMs < 300 + SLACK, `took ${slow.elapsedMs} ms for --proxy-timeout 300`);
    });

    it('--help lists the proxy options', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), '--help'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (c) => (out += c));
      await new Promise((r) => child.on('exit', r));
      for (const flag of ['--proxy-all', '--proxy-insecure', '--proxy-timeout']) assert.match(out, new RegExp(flag), `--help lacks ${flag}`);
    });
  });
});
