/**
 * The files folder served to GETs no stub matches (as WireMock serves __files/): what stays out of
 * reach. What it serves is compared with WireMock in the differential suite.
 */
import assert from 'node:assert/strict';
import { symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startDecoy, tempStubs } from '../support/decoy.js';
import type { Decoy } from '../../src/index.js';

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
