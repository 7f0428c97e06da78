/** What `createDecoy` returns: a running (or not yet started) Decoy and its services. */
import type { MockEngine } from '../core/engine.js';
import type { RedactionReport } from '../core/recording/redaction.js';
import type { DecoyMetrics } from '../observability/metrics.js';
import type { ServiceInfo } from '../services/service-admin.js';
import type { LoadReport } from '../sources/stub-folder.js';

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
