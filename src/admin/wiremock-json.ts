/**
 * Stubs and serve events in WireMock's JSON shapes (as WireMock 3 answers them on `/__admin`), built
 * from the journal's references only when the admin API is asked.
 */
import type { NearMiss } from '../core/matching/near-miss.js';
import { DecoyRequest, parseCookieHeader, parseFormEncoded } from '../core/request.js';
import type { ServeEvent } from '../core/state/journal.js';
import type { Stub } from '../core/stub.js';

/** A stub as WireMock lists it: its definition, with `id` and `uuid` both set, and `method: ANY` spelt out. */
export function mappingJson(stub: Stub): Record<string, unknown> {
  const def = stub.definition;
  const { id: _id, uuid: _uuid, request, ...rest } = def;
  const req = { ...(request ?? {}) };
  if (req.method === undefined) req.method = 'ANY';
  return { id: stub.id, ...rest, request: req, uuid: stub.id };
}

/** Header name → value (a list when repeated), names as the client spelt them. */
function headersJson(raw: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function paramsJson(map: Map<string, string[]>): Record<string, { key: string; values: string[] }> {
  const out: Record<string, { key: string; values: string[] }> = {};
  for (const [key, values] of map) out[key] = { key, values };
  return out;
}

function isText(body: Buffer): boolean {
  // A body that is not valid UTF-8 is shown only as base64 (WireMock shows both; for binary the text is noise).
  return Buffer.from(body.toString('utf8'), 'utf8').equals(body);
}

/** Rebuilds the matcher-facing request from a journal event (to match patterns against the journal). */
export function requestOf(e: ServeEvent): DecoyRequest {
  return new DecoyRequest(e.method, e.url, () => {
    const h: Record<string, string[]> = {};
    for (let i = 0; i + 1 < e.rawHeaders.length; i += 2) {
      const name = e.rawHeaders[i]!.toLowerCase();
      (h[name] ??= []).push(e.rawHeaders[i + 1]!);
    }
    return h;
  }, e.body);
}

/** WireMock's LoggedRequest. */
export function loggedRequestJson(e: ServeEvent): Record<string, unknown> {
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
    ...(isText(e.body) ? { body: e.body.toString('utf8') } : {}),
    protocol: e.protocol,
    scheme: e.scheme,
    host: hostName,
    port: e.port,
    loggedDateString: date.toISOString(),
    queryParams: paramsJson(parseFormEncoded(q === -1 ? '' : e.url.slice(q + 1))),
    formParams: contentType.toLowerCase().startsWith('application/x-www-form-urlencoded') ? paramsJson(parseFormEncoded(e.body.toString('utf8'))) : {},
  };
}

/** WireMock's ServeEvent. */
export function serveEventJson(e: ServeEvent): Record<string, unknown> {
  const r = e.response;
  const response: Record<string, unknown> = r === undefined ? {} : {
    status: r.status,
    ...(r.statusMessage ? { statusMessage: r.statusMessage } : {}),
    headers: headersJson(r.headers),
    bodyAsBase64: r.body.toString('base64'),
    ...(isText(r.body) ? { body: r.body.toString('utf8') } : {}),
  };
  const total = e.totalMs ?? 0;
  return {
    id: e.id,
    request: loggedRequestJson(e),
    ...(e.stub ? { stubMapping: mappingJson(e.stub), responseDefinition: { ...(e.stub.definition.response ?? {}), fromConfiguredStub: true } }
      : { responseDefinition: { status: 404, fromConfiguredStub: false } }),
    response,
    wasMatched: e.stub !== undefined,
    timing: { addedDelay: 0, processTime: total, responseSendTime: 0, serveTime: total, totalTime: total },
  };
}

export function nearMissJson(n: NearMiss, request: Record<string, unknown>): Record<string, unknown> {
  return { request, stubMapping: mappingJson(n.stub), matchResult: { distance: n.distance } };
}
