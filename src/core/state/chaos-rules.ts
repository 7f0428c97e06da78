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
import { then, type Awaitable } from '../awaitable.js';
import type { ChaosRuleStore, CounterStore } from './state.js';
import { validateRequestPattern } from '../stub-schema.js';

export interface ChaosRule {
  readonly id: string;
  readonly definition: Record<string, unknown>;
  readonly pattern: RequestMatcher | undefined;
  readonly probability: number;
  readonly action: ChaosAction;
  /** Epoch ms after which the rule is gone, if it has a duration. */
  readonly expiresAt: number | undefined;
  /** How many requests it applies to at most, if it is bounded by hits. */
  readonly hits: number | undefined;
}

const RULE_KEYS = ['request', 'probability', 'fixedDelayMilliseconds', 'delayDistribution', 'fault', 'status', 'body', 'jsonBody', 'headers', 'graphql', 'durationMs', 'hits'];

function invalid(message: string, pointer: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer } });
}

/** The State counter that holds how many requests a rule bounded by hits has applied to. */
const hitsKey = (id: string): string => `chaos-rule-hits:${id}`;

/** Validates and compiles a rule's definition; throws DecoyError (with a pointer) for a bad one. */
function compileRule(def: unknown, id: string, expiresAt: (durationMs: number) => number): ChaosRule {
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
  return { id, definition: d, pattern, probability, action, expiresAt: durationMs === undefined ? undefined : expiresAt(durationMs), hits };
}

/**
 * The chaos rules in force, compiled, over the State port's rule store: a rule added through any
 * Decoy sharing the state applies here too. Compiled again only when the stored rules change.
 */
export class ChaosRules {
  readonly #store: ChaosRuleStore;
  readonly #counters: CounterStore;
  readonly #now: () => number;
  #compiled: ChaosRule[] = [];
  #version = -1;

  constructor(store: ChaosRuleStore, counters: CounterStore, now: () => number = Date.now) {
    this.#store = store;
    this.#counters = counters;
    this.#now = now;
  }

  /** Whether any rule may apply: one local read, so a Decoy without rules pays nothing more per request. */
  get size(): number {
    return this.#store.list().length;
  }

  #current(): ChaosRule[] {
    const stored = this.#store.list();
    if (this.#version !== this.#store.version) {
      const byId = new Map(this.#compiled.map((r) => [r.id, r]));
      this.#compiled = stored.map((s) => byId.get(s.id) ?? { ...compileRule(s.definition, s.id, () => 0), expiresAt: s.expiresAt });
      this.#version = this.#store.version;
    }
    return this.#compiled.filter((r) => !this.#exhausted(r));
  }

  #exhausted(r: ChaosRule): boolean {
    return r.hits !== undefined && this.#counters.get(hitsKey(r.id)) >= r.hits;
  }

  /** Validates and adds a rule; throws DecoyError (with a pointer) for a bad one, adding nothing. */
  add(def: unknown): ChaosRule {
    const rule = compileRule(def, randomUUID(), (ms) => this.#now() + ms);
    this.#store.add({ id: rule.id, definition: rule.definition, expiresAt: rule.expiresAt });
    return rule;
  }

  list(): ChaosRule[] {
    return this.#current();
  }

  remove(id: string): boolean {
    const removed = this.#store.remove(id) as boolean;
    if (removed) this.#counters.reset([hitsKey(id)]);
    return removed;
  }

  clear(): void {
    const ids = this.#store.list().map((r) => r.id);
    this.#store.clear();
    this.#counters.reset(ids.map(hitsKey));
  }

  /** The rule that applies to this request, if any; counts the hit. */
  pick(req: DecoyRequest, random: Random): Awaitable<ChaosRule | undefined> {
    return this.#pickFrom(this.#current(), 0, req, random);
  }

  #pickFrom(rules: readonly ChaosRule[], from: number, req: DecoyRequest, random: Random): Awaitable<ChaosRule | undefined> {
    for (let i = from; i < rules.length; i++) {
      const rule = rules[i]!;
      if (rule.pattern && !rule.pattern.test(req)) continue;
      if (rule.probability < 1 && random() >= rule.probability) continue;
      if (rule.hits === undefined) return rule;
      // Atomic across Decoys sharing the state: a rule for 2 hits applies to 2 requests of the fleet.
      const hits = rule.hits;
      return then(this.#counters.incrementAndGet(hitsKey(rule.id)), (n) => (n <= hits ? rule : this.#pickFrom(rules, i + 1, req, random)));
    }
    return undefined;
  }

  /** A rule as the admin API shows it. */
  toJson(rule: ChaosRule): Record<string, unknown> {
    return {
      id: rule.id,
      ...rule.definition,
      ...(rule.hits !== undefined ? { remainingHits: Math.max(0, rule.hits - this.#counters.get(hitsKey(rule.id))) } : {}),
      ...(rule.expiresAt !== undefined ? { expiresAt: new Date(rule.expiresAt).toISOString() } : {}),
      description: rule.action.explain(),
    };
  }
}
