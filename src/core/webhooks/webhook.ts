/**
 * Webhooks (callbacks): outbound requests a stub makes after it has answered. WireMock's format, in its
 * three spellings (`serveEventListeners: [{name: webhook, parameters}]`, `postServeActions` as a list
 * or as a map by name), and Decoy's `webhooks:` list with the same parameters plus faults and retries
 * for testing the receivers.
 *
 * The core decides the plan: what to send (method, URL, headers and body rendered with WireMock's
 * `originalRequest` / `originalResponse` model), when (the delay), how often (duplicates, drops,
 * order) and how to retry. Sending is the transport's job.
 */
import { DecoyError, joinPointer } from '../errors.js';
import { compileDelayDistribution, MAX_TIMER_MS, type Delay } from '../faults/delay.js';
import type { Random } from '../faults/random.js';
import type { DecoyRequest } from '../request.js';
import { compileTemplate, requestModel } from '../response/template-response.js';
import type { TemplateRenderData } from '../response/template-helpers.js';
import type { StubDefinition } from '../stub-definition.js';

/** The name WireMock gives its webhook listener. */
export const WEBHOOK_LISTENER = 'webhook';

/** Retries as the real providers do them: on a 5xx, a 429 or no answer, with a growing wait, up to a cap. */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly factor: number;
  readonly maxBackoffMs: number;
}

/** The most attempts a callback may make (a cap, so a stub cannot turn Decoy into a load generator). */
export const MAX_ATTEMPTS = 20;
/** How long one attempt waits for the receiver's answer, unless the webhook says otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** One webhook of a stub, compiled at load. */
export interface CompiledWebhook {
  readonly index: number;
  /** Where it was written (`/serveEventListeners/0`), for messages. */
  readonly pointer: string;
  readonly delay: Delay | undefined;
  readonly retry: RetryPolicy | undefined;
  readonly timeoutMs: number;
  readonly duplicate: { readonly times: number; readonly gapMs: number } | undefined;
  readonly outOfOrder: boolean;
  readonly dropProbability: number;
  /** A body the receiver must reject, instead of the rendered one: `true` cuts the rendered body in half. */
  readonly malformedBody: string | true | undefined;
  render(model: WebhookModel, random: Random, now: number): RenderedWebhook;
  explain(): string;
}

interface RenderedWebhook {
  method: string;
  url: string;
  headers: string[];
  body: Buffer;
}

/** What webhook templates see: WireMock's model. */
export interface WebhookModel {
  readonly originalRequest: Record<string, unknown>;
  readonly originalResponse: Record<string, unknown>;
}

/** One outbound request to make, in the order of its job. */
export interface WebhookCall {
  /** Which webhook of the stub (0-based, in the order written). */
  readonly index: number;
  /** 1, or 2.. for the repeated deliveries of a duplicated callback. */
  readonly copy: number;
  readonly method: string;
  readonly url: string;
  /** Flat list: name, value, name, value... */
  readonly headers: readonly string[];
  readonly body: Buffer;
  /** How long to wait before sending, counted from the end of the previous call of the job (or the serve). */
  readonly waitMs: number;
  /** Dropped by the fault: journaled, never sent. */
  readonly dropped: boolean;
  readonly retry: RetryPolicy | undefined;
  readonly timeoutMs: number;
  /** The faults applied to this call, in words. */
  readonly faults: readonly string[];
  /** Why the call could not be made (a template that failed to render). */
  readonly error?: string;
}

/** The callbacks of one served request, carried out in order. */
export interface WebhookJob {
  readonly stubId: string;
  readonly stubName: string | undefined;
  /** The serve event (journal id) that caused them. */
  readonly requestId: string | undefined;
  /** The exchange that caused them: the key under which the transport finds what it keeps of it (its trace span). */
  readonly cause: object;
  readonly calls: readonly WebhookCall[];
}

/** The response as the client got it, for `originalResponse`. */
export interface WebhookResponseView {
  readonly status: number;
  readonly headers: readonly string[];
  readonly body: Buffer;
}

function invalid(message: string, pointer: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer } });
}

/** The webhook parameter objects of a stub, from every spelling, with where each was written. */
export function webhookParameters(def: StubDefinition): Array<{ pointer: string; parameters: Record<string, unknown> }> {
  const out: Array<{ pointer: string; parameters: Record<string, unknown> }> = [];
  const listeners = (key: 'serveEventListeners' | 'postServeActions'): void => {
    const value = def[key];
    if (value === undefined) return;
    if (Array.isArray(value)) {
      value.forEach((l: unknown, i) => {
        const entry = l as { name?: unknown; parameters?: unknown };
        if (entry?.name === WEBHOOK_LISTENER) out.push({ pointer: `/${key}/${i}/parameters`, parameters: objectAt(entry.parameters, `/${key}/${i}/parameters`) });
      });
    } else if (typeof value === 'object' && value !== null && key === 'postServeActions') {
      // WireMock 2's map form: `postServeActions: { webhook: {...} }`.
      const w = (value as Record<string, unknown>)[WEBHOOK_LISTENER];
      if (w !== undefined) out.push({ pointer: `/${key}/${WEBHOOK_LISTENER}`, parameters: objectAt(w, `/${key}/${WEBHOOK_LISTENER}`) });
    }
  };
  listeners('serveEventListeners');
  listeners('postServeActions');
  if (Array.isArray(def.webhooks)) def.webhooks.forEach((w: unknown, i) => out.push({ pointer: `/webhooks/${i}`, parameters: objectAt(w, `/webhooks/${i}`) }));
  return out;
}

/** Listener names other than `webhook` (WireMock Java extensions Decoy cannot run). */
export function foreignListeners(def: StubDefinition): string[] {
  const names: string[] = [];
  for (const key of ['serveEventListeners', 'postServeActions'] as const) {
    const value = def[key];
    if (Array.isArray(value)) {
      for (const l of value) {
        const name = (l as { name?: unknown })?.name;
        // recordState and deleteState are WireMock's state extension, which Decoy runs itself.
        if (name !== WEBHOOK_LISTENER && name !== 'recordState' && name !== 'deleteState') names.push(`${key} "${String(name)}"`);
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const name of Object.keys(value)) if (name !== WEBHOOK_LISTENER) names.push(`${key} "${name}"`);
    }
  }
  return names;
}

function objectAt(v: unknown, pointer: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid('a webhook must be an object of parameters (method, url, headers, body, ...)', pointer);
  return v as Record<string, unknown>;
}

/** Compiles every webhook of a stub; undefined when it has none (so serving pays nothing). */
export function compileWebhooks(def: StubDefinition): readonly CompiledWebhook[] | undefined {
  const params = webhookParameters(def);
  if (params.length === 0) return undefined;
  return params.map(({ pointer, parameters }, i) => compileWebhook(parameters, pointer, i));
}

type Part = (root: Record<string, unknown>, data: TemplateRenderData) => string;

function part(source: string, field: string, pointer: string): Part {
  if (!source.includes('{{')) return () => source;
  const t = compileTemplate(source, field, pointer);
  return (root, data) => t.render(root, data);
}

const KNOWN = new Set(['method', 'url', 'headers', 'body', 'base64Body', 'delay', 'retry', 'timeoutMs', 'duplicate', 'outOfOrder', 'dropProbability', 'malformedBody', 'extraParameters', 'transformers', 'transformerParameters']);

function compileWebhook(p: Record<string, unknown>, pointer: string, index: number): CompiledWebhook {
  for (const key of Object.keys(p)) {
    if (!KNOWN.has(key)) throw invalid(`unknown webhook parameter ${JSON.stringify(key)}; the parameters are ${[...KNOWN].slice(0, 12).join(', ')}`, joinPointer(pointer, key));
  }
  if (typeof p.url !== 'string' || p.url === '') throw invalid('a webhook needs a url (a string; templates allowed)', joinPointer(pointer, 'url'));
  if (p.method !== undefined && (typeof p.method !== 'string' || p.method === '')) throw invalid('webhook method must be a string such as "POST"', joinPointer(pointer, 'method'));
  const method = part(typeof p.method === 'string' ? p.method : 'GET', 'webhook method', joinPointer(pointer, 'method'));
  const url = part(p.url, 'webhook url', joinPointer(pointer, 'url'));
  const headers: Array<{ name: string; value: Part }> = [];
  if (p.headers !== undefined) {
    if (typeof p.headers !== 'object' || p.headers === null || Array.isArray(p.headers)) throw invalid('webhook headers must be an object of name: value', joinPointer(pointer, 'headers'));
    for (const [name, v] of Object.entries(p.headers as Record<string, unknown>)) {
      const values = Array.isArray(v) ? v : [v];
      values.forEach((value, j) => {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw invalid(`webhook header ${name} must be a string or a list of strings`, joinPointer(pointer, 'headers', name, ...(Array.isArray(v) ? [j] : [])));
        headers.push({ name, value: part(String(value), `webhook header ${name}`, joinPointer(pointer, 'headers', name)) });
      });
    }
  }
  if (p.body !== undefined && p.base64Body !== undefined) throw invalid('a webhook has either body or base64Body, not both', joinPointer(pointer, 'base64Body'));
  let body: Part | undefined;
  let binary: Buffer | undefined;
  if (p.base64Body !== undefined) {
    if (typeof p.base64Body !== 'string') throw invalid('webhook base64Body must be a string', joinPointer(pointer, 'base64Body'));
    binary = Buffer.from(p.base64Body, 'base64');
  } else if (p.body !== undefined) {
    // Decoy: an object or a list is written as JSON, as a response body is.
    const source = typeof p.body === 'string' ? p.body : JSON.stringify(p.body);
    body = part(source, 'webhook body', joinPointer(pointer, 'body'));
    if (typeof p.body !== 'string' && !headers.some((h) => h.name.toLowerCase() === 'content-type')) headers.push({ name: 'Content-Type', value: () => 'application/json' });
  }
  const delay = p.delay === undefined ? undefined : compileDelayDistribution(p.delay, joinPointer(pointer, 'delay'));
  const retry = p.retry === undefined ? undefined : compileRetry(p.retry, joinPointer(pointer, 'retry'));
  const timeoutMs = p.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : waitMs(p.timeoutMs, 'timeoutMs', joinPointer(pointer, 'timeoutMs'), 1);
  let duplicate: CompiledWebhook['duplicate'];
  if (p.duplicate !== undefined) {
    const d = p.duplicate === true ? {} : p.duplicate;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) throw invalid('webhook duplicate must be true or { times, gapMs }', joinPointer(pointer, 'duplicate'));
    const dd = d as Record<string, unknown>;
    const times = dd.times === undefined ? 2 : dd.times;
    if (typeof times !== 'number' || !Number.isInteger(times) || times < 2 || times > 10) throw invalid(`duplicate.times must be an integer from 2 to 10 (got ${JSON.stringify(times)})`, joinPointer(pointer, 'duplicate', 'times'));
    duplicate = { times, gapMs: dd.gapMs === undefined ? 0 : waitMs(dd.gapMs, 'duplicate.gapMs', joinPointer(pointer, 'duplicate', 'gapMs')) };
  }
  if (p.outOfOrder !== undefined && typeof p.outOfOrder !== 'boolean') throw invalid('webhook outOfOrder must be true or false', joinPointer(pointer, 'outOfOrder'));
  const dropProbability = p.dropProbability ?? 0;
  if (typeof dropProbability !== 'number' || dropProbability < 0 || dropProbability > 1) throw invalid(`dropProbability must be a number from 0 to 1 (got ${JSON.stringify(dropProbability)})`, joinPointer(pointer, 'dropProbability'));
  if (p.malformedBody !== undefined && typeof p.malformedBody !== 'boolean' && typeof p.malformedBody !== 'string') throw invalid('malformedBody must be true (the body cut in half) or the body to send', joinPointer(pointer, 'malformedBody'));
  const malformedBody = p.malformedBody === false || p.malformedBody === undefined ? undefined : p.malformedBody as string | true;
  const parameters = p;
  return {
    index, pointer, delay, retry, timeoutMs, duplicate, outOfOrder: p.outOfOrder === true, dropProbability, malformedBody,
    render(model, random, now) {
      const root: Record<string, unknown> = { ...model, parameters };
      const data: TemplateRenderData = { random, now, root, fakerSeed: Math.floor(random() * 2 ** 32) };
      const h: string[] = [];
      for (const { name, value } of headers) h.push(name, value(root, data));
      return {
        method: method(root, data).trim().toUpperCase(),
        url: url(root, data).trim(),
        headers: h,
        body: binary ?? (body ? Buffer.from(body(root, data), 'utf8') : Buffer.alloc(0)),
      };
    },
    explain: () => `${typeof p.method === 'string' ? p.method : 'GET'} ${p.url}${delay ? ` after ${delay.explain()}` : ''}`,
  };
}

function waitMs(v: unknown, name: string, pointer: string, min = 0): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > MAX_TIMER_MS) throw invalid(`${name} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS} (got ${JSON.stringify(v)})`, pointer);
  return v;
}

function compileRetry(v: unknown, pointer: string): RetryPolicy {
  const r = v === true ? {} : v;
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw invalid('webhook retry must be true or { maxAttempts, backoffMs, factor, maxBackoffMs }', pointer);
  const d = r as Record<string, unknown>;
  const maxAttempts = d.maxAttempts ?? 5;
  if (typeof maxAttempts !== 'number' || !Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
    throw invalid(`retry.maxAttempts must be an integer from 1 to ${MAX_ATTEMPTS} (got ${JSON.stringify(maxAttempts)})`, joinPointer(pointer, 'maxAttempts'));
  }
  const factor = d.factor ?? 2;
  if (typeof factor !== 'number' || factor < 1 || factor > 10) throw invalid(`retry.factor must be a number from 1 to 10 (got ${JSON.stringify(factor)})`, joinPointer(pointer, 'factor'));
  return {
    maxAttempts, factor,
    backoffMs: d.backoffMs === undefined ? 500 : waitMs(d.backoffMs, 'retry.backoffMs', joinPointer(pointer, 'backoffMs')),
    maxBackoffMs: d.maxBackoffMs === undefined ? 30_000 : waitMs(d.maxBackoffMs, 'retry.maxBackoffMs', joinPointer(pointer, 'maxBackoffMs')),
  };
}

/** How long to wait before attempt `attempt` (2, 3, ...): the backoff grown by the factor per attempt, up to the cap. */
export function backoffBefore(policy: RetryPolicy, attempt: number): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * policy.factor ** Math.max(0, attempt - 2));
}

/** Whether a receiver's answer asks for another attempt: a 5xx or a 429, as payment providers treat them. */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

/**
 * The callbacks of one served request: each webhook rendered with the request and the response, its
 * delay drawn, its faults applied (a drop, repeated deliveries with their gap, a malformed body, a
 * swap with the next one).
 */
export function planWebhooks(webhooks: readonly CompiledWebhook[], request: DecoyRequest, response: WebhookResponseView,
  random: Random, now: number, pathParams: Record<string, string>): WebhookCall[] {
  const model: WebhookModel = { originalRequest: requestModel(request, pathParams), originalResponse: responseModel(response) };
  const planned: WebhookCall[][] = [];
  for (const w of webhooks) {
    const faults: string[] = [];
    let rendered: RenderedWebhook;
    let error: string | undefined;
    try {
      rendered = w.render(model, random, now);
      if (!/^https?:\/\//i.test(rendered.url)) throw new Error(`the url rendered as ${JSON.stringify(rendered.url)}, not an http(s) URL`);
    } catch (e) {
      error = `the webhook at ${w.pointer} failed to render: ${(e as Error).message}`;
      rendered = { method: 'GET', url: '', headers: [], body: Buffer.alloc(0) };
    }
    let body = rendered.body;
    if (w.malformedBody !== undefined) {
      body = w.malformedBody === true ? body.subarray(0, Math.floor(body.length / 2)) : Buffer.from(w.malformedBody, 'utf8');
      faults.push('a malformed body');
    }
    const dropped = w.dropProbability > 0 && random() < w.dropProbability;
    if (dropped) faults.push(`dropped (probability ${w.dropProbability})`);
    const waitMs = w.delay?.sample(random) ?? 0;
    const base = { index: w.index, ...rendered, body, dropped, retry: w.retry, timeoutMs: w.timeoutMs, ...(error ? { error } : {}) };
    const calls: WebhookCall[] = [{ ...base, copy: 1, waitMs, faults }];
    if (w.duplicate && !dropped && error === undefined) {
      for (let copy = 2; copy <= w.duplicate.times; copy++) {
        calls.push({ ...base, copy, waitMs: w.duplicate.gapMs, faults: [...faults, `delivered again (${copy} of ${w.duplicate.times}, ${w.duplicate.gapMs} ms after the previous)`] });
      }
    }
    planned.push(calls);
  }
  // Out of order: a webhook so marked goes after the one written after it.
  for (let i = 0; i < planned.length - 1; i++) {
    if (webhooks[i]!.outOfOrder) {
      const moved = planned[i]!.map((c) => ({ ...c, faults: [...c.faults, `out of order (after webhook ${i + 1})`] }));
      planned[i] = planned[i + 1]!;
      planned[i + 1] = moved;
      i++;
    }
  }
  return planned.flat();
}

/** WireMock's `originalResponse`: status, headers (by name, as lists) and body as text. */
function responseModel(response: WebhookResponseView): Record<string, unknown> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < response.headers.length; i += 2) (headers[response.headers[i]!] ??= []).push(response.headers[i + 1]!);
  return { status: response.status, headers, body: response.body.toString('utf8') };
}
