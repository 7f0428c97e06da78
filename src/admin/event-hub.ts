/**
 * What the web admin UI watches live: every finished serve event as a short log row (with a shared store,
 * the whole fleet's), how often each
 * stub matched, requests per second by status class over the last minutes, and a notice when the stub
 * set changes. Built on the engine's serve events and change events (nothing polls); started with the
 * server (so the counts cover every request, not only those after the admin API first loaded), and free
 * of express so that start-up does not pay for it.
 *
 * Each subscriber is a writer that says whether it kept up; the stream layer drops a subscriber that
 * falls behind, so a slow browser tab can never make the server buffer without limit.
 */
import type { EngineChange, MockEngine } from '../core/engine.js';
import type { ServeEvent } from '../core/state/journal.js';

/** One row of the live request log. */
export interface LiveEntry {
  /** The journal id: `GET /__admin/requests/<id>` has the full request and response while the journal keeps it. */
  id: string;
  /** Epoch milliseconds when the request arrived. */
  time: number;
  method: string;
  url: string;
  /** The status sent; 0 when no response was sent (a reset, a hang, a cut-off proxy). */
  status: number;
  durationMs: number;
  matched: boolean;
  stub?: { id: string; name?: string };
  /** The GraphQL operation, when a `graphql:` stub with an operation name matched (read from the stub: nothing is parsed). */
  operation?: string;
  /** What the fault layer applied, one sentence each. */
  faults?: string[];
  proxiedTo?: string;
  /** The namespace that served it; absent for the default one. */
  namespace?: string;
}

export type HubMessage =
  | { type: 'served'; data: LiveEntry }
  | { type: 'stubs-changed'; data: { stubs: number } };

export interface Subscriber {
  /** Writes one message; returns false when the subscriber fell behind and is to be dropped. */
  write(message: HubMessage): boolean;
  /** Ends the subscription from the server's side (dropped, or the server is stopping). */
  end(): void;
}

/** Status classes in the traffic series; `none` is a request that got no status (a reset or hang). */
export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx', 'none'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** Seconds of traffic kept for the chart. */
const TRAFFIC_SECONDS = 300;
/**
 * Most one stub-change notice per this many ms: each notice makes every open UI reload its stubs, and a
 * script that adds stubs one request at a time would otherwise make them reload once per stub.
 */
const STUB_NOTICE_MS = 250;

/** The index in STATUS_CLASSES of a status's class ('none' for a response with no status: a socket fault). */
function statusClassIndex(status: number): number {
  if (status >= 200 && status < 300) return 0;
  if (status >= 300 && status < 400) return 1;
  if (status >= 400 && status < 500) return 2;
  if (status >= 500) return 3;
  return 4;
}

export function liveEntry(e: ServeEvent): LiveEntry {
  return {
    id: e.id,
    time: e.loggedAt,
    method: e.method,
    url: e.url,
    status: e.response?.status ?? 0,
    durationMs: e.totalMs,
    matched: e.stub !== undefined,
    ...(e.stub ? { stub: { id: e.stub.id, ...(e.stub.name ? { name: e.stub.name } : {}) } } : {}),
    ...(e.stub?.request.graphqlOperation !== undefined ? { operation: e.stub.request.graphqlOperation } : {}),
    ...(e.faults && e.faults.length ? { faults: e.faults.map((f) => f.description) } : {}),
    ...(e.proxiedTo ? { proxiedTo: e.proxiedTo } : {}),
    ...(e.namespace !== undefined ? { namespace: e.namespace } : {}),
  };
}

export class EventHub {
  readonly #engine: MockEngine;
  readonly #now: () => number;
  readonly #subscribers = new Set<Subscriber>();
  /** By stub id: a box with its count, so a request looks its stub up once (a get, not a get and a set). */
  readonly #matchCounts = new Map<string, { n: number }>();
  /** A ring of per-second counts: slot = second % TRAFFIC_SECONDS, with the second each slot holds. */
  readonly #slotSecond = new Float64Array(TRAFFIC_SECONDS).fill(-1);
  readonly #slotCounts = STATUS_CLASSES.map(() => new Uint32Array(TRAFFIC_SECONDS));
  readonly #offServed: () => void;
  readonly #offChange: () => void;
  /** When the last stub-change notice went out (on the monotonic clock). */
  #noticeAt = -Infinity;
  /** A notice held back to keep to STUB_NOTICE_MS; it carries the stub count when it goes. */
  #heldNotice: ReturnType<typeof setTimeout> | undefined;

  constructor(engine: MockEngine, now: () => number = Date.now) {
    this.#engine = engine;
    this.#now = now;
    this.#offServed = engine.onServed((e) => this.#served(e));
    this.#offChange = engine.onChange((c) => this.#changed(c));
  }

  #served(e: ServeEvent): void {
    if (e.stub) {
      const seen = this.#matchCounts.get(e.stub.id);
      if (seen !== undefined) seen.n++;
      else {
        // Stubs come and go (API clients create them with random ids): forget the gone ones before the counts outgrow the live stubs.
        if (this.#matchCounts.size > 2 * this.#engine.stubs.size + 64) this.#pruneCounts();
        this.#matchCounts.set(e.stub.id, { n: 1 });
      }
    }
    const second = Math.floor(e.loggedAt / 1000);
    const slot = second % TRAFFIC_SECONDS;
    if (this.#slotSecond[slot] !== second) {
      this.#slotSecond[slot] = second;
      for (const c of this.#slotCounts) c[slot] = 0;
    }
    this.#slotCounts[statusClassIndex(e.response?.status ?? 0)]![slot]! += 1;
    if (this.#subscribers.size > 0) this.#publish({ type: 'served', data: liveEntry(this.#engine.journal.view?.(e) ?? e) });
  }

  #publish(message: HubMessage): void {
    for (const s of this.#subscribers) {
      let kept = false;
      try {
        kept = s.write(message);
      } catch { /* a broken subscriber is dropped below */ }
      if (!kept) {
        this.#subscribers.delete(s);
        try {
          s.end();
        } catch { /* already gone */ }
      }
    }
  }

  /** A stub-set change is told at once, unless one was told less than STUB_NOTICE_MS ago: then once, when that time is up. */
  #changed(change: EngineChange): void {
    // With a shared store the live log, the counts and the chart are the fleet's: other replicas' requests come as they reach the journal.
    if (change.kind === 'served-elsewhere') {
      for (const e of change.events) this.#served(e);
      return;
    }
    if (change.kind !== 'stubs' || this.#subscribers.size === 0 || this.#heldNotice !== undefined) return;
    const wait = this.#noticeAt + STUB_NOTICE_MS - performance.now();
    if (wait <= 0) {
      this.#noticeStubs();
      return;
    }
    this.#heldNotice = setTimeout(() => {
      this.#heldNotice = undefined;
      this.#noticeStubs();
    }, wait);
    this.#heldNotice.unref();
  }

  #noticeStubs(): void {
    this.#noticeAt = performance.now();
    if (this.#subscribers.size > 0) this.#publish({ type: 'stubs-changed', data: { stubs: this.#engine.stubs.size } });
  }

  /** Adds a subscriber; returns the unsubscribe. */
  subscribe(subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber);
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** How many requests each stub (by id) that exists now has matched since the server started. */
  matchCounts(): Record<string, number> {
    this.#pruneCounts();
    return Object.fromEntries(Array.from(this.#matchCounts, ([id, count]) => [id, count.n]));
  }

  #pruneCounts(): void {
    const live = this.#engine.stubs;
    for (const id of this.#matchCounts.keys()) if (live.get(id) === undefined) this.#matchCounts.delete(id);
  }

  /** Requests per second by status class over the last `seconds` (at most five minutes), oldest first. */
  traffic(seconds = TRAFFIC_SECONDS): { endsAt: number; seconds: number; series: Record<StatusClass, number[]> } {
    const n = Math.max(1, Math.min(TRAFFIC_SECONDS, Math.floor(seconds)));
    const last = Math.floor(this.#now() / 1000);
    const series = Object.fromEntries(STATUS_CLASSES.map((c) => [c, new Array<number>(n).fill(0)])) as Record<StatusClass, number[]>;
    for (let i = 0; i < n; i++) {
      const second = last - (n - 1 - i);
      const slot = ((second % TRAFFIC_SECONDS) + TRAFFIC_SECONDS) % TRAFFIC_SECONDS;
      if (this.#slotSecond[slot] !== second) continue;
      STATUS_CLASSES.forEach((c, k) => { series[c][i] = this.#slotCounts[k]![slot]!; });
    }
    return { endsAt: last * 1000, seconds: n, series };
  }

  /** Ends every subscription (the server is stopping) and stops listening to the engine. */
  close(): void {
    this.#offServed();
    this.#offChange();
    clearTimeout(this.#heldNotice);
    this.#heldNotice = undefined;
    const subs = [...this.#subscribers];
    this.#subscribers.clear();
    for (const s of subs) {
      try {
        s.end();
      } catch { /* closing anyway */ }
    }
  }
}
