/**
 * The in-memory State adapter: the default, for a Decoy on its own. Every operation is a plain
 * synchronous change of a Map or an array, so the hot path costs what it cost before there was a port.
 */
import { DEFAULT_JOURNAL_MAX_BYTES, Journal } from './journal.js';
import { STARTED } from './scenarios.js';
import type {
  ChaosRuleStore, SharedStubStore, CounterStore, InsertOutcome, RecordingState, RecordingStore, ResourceCollection, ResourceItem, ResourceStore,
  ScenarioStore, SettingsStore, State, StateChange, StoredChaosRule,
} from './state.js';

/** The most exchanges one recording keeps (oldest dropped): memory stays bounded however long it runs. */
export const MAX_RECORDED_EXCHANGES = 10_000;

type Publish = (change: StateChange) => void;

class MemoryScenarios implements ScenarioStore {
  readonly #states = new Map<string, string>();
  constructor(readonly publish: Publish) {}

  get(name: string): string {
    return this.#states.get(name) ?? STARTED;
  }

  compareAndSet(name: string, expected: string, next: string): boolean {
    if (this.get(name) !== expected) return false;
    this.set(name, next);
    return true;
  }

  set(name: string, state: string): void {
    if (this.#states.get(name) === state) return;
    this.#states.set(name, state);
    this.publish({ kind: 'scenario', name, state });
  }

  reset(name?: string): void {
    if (name === undefined) this.#states.clear();
    else this.#states.delete(name);
    this.publish({ kind: 'scenarios-reset', name });
  }

  entries(): Array<[string, string]> {
    return [...this.#states];
  }
}

class MemoryCounters implements CounterStore {
  readonly #counts = new Map<string, number>();
  constructor(readonly publish: Publish) {}

  incrementAndGet(key: string): number {
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    return n;
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  reset(keys?: readonly string[]): void {
    if (keys === undefined) {
      this.#counts.clear();
      this.publish({ kind: 'counters-reset' });
    } else {
      for (const k of keys) this.#counts.delete(k);
    }
  }
}

class MemoryChaosRules implements ChaosRuleStore {
  #rules: StoredChaosRule[] = [];
  #version = 0;
  constructor(readonly publish: Publish, readonly now: () => number) {}

  get version(): number {
    return this.#version;
  }

  #changed(): void {
    this.#version++;
    this.publish({ kind: 'chaos-rules' });
  }

  add(rule: StoredChaosRule): void {
    this.#rules = [...this.#rules, rule];
    this.#changed();
  }

  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    if (this.#rules.length === before) return false;
    this.#changed();
    return true;
  }

  clear(): void {
    if (this.#rules.length === 0) return;
    this.#rules = [];
    this.#changed();
  }

  list(): readonly StoredChaosRule[] {
    // Read on every request: with no rules, not even the clock.
    if (this.#rules.length === 0) return this.#rules;
    const now = this.now();
    if (this.#rules.some((r) => r.expiresAt !== undefined && now >= r.expiresAt)) {
      this.#rules = this.#rules.filter((r) => !(r.expiresAt !== undefined && now >= r.expiresAt));
      this.#changed();
    }
    return this.#rules;
  }
}

class MemorySettings implements SettingsStore {
  #settings: Record<string, unknown> | undefined;
  constructor(readonly publish: Publish) {}

  get(): Readonly<Record<string, unknown>> | undefined {
    return this.#settings;
  }

  set(settings: Record<string, unknown>): void {
    this.#settings = settings;
    this.publish({ kind: 'settings' });
  }
}

class MemoryRecordings implements RecordingStore {
  #state: RecordingState = { status: 'NeverStarted', spec: undefined };
  #exchanges: unknown[] = [];
  constructor(readonly publish: Publish) {}

  current(): RecordingState {
    return this.#state;
  }

  start(spec: Record<string, unknown>): void {
    this.#state = { status: 'Recording', spec };
    this.#exchanges = [];
    this.publish({ kind: 'recording', status: 'Recording' });
  }

  append(exchange: unknown): void {
    if (this.#state.status !== 'Recording') return;
    this.#exchanges.push(exchange);
    if (this.#exchanges.length > MAX_RECORDED_EXCHANGES) this.#exchanges.shift();
  }

  stop(): unknown[] {
    const captured = this.#exchanges;
    this.#exchanges = [];
    this.#state = { status: 'Stopped', spec: undefined };
    this.publish({ kind: 'recording', status: 'Stopped' });
    return captured;
  }
}

/**
 * Resources' items in Maps (insertion order is the list order). Also the local copy a shared store keeps
 * for templates and for serving on while the store is away.
 */
export class MemoryResources implements ResourceStore {
  readonly #collections = new Map<string, Map<string, ResourceItem>>();
  constructor(readonly publish: Publish) {}

  /** The collection's items, seeded when nobody wrote it since the last reset. */
  #items(c: ResourceCollection): Map<string, ResourceItem> {
    let items = this.#collections.get(c.name);
    if (items === undefined) {
      items = new Map(c.seed.map((i) => [i.id, i]));
      this.#collections.set(c.name, items);
    }
    return items;
  }

  list(c: ResourceCollection): ResourceItem[] {
    return [...this.#items(c).values()];
  }

  get(c: ResourceCollection, id: string): ResourceItem | undefined {
    return this.#items(c).get(id);
  }

  insert(c: ResourceCollection, item: ResourceItem): InsertOutcome {
    const items = this.#items(c);
    if (items.has(item.id)) return 'exists';
    if (items.size >= c.maxItems) return 'full';
    items.set(item.id, item);
    this.publish({ kind: 'resource', name: c.name });
    return 'created';
  }

  replace(c: ResourceCollection, item: ResourceItem): boolean {
    const items = this.#items(c);
    if (!items.has(item.id)) return false;
    items.set(item.id, item);
    this.publish({ kind: 'resource', name: c.name });
    return true;
  }

  delete(c: ResourceCollection, id: string): boolean {
    if (!this.#items(c).delete(id)) return false;
    this.publish({ kind: 'resource', name: c.name });
    return true;
  }

  setAll(c: ResourceCollection, items: readonly ResourceItem[]): void {
    this.#collections.set(c.name, new Map(items.map((i) => [i.id, i])));
    this.publish({ kind: 'resource', name: c.name });
  }

  reset(name?: string): void {
    if (name === undefined) this.#collections.clear();
    else this.#collections.delete(name);
    this.publish({ kind: 'resource', name });
  }

  peek(name: string): readonly ResourceItem[] | undefined {
    const items = this.#collections.get(name);
    return items === undefined ? undefined : [...items.values()];
  }
}

/** Alone, there is no one to share API stub changes with. */
const UNSHARED_STUBS: SharedStubStore = Object.freeze({ shared: false, publish: () => {}, follow: () => () => {} });

export class MemoryState implements State {
  readonly scenarios: MemoryScenarios;
  readonly counters: MemoryCounters;
  readonly chaosRules: MemoryChaosRules;
  readonly settings: MemorySettings;
  readonly journal: Journal;
  readonly recordings: MemoryRecordings;
  readonly stubs = UNSHARED_STUBS;
  readonly resources: MemoryResources;
  readonly #listeners = new Set<(change: StateChange) => void>();

  constructor(options: { journalSize?: number; journalMaxBytes?: number; now?: () => number } = {}) {
    const publish: Publish = (change) => {
      for (const listener of this.#listeners) {
        try {
          listener(change);
        } catch { /* a listener's failure must not undo or block a change */ }
      }
    };
    this.scenarios = new MemoryScenarios(publish);
    this.counters = new MemoryCounters(publish);
    this.chaosRules = new MemoryChaosRules(publish, options.now ?? Date.now);
    this.settings = new MemorySettings(publish);
    this.journal = new Journal(options.journalSize ?? 10_000, () => publish({ kind: 'journal-cleared' }), options.journalMaxBytes ?? DEFAULT_JOURNAL_MAX_BYTES);
    this.recordings = new MemoryRecordings(publish);
    this.resources = new MemoryResources(publish);
  }

  subscribe(listener: (change: StateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
