/**
 * The mock engine: the current stub set and the decision for one request. It knows nothing of
 * sockets or files; the HTTP layer hands it a request and carries out the one value it returns
 * (`serve` → an Exchange), the sources tell it what the files hold, the admin API changes stubs at
 * run time. Every piece of run-time state (scenarios, sequence positions, fault counters, chaos rules,
 * settings, the journal, recordings) lives behind the State port, so another adapter can share it
 * between replicas or isolate it.
 *
 * Stubs come from two places. Files (owned by the folder watcher) and the admin API. An API change to
 * a stub that came from a file is kept beside it (an edit or a deletion) and shown instead of the file's
 * version until the file itself changes on disk: then the file wins, and the change is reported as
 * dropped. Nothing here writes files; saving is the sources' job.
 */
import { createHash } from 'node:crypto';
import { allOf, then, type Awaitable } from './awaitable.js';
import { batchOperations, batchResponse } from './graphql/batch.js';
import { compileDelays, type Delay } from './faults/delay.js';
import type { FaultName } from './faults/fault.js';
import { applyAction, type DeliveryPlan } from './faults/plan.js';
import { createRandom, type Random } from './faults/random.js';
import { findNearMisses, formatNearMissReport, type NearMiss } from './matching/near-miss.js';
import { StubSet } from './matching/stub-index.js';
import type { RecordedExchange } from './recording/to-stub.js';
import type { DecoyRequest, RequestConnection } from './request.js';
import type { StreamPlan } from './response/event-stream.js';
import { compileProxySpec, type PreparedResponse, type ProxySpec } from './response/static-response.js';
import { plainText } from './response/plain-text.js';
import type { WireResponse } from './response/wire-response.js';
import { ChaosRules } from './state/chaos-rules.js';
import { ServeEvent, type JournalResponse } from './state/journal.js';
import { MemoryState } from './state/memory-state.js';
import type { JournalStore, ScenarioStore, State, StateChange, StubChange } from './state/state.js';
import type { CompiledResourceOperation } from './resources/resource-operation.js';
import { runStateListeners, STATE_CONTEXTS } from './wiremock-state/state-extension.js';
import type { Stub } from './stub.js';
import type { StubDefinition } from './stub-definition.js';
import { planWebhooks, type WebhookJob } from './webhooks/webhook.js';
import { WebhookLog } from './webhooks/webhook-log.js';

export interface NotMatched {
  nearMisses: NearMiss[];
  /** The plain-text 404 body. */
  report: string;
}

/** An API change to a file stub that a change of the file on disk replaced. */
export interface DroppedChange {
  id: string;
  file: string | undefined;
  kind: 'edit' | 'deletion';
}

/** What changed, for the UI's live events, metrics and replication: the stub set, or a piece of run-time state. */
export type EngineChange = StateChange | { kind: 'stubs'; stubs: number };

/** A file of the files folder that answers a GET no stub matches (WireMock's `__files/`). */
export interface FileAnswer {
  readonly response: WireResponse;
  /** What the journal keeps of it (a large file's body only in part). */
  readonly journal: JournalResponse;
  /** Whether the transport streams the body from disk (it is too large to hold). */
  readonly streamed: boolean;
}

/**
 * How the transport carries out an exchange:
 * - `send`: write `response` now (the hot path);
 * - `deliver`: carry out `plan` (a delay, a fault, a dribbled or throttled body, or a chaos response);
 * - `forward`: after `delayMs`, forward the request to `proxy` and stream its answer back;
 * - `file`: send the file `file`, through `plan` when one applies (a delay, a fault).
 */
export type Delivery =
  | { readonly kind: 'send' }
  | { readonly kind: 'deliver'; readonly plan: DeliveryPlan }
  | { readonly kind: 'forward'; readonly proxy: ProxySpec; readonly delayMs: number; readonly record: boolean }
  | { readonly kind: 'file'; readonly file: FileAnswer; readonly plan: DeliveryPlan | undefined }
  /** Decoy's server-sent events: write `response`'s head, then the planned chunks, then end as planned. */
  | { readonly kind: 'stream'; readonly stream: StreamPlan; readonly delayMs: number };

/** Everything about one request: what answered it, what to send and how; the serve event it makes. */
export interface Exchange {
  readonly request: DecoyRequest;
  /** The stub that answered; undefined when none matched. */
  readonly stub: Stub | undefined;
  /** Why nothing matched, when the answer is the near-miss 404. */
  readonly miss: NotMatched | undefined;
  /** What the client gets (for `forward`, what it would get if the upstream gave nothing). */
  readonly response: WireResponse;
  readonly delivery: Delivery;
  /** The serve event, when the journal or a listener wants one; `complete` journals it. */
  readonly event: ServeEvent | undefined;
  /** What serving changed in the stub's state: its scenario's transition, its place in a response sequence (0-based). */
  readonly steps: Steps | undefined;
}

/** How serving a stub moved its state, for traces and logs. */
export interface Steps {
  readonly scenario?: { readonly name: string; readonly from: string; readonly to: string };
  readonly position?: number;
  /** The stub's requestSchema rejected the request: the answer is the plain 400, and nothing of the stub moved. */
  readonly rejected?: true;
}

const REJECTED: Steps = Object.freeze({ rejected: true });

/** How an exchange ended, as the transport saw it. */
export type Outcome =
  | { readonly kind: 'sent' }
  /** The upstream's answer, for a forwarded request. */
  | { readonly kind: 'forwarded'; readonly result: ForwardedResponse };

/** What an upstream answered, as the transport kept it. */
export interface ForwardedResponse extends JournalResponse {
  /** Headers as the upstream sent them: what a recording keeps. */
  readonly upstreamHeaders: readonly string[];
  /** Whether `body` is the whole body. */
  readonly complete: boolean;
}

export interface EngineOptions {
  journalSize?: number;
  /** The journal's byte budget (bodies plus a fixed allowance per event). */
  journalMaxBytes?: number;
  seed?: number;
  now?: () => number;
  stableData?: boolean;
  /** Where run-time state lives. Default: in this process. */
  state?: State;
  /** `--proxy-all`: where requests no stub matches go. */
  proxyAll?: ProxySpec;
  /** The files folder, for GETs no stub matches. */
  files?: (rawPath: string) => FileAnswer | undefined;
  /** How many webhook attempts the webhook journal keeps (default 1,000). */
  webhookLogSize?: number;
  /**
   * The engine this one is a namespace of: it serves the parent's file stubs under its own API stubs,
   * with `state` of its own, and shares the parent's chaos rules, random source, stub order, webhook
   * senders and serve-event listeners (metrics, the request log), so a namespace differs from the
   * default one only in what it remembers.
   */
  parent?: MockEngine;
  /** The namespace's name, for an engine that is one (its serve events carry it). */
  namespace?: string;
}

const EMPTY = Buffer.alloc(0);

/** How many times a request is matched again when another Decoy moved the scenario between its match and its transition. */
const SCENARIO_RETRIES = 3;

/** WireMock's settings before any change. */
const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = Object.freeze({ proxyPassThrough: true });

export class MockEngine {
  readonly state: State;
  readonly chaosRules: ChaosRules;
  /** Every random draw (chaos, delay distributions) comes from here: one seed makes a run reproducible. */
  readonly random: Random;
  #set = new StubSet([]);
  /** The engine this one is a namespace of (see `EngineOptions.parent`). */
  readonly #parent: MockEngine | undefined;
  readonly #namespace: string | undefined;
  /** Stubs from files, as loaded; by id. */
  #fileStubs = new Map<string, Stub>();
  /** Stubs created over the API that no file holds. */
  readonly #apiStubs = new Map<string, Stub>();
  /** File stubs replaced over the API: id → [the file's version it replaced, the replacement]. */
  readonly #edits = new Map<string, { base: Stub; stub: Stub }>();
  /** File stubs removed over the API: id → the file's version removed; `bulk` when by a delete-all. */
  readonly #deletions = new Map<string, { base: Stub; bulk: boolean }>();
  #sequence = 0;
  /** WireMock's global delay (`/__admin/settings` fixedDelay / delayDistribution), compiled from the stored settings. */
  #globalDelay: Delay | undefined;
  #globalDelayOf: Readonly<Record<string, unknown>> | undefined;
  /** With stable data on: the number generated values are derived from, with the request. */
  readonly #stableSeed: number | undefined;
  readonly #proxyAll: ProxySpec | undefined;
  readonly #files: ((rawPath: string) => FileAnswer | undefined) | undefined;
  readonly #changeListeners = new Set<(change: EngineChange) => void>();
  /** The state keys of stubs, by stub: counters of a stub that is gone are forgotten. */
  readonly #keys = new WeakMap<Stub, string>();
  /** True while a change another replica made is applied: it is not told back to the fleet. */
  #applyingShared = false;
  /** The recording target last compiled, by the spec it came from. */
  #recordTarget: { spec: Record<string, unknown>; target: ProxySpec | undefined } | undefined;

  constructor(options: EngineOptions = {}) {
    this.state = options.state ?? new MemoryState({
      journalSize: options.journalSize ?? 10_000, ...(options.journalMaxBytes !== undefined ? { journalMaxBytes: options.journalMaxBytes } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    const parent = options.parent;
    this.#parent = parent;
    this.#namespace = options.namespace;
    this.random = parent?.random ?? createRandom(options.seed);
    this.#stableSeed = options.stableData ? (options.seed ?? 0) : undefined;
    this.chaosRules = parent?.chaosRules ?? new ChaosRules(this.state.chaosRules, this.state.counters, options.now);
    this.#proxyAll = options.proxyAll;
    this.#files = options.files;
    this.state.subscribe((change) => this.#emit(change));
    this.webhookLog = parent?.webhookLog ?? new WebhookLog(options.webhookLogSize ?? 1000);
    this.#webhookSenders = parent === undefined ? new Set() : parent.#webhookSenders;
    this.#served = parent === undefined ? new Set() : parent.#served;
    if (parent !== undefined) this.nextSequence = parent.nextSequence;
  }

  /** The stubs from files as loaded, by id; a new Map whenever they change (a namespace follows its parent's by it). */
  get fileStubs(): ReadonlyMap<string, Stub> {
    return this.#fileStubs;
  }

  get journal(): JournalStore {
    return this.state.journal;
  }

  get scenarios(): ScenarioStore {
    return this.state.scenarios;
  }

  // ---- change events ----

  /** Calls `listener` with every change of the stub set and of run-time state; returns the unsubscribe. */
  onChange(listener: (change: EngineChange) => void): () => void {
    this.#changeListeners.add(listener);
    return () => { this.#changeListeners.delete(listener); };
  }

  #emit(change: EngineChange): void {
    for (const listener of this.#changeListeners) {
      try {
        listener(change);
      } catch { /* a listener's failure must not touch serving */ }
    }
  }

  // ---- settings ----

  /** WireMock's global settings, as `GET /__admin/settings` shows them. */
  settings(): Readonly<Record<string, unknown>> {
    return this.state.settings.get() ?? DEFAULT_SETTINGS;
  }

  /**
   * Replaces the global settings (WireMock replaces the whole object, and an update turns
   * proxyPassThrough off unless it says otherwise). Throws DecoyError (with a pointer) when the delay is
   * invalid, changing nothing.
   */
  updateSettings(settings: Record<string, unknown>): void {
    this.#compileGlobalDelay(settings);
    void this.state.settings.set({ proxyPassThrough: false, ...settings });
  }

  #compileGlobalDelay(settings: Readonly<Record<string, unknown>>): Delay | undefined {
    return compileDelays({ fixedDelayMilliseconds: settings.fixedDelay, delayDistribution: settings.delayDistribution }, '');
  }

  /** The global delay of the settings in force, compiled once per change of them. */
  #currentGlobalDelay(): Delay | undefined {
    const settings = this.state.settings.get();
    if (settings !== this.#globalDelayOf) {
      this.#globalDelayOf = settings;
      try {
        this.#globalDelay = settings === undefined ? undefined : this.#compileGlobalDelay(settings);
      } catch {
        this.#globalDelay = undefined;
      }
    }
    return this.#globalDelay;
  }

  // ---- stubs ----

  /** Hands out insertion order: a later stub wins over an earlier one of the same priority. */
  readonly nextSequence: () => number = () => ++this.#sequence;

  /** Created once: the scenario check handed to the index (no closure per request). */
  readonly #inState = (stub: Stub): boolean => {
    const s = stub.scenario;
    return s === undefined || s.requiredState === undefined || this.state.scenarios.get(s.name) === s.requiredState;
  };

  get stubs(): StubSet {
    return this.#set;
  }

  #rebuild(): void {
    const out: Stub[] = [];
    for (const [id, stub] of this.#fileStubs) {
      if (this.#deletions.has(id)) continue;
      out.push(this.#edits.get(id)?.stub ?? stub);
    }
    for (const stub of this.#apiStubs.values()) out.push(stub);
    const before = this.#set;
    this.#set = new StubSet(out);
    this.#forgetCountersOfGone(before);
    this.#emit({ kind: 'stubs', stubs: this.#set.size });
  }

  /** A stub that is gone (removed, edited, reloaded) starts its sequence and counts afresh if it comes back. */
  #forgetCountersOfGone(before: StubSet): void {
    const gone: string[] = [];
    for (const stub of before.all) {
      const key = this.#keys.get(stub);
      if (key !== undefined && this.#set.get(stub.id) !== stub) gone.push(`seq:${key}`, `chaos:${key}`);
    }
    if (gone.length > 0) void this.state.counters.reset(gone);
  }

  /**
   * A stub's key in the State port's counters: its id and a digest of its definition, the same in every
   * Decoy that loaded the same stub (so replicas sharing a store count together).
   */
  #keyOf(stub: Stub): string {
    let key = this.#keys.get(stub);
    if (key === undefined) {
      key = `${stub.id}:${createHash('sha1').update(JSON.stringify(stub.definition)).digest('base64url').slice(0, 16)}`;
      this.#keys.set(stub, key);
    }
    return key;
  }

  /**
   * Replaces the stubs that came from files; the swap is atomic for requests. API edits and
   * deletions of a stub whose file changed are dropped (the file wins) and returned.
   */
  setFileStubs(stubs: Stub[]): DroppedChange[] {
    const next = new Map<string, Stub>();
    for (const s of stubs) next.set(s.id, s);
    const dropped: DroppedChange[] = [];
    for (const [id, { base }] of this.#edits) {
      if (next.get(id) !== base) { this.#edits.delete(id); dropped.push({ id, file: base.origin.file, kind: 'edit' }); }
    }
    for (const [id, { base, bulk }] of this.#deletions) {
      if (next.get(id) !== base) { this.#deletions.delete(id); if (!bulk) dropped.push({ id, file: base.origin.file, kind: 'deletion' }); }
    }
    // A stub saved to a file is now the file's: the API copy steps aside.
    for (const id of [...this.#apiStubs.keys()]) if (next.has(id)) this.#apiStubs.delete(id);
    this.#fileStubs = next;
    this.#rebuild();
    return dropped;
  }

  #put(stub: Stub): void {
    const fileStub = this.#fileStubs.get(stub.id);
    if (fileStub) {
      this.#deletions.delete(stub.id);
      this.#edits.set(stub.id, { base: fileStub, stub });
    } else {
      this.#apiStubs.set(stub.id, stub);
    }
  }

  /** Adds a stub (or replaces the one with its id) at run time. */
  putStub(stub: Stub): void {
    this.#put(stub);
    this.#rebuild();
    this.#share(() => ({ kind: 'put', definitions: [sharedDefinition(stub)] }));
  }

  /** Adds (or replaces) many stubs at once: the index is rebuilt once. */
  putStubs(stubs: readonly Stub[]): void {
    if (stubs.length === 0) return;
    for (const stub of stubs) this.#put(stub);
    this.#rebuild();
    this.#share(() => ({ kind: 'put', definitions: stubs.map(sharedDefinition) }));
  }

  /** Removes a stub by id; false when there is none. */
  removeStub(id: string): boolean {
    if (!this.#set.get(id)) return false;
    this.#forget(id, false);
    this.#rebuild();
    this.#share(() => ({ kind: 'remove', ids: [id] }));
    return true;
  }

  /** Removes many stubs by id at once (the index is rebuilt once); returns how many there were. */
  removeStubs(ids: readonly string[]): number {
    const removed: string[] = [];
    for (const id of ids) {
      if (!this.#set.get(id)) continue;
      this.#forget(id, false);
      removed.push(id);
    }
    if (removed.length > 0) {
      this.#rebuild();
      this.#share(() => ({ kind: 'remove', ids: removed }));
    }
    return removed.length;
  }

  /** Removes every stub (file stubs are hidden until a reset or a change of their file; a save keeps them). */
  removeAllStubs(): void {
    for (const stub of this.#set.all) this.#forget(stub.id, true);
    this.#rebuild();
    this.#share(() => ({ kind: 'remove-all' }));
  }

  #forget(id: string, bulk: boolean): void {
    this.#apiStubs.delete(id);
    this.#edits.delete(id);
    const fileStub = this.#fileStubs.get(id);
    if (fileStub) this.#deletions.set(id, { base: fileStub, bulk });
  }

  /** Forgets every API change: back to what the files hold. */
  resetStubs(): void {
    this.#apiStubs.clear();
    this.#edits.clear();
    this.#deletions.clear();
    void this.state.counters.reset();
    this.#rebuild();
    this.#share(() => ({ kind: 'reset' }));
  }

  // ---- API stub changes shared between replicas ----

  /** Tells the replicas sharing the state of an API change made here (built only when someone listens). */
  #share(change: () => StubChange): void {
    if (this.state.stubs.shared && !this.#applyingShared) this.state.stubs.publish(change());
  }

  /**
   * Follows the API stub changes of the replicas sharing the state: applies those made so far, then
   * each one as it comes. Call it once the files are loaded (an API edit of a file stub needs the file's
   * version). `compile` turns a definition into a stub as the admin API does (`replacing`: the stub of the
   * same id it replaces, whose place in the order it keeps); a definition that does not compile here is
   * skipped and reported to `onError`.
   */
  followSharedStubs(compile: (definition: StubDefinition, replacing: Stub | undefined) => Stub, onError: (id: unknown, e: unknown) => void = () => {}): Awaitable<void> {
    if (!this.state.stubs.shared) return undefined;
    const compileAll = (defs: Array<Record<string, unknown>>): Stub[] => {
      const out: Stub[] = [];
      for (const def of defs) {
        const current = this.#set.get(String(def.id));
        // An unchanged stub stays the same object: its sequence position and counts carry on.
        if (current !== undefined && JSON.stringify(sharedDefinition(current)) === JSON.stringify(def)) { out.push(current); continue; }
        try {
          out.push(compile(def as StubDefinition, current));
        } catch (e) {
          onError(def.id, e);
        }
      }
      return out;
    };
    const apply = (change: StubChange): void => {
      this.#applyingShared = true;
      try {
        switch (change.kind) {
          case 'put': this.putStubs(compileAll(change.definitions)); break;
          case 'remove': this.removeStubs(change.ids); break;
          case 'remove-all': this.removeAllStubs(); break;
          case 'reset': this.resetStubs(); break;
          case 'sync': {
            const stubs = compileAll(change.definitions);
            this.#apiStubs.clear();
            this.#edits.clear();
            this.#deletions.clear();
            if (change.removedAll) for (const [id, base] of this.#fileStubs) this.#deletions.set(id, { base, bulk: true });
            for (const stub of stubs) this.#put(stub);
            for (const id of change.removedIds) this.#forget(id, false);
            this.#rebuild();
            break;
          }
        }
      } finally {
        this.#applyingShared = false;
      }
    };
    return then(this.state.stubs.follow(apply), () => undefined);
  }

  /** What the API changed and a save would persist: created stubs, edits and single deletions of file stubs. */
  unsavedChanges(): { created: Stub[]; edited: Array<{ base: Stub; stub: Stub }>; deleted: Stub[] } {
    return {
      created: [...this.#apiStubs.values()],
      edited: [...this.#edits.values()],
      deleted: [...this.#deletions.values()].filter((d) => !d.bulk).map((d) => d.base),
    };
  }

  /** Whether a stub is as its file holds it (false for API-created or API-edited stubs). */
  isFromFile(stub: Stub): boolean {
    return this.#fileStubs.get(stub.id) === stub;
  }

  /** Restarts every response sequence and every count-based fault. */
  resetSequences(): void {
    void this.state.counters.reset();
  }

  /**
   * What `POST /__admin/reset` does to run-time state: chaos rules, API stub changes, the journal, scenarios,
   * sequences, resources (back to their seed). A namespace's reset leaves what it shares with the others.
   */
  resetAll(): void {
    // Chaos rules and the webhook journal belong to every namespace: a namespace's reset keeps them.
    if (this.#parent === undefined) {
      this.chaosRules.clear();
      this.webhookLog.clear();
    }
    this.resetStubs();
    this.state.journal.clear();
    void this.state.scenarios.reset();
    this.resetSequences();
    void this.state.resources.reset();
  }

  // ---- serving ----

  /** Finds the stub that answers this request, without serving it (no state changes). */
  match(req: DecoyRequest): Stub | undefined {
    return this.#set.find(req, this.#inState);
  }

  /**
   * The decision for one request: which stub answers (or why none does), the response, how it is
   * delivered (a delay, a fault, forwarding, recording), and the serve event. State changes with it: the
   * scenario moves on, the sequence and the fault counts advance. Hot path: a plain stub touches nothing
   * but local memory and answers at once; only stubs that use shared state may answer later.
   */
  serve(request: DecoyRequest, connection: RequestConnection, receivedAt: number = Date.now()): Awaitable<Exchange> {
    request.connection = connection;
    request.resourceItems = this.#resourceItems;
    // WireMock's state extension with a shared store: its contexts are matched on, so they are read first.
    const sync = this.state.resources.sync;
    if (sync !== undefined && this.#usesStateContexts()) return sync.call(this.state.resources, STATE_CONTEXTS.name).then(() => this.#serve(request, receivedAt, 0));
    return this.#serve(request, receivedAt, 0);
  }

  /** Whether a stub of the set in force reads or writes the state extension's contexts. */
  #usesStateContexts(): boolean {
    if (this.#stateContextsOf !== this.#set) {
      this.#stateContextsOf = this.#set;
      this.#stateContexts = this.#set.all.some((s) => s.stateListeners !== undefined || /state-matcher|[{(]\s*state\s/.test(JSON.stringify(s.definition)));
    }
    return this.#stateContexts;
  }

  #stateContexts = false;
  #stateContextsOf: StubSet | undefined;

  #serve(request: DecoyRequest, receivedAt: number, attempt: number): Awaitable<Exchange> {
    const stub = this.#set.find(request, this.#inState);
    if (stub === undefined) return this.#batch(request, receivedAt) ?? this.#unmatched(request, receivedAt);
    if (stub.rejectRequest !== undefined) {
      // A request the stub's requestSchema rejects gets a plain 400: none of the stub's chaos, and its scenario stays.
      const rejected = stub.rejectRequest(request);
      if (rejected !== undefined) return then(this.#plan(request, stub, rejected, false), (plan) => this.#decide(request, receivedAt, stub, rejected, plan, undefined, REJECTED));
    }
    const s = stub.scenario;
    if (s !== undefined && s.newState === undefined && s.requiredState !== undefined && this.state.scenarios.read !== undefined && attempt < SCENARIO_RETRIES) {
      // Shared state: the local copy may lag a change another replica made; confirm, else match again in the state the store has.
      const required = s.requiredState;
      return this.state.scenarios.read(s.name).then((state) => (state === required ? this.#respond(stub, request, receivedAt, undefined) : this.#serve(request, receivedAt, attempt + 1)));
    }
    if (s !== undefined && s.newState !== undefined) {
      const from = s.requiredState ?? this.state.scenarios.get(s.name);
      const steps: Steps = { scenario: { name: s.name, from, to: s.newState } };
      if (s.requiredState !== undefined) {
        const moved = this.state.scenarios.compareAndSet(s.name, s.requiredState, s.newState);
        // Another Decoy sharing the state moved the scenario since the match: match again in the new state.
        if (moved !== true) return then(moved, (ok) => ok || attempt >= SCENARIO_RETRIES ? this.#respond(stub, request, receivedAt, steps) : this.#serve(request, receivedAt, attempt + 1));
      } else {
        const done = this.state.scenarios.set(s.name, s.newState);
        if (done instanceof Promise) return done.then(() => this.#respond(stub, request, receivedAt, steps));
      }
      return this.#respond(stub, request, receivedAt, steps);
    }
    return this.#respond(stub, request, receivedAt, undefined);
  }

  /** The stub's response now: its only one, or the next of its sequence; rendered when dynamic. */
  #respond(stub: Stub, request: DecoyRequest, receivedAt: number, steps: Steps | undefined): Awaitable<Exchange> {
    const rs = stub.responses;
    if (rs.length === 1) return this.#rendered(stub, rs[0]!, request, receivedAt, steps);
    return then(this.state.counters.incrementAndGet(`seq:${this.#keyOf(stub)}`), (n) => {
      const i = stub.afterLastResponse === 'cycle' ? (n - 1) % rs.length : Math.min(n - 1, rs.length - 1);
      return this.#rendered(stub, rs[i]!, request, receivedAt, { ...steps, position: i });
    });
  }

  #rendered(stub: Stub, r: PreparedResponse, request: DecoyRequest, receivedAt: number, steps: Steps | undefined): Awaitable<Exchange> {
    let response: WireResponse & Partial<PreparedResponse> = r;
    if (stub.resource !== undefined) {
      const op = stub.resource;
      // Planned first: a request whose answer a fault or chaos takes over changes no item (the client never
      // learns of the change). The operation reads and writes items through the State port: it may answer later.
      return then(this.#plan(request, stub, r, true), (plan) => {
        if (plan !== undefined && (plan.response !== r || !sendsResponse(plan.fault))) return this.#decide(request, receivedAt, stub, r, plan, undefined, steps);
        return then(op.respond({ request, random: this.random, resources: this.state.resources, nextNumber: this.#nextNumber, pathParams: stub.request.pathParams(request) }), (w) => {
          const response = { ...r, status: w.status, statusMessage: w.statusMessage, headers: w.headers, body: w.body };
          if (plan !== undefined) plan.response = response;
          return this.#decide(request, receivedAt, stub, response, plan, undefined, steps);
        });
      });
    }
    if (r.render !== undefined) {
      const w = r.render({ request, random: this.random, stub, stableSeed: this.#stableSeed, connection: request.connection, resourceItems: this.#resourceItems, scenarioState: this.#scenarioState });
      response = { ...r, status: w.status, statusMessage: w.statusMessage, headers: w.headers, body: w.body };
    }
    if (stub.stateListeners !== undefined) {
      // WireMock's state extension: the listeners record what the response says before it is sent.
      const done = runStateListeners(stub.stateListeners, {
        request, pathParams: stub.request.pathParams(request), response, random: this.random, store: this.state.resources, resourceItems: this.#resourceItems,
      });
      if (done instanceof Promise) return done.then(() => then(this.#plan(request, stub, response, true), (plan) => this.#decide(request, receivedAt, stub, response, plan, undefined, steps)));
    }
    // Hot path: a plan known now is decided without a callback made for it.
    const plan = this.#plan(request, stub, response, true);
    if (plan instanceof Promise) return plan.then((p) => this.#decide(request, receivedAt, stub, response, p, undefined, steps));
    return this.#decide(request, receivedAt, stub, response, plan, undefined, steps);
  }

  // ---- resources ----

  readonly #nextNumber = (key: string): Awaitable<number> => this.state.counters.incrementAndGet(key);

  /** The resources the stubs serve, by collection path (from the stub set in force). */
  resources(): Map<string, CompiledResourceOperation> {
    if (this.#resourcesOf !== this.#set) {
      const out = new Map<string, CompiledResourceOperation>();
      for (const stub of this.#set.all) if (stub.resource !== undefined && !out.has(stub.resource.collection.name)) out.set(stub.resource.collection.name, stub.resource);
      this.#resources = out;
      this.#resourcesOf = this.#set;
    }
    return this.#resources;
  }

  #resources = new Map<string, CompiledResourceOperation>();
  #resourcesOf: StubSet | undefined;

  /** What templates read of a scenario (`{{scenarioState 'checkout'}}`): its state as this Decoy last heard of it. */
  readonly #scenarioState = (name: string): string => this.state.scenarios.get(name);

  /** What templates read of a resource (`{{resource '/orders'}}`): its items as this Decoy last saw them, else its seed. */
  readonly #resourceItems = (name: string): readonly unknown[] => {
    const items = this.state.resources.peek(name) ?? this.resources().get(name)?.collection.seed ?? [];
    return items.map((i) => i.value);
  };

  /**
   * A batch of GraphQL operations (a JSON array) whose every operation a stub matches: each is served as
   * if it had come alone, and the answers go back as one array; the journal shows the batch as served by
   * the first operation's stub. Undefined when the request is not such a batch.
   */
  #batch(request: DecoyRequest, receivedAt: number): Awaitable<Exchange> | undefined {
    const operations = batchOperations(request);
    if (operations === undefined || operations.some((op) => this.#set.find(op, this.#inState) === undefined)) return undefined;
    const first = this.#set.find(operations[0]!, this.#inState)!;
    return then(allOf(operations.map((op) => this.#serve(op, receivedAt, 0))), (answers) => {
      const response = batchResponse(answers.map((x) => x.response));
      return then(this.#plan(request, undefined, response, false), (plan) => this.#decide(request, receivedAt, first, response, plan, undefined, undefined));
    });
  }

  /** A request no stub matches: forwarded while recording or with proxy-all, a file of the files folder, or the near-miss 404. */
  #unmatched(request: DecoyRequest, receivedAt: number): Awaitable<Exchange> {
    const upstream = this.#recordingTarget() ?? this.#proxyAll;
    let response: WireResponse & Partial<PreparedResponse>;
    let miss: NotMatched | undefined;
    let file: FileAnswer | undefined;
    if (upstream !== undefined) {
      // Recording, or partial mocking: what no stub answers goes upstream, so no near-miss report is needed.
      response = { status: 502, headers: [], body: EMPTY, proxy: upstream };
    } else {
      file = this.#files !== undefined && request.method === 'GET' ? this.#files(request.path) : undefined;
      if (file !== undefined) {
        response = file.response;
      } else {
        miss = this.explainMiss(request);
        response = notFound(miss.report);
      }
    }
    return then(this.#plan(request, undefined, response, false), (plan) => this.#decide(request, receivedAt, undefined, response, plan, miss, undefined, file));
  }

  /**
   * The delivery plan: `undefined` on the hot path (no fault, delay, chaos entry or rule applies, and no
   * random draw is spent). `stubChaos` is false for a response that stands outside the stub's chaos (a
   * rejected request).
   */
  #plan(req: DecoyRequest, stub: Stub | undefined, response: WireResponse & Partial<PreparedResponse>, stubChaos: boolean): Awaitable<DeliveryPlan | undefined> {
    const rules = this.chaosRules.size > 0;
    const own = response.delay !== undefined || response.fault !== undefined || response.dribble !== undefined || response.bytesPerSecond !== undefined;
    const globalDelay = stub === undefined ? undefined : this.#currentGlobalDelay();
    const chaos = stubChaos ? stub?.chaos : undefined;
    if (!rules && !own && globalDelay === undefined && chaos === undefined) return undefined;
    const plan: DeliveryPlan = { response, delayMs: 0, fault: undefined, dribble: undefined, bytesPerSecond: undefined, applied: [] };
    if (response.delay) {
      const ms = response.delay.sample(this.random);
      plan.delayMs += ms;
      plan.applied.push({ source: 'stub', action: 'delay', description: `a ${Math.round(ms)} ms delay (the stub's)` });
    }
    if (response.fault) {
      plan.fault = response.fault;
      plan.applied.push({ source: 'stub', action: 'fault', fault: response.fault, description: `fault ${response.fault} (the stub's)` });
    }
    if (response.dribble) {
      plan.dribble = response.dribble;
      plan.applied.push({ source: 'stub', action: 'dribble', description: `body dribbled in ${response.dribble.chunks} chunks over ${response.dribble.totalMs} ms (the stub's)` });
    }
    if (response.bytesPerSecond) {
      plan.bytesPerSecond = response.bytesPerSecond;
      plan.applied.push({ source: 'stub', action: 'bandwidth', description: `body at ${response.bytesPerSecond} bytes/s (the stub's)` });
    }
    if (globalDelay !== undefined) {
      const ms = globalDelay.sample(this.random);
      plan.delayMs += ms;
      plan.applied.push({ source: 'settings', action: 'delay', description: `a ${Math.round(ms)} ms delay (global settings)` });
    }
    const withRules = (): Awaitable<DeliveryPlan | undefined> => {
      if (!rules) return plan.applied.length === 0 ? undefined : plan;
      return then(this.chaosRules.pick(req, this.random), (rule) => {
        if (rule) applyAction(plan, rule.action, this.random, 'chaos-rule', rule.id);
        return plan.applied.length === 0 ? undefined : plan;
      });
    };
    if (chaos === undefined) return withRules();
    return then(this.state.counters.incrementAndGet(`chaos:${this.#keyOf(stub!)}`), (count) => {
      const picked = chaos.pick(count, this.random);
      if (picked) applyAction(plan, picked.action, this.random, 'stub-chaos');
      return withRules();
    });
  }

  /** Puts the decision together: how the transport delivers it, and the serve event. */
  #decide(request: DecoyRequest, receivedAt: number, stub: Stub | undefined, response: WireResponse & Partial<PreparedResponse>,
    plan: DeliveryPlan | undefined, miss: NotMatched | undefined, steps: Steps | undefined, file?: FileAnswer): Exchange {
    // A fault or an error response from a chaos rule replaces the proxying; a delay comes before it.
    const proxy = response.proxy !== undefined && (plan === undefined || (plan.fault === undefined && plan.response === response)) ? response.proxy : undefined;
    let delivery: Delivery;
    if (proxy !== undefined) {
      const target = this.#recordingTarget();
      const recording = this.state.recordings.current().status === 'Recording' && (target === undefined || proxy === target);
      delivery = { kind: 'forward', proxy, delayMs: plan?.delayMs ?? 0, record: recording };
    } else if (file !== undefined && file.streamed) {
      delivery = { kind: 'file', file, plan };
    } else if (stub?.stream !== undefined && response === stub.responses[0] && (plan === undefined || isDelayOnly(plan, response))) {
      // A delay (the stub's, the global one, a chaos rule's) comes before the stream; any other fault replaces it.
      delivery = { kind: 'stream', stream: stub.stream.plan(request, this.random, Date.now(), stub.request.pathParams(request)), delayMs: plan?.delayMs ?? 0 };
    } else if (plan !== undefined) {
      delivery = { kind: 'deliver', plan };
    } else {
      delivery = SEND;
    }
    let event: ServeEvent | undefined;
    if (this.state.journal.enabled || this.#served.size > 0) {
      // The journal keeps the response as the client got it: none for a fault that sent none, the upstream's when forwarded.
      const served = proxy ? undefined : plan === undefined ? response : sendsResponse(plan.fault) ? plan.response : undefined;
      // A file's body is kept only in part, as a proxied one is.
      const kept = file !== undefined && served === response ? file.journal : served;
      event = new ServeEvent(receivedAt, request.method, request.url, request.rawHeaders, request.body, request.connection!,
        request.httpVersion, stub, kept, 0, plan?.applied);
      if (proxy !== undefined) event.proxiedTo = proxy.baseUrl;
      if (plan !== undefined) event.delayMs = plan.delayMs;
      if (this.#namespace !== undefined) event.namespace = this.#namespace;
    }
    return { request, stub, miss, response: plan?.response ?? response, delivery, event, steps };
  }

  /** While a recording with a target runs: where requests no stub matches go. */
  #recordingTarget(): ProxySpec | undefined {
    const recording = this.state.recordings.current();
    if (recording.status !== 'Recording' || recording.spec === undefined) return undefined;
    if (this.#recordTarget?.spec !== recording.spec) {
      const url = recording.spec.targetBaseUrl;
      this.#recordTarget = { spec: recording.spec, target: url === undefined ? undefined : compileProxySpec(url, {}, '/targetBaseUrl') };
    }
    return this.#recordTarget.target;
  }

  /**
   * Ends an exchange once the transport has carried it out (sent, failed, cut off by the client or a
   * fault): its serve event is journaled and told to listeners, and a recorded upstream answer is kept.
   */
  complete(exchange: Exchange, outcome: Outcome = SENT): void {
    const event = exchange.event;
    if (outcome.kind === 'forwarded') {
      const result = outcome.result;
      if (event !== undefined) event.response = result;
      if (exchange.delivery.kind === 'forward' && exchange.delivery.record && result.complete) {
        const r = exchange.request;
        const captured: RecordedExchange = {
          method: r.method, url: r.url, requestHeaders: r.rawHeaders, requestBody: r.body,
          status: result.status, responseHeaders: result.upstreamHeaders, responseBody: result.body,
        };
        this.state.recordings.append(captured);
      }
    }
    if (exchange.stub?.webhooks !== undefined && this.#webhookSenders.size > 0) this.#planWebhooks(exchange, outcome);
    if (event === undefined) return;
    event.totalMs = Date.now() - event.loggedAt;
    this.state.journal.append(event);
    if (this.#served.size > 0) this.#emitServed(event);
  }

  /** Every outbound webhook attempt (bounded); the sender writes it, the admin API reads it. */
  readonly webhookLog: WebhookLog;
  readonly #webhookSenders: Set<(job: WebhookJob) => void>;

  /** Calls `sender` with the callbacks of each served request whose stub has webhooks; returns the unsubscribe. */
  onWebhooks(sender: (job: WebhookJob) => void): () => void {
    this.#webhookSenders.add(sender);
    return () => { this.#webhookSenders.delete(sender); };
  }

  /** The plan of a stub's callbacks, once its response is finished; off the hot path (only stubs with webhooks get here). */
  #planWebhooks(exchange: Exchange, outcome: Outcome): void {
    const stub = exchange.stub!;
    // A request the stub's requestSchema rejected got a 400, not the stub's answer: it makes no callbacks.
    if (exchange.steps?.rejected) return;
    const sent = outcome.kind === 'forwarded' ? outcome.result : exchange.response;
    try {
      const calls = planWebhooks(stub.webhooks!, exchange.request, sent, this.random, Date.now(), stub.request.pathParams(exchange.request));
      const job: WebhookJob = { stubId: stub.id, stubName: stub.name, requestId: exchange.event?.id, cause: exchange, calls };
      for (const sender of this.#webhookSenders) sender(job);
    } catch { /* a callback's failure must not touch serving; the sender journals render errors */ }
  }

  /** Listeners told of every finished serve event (the UI's live log, metrics). */
  readonly #served: Set<(event: ServeEvent) => void>;

  /** Calls `listener` with each serve event once its response is finished (sent, failed or cut off); returns the unsubscribe. */
  onServed(listener: (event: ServeEvent) => void): () => void {
    this.#served.add(listener);
    return () => { this.#served.delete(listener); };
  }

  #emitServed(event: ServeEvent): void {
    for (const listener of this.#served) {
      try {
        listener(event);
      } catch { /* a listener's failure must not touch serving */ }
    }
  }

  /** The near-miss report for a request nothing matched. Not on the hot path. */
  explainMiss(req: DecoyRequest): NotMatched {
    const nearMisses = findNearMisses(this.#set, req);
    return { nearMisses, report: formatNearMissReport(req, nearMisses) };
  }

  /** Releases the state adapter. */
  close(): Promise<void> {
    return this.state.close();
  }
}

/** A stub's definition as shared with other replicas: as written, with the id it was given. */
function sharedDefinition(stub: Stub): Record<string, unknown> {
  return { ...stub.definition, id: stub.id };
}

const SEND: Delivery = Object.freeze({ kind: 'send' });
const SENT: Outcome = Object.freeze({ kind: 'sent' });

/** Whether a plan only waits before sending the response as it is. */
function isDelayOnly(plan: DeliveryPlan, response: WireResponse): boolean {
  return plan.response === response && plan.fault === undefined && plan.dribble === undefined && plan.bytesPerSecond === undefined;
}

/** Whether a fault still sends the response's status and headers (STALL_BODY does, the socket faults do not). */
function sendsResponse(fault: FaultName | undefined): boolean {
  return fault === undefined || fault === 'STALL_BODY';
}

function notFound(report: string): WireResponse {
  return { status: 404, ...plainText(report) };
}
