/**
 * Sends the callbacks the engine plans, after the exchange that caused them is over: each served
 * request's callbacks in order, each after its wait, retried with backoff when the plan says so.
 * Outbound traffic is bounded: at most `maxPending` jobs wait (more are refused and journaled as
 * such), at most `maxConcurrent` requests are in flight, each attempt has a timeout, and redirects
 * are not followed. `close()` cancels every wait and aborts every request in flight.
 */
import { setMaxListeners } from 'node:events';
import type { Agent, request as undiciRequest } from 'undici';
import type { MockEngine } from '../core/engine.js';
import { backoffBefore, isRetryableStatus, type WebhookCall, type WebhookJob } from '../core/webhooks/webhook.js';
import type { WebhookOutcome } from '../core/webhooks/webhook-log.js';
import type { WebhookAllow } from './webhook-allow.js';

export interface WebhookSenderOptions {
  /** Jobs (the callbacks of one served request) waiting or running at once; more are refused. Default 1,000. */
  maxPending?: number;
  /** Requests in flight at once. Default 16. */
  maxConcurrent?: number;
  /** `--webhook-allow`: where callbacks may go; a callback elsewhere is journaled as refused. Default: anywhere. */
  allow?: WebhookAllow;
  /** Traces, when on: each attempt gets a span linked to the request that caused it. */
  tracing?: WebhookTracing;
}

/** What the sender needs of tracing: a span per attempt, linked to the request that caused the callback. */
export interface WebhookTracing {
  webhookAttempt(cause: object, call: { method: string; url: string; index: number; copy: number }, attempt: number): { end(status: number | undefined, error: string | undefined): void };
}

export const DEFAULT_MAX_PENDING_WEBHOOKS = 1000;
export const DEFAULT_MAX_CONCURRENT_WEBHOOKS = 16;

class Cancelled extends Error {}

export class WebhookSender {
  readonly #engine: MockEngine;
  readonly #maxPending: number;
  readonly #maxConcurrent: number;
  readonly #allow: WebhookAllow | undefined;
  readonly #tracing: WebhookTracing | undefined;
  // undici takes about a tenth of a second to import: loaded with the first callback, so a Decoy whose
  // stubs send none does not start slower for it.
  #client: Promise<{ agent: Agent; request: typeof undiciRequest }> | undefined;
  readonly #abort = new AbortController();
  readonly #unsubscribe: () => void;
  #pending = 0;
  #inFlight = 0;
  readonly #slots: Array<() => void> = [];
  readonly #running = new Set<Promise<void>>();

  constructor(engine: MockEngine, options: WebhookSenderOptions = {}) {
    this.#engine = engine;
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_WEBHOOKS;
    this.#maxConcurrent = options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT_WEBHOOKS;
    this.#allow = options.allow;
    this.#tracing = options.tracing;
    // Every pending job and request in flight listens for the stop; the caps bound how many do.
    setMaxListeners(this.#maxPending + 2 * this.#maxConcurrent + 10, this.#abort.signal);
    this.#unsubscribe = engine.onWebhooks((job) => this.#enqueue(job));
  }

  /** Jobs waiting or running. */
  get pending(): number {
    return this.#pending;
  }

  #enqueue(job: WebhookJob): void {
    if (this.#abort.signal.aborted) return;
    if (this.#pending >= this.#maxPending) {
      for (const call of job.calls) this.#log(job, call, 1, 'refused', Date.now(), { error: `${this.#maxPending} callbacks are pending already (the queue's cap); this one was not sent` });
      return;
    }
    this.#pending++;
    const run = this.#run(job).finally(() => {
      this.#pending--;
      this.#running.delete(run);
    });
    this.#running.add(run);
  }

  async #run(job: WebhookJob): Promise<void> {
    let i = 0;
    try {
      for (; i < job.calls.length; i++) {
        const call = job.calls[i]!;
        if (call.error !== undefined) {
          this.#log(job, call, 1, 'refused', Date.now(), { error: call.error });
          continue;
        }
        await this.#sleep(call.waitMs);
        if (call.dropped) {
          this.#log(job, call, 1, 'dropped', Date.now(), {});
          continue;
        }
        await this.#deliver(job, call);
      }
    } catch (e) {
      if (!(e instanceof Cancelled)) throw e;
      for (; i < job.calls.length; i++) this.#log(job, job.calls[i]!, 1, 'cancelled', Date.now(), { error: 'Decoy stopped before the callback was sent' });
    }
  }

  async #deliver(job: WebhookJob, call: WebhookCall): Promise<void> {
    if (this.#allow !== undefined) {
      const refused = await this.#allow(call.url);
      if (refused !== undefined) {
        this.#log(job, call, 1, 'refused', Date.now(), { error: `refused: ${refused}` });
        return;
      }
    }
    const max = call.retry?.maxAttempts ?? 1;
    for (let attempt = 1; attempt <= max; attempt++) {
      if (attempt > 1) await this.#sleep(backoffBefore(call.retry!, attempt));
      await this.#slot();
      const started = Date.now();
      const span = this.#tracing?.webhookAttempt(job.cause, call, attempt);
      let status: number | undefined;
      let error: string | undefined;
      try {
        const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(call.timeoutMs)]);
        const { agent, request } = await this.#loadClient();
        const res = await request(call.url, {
          method: call.method as 'POST', headers: [...call.headers], body: call.body.length > 0 ? call.body : null,
          dispatcher: agent, signal, headersTimeout: call.timeoutMs, bodyTimeout: call.timeoutMs,
        });
        status = res.statusCode;
        await res.body.dump();
      } catch (e) {
        if (this.#abort.signal.aborted) {
          span?.end(undefined, 'cancelled: Decoy stopped');
          this.#release();
          this.#log(job, call, attempt, 'cancelled', started, { error: 'Decoy stopped while the callback was in flight' });
          throw new Cancelled();
        }
        error = describe(e, call.timeoutMs);
      }
      this.#release();
      span?.end(status, error);
      const retryable = status === undefined || isRetryableStatus(status);
      const again = retryable && attempt < max;
      const outcome: WebhookOutcome = !retryable ? 'delivered' : again ? 'retrying' : 'failed';
      this.#log(job, call, attempt, outcome, started, { ...(status !== undefined ? { status } : {}), ...(error !== undefined ? { error } : {}) });
      if (!again) return;
    }
  }

  #log(job: WebhookJob, call: WebhookCall, attempt: number, outcome: WebhookOutcome, started: number, result: { status?: number; error?: string }): void {
    this.#engine.webhookLog.append({
      requestId: job.requestId, stubId: job.stubId, stubName: job.stubName, webhook: call.index, copy: call.copy, attempt,
      method: call.method, url: call.url, headers: call.headers, body: call.body, outcome, ...result,
      sentAt: started, durationMs: Date.now() - started, faults: call.faults,
    });
  }

  #loadClient(): Promise<{ agent: Agent; request: typeof undiciRequest }> {
    return (this.#client ??= import('undici').then(({ Agent: UndiciAgent, request }) => ({
      agent: new UndiciAgent({ connections: 8, keepAliveTimeout: 2_000 }), request,
    })));
  }

  /** Waits, or throws Cancelled when the sender closes first. */
  #sleep(ms: number): Promise<void> {
    if (this.#abort.signal.aborted) return Promise.reject(new Cancelled());
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => { clearTimeout(timer); reject(new Cancelled()); };
      const timer = setTimeout(() => { this.#abort.signal.removeEventListener('abort', onAbort); resolve(); }, ms);
      this.#abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A place among the requests in flight (at most `maxConcurrent`). */
  #slot(): Promise<void> {
    if (this.#abort.signal.aborted) return Promise.reject(new Cancelled());
    if (this.#inFlight < this.#maxConcurrent) {
      this.#inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(new Cancelled());
      this.#abort.signal.addEventListener('abort', onAbort, { once: true });
      this.#slots.push(() => { this.#abort.signal.removeEventListener('abort', onAbort); this.#inFlight++; resolve(); });
    });
  }

  #release(): void {
    this.#inFlight--;
    const next = this.#slots.shift();
    if (next !== undefined) next();
  }

  /** Cancels every pending callback (each is journaled as cancelled) and aborts those in flight. */
  async close(): Promise<void> {
    this.#unsubscribe();
    this.#abort.abort();
    await Promise.allSettled([...this.#running]);
    if (this.#client !== undefined) await (await this.#client).agent.destroy();
  }
}

function describe(e: unknown, timeoutMs: number): string {
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.code === 'UND_ERR_HEADERS_TIMEOUT' || err?.code === 'UND_ERR_BODY_TIMEOUT') return `no answer within ${timeoutMs} ms`;
  const code = err?.code ?? err?.cause?.code;
  return `${code ? `${code}: ` : ''}${err?.message ?? String(e)}`;
}
