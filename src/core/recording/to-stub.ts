/**
 * Recording: proxied serve events become ordinary stub definitions (one model: a recording is just
 * stubs). Secrets are redacted here, before anything is written anywhere: the default headers, and
 * what the recording names (headers, query parameters, JSONPath fields of JSON bodies).
 */
import { createHash } from 'node:crypto';
import { JSONPath } from 'jsonpath-plus';
import { decodeContent } from '../content-encoding.js';
import { decodeFormComponent, parseFormEncoded } from '../request.js';
import { HOP_BY_HOP_HEADERS } from '../hop-by-hop.js';
import type { ResponseDefinition, StubDefinition, ValuePatternDefinition } from '../stub-definition.js';

export interface RecordedExchange {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Flat [name, value, ...] as the client sent them. */
  requestHeaders: readonly string[];
  requestBody: Buffer;
  status: number;
  /** Flat [name, value, ...] as the upstream answered. */
  responseHeaders: readonly string[];
  /** The response body as received (still compressed if the upstream compressed it). */
  responseBody: Buffer;
}

export interface Redaction {
  /** Lower-case header names whose values are masked (request and response). */
  headers: readonly string[];
  queryParameters: readonly string[];
  /** JSONPath expressions into JSON request and response bodies. */
  jsonPaths: readonly string[];
  replacement: string;
}

export const DEFAULT_REDACTED_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-api-key'];

export interface RecordOptions {
  /** Request headers to match on (lower-case name → case-insensitive?). */
  captureHeaders: ReadonlyMap<string, { caseInsensitive: boolean }>;
  /** How request bodies are matched: `equalToJson` for JSON, `equalTo` otherwise (WireMock's "auto"). */
  requestBodyPattern: 'auto' | 'equalTo' | 'equalToJson' | 'none';
  redaction: Redaction;
  /** Bodies larger than this many bytes go to a body file (WireMock's extractBodyCriteria). */
  extractTextOver: number;
  extractBinaryOver: number;
}

/** Response headers that describe one transfer, not the resource: never recorded. */
const NOT_RECORDED = new Set([...HOP_BY_HOP_HEADERS, 'date', 'content-length', 'matched-stub-id', 'matched-stub-name']);

function isTextType(contentType: string | undefined, encoding: string | undefined): boolean {
  if (encoding && encoding.toLowerCase() !== 'identity') return false;
  if (!contentType) return false;
  return /^text\/|[/+](json|xml|javascript|x-www-form-urlencoded|yaml|csv)\b/i.test(contentType);
}

function header(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return headers[i + 1];
  return undefined;
}

/**
 * The values an exchange's redaction masks (header values, query values, JSONPath fields). Each is
 * then swept from every text the recording writes, so a secret the upstream echoes back (in a body, a
 * Location) does not reach disk either. Very short values are not swept (they would mangle bodies).
 */
export function secretsOf(e: RecordedExchange, r: Redaction): string[] {
  const out = new Set<string>();
  for (const headers of [e.requestHeaders, e.responseHeaders]) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (!r.headers.includes(headers[i]!.toLowerCase())) continue;
      const v = headers[i + 1]!;
      out.add(v);
      // The credential part of "Bearer xyz" / "Basic xyz", and each cookie value.
      for (const part of v.split(/[\s;,=]+/)) out.add(part);
    }
  }
  const q = e.url.indexOf('?');
  if (q !== -1) {
    for (const p of e.url.slice(q + 1).split('&')) {
      const eq = p.indexOf('=');
      if (eq === -1) continue;
      const name = decodeFormComponent(p.slice(0, eq));
      // Both spellings: the URL carries the encoded one, bodies echo the decoded one.
      if (r.queryParameters.includes(name)) { out.add(p.slice(eq + 1)); out.add(decodeFormComponent(p.slice(eq + 1))); }
    }
  }
  for (const body of [e.requestBody, e.responseBody]) {
    if (r.jsonPaths.length === 0 || body.length === 0) continue;
    try {
      const data = JSON.parse(body.toString('utf8')) as object;
      for (const path of r.jsonPaths) {
        for (const v of JSONPath({ path, json: data, wrap: true }) as unknown[]) {
          if (typeof v === 'string' || typeof v === 'number') out.add(String(v));
        }
      }
    } catch { /* not JSON */ }
  }
  return [...out].filter((v) => v.length >= 4 && !/^(bearer|basic|digest|true|false|null)$/i.test(v)).sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of every secret in a text. */
export function sweep(text: string, secrets: readonly string[], replacement: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(replacement);
  return out;
}

/** The same sweep over bytes (a body not labelled as text can still carry a secret the upstream echoed). */
export function sweepBytes(bytes: Buffer, secrets: readonly string[], replacement: string): Buffer {
  if (!secrets.some((secret) => bytes.includes(secret))) return bytes;
  // latin1 maps each byte to one char and back, so replacing inside it keeps every other byte as it was.
  let text = bytes.toString('latin1');
  const masked = Buffer.from(replacement).toString('latin1');
  for (const secret of secrets) text = text.split(Buffer.from(secret).toString('latin1')).join(masked);
  return Buffer.from(text, 'latin1');
}

/** Masks JSONPath fields of a JSON text; returns it unchanged when it is not JSON. */
export function redactJson(text: string, jsonPaths: readonly string[], replacement: string): string {
  if (jsonPaths.length === 0) return text;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return text;
  }
  let changed = false;
  for (const path of jsonPaths) {
    JSONPath({
      path, json: data as object, resultType: 'all',
      callback: (r: { parent: Record<string, unknown> | unknown[] | null; parentProperty: string | number }) => {
        if (r.parent !== null && r.parent !== undefined) {
          (r.parent as Record<string | number, unknown>)[r.parentProperty] = replacement;
          changed = true;
        }
      },
    });
  }
  return changed ? JSON.stringify(data) : text;
}

function redactQuery(url: string, names: readonly string[], replacement: string): string {
  const q = url.indexOf('?');
  if (q === -1 || names.length === 0) return url;
  const parts = url.slice(q + 1).split('&').map((p) => {
    const eq = p.indexOf('=');
    const name = decodeFormComponent(eq === -1 ? p : p.slice(0, eq));
    return names.includes(name) ? `${p.slice(0, eq === -1 ? p.length : eq)}=${encodeURIComponent(replacement)}` : p;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/** A stable key for "the same request": identical requests are recorded once. */
export function requestKey(e: RecordedExchange, options: RecordOptions): string {
  const h = createHash('sha256').update(e.method).update('\0').update(redactQuery(e.url, options.redaction.queryParameters, options.redaction.replacement));
  for (const [name] of options.captureHeaders) {
    // A redacted header counts as present or absent, not by its value (the stub matches any value).
    const value = header(e.requestHeaders, name);
    h.update('\0').update(name).update('=').update(value === undefined ? '' : options.redaction.headers.includes(name) ? '<present>' : value);
  }
  if (options.requestBodyPattern !== 'none') h.update('\0').update(e.requestBody);
  return h.digest('hex');
}

export interface RecordedStub {
  definition: StubDefinition;
  /** A body too large or binary for the stub file, to write next to it under __files/. */
  bodyFile?: { name: string; bytes: Buffer };
}

/** Turns one exchange into a stub; `name` seeds readable, stable file and body-file names. */
export function toStub(e: RecordedExchange, options: RecordOptions, baseName: string): RecordedStub {
  const r = options.redaction;
  const secrets = secretsOf(e, r);
  const clean = (text: string): string => sweep(text, secrets, r.replacement);
  const q = e.url.indexOf('?');
  const path = q === -1 ? e.url : e.url.slice(0, q);
  const request: StubDefinition['request'] = { method: e.method };
  if (q === -1) {
    request.url = clean(e.url);
  } else {
    // Path and each query parameter: a redacted one is recorded as present, so the client's real value matches.
    request.urlPath = clean(path);
    const params: Record<string, ValuePatternDefinition> = {};
    for (const [name, list] of parseFormEncoded(e.url.slice(q + 1))) {
      if (r.queryParameters.includes(name)) params[name] = { matches: '.+' };
      else params[name] = list.length === 1 ? { equalTo: clean(list[0]!) } : { hasExactly: list.map((v) => ({ equalTo: clean(v) })) };
    }
    request.queryParameters = params;
  }
  const headers: Record<string, ValuePatternDefinition> = {};
  for (const [name, how] of options.captureHeaders) {
    const value = header(e.requestHeaders, name);
    if (value === undefined) continue;
    // A redacted header is recorded as present: on replay the client's real value matches.
    headers[name] = r.headers.includes(name) ? { matches: '.+' } : how.caseInsensitive ? { equalTo: clean(value), caseInsensitive: true } : { equalTo: clean(value) };
  }
  if (Object.keys(headers).length) request.headers = headers;
  if (e.requestBody.length > 0 && options.requestBodyPattern !== 'none') {
    const text = e.requestBody.toString('utf8');
    const isJson = (() => { try { JSON.parse(text); return true; } catch { return false; } })();
    if (options.requestBodyPattern === 'equalToJson' || (options.requestBodyPattern === 'auto' && isJson)) {
      // A redacted field matches any value on replay: WireMock's json-unit placeholder, not the mask.
      request.bodyPatterns = [{ equalToJson: clean(redactJson(text, r.jsonPaths, '${json-unit.ignore}')), ignoreArrayOrder: true, ignoreExtraElements: true }];
    } else if (clean(text) === text) {
      // A text body holding a secret is not matched on: the secret must not be written.
      request.bodyPatterns = [{ equalTo: text }];
    }
  }

  const response: ResponseDefinition = { status: e.status };
  const responseHeaders: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < e.responseHeaders.length; i += 2) {
    const name = e.responseHeaders[i]!;
    const lower = name.toLowerCase();
    if (NOT_RECORDED.has(lower)) continue;
    const value = r.headers.includes(lower) ? r.replacement : clean(e.responseHeaders[i + 1]!);
    const prev = responseHeaders[name];
    responseHeaders[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  if (Object.keys(responseHeaders).length) response.headers = responseHeaders;
  let bodyFile: RecordedStub['bodyFile'];
  let responseBody = e.responseBody;
  let encoding = header(e.responseHeaders, 'content-encoding');
  const contentType = header(e.responseHeaders, 'content-type');
  if (responseBody.length > 0 && encoding && isTextType(contentType, undefined) && (secrets.length > 0 || r.jsonPaths.length > 0)) {
    // A compressed text body is kept byte for byte unless it holds something to redact: then it is stored
    // decoded and redacted, without its Content-Encoding (the client reads the same text, minus the secrets).
    let decoded: Buffer | undefined;
    try { decoded = decodeContent(responseBody, encoding); } catch { /* kept as it is */ }
    if (decoded !== undefined) {
      const text = decoded.toString('utf8');
      const redacted = clean(redactJson(text, r.jsonPaths, r.replacement));
      if (redacted !== text) {
        responseBody = Buffer.from(redacted);
        encoding = undefined;
        for (const name of Object.keys(responseHeaders)) if (name.toLowerCase() === 'content-encoding') delete responseHeaders[name];
        if (Object.keys(responseHeaders).length === 0) delete response.headers;
      }
    }
  }
  if (responseBody.length > 0) {
    if (isTextType(contentType, encoding)) {
      const text = clean(redactJson(responseBody.toString('utf8'), r.jsonPaths, r.replacement));
      if (Buffer.byteLength(text) > options.extractTextOver) bodyFile = { name: `${baseName}.${/json/i.test(contentType!) ? 'json' : 'txt'}`, bytes: Buffer.from(text) };
      else response.body = text;
    } else if (responseBody.length > options.extractBinaryOver) {
      bodyFile = { name: `${baseName}.bin`, bytes: sweepBytes(responseBody, secrets, r.replacement) };
    } else {
      // Compressed or binary bodies are kept byte for byte (so replay returns what the client saw), but for secrets.
      response.base64Body = sweepBytes(responseBody, secrets, r.replacement).toString('base64');
    }
    if (bodyFile) response.bodyFileName = bodyFile.name;
  }
  return { definition: { name: `${e.method} ${clean(path)}`, request, response }, ...(bodyFile ? { bodyFile } : {}) };
}

/** `get-users-1-3f2a9c1b`: method, path and a short hash, for stable, readable file names. */
export function recordedName(e: RecordedExchange, key: string): string {
  const path = e.url.split('?')[0]!.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'root';
  return `${e.method.toLowerCase()}-${path}-${key.slice(0, 8)}`;
}
