/**
 * Stubs and serve events in WireMock's JSON shapes (as WireMock 3 answers them on `/__admin`), built
 * from the journal's references only when the admin API is asked. Each returns the client's wire type,
 * so the compiler holds what the server sends to what the client promises.
 */
import { randomUUID } from 'node:crypto';
import type { NearMiss } from '../core/matching/near-miss.js';
import { DecoyRequest, parseCookieHeader, parseFormEncoded } from '../core/request.js';
import type { ServeEvent } from '../core/state/journal.js';
import type { Stub } from '../core/stub.js';
import { isUtf8Text } from '../core/text-bytes.js';
import type {
  LoggedParameter, LoggedRequest, LoggedResponse, MatchResult, NearMiss as NearMissJson, NearMissRequest, ServeEvent as ServeEventJson, StubMapping,
  SubEvent, WebhookAttempt as WebhookAttemptJson, WireMockFault,
} from '../client/types.js';
import type { WebhookAttempt } from '../core/webhooks/webhook-log.js';

/** A stub as WireMock lists it: its definition, with `id` and `uuid` both set, and `method: ANY` spelt out. */
export function mappingJson(stub: Stub): StubMapping {
  const def = stub.definition;
  const { id: _id, uuid: _uuid, request, ...rest } = def;
  const req = { ...(request ?? {}) };
  if (req.method === undefined) req.method = 'ANY';
  return { id: stub.id, ...rest, request: req, uuid: stub.id };
}

/**
 * Standard header names in their usual spelling. WireMock's server (Jetty) reports the headers it
 * knows in this spelling whatever case the client used (HTTP/2 and fetch send lower case); other
 * names keep the client's spelling.
 */
const CANONICAL = new Map(['Accept', 'Accept-Charset', 'Accept-Encoding', 'Accept-Language', 'Accept-Ranges', 'Age', 'Allow',
  'Authorization', 'Cache-Control', 'Connection', 'Content-Disposition', 'Content-Encoding', 'Content-Language', 'Content-Length',
  'Content-Location', 'Content-MD5', 'Content-Range', 'Content-Type', 'Cookie', 'Date', 'ETag', 'Expect', 'Expires', 'Forwarded',
  'From', 'Host', 'If-Match', 'If-Modified-Since', 'If-None-Match', 'If-Range', 'If-Unmodified-Since', 'Keep-Alive',
  'Last-Modified', 'Location', 'Max-Forwards', 'Origin', 'Pragma', 'Proxy-Authenticate', 'Proxy-Authorization', 'Proxy-Connection',
  'Range', 'Referer', 'Retry-After', 'Server', 'Set-Cookie', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade', 'User-Agent', 'Vary',
  'Via', 'Warning', 'WWW-Authenticate', 'X-Forwarded-For', 'X-Forwarded-Host', 'X-Forwarded-Proto', 'X-Powered-By',
  'Upgrade-Insecure-Requests'].map((n) => [n.toLowerCase(), n]));

/** Header name → value (a list when repeated). */
function headersJson(raw: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = CANONICAL.get(raw[i]!.toLowerCase()) ?? raw[i]!;
    const value = raw[i + 1]!;
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function paramsJson(map: Map<string, string[]>): Record<string, LoggedParameter> {
  const out: Record<string, LoggedParameter> = {};
  for (const [key, values] of map) out[key] = { key, values };
  return out;
}


/** Rebuilds the matcher-facing request from a journal event (to match patterns against the journal). */
export function requestOf(e: ServeEvent): DecoyRequest {
  return DecoyRequest.fromRaw(e.method, e.url, e.rawHeaders, e.body, e.connection);
}

/** WireMock's LoggedRequest. */
export function loggedRequestJson(e: ServeEvent): LoggedRequest {
  const q = e.url.indexOf('?');
  const cookieHeaders: string[] = [];
  let contentType = '';
  for (let i = 0; i + 1 < e.rawHeaders.length; i += 2) {
    const n = e.rawHeaders[i]!.toLowerCase();
    if (n === 'cookie') cookieHeaders.push(e.rawHeaders[i + 1]!);
    else if (n === 'content-type') contentType = e.rawHeaders[i + 1]!;
  }
  const cookies: Record<string, string> = {};
  for (const [k, v] of parseCookieHeader(cookieHeaders)) cookies[k] = v[0] ?? '';
  const hostName = e.host.replace(/:\d+$/, '');
  const date = new Date(e.loggedAt);
  return {
    url: e.url,
    absoluteUrl: `${e.scheme}://${e.host}${e.url}`,
    method: e.method,
    clientIp: e.clientIp,
    headers: headersJson(e.rawHeaders),
    cookies,
    browserProxyRequest: false,
    loggedDate: e.loggedAt,
    bodyAsBase64: e.body.toString('base64'),
    ...(isUtf8Text(e.body) ? { body: e.body.toString('utf8') } : {}),
    protocol: e.protocol,
    scheme: e.scheme,
    host: hostName,
    port: e.port,
    loggedDateString: date.toISOString(),
    queryParams: paramsJson(parseFormEncoded(q === -1 ? '' : e.url.slice(q + 1))),
    formParams: contentType.toLowerCase().startsWith('application/x-www-form-urlencoded') ? paramsJson(parseFormEncoded(e.body.toString('utf8'))) : {},
  };
}

/** The faults WireMock's model knows (its `Fault` enum); Decoy's others are told in sub-events only. */
const WIREMOCK_FAULTS = new Set<string>(['CONNECTION_RESET_BY_PEER', 'EMPTY_RESPONSE', 'MALFORMED_RESPONSE_CHUNK', 'RANDOM_DATA_THEN_CLOSE'] satisfies WireMockFault[]);
const isWireMockFault = (f: string | undefined): f is WireMockFault => f !== undefined && WIREMOCK_FAULTS.has(f);

/** The sub-event types Decoy adds to a serve event's `subEvents` (WireMock's list of `{type, timeOffsetNanos, data}`). */
export const SUB_EVENT = {
  /** A delay, fault, error response or chaos rule applied: `data` is the applied fault (source, action, ruleId, fault, description). */
  fault: 'decoy.fault',
  /** The reason phrase sent with the status, when the stub set one: `data.statusMessage`. */
  statusMessage: 'decoy.statusMessage',
  /** The request was proxied: `data.proxiedTo` is the upstream base URL. */
  proxied: 'decoy.proxied',
  /** WireMock's own type for an unmatched request: `data` has the status, content type and near-miss report sent. */
  notMatched: 'REQUEST_NOT_MATCHED',
} as const;

/** Whether the response was Decoy's not-found report (not a proxied answer, a chaos rule's or a fault). */
function isNotMatchedReport(e: ServeEvent): boolean {
  return e.stub === undefined && e.proxiedTo === undefined && e.response !== undefined && !(e.faults ?? []).some((f) => f.action === 'status' || f.action === 'fault');
}

/** Whether the stub's own headers set Content-Length (WireMock logs it then only). */
function stubSetsContentLength(e: ServeEvent): boolean {
  const headers = e.stub?.definition.response?.headers;
  return headers !== undefined && Object.keys(headers).some((k) => k.toLowerCase() === 'content-length');
}

/**
 * Decoy's facts about a serve event that WireMock's model has no member for, as WireMock sub-events:
 * WireMock's Java client parses serve events strictly (an unknown member fails the whole journal), and
 * `subEvents` is the one place in its model that holds open-ended data.
 */
function subEventsJson(e: ServeEvent): SubEvent[] {
  const out: SubEvent[] = [];
  const r = e.response;
  if (r !== undefined && isNotMatchedReport(e)) {
    let contentType = '';
    for (let i = 0; i + 1 < r.headers.length; i += 2) if (r.headers[i]!.toLowerCase() === 'content-type') contentType = r.headers[i + 1]!;
    out.push({ type: SUB_EVENT.notMatched, timeOffsetNanos: 0, data: { status: r.status, contentType: contentType.split(';')[0]!.trim(), report: r.body.toString('utf8') } });
  }
  if (r?.statusMessage) out.push({ type: SUB_EVENT.statusMessage, timeOffsetNanos: 0, data: { statusMessage: r.statusMessage } });
  if (e.proxiedTo !== undefined) out.push({ type: SUB_EVENT.proxied, timeOffsetNanos: 0, data: { proxiedTo: e.proxiedTo } });
  for (const f of e.faults ?? []) out.push({ type: SUB_EVENT.fault, timeOffsetNanos: 0, data: { ...f } });
  return out;
}

/** WireMock's placeholder has one id for the life of the process, made when it starts. */
const PLACEHOLDER_ID = randomUUID();

/**
 * The stub mapping WireMock attaches to every unmatched serve event (clients dereference it): any
 * method, a 404 not from a configured stub.
 */
function placeholderMappingJson(): StubMapping {
  return { id: PLACEHOLDER_ID, request: { method: 'ANY' }, response: { status: 404, fromConfiguredStub: false }, uuid: PLACEHOLDER_ID };
}

/** WireMock's LoggedResponse of what was (or, for a fault, would have been) sent. */
function loggedResponseJson(raw: readonly string[], body: Buffer, status: number, fault: WireMockFault | undefined, e: ServeEvent): LoggedResponse {
  // WireMock logs a stub's own headers, not the Content-Length the server worked out (it sends chunked).
  let headers = raw;
  if (e.stub !== undefined && e.proxiedTo === undefined && !stubSetsContentLength(e)) {
    const kept: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() !== 'content-length') kept.push(raw[i]!, raw[i + 1]!);
    headers = kept;
  }
  return {
    status,
    ...(headers.length ? { headers: headersJson(headers) } : {}),
    bodyAsBase64: body.toString('base64'),
    ...(fault !== undefined ? { fault } : {}),
    ...(isUtf8Text(body) ? { body: body.toString('utf8') } : {}),
  };
}

/** WireMock's ServeEvent, with exactly the members of WireMock's model; Decoy's extras are in `subEvents`. */
export function serveEventJson(e: ServeEvent): ServeEventJson {
  const r = e.response;
  const fault = e.faults?.find((f) => f.action === 'fault' && isWireMockFault(f.fault))?.fault as WireMockFault | undefined;
  let response: LoggedResponse;
  const only = e.stub?.responses.length === 1 ? e.stub.responses[0] : undefined;
  if (r === undefined && fault !== undefined && only !== undefined && only.render === undefined && e.proxiedTo === undefined) {
    // A fault cut the connection before the response went out; WireMock logs the stub's response
    // anyway, with the fault. A static one is known without the request.
    response = loggedResponseJson(only.headers, only.body, only.status, fault, e);
  } else if (r === undefined) {
    // A fault that cut the connection sent no response: the event still says which fault it was.
    response = fault !== undefined ? { fault } : {};
  } else if (isNotMatchedReport(e)) {
    // As WireMock logs it: an empty 404; the report that was sent is the REQUEST_NOT_MATCHED sub-event.
    response = { status: r.status, bodyAsBase64: '', body: '' };
  } else {
    response = loggedResponseJson(r.headers, r.body, r.status, fault, e);
  }
  const total = e.totalMs ?? 0;
  return {
    id: e.id,
    request: loggedRequestJson(e),
    responseDefinition: e.stub ? { ...(e.stub.definition.response ?? {}) } : { status: 404, fromConfiguredStub: false },
    response,
    wasMatched: e.stub !== undefined,
    timing: { addedDelay: 0, processTime: total, responseSendTime: 0, serveTime: total, totalTime: total },
    subEvents: subEventsJson(e),
    stubMapping: e.stub ? mappingJson(e.stub) : placeholderMappingJson(),
  };
}

export function nearMissJson(n: NearMiss, request: LoggedRequest | NearMissRequest): NearMissJson {
  return { request, stubMapping: mappingJson(n.stub), matchResult: matchResultJson(n.distance) };
}

/** WireMock's MatchResult as its near misses carry it: the distance, and its (here empty) diagnostic lists. */
export function matchResultJson(distance: number): MatchResult {
  return { subEvents: [], diffDescriptions: [], distance };
}


/** One webhook attempt as the API shows it: headers by name, the body as text and base64, the time as ISO-8601. */
export function webhookAttemptJson(a: WebhookAttempt): WebhookAttemptJson {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < a.headers.length; i += 2) (headers[a.headers[i]!] ??= []).push(a.headers[i + 1]!);
  return {
    seq: a.seq, ...(a.requestId !== undefined ? { requestId: a.requestId } : {}), stubId: a.stubId, ...(a.stubName !== undefined ? { stubName: a.stubName } : {}),
    webhook: a.webhook, copy: a.copy, attempt: a.attempt, method: a.method, url: a.url, headers,
    body: a.body.toString('utf8'), bodyAsBase64: a.body.toString('base64'), outcome: a.outcome,
    ...(a.status !== undefined ? { status: a.status } : {}), ...(a.error !== undefined ? { error: a.error } : {}),
    sentAt: new Date(a.sentAt).toISOString(), durationMs: a.durationMs, faults: [...a.faults],
  };
}
