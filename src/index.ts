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
 *
 * The composition root that builds a Decoy lives in `app/`; this module only exports.
 */
import type { Decoy } from './app/decoy.js';
import type { DecoyOptions } from './app/options.js';
import { createMainService } from './app/service.js';

export type { Decoy } from './app/decoy.js';
export type { DecoyOptions, ServiceOptions } from './app/options.js';
export { DecoyError } from './core/errors.js';
export type { StubDefinition, RequestPatternDefinition, ResponseDefinition } from './core/stub-definition.js';
export type { Logger } from './observability/logger.js';
export { createLogger } from './observability/logger.js';
export { DecoyMetrics } from './observability/metrics.js';
export type { TlsOptions } from './http/tls.js';
export type { CorsOptions } from './http/cors.js';
export type { ServiceInfo } from './services/service-admin.js';

/** A Decoy with these options (checked at once: a combination that cannot work throws DecoyError); `start()` serves it. */
export function createDecoy(options: DecoyOptions = {}): Decoy {
  return createMainService(options);
}
export type { StoreOptions } from './store/store-options.js';
