/**
 * `verify()`'s two halves that need no server: reading the expected count, and writing the failure
 * message. The message is what a developer reads in a red test run, so it carries everything needed
 * to see why without opening the journal: the pattern, both counts, and the closest requests.
 */
import { AssertionError } from 'node:assert';
import type { RequestPatternDefinition } from '../core/stub-definition.js';
import type { Admin } from './admin.js';
import type { RequestNearMiss, VerifyTimes } from './types.js';

/** The expected count as a closed range; `max` is Infinity when there is no upper bound. */
export interface CountRange {
  min: number;
  max: number;
}

function checkCount(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`verify: ${name} must be a whole number >= 0 (got ${JSON.stringify(value)})`);
  }
  return value;
}

/** Reads `verify()`'s `times`; throws a TypeError for a count that cannot be meant. */
export function countRange(times: VerifyTimes | undefined): CountRange {
  if (times === undefined) return { min: 1, max: Infinity };
  if (typeof times === 'number') {
    const n = checkCount('times', times);
    return { min: n, max: n };
  }
  if (typeof times !== 'object' || times === null) {
    throw new TypeError(`verify: times must be a number or { atLeast, atMost, exactly } (got ${JSON.stringify(times)})`);
  }
  const unknown = Object.keys(times).filter((k) => k !== 'atLeast' && k !== 'atMost' && k !== 'exactly');
  if (unknown.length) throw new TypeError(`verify: times accepts only atLeast, atMost and exactly (got ${unknown.join(', ')})`);
  if (times.exactly !== undefined) {
    if (times.atLeast !== undefined || times.atMost !== undefined) throw new TypeError('verify: times.exactly cannot be combined with atLeast or atMost');
    const n = checkCount('times.exactly', times.exactly);
    return { min: n, max: n };
  }
  if (times.atLeast === undefined && times.atMost === undefined) throw new TypeError('verify: times needs atLeast, atMost or exactly');
  const min = times.atLeast === undefined ? 0 : checkCount('times.atLeast', times.atLeast);
  const max = times.atMost === undefined ? Infinity : checkCount('times.atMost', times.atMost);
  if (min > max) throw new TypeError(`verify: times.atLeast (${min}) is greater than times.atMost (${max})`);
  return { min, max };
}

const requests = (n: number) => (n === 1 ? 'request' : 'requests');

/** `exactly 2 requests`, `at least 1 request`, `at most 3 requests`, `between 1 and 3 requests`. */
export function describeRange({ min, max }: CountRange): string {
  if (min === max) return `exactly ${min} ${requests(min)}`;
  if (max === Infinity) return `at least ${min} ${requests(min)}`;
  if (min === 0) return `at most ${max} ${requests(max)}`;
  return `between ${min} and ${max} requests`;
}

/** Distances are fractions; three decimals tell close from far without noise. */
function formatDistance(d: number): string {
  return String(Math.round(d * 1000) / 1000);
}

/**
 * The failure message:
 *
 * ```
 * Expected exactly 1 request matching
 * {
 *   "method": "POST",
 *   "urlPath": "/orders"
 * }
 * but received 0.
 * Closest requests received:
 *   GET /orders (distance 0.1)
 * ```
 */
export function verificationMessage(pattern: RequestPatternDefinition, range: CountRange, actual: number, closest: readonly RequestNearMiss[]): string {
  const lines = [
    `Expected ${describeRange(range)} matching`,
    JSON.stringify(pattern, null, 2),
    `but received ${actual}.`,
  ];
  if (closest.length === 0) {
    lines.push('Closest requests received: none (no requests were received at all).');
  } else {
    lines.push('Closest requests received:');
    for (const n of closest) lines.push(`  ${n.request.method} ${n.request.url} (distance ${formatDistance(n.matchResult.distance)})`);
  }
  return lines.join('\n');
}

/**
 * `verify()` on any admin, over HTTP or in-process: asserts how many journal requests match `pattern`,
 * and throws node's `AssertionError` with `verificationMessage` when the count is off (or when the
 * server keeps no journal, since it can count nothing). `stackStartFn`: where the reported stack starts.
 */
export async function verifyRequests(
  admin: Pick<Admin, 'countRequests' | 'nearMissesForPattern'>, pattern: RequestPatternDefinition, times: VerifyTimes | undefined,
  stackStartFn: (...args: never[]) => unknown = verifyRequests,
): Promise<void> {
  const range = countRange(times);
  const answer = await admin.countRequests(pattern);
  if (answer.requestJournalDisabled === true) {
    throw new AssertionError({
      message: `Cannot verify ${describeRange(range)} matching\n${JSON.stringify(pattern, null, 2)}\nbecause the server keeps no request journal (journal size 0).`,
      expected: describeRange(range),
      actual: answer.count,
      operator: 'verify',
      stackStartFn,
    });
  }
  if (answer.count >= range.min && answer.count <= range.max) return;
  const closest = await admin.nearMissesForPattern(pattern);
  throw new AssertionError({
    message: verificationMessage(pattern, range, answer.count, closest),
    expected: describeRange(range),
    actual: answer.count,
    operator: 'verify',
    stackStartFn,
  });
}
