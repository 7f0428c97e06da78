/**
 * Redaction of recorded traffic (issue 14): what a recording, a snapshot, a HAR import or the journal
 * with `--redact-journal` keeps of real exchanges holds no credential and, with `maskPii`, no personal
 * data. It works in two passes over all the exchanges of one recording:
 *
 * 1. `learn` finds the secrets: values of headers, cookies, query parameters, form and multipart fields,
 *    XML elements and attributes and JSON members whose NAME says they hold a secret, and VALUES that
 *    look like credentials whatever their name (JWTs, Bearer/Basic credentials, cloud and API keys, PEM
 *    private keys, the password of a URL), from requests and responses alike.
 * 2. `redact` masks them where they were found and sweeps every other occurrence of every learnt
 *    secret from everything, in any exchange, in the encodings a secret travels in (URL-encoded,
 *    form-encoded, JSON- and XML-escaped, base64 of it or of a text that holds it, such as the
 *    `user:password` of Basic authentication).
 *
 * Compressed bodies are decoded to be inspected; a body that changed is kept decoded (its
 * Content-Encoding dropped); one that cannot be decoded is not kept at all. Personal data is replaced
 * by synthetic values of the same shape, the same real value always getting the same fake within one
 * redactor (keyed by a random secret, so a fake cannot be traced back to its real value by trying
 * every phone number).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createRequire } from 'node:module';
import type { JSONPath as JsonPathFunction } from 'jsonpath-plus';
import type { parseTree as ParseTree } from 'jsonc-parser';
import { decodeContent } from '../content-encoding.js';
import { multipartBoundary } from '../matching/multipart.js';
import { rawHeader, withoutRawHeader } from '../raw-headers.js';
import { DecoyError } from '../errors.js';
import { decodeFormComponent } from '../request.js';

export interface RedactionSettings {
  /** The built-in names, headers and value patterns below; off only when asked explicitly. */
  defaults: boolean;
  /** More names that hold secrets (any place); `*` matches any run of characters. */
  names: readonly string[];
  /** More header names (lower-case) whose values are secrets. */
  headers: readonly string[];
  /** More query parameter names whose values are secrets. */
  queryParameters: readonly string[];
  /** JSONPath expressions into JSON bodies whose values are secrets. */
  jsonPaths: readonly string[];
  /** More regular expressions (sources) for values that are secrets wherever they appear. */
  patterns: readonly string[];
  /** Replace personal data (e-mail addresses, phone numbers, card numbers, IBANs, US SSNs) with synthetic values. */
  maskPii: boolean;
  /** What a masked secret becomes. */
  replacement: string;
}

export const DEFAULT_REDACTION: RedactionSettings = {
  defaults: true, names: [], headers: [], queryParameters: [], jsonPaths: [], patterns: [], maskPii: false, replacement: '<redacted>',
};

/**
 * Reads the recording spec's `redact` object (`{ headers, queryParameters, jsonPaths, names, patterns,
 * defaults, maskPii, replacement }`), every member optional; throws a DecoyError with a JSON pointer
 * under `at` for a bad one.
 */
export function parseRedaction(value: unknown, at: string): RedactionSettings {
  const invalid = (message: string, pointer: string): DecoyError => new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer } });
  if (value === undefined || value === null) return { ...DEFAULT_REDACTION };
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('redact must be an object', at);
  const r = value as Record<string, unknown>;
  const known = ['headers', 'queryParameters', 'jsonPaths', 'names', 'patterns', 'defaults', 'maskPii', 'replacement'];
  for (const key of Object.keys(r)) if (!known.includes(key)) throw invalid(`redact.${key} is not a redaction setting; one of: ${known.join(', ')}`, `${at}/${key}`);
  const list = (key: string): string[] => {
    const v = r[key];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`redact.${key} must be a list of strings`, `${at}/${key}`);
    return v as string[];
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const v = r[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') throw invalid(`redact.${key} must be true or false (got ${JSON.stringify(v)})`, `${at}/${key}`);
    return v;
  };
  const patterns = list('patterns');
  patterns.forEach((p, i) => {
    let re: RegExp;
    try {
      re = new RegExp(p, 'g');
    } catch (e) {
      throw invalid(`redact.patterns[${i}] is not a valid regular expression: ${(e as Error).message}`, `${at}/patterns/${i}`);
    }
    if (re.test('')) throw invalid(`redact.patterns[${i}] matches the empty text, so it would mask nothing useful`, `${at}/patterns/${i}`);
  });
  const jsonPaths = list('jsonPaths');
  jsonPaths.forEach((p, i) => {
    if (!p.startsWith('$')) throw invalid(`redact.jsonPaths[${i}] must be a JSONPath starting with $ (got ${JSON.stringify(p)})`, `${at}/jsonPaths/${i}`);
  });
  if (r.replacement !== undefined && (typeof r.replacement !== 'string' || r.replacement === '')) throw invalid('redact.replacement must be a non-empty text', `${at}/replacement`);
  return {
    defaults: flag('defaults', true), names: list('names'), headers: list('headers').map((h) => h.toLowerCase()), queryParameters: list('queryParameters'),
    jsonPaths, patterns, maskPii: flag('maskPii', false), replacement: (r.replacement as string | undefined) ?? DEFAULT_REDACTION.replacement,
  };
}

/** A URL with its secrets masked (secret-named query parameters, credential-looking values): for log lines. */
export function redactUrl(url: string, settings: Partial<RedactionSettings> = {}): string {
  const empty = Buffer.alloc(0);
  return new Redactor(settings).redact({ method: 'GET', url, requestHeaders: [], requestBody: empty, status: 0, responseHeaders: [], responseBody: empty }).exchange.url;
}

/** Header names whose values are credentials (also matched by the name rules; listed for the docs and tests). */
export const DEFAULT_REDACTED_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token',
  'x-access-token', 'x-session-id', 'x-csrf-token', 'x-xsrf-token', 'x-amz-security-token', 'x-goog-api-key', 'ocp-apim-subscription-key', 'x-functions-key'];

/**
 * A name holds a secret when, lower-cased with everything but letters and digits removed, it contains
 * one of these...
 */
export const SECRET_NAME_PARTS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'apikey', 'accesskey', 'privatekey', 'session',
  'signature', 'credential', 'authorization', 'cookie', 'jwt', 'bearer', 'subscriptionkey', 'functionskey'];
/** ...or is one of these... */
export const SECRET_NAMES = ['pwd', 'pass', 'pin', 'otp', 'auth', 'sig', 'sid', 'csrf', 'xsrf', 'key', 'cvv', 'cvc', 'cvv2', 'clientassertion', 'codeverifier', 'assertion', 'samlresponse'];
/**
 * ...unless it ends in one of these: they name what describes a secret, not the secret (OAuth's
 * `token_type: Bearer`, OpenID discovery's `token_endpoint`, `session_timeout`), and masking them
 * would break clients on replay.
 */
export const NOT_SECRET_SUFFIXES = ['type', 'types', 'endpoint', 'url', 'uri', 'expiresin', 'expiresat', 'expiry', 'expires', 'expiration', 'ttl',
  'timeout', 'count', 'length', 'supported', 'required', 'enabled', 'format', 'hint'];

/**
 * Values that are credentials wherever they appear, whatever their name. `secret` is the group to mask (0: the match).
 * Every pattern runs over whole bodies (and, with `--redact-journal`, per request), so each must take
 * time linear in the text: a prefix that could also occur inside the run of characters that follows it
 * (`eyJ-eyJ-...`, `a.a.a...://`) is anchored with a lookbehind so a scan starts only once per run, and
 * lazy spans stop at the next opening marker.
 */
export const CREDENTIAL_PATTERNS: ReadonlyArray<{ label: string; pattern: RegExp; group?: number }> = [
  { label: 'PEM private key', pattern: /-----BEGIN ((?:[A-Z]+ ){0,4})PRIVATE KEY-----(?:(?!-----BEGIN )[\s\S]){0,65536}?-----END \1PRIVATE KEY-----/g },
  { label: 'JWT', pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g },
  { label: 'Bearer, Basic, Digest or Token credentials', pattern: /\b(?:Bearer|Basic|Token|Digest|Negotiate|NTLM)\s+([A-Za-z0-9._~+/=:-]{8,})/g, group: 1 },
  { label: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g },
  { label: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/g },
  { label: 'GitLab token', pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_])/g },
  { label: 'Slack token', pattern: /(?<![A-Za-z0-9_-])xox[abposre]-[A-Za-z0-9-]{10,}(?![A-Za-z0-9_])/g },
  { label: 'Slack webhook', pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,}/g },
  { label: 'Stripe key', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b|\bwhsec_[A-Za-z0-9]{24,}\b/g },
  { label: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { label: 'Google OAuth token', pattern: /\bya29\.[0-9A-Za-z_-]{20,}/g },
  { label: 'OpenAI or Anthropic key', pattern: /(?<![A-Za-z0-9_-])sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}(?![A-Za-z0-9_])/g },
  { label: 'npm token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { label: 'SendGrid key', pattern: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/g },
  { label: 'Twilio key', pattern: /\bSK[0-9a-f]{32}\b/g },
  { label: 'password in a URL', pattern: /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/?#@"'<>]{1,256}:([^\s/?#@"'<>]{3,256})@/gi, group: 1 },
];

/** Where a value was masked: the report counts by these. */
export type RedactionPlace = 'header' | 'cookie' | 'query parameter' | 'path segment' | 'form field' | 'multipart field' | 'JSON member'
  | 'XML element' | 'XML attribute' | 'body text' | 'repeated occurrence' | 'uninspectable body'
  | 'e-mail address' | 'phone number' | 'card number' | 'IBAN' | 'US social security number';

/** What a redaction did: `summary` is the sentence the CLI, the admin API and the UI show. */
export interface RedactionReport {
  summary: string;
  values: number;
  exchanges: number;
  /** How many values, by place (or kind, for personal data and repeated occurrences). */
  counts: Partial<Record<RedactionPlace, number>>;
}

/** An exchange as kept for recording (the same shape a recording holds). */
export interface ExchangeContents {
  method: string;
  url: string;
  requestHeaders: readonly string[];
  requestBody: Buffer;
  status: number;
  responseHeaders: readonly string[];
  responseBody: Buffer;
}

const PLURALS: Record<string, string> = {
  'repeated occurrence': 'repeated occurrences', 'query parameter': 'query parameters', 'path segment': 'path segments', 'form field': 'form fields',
  'multipart field': 'multipart fields', 'JSON member': 'JSON members', 'XML element': 'XML elements', 'XML attribute': 'XML attributes',
  'body text': 'values in body texts', 'uninspectable body': 'bodies that could not be decoded (left out)', 'e-mail address': 'e-mail addresses',
  'phone number': 'phone numbers', 'card number': 'card numbers', IBAN: 'IBANs', 'US social security number': 'US social security numbers',
  header: 'headers', cookie: 'cookies',
};

const ORDER: RedactionPlace[] = ['header', 'cookie', 'query parameter', 'path segment', 'form field', 'multipart field', 'JSON member', 'XML element',
  'XML attribute', 'body text', 'repeated occurrence', 'e-mail address', 'phone number', 'card number', 'IBAN', 'US social security number', 'uninspectable body'];

/** "redacted 14 values in 6 exchanges: 3 headers, 2 JSON members, 1 query parameter, 8 repeated occurrences" */
export function summarize(counts: Partial<Record<RedactionPlace, number>>, exchanges: number): RedactionReport {
  let values = 0;
  const parts: string[] = [];
  for (const place of ORDER) {
    const n = counts[place] ?? 0;
    if (n === 0) continue;
    values += n;
    parts.push(`${n} ${n === 1 ? place : PLURALS[place] ?? `${place}s`}`);
  }
  const summary = values === 0 ? 'redacted nothing: no secret found'
    : `redacted ${values} value${values === 1 ? '' : 's'} in ${exchanges} exchange${exchanges === 1 ? '' : 's'}: ${parts.join(', ')}`;
  return { summary, values, exchanges, counts: { ...counts } };
}

const MIN_SWEPT_LENGTH = 6;
/** A value longer than this (a whole body under a secret name) is masked where found but not hunted elsewhere: the sweep's pattern must stay small. */
const MAX_SWEPT_LENGTH = 4096;

/**
 * Whether a secret is hunted everywhere once known, or only masked where it was found: sweeping a
 * short word (a cookie set to `deleted`) or a short number (a PIN) out of every text would mangle
 * unrelated text more than it protects.
 */
function isSweepable(v: string): boolean {
  if (v.length < MIN_SWEPT_LENGTH || v.length > MAX_SWEPT_LENGTH || /^(true|false|null|undefined)$/i.test(v)) return false;
  return v.length >= 8 || !/^([a-z]+|\d+)$/.test(v);
}
const MAX_DECODED_BODY = 256 * 1024 * 1024;
const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const normalizeName = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');
const jsonEscape = (s: string): string => JSON.stringify(s).slice(1, -1);
const xmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
const formEncode = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');

/** A secret as it is, URL-, form-, JSON- and XML-escaped, and in base64 (padded, unpadded, URL-safe). */
function spellings(secret: string): string[] {
  const base64 = Buffer.from(secret).toString('base64');
  return [secret, encodeURIComponent(secret), formEncode(secret), jsonEscape(secret), xmlEscape(secret), base64, base64.replace(/=+$/, ''), Buffer.from(secret).toString('base64url')];
}

/** Decodes every coding of a Content-Encoding list, last applied first; undefined when one cannot be decoded. */
function decodeAll(body: Buffer, encoding: string): Buffer | undefined {
  let out = body;
  for (const coding of encoding.split(',').map((c) => c.trim()).filter((c) => c !== '' && c.toLowerCase() !== 'identity').reverse()) {
    try {
      const decoded = decodeContent(out, coding, MAX_DECODED_BODY);
      if (decoded === undefined) return undefined;
      out = decoded;
    } catch {
      return undefined;
    }
  }
  return out;
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function ibanRemainder(iban: string): number {
  const moved = iban.slice(4) + iban.slice(0, 4);
  let r = 0;
  for (const ch of moved) {
    const v = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) r = (r * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return r;
}

/**
 * Personal values. `take` says how much of a candidate is the value (undefined: none of it; the scan
 * then goes on from the next character, so a failed checksum does not hide a valid value beside it).
 */
const PII_PATTERNS: ReadonlyArray<{ kind: RedactionPlace; pattern: RegExp; take?: (m: string) => number | undefined }> = [
    // A scan starts only at the beginning of a run of local-part characters, and the parts are bounded
  // (RFC 5321's lengths), so a long run without an @ is read once, not once per character.
  { kind: 'e-mail address', pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z])/g },
  {
    // The longest prefix (ending at a group) that passes the mod-97 check.
    kind: 'IBAN', pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g,
    take: (m) => {
      for (let end = m.length; end >= 15; end--) {
        if (end < m.length && m[end] !== ' ') continue;
        const compact = m.slice(0, end).replace(/ /g, '');
        if (compact.length >= 15 && ibanRemainder(compact) === 1) return end;
      }
      return undefined;
    },
  },
  {
    kind: 'card number', pattern: /(?<!\d[ -]?)(?:\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{3})?|\d{4}([ -])\d{6}\2\d{5}|[2-6]\d{12,18})(?![\d])/g,
    take: (m) => (luhnValid(m.replace(/\D/g, '')) && /^[2-6]/.test(m) ? m.length : undefined),
  },
  { kind: 'US social security number', pattern: /(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])/g },
  {
    kind: 'phone number', pattern: /(?<![\w+])\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}(?!\d)|\(\d{3}\) ?\d{3}[-. ]\d{4}(?!\d)|(?<![\d-])\d{3}[-.]\d{3}[-.]\d{4}(?![\d-])/g,
    take: (m) => { const n = m.replace(/\D/g, '').length; return n >= 8 && n <= 15 ? m.length : undefined; },
  },
];

/** Replaces what `pattern` finds and `take` accepts; a rejected candidate is retried from its next character. */
function replaceAccepted(text: string, pattern: RegExp, take: ((m: string) => number | undefined) | undefined, replace: (value: string) => string): string {
  pattern.lastIndex = 0;
  let out = '';
  let last = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    const length = take ? take(m[0]) : m[0].length;
    if (length === undefined || length === 0) {
      pattern.lastIndex = m.index + 1;
      continue;
    }
    out += text.slice(last, m.index) + replace(m[0].slice(0, length));
    last = m.index + length;
    pattern.lastIndex = last;
  }
  return last === 0 ? text : out + text.slice(last);
}
const PHONE_NAMES = new Set(['phone', 'phonenumber', 'mobile', 'mobilenumber', 'telephone', 'tel', 'msisdn', 'cell', 'fax']);

/** Counts made while redacting one exchange (each value once per place); absent while learning. */
type Counter = (place: RedactionPlace, value: string) => void;

interface SweepEntry { replacement: string; place: RedactionPlace }

/** Every known value in every spelling, as one alternation (longest first), and the raw secrets alone (for base64 runs). */
interface Sweep { regex: RegExp; table: Map<string, SweepEntry>; raw: RegExp | undefined }

/**
 * One redaction session: learn over every exchange first, then redact each. Learnt secrets and fakes
 * are remembered for the session's life (bounded: past `maxKnown` values, the oldest are forgotten).
 */
export class Redactor {
  readonly settings: RedactionSettings;
  readonly #extraNames: RegExp[];
  readonly #headers: Set<string>;
  readonly #queryParameters: Set<string>;
  readonly #patterns: Array<{ pattern: RegExp; group?: number }>;
  /** Each secret with the generation it was learnt in. */
  readonly #secrets = new Map<string, number>();
  readonly #fakes = new Map<string, { fake: string; kind: RedactionPlace; generation: number }>();
  #generation = 0;
  /** The fakes handed out, so a fake seen again is not taken for a real value. */
  readonly #fakeValues = new Set<string>();
  readonly #key: Buffer;
  readonly #maxKnown: number;
  #sweep: Sweep | undefined;
  #counts: Partial<Record<RedactionPlace, number>> = {};
  #exchanges = 0;

  constructor(settings: Partial<RedactionSettings> = {}, options: { key?: Buffer; maxKnown?: number } = {}) {
    this.settings = { ...DEFAULT_REDACTION, ...settings };
    const s = this.settings;
    this.#extraNames = s.names.map((n) => new RegExp(`^${n.split('*').map((part) => escapeRegex(normalizeName(part))).join('.*')}$`));
    this.#headers = new Set([...(s.defaults ? DEFAULT_REDACTED_HEADERS : []), ...s.headers.map((h) => h.toLowerCase())]);
    this.#queryParameters = new Set(s.queryParameters);
    this.#patterns = [
      ...(s.defaults ? CREDENTIAL_PATTERNS.map((p) => ({ pattern: p.pattern, ...(p.group !== undefined ? { group: p.group } : {}) })) : []),
      ...s.patterns.map((source) => ({ pattern: new RegExp(source, 'g') })),
    ];
    this.#key = options.key ?? randomBytes(32);
    this.#maxKnown = options.maxKnown ?? 100_000;
  }

  /** How many secrets and personal values this redactor knows (it grows as it learns). */
  get known(): number {
    return this.#secrets.size + this.#fakes.size;
  }

  /** Goes up each time a secret or personal value is learnt. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * Whether any of `texts` holds a value learnt after `generation`, as it is or in an encoding the
   * sweep knows (URL, form, JSON, XML, base64): what was masked before then needs masking again only then.
   */
  mentionsLearntSince(generation: number, texts: readonly string[]): boolean {
    const fresh: string[] = [];
    for (const [secret, g] of this.#secrets) if (g > generation) fresh.push(secret);
    for (const [real, { generation: g }] of this.#fakes) if (g > generation) fresh.push(real);
    return fresh.some((value) => spellings(value).some((sp) => sp.length >= 4 && texts.some((t) => t.includes(sp))));
  }

  /** Whether a header, parameter, field, element or member of this name holds a secret. */
  isSecretName(name: string): boolean {
    const n = normalizeName(name);
    if (n === '') return false;
    if (this.#extraNames.some((r) => r.test(n))) return true;
    if (!this.settings.defaults) return false;
    if (n.startsWith('accesscontrol') || NOT_SECRET_SUFFIXES.some((suffix) => n.endsWith(suffix) && n !== suffix)) return false;
    return SECRET_NAMES.includes(n) || SECRET_NAME_PARTS.some((part) => n.includes(part));
  }

  /** Pass 1: remembers the secrets (and personal values) one exchange holds. */
  learn(e: ExchangeContents): void {
    this.#redact(e, undefined);
  }

  /** Pass 2: the exchange with every known secret masked (and personal data replaced, with maskPii). */
  redact(e: ExchangeContents): { exchange: ExchangeContents; counts: Partial<Record<RedactionPlace, number>> } {
    const counts: Partial<Record<RedactionPlace, number>> = {};
    const seen = new Set<string>();
    const exchange = this.#redact(e, (place, value) => {
      const key = `${place}\0${value}`;
      if (seen.has(key)) return;
      seen.add(key);
      counts[place] = (counts[place] ?? 0) + 1;
    });
    return { exchange, counts };
  }

  /** Adds one exchange's counts to the session's report (only exchanges that are kept count). */
  count(counts: Partial<Record<RedactionPlace, number>>): void {
    let any = false;
    for (const [place, n] of Object.entries(counts) as Array<[RedactionPlace, number]>) {
      if (!n) continue;
      any = true;
      this.#counts[place] = (this.#counts[place] ?? 0) + n;
    }
    if (any) this.#exchanges++;
  }

  report(): RedactionReport {
    return summarize(this.#counts, this.#exchanges);
  }

  /** A text with every credential pattern, known secret and (with maskPii) personal value replaced. */
  redactText(text: string, place: RedactionPlace, count?: Counter): string {
    return this.#text(text, place, count);
  }

  // ---- the walk over one exchange ----

  #redact(e: ExchangeContents, count: Counter | undefined): ExchangeContents {
    const url = this.#url(e.url, count);
    const requestHeaders = this.#headerList(e.requestHeaders, count, false);
    const requestBody = this.#body(e.requestBody, e.requestHeaders, count, true);
    let responseHeaders = this.#headerList(e.responseHeaders, count, true);
    const response = this.#body(e.responseBody, e.responseHeaders, count, false);
    if (response.decoded) responseHeaders = withoutRawHeader(responseHeaders, 'content-encoding');
    return {
      method: e.method, url, requestHeaders, requestBody: requestBody.bytes, status: e.status, responseHeaders, responseBody: response.bytes,
    };
  }

  /** Remembers a secret (and the parts it is made of: a Bearer token, the user:password of Basic). */
  #learnSecret(value: string): void {
    const v = value.trim();
    if (!isSweepable(v) || v.includes(this.settings.replacement)) return;
    if (this.#secrets.has(v)) return;
    this.#secrets.set(v, ++this.#generation);
    if (this.#secrets.size > this.#maxKnown) this.#secrets.delete(this.#secrets.keys().next().value!);
    this.#sweep = undefined;
    const scheme = /^(?:Bearer|Basic|Token|Digest)\s+(\S+)$/i.exec(v);
    if (scheme) this.#learnSecret(scheme[1]!);
    if (/^Basic\s/i.test(v) || /^[A-Za-z0-9+/]{8,}={0,2}$/.test(v)) {
      const decoded = Buffer.from(v.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0 && /^[\x20-\x7e]+$/.test(decoded)) {
        this.#learnSecret(decoded);
        this.#learnSecret(decoded.slice(colon + 1));
      }
    }
  }

  #learnFake(real: string, fake: string, kind: RedactionPlace): void {
    if (this.#fakes.has(real)) return;
    this.#fakes.set(real, { fake, kind, generation: ++this.#generation });
    this.#fakeValues.add(fake);
    if (this.#fakes.size > this.#maxKnown) {
      const oldest = this.#fakes.keys().next().value!;
      this.#fakeValues.delete(this.#fakes.get(oldest)!.fake);
      this.#fakes.delete(oldest);
    }
    this.#sweep = undefined;
  }

  /** A secret value, masked where it was found. */
  #mask(value: string, place: RedactionPlace, count: Counter | undefined): string {
    if (value === '' || value === this.settings.replacement) return value;
    this.#learnSecret(value);
    count?.(place, value);
    return this.settings.replacement;
  }

  #text(text: string, place: RedactionPlace, count: Counter | undefined): string {
    if (text === '') return text;
    let out = text;
    for (const { pattern, group } of this.#patterns) {
      pattern.lastIndex = 0;
      if (!pattern.test(out)) continue;
      pattern.lastIndex = 0;
      out = out.replace(pattern, (match: string, ...args: unknown[]) => {
        if (group === undefined) return this.#mask(match, place, count);
        const part = args[group - 1] as string | undefined;
        if (part === undefined || part === this.settings.replacement) return match;
        const at = match.lastIndexOf(part);
        return match.slice(0, at) + this.#mask(part, place, count) + match.slice(at + part.length);
      });
    }
    if (out.includes('=')) out = this.#embeddedParameters(out, place, count);
    if (this.settings.maskPii) out = this.#pii(out, count);
    if (count !== undefined) out = this.#sweepKnown(out, count);
    return out;
  }

  /**
   * `name=value` pairs inside a text, after `?`, `&`, `#` or `;` (a URL in a JSON member or a Location
   * header, an OAuth implicit-flow fragment, a cookie string echoed in a body): a secret name's value is masked.
   */
  #embeddedParameters(text: string, place: RedactionPlace, count: Counter | undefined): string {
    return text.replace(/([?&#;]\s*)([A-Za-z0-9_.[\]-]+)=([^&#\s"'<>;,]+)/g, (m, lead: string, name: string, value: string) => {
      if (!this.isSecretName(name) && !this.#queryParameters.has(name)) return m;
      let decoded = value;
      try { decoded = decodeFormComponent(value); } catch { /* kept as written */ }
      if (decoded.includes(this.settings.replacement) || value.includes(formEncode(this.settings.replacement))) return m;
      this.#learnSecret(decoded);
      count?.(place, decoded);
      // The mask as it is, as the sweep writes it: recognisable wherever the text is read.
      return `${lead}${name}=${this.settings.replacement}`;
    });
  }

  #pii(text: string, count: Counter | undefined): string {
    let out = text;
    for (const { kind, pattern, take } of PII_PATTERNS) {
      out = replaceAccepted(out, pattern, take, (m) => {
        if (this.#fakeValues.has(m)) return m;
        count?.(kind, m);
        return this.#fake(m, kind);
      });
    }
    return out;
  }

  /** The synthetic value for a personal one: same shape, the same every time within this redactor. */
  #fake(real: string, kind: RedactionPlace): string {
    const known = this.#fakes.get(real);
    if (known) return known.fake;
    let fake = '';
    for (let attempt = 0; fake === '' || fake === real; attempt++) fake = makeFake(real, kind, this.#stream(`${kind}\0${real}\0${attempt}`));
    this.#learnFake(real, fake, kind);
    return fake;
  }

  /** Deterministic pseudo-random digits and letters for one value. */
  #stream(seed: string): () => number {
    let block = 0;
    let bytes = Buffer.alloc(0);
    let i = 0;
    return () => {
      if (i >= bytes.length) {
        bytes = createHmac('sha256', this.#key).update(`${seed}\0${block++}`).digest();
        i = 0;
      }
      return bytes[i++]!;
    };
  }

  /** Every other occurrence of what is known, in every encoding it travels in. */
  #sweepKnown(text: string, count: Counter): string {
    const sweep = this.#sweepTable();
    let out = text;
    sweep.regex.lastIndex = 0;
    if (sweep.regex.test(out)) {
      sweep.regex.lastIndex = 0;
      out = out.replace(sweep.regex, (m) => {
        const entry = sweep.table.get(m)!;
        count(entry.place, m);
        return entry.replacement;
      });
    }
    const raw = sweep.raw;
    if (raw !== undefined) {
      // A secret inside base64 (a Basic credential of a learnt password, an encoded JSON token holding one).
      out = out.replace(/[A-Za-z0-9+/_-]{12,}={0,2}/g, (run) => {
        raw.lastIndex = 0;
        if (!raw.test(Buffer.from(run, 'base64').toString('latin1'))) return run;
        count('repeated occurrence', run);
        return this.settings.replacement;
      });
    }
    return out;
  }

  #sweepTable(): Sweep {
    if (this.#sweep !== undefined) return this.#sweep;
    const table = new Map<string, SweepEntry>();
    const r = this.settings.replacement;
    const add = (variant: string, replacement: string, place: RedactionPlace): void => {
      if (variant.length >= 4 && !table.has(variant)) table.set(variant, { replacement, place });
    };
    for (const secret of this.#secrets.keys()) {
      const [plain, url, form, json, xml, ...base64] = spellings(secret);
      add(plain!, r, 'repeated occurrence');
      add(url!, encodeURIComponent(r), 'repeated occurrence');
      add(form!, formEncode(r), 'repeated occurrence');
      add(json!, jsonEscape(r), 'repeated occurrence');
      add(xml!, xmlEscape(r), 'repeated occurrence');
      for (const b of base64) add(b, r, 'repeated occurrence');
    }
    for (const [real, { fake, kind }] of this.#fakes) {
      add(real, fake, kind);
      add(encodeURIComponent(real), encodeURIComponent(fake), kind);
      add(formEncode(real), formEncode(fake), kind);
    }
    const alternation = (values: string[]): RegExp => new RegExp(values.sort((a, b) => b.length - a.length).map(escapeRegex).join('|'), 'g');
    const secrets = [...this.#secrets.keys()];
    this.#sweep = {
      regex: table.size === 0 ? /(?!)/g : alternation([...table.keys()]), table,
      raw: secrets.length === 0 ? undefined : alternation(secrets),
    };
    return this.#sweep;
  }

  // ---- places ----

  #url(url: string, count: Counter | undefined): string {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const segments = path.split('/').map((segment) => {
      if (segment === '') return segment;
      let decoded: string;
      try { decoded = decodeURIComponent(segment); } catch { decoded = segment; }
      const redacted = this.#text(decoded, 'path segment', count);
      return redacted === decoded ? segment : encodeURIComponent(redacted);
    });
    const newPath = segments.join('/');
    if (q === -1) return newPath;
    return `${newPath}?${this.#formEncoded(url.slice(q + 1), 'query parameter', count, this.#queryParameters)}`;
  }

  /** A query string or a form body: pairs whose name is secret are masked, the other values inspected. */
  #formEncoded(text: string, place: RedactionPlace, count: Counter | undefined, extraNames?: Set<string>): string {
    return text.split('&').map((pair) => {
      const eq = pair.indexOf('=');
      if (eq === -1) {
        const bare = this.#text(decodeFormComponent(pair), place, count);
        return bare === decodeFormComponent(pair) ? pair : formEncode(bare);
      }
      const rawName = pair.slice(0, eq);
      const name = decodeFormComponent(rawName);
      const value = decodeFormComponent(pair.slice(eq + 1));
      const redacted = this.isSecretName(name) || extraNames?.has(name) ? this.#mask(value, place, count) : this.#text(value, place, count);
      return redacted === value ? pair : `${rawName}=${formEncode(redacted)}`;
    }).join('&');
  }

  #headerList(headers: readonly string[], count: Counter | undefined, isResponse: boolean): string[] {
    const out: string[] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i]!;
      const value = headers[i + 1]!;
      const lower = name.toLowerCase();
      let redacted: string;
      if (lower === 'cookie' || (lower === 'set-cookie' && isResponse)) redacted = this.#cookies(value, lower === 'set-cookie', count);
      else if (this.#headers.has(lower) || this.isSecretName(name)) redacted = this.#mask(value, 'header', count);
      else redacted = this.#text(value, 'header', count);
      out.push(name, redacted);
    }
    return out;
  }

  /** Cookie and Set-Cookie: every cookie's value masked, names and attributes kept. */
  #cookies(value: string, isSetCookie: boolean, count: Counter | undefined): string {
    if (!this.settings.defaults && !this.#headers.has(isSetCookie ? 'set-cookie' : 'cookie')) return this.#text(value, 'header', count);
    const parts = isSetCookie ? [value.split(';')[0]!, ...value.split(';').slice(1)] : value.split(';');
    const cookies = isSetCookie ? parts.slice(0, 1) : parts;
    const masked = cookies.map((c) => {
      const eq = c.indexOf('=');
      if (eq === -1) return c;
      const v = c.slice(eq + 1).trim();
      return v === '' ? c : `${c.slice(0, eq + 1)}${this.#mask(v, 'cookie', count)}`;
    });
    return isSetCookie ? [masked[0], ...parts.slice(1).map((a) => this.#text(a, 'header', count))].join(';') : masked.join(';');
  }

  /** A body, decoded to be inspected; `decoded` when it is returned decoded (it changed). */
  #body(body: Buffer, headers: readonly string[], count: Counter | undefined, isRequest: boolean): { bytes: Buffer; decoded: boolean } {
    if (body.length === 0) return { bytes: body, decoded: false };
    const encoding = rawHeader(headers, 'content-encoding');
    let plain = body;
    let wasEncoded = false;
    if (encoding !== undefined && !/^\s*(identity)?\s*$/i.test(encoding)) {
      const decoded = decodeAll(body, encoding);
      if (decoded !== undefined) {
        plain = decoded;
        wasEncoded = true;
      } else if (!isRequest) {
        // What cannot be read cannot be checked: it is not kept (a request body is matched as sent, so it was read as it is).
        count?.('uninspectable body', '');
        return { bytes: Buffer.alloc(0), decoded: true };
      }
    }
    const redacted = this.#bodyContents(plain, rawHeader(headers, 'content-type') ?? '', count);
    if (redacted === plain) return { bytes: body, decoded: false };
    return { bytes: redacted, decoded: wasEncoded };
  }

  /** Returns `plain` itself when nothing changed. */
  #bodyContents(plain: Buffer, rawContentType: string, count: Counter | undefined): Buffer {
    const utf8 = isUtf8(plain);
    // A body that is not UTF-8 is read byte for byte (latin1), so every byte it does not mask is written back as it was.
    const text = plain.toString(utf8 ? 'utf8' : 'latin1');
    let out = this.#structured(text, rawContentType, count, utf8);
    // The safety net: what a structured walk skipped is swept as plain text too (XML is walked whole, node by node).
    if (!isXml(text, rawContentType.toLowerCase(), multipartBoundary(rawContentType))) out = this.#text(out, 'body text', count);
    return out === text ? plain : Buffer.from(out, utf8 ? 'utf8' : 'latin1');
  }

  /** A body (or a multipart part) read by its Content-Type: multipart, JSON, form, XML or plain text. */
  #structured(text: string, rawContentType: string, count: Counter | undefined, utf8: boolean): string {
    const contentType = rawContentType.toLowerCase();
    const boundary = multipartBoundary(rawContentType);
    if (boundary !== undefined) return this.#multipart(text, boundary, count, utf8);
    if (/json/.test(contentType) || /^\uFEFF?\s*[[{]/.test(text)) {
      const json = this.#json(text, count);
      if (json !== undefined) return json;
    }
    if (/x-www-form-urlencoded/.test(contentType)) {
      const eol = /\r?\n$/.exec(text)?.[0] ?? '';
      return this.#formEncoded(text.slice(0, text.length - eol.length), 'form field', count) + eol;
    }
    if (isXml(text, contentType, undefined)) return this.#xml(text, count);
    return this.#text(text, 'body text', count);
  }

  /**
   * A JSON text with members named as secrets masked and every string inspected; undefined when not
   * JSON. Only the values that change are rewritten, in place: every other byte (big integers, `1.10`,
   * spacing, key order) stays as it was.
   */
  #json(source: string, count: Counter | undefined): string | undefined {
    const bom = source.startsWith('\uFEFF') ? '\uFEFF' : '';
    const text = source.slice(bom.length);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return undefined;
    }
    const { JSONPath, parseTree } = jsonLibraries();
    const root = parseTree(text);
    if (root === undefined) return undefined;
    const named = new Set<string>();
    for (const path of this.settings.jsonPaths) {
      try {
        for (const p of JSONPath({ path, json: data as object, resultType: 'pointer', wrap: true }) as string[]) named.add(p);
      } catch { /* a bad path was reported when the spec was read */ }
    }
    const edits: Array<{ offset: number; length: number; text: string }> = [];
    const replace = (node: JsonNode, value: string): void => { edits.push({ offset: node.offset, length: node.length, text: JSON.stringify(value) }); };
    const maskAll = (node: JsonNode): void => {
      if (node.type === 'object') for (const p of node.children ?? []) { if (p.children?.[1]) maskAll(p.children[1]); }
      else if (node.type === 'array') for (const c of node.children ?? []) maskAll(c);
      else if (node.type !== 'null' && node.value !== '') {
        const raw = node.type === 'string' ? String(node.value) : text.slice(node.offset, node.offset + node.length);
        replace(node, this.#mask(raw, 'JSON member', count));
      }
    };
    const walk = (node: JsonNode, name: string | undefined, pointer: string): void => {
      if ((name !== undefined && this.isSecretName(name)) || named.has(pointer)) return maskAll(node);
      if (node.type === 'string') {
        const v = String(node.value);
        const inner = /^\s*[{[]/.test(v) ? this.#json(v, count) : undefined;
        if (inner !== undefined) {
          // JSON inside a JSON string (an event payload, a JWT claim set): its members are walked too.
          if (inner !== v) replace(node, inner);
          return;
        }
        const r = this.settings.maskPii && name !== undefined && PHONE_NAMES.has(normalizeName(name)) && /\d{6,}/.test(v.replace(/\D/g, ''))
          ? this.#phoneByName(v, count) : this.#text(v, 'JSON member', count);
        if (r !== v) replace(node, r);
      } else if (node.type === 'array') {
        (node.children ?? []).forEach((c, i) => walk(c, name, `${pointer}/${i}`));
      } else if (node.type === 'object') {
        for (const property of node.children ?? []) {
          const [keyNode, valueNode] = property.children ?? [];
          if (keyNode === undefined) continue;
          const k = String(keyNode.value);
          const key = this.#text(k, 'JSON member', count);
          if (key !== k) replace(keyNode, key);
          if (valueNode) walk(valueNode, k, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
        }
      }
    };
    walk(root, undefined, '');
    if (edits.length === 0) return source;
    edits.sort((a, b) => a.offset - b.offset);
    let out = bom;
    let at = 0;
    for (const edit of edits) {
      out += text.slice(at, edit.offset) + edit.text;
      at = edit.offset + edit.length;
    }
    return out + text.slice(at);
  }

  #phoneByName(value: string, count: Counter | undefined): string {
    if (this.#fakeValues.has(value)) return value;
    count?.('phone number', value);
    return this.#fake(value, 'phone number');
  }

  /**
   * XML, read node by node in one pass: the text and CDATA of an element named as a secret (and of every
   * element inside it, past comments) are masked, so are attributes named as secrets; every other text,
   * attribute value and comment is inspected. What is written in XML is written XML-escaped, so the
   * document stays well-formed (`&lt;redacted&gt;`).
   */
  #xml(text: string, count: Counter | undefined): string {
    const r = this.settings.replacement;
    const escapedMask = xmlEscapeText(r);
    const inXml = (s: string): string => (s.includes(r) ? s.split(r).join(escapedMask) : s);
    const inspect = (s: string, place: RedactionPlace): string => (s.trim() === '' ? s : inXml(this.#text(s, place, count)));
    /** Whether each open element is, or is inside, an element named as a secret. */
    const secret: boolean[] = [];
    /** Whether each open element is itself named as a secret (its own text is masked). */
    const ownSecret: boolean[] = [];
    const maskText = (raw: string): string => {
      const lead = /^\s*/.exec(raw)![0];
      const trail = /\s*$/.exec(raw.slice(lead.length))![0];
      const value = raw.slice(lead.length, raw.length - trail.length);
      return value === '' ? raw : `${lead}${inXml(this.#mask(unescapeXml(value), 'XML element', count))}${trail}`;
    };
    let out = '';
    let at = 0;
    while (at < text.length) {
      const lt = text.indexOf('<', at);
      const content = text.slice(at, lt === -1 ? text.length : lt);
      if (content !== '') out += secret.at(-1) || ownSecret.at(-1) ? maskText(content) : inspect(content, 'XML element');
      if (lt === -1) break;
      if (text.startsWith('<!--', lt)) {
        const end = text.indexOf('-->', lt + 4);
        if (end === -1) { out += inspect(text.slice(lt), 'XML element'); break; }
        out += `<!--${inspect(text.slice(lt + 4, end), 'XML element')}-->`;
        at = end + 3;
      } else if (text.startsWith('<![CDATA[', lt)) {
        const end = text.indexOf(']]>', lt + 9);
        if (end === -1) { out += inspect(text.slice(lt), 'XML element'); break; }
        const inner = text.slice(lt + 9, end);
        out += `<![CDATA[${(secret.at(-1) || ownSecret.at(-1)) && inner.trim() !== '' ? this.#mask(inner, 'XML element', count) : inspect(inner, 'XML element')}]]>`;
        at = end + 3;
      } else {
        const end = tagEnd(text, lt);
        if (end === -1) { out += inspect(text.slice(lt), 'XML element'); break; }
        const tag = text.slice(lt, end + 1);
        const name = /^<\/?([^\s/>]+)/.exec(tag)?.[1];
        if (name === undefined || tag.startsWith('<?') || tag.startsWith('<!')) {
          out += inspect(tag, 'XML element');
        } else if (tag.startsWith('</')) {
          secret.pop();
          ownSecret.pop();
          out += tag;
        } else {
          out += tag.replace(/(\s)([^\s=/>"']+)(\s*=\s*)(?:"([^"]*)"|'([^']*)')/g, (m, space: string, attr: string, eq: string, dq: string | undefined, sq: string | undefined) => {
            const value = dq ?? sq ?? '';
            const quote = dq !== undefined ? '"' : "'";
            if (value === '') return m;
            const local = attr.slice(attr.indexOf(':') + 1);
            const masked = this.isSecretName(local) ? inXml(this.#mask(unescapeXml(value), 'XML attribute', count)) : inspect(value, 'XML attribute');
            return masked === value ? m : `${space}${attr}${eq}${quote}${masked}${quote}`;
          });
          if (!tag.endsWith('/>')) {
            // A secret element's own text is masked; the text of elements inside it too (`<password><value>`), unless
            // its name is one of the short words that name a container as often as a value (`<auth><user>`).
            const local = name.slice(name.indexOf(':') + 1);
            const own = this.isSecretName(local);
            secret.push(secret.at(-1) === true || (own && !SECRET_NAMES.includes(normalizeName(local))));
            ownSecret.push(own);
          }
        }
        at = end + 1;
      }
    }
    return out;
  }

  /**
   * multipart: a part named as a secret has its content masked; the others are read by their own
   * Content-Type (a JSON, form or XML part is walked as such a body is). Lines may end in CRLF or a bare
   * LF, as the matcher accepts both.
   */
  #multipart(text: string, boundary: string, count: Counter | undefined, utf8: boolean): string {
    const delimiter = `--${boundary}`;
    const pieces = text.split(delimiter);
    return pieces.map((piece, i) => {
      if (i === 0 || piece.startsWith('--')) return piece;
      const blank = /\r?\n\r?\n/.exec(piece);
      if (blank === null) return piece;
      const head = piece.slice(0, blank.index);
      const separator = blank[0];
      const content = piece.slice(blank.index + separator.length);
      const name = /\bname="([^"]*)"/i.exec(head)?.[1] ?? /\bname=([^\s;]+)/i.exec(head)?.[1] ?? '';
      const partType = /(?:^|\n)content-type:[ \t]*([^\r\n]*)/i.exec(head)?.[1] ?? '';
      const trailing = /\r?\n$/.exec(content)?.[0] ?? '';
      const value = content.slice(0, content.length - trailing.length);
      let redacted: string;
      if (this.isSecretName(name)) redacted = this.#mask(value, 'multipart field', count);
      else {
        redacted = partType === '' ? this.#text(value, 'multipart field', count) : this.#structured(value, partType, count, utf8);
        if (!isXml(value, partType.toLowerCase(), multipartBoundary(partType))) redacted = this.#text(redacted, 'multipart field', count);
      }
      const newHead = this.#text(head, 'multipart field', count);
      return redacted === value && newHead === head ? piece : `${newHead}${separator}${redacted}${trailing}`;
    }).join(delimiter);
  }
}

type JsonNode = import('jsonc-parser').Node;

let loadedJsonLibraries: { JSONPath: typeof JsonPathFunction; parseTree: typeof ParseTree } | undefined;
/**
 * jsonpath-plus and jsonc-parser, loaded with the first JSON body redacted: a server that never redacts
 * one should not import them at start-up. A synchronous require keeps redaction synchronous.
 */
function jsonLibraries(): { JSONPath: typeof JsonPathFunction; parseTree: typeof ParseTree } {
  if (loadedJsonLibraries !== undefined) return loadedJsonLibraries;
  const load = createRequire(import.meta.url);
  return (loadedJsonLibraries = {
    JSONPath: (load('jsonpath-plus') as { JSONPath: typeof JsonPathFunction }).JSONPath,
    parseTree: (load('jsonc-parser') as { parseTree: typeof ParseTree }).parseTree,
  });
}

function isXml(text: string, contentType: string, boundary: string | undefined): boolean {
  if (boundary !== undefined || /json|x-www-form-urlencoded/.test(contentType)) return false;
  return /xml/.test(contentType) || /^\uFEFF?\s*<[?!A-Za-z]/.test(text);
}

/** Where the tag opening at `lt` ends (its `>`, quotes respected); -1 when it never does. */
function tagEnd(text: string, lt: number): number {
  let quote = '';
  for (let i = lt + 1; i < text.length; i++) {
    const c = text[i]!;
    if (quote !== '') { if (c === quote) quote = ''; }
    else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i;
    else if (c === '<') return -1;
  }
  return -1;
}

/** Escaped for XML text and attribute values alike (quotes too, so it fits in either quote). */
function xmlEscapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** A synthetic value of the same shape as `real`. */
function makeFake(real: string, kind: RedactionPlace, next: () => number): string {
  const digit = (): string => String(next() % 10);
  const letter = (): string => String.fromCharCode(97 + (next() % 26));
  switch (kind) {
    case 'e-mail address': {
      const local = Array.from({ length: 8 }, () => (next() % 2 ? letter() : digit())).join('');
      return `user.${local}@example.com`;
    }
    case 'card number': {
      // Same length, separators and first digit (the network), a valid Luhn check digit.
      const digits = real.replace(/\D/g, '');
      let body = digits[0]!;
      for (let i = 1; i < digits.length - 1; i++) body += digit();
      for (let check = 0; check < 10; check++) {
        if (luhnValid(body + check)) { body += check; break; }
      }
      let k = 0;
      return real.replace(/\d/g, () => body[k++]!);
    }
    case 'IBAN': {
      const compact = real.replace(/ /g, '');
      const country = compact.slice(0, 2);
      const bban = compact.slice(4).replace(/[0-9]/g, digit).replace(/[A-Z]/g, () => letter().toUpperCase());
      const check = String(98 - ibanRemainder(`${country}00${bban}`)).padStart(2, '0');
      const fake = `${country}${check}${bban}`;
      let k = 0;
      return real.replace(/[A-Z0-9]/g, () => fake[k++]!);
    }
    case 'US social security number':
      return `9${digit()}${digit()}-${digit()}${digit()}-${digit()}${digit()}${digit()}${digit()}`;
    default: {
      // A phone number: the + and the first digit (the country) kept, every other digit drawn.
      let first = true;
      return real.replace(/\d/g, (d) => {
        if (first && real.trimStart().startsWith('+')) { first = false; return d; }
        first = false;
        return digit();
      });
    }
  }
}
