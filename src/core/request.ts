/**
 * The transport-neutral request that matchers see. Everything beyond method and URL is derived lazily
 * and at most once: most stubs look only at method and path, so the common request never splits its
 * query, cookies or form body.
 */
import { readGraphqlPayload, type GraphqlPayload } from './graphql/operation.js';
import { createBodyView } from './matching/body-view.js';
import { parseMultipart } from './matching/multipart.js';
import type { BodyView } from './matching/types.js';

/** Decodes a query-string or form component the way WireMock (Java's URLDecoder) does: `+` is a space. */
export function decodeFormComponent(s: string): string {
  const plus = s.indexOf('+') === -1 ? s : s.replace(/\+/g, ' ');
  if (plus.indexOf('%') === -1) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus; // a malformed escape is matched as written rather than failing the request
  }
}

/** Splits `a=1&b=2&a=3` into name → values, in order. */
export function parseFormEncoded(s: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (s === '') return out;
  for (const part of s.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = decodeFormComponent(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : decodeFormComponent(part.slice(eq + 1));
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out;
}

/** Parses a Cookie header (RFC 6265 section 5.4): `a=1; b=2`. */
export function parseCookieHeader(values: readonly string[] | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!values) return out;
  for (const header of values) {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const name = pair.slice(0, eq).trim();
      let value = pair.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      const list = out.get(name);
      if (list) list.push(value);
      else out.set(name, [value]);
    }
  }
  return out;
}

const EMPTY_BODY = Buffer.alloc(0);

/**
 * Decodes a body in the charset its Content-Type declares, as WireMock does (Java reads ISO-8859-1
 * as true Latin-1, so that label is not handed to TextDecoder, which reads it as windows-1252).
 * Unknown or absent charsets read as UTF-8.
 */
export function decoderFor(contentType: string | undefined): ((bytes: Buffer) => string) | undefined {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  const charset = m?.[1]?.toLowerCase();
  if (charset === undefined || charset === 'utf-8' || charset === 'utf8') return undefined;
  if (charset === 'iso-8859-1' || charset === 'latin1' || charset === 'iso8859-1' || charset === 'us-ascii') return (b) => b.toString('latin1');
  try {
    const decoder = new TextDecoder(charset);
    return (b) => decoder.decode(b);
  } catch {
    return undefined;
  }
}

/** The connection a request came in on, as the transport saw it. */
export interface RequestConnection {
  readonly scheme: 'http' | 'https';
  /** The socket's remote address. */
  readonly clientIp: string;
  /** The address and port the request came in on. */
  readonly localAddress: string;
  readonly localPort: number;
}

/** Splits a Host header value into host and port; an IPv6 literal keeps its brackets, as in WireMock. */
function splitHostHeader(value: string): { host: string; port: number | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(value.trim());
  if (m === null) return { host: value.trim(), port: undefined };
  return { host: m[1]!, port: m[2] ? Number(m[2]) : undefined };
}

/** One part of a multipart request body, seen as matchers see a request: headers by name and a lazily read body. */
export interface RequestPart {
  /** Lower-cased header name → values. */
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
  readonly bodyView: BodyView;
}

const NOT_PARSED = Symbol('not parsed');
const NO_HEADERS: readonly string[] = Object.freeze([]);

/** Lower-cased name → every value in order, as Node's `headersDistinct` has them (no prototype: a header may be called `__proto__`). */
function groupRawHeaders(rawHeaders: readonly string[]): Record<string, string[]> {
  const h = Object.create(null) as Record<string, string[]>;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) (h[rawHeaders[i]!.toLowerCase()] ??= []).push(rawHeaders[i + 1]!);
  return h;
}

export class DecoyRequest {
  /** Upper-case method. */
  readonly method: string;
  /** The request target as received: raw path plus query string. */
  readonly url: string;
  /** The raw (still percent-encoded) path, without the query string. */
  readonly path: string;
  /** The raw query string without `?`, or '' when there is none. */
  readonly queryString: string;
  readonly body: Buffer;
  /** Set by the transport; a request built from a log or an admin call may have none. */
  connection: RequestConnection | undefined;
  /** Set by the engine: run-time items by collection, for matchers on state (WireMock's state-matcher). */
  resourceItems: ((name: string) => readonly unknown[]) | undefined;
  /** The headers as received: [name, value, ...], names as the client spelt them. */
  rawHeaders: readonly string[] = NO_HEADERS;
  /** The HTTP version the request came in with (`1.1`, `1.0`). */
  httpVersion = '1.1';

  readonly #headersProvider: (() => Record<string, string[]>) | undefined;
  #headers: Record<string, string[]> | undefined;
  #query: Map<string, string[]> | undefined;
  #cookies: Map<string, string[]> | undefined;
  #form: Map<string, string[]> | undefined;
  #bodyView: BodyView | undefined;
  #parts: RequestPart[] | undefined | typeof NOT_PARSED = NOT_PARSED;
  #graphql: GraphqlPayload | undefined | typeof NOT_PARSED = NOT_PARSED;

  /**
   * @param headers lower-cased header name → values, or a function that computes it on first use; undefined:
   *   grouped from `rawHeaders` on first use (what the HTTP layer does: no closure and no header object per request).
   */
  constructor(method: string, url: string, headers: Record<string, string[]> | (() => Record<string, string[]>) | undefined, body: Buffer = EMPTY_BODY) {
    this.method = method.toUpperCase();
    this.url = url;
    const q = url.indexOf('?');
    this.path = q === -1 ? url : url.slice(0, q);
    this.queryString = q === -1 ? '' : url.slice(q + 1);
    if (typeof headers === 'function') this.#headersProvider = headers;
    else this.#headers = headers;
    this.body = body;
  }

  /** A request from Node's raw header list ([name, value, ...]), headers grouped on first use. */
  static fromRaw(method: string, url: string, rawHeaders: readonly string[], body: Buffer, connection?: RequestConnection): DecoyRequest {
    const request = new DecoyRequest(method, url, undefined, body);
    request.connection = connection;
    request.rawHeaders = rawHeaders;
    return request;
  }

  /** `http` or `https`: how the request came in (`http` when the transport did not say). */
  get scheme(): 'http' | 'https' {
    return this.connection?.scheme ?? 'http';
  }

  /**
   * The host the client addressed, as WireMock (Jetty) reads it: the Host header without its port,
   * else the address the request came in on.
   */
  get host(): string {
    const h = this.header('host')?.[0];
    if (h !== undefined) return splitHostHeader(h).host;
    return this.connection?.localAddress ?? 'localhost';
  }

  /**
   * The port the client addressed, as WireMock (Jetty) reads it: the Host header's port, the scheme's
   * default port when the Host header names none, and the port the request came in on without a Host header.
   */
  get port(): number {
    const h = this.header('host')?.[0];
    if (h !== undefined) return splitHostHeader(h).port ?? (this.scheme === 'https' ? 443 : 80);
    return this.connection?.localPort ?? (this.scheme === 'https' ? 443 : 80);
  }

  /** The client's address as WireMock reports it: the X-Forwarded-For header when there is one, else the socket's peer. */
  get clientIp(): string {
    const forwarded = this.header('x-forwarded-for')?.[0];
    if (forwarded !== undefined) return forwarded.trim();
    return this.connection?.clientIp ?? '';
  }

  get headers(): Record<string, string[]> {
    return (this.#headers ??= this.#headersProvider?.() ?? groupRawHeaders(this.rawHeaders));
  }

  /** Values of a header, by case-insensitive name. */
  header(name: string): string[] | undefined {
    return this.headers[name.toLowerCase()];
  }

  get query(): Map<string, string[]> {
    return (this.#query ??= parseFormEncoded(this.queryString));
  }

  get cookies(): Map<string, string[]> {
    return (this.#cookies ??= parseCookieHeader(this.header('cookie')));
  }

  /** Form parameters from an `application/x-www-form-urlencoded` body; empty for other bodies. */
  get formParameters(): Map<string, string[]> {
    if (this.#form) return this.#form;
    const type = this.header('content-type')?.[0] ?? '';
    this.#form = type.toLowerCase().startsWith('application/x-www-form-urlencoded')
      ? parseFormEncoded(this.bodyView.text)
      : new Map();
    return this.#form;
  }

  /** The parts of a multipart body, or undefined when the request is not multipart. Parsed at most once. */
  get parts(): RequestPart[] | undefined {
    if (this.#parts !== NOT_PARSED) return this.#parts;
    const raw = parseMultipart(this.body, this.header('content-type')?.[0]);
    this.#parts = raw?.map((p) => {
      let view: BodyView | undefined;
      return {
        headers: p.headers, body: p.body,
        get bodyView() { return (view ??= createBodyView(p.body, decoderFor(p.headers['content-type']?.[0]))); },
      };
    });
    return this.#parts;
  }

  /** The GraphQL operations the request carries, or undefined when it is not GraphQL. Read at most once. */
  get graphql(): GraphqlPayload | undefined {
    if (this.#graphql !== NOT_PARSED) return this.#graphql;
    this.#graphql = readGraphqlPayload({
      method: this.method, contentType: this.header('content-type')?.[0], bodyLength: this.body.length,
      query: (name) => this.query.get(name)?.[0], bodyText: () => this.bodyView.text, bodyJson: () => this.bodyView.json(),
    });
    return this.#graphql;
  }

  get bodyView(): BodyView {
    return (this.#bodyView ??= createBodyView(this.body, decoderFor(this.header('content-type')?.[0])));
  }
}
