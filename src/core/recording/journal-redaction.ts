/**
 * `--redact-journal`: the journal, the UI's live log and the request log show serve events with the
 * same secrets masked as a recording writes (WireMock's journal is raw, and so is Decoy's without it).
 * Events are kept as served and masked when read; one redactor lives as long as the Decoy, so a token
 * an answer handed out is masked in the requests that carry it later too.
 */
import { Redactor, type RedactionSettings } from './redaction.js';
import type { ServeEvent } from '../state/journal.js';

/** The most secrets and fakes remembered across requests: memory stays bounded however long Decoy runs. */
const MAX_KNOWN = 1_000;

/**
 * A function from a served event to its masked view, each event masked once: again only when it changed,
 * or when a value learnt since (a token a later answer handed out) appears in it. A new secret does not
 * throw away the other events' views: reading the journal stays one cheap check per event.
 */
export function createJournalRedaction(settings: Partial<RedactionSettings> = {}): (event: ServeEvent) => ServeEvent {
  const redactor = new Redactor(settings, { maxKnown: MAX_KNOWN });
  const views = new WeakMap<ServeEvent, { response: ServeEvent['response']; totalMs: number; generation: number; view: ServeEvent }>();
  return (event) => {
    const memo = views.get(event);
    if (memo && memo.response === event.response && memo.totalMs === event.totalMs) {
      if (memo.generation === redactor.generation) return memo.view;
      if (!isEncoded(event) && !redactor.mentionsLearntSince(memo.generation, texts(event))) {
        memo.generation = redactor.generation;
        return memo.view;
      }
    }
    const response = event.response;
    const exchange = {
      method: event.method, url: event.url, requestHeaders: event.rawHeaders, requestBody: event.body,
      status: response?.status ?? 0, responseHeaders: response?.headers ?? [], responseBody: response?.body ?? Buffer.alloc(0),
    };
    redactor.learn(exchange);
    const { exchange: masked } = redactor.redact(exchange);
    const proxiedTo = event.proxiedTo === undefined ? undefined : redactor.redactText(event.proxiedTo, 'header', () => {});
    // The upstream's raw headers (kept for snapshots) stay out of the masked view.
    const view = event.withContents(masked.url, masked.requestHeaders, masked.requestBody,
      response === undefined ? undefined : { ...response, upstreamHeaders: undefined, headers: masked.responseHeaders, body: masked.responseBody }, proxiedTo);
    views.set(event, { response, totalMs: event.totalMs, generation: redactor.generation, view });
    return view;
  };
}

/** The event as served, as texts a learnt value could be found in. */
function texts(event: ServeEvent): string[] {
  const out = [event.url, ...event.rawHeaders, event.body.toString('latin1'), event.proxiedTo ?? ''];
  if (event.response) out.push(...event.response.headers, event.response.body.toString('latin1'));
  return out;
}

/** A compressed body cannot be searched as it is: such an event is masked again whenever something new was learnt. */
function isEncoded(event: ServeEvent): boolean {
  const encoded = (headers: readonly string[]): boolean => {
    for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i]!.toLowerCase() === 'content-encoding' && !/^\s*(identity)?\s*$/i.test(headers[i + 1]!)) return true;
    return false;
  };
  return encoded(event.rawHeaders) || (event.response !== undefined && encoded(event.response.headers));
}
