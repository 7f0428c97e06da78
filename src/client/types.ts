/**
 * What the admin API answers, typed: WireMock's JSON shapes for `/__admin`, and Decoy's own for
 * `/__admin/decoy/`. Types only, so the client stays free of runtime dependencies.
 */
import type { RequestPatternDefinition, ResponseDefinition, StubDefinition } from '../core/stub-definition.js';
import type { AppliedFault, FaultName } from '../core/faults/fault.js';
import type { RedactionReport } from '../core/recording/redaction.js';

export type { AppliedFault, RedactionReport };

/**
 * How a connection is broken: WireMock's four faults, and Decoy's `HANG` (never answered) and
 * `STALL_BODY` (headers and half the body, then nothing).
 */
export type Fault = FaultName;

/** The faults of WireMock's own model, the ones a `LoggedResponse` can name. */
export type WireMockFault = 'CONNECTION_RESET_BY_PEER' | 'EMPTY_RESPONSE' | 'MALFORMED_RESPONSE_CHUNK' | 'RANDOM_DATA_THEN_CLOSE';

/** A stub as the server holds it: the definition as sent, with `id` and `uuid` (the same value) always set. */
export type StubMapping = StubDefinition & {
  /** The stub's id (a UUID unless the definition named one). */
  id: string;
  /** The same as `id`; WireMock answers both. */
  uuid: string;
  /** The request pattern; a stub that names no method shows `method: "ANY"`. */
  request: RequestPatternDefinition;
};

/** One page of `listStubs()`, newest stub first. */
export interface StubPage {
  /** The stubs on this page. */
  mappings: StubMapping[];
  meta: {
    /** How many stubs the server has in all (not only on this page). */
    total: number;
  };
}

/** Options of `listStubs()`. */
export interface ListStubsOptions {
  /** At most this many stubs. */
  limit?: number;
  /** Skip this many stubs first. */
  offset?: number;
}

/** Options of `importStubs()`. */
export interface ImportOptions {
  /** What to do with a stub whose id already exists: replace it (default) or keep the one the server has. */
  duplicatePolicy?: 'OVERWRITE' | 'IGNORE';
  /** Remove every stub whose id is not in the import. Default false. */
  deleteAllNotInImport?: boolean;
}

/** What `saveStubs()` wrote. */
export interface SaveResult {
  /** Files written (created or rewritten), relative to the stubs folder. */
  written: string[];
}

/** A query or form parameter of a logged request. */
export interface LoggedParameter {
  key: string;
  values: string[];
}

/** A request as the journal recorded it (WireMock's LoggedRequest). */
export interface LoggedRequest {
  /** Path and query, as sent. */
  url: string;
  absoluteUrl: string;
  method: string;
  clientIp: string;
  /** Header name (as the client spelt it) → value, or a list when the header was repeated. */
  headers: Record<string, string | string[]>;
  cookies: Record<string, string>;
  browserProxyRequest: boolean;
  /** When it was received, in ms since the epoch. */
  loggedDate: number;
  loggedDateString: string;
  bodyAsBase64: string;
  /** The body as text; absent when it is not valid UTF-8. */
  body?: string;
  protocol: string;
  scheme: string;
  host: string;
  port: number;
  queryParams: Record<string, LoggedParameter>;
  formParams: Record<string, LoggedParameter>;
}

/** The response a logged request got. Empty when none was sent (yet). */
export interface LoggedResponse {
  status?: number;
  headers?: Record<string, string | string[]>;
  bodyAsBase64?: string;
  body?: string;
  /** WireMock's fault that broke the connection (one of its four), when one did; Decoy's others are in `subEvents`. */
  fault?: WireMockFault;
}

/**
 * A fact about a serve event, in WireMock's `subEvents` list. WireMock's own types are upper case
 * (`REQUEST_NOT_MATCHED` with the near-miss report sent); Decoy adds `decoy.fault` (the data is an
 * `AppliedFault`), `decoy.statusMessage` (`{ statusMessage }`) and `decoy.proxied` (`{ proxiedTo }`).
 */
export interface SubEvent {
  type: string;
  timeOffsetNanos: number;
  data: Record<string, unknown>;
}

/** One request in the journal and what answered it (WireMock's ServeEvent). */
export interface ServeEvent {
  /** The event's id, for `getRequest(id)`. */
  id: string;
  request: LoggedRequest;
  /** The stub that matched; for an unmatched request, WireMock's placeholder (any method, a 404 `fromConfiguredStub: false`). */
  stubMapping: StubMapping;
  /** The stub's response definition; for an unmatched request, WireMock's `{ status: 404, fromConfiguredStub: false }`. */
  responseDefinition: ResponseDefinition & { fromConfiguredStub?: boolean };
  response: LoggedResponse;
  wasMatched: boolean;
  timing: { addedDelay: number; processTime: number; responseSendTime: number; serveTime: number; totalTime: number };
  /** What else happened: WireMock's sub-events and Decoy's (faults applied, proxying); see `appliedFaults(event)`. */
  subEvents: SubEvent[];
}

/** The journal, newest request first. */
export interface RequestPage {
  requests: ServeEvent[];
  meta: {
    /** How many requests `unmatched` and `matchingStub` kept (before `since` and `limit`), as WireMock counts. */
    total: number;
  };
  /** True when the server keeps no journal (journal size 0). */
  requestJournalDisabled: boolean;
}

/** Options of `requests()`. */
export interface RequestsOptions {
  /** At most this many, newest first. */
  limit?: number;
  /** Only requests received after this moment (a Date or an ISO 8601 string). */
  since?: Date | string;
  /** Only the requests no stub matched. */
  unmatched?: boolean;
  /** Only the requests this stub (by id) answered. */
  matchingStub?: string;
}

/** A request to find near misses for: a `LoggedRequest` fits, as do hand-written ones. */
export interface NearMissRequest {
  url: string;
  /** Default GET. */
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
  bodyAsBase64?: string;
}

/** How far a request is from a pattern (WireMock's MatchResult); the lower the distance, the closer (0 is a match). */
export interface MatchResult {
  distance: number;
  /** WireMock's diagnostic lists (Decoy leaves them empty; its explanation is the near-miss report). */
  subEvents?: SubEvent[];
  diffDescriptions?: unknown[];
}

/** A stub that almost matched a request; the lower the distance, the closer (0 is a match). */
export interface NearMiss {
  request: LoggedRequest | NearMissRequest;
  stubMapping: StubMapping;
  matchResult: MatchResult;
}

/** A journal request that almost matched a request pattern; the lower the distance, the closer (0 is a match). */
export interface RequestNearMiss {
  request: LoggedRequest;
  requestPattern: RequestPatternDefinition;
  matchResult: MatchResult;
}

/** What `POST /__admin/requests/count` answers (WireMock's VerificationResult). */
export interface RequestCount {
  count: number;
  /** True when the server keeps no journal (journal size 0): then nothing can be counted. */
  requestJournalDisabled: boolean;
}

/** How many times `verify()` expects a request: a number means exactly that many. */
export type VerifyTimes = number | {
  /** At least this many. */
  atLeast?: number;
  /** At most this many. */
  atMost?: number;
  /** Exactly this many (cannot be combined with the others). */
  exactly?: number;
};

/** A scenario: its current state and the stubs that take part in it. */
export interface Scenario {
  /** The same as `name`. */
  id: string;
  name: string;
  /** The current state; `Started` until a stub moves it on. */
  state: string;
  possibleStates: string[];
  mappings: StubMapping[];
}

/** Global settings, as WireMock keeps them. */
export interface GlobalSettings {
  /** A delay added to every response, in ms. */
  fixedDelay?: number;
  [key: string]: unknown;
}

/** The answer of the health check. */
export interface Health {
  /** `healthy` when the server is up. */
  status: string;
  message: string;
  version: string;
  uptimeInSeconds: number;
  /** ISO 8601 date-time of the answer. */
  timestamp: string;
  /** How many stubs are loaded. */
  stubs: number;
  /** With `--store`: the shared store's state (a replica that lost it keeps serving from its own copy). */
  store?: {
    kind: string;
    /** Where it is, without any password. */
    url: string;
    connected: boolean;
    /** Since when it is unreachable (ISO 8601), while it is. */
    lostSince: string | undefined;
    /** Journal events made here and not yet written to the store. */
    pendingJournalEvents: number;
  };
}

/** A stub as Decoy explains it: where it comes from and what it matches. */
export interface DecoyStubInfo {
  id: string;
  name?: string;
  priority: number;
  /** `file`, `file, edited over the API (unsaved)` or `api (unsaved)`. */
  source: string;
  /** The stub file, as Decoy names files in messages (relative to its working directory when inside it, else absolute). */
  file?: string;
  /** The line of the stub in its file. */
  line?: number;
  /** What the stub matches, in one sentence. */
  explanation: string;
  /** Keys of the definition that Decoy does not act on. */
  ignoredKeys: string[];
}

/** What was changed over the admin API and not yet saved to the stubs folder. */
export interface UnsavedChanges {
  /** Stubs created over the API. */
  created: StubMapping[];
  /** Stubs from files that were edited over the API. */
  edited: Array<{ file?: string; mapping: StubMapping }>;
  /** Stubs from files that were removed over the API. */
  deleted: Array<{ file?: string; id: string }>;
}

/** A problem with a stub file, as Decoy reports it. */
export interface LoadError {
  /** A stable `DECOY_ERR_...` code. */
  code: string;
  message: string;
  /** The file, named as in `DecoyStubInfo.file`. */
  file?: string;
  line?: number;
  column?: number;
  /** RFC 6901 JSON pointer to the bad value. */
  pointer?: string;
  /** The one-line form Decoy logs: `file:line:column CODE message`. */
  formatted: string;
}

/** A random delay, as WireMock spells it (`delayDistribution`). */
export type DelayDistribution =
  | {
    type: 'lognormal';
    /** The median delay, in ms. */
    median: number;
    /** The spread: the delay is `median * e^(sigma * N(0,1))`. */
    sigma: number;
    /** The longest delay, in ms; longer draws are capped to it. */
    maxValue?: number;
  }
  | {
    type: 'uniform';
    /** The shortest delay, in ms. */
    lower: number;
    /** The longest delay, in ms. */
    upper: number;
  }
  | {
    type: 'fixed';
    /** The delay, in ms. */
    milliseconds: number;
  };

/**
 * A run-time chaos rule as sent to `POST /__admin/decoy/chaos` (Decoy's extension): which requests,
 * how often, one action, and when it expires. Give exactly one action: `fixedDelayMilliseconds`,
 * `delayDistribution`, `fault`, or `status` (with optional `body` or `jsonBody`, and `headers`).
 */
export interface ChaosRuleDefinition {
  /** The requests it applies to (a WireMock request pattern). Default: every request except `/__admin`. */
  request?: RequestPatternDefinition;
  /** The chance, in [0, 1], that a matching request is affected. Default 1. */
  probability?: number;
  /** Action: delay the response by this many ms. */
  fixedDelayMilliseconds?: number;
  /** Action: delay the response by a random time. */
  delayDistribution?: DelayDistribution;
  /** Action: break the connection this way instead of answering. */
  fault?: Fault;
  /** Action: answer with this status instead of the stub's response. */
  status?: number;
  /** The body of a `status` answer, as text. */
  body?: string;
  /** The body of a `status` answer, as JSON. */
  jsonBody?: unknown;
  /** The headers of a `status` answer. */
  headers?: Record<string, string | string[]>;
  /** Action: answer with these GraphQL errors (and partial `data`), HTTP 200 unless `status` is given. */
  graphql?: { errors: Array<string | { message?: string; path?: string | Array<string | number>; code?: string; extensions?: Record<string, unknown> }>; data?: unknown };
  /** The rule expires this many ms after it was added. */
  durationMs?: number;
  /** The rule expires after it was applied this many times. */
  hits?: number;
}

/** A chaos rule as the server holds it: the definition, with its `id` and what is left of its limits. */
export type ChaosRule = ChaosRuleDefinition & {
  /** The rule's id, for `removeChaosRule(id)`. */
  id: string;
  /** How many more times it applies; present when it was added with `hits`. */
  remainingHits?: number;
  /** When it expires (ISO 8601); present when it was added with `durationMs`. */
  expiresAt?: string;
  /** What it does, in one sentence. */
  description: string;
};

/** Where a recording stands: never started, running, or stopped. */
export type RecordingStatus = 'NeverStarted' | 'Recording' | 'Stopped';

/**
 * A recording or snapshot spec, as WireMock's `POST /__admin/recordings/start` and `/snapshot` take it
 * (`targetBaseUrl`, `filters`, `captureHeaders`, `requestBodyPattern`, `extractBodyCriteria`, `persist`,
 * `repeatsAsScenarios`), plus Decoy's `redact` and `format` (`yaml` or `json`); see the recording guide.
 */
export interface RecordingSpec {
  /** Where to proxy unmatched requests while recording; none records what proxy stubs forward. */
  targetBaseUrl?: string;
  /** Only exchanges whose request matches this pattern (and, for a snapshot, `ids`: only these serve events). */
  filters?: RequestPatternDefinition & { ids?: string[]; allowNonProxied?: boolean };
  /** Write the stubs into the stubs folder (default true). */
  persist?: boolean;
  /** A request made again becomes a scenario replaying its answers in order (default true). */
  repeatsAsScenarios?: boolean;
  /** The stub files' format. */
  format?: 'yaml' | 'json';
  [key: string]: unknown;
}

/** What stopping a recording or taking a snapshot made: the stubs (newest first), the files written, what was redacted. */
export interface RecordingResult {
  mappings: StubMapping[];
  /** Files written into the stubs folder, when any were. */
  written?: string[];
  redaction: RedactionReport;
}

/** What `addOpenApi()` made of a document. */
export interface OpenApiResult {
  /** The document's name in the stubs' metadata: the `name` given, else its title. */
  document: string;
  mappings: StubMapping[];
  /** What of the document could not be mocked as written. */
  warnings: string[];
}



/** One service of a Decoy, as `GET /__admin/decoy/services` lists it (the server's own type). */
export type { ServiceInfo } from '../services/service-admin.js';

/** Which webhook attempts a query or a count is about (`GET /__admin/decoy/webhooks`); every field given must hold. */
export interface WebhookQuery {
  /** The method, any case. */
  method?: string;
  /** The whole URL, exactly. */
  url?: string;
  /** A regular expression the whole URL must match. */
  urlPattern?: string;
  /** The URL's path, exactly (`/hooks/payment`). */
  urlPath?: string;
  /** The stub that made the callback. */
  stubId?: string;
  /** The journal id of the request that caused it. */
  requestId?: string;
}

/** One outbound webhook attempt, as the webhook journal keeps it. */
export interface WebhookAttempt {
  /** Increasing: the order the attempts were journaled in. */
  seq: number;
  /** The journal id of the request that caused the callback. */
  requestId?: string;
  stubId: string;
  stubName?: string;
  /** Which webhook of the stub (0-based), and which delivery of it (2.. for the `duplicate` fault). */
  webhook: number;
  copy: number;
  /** 1 for the first try, 2.. for retries. */
  attempt: number;
  method: string;
  url: string;
  headers: Record<string, string[]>;
  /** The body as text (UTF-8), and as base64 for binary bodies. */
  body: string;
  bodyAsBase64: string;
  /** delivered (the receiver answered, no retry follows), retrying, failed, dropped, refused or cancelled. */
  outcome: 'delivered' | 'retrying' | 'failed' | 'dropped' | 'refused' | 'cancelled';
  /** The receiver's status, when it answered. */
  status?: number;
  /** Why there is no status. */
  error?: string;
  /** ISO-8601 time the attempt started. */
  sentAt: string;
  durationMs: number;
  /** The faults applied, in words. */
  faults: string[];
}

/** How many callbacks matching a query were delivered (the receiver answered, no retry followed), and attempts in all. */
export interface WebhookCount {
  delivered: number;
  attempts: number;
}

/** A resource the stubs serve (docs/guides/stateful-mocks.md): its collection path and how many items it holds now. */
/** A namespace, as `GET /__admin/decoy/namespaces` lists it. */
export interface NamespaceInfo {
  name: string;
  /** When it was last used, by a request or an admin call (ISO 8601). */
  lastUsed: string;
  /** Stubs created or edited over the admin API in it; null when this replica has not opened it (a shared store). */
  stubs: number | null;
  /** Requests its journal holds; null when this replica has not opened it. */
  requests: number | null;
}

/** `GET /__admin/decoy/namespaces`: the namespaces and the limits they live under. */
export interface NamespaceList {
  namespaces: NamespaceInfo[];
  /** `--max-namespaces`. */
  maxNamespaces: number;
  /** `--namespace-idle-timeout`, in ms. */
  idleTimeoutMs: number;
  /** The header that names a namespace (`--namespace-header`), lower-case. */
  header: string;
}

export interface ResourceInfo {
  /** The collection's path, `/orders`. */
  name: string;
  idField: string;
  /** How many items it holds now. */
  items: number;
  maxItems: number;
}
