/**
 * Decoy's streamed responses: a stub answers with server-sent events (`text/event-stream`, the HTML
 * standard's format): a list of events, each after its own delay, repeated, templated with the request,
 * then ended or kept open, and the faults a stream's client must survive (cut after N events, stalled
 * after N, a malformed event, a close without the final blank line). A request with `Last-Event-ID`
 * resumes after the event with that id. The core plans the chunks; the transport writes them.
 */
import { DecoyError, joinPointer } from '../errors.js';
import { MAX_TIMER_MS } from '../faults/delay.js';
import type { Random } from '../faults/random.js';
import type { DecoyRequest } from '../request.js';
import type { TemplateRenderData } from './template-helpers.js';
import { compileTemplate, requestModel } from './template-response.js';

/** How a stream ends once its events are written. */
export type StreamEnd =
  /** The response ends normally. */
  | 'close'
  /** The connection stays open (until the client leaves, the hang limit or stop). */
  | 'keep-open'
  /** The connection is cut (the cutAfter fault). */
  | 'cut'
  /** Nothing more is written and the connection stays open (the stallAfter fault). */
  | 'stall';

export interface StreamPlan {
  /** The text to write, each after its wait (ms since the previous chunk). */
  readonly chunks: ReadonlyArray<{ readonly waitMs: number; readonly text: string }>;
  readonly end: StreamEnd;
}

export interface CompiledEventStream {
  plan(request: DecoyRequest, random: Random, now: number, pathParams: Record<string, string>): StreamPlan;
  explain(): string;
}

/** The headers a stream is sent with (unless the stub sets them). */
export const EVENT_STREAM_HEADERS: readonly string[] = ['Content-Type', 'text/event-stream', 'Cache-Control', 'no-cache'];

interface EventPart {
  event: ((root: Record<string, unknown>, data: TemplateRenderData) => string) | undefined;
  data: (root: Record<string, unknown>, data: TemplateRenderData) => string;
  id: string | undefined;
  retry: number | undefined;
  delayMs: number;
}

function invalid(message: string, pointer: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer } });
}

function count(v: unknown, name: string, pointer: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(v)})`, pointer);
  return v;
}

function text(source: string, field: string, pointer: string): (root: Record<string, unknown>, data: TemplateRenderData) => string {
  if (!source.includes('{{')) return () => source;
  const t = compileTemplate(source, field, pointer);
  return (root, data) => t.render(root, data);
}

const KEYS = new Set(['events', 'repeat', 'keepOpen', 'cutAfter', 'stallAfter', 'malformedAt', 'noFinalBlankLine']);

/** Compiles `response.stream`; throws DecoyError with a pointer for anything it cannot use. */
export function compileEventStream(def: unknown, pointer: string): CompiledEventStream {
  if (typeof def !== 'object' || def === null || Array.isArray(def)) throw invalid('stream must be an object with events', pointer);
  const d = def as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!KEYS.has(k)) throw invalid(`unknown stream key ${JSON.stringify(k)}; the keys are ${[...KEYS].join(', ')}`, joinPointer(pointer, k));
  if (!Array.isArray(d.events) || d.events.length === 0) throw invalid('stream.events must be a list of at least one event', joinPointer(pointer, 'events'));
  const events: EventPart[] = d.events.map((e: unknown, i) => {
    const at = joinPointer(pointer, 'events', i);
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw invalid('an event is an object: { data, event, id, retry, delayMs }', at);
    const ev = e as Record<string, unknown>;
    for (const k of Object.keys(ev)) if (!['data', 'event', 'id', 'retry', 'delayMs'].includes(k)) throw invalid(`unknown event key ${JSON.stringify(k)}; the keys are data, event, id, retry, delayMs`, joinPointer(at, k));
    const data = ev.data === undefined ? '' : typeof ev.data === 'string' ? ev.data : JSON.stringify(ev.data);
    if (ev.event !== undefined && typeof ev.event !== 'string') throw invalid('event must be a string', joinPointer(at, 'event'));
    if (ev.id !== undefined && typeof ev.id !== 'string' && typeof ev.id !== 'number') throw invalid('id must be a string', joinPointer(at, 'id'));
    if (ev.id !== undefined && /[\r\n\0]/.test(String(ev.id))) throw invalid('id must be one line without NUL', joinPointer(at, 'id'));
    return {
      event: ev.event === undefined ? undefined : text(ev.event as string, 'event', joinPointer(at, 'event')),
      data: text(data, 'data', joinPointer(at, 'data')),
      id: ev.id === undefined ? undefined : String(ev.id),
      retry: ev.retry === undefined ? undefined : count(ev.retry, 'retry', joinPointer(at, 'retry'), 0, MAX_TIMER_MS),
      delayMs: ev.delayMs === undefined ? 0 : count(ev.delayMs, 'delayMs', joinPointer(at, 'delayMs'), 0, MAX_TIMER_MS),
    };
  });
  const repeat = d.repeat === undefined ? 1 : count(d.repeat, 'repeat', joinPointer(pointer, 'repeat'), 1, 10_000);
  const total = events.length * repeat;
  const cutAfter = d.cutAfter === undefined ? undefined : count(d.cutAfter, 'cutAfter', joinPointer(pointer, 'cutAfter'), 0, total);
  const stallAfter = d.stallAfter === undefined ? undefined : count(d.stallAfter, 'stallAfter', joinPointer(pointer, 'stallAfter'), 0, total);
  const malformedAt = d.malformedAt === undefined ? undefined : count(d.malformedAt, 'malformedAt', joinPointer(pointer, 'malformedAt'), 1, total);
  if (cutAfter !== undefined && stallAfter !== undefined) throw invalid('a stream is either cut or stalled: cutAfter and stallAfter exclude each other', joinPointer(pointer, 'stallAfter'));
  for (const k of ['keepOpen', 'noFinalBlankLine'] as const) if (d[k] !== undefined && typeof d[k] !== 'boolean') throw invalid(`${k} must be true or false`, joinPointer(pointer, k));
  const keepOpen = d.keepOpen === true;
  const noFinalBlankLine = d.noFinalBlankLine === true;

  return {
    plan(request, random, now, pathParams) {
      const root: Record<string, unknown> = { request: requestModel(request, pathParams) };
      const data: TemplateRenderData = { random, now, root, fakerSeed: Math.floor(random() * 2 ** 32) };
      const all: Array<{ part: EventPart; n: number }> = [];
      for (let r = 0; r < repeat; r++) events.forEach((part, i) => all.push({ part, n: r * events.length + i + 1 }));
      // Resume (the HTML standard's reconnection): start after the last event with the id the client saw.
      let from = 0;
      const lastId = request.header('last-event-id')?.[0];
      if (lastId !== undefined) {
        for (let i = all.length - 1; i >= 0; i--) {
          if (all[i]!.part.id === lastId) { from = i + 1; break; }
        }
      }
      // The faults count the events of this connection: a resumed stream is cut (or stalls) again as many events later.
      const limit = cutAfter ?? stallAfter;
      const last = limit === undefined ? all.length : Math.min(all.length, from + limit);
      const chunks: Array<{ waitMs: number; text: string }> = [];
      for (let i = from; i < last; i++) {
        const { part, n } = all[i]!;
        let body = part.data(root, data);
        if (n === malformedAt) body = body.slice(0, Math.floor(body.length / 2));
        let out = '';
        if (part.event) out += `event: ${oneLine(part.event(root, data))}\n`;
        if (part.id !== undefined) out += `id: ${part.id}\n`;
        if (part.retry !== undefined) out += `retry: ${part.retry}\n`;
        for (const line of body.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
        const isLast = i === last - 1;
        out += isLast && noFinalBlankLine && cutAfter === undefined && stallAfter === undefined ? '' : '\n';
        chunks.push({ waitMs: part.delayMs, text: out });
      }
      const end: StreamEnd = cutAfter !== undefined ? 'cut' : stallAfter !== undefined ? 'stall' : keepOpen ? 'keep-open' : 'close';
      return { chunks, end };
    },
    explain: () => `a stream of ${total} server-sent events${cutAfter !== undefined ? `, cut after ${cutAfter}` : stallAfter !== undefined ? `, stalled after ${stallAfter}` : keepOpen ? ', kept open' : ''}`,
  };
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}
