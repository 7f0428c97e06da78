/**
 * OpenAPI (Swagger 2.0, OpenAPI 3.0 and 3.1) → ordinary stub definitions.
 *
 * Every operation becomes a few stubs on its method and path (`{id}` → the path template `:id`):
 * - the default answer: the lowest 2xx response (else `default`), its first media type (JSON first),
 *   its first example, or else a body generated from its schema (`response.schema`);
 * - `Accept: <type>` picks another media type of that response;
 * - Prism's `Prefer: code=404` picks another response, `Prefer: example=name` a named example.
 * Those are header matchers on stubs of higher priority, so the document is served by the one stub
 * model, shows in /__admin/mappings, and can be written out as stub files (`decoy import openapi`).
 * Hand-written stubs (priority 5 by default) win over every stub from a document (priority 7 and up).
 *
 * The document is read and its `$ref`s to other files resolved by @apidevtools/swagger-parser (no
 * network: http references are refused). Schemas keep their references to named schemas: each stub's
 * schema carries the ones it reaches under `$defs`, converted to JSON Schema 2020-12 (`nullable`,
 * boolean `exclusiveMinimum`, Swagger's `x-nullable` and `type: file`).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { parse as parseYaml } from 'yaml';
import { DecoyError } from '../../core/errors.js';
import { translateJavaRegex } from '../../core/matching/java-regex.js';
import type { Ajv, AnySchema, ValidateFunction } from 'ajv';
import { createSchemaAjv } from '../../core/schema-ajv.js';
import { isPlainObject } from '../../core/matching/matcher-support.js';
import { deriveStubId } from '../../core/stub.js';
import type { ResponseDefinition, StubDefinition } from '../../core/stub-definition.js';
import type { RequestSchemaDefinition, RequestParameterDefinition } from '../../core/request-schema.js';
import type { ImportResult } from './import-result.js';
import type { ContractDefinition, ContractOperationDefinition } from '../../core/contract/contract.js';

type Json = Record<string, unknown>;

export interface OpenApiImportOptions {
  /** Add `requestSchema` to each stub: requests that break the document get a 400 listing every violation. */
  validateRequests?: boolean;
  /** Prefix of every path; default: the document's (Swagger's basePath, the path of OpenAPI's first server). */
  basePath?: string;
  /** How the document is named in stub metadata and messages (default: the file as given). */
  documentName?: string;
  /**
   * Leave the check against the OpenAPI specification to the caller (`conformance()` in the result):
   * on a large document it takes seconds, and a server need not wait for it to serve.
   */
  deferConformance?: boolean;
  /** Read the document as a contract to check stubs and exchanges against (`contract` in the result), not as stubs. */
  contractOnly?: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Priorities: a literal path before a template, a template with fewer parameters before one with more
 * (`/snippets/{id}/comments` before `/snippets/{id}/{node}`), and within each, a named example, a
 * code, a media type, the default. Each parameter more moves a path a band of four down.
 */
const PRIORITY = { literal: 10, template: 20, perParameter: 4 } as const;
const OFFSET = { example: -3, code: -2, accept: -1, default: 0 } as const;

/** Reads and bundles each document file; see `importOpenApiDocument`. */
export async function importOpenApi(files: string[], options: OpenApiImportOptions = {}): Promise<ImportResult> {
  const result: ImportResult = { stubs: [], warnings: [] };
  for (const file of files) {
    const one = await importOpenApiDocument(file, { ...options, documentName: options.documentName ?? file });
    result.stubs.push(...one.stubs);
    result.warnings.push(...one.warnings);
  }
  return result;
}

/** Loads a swagger-parser only when a document is imported: it and its dependencies cost ~100 ms to import. */
interface Parser {
  bundle(api: unknown, options?: unknown): Promise<unknown>;
  bundle(path: string, api: unknown, options: unknown): Promise<unknown>;
  validate(api: unknown, options?: unknown): Promise<unknown>;
  $refs: { paths(...types: string[]): string[] };
}

async function parser(): Promise<{ new(): Parser; validate(api: unknown, options?: unknown): Promise<unknown> }> {
  const m = await import('@apidevtools/swagger-parser');
  return (m.default ?? m) as never;
}

/**
 * How swagger-parser may follow `$ref`s (never over the network). A document given as a value (posted
 * to the admin API by whoever reaches the port) has its own `#/...` references followed and nothing
 * read from disk. A document file may reference files in its own folder and below it, not an
 * absolute path elsewhere, not `..` out of it, not a symlink out of it: importing a downloaded
 * document must not copy other files of the machine into stubs or messages.
 */
function parserOptions(document: string | undefined): { options: Record<string, unknown>; refused: string[] } {
  const refused: string[] = [];
  if (document === undefined) return { options: { resolve: { external: false, http: false }, dereference: { circular: 'ignore' } }, refused };
  const folder = path.dirname(document);
  const root = realpathSync(folder);
  const file = {
    order: 1,
    canRead: (f: { url: string }) => !/^[a-z][a-z0-9+.-]+:\/\//i.test(f.url) || /^file:/i.test(f.url),
    read: async (f: { url: string }): Promise<Buffer> => {
      const wanted = /^file:/i.test(f.url) ? fileURLToPath(f.url) : decodeURIComponent(f.url);
      // The document itself may be a symlink to elsewhere; what it references is relative to where it was given.
      if (path.resolve(wanted) === document) return readFile(document);
      let real: string;
      try {
        real = realpathSync(wanted);
      } catch {
        real = path.resolve(wanted);
      }
      const rel = path.relative(root, real);
      // `..data/` (a Kubernetes ConfigMap's folder) is inside; only `..` itself leads out.
      if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
        // swagger-parser replaces a resolver's message with its own: the reason is kept here.
        refused.push(`$ref to ${wanted} refused: it is outside the document's folder ${folder} (a document may reference files in its folder and below it)`);
        throw new Error(refused[refused.length - 1]);
      }
      return readFile(real);
    },
  };
  return { options: { resolve: { external: true, http: false, file }, dereference: { circular: 'ignore' } }, refused };
}

/**
 * Imports one document: a file path (its `$ref`s to other files resolved relative to it) or the
 * document itself (parsed JSON or YAML; then only local `$ref`s). Throws DECOY_ERR_OPENAPI_INVALID
 * when it is not an OpenAPI document Decoy can read.
 */
export async function importOpenApiDocument(source: string | Json, options: OpenApiImportOptions = {}): Promise<ImportResult & { files: string[]; conformance?: () => Promise<string | undefined>; contract?: ContractDefinition }> {
  const name = options.documentName ?? (typeof source === 'string' ? source : 'document');
  let input: unknown = source;
  let parsedFile: Json | undefined;
  if (typeof source === 'string') {
    // swagger-parser reads YAML itself, but its message for a syntax error names no line: read it here.
    let text: string;
    try {
      text = readFileSync(source, 'utf8');
    } catch (e) {
      throw new DecoyError('DECOY_ERR_OPENAPI_INVALID', `cannot read the OpenAPI document: ${(e as Error).message}`, { source: { file: name } });
    }
    try {
      // JSON is YAML, but JSON.parse reads a large document ten times as fast as a YAML parser; js-yaml
      // reads a large YAML document several times as fast as `yaml`, which is kept for its error positions.
      const parsed: unknown = parseJsonFast(text) ?? parseYamlFast(text) ?? parseYaml(text, { prettyErrors: true });
      if (!versionOf(parsed)) throw new DecoyError('DECOY_ERR_OPENAPI_INVALID', NOT_OPENAPI, { source: { file: name } });
      requireMembers(parsed as Json, name);
      parsedFile = parsed as Json;
    } catch (e) {
      if (e instanceof DecoyError) throw e;
      const pos = (e as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
      throw new DecoyError('DECOY_ERR_OPENAPI_INVALID', `not valid YAML or JSON: ${(e as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, { source: { file: name, line: pos?.line, column: pos?.col } });
    }
    input = path.resolve(source);
  } else {
    if (!versionOf(source)) throw new DecoyError('DECOY_ERR_OPENAPI_INVALID', NOT_OPENAPI, { source: { file: name } });
    requireMembers(source, name);
    input = structuredClone(source);
  }
  const { options: parsing, refused } = parserOptions(typeof source === 'string' ? path.resolve(source) : undefined);
  let doc: Json;
  let files: string[];
  if (!hasExternalRef(parsedFile ?? input)) {
    // Everything is in the one document: the Converter follows its `#/...` references itself, so the
    // parser (~150 ms to import and bundle a large document) is not needed to serve it.
    doc = (parsedFile ?? input) as Json;
    files = typeof source === 'string' ? [path.resolve(source)] : [];
  } else {
    const p = new (await parser())();
    try {
      // The file was parsed above: the parser gets that value (parsing a large YAML document twice costs
      // hundreds of milliseconds) and the path, for the `$ref`s to other files.
      doc = (await (parsedFile ? p.bundle(input as string, parsedFile, parsing) : p.bundle(input, parsing))) as Json;
    } catch (e) {
      throw new DecoyError('DECOY_ERR_OPENAPI_INVALID', `cannot read the OpenAPI document: ${refused[0] ?? oneLine(e)}`, { source: { file: name } });
    }
    // Every file the document is made of, to watch for changes.
    files = typeof source === 'string' ? p.$refs.paths('file') : [];
  }
  const version = versionOf(doc);
  if (!version) throw new DecoyError('DECOY_ERR_OPENAPI_INVALID', NOT_OPENAPI, { source: { file: name } });
  const warnings: string[] = [];
  const bundled = doc;
  // A document that breaks the specification in places is still worth mocking; say where.
  const conformance = async (): Promise<string | undefined> => (await parser()).validate(structuredClone(bundled), parsing).then(
    () => undefined,
    (e: unknown) => `${name}: the document does not follow the OpenAPI specification: ${oneLine(e)}`,
  );
  if (!options.deferConformance) {
    const problem = await conformance();
    if (problem) warnings.push(problem);
  }
  const converter = new Converter(doc, version, name, options, warnings);
  const stubs = options.contractOnly ? [] : converter.stubs();
  const contract = options.contractOnly ? { name, operations: converter.contract() } : undefined;
  return { stubs, warnings, files, ...(options.deferConformance ? { conformance } : {}), ...(contract ? { contract } : {}) };
}

/** Whether a document has a `$ref` to another file (or URL): only then is it bundled by the parser. */
function hasExternalRef(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(hasExternalRef);
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && !v.startsWith('#')) return true;
    if (typeof v === 'object' && hasExternalRef(v)) return true;
  }
  return false;
}

const NOT_OPENAPI = 'not an OpenAPI document: it has neither "openapi: 3.0.x / 3.1.x" nor "swagger: \'2.0\'"';

/**
 * The members every version requires, checked before the parser sees the document: its own message for
 * them is "[object Object] is not a valid Openapi API definition".
 */
function requireMembers(doc: Json, name: string): void {
  const d = doc as Record<string, unknown>;
  const missing: string[] = [];
  const info = d.info as Record<string, unknown> | undefined;
  if (info === null || typeof info !== 'object') missing.push('info');
  else for (const k of ['title', 'version']) if (typeof info[k] !== 'string') missing.push(`info.${k}`);
  // OpenAPI 3.1 needs one of paths, webhooks or components; 2.0 and 3.0 need paths.
  const needsPaths = versionOf(doc) !== '3.1';
  if (needsPaths ? d.paths === undefined : d.paths === undefined && d.webhooks === undefined && d.components === undefined) missing.push(needsPaths ? 'paths' : 'paths (or webhooks or components)');
  if (missing.length > 0) {
    throw new DecoyError('DECOY_ERR_OPENAPI_INVALID', `the document lacks required member${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`, { source: { file: name } });
  }
}

/**
 * The document read by js-yaml with YAML 1.2's core schema (as `yaml` reads it: a date stays a string), or
 * undefined when it does not parse (then `yaml` reads it again, to say where it is wrong).
 */
function parseYamlFast(text: string): unknown {
  try {
    return loadYaml(text, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
}

/** The document as JSON, or undefined when it is not JSON (then the YAML parser reads it, and reports where it is wrong). */
function parseJsonFast(text: string): unknown {
  if (!/^\s*\{/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function oneLine(e: unknown): string {
  const msg = (e as Error).message ?? String(e);
  return msg.split('\n').filter((l) => l.trim()).slice(0, 4).join('; ');
}

type Version = '2.0' | '3.0' | '3.1';

function versionOf(doc: unknown): Version | undefined {
  if (doc === null || typeof doc !== 'object') return undefined;
  const d = doc as Json;
  if (String(d.swagger) === '2.0') return '2.0';
  if (typeof d.openapi === 'string' && d.openapi.startsWith('3.0')) return '3.0';
  if (typeof d.openapi === 'string' && d.openapi.startsWith('3.1')) return '3.1';
  return undefined;
}

function unescapeToken(t: string): string {
  return decodeURIComponent(t).replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `{id}` → `:id`; characters path-to-regexp gives a meaning to are escaped in the literal parts. */
export function toPathTemplate(openApiPath: string): string {
  return openApiPath.split(/(\{[^{}]+\})/).map((part) => {
    const m = /^\{([^{}]+)\}$/.exec(part);
    if (m) return /^[A-Za-z_$][\w$]*$/.test(m[1]!) ? `:${m[1]}` : `:${JSON.stringify(m[1])}`;
    return part.replace(/[{}()[\]+?!:*\\]/g, (c) => `\\${c}`);
  }).join('');
}

interface MediaChoice {
  mediaType: string;
  schema: unknown;
  /** Examples in document order; an unnamed one (`example`, Swagger's `examples`) is named `default`. */
  examples: Array<{ name: string; value: unknown; named: boolean }>;
}

interface ResponseChoice {
  code: string;
  status: number;
  media: MediaChoice[];
  headers: Record<string, string>;
}

class Converter {
  readonly #doc: Json;
  readonly #version: Version;
  readonly #name: string;
  readonly #options: OpenApiImportOptions;
  readonly #warnings: string[];
  /** Converted named schemas, by their `$defs` key. */
  readonly #defs = new Map<string, unknown>();
  /** Which `$defs` keys each converted named schema refers to. */
  readonly #defRefs = new Map<string, Set<string>>();
  /** Patterns that compile neither as JavaScript nor as Java, dropped while converting (see `#pattern`). */
  #dropped: string[] = [];
  /** The patterns each converted named schema dropped, to name them for every operation that uses it. */
  readonly #defDropped = new Map<string, string[]>();
  /** The patterns dropped from the schemas of the operation being converted. */
  #operationDropped = new Set<string>();
  /** Named schemas registered in ajv to check examples against (see `#exampleValidator`), by key. */
  readonly #exampleDefs = new Set<string>();
  #exampleAjv: Ajv | undefined;
  readonly #exampleUrn = `urn:decoy-openapi:${randomUUID()}`;
  /** Named schemas as each direction sees them (see `forDirection`), by `direction:key`. */
  readonly #directed = new Map<string, unknown>();
  /** Examples already reported as breaking their schema (a response's example serves several variants). */
  readonly #reportedExamples = new Set<string>();

  constructor(doc: Json, version: Version, name: string, options: OpenApiImportOptions, warnings: string[]) {
    this.#doc = doc;
    this.#version = version;
    this.#name = name;
    this.#options = options;
    this.#warnings = warnings;
  }

  #at(pointer: string, depth = 0): unknown {
    let cur: unknown = this.#doc;
    for (const t of pointer.split('/').slice(1)) {
      // A pointer may lead through a reference (`#/components/responses/Ok/content/...` where `Ok` is
      // a `$ref`): followed here, as the parser's bundle would have pointed it at the target.
      for (let hops = 0; isPlainObject(cur) && typeof cur.$ref === 'string' && cur.$ref.startsWith('#') && !(unescapeToken(t) in cur) && hops < 20 && depth < 20; hops++) {
        cur = this.#at(cur.$ref.slice(1), depth + 1);
      }
      if (!isPlainObject(cur) && !Array.isArray(cur)) return undefined;
      cur = (cur as Json)[unescapeToken(t)];
    }
    return cur;
  }

  /** Follows `$ref`s of non-schema objects (parameters, responses, examples): they are not recursive. */
  #resolve(v: unknown, depth = 0): unknown {
    if (isPlainObject(v) && typeof v.$ref === 'string' && depth < 20) {
      const ref = v.$ref;
      if (!ref.startsWith('#')) { this.#warnings.push(`${this.#name}: cannot follow $ref ${ref}`); return undefined; }
      return this.#resolve(this.#at(ref.slice(1)), depth + 1);
    }
    return v;
  }

  #basePath(): string {
    if (this.#options.basePath !== undefined) return this.#options.basePath.replace(/\/+$/, '');
    if (this.#version === '2.0') return String(this.#doc.basePath ?? '').replace(/\/+$/, '');
    const servers = this.#doc.servers;
    const url = Array.isArray(servers) && isPlainObject(servers[0]) ? String(servers[0].url ?? '') : '';
    // Server variables in the path ({version}) take their default.
    const vars = Array.isArray(servers) && isPlainObject(servers[0]) && isPlainObject(servers[0].variables) ? servers[0].variables as Record<string, Json> : {};
    const filled = url.replace(/\{([^}]+)\}/g, (_m, v: string) => String(vars[v]?.default ?? ''));
    let p: string;
    try {
      p = new URL(filled, 'http://decoy.invalid').pathname;
    } catch {
      p = '';
    }
    try {
      return decodeURI(p).replace(/\/+$/, '');
    } catch {
      throw new DecoyError('DECOY_ERR_OPENAPI_INVALID', `servers[0].url ${JSON.stringify(url)} is not a valid URL: its path has a malformed percent-encoding`, { source: { file: this.#name, pointer: '/servers/0/url' } });
    }
  }

  /** Every operation of the document, in its order: its path (as written, and with the base path), method, object and path item. */
  *#operations(): Generator<{ fullPath: string; openApiPath: string; method: string; op: Json; item: Json }> {
    const paths = isPlainObject(this.#doc.paths) ? this.#doc.paths : {};
    const base = this.#basePath();
    for (const [openApiPath, rawItem] of Object.entries(paths)) {
      const item = this.#resolve(rawItem);
      if (!isPlainObject(item)) continue;
      for (const method of METHODS) {
        const op = item[method];
        if (isPlainObject(op)) yield { fullPath: base + openApiPath, openApiPath, method, op, item };
      }
    }
  }

  stubs(): StubDefinition[] {
    try {
      return this.#stubs();
    } finally {
      this.#releaseExamples();
    }
  }

  #stubs(): StubDefinition[] {
    const out: StubDefinition[] = [];
    for (const { fullPath, openApiPath, method, op, item } of this.#operations()) {
      try {
        this.#operationDropped = new Set();
        out.push(...this.#operation(fullPath, openApiPath, method, op, item));
        if (this.#operationDropped.size) {
          const list = [...this.#operationDropped].map((p) => JSON.stringify(p)).join(', ');
          this.#warnings.push(`${this.#name}: ${method.toUpperCase()} ${openApiPath}: pattern${this.#operationDropped.size > 1 ? 's' : ''} ${list} compile${this.#operationDropped.size > 1 ? '' : 's'} neither as a JavaScript nor as a Java regular expression; ignored for generation and validation`);
        }
      } catch (e) {
        this.#warnings.push(`${this.#name}: ${method.toUpperCase()} ${openApiPath} skipped: ${(e as Error).message}`);
      }
    }
    return out;
  }

  /** Every operation as a contract: its responses with their schemas, its parameters and body. */
  contract(): ContractOperationDefinition[] {
    const out: ContractOperationDefinition[] = [];
    for (const { fullPath, openApiPath, method, op, item } of this.#operations()) {
      const label = `${method.toUpperCase()} ${openApiPath}`;
      this.#operationDropped = new Set();
      const responses = this.#responses(op).map((r) => ({ code: r.code, media: r.media.map((m) => ({ type: m.mediaType, ...(m.schema !== undefined && !isBinary(m.schema) ? { schema: this.#forDirection(this.schema(m.schema), 'response') } : {}) })) }));
      const rs = this.#requestSchema(op, item, label);
      out.push({
        method: method.toUpperCase(), path: openApiPath, fullPath,
        ...(typeof op.operationId === 'string' ? { operationId: op.operationId } : {}),
        responses,
        parameters: (rs.parameters ?? []).map((p) => ({ in: p.in as 'path' | 'query' | 'header', name: p.name, required: p.required === true, schema: p.schema })),
        ...(rs.body ? { requestBody: { required: rs.body.required === true, content: rs.body.content as Record<string, unknown> } } : {}),
      });
    }
    return out;
  }

  #operation(fullPath: string, openApiPath: string, method: string, op: Json, item: Json): StubDefinition[] {
    const operationId = typeof op.operationId === 'string' ? op.operationId : `${method.toUpperCase()} ${openApiPath}`;
    const templated = /\{[^}]+\}/.test(fullPath);
    const parameters = fullPath.match(/\{[^}]+\}/g)?.length ?? 0;
    const base = templated ? PRIORITY.template + PRIORITY.perParameter * (parameters - 1) : PRIORITY.literal;
    const request = { method: method.toUpperCase(), path: toPathTemplate(fullPath) };
    const responses = this.#responses(op);
    const primary = responses.find((r) => /^2/.test(r.code)) ?? responses.find((r) => r.code === 'default') ?? responses[0];
    const label = `${method.toUpperCase()} ${openApiPath}${typeof op.operationId === 'string' ? ` (${op.operationId})` : ''}`;
    const requestSchema = this.#options.validateRequests ? this.#requestSchema(op, item, `${method.toUpperCase()} ${openApiPath} (${operationId})`) : undefined;
    const stub = (variant: string, priority: number, headers: Record<string, unknown> | undefined, response: ResponseDefinition): StubDefinition => ({
      id: deriveStubId(`openapi#${this.#name}#${method}#${openApiPath}#${variant}`),
      name: variant === 'default' ? operationId : `${operationId} (${variant})`,
      priority,
      request: headers ? { ...request, headers: headers as Record<string, string> } : { ...request },
      response,
      ...(requestSchema ? { requestSchema } : {}),
      metadata: { openapi: { document: this.#name, operationId, method: method.toUpperCase(), path: openApiPath, variant } },
    });
    if (!primary) {
      this.#warnings.push(`${this.#name}: ${method.toUpperCase()} ${openApiPath} has no responses; it answers 200 with no body`);
      return [stub('default', base, undefined, { status: 200 })];
    }
    const out: StubDefinition[] = [stub('default', base + OFFSET.default, undefined, this.#response(primary, primary.media[0], undefined, label))];
    for (const m of primary.media.slice(1)) {
      out.push(stub(`accept=${m.mediaType}`, base + OFFSET.accept, { Accept: { matches: acceptPattern(m.mediaType) } }, this.#response(primary, m, undefined, label)));
    }
    for (const r of responses) {
      if (r === primary || !/^\d{3}$/.test(r.code)) continue;
      out.push(stub(`code=${r.code}`, base + OFFSET.code, { Prefer: { matches: preferPattern('code', r.code) } }, this.#response(r, r.media[0], undefined, label)));
    }
    const seen = new Set<string>();
    for (const r of responses) {
      for (const m of r.media) {
        for (const ex of m.examples) {
          // Prefer: example=NAME picks among named examples (Prism's behaviour); an unnamed one has no name to ask for.
          if (!ex.named || seen.has(ex.name)) continue;
          seen.add(ex.name);
          out.push(stub(`example=${ex.name}`, base + OFFSET.example, { Prefer: { matches: preferPattern('example', ex.name) } }, this.#response(r, m, ex, label)));
        }
      }
    }
    return out;
  }

  #responses(op: Json): ResponseChoice[] {
    const raw = isPlainObject(op.responses) ? op.responses : {};
    const produces = (Array.isArray(op.produces) ? op.produces : Array.isArray(this.#doc.produces) ? this.#doc.produces : ['application/json']) as string[];
    const out: ResponseChoice[] = [];
    for (const [code, rawResponse] of Object.entries(raw)) {
      const r = this.#resolve(rawResponse);
      if (!isPlainObject(r)) continue;
      const status = /^\d{3}$/.test(code) ? Number(code) : /^[1-5]XX$/i.test(code) ? Number(code[0]) * 100 : 200;
      const media: MediaChoice[] = [];
      if (this.#version === '2.0') {
        const examples = isPlainObject(r.examples) ? r.examples : {};
        if (r.schema !== undefined || Object.keys(examples).length) {
          const types = [...new Set([...Object.keys(examples), ...produces])];
          for (const t of types) {
            media.push({ mediaType: t, schema: r.schema, examples: t in examples ? [{ name: 'default', value: examples[t], named: false }] : [] });
          }
        }
      } else if (isPlainObject(r.content)) {
        for (const [t, rawMedia] of Object.entries(r.content)) {
          const m = isPlainObject(rawMedia) ? rawMedia : {};
          const examples: MediaChoice['examples'] = [];
          if (m.example !== undefined) examples.push({ name: 'default', value: m.example, named: false });
          if (isPlainObject(m.examples)) {
            for (const [exName, rawEx] of Object.entries(m.examples)) {
              const ex = this.#resolve(rawEx);
              if (isPlainObject(ex) && 'value' in ex) examples.push({ name: exName, value: ex.value, named: true });
              else if (isPlainObject(ex) && ex.externalValue !== undefined) this.#warnings.push(`${this.#name}: example ${exName} is an externalValue, which Decoy does not fetch; skipped`);
            }
          }
          media.push({ mediaType: t, schema: m.schema, examples });
        }
      }
      // JSON first: what most clients ask for when they do not say.
      media.sort((a, b) => Number(isJsonType(b.mediaType)) - Number(isJsonType(a.mediaType)));
      out.push({ code, status, media, headers: this.#responseHeaders(r) });
    }
    return out.sort((a, b) => rank(a.code) - rank(b.code));
  }

  /** Response headers the document gives an example or a fixed value for. */
  #responseHeaders(r: Json): Record<string, string> {
    const out: Record<string, string> = {};
    if (!isPlainObject(r.headers)) return out;
    for (const [name, raw] of Object.entries(r.headers)) {
      const h = this.#resolve(raw);
      if (!isPlainObject(h) || name.toLowerCase() === 'content-type' || name.toLowerCase() === 'content-length') continue;
      const schema = isPlainObject(h.schema) ? h.schema : h;
      const value = h.example ?? h['x-example'] ?? schema.example ?? schema.default ?? (Array.isArray(schema.enum) ? schema.enum[0] : undefined);
      if (value !== undefined && value !== null && typeof value !== 'object') out[name] = String(value);
    }
    return out;
  }

  #response(r: ResponseChoice, media: MediaChoice | undefined, example: { name: string; value: unknown } | undefined, label: string): ResponseDefinition {
    const headers: Record<string, string> = { ...r.headers };
    const def: ResponseDefinition = { status: r.status };
    if (media) {
      // A range (`*/*`, `application/*`) is what the document allows, not a type to send: JSON, as most clients expect.
      headers['Content-Type'] = media.mediaType.includes('*') ? 'application/json' : media.mediaType;
      let ex: { name: string; value: unknown } | undefined = example ?? media.examples[0];
      if (ex !== undefined && media.schema !== undefined && isJsonType(media.mediaType)) {
        const problem = this.#exampleProblem(media.schema, ex.value);
        if (problem !== undefined) {
          // An example that breaks its own schema would teach clients what the API never sends.
          const key = `${label} ${r.code} ${media.mediaType} ${ex.name}`;
          if (!this.#reportedExamples.has(key)) {
            this.#reportedExamples.add(key);
            this.#warnings.push(`${this.#name}: ${label}: the example ${JSON.stringify(ex.name)} of response ${r.code} (${media.mediaType}) breaks its schema (${problem}); a generated body is served instead`);
          }
          ex = undefined;
        }
      }
      if (ex !== undefined) {
        if (isJsonType(media.mediaType) || typeof ex.value !== 'string') def.jsonBody = ex.value;
        else def.body = ex.value;
      } else if (media.schema !== undefined && !isBinary(media.schema)) {
        def.schema = this.#forDirection(this.schema(media.schema), 'response');
      }
    }
    if (Object.keys(headers).length) def.headers = headers;
    return def;
  }

  /** Why `value` breaks `schema` (the document's), or undefined when it does not (or the schema cannot be checked here). */
  #exampleProblem(schema: unknown, value: unknown): string | undefined {
    const directed = this.#forDirection(this.schema(schema), 'response');
    let validate: ValidateFunction | undefined;
    try {
      validate = this.#exampleValidator(directed);
    } catch {
      // A schema that does not compile is reported when its stub is compiled.
      return undefined;
    }
    if (!validate || validate(value)) return undefined;
    const e = validate.errors?.[0];
    return e ? `${e.instancePath || '/'} ${e.message ?? 'is invalid'}` : undefined;
  }

  /**
   * A validator for an example's schema. Compiling each operation's schema with the named schemas it
   * carries costs ajv about 10 ms, seconds for a document with an example per operation; instead each
   * named schema is registered once (under this document's own URN, its `#/$defs/...` references
   * pointed there) and compiled once, however many operations use it, in an ajv of the import's own.
   */
  #exampleValidator(directed: unknown): ValidateFunction | undefined {
    if (!isPlainObject(directed) || directed.$schema !== undefined) return undefined;
    const ajv = (this.#exampleAjv ??= createSchemaAjv({ draft: '2020', validateFormats: true, sharedDefinitions: true }));
    const { $defs, ...root } = directed;
    if (isPlainObject($defs)) {
      for (const [name, def] of Object.entries($defs)) {
        const key = `${this.#exampleUrn}/${name}`;
        if (this.#exampleDefs.has(key)) continue;
        this.#exampleDefs.add(key);
        ajv.addSchema(this.#pointRefs(def) as AnySchema, key);
      }
    }
    const schema = this.#pointRefs(root) as AnySchema;
    const validate = ajv.compile(schema);
    ajv.removeSchema(schema);
    return validate;
  }

  /** A copy of a converted schema with its `#/$defs/Name...` references pointed at the registered named schemas. */
  #pointRefs(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((n) => this.#pointRefs(n));
    if (!isPlainObject(node)) return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const m = /^#\/\$defs\/([^/]+)(.*)$/.exec(v);
        out[k] = m ? `${this.#exampleUrn}/${m[1]}#${m[2]}` : v;
      } else {
        out[k] = k === 'enum' || k === 'const' || k === 'default' || k === 'examples' ? v : this.#pointRefs(v);
      }
    }
    return out;
  }

  /** The example checks' ajv, with every named schema it compiled, is dropped once the document is converted. */
  #releaseExamples(): void {
    this.#exampleAjv = undefined;
    this.#exampleDefs.clear();
  }

  /**
   * `forDirection` of a converted schema, its named schemas transformed once per document and direction:
   * every operation's schema carries the ones it reaches, and walking them for each would cost as much
   * as all the rest of the import. The same objects also let a compile check each of them once.
   */
  #forDirection(schema: unknown, direction: 'request' | 'response'): unknown {
    if (!isPlainObject(schema) || !isPlainObject(schema.$defs)) return forDirection(schema, direction);
    const { $defs: defs, ...root } = schema;
    let changed = false;
    const directed: Json = {};
    for (const [k, v] of Object.entries(defs)) {
      const key = `${direction}:${k}`;
      if (!this.#directed.has(key)) this.#directed.set(key, forDirection(v, direction, defs));
      directed[k] = this.#directed.get(key);
      if (directed[k] !== v) changed = true;
    }
    const walked = forDirection(root, direction, defs);
    if (walked === root && !changed) return schema;
    return { ...(walked as Json), $defs: changed ? directed : defs };
  }

  #requestSchema(op: Json, item: Json, operation: string): RequestSchemaDefinition {
    const params = new Map<string, Json>();
    for (const raw of [...(Array.isArray(item.parameters) ? item.parameters : []), ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
      const p = this.#resolve(raw);
      if (isPlainObject(p) && typeof p.name === 'string' && typeof p.in === 'string') params.set(`${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`, p);
    }
    const parameters: RequestParameterDefinition[] = [];
    let body: RequestSchemaDefinition['body'];
    const form: Json = { type: 'object', properties: {}, required: [] as string[] };
    for (const p of params.values()) {
      const where = p.in as string;
      if (where === 'body') {
        body = { required: p.required === true, content: Object.fromEntries(this.#consumes(op).map((t) => [t, this.#forDirection(this.schema(p.schema ?? {}), 'request')])) };
        continue;
      }
      if (where === 'formData') {
        (form.properties as Json)[p.name as string] = this.schema(swaggerParamSchema(p));
        if (p.required === true) (form.required as string[]).push(p.name as string);
        continue;
      }
      if (where !== 'path' && where !== 'query' && where !== 'header') continue;
      let schema: unknown;
      if (this.#version === '2.0') schema = swaggerParamSchema(p);
      else if (isPlainObject(p.schema)) schema = p.schema;
      else if (isPlainObject(p.content)) schema = (Object.values(p.content)[0] as Json | undefined)?.schema;
      const s = this.schema(schema ?? {});
      const delimiter = isPlainObject(s) && s.type === 'array' ? this.#delimiter(p) : undefined;
      parameters.push({ in: where, name: p.name as string, required: where === 'path' || p.required === true, schema: s, ...(delimiter ? { delimiter } : {}) });
    }
    if (Object.keys(form.properties as Json).length) {
      const types = this.#consumes(op).filter((t) => /form/.test(t));
      body = { required: (form.required as string[]).length > 0, content: Object.fromEntries((types.length ? types : ['application/x-www-form-urlencoded']).map((t) => [t, this.schema(form)])) };
    }
    const rb = this.#resolve(op.requestBody);
    if (isPlainObject(rb) && isPlainObject(rb.content)) {
      const content: Record<string, unknown> = {};
      for (const [t, m] of Object.entries(rb.content)) content[t] = isPlainObject(m) && m.schema !== undefined ? this.#forDirection(this.schema(m.schema), 'request') : true;
      body = { required: rb.required === true, content };
    }
    return { operation, parameters, ...(body ? { body } : {}) };
  }

  #consumes(op: Json): string[] {
    const c = Array.isArray(op.consumes) ? op.consumes : Array.isArray(this.#doc.consumes) ? this.#doc.consumes : ['application/json'];
    return c as string[];
  }

  /** How an array parameter's values are written in one string, when they are. */
  #delimiter(p: Json): string | undefined {
    if (this.#version === '2.0') {
      const f = p.collectionFormat ?? 'csv';
      return f === 'multi' ? undefined : f === 'ssv' ? ' ' : f === 'tsv' ? '\t' : f === 'pipes' ? '|' : ',';
    }
    const style = p.style ?? (p.in === 'query' ? 'form' : 'simple');
    const explode = p.explode ?? style === 'form';
    if (style === 'spaceDelimited') return ' ';
    if (style === 'pipeDelimited') return '|';
    return explode && p.in === 'query' ? undefined : ',';
  }

  /**
   * A schema of the document as a self-contained JSON Schema 2020-12: references to named schemas
   * become `#/$defs/Name`, and the named schemas it reaches (transitively) come along under `$defs`.
   */
  schema(schema: unknown): unknown {
    const refs = new Set<string>();
    const before = this.#dropped.length;
    const converted = this.#convert(schema, refs, 0);
    for (const p of this.#dropped.slice(before)) this.#operationDropped.add(p);
    if (refs.size === 0) return converted;
    const all = new Set<string>();
    const queue = [...refs];
    while (queue.length) {
      const k = queue.pop()!;
      if (all.has(k)) continue;
      all.add(k);
      this.#named(k);
      for (const p of this.#defDropped.get(k) ?? []) this.#operationDropped.add(p);
      for (const r of this.#defRefs.get(k) ?? []) queue.push(r);
    }
    const $defs = Object.fromEntries([...all].sort().map((k) => [k, this.#defs.get(k)]));
    if (isPlainObject(converted)) return { ...converted, $defs };
    return { allOf: [converted], $defs };
  }

  /** The `$defs` key for a reference to a named schema, or undefined for other references. */
  #defKey(ref: string): { key: string; rest: string } | undefined {
    const m = /^#\/(?:components\/schemas|definitions)\/([^/]+)(.*)$/.exec(ref);
    if (!m) return undefined;
    return { key: unescapeToken(m[1]!).replace(/[^A-Za-z0-9_.-]/g, '_'), rest: m[2]! };
  }

  #named(key: string): void {
    if (this.#defs.has(key)) return;
    this.#defs.set(key, {});
    const source = this.#version === '2.0' ? this.#at(`/definitions/${key}`) : this.#at(`/components/schemas/${key}`) ?? this.#at(`/definitions/${key}`);
    const refs = new Set<string>();
    const before = this.#dropped.length;
    this.#defs.set(key, this.#convert(source ?? {}, refs, 0));
    this.#defRefs.set(key, refs);
    if (this.#dropped.length > before) this.#defDropped.set(key, this.#dropped.slice(before));
  }

  /**
   * A `pattern` as JSON Schema means it (a JavaScript regex with the `u` flag, as ajv compiles it).
   * Documents are often written for Java or other engines: a pattern JavaScript refuses is translated
   * from Java's syntax (`\p{Alpha}`, `\p{all}`, possessive quantifiers...); one that does not translate
   * either is left out (and named in one warning per operation), never the operation.
   */
  #pattern(pattern: string): string | undefined {
    if (compilesAsUnicode(pattern)) return pattern;
    try {
      // Java's `\p{all}` (any character) has no JavaScript property: a class of everything instead.
      const { source, flags } = translateJavaRegex(pattern.replace(/\\p\{all\}/g, '[\\s\\S]'), 'u');
      if (flags === 'u' && compilesAsUnicode(source)) return source;
    } catch {
      // Not Java either.
    }
    this.#dropped.push(pattern);
    return undefined;
  }

  /** OpenAPI's schema dialect → JSON Schema 2020-12, recursively. */
  #convert(s: unknown, refs: Set<string>, depth: number): unknown {
    if (Array.isArray(s)) return s.map((x) => this.#convert(x, refs, depth));
    if (!isPlainObject(s)) return s;
    if (depth > 200) return {};
    if (typeof s.$ref === 'string') {
      const named = this.#defKey(s.$ref);
      if (named) {
        refs.add(named.key);
        return { $ref: `#/$defs/${named.key}${named.rest}` };
      }
      // A reference to something else (a bundled copy inside paths): inline it.
      if (s.$ref.startsWith('#')) return this.#convert(this.#at(s.$ref.slice(1)) ?? {}, refs, depth + 1);
      return {};
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'nullable' || k === 'x-nullable' || k === 'discriminator' || k === 'externalDocs' || k === 'example' || k === 'deprecated') continue;
      if (k === 'properties' || k === 'patternProperties' || k === '$defs' || k === 'definitions' || k === 'dependentSchemas') {
        out[k] = isPlainObject(v) ? Object.fromEntries(Object.entries(v).map(([pk, pv]) => [pk, this.#convert(pv, refs, depth + 1)])) : v;
      } else if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples' || k === 'required') {
        out[k] = v;
      } else if (k === 'pattern' && typeof v === 'string') {
        const pattern = this.#pattern(v);
        if (pattern !== undefined) out[k] = pattern;
      } else {
        out[k] = this.#convert(v, refs, depth + 1);
      }
    }
    if (this.#version !== '3.1') {
      // Draft 4's boolean exclusive bounds (Swagger 2.0, OpenAPI 3.0) → 2020-12's numeric ones.
      for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
        if (out[flag] === true && typeof out[bound] === 'number') { out[flag] = out[bound]; delete out[bound]; } else if (typeof out[flag] === 'boolean') delete out[flag];
      }
      if (out.type === 'file') { delete out.type; }
    }
    if (s.nullable === true || s['x-nullable'] === true) {
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      if (out.type === undefined && (out.allOf || out.oneOf || out.anyOf || out.$ref)) return { anyOf: [out, { type: 'null' }] };
    }
    // OpenAPI 3.0 says readOnly properties are not sent in requests; as a response they are. Nothing to drop.
    return out;
  }
}

/**
 * A converted schema as one direction sees it: OpenAPI's `readOnly` properties are not sent in requests
 * and `writeOnly` ones not in responses, so where they are `required` they are required only the other
 * way. The schema (self-contained, with its `$defs`) is copied only where something changes.
 */
function forDirection(schema: unknown, direction: 'request' | 'response', defs: Json = isPlainObject(schema) && isPlainObject(schema.$defs) ? schema.$defs : {}): unknown {
  const flag = direction === 'request' ? 'readOnly' : 'writeOnly';
  const target = (s: unknown): unknown => {
    if (isPlainObject(s) && typeof s.$ref === 'string') {
      const m = /^#\/\$defs\/([^/]+)$/.exec(s.$ref);
      return m ? defs[m[1]!] : s;
    }
    return s;
  };
  const walk = (node: unknown, depth: number): unknown => {
    if (depth > 200 || node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) {
      const mapped = node.map((n) => walk(n, depth + 1));
      return mapped.some((m, i) => m !== node[i]) ? mapped : node;
    }
    const n = node as Json;
    let out: Json | undefined;
    for (const [k, v] of Object.entries(n)) {
      if (k === 'enum' || k === 'const' || k === 'default' || k === 'examples') continue;
      const w = walk(v, depth + 1);
      if (w !== v) (out ??= { ...n })[k] = w;
    }
    if (Array.isArray(n.required) && isPlainObject(n.properties)) {
      const props = n.properties;
      const kept = (n.required as string[]).filter((name) => { const t = target(props[name]); return !(isPlainObject(t) && t[flag] === true); });
      if (kept.length !== n.required.length) (out ??= { ...n }).required = kept;
    }
    return out ?? n;
  };
  return walk(schema, 0);
}

function compilesAsUnicode(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u');
    return true;
  } catch {
    return false;
  }
}

/** Swagger 2.0 parameters carry their schema keywords inline. */
function swaggerParamSchema(p: Json): Json {
  const keys = ['type', 'format', 'items', 'enum', 'default', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'multipleOf'];
  const out: Json = {};
  for (const k of keys) if (p[k] !== undefined) out[k] = p[k];
  if (out.type === 'file') delete out.type;
  return out;
}

/**
 * A regex for an Accept header whose first media range is `type` (`application/xml`, or
 * `application/xml;q=0.9, ...`): the client's first choice. Browsers' `text/html,...` stays on the default.
 */
function acceptPattern(type: string): string {
  return `\\s*${type.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*(?:[;,].*)?`;
}

/** A regex (whole-value, as WireMock matches) for `Prefer: code=404` / `Prefer: example=cat`, among other preferences. */
function preferPattern(key: string, value: string): string {
  const v = value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return `(?:.*[\\s,;])?${key}="?${v}"?(?:[\\s,;].*)?`;
}

function isJsonType(t: string): boolean {
  return /^application\/(?:[\w.+-]*\+)?json\b|^\*\/\*$/i.test(t) || /[/+]json\b/i.test(t);
}

function isBinary(schema: unknown): boolean {
  return isPlainObject(schema) && (schema.format === 'binary' || schema.type === 'file');
}

/** 2xx before 3xx ... before ranges before `default`. */
function rank(code: string): number {
  if (/^\d{3}$/.test(code)) return Number(code);
  if (/^[1-5]XX$/i.test(code)) return Number(code[0]) * 100 + 99;
  return 1000;
}
