/**
 * The mock engine: the current stub set, scenario states, the journal, and the decision for one
 * request. It knows nothing of sockets or files; the HTTP layer asks it what to answer, the sources
 * tell it what the files hold, the admin API changes stubs at run time.
 *
 * Stubs come from two places. Files (owned by the folder watcher) and the admin API. An API change to
 * a stub that came from a file is kept beside it (an edit or a deletion) and shown instead of the file's
 * version until the file itself changes on disk: then the file wins, and the change is reported as
 * dropped. Nothing here writes files; saving is the sources' job.
 */
import { compileDelays, type Delay } from './faults/delay.js';
import { applyAction, type DeliveryPlan, type WireResponse } from './faults/plan.js';
import { createRandom, type Random } from './faults/random.js';
import { findNearMisses, formatNearMissReport, type NearMiss } from './matching/near-miss.js';
import { StubSet } from './matching/stub-index.js';
import type { DecoyRequest } from './request.js';
import type { PreparedResponse, RenderContext } from './response/static-response.js';
import { ChaosRules } from './state/chaos-rules.js';
import { Journal, type ServeEvent } from './state/journal.js';
import { ScenarioStates } from './state/scenarios.js';
import type { Stub } from './stub.js';

/** Marks the answer to a request its stub's `requestSchema` rejected: none of the stub's chaos applies to it. */
const REJECTED = Symbol('rejected by requestSchema');

/** A rejected request's 400 as a response of its own: nothing of the stub's responses (proxy, delay, fault) comes with it. */
function rejection(w: WireResponse): PreparedResponse {
  return {
    status: w.status, statusMessage: w.statusMessage, headers: w.headers, body: w.body, [REJECTED]: true,
    explain: () => `${w.status}: the request breaks the stub's requestSchema`,
  } as PreparedResponse;
}

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

export class MockEngine {
  readonly scenarios = new ScenarioStates();
  readonly journal: Journal;
  #set = new StubSet([]);
  /** Stubs from files, as loaded; by id. */
  #fileStubs = new Map<string, Stub>();
  /** Stubs created over the API that no file holds. */
  readonly #apiStubs = new Map<string, Stub>();
  /** File stubs replaced over the API: id → [the file's version it replaced, the replacement]. */
  readonly #edits = new Map<string, { base: Stub; stub: Stub }>();
  /** File stubs removed over the API: id → the file's version removed; `bulk` when by a delete-all. */
  readonly #deletions = new Map<string, { base: Stub; bulk: boolean }>();
  /** Position in each response sequence. */
  #sequencePositions = new WeakMap<Stub, number>();
  #sequence = 0;
  /** Every random draw (chaos, delay distributions) comes from here: one seed makes a run reproducible. */
  readonly random: Random;
  readonly chaosRules: ChaosRules;
  /** WireMock's global delay (`/__admin/settings` fixedDelay / delayDistribution), added to every stubbed response. */
  #globalDelay: Delay | undefined;
  /** How many requests each stub with chaos entries has matched, for firstRequests / everyNth. */
  #chaosCounts = new WeakMap<Stub, number>();

  /** With stable data on: the number generated values are derived from, with the request. */
  readonly #stableSeed: number | undefined;

  constructor(options: { journalSize?: number; seed?: number; now?: () => number; stableData?: boolean } = {}) {
    this.journal = new Journal(options.journalSize ?? 10_000);
    this.random = createRandom(options.seed);
    this.#stableSeed = options.stableData ? (options.seed ?? 0) : undefined;
    this.chaosRules = new ChaosRules(options.now);
  }

  /** Sets the global delay from WireMock's settings; throws DecoyError (with a pointer) when invalid. */
  setGlobalDelay(settings: { fixedDelay?: unknown; delayDistribution?: unknown }): void {
    this.#globalDelay = compileDelays({ fixedDelayMilliseconds: settings.fixedDelay, delayDistribution: settings.delayDistribution }, '');
  }

  /**
   * What the transport does for this request: `undefined` when it just sends `response` (the hot path:
   * no fault, delay, chaos entry or rule applies, and no random draw is spent). Otherwise the plan.
   */
  plan(req: DecoyRequest, stub: Stub | undefined, response: WireResponse & Partial<PreparedResponse>): DeliveryPlan | undefined {
    const rules = this.chaosRules.size > 0;
    const own = response.delay !== undefined || response.fault !== undefined || response.dribble !== undefined || response.bytesPerSecond !== undefined;
    const global = stub !== undefined && this.#globalDelay !== undefined;
    if (!rules && !own && !global && stub?.chaos === undefined) return undefined;
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
    if (global) {
      const ms = this.#globalDelay!.sample(this.random);
      plan.delayMs += ms;
      plan.applied.push({ source: 'settings', action: 'delay', description: `a ${Math.round(ms)} ms delay (global settings)` });
    }
    if (stub?.chaos && !(REJECTED in response)) {
      const count = (this.#chaosCounts.get(stub) ?? 0) + 1;
      this.#chaosCounts.set(stub, count);
      const picked = stub.chaos.pick(count, this.random);
      if (picked) applyAction(plan, picked.action, this.random, 'stub-chaos');
    }
    if (rules) {
      const rule = this.chaosRules.pick(req, this.random);
      if (rule) applyAction(plan, rule.action, this.random, 'chaos-rule', rule.id);
    }
    return plan.applied.length === 0 ? undefined : plan;
  }

  /** Hands out insertion order: a later stub wins over an earlier one of the same priority. */
  readonly nextSequence = (): number => ++this.#sequence;

  /** Created once: the scenario check handed to the index (no closure per request). */
  readonly #inState = (stub: Stub): boolean => {
    const s = stub.scenario;
    return s === undefined || s.requiredState === undefined || this.scenarios.get(s.name) === s.requiredState;
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
    this.#set = new StubSet(out);
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

  /** Adds a stub (or replaces the one with its id) at run time. */
  putStub(stub: Stub): void {
    const fileStub = this.#fileStubs.get(stub.id);
    if (fileStub) {
      this.#deletions.delete(stub.id);
      this.#edits.set(stub.id, { base: fileStub, stub });
    } else {
      this.#apiStubs.set(stub.id, stub);
    }
    this.#rebuild();
  }

  /** Removes a stub by id; false when there is none. */
  removeStub(id: string): boolean {
    if (!this.#set.get(id)) return false;
    this.#forget(id, false);
    this.#rebuild();
    return true;
  }

  /** Removes every stub (file stubs are hidden until a reset or a change of their file; a save keeps them). */
  removeAllStubs(): void {
    for (const stub of this.#set.all) this.#forget(stub.id, true);
    this.#rebuild();
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
    this.#sequencePositions = new WeakMap();
    this.#rebuild();
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

  /** Finds the stub that answers this request (`responseFor` then moves its scenario on). Hot path. */
  match(req: DecoyRequest): Stub | undefined {
    return this.#set.find(req, this.#inState);
  }

  /**
   * The response a matched stub gives now: its only one, or the next of its sequence, worked out for
   * this request when it is dynamic (templated, generated); its scenario moves to the stub's new state,
   * unless the stub rejects the request (`requestSchema`). Hot path: a static response is returned as is.
   */
  responseFor(stub: Stub, request: DecoyRequest, connection?: RenderContext['connection']): PreparedResponse {
    if (stub.rejectRequest !== undefined) {
      const rejected = stub.rejectRequest(request);
      if (rejected !== undefined) return rejection(rejected);
    }
    // Only a request the stub accepts moves its scenario on.
    const s = stub.scenario;
    if (s !== undefined && s.newState !== undefined) this.scenarios.set(s.name, s.newState);
    const rs = stub.responses;
    let r: PreparedResponse;
    if (rs.length === 1) {
      r = rs[0]!;
    } else {
      const i = this.#sequencePositions.get(stub) ?? 0;
      const next = i + 1 < rs.length ? i + 1 : stub.afterLastResponse === 'cycle' ? 0 : i;
      this.#sequencePositions.set(stub, next);
      r = rs[i]!;
    }
    if (r.render === undefined) return r;
    const w = r.render({ request, random: this.random, stub, stableSeed: this.#stableSeed, connection });
    return { ...r, status: w.status, statusMessage: w.statusMessage, headers: w.headers, body: w.body };
  }

  /** Listeners told of every finished serve event (the UI's live log, metrics). */
  readonly #served = new Set<(event: ServeEvent) => void>();

  /** Calls `listener` with each serve event once its response is finished (sent, failed or cut off); returns the unsubscribe. */
  onServed(listener: (event: ServeEvent) => void): () => void {
    this.#served.add(listener);
    return () => { this.#served.delete(listener); };
  }

  /** Whether anyone listens for serve events: the transport builds events only when the journal or a listener wants them. */
  get hasServedListeners(): boolean {
    return this.#served.size > 0;
  }

  /** Tells the listeners of a finished serve event; a listener that throws is dropped from this call only. */
  emitServed(event: ServeEvent): void {
    for (const listener of this.#served) {
      try {
        listener(event);
      } catch { /* a listener's failure must not touch serving */ }
    }
  }

  /** Restarts every response sequence and every chaos entry's count. */
  resetSequences(): void {
    this.#sequencePositions = new WeakMap();
    this.#chaosCounts = new WeakMap();
  }

  /** The near-miss report for a request nothing matched. Not on the hot path. */
  explainMiss(req: DecoyRequest): NotMatched {
    const nearMisses = findNearMisses(this.#set, req);
    return { nearMisses, report: formatNearMissReport(req, nearMisses) };
  }
}
