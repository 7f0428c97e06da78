/**
 * The typed admin client: one method per admin endpoint, over the global `fetch`, with no runtime
 * dependency. It speaks WireMock's `/__admin` API, so most of it works against WireMock too; the
 * `decoy*` methods and the ones documented as Decoy's need Decoy.
 */
import type { RequestPatternDefinition, StubDefinition, ValuePatternDefinition } from '../core/stub-definition.js';
import type { Admin } from './admin.js';
import { DecoyClientError, problemOf } from './client-error.js';
import type {
  ChaosRule, ChaosRuleDefinition, DecoyStubInfo, GlobalSettings, Health, ImportOptions, ListStubsOptions, LoadError, LoggedRequest, NearMiss,
  NearMissRequest, OpenApiResult, RecordingResult, RecordingSpec, RecordingStatus, RequestCount, RequestNearMiss, RequestPage, RequestsOptions,
  SaveResult, Scenario, ServeEvent, ServiceInfo, StubMapping, StubPage, UnsavedChanges, VerifyTimes, WebhookAttempt, WebhookCount, WebhookQuery, ResourceInfo, NamespaceList,
} from './types.js';
import { verifyRequests } from './verification.js';

/** Options of `new DecoyClient(baseUrl, options)`. */
export interface DecoyClientOptions {
  /** Sent as `Authorization: Bearer <token>` on every call (Decoy's `--admin-token`). */
  token?: string;
  /** The fetch to use (a wrapper that logs, an undici dispatcher, ...). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** The admin API's path: `/__admin` (default), or a service's, as `GET /__admin/decoy/services` lists it. */
  adminBase?: string;
  /**
   * Work in this namespace: every call carries the namespace header, so stubs, scenarios, resources and
   * the journal are this namespace's (docs/guides/stateful-mocks.md). Default: the default namespace.
   */
  namespace?: string;
  /** The header that names the namespace (Decoy's `--namespace-header`). Default `X-Decoy-Namespace`. */
  namespaceHeader?: string;
}

/** Options of `waitUntilReady()`. */
export interface WaitOptions {
  /** Give up after this long, in ms. Default 10,000. */
  timeoutMs?: number;
  /** Pause between two health checks, in ms. Default 50. */
  intervalMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Why a fetch got no answer: undici hides the socket error in `cause`. */
function reasonOf(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message) return cause.message;
  return e instanceof Error ? e.message : String(e);
}

/**
 * A client for Decoy's admin API (and WireMock's, which it extends).
 *
 * ```ts
 * const decoy = new DecoyClient('http://localhost:8080');
 * await decoy.createStub({ request: { method: 'GET', url: '/users/1' }, response: { status: 200, jsonBody: { id: 1 } } });
 * // ... exercise the code under test ...
 * await decoy.verify({ method: 'GET', url: '/users/1' }, 1);
 * ```
 *
 * Every method throws a `DecoyClientError` when the server answers with a non-2xx status or does not answer.
 */
export class DecoyClient implements Admin {
  /** The server's base URL, without a trailing slash or `/__admin`. */
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #fetch: typeof fetch;
  /** The admin API's path on the server: `/__admin`, or a service's under `/__admin/decoy/services/`. */
  readonly adminBase: string;
  /** The namespace every call works in; undefined for the default namespace. */
  readonly namespaceName: string | undefined;
  /**
   * The header (name and value) that puts a request in this client's namespace: send it with the requests
   * of the code under test (`{}` for the default namespace).
   */
  readonly namespaceHeaders: Readonly<Record<string, string>>;
  readonly #options: DecoyClientOptions;

  /**
   * @param baseUrl where Decoy listens, e.g. `http://localhost:8080` (a trailing `/__admin` is accepted too)
   * @param options a bearer token, a fetch of your own
   */
  constructor(baseUrl: string, options: DecoyClientOptions = {}) {
    const trimmed = baseUrl.replace(/\/+$/, '').replace(/\/__admin$/, '');
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new TypeError(`DecoyClient: baseUrl must be an absolute http(s) URL (got ${JSON.stringify(baseUrl)})`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`DecoyClient: baseUrl must be an absolute http(s) URL (got ${JSON.stringify(baseUrl)})`);
    }
    this.baseUrl = trimmed;
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.adminBase = (options.adminBase ?? '/__admin').replace(/\/+$/, '');
    this.#options = options;
    this.namespaceName = options.namespace;
    this.namespaceHeaders = Object.freeze(options.namespace === undefined ? {} : { [options.namespaceHeader ?? 'X-Decoy-Namespace']: options.namespace });
    if (!this.adminBase.startsWith('/')) throw new TypeError(`DecoyClient: adminBase must be a path starting with / (got ${JSON.stringify(options.adminBase)})`);
  }

  /**
   * A client for another service of the same Decoy (one of several virtual services in one process),
   * reached through this server's admin API: `decoy.service('payments').verify(...)`.
   */
  service(name: string): DecoyClient {
    return new DecoyClient(this.baseUrl, {
      ...(this.#token !== undefined ? { token: this.#token } : {}),
      fetch: this.#fetch,
      adminBase: `/__admin/decoy/services/${encodeURIComponent(name)}`,
    });
  }

  /**
   * A client for one namespace of this Decoy: its stubs, scenarios, resources and journal only, over the
   * shared file stubs. `decoy.namespace('run-42').verify(...)`.
   */
  namespace(name: string): DecoyClient {
    return new DecoyClient(this.baseUrl, { ...this.#options, fetch: this.#fetch, namespace: name });
  }

  /** Every service of this Decoy (the main one is `default`): name, port, url, stubsDir, adminBase. */
  async services(): Promise<ServiceInfo[]> {
    return (await this.#call<{ services: ServiceInfo[] }>('GET', '/decoy/services')).services;
  }

  /** Calls `/__admin{path}` and returns the parsed JSON answer (undefined for an empty one). */
  async #call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const url = `${this.baseUrl}${this.adminBase}${path}`;
    const shown = new URL(url).pathname + new URL(url).search;
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    Object.assign(headers, this.namespaceHeaders);
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }), ...(signal ? { signal } : {}) });
      text = await res.text();
    } catch (e) {
      throw new DecoyClientError({ method, path: shown, status: 0, title: reasonOf(e), cause: e });
    }
    let json: unknown;
    let parsed = text.trim() === '';
    if (!parsed) {
      try {
        json = JSON.parse(text);
        parsed = true;
      } catch {
        // Not JSON: a proxy's error page, or something that is not Decoy at this address.
      }
    }
    if (!res.ok) {
      const statusText = res.statusText || `HTTP ${res.status}`;
      if (parsed) {
        const { title, details } = problemOf(json, statusText);
        throw new DecoyClientError({ method, path: shown, status: res.status, title, details });
      }
      throw new DecoyClientError({ method, path: shown, status: res.status, title: statusText, details: [{ title: text.trim().slice(0, 200) }] });
    }
    if (!parsed) {
      throw new DecoyClientError({ method, path: shown, status: res.status, title: 'The answer is not JSON', details: [{ title: text.trim().slice(0, 200) }] });
    }
    return json as T;
  }

  // ---- stubs ----

  /** Adds a stub; returns it as the server holds it, with its `id`. A stub with `persistent: true` is also saved to the stubs folder. */
  async createStub(definition: StubDefinition): Promise<StubMapping> {
    return this.#call<StubMapping>('POST', '/mappings', definition);
  }

  /** One stub by id; a `DecoyClientError` with status 404 when there is none. */
  async getStub(id: string): Promise<StubMapping> {
    return this.#call<StubMapping>('GET', `/mappings/${encodeURIComponent(id)}`);
  }

  /** The stubs, newest first, a page at a time when `limit`/`offset` are given; `meta.total` counts them all. */
  async listStubs(options: ListStubsOptions = {}): Promise<StubPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.offset !== undefined) query.set('offset', String(options.offset));
    const qs = query.toString() ? `?${query}` : '';
    return this.#call<StubPage>('GET', `/mappings${qs}`);
  }

  /** Replaces the stub with this id by `definition` (the id is kept); returns the new version. */
  async updateStub(id: string, definition: StubDefinition): Promise<StubMapping> {
    return this.#call<StubMapping>('PUT', `/mappings/${encodeURIComponent(id)}`, definition);
  }

  /** Removes one stub; a `DecoyClientError` with status 404 when there is none. */
  async removeStub(id: string): Promise<void> {
    await this.#call('DELETE', `/mappings/${encodeURIComponent(id)}`);
  }

  /**
   * Removes by stub, as WireMock's `removeStub(StubMapping)`: the stub with this one's `id` when there is
   * one, else every stub whose request pattern equals this one's. Nothing equal is not an error.
   */
  async removeStubMapping(stub: Partial<StubDefinition> & { uuid?: string }): Promise<void> {
    await this.#call('POST', '/mappings/remove', stub);
  }

  /** Removes every stub, those from files included (until `resetStubs()` or the next change of a file). */
  async removeAllStubs(): Promise<void> {
    await this.#call('DELETE', '/mappings');
  }

  /** Drops the stubs changed over the API and re-reads the stub files: back to what the files say. */
  async resetStubs(): Promise<void> {
    await this.#call('POST', '/mappings/reset');
  }

  /** Writes the stubs changed over the API into the stubs folder (409 when Decoy has none, or a file changed meanwhile). */
  async saveStubs(): Promise<SaveResult> {
    // The server answers an empty body when there was nothing to write.
    const result = await this.#call<SaveResult | undefined>('POST', '/mappings/save');
    return { written: result?.written ?? [] };
  }

  /**
   * Adds many stubs at once. Every stub is checked first: one invalid stub rejects the whole import
   * (422, with pointers like `/mappings/2/response/status`).
   */
  async importStubs(definitions: readonly StubDefinition[], options: ImportOptions = {}): Promise<void> {
    await this.#call('POST', '/mappings/import', { mappings: definitions, importOptions: options });
  }

  /** The stubs whose `metadata` matches a value pattern, e.g. `{ matchesJsonPath: "$.team" }` or `{ equalToJson: { team: "a" } }`. */
  async findStubsByMetadata(pattern: ValuePatternDefinition): Promise<StubMapping[]> {
    return (await this.#call<{ mappings: StubMapping[] }>('POST', '/mappings/find-by-metadata', pattern)).mappings;
  }

  /** Removes the stubs whose `metadata` matches a value pattern (as `findStubsByMetadata` finds them). */
  async removeStubsByMetadata(pattern: ValuePatternDefinition): Promise<void> {
    await this.#call('POST', '/mappings/remove-by-metadata', pattern);
  }

  /** The stubs that no request in the journal was served by. */
  async unmatchedStubs(): Promise<StubMapping[]> {
    return (await this.#call<StubPage>('GET', '/mappings/unmatched')).mappings;
  }

  /** Removes the stubs that no request in the journal was served by. */
  async removeUnmatchedStubs(): Promise<void> {
    await this.#call('DELETE', '/mappings/unmatched');
  }

  // ---- the request journal ----

  /** The journal, newest request first: at most `limit` of them, only those after `since`. */
  async requests(options: RequestsOptions = {}): Promise<RequestPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    if (options.since !== undefined) query.set('since', options.since instanceof Date ? options.since.toISOString() : options.since);
    if (options.unmatched) query.set('unmatched', 'true');
    if (options.matchingStub !== undefined) query.set('matchingStub', options.matchingStub);
    const qs = query.toString() ? `?${query}` : '';
    return this.#call<RequestPage>('GET', `/requests${qs}`);
  }

  /** One journal entry by id (the `id` of a `ServeEvent`); 404 when there is none. */
  async getRequest(id: string): Promise<ServeEvent> {
    return this.#call<ServeEvent>('GET', `/requests/${encodeURIComponent(id)}`);
  }

  /** Removes one journal entry by id; an id the journal does not hold is not an error. */
  async removeRequest(id: string): Promise<void> {
    await this.#call('DELETE', `/requests/${encodeURIComponent(id)}`);
  }

  /** The requests in the journal that match a request pattern, oldest first. */
  async find(pattern: RequestPatternDefinition): Promise<LoggedRequest[]> {
    return (await this.#call<{ requests: LoggedRequest[] }>('POST', '/requests/find', pattern)).requests;
  }

  /** How many requests in the journal match a request pattern. */
  async count(pattern: RequestPatternDefinition): Promise<number> {
    return (await this.countRequests(pattern)).count;
  }

  /** How many requests in the journal match a request pattern, and whether the server keeps a journal at all. */
  async countRequests(pattern: RequestPatternDefinition): Promise<RequestCount> {
    return this.#call<RequestCount>('POST', '/requests/count', pattern);
  }

  /** Removes the requests that match a request pattern from the journal; returns what was removed. */
  async removeRequests(pattern: RequestPatternDefinition): Promise<ServeEvent[]> {
    return (await this.#call<{ serveEvents: ServeEvent[] }>('POST', '/requests/remove', pattern)).serveEvents;
  }

  /** Removes the requests served by stubs whose `metadata` matches a value pattern; returns what was removed. */
  async removeRequestsByMetadata(pattern: ValuePatternDefinition): Promise<ServeEvent[]> {
    return (await this.#call<{ serveEvents: ServeEvent[] }>('POST', '/requests/remove-by-metadata', pattern)).serveEvents;
  }

  /** Empties the journal. */
  async resetRequests(): Promise<void> {
    await this.#call('DELETE', '/requests');
  }

  /** The requests no stub matched, newest first. */
  async unmatched(): Promise<LoggedRequest[]> {
    return (await this.#call<{ requests: LoggedRequest[] }>('GET', '/requests/unmatched')).requests;
  }

  /** For each request no stub matched, the stubs that came closest. */
  async nearMissesForUnmatched(): Promise<NearMiss[]> {
    return (await this.#call<{ nearMisses: NearMiss[] }>('GET', '/requests/unmatched/near-misses')).nearMisses;
  }

  /** The stubs that come closest to matching a request (a `LoggedRequest`, or one written by hand), closest first. */
  async nearMissesFor(request: NearMissRequest): Promise<NearMiss[]> {
    return (await this.#call<{ nearMisses: NearMiss[] }>('POST', '/near-misses/request', request)).nearMisses;
  }

  /** The journal's requests that come closest to matching a request pattern (up to 3), closest first. */
  async nearMissesForPattern(pattern: RequestPatternDefinition): Promise<RequestNearMiss[]> {
    return (await this.#call<{ nearMisses: RequestNearMiss[] }>('POST', '/near-misses/request-pattern', pattern)).nearMisses;
  }

  /**
   * Asserts how many requests in the journal match `pattern`: `times` is a number (exactly that many)
   * or `{ atLeast, atMost }` / `{ exactly }`; without it, at least one.
   *
   * On failure it throws node's `AssertionError` (so test runners show it as a failed assertion), with
   * `expected` (e.g. `"exactly 2 requests"`), `actual` (the count) and a message that shows the
   * pattern, both counts and the closest requests received:
   *
   * ```
   * Expected exactly 1 request matching
   * {
   *   "method": "POST",
   *   "url": "/orders"
   * }
   * but received 0.
   * Closest requests received:
   *   POST /orderz (distance 0.11)
   *   GET /orders (distance 0.231)
   * ```
   *
   * A bad `times` is a `TypeError`; a server that keeps no journal fails the assertion, since it can
   * count nothing.
   */
  async verify(pattern: RequestPatternDefinition, times?: VerifyTimes): Promise<void> {
    // The stack starts at the caller's line, which is where a test runner should point.
    await verifyRequests(this, pattern, times, this.verify);
  }

  // ---- scenarios ----

  /** Every scenario with its current state, possible states and stubs. */
  async scenarios(): Promise<Scenario[]> {
    return (await this.#call<{ scenarios: Scenario[] }>('GET', '/scenarios')).scenarios;
  }

  /** Moves a scenario to a state; 404 for an unknown scenario, 422 (listing the possible states) for an unknown state. */
  async setScenarioState(name: string, state: string): Promise<void> {
    await this.#call('PUT', `/scenarios/${encodeURIComponent(name)}/state`, { state });
  }

  /** Puts one scenario back to `Started`; 404 for an unknown scenario. */
  async resetScenario(name: string): Promise<void> {
    await this.#call('PUT', `/scenarios/${encodeURIComponent(name)}/state`);
  }

  /** Puts every scenario back to `Started`. */
  async resetScenarios(): Promise<void> {
    await this.#call('POST', '/scenarios/reset');
  }

  // ---- settings and the server ----

  /** The global settings. */
  async settings(): Promise<GlobalSettings> {
    return (await this.#call<{ settings: GlobalSettings }>('GET', '/settings')).settings;
  }

  /** Replaces the global settings (e.g. `{ fixedDelay: 100 }`). */
  async updateSettings(settings: GlobalSettings): Promise<void> {
    await this.#call('POST', '/settings', settings);
  }

  /** Resets everything: stubs back to the files, the journal emptied, scenarios and response sequences restarted. */
  async reset(): Promise<void> {
    await this.#call('POST', '/reset');
  }

  /** The health check. */
  async health(): Promise<Health> {
    return this.#call<Health>('GET', '/health');
  }

  /** The server's version. */
  async version(): Promise<string> {
    return (await this.#call<{ version: string }>('GET', '/version')).version;
  }

  /** Asks the server to stop (once this call is answered). */
  async shutdown(): Promise<void> {
    await this.#call('POST', '/shutdown');
  }

  // ---- recordings ----

  /**
   * Starts recording: requests no stub matches are proxied to `targetBaseUrl` (none: what proxy stubs
   * forward is recorded) and kept; a recording already running keeps running.
   */
  async startRecording(spec: RecordingSpec = {}): Promise<void> {
    await this.#call('POST', '/recordings/start', spec);
  }

  /** Stops the recording and returns the stubs it made, newest first; a `DecoyClientError` with status 400 when none runs. */
  async stopRecording(): Promise<RecordingResult> {
    return this.#call<RecordingResult>('POST', '/recordings/stop');
  }

  /** `NeverStarted`, `Recording` or `Stopped`. */
  async recordingStatus(): Promise<RecordingStatus> {
    return (await this.#call<{ status: RecordingStatus }>('GET', '/recordings/status')).status;
  }

  /** Turns the journal's proxied requests into stubs (as stopping a recording would), without a recording running. */
  async snapshotRecording(spec: RecordingSpec = {}): Promise<RecordingResult> {
    return this.#call<RecordingResult>('POST', '/recordings/snapshot', spec);
  }

  /**
   * Polls the health check until the server answers it, e.g. after starting Decoy as a container.
   * Returns the health; a `DecoyClientError` when `timeoutMs` passes first (its details say why the
   * last check failed), or at once on 401/403 (a wrong token does not fix itself).
   */
  async waitUntilReady(options: WaitOptions = {}): Promise<Health> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const intervalMs = options.intervalMs ?? 50;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let last: DecoyClientError;
      try {
        // A server that accepts the connection but never answers must not outlast the deadline by much.
        return await this.#call<Health>('GET', '/health', undefined, AbortSignal.timeout(Math.max(deadline - Date.now(), 100)));
      } catch (e) {
        if (!(e instanceof DecoyClientError)) throw e;
        if (e.status === 401 || e.status === 403) throw e;
        last = e;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new DecoyClientError({
          method: last.method, path: last.path, status: last.status,
          title: `Decoy was not ready after ${timeoutMs} ms (last: ${last.title})`, details: last.details, cause: last,
        });
      }
      await sleep(Math.min(intervalMs, left));
    }
  }

  // ---- Decoy's extensions (not in WireMock) ----

  /** Every stub with where it comes from (file and line, or the API, saved or not) and what it matches, in words. */
  async decoyStubs(): Promise<DecoyStubInfo[]> {
    return (await this.#call<{ stubs: DecoyStubInfo[] }>('GET', '/decoy/stubs')).stubs;
  }

  /** What was created, edited or removed over the API and not yet saved to the stubs folder. */
  async unsavedChanges(): Promise<UnsavedChanges> {
    return this.#call<UnsavedChanges>('GET', '/decoy/changes');
  }

  /** The current problems of the stub files (empty when every file loads). */
  async loadErrors(): Promise<LoadError[]> {
    return (await this.#call<{ errors: LoadError[] }>('GET', '/decoy/load-errors')).errors;
  }

  /**
   * Mocks an OpenAPI document (Swagger 2.0, OpenAPI 3.0 or 3.1, parsed: an object; local `$ref`s only):
   * every operation becomes stubs, as `--openapi` does. Returns the stubs created and any warnings; a
   * document that cannot be read is a `DecoyClientError` with status 422.
   */
  async addOpenApi(document: Record<string, unknown>, options: { name?: string } = {}): Promise<OpenApiResult> {
    const query = options.name === undefined ? '' : `?name=${encodeURIComponent(options.name)}`;
    return this.#call('POST', `/decoy/openapi${query}`, document);
  }

  // ---- Decoy's extensions: chaos rules ----

  /**
   * Adds a run-time chaos rule; returns it as stored, with its `id` (and `remainingHits` /
   * `expiresAt` when it has a limit). It applies to every request the pattern matches, stubbed or
   * not, until it expires or is removed; rules are checked in the order they were added.
   *
   * ```ts
   * // 20% of the calls to /orders/... fail with 503, for the next 30 s
   * await decoy.addChaosRule({ request: { urlPathPattern: '/orders/.*' }, probability: 0.2, status: 503, durationMs: 30_000 });
   * ```
   *
   * An invalid rule is a `DecoyClientError` with status 422 whose details name the bad field.
   */
  async addChaosRule(rule: ChaosRuleDefinition): Promise<ChaosRule> {
    return this.#call<ChaosRule>('POST', '/decoy/chaos', rule);
  }

  /** The chaos rules in force, in the order they are checked (expired ones are gone). */
  async chaosRules(): Promise<ChaosRule[]> {
    return (await this.#call<{ rules: ChaosRule[] }>('GET', '/decoy/chaos')).rules;
  }

  /** Removes one chaos rule; a `DecoyClientError` with status 404 when there is none with this id. */
  async removeChaosRule(id: string): Promise<void> {
    await this.#call('DELETE', `/decoy/chaos/${encodeURIComponent(id)}`);
  }

  /** Removes every chaos rule. */
  async clearChaosRules(): Promise<void> {
    await this.#call('DELETE', '/decoy/chaos');
  }

  // ---- Decoy's extensions: webhooks ----

  /**
   * The webhook journal: every outbound callback attempt Decoy made (the newest 1,000), oldest first,
   * with what was sent, the receiver's status or error, the attempt number and the timing.
   */
  async webhooks(query: WebhookQuery = {}): Promise<WebhookAttempt[]> {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined) as Array<[string, string]>).toString();
    return (await this.#call<{ webhooks: WebhookAttempt[] }>('GET', `/decoy/webhooks${params ? `?${params}` : ''}`)).webhooks;
  }

  /**
   * How many callbacks matching `query` were delivered (the receiver answered and no retry followed)
   * and attempted, e.g. to check that the webhook to `/hooks/payment` was delivered exactly twice:
   *
   * ```ts
   * assert.equal((await decoy.countWebhooks({ urlPath: '/hooks/payment' })).delivered, 2);
   * ```
   */
  async countWebhooks(query: WebhookQuery = {}): Promise<WebhookCount> {
    return this.#call<WebhookCount>('POST', '/decoy/webhooks/count', query);
  }

  /** Empties the webhook journal. */
  async resetWebhooks(): Promise<void> {
    await this.#call('DELETE', '/decoy/webhooks');
  }

  // ---- Decoy's extensions: resources ----

  /** The resources the stubs serve (docs/guides/stateful-mocks.md), with how many items each holds. */
  async resources(): Promise<ResourceInfo[]> {
    return (await this.#call<{ resources: ResourceInfo[] }>('GET', '/decoy/resources')).resources;
  }

  /** A resource's items, oldest first; `name` is its path (`/orders` or `orders`). */
  async resourceItems(name: string): Promise<Array<Record<string, unknown>>> {
    return (await this.#call<{ items: Array<Record<string, unknown>> }>('GET', `/decoy/resources/${resourcePath(name)}/items`)).items;
  }

  /** Replaces a resource's items; a `DecoyClientError` (422) when one breaks its schema. */
  async setResourceItems(name: string, items: Array<Record<string, unknown>>): Promise<void> {
    await this.#call('PUT', `/decoy/resources/${resourcePath(name)}/items`, items);
  }

  /** Empties a resource. */
  async clearResourceItems(name: string): Promise<void> {
    await this.#call('DELETE', `/decoy/resources/${resourcePath(name)}/items`);
  }

  /** Puts a resource back to its seed. */
  async resetResource(name: string): Promise<void> {
    await this.#call('POST', `/decoy/resources/${resourcePath(name)}/reset`);
  }

  // ---- Decoy's extensions: namespaces ----

  /** Every namespace with its last use and counts, and the limits (`--max-namespaces`, `--namespace-idle-timeout`). */
  async namespaces(): Promise<NamespaceList> {
    return this.#call<NamespaceList>('GET', '/decoy/namespaces');
  }

  /** Puts a namespace back to new (its API stubs, scenarios, counters, resource items, journal); a `DecoyClientError` (404) for an unknown one. */
  async resetNamespace(name: string): Promise<void> {
    await this.#call('POST', `/decoy/namespaces/${encodeURIComponent(name)}/reset`);
  }

  /** Forgets a namespace and everything in it; a `DecoyClientError` (404) for an unknown one. */
  async dropNamespace(name: string): Promise<void> {
    await this.#call('DELETE', `/decoy/namespaces/${encodeURIComponent(name)}`);
  }

  /** Forgets every namespace; returns how many there were. */
  async dropNamespaces(): Promise<number> {
    return (await this.#call<{ dropped: number }>('DELETE', '/decoy/namespaces')).dropped;
  }
}

/** A resource's name in an admin path: its collection path without the first slash, as one segment. */
function resourcePath(name: string): string {
  return encodeURIComponent(name.replace(/^\//, ''));
}
