/**
 * Response compression on the wire: each request gets the verdict its own Accept-Encoding asks for,
 * also when clients that differ take turns, and a stub's gzipped answer is the same for every request.
 * (What WireMock compresses is compared in the differential suite.)
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Decoy } from '../../src/index.js';
import { startDecoy, tempStubs } from '../support/decoy.js';

function get(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject).end();
  });
}

describe('response gzip per request', () => {
  let stubs: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  const text = 'a body long enough to compress, '.repeat(40);

  before(async () => {
    stubs = tempStubs({ 'mappings/a.json': JSON.stringify({ request: { urlPath: '/text' }, response: { status: 200, body: text, headers: { 'Content-Type': 'text/plain', 'X-Kept': 'yes' } } }) });
    ({ decoy } = await startDecoy({ stubsDir: stubs.dir }));
  });

  after(async () => {
    await decoy.stop();
    stubs.cleanup();
  });

  it('clients with different Accept-Encoding values taking turns each get what their own header asks for', async () => {
    const cases: Array<[Record<string, string>, boolean]> = [
      [{ 'Accept-Encoding': 'gzip' }, true],
      [{ 'Accept-Encoding': 'gzip;q=0' }, false],
      [{ 'Accept-Encoding': 'gzip' }, true],
      [{}, false],
      [{ 'Accept-Encoding': 'deflate, GZIP' }, true],
      [{ 'Accept-Encoding': '*' }, false],
      [{ 'Accept-Encoding': 'deflate, GZIP' }, true],
      [{ 'Accept-Encoding': 'identity' }, false],
    ];
    let zipped: Buffer | undefined;
    for (const [headers, gzipped] of cases) {
      const r = await get(`${decoy.url}/text`, headers);
      const what = JSON.stringify(headers);
      assert.equal(r.headers['x-kept'], 'yes', what);
      if (gzipped) {
        assert.equal(r.headers['content-encoding'], 'gzip', what);
        assert.equal(r.headers['content-length'], String(r.body.length), what);
        assert.equal(gunzipSync(r.body).toString(), text, what);
        // Compressed once for the stub: every gzipped answer is the same bytes.
        if (zipped !== undefined) assert.ok(r.body.equals(zipped), what);
        zipped = r.body;
      } else {
        assert.equal(r.headers['content-encoding'], undefined, what);
        assert.equal(r.body.toString(), text, what);
      }
    }
  });
});
