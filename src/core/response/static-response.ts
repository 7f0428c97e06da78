/**
 * A response definition compiled into what the socket needs: status, reason phrase, a flat header
 * list and the body as one Buffer, all built once when the stub loads.
 */
import { isUtf8Text } from '../text-bytes.js';
import { DecoyError, isDecoyError, joinPointer } from '../errors.js';
import { compileDelays, type Delay } from '../faults/delay.js';
import { compileFault, explainFault, type FaultName } from '../faults/fault.js';
import type { RenderContext, ResponseRenderer, WireResponse } from './wire-response.js';
import type { ResponseDefinition } from '../stub-definition.js';
import { compileTemplatedResponse, type TemplateCompileContext } from './template-response.js';
import { isTemplated } from './templated.js';
import { compileSchema, createSchemaRenderer, requestSeed } from './schema-response.js';
import { invalidHeaderChar } from './header-value.js';
import { checkGraphqlResponseKeys, compileGraphqlAnswer, graphqlWireResponse, hasGraphqlSchema, staticGraphqlBody, type GraphqlAnswer } from '../graphql/graphql-response.js';

/** Where and how a proxy response forwards (WireMock's proxyBaseUrl and friends). */
export interface ProxySpec {
  /** `http(s)://host:port[/base]`: the request's path and query are appended. */
  readonly baseUrl: string;
  /** Flat [name, value, ...] added to the upstream request. */
  readonly addHeaders: readonly string[];
  /** Lower-case names removed from the upstream request. */
  readonly removeHeaders: readonly string[];
  readonly prefixToRemove?: string;
}

/** Compiles a proxy target; `pointer` is where the base URL was written. */
export function compileProxySpec(baseUrl: unknown, extra: { add?: unknown; remove?: unknown; prefix?: unknown }, pointer: string): ProxySpec {
  let url: URL | undefined;
  try {
    url = typeof baseUrl === 'string' ? new URL(baseUrl) : undefined;
  } catch { /* reported below */ }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new DecoyError('DECOY_ERR_STUB_INVALID', `proxyBaseUrl must be an http:// or https:// URL (got ${JSON.stringify(baseUrl)})`, { source: { pointer } });
  }
  const addHeaders: string[] = [];
  for (const [k, v] of Object.entries((extra.add ?? {}) as Record<string, unknown>)) addHeaders.push(k, String(v));
  const removeHeaders = ((extra.remove ?? []) as unknown[]).map((n) => String(n).toLowerCase());
  return { baseUrl: String(baseUrl), addHeaders, removeHeaders, ...(typeof extra.prefix === 'string' && extra.prefix !== '' ? { prefixToRemove: extra.prefix } : {}) };
}

export interface PreparedResponse {
  readonly status: number;
  readonly statusMessage: string | undefined;
  /** Flat `[name, value, name, value, ...]`, as `writeHead()` takes it; includes Content-Length. */
  readonly headers: readonly string[];
  readonly body: Buffer;
  /** WireMock's fixedDelayMilliseconds and delayDistribution, added up. */
  readonly delay?: Delay;
  readonly fault?: FaultName;
  /** WireMock's chunkedDribbleDelay: the body in this many chunks over this many milliseconds. */
  readonly dribble?: { chunks: number; totalMs: number };
  /** Decoy: the body is sent at most this fast. */
  readonly bytesPerSecond?: number;
  /** A proxy response: the answer comes from this upstream instead of the fields above. */
  readonly proxy?: ProxySpec;
  /** A dynamic response: status, headers and body come from here per request; the fields above are its static defaults. */
  readonly render?: ResponseRenderer;
  /** What the body is, in words (`a JSON body`, `the body file x.json`), for explain(). */
  readonly kind?: string;
  explain(): string;
}

export interface ResponseCompileContext extends TemplateCompileContext {
  /** Template every response (`--global-templating`), as WireMock's `--global-response-templating`. */
  globalTemplating?: boolean;
  /**
   * Reads a body file for `bodyFileName`. The file-system adapter resolves and confines the path
   * and throws a DecoyError when the file is missing or outside the stubs folder.
   */
  readBodyFile?: (name: string, pointer: string) => Buffer;
  /**
   * A `bodyFileName` that is not there yet is no compile error (WireMock registers such a stub): the
   * file is read per request, and until it exists each request is answered 500, as WireMock answers.
   */
  bodyFileMayComeLater?: boolean;
  /**
   * The JSON text of the value at a pointer as written in the source, when the source can tell
   * (numbers keep their written form: `1.0`, `10.50`, 9007199254740993). Falls back to JSON.stringify.
   */
  rawJson?: (pointer: string) => string | undefined;
  /** Set while compiling the static parts of a templated response: header values holding `{{` are templates. */
  headerTemplates?: boolean;
}

function headerValue(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

function hasHeader(headers: Record<string, unknown> | undefined, name: string): boolean {
  if (!headers) return false;
  const lower = name.toLowerCase();
  return Object.keys(headers).some((k) => k.toLowerCase() === lower);
}

/**
 * A templated response: compiled statically first (delays, faults, default headers, a body file
 * with a fixed name), then its templated parts on top, into a renderer.
 */
function compileWithTemplates(def: ResponseDefinition, ctx: ResponseCompileContext, pointer: string): PreparedResponse {
  const dynamicFile = typeof def.bodyFileName === 'string' && def.bodyFileName.includes('{{');
  const { transformers: _t, ...rest } = def;
  const staticDef: ResponseDefinition = { ...rest, ...(typeof def.status === 'string' ? { status: 200 } : {}), ...(dynamicFile ? { bodyFileName: undefined } : {}) };
  const base = compileResponse(staticDef, { ...ctx, globalTemplating: false, headerTemplates: true }, pointer);
  // A proxied answer comes from upstream: there is nothing of ours to template.
  if (base.proxy) return base;
  let bodySource: string | undefined;
  if (typeof def.body === 'string') bodySource = def.body;
  else if (def.body !== undefined || def.jsonBody !== undefined) bodySource = base.body.toString('utf8');
  // A binary body file is served as it is.
  else if (def.bodyFileName !== undefined && !dynamicFile && isUtf8Text(base.body) && def.transformerParameters?.disableBodyFileTemplating !== true) bodySource = base.body.toString('utf8');
  // Nothing to render (common under --global-templating): the static response, at no cost per request.
  const hasTemplate = (v: unknown): boolean => typeof v === 'string' && v.includes('{{');
  const headerValues = Object.values(def.headers ?? {}).flatMap((v) => (Array.isArray(v) ? v : [v]));
  if (!hasTemplate(bodySource) && !dynamicFile && typeof def.status !== 'string' && !headerValues.some(hasTemplate)) return base;
  // A body generated from a schema is worked out first; the templates go on top of it.
  const render = compileTemplatedResponse(def, base, ctx, pointer, bodySource, base.render);
  return { ...base, render, explain: () => `${base.explain()}, templated` };
}

export function compileResponse(def: ResponseDefinition, ctx: ResponseCompileContext = {}, pointer = '/response'): PreparedResponse {
  if (isTemplated(def, ctx.globalTemplating)) return compileWithTemplates(def, ctx, pointer);
  if (typeof def.status === 'string') {
    throw new DecoyError('DECOY_ERR_TEMPLATE_INVALID', `response.status ${JSON.stringify(def.status)} is a template, but the response is not templated`, {
      source: { pointer: joinPointer(pointer, 'status') }, hint: 'add transformers: [response-template] to the response, or start Decoy with --global-templating',
    });
  }
  const bodyKeys = (['body', 'jsonBody', 'base64Body', 'bodyFileName', 'schema', 'graphql'] as const).filter((k) => def[k] !== undefined);
  if (bodyKeys.length > 1) {
    throw new DecoyError('DECOY_ERR_STUB_INVALID', `response has more than one body (${bodyKeys.join(', ')}); use exactly one`, {
      source: { pointer: joinPointer(pointer, bodyKeys[1]!) },
    });
  }
  let body: Buffer;
  let missingBodyFile: string | undefined;
  let kind = 'an empty body';
  let impliedContentType: string | undefined;
  let graphqlAnswer: GraphqlAnswer | undefined;
  if (def.graphql !== undefined) {
    // Decoy: a GraphQL answer, generated from a schema per request, or written data and errors.
    const at = joinPointer(pointer, 'graphql');
    const g = checkGraphqlResponseKeys(def.graphql, at);
    impliedContentType = 'application/json';
    if (hasGraphqlSchema(g)) {
      graphqlAnswer = compileGraphqlAnswer(g, at, ctx.readBodyFile);
      body = Buffer.alloc(0);
      kind = graphqlAnswer.explain();
    } else {
      body = Buffer.from(staticGraphqlBody(g, at), 'utf8');
      kind = 'a GraphQL answer';
    }
  } else if (def.body !== undefined) {
    if (typeof def.body === 'string') {
      body = Buffer.from(def.body, 'utf8');
      kind = 'a text body';
    } else {
      // Decoy: an object, array, number or boolean under `body` is JSON (pleasant in YAML).
      body = Buffer.from(ctx.rawJson?.(joinPointer(pointer, 'body')) ?? JSON.stringify(def.body), 'utf8');
      impliedContentType = 'application/json';
      kind = 'a JSON body';
    }
  } else if (def.jsonBody !== undefined) {
    // WireMock writes jsonBody compactly and adds no Content-Type of its own; neither do we.
    body = Buffer.from(ctx.rawJson?.(joinPointer(pointer, 'jsonBody')) ?? JSON.stringify(def.jsonBody), 'utf8');
    kind = 'a JSON body';
  } else if (def.base64Body !== undefined) {
    if (!/^[A-Za-z0-9+/=\s_-]*$/.test(def.base64Body)) {
      throw new DecoyError('DECOY_ERR_STUB_INVALID', 'response.base64Body is not valid base64', { source: { pointer: joinPointer(pointer, 'base64Body') } });
    }
    body = Buffer.from(def.base64Body, 'base64');
    kind = 'a binary body';
  } else if (def.bodyFileName !== undefined) {
    if (!ctx.readBodyFile) {
      throw new DecoyError('DECOY_ERR_BODY_FILE_NOT_FOUND', `response.bodyFileName ${JSON.stringify(def.bodyFileName)} cannot be used here: there is no files folder`, {
        source: { pointer: joinPointer(pointer, 'bodyFileName') },
      });
    }
    try {
      body = ctx.readBodyFile(def.bodyFileName, joinPointer(pointer, 'bodyFileName'));
    } catch (e) {
      if (!ctx.bodyFileMayComeLater || !(isDecoyError(e) && e.code === 'DECOY_ERR_BODY_FILE_NOT_FOUND')) throw e;
      missingBodyFile = def.bodyFileName;
      body = Buffer.alloc(0);
    }
    kind = `the body file ${def.bodyFileName}`;
  } else {
    body = Buffer.alloc(0);
  }

  const headers: string[] = [];
  for (const [name, value] of Object.entries(def.headers ?? {})) {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
      throw new DecoyError('DECOY_ERR_STUB_INVALID', `response header name ${JSON.stringify(name)} is not a valid HTTP token (RFC 9110 section 5.1)`, {
        source: { pointer: joinPointer(pointer, 'headers', name) },
      });
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      const s = headerValue(v);
      const bad = invalidHeaderChar(s);
      // A templated value is made safe per request instead (what it renders to is not known yet).
      if (bad !== undefined && !(ctx.headerTemplates === true && s.includes('{{'))) {
        throw new DecoyError('DECOY_ERR_STUB_INVALID', `response header ${name} contains ${bad}, which an HTTP header value cannot carry (RFC 9110 section 5.5)`, {
          source: { pointer: joinPointer(pointer, 'headers', name) },
          hint: 'use only printable ASCII (and Latin-1) in header values; percent-encode anything else, e.g. %E2%82%AC for €',
        });
      }
      headers.push(name, s);
    }
  }
  if (impliedContentType && !hasHeader(def.headers, 'content-type')) headers.push('Content-Type', impliedContentType);
  let render: ResponseRenderer | undefined;
  if (def.schema !== undefined) {
    // Decoy: the body is generated per request from a JSON Schema.
    const compiled = compileSchema(def.schema, joinPointer(pointer, 'schema'));
    const generate = createSchemaRenderer(compiled, { status: def.status ?? 200, statusMessage: def.statusMessage, headers });
    render = (rc) => generate(rc.stableSeed !== undefined ? requestSeed(rc.request, rc.stableSeed) : Math.floor(rc.random() * 4294967296));
    kind = 'a body generated from its JSON Schema';
  }
  if (graphqlAnswer !== undefined) {
    const answer = graphqlAnswer;
    const base = { status: (def.status as number | undefined) ?? 200, statusMessage: def.statusMessage, headers: [...headers] };
    render = (rc) => graphqlWireResponse(answer, rc.request, rc.stableSeed !== undefined ? requestSeed(rc.request, rc.stableSeed) : Math.floor(rc.random() * 4294967296), base);
  }
  const ownLength = !hasHeader(def.headers, 'content-length') && !hasHeader(def.headers, 'transfer-encoding');
  const headersBeforeLength = missingBodyFile === undefined ? undefined : [...headers];
  if (ownLength) headers.push('Content-Length', String(body.length));

  const status = (def.status as number | undefined) ?? 200;
  const statusMessage = def.statusMessage;
  if (missingBodyFile !== undefined && render === undefined) {
    const name = missingBodyFile;
    const read = ctx.readBodyFile!;
    render = () => {
      let file: Buffer;
      try {
        file = read(name, joinPointer(pointer, 'bodyFileName'));
      } catch (e) {
        if (!(isDecoyError(e) && e.code === 'DECOY_ERR_BODY_FILE_NOT_FOUND')) throw e;
        // WireMock's words for it, in its 500.
        const text = Buffer.from(`Not found in blob store: ${name}\n`);
        return { status: 500, headers: ['Content-Type', 'text/plain', 'Content-Length', String(text.length)], body: text };
      }
      return { status, statusMessage, headers: ownLength ? [...headersBeforeLength!, 'Content-Length', String(file.length)] : headers, body: file };
    };
  }
  const delay = compileDelays(def, pointer);
  const fault = def.fault === undefined ? undefined : compileFault(def.fault, joinPointer(pointer, 'fault'));
  let dribble: { chunks: number; totalMs: number } | undefined;
  if (def.chunkedDribbleDelay !== undefined) {
    const d = def.chunkedDribbleDelay as { numberOfChunks?: unknown; totalDuration?: unknown };
    const at = joinPointer(pointer, 'chunkedDribbleDelay');
    if (typeof d.numberOfChunks !== 'number' || !Number.isInteger(d.numberOfChunks) || d.numberOfChunks < 1) {
      throw new DecoyError('DECOY_ERR_STUB_INVALID', `chunkedDribbleDelay.numberOfChunks must be a whole number >= 1 (got ${JSON.stringify(d.numberOfChunks)})`, { source: { pointer: joinPointer(at, 'numberOfChunks') } });
    }
    if (typeof d.totalDuration !== 'number' || !(d.totalDuration >= 0)) {
      throw new DecoyError('DECOY_ERR_STUB_INVALID', `chunkedDribbleDelay.totalDuration must be a number of milliseconds >= 0 (got ${JSON.stringify(d.totalDuration)})`, { source: { pointer: joinPointer(at, 'totalDuration') } });
    }
    dribble = { chunks: d.numberOfChunks, totalMs: d.totalDuration };
  }
  const bytesPerSecond = def.bytesPerSecond as number | undefined;
  const proxy = def.proxyBaseUrl === undefined ? undefined : compileProxySpec(def.proxyBaseUrl, {
    add: def.additionalProxyRequestHeaders, remove: def.removeProxyRequestHeaders, prefix: def.proxyUrlPrefixToRemove,
  }, joinPointer(pointer, 'proxyBaseUrl'));
  if (proxy) kind = `the answer of ${proxy.baseUrl}`;
  return {
    status, statusMessage, headers: headers.slice(), body, kind,
    ...(delay ? { delay } : {}), ...(fault ? { fault } : {}), ...(dribble ? { dribble } : {}), ...(bytesPerSecond ? { bytesPerSecond } : {}),
    ...(proxy ? { proxy } : {}), ...(render ? { render } : {}),
    explain: explainResponse,
  };
}

/** A prepared response's explain(), shared by all of them: it reads what the response holds, so no stub keeps a closure for it. */
function explainResponse(this: PreparedResponse): string {
  const { status, statusMessage, proxy, delay, fault, dribble, bytesPerSecond } = this;
  const extras = [delay?.explain(), fault && `then ${explainFault(fault)}`, dribble && `dribbled in ${dribble.chunks} chunks over ${dribble.totalMs} ms`, bytesPerSecond && `at ${bytesPerSecond} bytes/s`].filter(Boolean);
  return `${proxy ? 'forwards, and responds' : `responds ${status}${statusMessage ? ' ' + statusMessage : ''}`} with ${this.kind ?? 'a body'}${extras.length ? `, after ${extras.join(', ')}` : ''}`;
}
