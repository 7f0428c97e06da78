/**
 * The admin API as one interface: WireMock's operations on stub mappings, the request journal, near
 * misses, scenarios, settings and recordings, plus Decoy's extensions, each typed with the JSON shapes
 * that travel on `/__admin`. Two implementations: `DecoyClient` speaks it over HTTP, and the server's
 * in-process admin is what the `/__admin` routes call, so both sides are checked against these types.
 *
 * A call that the server refuses throws: `DecoyClientError` from the client, the server's problem
 * (status, title, a JSON pointer per detail) in-process.
 */
import type { RequestPatternDefinition, StubDefinition, ValuePatternDefinition } from '../core/stub-definition.js';
import type {
  ChaosRule, ChaosRuleDefinition, DecoyStubInfo, GlobalSettings, Health, ImportOptions, ListStubsOptions, LoadError, LoggedRequest, NearMiss,
  NearMissRequest, OpenApiResult, RecordingResult, RecordingSpec, RecordingStatus, RequestCount, RequestNearMiss, RequestPage, RequestsOptions,
  SaveResult, Scenario, ServeEvent, ServiceInfo, StubMapping, StubPage, UnsavedChanges, WebhookAttempt, WebhookCount, WebhookQuery,
  ResourceInfo,
  NamespaceList,
} from './types.js';

export interface Admin {
  // ---- stub mappings ----

  /** Adds a stub; returns it as the server holds it, with its `id`. A stub with `persistent: true` is also saved. A taken id is refused. */
  createStub(definition: StubDefinition): Promise<StubMapping>;
  /** One stub by id (404 when there is none). */
  getStub(id: string): Promise<StubMapping>;
  /** The stubs, newest first, a page at a time when `limit`/`offset` are given; `meta.total` counts them all. */
  listStubs(options?: ListStubsOptions): Promise<StubPage>;
  /** Replaces the stub with this id by `definition` (the id and its place in the order are kept); returns the new version. */
  updateStub(id: string, definition: StubDefinition): Promise<StubMapping>;
  /** Removes one stub (404 when there is none); a persistent one is deleted from its file too. */
  removeStub(id: string): Promise<void>;
  /** WireMock's removal by stub: the stub with this one's `id` when there is one, else every stub with an equal request pattern. */
  removeStubMapping(stub: Partial<StubDefinition> & { uuid?: string }): Promise<void>;
  /** Removes every stub, those from files included (until `resetStubs()` or the next change of a file). */
  removeAllStubs(): Promise<void>;
  /** Drops the stubs changed over the API and re-reads the stub files; the journal is emptied too, as in WireMock. */
  resetStubs(): Promise<void>;
  /** Writes the stubs changed over the API into the stubs folder. */
  saveStubs(): Promise<SaveResult>;
  /** Adds many stubs at once, all or nothing: every stub is checked first (pointers like `/mappings/2/response/status`). */
  importStubs(definitions: readonly StubDefinition[], options?: ImportOptions): Promise<void>;
  /** The stubs whose `metadata` matches a value pattern. */
  findStubsByMetadata(pattern: ValuePatternDefinition): Promise<StubMapping[]>;
  /** Removes the stubs whose `metadata` matches a value pattern. */
  removeStubsByMetadata(pattern: ValuePatternDefinition): Promise<void>;
  /** The stubs no request in the journal was served by. */
  unmatchedStubs(): Promise<StubMapping[]>;
  /** Removes the stubs no request in the journal was served by. */
  removeUnmatchedStubs(): Promise<void>;

  // ---- the request journal ----

  /** The journal, newest request first, filtered as WireMock filters it. */
  requests(options?: RequestsOptions): Promise<RequestPage>;
  /** One journal entry by id (404 when there is none). */
  getRequest(id: string): Promise<ServeEvent>;
  /** Removes one journal entry; an id the journal does not hold is not an error. */
  removeRequest(id: string): Promise<void>;
  /** The journal's requests that match a request pattern, oldest first. */
  find(pattern: RequestPatternDefinition): Promise<LoggedRequest[]>;
  /** How many journal requests match a request pattern. */
  count(pattern: RequestPatternDefinition): Promise<number>;
  /** How many journal requests match a request pattern, and whether the server keeps a journal at all. */
  countRequests(pattern: RequestPatternDefinition): Promise<RequestCount>;
  /** Removes the requests that match a request pattern; returns them, oldest first. */
  removeRequests(pattern: RequestPatternDefinition): Promise<ServeEvent[]>;
  /** Removes the requests served by stubs whose `metadata` matches a value pattern; returns them, oldest first. */
  removeRequestsByMetadata(pattern: ValuePatternDefinition): Promise<ServeEvent[]>;
  /** Empties the journal. */
  resetRequests(): Promise<void>;
  /** The requests no stub matched, newest first. */
  unmatched(): Promise<LoggedRequest[]>;

  // ---- near misses ----

  /** For each request no stub matched, the stubs that came closest. */
  nearMissesForUnmatched(): Promise<NearMiss[]>;
  /** The stubs that come closest to matching a request, closest first. */
  nearMissesFor(request: NearMissRequest): Promise<NearMiss[]>;
  /** The journal's requests that come closest to matching a request pattern (up to 3), closest first. */
  nearMissesForPattern(pattern: RequestPatternDefinition): Promise<RequestNearMiss[]>;

  // ---- scenarios ----

  /** Every scenario, in the order its stubs were added, with its state, possible states and stubs. */
  scenarios(): Promise<Scenario[]>;
  /** Moves a scenario to a state (404 for an unknown scenario, 422 listing the possible states for an unknown state). */
  setScenarioState(name: string, state: string): Promise<void>;
  /** Puts one scenario back to `Started` (404 for an unknown scenario). */
  resetScenario(name: string): Promise<void>;
  /** Puts every scenario back to `Started`. */
  resetScenarios(): Promise<void>;

  // ---- settings and the server ----

  /** The global settings (`{ proxyPassThrough: true }` until they are changed). */
  settings(): Promise<GlobalSettings>;
  /** Replaces the global settings (e.g. `{ fixedDelay: 100 }`; WireMock's `{ settings: {...} }` is read too). */
  updateSettings(settings: GlobalSettings): Promise<void>;
  /** Resets everything: stubs back to the files, chaos rules, journal, scenarios and response sequences. */
  reset(): Promise<void>;
  /** The health check. */
  health(): Promise<Health>;
  /** The server's version. */
  version(): Promise<string>;
  /** Stops the server (once the call is answered). */
  shutdown(): Promise<void>;

  // ---- recordings ----

  /** Starts recording (a recording already running keeps running). */
  startRecording(spec?: RecordingSpec): Promise<void>;
  /** Stops the recording; returns the stubs made (400, WireMock's code 30, when none is running). */
  stopRecording(): Promise<RecordingResult>;
  /** Whether a recording runs. */
  recordingStatus(): Promise<RecordingStatus>;
  /** Turns the journal's proxied exchanges into stubs, as stopping a recording would. */
  snapshotRecording(spec?: RecordingSpec): Promise<RecordingResult>;

  // ---- Decoy's extensions ----

  /** Every stub with where it comes from and what it matches, in words. */
  decoyStubs(): Promise<DecoyStubInfo[]>;
  /** What was created, edited or removed over the API and not yet saved. */
  unsavedChanges(): Promise<UnsavedChanges>;
  /** The current problems of the stub files. */
  loadErrors(): Promise<LoadError[]>;
  /** The services of this Decoy (the main one is `default`). */
  services(): Promise<ServiceInfo[]>;
  /** Mocks an OpenAPI document (a parsed object): every operation becomes stubs, added at once. */
  addOpenApi(document: Record<string, unknown>, options?: { name?: string }): Promise<OpenApiResult>;
  /** Adds a run-time chaos rule; returns it as stored, with its `id`. */
  addChaosRule(rule: ChaosRuleDefinition): Promise<ChaosRule>;
  /** The chaos rules in force, in the order they are checked. */
  chaosRules(): Promise<ChaosRule[]>;
  /** Removes one chaos rule (404 when there is none with this id). */
  removeChaosRule(id: string): Promise<void>;
  /** Removes every chaos rule. */
  clearChaosRules(): Promise<void>;
  /** The webhook journal: every outbound callback attempt kept (bounded), oldest first, filtered by `query`. */
  webhooks(query?: WebhookQuery): Promise<WebhookAttempt[]>;
  /** How many callbacks matching `query` were delivered, and attempted (to verify "delivered exactly twice"). */
  countWebhooks(query?: WebhookQuery): Promise<WebhookCount>;
  /** Empties the webhook journal. */
  resetWebhooks(): Promise<void>;
  /** The resources the stubs serve, with how many items each holds. */
  resources(): Promise<ResourceInfo[]>;
  /** A resource's items, oldest first (`name`: its path, `/orders`, or without the first slash); 404 for an unknown one. */
  resourceItems(name: string): Promise<Array<Record<string, unknown>>>;
  /** Replaces a resource's items (each checked against its schema, within its maxItems). */
  setResourceItems(name: string, items: Array<Record<string, unknown>>): Promise<void>;
  /** Empties a resource (it stays empty until a reset or a create). */
  clearResourceItems(name: string): Promise<void>;
  /** Puts a resource back to its seed. */
  resetResource(name: string): Promise<void>;
  /** Every namespace (of the fleet, with a shared store) with its last use and counts, and the limits. */
  namespaces(): Promise<NamespaceList>;
  /** Puts a namespace back to new: its API stubs, scenarios, counters, resource items (their seeds), journal; 404 for an unknown one. */
  resetNamespace(name: string): Promise<void>;
  /** Forgets a namespace and everything in it; 404 for an unknown one. */
  dropNamespace(name: string): Promise<void>;
  /** Forgets every namespace; returns how many there were. */
  dropNamespaces(): Promise<number>;
}
