/**
 * The files folder served to GETs no stub matches (as WireMock serves __files/): what stays out of
 * reach. What it serves is compared with WireMock in the differential suite.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import v8 from 'node:v8';
import vm from 'node:vm';
import net from 'node:net';
import path from 'node:path';
import { startDecoy, tempStubs } from '../support/decoy.js';
import type { Decoy } from '../../src/index.js';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** A GET answered in full: status, headers and the body as received (not decompressed). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject).end();
  });
}

/** Text that compresses as a real JSON file does, `bytes` long. */
function jsonLike(bytes: number): Buffer {
  const row = JSON.stringify({ id: 123456, name: 'item', tags: ['a', 'b'], note: randomBytes(24).toString('hex') }) + ',\n';
  return Buffer.from(row.repeat(Math.ceil(bytes / row.length)).slice(0, bytes));
}

/** Sends a request line as written (no client normalizes the path) and answers the status. */
function rawStatus(port: number, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => { data += d.toString('latin1'); });
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  });
}

describe('static files from __files/', () => {
  let stubs: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let outside: ReturnType<typeof tempStubs>;

  before(async () => {
    outside = tempStubs({ 'secret.txt': 'outside' });
    stubs = tempStubs({
      'mappings/a.json': JSON.stringify({ request: { urlPath: '/stubbed.txt' }, response: { body: 'from the stub' } }),
      '__files/stubbed.txt': 'from the file',
      '__files/hello.txt': 'hello',
      '__files/.env': 'TOKEN=1',
      '__files/sub/.hidden/x.txt': 'x',
      'mappings-secret.json': '{}',
    });
    symlinkSync(path.join(outside.dir, 'secret.txt'), path.join(stubs.dir, '__files', 'link.txt'));
    writeFileSync(path.join(stubs.dir, 'beside.txt'), 'beside the files folder');
    ({ decoy } = await startDecoy({ stubsDir: stubs.dir }));
  });

  after(async () => {
    await decoy.stop();
    stubs.cleanup();
    outside.cleanup();
  });

  it('a stub that matches wins over a file of the same path', async () => {
    const r = await fetch(`${decoy.url}/stubbed.txt`);
    assert.equal(await r.text(), 'from the stub');
    const h = await fetch(`${decoy.url}/hello.txt`);
    assert.equal(h.status, 200);
    assert.equal(h.headers.get('content-type'), 'text/plain');
    assert.equal(await h.text(), 'hello');
  });

  it('nothing outside the files folder: dot segments, encoded dot segments, symlinks out', async () => {
    const port = Number(new URL(decoy.url).port);
    for (const target of ['/../beside.txt', '/%2e%2e/beside.txt', '/sub/..%2f..%2fbeside.txt', '/link.txt', '/..%5cbeside.txt']) {
      assert.equal(await rawStatus(port, target), 404, target);
    }
  });

  it('no hidden files or folders', async () => {
    const port = Number(new URL(decoy.url).port);
    assert.equal(await rawStatus(port, '/.env'), 404);
    assert.equal(await rawStatus(port, '/sub/.hidden/x.txt'), 404);
  });
});

describe('static files too large to hold', () => {
  let stubs: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  const big = jsonLike(6 * 1024 * 1024);

  before(async () => {
    stubs = tempStubs({ '__files/small.txt': 'small' });
    writeFileSync(path.join(stubs.dir, '__files', 'big.json'), big);
    ({ decoy } = await startDecoy({ stubsDir: stubs.dir }));
  });

  after(async () => {
    await decoy.stop();
    stubs.cleanup();
  });

  it('a large file is sent whole, plain or gzipped, and the journal keeps only its first 64 KiB', async () => {
    const plain = await get(`${decoy.url}/big.json`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-length'], String(big.length));
    assert.ok(plain.body.equals(big));
    const zipped = await get(`${decoy.url}/big.json`, { 'Accept-Encoding': 'gzip' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(gunzipSync(zipped.body).equals(big));
    const logged = decoy.engine.journal.newestFirst().filter((e) => e.url === '/big.json');
    assert.equal(logged.length, 2);
    for (const e of logged) assert.ok(e.response!.body.equals(big.subarray(0, 64 * 1024)));
  });

  it('many requests for a multi-megabyte file keep memory flat', async () => {
    collectGarbage();
    const before = process.memoryUsage();
    for (let i = 0; i < 40; i++) {
      const r = await fetch(`${decoy.url}/big.json`);
      assert.equal((await r.arrayBuffer()).byteLength, big.length);
    }
    collectGarbage();
    const after = process.memoryUsage();
    // Held in full per request, 40 requests would keep 240 MB of bodies (and as much again gzipped).
    const grown = (after.arrayBuffers - before.arrayBuffers) + (after.heapUsed - before.heapUsed);
    assert.ok(grown < 48 * 1024 * 1024, `memory grew by ${Math.round(grown / 1024 / 1024)} MB`);
  });

  it('a small file is answered while large files are being gzipped and sent', async () => {
    const large = Array.from({ length: 4 }, () => get(`${decoy.url}/big.json`, { 'Accept-Encoding': 'gzip' }).then(() => Date.now()));
    await new Promise((r) => setTimeout(r, 5));
    const small = await get(`${decoy.url}/small.txt`);
    const smallDone = Date.now();
    assert.equal(small.body.toString(), 'small');
    const largeDone = await Promise.all(large);
    assert.ok(smallDone < Math.min(...largeDone), `the small file came ${smallDone - Math.min(...largeDone)} ms after the first large one`);
  });

  it('a chaos rule on a large file: a delay still sends the file whole, an error status replaces it', async () => {
    const addRule = async (rule: unknown) => assert.equal((await fetch(`${decoy.url}/__admin/decoy/chaos`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(rule) })).status, 201);
    try {
      await addRule({ request: { urlPath: '/big.json' }, delayDistribution: { type: 'fixed', milliseconds: 50 } });
      const slow = await get(`${decoy.url}/big.json`);
      assert.equal(slow.status, 200);
      assert.ok(slow.body.equals(big));
      await fetch(`${decoy.url}/__admin/decoy/chaos`, { method: 'DELETE' });
      await addRule({ request: { urlPath: '/big.json' }, status: 503 });
      assert.equal((await get(`${decoy.url}/big.json`)).status, 503);
      const logged = decoy.engine.journal.newestFirst().find((e) => e.url === '/big.json');
      assert.equal(logged?.response?.status, 503);
    } finally {
      await fetch(`${decoy.url}/__admin/decoy/chaos`, { method: 'DELETE' });
    }
  });

  it('a file over 2 GB is streamed, not read into memory (which fails)', async () => {
    const huge = path.join(stubs.dir, '__files', 'huge.bin');
    writeFileSync(huge, '');
    truncateSync(huge, 3 * 1024 * 1024 * 1024);
    const head = await new Promise<{ status: number; length: string | undefined }>((resolve, reject) => {
      const req = httpRequest(`${decoy.url}/huge.bin`, (res) => {
        resolve({ status: res.statusCode!, length: res.headers['content-length'] });
        req.destroy();
      });
      req.on('error', (e) => { if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e); });
      req.end();
    });
    assert.deepEqual(head, { status: 200, length: String(3 * 1024 * 1024 * 1024) });
  });

  it('a file replaced or removed while requests come in is answered 200 or 404, never 500', async function () {
    this.timeout(20000);
    const target = path.join(stubs.dir, '__files', 'edited.json');
    // An editor's atomic save, over and over: write a temporary file, rename it over the target, remove it.
    const editor = spawn(process.execPath, ['-e', `
      const fs = require('node:fs');
      const target = ${JSON.stringify(target)};
      const end = Date.now() + 3000;
      for (let i = 0; Date.now() < end; i++) {
        fs.writeFileSync(target + '.tmp', 'x'.repeat(1000 + (i % 7)));
        fs.renameSync(target + '.tmp', target);
        if (i % 3 === 0) fs.unlinkSync(target);
      }
    `], { stdio: 'ignore' });
    const exited = new Promise((r) => editor.on('exit', r));
    const seen = new Map<number, number>();
    const started = Date.now();
    while (Date.now() - started < 2500) {
      const statuses = await Promise.all(Array.from({ length: 8 }, async () => (await fetch(`${decoy.url}/edited.json`)).status));
      for (const s of statuses) seen.set(s, (seen.get(s) ?? 0) + 1);
    }
    await exited;
    assert.deepEqual([...seen.keys()].filter((s) => s !== 200 && s !== 404), [], `statuses seen: ${JSON.stringify([...seen])}`);
  });
});
