/**
 * The request journal: a bounded ring buffer of serve events. Recording is on the hot path, and a kept
 * event lives until the ring comes round again, long enough for V8 to move it to the old generation:
 * whatever a kept event is made of is copied there by a scavenge and traced by every major collection
 * (which also traces all the stubs). So the journal does not keep the ServeEvent: it keeps its parts in
 * columns allocated once (one slot per event), and the new objects a request brings are kept as one: its
 * method, HTTP version, URL and Node's raw header list (an array and a string per name and value) become
 * one flat string; the arrival time, the total and delay milliseconds and the event's number (its id, see
 * event-id.ts) go in a typed array; the body, the stub, its prepared response and the connection are
 * references to what exists anyway. The ServeEvent readers see is built when read.
 * When the buffer is full the oldest event is overwritten: memory stays flat under any load.
 */
import type { AppliedFault } from '../faults/fault.js';
import type { RequestConnection } from '../request.js';
import type { Stub } from '../stub.js';
import { eventNumberOf } from './event-id.js';
import { ServeEvent, type JournalResponse } from './serve-event.js';
import type { JournalStore } from './state.js';

export { ServeEvent, type JournalResponse } from './serve-event.js';

/**
 * What an event counts against the byte budget beyond its bodies: a fixed allowance for its slot and its
 * request's strings. About what a small request's entry cost when the journal kept whole ServeEvents; the
 * compact record costs less (see the memory test), and the allowance stays so that a `--journal-max-bytes`
 * keeps as many events as it did.
 */
export const EVENT_OVERHEAD_BYTES = 1024;

/** The default byte budget of the journal (`--journal-max-bytes`). */
export const DEFAULT_JOURNAL_MAX_BYTES = 256 * 1024 * 1024;

/** The parts of an event that most requests do not have, kept in one object only when one is there. */
interface Rare {
  /** The id of an event another replica served (its number is then -1). */
  id: string | undefined;
  faults: readonly AppliedFault[] | undefined;
  proxiedTo: string | undefined;
  namespace: string | undefined;
}

/** Numbers kept per slot in `#numbers`, at slot * NUMBERS + these. */
const LOGGED_AT = 0;
const TOTAL_MS = 1;
const DELAY_MS = 2;
const NUMBER = 3;
const NUMBERS = 4;

/** Separates the parts of a request kept as one string: Node's parser lets no line feed into any of them. */
const SEPARATOR = '\n';

/** What the journal keeps of a request's line and header list, when one of them holds the separator (not from Node's parser). */
interface Unpacked {
  method: string;
  httpVersion: string;
  url: string;
  rawHeaders: readonly string[];
}

/**
 * A request's method, HTTP version, URL and raw header list as one flat string: one object with no pointers
 * in it, where Node's list is an array and a string per name and value. Joined with `+` (a rope, about half
 * the cost of Array.prototype.join for a request's few parts), and made flat by the first search for a
 * separator: V8 flattens a rope it searches, and a scavenge then keeps only the flat string.
 */
function pack(method: string, httpVersion: string, url: string, raw: readonly string[]): string | Unpacked {
  let text = method + SEPARATOR + httpVersion + SEPARATOR + url;
  for (let i = 0; i < raw.length; i++) text = text + SEPARATOR + raw[i]!;
  let separators = 0;
  for (let at = text.indexOf(SEPARATOR); at !== -1; at = text.indexOf(SEPARATOR, at + 1)) separators++;
  return separators === raw.length + 2 ? text : { method, httpVersion, url, rawHeaders: raw };
}

/** Whether two raw header lists hold the same names and values in the same order. */
function sameHeaders(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function unpack(packed: string | Unpacked): Unpacked {
  if (typeof packed !== 'string') return packed;
  const parts = packed.split(SEPARATOR);
  return { method: parts[0]!, httpVersion: parts[1]!, url: parts[2]!, rawHeaders: parts.slice(3) };
}

/** The journal kept in this process: a ring buffer (the in-memory State adapter's journal). */
export class Journal implements JournalStore {
  readonly capacity: number;
  /**
   * What readers see of each event, when set (`--redact-journal`: the event with secrets masked); the
   * journal keeps the event as served, so recording stays cheap and the view is made only when read.
   */
  get view(): ((event: ServeEvent) => ServeEvent) | undefined {
    return this.#view;
  }

  set view(view: ((event: ServeEvent) => ServeEvent) | undefined) {
    this.#view = view;
    this.#built = view === undefined ? undefined : new Array(this.capacity);
  }

  /** The most bytes of bodies (and a fixed allowance per event) kept; the oldest events go first beyond it. */
  readonly maxBytes: number;
  #view: ((event: ServeEvent) => ServeEvent) | undefined;
  // The columns: one slot per event in each (the slots from #next - #size to #next, round the ring, are kept).
  /** The method, HTTP version, URL and raw header list (see pack). */
  #requests!: Array<string | Unpacked | undefined>;
  #bodies!: Array<Buffer | undefined>;
  #connections!: Array<RequestConnection | undefined>;
  #stubs!: Array<Stub | undefined>;
  #responses!: Array<JournalResponse | undefined>;
  #rare!: Array<Rare | undefined>;
  #numbers!: Float64Array;
  /**
   * With a view set: the event built for each slot when first read, so the view (which remembers its
   * masked copy per event) sees the same event each time, as it did when the journal kept events.
   */
  #built: Array<ServeEvent | undefined> | undefined;
  #bytes = 0;
  /**
   * The last request packed and its parts. A client that repeats a request (a load test, a poll) sends the
   * same line and headers each time: its events share one packed string instead of one string each.
   */
  #lastMethod = '';
  #lastVersion = '';
  #lastUrl = '';
  #lastRaw: readonly string[] = [];
  #lastPacked: string | undefined;
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
    this.#empty();
  }

  /**
   * Fresh columns: nothing kept. They grow as the ring fills (until it first comes round, each event goes
   * at the end of each column), so a journal that is rarely full costs no more than what it keeps.
   */
  #empty(): void {
    this.#requests = [];
    this.#bodies = [];
    this.#connections = [];
    this.#stubs = [];
    this.#responses = [];
    this.#rare = [];
    this.#numbers = new Float64Array(Math.min(this.capacity, 64) * NUMBERS);
    this.#built = this.#view === undefined ? undefined : new Array(this.capacity);
    this.#bytes = 0;
    this.#next = 0;
    this.#size = 0;
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

  /** Hot path: the event's parts go into its slot; one string is made (see pack). */
  append(event: ServeEvent): void {
    if (this.capacity === 0) return;
    const response = event.response;
    const size = event.body.length + (response?.body.length ?? 0) + EVENT_OVERHEAD_BYTES;
    const slot = this.#next;
    // A full ring overwrites its oldest event.
    if (this.#size === this.capacity) this.#bytes -= this.#sizeOf(slot);
    const n = event.number;
    this.#requests[slot] = this.#pack(event.method, event.httpVersion, event.url, event.rawHeaders);
    this.#bodies[slot] = event.body;
    this.#connections[slot] = event.connection;
    this.#stubs[slot] = event.stub;
    this.#responses[slot] = response;
    this.#rare[slot] = n < 0 || event.faults !== undefined || event.proxiedTo !== undefined || event.namespace !== undefined
      ? { id: n < 0 ? event.id : undefined, faults: event.faults, proxiedTo: event.proxiedTo, namespace: event.namespace }
      : undefined;
    const at = slot * NUMBERS;
    if (at === this.#numbers.length) this.#growNumbers();
    this.#numbers[at + LOGGED_AT] = event.loggedAt;
    this.#numbers[at + TOTAL_MS] = event.totalMs;
    this.#numbers[at + DELAY_MS] = event.delayMs;
    this.#numbers[at + NUMBER] = n;
    if (this.#built !== undefined) this.#built[slot] = undefined;
    this.#bytes += size;
    this.#next = (slot + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
    // Large bodies: the oldest events go until the rest fits the budget (the newest is always kept).
    while (this.#bytes > this.maxBytes && this.#size > 1) {
      const oldest = (this.#next - this.#size + this.capacity) % this.capacity;
      this.#bytes -= this.#sizeOf(oldest);
      this.#drop(oldest);
      this.#size--;
    }
  }

  #growNumbers(): void {
    const grown = new Float64Array(Math.min(this.capacity, 2 * (this.#numbers.length / NUMBERS)) * NUMBERS);
    grown.set(this.#numbers);
    this.#numbers = grown;
  }

  /** Lets go of what a slot keeps. */
  #drop(slot: number): void {
    this.#requests[slot] = undefined;
    this.#bodies[slot] = undefined;
    this.#connections[slot] = undefined;
    this.#stubs[slot] = undefined;
    this.#responses[slot] = undefined;
    this.#rare[slot] = undefined;
    if (this.#built !== undefined) this.#built[slot] = undefined;
  }

  /** The request packed (see pack), or the string packed for the last request when this one is the same. */
  #pack(method: string, httpVersion: string, url: string, raw: readonly string[]): string | Unpacked {
    if (this.#lastPacked !== undefined && url === this.#lastUrl && method === this.#lastMethod && httpVersion === this.#lastVersion && sameHeaders(raw, this.#lastRaw)) {
      return this.#lastPacked;
    }
    const packed = pack(method, httpVersion, url, raw);
    // Only a string is shared: an unpacked request keeps its own parts.
    if (typeof packed === 'string') {
      this.#lastMethod = method;
      this.#lastVersion = httpVersion;
      this.#lastUrl = url;
      this.#lastRaw = raw;
      this.#lastPacked = packed;
    }
    return packed;
  }

  /** What a kept event counts against `maxBytes` (its bodies do not change while it is kept). */
  #sizeOf(slot: number): number {
    return this.#bodies[slot]!.length + (this.#responses[slot]?.body.length ?? 0) + EVENT_OVERHEAD_BYTES;
  }

  /** The event kept in a slot, as served. */
  #event(slot: number): ServeEvent {
    const built = this.#built?.[slot];
    if (built !== undefined) return built;
    const at = slot * NUMBERS;
    const rare = this.#rare[slot];
    const { method, httpVersion, url, rawHeaders } = unpack(this.#requests[slot]!);
    const event = new ServeEvent(this.#numbers[at + LOGGED_AT]!, method, url, rawHeaders,
      this.#bodies[slot]!, this.#connections[slot]!, httpVersion, this.#stubs[slot], this.#responses[slot], this.#numbers[at + TOTAL_MS]!, rare?.faults);
    event.delayMs = this.#numbers[at + DELAY_MS]!;
    if (rare !== undefined) {
      event.proxiedTo = rare.proxiedTo;
      event.namespace = rare.namespace;
    }
    if (rare?.id !== undefined) ServeEvent.withId(event, rare.id);
    else ServeEvent.withNumber(event, this.#numbers[at + NUMBER]!);
    if (this.#built !== undefined) this.#built[slot] = event;
    return event;
  }

  /** The slots of the kept events, newest first (the newest `limit` of them). */
  #slotsNewestFirst(limit = Infinity): number[] {
    const out: number[] = [];
    const n = Math.min(this.#size, limit);
    for (let i = 1; i <= n; i++) out.push((this.#next - i + this.capacity) % this.capacity);
    return out;
  }

  /** Events, newest first (WireMock's order); only the newest `limit` are built when a limit is given. */
  newestFirst(limit?: number): ServeEvent[] {
    const view = this.#view;
    return this.#slotsNewestFirst(limit).map((slot) => view === undefined ? this.#event(slot) : view(this.#event(slot)));
  }

  /** The ids of the stubs that served a kept event: read from the slots (no event is built for this). */
  servedStubIds(): Set<string> {
    const ids = new Set<string>();
    for (const slot of this.#slotsNewestFirst()) {
      const id = this.#stubs[slot]?.id;
      if (id !== undefined) ids.add(id);
    }
    return ids;
  }

  get(id: string): ServeEvent | undefined {
    // Found by its number (or its id from elsewhere): only the event asked for is built.
    const n = eventNumberOf(id);
    for (const slot of this.#slotsNewestFirst()) {
      const rare = this.#rare[slot];
      if (rare?.id !== undefined ? rare.id === id : n >= 0 && this.#numbers[slot * NUMBERS + NUMBER] === n) {
        const e = this.#event(slot);
        return this.#view === undefined ? e : this.#view(e);
      }
    }
    return undefined;
  }

  /** Removes the events `predicate` selects; returns them, oldest first. */
  remove(predicate: (e: ServeEvent) => boolean): ServeEvent[] {
    const kept: ServeEvent[] = [];
    const removed: ServeEvent[] = [];
    const view = this.#view;
    for (const slot of this.#slotsNewestFirst().reverse()) {
      const e = this.#event(slot);
      const shown = view === undefined ? e : view(e);
      if (predicate(shown)) removed.push(shown);
      else kept.push(e);
    }
    this.#empty();
    for (const e of kept) {
      const slot = this.#next;
      this.append(e);
      // The same event as before for the view (see #built).
      if (this.#built !== undefined) this.#built[slot] = e;
    }
    return removed;
  }

  clear(): void {
    this.#empty();
    this.#onCleared();
  }
}
