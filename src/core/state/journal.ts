/**
 * The request journal: a bounded ring buffer of serve events. Recording is on the hot path, so an
 * event keeps references to what already exists (the raw header list Node built, the body Buffer,
 * the stub, the prepared response) and everything the admin API shows is derived when it is asked
 * for. When the buffer is full the oldest event is overwritten: memory stays flat under any load.
 */
import { ServeEvent } from './serve-event.js';
import type { JournalStore } from './state.js';

export { ServeEvent, type JournalResponse } from './serve-event.js';

/** The journal kept in this process: a ring buffer (the in-memory State adapter's journal). */
export class Journal implements JournalStore {
  readonly capacity: number;
  /**
   * What readers see of each event, when set (`--redact-journal`: the event with secrets masked); the
   * journal keeps the event as served, so recording stays cheap and the view is made only when read.
   */
  view: ((event: ServeEvent) => ServeEvent) | undefined;
  #buffer: Array<ServeEvent | undefined>;
  /** Index where the next event goes. */
  #next = 0;
  #size = 0;

  readonly #onCleared: () => void;

  /** @param capacity the most events kept; 0 disables the journal. */
  constructor(capacity: number, onCleared: () => void = () => {}) {
    this.#onCleared = onCleared;
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`journal capacity must be a whole number >= 0 (got ${capacity})`);
    this.capacity = capacity;
    this.#buffer = new Array(capacity);
  }

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get size(): number {
    return this.#size;
  }

  /** Hot path: one array store, no copying. */
  append(event: ServeEvent): void {
    if (this.capacity === 0) return;
    this.#buffer[this.#next] = event;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
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
    this.#next = 0;
    this.#size = 0;
    for (const e of kept) this.append(e);
    return removed;
  }

  clear(): void {
    this.#buffer = new Array(this.capacity);
    this.#next = 0;
    this.#size = 0;
    this.#onCleared();
  }
}
