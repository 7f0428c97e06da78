/**
 * The webhook journal: one entry per outbound attempt (and per callback that was dropped, refused or
 * cancelled before it was sent), newest kept, oldest forgotten once the cap is reached, so it stays
 * bounded however many callbacks a run makes.
 */

/** How one attempt ended. */
export type WebhookOutcome =
  /** The receiver answered and no retry follows (any status: a 4xx is the receiver's verdict). */
  | 'delivered'
  /** The receiver answered 5xx/429 or did not answer, and another attempt follows. */
  | 'retrying'
  /** The receiver answered 5xx/429 or did not answer, and the attempts are spent (or there are no retries). */
  | 'failed'
  /** The drop fault: never sent. */
  | 'dropped'
  /** Not sent: the queue was full, or the webhook did not render. */
  | 'refused'
  /** Decoy stopped (or the log was reset) before it was sent. */
  | 'cancelled';

export interface WebhookAttempt {
  /** Increasing number: the order the attempts were logged in. */
  readonly seq: number;
  /** The serve event (journal id) whose stub made the callback. */
  readonly requestId: string | undefined;
  readonly stubId: string;
  readonly stubName: string | undefined;
  /** Which webhook of the stub (0-based) and which delivery of it (2.. for the duplicate fault). */
  readonly webhook: number;
  readonly copy: number;
  /** 1 for the first try, 2.. for retries. */
  readonly attempt: number;
  readonly method: string;
  readonly url: string;
  readonly headers: readonly string[];
  readonly body: Buffer;
  readonly outcome: WebhookOutcome;
  /** The receiver's status, when it answered. */
  readonly status?: number;
  /** Why there is no status (a refused connection, a timeout, a render error, a full queue). */
  readonly error?: string;
  /** Epoch milliseconds when the attempt started (or was given up). */
  readonly sentAt: number;
  readonly durationMs: number;
  /** The faults applied, in words. */
  readonly faults: readonly string[];
}

/** Which attempts a query or a verification is about; every given field must hold. */
export interface WebhookFilter {
  /** The method, any case. */
  readonly method?: string;
  /** The whole URL, exactly. */
  readonly url?: string;
  /** A regular expression the whole URL must match. */
  readonly urlPattern?: string;
  /** The URL's path, exactly (`/hooks/payment`). */
  readonly urlPath?: string;
  readonly stubId?: string;
  readonly requestId?: string;
}

export class WebhookLog {
  readonly #cap: number;
  #entries: WebhookAttempt[] = [];
  #start = 0;
  #seq = 0;

  constructor(cap: number) {
    this.#cap = Math.max(1, cap);
  }

  append(entry: Omit<WebhookAttempt, 'seq'>): void {
    const full = { ...entry, seq: ++this.#seq };
    if (this.#entries.length - this.#start >= this.#cap) this.#start++;
    this.#entries.push(full);
    // Compact now and then: the array holds at most twice the cap.
    if (this.#start >= this.#cap) {
      this.#entries = this.#entries.slice(this.#start);
      this.#start = 0;
    }
  }

  /** Every attempt kept, oldest first, that matches the filter. */
  list(filter: WebhookFilter = {}): WebhookAttempt[] {
    const test = compileFilter(filter);
    const out: WebhookAttempt[] = [];
    for (let i = this.#start; i < this.#entries.length; i++) if (test(this.#entries[i]!)) out.push(this.#entries[i]!);
    return out;
  }

  get size(): number {
    return this.#entries.length - this.#start;
  }

  clear(): void {
    this.#entries = [];
    this.#start = 0;
  }
}

/** Compiles a filter once; throws SyntaxError for a bad urlPattern. */
export function compileFilter(filter: WebhookFilter): (a: WebhookAttempt) => boolean {
  const method = filter.method?.toUpperCase();
  const pattern = filter.urlPattern === undefined ? undefined : new RegExp(`^(?:${filter.urlPattern})$`);
  return (a) => (method === undefined || a.method === method)
    && (filter.url === undefined || a.url === filter.url)
    && (pattern === undefined || pattern.test(a.url))
    && (filter.urlPath === undefined || pathOf(a.url) === filter.urlPath)
    && (filter.stubId === undefined || a.stubId === filter.stubId)
    && (filter.requestId === undefined || a.requestId === filter.requestId);
}

function pathOf(url: string): string | undefined {
  const m = /^[a-z]+:\/\/[^/?#]*([^?#]*)/i.exec(url);
  return m === null ? undefined : (m[1] === '' ? '/' : m[1]);
}

/** What "delivered N times" counts: attempts the receiver answered without a retry following. */
export function countDelivered(attempts: readonly WebhookAttempt[]): number {
  let n = 0;
  for (const a of attempts) if (a.outcome === 'delivered') n++;
  return n;
}
