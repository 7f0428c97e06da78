/**
 * The State port's member for resources' items (docs/guides/stateful-mocks.md), in a module of its own
 * so that stubs, which serve resources, need not import the whole port.
 */
import type { Awaitable } from '../awaitable.js';

/** One item of a resource: its id (as text) and the item itself (which holds the id in its id field too). */
export interface ResourceItem {
  readonly id: string;
  readonly value: Record<string, unknown>;
}

/**
 * A resource's collection as the store needs it: its name (the collection's path, `/orders`), the items
 * it starts from (and goes back to on a reset) and how many items it may hold.
 */
export interface ResourceCollection {
  readonly name: string;
  readonly seed: readonly ResourceItem[];
  readonly maxItems: number;
}

/** What an insert did: `exists` when the id is taken, `full` when the collection holds its maximum. */
export type InsertOutcome = 'created' | 'exists' | 'full';

/**
 * Resources' items (docs/guides/stateful-mocks.md), by collection. A collection nobody wrote since the
 * last reset holds its seed: every operation seeds it first, so a reset is only forgetting. Each
 * operation is atomic in the store (an insert checks the id and the bound in the same step), so
 * replicas sharing a store can create items at once without losing one.
 */
export interface ResourceStore {
  /** The items, oldest first. */
  list(collection: ResourceCollection): Awaitable<ResourceItem[]>;
  get(collection: ResourceCollection, id: string): Awaitable<ResourceItem | undefined>;
  /** Adds an item unless its id is taken or the collection is full. */
  insert(collection: ResourceCollection, item: ResourceItem): Awaitable<InsertOutcome>;
  /** Replaces an item in its place; false when there is none with its id. */
  replace(collection: ResourceCollection, item: ResourceItem): Awaitable<boolean>;
  /** Removes an item; false when there was none. */
  delete(collection: ResourceCollection, id: string): Awaitable<boolean>;
  /** Replaces every item at once (the admin API); the caller keeps within the bound. */
  setAll(collection: ResourceCollection, items: readonly ResourceItem[]): Awaitable<void>;
  /** Back to the seed: one collection (by name), or every one. */
  reset(name?: string): Awaitable<void>;
  /**
   * The items as this replica last saw them, for templates (which cannot wait); undefined when the
   * collection holds its seed. Local; a shared store refreshes it after every change.
   */
  peek(name: string): readonly ResourceItem[] | undefined;
  /**
   * A shared store only: reads the collection into the local copy now, for a request that must see every
   * replica's changes when it is matched (WireMock's state extension reads its contexts there).
   */
  sync?(name: string): Promise<void>;
}
