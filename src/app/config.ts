/**
 * One service's options resolved once, before anything is opened: every default filled in, every
 * combination that cannot work refused with an error that names the flag, and nothing changed afterwards.
 */
import { DecoyError } from '../core/errors.js';
import type { RedactionSettings } from '../core/recording/redaction.js';
import { compileProxySpec, type ProxySpec } from '../core/response/static-response.js';
import { createCorsPolicy, type CorsPolicy } from '../http/cors.js';
import { DEFAULT_LIMITS, type ServerLimits } from '../http/limits.js';
import { compileWebhookAllow, type WebhookAllow } from '../webhooks/webhook-allow.js';
import { DEFAULT_MAX_CONCURRENT_WEBHOOKS, DEFAULT_MAX_PENDING_WEBHOOKS } from '../webhooks/webhook-sender.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { DecoyOptions, ServiceOptions } from './options.js';
import { DEFAULT_MAX_NAMESPACES, DEFAULT_NAMESPACE_IDLE_TIMEOUT_MS } from '../core/namespaces/namespaces.js';
import { DEFAULT_NAMESPACE_HEADER } from '../http/namespace-route.js';

export interface ServiceConfig {
  /** The options as given: the services of the main one inherit from them. */
  readonly options: Readonly<DecoyOptions>;
  readonly name: string;
  /** The main service creates the others (declared and discovered) and is listed first. */
  readonly isMain: boolean;
  readonly logger: Logger;
  readonly host: string;
  /** `host` as written in URLs: a wildcard address as 127.0.0.1, IPv6 in brackets. */
  readonly shownHost: string;
  readonly port: number;
  readonly httpsPort: number | undefined;
  readonly adminPort: number | undefined;
  readonly adminHost: string;
  readonly shownAdminHost: string;
  /** Whether `/__admin` is served on the stub (and HTTPS) port too. */
  readonly adminOnStubPort: boolean;
  readonly limits: Readonly<ServerLimits>;
  /** The same limits with the admin port's request timeout. */
  readonly adminLimits: Readonly<ServerLimits>;
  readonly maxBodyBytes: number;
  readonly maxHangMs: number;
  readonly maxHungSockets: number;
  readonly webhooks: Readonly<{ maxPending: number; maxConcurrent: number; allow?: WebhookAllow }>;
  /** How long `stop()` lets in-flight requests finish. */
  readonly shutdownGraceMs: number;
  readonly proxyTimeoutMs: number;
  readonly proxyInsecure: boolean;
  readonly cors: CorsPolicy | undefined;
  readonly watch: boolean;
  /** The engine's settings; `proxyAll` is compiled, so a bad `--proxy-all` is a start-up error, not a 502 on every request. */
  readonly engine: Readonly<{ journalSize: number; journalMaxBytes?: number; seed?: number; stableData?: boolean; proxyAll?: ProxySpec }>;
  /** Masking of what the journal shows, when asked for. */
  readonly journalRedaction: Readonly<Partial<RedactionSettings>> | undefined;
  /** Namespaces: the header (lower-case) and path prefix that name one, the idle timeout and the cap. */
  readonly namespaces: Readonly<{ header: string; pathPrefix: string | undefined; idleTimeoutMs: number; max: number }>;
}

/** `0.0.0.0` and `::` are not addresses a client can connect to: URLs show the loopback instead. */
function shown(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
}

/** Fills in the defaults and checks the options of one service; throws DecoyError on a combination that cannot work. */
export function resolveConfig(options: DecoyOptions, isMain: boolean): ServiceConfig {
  const name = options.name ?? 'default';
  const proxyAll = options.proxyAll === undefined ? undefined : compileProxySpec(options.proxyAll, {}, '--proxy-all');
  if (options.adminHost !== undefined && options.adminPort === undefined) {
    throw new DecoyError('DECOY_ERR_OPTION_INVALID', 'adminHost (--admin-host) needs adminPort (--admin-port): it binds the separate admin port', { hint: 'add --admin-port, e.g. --admin-port 9090 --admin-host 127.0.0.1' });
  }
  if (options.tls !== undefined && options.httpsPort === undefined) {
    throw new DecoyError('DECOY_ERR_TLS', `TLS settings (tls: --tls-cert, --tls-key, --tls-ca, --mtls) need an HTTPS port${isMain ? '' : ` (service ${name})`}`, { hint: 'add httpsPort (--https-port 8443; 0 picks a free port)' });
  }
  if (options.journalMaxBytes !== undefined && !(Number.isFinite(options.journalMaxBytes) && options.journalMaxBytes >= 1024)) {
    throw new DecoyError('DECOY_ERR_OPTION_INVALID', `journalMaxBytes (--journal-max-bytes) must be at least 1k (got ${options.journalMaxBytes})`, { hint: 'e.g. --journal-max-bytes 64m; to keep no journal, use --no-journal' });
  }
  const namespaces = resolveNamespaces(options);
  const host = options.host ?? '0.0.0.0';
  const adminHost = options.adminHost ?? host;
  const limits: ServerLimits = Object.freeze({
    maxHeaderBytes: options.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
    maxHeadersCount: options.maxHeadersCount ?? DEFAULT_LIMITS.maxHeadersCount,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_LIMITS.requestTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_LIMITS.idleTimeoutMs,
  });
  return Object.freeze({
    options: Object.freeze({ ...options }),
    name,
    isMain,
    logger: options.logger ?? silentLogger(),
    host,
    shownHost: shown(host),
    port: options.port ?? 8080,
    httpsPort: options.httpsPort,
    adminPort: options.adminPort,
    adminHost,
    shownAdminHost: shown(adminHost),
    adminOnStubPort: options.adminOnStubPort ?? options.adminHost === undefined,
    limits,
    adminLimits: Object.freeze({ ...limits, requestTimeoutMs: options.adminRequestTimeoutMs ?? DEFAULT_LIMITS.adminRequestTimeoutMs }),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes,
    maxHangMs: options.maxHangMs ?? DEFAULT_LIMITS.maxHangMs,
    maxHungSockets: options.maxHungSockets ?? DEFAULT_LIMITS.maxHungSockets,
    webhooks: Object.freeze({
      maxPending: options.maxPendingWebhooks ?? DEFAULT_MAX_PENDING_WEBHOOKS, maxConcurrent: options.maxConcurrentWebhooks ?? DEFAULT_MAX_CONCURRENT_WEBHOOKS,
      ...(options.webhookAllow !== undefined ? { allow: compileWebhookAllow(options.webhookAllow) } : {}),
    }),
    shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
    proxyTimeoutMs: options.proxyTimeoutMs ?? DEFAULT_LIMITS.proxyTimeoutMs,
    proxyInsecure: options.proxyInsecure ?? false,
    cors: options.cors ? createCorsPolicy(options.cors === true ? {} : options.cors) : undefined,
    watch: options.watch !== false,
    engine: Object.freeze({
      journalSize: options.journalSize ?? 10_000,
      ...(options.journalMaxBytes !== undefined ? { journalMaxBytes: options.journalMaxBytes } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.stableData ? { stableData: true } : {}),
      ...(proxyAll ? { proxyAll } : {}),
    }),
    journalRedaction: options.redactJournal ? Object.freeze(options.redactJournal === true ? {} : { ...options.redactJournal }) : undefined,
    namespaces,
  });
}

/** The namespace options checked: a header name that is a token, a path prefix `/word`, a positive timeout, a whole cap. */
function resolveNamespaces(options: DecoyOptions): ServiceConfig['namespaces'] {
  const header = options.namespaceHeader ?? DEFAULT_NAMESPACE_HEADER;
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) {
    throw new DecoyError('DECOY_ERR_OPTION_INVALID', `namespaceHeader (--namespace-header) ${JSON.stringify(header)} is not a header name`, { hint: 'e.g. --namespace-header X-Test-Run' });
  }
  const prefix = options.namespacePathPrefix;
  if (prefix !== undefined && (!/^(\/[\w.~-]+)+$/.test(prefix) || prefix === '/__admin' || prefix.startsWith('/__admin/'))) {
    throw new DecoyError('DECOY_ERR_OPTION_INVALID', `namespacePathPrefix (--namespace-path-prefix) ${JSON.stringify(prefix)} must be a path such as /ns (no trailing slash, not under /__admin)`, { hint: 'with --namespace-path-prefix /ns, /ns/run-42/orders is served as /orders in namespace run-42' });
  }
  const idle = options.namespaceIdleTimeoutMs ?? DEFAULT_NAMESPACE_IDLE_TIMEOUT_MS;
  if (!(Number.isSafeInteger(idle) && idle > 0)) {
    throw new DecoyError('DECOY_ERR_OPTION_INVALID', `namespaceIdleTimeoutMs (--namespace-idle-timeout) must be a positive number of ms (got ${idle})`, { hint: 'e.g. --namespace-idle-timeout 30m' });
  }
  const max = options.maxNamespaces ?? DEFAULT_MAX_NAMESPACES;
  if (!(Number.isSafeInteger(max) && max >= 0)) {
    throw new DecoyError('DECOY_ERR_OPTION_INVALID', `maxNamespaces (--max-namespaces) must be a whole number >= 0 (got ${max})`, { hint: '0 turns namespaces off' });
  }
  return Object.freeze({ header: header.toLowerCase(), pathPrefix: prefix, idleTimeoutMs: idle, max });
}

/** Options a service takes from the main one unless it sets its own. */
const INHERITED = ['host', 'watch', 'verbose', 'maxBodyBytes', 'logger', 'shutdownGraceMs', 'adminToken', 'journalSize', 'journalMaxBytes', 'maxHangMs', 'proxyInsecure', 'proxyTimeoutMs', 'tls', 'cors', 'metrics', 'globalTemplating',
  'maxHeaderBytes', 'maxHeadersCount', 'requestTimeoutMs', 'idleTimeoutMs', 'maxHungSockets', 'maxPendingWebhooks', 'maxConcurrentWebhooks', 'webhookAllow', 'adminOnStubPort', 'seed', 'stableData', 'validateRequests', 'redactJournal',
  'namespaceHeader', 'namespacePathPrefix', 'namespaceIdleTimeoutMs', 'maxNamespaces', 'contractStrict'] as const;

/**
 * The options of a service beside the main one: its own settings over those it inherits from the main's.
 * `shared` is what every service of the process has in common: one metrics registry, one shutdown.
 */
export function childOptions(main: DecoyOptions, def: ServiceOptions, shared: { metrics: NonNullable<DecoyOptions['metrics']>; onShutdownRequest: () => void }): DecoyOptions {
  const inherited: DecoyOptions = {};
  for (const key of INHERITED) if (main[key] !== undefined) (inherited as Record<string, unknown>)[key] = main[key];
  // The TLS files serve a service's HTTPS port: a service without one serves plain HTTP only.
  if (def.httpsPort === undefined) delete inherited.tls;
  // One registry for the process: every service's traffic under its own `service` label.
  inherited.metrics = shared.metrics;
  // An admin API bound to its own interface is not reachable through any service's stub port either.
  if (main.adminHost !== undefined && main.adminOnStubPort !== true) inherited.adminOnStubPort = false;
  if (main.logger?.child) inherited.logger = main.logger.child({ service: def.name });
  // A service file's `cors: true` means "with the main service's CORS origins, if it has them".
  const ownCors = def.cors === true && typeof main.cors === 'object' ? main.cors : def.cors;
  // POST /__admin/shutdown on any service's admin API stops the whole process, as on the main one.
  return { ...inherited, ...def, ...(ownCors !== undefined ? { cors: ownCors } : {}), discoverServices: false, onShutdownRequest: shared.onShutdownRequest };
}
