/**
 * `and`, `or` and `not` over nested StringValuePatterns, as in WireMock's LogicalAnd, LogicalOr and
 * NotPattern: `and` near-miss distance is the mean of its operands', `or` takes the closest operand,
 * `not` is 0 or 1.
 */
import { joinPointer } from '../errors.js';
import { compileError, describeType, type CompileContext, type OperatorSpec } from './matcher-support.js';
import type { BodyView, ValueMatcher } from './types.js';

class AndMatcher implements ValueMatcher {
  readonly type = 'and';
  constructor(
    readonly definition: unknown,
    private readonly operands: readonly ValueMatcher[],
  ) {}

  // Hot path: short-circuits on the first failing operand; an indexed loop avoids an iterator.
  test(value: string | undefined, body?: BodyView): boolean {
    const operands = this.operands;
    for (let i = 0; i < operands.length; i++) if (!operands[i]!.test(value, body)) return false;
    return true;
  }

  distance(value: string | undefined, body?: BodyView): number {
    let sum = 0;
    for (const operand of this.operands) sum += operand.distance(value, body);
    return sum / this.operands.length;
  }

  explain(): string {
    return this.operands.map((o) => o.explain()).join(' and ');
  }
}

class OrMatcher implements ValueMatcher {
  readonly type = 'or';
  constructor(
    readonly definition: unknown,
    private readonly operands: readonly ValueMatcher[],
  ) {}

  // Hot path: short-circuits on the first matching operand.
  test(value: string | undefined, body?: BodyView): boolean {
    const operands = this.operands;
    for (let i = 0; i < operands.length; i++) if (operands[i]!.test(value, body)) return true;
    return false;
  }

  distance(value: string | undefined, body?: BodyView): number {
    let best = 1;
    for (const operand of this.operands) best = Math.min(best, operand.distance(value, body));
    return best;
  }

  explain(): string {
    return this.operands.length === 1 ? this.operands[0]!.explain() : `either ${this.operands.map((o) => o.explain()).join(' or ')}`;
  }
}

class NotMatcher implements ValueMatcher {
  readonly type = 'not';
  constructor(
    readonly definition: unknown,
    private readonly operand: ValueMatcher,
  ) {}

  test(value: string | undefined, body?: BodyView): boolean {
    return !this.operand.test(value, body);
  }

  distance(value: string | undefined, body?: BodyView): number {
    return this.test(value, body) ? 0 : 1;
  }

  explain(): string {
    return `does not satisfy: ${this.operand.explain()}`;
  }
}

function compileOperands(def: Readonly<Record<string, unknown>>, key: 'and' | 'or', pointer: string, ctx: CompileContext): ValueMatcher[] {
  const list = def[key];
  const at = joinPointer(pointer, key);
  if (!Array.isArray(list)) throw compileError(`${key} must be an array of patterns (got ${describeType(list)})`, at);
  if (list.length === 0) throw compileError(`${key} must have at least one pattern`, at);
  return list.map((item, index) => ctx.compile(item, joinPointer(at, index)));
}

export const LOGICAL_OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  and: { options: [], compile: (def, pointer, ctx) => new AndMatcher(def, compileOperands(def, 'and', pointer, ctx)) },
  or: { options: [], compile: (def, pointer, ctx) => new OrMatcher(def, compileOperands(def, 'or', pointer, ctx)) },
  not: { options: [], compile: (def, pointer, ctx) => new NotMatcher(def, ctx.compile(def['not'], joinPointer(pointer, 'not'))) },
};
