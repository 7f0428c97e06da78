/**
 * One served request, as the engine hands it to the journal and readers see it. Built on the hot path,
 * so an event keeps references to what already exists (the raw header list Node built, the body Buffer,
 * the stub, the prepared response) and everything the admin API shows is derived when it is asked for.
 * The journal does not keep the event itself but a compact record of it, and builds an event again when
 * read (journal.ts).
 */
import type { AppliedFault } from '../faults/fault.js';
import type { RequestConnection } from '../request.js';
import type { Stub } from '../stub.js';
import { eventIdOf, nextEventNumber } from './event-id.js';

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
  /** The number its id is made from (event-id.ts); -1 until numbered, and for an event with an id from elsewhere. */
  #number = -1;
  /** The upstream base URL, when the request was proxied. */
  proxiedTo: string | undefined;
  /** Milliseconds of injected delay (the stub's, the global one, a chaos rule's) before the answer. */
  delayMs = 0;
  /** The namespace that served it; undefined for the default one. */
  namespace: string | undefined;

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

  /** The event with a known id: one another replica served, read back from a shared journal. */
  static withId(event: ServeEvent, id: string): ServeEvent {
    event.#id = id;
    return event;
  }

  /** The event numbered `n` (what the journal keeps instead of the id). */
  static withNumber(event: ServeEvent, n: number): ServeEvent {
    event.#number = n;
    return event;
  }

  /** A UUID, made when first asked for. */
  get id(): string {
    return (this.#id ??= eventIdOf(this.number));
  }

  /**
   * The number its id is made from, given when first asked for (the journal asks when it keeps the event);
   * -1 for an event with an id from elsewhere (one another replica served).
   */
  get number(): number {
    if (this.#number < 0 && this.#id === undefined) this.#number = nextEventNumber();
    return this.#number;
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
    copy.#number = this.#number;
    copy.proxiedTo = proxiedTo;
    copy.delayMs = this.delayMs;
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
