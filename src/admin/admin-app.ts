/**
 * The admin REST API on express 5: WireMock's `/__admin` (same paths, methods, JSON shapes and status
 * codes as WireMock 3.13), the paths older clients still call as aliases, and Decoy's extensions
 * under `/__admin/decoy/`. Each route reads the request (body, path and query parameters), calls one
 * operation of the in-process admin and sends its answer; how WireMock spells a request and an answer
 * (lenient JSON, YAML bodies, empty 200s, error documents) is this file's business, what the operation
 * does is the admin's.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { jsonTextTooDeep, MAX_JSON_DEPTH } from '../core/json-depth.js';
import { isPlainObject } from '../core/matching/matcher-support.js';
import type { ImportOptions, NearMissRequest, RecordingSpec } from '../client/types.js';
import type { RequestPatternDefinition, StubDefinition, ValuePatternDefinition } from '../core/stub-definition.js';
import { registerOpenApiRoutes } from './openapi-routes.js';
import { parseYamlBody, saysYaml, withSourceLines, type StubBody } from './stub-body.js';
import { AdminProblem, isAdminProblem, problemMiddleware, sendProblem } from './problem.js';
import { lineColumn, parseWireMockJson, relaxWireMockStub } from '../sources/wiremock-leniency.js';
import { addMetricsRoute } from './metrics-route.js';
import { installUiRoutes, uiHandler } from './ui-routes.js';
import { refuseChangesWithoutStore } from './store-outage.js';
import { LocalAdmin, type AdminContext } from './local-admin.js';
import { namespaceEngine, namespaceScope } from './namespace-scope.js';
import { answerOnceWritten } from './shared-changes.js';

export type { AdminContext, SaveResult, UnsavedChanges } from './local-admin.js';

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

/** WireMock answers some calls with an empty 200; so does Decoy, for clients that expect exactly that. */
function empty(res: Response): void {
  res.status(200).end();
}

/** The body of a call that takes a request pattern, a value pattern, a logged request or a spec: JSON, WireMock's way. */
const jsonBody = <T>(req: Request): T => parseJsonBody(req) as T;
/** Whether the call came with no body at all (some WireMock calls mean something else then). */
const hasNoBody = (req: Request): boolean => typeof req.body !== 'string' || req.body.trim() === '';
const param = (req: Request, name: string): string => String(req.params[name]);

export function createAdminApp(ctx: AdminContext): express.Express {
  const admin = new LocalAdmin(ctx);
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
  router.use(refuseChangesWithoutStore(ctx.engine.state));
  // Bodies are read as text whatever their Content-Type (clients often send none) and parsed by each handler.
  router.use(express.text({ type: () => true, limit: ctx.maxBodyBytes }));
  if (ctx.namespaces !== undefined) router.use(namespaceScope(ctx.namespaces, ctx.namespaceHeader ?? 'x-decoy-namespace'));
  router.use(answerOnceWritten(() => (namespaceEngine() ?? ctx.engine).state));

  // ---- mappings ----
  router.get('/mappings', async (req, res) => {
    res.json(await admin.listStubs({ limit: intParam(req, 'limit'), offset: intParam(req, 'offset') }));
  });
  router.post('/mappings', async (req, res) => {
    const body = readStubBody(req);
    res.status(201).json(await withSourceLines(body, () => admin.createStub(body.value as StubDefinition)));
  });
  router.delete('/mappings', async (_req, res) => {
    await admin.removeAllStubs();
    res.json({});
  });
  router.post('/mappings/reset', async (_req, res) => {
    await admin.resetStubs();
    empty(res);
  });
  router.post('/mappings/save', async (_req, res) => {
    const result = await admin.saveStubs();
    // WireMock answers an empty 200; Decoy adds which files it wrote, when it wrote any.
    if (result.written.length === 0) empty(res);
    else res.json(result);
  });
  router.post('/mappings/import', async (req, res) => {
    const parsed = readStubBody(req);
    // Decoy's YAML may also be a plain list of stubs, as a stub file is.
    const isList = parsed.yaml !== undefined && Array.isArray(parsed.value);
    const body = isList ? { mappings: parsed.value } : parsed.value;
    if (!isPlainObject(body) || !Array.isArray(body.mappings)) {
      throw new AdminProblem(422, 'Invalid import', [{ pointer: '/mappings', detail: 'mappings must be a list of stubs' }]);
    }
    const sourcePointer = (p: string): string => (isList ? p.replace(/^\/mappings/, '') : p);
    await withSourceLines(parsed, () => admin.importStubs(body.mappings as StubDefinition[], body.importOptions as ImportOptions), sourcePointer);
    empty(res);
  });
  router.post('/mappings/remove', async (req, res) => {
    await admin.removeStubMapping(jsonBody(req));
    empty(res);
  });
  router.post('/mappings/find-by-metadata', async (req, res) => {
    const mappings = await admin.findStubsByMetadata(jsonBody<ValuePatternDefinition>(req));
    res.json({ mappings, meta: { total: mappings.length } });
  });
  router.post('/mappings/remove-by-metadata', async (req, res) => {
    await admin.removeStubsByMetadata(jsonBody<ValuePatternDefinition>(req));
    res.json({});
  });
  router.get('/mappings/unmatched', async (_req, res) => {
    const mappings = await admin.unmatchedStubs();
    res.json({ mappings, meta: { total: mappings.length } });
  });
  router.delete('/mappings/unmatched', async (_req, res) => {
    await admin.removeUnmatchedStubs();
    res.json({});
  });
  router.get('/mappings/:id', async (req, res) => {
    res.json(await admin.getStub(param(req, 'id')));
  });
  router.put('/mappings/:id', async (req, res) => {
    // An unknown id is answered before the body is read, as WireMock does.
    await admin.getStub(param(req, 'id'));
    const body = readStubBody(req);
    res.json(await withSourceLines(body, () => admin.updateStub(param(req, 'id'), body.value as StubDefinition)));
  });
  router.delete('/mappings/:id', async (req, res) => {
    await admin.removeStub(param(req, 'id'));
    res.json({});
  });

  // ---- requests (the journal) ----
  router.get('/requests', async (req, res) => {
    const { since, unmatched, matchingStub } = req.query;
    res.json(await admin.requests({
      limit: intParam(req, 'limit'),
      ...(since !== undefined ? { since: String(since) } : {}),
      // WireMock's filter is spelt exactly so.
      unmatched: unmatched === 'true',
      ...(matchingStub !== undefined ? { matchingStub: String(matchingStub) } : {}),
    }));
  });
  const resetRequests = async (_req: Request, res: Response) => {
    await admin.resetRequests();
    res.json({});
  };
  router.delete('/requests', resetRequests);
  router.post('/requests/reset', resetRequests); // WireMock 2's path, still called by clients
  router.post('/requests/count', async (req, res) => {
    res.json(await admin.countRequests(jsonBody<RequestPatternDefinition>(req)));
  });
  router.post('/requests/find', async (req, res) => {
    res.json({ requests: await admin.find(jsonBody<RequestPatternDefinition>(req)), requestJournalDisabled: admin.isJournalDisabled });
  });
  router.post('/requests/remove', async (req, res) => {
    res.json({ serveEvents: await admin.removeRequests(jsonBody<RequestPatternDefinition>(req)) });
  });
  router.post('/requests/remove-by-metadata', async (req, res) => {
    res.json({ serveEvents: await admin.removeRequestsByMetadata(jsonBody<ValuePatternDefinition>(req)) });
  });
  router.get('/requests/unmatched', async (_req, res) => {
    res.json({ requests: await admin.unmatched(), requestJournalDisabled: admin.isJournalDisabled });
  });
  router.get('/requests/unmatched/near-misses', async (_req, res) => {
    res.json({ nearMisses: await admin.nearMissesForUnmatched() });
  });

  // ---- near misses ----
  const nearMissesForRequest = async (req: Request, res: Response) => {
    res.json({ nearMisses: await admin.nearMissesFor(jsonBody<NearMissRequest>(req)) });
  };
  const nearMissesForPattern = async (req: Request, res: Response) => {
    res.json({ nearMisses: await admin.nearMissesForPattern(jsonBody<RequestPatternDefinition>(req)) });
  };
  router.post('/near-misses/request', nearMissesForRequest);
  router.post('/near-misses/request-pattern', nearMissesForPattern);
  // The paths wiremock-rest-client builds for these.
  router.post('/requests/near-misses/request', nearMissesForRequest);
  router.post('/requests/near-misses/request-pattern', nearMissesForPattern);

  router.get('/requests/:id', async (req, res) => {
    res.json(await admin.getRequest(param(req, 'id')));
  });
  router.delete('/requests/:id', async (req, res) => {
    await admin.removeRequest(param(req, 'id'));
    res.json({});
  });

  // ---- scenarios ----
  router.get('/scenarios', async (_req, res) => {
    res.json({ scenarios: await admin.scenarios() });
  });
  router.post('/scenarios/reset', async (_req, res) => {
    await admin.resetScenarios();
    res.json({});
  });
  const setScenarioState = async (req: Request, res: Response) => {
    const name = param(req, 'name');
    // No body at all resets the scenario (WireMock's "reset one scenario", used by wiremock-rest-client);
    // a body without a valid state is an error. An unknown scenario is answered before the body is read.
    admin.assertScenario(name);
    if (hasNoBody(req)) {
      await admin.resetScenario(name);
    } else {
      const body = parseJsonBody(req);
      await admin.setScenarioState(name, (isPlainObject(body) ? body.state : undefined) as string);
    }
    res.json({});
  };
  router.put('/scenarios/:name/state', setScenarioState);
  router.post('/scenarios/:name/state', setScenarioState);

  // ---- settings, system ----
  router.get('/settings', async (_req, res) => {
    res.json({ settings: await admin.settings() });
  });
  const updateSettings = async (req: Request, res: Response) => {
    await admin.updateSettings(jsonBody(req));
    empty(res);
  };
  router.post('/settings', updateSettings);
  router.put('/settings', updateSettings);
  router.post('/reset', async (_req, res) => {
    await admin.reset();
    empty(res);
  });
  router.post('/shutdown', (_req, res) => {
    res.json({});
    res.on('finish', () => void admin.shutdown());
  });
  router.get('/health', async (_req, res) => {
    res.json(await admin.health());
  });
  router.get('/version', async (_req, res) => {
    res.json({ version: await admin.version() });
  });

  // ---- recordings (WireMock's API) ----
  router.post('/recordings/start', async (req, res) => {
    await admin.startRecording(jsonBody<RecordingSpec>(req));
    res.json({});
  });
  router.post('/recordings/stop', async (_req, res) => {
    res.json(await admin.stopRecording());
  });
  router.get('/recordings/status', async (_req, res) => {
    res.json({ status: await admin.recordingStatus() });
  });
  router.post('/recordings/snapshot', async (req, res) => {
    res.json(await admin.snapshotRecording(hasNoBody(req) ? {} : jsonBody<RecordingSpec>(req)));
  });

  // ---- Decoy's extensions ----
  router.get('/decoy/stubs', async (_req, res) => {
    res.json({ stubs: await admin.decoyStubs() });
  });
  router.get('/decoy/changes', async (_req, res) => {
    res.json(await admin.unsavedChanges());
  });
  router.get('/decoy/load-errors', async (_req, res) => {
    res.json({ errors: await admin.loadErrors() });
  });
  // Run-time chaos rules (docs/faults.md).
  router.post('/decoy/chaos', async (req, res) => {
    res.status(201).json(await admin.addChaosRule(jsonBody(req)));
  });
  router.get('/decoy/chaos', async (_req, res) => {
    res.json({ rules: await admin.chaosRules() });
  });
  router.delete('/decoy/chaos', async (_req, res) => {
    await admin.clearChaosRules();
    res.json({});
  });
  router.delete('/decoy/chaos/:id', async (req, res) => {
    await admin.removeChaosRule(param(req, 'id'));
    res.json({});
  });
  // The webhook journal (docs/guides/webhooks.md).
  router.get('/decoy/webhooks', async (req, res) => {
    res.json({ webhooks: await admin.webhooks(req.query as Record<string, string>) });
  });
  router.post('/decoy/webhooks/count', async (req, res) => {
    res.json(await admin.countWebhooks(hasNoBody(req) ? {} : jsonBody(req)));
  });
  router.delete('/decoy/webhooks', async (_req, res) => {
    await admin.resetWebhooks();
    res.json({});
  });
  // Resources' items (docs/guides/stateful-mocks.md); the name is the collection path without its first slash, as one segment.
  router.get('/decoy/resources', async (_req, res) => { res.json({ resources: await admin.resources() }); });
  router.get('/decoy/resources/:name/items', async (req, res) => { res.json({ items: await admin.resourceItems(param(req, 'name')) }); });
  router.put('/decoy/resources/:name/items', async (req, res) => { await admin.setResourceItems(param(req, 'name'), jsonBody(req)); res.json({}); });
  router.delete('/decoy/resources/:name/items', async (req, res) => { await admin.clearResourceItems(param(req, 'name')); res.json({}); });
  router.post('/decoy/resources/:name/reset', async (req, res) => { await admin.resetResource(param(req, 'name')); res.json({}); });
  // Namespaces (docs/guides/stateful-mocks.md#isolation-namespaces): listed, reset and dropped in one call each.
  router.get('/decoy/namespaces', async (_req, res) => { res.json(await admin.namespaces()); });
  router.delete('/decoy/namespaces', async (_req, res) => { res.json({ dropped: await admin.dropNamespaces() }); });
  router.post('/decoy/namespaces/:name/reset', async (req, res) => { await admin.resetNamespace(param(req, 'name')); res.json({}); });
  router.delete('/decoy/namespaces/:name', async (req, res) => { await admin.dropNamespace(param(req, 'name')); res.json({}); });
  addMetricsRoute(router, ctx.metrics);
  router.get('/decoy/tls/certificate', (_req, res) => {
    const pem = ctx.certificate?.();
    if (pem === undefined) throw new AdminProblem(404, 'No HTTPS', [{ detail: 'this Decoy serves no HTTPS (start it with --https-port)' }]);
    res.type('application/x-pem-file').send(pem);
  });
  router.get('/decoy/services', async (_req, res) => {
    res.json({ services: await admin.services() });
  });
  // Known services' admin APIs are routed before this app; what reaches here names none.
  router.all('/decoy/services/:name{/*rest}', async (req) => {
    const names = (await admin.services()).map((s) => s.name);
    throw new AdminProblem(404, 'No such service', [{ detail: `no service named ${req.params.name}; the services are ${names.join(', ')}` }]);
  });
  registerOpenApiRoutes(router, admin);

  installUiRoutes(router, { engine: ctx.engine, hub: ctx.events, ...(ctx.relativeFile ? { relativeFile: ctx.relativeFile } : {}) });

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
