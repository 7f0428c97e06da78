/**
 * `equalToJson`, `matchesJsonPath` and `matchesJsonSchema`.
 *
 * Expected documents, paths and schemas are parsed and compiled when the stub is loaded; a request
 * body is parsed at most once (through its BodyView) however many JSON matchers look at it.
 *
 * matchesJsonPath follows WireMock 3.13: the simple form matches when the path finds a non-null
 * value that is not an empty array or object (an indefinite path: when it finds anything); the
 * advanced form `{ expression, <pattern> }` matches when the pattern matches any found value, with
 * objects rendered as Jackson pretty JSON, arrays searched element by element (or rendered whole
 * for equalToJson), and nothing found matching only `absent`. The value is read as Jayway's
 * json-smart provider reads it (see permissive-json.ts): text that is not JSON is one string, so
 * `{ expression: "$.debug", absent: true }` matches a plain-text body, and a missing value finds
 * nothing; XML, broken JSON (`{broken`) and `null` match nothing, not even `absent`.
 */
import { joinPointer } from '../errors.js';
import { jsonTextTooDeep } from '../json-depth.js';
import { JsonEquality, JsonPlaceholderError } from './json-equality.js';
import { compileJsonPath, type CompiledJsonPath } from './json-path.js';
import { renderJacksonPretty, renderJavaString } from './json-render.js';
import { parsePermissiveJson } from './permissive-json.js';
import { abbreviate, asClause, compileError, describeType, firstNonBlankIs, isPlainObject, quote, readOptionalBoolean, readOptionalString, type CompileContext, type OperatorSpec } from './matcher-support.js';
import type { BodyView, ValueMatcher } from './types.js';
import { compileJsonSchema, JSON_SCHEMA_VERSIONS, type JsonSchemaValidator } from './json-schema.js';

type JsonParse = { ok: true; value: unknown } | { ok: false };
const NOT_JSON: JsonParse = { ok: false };

/** The value as JSON: the body's memoized parse when there is a body, else a parse of the value. */
function jsonOf(value: string | undefined, body: BodyView | undefined): JsonParse {
  if (value === undefined) return NOT_JSON;
  if (body !== undefined && body.text === value) return body.json();
  if (jsonTextTooDeep(value)) return NOT_JSON;
  try {
    return { ok: true, value: JSON.parse(value) as unknown };
  } catch {
    return NOT_JSON;
  }
}

/** The value as matchesJsonPath reads it: strict JSON, else json-smart's permissive reading. */
function permissiveJsonOf(value: string, body: BodyView | undefined): JsonParse {
  if (body !== undefined && body.text === value) return body.permissiveJson();
  const strict = jsonOf(value, undefined);
  return strict.ok || jsonTextTooDeep(value) ? strict : parsePermissiveJson(value);
}

class EqualToJsonMatcher implements ValueMatcher {
  readonly type = 'equalToJson';

  constructor(
    readonly definition: unknown,
    private readonly expectedText: string,
    private readonly equality: JsonEquality,
    private readonly optionNames: readonly string[],
  ) {}

  test(value: string | undefined, body?: BodyView): boolean {
    const parsed = jsonOf(value, body);
    return parsed.ok && this.equality.test(parsed.value);
  }

  distance(value: string | undefined, body?: BodyView): number {
    const parsed = jsonOf(value, body);
    return parsed.ok ? this.equality.distance(parsed.value) : 1;
  }

  mismatch(value: string | undefined, body?: BodyView): string | undefined {
    if (value === undefined) return 'there is no body';
    const parsed = jsonOf(value, body);
    return parsed.ok ? this.equality.firstDifference(parsed.value) : 'the body is not JSON';
  }

  explain(): string {
    const options = this.optionNames.length > 0 ? ` (${this.optionNames.join(', ')})` : '';
    return `is JSON equal to ${abbreviate(this.expectedText)}${options}`;
  }
}

function compileEqualToJson(def: Readonly<Record<string, unknown>>, pointer: string): ValueMatcher {
  const operand = def['equalToJson'];
  const at = joinPointer(pointer, 'equalToJson');
  let expected: unknown;
  let expectedText: string;
  if (typeof operand === 'string') {
    // WireMock reads a string operand as JSON text; an inline value is the document itself.
    try {
      expected = JSON.parse(operand);
    } catch (err) {
      throw compileError(`equalToJson is not valid JSON: ${(err as Error).message}`, at, 'give the JSON inline, or as a string containing JSON');
    }
    expectedText = operand;
  } else if (operand === undefined) {
    throw compileError('equalToJson needs a JSON document', at);
  } else {
    expected = operand;
    expectedText = JSON.stringify(operand);
  }
  const options = {
    ignoreArrayOrder: readOptionalBoolean(def, 'ignoreArrayOrder', pointer),
    ignoreExtraElements: readOptionalBoolean(def, 'ignoreExtraElements', pointer),
    ignoreNullElements: readOptionalBoolean(def, 'ignoreNullElements', pointer),
  };
  let equality: JsonEquality;
  try {
    equality = new JsonEquality(expected, options);
  } catch (err) {
    if (err instanceof JsonPlaceholderError) throw compileError(err.message, at);
    throw err;
  }
  const names: string[] = [];
  if (options.ignoreArrayOrder) names.push('ignoring array order');
  if (options.ignoreExtraElements) names.push('ignoring extra elements');
  if (options.ignoreNullElements) names.push('ignoring null fields');
  return new EqualToJsonMatcher(def, expectedText, equality, names);
}

class MatchesJsonPathMatcher implements ValueMatcher {
  readonly type = 'matchesJsonPath';
  private readonly rendersListsWhole: boolean;

  constructor(
    readonly definition: unknown,
    private readonly path: CompiledJsonPath,
    private readonly nested: ValueMatcher | undefined,
  ) {
    this.rendersListsWhole = nested?.type === 'equalToJson';
  }

  /**
   * What the path finds, or undefined when WireMock gives up on the value (no match, not even for
   * `absent`). As in WireMock: a missing value (an empty body, an absent header) finds nothing;
   * XML is not read at all; anything else is read as json-smart does, so that text which is not
   * JSON is one string (in which `$.a` finds nothing) and only broken JSON or `null` is an error.
   */
  private found(value: string | undefined, body: BodyView | undefined): unknown[] | undefined {
    if (value === undefined) return [];
    if (firstNonBlankIs(value, '<')) return undefined;
    const parsed = permissiveJsonOf(value, body);
    if (!parsed.ok || parsed.value === null) return undefined;
    return this.path.evaluate(parsed.value);
  }

  /**
   * The strings a nested pattern is tried against, as WireMock renders them; undefined when a found
   * list holds a null, which WireMock fails on (it calls toString() on each element) and so does
   * not match.
   */
  private rendered(found: readonly unknown[]): string[] | undefined {
    if (this.path.isDefinite) {
      const single = found[0];
      if (found.length === 0 || single === null || single === undefined) return [];
      if (Array.isArray(single)) return this.rendersListsWhole ? [renderJacksonPretty(single)] : renderElements(single);
      if (typeof single === 'object') return [renderJacksonPretty(single)];
      return [renderJavaString(single)];
    }
    return this.rendersListsWhole ? [renderJacksonPretty(found)] : renderElements(found);
  }

  test(value: string | undefined, body?: BodyView): boolean {
    const found = this.found(value, body);
    if (found === undefined) return false;
    if (this.nested === undefined) return isPresent(found, this.path.isDefinite);
    const texts = this.rendered(found);
    if (texts === undefined) return false;
    if (texts.length === 0) return this.nested.type === 'absent';
    for (const text of texts) if (this.nested.test(text)) return true;
    return false;
  }

  distance(value: string | undefined, body?: BodyView): number {
    if (this.test(value, body)) return 0;
    if (this.nested === undefined) return 1;
    const found = this.found(value, body);
    if (found === undefined) return 1;
    let best = 1;
    for (const text of this.rendered(found) ?? []) best = Math.min(best, this.nested.distance(text));
    return best;
  }

  mismatch(value: string | undefined, body?: BodyView): string | undefined {
    if (this.test(value, body)) return undefined;
    const found = this.found(value, body);
    if (found === undefined) return value !== undefined && firstNonBlankIs(value, '<') ? 'the body is XML, not JSON' : 'the body is not JSON';
    const where = this.path.expression;
    if (this.nested === undefined || !isPresent(found, this.path.isDefinite)) return `${where} selects nothing`;
    const texts = this.rendered(found) ?? [];
    const shown = texts.map((t) => (t.length > 40 ? `${JSON.stringify(t.slice(0, 37))}...` : JSON.stringify(t))).join(', ');
    return `${where} is ${shown}, which does not fit: ${this.nested.explain()}`;
  }

  explain(): string {
    return this.nested === undefined
      ? `has JSONPath ${this.path.expression}`
      : `has JSONPath ${this.path.expression} ${asClause(this.nested.explain())}`;
  }
}

/** Each element as Java's toString() writes it; undefined when one is null (a NullPointerException in WireMock). */
function renderElements(list: readonly unknown[]): string[] | undefined {
  const texts: string[] = [];
  for (const item of list) {
    if (item === null || item === undefined) return undefined;
    texts.push(renderJavaString(item));
  }
  return texts;
}

/** WireMock 3.13's simple-form rule: something non-null, and not an empty list or object. */
function isPresent(found: readonly unknown[], definite: boolean): boolean {
  if (!definite) return found.length > 0;
  if (found.length === 0) return false;
  const value = found[0];
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function compilePath(expression: string, pointer: string): CompiledJsonPath {
  try {
    return compileJsonPath(expression);
  } catch (err) {
    throw compileError(`matchesJsonPath has an invalid JSONPath ${quote(expression)}: ${(err as Error).message}`, pointer);
  }
}

function compileMatchesJsonPath(def: Readonly<Record<string, unknown>>, pointer: string, ctx: CompileContext): ValueMatcher {
  const operand = def['matchesJsonPath'];
  const at = joinPointer(pointer, 'matchesJsonPath');
  if (typeof operand === 'string') return new MatchesJsonPathMatcher(def, compilePath(operand, at), undefined);
  if (!isPlainObject(operand)) {
    throw compileError(`matchesJsonPath must be a JSONPath string or { expression, <pattern> } (got ${describeType(operand)})`, at);
  }
  const expression = operand['expression'];
  if (typeof expression !== 'string') {
    throw compileError('matchesJsonPath needs an expression string in its advanced form', joinPointer(at, 'expression'));
  }
  const { expression: _expression, ...nestedDef } = operand;
  const path = compilePath(expression, joinPointer(at, 'expression'));
  return new MatchesJsonPathMatcher(def, path, ctx.compile(nestedDef, at));
}

class MatchesJsonSchemaMatcher implements ValueMatcher {
  readonly type = 'matchesJsonSchema';

  constructor(
    readonly definition: unknown,
    private readonly schemaText: string,
    private readonly validator: JsonSchemaValidator,
  ) {}

  /** Errors found, or -1 for a match; a value that is not JSON is validated as a string, as WireMock does. */
  private errors(value: string | undefined, body: BodyView | undefined): number {
    if (value === undefined) return Number.POSITIVE_INFINITY;
    const parsed = jsonOf(value, body);
    if (!parsed.ok) return this.validator.errors(value);
    const count = this.validator.errors(parsed.value);
    // A query parameter "123" is read as a number; WireMock retries it as the string it also is.
    if (count > 0 && parsed.value !== null && typeof parsed.value !== 'object' && typeof parsed.value !== 'string') {
      return Math.min(count, this.validator.errors(value));
    }
    return count;
  }

  test(value: string | undefined, body?: BodyView): boolean {
    return this.errors(value, body) === 0;
  }

  distance(value: string | undefined, body?: BodyView): number {
    const errors = this.errors(value, body);
    if (errors === 0) return 0;
    if (!Number.isFinite(errors) || this.validator.propertyCount === 0) return 1;
    return Math.min(1, errors / this.validator.propertyCount);
  }

  explain(): string {
    return `matches the JSON schema ${abbreviate(this.schemaText)}`;
  }
}

function compileMatchesJsonSchema(def: Readonly<Record<string, unknown>>, pointer: string): ValueMatcher {
  const operand = def['matchesJsonSchema'];
  const at = joinPointer(pointer, 'matchesJsonSchema');
  let schema: unknown;
  if (typeof operand === 'string') {
    try {
      schema = JSON.parse(operand);
    } catch (err) {
      throw compileError(`matchesJsonSchema is not valid JSON: ${(err as Error).message}`, at);
    }
  } else {
    schema = operand;
  }
  if (typeof schema !== 'boolean' && !isPlainObject(schema)) {
    throw compileError(`matchesJsonSchema must be a JSON schema object (got ${describeType(schema)})`, at);
  }
  const version = readOptionalString(def, 'schemaVersion', pointer);
  if (version !== undefined && !(JSON_SCHEMA_VERSIONS as readonly string[]).includes(version)) {
    throw compileError(`schemaVersion ${quote(version)} must be one of ${JSON_SCHEMA_VERSIONS.join(', ')}`, joinPointer(pointer, 'schemaVersion'));
  }
  let validator: JsonSchemaValidator;
  try {
    validator = compileJsonSchema(schema, version);
  } catch (err) {
    throw compileError(`matchesJsonSchema is not a usable JSON schema: ${(err as Error).message}`, at);
  }
  return new MatchesJsonSchemaMatcher(def, typeof operand === 'string' ? operand : JSON.stringify(operand), validator);
}

export const JSON_OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  equalToJson: { options: ['ignoreArrayOrder', 'ignoreExtraElements', 'ignoreNullElements'], compile: compileEqualToJson },
  matchesJsonPath: { options: [], compile: compileMatchesJsonPath },
  matchesJsonSchema: { options: ['schemaVersion'], compile: compileMatchesJsonSchema },
};
