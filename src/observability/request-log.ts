/**
 * `--verbose`: one structured log line per finished request, written when its response is done, so it
 * carries the final status and duration (after delays, faults and proxying).
 */
import type { MockEngine } from '../core/engine.js';
import { DecoyRequest } from '../core/request.js';
import type { ServeEvent } from '../core/state/journal.js';
import type { Logger } from './logger.js';

/** The fields of a request line (JSON keys with `--log-format json`). */
export interface RequestLogFields {
  method: string;
  url: string;
  /** The status sent; absent when a fault sent none. */
  status?: number;
  /** The fault that cut the response short (CONNECTION_RESET_BY_PEER, HANG, ...). */
  fault?: string;
  durationMs: number;
  stubId?: string;
  stubName?: string;
  /** Each delay, fault or error response applied, as a sentence. */
  faults?: string[];
  proxiedTo?: string;
  unmatched?: true;
  /** For an unmatched request (not proxied): the closest stub's name or id. */
  closestStub?: string;
  /** The namespace that served it; absent for the default one. */
  namespace?: string;
}

/**
 * Logs every request `engine` and its namespaces serve at info level; returns the unsubscribe.
 * @param namespaceEngine the engine of a namespace by name (its own stubs are what a miss came closest to).
 */
export function logRequests(engine: MockEngine, logger: Logger, namespaceEngine?: (name: string) => MockEngine | undefined): () => void {
  return engine.onServed((served) => {
    // With --redact-journal, the log line shows what the journal shows: secrets masked.
    const event = engine.journal.view?.(served) ?? served;
    const servedBy = (event.namespace !== undefined ? namespaceEngine?.(event.namespace) : undefined) ?? engine;
    const fields = requestLogFields(servedBy, event);
    logger.info(fields, summary(fields));
  });
}

export function requestLogFields(engine: MockEngine, event: ServeEvent): RequestLogFields {
  const fields: RequestLogFields = { method: event.method, url: event.url, durationMs: event.totalMs };
  if (event.response) fields.status = event.response.status;
  const fault = event.faults?.find((f) => f.action === 'fault')?.fault;
  if (fault && !event.response) fields.fault = fault;
  if (event.stub) {
    fields.stubId = event.stub.id;
    if (event.stub.name !== undefined) fields.stubName = event.stub.name;
  }
  if (event.faults?.length) fields.faults = event.faults.map((f) => f.description);
  if (event.proxiedTo !== undefined) fields.proxiedTo = event.proxiedTo;
  if (event.namespace !== undefined) fields.namespace = event.namespace;
  if (!event.stub) {
    fields.unmatched = true;
    if (event.proxiedTo === undefined) {
      // Worked out again here, only with --verbose: the serving path keeps no report it does not send.
      const closest = engine.explainMiss(DecoyRequest.fromRaw(event.method, event.url, event.rawHeaders, event.body)).nearMisses[0]?.stub;
      if (closest) fields.closestStub = closest.name ?? closest.id;
    }
  }
  return fields;
}

/** `GET /orders/1 → 200 in 3 ms (stub Get order)`: what the pretty format shows first. */
function summary(f: RequestLogFields): string {
  const outcome = f.status !== undefined ? String(f.status) : f.fault ?? 'no response';
  const why = f.stubId !== undefined ? `stub ${f.stubName ?? f.stubId}`
    : f.proxiedTo !== undefined ? 'no stub matched'
      : `no stub matched; closest: ${f.closestStub ?? 'none'}`;
  return `${f.namespace !== undefined ? `[${f.namespace}] ` : ''}${f.method} ${f.url} → ${outcome} in ${f.durationMs} ms (${why}${f.proxiedTo !== undefined ? `; proxied to ${f.proxiedTo}` : ''})${f.faults ? `; ${f.faults.join('; ')}` : ''}`;
}
