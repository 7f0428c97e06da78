/**
 * What a user passes to `createDecoy`: the options of the main service and of the services beside it.
 * Defaults and checks live in the configuration that is resolved from them.
 */
import type { StoreOptions } from '../store/store-options.js';
import type { Logger } from '../observability/logger.js';
import type { DecoyMetrics } from '../observability/metrics.js';
import type { RedactionSettings } from '../core/recording/redaction.js';
import type { CorsOptions } from '../http/cors.js';
import type { TlsOptions } from '../http/tls.js';

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
  /** Most stub callbacks (the webhooks of one served request) waiting or being sent at once; beyond it they are refused and journaled as such. Default 1,000. */
  maxPendingWebhooks?: number;
  /** Most webhook requests in flight at once. Default 16. */
  maxConcurrentWebhooks?: number;
  /** Where callbacks may go: host names (`hooks.test`, `*.test`), addresses or CIDR networks. Default: anywhere. */
  webhookAllow?: string[];
  /** Require `Authorization: Bearer <token>` on every admin call. */
  adminToken?: string;
  /** How many requests the journal keeps (oldest dropped first). 0 disables it. Default 10,000. */
  journalSize?: number;
  /**
   * The journal's byte budget: the request and response bodies it keeps, plus about 1 KB per entry; beyond
   * it the oldest entries go first, so large bodies cannot grow it past a bound. Default 256 MiB.
   */
  journalMaxBytes?: number;
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
  /** API contracts (OpenAPI documents) every stub from files, the admin API and recordings is checked against (docs/guides/openapi.md). */
  contract?: string[];
  /** Refuse stubs that break a contract (default: load them with a warning, marked). */
  contractStrict?: boolean;
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
  /**
   * Send traces of served requests over OTLP/HTTP to this base URL (`/v1/traces` is added), e.g.
   * `http://localhost:4318`. Tracing is also on when the standard OTEL_EXPORTER_OTLP_ENDPOINT or
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT variable is set. Default: off (nothing of it is loaded).
   */
  otlpEndpoint?: string;
  /**
   * Share run-time state (scenarios, sequences, counts, chaos rules, settings, the journal, recordings, API
   * stub changes) with the other replicas using the same Redis: a `redis://` URL, or it with a key prefix and
   * `optional`. Default: in this process. The main service only.
   */
  store?: string | StoreOptions;
  /**
   * The header that names a request's namespace (its own API stubs, scenarios, counters, resource items and
   * journal, over the shared file stubs). Admin calls name theirs with it too. Default `X-Decoy-Namespace`.
   */
  namespaceHeader?: string;
  /**
   * A path prefix that names the namespace too: with `/ns`, `/ns/<name>/orders` is served as `/orders` in
   * namespace `<name>` (for a service under test that can be given only a base URL). Default: none.
   */
  namespacePathPrefix?: string;
  /** How long a namespace may go unused before it is dropped, in ms. Default 30 minutes. */
  namespaceIdleTimeoutMs?: number;
  /** The most namespaces at once; a request that would create one more gets a 429. 0 turns namespaces off. Default 1,000. */
  maxNamespaces?: number;
  /** Serve each subfolder of `stubsDir` with a `decoy.service.yaml` as a service of its own. Default true. */
  discoverServices?: boolean;
}

/** One more service of a Decoy (see `DecoyOptions.services`). */
export interface ServiceOptions extends Omit<DecoyOptions, 'services' | 'discoverServices' | 'onShutdownRequest' | 'recordTarget' | 'recordSpec' | 'adminPort'> {
  name: string;
  /** Its own port for stubs and `/__admin`; 0 picks a free one. */
  port: number;
  stubsDir: string;
}
