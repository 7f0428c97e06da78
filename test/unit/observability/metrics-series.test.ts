/**
 * The exposition text of the per-stub request series, byte for byte, for many stubs, methods, statuses,
 * durations, delays and faults: how the counts are stored per stub is an internal matter (it is laid out
 * to keep memory small), and whatever the layout, every label, bucket, count, sum and the order of the
 * series must stay as they are. The engine here is a stand-in that only emits serve events, so that every
 * duration (and so every bucket) is known; test/integration/metrics.test.ts checks the same metrics after
 * real traffic.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DecoyMetrics } from '../../../src/observability/metrics.js';
import type { MockEngine } from '../../../src/core/engine.js';
import type { ServeEvent } from '../../../src/core/state/journal.js';

const golden = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'golden', 'metrics-many-series.txt');

type Fault = { source: string; action: string; fault?: string; description: string };
interface FakeEvent { method: string; stub: { id: string } | undefined; response: { status: number } | undefined; totalMs: number; delayMs: number; faults?: Fault[] }

/** Just enough of an engine for the metrics: serve events on demand, the live stubs, the journal size. */
function fakeEngine(ids: string[]) {
  const listeners: Array<(e: ServeEvent) => void> = [];
  const live = new Set(ids);
  const engine = {
    onServed: (l: (e: ServeEvent) => void) => {
      listeners.push(l);
      return () => listeners.splice(listeners.indexOf(l), 1);
    },
    stubs: { get size() { return live.size; }, get: (id: string) => (live.has(id) ? {} : undefined) },
    journal: { size: 0 },
    state: {},
  };
  return {
    engine: engine as unknown as MockEngine,
    serve: (e: FakeEvent) => { for (const l of listeners) l(e as unknown as ServeEvent); },
    remove: (id: string) => live.delete(id),
  };
}

/** The series of the request metrics, the faults and the unmatched requests (the process metrics vary). */
const requestLines = (text: string): string =>
  text.split('\n').filter((l) => /^(# (HELP|TYPE) )?decoy_(requests_total|request_duration_seconds|request_own_duration_seconds|injected_delay_seconds_total|faults_applied_total|unmatched_requests_total)(?:_bucket|_sum|_count)?[{ ]/.test(l)).join('\n') + '\n';

/** A deterministic mix: durations across every bucket and past the last, several methods and statuses per stub, in interleaved order. */
function traffic(serve: (e: FakeEvent) => void, stubs: string[]): void {
  const methods = ['GET', 'POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'HEAD', 'OPTIONS'];
  const statuses = [200, 201, 404, 200, 500, 503, 200];
  const durations = [0.2, 0.9, 1.7, 3, 7, 12, 30, 70, 180, 400, 900, 1500, 2600, 6000, 11000, 25000, 45000, 61000, 120000];
  let n = 0;
  for (let round = 0; round < 6; round++) {
    for (let i = 0; i < stubs.length; i++) {
      if ((i + round) % 3 === 0 && round > 0) continue;
      n++;
      const method = methods[(i * 7 + round * 3) % methods.length]!;
      const totalMs = durations[(i + round * 5) % durations.length]!;
      const stub = { id: stubs[i]! };
      if (i % 11 === 5 && round % 2 === 1) {
        // A socket fault: no status line; the status is the fault's name.
        const fault = round === 3 ? 'CONNECTION_RESET_BY_PEER' : 'EMPTY_RESPONSE';
        serve({ method, stub, response: undefined, totalMs, delayMs: 0, faults: [{ source: 'stub', action: 'fault', fault, description: fault }] });
      } else if (i % 7 === 3) {
        // A delay (the stub's or a chaos rule's) and an error status from a chaos entry.
        const delayMs = Math.min(totalMs, 100 * (round + 1));
        const faults: Fault[] = [{ source: round % 2 ? 'chaos-rule' : 'stub', action: 'delay', description: 'delay' }];
        if (round % 3 === 2) faults.push({ source: 'stub-chaos', action: 'status', description: 'status' });
        serve({ method, stub, response: { status: round % 3 === 2 ? 503 : 200 }, totalMs, delayMs, faults });
      } else {
        serve({ method, stub, response: { status: statuses[(i + round) % statuses.length]! }, totalMs, delayMs: 0 });
      }
      if (n % 5 === 0) serve({ method: methods[n % methods.length]!, stub: undefined, response: { status: 404 }, totalMs: durations[n % durations.length]!, delayMs: 0 });
    }
  }
}

describe('Prometheus request series, whatever their memory layout', () => {
  it('writes the same labels, buckets, counts, sums and series order for many stubs, methods, statuses, delays and faults', async () => {
    const stubs = Array.from({ length: 12 }, (_, i) => (i % 4 === 0 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : `stub-${i}`));
    const { engine, serve, remove } = fakeEngine(stubs);
    const metrics = new DecoyMetrics();
    metrics.observeEngine(engine, 'default');
    traffic(serve, stubs);
    const first = requestLines(await metrics.text());
    // A stub that is gone loses its series at the next scrape; the others keep theirs and their order.
    remove(stubs[6]!);
    remove(stubs[9]!);
    traffic(serve, stubs.slice(4));
    const second = requestLines(await metrics.text());
    const actual = `${first}--- after two stubs were removed and more traffic ---\n${second}`;
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, actual);
    assert.equal(actual, readFileSync(golden, 'utf8'));
  });

  it('keeps series of the same stub grouped by method, each method\'s statuses in the order first seen', async () => {
    const { engine, serve } = fakeEngine(['a']);
    const metrics = new DecoyMetrics();
    metrics.observeEngine(engine, 'svc');
    const stub = { id: 'a' };
    for (const [method, status] of [['GET', 200], ['POST', 201], ['GET', 404], ['POST', 200], ['GET', 200]] as const) {
      serve({ method, stub, response: { status }, totalMs: 0.5, delayMs: 0 });
    }
    const counts = requestLines(await metrics.text()).split('\n').filter((l) => l.startsWith('decoy_requests_total{'));
    assert.deepEqual(counts, [
      'decoy_requests_total{service="svc",method="GET",status="200",stub="a"} 2',
      'decoy_requests_total{service="svc",method="GET",status="404",stub="a"} 1',
      'decoy_requests_total{service="svc",method="POST",status="201",stub="a"} 1',
      'decoy_requests_total{service="svc",method="POST",status="200",stub="a"} 1',
    ]);
  });
});
