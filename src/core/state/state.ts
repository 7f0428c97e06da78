/**
 * The State port: every piece of run-time state a Decoy changes while it serves, behind one small
 * interface. Scenario states, the positions of response sequences and the counts behind count-based
 * faults, chaos rules with their expiry, global settings, the bounded journal and recordings in
 * progress. An adapter keeps them somewhere: in this process (the default, `MemoryState`), or in a
 * store replicas share. The engine reads through it and never keeps run-time state of its own.
 *
 * Reads a request needs on the hot path (a scenario's state, the chaos rules, the settings) are local
 * and synchronous: an adapter outside the process keeps a local copy and pushes changes to it. The
 * atomic operations (compare-and-set, increment-and-get) may answer later (`Awaitable`): only stubs
 * that use them wait for the store.
 */
import type { Awaitable } from '../awaitable.js';
import type { ResourceStore } from './resource-store.js';
import type { ServeEvent } from './serve-event.js';

export type { Awaitable };
export type { InsertOutcome, ResourceCollection, ResourceItem, ResourceStore } from './resource-store.js';

/** What changed, as every subscriber of the state (on every replica, for a shared store) hears it. */
export type StateChange =
  | { kind: 'scenario'; name: string; state: string }
  | { kind: 'scenarios-reset'; name: string | undefined }
  | { kind: 'chaos-rules' }
  | { kind: 'settings' }
  | { kind: 'counters-reset' }
  | { kind: 'journal-cleared' }
  | { kind: 'recording'; status: RecordingState['status'] }
  /** A resource's items changed (`name` undefined: every resource was reset to its seed). */
  | { kind: 'resource'; name: string | undefined }
  /** A shared store only: requests other replicas served, now in this replica's journal (for the live log). */
  | { kind: 'served-elsewhere'; events: readonly ServeEvent[] };

/** Named state machines (WireMock's scenarios); a scenario never set is in `Started`. */
export interface ScenarioStore {
  /** The scenario's state; local, for matching. */
  get(name: string): string;
  /** Moves the scenario to `next` only when it is in `expected`; true when it moved. */
  compareAndSet(name: string, expected: string, next: string): Awaitable<boolean>;
  set(name: string, state: string): Awaitable<void>;
  /** Back to `Started`: one scenario, or every one. */
  reset(name?: string): Awaitable<void>;
  /** The scenarios set since the last reset, with their states. */
  entries(): Array<[string, string]>;
  /**
   * A shared store only: the scenario's state as the store has it now (the local copy is updated with
   * it). A stub that requires a state without moving it is confirmed this way: another replica may have
   * moved the scenario a moment before its change reached this one.
   */
  read?(name: string): Promise<string>;
}

/** Counters by key: response-sequence positions and the counts behind count-based faults and rule hits. */
export interface CounterStore {
  /** Adds one and returns the new count (1 the first time). */
  incrementAndGet(key: string): Awaitable<number>;
  /** The count now (0 when never counted); local. */
  get(key: string): number;
  /** Forgets these counters, or every one. */
  reset(keys?: readonly string[]): Awaitable<void>;
}

/** A chaos rule as kept: its definition as given and when it ends; compiling it is the reader's job. */
export interface StoredChaosRule {
  readonly id: string;
  readonly definition: Record<string, unknown>;
  /** Epoch ms after which the rule is gone, if it has a duration. */
  readonly expiresAt: number | undefined;
}

/** Run-time chaos rules in the order they were added; expired ones are dropped when read. */
export interface ChaosRuleStore {
  add(rule: StoredChaosRule): Awaitable<void>;
  remove(id: string): Awaitable<boolean>;
  clear(): Awaitable<void>;
  /** The rules in force now; local. */
  list(): readonly StoredChaosRule[];
  /** Increases whenever the rules change: a reader recompiles only then. */
  readonly version: number;
}

/** WireMock's global settings (`/__admin/settings`), as last set. */
export interface SettingsStore {
  /** The settings last set; undefined before the first change. Local. */
  get(): Readonly<Record<string, unknown>> | undefined;
  set(settings: Record<string, unknown>): Awaitable<void>;
}

/** The request journal: bounded, oldest dropped first. */
export interface JournalStore {
  /** The most events kept; 0 means the journal is off. */
  readonly capacity: number;
  readonly enabled: boolean;
  readonly size: number;
  /** Hot path: keeps the event (dropping the oldest when full). */
  append(event: ServeEvent): void;
  /** Events, newest first, as readers see them (the newest `limit`, when given). */
  newestFirst(limit?: number): ServeEvent[];
  get(id: string): ServeEvent | undefined;
  /** Removes the events the predicate selects; returns them, oldest first. */
  remove(predicate: (e: ServeEvent) => boolean): ServeEvent[];
  clear(): void;
  /** The ids of the stubs that served a kept event. */
  servedStubIds(): Set<string>;
  /** What readers see of each event (`--redact-journal`), when set. */
  view: ((event: ServeEvent) => ServeEvent) | undefined;
}

/** A recording in progress: its spec as given, and the exchanges it captured (bounded). */
export interface RecordingState {
  status: 'NeverStarted' | 'Recording' | 'Stopped';
  /** The recording spec as posted (WireMock's, with Decoy's additions), while one runs. */
  spec: Record<string, unknown> | undefined;
}

export interface RecordingStore<Exchange = unknown> {
  /** Local: whether a recording runs and with what spec. */
  current(): RecordingState;
  start(spec: Record<string, unknown>): Awaitable<void>;
  /** Keeps an exchange of the running recording (the oldest dropped beyond the bound); ignored when none runs. */
  append(exchange: Exchange): void;
  /** Ends the recording and hands over what it captured, oldest first. */
  stop(): Awaitable<Exchange[]>;
}

/**
 * A change of the stubs made through the admin API, as replicas sharing a store tell each other: stub
 * definitions as JSON (each replica compiles its own). `sync` is the whole API state at once: what a
 * replica applies when it joins the fleet, or after it lost the store for a while.
 */
export type StubChange =
  | { kind: 'put'; definitions: Array<Record<string, unknown>> }
  | { kind: 'remove'; ids: string[] }
  | { kind: 'remove-all' }
  | { kind: 'reset' }
  | { kind: 'sync'; removedAll: boolean; definitions: Array<Record<string, unknown>>; removedIds: string[] };

/** The admin API's stub changes, shared with the other replicas (file stubs come from each replica's own folder). */
export interface SharedStubStore {
  /** False for a store no other replica sees (in memory): the engine then skips building changes. */
  readonly shared: boolean;
  /** Tells the other replicas of a change made here. */
  publish(change: StubChange): void;
  /**
   * Calls `apply` with the changes made so far (one `sync`), then with each change another replica makes;
   * resolves once the first `sync` is applied. Returns the unsubscribe.
   */
  follow(apply: (change: StubChange) => void): Awaitable<() => void>;
}

/** How the store is doing, for `/__admin/health` and metrics (a store outside the process only). */
export interface StoreHealth {
  /** `redis`. */
  readonly kind: string;
  /** Where it is, without any password. */
  readonly url: string;
  readonly connected: boolean;
  /** Since when it is unreachable (ISO 8601), while it is. */
  readonly lostSince: string | undefined;
  /** Journal events made here and not yet written to the store. */
  readonly pendingJournalEvents: number;
}

export interface State {
  readonly scenarios: ScenarioStore;
  readonly counters: CounterStore;
  readonly chaosRules: ChaosRuleStore;
  readonly settings: SettingsStore;
  readonly journal: JournalStore;
  readonly recordings: RecordingStore;
  readonly stubs: SharedStubStore;
  readonly resources: ResourceStore;
  /** How a store outside the process is doing; absent in memory. */
  health?(): StoreHealth;
  /**
   * Settles once every change this process began in a store outside it (of any namespace) is written
   * there, and so on its way to the other replicas; absent in memory, where a change is made at once.
   */
  written?(): Promise<void>;
  /** Calls `listener` with every change; returns the unsubscribe. */
  subscribe(listener: (change: StateChange) => void): () => void;
  /** Releases what the adapter holds (connections, timers). */
  close(): Promise<void>;
}
