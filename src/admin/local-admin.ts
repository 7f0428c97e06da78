/**
 * The in-process admin: every operation of the admin API, in WireMock's vocabulary, on this server's
 * engine, files and recorder. The `/__admin` routes only read the request, call one method here and
 * send what it returns; what comes back is the client's wire type, so the client and the server are
 * held to one shape by the compiler.
 *
 * Input is checked as if it came off the wire (it usually did): a bad value throws an AdminProblem
 * that points at it, and every check runs before anything changes, so a refused call changes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Admin } from '../client/admin.js';
import type {
  ChaosRule as ChaosRuleJson, ChaosRuleDefinition, DecoyStubInfo, GlobalSettings, Health, ImportOptions, ListStubsOptions, LoadError, LoggedRequest,
  NearMiss as NearMissJson, NearMissRequest, OpenApiResult, RecordingResult as RecordingResultJson, RecordingSpec, RecordingStatus, RequestCount,
  RequestNearMiss, RequestPage, RequestsOptions, SaveResult, Scenario, ServeEvent as ServeEventJson, ServiceInfo, StubMapping, StubPage,
  UnsavedChanges as UnsavedChangesJson, WebhookAttempt as WebhookAttemptJson, WebhookCount, WebhookQuery, ResourceInfo, NamespaceList,
} from '../client/types.js';
import type { MockEngine } from '../core/engine.js';
import { isDecoyError, type DecoyError } from '../core/errors.js';
import { createBodyView } from '../core/matching/body-view.js';
import { isPlainObject } from '../core/matching/matcher-support.js';
import { findNearMisses } from '../core/matching/near-miss.js';
import { compileRequestPattern, type RequestMatcher } from '../core/matching/request-pattern.js';
import { compileValueMatcher } from '../core/matching/value-matchers.js';
import { DecoyRequest } from '../core/request.js';
import { loadSchemaGenerator } from '../core/response/schema-response.js';
import { applyContract, checkAnswersWhenServed, fieldPointer, formatViolation, type ContractChecker } from '../core/contract/check-stub.js';
import type { ChaosRule } from '../core/state/chaos-rules.js';
import type { ServeEvent } from '../core/state/journal.js';
import { STARTED } from '../core/state/scenarios.js';
import type { RequestPatternDefinition, StubDefinition, ValuePatternDefinition } from '../core/stub-definition.js';
import { validateRequestPattern, validateStubDefinition } from '../core/stub-schema.js';
import { compileStub, type Stub } from '../core/stub.js';
import { countDelivered, type WebhookFilter } from '../core/webhooks/webhook-log.js';
import type { DecoyMetrics } from '../observability/metrics.js';
import type { RecordingResult, Recorder } from '../proxy/recorder.js';
import type { ServiceInfo as ServerServiceInfo } from '../services/service-admin.js';
import { relaxWireMockRequestPattern } from '../sources/wiremock-leniency.js';
import { VERSION } from '../version.js';
import type { EventHub } from './event-hub.js';
import { AdminProblem, notFound } from './problem.js';
import type { CompiledResourceOperation } from '../core/resources/resource-operation.js';
import { checkTimerLimits } from './timer-limits.js';
import { namespaceEngine, namespaceProblem } from './namespace-scope.js';
import type { Namespaces } from '../core/namespaces/namespaces.js';
import { namespaceNameProblem } from '../core/namespaces/namespace-name.js';
import { loggedRequestJson, mappingJson, matchResultJson, nearMissJson, requestOf, serveEventJson, webhookAttemptJson } from './wiremock-json.js';

/** What the API changed and a save would write (the engine's unsaved changes). */
export type UnsavedChanges = ReturnType<MockEngine['unsavedChanges']>;

export type { SaveResult };

/** What the admin needs of the server around it (built by the composition root). */
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
  services?: () => ServerServiceInfo[];
  /** The certificate HTTPS serves (PEM), when it does. */
  certificate?: () => string | undefined;
  /** Whether stubs from OpenAPI documents posted at run time validate requests (`--validate-requests`). */
  validateRequests?: boolean;
  /** API contracts stubs are checked against (`--contract`): strict refuses with a 422, else the stub is marked. */
  contract?: ContractChecker;
  /** The server's live events for the web UI (made at start, so match counts cover every request). */
  events: EventHub;
  /** The namespaces beside the default one; an admin call names one with `namespaceHeader`. */
  namespaces?: Namespaces;
  /** The header that names a call's namespace, lower-case. */
  namespaceHeader?: string;
}

/** What the in-process admin itself needs (the rest of the context is the HTTP side's: token, body limit, metrics, certificate, UI events). */
export type LocalAdminContext = Omit<AdminContext, 'token' | 'maxBodyBytes' | 'metrics' | 'certificate' | 'events'>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** WireMock answers 400 to an id that is not a UUID; Decoy also knows stubs whose files gave them other ids. */
function checkId(id: string, known: boolean): void {
  if (!known && !UUID.test(id)) throw new AdminProblem(400, `${id} is not a valid UUID`, [{ detail: `${id} is not a valid UUID` }], 10);
}

/** The file a stub came from, as users see it (relative to the stubs folder when it can be). */
export function fileOfStub(stub: Stub, relativeFile: ((absolutePath: string) => string) | undefined): string | undefined {
  return stub.origin.path && relativeFile ? relativeFile(stub.origin.path) : stub.origin.file;
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

/** A stub with a generated body serves only once the generator's libraries are loaded: load them before such a stub goes in. */
async function schemaGeneratorFor(value: unknown): Promise<void> {
  if (JSON.stringify(value ?? null).includes('"schema"')) await loadSchemaGenerator();
}

/** What a recording made, as WireMock answers it: the stubs newest first, and Decoy's files written and redaction report. */
function recordingJson({ stubs, written, redaction }: RecordingResult): RecordingResultJson {
  return { mappings: [...stubs].reverse().map(mappingJson), ...(written.length ? { written } : {}), redaction };
}

export class LocalAdmin implements Admin {
  readonly #ctx: LocalAdminContext;

  constructor(ctx: LocalAdminContext) {
    this.#ctx = ctx;
  }

  /** Writes stubs to the stubs folder: never from a namespace, whose stubs would become every namespace's there. */
  #save(only?: Parameters<LocalAdminContext['save']>[0]): Promise<SaveResult> {
    if (namespaceEngine() !== undefined) {
      throw new AdminProblem(409, 'Not saved in a namespace', [{ detail: 'stubs made in a namespace live only in it and are not saved to the stubs folder (persistent stubs included): make them without the namespace header to save them' }]);
    }
    return this.#ctx.save(only);
  }

  /** The engine of the namespace the call names, else the default one. */
  get #engine(): MockEngine {
    return namespaceEngine() ?? this.#ctx.engine;
  }

  // ---- helpers ----

  /**
   * Validates and compiles a stub definition; every problem is reported at once. `replacing`: the stub
   * an edit replaces (the edit keeps its id and its place in the order, as in WireMock).
   */
  #compile(def: unknown, replacing?: Stub): Stub {
    // WireMock points at the whole document with "/".
    if (!isPlainObject(def)) throw new AdminProblem(422, 'Invalid stub', [{ pointer: '/', detail: 'a stub must be a JSON object with request and response' }]);
    const problems = validateStubDefinition(def);
    if (problems.length) throw new AdminProblem(422, 'Invalid stub', problems.map((p) => ({ pointer: p.pointer, detail: p.message })), 10);
    const checked = this.#ctx.contract ? applyContract(def as StubDefinition, this.#ctx.contract) : undefined;
    if (checked?.refused) throw new AdminProblem(422, 'Stub breaks the API contract', checked.violations.map((v) => ({ pointer: fieldPointer(v.field), detail: formatViolation(def as StubDefinition, v) })), 10);
    for (const v of checked?.violations ?? []) this.#ctx.contract!.warn?.(formatViolation(def as StubDefinition, v));
    const d = checked?.definition ?? def as StubDefinition;
    const id = replacing?.id ?? d.id ?? d.uuid ?? randomUUID();
    const { uuid: _u, ...rest } = d;
    const ctx = this.#ctx;
    const compiled = compileStub({ ...rest, id }, {
      sequence: replacing?.sequence ?? this.#engine.nextSequence(),
      origin: {},
      // As WireMock, a body file that is not there yet is read per request (500 until it appears).
      ...(ctx.readBodyFile ? { readBodyFile: ctx.readBodyFile, readBodyFileAtRequest: (name: string) => ctx.readBodyFile!(name, '/response/bodyFileName'), bodyFileMayComeLater: true } : {}),
      ...(ctx.globalTemplating ? { globalTemplating: true } : {}),
    });
    return ctx.contract ? checkAnswersWhenServed(compiled, ctx.contract, { globalTemplating: ctx.globalTemplating === true }) : compiled;
  }

  #compilePattern(def: unknown): RequestMatcher {
    if (!isPlainObject(def)) throw new AdminProblem(422, 'Invalid request pattern', [{ pointer: '', detail: 'a request pattern must be a JSON object' }]);
    relaxWireMockRequestPattern(def);
    const problems = validateRequestPattern(def).map((p) => ({ pointer: p.pointer, detail: p.message }));
    if (problems.length) throw new AdminProblem(422, 'Invalid request pattern', problems, 10);
    return compileRequestPattern(def as RequestPatternDefinition, '');
  }

  /** The version of a stub its file holds, when it came from one (an API edit keeps its file's version as its base). */
  #fileVersionOf(stub: Stub): Stub | undefined {
    const engine = this.#engine;
    return engine.isFromFile(stub) ? stub : engine.unsavedChanges().edited.find((e) => e.stub.id === stub.id)?.base;
  }

  /**
   * Removes stubs. As in WireMock, a persistent stub's removal is persisted: it is deleted from its
   * file at once, so a reset or a restart does not bring it back. Other stubs from files are only
   * hidden (until a reset or a save, as before).
   */
  async #removeStubs(stubs: readonly Stub[], all = false): Promise<void> {
    const files = stubs.filter((s) => s.definition.persistent === true).map((s) => this.#fileVersionOf(s)).filter((s): s is Stub => s !== undefined);
    // The files first: when one cannot be written (it changed on disk), nothing is removed.
    if (files.length) await this.#save({ deleted: files });
    // At once: the stub index is rebuilt once, however many there are.
    if (all) this.#engine.removeAllStubs();
    else this.#engine.removeStubs(stubs.map((s) => s.id));
  }

  /** Writes the persistent ones of these stubs (just put in) to their files at once, as WireMock does on every change. */
  async #persist(stubs: readonly Stub[]): Promise<void> {
    const ids = new Set(stubs.filter((s) => s.definition.persistent === true).map((s) => s.id));
    if (ids.size === 0) return;
    const changes = this.#engine.unsavedChanges();
    const created = changes.created.filter((s) => ids.has(s.id));
    const edited = changes.edited.filter((e) => ids.has(e.stub.id));
    if (created.length || edited.length) await this.#save({ created, edited });
  }

  /** WireMock's metadata search: the pattern is a matcher applied to a stub's metadata as JSON. */
  #metadataMatcher(pattern: unknown): (stub: Stub | undefined) => boolean {
    const matcher = compileValueMatcher(pattern, '');
    return (stub) => {
      const metadata = stub?.definition.metadata;
      if (metadata === undefined) return false;
      const text = JSON.stringify(metadata);
      return matcher.test(text, createBodyView(Buffer.from(text)));
    };
  }

  #byMetadata(pattern: unknown): Stub[] {
    return this.#engine.stubs.all.filter(this.#metadataMatcher(pattern));
  }

  #unmatchedStubs(): Stub[] {
    const used = this.#engine.journal.servedStubIds();
    return this.#engine.stubs.all.filter((s) => !used.has(s.id));
  }

  #matching(pattern: RequestMatcher): ServeEvent[] {
    return this.#engine.journal.newestFirst().filter((e) => pattern.test(requestOf(e)));
  }

  #unmatchedEvents(): ServeEvent[] {
    return this.#engine.journal.newestFirst().filter((e) => e.stub === undefined);
  }

  /** Scenarios in the order their stubs were added, each with its stubs oldest first (WireMock's order). */
  #scenarioStubs(): Map<string, Stub[]> {
    const out = new Map<string, Stub[]>();
    for (const s of [...this.#engine.stubs.all].sort((a, b) => a.sequence - b.sequence)) {
      if (!s.scenario) continue;
      const list = out.get(s.scenario.name) ?? [];
      list.push(s);
      out.set(s.scenario.name, list);
    }
    return out;
  }

  #possibleStates(stubs: Stub[]): string[] {
    const states = new Set<string>([STARTED]);
    for (const s of stubs) {
      if (s.scenario?.requiredState) states.add(s.scenario.requiredState);
      if (s.scenario?.newState) states.add(s.scenario.newState);
    }
    return [...states];
  }

  /** The core shapes a rule as the API shows it (what is left of its hits is run-time state); it has the client's `ChaosRule` members. */
  #chaosRuleJson(rule: ChaosRule): ChaosRuleJson {
    return this.#engine.chaosRules.toJson(rule) as ChaosRuleJson & Record<string, unknown>;
  }

  #fileOf(stub: Stub): string | undefined {
    return fileOfStub(stub, this.#ctx.relativeFile);
  }

  /** Whether the server keeps no journal (journal size 0): WireMock says so beside what it finds. */
  get isJournalDisabled(): boolean {
    return !this.#engine.journal.enabled;
  }

  /** Throws WireMock's 404 for a scenario no stub takes part in (checked before a state is read). */
  assertScenario(name: string): void {
    if (!this.#scenarioStubs().has(name)) throw new AdminProblem(404, `Scenario ${name} does not exist`);
  }

  // ---- stub mappings ----

  async createStub(definition: StubDefinition): Promise<StubMapping> {
    await schemaGeneratorFor(definition);
    const stub = this.#compile(definition);
    // As WireMock: creating never replaces (an update edits, an import may overwrite).
    if (this.#engine.stubs.get(stub.id)) {
      throw new AdminProblem(422, 'Duplicate stub mapping ID', [{ title: 'Duplicate stub mapping ID', detail: `ID of the provided stub mapping '${stub.id}' is already taken by another stub mapping` }], 109);
    }
    this.#engine.putStub(stub);
    await this.#persist([stub]);
    return mappingJson(stub);
  }

  async getStub(id: string): Promise<StubMapping> {
    const stub = this.#engine.stubs.get(id);
    checkId(id, stub !== undefined);
    if (!stub) throw notFound(`Stub ${id}`);
    return mappingJson(stub);
  }

  async listStubs(options: ListStubsOptions = {}): Promise<StubPage> {
    const all = this.#engine.stubs.all;
    const offset = options.offset ?? 0;
    const page = all.slice(offset, options.limit === undefined ? undefined : offset + options.limit);
    return { mappings: page.map(mappingJson), meta: { total: all.length } };
  }

  async updateStub(id: string, definition: StubDefinition): Promise<StubMapping> {
    const existing = this.#engine.stubs.get(id);
    checkId(id, existing !== undefined);
    if (!existing) throw notFound(`Stub ${id}`);
    await schemaGeneratorFor(definition);
    const stub = this.#compile(definition, existing);
    this.#engine.putStub(stub);
    await this.#persist([stub]);
    return mappingJson(stub);
  }

  async removeStub(id: string): Promise<void> {
    const stub = this.#engine.stubs.get(id);
    checkId(id, stub !== undefined);
    if (!stub) throw notFound(`Stub ${id}`);
    await this.#removeStubs([stub]);
  }

  /**
   * WireMock's removal by stub (`removeStub(StubMapping)`, `removeStub(MappingBuilder)`): the stub with the
   * given id when there is one, else every stub whose request pattern is the given one (the same keys and
   * values, in any order; no method is `ANY`). Its response may be left out.
   */
  async removeStubMapping(stub: Partial<StubDefinition> & { uuid?: string }): Promise<void> {
    const engine = this.#engine;
    const body: unknown = stub;
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
      await this.#removeStubs([byId]);
      return;
    }
    // WireMock deletes no file here: it looks a persistent stub's file up by the body's id only.
    const pattern = canonicalPattern(body.request);
    engine.removeStubs(engine.stubs.all.filter((x) => canonicalPattern(x.definition.request) === pattern).map((s) => s.id));
  }

  async removeAllStubs(): Promise<void> {
    await this.#removeStubs(this.#engine.stubs.all, true);
  }

  async resetStubs(): Promise<void> {
    // As in WireMock, resetting the mappings also empties the journal.
    this.#engine.resetStubs();
    this.#engine.journal.clear();
    await this.#ctx.reloadFiles();
  }

  async saveStubs(): Promise<SaveResult> {
    return this.#save();
  }

  /**
   * Adds many stubs, all or nothing. WireMock adds an import's stubs last to first, so the first in the
   * list is the most recent; a stub that replaces one with its id keeps that one's place.
   */
  async importStubs(definitions: readonly StubDefinition[], options: ImportOptions = {}): Promise<void> {
    const engine = this.#engine;
    const opts: Record<string, unknown> = isPlainObject(options) ? options : {};
    const policy = opts.duplicatePolicy ?? 'OVERWRITE';
    if (policy !== 'OVERWRITE' && policy !== 'IGNORE') {
      throw new AdminProblem(422, 'Invalid import', [{ pointer: '/importOptions/duplicatePolicy', detail: `duplicatePolicy must be one of "OVERWRITE", "IGNORE" (got ${JSON.stringify(policy)})` }]);
    }
    await schemaGeneratorFor(definitions);
    // Compile everything first: one bad stub rejects the whole import.
    const stubs: Stub[] = [];
    const details: Array<{ pointer?: string; detail: string; code?: string }> = [];
    [...definitions].reverse().forEach((m: unknown, r) => {
      const i = definitions.length - 1 - r;
      try {
        const id = isPlainObject(m) ? (m.id ?? m.uuid) : undefined;
        const existing = typeof id === 'string' ? engine.stubs.get(id) : undefined;
        stubs.push(this.#compile(m, policy === 'OVERWRITE' ? existing : undefined));
      } catch (e) {
        if (e instanceof AdminProblem) details.push(...e.details.map((d) => ({ pointer: `/mappings/${i}${d.pointer ?? ''}`, detail: d.detail })));
        else if (isDecoyError(e)) details.push({ pointer: `/mappings/${i}${e.source?.pointer ?? ''}`, code: e.code, detail: e.message });
        else throw e;
      }
    });
    if (details.length) throw new AdminProblem(422, 'Invalid import', details, 10);
    if (opts.deleteAllNotInImport === true) {
      const keep = new Set(stubs.map((s) => s.id));
      await this.#removeStubs(engine.stubs.all.filter((s) => !keep.has(s.id)));
    }
    // Put in order, as one by one: with IGNORE the first of an id stays, with OVERWRITE the last wins.
    const added = new Map<string, Stub>();
    for (const s of stubs) {
      if (policy === 'IGNORE' && (engine.stubs.get(s.id) || added.has(s.id))) continue;
      added.set(s.id, s);
    }
    // At once: the stub index is rebuilt once, however many stubs the import has.
    this.#engine.putStubs([...added.values()]);
    await this.#persist([...added.values()]);
  }

  async findStubsByMetadata(pattern: ValuePatternDefinition): Promise<StubMapping[]> {
    return this.#byMetadata(pattern).map(mappingJson);
  }

  async removeStubsByMetadata(pattern: ValuePatternDefinition): Promise<void> {
    await this.#removeStubs(this.#byMetadata(pattern));
  }

  async unmatchedStubs(): Promise<StubMapping[]> {
    return this.#unmatchedStubs().map(mappingJson);
  }

  async removeUnmatchedStubs(): Promise<void> {
    await this.#removeStubs(this.#unmatchedStubs());
  }

  // ---- the request journal ----

  async requests(options: RequestsOptions = {}): Promise<RequestPage> {
    const engine = this.#engine;
    let sinceMs: number | undefined;
    if (options.since !== undefined) {
      const since = options.since;
      sinceMs = since instanceof Date ? since.getTime() : Date.parse(String(since));
      if (Number.isNaN(sinceMs)) throw new AdminProblem(400, `${String(since)} is not a valid ISO8601 date`, [{ pointer: 'since', detail: `${String(since)} is not a valid ISO8601 date` }], 10);
    }
    let events = engine.journal.newestFirst();
    // WireMock's filters: only the unmatched events, only the events of one stub.
    if (options.unmatched === true) events = events.filter((e) => e.stub === undefined);
    if (options.matchingStub !== undefined) {
      const id = options.matchingStub;
      if (!UUID.test(id) && !engine.stubs.get(id)) {
        throw new AdminProblem(400, `Query parameter matchingStub value '${id}' is not a valid UUID`, [], 15);
      }
      events = events.filter((e) => e.stub?.id === id);
    }
    // WireMock's total counts what those two filters kept, before `since` and `limit`.
    const total = events.length;
    if (sinceMs !== undefined) events = events.filter((e) => e.loggedAt > sinceMs!);
    if (options.limit !== undefined) events = events.slice(0, options.limit);
    return { requests: events.map(serveEventJson), meta: { total }, requestJournalDisabled: this.isJournalDisabled };
  }

  async getRequest(id: string): Promise<ServeEventJson> {
    checkId(id, false);
    const e = this.#engine.journal.get(id);
    if (!e) throw notFound(`Request ${id}`);
    return serveEventJson(e);
  }

  async removeRequest(id: string): Promise<void> {
    checkId(id, false);
    // As in WireMock, removing an id the journal does not hold is not an error.
    this.#engine.journal.remove((e) => e.id === id);
  }

  async find(pattern: RequestPatternDefinition): Promise<LoggedRequest[]> {
    // WireMock lists found requests oldest first (the journal listing is newest first).
    return this.#matching(this.#compilePattern(pattern)).reverse().map(loggedRequestJson);
  }

  async count(pattern: RequestPatternDefinition): Promise<number> {
    return (await this.countRequests(pattern)).count;
  }

  async countRequests(pattern: RequestPatternDefinition): Promise<RequestCount> {
    return { count: this.#matching(this.#compilePattern(pattern)).length, requestJournalDisabled: this.isJournalDisabled };
  }

  async removeRequests(pattern: RequestPatternDefinition): Promise<ServeEventJson[]> {
    const matcher = this.#compilePattern(pattern);
    return this.#engine.journal.remove((e) => matcher.test(requestOf(e))).reverse().map(serveEventJson);
  }

  async removeRequestsByMetadata(pattern: ValuePatternDefinition): Promise<ServeEventJson[]> {
    const matches = this.#metadataMatcher(pattern);
    return this.#engine.journal.remove((e) => matches(e.stub)).reverse().map(serveEventJson);
  }

  async resetRequests(): Promise<void> {
    this.#engine.journal.clear();
  }

  async unmatched(): Promise<LoggedRequest[]> {
    return this.#unmatchedEvents().map(loggedRequestJson);
  }

  // ---- near misses ----

  async nearMissesForUnmatched(): Promise<NearMissJson[]> {
    return this.#unmatchedEvents().flatMap((e) => {
      const json = loggedRequestJson(e);
      return findNearMisses(this.#engine.stubs, requestOf(e)).map((n) => nearMissJson(n, json));
    });
  }

  async nearMissesFor(request: NearMissRequest): Promise<NearMissJson[]> {
    const body: unknown = request;
    if (!isPlainObject(body) || typeof body.url !== 'string') {
      throw new AdminProblem(422, 'Invalid request', [{ pointer: '/url', detail: 'a logged request needs a url (and usually a method)' }]);
    }
    const headers: Record<string, string[]> = {};
    if (isPlainObject(body.headers)) {
      for (const [k, v] of Object.entries(body.headers)) headers[k.toLowerCase()] = (Array.isArray(v) ? v : [v]).map(String);
    }
    const bodyBytes = typeof body.bodyAsBase64 === 'string' ? Buffer.from(body.bodyAsBase64, 'base64') : Buffer.from(typeof body.body === 'string' ? body.body : '');
    const decoyRequest = new DecoyRequest(typeof body.method === 'string' ? body.method : 'GET', body.url, headers, bodyBytes);
    // Echo the request as WireMock does: a LoggedRequest with the fields it fills in when absent.
    const { body: _body, ...given } = body;
    const echoed: LoggedRequest | NearMissRequest = { queryParams: {}, formParams: {}, browserProxyRequest: false, port: -1, ...given, url: body.url };
    return findNearMisses(this.#engine.stubs, decoyRequest).map((n) => nearMissJson(n, echoed));
  }

  async nearMissesForPattern(pattern: RequestPatternDefinition): Promise<RequestNearMiss[]> {
    const matcher = this.#compilePattern(pattern);
    const scored = this.#engine.journal.newestFirst().map((e) => ({ e, distance: matcher.distance(requestOf(e)) }))
      .sort((a, b) => a.distance - b.distance).slice(0, 3);
    return scored.map(({ e, distance }) => ({ request: loggedRequestJson(e), requestPattern: pattern, matchResult: matchResultJson(distance) }));
  }

  // ---- scenarios ----

  async scenarios(): Promise<Scenario[]> {
    return [...this.#scenarioStubs()].map(([name, stubs]) => ({
      id: name, name, state: this.#engine.scenarios.get(name), possibleStates: this.#possibleStates(stubs), mappings: stubs.map(mappingJson),
    }));
  }

  async setScenarioState(name: string, state: string): Promise<void> {
    const stubs = this.#scenarioStubs().get(name);
    if (!stubs) throw new AdminProblem(404, `Scenario ${name} does not exist`);
    const states = this.#possibleStates(stubs);
    if (typeof state !== 'string' || !states.includes(state)) {
      throw new AdminProblem(422, `Scenario ${name} does not support state ${String(state)}`, [{ title: `Scenario ${name} does not support state ${String(state)}`, isDecoyDetail: true, detail: `state must be one of ${states.map((s) => JSON.stringify(s)).join(', ')} (got ${JSON.stringify(state)})` }], 11);
    }
    await this.#engine.scenarios.set(name, state);
  }

  async resetScenario(name: string): Promise<void> {
    this.assertScenario(name);
    await this.#engine.scenarios.reset(name);
  }

  async resetScenarios(): Promise<void> {
    await this.#engine.scenarios.reset();
  }

  // ---- settings and the server ----

  async settings(): Promise<GlobalSettings> {
    return { ...this.#engine.settings() };
  }

  async updateSettings(body: GlobalSettings): Promise<void> {
    // WireMock accepts both { "fixedDelay": 10 } and { "settings": { ... } }.
    const s: unknown = isPlainObject(body) && isPlainObject(body.settings) ? body.settings : body;
    if (!isPlainObject(s)) throw new AdminProblem(422, 'Invalid settings', [{ pointer: '', detail: 'settings must be a JSON object' }]);
    checkTimerLimits(body, 'Invalid settings');
    if (s.fixedDelay !== undefined && (typeof s.fixedDelay !== 'number' || !Number.isInteger(s.fixedDelay) || s.fixedDelay < 0)) {
      throw new AdminProblem(422, 'Invalid settings', [{ pointer: '/fixedDelay', detail: `fixedDelay must be a whole number of milliseconds >= 0 (got ${JSON.stringify(s.fixedDelay)})` }]);
    }
    try {
      this.#engine.updateSettings(s);
    } catch (e) {
      if (isDecoyError(e)) throw new AdminProblem(422, 'Invalid settings', [{ pointer: e.source?.pointer?.replace(/^\/fixedDelayMilliseconds/, '/fixedDelay') || '/', detail: e.message.replace(/^fixedDelayMilliseconds/, 'fixedDelay') }], 10);
      throw e;
    }
  }

  async reset(): Promise<void> {
    this.#engine.resetAll();
    await this.#ctx.reloadFiles();
  }

  async health(): Promise<Health> {
    return {
      status: 'healthy', message: 'Decoy is ok', version: VERSION,
      uptimeInSeconds: Math.floor((Date.now() - this.#ctx.startedAt) / 1000), timestamp: new Date().toISOString(),
      stubs: this.#engine.stubs.size,
      ...(this.#engine.state.health ? { store: this.#engine.state.health() } : {}),
    };
  }

  async version(): Promise<string> {
    return VERSION;
  }

  async shutdown(): Promise<void> {
    this.#ctx.shutdown();
  }

  // ---- recordings ----

  async startRecording(spec: RecordingSpec = {}): Promise<void> {
    const body: unknown = spec;
    if (!isPlainObject(body)) throw new AdminProblem(422, 'Invalid recording spec', [{ pointer: '/', detail: 'the recording spec must be a JSON object (with targetBaseUrl, or none to record what proxy stubs forward)' }]);
    // As in WireMock, starting while a recording runs leaves that recording running (and is no error).
    if (this.#ctx.recorder.status !== 'Recording') await this.#ctx.recorder.start(body);
  }

  async stopRecording(): Promise<RecordingResultJson> {
    // WireMock's answer, word for word: its Java client raises NotRecordingException on code 30.
    if (this.#ctx.recorder.status !== 'Recording') throw new AdminProblem(400, 'Not currently recording.', [], 30);
    return recordingJson(await this.#ctx.recorder.stop());
  }

  async recordingStatus(): Promise<RecordingStatus> {
    return this.#ctx.recorder.status;
  }

  async snapshotRecording(spec: RecordingSpec = {}): Promise<RecordingResultJson> {
    const body: unknown = spec;
    if (!isPlainObject(body)) throw new AdminProblem(422, 'Invalid snapshot spec', [{ pointer: '/', detail: 'the snapshot spec must be a JSON object' }]);
    // WireMock's `filters.ids`: only these serve events (the rest of `filters` is a request pattern the recorder applies).
    const filters = isPlainObject(body.filters) ? body.filters : {};
    if (filters.ids !== undefined && (!Array.isArray(filters.ids) || filters.ids.some((id) => typeof id !== 'string'))) {
      throw new AdminProblem(422, 'Invalid snapshot spec', [{ pointer: '/filters/ids', detail: 'filters.ids must be a list of serve event ids' }]);
    }
    const ids = Array.isArray(filters.ids) ? new Set(filters.ids as string[]) : undefined;
    // The journal's proxied entries, oldest first, whose whole body the journal kept.
    const exchanges = this.#engine.journal.newestFirst().reverse()
      .filter((e) => ids === undefined || ids.has(e.id))
      .filter((e) => e.proxiedTo !== undefined && e.response !== undefined && (e.response as { complete?: boolean }).complete !== false)
      .map((e) => ({ id: e.id, method: e.method, url: e.url, requestHeaders: e.rawHeaders, requestBody: e.body, status: e.response!.status, responseHeaders: e.response!.upstreamHeaders ?? e.response!.headers, responseBody: e.response!.body }));
    return recordingJson(await this.#ctx.recorder.snapshot(exchanges, body));
  }

  // ---- Decoy's extensions ----

  async decoyStubs(): Promise<DecoyStubInfo[]> {
    const engine = this.#engine;
    const edits = new Map(engine.unsavedChanges().edited.map((e) => [e.stub.id, e.base]));
    return engine.stubs.all.map((s) => ({
      id: s.id, name: s.name, priority: s.priority,
      source: engine.isFromFile(s) ? 'file' : edits.has(s.id) ? 'file, edited over the API (unsaved)' : 'api (unsaved)',
      file: this.#fileOf(edits.get(s.id) ?? s),
      line: (edits.get(s.id) ?? s).origin.line,
      explanation: s.explain(),
      ignoredKeys: [...s.ignoredKeys],
    }));
  }

  async unsavedChanges(): Promise<UnsavedChangesJson> {
    const c = this.#engine.unsavedChanges();
    return {
      created: c.created.map(mappingJson),
      edited: c.edited.map((e) => ({ file: this.#fileOf(e.base), mapping: mappingJson(e.stub) })),
      deleted: c.deleted.map((s) => ({ file: this.#fileOf(s), id: s.id })),
    };
  }

  async loadErrors(): Promise<LoadError[]> {
    return this.#ctx.loadErrors().map((e) => ({ code: e.code, message: e.message, ...e.source, formatted: e.format() }));
  }

  async services(): Promise<ServiceInfo[]> {
    return this.#ctx.services?.() ?? [];
  }

  /**
   * Every operation of an OpenAPI document (Swagger 2.0, OpenAPI 3.0 or 3.1, local `$ref`s only) added
   * as stubs, as if each had been created on its own; `name` names the document in the stubs' metadata
   * (default: its title).
   */
  async addOpenApi(document: Record<string, unknown>, options: { name?: string } = {}): Promise<OpenApiResult> {
    const doc: unknown = document;
    if (!isPlainObject(doc)) throw new AdminProblem(422, 'Invalid OpenAPI document', [{ detail: 'the body must be an OpenAPI document (a JSON or YAML object)' }]);
    const info = isPlainObject(doc.info) ? doc.info : {};
    const name = typeof options.name === 'string' && options.name !== '' ? options.name : typeof info.title === 'string' ? info.title : 'document';
    const [{ importOpenApiDocument }, { compileImported }] = await Promise.all([import('../sources/importers/openapi.js'), import('../sources/openapi-source.js'), schemaGeneratorFor(doc)]);
    let imported;
    try {
      imported = await importOpenApiDocument(doc, { documentName: name, validateRequests: this.#ctx.validateRequests ?? false });
    } catch (e) {
      if (isDecoyError(e)) throw new AdminProblem(422, 'Invalid OpenAPI document', [{ detail: e.message }]);
      throw e;
    }
    const { stubs, errors } = await compileImported(imported.stubs, name, this.#engine.nextSequence);
    if (errors.length) throw new AdminProblem(422, 'Invalid OpenAPI document', errors.map((e) => ({ detail: e.message, ...(e.source?.pointer ? { pointer: e.source.pointer } : {}) })));
    this.#engine.putStubs(stubs);
    return { document: name, mappings: stubs.map(mappingJson), warnings: imported.warnings };
  }

  async addChaosRule(rule: ChaosRuleDefinition): Promise<ChaosRuleJson> {
    checkTimerLimits(rule, 'Invalid chaos rule');
    return this.#chaosRuleJson(this.#engine.chaosRules.add(rule));
  }

  async chaosRules(): Promise<ChaosRuleJson[]> {
    return this.#engine.chaosRules.list().map((r) => this.#chaosRuleJson(r));
  }

  async removeChaosRule(id: string): Promise<void> {
    if (!this.#engine.chaosRules.remove(id)) throw notFound(`Chaos rule ${id}`, false);
  }

  async clearChaosRules(): Promise<void> {
    this.#engine.chaosRules.clear();
  }

  async webhooks(query: WebhookQuery = {}): Promise<WebhookAttemptJson[]> {
    return this.#engine.webhookLog.list(webhookFilter(query)).map(webhookAttemptJson);
  }

  async countWebhooks(query: WebhookQuery = {}): Promise<WebhookCount> {
    const attempts = this.#engine.webhookLog.list(webhookFilter(query));
    return { delivered: countDelivered(attempts), attempts: attempts.length };
  }

  async resetWebhooks(): Promise<void> {
    this.#engine.webhookLog.clear();
  }

  async resources(): Promise<ResourceInfo[]> {
    const out: ResourceInfo[] = [];
    for (const op of this.#engine.resources().values()) {
      const items = await this.#engine.state.resources.list(op.collection);
      out.push({ name: op.collection.name, idField: op.idField, items: items.length, maxItems: op.collection.maxItems });
    }
    return out;
  }

  async resourceItems(name: string): Promise<Array<Record<string, unknown>>> {
    return (await this.#engine.state.resources.list(this.#resource(name).collection)).map((i) => i.value);
  }

  async setResourceItems(name: string, items: Array<Record<string, unknown>>): Promise<void> {
    const op = this.#resource(name);
    let checked;
    try {
      checked = op.toItems(items, '');
    } catch (e) {
      if (!isDecoyError(e)) throw e;
      throw new AdminProblem(422, 'Invalid resource items', [{ pointer: e.source?.pointer ?? '', detail: e.message }]);
    }
    await this.#engine.state.resources.setAll(op.collection, checked);
  }

  async clearResourceItems(name: string): Promise<void> {
    await this.#engine.state.resources.setAll(this.#resource(name).collection, []);
  }

  async resetResource(name: string): Promise<void> {
    await this.#engine.state.resources.reset(this.#resource(name).collection.name);
  }

  // ---- namespaces ----

  async namespaces(): Promise<NamespaceList> {
    const ns = this.#ctx.namespaces;
    const header = this.#ctx.namespaceHeader ?? 'x-decoy-namespace';
    if (ns === undefined) return { namespaces: [], maxNamespaces: 0, idleTimeoutMs: 0, header };
    const all = await ns.list();
    return {
      namespaces: all.map((n) => ({ name: n.name, lastUsed: new Date(n.lastUsedAt).toISOString(), stubs: n.stubs ?? null, requests: n.requests ?? null })),
      maxNamespaces: ns.maxNamespaces, idleTimeoutMs: ns.idleTimeoutMs, header,
    };
  }

  async resetNamespace(name: string): Promise<void> {
    if (!await this.#namespaceCall(name, (ns) => ns.reset(name))) throw this.#noNamespace(name);
  }

  async dropNamespace(name: string): Promise<void> {
    if (!await this.#namespaceCall(name, (ns) => ns.drop(name))) throw this.#noNamespace(name);
  }

  async dropNamespaces(): Promise<number> {
    return await this.#ctx.namespaces?.dropAll() ?? 0;
  }

  async #namespaceCall(name: string, op: (ns: Namespaces) => boolean | Promise<boolean>): Promise<boolean> {
    const problem = namespaceNameProblem(name);
    if (problem !== undefined) throw new AdminProblem(400, 'Invalid namespace', [{ pointer: '/name', detail: problem }]);
    const ns = this.#ctx.namespaces;
    if (ns === undefined) return false;
    try {
      return await op(ns);
    } catch (e) {
      throw namespaceProblem(e);
    }
  }

  #noNamespace(name: string): AdminProblem {
    return new AdminProblem(404, 'Namespace not found', [{ detail: `there is no namespace ${name} (GET /__admin/decoy/namespaces lists them; one exists from its first request or admin call until it is dropped or expires)` }]);
  }

  /** A resource by its path (with or without the first slash); 404 naming the ones there are. */
  #resource(name: string): CompiledResourceOperation {
    const all = this.#engine.resources();
    const op = all.get(name.startsWith('/') ? name : `/${name}`);
    if (op === undefined) {
      throw new AdminProblem(404, 'No such resource', [{ detail: `no resource ${name}; the stubs serve ${all.size === 0 ? 'none' : [...all.keys()].join(', ')}` }]);
    }
    return op;
  }
}

const WEBHOOK_QUERY_KEYS = ['method', 'url', 'urlPattern', 'urlPath', 'stubId', 'requestId'] as const;

/** A webhook query checked as it came off the wire: known keys, strings, a urlPattern that compiles. */
function webhookFilter(query: unknown): WebhookFilter {
  if (!isPlainObject(query)) throw new AdminProblem(400, 'Invalid webhook query', [{ detail: 'the query must be an object of method, url, urlPattern, urlPath, stubId, requestId' }]);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (!(WEBHOOK_QUERY_KEYS as readonly string[]).includes(key)) throw new AdminProblem(400, 'Invalid webhook query', [{ pointer: `/${key}`, detail: `unknown key ${key}; the keys are ${WEBHOOK_QUERY_KEYS.join(', ')}` }]);
    if (typeof value !== 'string') throw new AdminProblem(400, 'Invalid webhook query', [{ pointer: `/${key}`, detail: `${key} must be a string` }]);
    out[key] = value;
  }
  if (out.urlPattern !== undefined) {
    try {
      new RegExp(out.urlPattern);
    } catch (e) {
      throw new AdminProblem(400, 'Invalid webhook query', [{ pointer: '/urlPattern', detail: `urlPattern is not a valid regular expression: ${(e as Error).message}` }]);
    }
  }
  return out;
}
