/**
 * What a client may cost the server: header size and count, how long a request may take to arrive,
 * how long an idle keep-alive connection is kept. Node enforces most of them itself; this module sets
 * them on a server, and answers what Node reports as a client error with a status that says which
 * limit was hit (431, 408, 400) instead of a bare close.
 */
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';

export interface ServerLimits {
  /** Largest request line plus headers, in bytes (431 beyond). */
  maxHeaderBytes: number;
  /** Most header lines in one request (431 beyond). */
  maxHeadersCount: number;
  /** Longest a request's line, headers and body may take to arrive, in ms (408, then close). 0: no limit. */
  requestTimeoutMs: number;
  /** How long a keep-alive connection with no request in flight is kept, in ms. */
  idleTimeoutMs: number;
}

/** The other limits a Decoy applies, with the server's: one place for the CLI's and createDecoy's defaults. */
export interface DecoyLimits extends ServerLimits {
  /** Largest request body accepted, in bytes (413 beyond). */
  maxBodyBytes: number;
  /** requestTimeoutMs on the separate admin port. */
  adminRequestTimeoutMs: number;
  /** Longest a HANG or STALL_BODY socket is held, in ms. */
  maxHangMs: number;
  /** Most sockets held by HANG and STALL_BODY at once. */
  maxHungSockets: number;
  /** Longest wait for an upstream's answer when proxying, in ms. */
  proxyTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<DecoyLimits> = {
  maxHeaderBytes: 16 * 1024,
  maxHeadersCount: 2000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 5_000,
  maxBodyBytes: 50 * 1024 * 1024,
  adminRequestTimeoutMs: 30_000,
  maxHangMs: 10 * 60_000,
  maxHungSockets: 10_000,
  proxyTimeoutMs: 30_000,
};

/**
 * Node options for `http.createServer`: the header size limit is a parser setting, and the request
 * timeout is only checked every `connectionsCheckingInterval` (30 s by default, far coarser than a
 * short timeout), so the check runs at a quarter of the timeout, at most once a second.
 */
export function nodeServerOptions(limits: ServerLimits): { maxHeaderSize: number; keepAliveTimeout: number; requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number } {
  const timeout = limits.requestTimeoutMs;
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    keepAliveTimeout: limits.idleTimeoutMs,
    requestTimeout: timeout,
    // The headers must arrive within the same bound (Node needs headersTimeout <= requestTimeout).
    headersTimeout: timeout,
    connectionsCheckingInterval: timeout === 0 ? 30_000 : Math.min(1000, Math.max(25, Math.floor(timeout / 4))),
  };
}

/**
 * Applies the limits that are server properties, and answers client errors: a header block over the
 * size limit gets 431, a request that did not arrive in time 408, anything else unparseable 400, each
 * with a line saying why, then the connection is closed.
 */
export function applyLimits(server: Server | HttpsServer, limits: ServerLimits): void {
  // One more than the limit is parsed, so a request over it can be told apart and refused (Node would drop the extra lines silently).
  server.maxHeadersCount = limits.maxHeadersCount + 1;
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable) { socket.destroy(); return; }
    let status = '400 Bad Request';
    let msg = `Bad request: ${err.code ?? 'HPE_INVALID'}: ${err.message}\n`;
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = '431 Request Header Fields Too Large';
      // Node 24's parser reports too many header lines as an overflow too, so the answer names both limits.
      msg = `Request headers over the limit: at most ${limits.maxHeaderBytes} bytes and ${limits.maxHeadersCount} header lines\n`;
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = '408 Request Timeout';
      msg = `The request did not arrive within ${limits.requestTimeoutMs} ms\n`;
    }
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(msg)}\r\nConnection: close\r\n\r\n${msg}`);
  });
}

/** Whether a request has more header lines than the limit (it was parsed with one to spare). */
export function hasTooManyHeaders(rawHeaders: readonly string[], limits: ServerLimits): boolean {
  return rawHeaders.length > 2 * limits.maxHeadersCount;
}

export function tooManyHeadersText(limits: ServerLimits): string {
  return `Request has more than the limit of ${limits.maxHeadersCount} header lines\n`;
}
