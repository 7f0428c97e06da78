/**
 * Test helpers for proxying: a real upstream (node:http or node:https on port 0) that records every
 * request it receives (method, path, headers as received, body bytes) and answers with a handler the
 * test chooses; a port nobody listens on; and a self-signed certificate for an HTTPS upstream.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** One request as the upstream received it. */
export interface UpstreamRequest {
  method: string;
  /** Path and query as received on the request line. */
  url: string;
  /** Lower-cased names (node's `req.headers`). */
  headers: http.IncomingHttpHeaders;
  /** `[name, value, ...]` as received. */
  rawHeaders: string[];
  body: Buffer;
  /** `performance.now()` when the request's headers arrived. */
  at: number;
}

/** Answers one request; `body` is the whole request body, already read. */
export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void | Promise<void>;

export interface Upstream {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order (recorded as soon as its body has been read). */
  readonly requests: UpstreamRequest[];
  /** How many requests have started arriving (counted at the headers, before the body is read). */
  readonly started: () => number;
  /** TLS handshake failures (HTTPS only): a client that refused our certificate shows up here. */
  readonly tlsErrors: Error[];
  /** Replaces the handler. */
  handle(handler: UpstreamHandler): void;
  /** Closes the server and every connection to it. */
  close(): Promise<void>;
}

/** Echoes what it received as JSON: `{ method, url, headers, bodyBase64 }`. */
export const echoHandler: UpstreamHandler = (req, res, body) => {
  const json = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, bodyBase64: body.toString('base64') });
  res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' });
  res.end(json);
};

/** Starts an upstream on 127.0.0.1, port 0. With `tls`, it is HTTPS with that key and certificate. */
export async function startUpstream(handler: UpstreamHandler = echoHandler, tls?: { key: string; cert: string }): Promise<Upstream> {
  const requests: UpstreamRequest[] = [];
  const tlsErrors: Error[] = [];
  let started = 0;
  let current = handler;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    started++;
    const at = performance.now();
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = Buffer.concat(parts);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body, at });
      Promise.resolve(current(req, res, body)).catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`upstream handler failed: ${String(e)}`);
      });
    });
  };
  const server: http.Server | https.Server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, listener) : http.createServer(listener);
  if (tls) server.on('tlsClientError', (e: Error) => tlsErrors.push(e));
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    started: () => started,
    tlsErrors,
    handle(h) {
      current = h;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 that was free a moment ago and has nothing listening on it (connections are refused). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A self-signed certificate for `localhost` / 127.0.0.1: from the `selfsigned` package when it is
 * installed, otherwise from `openssl req -x509` in a temp folder (removed afterwards).
 */
export async function selfSignedCert(): Promise<{ key: string; cert: string }> {
  const moduleName = 'selfsigned';
  try {
    type Generate = (attrs: unknown, opts: unknown) => unknown;
    const mod = (await import(moduleName)) as { default?: { generate?: Generate }; generate?: Generate };
    const generate = mod.generate ?? mod.default?.generate;
    if (generate) {
      const pems = (await generate([{ name: 'commonName', value: 'localhost' }], { days: 1, keySize: 2048 })) as { private: string; cert: string };
      return { key: pems.private, cert: pems.cert };
    }
  } catch {
    // not installed: openssl below
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'decoy-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
      '-keyout', keyFile, '-out', certFile], { stdio: 'ignore', timeout: 10_000 });
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
