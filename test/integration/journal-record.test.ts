/**
 * What the journal gives back over the admin API, for the requests whose record is least like a plain
 * GET: the journal keeps each request in a compact form (its URL and raw header list as one string, its
 * numbers in typed arrays) and builds the serve event only when read, so these tests pin that what is
 * read is what was sent, byte for byte, before and after the ring comes round and under the byte budget.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Decoy } from '../../src/index.js';
import { startDecoy } from '../support/decoy.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

type Json = Record<string, any>;

async function admin(base: string, method: string, p: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${base}/__admin${p}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  assert.ok(res.status < 300, `${method} ${p}: ${res.status}`);
  const text = await res.text();
  return text ? JSON.parse(text) as Json : {};
}

/** Sends `head` (request line and header lines, CRLF-separated, no final blank line) and `body` on a raw socket; resolves with the answer's status line. */
function rawRequest(url: string, head: string, body: Buffer = Buffer.alloc(0)): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), body]));
    });
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      got += d;
      if (got.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(got.slice(0, got.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
  });
}

describe('the journal gives back each request as it was sent', () => {
  let decoy: Decoy | undefined;
  let upstream: Upstream | undefined;
  afterEach(async () => {
    await decoy?.stop();
    await upstream?.close();
    decoy = undefined;
    upstream = undefined;
  });

  it('repeated, differently spelt, empty and Latin-1 headers and an odd URL come back exactly, in the order sent', async () => {
    ({ decoy } = await startDecoy({}));
    const head = [
      'GET /odd/p%20ath;m=1?q=a%20b&q=c&empty=&=x#not-sent HTTP/1.1',
      'Host: example.test:1234',
      'X-Dup: one',
      'x-dup: two',
      'X-DUP: three',
      'X-Empty:',
      'X-Padded:    padded value  ',
      'X-Tab: a\tb',
      'X-Latin1: caf\xe9',
      'Cookie: a=1',
      'Cookie: b=2; c=3',
      'X-Quoted: a, b, "c,d"',
      'Content-Type: text/plain',
    ].join('\r\n');
    assert.match(await rawRequest(decoy.url, head), /^HTTP\/1\.1 404/);
    const [event] = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    const r = event!.request;
    assert.equal(r.url, '/odd/p%20ath;m=1?q=a%20b&q=c&empty=&=x#not-sent');
    assert.equal(r.absoluteUrl, 'http://example.test:1234/odd/p%20ath;m=1?q=a%20b&q=c&empty=&=x#not-sent');
    assert.equal(r.host, 'example.test');
    assert.deepEqual(r.headers, {
      Host: 'example.test:1234', 'X-Dup': 'one', 'x-dup': 'two', 'X-DUP': 'three', 'X-Empty': '', 'X-Padded': 'padded value',
      'X-Tab': 'a\tb', 'X-Latin1': 'caf\xe9', Cookie: ['a=1', 'b=2; c=3'], 'X-Quoted': 'a, b, "c,d"', 'Content-Type': 'text/plain',
    });
    assert.deepEqual(r.cookies, { a: '1', b: '2', c: '3' });
    assert.deepEqual(r.queryParams.q, { key: 'q', values: ['a b', 'c'] });
    assert.deepEqual(r.queryParams.empty, { key: 'empty', values: [''] });
    // The same event wherever it is read.
    assert.deepEqual(await admin(decoy.url, 'GET', `/requests/${event!.id}`), event);
  });

  it('a request with no headers at all and one with a hundred', async () => {
    ({ decoy } = await startDecoy({}));
    await rawRequest(decoy.url, 'GET /bare HTTP/1.0');
    const many = Array.from({ length: 100 }, (_, i) => `X-H${i}: ${'v'.repeat(i)}`);
    await rawRequest(decoy.url, ['GET /many HTTP/1.1', 'Host: h', ...many].join('\r\n'));
    const [manyEvent, bare] = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    assert.deepEqual(bare!.request.headers, {});
    assert.equal(bare!.request.protocol, 'HTTP/1.0');
    assert.equal(bare!.request.url, '/bare');
    assert.equal(Object.keys(manyEvent!.request.headers).length, 101);
    for (let i = 0; i < 100; i++) assert.equal(manyEvent!.request.headers[`X-H${i}`], 'v'.repeat(i));
  });

  it('text and binary bodies, and the stub\'s response, come back byte for byte', async () => {
    ({ decoy } = await startDecoy({}));
    await admin(decoy.url, 'POST', '/mappings', { request: { method: 'POST', url: '/echo' }, response: { status: 201, headers: { 'X-Kind': 'stub' }, body: 'made' } });
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await fetch(`${decoy.url}/echo`, { method: 'POST', body: 'héllo\nwörld' });
    await fetch(`${decoy.url}/echo`, { method: 'POST', body: binary, headers: { 'content-type': 'application/octet-stream' } });
    const [bin, text] = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    assert.equal(text!.request.body, 'héllo\nwörld');
    assert.equal(Buffer.from(text!.request.bodyAsBase64, 'base64').toString('utf8'), 'héllo\nwörld');
    assert.deepEqual(Buffer.from(bin!.request.bodyAsBase64, 'base64'), binary);
    for (const e of [text!, bin!]) {
      assert.equal(e.response.status, 201);
      assert.equal(e.response.body, 'made');
      assert.equal(e.response.headers['X-Kind'], 'stub');
      assert.equal(e.wasMatched, true);
    }
  });

  it('a proxied request keeps the upstream\'s answer and where it went; a faulted one its fault', async () => {
    upstream = await startUpstream((_req, res) => {
      res.writeHead(203, { 'x-upstream': 'yes' });
      res.end('from upstream');
    });
    ({ decoy } = await startDecoy({}));
    await admin(decoy.url, 'POST', '/mappings', { request: { urlPathPattern: '/up/.*' }, response: { proxyBaseUrl: upstream.url } });
    await admin(decoy.url, 'POST', '/mappings', { request: { url: '/cut' }, response: { fault: 'CONNECTION_RESET_BY_PEER' } });
    assert.equal(await (await fetch(`${decoy.url}/up/x?y=1`, { headers: { 'X-Trace': 't1' } })).text(), 'from upstream');
    await fetch(`${decoy.url}/cut`).catch(() => undefined);
    const [cut, proxied] = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    assert.equal(proxied!.request.url, '/up/x?y=1');
    assert.equal(proxied!.request.headers['X-Trace'], 't1');
    assert.equal(proxied!.response.status, 203);
    assert.equal(proxied!.response.body, 'from upstream');
    assert.equal(proxied!.response.headers['x-upstream'], 'yes');
    assert.deepEqual(proxied!.subEvents.filter((s: Json) => s.type === 'decoy.proxied').map((s: Json) => s.data.proxiedTo), [upstream.url]);
    assert.equal(cut!.request.url, '/cut');
    assert.equal(cut!.response.fault, 'CONNECTION_RESET_BY_PEER');
  });

  it('after the ring comes round: the newest events in order, ids stable across reads, count, find and remove', async () => {
    ({ decoy } = await startDecoy({ journalSize: 5 }));
    for (let i = 0; i < 13; i++) await fetch(`${decoy.url}/n/${i}`, { headers: { 'X-Index': String(i), ...(i % 2 ? { 'X-Odd': 'yes' } : {}) } });
    const first = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    assert.deepEqual(first.map((e) => e.request.url), ['/n/12', '/n/11', '/n/10', '/n/9', '/n/8']);
    assert.deepEqual(first.map((e) => e.request.headers['X-Index']), ['12', '11', '10', '9', '8']);
    assert.deepEqual(first.map((e) => e.request.headers['X-Odd']), [undefined, 'yes', undefined, 'yes', undefined]);
    const again = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    assert.deepEqual(again, first);
    assert.equal(new Set(first.map((e) => e.id)).size, 5);
    for (const e of first) assert.deepEqual(await admin(decoy.url, 'GET', `/requests/${e.id}`), e);

    assert.equal((await admin(decoy.url, 'POST', '/requests/count', { urlPattern: '/n/1[0-9]' })).count, 3);
    assert.deepEqual(((await admin(decoy.url, 'POST', '/requests/find', { url: '/n/9' })).requests as Json[]).map((r) => r.headers['X-Index']), ['9']);
    const removed = (await admin(decoy.url, 'POST', '/requests/remove', { headers: { 'X-Odd': { equalTo: 'yes' } } })).serveEvents as Json[];
    assert.deepEqual(removed.map((e) => e.id), [first[1]!.id, first[3]!.id]);
    const left = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    assert.deepEqual(left, [first[0], first[2], first[4]]);

    // The ring goes on from there: the oldest kept go first.
    for (let i = 13; i < 17; i++) await fetch(`${decoy.url}/n/${i}`);
    const later = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    assert.deepEqual(later.map((e) => e.request.url), ['/n/16', '/n/15', '/n/14', '/n/13', '/n/12']);
    assert.deepEqual(later[4], first[0]);
    const gone = await fetch(`${decoy.url}/__admin/requests/${first[2]!.id}`);
    assert.equal(gone.status, 404);
  });

  it('under the byte budget the oldest go first, and the kept ones keep their bodies', async () => {
    ({ decoy } = await startDecoy({ journalMaxBytes: 13 * 1024 }));
    await admin(decoy.url, 'POST', '/mappings', { request: { method: 'POST', urlPathPattern: '/up/.*' }, response: { status: 200, body: 'ok' } });
    for (let i = 0; i < 6; i++) await fetch(`${decoy.url}/up/${i}`, { method: 'POST', body: String(i).repeat(3000) });
    const kept = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    // Each counts its 3,000 + 2 bytes of bodies and a fixed allowance of 1 KiB: three fit in 13 KiB, four do not.
    assert.deepEqual(kept.map((e) => e.request.url), ['/up/5', '/up/4', '/up/3']);
    for (const e of kept) assert.equal(e.request.body, e.request.url.slice(-1).repeat(3000));
    assert.equal(decoy.engine.journal.bytes, 3 * (3002 + 1024));
  });

  it('with --redact-journal the masked events keep the ids and order of the events as served, after the ring comes round', async () => {
    ({ decoy } = await startDecoy({ journalSize: 3, redactJournal: true }));
    for (let i = 0; i < 5; i++) await fetch(`${decoy.url}/r/${i}`, { headers: { Authorization: `Bearer secret-token-${i}` } });
    const first = (await admin(decoy.url, 'GET', '/requests')).requests as Json[];
    assert.deepEqual(first.map((e) => e.request.url), ['/r/4', '/r/3', '/r/2']);
    for (const e of first) assert.doesNotMatch(JSON.stringify(e), /secret-token/);
    assert.deepEqual((await admin(decoy.url, 'GET', '/requests')).requests, first);
    for (const e of first) assert.deepEqual(await admin(decoy.url, 'GET', `/requests/${e.id}`), e);
  });
});
