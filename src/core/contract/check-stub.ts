/**
 * A stub checked against API contracts: does it serve a documented operation, with a documented status,
 * a body the operation's schema accepts, and a matcher that a request keeping the contract can meet?
 *
 * The check reads the stub definition as written (no compile): the path from `url`/`urlPath`/`path`/
 * `urlPathTemplate` (a regex path is checked against the operations' paths with sample values), the
 * method, each response (`response` or a `responses` sequence). What cannot be known without a request
 * is not checked at load: a templated body or status (checked when served instead, see
 * `checkAnswersWhenServed`), a body file, a generated (`schema`) body, a fault, a proxy.
 */
import type { ResponseDefinition, StubDefinition, ValuePatternDefinition } from '../stub-definition.js';
import type { PreparedResponse } from '../response/static-response.js';
import type { ResponseRenderer, WireResponse } from '../response/wire-response.js';
import {
  documentedCodes, documentedMedia, documentedResponse, isJsonMediaType, operationsForPath, parameterProblem, schemaViolations, splitPath,
  type Contract, type ContractOperation, type ContractViolation,
} from './contract.js';

/** The response header a stub that breaks its contract answers with (soft mode). */
export const CONTRACT_HEADER = 'X-Decoy-Contract';
export const CONTRACT_HEADER_VALUE = 'violated';

/**
 * What a caller that loads stubs is given: `check` says what a stub breaks; `strict` says whether such
 * a stub is refused (else it loads, marked by `markViolations`).
 */
export interface ContractChecker {
  readonly strict: boolean;
  readonly contracts: readonly Contract[];
  check(stub: StubDefinition): ContractViolation[];
  /** Where a source without a log of its own (the admin API) reports a stub that loads despite its violations. */
  warn?(message: string): void;
}

export function createContractChecker(contracts: readonly Contract[], options: { strict?: boolean; warn?: (message: string) => void } = {}): ContractChecker {
  return {
    strict: options.strict === true,
    contracts,
    check: (stub) => checkStubAgainstContract(stub, contracts),
    ...(options.warn ? { warn: options.warn } : {}),
  };
}

/** How a stub is named in messages: its name, else its id. */
export function stubLabel(stub: StubDefinition): string {
  return stub.name !== undefined ? `stub ${JSON.stringify(stub.name)}` : stub.id !== undefined ? `stub ${stub.id}` : 'stub';
}

interface StubPath {
  field: string;
  /** Segments: a literal, or a parameter (any value). Undefined for a regex path. */
  segments?: Array<{ literal: string } | { param: string }>;
  regex?: RegExp;
  /** The query of an exact `url`. */
  query?: URLSearchParams;
}

function stubPath(stub: StubDefinition): StubPath | undefined {
  const r = stub.request ?? {};
  const lit = (p: string) => splitPath(p).map((s) => ({ literal: s }));
  if (typeof r.url === 'string') {
    const [p, q] = r.url.split('?', 2) as [string, string | undefined];
    return { field: 'request.url', segments: lit(p), query: new URLSearchParams(q ?? '') };
  }
  if (typeof r.urlPath === 'string') return { field: 'request.urlPath', segments: lit(r.urlPath) };
  if (typeof r.urlPathTemplate === 'string') {
    return { field: 'request.urlPathTemplate', segments: splitPath(r.urlPathTemplate).map((s) => { const m = /^\{([^{}]+)\}$/.exec(s); return m ? { param: m[1]! } : { literal: s }; }) };
  }
  if (typeof r.path === 'string') {
    // path-to-regexp: `:name` (or `:"name"`) is a parameter; an optional group or a wildcard is a regex-like path.
    if (/[{}*]/.test(r.path.replace(/\\./g, ''))) return { field: 'request.path', regex: new RegExp(`^${r.path.replace(/\\(.)/g, '$1').replace(/\{[^}]*\}/g, '(?:.*)?').replace(/\*\w+/g, '.*').replace(/:(?:"[^"]+"|\w+)/g, '[^/]+')}$`) };
    return { field: 'request.path', segments: splitPath(r.path).map((s) => { const m = /^:(?:"([^"]+)"|(\w+))$/.exec(s); return m ? { param: (m[1] ?? m[2])! } : { literal: s.replace(/\\(.)/g, '$1') }; }) };
  }
  for (const key of ['urlPattern', 'urlPathPattern'] as const) {
    const v = r[key];
    if (typeof v === 'string') {
      try {
        return { field: `request.${key}`, regex: new RegExp(`^(?:${v})$`) };
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** How well a stub's path fits an operation's: undefined when it does not, else the number of literal agreements. */
function fit(path: StubPath, op: ContractOperation): number | undefined {
  if (path.regex) {
    const samples = ['1', 'abc'].map((v) => '/' + op.segments.map((s) => ('literal' in s ? s.literal.replace(/\{[^{}]+\}/g, v) : v)).join('/'));
    return samples.some((s) => path.regex!.test(s) || path.regex!.test(s.split('?')[0]!)) ? 0 : undefined;
  }
  const segs = path.segments!;
  if (segs.length !== op.segments.length) return undefined;
  let score = 0;
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const o = op.segments[i]!;
    if ('literal' in o) {
      if ('param' in s) return undefined;
      if (o.literal === s.literal) { score++; continue; }
      // A segment with a parameter inside (`{name}.json`).
      if (/\{[^{}]+\}/.test(o.literal) && new RegExp(`^${o.literal.split(/(\{[^{}]+\})/).map((p) => (/^\{/.test(p) ? '[^/]+' : p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`).test(s.literal)) continue;
      return undefined;
    }
  }
  return score;
}

function methodsOf(stub: StubDefinition): string[] | undefined {
  const m = stub.request?.method;
  if (m === undefined) return undefined;
  const list = (Array.isArray(m) ? m : [m]).map((x) => String(x).toUpperCase());
  return list.includes('ANY') ? undefined : list;
}

/** The operation a stub serves, or why it serves none the contracts document. */
type Served = { contract: Contract; op: ContractOperation; path: StubPath } | { violations: ContractViolation[] };

function servedOperation(stub: StubDefinition, all: readonly Contract[]): Served {
  const path = stubPath(stub);
  // A stub for any path (no URL matcher) serves no one operation: nothing to hold it to.
  if (!path || all.length === 0) return { violations: [] };
  const names = all.map((c) => c.name).join(', ');
  let contract: Contract | undefined;
  let candidates: Array<{ op: ContractOperation; score: number }> = [];
  for (const c of all) {
    candidates = c.operations.map((op) => ({ op, score: fit(path, op) })).filter((x): x is { op: ContractOperation; score: number } => x.score !== undefined);
    if (candidates.length) { contract = c; break; }
  }
  const shown = (stub.request as Record<string, unknown>)[path.field.slice('request.'.length)];
  if (!contract) {
    return { violations: [{ rule: 'path', field: path.field, contract: names, message: `${path.field} ${JSON.stringify(shown)} is not a path of the contract (no operation of ${names} has it)` }] };
  }
  // The most literal fit: `/pets/mine` is the operation `/pets/mine`, not `/pets/{petId}`.
  const best = Math.max(...candidates.map((c) => c.score));
  const atPath = candidates.filter((c) => c.score === best).map((c) => c.op);
  const methods = methodsOf(stub);
  const ops = methods ? atPath.filter((op) => methods.includes(op.definition.method.toUpperCase())) : atPath;
  if (ops.length === 0) {
    return {
      violations: [{
        rule: 'method', field: 'request.method', contract: contract.name,
        message: `request.method ${methods!.join('|')} is not documented for ${atPath[0]!.definition.path} (documented: ${[...new Set(atPath.map((o) => o.definition.method.toUpperCase()))].join(', ')})`,
      }],
    };
  }
  // A stub for any method answers each of them: hold it to the one a client reads most (GET), else the first.
  return { contract, op: ops.find((o) => o.definition.method.toUpperCase() === 'GET') ?? ops[0]!, path };
}

/**
 * Every way `stub` breaks the contracts: checked against the operation it serves in the first contract
 * that documents its path (a stub for a path no contract has is one `path` violation).
 */
export function checkStubAgainstContract(stub: StubDefinition, contracts: Contract | readonly Contract[]): ContractViolation[] {
  const all = Array.isArray(contracts) ? contracts as readonly Contract[] : [contracts as Contract];
  const served = servedOperation(stub, all);
  if ('violations' in served) return served.violations;
  const { contract, op, path } = served;
  const base = { contract: contract.name, operation: op.label };
  const out: ContractViolation[] = [];
  out.push(...parameterViolations(stub, path, op, contract, base));
  const responses: Array<[string, ResponseDefinition]> = stub.responses ? stub.responses.map((r, i) => [`responses[${i}]`, r]) : stub.response ? [['response', stub.response]] : [];
  for (const [field, r] of responses) out.push(...responseViolations(r, field, op, contract, base));
  return out;
}

/** Whether a response is worked out per request from a template (what no check at load can read). */
function isTemplated(r: ResponseDefinition, globalTemplating: boolean): boolean {
  if (r.schema !== undefined || r.fault !== undefined || r.proxyBaseUrl !== undefined) return false;
  const transformers = Array.isArray(r.transformers) ? r.transformers : [];
  return transformers.includes('response-template') || (globalTemplating && !transformers.includes('no-response-template'));
}

/**
 * A compiled stub whose templated answers are checked as they are served: what a template renders is
 * known only then. An answer that breaks the operation's documented responses (status, media type,
 * body schema) gets `X-Decoy-Contract: violated`, and the first such answer of the stub is reported
 * through `checker.warn`. The stub itself is returned when it has no templated response or serves
 * no documented operation (then the check at load has said so).
 */
export function checkAnswersWhenServed<S extends { readonly definition: StubDefinition; readonly responses: readonly PreparedResponse[] }>(stub: S, checker: ContractChecker, options: { globalTemplating?: boolean } = {}): S {
  const def = stub.definition;
  const defs = def.responses ?? (def.response ? [def.response] : []);
  if (defs.length !== stub.responses.length || !defs.some((r) => isTemplated(r, options.globalTemplating === true))) return stub;
  const served = servedOperation(unmark(def), checker.contracts);
  if ('violations' in served) return stub;
  const { contract, op } = served;
  const base = { contract: contract.name, operation: op.label };
  let reported = false;
  const responses = stub.responses.map((prepared, i) => {
    const render = prepared.render;
    if (!render || !isTemplated(defs[i]!, options.globalTemplating === true)) return prepared;
    const field = def.responses ? `responses[${i}]` : 'response';
    const checked: ResponseRenderer = (ctx) => {
      const w = render(ctx);
      const violations = answerViolations(w, field, op, contract, base);
      if (violations.length === 0) return w;
      if (!reported) {
        reported = true;
        for (const v of violations) checker.warn?.(`${formatViolation(def, v)} (its templated answer, checked when served; reported once)`);
      }
      return hasHeader(w.headers, CONTRACT_HEADER) ? w : { ...w, headers: [...w.headers, CONTRACT_HEADER, CONTRACT_HEADER_VALUE] };
    };
    return { ...prepared, render: checked };
  });
  return { ...stub, responses };
}

function hasHeader(headers: readonly string[], name: string): boolean {
  const lower = name.toLowerCase();
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === lower) return true;
  return false;
}

/** How a rendered answer breaks the operation's documented responses. */
function answerViolations(w: WireResponse, field: string, op: ContractOperation, contract: Contract, base: { contract: string; operation: string }): ContractViolation[] {
  const documented = documentedResponse(op.definition, w.status);
  if (!documented) {
    return [{ ...base, rule: 'status', field: `${field}.status`, message: `${field}.status rendered as ${w.status}, which is not a documented response of ${op.label} (documented: ${documentedCodes(op.definition)})` }];
  }
  if (w.body.length === 0 || documented.media.length === 0) return [];
  let contentType: string | undefined;
  for (let i = 0; i < w.headers.length; i += 2) if (w.headers[i]!.toLowerCase() === 'content-type') contentType = w.headers[i + 1];
  const text = w.body.toString('utf8');
  let value: { v: unknown } | undefined;
  try {
    value = { v: JSON.parse(text) };
  } catch {
    value = undefined;
  }
  const type = contentType ?? (value ? 'application/json' : 'text/plain');
  const media = documentedMedia(documented.media, type);
  if (!media) {
    return [{ ...base, rule: 'media-type', field: `${field}.headers.Content-Type`, message: `${field} rendered ${type}, which response ${documented.code} of ${op.label} does not document (documented: ${documented.media.map((m) => m.type).join(', ')})` }];
  }
  if (media.schema === undefined || !isJsonMediaType(media.type === '*/*' ? type : media.type)) return [];
  if (!value) return [{ ...base, rule: 'response-body', field: `${field}.body`, message: `${field}.body rendered is not JSON, but its Content-Type is ${type}` }];
  const errors = contract.schema(media.schema)?.validate(value.v);
  return errors ? schemaViolations(errors, `${field}.body`, `${field}.body rendered`, base) : [];
}

function responseViolations(r: ResponseDefinition, field: string, op: ContractOperation, contract: Contract, base: { contract: string; operation: string }): ContractViolation[] {
  // What the stub's answer will be is not written here: a fault, a proxy, a template.
  if (r.fault !== undefined || r.proxyBaseUrl !== undefined || typeof r.status === 'string') return [];
  const status = r.status ?? 200;
  const documented = documentedResponse(op.definition, status);
  if (!documented) {
    return [{ ...base, rule: 'status', field: `${field}.status`, message: `${field}.status ${status} is not a documented response of ${op.label} (documented: ${documentedCodes(op.definition)})` }];
  }
  const templated = Array.isArray(r.transformers) && r.transformers.includes('response-template');
  if (templated || r.bodyFileName !== undefined || r.base64Body !== undefined || r.schema !== undefined) return [];
  const contentType = headerValue(r.headers, 'content-type');
  let value: unknown;
  let bodyField: string;
  if (r.jsonBody !== undefined) {
    value = r.jsonBody;
    bodyField = `${field}.jsonBody`;
  } else if (r.body !== undefined && r.body !== '') {
    bodyField = `${field}.body`;
    if (typeof r.body !== 'string') value = r.body;
    else if (contentType === undefined || isJsonMediaType(contentType)) {
      if (r.body.includes('{{')) return [];
      try {
        value = JSON.parse(r.body);
      } catch {
        if (contentType !== undefined) return [{ ...base, rule: 'response-body', field: bodyField, message: `${bodyField} is not JSON, but its Content-Type is ${contentType}` }];
        value = undefined;
      }
    }
  } else {
    return [];
  }
  if (documented.media.length === 0) return [];
  const type = contentType ?? (value !== undefined ? 'application/json' : 'text/plain');
  const media = documentedMedia(documented.media, type);
  if (!media) {
    return [{ ...base, rule: 'media-type', field: `${field}.headers.Content-Type`, message: `${field} sends ${type}, which response ${documented.code} of ${op.label} does not document (documented: ${documented.media.map((m) => m.type).join(', ')})` }];
  }
  if (value === undefined || media.schema === undefined || !isJsonMediaType(media.type === '*/*' ? type : media.type)) return [];
  const errors = contract.schema(media.schema)?.validate(value);
  return errors ? schemaViolations(errors, bodyField, bodyField, base) : [];
}

function parameterViolations(stub: StubDefinition, path: StubPath, op: ContractOperation, contract: Contract, base: { contract: string; operation: string }): ContractViolation[] {
  const out: ContractViolation[] = [];
  const request = stub.request ?? {};
  const params = op.definition.parameters;
  // Path parameters written as literal values must be values the contract allows.
  if (path.segments) {
    op.segments.forEach((seg, i) => {
      const s = path.segments![i];
      if (!('param' in seg) || !s || !('literal' in s)) return;
      const p = params.find((x) => x.in === 'path' && x.name === seg.param);
      const problem = p ? parameterProblem(contract, p.schema, safeDecode(s.literal)) : undefined;
      if (problem) out.push({ ...base, rule: 'request-parameter', field: path.field, message: `${path.field}: path parameter ${seg.param} ${problem}` });
    });
  }
  for (const p of params) {
    if (p.in === 'path') continue;
    const matchers = p.in === 'query' ? request.queryParameters : request.headers;
    const key = matchers ? Object.keys(matchers).find((k) => (p.in === 'header' ? k.toLowerCase() === p.name.toLowerCase() : k === p.name)) : undefined;
    const matcher = key !== undefined ? matchers![key] : undefined;
    const field = key !== undefined ? `request.${p.in === 'query' ? 'queryParameters' : 'headers'}.${key}` : path.field;
    const what = `${p.in} parameter ${p.name}`;
    if (matcher !== undefined && isAbsent(matcher)) {
      if (p.required) out.push({ ...base, rule: 'request-parameter', field, message: `${field} requires ${what} to be absent, but ${op.label} requires it` });
      continue;
    }
    const literal = matcher !== undefined ? equalToValue(matcher) : p.in === 'query' && path.query ? path.query.get(p.name) ?? undefined : undefined;
    if (literal !== undefined) {
      const problem = parameterProblem(contract, p.schema, literal);
      if (problem) out.push({ ...base, rule: 'request-parameter', field, message: `${field}: ${what} ${problem}` });
      continue;
    }
    // An exact `url` matches only requests with exactly its query: a required parameter it lacks can never be sent.
    if (p.required && p.in === 'query' && path.query && matcher === undefined) {
      out.push({ ...base, rule: 'request-parameter', field: path.field, message: `${path.field} matches only requests without ${what}, which ${op.label} requires` });
    }
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function isAbsent(m: ValuePatternDefinition): boolean {
  return typeof m === 'object' && m !== null && (m as { absent?: unknown }).absent === true;
}

/** The one value an `equalTo` (or a plain string) matcher accepts; undefined for other matchers. */
function equalToValue(m: ValuePatternDefinition): string | undefined {
  if (typeof m === 'string') return m;
  const v = (m as { equalTo?: unknown }).equalTo;
  return typeof v === 'string' && (m as { caseInsensitive?: unknown }).caseInsensitive !== true ? v : undefined;
}

function headerValue(headers: ResponseDefinition['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  return undefined;
}

/**
 * A copy of the stub marked as breaking its contract (soft mode): its answers carry
 * `X-Decoy-Contract: violated`, and `metadata.decoy.contract.violations` lists what it breaks (what the
 * admin API and the UI show). Marks of an earlier check are replaced.
 */
export function markViolations(stub: StubDefinition, violations: readonly ContractViolation[]): StubDefinition {
  const clean = unmark(stub);
  if (violations.length === 0) return clean;
  const mark = (r: ResponseDefinition): ResponseDefinition => ({ ...r, headers: { ...(r.headers ?? {}), [CONTRACT_HEADER]: CONTRACT_HEADER_VALUE } });
  const metadata = { ...(clean.metadata ?? {}) };
  const decoy = typeof metadata.decoy === 'object' && metadata.decoy !== null ? { ...(metadata.decoy as Record<string, unknown>) } : {};
  decoy.contract = { violations: violations.map((v) => ({ rule: v.rule, field: v.field, message: v.message, contract: v.contract, ...(v.operation ? { operation: v.operation } : {}) })) };
  metadata.decoy = decoy;
  return {
    ...clean,
    ...(clean.response ? { response: mark(clean.response) } : {}),
    ...(clean.responses ? { responses: clean.responses.map(mark) } : {}),
    metadata,
  };
}

/** The stub without the marks of a contract check. */
export function unmark(stub: StubDefinition): StubDefinition {
  const meta = stub.metadata?.decoy;
  const hasMeta = typeof meta === 'object' && meta !== null && 'contract' in meta;
  const marked = (r: ResponseDefinition | undefined) => r?.headers !== undefined && CONTRACT_HEADER in r.headers;
  if (!hasMeta && !marked(stub.response) && !(stub.responses ?? []).some(marked)) return stub;
  const strip = (r: ResponseDefinition): ResponseDefinition => {
    if (!r.headers || !(CONTRACT_HEADER in r.headers)) return r;
    const { [CONTRACT_HEADER]: _h, ...headers } = r.headers;
    const { headers: _all, ...rest } = r;
    return Object.keys(headers).length ? { ...rest, headers } : rest;
  };
  const out: StubDefinition = { ...stub };
  if (out.response) out.response = strip(out.response);
  if (out.responses) out.responses = out.responses.map(strip);
  if (hasMeta) {
    const { contract: _c, ...decoy } = meta as Record<string, unknown>;
    const { decoy: _d, ...metadata } = stub.metadata!;
    out.metadata = Object.keys(decoy).length ? { ...metadata, decoy } : metadata;
    if (Object.keys(out.metadata).length === 0) delete out.metadata;
  }
  return out;
}

/**
 * What a stub source does with a stub under a contract: unchanged when it keeps it; in strict mode
 * refused (`refused`: the violations to report); else marked (`markViolations`) and loaded.
 */
export function applyContract(stub: StubDefinition, checker: ContractChecker): { definition: StubDefinition; violations: ContractViolation[]; refused: boolean } {
  const clean = unmark(stub);
  const violations = checker.check(clean);
  if (violations.length === 0) return { definition: clean, violations, refused: false };
  if (checker.strict) return { definition: clean, violations, refused: true };
  return { definition: markViolations(clean, violations), violations, refused: false };
}

/** The JSON pointer of a violation's field in the stub: `responses[0].jsonBody/items/0` → `/responses/0/jsonBody/items/0`. */
export function fieldPointer(field: string): string {
  const slash = field.indexOf('/');
  const dotted = slash < 0 ? field : field.slice(0, slash);
  const rest = slash < 0 ? '' : field.slice(slash);
  return '/' + dotted.replace(/\[(\d+)\]/g, '.$1').split('.').map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/') + rest;
}

/** One line per violation: `stub "Get pet": response.status 418 is not ... [petstore.yaml]`. */
export function formatViolation(stub: StubDefinition, v: ContractViolation): string {
  return `${stubLabel(stub)} breaks the contract (${v.rule}): ${v.message} [${v.contract}]`;
}
