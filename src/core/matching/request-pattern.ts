/**
 * A compiled request pattern: WireMock's RequestPattern. Its parts are ordered cheapest first
 * (method, URL, query, headers, cookies, auth, form, body) so a request that differs in method or
 * path is turned away before anything is parsed.
 */
import { DecoyError, joinPointer } from '../errors.js';
import { compileGraphqlCustomMatcher, compileGraphqlPattern, GRAPHQL_CUSTOM_MATCHER, type GraphqlMatcher } from '../graphql/graphql-matcher.js';
import type { DecoyRequest, RequestPart } from '../request.js';
import type { MultipartPatternDefinition, RequestPatternDefinition } from '../stub-definition.js';
import { partName } from './multipart.js';
import type { MultiValueMatcher, ValueMatcher } from './types.js';
import { compileMultiValueMatcher, compileValueMatcher } from './value-matchers.js';
import { compileUrlMatcher, type IndexKey, type UrlMatcher } from './url-matchers.js';
import { compileStateMatcher, STATE_MATCHER } from '../wiremock-state/state-extension.js';

/** One line of a near-miss report: what the stub wanted and what the request had. */
export interface FieldReport {
  label: string;
  expected: string;
  actual: string;
  matched: boolean;
  /** Why it did not match, when the matcher can say more (the JSON path that differed). */
  detail?: string;
}

interface Part {
  readonly label: string;
  /** How much this part counts in the near-miss distance (WireMock weighs the URL most, then the method). */
  readonly weight: number;
  test(req: DecoyRequest): boolean;
  distance(req: DecoyRequest): number;
  readonly expected: string;
  actual(req: DecoyRequest): string;
  /** Why the request does not fit this part, more precisely than "does not match". */
  detail?(req: DecoyRequest): string | undefined;
}

export interface RequestMatcher {
  readonly indexKey: IndexKey;
  readonly url: UrlMatcher | undefined;
  /** The GraphQL operation name every matching request has (`graphql:` key), for the stub index. */
  readonly graphqlOperation: string | undefined;
  /** Hot path: does the request match? Synchronous, no allocation beyond lazy request views. */
  test(req: DecoyRequest): boolean;
  /** 0..1, for ranking near misses. */
  distance(req: DecoyRequest): number;
  /** A field-by-field comparison, for the near-miss report. */
  report(req: DecoyRequest): FieldReport[];
  /** Path template parameters of a matching request. */
  pathParams(req: DecoyRequest): Record<string, string>;
  explain(): string;
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'ANY', 'GET_OR_HEAD'];

/** WireMock's pseudo-methods and the request methods each stands for. */
function expandMethods(methods: readonly string[]): string[] {
  return methods.flatMap((m) => (m === 'GET_OR_HEAD' ? ['GET', 'HEAD'] : [m]));
}

function showValues(values: readonly string[] | undefined): string {
  if (values === undefined || values.length === 0) return '(absent)';
  return values.length === 1 ? values[0]! : `[${values.join(', ')}]`;
}

function describeMatcher(m: ValueMatcher | MultiValueMatcher): string {
  return m.explain();
}

export function compileRequestPattern(def: RequestPatternDefinition, pointer = '/request'): RequestMatcher {
  const parts: Part[] = [];

  // Method: WireMock's `method`, with Decoy's list form (`[GET, HEAD]`).
  const methods = def.method === undefined ? ['ANY'] : (Array.isArray(def.method) ? def.method : [def.method]).map((m) => m.toUpperCase());
  methods.forEach((m, i) => {
    if (!/^[A-Z][A-Z0-9_-]*$/.test(m)) {
      throw new DecoyError('DECOY_ERR_STUB_INVALID', `request.method ${JSON.stringify(m)} is not an HTTP method; use one of ${HTTP_METHODS.join(', ')}`, {
        source: { pointer: Array.isArray(def.method) ? joinPointer(pointer, 'method', i) : joinPointer(pointer, 'method') },
      });
    }
  });
  if (!methods.includes('ANY')) parts.push(methodPart(methods));

  // URL.
  const url = compileUrlMatcher(def as Record<string, unknown>, pointer);
  if (url) parts.push(new UrlPart(url));

  // Where the request was addressed and where it came from: WireMock's host, port, scheme and clientIp.
  // WireMock weighs host and port like the URL, and the scheme like the method, when it ranks near misses.
  if (def.scheme !== undefined) {
    const scheme = def.scheme;
    parts.push({
      label: 'Scheme', weight: 3, expected: scheme,
      test: (req) => req.scheme === scheme, distance: (req) => (req.scheme === scheme ? 0 : 1), actual: (req) => req.scheme,
    });
  }
  if (def.host !== undefined) {
    const m = compileValueMatcher(def.host, joinPointer(pointer, 'host'));
    parts.push({
      label: 'Host', weight: 10, expected: describeMatcher(m),
      test: (req) => m.test(req.host), distance: (req) => m.distance(req.host), actual: (req) => req.host,
    });
  }
  if (def.port !== undefined) {
    const port = Number(def.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new DecoyError('DECOY_ERR_STUB_INVALID', `request.port must be a port number from 1 to 65535 (got ${JSON.stringify(def.port)})`, {
        source: { pointer: joinPointer(pointer, 'port') },
      });
    }
    parts.push({
      label: 'Port', weight: 10, expected: String(port),
      test: (req) => req.port === port, distance: (req) => (req.port === port ? 0 : 1), actual: (req) => String(req.port),
    });
  }
  if (def.clientIp !== undefined) {
    const m = compileValueMatcher(def.clientIp, joinPointer(pointer, 'clientIp'));
    parts.push({
      label: 'Client IP', weight: 1, expected: describeMatcher(m),
      test: (req) => m.test(req.clientIp), distance: (req) => m.distance(req.clientIp), actual: (req) => req.clientIp,
    });
  }

  // Path parameters of a template.
  if (def.pathParameters) {
    if (!url || url.paramNames.length === 0) {
      throw new DecoyError('DECOY_ERR_STUB_INVALID', 'request.pathParameters needs a path template with parameters (urlPathTemplate: /users/{id} or path: /users/:id)', {
        source: { pointer: joinPointer(pointer, 'pathParameters') },
      });
    }
    for (const [name, pdef] of Object.entries(def.pathParameters)) {
      if (!url.paramNames.includes(name)) {
        throw new DecoyError('DECOY_ERR_STUB_INVALID', `request.pathParameters.${name} is not a parameter of ${url.expected} (it has ${url.paramNames.join(', ')})`, {
          source: { pointer: joinPointer(pointer, 'pathParameters', name) },
        });
      }
      const m = compileValueMatcher(pdef, joinPointer(pointer, 'pathParameters', name));
      parts.push({
        label: `Path parameter: ${name}`, weight: 1, expected: describeMatcher(m),
        test: (req) => url.test(req) && m.test(url.params(req)[name]),
        distance: (req) => (url.test(req) ? m.distance(url.params(req)[name]) : 1),
        actual: (req) => (url.test(req) ? url.params(req)[name] ?? '(absent)' : '(path does not fit)'),
      });
    }
  }

  const multi = (
    field: 'queryParameters' | 'headers' | 'cookies' | 'formParameters',
    label: string,
    get: (req: DecoyRequest, name: string) => readonly string[] | undefined,
  ): void => {
    const map = def[field];
    if (!map) return;
    for (const [name, pdef] of Object.entries(map)) {
      const m = compileMultiValueMatcher(pdef, joinPointer(pointer, field, name));
      parts.push({
        label: `${label}: ${name}`, weight: 1, expected: describeMatcher(m),
        test: (req) => m.test(get(req, name)),
        distance: (req) => m.distance(get(req, name)),
        actual: (req) => showValues(get(req, name)),
      });
    }
  };
  multi('queryParameters', 'Query', (req, n) => req.query.get(n));
  multi('headers', 'Header', (req, n) => req.header(n));
  multi('cookies', 'Cookie', (req, n) => req.cookies.get(n));

  if (def.basicAuthCredentials) {
    const { username, password } = def.basicAuthCredentials;
    const expected = 'Basic ' + Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
    const decoded = (req: DecoyRequest): string | undefined => {
      const h = req.header('authorization')?.[0];
      if (!h || !/^basic /i.test(h)) return undefined;
      return Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    };
    parts.push({
      label: 'Basic auth', weight: 1, expected: `${username}:${password}`,
      test: (req) => {
        const h = req.header('authorization');
        return h !== undefined && h.some((v) => v === expected || decodedEquals(v, username, password));
      },
      distance: (req) => (decoded(req) === `${username}:${password}` ? 0 : 1),
      actual: (req) => decoded(req) ?? '(no basic credentials)',
    });
  }

  multi('formParameters', 'Form', (req, n) => req.formParameters.get(n));

  let graphql: GraphqlMatcher | undefined;
  const addGraphql = (m: GraphqlMatcher): void => {
    graphql ??= m;
    parts.push({
      label: 'GraphQL', weight: 5, expected: m.expected,
      test: (req) => m.test(req), distance: (req) => m.distance(req), actual: (req) => m.actual(req), detail: (req) => m.detail(req),
    });
  };
  if (def.graphql !== undefined) addGraphql(compileGraphqlPattern(def.graphql, joinPointer(pointer, 'graphql')));

  (def.bodyPatterns ?? []).forEach((pdef, i) => {
    const m = compileValueMatcher(pdef, joinPointer(pointer, 'bodyPatterns', i));
    parts.push({
      label: 'Body', weight: 1, expected: describeMatcher(m),
      // An empty body is an absent one, as in WireMock: `absent: true` matches a request without a body.
      test: (req) => (req.body.length === 0 ? m.test(undefined) : m.test(req.bodyView.text, req.bodyView)),
      distance: (req) => (req.body.length === 0 ? m.distance(undefined) : m.distance(req.bodyView.text, req.bodyView)),
      actual: (req) => (req.body.length === 0 ? '(empty)' : req.bodyView.text),
      ...(m.mismatch ? { detail: (req: DecoyRequest) => (req.body.length === 0 ? m.mismatch!(undefined) : m.mismatch!(req.bodyView.text, req.bodyView)) } : {}),
    });
  });

  if (def.customMatcher !== undefined && def.customMatcher.name === GRAPHQL_CUSTOM_MATCHER) {
    // WireMock's GraphQL extension: Decoy matches what it matches, without the extension.
    addGraphql(compileGraphqlCustomMatcher(def.customMatcher.parameters, joinPointer(pointer, 'customMatcher', 'parameters')));
  } else if (def.customMatcher !== undefined && def.customMatcher.name === STATE_MATCHER) {
    // WireMock's state extension: matched on the contexts as this Decoy last saw them.
    const m = compileStateMatcher(def.customMatcher.parameters, joinPointer(pointer, 'customMatcher', 'parameters'));
    const params = (req: DecoyRequest): Record<string, string> => (url ? url.params(req) : {});
    parts.push({
      label: 'State', weight: 1, expected: m.expected,
      test: (req) => m.test(req, params(req)), distance: (req) => (m.test(req, params(req)) ? 0 : 1), actual: (req) => (m.test(req, params(req)) ? m.expected : 'the state extension\'s contexts do not fit'),
    });
  } else if (def.customMatcher !== undefined) {
    // A WireMock without the extension that defines the matcher registers the stub and never matches it.
    const name = def.customMatcher.name ?? '(unnamed)';
    parts.push({
      label: 'Custom matcher', weight: 1, expected: `${name} (a WireMock Java extension, not available)`,
      test: () => false, distance: () => 1, actual: () => '(cannot be run)',
    });
  }

  (def.multipartPatterns ?? []).forEach((mdef, i) => {
    const m = compileMultipartPattern(mdef, joinPointer(pointer, 'multipartPatterns', i));
    parts.push({
      label: 'Multipart', weight: 1, expected: m.explain(),
      test: (req) => m.test(req), distance: (req) => m.distance(req), actual: (req) => m.describe(req),
    });
  });

  return new CompiledRequestPattern(parts.slice(), url, (graphql as GraphqlMatcher | undefined)?.operationName);
}

const ANY_PATH: IndexKey = Object.freeze({ kind: 'any' });

/**
 * The compiled pattern. Its methods live on the prototype and its parts in one exactly sized array, so a
 * stub's matcher is one small object: ten thousand stubs do not carry ten thousand sets of closures.
 */
class CompiledRequestPattern implements RequestMatcher {
  readonly #parts: readonly Part[];
  constructor(parts: readonly Part[], readonly url: UrlMatcher | undefined, readonly graphqlOperation: string | undefined) {
    this.#parts = parts;
  }

  get indexKey(): IndexKey {
    return this.url?.indexKey ?? ANY_PATH;
  }

  // Hot path: a plain indexed loop over precompiled parts; no closures or arrays are created per request.
  test(req: DecoyRequest): boolean {
    const parts = this.#parts;
    for (let i = 0; i < parts.length; i++) if (!parts[i]!.test(req)) return false;
    return true;
  }

  distance(req: DecoyRequest): number {
    let sum = 0;
    let totalWeight = 0;
    for (const p of this.#parts) {
      sum += p.weight * p.distance(req);
      totalWeight += p.weight;
    }
    return totalWeight === 0 ? 0 : sum / totalWeight;
  }

  report(req: DecoyRequest): FieldReport[] {
    return this.#parts.map((p) => {
      const matched = p.test(req);
      const detail = matched ? undefined : p.detail?.(req);
      return { label: p.label, expected: p.expected, actual: p.actual(req), matched, ...(detail ? { detail } : {}) };
    });
  }

  pathParams(req: DecoyRequest): Record<string, string> {
    return this.url ? this.url.params(req) : {};
  }

  explain(): string {
    return this.#parts.length === 0 ? 'any request' : this.#parts.map((p) => `${p.label} ${p.expected}`).join('; ');
  }
}

/** The method part; one per distinct method list, shared by every stub that names it (it holds no state). */
class MethodPart implements Part {
  readonly #single: string | undefined;
  readonly #accepted: readonly string[];
  constructor(readonly expected: string, accepted: readonly string[]) {
    this.#accepted = accepted;
    this.#single = accepted.length === 1 ? accepted[0] : undefined;
  }
  get label(): string { return 'Method'; }
  get weight(): number { return 3; }
  test(req: DecoyRequest): boolean {
    return this.#single !== undefined ? req.method === this.#single : this.#accepted.includes(req.method);
  }
  distance(req: DecoyRequest): number { return this.#accepted.includes(req.method) ? 0 : 1; }
  actual(req: DecoyRequest): string { return req.method; }
}

const methodParts = new Map<string, MethodPart>();
/** Bounds the cache of shared method parts: custom method names are allowed, and each list is a key. */
const METHOD_PARTS_KEPT = 64;

function methodPart(methods: readonly string[]): MethodPart {
  const expected = methods.join(' or ');
  let part = methodParts.get(expected);
  if (part === undefined) {
    part = new MethodPart(expected, expandMethods(methods));
    if (methodParts.size < METHOD_PARTS_KEPT) methodParts.set(expected, part);
  }
  return part;
}

/** The URL part: the URL matcher, labelled and weighed for the near-miss report (WireMock weighs the URL most). */
class UrlPart implements Part {
  constructor(readonly url: UrlMatcher) {}
  get label(): string { return this.url.includesQuery ? 'URL' : 'Path'; }
  get weight(): number { return 10; }
  get expected(): string { return `[${this.url.key}] ${this.url.expected}`; }
  test(req: DecoyRequest): boolean { return this.url.test(req); }
  distance(req: DecoyRequest): number { return this.url.distance(req); }
  actual(req: DecoyRequest): string { return this.url.includesQuery ? req.url : req.path; }
}

interface MultipartMatcher {
  test(req: DecoyRequest): boolean;
  distance(req: DecoyRequest): number;
  /** The request's parts, one line each, for the near-miss report. */
  describe(req: DecoyRequest): string;
  explain(): string;
}

/**
 * WireMock's MultipartValuePattern. A request that is not multipart never matches. With `ANY` (the
 * default) some part must fit the headers and body patterns, with `ALL` every part must. `name`
 * alone constrains nothing: WireMock's clients write it beside a Content-Disposition header pattern.
 */
function compileMultipartPattern(def: MultipartPatternDefinition, pointer: string): MultipartMatcher {
  const all = def.matchingType === 'ALL';
  const headers = Object.entries(def.headers ?? {}).map(([name, pdef]) => ({
    name, lower: name.toLowerCase(), m: compileMultiValueMatcher(pdef, joinPointer(pointer, 'headers', name)),
  }));
  const bodies = (def.bodyPatterns ?? []).map((pdef, i) => compileValueMatcher(pdef, joinPointer(pointer, 'bodyPatterns', i)));
  const partTest = (p: RequestPart): boolean => {
    for (const h of headers) if (!h.m.test(p.headers[h.lower])) return false;
    for (const b of bodies) if (!(p.body.length === 0 ? b.test(undefined) : b.test(p.bodyView.text, p.bodyView))) return false;
    return true;
  };
  const partDistance = (p: RequestPart): number => {
    const checks = headers.length + bodies.length;
    if (checks === 0) return 0;
    let sum = 0;
    for (const h of headers) sum += h.m.distance(p.headers[h.lower]);
    for (const b of bodies) sum += p.body.length === 0 ? b.distance(undefined) : b.distance(p.bodyView.text, p.bodyView);
    return sum / checks;
  };
  const described = [
    all ? 'every part' : 'a part',
    ...headers.map((h) => `header ${h.name} ${h.m.explain()}`),
    ...bodies.map((b) => `body ${b.explain()}`),
  ];
  return {
    test(req) {
      const ps = req.parts;
      if (ps === undefined || ps.length === 0) return false;
      return all ? ps.every(partTest) : ps.some(partTest);
    },
    distance(req) {
      const ps = req.parts;
      if (ps === undefined || ps.length === 0) return 1;
      // A loop, not Math.max(...): spread into a call, a long list of parts overflows the stack.
      let d = all ? 0 : 1;
      for (const p of ps) {
        const pd = partDistance(p);
        d = all ? Math.max(d, pd) : Math.min(d, pd);
      }
      return d;
    },
    describe(req) {
      const ps = req.parts;
      if (ps === undefined) return '(not a multipart request)';
      if (ps.length === 0) return '(no parts)';
      return ps.map((p) => {
        const name = partName(p.headers);
        const type = p.headers['content-type']?.[0];
        return `[${name ?? 'unnamed'}${type ? `, ${type}` : ''}${partTest(p) ? '' : ', does not fit'}] ${p.body.length > 60 ? `${p.bodyView.text.slice(0, 60)}...` : p.bodyView.text}`;
      }).join('\n');
    },
    explain: () => described.length === 1 ? `${described[0]} (any)` : `${described[0]} with ${described.slice(1).join(' and ')}`,
  };
}

/** Compares a Basic Authorization header by its decoded credentials (the base64 may be padded differently). */
function decodedEquals(header: string, username: string, password: string): boolean {
  if (!/^basic /i.test(header)) return false;
  return Buffer.from(header.slice(6).trim(), 'base64').toString('utf8') === `${username}:${password}`;
}
