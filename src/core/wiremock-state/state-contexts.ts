/**
 * WireMock's state extension: how its contexts are kept (as the items of one collection of the State
 * port) and what the `{{state ...}}` template helper answers. Apart from the listeners and the matcher,
 * which need templates, so that the template helpers can import it.
 */
import type { ResourceCollection } from '../state/resource-store.js';

/** The contexts, as a collection of the State port (its name cannot clash with a resource's path). */
export const STATE_CONTEXTS: ResourceCollection = Object.freeze({ name: 'wiremock-state', seed: [], maxItems: 10_000 });

/** One context as kept. */
export interface StateContext {
  context: string;
  state: Record<string, unknown> | undefined;
  list: Array<Record<string, unknown>>;
  updateCount: number;
}

/** The contexts as this Decoy last saw them (a function of the engine's), by name. */
export type ContextLookup = (name: string) => StateContext | undefined;

/** Finds a context among the collection's items (what `resourceItems` gives). */
export function contextIn(items: readonly unknown[], name: string): StateContext | undefined {
  return items.find((v) => (v as StateContext).context === name) as StateContext | undefined;
}

/** The `{{state context=... property=... | list=... default=...}}` helper's answer. */
export function stateHelperValue(ctx: StateContext | undefined, hash: Record<string, unknown>): unknown {
  const name = String(hash.context ?? '');
  const fallback = hash.default;
  if (hash.property !== undefined && hash.list !== undefined) throw new Error('the state helper takes property or list, not both');
  if (hash.list !== undefined) {
    const m = /^\[(-?\d+)\](?:\.(.+))?$/.exec(String(hash.list));
    if (m === null) throw new Error(`the state helper's list must look like [0].property or [-1].property (got ${JSON.stringify(hash.list)})`);
    const items = ctx?.list ?? [];
    const n = Number(m[1]);
    const item = items[n < 0 ? items.length + n : n];
    const value = item === undefined ? undefined : m[2] === undefined ? item : item[m[2]];
    if (value !== undefined) return value;
    if (fallback !== undefined) return fallback;
    return `[ERROR: No state for context ${name}, list ${String(hash.list)} found]`;
  }
  const property = String(hash.property ?? '');
  if (property === 'list') {
    if (ctx !== undefined) return ctx.list;
    if (typeof fallback === 'string') {
      try {
        const parsed: unknown = JSON.parse(fallback);
        if (Array.isArray(parsed)) return parsed;
      } catch { /* an invalid default gives the empty list, as the extension does */ }
    }
    return [];
  }
  if (property === 'updateCount' && ctx !== undefined) return String(ctx.updateCount);
  if (property === 'listSize' && ctx !== undefined) return String(ctx.list.length);
  const value = ctx?.state?.[property];
  if (value !== undefined) return value;
  if (fallback !== undefined) return fallback;
  return `[ERROR: No state for context ${name}, property ${property} found]`;
}

