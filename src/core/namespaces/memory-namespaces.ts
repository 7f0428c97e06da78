/**
 * Namespaces in this process: each one's state is a MemoryState of its own, under the same bounds as
 * the default one's, except the journal's byte budget (many namespaces must not hold many times the
 * default journal's memory).
 */
import { MemoryState } from '../state/memory-state.js';
import type { State, StateChange } from '../state/state.js';
import type { NamespaceStore } from './namespaces.js';

/** Each namespace's journal keeps at most this many bytes of bodies and events (the default one's budget is larger). */
export const NAMESPACE_JOURNAL_MAX_BYTES = 4 * 1024 * 1024;

/**
 * A namespace's State: `own` for what a namespace remembers (scenarios, counters, journal, resources,
 * API stubs), the default namespace's `root` for what every namespace shares (chaos rules, settings,
 * recordings, the store's health, and what it still has to write, which is every namespace's).
 */
export function namespaceState(own: State, root: State): State {
  // Subscribers hear the root's changes of what is shared, until the namespace's state is closed (a dropped
  // namespace leaves no listener behind on the root).
  const offRoot = new Set<() => void>();
  return {
    scenarios: own.scenarios,
    counters: own.counters,
    journal: own.journal,
    resources: own.resources,
    stubs: own.stubs,
    chaosRules: root.chaosRules,
    settings: root.settings,
    recordings: root.recordings,
    ...(root.health ? { health: () => root.health!() } : {}),
    ...(root.written ? { written: () => root.written!() } : {}),
    subscribe: (listener: (change: StateChange) => void) => {
      const offOwn = own.subscribe(listener);
      const off = root.subscribe((c) => { if (c.kind === 'chaos-rules' || c.kind === 'settings' || c.kind === 'recording') listener(c); });
      offRoot.add(off);
      return () => { offOwn(); off(); offRoot.delete(off); };
    },
    close: () => {
      for (const off of offRoot) off();
      offRoot.clear();
      return own.close();
    },
  };
}

export class MemoryNamespaceStore implements NamespaceStore {
  readonly shared = false;
  readonly #root: State;
  readonly #journalSize: number;

  constructor(root: State, options: { journalSize: number }) {
    this.#root = root;
    this.#journalSize = options.journalSize;
  }

  open(): State {
    return namespaceState(new MemoryState({ journalSize: this.#journalSize, journalMaxBytes: NAMESPACE_JOURNAL_MAX_BYTES }), this.#root);
  }

  // The registry's own Map is the list of namespaces in memory: nothing to claim, touch, list or drop here.
  claim(): boolean {
    return true;
  }

  touch(): void {}

  list(): Array<{ name: string; lastUsedAt: number }> {
    return [];
  }

  drop(): void {}

  onDropped(): void {}
}
