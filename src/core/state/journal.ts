/**
 * The request journal: a bounded ring buffer of serve events. Recording is on the hot path, so an
 * event keeps references to what already exists (the raw header list Node built, the body Buffer,
 * the stub, the prepared response) and everything the admin API shows is derived when it is asked
 * for. When the buffer is full the oldest event is overwritten: memory stays flat under any load.
 */
import { randomUUID } from 'node:crypto';
import type { AppliedFault } from '../faults/fault.js';
import type { RequestConnection } from '../request.js';
import type { Stub } from '../stub.js';
import type { JournalStore } from './state.js';

export interface JournalResponse {
  status: number;
  statusMessage?: string;
  /** Flat [name, value, ...] as sent. */
  headers: readonly string[];
  /** A proxied response's headers as the upstream sent them (hop-by-hop ones included): what a snapshot records. */
  upstreamHeaders?: readonly string[];
  body: Buffer;
}

/**
 * One served request. Built on the hot path, so the constructor only stores references; the id,
 * the Host and everything else the admin API shows are worked out when first asked for.
 */
export class ServeEvent {
  #id: string | undefined;
  /** The upstream base URL, when the request was proxied. */
  proxiedTo: string | undefined;

  constructor(
    /** Epoch milliseconds when the request arrived. */
    readonly loggedAt: number,
    readonly method: string,
    /** Path and query as received. */
    readonly url: string,
    /** Node's raw header list: [name, value, name, value, ...], names as the client spelt them. */
    readonly rawHeaders: readonly string[],
    readonly body: Buffer,
    /** Computed once per connection by the transport, shared by its requests. */
    readonly connection: RequestConnection,
    readonly httpVersion: string,
    /** The stub that answered, or undefined when none matched. */
    readonly stub: Stub | undefined,
    public response: JournalResponse | undefined,
    /** Milliseconds from arrival until the response was handed to the socket. */
    public totalMs: number,
    /** The delays, faults and error responses applied, if any. */
    readonly faults?: readonly AppliedFault[],
  ) {}

  /** A UUID, made when first asked for. */
  get id(): string {
    return (this.#id ??= randomUUID());
  }

  get clientIp(): string {
    return this.connection.clientIp;
  }

  get scheme(): 'http' | 'https' {
    return this.connection.scheme;
  }

  get port(): number {
    return this.connection.localPort;
  }

  get protocol(): string {
    return `HTTP/${this.httpVersion}`;
  }

  /**
   * A copy with other request and response contents and the same id (what `--redact-journal` shows
   * instead of the event as it was served).
   */
  withContents(url: string, rawHeaders: readonly string[], body: Buffer, response: JournalResponse | undefined, proxiedTo: string | undefined): ServeEvent {
    const copy = new ServeEvent(this.loggedAt, this.method, url, rawHeaders, body, this.connection, this.httpVersion, this.stub, response, this.totalMs, this.faults);
    copy.#id = this.id;
    copy.proxiedTo = proxiedTo;
    return copy;
  }

  /** `Host` as the client sent it, else the address it connected to. */
  get host(): string {
    for (let i = 0; i + 1 < this.rawHeaders.length; i += 2) {
      if (this.rawHeaders[i]!.toLowerCase() === 'host') return this.rawHeaders[i + 1]!;
    }
    return `${this.connection.localAddress}:${this.connection.localPort}`;
  }
}

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
