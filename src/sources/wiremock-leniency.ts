/**
 * WireMock's lenient reading of JSON mappings, matched where real mapping files rely on it.
 *
 * WireMock reads mapping files (and admin API bodies) with one Jackson `ObjectMapper` configured with
 * `ALLOW_COMMENTS` and `ALLOW_SINGLE_QUOTES`, Jackson's default scalar coercions (`"200"` is read as
 * the number 200, `201.7` as 201, `5` as the string "5"), no check for text after the first value,
 * and its own pattern reader, which applies the first match operator of a pattern object and skips
 * every other key. Files written against WireMock use all of these, so Decoy reads them the same way,
 * and tells the user each time (`DECOY_WARN_WIREMOCK_LENIENCY` with file:line:column) so the file can
 * be cleaned. Every rule here was checked against the real wiremock-standalone 3.13.2.
 *
 * Two steps: `relaxJsonText` turns the text into strict JSON of the same length (comments and trailing
 * text become spaces, so every line and column stays where it was), and `relaxWireMockStub` rewrites
 * one parsed stub definition into the form Decoy's strict schema and compilers accept. Decoy's YAML is
 * not read through either: it stays strict.
 */
import { createScanner } from 'jsonc-parser';
import type { ErrorSource } from '../core/errors.js';
import { joinPointer } from '../core/errors.js';
import { MULTI_VALUE_OPERATORS, VALUE_OPERATOR_OPTIONS, VALUE_OPERATORS } from '../core/matching/value-matchers.js';

export const WIREMOCK_LENIENCY = 'DECOY_WARN_WIREMOCK_LENIENCY';

/** A warning about a file (or admin request) that loads, but only because WireMock's reader is lenient. */
export class LoadWarning {
  readonly code = WIREMOCK_LENIENCY;

  constructor(readonly message: string, readonly source: ErrorSource = {}) {}

  /** `file:line:column CODE message`, as load errors are written. */
  format(): string {
    const s = this.source;
    let where = '';
    if (s.file) {
      where = s.file;
      if (s.line !== undefined) where += `:${s.line}` + (s.column !== undefined ? `:${s.column}` : '');
      where += ' ';
    }
    const pointer = s.pointer !== undefined && s.pointer !== '' && s.line === undefined ? ` (at ${s.pointer})` : '';
    return `${where}${this.code} ${this.message}${pointer}`;
  }
}

/** One use of a leniency in the text, by offset. */
export interface TextLeniency {
  offset: number;
  message: string;
}

/** A problem in the text that WireMock refuses too (an unclosed comment or quote). */
export interface TextProblem {
  offset: number;
  message: string;
}

// jsonc-parser's SyntaxKind and ScanError (declared as const enums, which this build cannot inline).
const OPEN_BRACE = 1, CLOSE_BRACE = 2, OPEN_BRACKET = 3, CLOSE_BRACKET = 4;
const LINE_COMMENT = 12, BLOCK_COMMENT = 13, LINE_BREAK = 14, TRIVIA = 15, UNKNOWN = 16, EOF = 17;
const UNEXPECTED_END_OF_COMMENT = 1;

/** Spaces in place of `s`, keeping its line breaks (so lines and columns after it do not move). */
function blank(s: string): string {
  return s.replace(/[^\r\n]/g, ' ');
}

function excerpt(s: string, max = 30): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 3)}...` : one;
}

/**
 * A Jackson single-quoted string starting at `start` (a `'`): its end (after the closing quote) and
 * the same string in JSON's double quotes, or undefined when it is not closed on its line. Jackson
 * reads `\'` as a quote and other escapes as JSON does; a `"` inside needs no escape.
 */
function singleQuoted(text: string, start: number): { end: number; json: string } | undefined {
  let out = '"';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') return undefined;
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) return undefined;
      out += next === "'" ? "'" : c + next;
      i++;
    } else if (c === "'") {
      return { end: i + 1, json: out + '"' };
    } else {
      out += c === '"' ? '\\"' : c;
    }
  }
  return undefined;
}

/**
 * Turns WireMock-flavoured JSON into strict JSON: comments (`//`, `/* *\/`) and anything after the
 * first top-level value become spaces, single-quoted strings become double-quoted, a leading byte
 * order mark becomes a space. Lines and columns stay where they were (a single-quoted string that
 * holds a `"` grows by one character per `"`, which moves only what follows it on its line).
 * A run of comments with nothing but white space between them is one leniency.
 */
export function relaxJsonText(text: string): { text: string; leniencies: TextLeniency[]; problems: TextProblem[] } {
  const leniencies: TextLeniency[] = [];
  const problems: TextProblem[] = [];
  const parts: string[] = [];
  let copied = 0;
  const replace = (offset: number, length: number, by: string): void => {
    parts.push(text.slice(copied, offset), by);
    copied = offset + length;
  };
  const scanner = createScanner(text, false);
  if (text.charCodeAt(0) === 0xfeff) {
    replace(0, 1, ' ');
    scanner.setPosition(1);
  }
  let depth = 0;
  let ended = false;
  let commentRun: { offset: number; count: number; first: string } | undefined;
  let quoted: { offset: number; count: number; first: string } | undefined;
  const closeCommentRun = (): void => {
    if (!commentRun) return;
    const what = commentRun.count > 1 ? `${commentRun.count} comments in a row (the first: ${commentRun.first})` : `a comment (${commentRun.first})`;
    leniencies.push({ offset: commentRun.offset, message: `${what}; JSON has no comments, WireMock's reader skips them` });
    commentRun = undefined;
  };

  for (let kind = scanner.scan(); kind !== EOF; kind = scanner.scan()) {
    const offset = scanner.getTokenOffset();
    const length = scanner.getTokenLength();
    if (kind === LINE_COMMENT || kind === BLOCK_COMMENT) {
      if (kind === BLOCK_COMMENT && scanner.getTokenError() === UNEXPECTED_END_OF_COMMENT) {
        problems.push({ offset, message: 'a /* comment is not closed with */' });
        break;
      }
      const comment = text.slice(offset, offset + length);
      if (commentRun) commentRun.count++;
      else commentRun = { offset, count: 1, first: JSON.stringify(excerpt(comment)) };
      replace(offset, length, blank(comment));
      continue;
    }
    if (kind === LINE_BREAK || kind === TRIVIA) continue;
    closeCommentRun();
    if (ended) {
      // Jackson reads the first value and stops: whatever follows is never looked at.
      const rest = text.slice(offset);
      leniencies.push({ offset, message: `text after the end of the top-level value (${JSON.stringify(excerpt(rest))}); WireMock reads the first JSON value and skips the rest` });
      replace(offset, rest.length, blank(rest));
      break;
    }
    if (kind === UNKNOWN && text[offset] === "'") {
      const str = singleQuoted(text, offset);
      if (!str) {
        problems.push({ offset, message: 'a single-quoted string is not closed on its line' });
        break;
      }
      const original = text.slice(offset, str.end);
      if (quoted) quoted.count++;
      else quoted = { offset, count: 1, first: original };
      replace(offset, original.length, str.json.padEnd(original.length, ' '));
      scanner.setPosition(str.end);
      if (depth === 0) ended = true;
      continue;
    }
    if (kind === OPEN_BRACE || kind === OPEN_BRACKET) depth++;
    else if (kind === CLOSE_BRACE || kind === CLOSE_BRACKET) depth--;
    // An unbalanced close is a syntax error, left for the parser to report.
    if (depth < 0) break;
    // A closed object or array, or a scalar at the top, is the whole value.
    if (depth === 0) ended = true;
  }
  closeCommentRun();
  if (quoted) {
    const what = quoted.count > 1 ? `${quoted.count} single-quoted strings (the first: ${excerpt(quoted.first)})` : `a single-quoted string (${excerpt(quoted.first)})`;
    leniencies.push({ offset: quoted.offset, message: `${what}; JSON strings take double quotes, WireMock's reader accepts single ones` });
  }
  parts.push(text.slice(copied));
  leniencies.sort((a, b) => a.offset - b.offset);
  return { text: parts.join(''), leniencies, problems };
}

/** One use of a leniency in a parsed definition: where (a JSON pointer below the stub), and what. */
export interface ValueLeniency {
  pointer: string;
  message: string;
  /** The leniency is about the key itself (a dropped or renamed key), not its value. */
  atKey?: boolean;
}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Integer fields: Jackson reads `"200"` (trimmed, an optional sign) as 200 and `201.7` as 201. */
function relaxInteger(obj: Obj, key: string, pointer: string, out: ValueLeniency[]): void {
  const v = obj[key];
  if (typeof v === 'string') {
    const t = v.trim();
    const at = joinPointer(pointer, key);
    if (/^[+-]?\d+$/.test(t)) {
      obj[key] = Number(t);
      out.push({ pointer: at, message: `"${key}" is a string (${JSON.stringify(v)}); WireMock reads it as the number ${Number(t)}` });
    } else if (t === '' || t === 'null') {
      delete obj[key];
      out.push({ pointer: at, message: `"${key}" is ${JSON.stringify(v)}; WireMock reads it as not set`, atKey: true });
    }
  } else if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)) {
    obj[key] = Math.trunc(v);
    out.push({ pointer: joinPointer(pointer, key), message: `"${key}" is ${v}, not a whole number; WireMock drops the fraction (${Math.trunc(v)})` });
  }
}

/** Boolean fields: Jackson reads "true"/"false" (any case) and the numbers 0 and 1 as booleans. */
function relaxBoolean(obj: Obj, key: string, pointer: string, out: ValueLeniency[]): void {
  const v = obj[key];
  let b: boolean | undefined;
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) b = v.trim().toLowerCase() === 'true';
  else if (typeof v === 'number' && Number.isInteger(v)) b = v !== 0;
  if (b === undefined) return;
  obj[key] = b;
  out.push({ pointer: joinPointer(pointer, key), message: `"${key}" is ${JSON.stringify(v)}, not a boolean; WireMock reads it as ${b}` });
}

/** String fields: Jackson reads a number or boolean as its text. */
function relaxString(obj: Obj, key: string, pointer: string, out: ValueLeniency[]): void {
  const v = obj[key];
  if (typeof v !== 'number' && typeof v !== 'boolean') return;
  obj[key] = String(v);
  out.push({ pointer: joinPointer(pointer, key), message: `"${key}" is ${typeof v === 'number' ? 'a number' : 'a boolean'} (${v}); WireMock reads it as the string ${JSON.stringify(String(v))}` });
}

const STUB_INTEGERS = ['priority', 'insertionIndex'];
const STUB_BOOLEANS = ['persistent'];
const STUB_STRINGS = ['name', 'scenarioName', 'requiredScenarioState', 'newScenarioState'];
const REQUEST_INTEGERS = ['port'];
const REQUEST_STRINGS = ['url', 'urlPattern', 'urlPath', 'urlPathPattern', 'urlPathTemplate', 'scheme'];
const RESPONSE_INTEGERS = ['status', 'fixedDelayMilliseconds'];
const RESPONSE_STRINGS = ['statusMessage', 'bodyFileName', 'base64Body', 'proxyBaseUrl', 'proxyUrlPrefixToRemove'];
const DRIBBLE_INTEGERS = ['numberOfChunks', 'totalDuration'];

const OPERATORS = new Set(VALUE_OPERATORS);
/** The multi-value operators, as WireMock's reader checks them: before any other operator. */
const MULTI = MULTI_VALUE_OPERATORS;

/**
 * A StringValuePattern as WireMock's reader takes it: the first key that names an operator is the
 * operator (`binaryEqualTo` first of all in a body pattern), the other operators and every key that
 * is not an option of that operator are skipped. Decoy's compiler refuses both, so they are dropped
 * here, each with a warning. Operands that are patterns themselves are read the same way.
 */
function relaxPattern(pattern: unknown, pointer: string, out: ValueLeniency[], opts: { body?: boolean; multi?: boolean; keep?: readonly string[] }): void {
  if (!isObject(pattern)) return;
  const keys = Object.keys(pattern);
  if (opts.multi) {
    const multi = MULTI.find((k) => k in pattern);
    if (multi !== undefined) {
      const items = pattern[multi];
      if (Array.isArray(items)) items.forEach((p, i) => relaxPattern(p, joinPointer(pointer, multi, i), out, {}));
      return;
    }
  }
  const operators = keys.filter((k) => OPERATORS.has(k));
  if (operators.length === 0) return;
  const operator = opts.body && operators.includes('binaryEqualTo') ? 'binaryEqualTo' : operators[0]!;
  const options = VALUE_OPERATOR_OPTIONS[operator] ?? [];
  const others = operators.filter((k) => k !== operator);
  for (const key of keys) {
    if (key === operator || options.includes(key) || opts.keep?.includes(key)) continue;
    delete pattern[key];
    const message = others.includes(key)
      ? `the pattern has more than one operator (${operators.join(', ')}); WireMock applies only "${operator}" and skips "${key}"`
      : `"${key}" is not an option of ${operator}; WireMock's reader skips it`;
    out.push({ pointer: joinPointer(pointer, key), message, atKey: true });
  }
  const operand = pattern[operator];
  const at = joinPointer(pointer, operator);
  if ((operator === 'and' || operator === 'or') && Array.isArray(operand)) {
    operand.forEach((p, i) => relaxPattern(p, joinPointer(at, i), out, {}));
  } else if (operator === 'not') {
    relaxPattern(operand, at, out, {});
  } else if ((operator === 'matchesJsonPath' || operator === 'matchesXPath') && isObject(operand)) {
    // The advanced form: `expression` beside a pattern for the values it selects.
    relaxPattern(operand, at, out, { keep: ['expression'] });
  }
}

/**
 * The patterns of `parent[key]` (headers, query parameters, ...), if it has any. Pointers are joined only
 * for what is there: most stubs have few of these maps, and this runs for every stub of every JSON file.
 */
function relaxPatternMap(parent: Obj, key: string, pointer: string, out: ValueLeniency[], multi: boolean): void {
  const map = parent[key];
  if (!isObject(map)) return;
  const at = joinPointer(pointer, key);
  for (const [name, p] of Object.entries(map)) if (isObject(p)) relaxPattern(p, joinPointer(at, name), out, { multi });
}

function relaxRequest(req: Obj, pointer: string, out: ValueLeniency[]): void {
  // `basicAuth` is the name WireMock's reader has always taken; it writes `basicAuthCredentials`, and
  // reads that too, which wins when a file has both.
  if ('basicAuth' in req) {
    const at = joinPointer(pointer, 'basicAuth');
    if ('basicAuthCredentials' in req) {
      out.push({ pointer: at, message: '"basicAuth" is given beside "basicAuthCredentials"; WireMock uses "basicAuthCredentials" and skips it', atKey: true });
    } else {
      req.basicAuthCredentials = req.basicAuth;
      out.push({ pointer: at, message: '"basicAuth" is WireMock\'s older spelling of "basicAuthCredentials"', atKey: true });
    }
    delete req.basicAuth;
  }
  for (const k of REQUEST_INTEGERS) relaxInteger(req, k, pointer, out);
  for (const k of REQUEST_STRINGS) relaxString(req, k, pointer, out);
  const creds = req.basicAuthCredentials;
  if (isObject(creds)) for (const k of ['username', 'password']) relaxString(creds, k, joinPointer(pointer, 'basicAuthCredentials'), out);
  relaxPatternMap(req, 'headers', pointer, out, true);
  relaxPatternMap(req, 'queryParameters', pointer, out, true);
  relaxPatternMap(req, 'formParameters', pointer, out, true);
  relaxPatternMap(req, 'cookies', pointer, out, false);
  relaxPatternMap(req, 'pathParameters', pointer, out, false);
  for (const k of ['host', 'clientIp']) if (isObject(req[k])) relaxPattern(req[k], joinPointer(pointer, k), out, {});
  if (Array.isArray(req.bodyPatterns)) req.bodyPatterns.forEach((p, i) => relaxPattern(p, joinPointer(pointer, 'bodyPatterns', i), out, { body: true }));
  if (Array.isArray(req.multipartPatterns)) {
    req.multipartPatterns.forEach((part, i) => {
      if (!isObject(part)) return;
      const at = joinPointer(pointer, 'multipartPatterns', i);
      relaxPatternMap(part, 'headers', at, out, true);
      if (Array.isArray(part.bodyPatterns)) part.bodyPatterns.forEach((p, j) => relaxPattern(p, joinPointer(at, 'bodyPatterns', j), out, { body: true }));
    });
  }
}

function relaxResponse(res: Obj, pointer: string, out: ValueLeniency[]): void {
  for (const k of RESPONSE_INTEGERS) relaxInteger(res, k, pointer, out);
  for (const k of RESPONSE_STRINGS) relaxString(res, k, pointer, out);
  if (isObject(res.chunkedDribbleDelay)) for (const k of DRIBBLE_INTEGERS) relaxInteger(res.chunkedDribbleDelay, k, joinPointer(pointer, 'chunkedDribbleDelay'), out);
}

/**
 * `id` and `uuid` both set the one id of a WireMock stub: when a file gives two different ones, the
 * one written last wins.
 */
function relaxIdAndUuid(def: Obj, out: ValueLeniency[]): void {
  if (typeof def.id !== 'string' || typeof def.uuid !== 'string' || def.id === def.uuid) return;
  const keys = Object.keys(def);
  const [first, last] = keys.indexOf('id') < keys.indexOf('uuid') ? ['id', 'uuid'] : ['uuid', 'id'];
  out.push({ pointer: `/${first}`, message: `"id" and "uuid" differ (${JSON.stringify(def.id)}, ${JSON.stringify(def.uuid)}); WireMock takes the one written last, "${last}"`, atKey: true });
  delete def[first];
}

/**
 * Rewrites one stub definition, as parsed from JSON, the way WireMock's reader takes it: numbers
 * written as strings, booleans as strings or 0/1, strings as numbers, `basicAuth` for
 * `basicAuthCredentials`, patterns with a second operator or keys their operator does not take.
 * Changes `definition` in place; returns every leniency used, with a pointer below the stub.
 * Decoy's own keys (`responses`, `chaos`, ...) are not WireMock's and are left strict.
 */
export function relaxWireMockStub(definition: unknown): ValueLeniency[] {
  const out: ValueLeniency[] = [];
  if (!isObject(definition)) return out;
  // An editor's hint, not part of the stub: WireMock skips it without a word (and does not list it).
  delete definition.$schema;
  relaxIdAndUuid(definition, out);
  for (const k of STUB_INTEGERS) relaxInteger(definition, k, '', out);
  for (const k of STUB_BOOLEANS) relaxBoolean(definition, k, '', out);
  for (const k of STUB_STRINGS) relaxString(definition, k, '', out);
  if (isObject(definition.request)) relaxRequest(definition.request, '/request', out);
  if (isObject(definition.response)) relaxResponse(definition.response, '/response', out);
  return out;
}

/**
 * The same for a request pattern on its own (verification, `requests/find`, near misses): changes
 * `pattern` in place and returns the leniencies used, with pointers below the pattern.
 */
export function relaxWireMockRequestPattern(pattern: unknown): ValueLeniency[] {
  const out: ValueLeniency[] = [];
  if (isObject(pattern)) relaxRequest(pattern, '', out);
  return out;
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * Parses a JSON document the way WireMock's reader does (comments, single quotes, text after the
 * value), for the admin API: returns the value and a warning per leniency used (with line and column
 * of the body). Throws a SyntaxError, with line and column, for what WireMock refuses too.
 * Stub definitions in the value still go through `relaxWireMockStub`.
 */
export function parseWireMockJson(text: string): { value: unknown; warnings: LoadWarning[] } {
  const relaxed = relaxJsonText(text);
  const problem = relaxed.problems[0];
  if (problem) {
    const { line, column } = lineColumn(text, problem.offset);
    throw new SyntaxError(`${problem.message} at line ${line}, column ${column}`);
  }
  const value = JSON.parse(relaxed.text) as unknown;
  const warnings = relaxed.leniencies.map((l) => new LoadWarning(l.message, lineColumn(text, l.offset)));
  return { value, warnings };
}
