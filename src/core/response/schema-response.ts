/**
 * Decoy's `response.schema`: a body generated per request from a JSON Schema (realistic values through
 * faker, see schema-generator's header).
 *
 * At load the schema is checked (it must be a JSON Schema ajv can compile, every `$ref` resolvable)
 * and compiled into a validator; per request a value is generated from a seed and checked against
 * that validator. The seed comes from the engine's random source (so `--seed` makes a run
 * reproducible) or, with stable data, from the request itself (so the same request always gets the
 * same body, in this process or the next).
 *
 * faker and randexp are imported on first need, not at start-up: compiling a schema response starts
 * the import, and the sources await `schemaGeneratorReady()` before they hand stubs to the engine.
 */
import { safeHeaderValue } from './header-value.js';
import type { Ajv, AnySchema, ErrorObject, ValidateFunction } from 'ajv';
import { DecoyError, joinPointer } from '../errors.js';
import type { WireResponse } from './wire-response.js';
import type { DecoyRequest } from '../request.js';
import { createSchemaAjv } from '../schema-ajv.js';
import { generateValue, type GenerateOptions, type GeneratorLibraries } from './schema-generator.js';

let libraries: GeneratorLibraries | undefined;
let loading: Promise<void> | undefined;

/**
 * Starts importing the generator's libraries (once); resolves when they can be used. faker's English
 * locale alone: the whole package, with every locale, takes ten times as long to import.
 */
export function loadSchemaGenerator(): Promise<void> {
  loading ??= Promise.all([import('@faker-js/faker/locale/en'), import('randexp')]).then(([f, r]) => {
    const RandExp = ((r as { default?: unknown }).default ?? r) as GeneratorLibraries['RandExp'];
    libraries = { faker: f.faker, RandExp };
  });
  return loading;
}

export function isSchemaGeneratorLoaded(): boolean {
  return libraries !== undefined;
}

/** Resolves once the generator is loaded, or at once when no schema response asked for it. */
export function schemaGeneratorReady(): Promise<void> {
  return loading ?? Promise.resolve();
}

let draft2020: Ajv | undefined;
let draft07: Ajv | undefined;

/**
 * The ajv instance for a schema: draft-07 when the schema says so (`$schema` of draft 4, 6 or 7),
 * else 2020-12. Formats are asserted (a generated `date-time` must be one); unknown formats are
 * accepted as annotations, since documents invent their own.
 */
export function schemaAjv(schema: unknown): Ajv {
  const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  const old = typeof declared === 'string' && /draft-0[467]/.test(declared);
  if (old) return (draft07 ??= createSchemaAjv({ draft: '07', validateFormats: true }));
  return (draft2020 ??= createSchemaAjv({ draft: '2020', validateFormats: true }));
}

/** A compiled schema: validates values, and generates one from a seed once the generator is loaded. */
export interface CompiledSchema {
  readonly schema: unknown;
  validate(value: unknown): ErrorObject[] | undefined;
  generate(seed: number, options?: GenerateOptions): unknown;
  /** Why `validate` accepts everything (the schema did not compile on first use), else undefined. */
  uncheckedBecause?(): string | undefined;
}

/** Where each `$ref` of a schema sits, to point at the one ajv could not resolve. */
function findRef(node: unknown, ref: string, at: string): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  if (!Array.isArray(node) && (node as { $ref?: unknown }).$ref === ref) return joinPointer(at, '$ref');
  for (const [k, v] of Object.entries(node)) {
    const found = findRef(v, ref, joinPointer(at, k));
    if (found) return found;
  }
  return undefined;
}

/**
 * Checks and compiles a JSON Schema written at `pointer`; throws DECOY_ERR_SCHEMA_INVALID naming the
 * place of the first problem. `$ref`s must be local (`#/...`): references to other files are
 * resolved before this (by the stub files or the OpenAPI importer).
 */
export function compileSchema(schema: unknown, pointer: string): CompiledSchema {
  if (typeof schema !== 'boolean' && (schema === null || typeof schema !== 'object' || Array.isArray(schema))) {
    throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `${pointer.slice(1).replace(/\//g, '.')} must be a JSON Schema object (got ${JSON.stringify(schema)})`, { source: { pointer } });
  }
  const ajv = schemaAjv(schema);
  let validator: (() => ValidateFunction) | undefined;
  try {
    const key = `${ajv === draft07 ? '07' : '2020'}:${JSON.stringify(schema)}`;
    validator = compiledCache.get(key);
    if (validator === undefined) {
      validator = checkedValidator(ajv, schema, pointer);
      if (compiledCache.size >= COMPILED_CACHE_SIZE) compiledCache.delete(compiledCache.keys().next().value!);
      compiledCache.set(key, validator);
    }
  } catch (e) {
    // The checks recurse: a schema nested thousands of levels deep runs out of stack, a load error like any other.
    if (e instanceof RangeError) throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `the schema nests too deeply to be checked (${e.message})`, { source: { pointer } });
    throw e;
  }
  void loadSchemaGenerator();
  const lazy = validator;
  return {
    schema,
    validate: (value) => {
      const validate = lazy();
      return validate(value) ? undefined : [...(validate.errors ?? [])];
    },
    generate: (seed, options) => {
      if (!libraries) throw new Error('the data generator is still loading');
      return generateValue(schema, seed, libraries, options);
    },
    uncheckedBecause: () => (lazy() as { problem?: string }).problem,
  };
}

/**
 * Validators of schemas compiled before, by their text: an OpenAPI document's operations share their
 * error responses, and a reload recompiles what did not change. Bounded: the oldest goes first.
 */
const compiledCache = new Map<string, () => ValidateFunction>();
const COMPILED_CACHE_SIZE = 2000;

/**
 * A schema checked now and compiled on first use. ajv takes about 10 ms to compile one of an OpenAPI
 * document's response schemas (each carries the named schemas it reaches): compiling all of them at
 * load would make a document of a hundred operations start in seconds (issue 20 asks for under one).
 * What a compile could refuse is checked here instead: the schema against the meta-schema, every
 * local `$ref` resolving, every `pattern` compiling. A schema with other references (`$id`s, anchors,
 * `$dynamicRef`) is compiled at once, as its references cannot be checked by a walk.
 */
function checkedValidator(ajv: Ajv, schema: unknown, pointer: string): () => ValidateFunction {
  const walk = walkSchema(schema, pointer);
  if (walk.problem) throw walk.problem;
  if (!walk.lazy) {
    const compiled = compileValidator(ajv, schema, pointer);
    return () => compiled;
  }
  checkMeta(ajv, schema, pointer);
  let compiled: ValidateFunction | undefined;
  return () => {
    if (compiled) return compiled;
    try {
      compiled = compileValidator(ajv, schema, pointer);
    } catch (e) {
      // What the checks at load could not foresee must not turn a request into a 500: the schema
      // stays unchecked, and what is served from it says so.
      compiled = uncheckable(e instanceof DecoyError ? e.message : String(e));
    }
    return compiled;
  };
}

/** A validator for a schema ajv would not compile: accepts everything; `problem` says why. */
function uncheckable(problem: string): ValidateFunction {
  const accept = (() => true) as unknown as ValidateFunction & { problem: string };
  accept.errors = null;
  accept.problem = problem;
  return accept;
}

/** What a walk of a schema (or of one of its `$defs`) found, with pointers relative to where it started. */
interface WalkFacts {
  /** Whether a compile can wait: only local `#/...` references, which a walk can check. */
  lazy: boolean;
  problem?: { message: string; at: string };
  /** Every local `$ref`, to resolve against the whole schema. */
  refs: Array<{ ref: string; at: string }>;
}

/**
 * The walks of `$defs` members, by object: an OpenAPI document's operations carry the same named
 * schemas (the same objects), each walked once, not once per operation.
 */
const walkedDefs = new WeakMap<object, WalkFacts>();

/** Finds what ajv's compile would refuse: a local `$ref` to nothing, a pattern that is not a regex. */
function walkSchema(schema: unknown, pointer: string): { lazy: boolean; problem?: DecoyError } {
  const parts: Array<{ facts: WalkFacts; at: string }> = [];
  const defs = schema !== null && typeof schema === 'object' && !Array.isArray(schema) ? (schema as { $defs?: unknown }).$defs : undefined;
  if (defs !== null && typeof defs === 'object' && !Array.isArray(defs)) {
    const { $defs: _defs, ...root } = schema as Record<string, unknown>;
    parts.push({ facts: walkFacts(root, true), at: '' });
    for (const [name, def] of Object.entries(defs)) {
      let facts = def !== null && typeof def === 'object' ? walkedDefs.get(def) : undefined;
      if (!facts) {
        facts = walkFacts(def, false);
        if (def !== null && typeof def === 'object') walkedDefs.set(def, facts);
      }
      parts.push({ facts, at: `/$defs/${name.replace(/~/g, '~0').replace(/\//g, '~1')}` });
    }
  } else {
    parts.push({ facts: walkFacts(schema, true), at: '' });
  }
  let lazy = true;
  for (const { facts, at } of parts) {
    if (facts.problem) {
      return { lazy, problem: new DecoyError('DECOY_ERR_SCHEMA_INVALID', facts.problem.message, { source: { pointer: pointer + at + facts.problem.at } }) };
    }
    if (!facts.lazy) lazy = false;
    for (const r of facts.refs) {
      const target = resolvePointer(schema, r.ref.slice(1));
      if (target === undefined) {
        return {
          lazy,
          problem: new DecoyError('DECOY_ERR_SCHEMA_INVALID', `$ref ${JSON.stringify(r.ref)} points at nothing in the schema`, {
            source: { pointer: pointer + at + r.at + '/$ref' },
            hint: 'put what it names under $defs (then $ref: "#/$defs/Name"), or give a relative file path that exists',
          }),
        };
      }
      const loop = refLoop(schema, r.ref, target);
      if (loop) {
        return {
          lazy,
          problem: new DecoyError('DECOY_ERR_SCHEMA_INVALID', `$ref ${JSON.stringify(r.ref)} leads back to itself through ${loop.join(' -> ')} without describing a value (ajv cannot compile it)`, {
            source: { pointer: pointer + at + r.at + '/$ref' },
            hint: 'make one schema on the loop describe the value (a type, properties) instead of only referring on',
          }),
        };
      }
    }
  }
  return { lazy };
}

function walkFacts(schema: unknown, isRoot: boolean): WalkFacts {
  const facts: WalkFacts = { lazy: true, refs: [] };
  const regex = (source: string, at: string): boolean => {
    try {
      new RegExp(source, 'u');
      return true;
    } catch (e) {
      facts.problem = { message: `the schema does not compile: pattern ${JSON.stringify(source)}: ${(e as Error).message}`, at };
      return false;
    }
  };
  const visit = (node: unknown, at: string): void => {
    if (facts.problem || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) { node.forEach((v, i) => visit(v, `${at}/${i}`)); return; }
    const n = node as Record<string, unknown>;
    if (n.$dynamicRef !== undefined || n.$recursiveRef !== undefined || n.$anchor !== undefined || (n.$id !== undefined && (at !== '' || !isRoot))) facts.lazy = false;
    if (typeof n.$ref === 'string') {
      if (!n.$ref.startsWith('#')) facts.lazy = false;
      else facts.refs.push({ ref: n.$ref, at });
    }
    if (typeof n.pattern === 'string' && !regex(n.pattern, `${at}/pattern`)) return;
    // The names of patternProperties are regexes too, which ajv compiles with the same flag.
    if (n.patternProperties !== null && typeof n.patternProperties === 'object') {
      for (const key of Object.keys(n.patternProperties)) if (!regex(key, `${at}/patternProperties/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`)) return;
    }
    for (const [k, v] of Object.entries(n)) {
      // Values, not schemas: their `$ref`-looking members mean nothing.
      if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples' || k === 'example') continue;
      visit(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
    }
  };
  visit(schema, '');
  return facts;
}

/**
 * The chain of `$ref`s, when following `ref` from reference to reference comes back to one of them:
 * such a schema describes nothing, and ajv's compile recurses until the stack runs out.
 */
function refLoop(schema: unknown, ref: string, target: unknown): string[] | undefined {
  const chain = [ref];
  let cur = target;
  while (cur !== null && typeof cur === 'object' && typeof (cur as { $ref?: unknown }).$ref === 'string') {
    const next = (cur as { $ref: string }).$ref;
    if (!next.startsWith('#')) return undefined;
    if (chain.includes(next)) return [...chain, next];
    chain.push(next);
    cur = resolvePointer(schema, next.slice(1));
  }
  return undefined;
}

function resolvePointer(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return undefined;
  for (const raw of pointer.split('/').slice(1)) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, token)) return undefined;
    cur = (cur as Record<string, unknown>)[token];
  }
  return cur;
}

/** `$defs` members that passed the meta-schema, by ajv instance and object (see `walkedDefs`). */
const metaCheckedDefs = new WeakMap<Ajv, WeakSet<object>>();

/**
 * The schema against its meta-schema: the root, then each `$defs` member on its own (each once per
 * object: what an OpenAPI document's operations share is checked once).
 */
function checkMeta(ajv: Ajv, schema: unknown, pointer: string): void {
  const defs = schema !== null && typeof schema === 'object' ? (schema as { $defs?: unknown }).$defs : undefined;
  if (defs === null || typeof defs !== 'object' || Array.isArray(defs) || (schema as { $schema?: unknown }).$schema !== undefined) {
    metaCheck(ajv, schema, pointer);
    return;
  }
  const { $defs: _defs, ...root } = schema as Record<string, unknown>;
  metaCheck(ajv, root, pointer);
  let checked = metaCheckedDefs.get(ajv);
  if (!checked) metaCheckedDefs.set(ajv, (checked = new WeakSet()));
  for (const [name, def] of Object.entries(defs)) {
    const isObject = def !== null && typeof def === 'object';
    if (isObject && checked.has(def)) continue;
    metaCheck(ajv, def, `${pointer}/$defs/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`, `$defs.${name}`);
    if (isObject) checked.add(def);
  }
}

function metaCheck(ajv: Ajv, schema: unknown, pointer: string, label = ''): void {
  if (!ajv.validateSchema(schema as AnySchema)) {
    const e = ajv.errors?.[0];
    const where = [label, e?.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : ''].filter(Boolean).join('.');
    throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `the schema is not valid JSON Schema: ${where ? where + ' ' : ''}${e?.message ?? 'invalid'}`, {
      source: { pointer: pointer + (e?.instancePath ?? '') },
    });
  }
}

function compileValidator(ajv: Ajv, schema: unknown, pointer: string): ValidateFunction {
  checkMeta(ajv, schema, pointer);
  let validateFn: ValidateFunction;
  try {
    // Compiled without registering it: two stubs may use the same $id, and reloads must not pile up.
    const copy = typeof schema === 'object' ? { ...(schema as object) } : schema;
    if (typeof copy === 'object') delete (copy as { $id?: unknown }).$id;
    validateFn = ajv.compile(copy as AnySchema);
    ajv.removeSchema(copy as AnySchema);
  } catch (e) {
    const missing = (e as { missingRef?: string }).missingRef;
    if (missing !== undefined) {
      const ref = String(missing);
      const local = ref.includes('#') ? '#' + ref.split('#')[1] : ref;
      throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `$ref ${JSON.stringify(local)} points at nothing in the schema`, {
        source: { pointer: findRef(schema, local, pointer) ?? pointer },
        hint: 'put what it names under $defs (then $ref: "#/$defs/Name"), or give a relative file path that exists',
      });
    }
    throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `the schema does not compile: ${(e as Error).message}`, { source: { pointer } });
  }
  return validateFn;
}

/**
 * How many seeds to try for a full value the schema accepts, then for a minimal one (required
 * properties only, fewest items), before serving what there is.
 */
const ATTEMPTS = 4;
const MINIMAL_ATTEMPTS = 4;

/**
 * Generates a value the schema accepts, trying a few derived seeds; `problem` says why the last one was
 * not, `unchecked` why the value could not be checked at all.
 */
export function generateValid(compiled: CompiledSchema, seed: number): { value: unknown; problem?: string; unchecked?: string } {
  let value: unknown;
  let errors: ErrorObject[] | undefined;
  for (let i = 0; i < ATTEMPTS + MINIMAL_ATTEMPTS; i++) {
    value = compiled.generate((seed + Math.imul(i, 0x9e3779b1)) >>> 0, { minimal: i >= ATTEMPTS });
    errors = compiled.validate(value);
    if (!errors) {
      const unchecked = compiled.uncheckedBecause?.();
      return unchecked ? { value, unchecked } : { value };
    }
  }
  const e = errors![0]!;
  return { value, problem: `${e.instancePath || '/'} ${e.message ?? 'is invalid'}` };
}

/** FNV-1a over the request's method, target and body, mixed with a seed: the same request, the same number. */
export function requestSeed(request: DecoyRequest, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const mix = (s: string | Buffer): void => {
    for (let i = 0; i < s.length; i++) {
      h ^= typeof s === 'string' ? s.charCodeAt(i) : s[i]!;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h = Math.imul(h ^ 0xff, 0x01000193) >>> 0;
  };
  mix(request.method);
  mix(request.url);
  mix(request.body);
  return h;
}

/** The Content-Type a generated body gets when the stub names none. */
const JSON_TYPE = 'application/json';

/**
 * A renderer for a response whose body is generated from `compiled`. `headers` are the stub's own
 * (flat, without Content-Length); a string value is sent as is for non-JSON media types.
 */
export function createSchemaRenderer(compiled: CompiledSchema, base: { status: number; statusMessage: string | undefined; headers: readonly string[] }) {
  const contentType = contentTypeOf(base.headers);
  const headers = contentType === undefined ? [...base.headers, 'Content-Type', JSON_TYPE] : [...base.headers];
  const asJson = contentType === undefined || /[/+]json\b/i.test(contentType);
  const asXml = !asJson && /[/+]xml\b/i.test(contentType ?? '');
  const root = asXml ? xmlRootName(compiled.schema) : '';
  return (seed: number): WireResponse => {
    if (!isSchemaGeneratorLoaded()) {
      // Only in the few milliseconds after the first schema stub of a process appears by a file change.
      const body = Buffer.from('Decoy is loading its data generator; retry in a moment\n');
      return { status: 503, headers: ['Retry-After', '1', 'Content-Type', 'text/plain', 'Content-Length', String(body.length)], body };
    }
    const { value, problem, unchecked } = generateValid(compiled, seed);
    const text = typeof value === 'string' && !asJson ? value : asXml ? toXml(value, root) : JSON.stringify(value ?? null);
    const body = Buffer.from(text, 'utf8');
    const out = [...headers, 'Content-Length', String(body.length)];
    if (problem) out.push('Decoy-Warning', safeHeaderValue(`generated body does not satisfy the schema: ${problem}`));
    if (unchecked) out.push('Decoy-Warning', safeHeaderValue(`generated body is not checked against the schema: ${unchecked}`));
    return { status: base.status, statusMessage: base.statusMessage, headers: out, body };
  };
}

/**
 * Text safe in a header value: the problem names schema properties, which may hold any character,
 * and Node refuses a response whose header has one outside tab, space to `~` and latin-1 (a 500).
 * Everything outside printable ASCII is percent-encoded as UTF-8 (`€` → `%E2%82%AC`).
 */
function contentTypeOf(headers: readonly string[]): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === 'content-type') return headers[i + 1];
  return undefined;
}

/** The root element of generated XML: the schema's (or its referenced named schema's) `xml.name`, else that name. */
function xmlRootName(schema: unknown): string {
  if (schema === null || typeof schema !== 'object') return 'root';
  const s = schema as { xml?: { name?: unknown }; $ref?: unknown; $defs?: Record<string, { xml?: { name?: unknown } }>; items?: unknown };
  if (typeof s.xml?.name === 'string') return s.xml.name;
  const named = typeof s.$ref === 'string' ? /^#\/\$defs\/([^/]+)$/.exec(s.$ref)?.[1] : undefined;
  if (named) return typeof s.$defs?.[named]?.xml?.name === 'string' ? s.$defs[named]!.xml!.name as string : named;
  return 'root';
}

function xmlEscape(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xmlName(name: string): string {
  const n = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^[A-Za-z_]/.test(n) ? n : `_${n}`;
}

/**
 * A plain XML rendering of a generated value, for responses whose media type is XML: objects become
 * elements named after their properties, arrays repeat their element, scalars are text. OpenAPI's
 * finer `xml` hints (attributes, namespaces) are not applied.
 */
export function toXml(value: unknown, name: string): string {
  const el = (v: unknown, n: string): string => {
    const tag = xmlName(n);
    if (Array.isArray(v)) return v.map((item) => el(item, n)).join('');
    if (v === null || v === undefined) return `<${tag}/>`;
    if (typeof v === 'object') return `<${tag}>${Object.entries(v).map(([k, c]) => el(c, k)).join('')}</${tag}>`;
    return `<${tag}>${xmlEscape(String(v))}</${tag}>`;
  };
  const inner = Array.isArray(value) ? `<${xmlName(name)}s>${el(value, name)}</${xmlName(name)}s>` : el(value, name);
  return `<?xml version="1.0" encoding="UTF-8"?>${inner}`;
}
