/**
 * Every limit on what a client may cost, tested on the wire: body size, header size and count, slow
 * clients (request timeout) on the stub port and the admin port, idle keep-alive connections, and the
 * cap on sockets held by HANG faults.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'mocha';
import type { Decoy } from '../../src/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { WireClients } from '../support/wire.js';

const STUBS = [
  '- { request: { method: ANY, urlPath: /ok }, response: { status: 200, body: fine } }',
  '- { request: { method: GET, url: /hang }, response: { status: 200, fault: HANG } }',
  '- { request: { method: GET, url: /stall }, response: { status: 200, body: "0123456789", fault: STALL_BODY } }',
].join('\n');

/** A socket that has connected, with everything it receives and how it ended. */
function openSocket(port: number): Promise<{ socket: net.Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const start = performance.now();
    const socket = net.connect(port, '127.0.0.1');
    const closed = new Promise<number>((r) => socket.once('close', () => r(performance.now() - start)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => Buffer.concat(chunks).toString('latin1'), closed }));
    socket.once('error', reject);
  });
}

describe('limits', () => {
  let decoy: Decoy | undefined;
  let folder: ReturnType<typeof tempStubs> | undefined;
  const wire = new WireClients();
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await wire.close();
    await decoy?.stop();
    decoy = undefined;
    folder?.cleanup();
    folder = undefined;
  });

  const start = async (options: Parameters<typeof startDecoy>[0] = {}): Promise<Decoy> => {
    folder = tempStubs({ 'stubs.yaml': STUBS });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, shutdownGraceMs: 100, ...options }));
    return decoy;
  };

  describe('request body size (--max-body-size)', () => {
    it('a body over the limit gets 413, whether announced by Content-Length or sent chunked', async () => {
      const d = await start({ maxBodyBytes: 1000 });
      const declared = await fetch(`${d.url}/ok`, { method: 'POST', body: 'x'.repeat(1001) });
      assert.equal(declared.status, 413);
      assert.match(await declared.text(), /limit of 1000 bytes/);
      const chunked = await wire.raw(d.port, `POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n${'y'.repeat(2000)}\r\n0\r\n\r\n`, 3000);
      assert.match(chunked.bytes.toString(), /^HTTP\/1\.1 413 /);
      const within = await fetch(`${d.url}/ok`, { method: 'POST', body: 'x'.repeat(1000) });
      assert.equal(within.status, 200);
    });
  });

  describe('header size (--max-header-size)', () => {
    it('headers over the limit get 431 and a line naming the limit; smaller ones are served', async () => {
      const d = await start({ maxHeaderBytes: 2048 });
      const big = await wire.raw(d.port, `GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4000)}\r\n\r\n`, 3000);
      const text = big.bytes.toString();
      assert.match(text, /^HTTP\/1\.1 431 /);
      assert.match(text, /at most 2048 bytes/);
      const small = await wire.raw(d.port, `GET /ok HTTP/1.1\r\nHost: x\r\nX-Small: ${'a'.repeat(1000)}\r\nConnection: close\r\n\r\n`, 3000);
      assert.match(small.bytes.toString(), /^HTTP\/1\.1 200 [^]*fine$/);
    });

    it('the admin port has the same header size limit', async () => {
      const d = await start({ maxHeaderBytes: 2048, adminPort: 0 });
      const port = Number(new URL(d.adminUrl!).port);
      const big = await wire.raw(port, `GET /__admin/mappings HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4000)}\r\n\r\n`, 3000);
      assert.match(big.bytes.toString(), /^HTTP\/1\.1 431 /);
    });
  });

  describe('header count (--max-headers-count)', () => {
    const withHeaders = (n: number, path = '/ok') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: n - 2 }, (_, i) => `X-H${i}: v\r\n`).join('')}Connection: close\r\n\r\n`;

    it('more header lines than the limit get 431; exactly the limit is served', async () => {
      const d = await start({ maxHeadersCount: 20 });
      const over = await wire.raw(d.port, withHeaders(22), 3000);
      assert.match(over.bytes.toString(), /^HTTP\/1\.1 431 [^]*20 header lines/);
      const at = await wire.raw(d.port, withHeaders(20), 3000);
      assert.match(at.bytes.toString(), /^HTTP\/1\.1 200 /);
    });

    it('applies to /__admin too, on the stub port and the admin port', async () => {
      const d = await start({ maxHeadersCount: 20, adminPort: 0 });
      const onStubPort = await wire.raw(d.port, withHeaders(25, '/__admin/mappings'), 3000);
      assert.match(onStubPort.bytes.toString(), /^HTTP\/1\.1 431 /);
      const onAdminPort = await wire.raw(Number(new URL(d.adminUrl!).port), withHeaders(25, '/__admin/mappings'), 3000);
      assert.match(onAdminPort.bytes.toString(), /^HTTP\/1\.1 431 /);
    });
  });

  describe('slow clients (--request-timeout, --admin-request-timeout)', () => {
    it('a slowloris client (headers a byte at a time, never finished) gets 408 and is cut off after the timeout', async () => {
      const d = await start({ requestTimeoutMs: 400 });
      const c = await openSocket(d.port);
      sockets.push(c.socket);
      c.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n');
      const drip = setInterval(() => { if (!c.socket.destroyed) c.socket.write('X-Slow: a\r\n'); }, 100);
      const closedAfter = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      clearInterval(drip);
      assert.ok(closedAfter > 0, 'the server closed the connection');
      assert.ok(closedAfter >= 350, `not before the timeout (closed after ${closedAfter} ms)`);
      assert.match(c.received(), /^HTTP\/1\.1 408 [^]*did not arrive within 400 ms/);
    });

    it('a body sent too slowly is cut off the same way', async () => {
      const d = await start({ requestTimeoutMs: 400 });
      const c = await openSocket(d.port);
      sockets.push(c.socket);
      c.socket.write('POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc');
      const closedAfter = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      assert.ok(closedAfter > 0, 'the server closed the connection');
      assert.match(c.received(), /^HTTP\/1\.1 408 /);
    });

    it('other clients are served while a slow client waits, and a HANG longer than the timeout is not cut by it', async () => {
      const d = await start({ requestTimeoutMs: 300, maxHangMs: 800 });
      const c = await openSocket(d.port);
      sockets.push(c.socket);
      c.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n');
      assert.equal((await fetch(`${d.url}/ok`)).status, 200);
      const hang = await wire.rawGet(d.port, '/hang', 3000);
      // The request arrived in full: the response side is the fault's business (released after maxHangMs).
      assert.ok(hang.elapsedMs >= 700, `held for ${hang.elapsedMs} ms`);
    });

    it('the admin port cuts a slow admin client after --admin-request-timeout', async () => {
      const d = await start({ adminPort: 0, adminRequestTimeoutMs: 300 });
      const c = await openSocket(Number(new URL(d.adminUrl!).port));
      sockets.push(c.socket);
      c.socket.write('POST /__admin/mappings HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{"request":');
      const closedAfter = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      assert.ok(closedAfter > 0, 'the admin port closed the connection');
      assert.match(c.received(), /^HTTP\/1\.1 408 /);
    });
  });

  describe('idle connections (--idle-timeout)', () => {
    it('an idle keep-alive connection is closed after the idle timeout', async () => {
      const d = await start({ idleTimeoutMs: 300 });
      const c = await openSocket(d.port);
      sockets.push(c.socket);
      const sentAt = performance.now();
      c.socket.write('GET /ok HTTP/1.1\r\nHost: x\r\n\r\n');
      const closedAt = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      assert.ok(closedAt > 0, 'the server closed the idle connection');
      assert.match(c.received(), /^HTTP\/1\.1 200 [^]*Keep-Alive: timeout=0?\.?3?/i);
      assert.ok(performance.now() - sentAt >= 250, 'not before the idle timeout');
    });

    it('a connection that never sends a byte is closed after the request timeout', async () => {
      const d = await start({ requestTimeoutMs: 400 });
      const c = await openSocket(d.port);
      sockets.push(c.socket);
      const closedAfter = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(-1), 5000))]);
      assert.ok(closedAfter > 0, 'the server closed the silent connection');
    });
  });

  describe('hung sockets (--max-hung-sockets)', () => {
    it('beyond the cap, a HANG closes the connection at once (the client sees an empty reply); a slot freed is used again', async () => {
      const d = await start({ maxHungSockets: 3, maxHangMs: 60_000 });
      const held = await Promise.all([0, 1, 2].map(async () => {
        const c = await openSocket(d.port);
        sockets.push(c.socket);
        c.socket.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n');
        return c;
      }));
      await new Promise((r) => setTimeout(r, 200));
      const over = await wire.rawGet(d.port, '/hang', 3000);
      assert.equal(over.bytes.length, 0, 'no answer at all');
      assert.notEqual(over.ending, 'timeout', 'closed at once, not held');
      assert.ok(over.elapsedMs < 2000);
      const stall = await wire.rawGet(d.port, '/stall', 3000);
      assert.notEqual(stall.ending, 'timeout', 'a STALL_BODY over the cap is closed at once too');
      // Ordinary traffic is untouched by the cap.
      assert.equal((await fetch(`${d.url}/ok`)).status, 200);
      held[0]!.socket.destroy();
      await held[0]!.closed;
      await new Promise((r) => setTimeout(r, 100));
      const again = await wire.rawGet(d.port, '/hang', 400);
      assert.equal(again.ending, 'timeout', 'held again once a slot is free');
    });
  });

  describe('the CLI flags', () => {
    it('--max-header-size, --max-headers-count, --request-timeout, --max-hung-sockets and --admin-host reach the servers', async () => {
      folder = tempStubs({ 'stubs.yaml': STUBS });
      const cli = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');
      const child = spawn(process.execPath, [cli, '--port', '0', '--host', '127.0.0.1', '--stubs', folder.dir, '--no-watch',
        '--max-header-size', '1k', '--max-headers-count', '10', '--request-timeout', '300', '--max-hung-sockets', '0',
        '--admin-port', '0', '--admin-host', '127.0.0.2', '--admin-request-timeout', '300', '--idle-timeout', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      try {
        await eventually(() => /admin API also on/.test(out) || child.exitCode !== null, 10_000, 'the CLI to start');
        const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
        const adminUrl = /admin API also on (http:\/\/127\.0\.0\.2:\d+)/.exec(out)?.[1];
        assert.ok(url && adminUrl, out);
        const port = Number(new URL(url).port);
        assert.match((await wire.raw(port, `GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`, 3000)).bytes.toString(), /^HTTP\/1\.1 431 /);
        assert.match((await wire.raw(port, `GET /ok HTTP/1.1\r\nHost: x\r\n${'X-A: 1\r\n'.repeat(12)}\r\n`, 3000)).bytes.toString(), /^HTTP\/1\.1 431 /);
        assert.match((await wire.raw(port, 'GET /ok HTTP/1.1\r\nHost: x\r\n', 3000)).bytes.toString(), /^HTTP\/1\.1 408 /);
        const hang = await wire.rawGet(port, '/hang', 3000);
        assert.equal(hang.bytes.length, 0);
        assert.notEqual(hang.ending, 'timeout', '--max-hung-sockets 0: closed at once');
        assert.equal((await fetch(`${url}/__admin/mappings`)).status, 404);
        assert.equal((await fetch(`${adminUrl}/__admin/mappings`)).status, 200);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });
});
