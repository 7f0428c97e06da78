/**
 * The admin REST API on express 5: WireMock's `/__admin` (same paths, methods, JSON shapes and status
 * codes as WireMock 3.13), the paths older clients still call as aliases, and Decoy's extensions
 * under `/__admin/decoy/`. Handlers validate everything before changing anything, so a rejected
 * request changes nothing.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { MockEngine } from '../core/engine.js';
import { DecoyError, isDecoyError } from '../core/errors.js';
import { jsonTextTooDeep, MAX_JSON_DEPTH } from '../core/json-depth.js';
import { findNearMisses } from '../core/matching/near-miss.js';
import { compileRequestPattern, type RequestMatcher } from '../core/matching/request-pattern.js';
import { isPlainObject } from '../core/matching/matcher-support.js';
import { compileValueMatcher } from '../core/matching/value-matchers.js';
import { createBodyView } from '../core/matching/body-view.js';
import { DecoyRequest } from '../core/request.js';
import type { ServeEvent } from '../core/state/journal.js';
import { STARTED } from '../core/state/scenarios.js';
import { compileStub, type Stub } from '../core/stub.js';
import { loadSchemaGenerator } from '../core/response/schema-response.js';
import type { RequestPatternDefinition, StubDefinition } from '../core/stub-definition.js';
import { validateRequestPattern, validateStubDefinition } from '../core/stub-schema.js';
import type { Recorder } from '../proxy/recorder.js';
import type { ServiceInfo } from '../services/service-admin.js';
import { VERSION } from '../version.js';
import { registerOpenApiRoutes } from './openapi-routes.js';
import { checkTimerLimits } from './timer-limits.js';
import { parseYamlBody, saysYaml, withSourceLines, type StubBody } from './stub-body.js';
import { AdminProblem, isAdminProblem, notFound, problemMiddleware, sendProblem } from './problem.js';
import { lineColumn, parseWireMockJson, relaxWireMockRequestPattern, relaxWireMockStub } from '../sources/wiremock-leniency.js';
import { loggedRequestJson, mappingJson, matchResultJson, nearMissJson, requestOf, serveEventJson } from './wiremock-json.js';
import { addMetricsRoute } from './metrics-route.js';
import type { DecoyMetrics } from '../observability/metrics.js';
import type { EventHub } from './event-hub.js';
import { fileOfStub, installUiRoutes, uiHandler } from './ui-routes.js';

/** What the API changed and a save would write (the engine's unsaved changes). */
export type UnsavedChanges = ReturnType<MockEngine['unsavedChanges']>;

export interface SaveResult {
  /** Files written (created or rewritten), relative to the stubs folder. */
  written: string[];
}

export interface AdminContext {
  engine: MockEngine;
  startedAt: number;
  /** When set, every admin call needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Reads a body file for a stub created over the API (from the stubs folder's `__files/`). */
  readBodyFile?: (name: string, pointer: string) => Buffer;
  /** Template every response of stubs created over the API too (`--global-templating`). */
  globalTemplating?: boolean;
  /**
   * Writes what the API changed into the stubs folder; with `only`, just those changes (deleted file
   * stubs leave their files, and a file left empty is deleted). Throws AdminProblem when it cannot.
   */
  save(only?: Partial<UnsavedChanges>): Promise<SaveResult>;
  /** Re-reads the stub files (after a reset, when not watching). */
  reloadFiles(): Promise<void>;
  /** The current problems of stub files. */
  loadErrors(): DecoyError[];
  /** The recorder behind /__admin/recordings. */
  recorder: Recorder;
  /** A stub file's name relative to the stubs folder, for API answers (independent of the server's working directory). */
  relativeFile?: (absolutePath: string) => string;
  /** Stops the server (after the answer is sent). */
  shutdown(): void;
  /** Largest admin request body, in bytes. */
  maxBodyBytes: number;
  /** Served at /__admin/metrics (Prometheus text). */
  metrics?: DecoyMetrics;
  /** The services of this process, for `GET /__admin/decoy/services`. */
  services?: () => ServiceInfo[];
  /** The certificate HTTPS serves (PEM), when it does. */
  certificate?: () => string | undefined;
  /** Whether stubs from OpenAPI documents posted at run time validate requests (`--validate-requests`). */
  validateRequests?: boolean;
  /** The server's live events for the web UI (made at start, so match counts cover every request). */
  events: EventHub;
}

/** Global settings, as WireMock keeps them (the engine applies their delay; the rest is echoed back). */
export type GlobalSettings = Record<string, unknown>;

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!m) return false;
  // Hash both so the comparison takes the same time whatever the lengths (timingSafeEqual needs equal lengths).
  const a = createHash('sha256').update(m[1]!.trim()).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

function parseJsonBody(req: Request): unknown {
  const text = typeof req.body === 'string' ? req.body : '';
  if (text.trim() === '') throw new AdminProblem(422, 'Error parsing JSON', [{ pointer: '/', detail: 'the request body is empty; this endpoint needs a JSON body' }], 10);
  // Compiling and validating walk the body recursively: refuse what would overflow the stack.
  if (jsonTextTooDeep(text)) throw new AdminProblem(422, 'JSON nested too deeply', [{ detail: `the body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep` }], 10);
  try {
    return JSON.parse(text);
  } catch (e) {
    // WireMock's admin API reads bodies with the same lenient reader as its mapping files (comments,
    // single quotes, text after the value), so scripts that post real mapping files work unchanged.
    try {
      return parseWireMockJson(text).value;
    } catch {
      // Not even WireMock's reader takes it: report the strict parser's error, which says where.
    }
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    if (pos) {
      const { line, column } = lineColumn(text, Number(pos[1]));
      where = ` at line ${line}, column ${column}`;
    }
    throw new AdminProblem(422, 'Error parsing JSON', [{ detail: `${msg}${where}` }], 10);
  }
}

/**
 * A stub body: WireMock's JSON, or Decoy's YAML (by its Content-Type, or when the body is not JSON but
 * is a YAML mapping or list). A body that is neither keeps WireMock's JSON error.
 */
function readStubBody(req: Request): StubBody {
  const text = typeof req.body === 'string' ? req.body : '';
  if (saysYaml(req)) {
    if (text.trim() === '') throw new AdminProblem(422, 'Invalid YAML', [{ pointer: '/', detail: 'the request body is empty; this endpoint needs a stub' }], 10);
    if (jsonTextTooDeep(text)) throw new AdminProblem(422, 'YAML nested too deeply', [{ detail: `the body nests lists and maps more than ${MAX_JSON_DEPTH} levels deep` }], 10);
    return parseYamlBody(text, false)!;
  }
  try {
    const value = parseJsonBody(req);
    // WireMock's JSON leniencies (numbers as strings, basicAuth, a pattern's second operator, ...) apply
    // to posted stubs as to mapping files; Decoy's YAML stays strict.
    if (isPlainObject(value) && Array.isArray(value.mappings)) value.mappings.forEach((m) => relaxWireMockStub(m));
    else relaxWireMockStub(value);
    return { value };
  } catch (e) {
    if (isAdminProblem(e) && e.title === 'Error parsing JSON' && text.trim() !== '' && !jsonTextTooDeep(text)) {
      const yaml = parseYamlBody(text, true);
      if (yaml) return yaml;
    }
    throw e;
  }
}

function intParam(req: Request, name: string): number | undefined {
  const raw = req.query[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
    throw new AdminProblem(400, `Invalid query parameter ${name}`, [{ pointer: `?${name}`, detail: `${name} must be a whole number >= 0 (got ${JSON.stringify(raw)})` }]);
  }
  return n;
}


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** WireMock answers 400 to an id that is not a UUID; Decoy also knows stubs whose files gave them other ids. */
function checkId(id: string, known: boolean): void {
  if (!known && !UUID.test(id)) throw new AdminProblem(400, `${id} is not a valid UUID`, [{ detail: `${id} is not a valid UUID` }], 10);
}

/** A request pattern as one string, for WireMock's equality of patterns: keys in any order, no method means ANY. */
function canonicalPattern(pattern: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (!isPlainObject(v)) return v;
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  };
  const p = isPlainObject(pattern) ? pattern : {};
  return JSON.stringify(sorted({ ...p, method: p.method ?? 'ANY' }));
}

/** WireMock answers some calls with an empty 200; so does Decoy, for clients that expect exactly that. */
function empty(res: Response): void {
  res.status(200).end();
}

export function createAdminApp(ctx: AdminContext): express.Express {
  const { engine } = ctx;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  const router = express.Router();

  router.use((req: Request, res: Response, next: NextFunction) => {
    // The health check stays open: container and CI probes cannot carry a token, and it reveals only liveness.
    const open = req.path === '/health' && (req.method === 'GET' || req.method === 'HEAD');
    if (ctx.token !== undefined && !open && !tokenMatches(req.headers.authorization, ctx.token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="decoy-admin"'); // RFC 6750 section 3
      next(new AdminProblem(401, 'Unauthorized', [{ detail: 'this Decoy needs an admin token: send Authorization: Bearer <token>' }]));
      return;
    }
    next();
  });
  // Bodies are read as text whatever their Content-Type (clients often send none) and parsed by each handler.
  router.use(express.text({ type: () => true, limit: ctx.maxBodyBytes }));
  // A stub with a generated body serves only once json-schema-faker is loaded: load it before such a stub goes in.
  router.use(async (req, _res, next) => {
    if (typeof req.body === 'string' && /"schema"|\bschema\s*:/.test(req.body)) await loadSchemaGenerator();
    next();
  });

  /** Validates and compiles a stub definition from the API; every problem is reported at once. */
  /** @param replacing the stub an edit replaces: the edit keeps its id and its place in the order, as in WireMock. */
  const compile = (def: unknown, replacing?: Stub): Stub => {
    // WireMock points at the whole document with "/".
    if (!isPlainObject(def)) throw new AdminProblem(422, 'Invalid stub', [{ pointer: '/', detail: 'a stub must be a JSON object with request and response' }]);
    const problems = validateStubDefinition(def);
    if (problems.length) throw new AdminProblem(422, 'Invalid stub', problems.map((p) => ({ pointer: p.pointer, detail: p.message })), 10);
    const d = def as StubDefinition;
    const id = replacing?.id ?? d.id ?? d.uuid ?? randomUUID();
    const { uuid: _u, ...rest } = d;
    return compileStub({ ...rest, id }, {
      sequence: replacing?.sequence ?? engine.nextSequence(),
      origin: {},
      // As WireMock, a body file that is not there yet is read per request (500 until it appears).
      ...(ctx.readBodyFile ? { readBodyFile: ctx.readBodyFile, readBodyFileAtRequest: (name: string) => ctx.readBodyFile!(name, '/response/bodyFileName'), bodyFileMayComeLater: true } : {}),
      ...(ctx.globalTemplating ? { globalTemplating: true } : {}),
    });
  };

  const compilePattern = (def: unknown): RequestMatcher => {
    if (!isPlainObject(def)) throw new AdminProblem(422, 'Invalid request pattern', [{ pointer: '', detail: 'a request pattern must be a JSON object' }]);
    relaxWireMockRequestPattern(def);
    const problems = validateRequestPattern(def).map((p) => ({ pointer: p.pointer, detail: p.message }));
    if (problems.length) throw new AdminProblem(422, 'Invalid request pattern', problems, 10);
    return compileRequestPattern(def as RequestPatternDefinition, '');
  };

  /** The version of a stub its file holds, when it came from one (an API edit keeps its file's version as its base). */
  const fileVersionOf = (stub: Stub): Stub | undefined => (engine.isFromFile(stub) ? stub : engine.unsavedChanges().edited.find((e) => e.stub.id === stub.id)?.base);
  /**
   * Removes stubs. As in WireMock, a persistent stub's removal is persisted: it is deleted from its
   * file at once, so a reset or a restart does not bring it back. Other stubs from files are only
   * hidden (until a reset or a save, as before).
   */
  const removeStubs = async (stubs: readonly Stub[], all = false): Promise<void> => {
    const files = stubs.filter((s) => s.definition.persistent === true).map(fileVersionOf).filter((s): s is Stub => s !== undefined);
    // The files first: when one cannot be written (it changed on disk), nothing is removed.
    if (files.length) await ctx.save({ deleted: files });
    if (all) engine.removeAllStubs();
    else for (const s of stubs) engine.removeStub(s.id);
  };
  /** Writes the persistent ones of these stubs (just put in) to their files at once, as WireMock does on every change. */
  const persist = async (stubs: readonly Stub[]): Promise<void> => {
    const ids = new Set(stubs.filter((s) => s.definition.persistent === true).map((s) => s.id));
    if (ids.size === 0) return;
    const changes = engine.unsavedChanges();
    const created = changes.created.filter((s) => ids.has(s.id));
    const edited = changes.edited.filter((e) => ids.has(e.stub.id));
    if (created.length || edited.length) await ctx.save({ created, edited });
  };

  const journalDisabled = () => !engine.journal.enabled;
  const matching = (pattern: RequestMatcher) => engine.journal.newestFirst().filter((e) => pattern.test(requestOf(e)));

  // ---- mappings ----
  router.get('/mappings', (req, res) => {
    const limit = intParam(req, 'limit');
    const offset = intParam(req, 'offset') ?? 0;
    const all = engine.stubs.all;
    const page = all.slice(offset, limit === undefined ? undefined : offset + limit);
    res.json({ mappings: page.map(mappingJson), meta: { total: all.length } });
  });
  router.post('/mappings', async (req, res) => {
    const body = readStubBody(req);
    const stub = await withSourceLines(body, () => compile(body.value));
    // As WireMock: creating never replaces (PUT /mappings/{id} edits, an import may overwrite).
    if (engine.stubs.get(stub.id)) {
      throw new AdminProblem(422, 'Duplicate stub mapping ID', [{ title: 'Duplicate stub mapping ID', detail: `ID of the provided stub mapping '${stub.id}' is already taken by another stub mapping` }], 109);
    }
    engine.putStub(stub);
    await persist([stub]);
    res.status(201).json(mappingJson(stub));
  });
  router.delete('/mappings', async (_req, res) => {
    await removeStubs(engine.stubs.all, true);
    res.json({});
  });
  router.post('/mappings/reset', async (_req, res) => {
    // As in WireMock, resetting the mappings also empties the journal.
    engine.resetStubs();
    engine.journal.clear();
    await ctx.reloadFiles();
    empty(res);
  });
  router.post('/mappings/save', async (_req, res) => {
    const result = await ctx.save();
    // WireMock answers an empty 200; Decoy adds which files it wrote, when it wrote any.
    if (result.written.length === 0) empty(res);
    else res.json(result);
  });
  router.post('/mappings/import', async (req, res) => {
    const parsed = readStubBody(req);
    // Decoy's YAML may also be a plain list of stubs, as a stub file is.
    const isList = parsed.yaml !== undefined && Array.isArray(parsed.value);
    const body = isList ? { mappings: parsed.value } : parsed.value;
    const sourcePointer = (p: string): string => (isList ? p.replace(/^\/mappings/, '') : p);
    if (!isPlainObject(body) || !Array.isArray(body.mappings)) {
      throw new AdminProblem(422, 'Invalid import', [{ pointer: '/mappings', detail: 'mappings must be a list of stubs' }]);
    }
    const options = isPlainObject(body.importOptions) ? body.importOptions : {};
    const policy = options.duplicatePolicy ?? 'OVERWRITE';
    if (policy !== 'OVERWRITE' && policy !== 'IGNORE') {
      throw new AdminProblem(422, 'Invalid import', [{ pointer: '/importOptions/duplicatePolicy', detail: `duplicatePolicy must be one of "OVERWRITE", "IGNORE" (got ${JSON.stringify(policy)})` }]);
    }
    // Compile everything first: one bad stub rejects the whole import.
    const stubs: Stub[] = [];
    const details: Array<{ pointer?: string; detail: string; code?: string }> = [];
    // WireMock adds an import's stubs last to first, so the first in the list is the most recent; a
    // stub that replaces one with its id keeps that one's place.
    const mappings = body.mappings as unknown[];
    [...mappings].reverse().forEach((m, r) => {
      const i = mappings.length - 1 - r;
      try {
        const id = isPlainObject(m) ? (m.id ?? m.uuid) : undefined;
        const existing = typeof id === 'string' ? engine.stubs.get(id) : undefined;
        stubs.push(compile(m, policy === 'OVERWRITE' ? existing : undefined));
      } catch (e) {
        if (e instanceof AdminProblem) details.push(...e.details.map((d) => ({ pointer: `/mappings/${i}${d.pointer ?? ''}`, detail: d.detail })));
        else if (isDecoyError(e)) details.push({ pointer: `/mappings/${i}${e.source?.pointer ?? ''}`, code: e.code, detail: e.message });
        else throw e;
      }
    });
    if (details.length) await withSourceLines(parsed, () => { throw new AdminProblem(422, 'Invalid import', details, 10); }, sourcePointer);
    if (options.deleteAllNotInImport === true) {
      const keep = new Set(stubs.map((s) => s.id));
      await removeStubs(engine.stubs.all.filter((s) => !keep.has(s.id)));
    }
    const added: Stub[] = [];
    for (const s of stubs) {
      if (policy === 'IGNORE' && engine.stubs.get(s.id)) continue;
      engine.putStub(s);
      added.push(s);
    }
    await persist(added);
    empty(res);
  });
  /**
   * WireMock's removal by stub (`removeStub(StubMapping)`, `removeStub(MappingBuilder)`): the stub with the
   * body's id when there is one, else every stub whose request pattern is the body's (the same keys and
   * values, in any order; no method is `ANY`). The body is read as a stub; its response may be left out.
   */
  router.post('/mappings/remove', async (req, res) => {
    const body = parseJsonBody(req);
    if (!isPlainObject(body)) throw new AdminProblem(422, 'Invalid stub', [{ pointer: '/', detail: 'the body must be a stub (a JSON object), or at least its request pattern' }]);
    const id = body.id ?? body.uuid;
    const idKey = body.id !== undefined ? 'id' : 'uuid';
    if (id !== undefined && (typeof id !== 'string' || (!UUID.test(id) && !engine.stubs.get(id)))) {
      throw new AdminProblem(422, 'Invalid stub', [{ pointer: `/${idKey}`, detail: `${idKey} must be a UUID (got ${JSON.stringify(id)})` }]);
    }
    if (body.request !== undefined) {
      const problems = validateRequestPattern(body.request, '/request').map((p) => ({ pointer: p.pointer, detail: p.message }));
      if (problems.length) throw new AdminProblem(422, 'Invalid stub', problems, 10);
    }
    const byId = typeof id === 'string' ? engine.stubs.get(id) : undefined;
    if (byId) {
      await removeStubs([byId]);
    } else {
      // WireMock deletes no file here: it looks a persistent stub's file up by the body's id only.
      const pattern = canonicalPattern(body.request);
      for (const s of engine.stubs.all.filter((x) => canonicalPattern(x.definition.request) === pattern)) engine.removeStub(s.id);
    }
    empty(res);
  });
  /** WireMock's metadata search: the body is a matcher applied to a stub's metadata as JSON. */
  const metadataMatcher = (req: Request): ((stub: Stub | undefined) => boolean) => {
    const matcher = compileValueMatcher(parseJsonBody(req), '');
    return (stub) => {
      const metadata = stub?.definition.metadata;
      if (metadata === undefined) return false;
      const text = JSON.stringify(metadata);
      return matcher.test(text, createBodyView(Buffer.from(text)));
    };
  };
  const byMetadata = (req: Request): Stub[] => engine.stubs.all.filter(metadataMatcher(req));
  router.post('/mappings/find-by-metadata', (req, res) => {
    const found = byMetadata(req);
    res.json({ mappings: found.map(mappingJson), meta: { total: found.length } });
  });
  router.post('/mappings/remove-by-metadata', async (req, res) => {
    await removeStubs(byMetadata(req));
    res.json({});
  });
  const unmatchedStubs = (): Stub[] => {
    const used = engine.journal.servedStubIds();
    return engine.stubs.all.filter((s) => !used.has(s.id));
  };
  router.get('/mappings/unmatched', (_req, res) => {
    const unmatched = unmatchedStubs();
    res.json({ mappings: unmatched.map(mappingJson), meta: { total: unmatched.length } });
  });
  router.delete('/mappings/unmatched', async (_req, res) => {
    await removeStubs(unmatchedStubs());
    res.json({});
  });
  router.get('/mappings/:id', (req, res) => {
    const stub = engine.stubs.get(String(req.params.id));
    checkId(String(req.params.id), stub !== undefined);
    if (!stub) throw notFound(`Stub ${req.params.id}`);
    res.json(mappingJson(stub));
  });
  router.put('/mappings/:id', async (req, res) => {
    const id = String(req.params.id);
    const existing = engine.stubs.get(id);
    checkId(id, existing !== undefined);
    if (!existing) throw notFound(`Stub ${id}`);
    const body = readStubBody(req);
    const stub = await withSourceLines(body, () => compile(body.value, existing));
    engine.putStub(stub);
    await persist([stub]);
    res.json(mappingJson(stub));
  });
  router.delete('/mappings/:id', async (req, res) => {
    const stub = engine.stubs.get(String(req.params.id));
    checkId(String(req.params.id), stub !== undefined);
    if (!stub) throw notFound(`Stub ${req.params.id}`);
    await removeStubs([stub]);
    res.json({});
  });

  // ---- requests (the journal) ----
  router.get('/requests', (req, res) => {
    const limit = intParam(req, 'limit');
    const since = req.query.since;
    let sinceMs: number | undefined;
    if (since !== undefined) {
      sinceMs = Date.parse(String(since));
      if (Number.isNaN(sinceMs)) throw new AdminProblem(400, `${String(since)} is not a valid ISO8601 date`, [{ pointer: 'since', detail: `${String(since)} is not a valid ISO8601 date` }], 10);
    }
    let events = engine.journal.newestFirst();
    // WireMock's filters: only the unmatched events (`unmatched=true`, spelt exactly so), only the events of one stub.
    if (req.query.unmatched === 'true') events = events.filter((e) => e.stub === undefined);
    const matchingStub = req.query.matchingStub;
    if (matchingStub !== undefined) {
      const id = String(matchingStub);
      if (!UUID.test(id) && !engine.stubs.get(id)) {
        throw new AdminProblem(400, `Query parameter matchingStub value '${id}' is not a valid UUID`, [], 15);
      }
      events = events.filter((e) => e.stub?.id === id);
    }
    // WireMock's total counts what those two filters kept, before `since` and `limit`.
    const total = events.length;
    if (sinceMs !== undefined) events = events.filter((e) => e.loggedAt > sinceMs!);
    if (limit !== undefined) events = events.slice(0, limit);
    res.json({ requests: events.map(serveEventJson), meta: { total }, requestJournalDisabled: journalDisabled() });
  });
  const resetRequests = (_req: Request, res: Response) => {
    engine.journal.clear();
    res.json({});
  };
  router.delete('/requests', resetRequests);
  router.post('/requests/reset', resetRequests); // WireMock 2's path, still called by clients
  router.post('/requests/count', (req, res) => {
    const pattern = compilePattern(parseJsonBody(req));
    res.json({ count: matching(pattern).length, requestJournalDisabled: journalDisabled() });
  });
  router.post('/requests/find', (req, res) => {
    const pattern = compilePattern(parseJsonBody(req));
    // WireMock lists found requests oldest first (the journal listing is newest first).
    res.json({ requests: matching(pattern).reverse().map(loggedRequestJson), requestJournalDisabled: journalDisabled() });
  });
  router.post('/requests/remove', (req, res) => {
    const pattern = compilePattern(parseJsonBody(req));
    const removed = engine.journal.remove((e) => pattern.test(requestOf(e)));
    res.json({ serveEvents: removed.reverse().map(serveEventJson) });
  });
  router.post('/requests/remove-by-metadata', (req, res) => {
    const matches = metadataMatcher(req);
    const removed = engine.journal.remove((e) => matches(e.stub));
    res.json({ serveEvents: removed.reverse().map(serveEventJson) });
  });
  const unmatchedEvents = (): ServeEvent[] => engine.journal.newestFirst().filter((e) => e.stub === undefined);
  router.get('/requests/unmatched', (_req, res) => {
    res.json({ requests: unmatchedEvents().map(loggedRequestJson), requestJournalDisabled: journalDisabled() });
  });
  router.get('/requests/unmatched/near-misses', (_req, res) => {
    const nearMisses = unmatchedEvents().flatMap((e) => {
      const json = loggedRequestJson(e);
      return findNearMisses(engine.stubs, requestOf(e)).map((n) => nearMissJson(n, json));
    });
    res.json({ nearMisses });
  });

  // ---- near misses ----
  const nearMissesForRequest = (req: Request, res: Response) => {
    const body = parseJsonBody(req);
    if (!isPlainObject(body) || typeof body.url !== 'string') {
      throw new AdminProblem(422, 'Invalid request', [{ pointer: '/url', detail: 'a logged request needs a url (and usually a method)' }]);
    }
    const headers: Record<string, string[]> = {};
    if (isPlainObject(body.headers)) {
      for (const [k, v] of Object.entries(body.headers)) headers[k.toLowerCase()] = (Array.isArray(v) ? v : [v]).map(String);
    }
    const bodyBytes = typeof body.bodyAsBase64 === 'string' ? Buffer.from(body.bodyAsBase64, 'base64') : Buffer.from(typeof body.body === 'string' ? body.body : '');
    const request = new DecoyRequest(typeof body.method === 'string' ? body.method : 'GET', body.url, headers, bodyBytes);
    // Echo the request as WireMock does: a LoggedRequest with the fields it fills in when absent.
    const { body: _body, ...given } = body;
    const echoed = { queryParams: {}, formParams: {}, browserProxyRequest: false, port: -1, ...given };
    res.json({ nearMisses: findNearMisses(engine.stubs, request).map((n) => nearMissJson(n, echoed)) });
  };
  const nearMissesForPattern = (req: Request, res: Response) => {
    const def = parseJsonBody(req);
    const pattern = compilePattern(def);
    const scored = engine.journal.newestFirst().map((e) => ({ e, distance: pattern.distance(requestOf(e)) }))
      .sort((a, b) => a.distance - b.distance).slice(0, 3);
    res.json({ nearMisses: scored.map(({ e, distance }) => ({ request: loggedRequestJson(e), requestPattern: def, matchResult: matchResultJson(distance) })) });
  };
  router.post('/near-misses/request', nearMissesForRequest);
  router.post('/near-misses/request-pattern', nearMissesForPattern);
  // The paths wiremock-rest-client builds for these.
  router.post('/requests/near-misses/request', nearMissesForRequest);
  router.post('/requests/near-misses/request-pattern', nearMissesForPattern);

  router.get('/requests/:id', (req, res) => {
    checkId(String(req.params.id), false);
    const e = engine.journal.get(String(req.params.id));
    if (!e) throw notFound(`Request ${req.params.id}`);
    res.json(serveEventJson(e));
  });
  router.delete('/requests/:id', (req, res) => {
    const id = String(req.params.id);
    checkId(id, false);
    // As in WireMock, removing an id the journal does not hold is not an error.
    engine.journal.remove((e) => e.id === id);
    res.json({});
  });

  // ---- scenarios ----
  /** Scenarios in the order their stubs were added, each with its stubs oldest first (WireMock's order). */
  const scenarioStubs = (): Map<string, Stub[]> => {
    const out = new Map<string, Stub[]>();
    for (const s of [...engine.stubs.all].sort((a, b) => a.sequence - b.sequence)) {
      if (!s.scenario) continue;
      const list = out.get(s.scenario.name) ?? [];
      list.push(s);
      out.set(s.scenario.name, list);
    }
    return out;
  };
  const possibleStates = (stubs: Stub[]): string[] => {
    const states = new Set<string>([STARTED]);
    for (const s of stubs) {
      if (s.scenario?.requiredState) states.add(s.scenario.requiredState);
      if (s.scenario?.newState) states.add(s.scenario.newState);
    }
    return [...states];
  };
  router.get('/scenarios', (_req, res) => {
    const scenarios = [...scenarioStubs()].map(([name, stubs]) => ({
      id: name, name, state: engine.scenarios.get(name), possibleStates: possibleStates(stubs), mappings: stubs.map(mappingJson),
    }));
    res.json({ scenarios });
  });
  router.post('/scenarios/reset', (_req, res) => {
    engine.scenarios.reset();
    res.json({});
  });
  const setScenarioState = (req: Request, res: Response) => {
    const name = String(req.params.name);
    const stubs = scenarioStubs().get(name);
    if (!stubs) throw new AdminProblem(404, `Scenario ${name} does not exist`);
    // No body at all resets the scenario (WireMock's "reset one scenario", used by wiremock-rest-client);
    // a body without a valid state is an error.
    if (typeof req.body !== 'string' || req.body.trim() === '') {
      engine.scenarios.reset(name);
      res.json({});
      return;
    }
    const body = parseJsonBody(req);
    const state = isPlainObject(body) ? body.state : undefined;
    const states = possibleStates(stubs);
    if (typeof state !== 'string' || !states.includes(state)) {
      throw new AdminProblem(422, `Scenario ${name} does not support state ${String(state)}`, [{ title: `Scenario ${name} does not support state ${String(state)}`, isDecoyDetail: true, detail: `state must be one of ${states.map((s) => JSON.stringify(s)).join(', ')} (got ${JSON.stringify(state)})` }], 11);
    }
    engine.scenarios.set(name, state);
    res.json({});
  };
  router.put('/scenarios/:name/state', setScenarioState);
  router.post('/scenarios/:name/state', setScenarioState);

  // ---- settings, system ----
  router.get('/settings', (_req, res) => {
    res.json({ settings: engine.settings() });
  });
  const updateSettings = (req: Request, res: Response) => {
    const body = parseJsonBody(req);
    // WireMock accepts both { "fixedDelay": 10 } and { "settings": { ... } }.
    const s = isPlainObject(body) && isPlainObject(body.settings) ? body.settings : body;
    if (!isPlainObject(s)) throw new AdminProblem(422, 'Invalid settings', [{ pointer: '', detail: 'settings must be a JSON object' }]);
    checkTimerLimits(body, 'Invalid settings');
    if (s.fixedDelay !== undefined && (typeof s.fixedDelay !== 'number' || !Number.isInteger(s.fixedDelay) || s.fixedDelay < 0)) {
      throw new AdminProblem(422, 'Invalid settings', [{ pointer: '/fixedDelay', detail: `fixedDelay must be a whole number of milliseconds >= 0 (got ${JSON.stringify(s.fixedDelay)})` }]);
    }
    try {
      engine.updateSettings(s);
    } catch (e) {
      if (isDecoyError(e)) throw new AdminProblem(422, 'Invalid settings', [{ pointer: e.source?.pointer?.replace(/^\/fixedDelayMilliseconds/, '/fixedDelay') || '/', detail: e.message.replace(/^fixedDelayMilliseconds/, 'fixedDelay') }], 10);
      throw e;
    }
    empty(res);
  };
  router.post('/settings', updateSettings);
  router.put('/settings', updateSettings);
  router.post('/reset', async (_req, res) => {
    engine.resetAll();
    await ctx.reloadFiles();
    empty(res);
  });
  router.post('/shutdown', (_req, res) => {
    res.json({});
    res.on('finish', () => ctx.shutdown());
  });
  router.get('/health', (_req, res) => {
    res.json({
      status: 'healthy', message: 'Decoy is ok', version: VERSION,
      uptimeInSeconds: Math.floor((Date.now() - ctx.startedAt) / 1000), timestamp: new Date().toISOString(),
      stubs: engine.stubs.size,
      ...(engine.state.health ? { store: engine.state.health() } : {}),
    });
  });
  router.get('/version', (_req, res) => {
    res.json({ version: VERSION });
  });

  // ---- Decoy's extensions ----
  const fileOf = (stub: Stub): string | undefined => fileOfStub(stub, ctx.relativeFile);
  router.get('/decoy/stubs', (_req, res) => {
    const changes = engine.unsavedChanges();
    const edits = new Map(changes.edited.map((e) => [e.stub.id, e.base]));
    res.json({
      stubs: engine.stubs.all.map((s) => ({
        id: s.id, name: s.name, priority: s.priority,
        source: engine.isFromFile(s) ? 'file' : edits.has(s.id) ? 'file, edited over the API (unsaved)' : 'api (unsaved)',
        file: fileOf(edits.get(s.id) ?? s),
        line: (edits.get(s.id) ?? s).origin.line,
        explanation: s.explain(),
        ignoredKeys: s.ignoredKeys,
      })),
    });
  });
  router.get('/decoy/changes', (_req, res) => {
    const c = engine.unsavedChanges();
    res.json({
      created: c.created.map(mappingJson),
      edited: c.edited.map((e) => ({ file: fileOf(e.base), mapping: mappingJson(e.stub) })),
      deleted: c.deleted.map((s) => ({ file: fileOf(s), id: s.id })),
    });
  });
  // ---- recordings (WireMock's API) ----
  router.post('/recordings/start', (req, res) => {
    const body = parseJsonBody(req);
    if (!isPlainObject(body)) throw new AdminProblem(422, 'Invalid recording spec', [{ pointer: '/', detail: 'the recording spec must be a JSON object (with targetBaseUrl, or none to record what proxy stubs forward)' }]);
    // As in WireMock, starting while a recording runs leaves that recording running (and is no error).
    if (ctx.recorder.status !== 'Recording') ctx.recorder.start(body);
    res.json({});
  });
  router.post('/recordings/stop', async (_req, res) => {
    // WireMock's answer, word for word: its Java client raises NotRecordingException on code 30.
    if (ctx.recorder.status !== 'Recording') throw new AdminProblem(400, 'Not currently recording.', [], 30);
    const { stubs, written, redaction } = await ctx.recorder.stop();
    // WireMock lists what it recorded newest first.
    res.json({ mappings: [...stubs].reverse().map(mappingJson), ...(written.length ? { written } : {}), redaction });
  });
  router.get('/recordings/status', (_req, res) => {
    res.json({ status: ctx.recorder.status });
  });
  router.post('/recordings/snapshot', async (req, res) => {
    const body = typeof req.body === 'string' && req.body.trim() !== '' ? parseJsonBody(req) : {};
    if (!isPlainObject(body)) throw new AdminProblem(422, 'Invalid snapshot spec', [{ pointer: '/', detail: 'the snapshot spec must be a JSON object' }]);
    // WireMock's `filters.ids`: only these serve events (the rest of `filters` is a request pattern the recorder applies).
    const filters = isPlainObject(body.filters) ? body.filters : {};
    if (filters.ids !== undefined && (!Array.isArray(filters.ids) || filters.ids.some((id) => typeof id !== 'string'))) {
      throw new AdminProblem(422, 'Invalid snapshot spec', [{ pointer: '/filters/ids', detail: 'filters.ids must be a list of serve event ids' }]);
    }
    const ids = Array.isArray(filters.ids) ? new Set(filters.ids as string[]) : undefined;
    // The journal's proxied entries, oldest first, whose whole body the journal kept.
    const exchanges = engine.journal.newestFirst().reverse()
      .filter((e) => ids === undefined || ids.has(e.id))
      .filter((e) => e.proxiedTo !== undefined && e.response !== undefined && (e.response as { complete?: boolean }).complete !== false)
      .map((e) => ({ id: e.id, method: e.method, url: e.url, requestHeaders: e.rawHeaders, requestBody: e.body, status: e.response!.status, responseHeaders: e.response!.upstreamHeaders ?? e.response!.headers, responseBody: e.response!.body }));
    const { stubs, written, redaction } = await ctx.recorder.snapshot(exchanges, body);
    res.json({ mappings: [...stubs].reverse().map(mappingJson), ...(written.length ? { written } : {}), redaction });
  });

  // Run-time chaos rules (docs/faults.md).
  router.post('/decoy/chaos', (req, res) => {
    const body = parseJsonBody(req);
    checkTimerLimits(body, 'Invalid chaos rule');
    const rule = engine.chaosRules.add(body);
    res.status(201).json(engine.chaosRules.toJson(rule));
  });
  router.get('/decoy/chaos', (_req, res) => {
    res.json({ rules: engine.chaosRules.list().map((r) => engine.chaosRules.toJson(r)) });
  });
  router.delete('/decoy/chaos', (_req, res) => {
    engine.chaosRules.clear();
    res.json({});
  });
  router.delete('/decoy/chaos/:id', (req, res) => {
    if (!engine.chaosRules.remove(String(req.params.id))) throw notFound(`Chaos rule ${req.params.id}`, false);
    res.json({});
  });
  addMetricsRoute(router, ctx.metrics);
  router.get('/decoy/tls/certificate', (_req, res) => {
    const pem = ctx.certificate?.();
    if (pem === undefined) throw new AdminProblem(404, 'No HTTPS', [{ detail: 'this Decoy serves no HTTPS (start it with --https-port)' }]);
    res.type('application/x-pem-file').send(pem);
  });
  router.get('/decoy/services', (_req, res) => {
    res.json({ services: ctx.services?.() ?? [] });
  });
  // Known services' admin APIs are routed before this app; what reaches here names none.
  router.all('/decoy/services/:name{/*rest}', (req) => {
    const names = (ctx.services?.() ?? []).map((s) => s.name);
    throw new AdminProblem(404, 'No such service', [{ detail: `no service named ${req.params.name}; the services are ${names.join(', ')}` }]);
  });
  registerOpenApiRoutes(router, ctx);
  router.get('/decoy/load-errors', (_req, res) => {
    res.json({ errors: ctx.loadErrors().map((e) => ({ code: e.code, message: e.message, ...e.source, formatted: e.format() })) });
  });

  installUiRoutes(router, { engine, hub: ctx.events, ...(ctx.relativeFile ? { relativeFile: ctx.relativeFile } : {}) });

  router.use((req: Request, res: Response) => {
    // WireMock's own 404 here is empty; Decoy's paths explain.
    sendProblem(res, 404, 'Not Found', [{ detail: `no admin endpoint ${req.method} ${req.baseUrl}${req.path}` }], 404, !req.path.startsWith('/decoy/'));
  });
  router.use(problemMiddleware);
  // The UI's files are open (the page asks for the token); everything it calls is behind the token.
  app.use('/__admin/ui', uiHandler());
  app.use('/__admin', router);
  app.use((req: Request, res: Response) => {
    sendProblem(res, 404, 'Not Found', [{ detail: `${req.method} ${req.path}: the admin API lives under /__admin` }]);
  });
  return app;
}
