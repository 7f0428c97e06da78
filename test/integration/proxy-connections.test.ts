/**
 * The forwarder's connections to an upstream, as the upstream sees them: proxied requests reuse kept-alive
 * connections instead of opening one each, and a kept-alive connection the upstream has given up on (it
 * resets it when the next request arrives, as a server whose idle timeout just ran out does) costs the
 * client nothing for a request that may be sent twice: it is sent again on a fresh connection. A POST is
 * not sent twice: its client gets the 500 that names the failure.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import type { Decoy } from '../../src/index.js';
import { startDecoy } from '../support/decoy.js';

describe('proxying: connections to the upstream', function () {
  this.timeout(10_000);
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function proxyTo(port: number): Promise<Decoy> {
    const { decoy } = await startDecoy({ proxyAll: `http://127.0.0.1:${port}`, shutdownGraceMs: 100 } as never);
    closers.push(() => decoy.stop());
    return decoy;
  }

  async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('sequential proxied requests reuse one kept-alive connection to the upstream', async () => {
    let connections = 0;
    const upstream = createHttpServer((req, res) => res.end(`hello ${req.url}`));
    upstream.on('connection', () => { connections++; });
    const port = await listen(upstream);
    closers.push(() => new Promise((resolve) => { upstream.closeAllConnections(); upstream.close(() => resolve()); }));
    const decoy = await proxyTo(port);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${decoy.url}/items/${i}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), `hello /items/${i}`);
    }
    assert.equal(connections, 1, `the upstream saw ${connections} connections for 20 sequential requests`);
  });

  it('a client that stops reading stops the upstream (its writes back up, Decoy holds no pile), and leaving aborts the upstream call', async () => {
    // 1 GiB offered in 1 MiB writes, each after the last drained: how far the upstream got is what Decoy read.
    const total = 1024 * 1024 * 1024;
    const piece = Buffer.alloc(1024 * 1024, 'x');
    let written = 0;
    let upstreamClosed = false;
    let upstreamFinished = false;
    const upstream = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      res.on('close', () => { upstreamClosed = true; });
      res.on('finish', () => { upstreamFinished = true; });
      const more = (): void => {
        while (written < total && !res.destroyed) {
          written += piece.length;
          if (!res.write(piece)) {
            res.once('drain', more);
            return;
          }
        }
        if (written >= total) res.end();
      };
      more();
    });
    const port = await listen(upstream);
    closers.push(() => new Promise((resolve) => { upstream.closeAllConnections(); upstream.close(() => resolve()); }));
    const decoy = await proxyTo(port);
    const { port: decoyPort } = new URL(decoy.url);
    // A raw client that sends its request and reads nothing.
    const client = connect(Number(decoyPort), '127.0.0.1');
    client.on('error', () => {});
    client.pause();
    client.write('GET /download HTTP/1.1\r\nHost: decoy\r\n\r\n');
    // Wait until the upstream's writes stop moving (socket buffers on both sides full).
    let last = -1;
    for (let still = 0, t = Date.now(); still < 5 && Date.now() - t < 8_000; await sleep(100)) {
      still = written === last && written > 0 ? still + 1 : 0;
      last = written;
    }
    assert.equal(written, last, 'the upstream kept writing to a client that reads nothing');
    // What the kernel's socket buffers hold on this path (two receive and two send buffers) is far below this.
    assert.ok(written < 256 * 1024 * 1024, `the upstream wrote ${written >> 20} MiB to a client that read nothing`);
    assert.ok(!upstreamFinished, 'the upstream finished its 1 GiB');
    client.destroy();
    for (const t = Date.now(); !upstreamClosed && Date.now() - t < 3_000;) await sleep(50);
    assert.ok(upstreamClosed, 'the upstream call was not aborted when the client left');
    assert.ok(!upstreamFinished, 'the upstream finished its 1 GiB after the client left');
  });

  /**
   * An upstream that answers the first request of each connection (keep-alive) and resets the connection
   * when a second request arrives on it: the race of an idle timeout expiring as the proxy reuses the socket.
   */
  async function resettingUpstream(): Promise<{ port: number; connections: () => number; requests: string[] }> {
    let connections = 0;
    const requests: string[] = [];
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
      let served = 0;
      let buffered = '';
      socket.on('data', (chunk) => {
        buffered += chunk.toString('latin1');
        // Each request here has no body: it ends with its blank line.
        while (buffered.includes('\r\n\r\n')) {
          const end = buffered.indexOf('\r\n\r\n') + 4;
          const head = buffered.slice(0, end);
          buffered = buffered.slice(end);
          requests.push(head.split('\r\n')[0]!);
          if (served++ > 0) {
            socket.resetAndDestroy();
            return;
          }
          socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\nok');
        }
      });
    });
    const port = await listen(server);
    closers.push(() => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }));
    return { port, connections: () => connections, requests };
  }

  it('a GET on a kept-alive connection the upstream resets is sent again on a new connection', async () => {
    const upstream = await resettingUpstream();
    const decoy = await proxyTo(upstream.port);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${decoy.url}/again/${i}`);
      assert.equal(res.status, 200, `request ${i}: ${res.status} ${await res.clone().text()}`);
      assert.equal(await res.text(), 'ok');
    }
    // The second request met the reset on the one kept-alive connection and went once more on a new one;
    // whether the third finds a connection to reuse depends on the pool, but it is never sent more than twice.
    const sent = (p: string) => upstream.requests.filter((l) => l.split(' ')[1] === p).length;
    assert.deepEqual([sent('/again/0'), sent('/again/1')], [1, 2]);
    assert.ok(sent('/again/2') >= 1 && sent('/again/2') <= 2, `/again/2 was sent ${sent('/again/2')} times`);
    assert.ok(upstream.connections() >= 2, `${upstream.connections()} connections`);
  });

  it('a POST on a kept-alive connection the upstream resets is not sent twice: its client gets the 500', async () => {
    const upstream = await resettingUpstream();
    const decoy = await proxyTo(upstream.port);
    assert.equal((await fetch(`${decoy.url}/first`)).status, 200);
    const res = await fetch(`${decoy.url}/order`, { method: 'POST' });
    assert.equal(res.status, 500);
    assert.match(await res.text(), /Network failure trying to make a proxied request/);
    assert.deepEqual(upstream.requests.map((l) => l.split(' ').slice(0, 2).join(' ')), ['GET /first', 'POST /order']);
  });
});
