/**
 * Prometheus metrics, served as text at `/__admin/metrics`, built on the engines' serve events.
 *
 * prom-client takes about 50 ms to import, which start-up need not pay: it is loaded in the
 * background on the first served request or the first scrape, whichever comes first. What is served
 * while it loads is kept as small records (bounded) and counted once it is ready, so the first scrape
 * after any traffic sees all of it. The process metrics (CPU, memory, event loop, GC) start at the
 * first scrape.
 *
 * Names follow Prometheus conventions: a `decoy_` prefix, counters end in `_total`, durations are in
 * seconds. Labels are bounded: the stub's id (never the raw URL), the method (unknown methods become
 * `OTHER`), the status, and the service.
 */
import type * as PromClient from 'prom-client';
import type { MockEngine } from '../core/engine.js';
import type { ServeEvent } from '../core/state/journal.js';

/** The exposition format prom-client writes (text 0.0.4). */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Request durations span plain stubs (sub-millisecond) to injected delays and hangs (seconds to minutes). */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Served requests kept while prom-client loads; beyond this the oldest are dropped. */
const MAX_PENDING = 50_000;

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT']);

interface Served {
  service: string;
  method: string;
  status: string;
  stub: string;
  seconds: number;
  faults: ReadonlyArray<{ source: string; action: string; fault: string }>;
}

interface Instruments {
  registry: PromClient.Registry;
  requests: PromClient.Counter<'service' | 'method' | 'status' | 'stub'>;
  duration: PromClient.Histogram<'service' | 'method' | 'status' | 'stub'>;
  faults: PromClient.Counter<'service' | 'stub' | 'source' | 'action' | 'fault'>;
  unmatched: PromClient.Counter<'service' | 'method'>;
  reloadErrors: PromClient.Counter<'service'>;
}

/** What observing one engine gives back: a way to count its stub files' reload errors, and to stop. */
export interface ObservedService {
  /** Counts problems found when stub files were reloaded (hot reload). */
  reloadFailed(problems: number): void;
  /** Stops observing the engine (its series stay in the output). */
  close(): void;
}

/**
 * One Prometheus registry (not prom-client's global one, so several Decoys in a process each count
 * their own traffic) with every observed engine under its `service` label.
 */
export class DecoyMetrics {
  readonly #engines = new Map<string, MockEngine>();
  #loading: Promise<Instruments> | undefined;
  #instruments: Instruments | undefined;
  #pending: Array<Served | { service: string; reloadErrors: number }> = [];
  #processMetrics = false;

  /**
   * Counts every request `engine` serves under `service` (the main service is `default`), and reports
   * its journal and stub counts on each scrape.
   */
  observeEngine(engine: MockEngine, service: string): ObservedService {
    this.#engines.set(service, engine);
    // A counter with labels has no series until counted; Prometheus' rate() wants the zero first.
    if (this.#instruments) this.#instruments.reloadErrors.inc({ service }, 0);
    const off = engine.onServed((event) => this.#record(served(event, service)));
    return {
      reloadFailed: (problems) => {
        if (problems > 0) this.#record({ service, reloadErrors: problems });
      },
      close: () => {
        off();
        if (this.#engines.get(service) === engine) this.#engines.delete(service);
      },
    };
  }

  /** The exposition text: Decoy's metrics and the process's (CPU, memory, event loop), all `decoy_`-prefixed. */
  async text(): Promise<string> {
    const instruments = await this.#load();
    if (!this.#processMetrics) {
      // Only once scraped: they watch the event loop and GC, which a Decoy nobody scrapes need not do.
      this.#processMetrics = true;
      (await import('prom-client')).collectDefaultMetrics({ register: instruments.registry, prefix: 'decoy_' });
    }
    return instruments.registry.metrics();
  }

  #record(item: Served | { service: string; reloadErrors: number }): void {
    const instruments = this.#instruments;
    if (instruments) {
      apply(instruments, item);
      return;
    }
    if (this.#pending.length >= MAX_PENDING) this.#pending.shift();
    this.#pending.push(item);
    void this.#load().catch(() => undefined);
  }

  #load(): Promise<Instruments> {
    this.#loading ??= import('prom-client').then((prom) => {
      const instruments = createInstruments(prom, this.#engines);
      for (const item of this.#pending) apply(instruments, item);
      this.#pending = [];
      this.#instruments = instruments;
      return instruments;
    });
    return this.#loading;
  }
}

function served(event: ServeEvent, service: string): Served {
  const fault = event.faults?.find((f) => f.action === 'fault')?.fault;
  return {
    service,
    method: METHODS.has(event.method) ? event.method : 'OTHER',
    // A socket-level fault (reset, hang, ...) sends no status line: its status is the fault's name.
    status: event.response ? String(event.response.status) : fault ?? 'none',
    stub: event.stub?.id ?? '',
    seconds: event.totalMs / 1000,
    faults: (event.faults ?? []).map((f) => ({ source: f.source, action: f.action, fault: f.fault ?? '' })),
  };
}

function apply(m: Instruments, item: Served | { service: string; reloadErrors: number }): void {
  if ('reloadErrors' in item) {
    m.reloadErrors.inc({ service: item.service }, item.reloadErrors);
    return;
  }
  const labels = { service: item.service, method: item.method, status: item.status, stub: item.stub };
  m.requests.inc(labels);
  m.duration.observe(labels, item.seconds);
  if (item.stub === '') m.unmatched.inc({ service: item.service, method: item.method });
  for (const f of item.faults) m.faults.inc({ service: item.service, stub: item.stub, source: f.source, action: f.action, fault: f.fault });
}

function createInstruments(prom: typeof PromClient, engines: Map<string, MockEngine>): Instruments {
  const registry = new prom.Registry();
  const registers = [registry];
  const instruments: Instruments = {
    registry,
    requests: new prom.Counter({
      name: 'decoy_requests_total', help: 'Requests served (stub traffic, not the admin API), by method, status, stub id and service; status is the fault name when a fault sent no response',
      labelNames: ['service', 'method', 'status', 'stub'], registers,
    }),
    duration: new prom.Histogram({
      name: 'decoy_request_duration_seconds', help: 'Time from a request\'s arrival until its response was finished (injected delays included)',
      labelNames: ['service', 'method', 'status', 'stub'], buckets: DURATION_BUCKETS, registers,
    }),
    faults: new prom.Counter({
      name: 'decoy_faults_applied_total', help: 'Delays, faults and error responses applied, by source (stub, stub-chaos, settings, chaos-rule) and action',
      labelNames: ['service', 'stub', 'source', 'action', 'fault'], registers,
    }),
    unmatched: new prom.Counter({
      name: 'decoy_unmatched_requests_total', help: 'Requests no stub matched', labelNames: ['service', 'method'], registers,
    }),
    reloadErrors: new prom.Counter({
      name: 'decoy_stub_reload_errors_total', help: 'Problems found when stub files changed on disk and were reloaded (the previous stubs stay served)',
      labelNames: ['service'], registers,
    }),
  };
  for (const service of engines.keys()) instruments.reloadErrors.inc({ service }, 0);
  new prom.Gauge({
    name: 'decoy_journal_entries', help: 'Requests held in the journal now', labelNames: ['service'], registers,
    collect() {
      for (const [service, engine] of engines) this.set({ service }, engine.journal.size);
    },
  });
  new prom.Gauge({
    name: 'decoy_stubs', help: 'Stubs loaded now (from files and the admin API)', labelNames: ['service'], registers,
    collect() {
      for (const [service, engine] of engines) this.set({ service }, engine.stubs.size);
    },
  });
  return instruments;
}
