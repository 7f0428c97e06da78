/**
 * Delays: WireMock's `fixedDelayMilliseconds` and `delayDistribution` (lognormal, uniform, fixed),
 * compiled once into a sampler. Which delay, not how to wait: waiting is the transport's job.
 */
import { DecoyError, joinPointer } from '../errors.js';
import { standardNormal, type Random } from './random.js';

export interface Delay {
  /** Milliseconds to wait for this request. */
  sample(random: Random): number;
  explain(): string;
}

const DISTRIBUTIONS = ['lognormal', 'uniform', 'fixed'];

function invalid(message: string, pointer: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer } });
}

/**
 * The longest wait a Node timer can make: 2^31-1 ms, about 24.8 days. A longer one fires after 1 ms
 * (with a TimeoutOverflowWarning), so a delay written in the wrong unit would answer at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function nonNegative(v: unknown, name: string, pointer: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(`${name} must be a number >= 0 (got ${JSON.stringify(v)})`, pointer);
  return v;
}

/** A wait in milliseconds: >= 0 and within what a timer can wait. */
function milliseconds(v: unknown, name: string, pointer: string): number {
  const ms = nonNegative(v, name, pointer);
  if (ms > MAX_TIMER_MS) throw invalid(`${name} must be at most ${MAX_TIMER_MS} ms, about 24.8 days (got ${ms})`, pointer);
  return ms;
}

/** A delay distribution as written (`{ type: lognormal, median, sigma, maxValue }`, ...). */
export function compileDelayDistribution(def: unknown, pointer: string): Delay {
  if (typeof def !== 'object' || def === null || Array.isArray(def)) throw invalid('delayDistribution must be an object with a type', pointer);
  const d = def as Record<string, unknown>;
  switch (d.type) {
    case 'lognormal': {
      const median = milliseconds(d.median, 'delayDistribution.median', joinPointer(pointer, 'median'));
      const sigma = nonNegative(d.sigma, 'delayDistribution.sigma', joinPointer(pointer, 'sigma'));
      const cap = d.maxValue === undefined ? Infinity : milliseconds(d.maxValue, 'delayDistribution.maxValue', joinPointer(pointer, 'maxValue'));
      return {
        sample: (random) => Math.min(cap, median * Math.exp(sigma * standardNormal(random))),
        explain: () => `a lognormal delay (median ${median} ms, sigma ${sigma}${cap === Infinity ? '' : `, at most ${cap} ms`})`,
      };
    }
    case 'uniform': {
      const lower = milliseconds(d.lower, 'delayDistribution.lower', joinPointer(pointer, 'lower'));
      const upper = milliseconds(d.upper, 'delayDistribution.upper', joinPointer(pointer, 'upper'));
      if (upper < lower) throw invalid(`delayDistribution.upper (${upper}) must be >= lower (${lower})`, joinPointer(pointer, 'upper'));
      return { sample: (random) => lower + random() * (upper - lower), explain: () => `a uniform delay of ${lower}-${upper} ms` };
    }
    case 'fixed': {
      const ms = milliseconds(d.milliseconds, 'delayDistribution.milliseconds', joinPointer(pointer, 'milliseconds'));
      return fixedDelay(ms);
    }
    default:
      throw invalid(`delayDistribution.type must be one of ${DISTRIBUTIONS.map((t) => JSON.stringify(t)).join(', ')} (got ${JSON.stringify(d.type)})`, joinPointer(pointer, 'type'));
  }
}

export function fixedDelay(ms: number): Delay {
  return { sample: () => ms, explain: () => `a ${ms} ms delay` };
}

/** `fixedDelayMilliseconds` and `delayDistribution` of one definition; both add up, as in WireMock. */
export function compileDelays(def: { fixedDelayMilliseconds?: unknown; delayDistribution?: unknown }, pointer: string): Delay | undefined {
  const parts: Delay[] = [];
  if (def.fixedDelayMilliseconds !== undefined) {
    parts.push(fixedDelay(milliseconds(def.fixedDelayMilliseconds, 'fixedDelayMilliseconds', joinPointer(pointer, 'fixedDelayMilliseconds'))));
  }
  if (def.delayDistribution !== undefined) parts.push(compileDelayDistribution(def.delayDistribution, joinPointer(pointer, 'delayDistribution')));
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { sample: (r) => parts[0]!.sample(r) + parts[1]!.sample(r), explain: () => parts.map((p) => p.explain()).join(' plus ') };
}
