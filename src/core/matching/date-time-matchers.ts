/**
 * `before`, `after` and `equalToDateTime`, as WireMock 3 defines them (AbstractDateTimePattern).
 *
 * The expected value is a literal date-time or a `now` expression (`now`, `now +3 days`); options:
 * `actualFormat` (a java.time pattern, `unix` or `epoch`), `truncateExpected` / `truncateActual`
 * (e.g. `first day of month`), `applyTruncationLast`, and `expectedOffset` + `expectedOffsetUnit`
 * (which, as in WireMock, override the offset of a `now` expression and are ignored for a literal).
 *
 * Zoned and local values compare as java.time does: zoned with zoned by instant, local with local
 * by wall clock, a local expectation with a zoned actual by the actual's own wall clock, and a
 * zoned expectation with a local actual by reading the local value as UTC.
 */
import { joinPointer } from '../errors.js';
import {
  compileDateTimeFormat,
  DATE_TIME_UNITS,
  DEFAULT_DATE_TIME_PARSER,
  parseDateTimeUnit,
  parseNowExpression,
  parseTruncation,
  shiftZoned,
  timeDistance,
  TRUNCATIONS,
  truncateZoned,
  wallOf,
  type DateTimeOffset,
  type DateTimeParser,
  type Truncation,
  type ZonedTime,
} from './date-time.js';
import { compileError, describeType, quote, readOptionalBoolean, readOptionalString, readStringOperand, type OperatorSpec } from './matcher-support.js';
import type { ValueMatcher } from './types.js';

type Comparison = 'before' | 'after' | 'equalToDateTime';

interface Expected {
  /** A fixed expectation, or undefined when it is computed from the clock on each test. */
  readonly zoned: ZonedTime | undefined;
  readonly local: number | undefined;
  readonly nowOffset: DateTimeOffset | undefined;
}

interface DateTimeOptions {
  readonly parser: DateTimeParser;
  readonly actualFormat: string | undefined;
  readonly truncateExpected: Truncation | undefined;
  readonly truncateExpectedName: string | undefined;
  readonly truncateActual: Truncation | undefined;
  readonly truncateActualName: string | undefined;
  readonly applyTruncationLast: boolean;
}

class DateTimeMatcher implements ValueMatcher {
  constructor(
    readonly type: Comparison,
    readonly definition: unknown,
    private readonly spec: string,
    private readonly expected: Expected,
    private readonly options: DateTimeOptions,
    private readonly now: () => number,
  ) {}

  private expectedNow(): ZonedTime {
    const offset = this.expected.nowOffset!;
    const { truncateExpected, applyTruncationLast } = this.options;
    const now: ZonedTime = { epochMs: this.now(), offsetMinutes: 0 };
    if (applyTruncationLast) {
      const shifted = shiftZoned(now, offset);
      return truncateExpected === undefined ? shifted : truncateZoned(shifted, truncateExpected);
    }
    const truncated = truncateExpected === undefined ? now : truncateZoned(now, truncateExpected);
    return shiftZoned(truncated, offset);
  }

  /** The compared pair (expected, actual) in milliseconds, or undefined when they cannot be compared. */
  private pair(value: string | undefined): [number, number] | undefined {
    if (value === undefined) return undefined;
    const parsed = this.options.parser.parse(value);
    let actualZoned = parsed.zoned;
    let actualLocal = parsed.local;
    const truncateActual = this.options.truncateActual;
    if (truncateActual !== undefined) {
      if (actualZoned !== undefined) actualZoned = truncateZoned(actualZoned, truncateActual);
      if (actualLocal !== undefined) actualLocal = truncateActual(actualLocal);
    }
    const expectedZoned = this.expected.nowOffset !== undefined ? this.expectedNow() : this.expected.zoned;
    const expectedLocal = this.expected.local;
    if (expectedZoned !== undefined && actualZoned !== undefined) return [expectedZoned.epochMs, actualZoned.epochMs];
    if (expectedLocal !== undefined && actualLocal !== undefined) return [expectedLocal, actualLocal];
    if (expectedLocal !== undefined && actualZoned !== undefined) return [expectedLocal, wallOf(actualZoned)];
    if (expectedZoned !== undefined && actualLocal !== undefined) return [expectedZoned.epochMs, actualLocal];
    return undefined;
  }

  test(value: string | undefined): boolean {
    const pair = this.pair(value);
    if (pair === undefined) return false;
    const [expected, actual] = pair;
    if (this.type === 'before') return actual < expected;
    if (this.type === 'after') return actual > expected;
    return actual === expected;
  }

  distance(value: string | undefined): number {
    const pair = this.pair(value);
    if (pair === undefined) return 1;
    if (this.test(value)) return 0;
    // At the boundary (after: exactly the expected instant) the times are equal but do not match.
    return Math.max(timeDistance(pair[0], pair[1]), 1e-9);
  }

  explain(): string {
    const verb = this.type === 'before' ? 'is before' : this.type === 'after' ? 'is after' : 'is the same date-time as';
    const details: string[] = [];
    const { actualFormat, truncateExpectedName, truncateActualName } = this.options;
    if (actualFormat !== undefined) details.push(`read with ${actualFormat === 'unix' || actualFormat === 'epoch' ? actualFormat : `format ${actualFormat}`}`);
    if (truncateExpectedName !== undefined) details.push(`expected truncated to ${truncateExpectedName}`);
    if (truncateActualName !== undefined) details.push(`actual truncated to ${truncateActualName}`);
    return `${verb} ${this.describeExpected()}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
  }

  private describeExpected(): string {
    const offset = this.expected.nowOffset;
    if (offset === undefined) return this.spec;
    if (offset.amount === 0) return 'now';
    return `now ${offset.amount > 0 ? '+' : ''}${offset.amount} ${offset.unit}`;
  }
}

function readTruncation(def: Readonly<Record<string, unknown>>, key: string, pointer: string): [Truncation | undefined, string | undefined] {
  const text = readOptionalString(def, key, pointer);
  if (text === undefined) return [undefined, undefined];
  const truncation = parseTruncation(text);
  if (truncation === undefined) {
    throw compileError(`${key} ${quote(text)} is not a truncation; must be one of ${Object.keys(TRUNCATIONS).join(', ')}`, joinPointer(pointer, key));
  }
  return [truncation, text.toLowerCase().replace(/_/g, ' ')];
}

function compileDateTime(type: Comparison): OperatorSpec {
  return {
    options: ['actualFormat', 'truncateExpected', 'truncateActual', 'applyTruncationLast', 'expectedOffset', 'expectedOffsetUnit'],
    compile: (def, pointer, ctx) => {
      const spec = readStringOperand(def, type, pointer);
      const at = joinPointer(pointer, type);

      let nowOffset: DateTimeOffset | undefined;
      try {
        nowOffset = parseNowExpression(spec);
      } catch (err) {
        throw compileError(`${type} ${quote(spec)}: ${(err as Error).message}`, at);
      }

      const rawOffset = def['expectedOffset'];
      // YAML may quote it; WireMock reads the number either way.
      const offsetAmount = typeof rawOffset === 'string' && /^[+-]?\d+$/.test(rawOffset.trim()) ? Number(rawOffset) : rawOffset;
      const offsetUnitText = readOptionalString(def, 'expectedOffsetUnit', pointer);
      if (offsetAmount !== undefined && offsetAmount !== null) {
        if (typeof offsetAmount !== 'number' || !Number.isInteger(offsetAmount)) {
          throw compileError(`expectedOffset must be an integer (got ${describeType(offsetAmount)})`, joinPointer(pointer, 'expectedOffset'));
        }
        if (offsetUnitText === undefined) {
          throw compileError('expectedOffset needs expectedOffsetUnit', joinPointer(pointer, 'expectedOffsetUnit'));
        }
        const unit = parseDateTimeUnit(offsetUnitText);
        if (unit === undefined) {
          throw compileError(
            `expectedOffsetUnit ${quote(offsetUnitText)} must be one of ${DATE_TIME_UNITS.join(', ')}`,
            joinPointer(pointer, 'expectedOffsetUnit'),
          );
        }
        // As in WireMock 3: an explicit offset replaces the one in a now-expression; a literal date ignores it.
        if (nowOffset !== undefined) nowOffset = { amount: offsetAmount, unit };
      }

      let expected: Expected;
      if (nowOffset !== undefined) {
        expected = { zoned: undefined, local: undefined, nowOffset };
      } else {
        const parsed = DEFAULT_DATE_TIME_PARSER.parse(spec.trim());
        if (parsed.zoned === undefined && parsed.local === undefined) {
          throw compileError(
            `${type} ${quote(spec)} is not a date-time`,
            at,
            'use an ISO-8601 date-time such as 2024-05-01T10:00:00Z, a date such as 2024-05-01, or now / now +3 days',
          );
        }
        expected = { zoned: parsed.zoned, local: parsed.local, nowOffset: undefined };
      }

      const actualFormat = readOptionalString(def, 'actualFormat', pointer);
      let parser = DEFAULT_DATE_TIME_PARSER;
      if (actualFormat !== undefined) {
        try {
          parser = compileDateTimeFormat(actualFormat);
        } catch (err) {
          throw compileError(`actualFormat ${quote(actualFormat)} is not a usable date-time pattern: ${(err as Error).message}`, joinPointer(pointer, 'actualFormat'));
        }
      }
      const [truncateExpected, truncateExpectedName] = readTruncation(def, 'truncateExpected', pointer);
      const [truncateActual, truncateActualName] = readTruncation(def, 'truncateActual', pointer);
      const options: DateTimeOptions = {
        parser,
        actualFormat,
        truncateExpected,
        truncateExpectedName,
        truncateActual,
        truncateActualName,
        applyTruncationLast: readOptionalBoolean(def, 'applyTruncationLast', pointer),
      };
      return new DateTimeMatcher(type, def, spec, expected, options, ctx.now);
    },
  };
}

export const DATE_TIME_OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  before: compileDateTime('before'),
  after: compileDateTime('after'),
  equalToDateTime: compileDateTime('equalToDateTime'),
};
