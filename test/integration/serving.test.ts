import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy, tempStubs, type LogCapture } from '../support/decoy.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const golden = (name: string) => path.join(here, '..', 'golden', name);

/** Compares with a golden file; `UPDATE_GOLDEN=1 npm test` rewrites it. */
function assertGolden(name: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN) writeFileSync(golden(name), actual);
  assert.equal(actual, readFileSync(golden(name), 'utf8'));
}

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.on('data', (c) => (out += c));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

describe('serving', () => {
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let log: LogCapture;
  afterEach(async () => {
    await decoy?.stop();
    folder?.cleanup();
  });

  describe('order', () => {
    beforeEach(async () => {
      folder = tempStubs({
        // Files load in path order, so b.yaml's stubs are added after a.yaml's.
        'a.yaml': [
          '- { name: a-default, request: { path: /p }, response: { body: a-default } }',
          '- { name: a-low, priority: 9, request: { path: /low }, response: { body: a-low } }',
          '- { name: a-high, priority: 1, request: { urlPathPattern: "/h.*" }, response: { body: a-high } }',
        ].join('\n'),
        'b.yaml': [
          '- { name: b-default, request: { path: /p }, response: { body: b-default } }',
          '- { name: b-lower, priority: 8, request: { path: /low }, response: { body: b-lower } }',
          '- { name: b-exact, request: { path: /high }, response: { body: b-exact } }',
          '- { name: b-any, priority: 10, request: { method: ANY }, response: { status: 418, body: fallback } }',
        ].join('\n'),
      });
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    });

    it('among equal priorities, the most recently added stub wins', async () => {
      assert.equal((await get(`${decoy.url}/p`)).text, 'b-default');
    });
    it('a lower priority number wins over recency', async () => {
      assert.equal((await get(`${decoy.url}/low`)).text, 'b-lower');
      assert.equal((await get(`${decoy.url}/high`)).text, 'a-high');
    });
    it('a pattern with priority beats a later exact-path stub; a catch-all with low priority answers the rest', async () => {
      assert.equal((await get(`${decoy.url}/hello`)).text, 'a-high');
      const rest = await get(`${decoy.url}/anything/else`, { method: 'DELETE' });
      assert.equal(rest.status, 418);
    });
    it('/__admin is never matched by stubs, not even by a catch-all', async () => {
      const health = await get(`${decoy.url}/__admin/health`);
      assert.equal(health.status, 200);
      assert.equal(JSON.parse(health.text).stubs, 7);
      const other = await get(`${decoy.url}/__admin/no-such-endpoint`, { headers: { Accept: 'application/problem+json' } });
      assert.equal(other.status, 404);
      assert.match(other.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.match(JSON.parse(other.text).detail, /no admin endpoint GET \/__admin\/no-such-endpoint/);
      // A path that merely starts with the same letters is an ordinary request.
      assert.equal((await get(`${decoy.url}/__administrator`)).status, 418);
    });
  });

  describe('the near-miss 404', () => {
    beforeEach(async () => {
      folder = tempStubs({
        'orders.yaml': [
          '- name: get order',
          '  request:',
          '    method: GET',
          '    path: /orders/:id',
          '    headers:',
          '      Accept: { equalTo: application/json }',
          '    queryParameters:',
          '      expand: { matches: "items|customer" }',
          '  response: { body: order }',
          '- name: create order',
          '  request:',
          '    method: POST',
          '    urlPath: /orders',
          '    bodyPatterns:',
          '      - equalToJson: { "sku": "A-1", "qty": 1 }',
          '  response: { status: 201 }',
          '- name: health',
          '  request: { method: GET, url: /health }',
          '  response: { body: ok }',
        ].join('\n'),
      }, 'test-output/near-miss');
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    });

    it('names the closest stub and each field that differs (golden)', async () => {
      const res = await get(`${decoy.url}/orders/42?expand=invoices`, { headers: { Accept: 'text/html' } });
      assert.equal(res.status, 404);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      assertGolden('near-miss-get.txt', res.text);
    });

    it('shows the body diff for a body mismatch (golden)', async () => {
      const res = await get(`${decoy.url}/orders`, { method: 'POST', body: '{"sku":"A-2","qty":1}', headers: { 'Content-Type': 'application/json' } });
      assert.equal(res.status, 404);
      assertGolden('near-miss-post.txt', res.text);
    });

    it('with no stubs at all, starts with WireMock\'s own sentence, then says so in its words', async () => {
      await decoy.stop();
      folder.cleanup();
      folder = tempStubs();
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
      const res = await get(`${decoy.url}/x`);
      assert.equal(res.status, 404);
      assert.ok(res.text.startsWith('No response could be served as there are no stub mappings in this WireMock instance.\n'), res.text);
      assert.match(res.text, /No stubs are loaded, so nothing could match GET \/x\./);
    });
  });

  describe('HTTP edge cases', () => {
    beforeEach(async () => {
      folder = tempStubs({ 's.yaml': 'request: { method: ANY, path: /echo }\nresponse: { status: 200, headers: { X-Multi: [a, b] }, body: hello }\n' });
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir, maxBodyBytes: 1024 }));
    });

    it('answers HEAD with the headers and no body', async () => {
      const res = await fetch(`${decoy.url}/echo`, { method: 'HEAD' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), '5');
      assert.equal(await res.text(), '');
    });

    it('sends multi-valued headers as separate lines', async () => {
      const raw = await rawRequest(decoy.port, 'GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      assert.match(raw, /\r\nX-Multi: a\r\nX-Multi: b\r\n/);
    });

    it('answers a malformed request with 400 and stays up', async () => {
      const raw = await rawRequest(decoy.port, 'GET /echo HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n');
      assert.match(raw, /^HTTP\/1\.1 400 Bad Request/);
      assert.match(raw, /Bad request: HPE_/);
      assert.equal((await get(`${decoy.url}/echo`)).text, 'hello');
    });

    it('answers 413 to a body over the limit, declared or streamed', async () => {
      const declared = await get(`${decoy.url}/echo`, { method: 'POST', body: 'x'.repeat(2048) });
      assert.equal(declared.status, 413);
      const streamed = await new Promise<number>((resolve, reject) => {
        const req = http.request(`${decoy.url}/echo`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.end('y'.repeat(4096));
      });
      assert.equal(streamed, 413);
    });

    it('stop() lets an in-flight request finish', async () => {
      const answer = new Promise<string>((resolve, reject) => {
        const req = http.request(`${decoy.url}/echo`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve(`${res.statusCode} ${b}`));
        });
        req.on('error', reject);
        req.write('started');
        setTimeout(() => req.end(), 300);
      });
      await new Promise((r) => setTimeout(r, 100));
      const stopped = decoy.stop();
      assert.equal(await answer, '200 hello');
      await stopped;
      await assert.rejects(fetch(`${decoy.url}/echo`));
    });
  });
});
