/**
 * The `graphql:` request key, and WireMock's GraphQL extension (`customMatcher` named
 * `graphql-body-matcher`): a request matches by what its operation means, not by its text. The
 * stub's query is parsed and normalized when the stub loads; the request's once, on first need.
 */
import { DecoyError, joinPointer } from '../errors.js';
import { normalizedLevenshtein } from '../matching/levenshtein.js';
import { isPlainObject, quote } from '../matching/matcher-support.js';
import type { ValueMatcher } from '../matching/types.js';
import { compileValueMatcher, VALUE_OPERATORS, VALUE_OPERATOR_OPTIONS } from '../matching/value-matchers.js';
import type { DecoyRequest } from '../request.js';
import { graphqlCall, isGraphqlError, type GraphqlCall } from './operation.js';

/** The `graphql:` request key as written. */
export interface GraphqlPatternDefinition {
  /** The operation's name: the request's `operationName`, else the name in its query. */
  operationName?: string;
  /** `query`, `mutation` or `subscription`. */
  operationType?: 'query' | 'mutation' | 'subscription';
  /** The query the request must send, compared after normalizing (whitespace, order, fragments do not count). */
  query?: string;
  /** Variables the request must send: a value (compared as JSON) or a value pattern (`matches: ...`) each. */
  variables?: Record<string, unknown>;
  /** The request may send no variables other than those listed (default: it may send more). */
  exactVariables?: boolean;
}

/** The name WireMock's GraphQL extension registers its matcher under. */
export const GRAPHQL_CUSTOM_MATCHER = 'graphql-body-matcher';

/** A compiled GraphQL pattern: one part of a request pattern. */
export interface GraphqlMatcher {
  /** The exact operation name every matching request has, for the stub index; undefined when any may match. */
  readonly operationName: string | undefined;
  test(req: DecoyRequest): boolean;
  distance(req: DecoyRequest): number;
  readonly expected: string;
  actual(req: DecoyRequest): string;
  /** Which part differed: the operation name, a field, a variable. */
  detail(req: DecoyRequest): string | undefined;
}

const TYPES = ['query', 'mutation', 'subscription'];
const PATTERN_KEYS = ['operationName', 'operationType', 'query', 'variables', 'exactVariables'];

function invalid(message: string, pointer: string, hint?: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer }, ...(hint ? { hint } : {}) });
}

/** Deep equality of JSON values (object key order does not count, array order does). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

interface VariableCheck {
  name: string;
  test(value: unknown): boolean;
  explain: string;
}

/** Whether a written variable is a value pattern (`{ matches: ... }`) rather than a value to compare. */
function isValuePattern(v: unknown): v is Record<string, unknown> {
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  const ops = keys.filter((k) => VALUE_OPERATORS.includes(k));
  return ops.length === 1 && keys.every((k) => k === ops[0] || VALUE_OPERATOR_OPTIONS[ops[0]!]!.includes(k));
}

/** A variable's value as a value pattern sees it: strings as they are, anything else as JSON. */
function variableText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function compileVariable(name: string, def: unknown, pointer: string): VariableCheck {
  if (isValuePattern(def)) {
    const m: ValueMatcher = compileValueMatcher(def, pointer);
    return { name, test: (v) => m.test(variableText(v)), explain: m.explain() };
  }
  return { name, test: (v) => jsonEqual(def, v), explain: `is ${JSON.stringify(def)}` };
}

interface Expected {
  operationName: string | undefined;
  operationType: string | undefined;
  query: GraphqlCall | undefined;
  variables: VariableCheck[];
  exactVariables: boolean;
  /** More conditions on the request's operation (WireMock's GraphQL extension has a few of its own). */
  conditions?: Condition[];
}

interface Condition {
  test(call: GraphqlCall): boolean;
  explain: string;
  /** Why the request does not fit, for the near-miss report. */
  mismatch(call: GraphqlCall): string;
}

/** Parses a stub's query at load: a syntax error is a load error with the line and column in the query. */
function compileQuery(query: string, operationName: string | undefined, pointer: string): GraphqlCall {
  const call = graphqlCall({ query, ...(operationName !== undefined ? { operationName } : {}) });
  const doc = call.document();
  if (isGraphqlError(doc)) {
    const at = doc.locations?.[0];
    throw invalid(`the GraphQL query does not parse${at ? ` (line ${at.line}, column ${at.column} of the query)` : ''}: ${doc.message.replace(/^Syntax Error: /, '')}`, pointer);
  }
  if (call.operation() === undefined) {
    const names = doc.definitions.flatMap((d) => (d.kind === 'OperationDefinition' ? [d.name?.value ?? '(anonymous)'] : []));
    throw invalid(names.length === 0
      ? 'the GraphQL query has no operation (only fragments)'
      : operationName !== undefined
        ? `the GraphQL query has no operation named ${JSON.stringify(operationName)} (it has ${names.join(', ')})`
        : `the GraphQL query has several operations (${names.join(', ')}); name the one to match with operationName`, pointer);
  }
  return call;
}

function build(e: Expected): GraphqlMatcher {
  const expectedQuery = e.query?.normalized();
  const expectedPaths = e.query?.fieldPaths() ?? [];
  const listed = new Set(e.variables.map((v) => v.name));
  const single = (req: DecoyRequest): GraphqlCall | undefined => {
    const p = req.graphql;
    return p !== undefined && !p.batch ? p.calls[0] : undefined;
  };
  const conditions = e.conditions ?? [];
  const conditionsFit = (call: GraphqlCall): boolean => {
    for (const c of conditions) if (!c.test(call)) return false;
    return true;
  };
  const variablesFit = (call: GraphqlCall): boolean => {
    for (const v of e.variables) if (!v.test(call.variables[v.name])) return false;
    if (e.exactVariables) for (const k of Object.keys(call.variables)) if (!listed.has(k) && call.variables[k] !== undefined) return false;
    return true;
  };
  const parts = [
    e.operationName !== undefined || e.operationType !== undefined ? `${e.operationType ?? 'operation'} ${e.operationName ?? '(any name)'}` : undefined,
    expectedQuery !== undefined ? `selecting ${quote(expectedQuery.replace(/\s+/g, ' '))}` : undefined,
    ...e.variables.map((v) => `variable $${v.name} ${v.explain}`),
    e.exactVariables ? 'no other variables' : undefined,
    ...conditions.map((c) => c.explain),
  ].filter(Boolean);
  return {
    operationName: e.operationName,
    expected: parts.length === 0 ? 'any GraphQL operation' : parts.join(', '),
    // Hot path: the cheap comparisons (name, type) before the normal form, which is computed once per request.
    test(req) {
      const call = single(req);
      if (call === undefined) return false;
      if (e.operationName !== undefined && call.name !== e.operationName) return false;
      if (e.operationType !== undefined && call.type !== e.operationType) return false;
      if (expectedQuery !== undefined && call.normalized() !== expectedQuery) return false;
      return variablesFit(call) && conditionsFit(call);
    },
    distance(req) {
      const call = single(req);
      if (call === undefined) return 1;
      // Another operation is furthest, another selection next, other variable values nearest.
      let d = 0;
      if (e.operationName !== undefined && call.name !== e.operationName) d += 0.1 + 0.3 * normalizedLevenshtein(call.name ?? '', e.operationName);
      if (e.operationType !== undefined && call.type !== e.operationType) d += 0.1;
      if (expectedQuery !== undefined && call.normalized() !== expectedQuery) {
        const got = new Set(call.fieldPaths());
        const all = new Set([...expectedPaths, ...got]);
        const shared = expectedPaths.filter((p) => got.has(p)).length;
        d += 0.15 + 0.25 * (all.size === 0 ? 1 : 1 - shared / all.size);
      }
      if (!variablesFit(call)) {
        const failing = e.variables.filter((v) => !v.test(call.variables[v.name])).length;
        d += 0.05 + 0.05 * (e.variables.length === 0 ? 1 : failing / e.variables.length);
      }
      if (!conditionsFit(call)) d += 0.1;
      return Math.min(1, d);
    },
    actual(req) {
      const p = req.graphql;
      if (p === undefined) return '(not a GraphQL request)';
      if (p.batch) return `(a batch of ${p.calls.length} operations)`;
      const call = p.calls[0]!;
      const text = call.normalized();
      return [
        `${call.type ?? 'operation'} ${call.name ?? '(anonymous)'}`,
        text !== undefined ? `selecting ${quote(text.replace(/\s+/g, ' '))}` : `query ${quote(call.query ?? '(none)')} (does not parse)`,
        Object.keys(call.variables).length ? `variables ${JSON.stringify(call.variables)}` : undefined,
      ].filter(Boolean).join(', ');
    },
    detail(req) {
      const p = req.graphql;
      if (p === undefined) return 'the request is not a GraphQL request (a POST with a JSON body holding query, a POST of application/graphql, or a GET with a query parameter)';
      if (p.batch) return 'the request is a batch; each of its operations is matched on its own';
      const call = p.calls[0]!;
      if (e.operationName !== undefined && call.name !== e.operationName) return `operation name ${call.name === undefined ? '(none)' : JSON.stringify(call.name)} is not ${JSON.stringify(e.operationName)}`;
      if (e.operationType !== undefined && call.type !== e.operationType) return `the operation is a ${call.type ?? '(unparsable query)'}, not a ${e.operationType}`;
      if (expectedQuery !== undefined && call.normalized() !== expectedQuery) {
        const doc = call.document();
        if (isGraphqlError(doc)) return `the request's query does not parse: ${doc.message}`;
        const got = call.fieldPaths();
        const missing = expectedPaths.filter((f) => !got.includes(f));
        const extra = got.filter((f) => !expectedPaths.includes(f));
        if (missing.length) return `field ${missing[0]} is not in the request's query${extra.length ? ` (it asks for ${extra.slice(0, 3).join(', ')} instead)` : ''}`;
        if (extra.length) return `the request also asks for field ${extra.slice(0, 3).join(', ')}`;
        return 'the query asks for the same fields with other arguments, aliases, directives or variable definitions';
      }
      for (const v of e.variables) {
        if (!v.test(call.variables[v.name])) return `variable $${v.name} is ${call.variables[v.name] === undefined ? 'absent' : JSON.stringify(call.variables[v.name])}; expected it ${v.explain}`;
      }
      if (e.exactVariables) {
        const other = Object.keys(call.variables).find((k) => !listed.has(k) && call.variables[k] !== undefined);
        if (other !== undefined) return `variable $${other} is sent, but the stub expects no other variables`;
      }
      for (const c of conditions) if (!c.test(call)) return c.mismatch(call);
      return undefined;
    },
  };
}

/** Compiles the `graphql:` request key written at `pointer`. */
export function compileGraphqlPattern(def: unknown, pointer: string): GraphqlMatcher {
  if (!isPlainObject(def)) throw invalid('request.graphql must be an object (operationName, operationType, query, variables, exactVariables)', pointer);
  for (const k of Object.keys(def)) {
    if (!PATTERN_KEYS.includes(k)) throw invalid(`request.graphql has an unknown key "${k}"; valid keys: ${PATTERN_KEYS.join(', ')}`, joinPointer(pointer, k));
  }
  const d = def as GraphqlPatternDefinition;
  if (d.operationName !== undefined && (typeof d.operationName !== 'string' || d.operationName === '')) throw invalid('request.graphql.operationName must be a non-empty string', joinPointer(pointer, 'operationName'));
  if (d.operationType !== undefined && !TYPES.includes(d.operationType)) throw invalid(`request.graphql.operationType must be one of ${TYPES.join(', ')} (got ${JSON.stringify(d.operationType)})`, joinPointer(pointer, 'operationType'));
  if (d.query !== undefined && typeof d.query !== 'string') throw invalid('request.graphql.query must be a string (the GraphQL query text)', joinPointer(pointer, 'query'));
  if (d.variables !== undefined && !isPlainObject(d.variables)) throw invalid('request.graphql.variables must be an object (variable name → value or value pattern)', joinPointer(pointer, 'variables'));
  if (d.exactVariables !== undefined && typeof d.exactVariables !== 'boolean') throw invalid('request.graphql.exactVariables must be true or false', joinPointer(pointer, 'exactVariables'));
  const query = d.query === undefined ? undefined : compileQuery(d.query, d.operationName, joinPointer(pointer, 'query'));
  // A named query fixes the operation name even when the stub does not repeat it: the index uses it.
  const operationName = d.operationName ?? (query !== undefined && countOperations(query) === 1 ? query.operation()?.name?.value : undefined);
  return build({
    operationName,
    operationType: d.operationType ?? query?.type,
    query,
    variables: Object.entries(d.variables ?? {}).map(([k, v]) => compileVariable(k, v, joinPointer(pointer, 'variables', k))),
    exactVariables: d.exactVariables ?? false,
  });
}

function countOperations(call: GraphqlCall): number {
  const doc = call.document();
  return isGraphqlError(doc) ? 0 : doc.definitions.filter((x) => x.kind === 'OperationDefinition').length;
}

/**
 * WireMock's GraphQL extension (`customMatcher: { name: graphql-body-matcher, parameters }`), as each of
 * its versions matched:
 * - `expectedJson` (a JSON text, or the object; versions up to 0.7): the query compared after normalizing,
 *   the variables as JSON, a missing `variables` being `{}` on either side; the operation name is not looked at.
 * - `query`, `variables`, `operationName` (0.8 on): the query compared after normalizing, its operation's
 *   name included; the variables as JSON (array order counts); and what the stub leaves out, the request
 *   must leave out too: without `variables` a request that sends any (even `{}`) does not match, without
 *   `operationName` one that sends an operationName does not.
 */
export function compileGraphqlCustomMatcher(parameters: unknown, pointer: string): GraphqlMatcher {
  if (!isPlainObject(parameters)) throw invalid('customMatcher graphql-body-matcher needs parameters (query, variables, operationName; or expectedJson)', pointer);
  const legacy = parameters.expectedJson !== undefined;
  let source: Record<string, unknown> = parameters;
  let at = pointer;
  if (legacy) {
    at = joinPointer(pointer, 'expectedJson');
    let v = parameters.expectedJson;
    if (typeof v === 'string') {
      try {
        v = JSON.parse(v);
      } catch (e) {
        throw invalid(`expectedJson is not JSON: ${(e as Error).message}`, at);
      }
    }
    if (!isPlainObject(v)) throw invalid('expectedJson must be a JSON object with query (and variables)', at);
    source = v;
  }
  if (typeof source.query !== 'string') throw invalid('graphql-body-matcher needs a query (a string)', joinPointer(at, 'query'));
  const name = !legacy && typeof source.operationName === 'string' ? source.operationName : undefined;
  const vars = source.variables;
  if (vars !== undefined && vars !== null && !isPlainObject(vars)) throw invalid('graphql-body-matcher variables must be a JSON object', joinPointer(at, 'variables'));
  const query = compileQuery(source.query, name, joinPointer(at, 'query'));
  const expectedVars = (vars ?? {}) as Record<string, unknown>;
  const conditions: Condition[] = [];
  if (!legacy) {
    const queryName = query.operation()?.name?.value;
    conditions.push({
      test: (call) => call.operation()?.name?.value === queryName,
      explain: queryName === undefined ? 'an anonymous operation' : `its query naming the operation ${queryName}`,
      mismatch: (call) => `the request's query names its operation ${JSON.stringify(call.operation()?.name?.value ?? '(anonymous)')}, the stub's ${JSON.stringify(queryName ?? '(anonymous)')} (graphql-body-matcher compares the names in the queries)`,
    });
    if (name === undefined) {
      conditions.push({
        test: (call) => call.operationName === undefined,
        explain: 'no operationName sent',
        mismatch: (call) => `the request sends operationName ${JSON.stringify(call.operationName)}; a graphql-body-matcher without operationName matches only requests that send none`,
      });
    }
    if (vars === undefined || vars === null) {
      conditions.push({
        test: (call) => call.raw.variables === undefined || call.raw.variables === null,
        explain: 'no variables sent',
        mismatch: () => 'the request sends variables; a graphql-body-matcher without variables matches only requests that send none',
      });
    }
  }
  return build({
    operationName: name,
    operationType: undefined,
    query,
    // Compared as JSON values, never as value patterns: the extension's variables are plain data.
    variables: Object.entries(expectedVars).map(([k, v]) => ({ name: k, test: (x: unknown) => jsonEqual(v, x), explain: `is ${JSON.stringify(v)}` })),
    exactVariables: true,
    conditions,
  });
}
