/**
 * Namespaces: many test runs sharing one Decoy without meeting. A request names its namespace (a header
 * or a path prefix; the transport reads it), and is served by that namespace's engine: the shared file
 * stubs under the namespace's own API stubs, with its own scenarios, counters, resource items and
 * journal. A request that names none is served by the default engine, exactly as without namespaces.
 *
 * Each namespace is an engine whose parent is the default one (it shares chaos rules, settings,
 * recordings, the random source and the stub order) over a State of its own, which a `NamespaceStore`
 * opens: in this process, or in a store the replicas share (then the fleet agrees on which namespaces
 * exist, and when each was last used). The number of namespaces is capped, and idle ones expire.
 */
import { allOf, then, type Awaitable } from '../awaitable.js';
import { MockEngine, type EngineOptions } from '../engine.js';
import { DecoyError } from '../errors.js';
import type { State } from '../state/state.js';
import type { Stub } from '../stub.js';
import { checkNamespaceName } from './namespace-name.js';

/** Defaults of `--max-namespaces` and `--namespace-idle-timeout`. */
export const DEFAULT_MAX_NAMESPACES = 1000;
export const DEFAULT_NAMESPACE_IDLE_TIMEOUT_MS = 30 * 60_000;

/** One namespace as this Decoy holds it. */
export interface NamespaceScope {
  readonly name: string;
  /** Serves the namespace's requests and answers its admin calls. */
  readonly engine: MockEngine;
  /** Epoch ms of the last request or admin call in it (on this replica). */
  lastUsedAt: number;
}

/** A namespace as `GET /__admin/decoy/namespaces` lists it. */
export interface NamespaceSummary {
  readonly name: string;
  /** Epoch ms of its last use anywhere in the fleet. */
  readonly lastUsedAt: number;
  /** Stubs created or edited over the admin API in it; undefined when this replica has not opened it. */
  readonly stubs: number | undefined;
  /** Requests its journal holds; undefined when this replica has not opened it. */
  readonly requests: number | undefined;
}

/**
 * Where namespaces' state lives. In memory (`shared` false) only `open` matters: the registry's own Map
 * is the truth. A store the replicas share also keeps the fleet's list of namespaces with their last
 * use, so the cap and the expiry hold for the fleet, and a namespace dropped on one replica is dropped
 * on every one.
 */
export interface NamespaceStore {
  readonly shared: boolean;
  /** The namespace's own state: scenarios, counters, journal, resource items, API stubs. */
  open(name: string): Awaitable<State>;
  /** Registers the use of a namespace; false when it is new to the fleet and `max` namespaces exist already. */
  claim(name: string, now: number, max: number): Awaitable<boolean>;
  /** Records a later use of a known namespace (the registry calls it at most every few seconds per namespace). */
  touch(name: string, now: number): void;
  /** Every namespace of the fleet with its last use. */
  list(): Awaitable<Array<{ name: string; lastUsedAt: number }>>;
  /** Forgets a namespace in the store (its keys, its place in the list) and tells the other replicas. */
  drop(name: string): Awaitable<void>;
  /** Calls `listener` with the name of each namespace another replica dropped (the store may wait for what it returns). */
  onDropped(listener: (name: string) => Awaitable<void>): void;
}

export interface NamespacesOptions {
  /** The most namespaces at once (`--max-namespaces`); 0 turns namespaces off. */
  maxNamespaces: number;
  /** How long a namespace may go unused before it is dropped (`--namespace-idle-timeout`), in ms. */
  idleTimeoutMs: number;
  store: NamespaceStore;
  /** What every namespace's engine is made with (proxy-all, the files folder, stable data, ...). */
  engineOptions?: Omit<EngineOptions, 'state' | 'parent'>;
  /** Runs once a namespace's engine is made, before it serves (a shared store follows its API stubs here). */
  prepare?: (scope: NamespaceScope, state: State) => Awaitable<void>;
  now?: () => number;
}

/** How often one replica tells a shared store that a namespace is in use, at most. */
const TOUCH_EVERY_MS = 5_000;

export class Namespaces {
  readonly #root: MockEngine;
  readonly #options: NamespacesOptions;
  readonly #now: () => number;
  readonly #scopes = new Map<string, Scope>();
  /** Namespaces being opened: a second request for one waits for the first opening. */
  readonly #opening = new Map<string, Promise<Scope>>();

  constructor(root: MockEngine, options: NamespacesOptions) {
    this.#root = root;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    options.store.onDropped((name) => this.#forget(name));
  }

  get maxNamespaces(): number {
    return this.#options.maxNamespaces;
  }

  get idleTimeoutMs(): number {
    return this.#options.idleTimeoutMs;
  }

  /** How many namespaces this Decoy holds now. */
  get size(): number {
    return this.#scopes.size;
  }

  /**
   * The namespace's scope, opened (and counted against the cap) on its first use. Hot path for a known
   * namespace: one Map lookup, and nothing awaited. Throws DECOY_ERR_NAMESPACE_INVALID for a bad name and
   * DECOY_ERR_NAMESPACE_LIMIT when a new namespace would pass the cap (nothing existing is touched).
   * `where` says where the name came from, for the error.
   */
  scope(name: string, where: string): Awaitable<NamespaceScope> {
    const scope = this.#scopes.get(name);
    if (scope !== undefined) {
      this.#use(scope);
      return scope;
    }
    checkNamespaceName(name, where);
    const opening = this.#opening.get(name);
    if (opening !== undefined) return opening;
    const opened = this.#open(name);
    if (!(opened instanceof Promise)) return opened;
    const settled = opened.finally(() => this.#opening.delete(name));
    this.#opening.set(name, settled);
    return settled;
  }

  /** The namespace's scope when this Decoy holds it (no use is recorded). */
  find(name: string): NamespaceScope | undefined {
    return this.#scopes.get(name);
  }

  #use(scope: Scope): void {
    const now = this.#now();
    scope.lastUsedAt = now;
    // The file stubs changed since this namespace last served: it takes them now, not every namespace at each reload.
    const files = this.#root.fileStubs;
    if (scope.files !== files) {
      scope.files = files;
      scope.engine.setFileStubs([...files.values()]);
    }
    if (this.#options.store.shared && now - scope.touchedAt >= Math.min(TOUCH_EVERY_MS, this.#options.idleTimeoutMs / 4)) {
      scope.touchedAt = now;
      this.#options.store.touch(scope.name, now);
    }
  }

  #open(name: string): Awaitable<Scope> {
    const { store, maxNamespaces } = this.#options;
    const now = this.#now();
    // A shared store counts the fleet's (below); this replica never holds more, even while the store is away.
    if (this.#scopes.size >= maxNamespaces) {
      // Idle ones make room before a new one is refused (in memory; a shared store's expire by the fleet's sweep).
      this.#sweepLocal(now);
      if (this.#scopes.size >= maxNamespaces) throw this.#limit(name);
    }
    return then(store.claim(name, now, maxNamespaces), (admitted) => {
      if (!admitted) throw this.#limit(name);
      return then(store.open(name), (state) => {
        const engine = new MockEngine({ ...this.#options.engineOptions, state, parent: this.#root, namespace: name });
        // Readers of the journal see a namespace's events as they see the default one's (masked with --redact-journal).
        engine.journal.view = this.#root.journal.view;
        const files = this.#root.fileStubs;
        engine.setFileStubs([...files.values()]);
        const scope: Scope = { name, engine, lastUsedAt: now, touchedAt: now, files };
        return then(this.#options.prepare?.(scope, state), () => {
          // Dropped while it was being prepared, or opened by a concurrent call: the one in the Map wins.
          const existing = this.#scopes.get(name);
          if (existing !== undefined) {
            void state.close();
            return existing;
          }
          this.#scopes.set(name, scope);
          return scope;
        });
      });
    });
  }

  #limit(name: string): DecoyError {
    const max = this.#options.maxNamespaces;
    return new DecoyError('DECOY_ERR_NAMESPACE_LIMIT', max === 0
      ? `namespace "${name}" is not created: namespaces are turned off (--max-namespaces 0)`
      : `namespace "${name}" is not created: ${max} namespaces exist already, the most allowed (--max-namespaces ${max})`, {
      hint: 'drop namespaces that are done (DELETE /__admin/decoy/namespaces/<name>), let idle ones expire (--namespace-idle-timeout), or raise --max-namespaces',
    });
  }

  /** Every namespace of this Decoy (of the fleet, with a shared store), by name. */
  list(): Awaitable<NamespaceSummary[]> {
    const summary = (name: string, lastUsedAt: number): NamespaceSummary => {
      const scope = this.#scopes.get(name);
      const changes = scope?.engine.unsavedChanges();
      return {
        name, lastUsedAt: Math.max(lastUsedAt, scope?.lastUsedAt ?? 0),
        stubs: changes === undefined ? undefined : changes.created.length + changes.edited.length,
        requests: scope?.engine.journal.size,
      };
    };
    const local = [...this.#scopes.values()].map((s) => ({ name: s.name, lastUsedAt: s.lastUsedAt }));
    // With a shared store: the fleet's, and this replica's (all it knows while the store is away).
    return then(this.#options.store.shared ? this.#options.store.list() : [], (known) => {
      const names = new Map<string, number>(local.map((k) => [k.name, k.lastUsedAt]));
      for (const k of known) names.set(k.name, Math.max(k.lastUsedAt, names.get(k.name) ?? 0));
      return [...names].map(([name, lastUsedAt]) => summary(name, lastUsedAt)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  /** Whether the namespace exists (here, or in the fleet). */
  #exists(name: string): Awaitable<boolean> {
    if (this.#scopes.has(name)) return true;
    if (!this.#options.store.shared) return false;
    return then(this.#options.store.list(), (known) => known.some((k) => k.name === name));
  }

  /**
   * Puts a namespace back to new: its API stubs, scenarios, counters, resource items (their seeds) and
   * journal. False when there is no such namespace.
   */
  reset(name: string): Awaitable<boolean> {
    return then(this.#exists(name), (exists) => {
      if (!exists) return false;
      return then(this.scope(name, 'namespace'), (scope) => {
        scope.engine.resetAll();
        return true;
      });
    });
  }

  /** Forgets a namespace and everything in it (on every replica, with a shared store). False when there is no such namespace. */
  drop(name: string): Awaitable<boolean> {
    return then(this.#exists(name), (exists) => {
      if (!exists) return false;
      // Its state is let go first: nothing it still writes (journal events) outlives the drop in the store.
      return then(this.#forget(name), () => then(this.#options.store.drop(name), () => true));
    });
  }

  /** Forgets every namespace. */
  dropAll(): Awaitable<number> {
    return then(this.list(), (all) => then(allOf(all.map((n) => this.drop(n.name))), (dropped) => dropped.filter(Boolean).length));
  }

  #forget(name: string): Promise<void> | undefined {
    const scope = this.#scopes.get(name);
    if (scope === undefined) return undefined;
    this.#scopes.delete(name);
    return scope.engine.close();
  }

  /** Drops the namespaces unused for longer than the idle timeout; returns their names. */
  sweep(): Awaitable<string[]> {
    const now = this.#now();
    const local = this.#sweepLocal(now);
    if (!this.#options.store.shared) return local;
    const before = now - this.#options.idleTimeoutMs;
    return then(this.#options.store.list(), (known) => {
      const idle = known.filter((k) => k.lastUsedAt < before && (this.#scopes.get(k.name)?.lastUsedAt ?? 0) < before).map((k) => k.name);
      return then(allOf(idle.map((n) => this.drop(n))), () => [...local, ...idle]);
    });
  }

  #sweepLocal(now: number): string[] {
    if (this.#options.store.shared) return [];
    const before = now - this.#options.idleTimeoutMs;
    const idle = [...this.#scopes.values()].filter((s) => s.lastUsedAt < before).map((s) => s.name);
    for (const name of idle) this.#forget(name);
    return idle;
  }

  /** Releases every namespace's state (the store keeps what it holds). */
  async close(): Promise<void> {
    const scopes = [...this.#scopes.values()];
    this.#scopes.clear();
    await Promise.all(scopes.map((s) => s.engine.close()));
  }
}

interface Scope extends NamespaceScope {
  /** When this replica last told a shared store of its use. */
  touchedAt: number;
  /** The parent's file stubs this namespace serves (compared by identity: a reload makes a new Map). */
  files: ReadonlyMap<string, Stub>;
}
