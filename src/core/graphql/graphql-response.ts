/**
 * Decoy's `response.graphql`: GraphQL answers. With a schema (SDL or an introspection result) any valid
 * query is executed against it by `graphql` itself, with every field resolved to generated data of the
 * field's type (seeded per field path, so a seed or stable data gives the same answer every time),
 * overrides for chosen types and fields, and introspection answered from the schema. An invalid query
 * gets the errors a GraphQL server gives, with locations. Errors placed on a field fail that field as a
 * resolver would: it becomes null (and the null goes up to the nearest nullable parent) and the error
 * carries its path. Without a schema, `data` and `errors` are served as written.
 */
import type {
  ExecutionResult, GraphQLFieldResolver, GraphQLOutputType, GraphQLSchema, GraphQLTypeResolver, IntrospectionQuery, ResponsePath,
} from 'graphql';
import { graphqlLib } from './graphql-lib.js';
import { DecoyError, joinPointer } from '../errors.js';
import type { WireResponse } from '../response/wire-response.js';
import { isPlainObject } from '../matching/matcher-support.js';
import type { DecoyRequest } from '../request.js';
import { fakerFunction, fakerRuntime } from '../response/template-helpers.js';
import { closestWord } from '../stub-schema.js';
import { isGraphqlError, type GraphqlCall, type GraphqlPayload } from './operation.js';

/** One GraphQL error as written in a stub: on a field (`path` or `field`), or on the whole operation. */
export interface GraphqlErrorDefinition {
  message?: string;
  /** The response path of the field that fails: `user.email`, `users.1.email` (list indexes optional). */
  path?: string | Array<string | number>;
  /** The schema coordinate of the field that fails, wherever it is selected: `User.email`. */
  field?: string;
  /** Shorthand for `extensions.code` (`UNAUTHENTICATED`, `FORBIDDEN`, `BAD_USER_INPUT`, ...). */
  code?: string;
  extensions?: Record<string, unknown>;
}

/** `response.graphql` as written. */
export interface GraphqlResponseDefinition {
  /** The schema as SDL text. */
  schema?: string;
  /** A schema file in the files folder: SDL (`.graphql`, `.graphqls`, `.gql`) or an introspection result (`.json`). */
  schemaFile?: string;
  /** An introspection result (`{ __schema }` or `{ data: { __schema } }`) written inline. */
  introspection?: unknown;
  /** Values for chosen fields (`User.email`) or types (`DateTime`): a fixed value, `{ faker: ... }`, `{ length: n }`. */
  overrides?: Record<string, unknown>;
  /** How many items a generated list has (default 2). */
  listLength?: number;
  /** Without a schema: the `data` to answer with. */
  data?: unknown;
  errors?: GraphqlErrorDefinition[];
}

const KEYS = ['schema', 'schemaFile', 'introspection', 'overrides', 'listLength', 'data', 'errors'];
const ERROR_KEYS = ['message', 'path', 'field', 'code', 'extensions'];
const DEFAULT_LIST_LENGTH = 2;

function invalid(message: string, pointer: string, hint?: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer }, ...(hint ? { hint } : {}) });
}

interface CompiledError {
  message: string;
  extensions: Record<string, unknown> | undefined;
  /** Response path segments without list indexes, or with them when written. */
  path: Array<string | number> | undefined;
  field: string | undefined;
}

function splitPath(path: string | Array<string | number>): Array<string | number> {
  const parts = Array.isArray(path) ? path : path.split('.').filter((p) => p !== '');
  return parts.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p));
}

function compileErrors(defs: unknown, pointer: string): CompiledError[] {
  if (defs === undefined) return [];
  if (!Array.isArray(defs)) throw invalid('graphql.errors must be a list of errors ({ message, path or field, code, extensions })', pointer);
  return defs.map((e, i) => {
    const at = joinPointer(pointer, i);
    if (typeof e === 'string') return { message: e, extensions: undefined, path: undefined, field: undefined };
    if (!isPlainObject(e)) throw invalid('a GraphQL error must be an object ({ message, path or field, code, extensions }) or a message', at);
    for (const k of Object.keys(e)) if (!ERROR_KEYS.includes(k)) throw invalid(`a GraphQL error has an unknown key "${k}"; valid keys: ${ERROR_KEYS.join(', ')}`, joinPointer(at, k));
    if (e.path !== undefined && typeof e.path !== 'string' && !Array.isArray(e.path)) throw invalid('path must be a response path such as user.email (or a list of its segments)', joinPointer(at, 'path'));
    if (e.field !== undefined && (typeof e.field !== 'string' || !/^[_A-Za-z]\w*\.[_A-Za-z]\w*$/.test(e.field))) throw invalid(`field must be a schema coordinate Type.field such as User.email (got ${JSON.stringify(e.field)})`, joinPointer(at, 'field'));
    if (e.path !== undefined && e.field !== undefined) throw invalid('a GraphQL error names the failing field by path or by field, not both', joinPointer(at, 'field'));
    if (e.extensions !== undefined && !isPlainObject(e.extensions)) throw invalid('extensions must be an object', joinPointer(at, 'extensions'));
    if (e.code !== undefined && typeof e.code !== 'string') throw invalid('code must be a string such as FORBIDDEN', joinPointer(at, 'code'));
    const extensions = e.code !== undefined || e.extensions !== undefined ? { ...(e.extensions as Record<string, unknown> | undefined), ...(e.code !== undefined ? { code: e.code } : {}) } : undefined;
    const message = typeof e.message === 'string' ? e.message : e.code !== undefined ? `${String(e.code)}` : 'Internal server error';
    return { message, extensions, path: e.path === undefined ? undefined : splitPath(e.path as string), field: e.field as string | undefined };
  });
}

function errorJson(e: CompiledError, path?: Array<string | number>): Record<string, unknown> {
  return { message: e.message, ...(path ? { path } : {}), ...(e.extensions ? { extensions: e.extensions } : {}) };
}

/** Sets `value` at `path` inside `data` (a copy), creating objects on the way. */
function setAt(data: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  const base: Record<string | number, unknown> = Array.isArray(data) ? [...data] as never : isPlainObject(data) ? { ...data } : {};
  base[head!] = setAt(base[head!], rest, value);
  return base;
}

/**
 * The body of a GraphQL answer written without a schema: `data` as given, each error on a path turning its
 * field to null. Also what a chaos rule's `graphql` action answers.
 */
export function staticGraphqlBody(def: { data?: unknown; errors?: unknown }, pointer: string): string {
  const errors = compileErrors(def.errors, joinPointer(pointer, 'errors'));
  let data = def.data;
  const out: Record<string, unknown>[] = [];
  for (const e of errors) {
    if (e.field !== undefined) throw invalid('an error by field (Type.field) needs a schema; without one, give the response path: path: user.email', joinPointer(pointer, 'errors'));
    if (e.path !== undefined) {
      data = setAt(data ?? {}, e.path, null);
      out.push(errorJson(e, e.path));
    } else {
      out.push(errorJson(e));
    }
  }
  // A GraphQL response lists errors first when there are any (the order the specification shows).
  return JSON.stringify({ ...(out.length ? { errors: out } : {}), ...(def.data !== undefined || data !== undefined ? { data: data ?? null } : {}) });
}

/** Errors that fail fields of an answer already made: each `path` set to null in `data`, its error added. */
export interface FieldFailures {
  /** The paths, for explain(). */
  readonly paths: readonly string[];
  /** The answer with the fields failed; undefined when the body is not a GraphQL answer with data. */
  apply(body: Buffer): Buffer | undefined;
}

/**
 * Compiles errors that all name a response `path` (and no `data`), for a chaos action: they fail those
 * fields of whatever the stub answered (written or generated), as a failing resolver would, except that
 * without the schema a non-null field's null is not carried up to its parent. A path without list indexes
 * fails the field in every item; an error whose path is not in the answer is added all the same.
 */
export function compileFieldFailures(defs: unknown, pointer: string): FieldFailures | undefined {
  const errors = compileErrors(defs, pointer);
  if (errors.length === 0 || errors.some((e) => e.path === undefined)) return undefined;
  return {
    paths: errors.map((e) => e.path!.join('.')),
    apply(body) {
      let answer: unknown;
      try {
        answer = JSON.parse(body.toString('utf8'));
      } catch {
        return undefined;
      }
      if (!isPlainObject(answer) || !isPlainObject(answer.data)) return undefined;
      const data = structuredClone(answer.data);
      const out: Record<string, unknown>[] = Array.isArray(answer.errors) ? [...answer.errors as Record<string, unknown>[]] : [];
      for (const e of errors) {
        const hit: Array<Array<string | number>> = [];
        nullAt(data, e.path!, [], hit);
        if (hit.length === 0) out.push(errorJson(e, e.path));
        for (const p of hit) out.push(errorJson(e, p));
      }
      return Buffer.from(JSON.stringify({ errors: out, data }), 'utf8');
    },
  };
}

/** Sets the field at a written path to null in `node`, in every list item where the path leaves the index out. */
function nullAt(node: unknown, path: ReadonlyArray<string | number>, at: Array<string | number>, hit: Array<Array<string | number>>): void {
  if (path.length === 0) return;
  const [head, ...rest] = path;
  if (Array.isArray(node) && typeof head !== 'number') {
    node.forEach((item, i) => nullAt(item, path, [...at, i], hit));
    return;
  }
  if (node === null || typeof node !== 'object' || !Object.hasOwn(node, head!)) return;
  const container = node as Record<string | number, unknown>;
  if (rest.length === 0) {
    container[head!] = null;
    hit.push([...at, head!]);
  } else {
    nullAt(container[head!], rest, [...at, head!], hit);
  }
}

const schemaCache = new Map<string, GraphQLSchema>();
const SCHEMA_CACHE_SIZE = 200;

/** Builds a schema from SDL or an introspection result; a problem is a load error naming the line in the schema. */
export function buildGraphqlSchema(source: { sdl: string } | { introspection: unknown }, pointer: string, name: string): GraphQLSchema {
  const key = 'sdl' in source ? `sdl:${source.sdl}` : `json:${JSON.stringify(source.introspection)}`;
  const cached = schemaCache.get(key);
  if (cached) return cached;
  let schema: GraphQLSchema;
  const { buildSchema, buildClientSchema } = graphqlLib();
  try {
    if ('sdl' in source) {
      schema = buildSchema(source.sdl);
    } else {
      const v = source.introspection;
      const root = isPlainObject(v) && isPlainObject(v.data) ? v.data : v;
      if (!isPlainObject(root) || !isPlainObject(root.__schema)) throw new Error('an introspection result has __schema (or data.__schema) at its top');
      schema = buildClientSchema(root as unknown as IntrospectionQuery);
    }
  } catch (e) {
    const at = e instanceof graphqlLib().GraphQLError ? e.locations?.[0] : undefined;
    throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `the GraphQL schema ${name} is not valid${at ? ` (line ${at.line}, column ${at.column})` : ''}: ${(e as Error).message}`, { source: { pointer } });
  }
  if (schemaCache.size >= SCHEMA_CACHE_SIZE) schemaCache.delete(schemaCache.keys().next().value!);
  schemaCache.set(key, schema);
  return schema;
}

type Override =
  | { kind: 'value'; value: unknown }
  | { kind: 'faker'; fn: (...args: unknown[]) => unknown; length: number | undefined }
  | { kind: 'length'; length: number };

function compileOverride(v: unknown, pointer: string): Override {
  if (isPlainObject(v)) {
    const keys = Object.keys(v);
    if (keys.length > 0 && keys.every((k) => k === 'faker' || k === 'length' || k === 'value')) {
      if (v.value !== undefined) {
        if (keys.length > 1) throw invalid('an override with value takes nothing else', pointer);
        return { kind: 'value', value: v.value };
      }
      const length = v.length;
      if (length !== undefined && (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > 1000)) {
        throw invalid(`length must be a whole number from 0 to 1000 (got ${JSON.stringify(length)})`, joinPointer(pointer, 'length'));
      }
      if (v.faker !== undefined) {
        const fn = typeof v.faker === 'string' ? fakerFunction(v.faker) : undefined;
        if (fn === undefined) throw invalid(`faker ${JSON.stringify(v.faker)} is not a faker function`, joinPointer(pointer, 'faker'), 'name one as module.function, e.g. internet.email, person.fullName, number.int');
        return { kind: 'faker', fn, length: length as number | undefined };
      }
      return { kind: 'length', length: length as number };
    }
  }
  return { kind: 'value', value: v };
}

function compileOverrides(defs: unknown, schema: GraphQLSchema, pointer: string): Map<string, Override> {
  const out = new Map<string, Override>();
  if (defs === undefined) return out;
  if (!isPlainObject(defs)) throw invalid('graphql.overrides must be an object: Type.field or Type → value', pointer);
  for (const [key, v] of Object.entries(defs)) {
    const at = joinPointer(pointer, key);
    checkCoordinate(schema, key, at, true);
    out.set(key, compileOverride(v, at));
  }
  return out;
}

/** Checks that `Type` or `Type.field` names something in the schema; the error suggests the closest name. */
function checkCoordinate(schema: GraphQLSchema, key: string, pointer: string, typeAllowed: boolean): void {
  const { isObjectType, isInterfaceType } = graphqlLib();
  const [typeName, fieldName, ...rest] = key.split('.');
  const type = schema.getType(typeName!);
  if (type === undefined || rest.length > 0 || (fieldName === undefined && !typeAllowed)) {
    const names = Object.keys(schema.getTypeMap()).filter((n) => !n.startsWith('__'));
    const guess = type === undefined ? closestWord(typeName!, names) : undefined;
    throw invalid(type === undefined
      ? `${JSON.stringify(key)}: the schema has no type ${typeName}${guess ? ` (did you mean ${guess}?)` : ''}`
      : `${JSON.stringify(key)} must be Type.field${typeAllowed ? ' or Type' : ''}`, pointer);
  }
  if (fieldName !== undefined) {
    const fields = isObjectType(type) || isInterfaceType(type) ? type.getFields() : undefined;
    if (fields === undefined) throw invalid(`${JSON.stringify(key)}: ${typeName} has no fields (it is a ${type.constructor.name.replace(/^GraphQL|Type$/g, '').toLowerCase()})`, pointer);
    if (fields[fieldName] === undefined) {
      const guess = closestWord(fieldName, Object.keys(fields));
      throw invalid(`${JSON.stringify(key)}: type ${typeName} has no field ${fieldName}${guess ? ` (did you mean ${guess}?)` : ''}`, pointer);
    }
  }
}

/** FNV-1a of a string, mixed into a seed. */
function hash(seed: number, s: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function pathKey(path: ResponsePath | undefined): string {
  const parts: Array<string | number> = [];
  for (let p = path; p; p = p.prev) parts.push(p.key);
  return parts.reverse().join('.');
}

function pathArray(path: ResponsePath | undefined): Array<string | number> {
  const parts: Array<string | number> = [];
  for (let p = path; p; p = p.prev) parts.push(p.key);
  return parts.reverse();
}

/** Whether a written error path (indexes optional) names this response path. */
function pathMatches(written: Array<string | number>, actual: Array<string | number>): boolean {
  let i = 0;
  for (const seg of actual) {
    const w = written[i];
    if (w === undefined) return false;
    if (w === seg) { i++; continue; }
    if (typeof seg === 'number') continue; // an index the written path leaves out
    return false;
  }
  return i === written.length;
}

/** A string for a field of type String, from its name: an e-mail for `email`, a name for `name`, words otherwise. */
const STRING_FAKERS: Array<[RegExp, string]> = [
  [/e-?mail/i, 'internet.email'],
  [/^first_?name$/i, 'person.firstName'],
  [/^last_?name$|surname/i, 'person.lastName'],
  [/^(full_?|display_?)?name$|author/i, 'person.fullName'],
  [/user_?name|login|handle/i, 'internet.username'],
  [/url|link|href|avatar|image|website/i, 'internet.url'],
  [/phone/i, 'phone.number'],
  [/city/i, 'location.city'],
  [/country/i, 'location.country'],
  [/street|address/i, 'location.streetAddress'],
  [/company|organi[sz]ation/i, 'company.name'],
  [/colou?r/i, 'color.human'],
  [/(date|time|_at|At)$/, 'date.recent'],
  [/title|headline|summary/i, 'lorem.sentence'],
  [/description|body|text|content|bio|comment/i, 'lorem.paragraph'],
];

function fake(path: string, seed: number): unknown {
  const fn = fakerFunction(path)!;
  fakerRuntime().seed(seed);
  const v = fn();
  return v instanceof Date ? v.toISOString() : v;
}

function scalarValue(typeName: string, fieldName: string, h: number): unknown {
  switch (typeName) {
    case 'Int': return h % 1000;
    case 'Float': return Math.round((h % 100_000)) / 100;
    case 'Boolean': return (h & 1) === 1;
    case 'ID': return String((h % 999_999) + 1);
    case 'String': {
      const f = STRING_FAKERS.find(([re]) => re.test(fieldName));
      return f ? String(fake(f[1], h)) : String(fake('lorem.words', h));
    }
  }
  // Custom scalars: a value their usual names promise, else a string.
  if (/date.?time|timestamp|instant/i.test(typeName)) return new Date(Date.UTC(2024, 0, 1) + (h % 31_536_000) * 1000).toISOString();
  if (/^date$/i.test(typeName)) return new Date(Date.UTC(2024, 0, 1) + (h % 365) * 86_400_000).toISOString().slice(0, 10);
  if (/^time$/i.test(typeName)) return new Date((h % 86_400) * 1000).toISOString().slice(11, 19);
  if (/uuid/i.test(typeName)) return fake('string.uuid', h);
  if (/e-?mail/i.test(typeName)) return fake('internet.email', h);
  if (/ur[li]/i.test(typeName)) return fake('internet.url', h);
  if (/json|object|map/i.test(typeName)) return {};
  if (/long|bigint|int/i.test(typeName)) return h % 100_000;
  if (/decimal|float|double|number/i.test(typeName)) return Math.round(h % 100_000) / 100;
  return String(fake('lorem.word', h));
}

interface Context {
  seed: number;
}

/** A compiled schema answer: works out the body for one request's operations. */
export interface GraphqlAnswer {
  /** The JSON body for a request (a batch gets an array), or the status and body of a request that is not GraphQL. */
  answer(payload: GraphqlPayload | undefined, seed: number): { status?: number; body: string };
  explain(): string;
}

/** Compiles `response.graphql` with a schema. `readFile` reads `schemaFile` (the files folder). */
export function compileGraphqlAnswer(def: GraphqlResponseDefinition, pointer: string, readFile: ((name: string, pointer: string) => Buffer) | undefined): GraphqlAnswer {
  const { executeSync, getNamedType, isEnumType, isListType, isNonNullType, isScalarType, validate } = graphqlLib();
  let schema: GraphQLSchema;
  let name: string;
  if (def.schemaFile !== undefined) {
    const at = joinPointer(pointer, 'schemaFile');
    if (typeof def.schemaFile !== 'string' || def.schemaFile === '') throw invalid('graphql.schemaFile must be a file name in the files folder', at);
    if (!readFile) throw new DecoyError('DECOY_ERR_BODY_FILE_NOT_FOUND', `graphql.schemaFile ${JSON.stringify(def.schemaFile)} cannot be used here: there is no files folder`, { source: { pointer: at } });
    const text = readFile(def.schemaFile, at).toString('utf8');
    name = def.schemaFile;
    if (/\.json$/i.test(def.schemaFile)) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `the introspection result ${name} is not JSON: ${(e as Error).message}`, { source: { pointer: at } });
      }
      schema = buildGraphqlSchema({ introspection: json }, at, name);
    } else {
      schema = buildGraphqlSchema({ sdl: text }, at, name);
    }
  } else if (def.schema !== undefined) {
    if (typeof def.schema !== 'string') throw invalid('graphql.schema must be the schema as SDL text (or use schemaFile, introspection)', joinPointer(pointer, 'schema'));
    name = '(inline SDL)';
    schema = buildGraphqlSchema({ sdl: def.schema }, joinPointer(pointer, 'schema'), 'written in the stub');
  } else {
    name = '(inline introspection)';
    schema = buildGraphqlSchema({ introspection: def.introspection }, joinPointer(pointer, 'introspection'), 'written in the stub');
  }
  const overrides = compileOverrides(def.overrides, schema, joinPointer(pointer, 'overrides'));
  const listLength = def.listLength ?? DEFAULT_LIST_LENGTH;
  if (typeof listLength !== 'number' || !Number.isInteger(listLength) || listLength < 0 || listLength > 1000) {
    throw invalid(`graphql.listLength must be a whole number from 0 to 1000 (got ${JSON.stringify(def.listLength)})`, joinPointer(pointer, 'listLength'));
  }
  if (def.data !== undefined) throw invalid('graphql.data is for answers without a schema; with a schema, fix values with overrides', joinPointer(pointer, 'data'));
  const errors = compileErrors(def.errors, joinPointer(pointer, 'errors'));
  errors.forEach((e, i) => { if (e.field !== undefined) checkCoordinate(schema, e.field, joinPointer(pointer, 'errors', i, 'field'), false); });
  const fieldErrors = errors.filter((e) => e.path !== undefined || e.field !== undefined);
  const requestErrors = errors.filter((e) => e.path === undefined && e.field === undefined);
  // Loads faker now rather than on the first request.
  fakerRuntime();

  /**
   * A value of `type`. A field's override (`User.email`) applies to the field's value, a list's items
   * included; a type's override (`DateTime`, `User`) applies wherever a value of that type is made, so
   * inside a list it gives each item, not the list.
   */
  const generate = (type: GraphQLOutputType, h: number, field: Override | undefined, named: Override | undefined, fieldName: string): unknown => {
    if (field?.kind === 'value') return field.value;
    if (isNonNullType(type)) return generate(type.ofType, h, field, named, fieldName);
    if (isListType(type)) {
      const n = field?.kind === 'length' || field?.kind === 'faker' ? field.length ?? listLength : listLength;
      return Array.from({ length: n }, (_, i) => generate(type.ofType, hash(h, String(i)), field?.kind === 'faker' ? field : undefined, named, fieldName));
    }
    const own = field?.kind === 'faker' ? field : named;
    if (own?.kind === 'value') return own.value;
    if (own?.kind === 'faker') {
      fakerRuntime().seed(h);
      const v = own.fn();
      return v instanceof Date ? v.toISOString() : v;
    }
    if (isEnumType(type)) {
      const values = type.getValues();
      return values.length === 0 ? null : values[h % values.length]!.value;
    }
    if (isScalarType(type)) return scalarValue(type.name, fieldName, h);
    // An object, interface or union: its fields are resolved one by one, by this same resolver.
    return {};
  };

  const fieldResolver: GraphQLFieldResolver<unknown, Context> = (source, _args, ctx, info) => {
    if (fieldErrors.length) {
      const coordinate = `${info.parentType.name}.${info.fieldName}`;
      const at = pathArray(info.path);
      const failure = fieldErrors.find((e) => (e.field !== undefined ? e.field === coordinate : pathMatches(e.path!, at)));
      if (failure) throw new (graphqlLib().GraphQLError)(failure.message, { ...(failure.extensions ? { extensions: failure.extensions } : {}) });
    }
    // A fixed object (an override) gives its own fields; the rest are generated.
    if (isPlainObject(source) && Object.hasOwn(source, info.fieldName)) return source[info.fieldName];
    const field = overrides.get(`${info.parentType.name}.${info.fieldName}`);
    const named = overrides.get(getNamedType(info.returnType).name);
    return generate(info.returnType, hash(ctx.seed, pathKey(info.path)), field, named, info.fieldName);
  };

  const typeResolver: GraphQLTypeResolver<unknown, Context> = (value, ctx, info, abstractType) => {
    if (isPlainObject(value) && typeof value.__typename === 'string') return value.__typename;
    const types = info.schema.getPossibleTypes(abstractType);
    return types.length === 0 ? undefined : types[hash(ctx.seed, `${pathKey(info.path)}#type`) % types.length]!.name;
  };

  const run = (call: GraphqlCall, seed: number): ExecutionResult | Record<string, unknown> => {
    if (call.query === undefined) return { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };
    const doc = call.document();
    if (isGraphqlError(doc)) return { errors: [doc] };
    const problems = validate(schema, doc);
    if (problems.length) return { errors: problems };
    if (call.operationName === undefined && call.operation() === undefined) {
      return { errors: [new (graphqlLib().GraphQLError)('Must provide operation name if query contains multiple operations.')] };
    }
    if (requestErrors.length) return { errors: requestErrors.map((e) => errorJson(e)) };
    return executeSync({
      schema, document: doc, variableValues: call.variables as Record<string, unknown>,
      operationName: call.operationName, contextValue: { seed }, fieldResolver, typeResolver,
    });
  };

  return {
    answer(payload, seed) {
      if (payload === undefined) {
        return { status: 400, body: JSON.stringify({ errors: [{ message: 'Must provide query string.' }] }) };
      }
      if (!payload.batch) return { body: JSON.stringify(run(payload.calls[0]!, seed)) };
      return { body: JSON.stringify(payload.calls.map((c, i) => run(c, hash(seed, String(i))))) };
    },
    explain: () => `a GraphQL answer generated from the schema ${name}${errors.length ? ` with ${errors.length} error(s)` : ''}`,
  };
}

/** Whether `response.graphql` needs a schema answer (rather than a fixed body). */
export function hasGraphqlSchema(def: GraphqlResponseDefinition): boolean {
  return def.schema !== undefined || def.schemaFile !== undefined || def.introspection !== undefined;
}

/** Checks the keys of `response.graphql`. */
export function checkGraphqlResponseKeys(def: unknown, pointer: string): GraphqlResponseDefinition {
  if (!isPlainObject(def)) throw invalid('response.graphql must be an object (schema or schemaFile or introspection, overrides, listLength; or data, errors)', pointer);
  for (const k of Object.keys(def)) {
    if (!KEYS.includes(k)) throw invalid(`response.graphql has an unknown key "${k}"; valid keys: ${KEYS.join(', ')}`, joinPointer(pointer, k));
  }
  const sources = ['schema', 'schemaFile', 'introspection'].filter((k) => def[k] !== undefined);
  if (sources.length > 1) throw invalid(`response.graphql has more than one schema (${sources.join(', ')}); give one`, joinPointer(pointer, sources[1]!));
  return def as GraphqlResponseDefinition;
}

/** A GraphQL answer for one request, as a renderer hands it to the transport. */
export function graphqlWireResponse(answer: GraphqlAnswer, request: DecoyRequest, seed: number, base: { status: number; statusMessage: string | undefined; headers: readonly string[] }): WireResponse {
  const payload = request.graphql;
  if (request.method === 'GET' && payload?.calls.some((c) => c.type === 'mutation')) {
    // GraphQL over HTTP: a GET must not run a mutation, and the server says so with a 405.
    const bytes = Buffer.from(JSON.stringify({ errors: [{ message: 'Can only perform a mutation operation from a POST request.' }] }), 'utf8');
    return { status: 405, headers: ['Allow', 'POST', 'Content-Type', 'application/json', 'Content-Length', String(bytes.length)], body: bytes };
  }
  const { status, body } = answer.answer(payload, seed);
  const bytes = Buffer.from(body, 'utf8');
  return { status: status ?? base.status, statusMessage: status === undefined ? base.statusMessage : undefined, headers: [...base.headers, 'Content-Length', String(bytes.length)], body: bytes };
}

