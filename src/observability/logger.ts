/**
 * The logger: JSON lines (`--log-format json`, pino) or short human lines (`pretty`, the default on a
 * terminal) to stderr, so stdout stays free for a program's own output.
 *
 * pino is loaded only when it is used (pino-lib.ts): with its streams, serializers and worker support it
 * was some 150 KB of the command's start code, compiled and run before the first request
 * (docs/reference/performance.md#ready-spawn-to-the-first-served-request). The pretty format writes the
 * calls Decoy itself makes (a message, or plain fields and a message) without it, line for line as pino
 * and the pretty stream below wrote them; any other call (an Error, printf arguments, a value JSON would
 * change) goes through a pino made then, so every line still reads the same.
 */
import type { Logger as PinoLogger } from 'pino';
import { pinoLib } from './pino-lib.js';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'level'> & { child?: PinoLogger['child'] };

export type LogFormat = 'json' | 'pretty';

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** pino's level names and numbers (`silent`: nothing is written). */
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const OMIT = new Set(['level', 'time', 'pid', 'hostname', 'msg']);
/** A request line's message already says these; the pretty format shows the rest as key=value. */
const REQUEST_SUMMARISED = new Set(['method', 'url', 'status', 'fault', 'durationMs', 'stubName', 'faults', 'proxiedTo', 'unmatched', 'closestStub']);

type Record_ = Record<string, unknown>;

/** `12:00:00.000 WARN message key=value`, from one log record (pino's JSON line, parsed). */
function prettyLine(rec: Record_): string {
  const time = new Date(Number(rec.time)).toISOString().slice(11, 23);
  const isRequest = typeof rec.durationMs === 'number' && typeof rec.method === 'string';
  const extra = Object.entries(rec).filter(([k]) => !OMIT.has(k) && !(isRequest && REQUEST_SUMMARISED.has(k)))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${time} ${(LEVEL_NAMES[Number(rec.level)] ?? 'LOG').padEnd(5)} ${String(rec.msg ?? '')}${extra ? ' ' + extra : ''}\n`;
}

/** Turns pino's JSON lines into pretty lines. */
function prettyStream(out: NodeJS.WritableStream): { write(line: string): void } {
  return {
    write(line: string) {
      let rec: Record_;
      try {
        rec = JSON.parse(line) as Record_;
      } catch {
        out.write(line);
        return;
      }
      out.write(prettyLine(rec));
    },
  };
}

/** A value pino writes as JSON.stringify would and that JSON.parse gives back unchanged (or undefined, which pino leaves out). */
function isPlainValue(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object':
      return Array.isArray(v) && v.every((e) => typeof e === 'string');
    default:
      return false;
  }
}

/** Fields the pretty logger writes itself: a plain object of plain values, no `err` (pino serializes that key). */
function isPlainFields(o: unknown): o is Record_ {
  if (o === null || typeof o !== 'object' || Object.getPrototypeOf(o) !== Object.prototype || 'err' in o) return false;
  for (const k in o) if (!isPlainValue((o as Record_)[k])) return false;
  return true;
}

/** The record without its undefined fields, which pino leaves out of the JSON line. */
function definedOnly(rec: Record_): Record_ {
  for (const k in rec) if (rec[k] === undefined) delete rec[k];
  return rec;
}

/** The pretty format's logger: see the top of this file. `bindings`: a child's fields, in the order they were bound. */
class PrettyLogger {
  readonly #out: NodeJS.WritableStream;
  readonly #bindings: Record_;
  readonly #plainBindings: boolean;
  #threshold: number;
  #level: string;
  #pino: PinoLogger | undefined;

  constructor(out: NodeJS.WritableStream, level: string, bindings: Record_) {
    if (!(level in LEVELS)) throw new Error(`default level:${level} must be included in custom levels`);
    this.#out = out;
    this.#level = level;
    this.#threshold = LEVELS[level]!;
    this.#bindings = bindings;
    this.#plainBindings = isPlainFields(bindings);
  }

  get level(): string {
    return this.#level;
  }

  set level(level: string) {
    if (!(level in LEVELS)) throw new Error(`unknown level ${level}`);
    this.#level = level;
    this.#threshold = LEVELS[level]!;
    if (this.#pino) this.#pino.level = level;
  }

  readonly trace = (...args: unknown[]): void => this.#log(10, args);
  readonly debug = (...args: unknown[]): void => this.#log(20, args);
  readonly info = (...args: unknown[]): void => this.#log(30, args);
  readonly warn = (...args: unknown[]): void => this.#log(40, args);
  readonly error = (...args: unknown[]): void => this.#log(50, args);
  readonly fatal = (...args: unknown[]): void => this.#log(60, args);

  child(bindings: Record_): PrettyLogger {
    return new PrettyLogger(this.#out, this.#level, { ...this.#bindings, ...bindings });
  }

  #log(level: number, args: unknown[]): void {
    if (level < this.#threshold) return;
    const [first, second] = args;
    if (this.#plainBindings && args.length === 1 && typeof first === 'string') {
      this.#out.write(prettyLine(definedOnly({ level, time: Date.now(), ...this.#bindings, msg: first })));
    } else if (this.#plainBindings && args.length === 2 && typeof second === 'string' && isPlainFields(first)) {
      this.#out.write(prettyLine(definedOnly({ level, time: Date.now(), ...this.#bindings, ...first, msg: second })));
    } else {
      const method = LEVEL_NAMES[level]!.toLowerCase() as 'info';
      (this.#pinoLogger()[method] as (...a: unknown[]) => void)(...args);
    }
  }

  /** pino writing into the same pretty stream, for the calls this class does not write itself. */
  #pinoLogger(): PinoLogger {
    if (this.#pino === undefined) {
      const root = pinoLib()({ level: this.#level, base: undefined }, prettyStream(this.#out) as never);
      this.#pino = Object.keys(this.#bindings).length > 0 ? root.child(this.#bindings) : root;
    }
    return this.#pino;
  }
}

export function createLogger(options: { level?: string; format?: LogFormat; destination?: NodeJS.WritableStream } = {}): Logger {
  const out = options.destination ?? process.stderr;
  const level = options.level ?? 'info';
  if (options.format === 'json') return pinoLib()({ level, base: undefined }, out as never);
  return new PrettyLogger(out, level, {}) as unknown as Logger;
}

const ignore = (): void => undefined;

/** A logger that drops everything: the default for programmatic use in tests. */
export function silentLogger(): Logger {
  const logger = { level: 'silent', trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore, fatal: ignore, child: () => logger };
  return logger as unknown as Logger;
}
