/**
 * One virtual service: an engine, the stub sources that fill it, and the servers that serve it.
 *
 * Its state is explicit: before `start()` nothing is open; a start opens, in order, what a `Run` holds
 * (metrics, child services, stub sources, TLS, the recorder, live events, servers, watchers); `stop()`
 * closes that run. A start that fails half-way closes what it had opened and leaves the service as new,
 * so that `start()` can be tried again; a stopped service can be started again too.
 */
import path from 'node:path';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { EventHub } from '../admin/event-hub.js';
import { MockEngine } from '../core/engine.js';
import { MemoryNamespaceStore } from '../core/namespaces/memory-namespaces.js';
import { Namespaces, type NamespaceStore } from '../core/namespaces/namespaces.js';
import { RedisNamespaceStore } from '../store/redis-namespaces.js';
import { createJournalRedaction } from '../core/recording/journal-redaction.js';
import type { RedactionReport } from '../core/recording/redaction.js';
import { schemaGeneratorReady } from '../core/response/schema-response.js';
import type { DeliveryOptions } from '../http/deliver.js';
import { createForwarder, type Forwarder } from '../http/forward.js';
import { createStaticFiles, type StaticAnswer } from '../http/static-files.js';
import { createStubServer } from '../http/stub-server.js';
import type { RedisState } from '../store/redis-state.js';
import { createStoreState, sharedStubCompiler } from '../store/store-options.js';
import { tracingRequested } from '../observability/tracing-request.js';
import type { Tracing } from '../observability/tracing.js';
import { prepareTls, type TlsSetup } from '../http/tls.js';
import { DecoyMetrics, type ObservedService } from '../observability/metrics.js';
import { logRequests } from '../observability/request-log.js';
import { Recorder } from '../proxy/recorder.js';
import { WebhookSender } from '../webhooks/webhook-sender.js';
import { adminBaseOf, routeServiceAdmin, type ServiceInfo } from '../services/service-admin.js';
import type { LoadReport } from '../sources/stub-folder.js';
import { createAdminContext, lazyAdmin } from './admin-context.js';
import { createChildren } from './children.js';
import { resolveConfig, type ServiceConfig } from './config.js';
import type { Decoy } from './decoy.js';
import { ServiceDirectory, type ServiceEntry } from './directory.js';
import type { DecoyOptions } from './options.js';
import { createAdminServer, ServerGroup } from './servers.js';
import { StubSources } from './stub-sources.js';

/** What one start opened. Each part is set once it is open; `close()` closes the parts that are set. */
interface Run {
  readonly children: Decoy[];
  readonly sources: StubSources;
  readonly servers: ServerGroup;
  readonly forwarder: Forwarder;
  /** HANG and STALL_BODY sockets: not requests in flight that stopping waits for. */
  readonly delivery: DeliveryOptions;
  /** Settles (never rejects) when the start is over, however it ended. */
  opened: Promise<void>;
  closed: Promise<void> | undefined;
  observed?: ObservedService;
  stopLogging?: () => void;
  tls?: TlsSetup;
  /** The files folder's lookup, for GETs no stub matches (when there is a stubs folder). */
  staticFiles?: (rawPath: string) => StaticAnswer | undefined;
  recorder?: Recorder;
  events?: EventHub;
  /** Sends the stubs' callbacks; closing it cancels those still pending. */
  webhooks?: WebhookSender;
  /** Traces, when asked for (loaded only then). */
  tracing?: Tracing;
  /** Drops idle namespaces now and then. */
  namespaceSweep?: NodeJS.Timeout;
  /** The ports listened on, each set once that server listens. */
  port?: number;
  httpsPort?: number;
  adminPort?: number;
}

export class Service implements Decoy {
  readonly name: string;
  readonly engine: MockEngine;
  /** The namespaces beside the default one (the engine): one per test run that names one. */
  readonly namespaces: Namespaces;
  readonly metrics: DecoyMetrics;
  readonly #config: ServiceConfig;
  readonly #directory: ServiceDirectory;
  readonly #entry: ServiceEntry;
  /** The shared store (`--store`), when the state is not in this process. */
  readonly #store: RedisState | undefined;
  /** The current start (or the last one, once stopped); unset before the first and after a failed one. */
  #run: Run | undefined;
  /** Kept from the last start, successful or not. */
  #port = 0;
  #loadReport: LoadReport | undefined;

  /** Checks the options at once (throws DecoyError), and adds the service to the process's directory. */
  constructor(options: DecoyOptions, directory: ServiceDirectory, isMain: boolean) {
    this.#config = resolveConfig(options, isMain);
    this.name = this.#config.name;
    const { options: o, logger } = this.#config;
    // With --store, run-time state lives in Redis, shared with the other replicas (the main service only).
    this.#store = isMain && o.store !== undefined
      ? createStoreState(o.store, { journalSize: this.#config.engine.journalSize, logger, resolveStub: (id) => this.engine.stubs.get(id) }) : undefined;
    this.engine = new MockEngine({ ...this.#config.engine, ...(this.#store ? { state: this.#store } : {}), files: (rawPath) => this.#run?.staticFiles?.(rawPath) });
    // Only with the option: the journal keeps events as served, and masks them when they are read.
    if (this.#config.journalRedaction) this.engine.journal.view = createJournalRedaction({ ...this.#config.journalRedaction });
    this.namespaces = this.#createNamespaces();
    this.metrics = options.metrics ?? new DecoyMetrics();
    this.#directory = directory;
    this.#entry = { decoy: this, admin: undefined, info: () => this.#info() };
    directory.add(this.name, this.#entry);
  }

  /** Namespaces in this process, or, with --store, shared by the fleet (each one following its API stubs as the default one does). */
  #createNamespaces(): Namespaces {
    const { engine: e, namespaces: n, options, logger } = this.#config;
    const shared = this.#store;
    const store: NamespaceStore = shared === undefined
      ? new MemoryNamespaceStore(this.engine.state, { journalSize: e.journalSize })
      // A stub another replica served is this namespace's, or a file stub (the same object in every namespace).
      : new RedisNamespaceStore(shared, (name, id) => this.namespaces.find(name)?.engine.stubs.get(id) ?? this.engine.stubs.get(id));
    return new Namespaces(this.engine, {
      maxNamespaces: n.max, idleTimeoutMs: n.idleTimeoutMs, store,
      engineOptions: {
        ...(e.proxyAll ? { proxyAll: e.proxyAll } : {}), ...(e.stableData ? { stableData: true } : {}), ...(e.seed !== undefined ? { seed: e.seed } : {}),
        files: (rawPath) => this.#run?.staticFiles?.(rawPath),
      },
      ...(shared === undefined ? {} : {
        prepare: (scope) => {
          const folder = this.#run?.sources.folder;
          return scope.engine.followSharedStubs(sharedStubCompiler(scope.engine, {
            ...(folder ? { readBodyFile: (f: string, p: string) => folder.readApiBodyFile(f, p) } : {}), ...(options.globalTemplating ? { globalTemplating: true } : {}),
          }), (id, err) => logger.warn(`stub ${String(id)} of namespace ${scope.name} from another replica does not compile here: ${(err as Error).message}`));
        },
      }),
    });
  }

  get url(): string {
    if (this.#run?.port === undefined) throw new Error('Decoy is not started');
    return `http://${this.#config.shownHost}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get adminUrl(): string | undefined {
    const port = this.#run?.adminPort;
    return port === undefined ? undefined : `http://${this.#config.shownAdminHost}:${port}`;
  }

  get httpsUrl(): string | undefined {
    const port = this.#run?.httpsPort;
    return port === undefined ? undefined : `https://${this.#config.shownHost}:${port}`;
  }

  get httpsPort(): number | undefined {
    return this.#run?.httpsPort;
  }

  get certificate(): string | undefined {
    return this.#run?.tls?.certificate;
  }

  get loadReport(): LoadReport | undefined {
    return this.#loadReport;
  }

  services(): ServiceInfo[] {
    return this.#directory.list();
  }

  service(name: string): Decoy | undefined {
    return this.#directory.decoy(name);
  }

  async settled(): Promise<void> {
    await this.#run?.sources.settled();
  }

  async stopRecording(): Promise<{ written: string[]; redaction: RedactionReport } | undefined> {
    const recorder = this.#run?.recorder;
    if (recorder?.status !== 'Recording') return undefined;
    const { written, redaction } = await recorder.stop();
    return { written, redaction };
  }

  async start(): Promise<void> {
    const last = this.#run;
    if (last !== undefined && last.closed === undefined) throw new Error('Decoy is already started');
    if (last !== undefined) {
      // Started again after a stop: the last run is closed, and its child services leave the directory for the new ones.
      await last.closed;
      for (const child of last.children) this.#directory.remove(child.name);
    }
    const config = this.#config;
    const run: Run = {
      children: [],
      sources: new StubSources(this.engine, config, (n) => run.observed?.reloadFailed(n)),
      servers: new ServerGroup(config.isMain ? undefined : this.name),
      forwarder: createForwarder({ timeoutMs: config.proxyTimeoutMs, insecure: config.proxyInsecure }),
      delivery: hungSocketLimits(config),
      opened: Promise.resolve(),
      closed: undefined,
    };
    this.#run = run;
    const opening = this.#open(run);
    run.opened = opening.then(() => undefined, () => undefined);
    try {
      await opening;
    } catch (e) {
      await this.#close(run);
      for (const child of run.children) this.#directory.remove(child.name);
      this.#run = undefined;
      throw e;
    }
  }

  /** Stops listening, lets in-flight requests finish, closes the watchers; a stop during a start waits for it. */
  async stop(): Promise<void> {
    const run = this.#run;
    if (!run) return;
    await run.opened;
    await this.#close(run);
  }

  /** The steps of a start, in order; the first that fails ends it. */
  async #open(run: Run): Promise<void> {
    const config = this.#config;
    const { options, logger } = config;
    const startedAt = Date.now();
    run.observed = this.metrics.observeEngine(this.engine, this.name);
    if (options.verbose) run.stopLogging = logRequests(this.engine, logger, (name) => this.namespaces.find(name)?.engine);
    const childDirs = config.isMain
      ? await createChildren({ options, name: this.name, metrics: this.metrics }, () => void this.stop(), (o) => new Service(o, this.#directory, false), run.children)
      : [];
    await this.#store?.connect();
    const loaded = await run.sources.load(childDirs);
    if (loaded) this.#loadReport = loaded;
    if (this.#store !== undefined) {
      // API stub changes made on other replicas are compiled here as this replica's admin API would compile them.
      const folder = run.sources.folder;
      await this.engine.followSharedStubs(sharedStubCompiler(this.engine, {
        ...(folder ? { readBodyFile: (n: string, p: string) => folder.readApiBodyFile(n, p) } : {}), ...(options.globalTemplating ? { globalTemplating: true } : {}),
      }), (id, e) => logger.warn(`stub ${String(id)} from another replica does not compile here: ${(e as Error).message}`));
    }
    if (config.httpsPort !== undefined) run.tls = await prepareTls(options.tls ?? {}, config.host);
    // Stubs with generated bodies serve once their generator is loaded.
    await schemaGeneratorReady();
    const folder = run.sources.folder;
    const recorder = new Recorder(this.engine, folder, run.sources.contract);
    if (options.recordTarget !== undefined) await recorder.start({ targetBaseUrl: options.recordTarget, ...(options.recordSpec ?? {}) });
    run.recorder = recorder;
    run.events = new EventHub(this.engine);
    if (tracingRequested(options.otlpEndpoint)) {
      const { createTracing } = await import('../observability/tracing.js');
      run.tracing = await createTracing({ endpoint: options.otlpEndpoint, service: this.name });
    }
    run.webhooks = new WebhookSender(this.engine, { ...config.webhooks, ...(run.tracing ? { tracing: run.tracing } : {}) });
    const ownAdmin = lazyAdmin(createAdminContext({
      config, engine: this.engine, startedAt, recorder, events: run.events, metrics: this.metrics, folder, contract: run.sources.contract,
      services: () => this.services(),
      namespaces: this.namespaces,
      certificate: () => this.certificate,
      shutdown: () => (options.onShutdownRequest ?? (() => void this.stop()))(),
    }), logger);
    this.#entry.admin = ownAdmin;
    const admin = routeServiceAdmin((n) => this.#directory.admin(n), ownAdmin);
    const serverOptions = {
      engine: this.engine, logger,
      admin, delivery: run.delivery, forwarder: run.forwarder, ...(config.cors ? { cors: config.cors } : {}),
      maxBodyBytes: config.maxBodyBytes,
      limits: config.limits, serveAdmin: config.adminOnStubPort,
      namespaces: { namespaces: this.namespaces, header: config.namespaces.header, pathPrefix: config.namespaces.pathPrefix },
      ...(run.tracing ? { tracing: run.tracing } : {}),
    };
    if (folder) run.staticFiles = createStaticFiles(folder.filesRoot);
    this.#port = await run.servers.listen(createStubServer(serverOptions) as Server, config.port, config.host);
    run.port = this.#port;
    if (run.tls !== undefined) {
      // The same engine behind both: one journal, one set of stubs; the journal tells the schemes apart.
      run.httpsPort = await run.servers.listen(createStubServer({ ...serverOptions, tls: run.tls.server }) as unknown as Server, config.httpsPort!, config.host);
    }
    if (config.adminPort !== undefined) run.adminPort = await run.servers.listen(createAdminServer(config.adminLimits, admin), config.adminPort, config.adminHost);
    // Often enough that a namespace outlives its idle timeout by a quarter of it at most (a minute at most).
    run.namespaceSweep = setInterval(() => void Promise.resolve().then(() => this.namespaces.sweep())
      .catch((e: Error) => logger.warn(`dropping idle namespaces failed: ${e.message}`)), Math.min(Math.max(config.namespaces.idleTimeoutMs / 4, 50), 60_000)).unref();
    // Watching starts after the first request can be served: start-up time does not wait for it.
    await run.sources.watch();
    for (const child of run.children) await child.start();
  }

  /** Closes what a run opened, once however often it is asked. */
  #close(run: Run): Promise<void> {
    run.closed ??= (async () => {
      // Hung sockets are not requests in flight to wait for.
      for (const socket of run.delivery.hung) socket.destroy();
      // Live event streams never finish on their own: end them so the servers can close.
      run.events?.close();
      const stoppingWebhooks = run.webhooks?.close();
      const stoppingChildren = Promise.all(run.children.map((c) => c.stop()));
      await run.servers.close(this.#config.shutdownGraceMs);
      await run.sources.close();
      await run.forwarder.close();
      await run.tracing?.shutdown();
      clearInterval(run.namespaceSweep);
      // A shared store's namespaces use its connections: they are let go first (the store keeps their state).
      if (this.#store !== undefined) await this.namespaces.close();
      await this.#store?.close();
      await stoppingChildren;
      await stoppingWebhooks;
      run.observed?.close();
      run.stopLogging?.();
    })();
    return run.closed;
  }

  #info(): ServiceInfo {
    const { options } = this.#config;
    return {
      name: this.name, port: this.#port, url: this.#run?.port !== undefined ? this.url : '',
      ...(this.httpsUrl !== undefined ? { httpsUrl: this.httpsUrl } : {}),
      stubsDir: this.#run?.sources.folder?.root ?? (options.stubsDir !== undefined ? path.resolve(options.stubsDir) : null),
      adminBase: adminBaseOf(this.name),
    };
  }
}

/** How long HANG and STALL_BODY hold a socket, and how many at once; the first time the cap is hit is logged. */
function hungSocketLimits(config: ServiceConfig): DeliveryOptions {
  let warned = false;
  return {
    maxHangMs: config.maxHangMs, hung: new Set<Socket>(), maxHungSockets: config.maxHungSockets,
    onHungLimit: () => {
      if (warned) return;
      warned = true;
      config.logger.warn(`${config.maxHungSockets} sockets are held by HANG/STALL_BODY faults (--max-hung-sockets): further ones are closed at once`);
    },
  };
}

/** The main service of a process; it creates the others (declared in options, or discovered) when it starts. */
export function createMainService(options: DecoyOptions): Decoy {
  return new Service(options, new ServiceDirectory(), true);
}
