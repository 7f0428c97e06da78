/**
 * The pretty log format writes Decoy's own calls without pino, and hands every other call to pino: either
 * way a line must read as it did when every line went through pino and was then made pretty. The
 * reference here is pino itself (the JSON format), each record turned into the pretty line by hand.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observability/logger.js';

function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  return { stream, lines };
}

const LEVEL_NAMES: Record<number, string> = { 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR' };
const REQUEST_KEYS = ['method', 'url', 'status', 'fault', 'durationMs', 'stubName', 'faults', 'proxiedTo', 'unmatched', 'closestStub'];

/** The pretty line of one of pino's JSON records, without its time (the two loggers write a few ms apart). */
function prettyOf(json: string): string {
  const rec = JSON.parse(json) as Record<string, unknown>;
  const isRequest = typeof rec.durationMs === 'number' && typeof rec.method === 'string';
  const extra = Object.entries(rec).filter(([k]) => !['level', 'time', 'msg'].includes(k) && !(isRequest && REQUEST_KEYS.includes(k)))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${(LEVEL_NAMES[rec.level as number] ?? 'LOG').padEnd(5)} ${String(rec.msg ?? '')}${extra ? ` ${extra}` : ''}`;
}

const withoutTime = (line: string): string => line.replace(/^\d\d:\d\d:\d\d\.\d{3} /, '');

/** Runs the same calls on a pretty logger and on pino's JSON logger; returns both sets of lines. */
function both(calls: (log: Logger) => void, level = 'info'): { pretty: string[]; fromPino: string[] } {
  const pretty = sink();
  const json = sink();
  calls(createLogger({ format: 'pretty', destination: pretty.stream, level }));
  calls(createLogger({ format: 'json', destination: json.stream, level }));
  return { pretty: pretty.lines, fromPino: json.lines.map(prettyOf) };
}

describe('the pretty log format', () => {
  it('writes a message, and fields with a message, as pino\'s lines made pretty, with the time first', () => {
    const { pretty, fromPino } = both((log) => {
      log.info('Decoy 0.1.0 serving 1 stub(s) on http://127.0.0.1:8080');
      log.warn('a "quoted" \\ back-slashed, tabbed\tmessage → done');
      log.error('stubs/orders.yaml:14:7 DECOY_ERR_STUB_INVALID response.status must be an integer');
      log.info({ method: 'GET', url: '/orders/1', status: 200, durationMs: 3, stubId: 'a1', faults: ['delay 5 ms'], namespace: undefined }, 'GET /orders/1 → 200 in 3 ms (stub a1)');
      log.info({ port: 8080, ready: true, skipped: undefined, tags: ['a', 'b'] }, 'fields that are not a request line');
      log.debug('not written at the info level');
    });
    assert.equal(pretty.length, 5);
    for (const line of pretty) assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} (INFO |WARN |ERROR) /);
    assert.deepEqual(pretty.map(withoutTime), fromPino);
    assert.equal(withoutTime(pretty[3]!), 'INFO  GET /orders/1 → 200 in 3 ms (stub a1) stubId=a1');
    assert.equal(withoutTime(pretty[4]!), 'INFO  fields that are not a request line port=8080 ready=true tags=["a","b"]');
  });

  it('writes what pino writes for the calls it does not write itself: an Error, printf arguments, nested values, a child\'s bindings', () => {
    const error = new Error('the upstream refused');
    const { pretty, fromPino } = both((log) => {
      log.error(error as never);
      log.warn({ err: error }, 'proxying failed');
      log.info('%s stub(s) from %d file(s)', 'three' as never, 2 as never);
      log.info({ nested: { a: 1, when: new Date(0) }, big: Number.NaN }, 'nested');
      const child = log.child!({ service: 'payments' });
      child.info('listening');
      child.info({ port: 8081 }, 'with fields');
      child.info({ service: 'overridden' }, 'a field that repeats a binding');
    });
    assert.equal(pretty.length, 7);
    assert.deepEqual(pretty.map(withoutTime), fromPino);
    assert.match(withoutTime(pretty[0]!), /^ERROR the upstream refused err=\{"type":"Error","message":"the upstream refused","stack":"Error: the upstream refused/);
    assert.equal(withoutTime(pretty[2]!), 'INFO  three stub(s) from 2 file(s)');
    assert.equal(withoutTime(pretty[4]!), 'INFO  listening service=payments');
    assert.equal(withoutTime(pretty[6]!), 'INFO  a field that repeats a binding service=overridden');
  });

  it('follows its level, set at creation or later, as pino does; an unknown level is refused', () => {
    const { pretty, fromPino } = both((log) => {
      log.debug('written at the debug level');
      log.level = 'warn';
      log.info('not written at the warn level');
      log.info(new Error('nor this') as never);
      log.warn('written at the warn level');
      log.level = 'silent';
      log.error('nothing at all when silent');
    }, 'debug');
    assert.deepEqual(pretty.map(withoutTime), ['DEBUG written at the debug level', 'WARN  written at the warn level']);
    assert.deepEqual(pretty.map(withoutTime), fromPino);
    for (const format of ['pretty', 'json'] as const) {
      assert.throws(() => createLogger({ format, level: 'loud' }), /default level:loud must be included in custom levels/);
      assert.throws(() => { createLogger({ format }).level = 'loud'; }, /unknown level loud/);
    }
  });
});
