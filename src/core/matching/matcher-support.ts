/**
 * What every value-matcher compiler shares: the compile context (clock, nested compilation), the
 * one error shape for a bad definition, operand readers, and the wording helpers for explain().
 */
import { DecoyError, joinPointer } from '../errors.js';
import type { ValueMatcher } from './types.js';

/** Options accepted by the compile functions. */
export interface ValueMatcherOptions {
  /** The clock for `now`-relative date matchers, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
}

/** Handed to each operator compiler. */
export interface CompileContext {
  readonly now: () => number;
  /** Compiles a nested StringValuePattern (inside `and`, `or`, `not`, `matchesJsonPath`, ...). */
  compile(def: unknown, pointer: string): ValueMatcher;
}

/** A compiler for one operator; `def` is the whole pattern object, `pointer` points at it. */
export type OperatorCompiler = (def: Readonly<Record<string, unknown>>, pointer: string, ctx: CompileContext) => ValueMatcher;

export interface OperatorSpec {
  readonly compile: OperatorCompiler;
  /** The keys allowed next to the operator key. */
  readonly options: readonly string[];
}

export function compileError(message: string, pointer: string, hint?: string, cause?: unknown): DecoyError {
  const options: { hint?: string; source: { pointer: string }; cause?: unknown } = { source: { pointer } };
  if (hint !== undefined) options.hint = hint;
  if (cause !== undefined) options.cause = cause;
  return new DecoyError('DECOY_ERR_STUB_COMPILE', message, options);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string (${quote(value)})`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Reads a string operand. Numbers and booleans are accepted and turned into their text, because a
 * YAML stub writes `equalTo: 200` as naturally as `equalTo: "200"`.
 */
export function readStringOperand(def: Readonly<Record<string, unknown>>, key: string, pointer: string): string {
  const value = def[key];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw compileError(`${key} must be a string (got ${describeType(value)})`, joinPointer(pointer, key));
}

export function readOptionalBoolean(def: Readonly<Record<string, unknown>>, key: string, pointer: string): boolean {
  const value = def[key];
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw compileError(`${key} must be true or false (got ${describeType(value)})`, joinPointer(pointer, key));
}

export function readOptionalString(def: Readonly<Record<string, unknown>>, key: string, pointer: string): string | undefined {
  const value = def[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  throw compileError(`${key} must be a string (got ${describeType(value)})`, joinPointer(pointer, key));
}

/** `text` as a regex source that matches exactly it. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MAX_QUOTED = 80;

/** A value quoted for an explain() sentence, shortened when long. */
export function quote(value: string): string {
  const text = value.length > MAX_QUOTED ? value.slice(0, MAX_QUOTED - 1) + '…' : value;
  return JSON.stringify(text);
}

/** A document (JSON, XML, schema) shortened to one line for an explain() sentence. */
export function abbreviate(text: string): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ').trim();
  return oneLine.length > MAX_QUOTED ? oneLine.slice(0, MAX_QUOTED - 1) + '…' : oneLine;
}

/**
 * Turns a nested matcher sentence into a clause after a subject, e.g. for JSONPath:
 * `is equal to "x"` → `equal to "x"`, `contains "x"` → `that contains "x"`.
 */
export function asClause(sentence: string): string {
  return sentence.startsWith('is ') ? sentence.slice(3) : `that ${sentence}`;
}

/** True when the first non-whitespace character of `text` is `char`; no trimmed copy is made. */
export function firstNonBlankIs(text: string, char: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) continue;
    return text[i] === char;
  }
  return false;
}
