/**
 * The stub-serving HTTP server on Node's own `http` module: the hot path. socket → `engine.serve` →
 * carry out the exchange it returns (write, wait, break the socket, stream a file, or forward) →
 * `engine.complete`. It decides nothing.
 * `/__admin` is handed to the admin handler and never matched against stubs.
 */
import { closeSync, createReadStream, readSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import type https from 'node:https';
import { createRequire } from 'node:module';
import type { Exchange, MockEngine, Outcome } from '../core/engine.js';
import type { ServerSpan, Tracing } from '../observability/tracing.js';
import { decodeContent } from '../core/content-encoding.js';
import { redactUrl } from '../core/recording/redaction.js';
import { rawHeader } from '../core/raw-headers.js';
import { DecoyRequest, type RequestConnection } from '../core/request.js';
import type { Forwarder } from './forward.js';
import { CorsResponse, type CorsPolicy } from './cors.js';
import { MAX_TIMER_MS } from '../core/faults/delay.js';
import { deliver, endWith, writeHead, type DeliveryOptions } from './deliver.js';
import { streamEvents } from './event-stream.js';
import { gzipHeadersForStream, gzipIfAccepted } from './gzip.js';
import { sendPlainText } from './plain-text.js';
import type { StaticAnswer, StaticResponse } from './static-files.js';
import { applyLimits, DEFAULT_LIMITS, hasTooManyHeaders, nodeServerOptions, tooManyHeadersText, type ServerLimits } from './limits.js';
import type { Socket } from 'node:net';
import type { Logger } from '../observability/logger.js';
import { answerNamespaceRefusal, routeNamespace, type NamespaceRouting } from './namespace-route.js';

export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface StubServerOptions {
  engine: MockEngine;
  logger: Logger;
  admin: AdminHandler;
  /** Largest request body read, in bytes; beyond it the answer is 413. */
  maxBodyBytes: number;
  /** HANG and STALL_BODY: how long a socket is held, and the set of held sockets. */
  delivery: DeliveryOptions;
  /** Forwards what the engine says to forward (proxy stubs, proxy-all, recording). */
  forwarder: Forwarder;
  /** Largest body a recording keeps per exchange. */
  maxRecordedBodyBytes?: number;
  /** Serve HTTPS with these TLS settings instead of plain HTTP. */
  tls?: https.ServerOptions;
  /** `--cors`: preflights answered, CORS headers added. */
  cors?: CorsPolicy;
  /** Header size and count, request and idle timeouts. */
  limits?: ServerLimits;
  /** Traces of served requests, when on. */
  tracing?: Tracing;
  /** Whether `/__admin` is served here (false when the admin API is bound to its own interface). */
  serveAdmin?: boolean;
  /** Namespaces: a request that names one is served by its engine. */
  namespaces?: NamespaceRouting;
}

const EMPTY = Buffer.alloc(0);

export function createStubServer(options: StubServerOptions): http.Server | https.Server {
  const { engine, logger, admin, maxBodyBytes, delivery, forwarder, cors, tracing } = options;
  const recordLimit = options.maxRecordedBodyBytes ?? maxBodyBytes;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const serveAdmin = options.serveAdmin ?? true;
  const namespaces = options.namespaces;

  /** The default namespace's requests go straight on; a request that names a namespace is served by its engine. */
  const serve = namespaces === undefined ? (req: IncomingMessage, res: ServerResponse, received: Buffer): void => serveOn(engine, req.url ?? '/', req, res, received)
    : (req: IncomingMessage, res: ServerResponse, received: Buffer): void => {
      const routed = routeNamespace(namespaces, req);
      if (routed === undefined) {
        serveOn(engine, req.url ?? '/', req, res, received);
        return;
      }
      const refused = (e: unknown) => { if (!answerNamespaceRefusal(res, e)) throw e; };
      let scope;
      try {
        scope = namespaces.namespaces.scope(routed.name, routed.where);
      } catch (e) {
        refused(e);
        return;
      }
      // A namespace new to this replica may be opened from a shared store first.
      if (scope instanceof Promise) scope.then((s) => safely(res, logger, () => serveOn(s.engine, routed.url, req, res, received)), (e: unknown) => safely(res, logger, () => refused(e)));
      else serveOn(scope.engine, routed.url, req, res, received);
    };

  // Hot path: no URL object, no header copies; the request's views are built only when a matcher asks.
  const serveOn = (engine: MockEngine, url: string, req: IncomingMessage, res: ServerResponse, received: Buffer): void => {
    const receivedAt = Date.now();
    const encoding = received.length === 0 ? undefined : req.headers['content-encoding'];
    const body = encoding === undefined ? received : decodeBody(received, encoding, maxBodyBytes, logger);
    // Headers are grouped from the raw list if a matcher asks (as Node's headersDistinct would be).
    const request = new DecoyRequest(req.method ?? 'GET', url, undefined, body);
    request.rawHeaders = req.rawHeaders;
    // Node makes a new '1.1' string per request; the journal keeps the version, so the shared literal is kept instead.
    request.httpVersion = req.httpVersion === '1.1' ? '1.1' : req.httpVersion;
    const exchange = engine.serve(request, connectionInfo(req.socket), receivedAt);
    // Only a stub that waits for a shared store answers later.
    if (exchange instanceof Promise) exchange.then((x) => safely(res, logger, () => begin(engine, req, res, received, x, receivedAt)), (e: unknown) => safely(res, logger, () => { throw e; }));
    else begin(engine, req, res, received, exchange, receivedAt);
  };

  const begin = tracing === undefined
    ? (engine: MockEngine, req: IncomingMessage, res: ServerResponse, received: Buffer, x: Exchange): void => carryOut(engine, req, res, received, x, undefined)
    : (engine: MockEngine, req: IncomingMessage, res: ServerResponse, received: Buffer, x: Exchange, receivedAt: number): void => carryOut(engine, req, res, received, x, tracing.serve(req, x, receivedAt));

  /** What ends an exchange that is not sent at once: the engine completes it, and its span ends. */
  const completer = (engine: MockEngine, x: Exchange, span: ServerSpan | undefined) => span === undefined
    ? (o?: Outcome) => engine.complete(x, o)
    : (o?: Outcome) => { engine.complete(x, o); span.end(o); };

  /** Does what the engine decided; decides nothing. */
  const carryOut = (engine: MockEngine, req: IncomingMessage, res: ServerResponse, received: Buffer, x: Exchange, span: ServerSpan | undefined): void => {
    const d = x.delivery;
    switch (d.kind) {
      case 'send': {
        // The journal keeps the response as the stub gave it; the client may get it gzipped, as from WireMock.
        const sent = gzipIfAccepted(req.method, req.rawHeaders, x.response);
        writeHead(res, sent);
        endWith(res, sent.body);
        engine.complete(x);
        span?.end();
        return;
      }
      case 'deliver':
        deliver(req, res, d.plan, delivery, completer(engine, x, span));
        return;
      case 'stream': {
        const complete = completer(engine, x, span);
        if (d.delayMs <= 0) {
          streamEvents(res, x.response, d.stream, delivery, complete);
          return;
        }
        const timer = setTimeout(() => { if (!res.destroyed) streamEvents(res, x.response, d.stream, delivery, complete); }, Math.min(d.delayMs, MAX_TIMER_MS));
        res.once('close', () => { if (!res.headersSent) { clearTimeout(timer); complete(); } });
        return;
      }
      case 'file': {
        const complete = completer(engine, x, span);
        const file = d.file as StaticAnswer;
        const stream = file.stream!;
        if (d.plan === undefined) {
          sendFile(req, res, file.response, stream, logger);
          complete();
          return;
        }
        // Delays and faults work on a body in memory: this one file is read whole for this request.
        if (d.plan.response === file.response) d.plan.response = { ...file.response, body: readWhole(stream) };
        else closeSync(stream.fd);
        deliver(req, res, d.plan, delivery, complete);
        return;
      }
      case 'forward': {
        const complete = completer(engine, x, span);
        // The upstream gets the body as the client sent it (still compressed, matching its Content-Encoding).
        const forward = () => forwarder.forward(req, res, received, d.proxy, (result) => {
          complete({ kind: 'forwarded', result });
          if (d.record && !result.complete && result.status !== 499) {
            // A log line is often kept on disk too: its URL is masked as a recording would write it.
            logger.warn(`${x.request.method} ${redactUrl(x.request.url)}: not recorded (${result.error ?? `its body is larger than the recording limit of ${recordLimit} bytes, or was cut off`})`);
          }
        }, d.record ? recordLimit + 1 : undefined, span?.forwarding(d.proxy.baseUrl));
        if (d.delayMs > 0) {
          const timer = setTimeout(forward, Math.min(d.delayMs, MAX_TIMER_MS));
          res.once('close', () => clearTimeout(timer));
        } else {
          forward();
        }
        return;
      }
      default:
        throw unknownDelivery(d);
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    if (hasTooManyHeaders(req.rawHeaders, limits)) {
      sendPlainText(res, 431, tooManyHeadersText(limits), ['Connection', 'close']);
      return;
    }
    if (url.startsWith('/__admin') && (url.length === 8 || url[8] === '/' || url[8] === '?')) {
      if (serveAdmin) admin(req, res);
      // Container probes call the stub port: liveness stays answerable there, and tells nothing else.
      else if (req.method === 'GET' && (url === '/__admin/health' || url.startsWith('/__admin/health?'))) sendLiveness(res);
      else sendPlainText(res, 404, 'The admin API is not served on this port (it is bound to --admin-host)\n');
      return;
    }
    // CORS is for stub traffic only: the admin API stays same-origin.
    if (cors !== undefined && cors.handle(req, res)) return;
    // Read from the raw list: req.headers is built on first use, and a request without a body never needs it.
    const length = bodyLength(req.rawHeaders);
    if (length === undefined) {
      serve(req, res, EMPTY);
      return;
    }
    const declared = Number(length);
    if (declared > maxBodyBytes) {
      tooLarge(res, maxBodyBytes);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (chunk: Buffer) => {
      if (aborted) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        aborted = true;
        tooLarge(res, maxBodyBytes);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!aborted) safely(res, logger, () => serve(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    });
    req.on('error', () => { /* the client went away mid-body: nothing to answer */ });
  };

  // Not safely(): a closure per request for the one call that is always made.
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    try {
      handle(req, res);
    } catch (e) {
      failed(res, logger, e);
    }
  };
  const serverOptions = cors === undefined ? nodeServerOptions(limits) : { ...nodeServerOptions(limits), ServerResponse: CorsResponse };
  const server = options.tls === undefined
    ? http.createServer(serverOptions, onRequest)
    // node:https (and the TLS stack under it) loads only for an HTTPS port: some 5-10 ms of every start otherwise.
    : (createRequire(import.meta.url)('node:https') as typeof https).createServer({ ...options.tls, ...serverOptions }, onRequest);
  applyLimits(server, limits);
  return server;
}

/**
 * Request bodies sent compressed are matched decompressed, as WireMock does. The output is capped at the
 * body limit; a body that does not decompress is matched as sent.
 */
function decodeBody(body: Buffer, encoding: string, limit: number, logger: Logger): Buffer {
  try {
    return decodeContent(body, encoding, limit) ?? body;
  } catch (e) {
    logger.debug(`request body with Content-Encoding ${encoding} did not decompress (${(e as Error).message}); matched as sent`);
    return body;
  }
}

/** A delivery kind this transport does not know: a new kind must be carried out here before the engine decides it. */
function unknownDelivery(d: never): Error {
  return new Error(`unknown delivery ${JSON.stringify(d)}`);
}

const connections = new WeakMap<Socket, RequestConnection>();

/** The request's connection, computed once per connection (address lookups are system calls). */
function connectionInfo(socket: Socket): RequestConnection {
  let info = connections.get(socket);
  if (info === undefined) {
    info = {
      clientIp: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      localAddress: socket.localAddress ?? '127.0.0.1',
      localPort: socket.localPort ?? 0,
      scheme: 'encrypted' in socket ? 'https' : 'http',
    };
    connections.set(socket, info);
  }
  return info;
}

/**
 * A file too large to hold, sent from its open descriptor: gzipped (chunked, compressed off the event
 * loop) when WireMock would gzip it, else with its Content-Length. A file cut short while it is sent
 * ends the connection, so the client sees the body is incomplete.
 */
function sendFile(req: IncomingMessage, res: ServerResponse, response: StaticResponse, file: { fd: number; size: number }, logger: Logger): void {
  const gzipHeaders = gzipHeadersForStream(req.method, req.rawHeaders, response);
  writeHead(res, response, gzipHeaders ?? response.headers);
  if (file.size === 0) {
    closeSync(file.fd);
    res.end();
    return;
  }
  const source = createReadStream('', { fd: file.fd, start: 0, end: file.size - 1 });
  let sent = 0;
  source.on('data', (chunk) => { sent += chunk.length; });
  const done = (e?: NodeJS.ErrnoException | null) => {
    if (e && e.code !== 'ERR_STREAM_PREMATURE_CLOSE') logger.warn(`${req.method} ${req.url}: file not sent whole (${e.message})`);
    if (!e && sent < file.size) res.destroy();
  };
  if (gzipHeaders === undefined) pipeline(source, res, done);
  else pipeline(source, process.getBuiltinModule('node:zlib').createGzip(), res, done);
}

/** A streamed file's whole content, for the rare request whose delivery a delay or fault shapes. */
function readWhole(file: { fd: number; size: number }): Buffer {
  try {
    const body = Buffer.allocUnsafe(file.size);
    let at = 0;
    for (let n = 1; at < body.length && n > 0; at += n) n = readSync(file.fd, body, at, body.length - at, at);
    return body.subarray(0, at);
  } finally {
    closeSync(file.fd);
  }
}

const LIVENESS = Buffer.from('{"status":"healthy","message":"Decoy is ok"}');

function sendLiveness(res: ServerResponse): void {
  res.writeHead(200, ['Content-Type', 'application/json', 'Content-Length', String(LIVENESS.length)]).end(LIVENESS);
}

function tooLarge(res: ServerResponse, limit: number): void {
  sendPlainText(res, 413, `Request body larger than the limit of ${limit} bytes\n`, ['Connection', 'close']);
}

/** One failing request must never take the server down: answer 500 and log it. */
function safely(res: ServerResponse, logger: Logger, fn: () => void): void {
  try {
    fn();
  } catch (e) {
    failed(res, logger, e);
  }
}

function failed(res: ServerResponse, logger: Logger, e: unknown): void {
  logger.error(`request failed: ${(e as Error).stack ?? e}`);
  if (!res.headersSent) sendPlainText(res, 500, `Decoy failed to answer this request: ${(e as Error).message}\n`);
  else res.destroy();
}

/**
 * The request's Content-Length as sent ('' for a body sent chunked), or undefined when it has no body:
 * no Transfer-Encoding, and no Content-Length or one of 0. Node keeps the first of several Content-Lengths.
 */
function bodyLength(rawHeaders: readonly string[]): string | undefined {
  const length = rawHeader(rawHeaders, 'content-length');
  if (rawHeader(rawHeaders, 'transfer-encoding') !== undefined) return length ?? '';
  return length === undefined || length === '0' ? undefined : length;
}
