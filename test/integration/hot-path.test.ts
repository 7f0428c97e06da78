/**
 * What the plain-stub path reads from the request without building Node's header objects: whether a
 * body follows (Content-Length and Transfer-Encoding in any case), and the headers matchers see (every
 * value of a repeated header, any header name). Raw TCP requests, so the header spellings are exactly
 * as written here. And what every plain request leaves behind: one journal entry, its metrics and the
 * UI's counts.
 */
import assert from 'node:assert/strict';
import { decoyPerTest } from '../support/decoy.js';
import { WireClients } from '../support/wire.js';
import { gunzipSync } from 'node:zlib';

const STUBS = [
  // WireMock's order: the stub added last is tried first, so the catch-alls come first.
  '- { request: { method: POST, url: /echo }, response: { status: 422, body: other } }',
  '- { request: { method: POST, url: /echo, bodyPatterns: [ { equalTo: "hello body" } ] }, response: { status: 200, body: matched } }',
  '- { request: { method: GET, url: /twice }, response: { status: 400, body: none } }',
  '- { request: { method: GET, url: /twice, headers: { X-Tag: { equalTo: b } } }, response: { status: 200, body: joined } }',
  '- { request: { method: GET, url: /plain, headers: { X-Odd: { equalTo: "yes" } } }, response: { status: 200, body: plain } }',
  '- { request: { method: GET, urlPathTemplate: "/template/{id}" }, response: { status: 200, body: templated } }',
].join('\n');

/** The status and body of a raw HTTP/1.1 answer. */
function parse(bytes: Buffer): { status: number; body: string } {
  const text = bytes.toString('latin1');
  const at = text.indexOf('\r\n\r\n');
  return { status: Number(text.slice(9, 12)), body: text.slice(at + 4) };
}

describe('hot path: what a plain request reads and leaves behind', () => {
  const suite = decoyPerTest({ 'stubs.yaml': STUBS });
  const clients = new WireClients();
  afterEach(() => clients.close());

  it('reads a body announced by a Content-Length spelt in any case', async () => {
    const { decoy } = await suite.start();
    const ex = await clients.raw(decoy.port, 'POST /echo HTTP/1.1\r\nHost: x\r\nCONTENT-length: 10\r\nConnection: close\r\n\r\nhello body', 1_000);
    assert.deepEqual(parse(ex.bytes), { status: 200, body: 'matched' });
  });

  it('reads a chunked body (Transfer-Encoding, no Content-Length)', async () => {
    const { decoy } = await suite.start();
    const ex = await clients.raw(decoy.port, 'POST /echo HTTP/1.1\r\nHost: x\r\ntransfer-ENCODING: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n5\r\n body\r\n0\r\n\r\n', 1_000);
    assert.deepEqual(parse(ex.bytes), { status: 200, body: 'matched' });
  });

  it('serves a request with Content-Length: 0 as one without a body', async () => {
    const { decoy } = await suite.start();
    const ex = await clients.raw(decoy.port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 1_000);
    assert.deepEqual(parse(ex.bytes), { status: 422, body: 'other' });
  });

  it('refuses a body over the limit from its declared Content-Length', async () => {
    const { decoy } = await suite.start({ maxBodyBytes: 8 });
    const ex = await clients.raw(decoy.port, 'POST /echo HTTP/1.1\r\nHost: x\r\ncontent-length: 10\r\nConnection: close\r\n\r\nhello body', 1_000);
    assert.equal(parse(ex.bytes).status, 413);
  });

  it('matches a header sent twice on its second value, and a header called __proto__ changes nothing', async () => {
    const { decoy } = await suite.start();
    const twice = await clients.raw(decoy.port, 'GET /twice HTTP/1.1\r\nHost: x\r\nX-Tag: a\r\nx-tag: b\r\nConnection: close\r\n\r\n', 1_000);
    assert.deepEqual(parse(twice.bytes), { status: 200, body: 'joined' });
    const proto = await clients.raw(decoy.port, 'GET /plain HTTP/1.1\r\nHost: x\r\n__proto__: 1\r\nx-odd: yes\r\nConnection: close\r\n\r\n', 1_000);
    assert.deepEqual(parse(proto.bytes), { status: 200, body: 'plain' });
  });

  it('journals, counts in the metrics and counts in the UI every plain request, exact and templated', async () => {
    const { decoy } = await suite.start();
    const agent = clients.agent;
    const n = 25;
    for (let i = 0; i < n; i++) {
      const [a, b] = await Promise.all([
        fetch(`${decoy.url}/plain`, { headers: { 'X-Odd': 'yes' }, dispatcher: agent } as RequestInit),
        fetch(`${decoy.url}/template/${i}`, { dispatcher: agent } as RequestInit),
      ]);
      assert.equal(await a.text(), 'plain');
      assert.equal(await b.text(), 'templated');
    }
    assert.equal(decoy.engine.journal.size, 2 * n);
    const plain = decoy.engine.journal.newestFirst().filter((e) => e.url === '/plain');
    assert.equal(plain.length, n);
    assert.equal(plain[0]!.response?.status, 200);
    assert.deepEqual(plain[0]!.rawHeaders.filter((_, i, h) => i % 2 === 1 && h[i - 1]!.toLowerCase() === 'x-odd'), ['yes']);
    const metrics = await (await fetch(`${decoy.url}/__admin/metrics`)).text();
    const served = metrics.split('\n').filter((l) => l.startsWith('decoy_requests_total{') && l.includes('status="200"'));
    assert.deepEqual(served.map((l) => Number(l.split(' ').pop())).sort(), [n, n], `the metrics count each stub's ${n} requests:\n${served.join('\n')}`);
    const ui = await (await fetch(`${decoy.url}/__admin/decoy/match-counts`)).json() as { counts: Record<string, number> };
    assert.deepEqual(Object.values(ui.counts), [n, n], 'the UI counts each stub\'s requests');
    const traffic = await (await fetch(`${decoy.url}/__admin/decoy/traffic?seconds=300`)).json() as { series: Record<string, number[]> };
    assert.equal(traffic.series['2xx']!.reduce((a, b) => a + b, 0), 2 * n, 'the UI traffic chart counts every request');
  });
});

/** Every byte value once, then again: a body that is not UTF-8 (and is whole only if sent byte for byte). */
const ALL_BYTES = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
const TEXT = 'hello, wörld ✓ — ünïcode';

const WIRE_STUBS = JSON.stringify({
  mappings: [
    { request: { method: 'ANY', url: '/text' }, response: { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: TEXT } },
    { request: { method: 'ANY', url: '/bytes' }, response: { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, base64Body: ALL_BYTES.toString('base64') } },
    { request: { method: 'GET', url: '/at-limit' }, response: { status: 200, base64Body: Buffer.concat([ALL_BYTES, ALL_BYTES]).toString('base64') } },
    { request: { method: 'GET', url: '/over-limit' }, response: { status: 200, base64Body: Buffer.concat([ALL_BYTES, ALL_BYTES, Buffer.from('x')]).toString('base64') } },
    { request: { method: 'GET', url: '/empty' }, response: { status: 200 } },
    { request: { method: 'GET', url: '/no-content' }, response: { status: 204 } },
    // A delayed answer is written by the delivery path, not the direct one.
    { request: { method: 'GET', url: '/bytes-delayed' }, response: { status: 200, base64Body: ALL_BYTES.toString('base64'), fixedDelayMilliseconds: 20 } },
  ],
});

interface WireAnswer { status: number; headers: [string, string][]; body: Buffer }

/** Splits the answers a connection got, one after another, by their Content-Length (none for HEAD and 204). */
function answers(bytes: Buffer, bodiless: (i: number) => boolean): WireAnswer[] {
  const out: WireAnswer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const end = bytes.indexOf('\r\n\r\n', at);
    assert.ok(end !== -1, `answer ${out.length + 1} has a whole head`);
    const [statusLine, ...lines] = bytes.subarray(at, end).toString('latin1').split('\r\n');
    const headers = lines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)] as [string, string]);
    const length = bodiless(out.length) ? 0 : Number(headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1] ?? 0);
    out.push({ status: Number(statusLine!.slice(9, 12)), headers, body: bytes.subarray(end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return out;
}

describe('hot path: the answer on the wire', () => {
  const suite = decoyPerTest({ 'wire.json': WIRE_STUBS });
  const clients = new WireClients();
  afterEach(() => clients.close());

  it('sends small and large bodies byte for byte, with their Content-Length, one after another on a kept-alive connection, delayed or not', async () => {
    const { decoy } = await suite.start();
    const paths = ['/text', '/bytes', '/at-limit', '/over-limit', '/empty', '/no-content', '/bytes-delayed', '/text'];
    const text = paths.map((p, i) => `GET ${p} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('');
    const ex = await clients.raw(decoy.port, text, 3_000);
    const got = answers(ex.bytes, (i) => paths[i] === '/no-content');
    const expected = [Buffer.from(TEXT), ALL_BYTES, Buffer.concat([ALL_BYTES, ALL_BYTES]),
      Buffer.concat([ALL_BYTES, ALL_BYTES, Buffer.from('x')]), Buffer.alloc(0), Buffer.alloc(0), ALL_BYTES, Buffer.from(TEXT)];
    assert.equal(got.length, paths.length, `one answer per request, nothing more:\n${ex.bytes.toString('latin1')}`);
    got.forEach((a, i) => {
      assert.equal(a.status, paths[i] === '/no-content' ? 204 : 200, paths[i]);
      assert.ok(a.body.equals(expected[i]!), `${paths[i]}: the body as the stub gives it (${a.body.length} bytes, ${expected[i]!.length} expected)`);
      const length = a.headers.find(([n]) => n === 'Content-Length')?.[1];
      if (paths[i] !== '/no-content') assert.equal(length, String(expected[i]!.length), `${paths[i]}: Content-Length`);
    });
    assert.deepEqual(got[0]!.headers.filter(([n]) => n !== 'Date').map(([n, v]) => `${n}: ${v}`),
      ['Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(TEXT)}`, `Matched-Stub-Id: ${decoy.engine.stubs.all.find((s) => s.request.indexKey.kind === 'exact' && s.request.indexKey.path === '/text')!.id}`,
        'Connection: keep-alive', 'Keep-Alive: timeout=5']);
  });

  it('answers HEAD with the head only, and a gzip-accepting client with the gzipped bytes', async () => {
    const { decoy } = await suite.start();
    const text = 'HEAD /bytes HTTP/1.1\r\nHost: x\r\n\r\nGET /text HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n';
    const ex = await clients.raw(decoy.port, text, 3_000);
    const [head, zipped, ...more] = answers(ex.bytes, (i) => i === 0);
    assert.equal(more.length, 0, `nothing after the two answers:\n${ex.bytes.toString('latin1')}`);
    assert.equal(head!.headers.find(([n]) => n === 'Content-Length')?.[1], String(ALL_BYTES.length));
    assert.equal(head!.body.length, 0);
    assert.equal(zipped!.headers.find(([n]) => n === 'Content-Encoding')?.[1], 'gzip');
    assert.equal(gunzipSync(zipped!.body).toString(), TEXT);
  });
});
