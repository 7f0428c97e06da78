/**
 * The request journal: a bounded ring buffer of serve events. Recording is on the hot path, so an
 * event keeps references to what already exists (the raw header list Node built, the body Buffer,
 * the stub, the prepared response) and everything the admin API shows is derived when it is asked
 * for. When the buffer is full the oldest event is overwritten: memory stays flat under any load.
 */
import { ServeEvent } from './serve-event.js';
import type { JournalStore } from './state.js';

export { ServeEvent, type JournalResponse } from './serve-event.js';

/**
 * What an event counts against the byte budget beyond its bodies: the event object, its header list and
 * URL strings, measured at about 1 KB for a small request (see the memory test).
 */
export const EVENT_OVERHEAD_BYTES = 1024;

/** The default byte budget of the journal (`--journal-max-bytes`). */
export const DEFAULT_JOURNAL_MAX_BYTES = 256 * 1024 * 1024;

/** The journal kept in this process: a ring buffer (the in-memory State adapter's journal). */
export class Journal implements JournalStore {
  readonly capacity: number;
  /**
   * What readers see of each event, when set (`--redact-journal`: the event with secrets masked); the
   * journal keeps the event as served, so recording stays cheap and the view is made only when read.
   */
  view: ((event: ServeEvent) => ServeEvent) | undefined;
  /** The most bytes of bodies (and a fixed allowance per event) kept; the oldest events go first beyond it. */
  readonly maxBytes: number;
  #buffer: Array<ServeEvent | undefined>;
  /** What each kept event counts against `maxBytes`, by slot. */
  #sizes: Float64Array;
  #bytes = 0;
  /** Index where the next event goes. */
  #next = 0;
  #size = 0;

  readonly #onCleared: () => void;

  /**
   * @param capacity the most events kept; 0 disables the journal.
   * @param maxBytes the byte budget: bodies kept (request and response) plus EVENT_OVERHEAD_BYTES per event.
   */
  constructor(capacity: number, onCleared: () => void = () => {}, maxBytes = Infinity) {
    this.#onCleared = onCleared;
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`journal capacity must be a whole number >= 0 (got ${capacity})`);
    if (!(maxBytes > 0)) throw new RangeError(`journal byte budget must be > 0 (got ${maxBytes})`);
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.#buffer = new Array(capacity);
    this.#sizes = new Float64Array(capacity);
  }

  /** The bytes the kept events count against the budget. */
  get bytes(): number {
    return this.#bytes;
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get size(): number {
    return this.#size;
  }

  /** Hot path: one array store and a few additions, no copying. */
  append(event: ServeEvent): void {
    if (this.capacity === 0) return;
    const size = event.body.length + (event.response?.body.length ?? 0) + EVENT_OVERHEAD_BYTES;
    const slot = this.#next;
    // A full ring overwrites its oldest event.
    if (this.#size === this.capacity) this.#bytes -= this.#sizes[slot]!;
    this.#buffer[slot] = event;
    this.#sizes[slot] = size;
    this.#bytes += size;
    this.#next = (slot + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
    // Large bodies: the oldest events go until the rest fits the budget (the newest is always kept).
    while (this.#bytes > this.maxBytes && this.#size > 1) {
      const oldest = (this.#next - this.#size + this.capacity) % this.capacity;
      this.#bytes -= this.#sizes[oldest]!;
      this.#buffer[oldest] = undefined;
      this.#sizes[oldest] = 0;
      this.#size--;
    }
  }

  /** Events, newest first (WireMock's order). */
  newestFirst(): ServeEvent[] {
    const events = this.#newestFirst();
    const view = this.view;
    return view === undefined ? events : events.map(view);
  }

  /** The ids of the stubs that served a kept event: read from the events as served (no masked view is made for this). */
  servedStubIds(): Set<string> {
    const ids = new Set<string>();
    for (const e of this.#newestFirst()) if (e.stub?.id !== undefined) ids.add(e.stub.id);
    return ids;
  }

  #newestFirst(): ServeEvent[] {
    const out: ServeEvent[] = [];
    for (let i = 1; i <= this.#size; i++) {
      const e = this.#buffer[(this.#next - i + this.capacity) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }

  get(id: string): ServeEvent | undefined {
    const e = this.#newestFirst().find((x) => x.id === id);
    return e === undefined || this.view === undefined ? e : this.view(e);
  }

  /** Removes the events `predicate` selects; returns them, oldest first. */
  remove(predicate: (e: ServeEvent) => boolean): ServeEvent[] {
    const kept: ServeEvent[] = [];
    const removed: ServeEvent[] = [];
    const view = this.view;
    for (const e of this.#newestFirst().reverse()) {
      const shown = view === undefined ? e : view(e);
      if (predicate(shown)) removed.push(shown);
      else kept.push(e);
    }
    this.#buffer = new Array(this.capacity);
    this.#sizes = new Float64Array(this.capacity);
    this.#bytes = 0;
    this.#next = 0;
    this.#size = 0;
    for (const e of kept) this.append(e);
    return removed;
  }

  clear(): void {
    this.#buffer = new Array(this.capacity);
    this.#sizes = new Float64Array(this.capacity);
    this.#bytes = 0;
    this.#next = 0;
    this.#size = 0;
    this.#onCleared();
  }
}
