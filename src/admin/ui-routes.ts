/**
 * What the web admin UI needs beyond the WireMock API: the live event stream (server-sent events),
 * the recent log as live rows, per-stub match counts, the traffic series for the chart and the
 * near-miss report of one logged request; and the UI's own static files.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Response, type Router } from 'express';
import type { MockEngine } from '../core/engine.js';
import { namespaceEngine } from './namespace-scope.js';
import type { Stub } from '../core/stub.js';
import { findNearMisses, formatNearMissReport, suggestStub } from '../core/matching/near-miss.js';
import { liveEntry, type EventHub, type HubMessage } from './event-hub.js';
import { AdminProblem, notFound, sendProblem } from './problem.js';
import { fileOfStub } from './local-admin.js';
import { requestOf } from './wiremock-json.js';

/**
 * Bytes an event-stream client may leave unread before it is dropped. A browser tab in the background
 * or a stalled proxy stops reading; the server then keeps at most this much for it, never more.
 */
export const MAX_UNREAD_BYTES = 1024 * 1024;
/** Events are gathered this long before they are written. */
const FLUSH_MS = 20;
/** A comment line this often keeps idle proxies from closing the stream. */
const HEARTBEAT_MS = 15_000;

function sse(message: HubMessage): string {
  return `event: ${message.type}\ndata: ${JSON.stringify(message.data)}\n\n`;
}

export interface UiRoutesOptions {
  engine: MockEngine;
  /** The server's live events, made at start (and closed when the server stops). */
  hub: EventHub;
  /** A stub file's name as users see it (relative to the stubs folder). */
  relativeFile?: (absolutePath: string) => string;
}

/** The live routes, mounted on the admin router (behind its token check). */
export function installUiRoutes(router: Router, options: UiRoutesOptions): void {
  // The journal and stubs of the namespace the call names (the UI's namespace picker), else the default one's.
  const engineOf = (): MockEngine => namespaceEngine() ?? options.engine;
  const hub = options.hub;
  const fileOf = (stub: Stub): string | undefined => fileOfStub(stub, options.relativeFile);
  router.get('/decoy/events', (req: Request, res: Response) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    // A client that reconnects waits this long (ms); "ready" tells it the subscription is live.
    res.write(`retry: 2000\nevent: ready\ndata: ${JSON.stringify({ at: Date.now() })}\n\n`);
    // Under load, events are written in batches (one write per FLUSH_MS), not one small write each:
    // the browser then wakes once per batch, and the server makes one syscall for many events.
    let pending: string[] = [];
    let pendingBytes = 0;
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      flushTimer = undefined;
      if (pending.length === 0 || res.destroyed) return;
      res.write(pending.join(''));
      pending = [];
      pendingBytes = 0;
    };
    const behind = () => res.writableLength + pendingBytes > MAX_UNREAD_BYTES;
    const heartbeat = setInterval(() => {
      if (behind()) res.destroy();
      else res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const stop = () => {
      clearInterval(heartbeat);
      if (flushTimer) clearTimeout(flushTimer);
      flushTimer = undefined;
    };
    const off = hub.subscribe({
      write: (message) => {
        if (res.destroyed || behind()) return false;
        const text = sse(message);
        pending.push(text);
        pendingBytes += text.length;
        flushTimer ??= setTimeout(flush, FLUSH_MS);
        return true;
      },
      end: () => {
        stop();
        if (behind()) {
          res.destroy();
        } else {
          flush();
          res.end();
        }
      },
    });
    req.on('close', () => {
      stop();
      off();
    });
  });

  router.get('/decoy/log', (req: Request, res: Response) => {
    const raw = req.query.limit;
    const limit = raw === undefined ? 1000 : Number(raw);
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new AdminProblem(400, 'Invalid query parameter limit', [{ pointer: '?limit', detail: `limit must be a whole number >= 0 (got ${JSON.stringify(raw)})` }]);
    }
    // Oldest first, as the live stream appends.
    const engine = engineOf();
    res.json({ entries: engine.journal.newestFirst(limit).reverse().map(liveEntry), journalEnabled: engine.journal.enabled });
  });

  router.get('/decoy/match-counts', (_req: Request, res: Response) => {
    res.json({ counts: hub.matchCounts() });
  });

  router.get('/decoy/traffic', (req: Request, res: Response) => {
    const seconds = req.query.seconds === undefined ? 120 : Number(req.query.seconds);
    if (!Number.isFinite(seconds) || seconds < 1) {
      throw new AdminProblem(400, 'Invalid query parameter seconds', [{ pointer: '?seconds', detail: `seconds must be a number from 1 to 300 (got ${JSON.stringify(req.query.seconds)})` }]);
    }
    res.json(hub.traffic(seconds));
  });

  router.get('/decoy/requests/:id/near-misses', (req: Request, res: Response) => {
    const engine = engineOf();
    const e = engine.journal.get(String(req.params.id));
    if (!e) throw notFound(`Request ${req.params.id}`, false);
    const request = requestOf(e);
    const misses = findNearMisses(engine.stubs, request);
    res.json({
      matched: e.stub !== undefined,
      nearMisses: misses.map((m) => ({
        stub: { id: m.stub.id, ...(m.stub.name ? { name: m.stub.name } : {}), ...(fileOf(m.stub) ? { file: fileOf(m.stub) } : {}) },
        distance: m.distance,
        fields: m.fields,
      })),
      report: formatNearMissReport(request, misses),
      suggestion: suggestStub(request),
    });
  });
}

/** The built UI: beside the compiled admin API in the package, or in `dist/` when run from the sources. */
export function findUiFolder(): string | undefined {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, '..', 'admin-ui'), path.join(here, '..', '..', 'dist', 'admin-ui')]) {
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

/**
 * Serves the UI's files under `/__admin/ui/`: hashed assets cached for good, the page itself always
 * revalidated, and any other path under the UI answered with the page (the UI routes in the browser).
 * Nothing outside the UI folder is reachable (the static handler refuses `..` and dotfiles).
 */
export function uiHandler(folder: string | undefined = findUiFolder()): express.Router {
  const ui = express.Router();
  if (folder === undefined) {
    ui.use((_req: Request, res: Response) => {
      sendProblem(res, 404, 'The web admin UI is not built', [{ detail: 'build it with npm run build (it is shipped in the package as dist/admin-ui)' }]);
    });
    return ui;
  }
  const index = path.join(folder, 'index.html');
  ui.use((req: Request, res: Response, next) => {
    // The page's relative links need the trailing slash.
    if (req.path === '/' && !req.originalUrl.split('?')[0]!.endsWith('/')) res.redirect(301, `${req.baseUrl}/`);
    else next();
  });
  ui.use(express.static(folder, {
    index: false,
    dotfiles: 'ignore',
    fallthrough: true,
    setHeaders: (res, file) => {
      res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.setHeader('X-Content-Type-Options', 'nosniff');
    },
  }));
  ui.use((req: Request, res: Response) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendProblem(res, 405, 'Method Not Allowed', [{ detail: `the web admin UI answers GET only (got ${req.method})` }]);
      return;
    }
    // A missing asset is a 404, not the page (a stale tab asking for an old hashed file must not get HTML).
    if (req.path.startsWith('/assets/')) {
      sendProblem(res, 404, 'Not Found', [{ detail: `no UI asset ${req.path}` }]);
      return;
    }
    res.sendFile(index, { cacheControl: false, headers: { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' } });
  });
  return ui;
}
