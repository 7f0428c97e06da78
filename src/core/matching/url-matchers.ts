/**
 * The URL part of a request pattern: WireMock's five URL keys plus Decoy's path-to-regexp `path`.
 * Each compiles to a small object that knows how to test a request, where it belongs in the stub
 * index (an exact path, a literal first segment, or anywhere) and how to explain itself.
 */
import { parse as parsePathTemplate, pathToRegexp, type Token } from 'path-to-regexp';
import { DecoyError, joinPointer } from '../errors.js';
import type { DecoyRequest } from '../request.js';
import { compileWholeMatchRegex } from './java-regex.js';
import { escapeRegex } from './matcher-support.js';
import { normalizedLevenshtein } from './levenshtein.js';

export type IndexKey =
  | { kind: 'exact'; path: string }
  | { kind: 'segment'; segment: string }
  | { kind: 'any' };

export interface UrlMatcher {
  readonly key: 'url' | 'urlPattern' | 'urlPath' | 'urlPathPattern' | 'urlPathTemplate' | 'path';
  readonly expected: string;
  readonly indexKey: IndexKey;
  /** True when the pattern looks at the query string too (`url`, `urlPattern`). */
  readonly includesQuery: boolean;
  test(req: DecoyRequest): boolean;
  distance(req: DecoyRequest): number;
  /** Named path parameters, for templates; `{}` otherwise. Call only after `test()` said yes. */
  params(req: DecoyRequest): Record<string, string>;
  /** Names of the template's parameters, for checking `pathParameters`. */
  readonly paramNames: readonly string[];
  explain(): string;
}

export const URL_KEYS = ['url', 'urlPattern', 'urlPath', 'urlPathPattern', 'urlPathTemplate', 'path'] as const;

/** The first path segment of a raw path: `/users/1` → `users`. */
export function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return end === -1 ? path.slice(1) : path.slice(1, end);
}

/**
 * The literal first segment a regex demands, when that is certain: `^/users/[0-9]+` → `users`.
 * Conservative: any alternation, or a quantifier right after the separating slash, could make the
 * first segment something else, so those stubs go to the catch-all bucket instead.
 */
function regexSegment(source: string): string | undefined {
  if (source.includes('|')) return undefined;
  return /^\^?\/([A-Za-z0-9_\-~]+)(?=(?:\/|\\\/)(?![?*{])|\$?$)/.exec(source)?.[1];
}

function compileRegex(source: string, pointer: string): RegExp {
  try {
    // WireMock uses Java's Matcher.matches(): the whole value must match, in Java's regex dialect.
    return compileWholeMatchRegex(source);
  } catch (e) {
    throw new DecoyError('DECOY_ERR_STUB_COMPILE', `invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message}`, { source: { pointer } });
  }
}

function regexDistance(re: RegExp, value: string, expected: string): number {
  return re.test(value) ? 0 : Math.max(0.1, normalizedLevenshtein(expected, value));
}

function templateSegment(tokens: Token[]): string | undefined {
  const first = tokens[0];
  if (!first || first.type !== 'text' || !first.value.startsWith('/')) return undefined;
  const rest = first.value.slice(1);
  const slash = rest.indexOf('/');
  if (slash !== -1) return rest.slice(0, slash);
  // `/users` followed directly by a parameter would be part of the same segment.
  return tokens.length === 1 ? rest : undefined;
}

function safeDecode(s: string): string {
  try { return decodeURIComponent(s); } catch { return s; }
}

/** WireMock's `urlPathTemplate`: `/users/{id}` where `{id}` is one path segment. */
function compileWireMockTemplate(template: string, pointer: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  let source = '';
  let last = 0;
  const re = /\{([^{}]*)\}/g;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    const name = m[1]!;
    if (!/^[A-Za-z_][A-Za-z0-9_\-]*$/.test(name)) {
      throw new DecoyError('DECOY_ERR_STUB_COMPILE', `invalid parameter name {${name}} in urlPathTemplate ${JSON.stringify(template)}`, {
        source: { pointer }, hint: 'parameter names are letters, digits, "_" and "-", e.g. /users/{userId}',
      });
    }
    if (names.includes(name)) throw new DecoyError('DECOY_ERR_STUB_COMPILE', `parameter {${name}} appears twice in urlPathTemplate ${JSON.stringify(template)}`, { source: { pointer } });
    names.push(name);
    source += escapeRegex(template.slice(last, m.index)) + '([^/]+)';
    last = m.index + m[0].length;
  }
  source += escapeRegex(template.slice(last));
  return { regex: new RegExp(`^${source}$`), names };
}

/*
 * One class per URL key: a stub holds one small object with its expected value (and compiled regex),
 * its methods live on the prototype. Ten thousand stubs would otherwise carry ten thousand sets of
 * closures and their contexts.
 */
const NO_NAMES: readonly string[] = Object.freeze([]);
const ANY_KEY: IndexKey = Object.freeze({ kind: 'any' });

class ExactUrl implements UrlMatcher {
  constructor(readonly expected: string) {}
  get key(): 'url' { return 'url'; }
  get includesQuery(): boolean { return true; }
  get paramNames(): readonly string[] { return NO_NAMES; }
  get indexKey(): IndexKey { return { kind: 'exact', path: this.expected.split('?')[0]! }; }
  test(req: DecoyRequest): boolean { return req.url === this.expected; }
  distance(req: DecoyRequest): number { return normalizedLevenshtein(this.expected, req.url); }
  params(): Record<string, string> { return {}; }
  explain(): string { return `URL is ${JSON.stringify(this.expected)}`; }
}

class ExactPath implements UrlMatcher {
  constructor(readonly expected: string) {}
  get key(): 'urlPath' { return 'urlPath'; }
  get includesQuery(): boolean { return false; }
  get paramNames(): readonly string[] { return NO_NAMES; }
  get indexKey(): IndexKey { return { kind: 'exact', path: this.expected }; }
  test(req: DecoyRequest): boolean { return req.path === this.expected; }
  distance(req: DecoyRequest): number { return normalizedLevenshtein(this.expected, req.path); }
  params(): Record<string, string> { return {}; }
  explain(): string { return `path is ${JSON.stringify(this.expected)}`; }
}

class RegexUrl implements UrlMatcher {
  constructor(readonly key: 'urlPattern' | 'urlPathPattern', readonly expected: string, readonly indexKey: IndexKey, private readonly re: RegExp) {}
  get includesQuery(): boolean { return this.key === 'urlPattern'; }
  get paramNames(): readonly string[] { return NO_NAMES; }
  test(req: DecoyRequest): boolean { return this.re.test(this.key === 'urlPathPattern' ? req.path : req.url); }
  distance(req: DecoyRequest): number { return regexDistance(this.re, this.key === 'urlPathPattern' ? req.path : req.url, this.expected); }
  params(): Record<string, string> { return {}; }
  explain(): string { return `${this.key === 'urlPathPattern' ? 'path' : 'URL'} matches the regex ${this.expected}`; }
}

/** WireMock's `urlPathTemplate` (`/users/{id}`) and Decoy's `path` (`/users/:id`), compiled to a regex with named groups in order. */
class TemplatePath implements UrlMatcher {
  constructor(
    readonly key: 'urlPathTemplate' | 'path', readonly expected: string, readonly indexKey: IndexKey, private readonly regex: RegExp,
    readonly paramNames: readonly string[], private readonly wildcards: readonly boolean[] | undefined,
  ) {}
  get includesQuery(): boolean { return false; }
  test(req: DecoyRequest): boolean { return this.regex.test(req.path); }
  distance(req: DecoyRequest): number { return this.regex.test(req.path) ? 0 : Math.max(0.1, normalizedLevenshtein(this.expected, req.path)); }
  params(req: DecoyRequest): Record<string, string> {
    const m = this.regex.exec(req.path);
    const out: Record<string, string> = {};
    if (!m) return out;
    this.paramNames.forEach((name, i) => {
      const raw = m[i + 1];
      if (raw === undefined) return;
      // A wildcard captures several segments; each is decoded on its own so an encoded "/" stays one.
      out[name] = this.wildcards?.[i] ? raw.split('/').map(safeDecode).join('/') : safeDecode(raw);
    });
    return out;
  }
  explain(): string { return `path fits the template ${this.expected}`; }
}

export function compileUrlMatcher(request: Record<string, unknown>, pointer: string): UrlMatcher | undefined {
  const present = URL_KEYS.filter((k) => request[k] !== undefined);
  if (present.length > 1) {
    throw new DecoyError('DECOY_ERR_STUB_INVALID', `request has more than one URL key (${present.join(', ')}); use exactly one`, {
      source: { pointer: joinPointer(pointer, present[1]!) },
    });
  }
  const key = present[0];
  if (key === undefined) return undefined;
  const expected = request[key] as string;
  const at = joinPointer(pointer, key);
  switch (key) {
    case 'url':
      return new ExactUrl(expected);
    case 'urlPath':
      return new ExactPath(expected);
    case 'urlPattern':
    case 'urlPathPattern': {
      const re = compileRegex(expected, at);
      const seg = regexSegment(expected);
      return new RegexUrl(key, expected, seg === undefined ? ANY_KEY : { kind: 'segment', segment: seg }, re);
    }
    case 'urlPathTemplate': {
      const { regex, names } = compileWireMockTemplate(expected, at);
      const literal = names.length === 0;
      const seg = /^\/([^/{]+)\//.exec(expected)?.[1];
      const indexKey: IndexKey = literal ? { kind: 'exact', path: expected } : seg ? { kind: 'segment', segment: seg } : ANY_KEY;
      return new TemplatePath(key, expected, indexKey, regex, literal ? NO_NAMES : names, undefined);
    }
    case 'path': {
      let regexp: RegExp;
      let keys: Array<{ name: string; type: string }>;
      let tokens: Token[];
      try {
        tokens = parsePathTemplate(expected).tokens;
        ({ regexp, keys } = pathToRegexp(expected, { sensitive: true, trailing: false }));
      } catch (e) {
        throw new DecoyError('DECOY_ERR_STUB_COMPILE', `invalid path template ${JSON.stringify(expected)}: ${(e as Error).message}`, {
          source: { pointer: at }, hint: 'named parameters are written /users/:id, optional parts {/:id}, wildcards /files/*rest; escape literal characters such as ( ) : * with a backslash',
        });
      }
      const names = keys.map((k) => k.name);
      const literal = names.length === 0 && tokens.every((t) => t.type === 'text');
      const seg = templateSegment(tokens);
      const indexKey: IndexKey = literal ? { kind: 'exact', path: tokens.map((t) => (t as { value: string }).value).join('') } : seg ? { kind: 'segment', segment: seg } : ANY_KEY;
      const wildcards = keys.some((k) => k.type === 'wildcard') ? keys.map((k) => k.type === 'wildcard') : undefined;
      return new TemplatePath(key, expected, indexKey, regexp, names.length === 0 ? NO_NAMES : names, wildcards);
    }
  }
}
