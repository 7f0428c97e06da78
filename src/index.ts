/**
 * Decoy's programmatic API: `createDecoy(options)` → `start()` / `url` / `stop()`.
 *
 * ```ts
 * import { createDecoy } from 'decoy';
 * const decoy = createDecoy({ stubsDir: 'test/stubs', port: 0 });
 * await decoy.start();
 * await fetch(`${decoy.url}/users/1`);
 * await decoy.stop();
 * ```
 */
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createAdminHandler } from './admin/admin-handler.js';
import { MockEngine } from './core/engine.js';
import { DecoyError } from './core/errors.js';
import { createStubServer } from './http/stub-server.js';
import { silentLogger, type Logger } from './observability/logger.js';
import { StubFolder, type LoadReport } from './sources/stub-folder.js';

export { DecoyError } from './core/errors.js';
export type { StubDefinition, RequestPatternDefinition, ResponseDefinition } from './core/stub-definition.js';
export type { Logger } from './observability/logger.js';
export { createLogger } from './observability/logger.js';

export interface DecoyOptions {
  /** Folder of stub files (Decoy YAML/JSON, or a WireMock root). Without it, Decoy starts with no stubs. */
  stubsDir?: string;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface to bind. Default `0.0.0.0`. */
  host?: string;
  /** Reload stub files when they change. Default true. */
  watch?: boolean;
  /** Log one line per request. Default false. */
  verbose?: boolean;
  /** Largest request body accepted, in bytes (413 beyond). Default 50 MiB. */
  maxBodyBytes?: number;
  /** Where logs go. Default: nothing (the CLI passes a real logger). */
  logger?: Logger;
  /** How long `stop()` lets in-flight requests finish before closing their sockets, in ms. Default 10 s. */
  shutdownGraceMs?: number;
}

export interface Decoy {
  /** Loads the stubs and starts listening. Resolves once requests are served. */
  start(): Promise<void>;
  /** Stops listening, lets in-flight requests finish, closes the watcher. */
  stop(): Promise<void>;
  /** `http://host:port`, once started. */
  readonly url: string;
  readonly port: number;
  /** What the initial load found (files, stubs, problems). */
  readonly loadReport: LoadReport | undefined;
  readonly engine: MockEngine;
  /** Resolves once pending file changes have been applied (useful in tests). */
  settled(): Promise<void>;
}

export function createDecoy(options: DecoyOptions = {}): Decoy {
  const logger = options.logger ?? silentLogger();
  const engine = new MockEngine();
  const host = options.host ?? '0.0.0.0';
  const graceMs = options.shutdownGraceMs ?? 10_000;
  let folder: StubFolder | undefined;
  let server: Server | undefined;
  let port = 0;
  let loadReport: LoadReport | undefined;
  let stopping: Promise<void> | undefined;
  const sockets = new Set<Socket>();

  return {
    engine,
    get url() {
      if (!server) throw new Error('Decoy is not started');
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      return `http://${shown}:${port}`;
    },
    get port() { return port; },
    get loadReport() { return loadReport; },
    settled: () => folder?.settled() ?? Promise.resolve(),

    async start() {
      if (server) throw new Error('Decoy is already started');
      const startedAt = Date.now();
      if (options.stubsDir !== undefined) {
        folder = new StubFolder({ dir: options.stubsDir, logger, nextSequence: engine.nextSequence, onChange: (stubs) => engine.setFileStubs(stubs) });
        loadReport = await folder.load();
      }
      const s = createStubServer({
        engine, logger, verbose: options.verbose ?? false,
        admin: createAdminHandler(engine, startedAt),
        maxBodyBytes: options.maxBodyBytes ?? 50 * 1024 * 1024,
      });
      s.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE'
          ? new DecoyError('DECOY_ERR_OPTION_INVALID', `port ${options.port ?? 8080} on ${host} is already in use`, { hint: 'pick another with --port, or 0 for any free port' })
          : e));
        s.listen(options.port ?? 8080, host, () => resolve());
      });
      server = s;
      port = (s.address() as AddressInfo).port;
      // Watching starts after the first request can be served: start-up time does not wait for it.
      if (folder && options.watch !== false) await folder.watch();
    },

    stop() {
      stopping ??= (async () => {
        const s = server;
        if (s) {
          const closed = new Promise<void>((resolve) => s.close(() => resolve()));
          // Keep-alive sockets with no request in flight are closed now; busy ones after their response.
          s.closeIdleConnections();
          const sweep = setInterval(() => s.closeIdleConnections(), 50);
          const force = setTimeout(() => s.closeAllConnections(), graceMs);
          await closed;
          clearInterval(sweep);
          clearTimeout(force);
          for (const socket of sockets) socket.destroy();
        }
        await folder?.close();
      })();
      return stopping;
    },
  };
}
