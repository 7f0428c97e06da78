/**
 * Recording: proxied serve events become ordinary stub definitions (one model: a recording is just
 * stubs). What is turned into a stub has been redacted first; this side makes
 * sure replay still works: a request value that redaction changed becomes a matcher that accepts any
 * value, so the client's real request matches the recorded stub.
 */
import { createHash } from 'node:crypto';
import { JSONPath } from 'jsonpath-plus';
import { parseFormEncoded } from '../request.js';
import { HOP_BY_HOP_HEADERS } from '../hop-by-hop.js';
import { escapeRegex } from '../matching/matcher-support.js';
import type { ResponseDefinition, StubDefinition, ValuePatternDefinition } from '../stub-definition.js';
import type { ExchangeContents, RedactionSettings } from './redaction.js';

export { DEFAULT_REDACTED_HEADERS } from './redaction.js';

export type RecordedExchange = ExchangeContents;

/** An exchange as recorded, and the same exchange redacted: only the redacted one is written. */
export interface RedactedPair {
  original: RecordedExchange;
  redacted: RecordedExchange;
}

export interface RecordOptions {
  /** Request headers to match on (lower-case name → case-insensitive?). */
  captureHeaders: ReadonlyMap<string, { caseInsensitive: boolean }>;
  /** How request bodies are matched: `equalToJson` for JSON, `equalTo` otherwise (WireMock's "auto"). */
  requestBodyPattern: 'auto' | 'equalTo' | 'equalToJson' | 'none';
  redaction: RedactionSettings;
  /** Bodies larger than this many bytes go to a body file (WireMock's extractBodyCriteria). */
  extractTextOver: number;
  extractBinaryOver: number;
}

/** Response headers that describe one transfer, not the resource: never recorded. */
const NOT_RECORDED = new Set([...HOP_BY_HOP_HEADERS, 'date', 'content-length', 'matched-stub-id', 'matched-stub-name']);
/** What a redacted request value is matched with on replay: present, any value. */
const ANY: ValuePatternDefinition = { matches: '.+' };
const JSON_ANY = '${json-unit.ignore}';

function isTextType(contentType: string | undefined, encoding: string | undefined): boolean {
  if (encoding && encoding.toLowerCase() !== 'identity') return false;
  if (!contentType) return false;
  return /^text\/|[/+](json|xml|javascript|x-www-form-urlencoded|yaml|csv)\b/i.test(contentType);
}

function header(headers: readonly string[], name: string): string | undefined {
  for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return headers[i + 1];
  return undefined;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * The redacted JSON with every value that redaction changed (or that holds the mask already, as a
 * journal redacted by --redact-journal does) replaced by WireMock's "any value" placeholder.
 */
function jsonPattern(original: unknown, redacted: unknown, mask: string): unknown {
  if (Array.isArray(redacted)) return redacted.map((v, i) => jsonPattern(Array.isArray(original) ? original[i] : undefined, v, mask));
  if (redacted !== null && typeof redacted === 'object') {
    const o = original !== null && typeof original === 'object' && !Array.isArray(original) ? original as Record<string, unknown> : {};
    return Object.fromEntries(Object.entries(redacted).map(([k, v]) => [k, jsonPattern(o[k], v, mask)]));
  }
  if (redacted !== original || (typeof redacted === 'string' && redacted.includes(mask))) return JSON_ANY;
  return redacted;
}

/** Whether a request value was changed by redaction (or is a mask already): then any value matches on replay. */
function wasRedacted(original: string | undefined, redacted: string, mask: string): boolean {
  return original !== redacted || redacted.includes(mask) || redacted.includes(encodeURIComponent(mask)) || redacted.includes(encodeURIComponent(mask).replace(/%20/g, '+'));
}

/** Replaces the JSONPath fields of a JSON text with `replacement`; returns it unchanged when it is not JSON. */
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

/** A stable key for "the same request": identical requests are recorded once. Give it the redacted exchange. */
export function requestKey(e: RecordedExchange, options: RecordOptions): string {
  const h = createHash('sha256').update(e.method).update('\0').update(e.url);
  for (const [name] of options.captureHeaders) {
    const value = header(e.requestHeaders, name);
    h.update('\0').update(name).update('=').update(value ?? '');
  }
  if (options.requestBodyPattern !== 'none') h.update('\0').update(e.requestBody);
  return h.digest('hex');
}

export interface RecordedStub {
  definition: StubDefinition;
  /** A body too large or binary for the stub file, to write next to it under __files/. */
  bodyFile?: { name: string; bytes: Buffer };
}

/** Turns one redacted exchange into a stub; `baseName` seeds readable, stable file and body-file names. */
export function toStub(pair: RedactedPair, options: RecordOptions, baseName: string): RecordedStub {
  const { original: o, redacted: e } = pair;
  const mask = options.redaction.replacement;
  const q = e.url.indexOf('?');
  const path = q === -1 ? e.url : e.url.slice(0, q);
  const oq = o.url.indexOf('?');
  const originalPath = oq === -1 ? o.url : o.url.slice(0, oq);
  const request: StubDefinition['request'] = { method: e.method };
  const pathRedacted = wasRedacted(originalPath, path, mask);
  if (pathRedacted) {
    // A segment that held a secret matches any segment on replay.
    const before = originalPath.split('/');
    request.urlPathPattern = path.split('/').map((s, i) => (wasRedacted(before[i], s, mask) ? '[^/]+' : escapeRegex(s))).join('/');
  } else if (q === -1) {
    request.url = e.url;
  } else {
    request.urlPath = path;
  }
  if (q !== -1) {
    const before = parseFormEncoded(oq === -1 ? '' : o.url.slice(oq + 1));
    const params: Record<string, ValuePatternDefinition> = {};
    for (const [name, list] of parseFormEncoded(e.url.slice(q + 1))) {
      const was = before.get(name);
      if (list.some((v, i) => wasRedacted(was?.[i], v, mask))) params[name] = ANY;
      else params[name] = list.length === 1 ? { equalTo: list[0]! } : { hasExactly: list.map((v) => ({ equalTo: v })) };
    }
    request.queryParameters = params;
  }
  const headers: Record<string, ValuePatternDefinition> = {};
  for (const [name, how] of options.captureHeaders) {
    const value = header(e.requestHeaders, name);
    if (value === undefined) continue;
    headers[name] = wasRedacted(header(o.requestHeaders, name), value, mask) ? ANY
      : how.caseInsensitive ? { equalTo: value, caseInsensitive: true } : { equalTo: value };
  }
  if (Object.keys(headers).length) request.headers = headers;
  if (e.requestBody.length > 0 && options.requestBodyPattern !== 'none') {
    const text = e.requestBody.toString('utf8');
    const originalText = o.requestBody.toString('utf8');
    const json = parseJson(text);
    const changed = wasRedacted(originalText, text, mask);
    const contentType = header(e.requestHeaders, 'content-type') ?? '';
    if (json.ok && (options.requestBodyPattern === 'equalToJson' || options.requestBodyPattern === 'auto')) {
      const before = parseJson(originalText);
      const pattern = changed ? jsonPattern(before.ok ? before.value : undefined, json.value, mask) : json.value;
      request.bodyPatterns = [{ equalToJson: JSON.stringify(pattern), ignoreArrayOrder: true, ignoreExtraElements: true }];
    } else if (!changed) {
      request.bodyPatterns = [{ equalTo: text }];
    } else if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      // A form with a secret: each field matched on its own, the redacted ones by presence.
      const before = parseFormEncoded(originalText);
      const form: Record<string, ValuePatternDefinition> = {};
      for (const [name, list] of parseFormEncoded(text)) {
        const was = before.get(name);
        form[name] = list.some((v, i) => wasRedacted(was?.[i], v, mask)) ? ANY : list.length === 1 ? { equalTo: list[0]! } : { hasExactly: list.map((v) => ({ equalTo: v })) };
      }
      request.formParameters = form;
    }
    // Any other body that held a secret is not matched on: replay answers whatever body the client sends.
  }

  const response: ResponseDefinition = { status: e.status };
  const responseHeaders: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < e.responseHeaders.length; i += 2) {
    const name = e.responseHeaders[i]!;
    if (NOT_RECORDED.has(name.toLowerCase())) continue;
    const value = e.responseHeaders[i + 1]!;
    const prev = responseHeaders[name];
    responseHeaders[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  if (Object.keys(responseHeaders).length) response.headers = responseHeaders;
  let bodyFile: RecordedStub['bodyFile'];
  const encoding = header(e.responseHeaders, 'content-encoding');
  const contentType = header(e.responseHeaders, 'content-type');
  if (e.responseBody.length > 0) {
    if (isTextType(contentType, encoding)) {
      const text = e.responseBody.toString('utf8');
      if (e.responseBody.length > options.extractTextOver) bodyFile = { name: `${baseName}.${/json/i.test(contentType!) ? 'json' : 'txt'}`, bytes: e.responseBody };
      else response.body = text;
    } else if (e.responseBody.length > options.extractBinaryOver) {
      bodyFile = { name: `${baseName}.bin`, bytes: e.responseBody };
    } else {
      // Compressed or binary bodies are kept byte for byte (so replay returns what the client saw).
      response.base64Body = e.responseBody.toString('base64');
    }
    if (bodyFile) response.bodyFileName = bodyFile.name;
  }
  return { definition: { name: `${e.method} ${decodeSafely(path)}`, request, response }, ...(bodyFile ? { bodyFile } : {}) };
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** `get-users-1-3f2a9c1b`: method, path and a short hash, for stable, readable file names. Give it the redacted exchange. */
export function recordedName(e: RecordedExchange, key: string): string {
  const path = e.url.split('?')[0]!.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'root';
  return `${e.method.toLowerCase()}-${path}-${key.slice(0, 8)}`;
}
