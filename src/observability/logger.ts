/**
 * The logger: pino, writing JSON lines (`--log-format json`) or short human lines (`pretty`, the
 * default on a terminal) to stderr, so stdout stays free for a program's own output.
 */
import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'level'> & { child?: PinoLogger['child'] };

export type LogFormat = 'json' | 'pretty';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg']);
/** A request line's message already says these; the pretty format shows the rest as key=value. */
const REQUEST_SUMMARISED = new Set(['method', 'url', 'status', 'fault', 'durationMs', 'stubName', 'faults', 'proxiedTo', 'unmatched', 'closestStub']);

/** Turns pino's JSON lines into `12:00:00.000 WARN message key=value`. */
function prettyStream(out: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write(line: string) {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        out.write(line);
        return;
      }
      const time = new Date(Number(rec.time)).toISOString().slice(11, 23);
      const isRequest = typeof rec.durationMs === 'number' && typeof rec.method === 'string';
      const extra = Object.entries(rec).filter(([k]) => !OMIT.has(k) && !(isRequest && REQUEST_SUMMARISED.has(k)))
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
      out.write(`${time} ${(LEVEL_NAMES[Number(rec.level)] ?? 'LOG').padEnd(5)} ${String(rec.msg ?? '')}${extra ? ' ' + extra : ''}\n`);
    },
  };
}

export function createLogger(options: { level?: string; format?: LogFormat; destination?: NodeJS.WritableStream } = {}): Logger {
  const out = options.destination ?? process.stderr;
  const level = options.level ?? 'info';
  if (options.format === 'json') return pino({ level, base: undefined }, out as unknown as pino.DestinationStream);
  return pino({ level, base: undefined }, prettyStream(out) as pino.DestinationStream);
}

/** A logger that drops everything: the default for programmatic use in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
