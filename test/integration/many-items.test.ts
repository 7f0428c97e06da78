/**
 * Requests made of very many small items (multipart parts, body lines, JSON array elements): an
 * unmatched one is still the usual 404 with its report, and a matched one is answered, never a 500
 * from a call stack that a spread of the items overflowed.
 */
import assert from 'node:assert/strict';
import type { Decoy } from '../../src/index.js';
import { startDecoy, tempStubs } from '../support/decoy.js';

const STUBS = JSON.stringify({
  mappings: [
    { request: { method: 'POST', urlPath: '/upload', multipartPatterns: [{ matchingType: 'ALL', headers: { 'Content-Disposition': { contains: 'name="file"' } } }] }, response: { status: 201 } },
    { request: { method: 'POST', urlPath: '/any-part', multipartPatterns: [{ matchingType: 'ANY', bodyPatterns: [{ equalTo: 'needle' }] }] }, response: { status: 202 } },
    { request: { method: 'POST', urlPath: '/text', bodyPatterns: [{ equalTo: 'short' }] }, response: { status: 200 } },
    { request: { method: 'POST', urlPath: '/numbers', bodyPatterns: [{ matchesJsonPath: { expression: '$.items.max()', equalTo: '299999.0' } }] }, response: { status: 200, body: 'max' } },
  ],
});

describe('requests with very many items', () => {
  let stubs: ReturnType<typeof tempStubs>;
  let decoy: Decoy;

  before(async () => {
    stubs = tempStubs({ 'mappings/many.json': STUBS });
    ({ decoy } = await startDecoy({ stubsDir: stubs.dir, maxBodyBytes: 16 * 1024 * 1024 }));
  });

  after(async () => {
    await decoy.stop();
    stubs.cleanup();
  });

  const multipart = (parts: number, last = 'x') => ({
    method: 'POST',
    headers: { 'Content-Type': 'multipart/form-data; boundary=b' },
    body: `${'--b\r\nContent-Disposition: form-data; name="f"\r\n\r\nx\r\n'.repeat(parts - 1)}--b\r\n\r\n${last}\r\n--b--\r\n`,
  });

  it('a multipart body of 300,000 parts is not matched: a 404 with the report, not a 500', async function () {
    this.timeout(30000);
    const r = await fetch(`${decoy.url}/upload`, multipart(300_000));
    assert.equal(r.status, 404);
    assert.match(await r.text(), /Request was not matched/);
  });

  it('a multipart pattern is not matched by a body of more than 1,000 parts, even when a part fits', async () => {
    assert.equal((await fetch(`${decoy.url}/any-part`, multipart(1000, 'needle'))).status, 202);
    assert.equal((await fetch(`${decoy.url}/any-part`, multipart(1001, 'needle'))).status, 404);
  });

  it('a body of 300,000 lines that does not match gets the near-miss report', async function () {
    this.timeout(30000);
    const r = await fetch(`${decoy.url}/text`, { method: 'POST', body: 'line\n'.repeat(300_000) });
    assert.equal(r.status, 404);
    assert.match(await r.text(), /Request was not matched/);
  });

  it('max() over a JSON array of 300,000 numbers matches', async function () {
    this.timeout(30000);
    const items = Array.from({ length: 300_000 }, (_, i) => i);
    const r = await fetch(`${decoy.url}/numbers`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ items }) });
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'max');
  });
});
