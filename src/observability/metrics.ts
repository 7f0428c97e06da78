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

/**
 * One request series (method, status, stub; the service is its map's): its count and its duration
 * histograms. A busy Decoy keeps one per stub that has served, so it is laid out small: no `Map`s per stub
 * (two of them cost about 0.6 KB), no labels object (made when scraped), and no bucket arrays while every
 * observation fell in the same bucket, as a plain stub's sub-millisecond answers do.
 */
class RequestSeries {
  count = 0;
  sumSeconds = 0;
  /** The bucket every observation so far fell in (-1: beyond the last, counted only in +Inf), until `buckets` exists. */
  bucket = -1;
  /** Per bucket, the observations that fell in it (not cumulative; +Inf is `count`), once they span two buckets. */
  buckets: number[] | undefined = undefined;
  /** The same for Decoy's own time: the duration less the injected delay. */
  ownSumSeconds = 0;
  ownBucket = -1;
  ownBuckets: number[] | undefined = undefined;
  /** Injected delay, summed. */
  delaySeconds = 0;
  /** The stub's next series (another method or status), in the order they are written. */
  next: RequestSeries | undefined = undefined;
  /** `source action fault` → series, on the stub's first series only; made with its first fault (most stubs have none). */
  faults: Map<string, FaultSeries> | undefined = undefined;
  constructor(readonly method: string, readonly status: number | string, readonly stub: string) {}
}

interface FaultSeries { labels: Record<string, string>; count: number }

/**
 * Counts an observation in `bucket` of a histogram whose `countBefore` observations so far all fell in
 * bucket `only`, or are counted in `buckets`: the per-bucket counts, made here when a second bucket is needed.
 */
function observeBucket(bucket: number, only: number, buckets: number[] | undefined, countBefore: number): number[] {
  if (buckets === undefined) {
    buckets = new Array<number>(DURATION_BUCKETS.length).fill(0);
    if (only !== -1) buckets[only] = countBefore;
  }
  if (bucket !== -1) buckets[bucket]!++;
  return buckets;
}

/** How many observations fell in bucket `i` (not cumulative). */
const inBucket = (i: number, count: number, only: number, buckets: readonly number[] | undefined): number =>
  buckets !== undefined ? buckets[i]! : i === only ? count : 0;

interface ServiceCounts {
  engine: MockEngine;
  /** By stub id (`''` for unmatched requests): the stub's first series; the others follow through `next`. */
  stubs: Map<string, RequestSeries>;
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

// Hot path: runs once per served request; a map lookup, a short list walk and plain numbers, no allocation for a series seen before.
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
  const first = c.stubs.get(stub);
  let series = first;
  while (series !== undefined && (series.status !== status || series.method !== method)) series = series.next;
  if (series === undefined) {
    series = new RequestSeries(method, status, stub);
    if (first === undefined) {
      if (c.stubs.size > 2 * c.engine.stubs.size + 64) pruneStubs(c);
      c.stubs.set(stub, series);
    } else {
      // Written grouped by method (in the order first seen), each method's statuses in the order first seen:
      // after the method's last series, or last.
      let last = first;
      let lastOfMethod = first.method === method ? first : undefined;
      for (let s = first.next; s !== undefined; s = s.next) {
        last = s;
        if (s.method === method) lastOfMethod = s;
      }
      const after = lastOfMethod ?? last;
      series.next = after.next;
      after.next = series;
    }
  }
  const seconds = event.totalMs / 1000;
  const countBefore = series.count++;
  series.sumSeconds += seconds;
  const bucket = bucketOf(seconds);
  if (countBefore === 0) series.bucket = bucket;
  else if (series.buckets !== undefined || bucket !== series.bucket) series.buckets = observeBucket(bucket, series.bucket, series.buckets, countBefore);
  // Decoy's own time: what is left once the delay the stub, the settings or a chaos rule asked for is taken out.
  const delay = event.delayMs / 1000;
  const own = delay === 0 ? seconds : Math.max(0, seconds - delay);
  series.ownSumSeconds += own;
  series.delaySeconds += delay;
  const ownBucket = delay === 0 ? bucket : bucketOf(own);
  if (countBefore === 0) series.ownBucket = ownBucket;
  else if (series.ownBuckets !== undefined || ownBucket !== series.ownBucket) series.ownBuckets = observeBucket(ownBucket, series.ownBucket, series.ownBuckets, countBefore);
  if (stub === '') c.unmatched.set(method, (c.unmatched.get(method) ?? 0) + 1);
  if (faults) {
    const head = first ?? series;
    for (const f of faults) {
      const fault = f.fault ?? '';
      const fkey = `${f.source} ${f.action} ${fault}`;
      const entry = head.faults?.get(fkey);
      if (entry) entry.count++;
      else (head.faults ??= new Map()).set(fkey, { labels: { service, stub, source: f.source, action: f.action, fault }, count: 1 });
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

/** Every request series with its labels (made here, on a scrape, rather than kept with each series). */
function* requestSeries(services: Map<string, ServiceCounts>): Generator<[RequestSeries, Labels]> {
  for (const [service, c] of services) {
    for (const first of c.stubs.values()) {
      for (let s: RequestSeries | undefined = first; s !== undefined; s = s.next) yield [s, { service, method: s.method, status: String(s.status), stub: s.stub }];
    }
  }
}

type Labels = { service: string; method: string; status: string; stub: string };

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
      for (const [s, labels] of requestSeries(services)) this.inc(labels, s.count);
    },
  });
  registry.registerMetric(durationHistogram(services, 'decoy_request_duration_seconds',
    'Time from a request\'s arrival until its response was finished (injected delays included), by method, status, stub id and service',
    (s) => [s.bucket, s.buckets, s.sumSeconds]) as unknown as PromClient.Metric);
  registry.registerMetric(durationHistogram(services, 'decoy_request_own_duration_seconds',
    'The same without the injected delay: Decoy\'s own time (matching, rendering, sending), by method, status, stub id and service',
    (s) => [s.ownBucket, s.ownBuckets, s.ownSumSeconds]) as unknown as PromClient.Metric);
  new prom.Counter({
    name: 'decoy_injected_delay_seconds_total',
    help: 'Delay injected before answers (the stub\'s, the global one, chaos rules\'), by method, status, stub id and service',
    labelNames: ['service', 'method', 'status', 'stub'], registers,
    collect() {
      this.reset();
      for (const [s, labels] of requestSeries(services)) if (s.delaySeconds > 0) this.inc(labels, s.delaySeconds);
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
function durationHistogram(services: Map<string, ServiceCounts>, name: string, help: string, pick: (s: RequestSeries) => [number, readonly number[] | undefined, number]) {
  const les = DURATION_BUCKETS.map(String);
  return {
    name, help, type: 'histogram',
    get: async () => {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      for (const [s, labels] of requestSeries(services)) {
        const [only, buckets, sum] = pick(s);
        let cumulative = 0;
        for (let i = 0; i < les.length; i++) {
          cumulative += inBucket(i, s.count, only, buckets);
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: les[i]! }, value: cumulative });
        }
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count });
        values.push({ metricName: `${name}_sum`, labels, value: sum });
        values.push({ metricName: `${name}_count`, labels, value: s.count });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
}
