/**
 * Delivery of a fault plan: how a delay, a fault, a dribbled or throttled body reach the client.
 * Waiting is a timer, never a blocked event loop; a hung socket is a socket in a set with one timer,
 * released when the client leaves or after --max-hang, whichever comes first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { MAX_TIMER_MS } from '../core/faults/delay.js';
import type { FaultName } from '../core/faults/fault.js';
import type { DeliveryPlan } from '../core/faults/plan.js';
import type { WireResponse } from '../core/response/wire-response.js';
import { gzipIfAccepted } from './gzip.js';

/** What WireMock 3 writes for its RANDOM_DATA_THEN_CLOSE and MALFORMED_RESPONSE_CHUNK faults, byte for byte. */
const GARBAGE = Buffer.from("lskdu018973t09sylgasjkfg1][]'./.sdlv", 'latin1');

/**
 * The head WireMock (Jetty) writes before MALFORMED_RESPONSE_CHUNK's garbage. It announces chunks only
 * on a connection that stays open; where the connection closes after the response, Jetty delimits the
 * body by the close, so the client reads the garbage as a whole 200 body.
 */
function malformedChunkHead(req: IncomingMessage): string {
  const connection = (req.headers.connection ?? '').toLowerCase();
  if (req.httpVersion === '1.0') return connection.includes('keep-alive') ? 'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n' : 'HTTP/1.1 200 OK\r\n\r\n';
  if (connection.includes('close')) return 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n';
  return 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
}

export interface DeliveryOptions {
  /** Longest a HANG or STALL_BODY socket is held, in ms. */
  maxHangMs: number;
  /** Sockets currently held by HANG or STALL_BODY. */
  hung: Set<Socket>;
  /**
   * Most sockets held at once. Beyond it, a HANG or STALL_BODY closes the connection at once instead
   * of holding it: the client still sees a failure (a closed connection), and a flood of hung requests
   * cannot exhaust the process's file descriptors. Default: no cap.
   */
  maxHungSockets?: number;
  /** Called when a socket is closed at once because the cap was reached. */
  onHungLimit?: () => void;
}

interface Injection {
  req: IncomingMessage;
  res: ServerResponse;
  socket: Socket;
  response: WireResponse;
  options: DeliveryOptions;
}

/** How a fault reaches the client; `held` when the socket is kept open (and finishes when it closes). */
type Injector = (i: Injection) => 'done' | 'held';

/** One injector per fault name: the compiler refuses a fault the core names and the transport cannot inject. */
const INJECTORS: { readonly [F in FaultName]: Injector } = {
  CONNECTION_RESET_BY_PEER: ({ socket }) => {
    reset(socket);
    return 'done';
  },
  EMPTY_RESPONSE: ({ socket }) => {
    socket.destroy();
    return 'done';
  },
  MALFORMED_RESPONSE_CHUNK: ({ req, socket }) => {
    // WireMock's bytes: a 200 status line (whatever the stub's status), then its garbage, then FIN.
    socket.end(Buffer.concat([Buffer.from(malformedChunkHead(req), 'latin1'), GARBAGE]));
    return 'done';
  },
  RANDOM_DATA_THEN_CLOSE: ({ socket }) => {
    // WireMock's "random data" is a fixed string with no status line before it, then FIN.
    socket.end(GARBAGE);
    return 'done';
  },
  HANG: ({ socket, options }) => {
    hold(socket, options);
    return 'held';
  },
  STALL_BODY: ({ res, socket, response, options }) => {
    writeHead(res, response);
    res.write(response.body.subarray(0, Math.floor(response.body.length / 2)));
    hold(socket, options);
    return 'held';
  },
};

/** Calls `done` once the response has been sent (or the connection ended by the fault or the client). */
export function deliver(req: IncomingMessage, res: ServerResponse, plan: DeliveryPlan, options: DeliveryOptions, done: () => void): void {
  const socket = req.socket;
  let timer: NodeJS.Timeout | undefined;
  let over = false;
  const finish = () => {
    if (over) return;
    over = true;
    if (timer) clearTimeout(timer);
    done();
  };
  // The client went away: stop whatever is pending.
  res.once('close', finish);

  const go = () => {
    timer = undefined;
    if (over || socket.destroyed) return finish();
    const r = plan.response;
    if (plan.fault !== undefined) {
      // A held socket finishes when it closes (the client leaves, or the hang limit passes).
      if (INJECTORS[plan.fault]({ req, res, socket, response: r, options }) === 'done') finish();
      return;
    }
    if (plan.dribble && r.body.length > 0) return dribble(res, r, plan.dribble, (t) => (timer = t), finish);
    if (plan.bytesPerSecond && r.body.length > 0) return throttle(res, r, plan.bytesPerSecond, (t) => (timer = t), finish);
    const sent = gzipIfAccepted(req.method, req.rawHeaders, r);
    writeHead(res, sent);
    endWith(res, sent.body);
    finish();
  };
  if (plan.delayMs > 0) timer = setTimeout(go, Math.min(plan.delayMs, MAX_TIMER_MS));
  else go();
}

/**
 * Bodies up to this size are handed to Node as a latin1 string (the same bytes): Node then puts the head and
 * the body in one string and one write, where a Buffer body is a second chunk and the socket writes a
 * vector of two. Beyond it, copying the body into that string would cost more than the vector.
 */
const ONE_WRITE_MAX_BYTES = 1024;

/** Ends the response with `body`, as one write with its head when the body is small. */
export function endWith(res: ServerResponse, body: Buffer): void {
  if (body.length === 0 || body.length > ONE_WRITE_MAX_BYTES) res.end(body);
  else res.end(body.toString('latin1'), 'latin1');
}

/** Status, reason phrase (when the stub gives one) and the flat header list. */
export function writeHead(res: ServerResponse, r: WireResponse, headers: readonly string[] = r.headers): void {
  if (r.statusMessage === undefined) res.writeHead(r.status, headers as string[]);
  else res.writeHead(r.status, r.statusMessage, headers as string[]);
}

/**
 * RST instead of FIN: the client reads ECONNRESET. Only a TCP handle can be reset: an HTTPS request's
 * socket is a TLS socket whose TCP socket is its parent (resetAndDestroy on the TLS socket throws
 * ERR_INVALID_HANDLE_TYPE). Whatever cannot be reset is closed, so the fault still ends the connection.
 */
function reset(socket: Socket): void {
  const tcp = (socket as Socket & { _parent?: Socket | null })._parent ?? socket;
  try {
    tcp.resetAndDestroy();
  } catch {
    socket.destroy();
  }
  if (tcp !== socket) socket.destroy();
}

/** Holds a socket open without answering, until the client leaves, the hang limit passes or Decoy stops. */
export function hold(socket: Socket, options: DeliveryOptions): void {
  if (options.maxHungSockets !== undefined && options.hung.size >= options.maxHungSockets) {
    options.onHungLimit?.();
    socket.destroy();
    return;
  }
  options.hung.add(socket);
  const release = setTimeout(() => socket.destroy(), options.maxHangMs);
  socket.once('close', () => {
    clearTimeout(release);
    options.hung.delete(socket);
  });
}

/** WireMock's chunkedDribbleDelay: the body in `chunks` pieces, one every totalMs / chunks. */
function dribble(res: ServerResponse, r: WireResponse, d: { chunks: number; totalMs: number }, setTimer: (t: NodeJS.Timeout) => void, finish: () => void): void {
  // Without a Content-Length, Node sends the body chunked, each write one chunk.
  writeHead(res, r, withoutContentLength(r.headers));
  const n = Math.min(d.chunks, r.body.length);
  const size = Math.ceil(r.body.length / n);
  const interval = d.totalMs / n;
  let i = 0;
  const next = () => {
    if (res.destroyed) return finish();
    res.write(r.body.subarray(i * size, (i + 1) * size));
    i++;
    if (i < n) setTimer(setTimeout(next, interval));
    else setTimer(setTimeout(() => { res.end(); finish(); }, interval));
  };
  next();
}

/** Decoy's bytesPerSecond: the body in slices every 100 ms, at most that many bytes a second. */
function throttle(res: ServerResponse, r: WireResponse, bytesPerSecond: number, setTimer: (t: NodeJS.Timeout) => void, finish: () => void): void {
  writeHead(res, r);
  const slice = Math.max(1, Math.floor(bytesPerSecond / 10));
  let offset = 0;
  const next = () => {
    if (res.destroyed) return finish();
    res.write(r.body.subarray(offset, offset + slice));
    offset += slice;
    if (offset < r.body.length) setTimer(setTimeout(next, 100));
    else { res.end(); finish(); }
  };
  next();
}

function withoutContentLength(headers: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'content-length') out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}
