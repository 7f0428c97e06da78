/**
 * Prometheus metrics, served as text at `/__admin/metrics`, built on the engines' serve events.
 *
 * Two costs are kept off the serving path. prom-client takes about 50 ms to import, so it is loaded on
 * the first scrape, not at start-up. And its per-observation calls (label hashing and validation,
 * a few microseconds per request with four labels) would be a tenth of what serving a plain stub
 * costs, so each request only bumps plain numbers here (a map lookup, a bucket search); on a scrape,
 * prom-client's collectors read them and write the exposition text.
 *
 * Names follow Prometheus conventions: a `decoy_` prefix, counters end in `_total`, durations are in
 * seconds. Labels are bounded: the stub's id (never the raw URL), the method (unknown methods become
 * `OTHER`), the status, and the service. The series of a stub that no longer exists are dropped (at
 * the next scrape, or as soon as they outnumber the live stubs'): clients that create stubs with
 * random ids test after test do not grow them without limit.
 */
import type * as PromClient from 'prom-client';
import type { MockEngine } from '../core/engine.js';
import type { ServeEvent } from '../core/state/journal.js';
import { DecoyError } from '../core/errors.js';

/** The exposition format prom-client writes (text 0.0.4). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Request durations span plain stubs (sub-millisecond) to injected delays and hangs (seconds to minutes). */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT']);

/** One request series (service, method, status, stub): its count and its duration histogram. */
interface RequestSeries {
  labels: { service: string; method: string; status: string; stub: string };
  count: number;
  sumSeconds: number;
  /**
   * Per bucket, the observations that fell in it (not cumulative; +Inf is `count`). A plain array of small
   * integers: a Float64Array costs its view, its ArrayBuffer and a backing store apart, about 0.3 KB more per
   * series, and a busy Decoy keeps a series per stub.
   */
  buckets: number[];
  /** The same for Decoy's own time: the duration less the injected delay. */
  ownSumSeconds: number;
  ownBuckets: number[];
  /** Injected delay, summed. */
  delaySeconds: number;
}

interface FaultSeries { labels: Record<string, string>; count: number }

/** One stub's series (`''` for unmatched requests): method → status (a number, or a fault's name) → series. */
interface StubCounts {
  requests: Map<string, Map<number | string, RequestSeries>>;
  /** `source action fault` → series; made when the stub's first fault is counted (most stubs have none). */
  faults: Map<string, FaultSeries> | undefined;
}

interface ServiceCounts {
  engine: MockEngine;
  /** By stub id. */
  stubs: Map<string, StubCounts>;
  unmatched: Map<string, number>;
  reloadErrors: number;
}

/** What observing one engine gives back: a way to count its stub files' reload errors, and to stop. */
export interface ObservedService {
  /** Counts problems found when stub files were reloaded (hot reload). */
  reloadFailed(problems: number): void;
  /** Stops observing the engine (what it counted stays in the output). */
  close(): void;
}

/**
 * One Prometheus registry (not prom-client's global one, so several Decoys in a process each count
 * their own traffic) with every observed engine under its `service` label.
 */
export class DecoyMetrics {
  readonly #services = new Map<string, ServiceCounts>();
  /** Names whose engine is observed now (a closed one's counts stay until the name is observed again). */
  readonly #observing = new Set<string>();
  #registry: Promise<PromClient.Registry> | undefined;

  /**
   * Counts every request `engine` serves under `service` (the main service is `default`), and reports
   * its journal and stub counts on each scrape.
   */
  observeEngine(engine: MockEngine, service: string): ObservedService {
    // Two engines under one name would write the same series: the second would hide the first's.
    if (this.#observing.has(service)) {
      throw new DecoyError('DECOY_ERR_OPTION_INVALID', `a Decoy named "${service}" already counts its traffic in this metrics registry`,
        { hint: 'give each Decoy that shares a DecoyMetrics its own name (the name option)' });
    }
    this.#observing.add(service);
    const counts: ServiceCounts = { engine, stubs: new Map(), unmatched: new Map(), reloadErrors: 0 };
    this.#services.set(service, counts);
    const off = engine.onServed((event) => count(counts, service, event));
    let closed = false;
    return {
      reloadFailed: (problems) => { counts.reloadErrors += problems; },
      close: () => {
        if (closed) return;
        closed = true;
        off();
        this.#observing.delete(service);
      },
    };
  }

  /** The exposition text: Decoy's metrics and the process's (CPU, memory, event loop), all `decoy_`-prefixed. */
  async text(): Promise<string> {
    const registry = await this.registry();
    for (const c of this.#services.values()) pruneStubs(c);
    return registry.metrics();
  }

  /** The prom-client registry behind the text (loading prom-client if need be), e.g. to add metrics of your own. */
  registry(): Promise<PromClient.Registry> {
    this.#registry ??= import('prom-client').then((prom) => createRegistry(prom, this.#services));
    return this.#registry;
  }
}

// Hot path: runs once per served request; map lookups and plain numbers, no allocation for a series seen before.
function count(c: ServiceCounts, service: string, event: ServeEvent): void {
  const method = METHODS.has(event.method) ? event.method : 'OTHER';
  const faults = event.faults;
  let status: number | string;
  if (event.response !== undefined) {
    status = event.response.status;
  } else {
    // A socket-level fault (reset, hang, ...) sends no status line: its status is the fault's name.
    status = 'none';
    if (faults) for (const f of faults) if (f.fault !== undefined) status = f.fault;
  }
  const stub = event.stub?.id ?? '';
  let perStub = c.stubs.get(stub);
  if (perStub === undefined) {
    if (c.stubs.size > 2 * c.engine.stubs.size + 64) pruneStubs(c);
    perStub = { requests: new Map(), faults: undefined };
    c.stubs.set(stub, perStub);
  }
  let byStatus = perStub.requests.get(method);
  if (byStatus === undefined) perStub.requests.set(method, byStatus = new Map());
  let series = byStatus.get(status);
  if (series === undefined) {
    series = {
      labels: { service, method, status: String(status), stub }, count: 0, sumSeconds: 0, buckets: new Array<number>(DURATION_BUCKETS.length).fill(0),
      ownSumSeconds: 0, ownBuckets: new Array<number>(DURATION_BUCKETS.length).fill(0), delaySeconds: 0,
    };
    byStatus.set(status, series);
  }
  const seconds = event.totalMs / 1000;
  series.count++;
  series.sumSeconds += seconds;
  const bucket = bucketOf(seconds);
  if (bucket !== -1) series.buckets[bucket]!++;
  // Decoy's own time: what is left once the delay the stub, the settings or a chaos rule asked for is taken out.
  const delay = event.delayMs / 1000;
  const own = delay === 0 ? seconds : Math.max(0, seconds - delay);
  series.ownSumSeconds += own;
  series.delaySeconds += delay;
  const ownBucket = delay === 0 ? bucket : bucketOf(own);
  if (ownBucket !== -1) series.ownBuckets[ownBucket]!++;
  if (stub === '') c.unmatched.set(method, (c.unmatched.get(method) ?? 0) + 1);
  if (faults) {
    for (const f of faults) {
      const fault = f.fault ?? '';
      const fkey = `${f.source} ${f.action} ${fault}`;
      const entry = perStub.faults?.get(fkey);
      if (entry) entry.count++;
      else (perStub.faults ??= new Map()).set(fkey, { labels: { service, stub, source: f.source, action: f.action, fault }, count: 1 });
    }
  }
}

/** The histogram bucket a duration falls in; -1 beyond the last (counted only in +Inf). */
function bucketOf(seconds: number): number {
  for (let i = 0; i < DURATION_BUCKETS.length; i++) if (seconds <= DURATION_BUCKETS[i]!) return i;
  return -1;
}

/** Drops the series of stubs the engine no longer has. */
function pruneStubs(c: ServiceCounts): void {
  const live = c.engine.stubs;
  for (const id of c.stubs.keys()) if (id !== '' && live.get(id) === undefined) c.stubs.delete(id);
}

function* requestSeries(services: Map<string, ServiceCounts>): Generator<RequestSeries> {
  for (const c of services.values()) for (const s of c.stubs.values()) for (const m of s.requests.values()) yield* m.values();
}

function createRegistry(prom: typeof PromClient, services: Map<string, ServiceCounts>): PromClient.Registry {
  const registry = new prom.Registry();
  const registers = [registry];
  prom.collectDefaultMetrics({ register: registry, prefix: 'decoy_' });
  new prom.Counter({
    name: 'decoy_requests_total',
    help: 'Requests served (stub traffic, not the admin API), by method, status, stub id and service; status is the fault name when a fault sent no response',
    labelNames: ['service', 'method', 'status', 'stub'], registers,
    collect() {
      this.reset();
      for (const s of requestSeries(services)) this.inc(s.labels, s.count);
    },
  });
  registry.registerMetric(durationHistogram(services, 'decoy_request_duration_seconds',
    'Time from a request\'s arrival until its response was finished (injected delays included), by method, status, stub id and service',
    (s) => [s.buckets, s.sumSeconds]) as unknown as PromClient.Metric);
  registry.registerMetric(durationHistogram(services, 'decoy_request_own_duration_seconds',
    'The same without the injected delay: Decoy\'s own time (matching, rendering, sending), by method, status, stub id and service',
    (s) => [s.ownBuckets, s.ownSumSeconds]) as unknown as PromClient.Metric);
  new prom.Counter({
    name: 'decoy_injected_delay_seconds_total',
    help: 'Delay injected before answers (the stub\'s, the global one, chaos rules\'), by method, status, stub id and service',
    labelNames: ['service', 'method', 'status', 'stub'], registers,
    collect() {
      this.reset();
      for (const s of requestSeries(services)) if (s.delaySeconds > 0) this.inc(s.labels, s.delaySeconds);
    },
  });
  new prom.Counter({
    name: 'decoy_faults_applied_total',
    help: 'Delays, faults and error responses applied, by stub, source (stub, stub-chaos, settings, chaos-rule), action and fault name',
    labelNames: ['service', 'stub', 'source', 'action', 'fault'], registers,
    collect() {
      this.reset();
      for (const c of services.values()) for (const s of c.stubs.values()) if (s.faults) for (const f of s.faults.values()) this.inc(f.labels, f.count);
    },
  });
  new prom.Counter({
    name: 'decoy_unmatched_requests_total', help: 'Requests no stub matched', labelNames: ['service', 'method'], registers,
    collect() {
      this.reset();
      for (const [service, c] of services) for (const [method, n] of c.unmatched) this.inc({ service, method }, n);
    },
  });
  new prom.Counter({
    name: 'decoy_stub_reload_errors_total',
    help: 'Problems found when stub files changed on disk and were reloaded (the previous stubs stay served)',
    labelNames: ['service'], registers,
    collect() {
      this.reset();
      for (const [service, c] of services) this.inc({ service }, c.reloadErrors);
    },
  });
  new prom.Gauge({
    name: 'decoy_journal_entries', help: 'Requests held in the journal now', labelNames: ['service'], registers,
    collect() {
      for (const [service, c] of services) this.set({ service }, c.engine.journal.size);
    },
  });
  new prom.Gauge({
    name: 'decoy_stubs', help: 'Stubs loaded now (from files and the admin API)', labelNames: ['service'], registers,
    collect() {
      for (const [service, c] of services) this.set({ service }, c.engine.stubs.size);
    },
  });
  new prom.Gauge({
    name: 'decoy_store_connected', help: 'With --store: 1 while the shared store (Redis) answers, 0 while this replica serves from its own copy', labelNames: ['service'], registers,
    collect() {
      for (const [service, c] of services) {
        const health = c.engine.state.health?.();
        if (health !== undefined) this.set({ service }, health.connected ? 1 : 0);
      }
    },
  });
  return registry;
}

/**
 * The request-duration histogram, as a metric the registry formats like its own: prom-client's
 * Histogram can only be fed one observation at a time, and the counts are already kept per request.
 */
function durationHistogram(services: Map<string, ServiceCounts>, name: string, help: string, pick: (s: RequestSeries) => [readonly number[], number]) {
  const les = DURATION_BUCKETS.map(String);
  return {
    name, help, type: 'histogram',
    get: async () => {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      for (const s of requestSeries(services)) {
        const [buckets, sum] = pick(s);
        let cumulative = 0;
        for (let i = 0; i < les.length; i++) {
          cumulative += buckets[i]!;
          values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: les[i]! }, value: cumulative });
        }
        values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
        values.push({ metricName: `${name}_sum`, labels: s.labels, value: sum });
        values.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
}
