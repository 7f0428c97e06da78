/**
 * Node's timers wait at most 2^31-1 ms (about 24.8 days); a longer delay is silently replaced by 1 ms
 * (with a TimeoutOverflowWarning). Settings and chaos rules sent to the admin API are checked against
 * that limit, so a delay given in the wrong unit is a 422 naming the field, not an instant answer.
 */
import { MAX_TIMER_MS } from '../core/faults/delay.js';
import { AdminProblem } from './problem.js';

/** Fields that are waits in ms, at the top level or inside `delayDistribution` / `chunkedDribbleDelay`. */
const WAITS = ['fixedDelay', 'fixedDelayMilliseconds', 'durationMs', 'median', 'lower', 'upper', 'maxValue', 'milliseconds', 'totalDuration'];
const NESTED = ['delayDistribution', 'chunkedDribbleDelay'];

/** Throws a 422 problem (titled `title`) naming the first wait beyond MAX_TIMER_MS in `body`. */
export function checkTimerLimits(body: unknown, title: string): void {
  const check = (o: unknown, pointer: string): void => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return;
    const record = o as Record<string, unknown>;
    for (const key of WAITS) {
      const v = record[key];
      if (typeof v === 'number' && v > MAX_TIMER_MS) {
        throw new AdminProblem(422, title, [{ pointer: `${pointer}/${key}`, detail: `${key} must be at most ${MAX_TIMER_MS} ms, about 24.8 days (got ${v})` }], 10);
      }
    }
    for (const key of NESTED) check(record[key], `${pointer}/${key}`);
  };
  check(body, '');
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) check((body as Record<string, unknown>).settings, '/settings');
}
