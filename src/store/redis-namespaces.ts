/**
 * Namespaces shared by the replicas of a fleet (`--store`): each namespace's state is a RedisState on
 * the fleet's connections with its keys under `{<prefix>}:ns:<name>:`, and the fleet's namespaces are a
 * sorted set (`<prefix>:namespaces`) of names scored by their last use, so that the cap counts the
 * fleet's namespaces, any replica can list them, and the one that finds a namespace idle drops it for all.
 */
import { namespaceState } from '../core/namespaces/memory-namespaces.js';
import type { NamespaceStore } from '../core/namespaces/namespaces.js';
import type { State } from '../core/state/state.js';
import type { Stub } from '../core/stub.js';
import type { RedisState } from './redis-state.js';

export class RedisNamespaceStore implements NamespaceStore {
  readonly shared = true;
  readonly #root: RedisState;
  readonly #resolveStub: (namespace: string, id: string) => Stub | undefined;

  /** `resolveStub`: the stub of an id in a namespace, for journal events other replicas served there. */
  constructor(root: RedisState, resolveStub: (namespace: string, id: string) => Stub | undefined) {
    this.#root = root;
    this.#resolveStub = resolveStub;
  }

  async open(name: string): Promise<State> {
    const own = await this.#root.namespace(name);
    own.resolveStub = (id) => this.#resolveStub(name, id);
    return namespaceState(own, this.#root);
  }

  claim(name: string, now: number, max: number): Promise<boolean> {
    return this.#root.claimNamespace(name, now, max);
  }

  touch(name: string, now: number): void {
    this.#root.touchNamespace(name, now);
  }

  list(): Promise<Array<{ name: string; lastUsedAt: number }>> {
    return this.#root.listNamespaces();
  }

  drop(name: string): Promise<void> {
    return this.#root.dropNamespace(name);
  }

  onDropped(listener: (name: string) => Promise<void> | void): void {
    this.#root.onNamespaceDropped(listener);
  }
}
