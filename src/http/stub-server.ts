/**
 * The stub-serving HTTP server on Node's own `http` module: the hot path. socket → match → write.
 * `/__admin` is handed to the admin handler and never matched against stubs.
 */
import { closeSync, createReadStream, readSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import https from 'node:https';
import type { MockEngine } from '../core/engine.js';
import { decodeContent } from '../core/content-encoding.js';
import { answerGraphqlBatch } from '../core/graphql/batch.js';
import { redactUrl } from '../core/recording/redaction.js';
import { DecoyRequest } from '../core/request.js';
import { ServeEvent, type ConnectionInfo } from '../core/state/journal.js';
import type { NotMatched } from '../core/engine.js';
import type { WireResponse } from '../core/faults/plan.js';
import type { PreparedResponse, ProxySpec } from '../core/response/static-response.js';
import type { Stub } from '../core/stub.js';
import type { Forwarder } from '../proxy/forward.js';
import type { Recorder } from '../proxy/recorder.js';
import { CorsResponse, type CorsPolicy } from './cors.js';
import { MAX_TIMER_MS } from '../core/faults/delay.js';
import { deliver, writeHead, type DeliveryOptions } from './deliver.js';
import { gzipHeadersForStream, gzipIfAccepted } from './gzip.js';
import { plainText, sendPlainText } from './plain-text.js';
import type { StaticAnswer, StaticResponse } from './static-files.js';
import { applyLimits, DEFAULT_LIMITS, hasTooManyHeaders, nodeServerOptions, tooManyHeadersText, type ServerLimits } from './limits.js';
import type { Socket } from 'node:net';
import type { Logger } from '../observability/logger.js';

export type AdminHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface StubServerOptions {
  engine: MockEngine;
  logger: Logger;
  admin: AdminHandler;
  /** Largest request body read, in bytes; beyond it the answer is 413. */
  maxBodyBytes: number;
  /** HANG and STALL_BODY: how long a socket is held, and the set of held sockets. */
  delivery: DeliveryOptions;
  /** Forwards proxy responses and unmatched requests (with proxyAll). */
  forwarder: Forwarder;
  /** `--proxy-all`: where requests no stub matches go. */
  proxyAll?: ProxySpec;
  /** While it records, requests no stub matches go to its target and are kept. */
  recorder?: Recorder;
  /** Largest body a recording keeps per exchange. */
  maxRecordedBodyBytes?: number;
  /** Serve HTTPS with these TLS settings instead of plain HTTP. */
  tls?: https.ServerOptions;
  /** `--cors`: preflights answered, CORS headers added. */
  cors?: CorsPolicy;
  /** Header size and count, request and idle timeouts. */
  limits?: ServerLimits;
  /** Whether `/__admin` is served here (false when the admin API is bound to its own interface). */
  serveAdmin?: boolean;
  /** The files folder served to GETs no stub matches, as WireMock serves `__files/`. */
  staticFiles?: (rawPath: string) => StaticAnswer | undefined;
}

const EMPTY = Buffer.alloc(0);

export function createStubServer(options: StubServerOptions): http.Server | https.Server {
  const { engine, logger, admin, maxBodyBytes, delivery, forwarder, proxyAll, recorder, cors, staticFiles } = options;
  const recordLimit = options.maxRecordedBodyBytes ?? maxBodyBytes;
  const limits = options.limits ?? DEFAULT_LIMITS;
  const serveAdmin = options.serveAdmin ?? true;

  const journal = engine.journal;

  // Hot path: no URL object, no header copies; the request's views are built only when a matcher asks.
  const serve = (req: IncomingMessage, res: ServerResponse, received: Buffer): void => {
    const loggedAt = Date.now();
    const encoding = received.length === 0 ? undefined : req.headers['content-encoding'];
    const body = encoding === undefined ? received : decodeBody(received, encoding, maxBodyBytes, logger);
    const request = new DecoyRequest(req.method ?? 'GET', req.url ?? '/', () => req.headersDistinct as Record<string, string[]>, body);
    const connection = connectionInfo(req.socket);
    request.connection = connection;
    const stub = engine.match(request);
    let response: WireResponse & Partial<PreparedResponse>;
    let missReport: NotMatched | undefined;
    let file: StaticAnswer | undefined;
    let batch: { response: WireResponse; stubs: Stub[] } | undefined;
    if (stub !== undefined) {
      response = engine.responseFor(stub, request, connection);
    } else if ((batch = answerGraphqlBatch(request, (r) => engine.match(r), (s, r) => engine.responseFor(s, r, connection))) !== undefined) {
      response = batch.response;
    } else if (recorder?.target !== undefined || proxyAll !== undefined) {
      // Recording, or partial mocking: what no stub answers goes upstream, so no near-miss report is needed.
      response = { status: 502, headers: [], body: EMPTY, proxy: recorder?.target ?? proxyAll };
    } else {
      file = staticFiles !== undefined && request.method === 'GET' ? staticFiles(request.path) : undefined;
      if (file !== undefined) {
        response = file.response;
      } else {
        missReport = engine.explainMiss(request);
        response = { status: 404, ...plainText(missReport.report) };
      }
    }
    const plan = engine.plan(request, stub, response);
    if (file?.stream !== undefined) {
      if (plan === undefined) {
        sendFile(req, res, file.response, file.stream, logger);
      } else if (plan.response === response) {
        // Delays and faults work on a body in memory: this one file is read whole for this request.
        response = plan.response = { ...file.response, body: readWhole(file.stream) };
      } else {
        closeSync(file.stream.fd);
      }
    }
    // A fault or an error response from a chaos rule replaces the proxying; a delay comes before it.
    const proxy = response.proxy !== undefined && (plan === undefined || (plan.fault === undefined && plan.response === response)) ? response.proxy : undefined;
    if (plan === undefined && proxy === undefined && file?.stream === undefined) {
      // The journal keeps the response as the stub gave it; the client may get it gzipped, as from WireMock.
      const sent = gzipIfAccepted(req.method, req.rawHeaders, response);
      writeHead(res, sent);
      res.end(sent.body);
    }
    let event: ServeEvent | undefined;
    const listened = engine.hasServedListeners;
    if (journal.enabled || listened) {
      const served = proxy ? undefined : plan === undefined ? response : plan.fault === undefined || plan.fault === 'STALL_BODY' ? plan.response : undefined;
      // A file's body is kept only in part, as a proxied one is.
      const sent = file !== undefined && served === response ? file.journal : served;
      event = new ServeEvent(loggedAt, request.method, request.url, req.rawHeaders, body, connection,
        req.httpVersion, stub ?? batch?.stubs[0], sent, Date.now() - loggedAt, plan?.applied);
      journal.record(event);
    }
    // Hot path ends here for a plain stub: the rest, and its closures, only for delays, faults and proxying.
    if (proxy === undefined && plan === undefined) {
      if (listened) engine.emitServed(event!);
      return;
    }
    const finished = () => {
      if (!event) return;
      event.totalMs = Date.now() - loggedAt;
      if (listened) engine.emitServed(event);
    };
    if (proxy !== undefined) {
      const recording = recorder !== undefined && recorder.status === 'Recording' && (recorder.target === undefined || proxy === recorder.target);
      if (event) event.proxiedTo = proxy.baseUrl;
      // The upstream gets the body as the client sent it (still compressed, matching its Content-Encoding).
      const forward = () => forwarder.forward(req, res, received, proxy, (result) => {
        if (event) event.response = result;
        finished();
        if (!recording) return;
        if (result.complete) {
          recorder!.capture({ method: request.method, url: request.url, requestHeaders: req.rawHeaders, requestBody: body, status: result.status, responseHeaders: result.upstreamHeaders, responseBody: result.body });
        } else if (result.status !== 499) {
          // A log line is often kept on disk too: its URL is masked as a recording would write it.
          logger.warn(`${request.method} ${redactUrl(request.url)}: not recorded (${result.error ?? `its body is larger than the recording limit of ${recordLimit} bytes, or was cut off`})`);
        }
      }, recording ? recordLimit + 1 : undefined);
      if (plan !== undefined && plan.delayMs > 0) {
        const timer = setTimeout(forward, Math.min(plan.delayMs, MAX_TIMER_MS));
        res.once('close', () => clearTimeout(timer));
      } else {
        forward();
      }
    } else if (plan !== undefined) {
      deliver(req, res, plan, delivery, finished);
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
    const h = req.headers;
    if (h['transfer-encoding'] === undefined && (h['content-length'] === undefined || h['content-length'] === '0')) {
      serve(req, res, EMPTY);
      return;
    }
    const declared = Number(h['content-length']);
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

  const onRequest = (req: IncomingMessage, res: ServerResponse) => safely(res, logger, () => handle(req, res));
  const serverOptions = cors === undefined ? nodeServerOptions(limits) : { ...nodeServerOptions(limits), ServerResponse: CorsResponse };
  const server = options.tls === undefined
    ? http.createServer(serverOptions, onRequest)
    : https.createServer({ ...options.tls, ...serverOptions }, onRequest);
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

const connections = new WeakMap<Socket, ConnectionInfo>();

/** The journal's view of a connection, computed once per connection (address lookups are system calls). */
function connectionInfo(socket: Socket): ConnectionInfo {
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
  else pipeline(source, createGzip(), res, done);
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
    logger.error(`request failed: ${(e as Error).stack ?? e}`);
    if (!res.headersSent) sendPlainText(res, 500, `Decoy failed to answer this request: ${(e as Error).message}\n`);
    else res.destroy();
  }
}
