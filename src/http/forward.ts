/**
 * Forwarding to an upstream: WireMock's proxy responses (`proxyBaseUrl` and friends) and Decoy's
 * `--proxy-all`. The request body (already read, for matching) is sent as is; the upstream's answer is
 * streamed back (status, headers without hop-by-hop ones, body bytes untouched: a gzip body stays gzip),
 * and its first 64 KiB is kept for the journal. An upstream that cannot be reached answers 500, as in
 * WireMock, one too slow 504, each with the reason in plain text.
 *
 * One undici Agent serves every upstream: a pool of kept-alive connections per origin, so proxied requests
 * do not pay a TCP handshake each. An idempotent request whose reused connection the upstream closed as it
 * went out is sent once more on a new one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Agent, Dispatcher } from 'undici';
import { HOP_BY_HOP_HEADERS, connectionListed } from '../core/hop-by-hop.js';
import { rawHeader } from '../core/raw-headers.js';
import { sendPlainText } from './plain-text.js';
import type { ProxySpec } from '../core/response/static-response.js';

/**
 * How much of a proxied body the journal keeps: enough for the admin API and snapshots of typical API
 * answers, small enough that a full journal of large downloads stays far from gigabytes.
 */
const JOURNAL_BODY_LIMIT = 64 * 1024;

export interface ForwardResult {
  status: number;
  /** Flat [name, value, ...] as sent to the client, names as the upstream spelt them. */
  headers: string[];
  /**
   * Flat [name, value, ...] as the upstream sent them, without Connection and Transfer-Encoding: what
   * WireMock's proxy passes on and its recordings keep (Keep-Alive included), for a recording to keep.
   */
  upstreamHeaders: string[];
  /** The body, when it was at most the bytes kept (else its first bytes). */
  body: Buffer;
  /** Whether `body` is the whole body. */
  complete: boolean;
  /** Set when Decoy answered for an upstream that failed (500, 504): the reason. */
  error?: string;
}

export interface Forwarder {
  /**
   * @param keepBytes how much of the body to keep for `done` (the journal keeps 1 MiB, a recording more);
   *   `result.complete` says whether all of it was kept.
   */
  forward(req: IncomingMessage, res: ServerResponse, body: Buffer, target: ProxySpec, done: (result: ForwardResult) => void, keepBytes?: number, extraHeaders?: readonly string[]): void;
  close(): Promise<void>;
}

export interface ForwarderOptions {
  /** Longest wait for the upstream's headers, and between body chunks. */
  timeoutMs: number;
  /** Accept upstream certificates that do not verify (self-signed). */
  insecure: boolean;
}

/** Where a request goes: the upstream's origin, and its path (the base URL's path, then the request's). */
function upstreamTarget(target: ProxySpec, url: string): { origin: string; path: string } {
  let path = url;
  if (target.prefixToRemove && path.startsWith(target.prefixToRemove)) path = path.slice(target.prefixToRemove.length) || '/';
  if (!path.startsWith('/')) path = '/' + path;
  let base = bases.get(target);
  if (base === undefined) {
    const u = new URL(target.baseUrl.replace(/\/+$/, ''));
    base = { origin: u.origin, path: u.pathname === '/' ? '' : u.pathname };
    bases.set(target, base);
  }
  return { origin: base.origin, path: base.path + path };
}

/** Each target's origin and base path, parsed once. */
const bases = new WeakMap<ProxySpec, { origin: string; path: string }>();

/** Request headers the upstream does not get: hop-by-hop ones, Host (undici sets the upstream's from the URL), Content-Length (from the body sent). */
const NOT_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP_HEADERS, 'host', 'content-length']);

/** Whether `lower` is a name in the flat [name, value, ...] list `list` from index `from` on, in any case. */
function namedFrom(list: readonly string[] | undefined, lower: string, from: number): boolean {
  return list !== undefined && rawHeader(list, lower, from) !== undefined;
}

/**
 * What the upstream gets, as a flat [name, value, ...] list (undici writes it as is, with no object per
 * request): the client's headers without hop-by-hop ones (those its `Connection` header names included), the
 * stub's additions, then `extra` (a trace's context). An added header replaces the client's of the same
 * name; `extra` replaces both.
 */
function requestHeaders(req: IncomingMessage, target: ProxySpec, extra: readonly string[] | undefined): string[] {
  const out: string[] = [];
  const raw = req.rawHeaders;
  const add = target.addHeaders;
  const replaced = add.length > 0 || extra !== undefined;
  const removed = target.removeHeaders.length > 0;
  const listed = connectionListed(raw);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (NOT_FORWARDED.has(lower) || (removed && target.removeHeaders.includes(lower)) || listed?.has(lower)) continue;
    if (replaced && (namedFrom(add, lower, 0) || namedFrom(extra, lower, 0))) continue;
    out.push(raw[i]!, raw[i + 1]!);
  }
  for (let i = 0; i + 1 < add.length; i += 2) {
    const lower = add[i]!.toLowerCase();
    // A later addition of the same name, or the trace's, wins.
    if (!namedFrom(add, lower, i + 2) && !namedFrom(extra, lower, 0)) out.push(add[i]!, add[i + 1]!);
  }
  if (extra !== undefined) for (let i = 0; i + 1 < extra.length; i += 2) if (!namedFrom(extra, extra[i]!.toLowerCase(), i + 2)) out.push(extra[i]!, extra[i + 1]!);
  return out;
}

function plainError(res: ServerResponse, status: number, text: string, done: (r: ForwardResult) => void): void {
  const sent = sendPlainText(res, status, text + '\n');
  done({ status, ...sent, upstreamHeaders: [], complete: false, error: text });
}

/** Methods RFC 9110 calls idempotent: sending one twice does what sending it once does. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** The errors of a connection lost before the upstream answered (undici's, and the socket's own). */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * One proxied request, and undici's dispatch handler for it. The dispatcher's handler interface rather than
 * undici's request(): the answer's chunks come straight to this object and go straight to the client, with no
 * body stream, abort signal or promise per request in between; and one object per request, its methods on the
 * prototype, rather than a closure per callback.
 */
class ForwardCall {
  /** Settled: the client has its answer (or is gone) and `done` was called. */
  over = false;
  clientGone = false;
  retried = false;
  started = false;
  abortUpstream: ((reason?: Error) => void) | undefined = undefined;
  resumeUpstream: (() => void) | undefined = undefined;
  drainHooked = false;
  status = 0;
  headersOut: string[] = [];
  upstreamHeaders: string[] = [];
  kept: Buffer[] = [];
  size = 0;
  /** The body bytes still to come, when the upstream said (Content-Length). */
  remaining = -1;
  /** The body's last chunk, held for `res.end(chunk)`: the answer then leaves in one write, with no write() before. */
  last: Buffer | undefined = undefined;
  /** The agent sent through, for the one retry. */
  agent: Agent | undefined = undefined;

  constructor(
    readonly res: ServerResponse,
    readonly opts: { origin: string; path: string; method: string; headers: string[]; body: Buffer | undefined },
    readonly target: ProxySpec,
    readonly keepBytes: number,
    readonly timeoutMs: number,
    readonly done: (result: ForwardResult) => void,
  ) {}

  send(agent: Agent): void {
    this.agent = agent;
    agent.dispatch(this.opts as Agent.DispatchOptions, this as Dispatcher.DispatchHandler);
  }

  /** Only a client that leaves early aborts the upstream call. */
  clientClosed(): void {
    if (this.over) return;
    this.clientGone = true;
    this.abortUpstream?.();
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.clientGone) abort();
  }

  onHeaders(statusCode: number, raw: Buffer[], resume: () => void): boolean {
    this.started = true;
    this.status = statusCode;
    const { headersOut, upstreamHeaders, res } = this;
    // The names as the upstream spelt them (a recording keeps `Content-Type`, not `content-type`).
    const all: string[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) all[i] = raw[i]!.toString('latin1');
    // Headers the upstream's `Connection` names are for its connection only: the client does not get them.
    const listed = connectionListed(all);
    for (let i = 0; i + 1 < all.length; i += 2) {
      const name = all[i]!;
      const value = all[i + 1]!;
      const lower = name.toLowerCase();
      if (lower === 'connection' || lower === 'transfer-encoding') continue;
      if (lower === 'content-length') this.remaining = Number(value);
      upstreamHeaders.push(name, value);
      // Proxy-* headers are meant for a proxy, not for the client behind it.
      if (!HOP_BY_HOP_HEADERS.has(lower) && !lower.startsWith('proxy-') && !listed?.has(lower)) headersOut.push(name, value);
    }
    if (res.destroyed) {
      this.over = true;
      this.abortUpstream?.();
      return false;
    }
    res.writeHead(statusCode, headersOut);
    this.resumeUpstream = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.size < this.keepBytes) this.kept.push(chunk.subarray(0, this.keepBytes - this.size));
    this.size += chunk.length;
    // The last chunk comes with the end of the answer (undici parses both from the same read).
    if (chunk.length === this.remaining) {
      this.last = chunk;
      return true;
    }
    if (this.remaining > 0) this.remaining -= chunk.length;
    if (this.res.write(chunk)) return true;
    // Streamed with backpressure: a slow client pauses the upstream read until it drains, nothing piles up
    // here. The listener is added the first time the client pushes back (a small answer never needs it).
    if (!this.drainHooked) {
      this.drainHooked = true;
      this.res.on('drain', this.resumeUpstream!);
    }
    return false;
  }

  onComplete(): void {
    if (this.over) return;
    this.res.end(this.last);
    this.end(true);
  }

  onError(e: Error & { code?: string }): void {
    if (this.over) return;
    if (this.started) {
      this.res.destroy();
      this.end(false);
      return;
    }
    // A kept-alive connection the upstream closed as this request went out (its idle timeout ran out):
    // a request that may be sent twice goes once more, on a new connection. A POST is not repeated.
    if (!this.retried && !this.clientGone && IDEMPOTENT.has(this.opts.method) && CONNECTION_LOST.has(e.code ?? '')) {
      this.retried = true;
      this.headersOut = [];
      this.upstreamHeaders = [];
      this.send(this.agent!);
      return;
    }
    this.fail(e);
  }

  end(complete: boolean): void {
    if (this.over) return;
    this.over = true;
    const kept = this.kept;
    this.done({
      status: this.status, headers: this.headersOut, upstreamHeaders: this.upstreamHeaders,
      body: Buffer.concat(kept), complete: complete && this.size <= this.keepBytes,
    });
  }

  fail(e: Error & { code?: string }): void {
    this.over = true;
    if (this.clientGone) return this.done({ status: 499, headers: [], upstreamHeaders: [], body: Buffer.alloc(0), complete: false });
    const code = e.code ?? e.name;
    const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
    const reason = `${code}${e.message && !e.message.includes(code) ? `: ${e.message}` : ''}`;
    const baseUrl = this.target.baseUrl;
    // An upstream that cannot be reached is WireMock's 500 ("Network failure trying to make a proxied request").
    plainError(this.res, timedOut ? 504 : 500, timedOut
      ? `Decoy: the upstream ${baseUrl} did not answer within ${this.timeoutMs} ms (${reason})`
      : `Network failure trying to make a proxied request from Decoy to ${baseUrl}: could not reach the upstream (${reason}${(e as { cause?: Error }).cause ? `: ${(e as { cause?: Error }).cause!.message}` : ''})`, this.done);
  }
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  // undici takes about a tenth of a second to import: loaded on the first forward, so a Decoy that
  // never proxies does not start slower for it. Once loaded, a forward reaches the agent with no promise.
  let agent: Agent | undefined;
  let loading: Promise<Agent> | undefined;
  const load = () => (loading ??= import('undici').then(({ Agent: UndiciAgent }) => (agent = new UndiciAgent({
    connect: { rejectUnauthorized: !options.insecure, timeout: options.timeoutMs },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  }))));
  return {
    forward(req, res, body, target, done, keepBytes = JOURNAL_BODY_LIMIT, extraHeaders) {
      const { origin, path } = upstreamTarget(target, req.url ?? '/');
      const method = req.method ?? 'GET';
      const call = new ForwardCall(res, { origin, path, method, headers: requestHeaders(req, target, extraHeaders), body: body.length > 0 ? body : undefined },
        target, keepBytes, options.timeoutMs, done);
      res.once('close', () => call.clientClosed());
      if (agent !== undefined) call.send(agent);
      else load().then((a) => call.send(a), (e: Error) => call.fail(e));
    },
    close: async () => {
      if (loading) await (await loading).close();
    },
  };
}
