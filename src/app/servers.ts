/**
 * The listening servers of one service (stub port, HTTPS port, admin port): listening with errors that
 * say which port to change, and closing with a grace period for the requests in flight.
 */
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DecoyError } from '../core/errors.js';
import { applyLimits, hasTooManyHeaders, nodeServerOptions, tooManyHeadersText, type ServerLimits } from '../http/limits.js';
import { sendPlainText } from '../http/plain-text.js';

/** What a failed listen is reported as: the port, the interface, and which service (unset for the main one). */
function listenError(e: NodeJS.ErrnoException, port: number, host: string, service: string | undefined): Error {
  if (e.code === 'EADDRINUSE') {
    return new DecoyError('DECOY_ERR_OPTION_INVALID', `port ${port} on ${host}${service === undefined ? '' : ` (service ${service})`} is already in use`, {
      hint: service === undefined ? 'pick another with --port / --https-port / --admin-port, or 0 for any free port'
        : `pick another port for service ${service} (--service ${service}=PORT:DIR, or port / httpsPort in its decoy.service.yaml), or 0 for any free port`,
    });
  }
  if (e.code === 'EADDRNOTAVAIL') return new DecoyError('DECOY_ERR_OPTION_INVALID', `${host} is not an address of this machine`, { hint: 'pass an interface address such as 127.0.0.1 or 0.0.0.0' });
  return e;
}

/** The servers one service listens with, and every socket they opened, so that closing leaves nothing behind. */
export class ServerGroup {
  readonly #servers: Server[] = [];
  readonly #sockets = new Set<Socket>();
  /** Which service the port errors name; undefined for the main one. */
  readonly #service: string | undefined;

  constructor(service: string | undefined) {
    this.#service = service;
  }

  /** Listens on `port` of `host` (0: a free one) and resolves with the port it got. */
  async listen(server: Server, port: number, host: string): Promise<number> {
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, port, host, this.#service)));
      server.listen(port, host, () => resolve());
    });
    this.#servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes every socket left.
   * A server that never listened has nothing to close.
   */
  async close(graceMs: number): Promise<void> {
    await Promise.all(this.#servers.map(async (s) => {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      // Keep-alive sockets with no request in flight are closed now; busy ones after their response.
      s.closeIdleConnections();
      const sweep = setInterval(() => s.closeIdleConnections(), 50);
      const force = setTimeout(() => s.closeAllConnections(), graceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(force);
    }));
    for (const socket of this.#sockets) socket.destroy();
  }
}

/** The separate admin port's server: its own limits, then the admin API. */
export function createAdminServer(limits: ServerLimits, admin: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = http.createServer(nodeServerOptions(limits), (req, res) => {
    if (hasTooManyHeaders(req.rawHeaders, limits)) sendPlainText(res, 431, tooManyHeadersText(limits), ['Connection', 'close']);
    else admin(req, res);
  });
  applyLimits(server, limits);
  return server;
}
