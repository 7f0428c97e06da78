/**
 * WireMock's request value matchers: StringValuePattern (one value, e.g. a path parameter, a cookie
 * or the body) and MultiValuePattern (headers, query and form parameters).
 *
 * A definition is the object as written in a mapping, `{ "equalTo": "x", "caseInsensitive": true }`,
 * or Decoy's shorthand, a plain string meaning `equalTo`. It must name exactly one operator, and may
 * carry only that operator's options; anything else is a load error that says what is allowed.
 * Everything that can be prepared is prepared here, once: regexes, expected JSON and XML documents,
 * JSONPath and XPath expressions, JSON schemas, date formats.
 *
 * A missing value (an absent header, parameter or cookie) is `undefined`. As in WireMock 3 (verified
 * against wiremock-standalone 3.13.2), it fails the positive operators and satisfies `absent`,
 * `doesNotContain`, `doesNotMatch` and `not: <positive operator>`.
 */
import { joinPointer } from '../errors.js';
import { DATE_TIME_OPERATORS } from './date-time-matchers.js';
import { JSON_OPERATORS } from './json-matchers.js';
import { LOGICAL_OPERATORS } from './logical-matchers.js';
import { compileError, describeType, isPlainObject, type CompileContext, type OperatorSpec, type ValueMatcherOptions } from './matcher-support.js';
import { STRING_OPERATORS } from './string-matchers.js';
import type { MultiValueMatcher, ValueMatcher } from './types.js';
import { XML_OPERATORS } from './xml-matchers.js';

export type { ValueMatcherOptions } from './matcher-support.js';

const REGISTRY: Readonly<Record<string, OperatorSpec>> = {
  ...STRING_OPERATORS,
  ...JSON_OPERATORS,
  ...XML_OPERATORS,
  ...DATE_TIME_OPERATORS,
  ...LOGICAL_OPERATORS,
};

/** Every StringValuePattern operator key, in the order the documentation lists them. */
export const VALUE_OPERATORS: readonly string[] = Object.freeze([
  'equalTo', 'contains', 'doesNotContain', 'matches', 'doesNotMatch', 'absent', 'anything',
  'equalToJson', 'matchesJsonPath', 'matchesJsonSchema', 'equalToXml', 'matchesXPath', 'binaryEqualTo',
  'before', 'after', 'equalToDateTime', 'and', 'or', 'not',
]);

/** The option keys each operator accepts next to it (e.g. `caseInsensitive` for `equalTo`). */
export const VALUE_OPERATOR_OPTIONS: Readonly<Record<string, readonly string[]>> = Object.freeze(
  Object.fromEntries(VALUE_OPERATORS.map((op) => [op, REGISTRY[op]!.options])),
);

/** The operators only a multi-valued field (header, query or form parameter) accepts. */
export const MULTI_VALUE_OPERATORS: readonly string[] = Object.freeze(['hasExactly', 'includes']);

const OPERATOR_LIST = VALUE_OPERATORS.join(', ');

function compileWith(def: unknown, pointer: string, ctx: CompileContext): ValueMatcher {
  if (typeof def === 'string') return REGISTRY['equalTo']!.compile({ equalTo: def }, pointer, ctx);
  if (!isPlainObject(def)) {
    throw compileError(`a value pattern must be a string or an object with one operator (got ${describeType(def)})`, pointer, `operators: ${OPERATOR_LIST}`);
  }
  const keys = Object.keys(def);
  const operators = keys.filter((key) => Object.hasOwn(REGISTRY, key));
  if (operators.length === 0) {
    const unknown = keys.find((key) => !MULTI_VALUE_OPERATORS.includes(key));
    if (unknown === undefined && keys.length > 0) {
      throw compileError(`${keys[0]} only applies to headers, query parameters and form parameters`, joinPointer(pointer, keys[0]!));
    }
    const what = keys.length === 0 ? 'an empty pattern' : `unknown match operator ${JSON.stringify(unknown)}`;
    throw compileError(`${what}; must be one of ${OPERATOR_LIST}`, unknown === undefined ? pointer : joinPointer(pointer, unknown));
  }
  if (operators.length > 1) {
    throw compileError(
      `a pattern has one operator, this one has ${operators.length} (${operators.join(', ')})`,
      joinPointer(pointer, operators[1]!),
      'combine operators with and: [...] or or: [...]',
    );
  }
  const operator = operators[0]!;
  const spec = REGISTRY[operator]!;
  for (const key of keys) {
    if (key === operator || spec.options.includes(key)) continue;
    const allowed = spec.options.length === 0 ? `${operator} takes no options` : `must be one of ${spec.options.join(', ')}`;
    throw compileError(`unknown option ${JSON.stringify(key)} for ${operator}; ${allowed}`, joinPointer(pointer, key));
  }
  return spec.compile(def, pointer, ctx);
}

function contextFor(options: ValueMatcherOptions | undefined): CompileContext {
  const now = options?.now ?? Date.now;
  const ctx: CompileContext = { now, compile: (def, pointer) => compileWith(def, pointer, ctx) };
  return ctx;
}

/**
 * Compiles a WireMock StringValuePattern. `pointer` is the JSON pointer of `def` in its document;
 * errors point below it (e.g. `/request/headers/Accept/matches`). Throws DecoyError
 * `DECOY_ERR_STUB_COMPILE` for an unknown operator, a bad operand or option, or an expression
 * (regex, JSONPath, XPath, date, schema) that cannot be compiled.
 */
export function compileValueMatcher(def: unknown, pointer: string, options?: ValueMatcherOptions): ValueMatcher {
  return compileWith(def, pointer, contextFor(options));
}

class SingleValueMultiMatcher implements MultiValueMatcher {
  readonly type: string;

  constructor(
    readonly definition: unknown,
    private readonly pattern: ValueMatcher,
  ) {
    this.type = pattern.type;
  }

  // Hot path: a missing field is tested as one undefined value (WireMock's singletonList(null));
  // otherwise any value may match. Indexed loop, no allocation.
  test(values: readonly string[] | undefined): boolean {
    if (values === undefined || values.length === 0) return this.pattern.test(undefined);
    for (let i = 0; i < values.length; i++) if (this.pattern.test(values[i])) return true;
    return false;
  }

  distance(values: readonly string[] | undefined): number {
    if (values === undefined || values.length === 0) return this.pattern.distance(undefined);
    let best = 1;
    for (const value of values) best = Math.min(best, this.pattern.distance(value));
    return best;
  }

  explain(): string {
    return this.pattern.explain();
  }
}

/**
 * `hasExactly` and `includes` (WireMock's ExactMatch/IncludesMatchMultiValuePattern): a missing
 * field never matches; each pattern must match at least one of the values; `hasExactly` also needs
 * as many values as patterns. As in WireMock, two patterns may be satisfied by the same value.
 */
class MultipleValuesMatcher implements MultiValueMatcher {
  constructor(
    readonly type: 'hasExactly' | 'includes',
    readonly definition: unknown,
    private readonly patterns: readonly ValueMatcher[],
  ) {}

  // Hot path: nested indexed loops over a handful of values; stops at the first pattern that fails.
  test(values: readonly string[] | undefined): boolean {
    if (values === undefined || values.length === 0) return false;
    if (this.type === 'hasExactly' && values.length !== this.patterns.length) return false;
    const patterns = this.patterns;
    for (let p = 0; p < patterns.length; p++) {
      let found = false;
      for (let v = 0; v < values.length && !found; v++) found = patterns[p]!.test(values[v]);
      if (!found) return false;
    }
    return true;
  }

  distance(values: readonly string[] | undefined): number {
    if (values === undefined || values.length === 0) return 1;
    const parts: number[] = [];
    if (this.type === 'hasExactly') parts.push(values.length === this.patterns.length ? 0 : 1);
    for (const pattern of this.patterns) {
      let best = 1;
      for (const value of values) best = Math.min(best, pattern.distance(value));
      parts.push(best);
    }
    return parts.length === 0 ? 0 : parts.reduce((a, b) => a + b, 0) / parts.length;
  }

  explain(): string {
    const clauses = this.patterns.map((p) => `one that ${p.explain()}`);
    if (this.type === 'hasExactly') {
      return `has exactly ${this.patterns.length} value${this.patterns.length === 1 ? '' : 's'}${clauses.length > 0 ? `: ${clauses.join(', ')}` : ''}`;
    }
    return clauses.length === 0 ? 'has any values' : `includes values: ${clauses.join(', ')}`;
  }
}

/**
 * Compiles a WireMock MultiValuePattern for a header, query parameter or form parameter:
 * `{ hasExactly: [patterns] }`, `{ includes: [patterns] }`, or a single StringValuePattern (which
 * matches when any value matches it, or, for a missing field, when it accepts a missing value).
 */
export function compileMultiValueMatcher(def: unknown, pointer: string, options?: ValueMatcherOptions): MultiValueMatcher {
  const ctx = contextFor(options);
  if (isPlainObject(def)) {
    const multi = MULTI_VALUE_OPERATORS.filter((key) => Object.hasOwn(def, key));
    if (multi.length > 0) {
      const keys = Object.keys(def);
      if (keys.length > 1) {
        const other = keys.find((key) => key !== multi[0])!;
        throw compileError(`${multi[0]} cannot be combined with ${JSON.stringify(other)}`, joinPointer(pointer, other));
      }
      const type = multi[0] as 'hasExactly' | 'includes';
      const list = def[type];
      const at = joinPointer(pointer, type);
      if (!Array.isArray(list)) throw compileError(`${type} must be an array of patterns (got ${describeType(list)})`, at);
      return new MultipleValuesMatcher(type, def, list.map((item, index) => compileWith(item, joinPointer(at, index), ctx)));
    }
  }
  return new SingleValueMultiMatcher(def, compileWith(def, pointer, ctx));
}
