/**
 * Response templating, as WireMock's `response-template` transformer does it: the body (text, JSON,
 * or a body file's contents), header values, Decoy's templated `status`, and a templated
 * `bodyFileName` are Handlebars templates rendered against WireMock's request model.
 *
 * Everything is compiled when the stub loads: a syntax error or an unknown helper is a load error
 * with the stub's file and line. Only a templated `bodyFileName` compiles per file, the first time a
 * request names it (its name is only known then); those templates are cached, boundedly.
 * Handlebars (and faker, when a template uses it) are loaded on the first templated stub, so a stub
 * set without templates does not pay for them at start-up.
 */
import { isUtf8Text } from '../text-bytes.js';
import type { HelperDelegate, TemplateDelegate } from 'handlebars';
import { createRequire } from 'node:module';
import { DecoyError, joinPointer } from '../errors.js';
import type { DecoyRequest } from '../request.js';
import type { ResponseDefinition } from '../stub-definition.js';
import type { WireResponse } from './wire-response.js';
import { plainText } from './plain-text.js';
import type { RenderContext, ResponseRenderer } from './wire-response.js';
import { fakerFunction, KNOWN_HELPERS, TEMPLATE_HELPERS, type TemplateRenderData } from './template-helpers.js';
import { fieldMap, javaMultiValueMap, multiValue } from './template-values.js';
import { safeHeaderValue } from './header-value.js';
import { RESPONSE_TEMPLATE_TRANSFORMER } from './templated.js';

export { isTemplated, RESPONSE_TEMPLATE_TRANSFORMER } from './templated.js';

/** What the templating of one response needs from where the stub is compiled. */
export interface TemplateCompileContext {
  /** The stub's path parameters for a request (Decoy path templates, WireMock's urlPathTemplate). */
  pathParams?: (req: DecoyRequest) => Record<string, string>;
  /**
   * Reads a body file named by a templated `bodyFileName` at request time, confined to the files
   * folder like any body file; throws a DecoyError when it is missing or outside.
   */
  readBodyFileAtRequest?: (name: string) => Buffer;
  /**
   * A number that changes whenever a file under the files folder may have changed (the watcher
   * tells): body files read per request are cached until it does.
   */
  bodyFilesVersion?: () => number;
  /** The clock (tests inject one). */
  now?: () => number;
  /**
   * Told of a template that does not parse. WireMock loads such a stub and fails each request it
   * matches with a 500 (Handlebars.java parses on first use); Decoy does the same, and says so at load.
   */
  warn?: (message: string) => void;
}

interface HandlebarsEnv {
  parse(input: string): HbsNode;
  registerHelper(name: string, fn: HelperDelegate): void;
  template(spec: unknown): TemplateDelegate;
  Compiler: new () => { compile(ast: unknown, options: object): unknown };
  JavaScriptCompiler: new () => { compile(env: unknown, options: object, context: undefined, asObject: boolean): unknown };
}

interface HbsNode {
  type: string;
  body?: HbsNode[];
  program?: HbsNode | null;
  inverse?: HbsNode | null;
  path?: HbsNode & { original?: string; parts?: string[]; data?: boolean };
  params?: HbsNode[];
  hash?: { pairs: Array<{ value: HbsNode }> } | null;
  value?: unknown;
  loc?: { start: { line: number; column: number } };
}

let env: HandlebarsEnv | undefined;
/** One Handlebars environment with Decoy's helpers, created on the first templated stub. */
function handlebars(): HandlebarsEnv {
  if (env) return env;
  const hb = (createRequire(import.meta.url)('handlebars') as { create(): HandlebarsEnv }).create();
  for (const [name, fn] of Object.entries(TEMPLATE_HELPERS)) hb.registerHelper(name, fn);
  return (env = hb);
}

const COMPILE_OPTIONS = {
  // WireMock does not HTML-escape: {{request.query.x}} writes <b> as <b>.
  noEscape: true,
  data: true,
  knownHelpers: Object.fromEntries(Object.keys(TEMPLATE_HELPERS).map((n) => [n, true])),
};


interface CompiledTemplate {
  render(root: Record<string, unknown>, data: TemplateRenderData): string;
  usesFaker: boolean;
}

function templateError(pointer: string, field: string, message: string): DecoyError {
  return new DecoyError('DECOY_ERR_TEMPLATE_INVALID', message.replace('{field}', field), { source: { pointer } });
}

/**
 * handlebars-java (WireMock's engine) reads `parts.0` as an index; Handlebars.js wants `parts.[0]`.
 * Numeric segments after a name are bracketed, outside string literals, so WireMock templates work.
 */
export function bracketNumericSegments(source: string): string {
  return source.replace(/\{\{([\s\S]*?)\}\}/g, (_m, inner: string) => {
    let out = inner;
    for (let i = 0; i < 8; i++) {
      const next = out.replace(/('[^']*'|"[^"]*")|([A-Za-z_$@\]][\w$@-]*|\])\.(\d+)(?![\w.])/g, (all, literal: string | undefined, name: string, index: string) => (literal !== undefined ? all : `${name}.[${index}]`))
        .replace(/('[^']*'|"[^"]*")|([A-Za-z_$@\]][\w$@-]*|\])\.(\d+)\./g, (all, literal: string | undefined, name: string, index: string) => (literal !== undefined ? all : `${name}.[${index}].`));
      if (next === out) break;
      out = next;
    }
    return `{{${out}}}`;
  });
}

/** Checks that every helper a template calls exists (and every faker path), so a typo is a load error. */
function checkHelpers(node: HbsNode | null | undefined, field: string, pointer: string, found: { faker: boolean }): void {
  if (!node) return;
  if (node.type === 'PartialStatement' || node.type === 'PartialBlockStatement' || node.type === 'Decorator' || node.type === 'DecoratorBlock') {
    // No partials are registered (WireMock has none either), so one would fail on every request.
    const at = node.loc ? ` (template line ${node.loc.start.line}, column ${node.loc.start.column + 1})` : '';
    throw templateError(pointer, field, `${node.type.startsWith('Partial') ? 'partials ({{> name}})' : 'decorators ({{* name}})'} are not supported in {field}${at}`);
  }
  const call = node.type === 'MustacheStatement' || node.type === 'SubExpression' || node.type === 'BlockStatement';
  if (call && node.path?.type === 'PathExpression') {
    const name = node.path.original ?? '';
    const isCall = (node.params?.length ?? 0) > 0 || (node.hash?.pairs.length ?? 0) > 0 || node.type === 'SubExpression';
    const simple = !node.path.data && (node.path.parts?.length ?? 0) === 1 && !name.startsWith('this') && !name.startsWith('.');
    if (isCall && simple && !KNOWN_HELPERS.includes(name)) {
      const at = node.loc ? ` (template line ${node.loc.start.line}, column ${node.loc.start.column + 1})` : '';
      throw templateError(pointer, field, `unknown template helper '${name}' in {field}${at}; known: ${KNOWN_HELPERS.join(', ')}`);
    }
    if (name === 'faker') {
      found.faker = true;
      const first = node.params?.[0];
      if (first?.type === 'StringLiteral' && fakerFunction(String(first.value)) === undefined) {
        throw templateError(pointer, field, `faker has no function '${String(first.value)}' in {field} (write it as module.function, e.g. 'person.firstName')`);
      }
    }
  }
  for (const child of [...(node.body ?? []), ...(node.params ?? []), ...(node.hash?.pairs.map((p) => p.value) ?? [])]) checkHelpers(child, field, pointer, found);
  if (node.path && node.path.type === 'SubExpression') checkHelpers(node.path, field, pointer, found);
  checkHelpers(node.program, field, pointer, found);
  checkHelpers(node.inverse, field, pointer, found);
}

/**
 * Parses, checks and compiles one template; `field` names it in errors (`response.body`). With
 * `onSyntaxError`, a template that does not parse is handed to it and compiles to one that fails
 * every render with the same error, as WireMock's does.
 */
export function compileTemplate(source: string, field: string, pointer: string, onSyntaxError?: (e: DecoyError) => void): CompiledTemplate {
  const hb = handlebars();
  let ast: HbsNode;
  try {
    ast = hb.parse(bracketNumericSegments(source));
  } catch (e) {
    const error = templateError(pointer, field, `template syntax error in {field}: ${(e as Error).message.replace(/\s+/g, ' ').trim()}`);
    if (onSyntaxError === undefined) throw error;
    onSyntaxError(error);
    return { usesFaker: false, render: () => { throw error; } };
  }
  const found = { faker: false };
  checkHelpers(ast, field, pointer, found);
  let fn: TemplateDelegate;
  try {
    // Compiled now, not on the first request (Handlebars.compile would defer it).
    const compiled = new hb.Compiler().compile(ast, COMPILE_OPTIONS);
    fn = hb.template(new hb.JavaScriptCompiler().compile(compiled, COMPILE_OPTIONS, undefined, true));
  } catch (e) {
    throw templateError(pointer, field, `{field} cannot be compiled as a template: ${(e as Error).message}`);
  }
  return {
    usesFaker: found.faker,
    render: (root, data) => fn(root, { data: { decoy: data } }),
  };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function groupValues(map: Map<string, string[]>): Record<string, string[]> {
  const out = fieldMap();
  for (const [k, v] of map) out[k] = multiValue(v);
  return out;
}

/** Headers by case-insensitive name, as in WireMock (`request.headers.x-foo` and `request.headers.X-Foo`). */
function headersModel(req: DecoyRequest): Record<string, string[]> {
  const target = fieldMap();
  for (const [k, v] of Object.entries(req.headers)) target[k] = multiValue(v);
  return new Proxy(target, {
    get: (t, p) => (typeof p === 'string' ? t[p.toLowerCase()] : undefined),
    has: (t, p) => typeof p === 'string' && p.toLowerCase() in t,
    getOwnPropertyDescriptor: (t, p) => (typeof p === 'string' ? Reflect.getOwnPropertyDescriptor(t, p.toLowerCase()) : undefined),
  });
}

function lazy(target: object, name: string, compute: () => unknown): void {
  Object.defineProperty(target, name, {
    enumerable: true, configurable: true,
    get() {
      const value = compute();
      Object.defineProperty(target, name, { value, enumerable: true, configurable: true });
      return value;
    },
  });
}

/** The path percent-decoded as a whole, as WireMock prints `request.path`; malformed escapes stay as written. */
function decodePath(path: string): string {
  return decodeSegment(path);
}

/** `scheme://host[:port]`, the port left out when it is the scheme's default (as WireMock writes baseUrl). */
function baseUrlOf(req: DecoyRequest, scheme: string): string {
  const port = req.port;
  return `${scheme}://${req.host}${port === (scheme === 'https' ? 443 : 80) ? '' : `:${port}`}`;
}

/** Path segments of the decoded path: iterable and indexable, printed as the decoded path (WireMock's PathSegments). */
function pathSegmentsOf(req: DecoyRequest): string[] {
  const decoded = decodePath(req.path);
  const segments = decoded.split('/').filter((s) => s !== '');
  Object.defineProperty(segments, 'toString', { value: () => decoded, enumerable: false });
  return segments;
}

/** Numbers request lines so each prints a distinct identity, like the Java Object.toString WireMock prints for `{{request.requestLine}}`. */
let requestLineCount = 0;

/**
 * WireMock's older request model under `request.requestLine`: method, scheme, host, port, path (decoded),
 * url, baseUrl, pathSegments and query.
 */
function requestLineModel(req: DecoyRequest, scheme: string): Record<string, unknown> {
  const line: Record<string, unknown> = { method: req.method, scheme, url: req.url };
  lazy(line, 'host', () => req.host);
  lazy(line, 'port', () => req.port);
  lazy(line, 'baseUrl', () => baseUrlOf(req, scheme));
  lazy(line, 'path', () => decodePath(req.path));
  lazy(line, 'pathSegments', () => pathSegmentsOf(req));
  lazy(line, 'query', () => javaMultiValueMap(req.query));
  const identity = ((++requestLineCount * 0x9e3779b1) >>> 0).toString(16);
  Object.defineProperty(line, 'toString', { value: () => `com.github.tomakehurst.wiremock.extension.responsetemplating.RequestLine@${identity}`, enumerable: false });
  return line;
}

/**
 * WireMock's request model: url, path (which prints the path and, indexed, gives segments and named
 * path parameters), pathSegments, query, headers, cookies, method, body, scheme, host, port, clientIp,
 * baseUrl, and the older requestLine. Each part is built only when a template reads it.
 */
export function requestModel(req: DecoyRequest, pathParams: Record<string, string>, connection?: RenderContext['connection']): Record<string, unknown> {
  const scheme = req.connection?.scheme ?? connection?.scheme ?? 'http';
  const model: Record<string, unknown> = { url: req.url, method: req.method, scheme };
  if (req.connection !== undefined || connection !== undefined) {
    lazy(model, 'clientIp', () => (req.connection !== undefined || req.header('x-forwarded-for') !== undefined ? req.clientIp : connection!.clientIp));
  }
  lazy(model, 'pathSegments', () => {
    const segments = req.path.split('/').filter((s) => s !== '').map(decodeSegment);
    Object.defineProperty(segments, 'toString', { value: () => decodePath(req.path), enumerable: false });
    return segments;
  });
  lazy(model, 'path', () => {
    const segments = model.pathSegments as string[];
    const path: Record<string, string> = {};
    segments.forEach((s, i) => { path[String(i)] = s; });
    Object.assign(path, pathParams);
    Object.defineProperty(path, 'toString', { value: () => decodePath(req.path), enumerable: false });
    return path;
  });
  lazy(model, 'query', () => javaMultiValueMap(req.query));
  lazy(model, 'headers', () => headersModel(req));
  lazy(model, 'cookies', () => groupValues(req.cookies));
  lazy(model, 'body', () => req.bodyView.text);
  lazy(model, 'bodyAsBase64', () => req.body.toString('base64'));
  lazy(model, 'host', () => req.host);
  lazy(model, 'port', () => req.port);
  lazy(model, 'baseUrl', () => baseUrlOf(req, scheme));
  lazy(model, 'requestLine', () => requestLineModel(req, scheme));
  return model;
}

/** A 500 that says which stub's template failed and why (WireMock answers 500 too). */
function renderFailure(ctx: RenderContext, e: unknown): WireResponse {
  return { status: 500, statusMessage: undefined, ...plainText(`DECOY_ERR_TEMPLATE_RENDER the response template of stub ${ctx.stub.name ?? ctx.stub.id} failed: ${(e as Error)?.message ?? String(e)}\n`) };
}

/** What the static compilation of the same response produced, to fill in what is not templated. */
export interface StaticParts {
  status: number;
  statusMessage: string | undefined;
  headers: readonly string[];
  body: Buffer;
}

/** How long a templated `bodyFileName` that named no file is remembered as missing (each miss costs file-system calls). */
const MISS_TTL_MS = 1000;

type CachedFile = { file: CompiledTemplate | Buffer; version: number } | { missing: Error; until: number; version: number };

/**
 * Compiles the templated parts of a response into a renderer. `base` is the response compiled
 * statically (with a placeholder status and no body file when those are templates). `inner`, when
 * given, works out the untemplated response per request (a body generated from a schema): the
 * templated status and headers are applied to what it returns.
 */
export function compileTemplatedResponse(def: ResponseDefinition, base: StaticParts, ctx: TemplateCompileContext, pointer: string, bodySource: string | undefined, inner?: ResponseRenderer): ResponseRenderer {
  const parameters = (def.transformerParameters ?? {}) as Record<string, unknown>;
  let usesFaker = false;
  const use = (t: CompiledTemplate): CompiledTemplate => { usesFaker ||= t.usesFaker; return t; };
  const failsEachRequest = (e: DecoyError): void => {
    ctx.warn?.(`${e.message} (at ${e.source?.pointer ?? pointer}); WireMock loads this stub and answers 500 to each request it matches, and so does Decoy`);
  };

  let body: CompiledTemplate | undefined;
  const bodyKey = typeof def.bodyFileName === 'string' ? 'bodyFileName' : def.jsonBody !== undefined ? 'jsonBody' : 'body';
  if (bodySource !== undefined) body = use(compileTemplate(bodySource, bodyKey === 'bodyFileName' ? `the body file ${def.bodyFileName}` : `response.${bodyKey}`, joinPointer(pointer, bodyKey), failsEachRequest));

  let fileName: CompiledTemplate | undefined;
  const fileTemplates = new Map<string, CachedFile>();
  if (typeof def.bodyFileName === 'string' && def.bodyFileName.includes('{{')) {
    fileName = use(compileTemplate(def.bodyFileName, 'response.bodyFileName', joinPointer(pointer, 'bodyFileName'), failsEachRequest));
    if (!ctx.readBodyFileAtRequest) {
      throw new DecoyError('DECOY_ERR_BODY_FILE_NOT_FOUND', 'a templated response.bodyFileName cannot be used here: there is no files folder', { source: { pointer: joinPointer(pointer, 'bodyFileName') } });
    }
  }

  let status: CompiledTemplate | undefined;
  if (typeof def.status === 'string') status = use(compileTemplate(def.status, 'response.status', joinPointer(pointer, 'status'), failsEachRequest));

  // Header values with a template, by their index in the static header list.
  const headerTemplates: Array<{ index: number; name: string; template: CompiledTemplate }> = [];
  let index = 0;
  for (const [name, value] of Object.entries(def.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    values.forEach((v, i) => {
      if (typeof v === 'string' && v.includes('{{')) {
        const at = joinPointer(pointer, 'headers', name, ...(Array.isArray(value) ? [String(i)] : []));
        headerTemplates.push({ index: index + 1, name, template: use(compileTemplate(v, `response.headers.${name}`, at, failsEachRequest)) });
      }
      index += 2;
    });
  }
  // A Content-Length written in the stub, in any case, follows the rendered body like Decoy's own.
  let lengthIndex = -1;
  for (let i = 0; i < base.headers.length; i += 2) if (base.headers[i]!.toLowerCase() === 'content-length') lengthIndex = i + 1;
  const now = ctx.now ?? Date.now;
  const pathParamsOf = ctx.pathParams;
  const filesVersion = ctx.bodyFilesVersion ?? (() => 0);

  /** A body file named per request: compiled once, cached until the files folder changes; a miss is remembered briefly. */
  const bodyFile = (name: string, at: number): CompiledTemplate | Buffer => {
    const version = filesVersion();
    const cached = fileTemplates.get(name);
    if (cached !== undefined && cached.version === version) {
      if (!('missing' in cached)) return cached.file;
      if (at < cached.until) throw cached.missing;
    }
    // Bounded: file names come from requests.
    if (cached === undefined && fileTemplates.size >= 256) fileTemplates.delete(fileTemplates.keys().next().value!);
    let raw: Buffer;
    try {
      raw = ctx.readBodyFileAtRequest!(name);
    } catch (e) {
      if (e instanceof DecoyError && e.code === 'DECOY_ERR_BODY_FILE_NOT_FOUND') fileTemplates.set(name, { missing: e, until: at + MISS_TTL_MS, version });
      throw e;
    }
    const file = isUtf8Text(raw) && parameters.disableBodyFileTemplating !== true ? compileTemplate(raw.toString('utf8'), `body file ${name}`, joinPointer(pointer, 'bodyFileName')) : raw;
    fileTemplates.set(name, { file, version });
    return file;
  };

  return (rc: RenderContext): WireResponse => {
    try {
      const root: Record<string, unknown> = { parameters };
      root.request = requestModel(rc.request, pathParamsOf ? pathParamsOf(rc.request) : {}, rc.connection);
      const at = now();
      const data: TemplateRenderData = { random: rc.random, now: at, root, fakerSeed: usesFaker ? Math.floor(rc.random() * 2 ** 32) : undefined, resourceItems: rc.resourceItems, scenarioState: rc.scenarioState };
      const generated = inner?.(rc);
      let bytes = generated?.body ?? base.body;
      if (fileName) {
        const file = bodyFile(fileName.render(root, data), at);
        bytes = Buffer.isBuffer(file) ? file : Buffer.from(file.render(root, data), 'utf8');
      } else if (body) {
        bytes = Buffer.from(body.render(root, data), 'utf8');
      }
      let code = generated?.status ?? base.status;
      if (status) {
        const text = status.render(root, data).trim();
        code = Number(text);
        if (!/^\d{3}$/.test(text) || code < 100 || code > 599) throw new Error(`response.status rendered as ${JSON.stringify(text)}, not a status code from 100 to 599`);
      }
      // The generated response's headers are its own fresh list; the static ones are shared, so copied.
      const headers = generated ? generated.headers as string[] : [...base.headers];
      for (const h of headerTemplates) {
        // A generated answer that is not the stub's (the generator still loading) keeps its own headers.
        if (headers[h.index - 1] !== h.name) continue;
        headers[h.index] = safeHeaderValue(h.template.render(root, data));
      }
      if (lengthIndex !== -1 && !generated) headers[lengthIndex] = String(bytes.length);
      return { status: code, statusMessage: generated?.statusMessage ?? base.statusMessage, headers, body: bytes };
    } catch (e) {
      return renderFailure(rc, e);
    }
  };
}
