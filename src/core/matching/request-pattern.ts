/**
 * A compiled request pattern: WireMock's RequestPattern. Its parts are ordered cheapest first
 * (method, URL, query, headers, cookies, auth, form, body) so a request that differs in method or
 * path is turned away before anything is parsed.
 */
import { DecoyError, joinPointer } from '../errors.js';
import type { DecoyRequest } from '../request.js';
import type { RequestPatternDefinition } from '../stub-definition.js';
import type { MultiValueMatcher, ValueMatcher } from './types.js';
import { compileMultiValueMatcher, compileValueMatcher } from './value-matchers.js';
import { compileUrlMatcher, type IndexKey, type UrlMatcher } from './url-matchers.js';

/** One line of a near-miss report: what the stub wanted and what the request had. */
export interface FieldReport {
  label: string;
  expected: string;
  actual: string;
  matched: boolean;
}

interface Part {
  label: string;
  /** How much this part counts in the near-miss distance (WireMock weighs the URL most, then the method). */
  weight: number;
  test(req: DecoyRequest): boolean;
  distance(req: DecoyRequest): number;
  expected: string;
  actual(req: DecoyRequest): string;
}

export interface RequestMatcher {
  readonly indexKey: IndexKey;
  readonly url: UrlMatcher | undefined;
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

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'ANY'];

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
  if (!methods.includes('ANY')) {
    const expected = methods.join(' or ');
    const single = methods.length === 1 ? methods[0] : undefined;
    parts.push({
      label: 'Method', weight: 3, expected,
      test: single !== undefined ? (req) => req.method === single : (req) => methods.includes(req.method),
      distance: (req) => (methods.includes(req.method) ? 0 : 1),
      actual: (req) => req.method,
    });
  }

  // URL.
  const url = compileUrlMatcher(def as Record<string, unknown>, pointer);
  if (url) {
    parts.push({
      label: url.includesQuery ? 'URL' : 'Path', weight: 10, expected: `[${url.key}] ${url.expected}`,
      test: (req) => url.test(req), distance: (req) => url.distance(req),
      actual: (req) => (url.includesQuery ? req.url : req.path),
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

  (def.bodyPatterns ?? []).forEach((pdef, i) => {
    const m = compileValueMatcher(pdef, joinPointer(pointer, 'bodyPatterns', i));
    parts.push({
      label: 'Body', weight: 1, expected: describeMatcher(m),
      // An empty body is an absent one, as in WireMock: `absent: true` matches a request without a body.
      test: (req) => (req.body.length === 0 ? m.test(undefined) : m.test(req.bodyView.text, req.bodyView)),
      distance: (req) => (req.body.length === 0 ? m.distance(undefined) : m.distance(req.bodyView.text, req.bodyView)),
      actual: (req) => (req.body.length === 0 ? '(empty)' : req.bodyView.text),
    });
  });

  const n = parts.length;
  const totalWeight = parts.reduce((s, p) => s + p.weight, 0);
  return {
    indexKey: url?.indexKey ?? { kind: 'any' },
    url,
    // Hot path: a plain indexed loop over precompiled parts; no closures or arrays are created per request.
    test(req) {
      for (let i = 0; i < n; i++) if (!parts[i]!.test(req)) return false;
      return true;
    },
    distance(req) {
      if (totalWeight === 0) return 0;
      let sum = 0;
      for (const p of parts) sum += p.weight * p.distance(req);
      return sum / totalWeight;
    },
    report(req) {
      return parts.map((p) => ({ label: p.label, expected: p.expected, actual: p.actual(req), matched: p.test(req) }));
    },
    pathParams: (req) => (url ? url.params(req) : {}),
    explain() {
      return parts.length === 0 ? 'any request' : parts.map((p) => `${p.label} ${p.expected}`).join('; ');
    },
  };
}

/** Compares a Basic Authorization header by its decoded credentials (the base64 may be padded differently). */
function decodedEquals(header: string, username: string, password: string): boolean {
  if (!/^basic /i.test(header)) return false;
  return Buffer.from(header.slice(6).trim(), 'base64').toString('utf8') === `${username}:${password}`;
}
