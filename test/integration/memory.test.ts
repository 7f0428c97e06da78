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

  it('a simple stub costs at most 15 KB of heap', () => {
    const r = probe('stubs', 5000);
    assert.equal(r.count, 5000);
    const perStub = (r.after - r.before) / r.count;
    assert.ok(perStub > 0 && perStub <= 15 * 1024, `${Math.round(perStub)} bytes per stub`);
  });

  it('a journal entry of a small request costs at most 6 KB', () => {
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
