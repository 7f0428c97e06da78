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
import http, { type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { AdminContext } from './admin/admin-app.js';
import { AdminProblem } from './admin/problem.js';
import { EventHub } from './admin/event-hub.js';
import type { AdminHandler } from './http/stub-server.js';
import { MockEngine } from './core/engine.js';
import { DecoyError, isDecoyError } from './core/errors.js';
import { createStubServer } from './http/stub-server.js';
import { silentLogger, type Logger } from './observability/logger.js';
import { StubFolder, type LoadReport } from './sources/stub-folder.js';
import { compileProxySpec } from './core/response/static-response.js';
import { createForwarder } from './proxy/forward.js';
import { Recorder } from './proxy/recorder.js';
import type { Stub } from './core/stub.js';

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
  /** Also serve `/__admin` on this port (it is always served on the stub port too). */
  adminPort?: number;
  /** Require `Authorization: Bearer <token>` on every admin call. */
  adminToken?: string;
  /** How many requests the journal keeps (oldest dropped first). 0 disables it. Default 10,000. */
  journalSize?: number;
  /** What `POST /__admin/shutdown` does. Default: `stop()`. The CLI exits the process. */
  onShutdownRequest?: () => void;
  /** Seed for every random draw (chaos entries and rules, delay distributions): the same seed, the same faults. */
  seed?: number;
  /** Longest a HANG or STALL_BODY socket is held, in ms. Default 10 minutes. */
  maxHangMs?: number;
  /** Forward every request no stub matches to this base URL (partial mocking). */
  proxyAll?: string;
  /** Accept upstream certificates that do not verify (self-signed), when proxying. */
  proxyInsecure?: boolean;
  /** Longest wait for an upstream's answer when proxying (then 504), in ms. Default 30 s. */
  proxyTimeoutMs?: number;
  /** Start recording at once: requests no stub matches go to this URL and are recorded (`decoy record`). */
  recordTarget?: string;
  /** The rest of the recording spec (WireMock's, plus `redact` and `format`), with recordTarget. */
  recordSpec?: Record<string, unknown>;
}

export interface Decoy {
  /** Loads the stubs and starts listening. Resolves once requests are served. */
  start(): Promise<void>;
  /** Stops listening, lets in-flight requests finish, closes the watcher. */
  stop(): Promise<void>;
  /** `http://host:port`, once started. */
  readonly url: string;
  readonly port: number;
  /** `http://host:port` of the separate admin port, when `adminPort` was given. */
  readonly adminUrl: string | undefined;
  /** What the initial load found (files, stubs, problems). */
  readonly loadReport: LoadReport | undefined;
  readonly engine: MockEngine;
  /** Resolves once pending file changes have been applied (useful in tests). */
  settled(): Promise<void>;
  /** Stops a running recording and writes it (what `decoy record` does on exit). */
  stopRecording(): Promise<{ written: string[] } | undefined>;
}

export function createDecoy(options: DecoyOptions = {}): Decoy {
  const logger = options.logger ?? silentLogger();
  const engine = new MockEngine({ journalSize: options.journalSize ?? 10_000, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const delivery = { maxHangMs: options.maxHangMs ?? 10 * 60_000, hung: new Set<Socket>() };
  // Validated at once: a bad --proxy-all is a start-up error, not a 502 on every request.
  const proxyAll = options.proxyAll === undefined ? undefined : compileProxySpec(options.proxyAll, {}, '--proxy-all');
  const forwarder = createForwarder({ timeoutMs: options.proxyTimeoutMs ?? 30_000, insecure: options.proxyInsecure ?? false });
  const host = options.host ?? '0.0.0.0';
  const graceMs = options.shutdownGraceMs ?? 10_000;
  let folder: StubFolder | undefined;
  let server: Server | undefined;
  let adminServer: Server | undefined;
  let port = 0;
  let adminPort = 0;
  let loadReport: LoadReport | undefined;
  let stopping: Promise<void> | undefined;
  let activeRecorder: Recorder | undefined;
  let events: EventHub | undefined;
  const sockets = new Set<Socket>();
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  const onFileChange = (stubs: Stub[], saved: boolean): void => {
    const dropped = engine.setFileStubs(stubs);
    if (!saved) {
      for (const d of dropped) {
        logger.warn(`${d.file ?? 'a stub file'} changed on disk: the unsaved API ${d.kind} of stub ${d.id} is dropped; the file wins`);
      }
    }
  };

  /**
   * The admin API, loaded on its first request: express and its dependencies take a tenth of a second
   * to import, which start-up need not wait for (the first stub request is served without them).
   */
  const lazyAdmin = (ctx: AdminContext): AdminHandler => {
    let app: Promise<AdminHandler> | undefined;
    return (req, res) => {
      app ??= import('./admin/admin-app.js').then((m) => m.createAdminApp(ctx) as unknown as AdminHandler);
      app.then((handle) => handle(req, res), (e: unknown) => {
        logger.error(`the admin API failed to load: ${(e as Error).stack ?? e}`);
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end('the admin API failed to load\n');
      });
    };
  };

  /** Remembers open sockets, so stop() can close what is left after the grace period. */
  const track = (s: Server): void => {
    s.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
  };

  const listen = (s: Server, p: number): Promise<void> => new Promise<void>((resolve, reject) => {
    s.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE'
      ? new DecoyError('DECOY_ERR_OPTION_INVALID', `port ${p} on ${host} is already in use`, { hint: 'pick another with --port / --admin-port, or 0 for any free port' })
      : e));
    s.listen(p, host, () => resolve());
  });

  const decoy: Decoy = {
    engine,
    get url() {
      if (!server) throw new Error('Decoy is not started');
      return `http://${shown}:${port}`;
    },
    get adminUrl() {
      return adminServer ? `http://${shown}:${adminPort}` : undefined;
    },
    get port() { return port; },
    get loadReport() { return loadReport; },
    settled: () => folder?.settled() ?? Promise.resolve(),
    async stopRecording() {
      if (activeRecorder?.status !== 'Recording') return undefined;
      return { written: (await activeRecorder.stop()).written };
    },

    async start() {
      if (server) throw new Error('Decoy is already started');
      const startedAt = Date.now();
      if (options.stubsDir !== undefined) {
        folder = new StubFolder({ dir: options.stubsDir, logger, nextSequence: engine.nextSequence, onChange: onFileChange });
        loadReport = await folder.load();
      }
      const f = folder;
      const recorder = new Recorder(engine, f);
      if (options.recordTarget !== undefined) recorder.start({ targetBaseUrl: options.recordTarget, ...(options.recordSpec ?? {}) });
      activeRecorder = recorder;
      events = new EventHub(engine);
      const admin = lazyAdmin({
        recorder, events,
        engine, startedAt, token: options.adminToken,
        maxBodyBytes: options.maxBodyBytes ?? 50 * 1024 * 1024,
        ...(f ? { readBodyFile: (name: string, pointer: string) => f.readApiBodyFile(name, pointer) } : {}),
        save: async () => {
          if (!f) throw new AdminProblem(409, 'Nothing to save to', [{ detail: 'Decoy was started without a stubs folder (--stubs DIR), so stubs cannot be saved' }]);
          try {
            return await f.save(engine.unsavedChanges());
          } catch (e) {
            if (isDecoyError(e) && e.code === 'DECOY_ERR_SAVE_CONFLICT') throw new AdminProblem(409, 'Save conflict', [{ detail: e.message + (e.hint ? ` (${e.hint})` : '') }]);
            throw e;
          }
        },
        // With the watcher on, memory already follows the files; without it, a reset re-reads them.
        reloadFiles: async () => {
          if (f && options.watch === false) await f.load();
        },
        loadErrors: () => f?.errors() ?? [],
        ...(f ? { relativeFile: (abs: string) => f.relative(abs) } : {}),
        shutdown: () => (options.onShutdownRequest ?? (() => void decoy.stop()))(),
      });
      const s = createStubServer({
        engine, logger, verbose: options.verbose ?? false,
        admin, delivery, forwarder, recorder, ...(proxyAll ? { proxyAll } : {}),
        maxBodyBytes: options.maxBodyBytes ?? 50 * 1024 * 1024,
      });
      track(s);
      await listen(s, options.port ?? 8080);
      server = s;
      port = (s.address() as AddressInfo).port;
      if (options.adminPort !== undefined) {
        const a = http.createServer(admin);
        track(a);
        await listen(a, options.adminPort);
        adminServer = a;
        adminPort = (a.address() as AddressInfo).port;
      }
      // Watching starts after the first request can be served: start-up time does not wait for it.
      if (folder && options.watch !== false) await folder.watch();
    },

    stop() {
      stopping ??= (async () => {
        // Hung sockets are not requests in flight to wait for.
        for (const socket of delivery.hung) socket.destroy();
        // Live event streams never finish on their own: end them so the servers can close.
        events?.close();
        await Promise.all([server, adminServer].map(async (s) => {
          if (!s) return;
          const closed = new Promise<void>((resolve) => s.close(() => resolve()));
          // Keep-alive sockets with no request in flight are closed now; busy ones after their response.
          s.closeIdleConnections();
          const sweep = setInterval(() => s.closeIdleConnections(), 50);
          const force = setTimeout(() => s.closeAllConnections(), graceMs);
          await closed;
          clearInterval(sweep);
          clearTimeout(force);
        }));
        for (const socket of sockets) socket.destroy();
        await folder?.close();
        await forwarder.close();
      })();
      return stopping;
    },
  };
  return decoy;
}
