/**
 * Run-time chaos rules: added and removed over the admin API, each with a request pattern (or none:
 * every request), a probability, one action, and an optional expiry by time or by number of hits.
 * Checked in the order they were added; the first whose pattern matches and whose draw passes applies.
 */
import { randomUUID } from 'node:crypto';
import { DecoyError, joinPointer } from '../errors.js';
import { compileChaosAction, type ChaosAction } from '../faults/chaos-action.js';
import type { Random } from '../faults/random.js';
import { compileRequestPattern, type RequestMatcher } from '../matching/request-pattern.js';
import type { DecoyRequest } from '../request.js';
import type { RequestPatternDefinition } from '../stub-definition.js';
import { validateRequestPattern } from '../stub-schema.js';

export interface ChaosRule {
  readonly id: string;
  readonly definition: Record<string, unknown>;
  readonly pattern: RequestMatcher | undefined;
  readonly probability: number;
  readonly action: ChaosAction;
  /** Epoch ms after which the rule is gone, if it has a duration. */
  readonly expiresAt: number | undefined;
  remainingHits: number | undefined;
}

const RULE_KEYS = ['request', 'probability', 'fixedDelayMilliseconds', 'delayDistribution', 'fault', 'status', 'body', 'jsonBody', 'headers', 'graphql', 'durationMs', 'hits'];

function invalid(message: string, pointer: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer } });
}

export class ChaosRules {
  #rules: ChaosRule[] = [];
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get size(): number {
    return this.#rules.length;
  }

  /** Validates and adds a rule; throws DecoyError (with a pointer) for a bad one, adding nothing. */
  add(def: unknown): ChaosRule {
    if (typeof def !== 'object' || def === null || Array.isArray(def)) throw invalid('a chaos rule must be a JSON object', '/');
    const d = def as Record<string, unknown>;
    const unknown = Object.keys(d).filter((k) => !RULE_KEYS.includes(k));
    if (unknown.length) throw invalid(`a chaos rule has an unknown key "${unknown[0]}"; valid keys: ${RULE_KEYS.join(', ')}`, `/${unknown[0]}`);
    let pattern: RequestMatcher | undefined;
    if (d.request !== undefined) {
      if (typeof d.request !== 'object' || d.request === null || Array.isArray(d.request)) throw invalid('request must be a request pattern object', '/request');
      const problems = validateRequestPattern(d.request, '/request');
      if (problems.length) throw invalid(problems.map((p) => p.message).join('; '), problems[0]!.pointer);
      pattern = compileRequestPattern(d.request as RequestPatternDefinition, '/request');
    }
    const probability = d.probability ?? 1;
    if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) throw invalid(`probability must be a number from 0 to 1 (got ${JSON.stringify(d.probability)})`, '/probability');
    const positiveInt = (k: string): number | undefined => {
      const v = d[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw invalid(`${k} must be a whole number >= 1 (got ${JSON.stringify(v)})`, joinPointer('', k));
      return v;
    };
    const durationMs = positiveInt('durationMs');
    const hits = positiveInt('hits');
    const action = compileChaosAction(d, '');
    const rule: ChaosRule = {
      id: randomUUID(), definition: d, pattern, probability, action,
      expiresAt: durationMs === undefined ? undefined : this.#now() + durationMs,
      remainingHits: hits,
    };
    this.#rules.push(rule);
    return rule;
  }

  #prune(): void {
    const now = this.#now();
    if (this.#rules.some((r) => (r.expiresAt !== undefined && now >= r.expiresAt) || r.remainingHits === 0)) {
      this.#rules = this.#rules.filter((r) => !((r.expiresAt !== undefined && now >= r.expiresAt) || r.remainingHits === 0));
    }
  }

  list(): ChaosRule[] {
    this.#prune();
    return [...this.#rules];
  }

  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    return this.#rules.length !== before;
  }

  clear(): void {
    this.#rules = [];
  }

  /** The rule that applies to this request, if any; counts the hit. */
  pick(req: DecoyRequest, random: Random): ChaosRule | undefined {
    this.#prune();
    for (const rule of this.#rules) {
      if (rule.pattern && !rule.pattern.test(req)) continue;
      if (rule.probability < 1 && random() >= rule.probability) continue;
      if (rule.remainingHits !== undefined) rule.remainingHits--;
      return rule;
    }
    return undefined;
  }

  /** A rule as the admin API shows it. */
  static toJson(rule: ChaosRule): Record<string, unknown> {
    return {
      id: rule.id,
      ...rule.definition,
      ...(rule.remainingHits !== undefined ? { remainingHits: rule.remainingHits } : {}),
      ...(rule.expiresAt !== undefined ? { expiresAt: new Date(rule.expiresAt).toISOString() } : {}),
      description: rule.action.explain(),
    };
  }
}
