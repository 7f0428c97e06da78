/**
 * Memory per stub and per journal entry, measured in a process of its own after full GCs. The bounds are
 * generous (several times what is measured today): they catch a leak or a many-fold regression, not noise.
 * docs/reference/performance.md has the measured figures.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('../support/memory-probe.mjs', import.meta.url));

function probe(what: string, count: number): { before: number; after: number; count: number; bytes?: number } {
  const out = execFileSync(process.execPath, ['--expose-gc', PROBE, what, String(count)], { encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('memory', function () {
  this.timeout(150_000);

  it('a simple stub costs at most 5 KB of heap', () => {
    // About 1.25 KB today: 4x that still passes noise, not a leak or a return of per-stub closures (4.6 KB).
    const r = probe('stubs', 5000);
    assert.equal(r.count, 5000);
    const perStub = (r.after - r.before) / r.count;
    assert.ok(perStub > 0 && perStub <= 5 * 1024, `${Math.round(perStub)} bytes per stub`);
  });

  it('a stub served gzipped keeps its gzipped body, not zlib\'s 16 KiB output chunk', () => {
    // 2,000 stubs, each served once to a client that accepts gzip: each keeps its gzipped answer for the
    // next request. About 1 KB each with the journal entry; a kept zlib chunk would be 16 KiB more.
    const r = probe('gzip', 2000);
    assert.equal(r.count, 2000);
    const perStub = (r.after - r.before) / r.count;
    assert.ok(perStub > 0 && perStub <= 6 * 1024, `${Math.round(perStub)} bytes per stub served gzipped`);
  });

  it('a journal entry of a small request costs at most 6 KB', () => {
    // About 1.3 KB today (the target is 2 KB).
    const r = probe('journal', 3000);
    assert.equal(r.count, 3000);
    const perEntry = (r.after - r.before) / r.count;
    assert.ok(perEntry > 0 && perEntry <= 6 * 1024, `${Math.round(perEntry)} bytes per journal entry`);
  });

  it('the journal\'s byte budget holds with large bodies: the oldest entries go', () => {
    // 100 requests with 100 KB bodies under a 2 MiB budget: about 20 are kept, not 10 MB of bodies.
    const r = probe('budget', 1000);
    assert.ok(r.bytes! <= 2 * 1024 * 1024, `the journal counts ${r.bytes} bytes`);
    assert.ok(r.count >= 10 && r.count <= 25, `${r.count} entries kept`);
    assert.ok(r.after - r.before < 6 * 1024 * 1024, `${Math.round((r.after - r.before) / 1024)} KB more after 10 MB of bodies`);
  });
});
