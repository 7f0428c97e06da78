/**
 * A stub's `chaos` list: alternatives to its normal response, chosen per request. Count-based entries
 * (`firstRequests`, `everyNth`) are checked first, in order; otherwise one draw picks among the
 * `probability` entries cumulatively.
 */
import { DecoyError, joinPointer } from '../errors.js';
import { compileChaosAction, type ChaosAction } from './chaos-action.js';
import type { Random } from './random.js';

interface Entry {
  index: number;
  action: ChaosAction;
  firstRequests?: number;
  everyNth?: number;
  probability?: number;
}

export interface StubChaos {
  /** The entry that applies to the `count`-th request (1-based) matching the stub, if any. */
  pick(count: number, random: Random): { index: number; action: ChaosAction } | undefined;
}

const WHEN = ['firstRequests', 'everyNth', 'probability'] as const;

export function compileStubChaos(list: unknown, pointer: string): StubChaos | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list)) throw new DecoyError('DECOY_ERR_STUB_INVALID', 'chaos must be a list of entries', { source: { pointer } });
  const counted: Entry[] = [];
  const drawn: Entry[] = [];
  let total = 0;
  list.forEach((raw, index) => {
    const at = joinPointer(pointer, index);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DecoyError('DECOY_ERR_STUB_INVALID', 'a chaos entry must be an object', { source: { pointer: at } });
    const def = raw as Record<string, unknown>;
    const unknown = Object.keys(def).filter((k) => !([...WHEN, 'fixedDelayMilliseconds', 'delayDistribution', 'fault', 'status', 'body', 'jsonBody', 'headers', 'graphql'] as string[]).includes(k));
    if (unknown.length) throw new DecoyError('DECOY_ERR_STUB_INVALID', `a chaos entry has an unknown key "${unknown[0]}"; valid keys: firstRequests, everyNth, probability, fixedDelayMilliseconds, delayDistribution, fault, status, body, jsonBody, headers, graphql`, { source: { pointer: joinPointer(at, unknown[0]!) } });
    const when = WHEN.filter((k) => def[k] !== undefined);
    if (when.length !== 1) throw new DecoyError('DECOY_ERR_STUB_INVALID', `a chaos entry needs exactly one of firstRequests, everyNth or probability${when.length ? ` (it has ${when.join(', ')})` : ''}`, { source: { pointer: at } });
    const action = compileChaosAction(def, at);
    const key = when[0]!;
    const v = def[key];
    if (key === 'probability') {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new DecoyError('DECOY_ERR_STUB_INVALID', `probability must be a number from 0 to 1 (got ${JSON.stringify(v)})`, { source: { pointer: joinPointer(at, key) } });
      total += v;
      drawn.push({ index, action, probability: v });
    } else {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new DecoyError('DECOY_ERR_STUB_INVALID', `${key} must be a whole number >= 1 (got ${JSON.stringify(v)})`, { source: { pointer: joinPointer(at, key) } });
      counted.push({ index, action, [key]: v });
    }
  });
  if (total > 1 + 1e-9) throw new DecoyError('DECOY_ERR_STUB_INVALID', `the probabilities of the chaos entries add up to ${total}, more than 1`, { source: { pointer } });
  return {
    pick(count, random) {
      for (const e of counted) {
        if ((e.firstRequests !== undefined && count <= e.firstRequests) || (e.everyNth !== undefined && count % e.everyNth === 0)) return e;
      }
      if (drawn.length === 0) return undefined;
      const r = random();
      let acc = 0;
      for (const e of drawn) {
        acc += e.probability!;
        if (r < acc) return e;
      }
      return undefined;
    },
  };
}
