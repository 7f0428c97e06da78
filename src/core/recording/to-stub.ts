/**
 * Recording: proxied serve events become ordinary stub definitions (one model: a recording is just
 * stubs). What is turned into a stub has been redacted first; this side makes
 * sure replay still works: a request value that redaction changed becomes a matcher that accepts any
 * value, so the client's real request matches the recorded stub.
 */
import { createHash } from 'node:crypto';
import { jsonPathLibrary } from '../matching/json-path.js';
import { rawHeader as header } from '../raw-headers.js';
import { parseFormEncoded } from '../request.js';
import { escapeRegex } from '../matching/matcher-support.js';
import { GRAPHQL_QUERY_PARAMETERS, recordGraphqlPattern } from '../graphql/record.js';
import type { ResponseDefinition, StubDefinition, ValuePatternDefinition } from '../stub-definition.js';
import type { ExchangeContents, RedactionSettings } from './redaction.js';

export { DEFAULT_REDACTED_HEADERS } from './redaction.js';

/** One proxied exchange; `id` is its serve event's, when it comes from the journal (snapshot `filters.ids`). */
export type RecordedExchange = ExchangeContents & { id?: string };

/** An exchange as recorded, and the same exchange redacted: only the redacted one is written. */
export interface RedactedPair {
  original: RecordedExchange;
  redacted: RecordedExchange;
}

/** How recorded request bodies are matched: WireMock's `requestBodyPattern` of the recording spec. */
export interface RequestBodyPatternSpec {
  /**
   * `auto` (WireMock's default) picks by the request's Content-Type: `equalToJson` for JSON, `equalToXml`
   * for XML, `anything` for multipart, `binaryEqualTo` for other non-text types, `equalTo` otherwise.
   */
  matcher: 'auto' | 'equalTo' | 'equalToJson' | 'equalToXml' | 'none';
  /** For `equalToJson` (and JSON under `auto`, where they default to true); recorded as given. */
  ignoreArrayOrder?: boolean;
  ignoreExtraElements?: boolean;
  /** For `equalTo` (and text under `auto`, where it defaults to false); recorded as given. */
  caseInsensitive?: boolean;
}

export interface RecordOptions {
  /** Request headers to match on, by name as given (the stub keeps that spelling), looked up in any case. */
  captureHeaders: ReadonlyMap<string, { caseInsensitive?: boolean }>;
  /** How request bodies are matched; a bare matcher name means its defaults. */
  requestBodyPattern: RequestBodyPatternSpec | RequestBodyPatternSpec['matcher'];
  redaction: RedactionSettings;
  /** Bodies larger than this many bytes go to a body file (WireMock's extractBodyCriteria). */
  extractTextOver: number;
  extractBinaryOver: number;
}

/**
 * Response headers never recorded: the ones WireMock leaves out (they describe one transfer, and replay
 * sets its own), and the upstream's own stub headers when it is a WireMock or a Decoy.
 */
const NOT_RECORDED = new Set(['connection', 'transfer-encoding', 'content-length', 'matched-stub-id', 'matched-stub-name']);
/** What a redacted request value is matched with on replay: present, any value. */
const ANY: ValuePatternDefinition = { matches: '.+' };
const JSON_ANY = '${json-unit.ignore}';

/** WireMock's test for a text media type (what `auto` matches with `equalTo` rather than `binaryEqualTo`). */
function isTextMediaType(mimeType: string): boolean {
  return /text|json|xml|html|yaml|csv|x-www-form-urlencoded/.test(mimeType);
}

function isTextType(contentType: string | undefined, encoding: string | undefined): boolean {
  if (encoding && encoding.toLowerCase() !== 'identity') return false;
  if (!contentType) return false;
  return /^text\/|[/+](json|xml|javascript|x-www-form-urlencoded|yaml|csv)\b/i.test(contentType);
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
  return original !== redacted || redacted.includes(mask) || redacted.includes(xmlEscapeMask(mask)) || redacted.includes(encodeURIComponent(mask)) || redacted.includes(encodeURIComponent(mask).replace(/%20/g, '+'));
}

/** The mask as redaction writes it in XML text and attribute values. */
const xmlEscapeMask = (mask: string): string => mask.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

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
    jsonPathLibrary()({
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
  if (bodySpec(options).matcher !== 'none') h.update('\0').update(e.requestBody);
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
      // WireMock records every parameter as `hasExactly`, one value or several.
      if (list.some((v, i) => wasRedacted(was?.[i], v, mask))) params[name] = ANY;
      else params[name] = { hasExactly: list.map((v) => ({ equalTo: v })) };
    }
    request.queryParameters = params;
  }
  const headers: Record<string, ValuePatternDefinition> = {};
  for (const [name, how] of options.captureHeaders) {
    const value = header(e.requestHeaders, name);
    if (value === undefined) continue;
    headers[name] = wasRedacted(header(o.requestHeaders, name), value, mask) ? ANY
      : how.caseInsensitive !== undefined ? { equalTo: value, caseInsensitive: how.caseInsensitive } : { equalTo: value };
  }
  if (Object.keys(headers).length) request.headers = headers;
  // A GraphQL operation is matched by what it asks for, not by the exact text of its body or query string.
  const graphql = bodySpec(options).matcher === 'auto' ? recordGraphqlPattern(e, o, mask) : undefined;
  if (graphql !== undefined) {
    request.graphql = graphql;
    if (request.queryParameters) {
      for (const name of GRAPHQL_QUERY_PARAMETERS) delete request.queryParameters[name];
      if (Object.keys(request.queryParameters).length === 0) delete request.queryParameters;
    }
  }
  const bodyPattern = e.requestBody.length > 0 && graphql === undefined ? requestBodyPattern(pair, bodySpec(options), mask) : undefined;
  if (bodyPattern && 'formParameters' in bodyPattern) request.formParameters = bodyPattern.formParameters;
  else if (bodyPattern) request.bodyPatterns = [bodyPattern.pattern];

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
  return { definition: { name: wireMockStubName(path), request, response }, ...(bodyFile ? { bodyFile } : {}) };
}

/** The body spec with WireMock's defaults filled in for `auto`. */
function bodySpec(options: RecordOptions): RequestBodyPatternSpec {
  const spec = typeof options.requestBodyPattern === 'string' ? { matcher: options.requestBodyPattern } : options.requestBodyPattern;
  if (spec.matcher !== 'auto') return spec;
  return { matcher: 'auto', ignoreArrayOrder: spec.ignoreArrayOrder ?? true, ignoreExtraElements: spec.ignoreExtraElements ?? true, caseInsensitive: spec.caseInsensitive ?? false };
}

/** `{ key: value }` for each flag that was given: WireMock records a flag only when it was set. */
function given<K extends string>(flags: Partial<Record<K, boolean | undefined>>): Partial<Record<K, boolean>> {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as Partial<Record<K, boolean>>;
}

type BodyPattern = { pattern: Record<string, unknown> } | { formParameters: Record<string, ValuePatternDefinition> };

/**
 * The request body pattern. A body redaction did not touch is matched as WireMock would record it; one
 * that held a secret is matched so that replay still works: JSON with the masked members as "any value",
 * a form field by field with the masked fields by presence, anything else not at all.
 */
function requestBodyPattern(pair: RedactedPair, spec: RequestBodyPatternSpec, mask: string): BodyPattern | undefined {
  if (spec.matcher === 'none') return undefined;
  const { original: o, redacted: e } = pair;
  const text = e.requestBody.toString('utf8');
  const originalText = o.requestBody.toString('utf8');
  const mimeType = (header(e.requestHeaders, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  let kind: 'equalTo' | 'equalToJson' | 'equalToXml' | 'binaryEqualTo' | 'anything' = spec.matcher === 'auto' ? 'equalTo' : spec.matcher;
  if (spec.matcher === 'auto' && mimeType !== '') {
    if (mimeType.includes('json')) kind = 'equalToJson';
    else if (mimeType.includes('xml')) kind = 'equalToXml';
    else if (mimeType === 'multipart/form-data') kind = 'anything';
    else if (!isTextMediaType(mimeType)) kind = 'binaryEqualTo';
  }
  const json = kind === 'equalToJson' || spec.matcher === 'auto' ? parseJson(text) : { ok: false as const };
  const jsonFlags = given({ ignoreArrayOrder: spec.ignoreArrayOrder, ignoreExtraElements: spec.ignoreExtraElements });
  if (!wasRedacted(originalText, text, mask)) {
    switch (kind) {
      case 'anything': return { pattern: { anything: 'anything' } };
      case 'binaryEqualTo': return { pattern: { binaryEqualTo: e.requestBody.toString('base64') } };
      case 'equalToXml': return { pattern: { equalToXml: text } };
      case 'equalToJson': if (json.ok) return { pattern: { equalToJson: text, ...jsonFlags } }; break;
    }
    return { pattern: { equalTo: text, ...given({ caseInsensitive: spec.caseInsensitive }) } };
  }
  if (json.ok && (kind === 'equalToJson' || spec.matcher === 'auto')) {
    const before = parseJson(originalText);
    const pattern = JSON.stringify(jsonPattern(before.ok ? before.value : undefined, json.value, mask));
    return { pattern: { equalToJson: pattern, ...(kind === 'equalToJson' ? jsonFlags : { ignoreArrayOrder: spec.ignoreArrayOrder ?? true, ignoreExtraElements: spec.ignoreExtraElements ?? true }) } };
  }
  if (mimeType === 'application/x-www-form-urlencoded') {
    const before = parseFormEncoded(originalText);
    const form: Record<string, ValuePatternDefinition> = {};
    for (const [name, list] of parseFormEncoded(text)) {
      const was = before.get(name);
      form[name] = list.some((v, i) => wasRedacted(was?.[i], v, mask)) ? ANY : list.length === 1 ? { equalTo: list[0]! } : { hasExactly: list.map((v) => ({ equalTo: v })) };
    }
    return { formParameters: form };
  }
  return undefined;
}

/** `GET /users/7`: the method and decoded path of a (redacted) exchange, a readable stub name for imports. */
export function describeRequest(e: RecordedExchange): string {
  return `${e.method} ${decodeSafely(e.url.split('?')[0]!)}`;
}

function decodeSafely(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * WireMock's name for a recorded stub: the decoded path with `/` as `_`, white space as `-`, accents
 * dropped, anything but letters, digits, `_`, `-` and `.` removed, lower-cased, without leading or
 * trailing `_`, at most 200 characters (`/Users/7/café` → `users_7_cafe`; `/` → ``). Give it the
 * redacted path, so a secret in the path never reaches a name.
 */
export function wireMockStubName(path: string): string {
  const slug = decodeSafely(path).replace(/\//g, '_').replace(/[ \t\n\v\f\r]/g, '-').normalize('NFD')
    .replace(/[^A-Za-z0-9_.-]/g, '').toLowerCase().replace(/^_+|_+$/g, '');
  return slug.slice(0, 200);
}

/**
 * WireMock's scenario name for the repeats of one request: `scenario-<n>-<path segments joined by ->`
 * (`scenario-1-rec-a`); `n` counts the repeated requests, newest first.
 */
export function scenarioNameFor(index: number, path: string): string {
  return `scenario-${index}-${decodeSafely(path).split('/').filter((s) => s !== '').join('-')}`;
}

/** `get-users-1-3f2a9c1b`: method, path and a short hash, for stable, readable file names. Give it the redacted exchange. */
export function recordedName(e: RecordedExchange, key: string): string {
  const path = e.url.split('?')[0]!.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'root';
  return `${e.method.toLowerCase()}-${path}-${key.slice(0, 8)}`;
}
