/**
 * Memory per stub and per journal entry, measured in a process of its own after full GCs. The bounds are
 * generous (several times what is measured today): they catch a leak or a many-fold regression, not noise.
 * docs/reference/performance.md has the measured figures.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliUrl, killCliRuns, runCli } from '../support/cli.js';

const PROBE = fileURLToPath(new URL('../support/memory-probe.mjs', import.meta.url));
const HEAP_SPACES_HOOK = fileURLToPath(new URL('../support/heap-spaces-hook.cjs', import.meta.url));

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

  it('a stub loaded from a JSON file keeps nothing of the file\'s text', () => {
    // 2,000 stubs in a file of about 4.5 KB of text each (wide indentation): loaded, they cost about 0.3x
    // the file's length (1.4 KB each); a stub that kept the text to find its line later would cost more than the file.
    const r = probe('file', 2000);
    assert.equal(r.count, 2000);
    assert.ok(r.after - r.before < 0.6 * r.bytes!, `${Math.round((r.after - r.before) / 1024)} KB of heap for a ${Math.round(r.bytes! / 1024)} KB file`);
  });

  it('the Prometheus series of a stub that has served costs at most 0.75 KB', () => {
    // About 0.22 KB today (one small object per series); two Maps, a labels object and two bucket arrays
    // per stub, as before, were about 0.95 KB.
    const r = probe('series', 5000);
    const perStub = (r.after - r.before) / r.count;
    assert.ok(perStub > 0 && perStub <= 768, `${Math.round(perStub)} bytes per stub's series`);
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
    // About 1.0 KB today (the target is 2 KB), of which some is what the first few thousand requests warm up.
    const r = probe('journal', 3000);
    assert.equal(r.count, 3000);
    const perEntry = (r.after - r.before) / r.count;
    assert.ok(perEntry > 0 && perEntry <= 6 * 1024, `${Math.round(perEntry)} bytes per journal entry`);
  });

  it('a journal entry of a request with 40 headers keeps them as one string: at most 4 KB', () => {
    // About 1.9 KB today; kept as Node's header list (an array and a string per name and value) it was 4.6 KB.
    const r = probe('headers', 3000);
    assert.equal(r.count, 3000);
    const perEntry = (r.after - r.before) / r.count;
    assert.ok(perEntry > 0 && perEntry <= 4 * 1024, `${Math.round(perEntry)} bytes per journal entry with 40 headers`);
  });

  it('the journal\'s byte budget holds with large bodies: the oldest entries go', () => {
    // 100 requests with 100 KB bodies under a 2 MiB budget: about 20 are kept, not 10 MB of bodies.
    const r = probe('budget', 1000);
    assert.ok(r.bytes! <= 2 * 1024 * 1024, `the journal counts ${r.bytes} bytes`);
    assert.ok(r.count >= 10 && r.count <= 25, `${r.count} entries kept`);
    assert.ok(r.after - r.before < 6 * 1024 * 1024, `${Math.round((r.after - r.before) / 1024)} KB more after 10 MB of bodies`);
  });

  describe('the decoy command', () => {
    afterEach(killCliRuns);

    /** The CLI on `count` simple stubs, each served once (filling the journal), then V8's heap spaces. */
    async function heapSpacesAfterLoad(count: number, nodeOptions: string): Promise<Map<string, number>> {
      const dir = mkdtempSync(path.join(tmpdir(), 'decoy-memory-cli-'));
      const stubs = Array.from({ length: count }, (_, i) => ({ request: { method: 'GET', url: `/items/${i}` }, response: { status: 200, body: `{"id":${i}}` } }));
      writeFileSync(path.join(dir, 'items.json'), JSON.stringify({ mappings: stubs }));
      const cli = runCli(['--stubs', dir, '--port', '0', '--host', '127.0.0.1', '--no-watch'], { env: { ...process.env, NODE_OPTIONS: nodeOptions } });
      const url = await cliUrl(cli, /on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
      for (let i = 0; i < count; i += 50) {
        await Promise.all(Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
          const res = await fetch(`${url}/items/${i + j}`);
          assert.equal(await res.text(), `{"id":${i + j}}`);
        }));
      }
      return heapSpaces(cli, 'size');
    }

    /** V8's heap spaces (`what`: bytes committed, or in use) of a CLI run with HEAP_SPACES_HOOK, as its line `line` prints them (HEAP-SPACES asks for them). */
    async function heapSpaces(cli: ReturnType<typeof runCli>, what: 'size' | 'used', line = 'HEAP-SPACES'): Promise<Map<string, number>> {
      const printed = new Promise<string>((resolve) => {
        const onData = () => {
          const m = new RegExp(`${line} (.*)\\n`).exec(cli.output());
          if (m) {
            cli.child.stdout!.off('data', onData);
            resolve(m[1]!);
          }
        };
        cli.child.stdout!.on('data', onData);
      });
      if (line === 'HEAP-SPACES') cli.child.kill('SIGUSR2');
      const spaces = JSON.parse(await printed) as { name: string; size: number; used: number }[];
      return new Map(spaces.map((s) => [s.name, s[what]]));
    }

    it('collects the garbage a large stub load leaves before serving, rather than when V8 next collects in full', async () => {
      // 10,000 simple stubs from one file: loading them leaves about 7 MB of garbage (the text, the parsers'
      // and compilers' objects promoted meanwhile) beside about 21 MB in use, which V8 alone would keep until
      // its next full collection (tens of seconds later in an idle process). Right after start, with no request
      // yet, the old generation holds little more than what a full collection keeps.
      const dir = mkdtempSync(path.join(tmpdir(), 'decoy-memory-cli-'));
      const stubs = Array.from({ length: 10_000 }, (_, i) => ({ request: { method: 'GET', url: `/items/${i}` }, response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' } }));
      writeFileSync(path.join(dir, 'items.json'), JSON.stringify({ mappings: stubs }, null, 2));
      const cli = runCli(['--stubs', dir, '--port', '0', '--host', '127.0.0.1', '--no-watch'], { env: { ...process.env, NODE_OPTIONS: `--require ${HEAP_SPACES_HOOK}` } });
      await cliUrl(cli, /on (http:\/\/127\.0\.0\.1:\d+)/, 60_000);
      const [before, after] = await Promise.all([heapSpaces(cli, 'used'), heapSpaces(cli, 'used', 'HEAP-SPACES-AFTER-GC')]);
      const old = (m: Map<string, number>) => m.get('old_space')! + m.get('large_object_space')!;
      const garbage = old(before) - old(after);
      assert.ok(garbage < 3 * 1024 * 1024, `${(garbage / 1048576).toFixed(1)} MB of garbage in the old generation beside ${(old(after) / 1048576).toFixed(1)} MB in use`);
    });

    it('keeps V8\'s young generation at its starting size while thousands of stubs load and serve', async () => {
      // Left to V8, the young generation grows to 32 MiB here (two 16 MiB semi-spaces) and stays resident;
      // the command keeps it at its start (2 MiB on 64-bit Node 20 to 24). 8 MiB still passes a V8 that
      // starts it larger, not one that lets it grow.
      const spaces = await heapSpacesAfterLoad(5000, `--require ${HEAP_SPACES_HOOK}`);
      const young = spaces.get('new_space');
      assert.ok(young !== undefined && young <= 8 * 1024 * 1024, `new space: ${young} bytes`);
    });

    it('leaves the young generation to the user when NODE_OPTIONS sizes it', async () => {
      // With the user's own young-generation flag the command sets none: V8 grows it as it would (to 32 MiB
      // here on Node 20; more than 8 MiB is the point).
      const spaces = await heapSpacesAfterLoad(5000, `--require ${HEAP_SPACES_HOOK} --max-semi-space-size=16`);
      const young = spaces.get('new_space');
      assert.ok(young !== undefined && young > 8 * 1024 * 1024, `new space: ${young} bytes`);
    });
  });
});
