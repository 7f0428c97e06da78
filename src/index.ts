/**
 * Decoy's programmatic API: `createDecoy(options)` → `start()` / `url` / `stop()`.
 *
 * ```ts
 * import { createDecoy } from 'decoy-mock';
 * const decoy = createDecoy({ stubsDir: 'test/stubs', port: 0 });
 * await decoy.start();
 * await fetch(`${decoy.url}/users/1`);
 * await decoy.stop();
 * ```
 */
import http, { type Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import type { AdminContext, UnsavedChanges } from './admin/admin-app.js';
import { AdminProblem } from './admin/problem.js';
import { EventHub } from './admin/event-hub.js';
import type { AdminHandler } from './http/stub-server.js';
import { MockEngine } from './core/engine.js';
import { DecoyError, isDecoyError } from './core/errors.js';
import { createStubServer } from './http/stub-server.js';
import type { DeliveryOptions } from './http/deliver.js';
import { applyLimits, DEFAULT_LIMITS, hasTooManyHeaders, nodeServerOptions, tooManyHeadersText, type ServerLimits } from './http/limits.js';
import { sendPlainText } from './http/plain-text.js';
import { silentLogger, type Logger } from './observability/logger.js';
import { DecoyMetrics, type ObservedService } from './observability/metrics.js';
import { logRequests } from './observability/request-log.js';
import { StubFolder, type LoadReport } from './sources/stub-folder.js';
import { createStaticFiles, type StaticAnswer } from './http/static-files.js';
import { compileProxySpec } from './core/response/static-response.js';
import { schemaGeneratorReady } from './core/response/schema-response.js';
import { createForwarder } from './http/forward.js';
import { Recorder } from './proxy/recorder.js';
import type { RedactionReport, RedactionSettings } from './core/recording/redaction.js';
import { createJournalRedaction } from './core/recording/journal-redaction.js';
import type { Stub } from './core/stub.js';
import { createCorsPolicy, type CorsOptions } from './http/cors.js';
import { prepareTls, type TlsOptions, type TlsSetup } from './http/tls.js';
import { adminBaseOf, routeServiceAdmin, type ServiceInfo } from './services/service-admin.js';
import { checkServiceNames, discoverServices } from './services/service-file.js';
import { createStoreState, sharedStubCompiler, type StoreOptions } from './store/store-options.js';

export { DecoyError } from './core/errors.js';
export type { StubDefinition, RequestPatternDefinition, ResponseDefinition } from './core/stub-definition.js';
export type { Logger } from './observability/logger.js';
export { createLogger } from './observability/logger.js';
export { DecoyMetrics } from './observability/metrics.js';
export type { TlsOptions } from './http/tls.js';
export type { CorsOptions } from './http/cors.js';
export type { ServiceInfo } from './services/service-admin.js';
export type { StoreOptions } from './store/store-options.js';

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
  /** Also serve `/__admin` on this port (it is served on the stub port too, unless `adminHost` is given). */
  adminPort?: number;
  /**
   * Interface the admin port binds (with `adminPort`), e.g. `127.0.0.1` while stubs are served on
   * `0.0.0.0`. When given, `/__admin` is no longer served on the stub port (404 there), so the admin
   * API is reachable only through that interface. Default: `host`.
   */
  adminHost?: string;
  /**
   * Serve `/__admin` on the stub port. Default true, false when `adminHost` is given; the services of a
   * Decoy whose admin API is bound to `adminHost` inherit false (their admin APIs stay reachable
   * through the admin port, under `/__admin/decoy/services/<name>`).
   */
  adminOnStubPort?: boolean;
  /** Largest request line plus headers, in bytes (431 beyond). Default 16 KiB. */
  maxHeaderBytes?: number;
  /** Most header lines in one request (431 beyond). Default 2000. */
  maxHeadersCount?: number;
  /** Longest a request (line, headers, body) may take to arrive on the stub port, in ms (408 then close). 0: no limit. Default 60 s. */
  requestTimeoutMs?: number;
  /** Same, on the separate admin port. Default 30 s. */
  adminRequestTimeoutMs?: number;
  /** How long an idle keep-alive connection is kept, in ms. Default 5 s. */
  idleTimeoutMs?: number;
  /** Most sockets held at once by HANG and STALL_BODY faults; beyond it such a fault closes the connection at once. Default 10,000. */
  maxHungSockets?: number;
  /** Require `Authorization: Bearer <token>` on every admin call. */
  adminToken?: string;
  /** How many requests the journal keeps (oldest dropped first). 0 disables it. Default 10,000. */
  journalSize?: number;
  /** What `POST /__admin/shutdown` does. Default: `stop()`. The CLI exits the process. */
  onShutdownRequest?: () => void;
  /** Seed for every random draw (chaos entries and rules, delay distributions): the same seed, the same faults. */
  seed?: number;
  /**
   * Generated bodies (`response.schema`) depend only on the request (method, URL, body) and the seed:
   * the same request always gets the same data, run after run. Default false: each request draws anew.
   */
  stableData?: boolean;
  /**
   * OpenAPI documents (Swagger 2.0, OpenAPI 3.0, 3.1) to mock: every operation becomes stubs beside the
   * stub folder's (examples first, else bodies generated from the schemas). A document that cannot be
   * read is a start-up error.
   */
  openapi?: string[];
  /** Requests to an operation of an OpenAPI document that break it get a 400 listing every violation. */
  validateRequests?: boolean;
  /**
   * Mask secrets (and, with `maskPii`, personal data) in what the journal (`GET /__admin/requests`), the
   * UI's live log and the `verbose` request log show, as a recording masks them: `true` for the defaults,
   * or redaction settings. Default false: the journal is raw, as WireMock's is.
   */
  redactJournal?: boolean | Partial<RedactionSettings>;
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
  /** The metrics registry to count this Decoy's traffic in (several Decoys can share one). Default: its own. */
  metrics?: DecoyMetrics;
  /** Render every response as a Handlebars template, as WireMock's `--global-response-templating`. Default false: only responses with `transformers: [response-template]`. */
  globalTemplating?: boolean;
  /** Also serve the stubs (and `/__admin`) over HTTPS on this port; 0 picks a free one. */
  httpsPort?: number;
  /** HTTPS settings: certificate and key (PEM; without them one is generated at start), client-certificate checks. */
  tls?: TlsOptions;
  /** Answer browsers' CORS preflights and add CORS headers to every answer: `true` for any origin, or which origins. */
  cors?: boolean | CorsOptions;
  /** This service's name in the services list and the `service` label of its metrics. Default `default`. */
  name?: string;
  /**
   * More virtual services in this process, each with its own port, stubs folder, journal, scenarios, chaos
   * rules and settings. They take host, watch, verbose, logger, body and hang limits, admin token, TLS files and
   * CORS from these options unless they set their own.
   */
  services?: ServiceOptions[];
  /** Serve each subfolder of `stubsDir` with a `decoy.service.yaml` as a service of its own. Default true. */
  discoverServices?: boolean;
  /**
   * Share run-time state (scenarios, sequences, counts, chaos rules, settings, the journal, recordings, API
   * stub changes) with the other replicas using the same Redis: a `redis://` URL, or it with a key prefix and
   * `optional`. Default: in this process. The main service only.
   */
  store?: string | StoreOptions;
}

/** One more service of a Decoy (see `DecoyOptions.services`). */
export interface ServiceOptions extends Omit<DecoyOptions, 'services' | 'discoverServices' | 'onShutdownRequest' | 'recordTarget' | 'recordSpec' | 'adminPort'> {
  name: string;
  /** Its own port for stubs and `/__admin`; 0 picks a free one. */
  port: number;
  stubsDir: string;
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
  stopRecording(): Promise<{ written: string[]; redaction: RedactionReport } | undefined>;
  /** The Prometheus metrics served at `/__admin/metrics`. */
  readonly metrics: DecoyMetrics;
  /** Its name among the services (`default` for the main one). */
  readonly name: string;
  /** `https://host:port`, when `httpsPort` was given. */
  readonly httpsUrl: string | undefined;
  readonly httpsPort: number | undefined;
  /** The certificate HTTPS serves (PEM): give it to clients that should trust a generated one. */
  readonly certificate: string | undefined;
  /** Every service of this process, the main one first, as `GET /__admin/decoy/services` lists them. */
  services(): ServiceInfo[];
  /** A service of this process by name (`default` is the main one). */
  service(name: string): Decoy | undefined;
}

interface ServiceEntry {
  decoy: Decoy;
  /** Its own admin API (set once started). */
  admin: AdminHandler | undefined;
  info(): ServiceInfo;
}

/** Options a service takes from the main one unless it sets its own. */
const INHERITED = ['host', 'watch', 'verbose', 'maxBodyBytes', 'logger', 'shutdownGraceMs', 'adminToken', 'journalSize', 'maxHangMs', 'proxyInsecure', 'proxyTimeoutMs', 'tls', 'cors', 'metrics', 'globalTemplating',
  'maxHeaderBytes', 'maxHeadersCount', 'requestTimeoutMs', 'idleTimeoutMs', 'maxHungSockets', 'adminOnStubPort', 'seed', 'stableData', 'validateRequests', 'redactJournal'] as const;

export function createDecoy(options: DecoyOptions = {}): Decoy {
  return createService(options, new Map(), true);
}

function createService(options: DecoyOptions, directory: Map<string, ServiceEntry>, isMain: boolean): Decoy {
  const name = options.name ?? 'default';
  const logger = options.logger ?? silentLogger();
  // Validated at once: a bad --proxy-all is a start-up error, not a 502 on every request.
  const proxyAll = options.proxyAll === undefined ? undefined : compileProxySpec(options.proxyAll, {}, '--proxy-all');
  /** The files folder's lookup, once the folder is loaded. */
  let staticFiles: ((rawPath: string) => StaticAnswer | undefined) | undefined;
  const store = isMain && options.store !== undefined
    ? createStoreState(options.store, { journalSize: options.journalSize ?? 10_000, logger, resolveStub: (id) => engine.stubs.get(id) }) : undefined;
  const engine = new MockEngine({
    ...(store ? { state: store } : {}),
    journalSize: options.journalSize ?? 10_000, ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.stableData ? { stableData: true } : {}),
    ...(proxyAll ? { proxyAll } : {}),
    files: (rawPath) => staticFiles?.(rawPath),
  });
  // Only with the option: the journal keeps events as served, and masks them when they are read.
  if (options.redactJournal) engine.journal.view = createJournalRedaction(options.redactJournal === true ? {} : options.redactJournal);
  let hungLimitWarned = false;
  const delivery: DeliveryOptions = {
    maxHangMs: options.maxHangMs ?? DEFAULT_LIMITS.maxHangMs, hung: new Set<Socket>(), maxHungSockets: options.maxHungSockets ?? DEFAULT_LIMITS.maxHungSockets,
    onHungLimit: () => {
      if (hungLimitWarned) return;
      hungLimitWarned = true;
      logger.warn(`${delivery.maxHungSockets} sockets are held by HANG/STALL_BODY faults (--max-hung-sockets): further ones are closed at once`);
    },
  };
  const limits: ServerLimits = {
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
    maxHeadersCount: options.maxHeadersCount ?? DEFAULT_LIMITS.maxHeadersCount,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_LIMITS.requestTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_LIMITS.idleTimeoutMs,
  };
  const adminLimits: ServerLimits = { ...limits, requestTimeoutMs: options.adminRequestTimeoutMs ?? DEFAULT_LIMITS.adminRequestTimeoutMs };
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes;
  if (options.adminHost !== undefined && options.adminPort === undefined) {
    throw new DecoyError('DECOY_ERR_OPTION_INVALID', 'adminHost (--admin-host) needs adminPort (--admin-port): it binds the separate admin port', { hint: 'add --admin-port, e.g. --admin-port 9090 --admin-host 127.0.0.1' });
  }
  const adminHost = options.adminHost ?? options.host ?? '0.0.0.0';
  const forwarder = createForwarder({ timeoutMs: options.proxyTimeoutMs ?? DEFAULT_LIMITS.proxyTimeoutMs, insecure: options.proxyInsecure ?? false });
  const host = options.host ?? '0.0.0.0';
  const metrics = options.metrics ?? new DecoyMetrics();
  // Subscribed in start(), released in stop(): a stopped Decoy leaves its name free in a shared registry.
  let observed: ObservedService | undefined;
  let stopLogging: (() => void) | undefined;
  const graceMs = options.shutdownGraceMs ?? 10_000;
  let folder: StubFolder | undefined;
  let server: Server | undefined;
  let adminServer: Server | undefined;
  let httpsServer: HttpsServer | undefined;
  let httpsPort = 0;
  let tlsSetup: TlsSetup | undefined;
  const children: Decoy[] = [];
  let port = 0;
  let adminPort = 0;
  let loadReport: LoadReport | undefined;
  let stopping: Promise<void> | undefined;
  let activeRecorder: Recorder | undefined;
  let events: EventHub | undefined;
  const sockets = new Set<Socket>();
  const display = (h: string): string => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h);
  const shown = display(host);

  /** Stubs from OpenAPI documents: loaded beside the folder's, like file stubs (a reset keeps them). */
  let openApiStubs: Stub[] = [];
  let documents: import('./sources/openapi-source.js').OpenApiDocuments | undefined;
  const onFileChange = (stubs: Stub[], saved: boolean): void => {
    const dropped = engine.setFileStubs(openApiStubs.length ? [...openApiStubs, ...stubs] : stubs);
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

  const listen = (s: Server, p: number, on = host): Promise<void> => new Promise<void>((resolve, reject) => {
    s.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE'
      ? new DecoyError('DECOY_ERR_OPTION_INVALID', `port ${p} on ${on}${isMain ? '' : ` (service ${name})`} is already in use`, {
        hint: isMain ? 'pick another with --port / --https-port / --admin-port, or 0 for any free port'
          : `pick another port for service ${name} (--service ${name}=PORT:DIR, or port / httpsPort in its decoy.service.yaml), or 0 for any free port`,
      })
      : e.code === 'EADDRNOTAVAIL'
        ? new DecoyError('DECOY_ERR_OPTION_INVALID', `${on} is not an address of this machine`, { hint: 'pass an interface address such as 127.0.0.1 or 0.0.0.0' })
        : e));
    s.listen(p, on, () => resolve());
  });

  if (options.tls !== undefined && options.httpsPort === undefined) {
    throw new DecoyError('DECOY_ERR_TLS', `TLS settings (tls: --tls-cert, --tls-key, --tls-ca, --mtls) need an HTTPS port${isMain ? '' : ` (service ${name})`}`, { hint: 'add httpsPort (--https-port 8443; 0 picks a free port)' });
  }
  const cors = options.cors ? createCorsPolicy(options.cors === true ? {} : options.cors) : undefined;

  /** Creates the services declared in options and service files; their folders are left out of this one's. */
  const createChildren = async (): Promise<string[]> => {
    const defs: ServiceOptions[] = [...(options.services ?? [])];
    if (options.stubsDir !== undefined && options.discoverServices !== false) defs.push(...await discoverServices(options.stubsDir));
    checkServiceNames(defs, name);
    for (const def of defs) {
      const inherited: DecoyOptions = {};
      for (const key of INHERITED) if (options[key] !== undefined) (inherited as Record<string, unknown>)[key] = options[key];
      // The TLS files serve a service's HTTPS port: a service without one serves plain HTTP only.
      if (def.httpsPort === undefined) delete inherited.tls;
      // One registry for the process: every service's traffic under its own `service` label.
      inherited.metrics = metrics;
      // An admin API bound to its own interface is not reachable through any service's stub port either.
      if (options.adminHost !== undefined && options.adminOnStubPort !== true) inherited.adminOnStubPort = false;
      if (options.logger?.child) inherited.logger = options.logger.child({ service: def.name });
      // A service file's `cors: true` means "with the main service's CORS origins, if it has them".
      const ownCors = def.cors === true && typeof options.cors === 'object' ? options.cors : def.cors;
      // POST /__admin/shutdown on any service's admin API stops the whole process, as on the main one.
      const shutdown = options.onShutdownRequest ?? (() => void decoy.stop());
      children.push(createService({ ...inherited, ...def, ...(ownCors !== undefined ? { cors: ownCors } : {}), discoverServices: false, onShutdownRequest: shutdown }, directory, false));
    }
    return defs.map((d) => d.stubsDir);
  };

  const decoy: Decoy = {
    name,
    get httpsUrl() {
      return httpsServer ? `https://${shown}:${httpsPort}` : undefined;
    },
    get httpsPort() { return httpsServer ? httpsPort : undefined; },
    get certificate() { return tlsSetup?.certificate; },
    services: () => [...directory.values()].map((e) => e.info()),
    service: (n: string) => directory.get(n)?.decoy,
    engine,
    metrics,
    get url() {
      if (!server) throw new Error('Decoy is not started');
      return `http://${shown}:${port}`;
    },
    get adminUrl() {
      return adminServer ? `http://${display(adminHost)}:${adminPort}` : undefined;
    },
    get port() { return port; },
    get loadReport() { return loadReport; },
    settled: async () => {
      await folder?.settled();
      await documents?.settled();
    },
    async stopRecording() {
      if (activeRecorder?.status !== 'Recording') return undefined;
      const { written, redaction } = await activeRecorder.stop();
      return { written, redaction };
    },

    async start() {
      if (server) throw new Error('Decoy is already started');
      const startedAt = Date.now();
      await store?.connect();
      observed = metrics.observeEngine(engine, name);
      if (options.verbose) stopLogging = logRequests(engine, logger);
      const childDirs = isMain ? await createChildren() : [];
      if (options.openapi?.length) {
        const { OpenApiDocuments } = await import('./sources/openapi-source.js');
        documents = new OpenApiDocuments({
          files: options.openapi, importOptions: { validateRequests: options.validateRequests ?? false },
          nextSequence: engine.nextSequence, logger,
          onChange: (stubs) => {
            openApiStubs = stubs;
            onFileChange(folder?.stubs() ?? [], false);
          },
        });
        await documents.load();
        openApiStubs = documents.stubs();
        engine.setFileStubs(openApiStubs);
      }
      if (options.stubsDir !== undefined) {
        folder = new StubFolder({ dir: options.stubsDir, logger, nextSequence: engine.nextSequence, onChange: onFileChange, exclude: childDirs,
          onReloadProblems: (n) => observed?.reloadFailed(n), ...(options.globalTemplating ? { globalTemplating: true } : {}) });
        loadReport = await folder.load();
      }
      if (store) {
        await engine.followSharedStubs(sharedStubCompiler(engine, { ...(folder ? { readBodyFile: (n: string, p: string) => folder!.readApiBodyFile(n, p) } : {}), ...(options.globalTemplating ? { globalTemplating: true } : {}) }),
          (id, e) => logger.warn(`stub ${String(id)} from another replica does not compile here: ${(e as Error).message}`));
      }
      if (options.httpsPort !== undefined) tlsSetup = await prepareTls(options.tls ?? {}, host);
      // Stubs with generated bodies serve once their generator is loaded.
      await schemaGeneratorReady();
      const f = folder;
      const recorder = new Recorder(engine, f);
      if (options.recordTarget !== undefined) await recorder.start({ targetBaseUrl: options.recordTarget, ...(options.recordSpec ?? {}) });
      activeRecorder = recorder;
      events = new EventHub(engine);
      const ownAdmin = lazyAdmin({
        services: decoy.services,
        certificate: () => tlsSetup?.certificate,
        recorder, events,
        engine, startedAt, token: options.adminToken,
        maxBodyBytes,
        ...(options.globalTemplating ? { globalTemplating: true } : {}),
        validateRequests: options.validateRequests ?? false,
        ...(f ? { readBodyFile: (name: string, pointer: string) => f.readApiBodyFile(name, pointer) } : {}),
        save: async (only?: Partial<UnsavedChanges>) => {
          if (!f) throw new AdminProblem(409, 'Nothing to save to', [{ detail: 'Decoy was started without a stubs folder (--stubs DIR), so stubs cannot be saved' }]);
          try {
            return await f.save(only ? { created: only.created ?? [], edited: only.edited ?? [], deleted: only.deleted ?? [] } : engine.unsavedChanges());
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
        metrics,
        shutdown: () => (options.onShutdownRequest ?? (() => void decoy.stop()))(),
      });
      self.admin = ownAdmin;
      const admin = routeServiceAdmin((n) => directory.get(n)?.admin, ownAdmin);
      const serverOptions = {
        engine, logger,
        admin, delivery, forwarder, ...(cors ? { cors } : {}),
        maxBodyBytes,
        limits, serveAdmin: options.adminOnStubPort ?? options.adminHost === undefined,
      };
      if (folder) staticFiles = createStaticFiles(folder.filesRoot);
      const s = createStubServer(serverOptions) as Server;
      track(s);
      await listen(s, options.port ?? 8080);
      server = s;
      port = (s.address() as AddressInfo).port;
      if (tlsSetup !== undefined) {
        // The same engine behind both: one journal, one set of stubs; the journal tells the schemes apart.
        const hs = createStubServer({ ...serverOptions, tls: tlsSetup.server }) as HttpsServer;
        track(hs as unknown as Server);
        await listen(hs as unknown as Server, options.httpsPort!);
        httpsServer = hs;
        httpsPort = (hs.address() as AddressInfo).port;
      }
      if (options.adminPort !== undefined) {
        const a = http.createServer(nodeServerOptions(adminLimits), (req, res) => {
          if (hasTooManyHeaders(req.rawHeaders, adminLimits)) sendPlainText(res, 431, tooManyHeadersText(adminLimits), ['Connection', 'close']);
          else admin(req, res);
        });
        applyLimits(a, adminLimits);
        track(a);
        await listen(a, options.adminPort, adminHost);
        adminServer = a;
        adminPort = (a.address() as AddressInfo).port;
      }
      // Watching starts after the first request can be served: start-up time does not wait for it.
      if (folder && options.watch !== false) await folder.watch();
      if (documents && options.watch !== false) await documents.watch();
      for (const child of children) await child.start();
    },

    stop() {
      stopping ??= (async () => {
        // Hung sockets are not requests in flight to wait for.
        for (const socket of delivery.hung) socket.destroy();
        // Live event streams never finish on their own: end them so the servers can close.
        events?.close();
        const stoppingChildren = Promise.all(children.map((c) => c.stop()));
        await Promise.all([server, adminServer, httpsServer as unknown as Server | undefined].map(async (s) => {
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
        await documents?.close();
        await forwarder.close();
        await stoppingChildren;
        observed?.close();
        stopLogging?.();
        await store?.close();
      })();
      return stopping;
    },
  };
  // A start that fails half-way (a port taken, a bad certificate) closes what it had opened, and leaves
  // the Decoy as if new, so that start() can be tried again.
  const startServing = decoy.start;
  decoy.start = () => server ? startServing.call(decoy) : startServing.call(decoy).catch(async (e: unknown) => {
    await decoy.stop();
    for (const child of children) directory.delete(child.name);
    children.length = 0;
    server = adminServer = httpsServer = undefined;
    folder = documents = events = observed = stopLogging = activeRecorder = tlsSetup = staticFiles = undefined;
    openApiStubs = [];
    stopping = undefined;
    throw e;
  });

  const self: ServiceEntry = {
    decoy,
    admin: undefined,
    info: () => ({
      name, port, url: server ? decoy.url : '',
      ...(httpsServer ? { httpsUrl: decoy.httpsUrl! } : {}),
      stubsDir: folder?.root ?? (options.stubsDir !== undefined ? path.resolve(options.stubsDir) : null),
      adminBase: adminBaseOf(name),
    }),
  };
  directory.set(name, self);
  return decoy;
}
