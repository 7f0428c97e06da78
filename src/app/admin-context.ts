/**
 * What the admin API of one service works on (its engine, stubs folder, recorder, live events, ...),
 * and the admin API itself, loaded on its first request.
 */
import type { AdminContext, UnsavedChanges } from '../admin/admin-app.js';
import type { EventHub } from '../admin/event-hub.js';
import { AdminProblem } from '../admin/problem.js';
import type { MockEngine } from '../core/engine.js';
import { isDecoyError } from '../core/errors.js';
import type { Logger } from '../observability/logger.js';
import type { DecoyMetrics } from '../observability/metrics.js';
import type { Recorder } from '../proxy/recorder.js';
import type { AdminHandler, ServiceInfo } from '../services/service-admin.js';
import type { StubFolder } from '../sources/stub-folder.js';
import type { ServiceConfig } from './config.js';
import type { ContractChecker } from '../core/contract/check-stub.js';
import type { Namespaces } from '../core/namespaces/namespaces.js';

export interface AdminParts {
  config: ServiceConfig;
  engine: MockEngine;
  startedAt: number;
  recorder: Recorder;
  events: EventHub;
  metrics: DecoyMetrics;
  /** The stubs folder, when the service has one: saving, body files and file names need it. */
  folder: StubFolder | undefined;
  services(): ServiceInfo[];
  certificate(): string | undefined;
  /** What `POST /__admin/shutdown` does. */
  shutdown(): void;
  /** The contracts stubs posted over the API are checked against. */
  contract?: ContractChecker | undefined;
  /** The service's namespaces: admin calls that name one work on its engine. */
  namespaces?: Namespaces;
}

export function createAdminContext(parts: AdminParts): AdminContext {
  const { config, engine, folder: f } = parts;
  const { options } = config;
  return {
    services: parts.services,
    certificate: parts.certificate,
    recorder: parts.recorder, events: parts.events,
    engine, startedAt: parts.startedAt, token: options.adminToken,
    ...(parts.namespaces ? { namespaces: parts.namespaces, namespaceHeader: config.namespaces.header } : {}),
    maxBodyBytes: config.maxBodyBytes,
    ...(options.globalTemplating ? { globalTemplating: true } : {}),
    validateRequests: options.validateRequests ?? false,
    ...(parts.contract ? { contract: parts.contract } : {}),
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
      if (f && !config.watch) await f.load();
    },
    loadErrors: () => f?.errors() ?? [],
    ...(f ? { relativeFile: (abs: string) => f.relative(abs) } : {}),
    metrics: parts.metrics,
    shutdown: parts.shutdown,
  };
}

/**
 * The admin API, loaded on its first request: express and its dependencies take a tenth of a second
 * to import, which start-up need not wait for (the first stub request is served without them).
 */
export function lazyAdmin(ctx: AdminContext, logger: Logger): AdminHandler {
  let app: Promise<AdminHandler> | undefined;
  return (req, res) => {
    app ??= import('../admin/admin-app.js').then((m) => m.createAdminApp(ctx) as unknown as AdminHandler);
    app.then((handle) => handle(req, res), (e: unknown) => {
      logger.error(`the admin API failed to load: ${(e as Error).stack ?? e}`);
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('the admin API failed to load\n');
    });
  };
}
