/**
 * The plain string operators: equalTo, contains, doesNotContain, matches, doesNotMatch, absent,
 * anything and binaryEqualTo.
 *
 * Semantics follow WireMock 3 (checked against wiremock-standalone 3.13.2): a missing value
 * (`undefined`) fails every positive operator, while the negative ones (doesNotContain,
 * doesNotMatch) and `absent` match it.
 */
import { Buffer } from 'node:buffer';
import { joinPointer } from '../errors.js';
import { compileWholeMatchRegex } from './java-regex.js';
import { normalizedLevenshtein } from './levenshtein.js';
import {
  compileError,
  escapeRegex,
  quote,
  readOptionalBoolean,
  readStringOperand,
  type OperatorSpec,
} from './matcher-support.js';
import type { BodyView, ValueMatcher } from './types.js';

class EqualToMatcher implements ValueMatcher {
  readonly type = 'equalTo';
  private readonly caseInsensitiveRegex: RegExp | undefined;

  constructor(
    readonly definition: unknown,
    private readonly expected: string,
    private readonly caseInsensitive: boolean,
  ) {
    // A prebuilt /^...$/i test compares without allocating lower-cased copies per request.
    this.caseInsensitiveRegex = caseInsensitive ? new RegExp(`^${escapeRegex(expected)}$`, 'i') : undefined;
  }

  // Hot path: one comparison, no allocation.
  test(value: string | undefined): boolean {
    if (value === undefined) return false;
    if (this.caseInsensitiveRegex !== undefined) return value.length === this.expected.length && this.caseInsensitiveRegex.test(value);
    return value === this.expected;
  }

  distance(value: string | undefined): number {
    if (this.test(value)) return 0;
    if (value === undefined) return 1;
    return this.caseInsensitive
      ? normalizedLevenshtein(this.expected.toLowerCase(), value.toLowerCase())
      : normalizedLevenshtein(this.expected, value);
  }

  explain(): string {
    return `is equal to ${quote(this.expected)}${this.caseInsensitive ? ' (case-insensitive)' : ''}`;
  }
}

class ContainsMatcher implements ValueMatcher {
  constructor(
    readonly type: 'contains' | 'doesNotContain',
    readonly definition: unknown,
    private readonly expected: string,
  ) {}

  // Hot path: String.prototype.includes, no allocation.
  test(value: string | undefined): boolean {
    if (this.type === 'contains') return value !== undefined && value.includes(this.expected);
    return value === undefined || !value.includes(this.expected);
  }

  distance(value: string | undefined): number {
    return this.test(value) ? 0 : 1;
  }

  explain(): string {
    return `${this.type === 'contains' ? 'contains' : 'does not contain'} ${quote(this.expected)}`;
  }
}

class RegexMatcher implements ValueMatcher {
  private readonly regex: RegExp;

  constructor(
    readonly type: 'matches' | 'doesNotMatch',
    readonly definition: unknown,
    private readonly pattern: string,
    pointer: string,
  ) {
    try {
      // Java's Matcher.matches() must match the whole value; WireMock compiles with DOTALL.
      this.regex = compileWholeMatchRegex(pattern);
    } catch (err) {
      throw compileError(
        `${type} has an invalid regex ${quote(pattern)}: ${(err as Error).message}`,
        joinPointer(pointer, type),
        'WireMock regexes are Java regexes and must match the whole value',
        err,
      );
    }
  }

  // Hot path: the regex is compiled once and has no global/sticky state.
  test(value: string | undefined): boolean {
    const matched = value !== undefined && this.regex.test(value);
    return this.type === 'matches' ? matched : !matched;
  }

  distance(value: string | undefined): number {
    return this.test(value) ? 0 : 1;
  }

  explain(): string {
    return `${this.type === 'matches' ? 'matches' : 'does not match'} the regex ${this.pattern}`;
  }
}

class AbsentMatcher implements ValueMatcher {
  readonly type = 'absent';
  constructor(readonly definition: unknown) {}

  test(value: string | undefined): boolean {
    return value === undefined;
  }

  distance(value: string | undefined): number {
    return value === undefined ? 0 : 1;
  }

  explain(): string {
    return 'is absent';
  }
}

class AnythingMatcher implements ValueMatcher {
  readonly type = 'anything';
  constructor(readonly definition: unknown) {}

  test(): boolean {
    return true;
  }

  distance(): number {
    return 0;
  }

  explain(): string {
    return 'is anything';
  }
}

class BinaryEqualToMatcher implements ValueMatcher {
  readonly type = 'binaryEqualTo';
  /** The expected bytes as text, to compare plain string values without encoding them. */
  private readonly expectedText: string | undefined;

  constructor(
    readonly definition: unknown,
    private readonly expected: Buffer,
  ) {
    const text = expected.toString('utf8');
    this.expectedText = Buffer.from(text, 'utf8').equals(expected) ? text : undefined;
  }

  // Hot path: compares the raw body bytes, or the string without re-encoding it.
  test(value: string | undefined, body?: BodyView): boolean {
    if (body !== undefined) return body.bytes.equals(this.expected);
    return value !== undefined && this.expectedText !== undefined && value === this.expectedText;
  }

  distance(value: string | undefined, body?: BodyView): number {
    return this.test(value, body) ? 0 : 1;
  }

  explain(): string {
    const base64 = this.expected.toString('base64');
    const shown = base64.length > 60 ? base64.slice(0, 59) + '…' : base64;
    return `is binary equal to ${shown} (${this.expected.length} bytes, base64)`;
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const STRING_OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  equalTo: {
    options: ['caseInsensitive', 'templated'],
    compile: (def, pointer) =>
      new EqualToMatcher(def, readStringOperand(def, 'equalTo', pointer), readOptionalBoolean(def, 'caseInsensitive', pointer)),
  },
  contains: {
    options: [],
    compile: (def, pointer) => new ContainsMatcher('contains', def, readStringOperand(def, 'contains', pointer)),
  },
  doesNotContain: {
    options: [],
    compile: (def, pointer) => new ContainsMatcher('doesNotContain', def, readStringOperand(def, 'doesNotContain', pointer)),
  },
  matches: {
    options: [],
    compile: (def, pointer) => new RegexMatcher('matches', def, readStringOperand(def, 'matches', pointer), pointer),
  },
  doesNotMatch: {
    options: [],
    compile: (def, pointer) => new RegexMatcher('doesNotMatch', def, readStringOperand(def, 'doesNotMatch', pointer), pointer),
  },
  absent: {
    // WireMock treats the key's presence as the pattern, whatever its value (even `false`).
    options: [],
    compile: (def) => new AbsentMatcher(def),
  },
  anything: {
    options: [],
    compile: (def) => new AnythingMatcher(def),
  },
  binaryEqualTo: {
    options: [],
    compile: (def, pointer) => {
      const base64 = readStringOperand(def, 'binaryEqualTo', pointer).replace(/\s+/g, '');
      if (!BASE64.test(base64) || base64.length % 4 === 1) {
        throw compileError('binaryEqualTo must be base64-encoded bytes', joinPointer(pointer, 'binaryEqualTo'));
      }
      return new BinaryEqualToMatcher(def, Buffer.from(base64, 'base64'));
    },
  },
};
