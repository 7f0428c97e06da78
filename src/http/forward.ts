/**
 * Forwarding to an upstream: WireMock's proxy responses (`proxyBaseUrl` and friends) and Decoy's
 * `--proxy-all`. The request body (already read, for matching) is sent as is; the upstream's answer is
 * streamed back (status, headers without hop-by-hop ones, body bytes untouched: a gzip body stays gzip),
 * and its first MiB is kept for the journal. An upstream that cannot be reached answers 500, as in
 * WireMock, one too slow 504, each with the reason in plain text.
 *
 * One undici Agent serves every upstream: a pool of kept-alive connections per origin, so proxied requests
 * do not pay a TCP handshake each. An idempotent request whose reused connection the upstream closed as it
 * went out is sent once more on a new one.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Agent } from 'undici';
import { HOP_BY_HOP_HEADERS } from '../core/hop-by-hop.js';
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

/** What the upstream gets: the client's headers without hop-by-hop ones, the stub's changes, then `extra` (a trace's context). */
function requestHeaders(req: IncomingMessage, target: ProxySpec, extra: readonly string[] | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    // Host is the upstream's (undici sets it from the URL); Content-Length from the body sent.
    if (HOP_BY_HOP_HEADERS.has(lower) || lower === 'host' || lower === 'content-length' || target.removeHeaders.includes(lower)) continue;
    const prev = out[lower];
    out[lower] = prev === undefined ? raw[i + 1]! : Array.isArray(prev) ? [...prev, raw[i + 1]!] : [prev, raw[i + 1]!];
  }
  for (let i = 0; i + 1 < target.addHeaders.length; i += 2) out[target.addHeaders[i]!.toLowerCase()] = target.addHeaders[i + 1]!;
  if (extra !== undefined) for (let i = 0; i + 1 < extra.length; i += 2) out[extra[i]!.toLowerCase()] = extra[i + 1]!;
  return out;
}

function plainError(res: ServerResponse, status: number, text: string, done: (r: ForwardResult) => void): void {
  const sent = sendPlainText(res, status, text + '\n');
  done({ status, ...sent, upstreamHeaders: [], complete: false, error: text });
}

interface Client {
  agent: Agent;
}

/** Methods RFC 9110 calls idempotent: sending one twice does what sending it once does. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** The errors of a connection lost before the upstream answered (undici's, and the socket's own). */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

export function createForwarder(options: ForwarderOptions): Forwarder {
  // undici takes about a tenth of a second to import: loaded on the first forward, so a Decoy that
  // never proxies does not start slower for it.
  let client: Promise<Client> | undefined;
  const load = () => (client ??= import('undici').then(({ Agent: UndiciAgent }) => ({
    agent: new UndiciAgent({
      connect: { rejectUnauthorized: !options.insecure, timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    }),
  })));
  return {
    forward(req, res, body, target, done, keepBytes = JOURNAL_BODY_LIMIT, extraHeaders) {
      const { origin, path } = upstreamTarget(target, req.url ?? '/');
      const method = req.method ?? 'GET';
      const headers = requestHeaders(req, target, extraHeaders);
      // Settled: the client has its answer (or is gone) and `done` was called.
      let over = false;
      let clientGone = false;
      let abortUpstream: ((reason?: Error) => void) | undefined;
      // Only a client that leaves early aborts the upstream call.
      res.once('close', () => {
        if (over) return;
        clientGone = true;
        abortUpstream?.();
      });
      const fail = (e: Error & { code?: string }): void => {
        over = true;
        if (clientGone) return done({ status: 499, headers: [], upstreamHeaders: [], body: Buffer.alloc(0), complete: false });
        const code = e.code ?? e.name;
        const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
        const reason = `${code}${e.message && !e.message.includes(code) ? `: ${e.message}` : ''}`;
        // An upstream that cannot be reached is WireMock's 500 ("Network failure trying to make a proxied request").
        plainError(res, timedOut ? 504 : 500, timedOut
          ? `Decoy: the upstream ${target.baseUrl} did not answer within ${options.timeoutMs} ms (${reason})`
          : `Network failure trying to make a proxied request from Decoy to ${target.baseUrl}: could not reach the upstream (${reason}${(e as { cause?: Error }).cause ? `: ${(e as { cause?: Error }).cause!.message}` : ''})`, done);
      };
      /*
       * The dispatcher's handler interface rather than undici's request(): the answer's chunks come straight
       * to this handler and go straight to the client, with no body stream, abort signal or promise per
       * request in between (a proxied request costs about a third less CPU).
       */
      const send = (agent: Agent, retried: boolean): void => {
        let started = false;
        let status = 0;
        let headersOut: string[] = [];
        let upstreamHeaders: string[] = [];
        const kept: Buffer[] = [];
        let size = 0;
        const end = (complete: boolean): void => {
          if (over) return;
          over = true;
          done({ status, headers: headersOut, upstreamHeaders, body: Buffer.concat(kept), complete: complete && size <= keepBytes });
        };
        agent.dispatch({ origin, path, method: method as 'GET', headers, body: body.length > 0 ? body : undefined }, {
          onConnect(abort: (reason?: Error) => void) {
            abortUpstream = abort;
            if (clientGone) abort();
          },
          onHeaders(statusCode: number, raw: Buffer[], resume: () => void) {
            started = true;
            status = statusCode;
            // The names as the upstream spelt them (a recording keeps `Content-Type`, not `content-type`).
            for (let i = 0; i + 1 < raw.length; i += 2) {
              const name = raw[i]!.toString('latin1');
              const value = raw[i + 1]!.toString('latin1');
              const lower = name.toLowerCase();
              if (lower === 'connection' || lower === 'transfer-encoding') continue;
              upstreamHeaders.push(name, value);
              // Proxy-* headers are meant for a proxy, not for the client behind it.
              if (!HOP_BY_HOP_HEADERS.has(lower) && !lower.startsWith('proxy-')) headersOut.push(name, value);
            }
            if (res.destroyed) {
              over = true;
              abortUpstream?.();
              return false;
            }
            res.writeHead(statusCode, headersOut);
            // Streamed with backpressure: a slow client pauses the upstream read, nothing piles up here.
            res.on('drain', resume);
            return true;
          },
          onData(chunk: Buffer) {
            if (size < keepBytes) kept.push(chunk.subarray(0, keepBytes - size));
            size += chunk.length;
            return res.write(chunk);
          },
          onComplete() {
            if (over) return;
            res.end();
            end(true);
          },
          onError(e: Error & { code?: string }) {
            if (over) return;
            if (started) {
              res.destroy();
              end(false);
              return;
            }
            // A kept-alive connection the upstream closed as this request went out (its idle timeout ran out):
            // a request that may be sent twice goes once more, on a new connection. A POST is not repeated.
            if (!retried && !clientGone && IDEMPOTENT.has(method) && CONNECTION_LOST.has(e.code ?? '')) {
              headersOut = [];
              upstreamHeaders = [];
              send(agent, true);
              return;
            }
            fail(e);
          },
        });
      };
      load().then((c) => send(c.agent, false), fail);
    },
    close: async () => {
      if (client) await (await client).agent.close();
    },
  };
}
