/**
 * Test helpers that look at a response the way a client on the wire sees it: raw TCP bytes, node:http,
 * undici and curl, each with what it received, when, and how the connection ended. Every socket, agent
 * and child process they open is registered with a `WireClients`, whose `close()` ends them all (call
 * it in `afterEach`).
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { Agent, request } from 'undici';

/** What a raw TCP client saw after sending one request. */
export interface RawExchange {
  /** Every byte received, in order. */
  bytes: Buffer;
  /** How the exchange ended: the server closed (`end`), reset (`reset`), failed otherwise (`error`), or we gave up (`timeout`). */
  ending: 'end' | 'reset' | 'error' | 'timeout';
  /** The socket error's code, for `reset` and `error`. */
  errorCode?: string;
  /** Milliseconds from the request being written to the first byte received; absent when none came. */
  firstByteMs?: number;
  /** Milliseconds from the request being written to the end of the exchange. */
  elapsedMs: number;
}

/** What node:http saw for one request on a fresh connection. */
export interface HttpExchange {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  /** The body bytes received (complete or not). */
  body: Buffer;
  /** Whether the body ended normally. */
  complete: boolean;
  /** The error of the request (before a response) or of the response (while reading the body). */
  error?: { code?: string; message: string };
  /** Milliseconds to the response headers; absent when none came. */
  headersMs?: number;
  /** The `data` events of the body: when each arrived and its size. */
  chunks: Array<{ atMs: number; size: number }>;
  elapsedMs: number;
}

/** What curl printed and returned. */
export interface CurlResult {
  /** curl's exit code (0 on success; 52 for an empty reply, 56 for a receive failure, ...). */
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Opens clients of every kind and closes them all at once. */
export class WireClients {
  readonly #sockets = new Set<net.Socket>();
  readonly #requests = new Set<http.ClientRequest>();
  #agent: Agent | undefined;
  readonly #children = new Set<ReturnType<typeof execFile>>();

  /** An undici Agent of this test (a fresh pool, so a faulted connection never leaks into another test). */
  get agent(): Agent {
    this.#agent ??= new Agent({ keepAliveTimeout: 1_000 });
    return this.#agent;
  }

  /**
   * Connects to `port`, writes `text`, and collects what comes back until the server closes the
   * connection or `waitMs` passes (then the client closes it: `ending: 'timeout'`).
   */
  raw(port: number, text: string, waitMs: number): Promise<RawExchange> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let start = 0;
      let firstByteMs: number | undefined;
      let settled = false;
      const socket = net.connect(port, '127.0.0.1', () => {
        start = performance.now();
        socket.write(text);
      });
      this.#sockets.add(socket);
      const finish = (ending: RawExchange['ending'], errorCode?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const result: RawExchange = { bytes: Buffer.concat(chunks), ending, elapsedMs: performance.now() - start };
        if (firstByteMs !== undefined) result.firstByteMs = firstByteMs;
        if (errorCode !== undefined) result.errorCode = errorCode;
        socket.destroy();
        resolve(result);
      };
      const timer = setTimeout(() => finish('timeout'), waitMs);
      socket.on('data', (c: Buffer) => {
        firstByteMs ??= performance.now() - start;
        chunks.push(c);
      });
      socket.on('end', () => finish('end'));
      socket.on('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNRESET' ? 'reset' : 'error', e.code));
      socket.on('close', () => finish('end'));
    });
  }

  /** A plain `GET path` over a raw socket (HTTP/1.1, connection closed by the client afterwards). */
  rawGet(port: number, path: string, waitMs: number): Promise<RawExchange> {
    return this.raw(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`, waitMs);
  }

  /**
   * `GET path` with node:http on a fresh connection (no agent). Gives up after `waitMs`: whatever
   * arrived by then is returned, with `complete: false`.
   */
  httpGet(port: number, path: string, waitMs = 3_000, method = 'GET'): Promise<HttpExchange> {
    return new Promise((resolve) => {
      const start = performance.now();
      const out: HttpExchange = { body: Buffer.alloc(0), complete: false, chunks: [], elapsedMs: 0 };
      const parts: Buffer[] = [];
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        out.body = Buffer.concat(parts);
        out.elapsedMs = performance.now() - start;
        req.destroy();
        resolve(out);
      };
      const timer = setTimeout(finish, waitMs);
      const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
        out.status = res.statusCode;
        out.headers = res.headers;
        out.headersMs = performance.now() - start;
        res.on('data', (c: Buffer) => {
          parts.push(c);
          out.chunks.push({ atMs: performance.now() - start, size: c.length });
        });
        res.on('end', () => {
          out.complete = true;
          finish();
        });
        res.on('error', (e: NodeJS.ErrnoException) => {
          out.error ??= { ...(e.code ? { code: e.code } : {}), message: e.message };
          finish();
        });
        res.on('close', () => setImmediate(finish));
      });
      this.#requests.add(req);
      req.on('error', (e: NodeJS.ErrnoException) => {
        out.error ??= { ...(e.code ? { code: e.code } : {}), message: e.message };
        finish();
      });
      req.end();
    });
  }

  /** `GET url` with undici's `request` on this test's agent: the status and the body as text, or the error. */
  async undiciGet(url: string, options: { signal?: AbortSignal; bodyTimeout?: number } = {}): Promise<{ status?: number; headers?: Record<string, string | string[] | undefined>; text?: string; received: number; error?: Error & { code?: string }; elapsedMs: number; headersMs?: number }> {
    const start = performance.now();
    let status: number | undefined;
    let headers: Record<string, string | string[] | undefined> | undefined;
    let headersMs: number | undefined;
    let received = 0;
    const parts: Buffer[] = [];
    try {
      const res = await request(url, { dispatcher: this.agent, ...(options.signal ? { signal: options.signal } : {}), ...(options.bodyTimeout !== undefined ? { bodyTimeout: options.bodyTimeout } : {}) });
      status = res.statusCode;
      headers = res.headers;
      headersMs = performance.now() - start;
      for await (const c of res.body) {
        received += (c as Buffer).length;
        parts.push(c as Buffer);
      }
      return { status, headers, headersMs, text: Buffer.concat(parts).toString('utf8'), received, elapsedMs: performance.now() - start };
    } catch (e) {
      return {
        ...(status !== undefined ? { status } : {}), ...(headers ? { headers } : {}), ...(headersMs !== undefined ? { headersMs } : {}),
        received, error: e as Error & { code?: string }, elapsedMs: performance.now() - start,
      };
    }
  }

  /** Runs curl with `args` (killed after `timeoutMs`). */
  /** One request with undici's `request` (redirects not followed, bodies not decompressed): status, headers, body bytes. */
  async send(url: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {}) {
    const start = performance.now();
    const res = await request(url, {
      dispatcher: this.agent,
      method: (init.method ?? 'GET') as 'GET',
      ...(init.headers ? { headers: init.headers } : {}),
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, headers: res.headers, body, text: body.toString('utf8'), elapsedMs: performance.now() - start };
  }

  curl(args: string[], timeoutMs = 4_000): Promise<CurlResult> {
    return new Promise((resolve) => {
      const child = execFile('curl', args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
        this.#children.delete(child);
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        resolve({ exitCode: code, stdout, stderr });
      });
      this.#children.add(child);
    });
  }

  /** Closes every socket, request, agent and child process this object opened. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    for (const r of this.#requests) r.destroy();
    this.#requests.clear();
    for (const c of this.#children) c.kill();
    this.#children.clear();
    const agent = this.#agent;
    this.#agent = undefined;
    if (agent) await agent.destroy();
  }
}

/** Milliseconds that `fn` took, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** Admin calls as JSON over fetch: the status and the parsed body (undefined when empty or not JSON). */
export async function admin(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string; contentType: string }> {
  const res = await fetch(`${baseUrl}/__admin${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, contentType: res.headers.get('content-type') ?? '' };
}

/**
 * The bounds within which the count of a binomial(n, p) falls with overwhelming probability
 * (`sigmas` standard deviations either side of the mean).
 */
export function binomialBounds(n: number, p: number, sigmas = 5): [number, number] {
  const mean = n * p;
  const sd = Math.sqrt(n * p * (1 - p));
  return [Math.max(0, mean - sigmas * sd), mean + sigmas * sd];
}

/**
 * What one request to `path` turned into, as a short label for comparing sequences: `status 200`,
 * `status 503`, `reset`, `empty`, `parse error`, ... Uses a fresh connection each time.
 */
export async function outcomeOf(clients: WireClients, port: number, path: string): Promise<string> {
  const r = await clients.httpGet(port, path, 3_000);
  if (r.error) {
    if (r.status !== undefined) return `status ${r.status} then ${r.error.code ?? r.error.message}`;
    if (r.error.message === 'socket hang up') return 'empty';
    if (r.error.code === 'ECONNRESET') return 'reset';
    if (r.error.code?.startsWith('HPE_')) return 'parse error';
    return `error ${r.error.code ?? r.error.message}`;
  }
  if (r.status === undefined) return 'no answer';
  return `status ${r.status}`;
}
