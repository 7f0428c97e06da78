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

function upstreamUrl(target: ProxySpec, url: string): string {
  let path = url;
  if (target.prefixToRemove && path.startsWith(target.prefixToRemove)) path = path.slice(target.prefixToRemove.length) || '/';
  if (!path.startsWith('/')) path = '/' + path;
  return target.baseUrl.replace(/\/+$/, '') + path;
}

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
  request: typeof import('undici').request;
}

/** Methods RFC 9110 calls idempotent: sending one twice does what sending it once does. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
/** The errors of a connection lost before the upstream answered (undici's, and the socket's own). */
const CONNECTION_LOST = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

export function createForwarder(options: ForwarderOptions): Forwarder {
  // undici takes about a tenth of a second to import: loaded on the first forward, so a Decoy that
  // never proxies does not start slower for it.
  let client: Promise<Client> | undefined;
  const load = () => (client ??= import('undici').then(({ Agent: UndiciAgent, request }) => ({
    agent: new UndiciAgent({
      connect: { rejectUnauthorized: !options.insecure, timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    }),
    request,
  })));
  return {
    forward(req, res, body, target, done, keepBytes = JOURNAL_BODY_LIMIT, extraHeaders) {
      const url = upstreamUrl(target, req.url ?? '/');
      const abort = new AbortController();
      let over = false;
      // Only a client that leaves early aborts the upstream call (an abort costs an exception object).
      res.once('close', () => {
        if (!over) abort.abort();
      });
      const method = req.method ?? 'GET';
      const headers = requestHeaders(req, target, extraHeaders);
      const send = ({ agent, request }: Client) => request(url, {
        method: method as 'GET',
        headers,
        body: body.length > 0 ? body : undefined,
        dispatcher: agent,
        signal: abort.signal,
        // Raw: the names as the upstream spelt them (a recording keeps `Content-Type`, not `content-type`).
        responseHeaders: 'raw',
      });
      load().then((c) => send(c).catch((e: Error & { code?: string }) => {
        // A kept-alive connection the upstream closed as this request went out (its idle timeout ran out):
        // a request that may be sent twice goes once more, on a new connection. A POST is not repeated.
        if (abort.signal.aborted || !IDEMPOTENT.has(method) || !CONNECTION_LOST.has(e.code ?? '')) throw e;
        return send(c);
      })).then((upstream) => {
        const raw = upstream.headers as unknown as string[];
        const headers: string[] = [];
        const upstreamHeaders: string[] = [];
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const name = raw[i]!;
          const lower = name.toLowerCase();
          if (lower === 'connection' || lower === 'transfer-encoding') continue;
          upstreamHeaders.push(name, raw[i + 1]!);
          // Proxy-* headers are meant for a proxy, not for the client behind it.
          if (!HOP_BY_HOP_HEADERS.has(lower) && !lower.startsWith('proxy-')) headers.push(name, raw[i + 1]!);
        }
        const src = upstream.body;
        if (res.destroyed) {
          over = true;
          src.destroy();
          return;
        }
        res.writeHead(upstream.statusCode, headers);
        const kept: Buffer[] = [];
        let size = 0;
        const end = (complete: boolean) => {
          if (over) return;
          over = true;
          done({ status: upstream.statusCode, headers, upstreamHeaders, body: Buffer.concat(kept), complete: complete && size <= keepBytes });
        };
        // Streamed with backpressure: a slow client pauses the upstream read, nothing piles up here.
        src.on('data', (chunk: Buffer) => {
          if (size < keepBytes) kept.push(chunk.subarray(0, keepBytes - size));
          size += chunk.length;
          if (!res.write(chunk)) {
            src.pause();
            res.once('drain', () => src.resume());
          }
        });
        src.once('end', () => {
          res.end();
          end(true);
        });
        src.once('error', () => {
          res.destroy();
          end(false);
        });
        res.once('close', () => {
          if (!over) {
            src.destroy();
            end(false);
          }
        });
      }, (e: Error & { code?: string }) => {
        over = true;
        if (abort.signal.aborted) return done({ status: 499, headers: [], upstreamHeaders: [], body: Buffer.alloc(0), complete: false });
        const code = e.code ?? e.name;
        const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
        const reason = `${code}${e.message && !e.message.includes(code) ? `: ${e.message}` : ''}`;
        // An upstream that cannot be reached is WireMock's 500 ("Network failure trying to make a proxied request").
        plainError(res, timedOut ? 504 : 500, timedOut
          ? `Decoy: the upstream ${target.baseUrl} did not answer within ${options.timeoutMs} ms (${reason})`
          : `Network failure trying to make a proxied request from Decoy to ${target.baseUrl}: could not reach the upstream (${reason}${(e as { cause?: Error }).cause ? `: ${(e as { cause?: Error }).cause!.message}` : ''})`, done);
      });
    },
    close: async () => {
      if (client) await (await client).agent.close();
    },
  };
}
