/**
 * Regression tests for bugs two reviewers found in the merged code, each named after its bug. Real
 * Decoys on port 0, real clients.
 */
import assert from 'node:assert/strict';
import https from 'node:https';
import type { Decoy } from '../../src/index.js';
import { startDecoy, tempStubs } from '../support/decoy.js';

/** A GET over node:https trusting any certificate; resolves with the status or the error code. */
function httpsGet(url: string): Promise<{ status?: number; code?: string }> {
  return new Promise((resolve) => {
    const req = https.get(url, { rejectUnauthorized: false, agent: false }, (res) => {
      res.resume().on('end', () => resolve({ status: res.statusCode! }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ code: e.code ?? e.message }));
  });
}

describe('review fixes', function () {
  this.timeout(30_000);
  let decoy: Decoy | undefined;
  let folder: ReturnType<typeof tempStubs> | undefined;
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    folder?.cleanup();
    folder = undefined;
  });

  describe('CONNECTION_RESET_BY_PEER over HTTPS crashed the process (a TLS socket cannot resetAndDestroy)', () => {
    it('resets the connection, with and without a delay, and the server keeps serving', async () => {
      folder = tempStubs({
        'stubs.yaml': [
          '- { request: { method: GET, url: /reset }, response: { fault: CONNECTION_RESET_BY_PEER } }',
          '- { request: { method: GET, url: /late-reset }, response: { fault: CONNECTION_RESET_BY_PEER, fixedDelayMilliseconds: 20 } }',
          '- { request: { method: GET, url: /ok }, response: { status: 200, body: fine } }',
          '',
        ].join('\n'),
      });
      ({ decoy } = await startDecoy({ stubsDir: folder.dir, httpsPort: 0 }));
      assert.deepEqual(await httpsGet(`${decoy.httpsUrl}/reset`), { code: 'ECONNRESET' });
      assert.deepEqual(await httpsGet(`${decoy.httpsUrl}/late-reset`), { code: 'ECONNRESET' });
      assert.deepEqual(await httpsGet(`${decoy.httpsUrl}/ok`), { status: 200 });
    });
  });

  describe('--cors also covered /__admin: any website could read the journal and rewrite stubs', () => {
    it('adds CORS headers to stub answers only: admin answers and admin preflights get none', async () => {
      folder = tempStubs({ 'stubs.yaml': '- { request: { method: GET, url: /hello }, response: { status: 200, body: hi, headers: { X-Id: "1" } } }\n' });
      ({ decoy } = await startDecoy({ stubsDir: folder.dir, cors: true }));
      const origin = 'https://evil.example';
      const stub = await fetch(`${decoy.url}/hello`, { headers: { Origin: origin } });
      assert.equal(stub.headers.get('access-control-allow-origin'), origin);
      assert.match(stub.headers.get('access-control-expose-headers') ?? '', /X-Id/i);
      const journal = await fetch(`${decoy.url}/__admin/requests`, { headers: { Origin: origin } });
      assert.equal(journal.status, 200);
      await journal.text();
      assert.equal(journal.headers.get('access-control-allow-origin'), null);
      assert.equal(journal.headers.get('access-control-allow-credentials'), null);
      const preflight = await fetch(`${decoy.url}/__admin/mappings`, {
        method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
      await preflight.text();
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
      assert.equal(preflight.headers.get('access-control-allow-methods'), null);
    });
  });
});
