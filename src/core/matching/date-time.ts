/**
 * Date-time parsing and arithmetic for the `before`, `after` and `equalToDateTime` matchers, modelled
 * on java.time as WireMock uses it.
 *
 * A parsed value is either *zoned* (an instant plus the UTC offset it was written in) or *local*
 * (a wall-clock time with no zone). Both are kept as epoch milliseconds: a local value as if its wall
 * clock were UTC, a zoned value as the true instant plus its offset, so that a zoned value's wall
 * clock is `epochMs + offset`. Truncations work on wall clocks, so "first hour of day" happens in the
 * zone the value was written in, as java.time's ZonedDateTime.truncatedTo does.
 *
 * Where java.time would use the JVM's default zone (`now`, comparing a local value with a zoned
 * one), Decoy uses UTC, so results do not depend on the host's time zone.
 */

export interface ZonedTime {
  /** The instant, in epoch milliseconds. */
  readonly epochMs: number;
  /** The offset from UTC the value was written in, in minutes. */
  readonly offsetMinutes: number;
}

/** What a text parses to: a zoned value, a local value, both (a formatter with a zone), or neither. */
export interface ParsedDateTime {
  zoned: ZonedTime | undefined;
  /** Wall-clock milliseconds (the wall clock read as if it were UTC). */
  local: number | undefined;
}

export interface DateTimeParser {
  /** A description for explain() sentences. */
  readonly description: string;
  parse(text: string): ParsedDateTime;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const MONTHS_SHORT = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTHS_LONG = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** Zone abbreviations accepted where java.time parses zone names (RFC 1036 dates, pattern letter z). */
const ZONE_ABBREVIATIONS: Readonly<Record<string, number>> = {
  GMT: 0, UTC: 0, UT: 0, Z: 0,
  EST: -300, EDT: -240, CST: -360, CDT: -300, MST: -420, MDT: -360, PST: -480, PDT: -420,
  WET: 0, WEST: 60, CET: 60, CEST: 120, EET: 120, EEST: 180,
};

const NO_RESULT: ParsedDateTime = Object.freeze({ zoned: undefined, local: undefined });

/** Midnight UTC of a calendar date; month overflow normalizes, years 0-99 stay as written. */
function utcDate(year: number, monthIndex: number, day: number): number {
  // Date.UTC maps years 0-99 to 1900-1999; only those need the slower setUTCFullYear.
  if (year >= 100 || year < 0) return Date.UTC(year, monthIndex, day);
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  return d.getTime();
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, monthIndex: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return monthIndex === 1 && leap ? 29 : DAYS_IN_MONTH[monthIndex]!;
}

/** Wall-clock milliseconds from fields, or undefined when a field is out of range (Feb 30, 25:00). */
function wallFromFields(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, nanos = 0): number | undefined {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day > daysInMonth(year, month - 1)) return undefined;
  return utcDate(year, month - 1, day) + hour * HOUR + minute * MINUTE + second * 1000 + Math.floor(nanos / 1e6);
}

function fractionToNanos(fraction: string | undefined): number {
  if (fraction === undefined || fraction === '') return 0;
  return Number((fraction + '000000000').slice(0, 9));
}

/** Parses `Z`, `+HH:MM`, `+HH:MM:ss`, `+HHMM`, `+HH`, `GMT`, `GMT+1`, `UTC` into minutes. */
export function parseOffset(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const abbreviation = ZONE_ABBREVIATIONS[text.toUpperCase()];
  if (abbreviation !== undefined) return abbreviation;
  const m = /^(?:GMT|UTC|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$/i.exec(text);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = Number(m[3] ?? '0');
  if (hours > 18 || minutes > 59) return undefined;
  const total = hours * 60 + minutes;
  return m[1] === '-' ? -total : total;
}

/** The offset of an IANA zone (e.g. Europe/Paris) at a given wall-clock time, via Intl. */
function zoneOffsetAtWall(zoneId: string, wallMs: number): number | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zoneId, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  } catch {
    return undefined;
  }
  const offsetAt = (instant: number): number => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(new Date(instant))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
    const wall = Date.UTC(parts['year']!, parts['month']! - 1, parts['day']!, parts['hour']!, parts['minute']!, parts['second']!);
    return Math.round((wall - Math.floor(instant / 1000) * 1000) / MINUTE);
  };
  // Two rounds settle the offset except inside a DST gap, where either answer is acceptable.
  const first = offsetAt(wallMs);
  return offsetAt(wallMs - first * MINUTE);
}

function zoned(wallMs: number, offsetMinutes: number): ZonedTime {
  return { epochMs: wallMs - offsetMinutes * MINUTE, offsetMinutes };
}

// java.time's ISO_ZONED_DATE_TIME: an offset is required, a [region] may follow.
const ISO_ZONED = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)(?:\[([^\]]+)\])?$/;
// RFC 1123 (HTTP dates): [EEE, ]d MMM yyyy HH:mm[:ss] GMT|+HHMM
const RFC_1123 = /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+(GMT|[+-]\d{4})$/i;
// RFC 1036: EEEE, dd-MMM-yy HH:mm:ss zzz
const RFC_1036 = /^[A-Za-z]+,\s*(\d{2})-([A-Za-z]{3})-(\d{2})\s+(\d{2}):(\d{2}):(\d{2})\s+([A-Za-z]{1,5})$/;
// asctime: EEE MMM dd HH:mm:ss yyyy (GMT)
const ASCTIME = /^[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_YEAR_MONTH = /^(\d{4})-(\d{2})$/;
const ISO_YEAR = /^([+-]?\d{4,9})$/;
// Query strings turn an unencoded '+' into a space: `12:00:00 01:00` → `12:00:00+01:00`.
const OFFSET_SPACE = /([0-5]\d:[0-5]\d(?::[0-5]\d)?(?:\.\d+)?) ([0-2]\d)/;

function monthFromName(name: string): number | undefined {
  const lower = name.toLowerCase();
  let index = MONTHS_SHORT.indexOf(lower);
  if (index < 0) index = MONTHS_LONG.indexOf(lower);
  return index < 0 ? undefined : index + 1;
}

function parseIsoZoned(text: string): ZonedTime | undefined {
  const m = ISO_ZONED.exec(text);
  if (!m) return undefined;
  const wall = wallFromFields(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), fractionToNanos(m[7]));
  const offset = parseOffset(m[8]!);
  if (wall === undefined || offset === undefined) return undefined;
  return zoned(wall, offset);
}

function parseHttpDate(text: string): ZonedTime | undefined {
  let m = RFC_1123.exec(text);
  if (m) {
    const month = monthFromName(m[2]!);
    const wall = month === undefined ? undefined : wallFromFields(+m[3]!, month, +m[1]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
    const offset = parseOffset(m[7]!);
    return wall === undefined || offset === undefined ? undefined : zoned(wall, offset);
  }
  m = RFC_1036.exec(text);
  if (m) {
    const month = monthFromName(m[2]!);
    const wall = month === undefined ? undefined : wallFromFields(2000 + +m[3]!, month, +m[1]!, +m[4]!, +m[5]!, +m[6]!);
    const offset = parseOffset(m[7]!);
    return wall === undefined || offset === undefined ? undefined : zoned(wall, offset);
  }
  m = ASCTIME.exec(text);
  if (m) {
    const month = monthFromName(m[1]!);
    const wall = month === undefined ? undefined : wallFromFields(+m[6]!, month, +m[2]!, +m[3]!, +m[4]!, +m[5]!);
    return wall === undefined ? undefined : zoned(wall, 0);
  }
  return undefined;
}

function parseIsoLocal(text: string): number | undefined {
  let m = ISO_LOCAL.exec(text);
  if (m) return wallFromFields(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), fractionToNanos(m[7]));
  m = ISO_DATE.exec(text);
  if (m) return wallFromFields(+m[1]!, +m[2]!, +m[3]!);
  m = ISO_YEAR_MONTH.exec(text);
  if (m) return wallFromFields(+m[1]!, +m[2]!, 1);
  m = ISO_YEAR.exec(text);
  if (m) return wallFromFields(+m[1]!, 1, 1);
  return undefined;
}

/**
 * The parser used when no `actualFormat` is given: ISO-8601 zoned date-times, the three HTTP date
 * formats (RFC 1123, RFC 1036, asctime), and ISO local date-times, dates, year-months and years.
 */
export const DEFAULT_DATE_TIME_PARSER: DateTimeParser = {
  description: 'ISO-8601 or HTTP date',
  parse(text: string): ParsedDateTime {
    let zonedValue = parseIsoZoned(text) ?? parseHttpDate(text);
    if (zonedValue === undefined && OFFSET_SPACE.test(text)) zonedValue = parseIsoZoned(text.replace(OFFSET_SPACE, '$1+$2'));
    const local = zonedValue === undefined ? parseIsoLocal(text) : undefined;
    if (zonedValue === undefined && local === undefined) return NO_RESULT;
    return { zoned: zonedValue, local };
  },
};

const EPOCH_INTEGER = /^[+-]?\d{1,16}$/;

function epochParser(unit: 'unix' | 'epoch'): DateTimeParser {
  const factor = unit === 'unix' ? 1000 : 1;
  return {
    description: unit === 'unix' ? 'Unix seconds' : 'epoch milliseconds',
    parse(text: string): ParsedDateTime {
      if (!EPOCH_INTEGER.test(text)) return NO_RESULT;
      const ms = Number(text) * factor;
      return { zoned: { epochMs: ms, offsetMinutes: 0 }, local: ms };
    },
  };
}

type FieldName = 'year' | 'yearReduced' | 'month' | 'day' | 'dayOfYear' | 'hour' | 'hour12' | 'hourK' | 'hour24k' | 'ampm' | 'minute' | 'second' | 'fraction' | 'nano' | 'offset' | 'zoneId' | 'ignored';

interface FormatToken {
  field: FieldName;
  regex: string;
  text?: 'month';
}

const NUMBER_WIDTH: Readonly<Record<number, string>> = { 1: '\\d{1,2}', 2: '\\d{2}' };

function letterToken(letter: string, count: number): FormatToken {
  const numeric = (field: FieldName): FormatToken => {
    const regex = NUMBER_WIDTH[count];
    if (regex === undefined) throw new SyntaxError(`too many pattern letters: ${letter.repeat(count)}`);
    return { field, regex: `(${regex})` };
  };
  switch (letter) {
    case 'y':
    case 'u':
      if (count === 2) return { field: 'yearReduced', regex: '(\\d{2})' };
      return { field: 'year', regex: count === 1 ? '([+-]?\\d{1,9})' : `([+-]?\\d{${count},9})` };
    case 'M':
    case 'L':
      if (count <= 2) return numeric('month');
      if (count === 3) return { field: 'month', regex: '([A-Za-z]{3})', text: 'month' };
      if (count === 4) return { field: 'month', regex: '([A-Za-z]{3,9})', text: 'month' };
      throw new SyntaxError(`unsupported pattern letters: ${letter.repeat(count)}`);
    case 'd':
      return numeric('day');
    case 'D':
      return { field: 'dayOfYear', regex: count === 1 ? '(\\d{1,3})' : count === 2 ? '(\\d{2,3})' : '(\\d{3})' };
    case 'E':
      return { field: 'ignored', regex: count <= 3 ? '([A-Za-z]{3})' : '([A-Za-z]{6,9})' };
    case 'a':
      return { field: 'ampm', regex: '([AaPp][Mm])' };
    case 'H':
      return numeric('hour');
    case 'h':
      return numeric('hour12');
    case 'K':
      return numeric('hourK');
    case 'k':
      return numeric('hour24k');
    case 'm':
      return numeric('minute');
    case 's':
      return numeric('second');
    case 'S':
      return { field: 'fraction', regex: `(\\d{${count}})` };
    case 'n':
      return { field: 'nano', regex: '(\\d{1,9})' };
    case 'X':
    case 'x': {
      const z = letter === 'X' ? 'Z|' : '';
      const forms: Readonly<Record<number, string>> = {
        1: '[+-]\\d{2}(?:\\d{2})?', 2: '[+-]\\d{4}', 3: '[+-]\\d{2}:\\d{2}', 4: '[+-]\\d{4}(?:\\d{2})?', 5: '[+-]\\d{2}:\\d{2}(?::\\d{2})?',
      };
      const form = forms[count];
      if (form === undefined) throw new SyntaxError(`too many pattern letters: ${letter.repeat(count)}`);
      return { field: 'offset', regex: `(${z}${form})` };
    }
    case 'Z':
      if (count <= 3) return { field: 'offset', regex: '([+-]\\d{4})' };
      if (count === 4) return { field: 'offset', regex: '(GMT(?:[+-]\\d{2}:\\d{2})?)' };
      if (count === 5) return { field: 'offset', regex: '(Z|[+-]\\d{2}:\\d{2})' };
      throw new SyntaxError(`too many pattern letters: ${letter.repeat(count)}`);
    case 'O':
      return { field: 'offset', regex: '(GMT(?:[+-]\\d{1,2}(?::\\d{2})?)?)' };
    case 'z':
      if (count <= 3) return { field: 'offset', regex: '([A-Za-z]{1,5})' };
      throw new SyntaxError('full zone names (zzzz) are not supported; use VV, z or an offset');
    case 'V':
      if (count !== 2) throw new SyntaxError('pattern letter V must be written VV');
      return { field: 'zoneId', regex: '(Z|[+-]\\d{2}:\\d{2}|[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*)' };
    default:
      throw new SyntaxError(`unsupported pattern letter '${letter}'`);
  }
}

/**
 * Compiles a java.time DateTimeFormatter pattern (e.g. `dd/MM/yyyy HH:mm:ss`) into a parser, or the
 * special formats `unix` (epoch seconds) and `epoch` (epoch milliseconds). Supports the letters
 * y u M L d D E a H h K k m s S n X x Z O z VV, quoted literals and [optional] sections.
 * Throws a SyntaxError for anything else.
 */
export function compileDateTimeFormat(pattern: string): DateTimeParser {
  if (pattern.toLowerCase() === 'unix') return epochParser('unix');
  if (pattern.toLowerCase() === 'epoch') return epochParser('epoch');

  const fields: FormatToken[] = [];
  let regex = '';
  let optionalDepth = 0;
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (/[A-Za-z]/.test(c)) {
      let count = 1;
      while (pattern[i + count] === c) count++;
      const token = letterToken(c, count);
      fields.push(token);
      regex += token.regex;
      i += count;
    } else if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError('unterminated quoted literal');
      const literal = end === i + 1 ? "'" : pattern.slice(i + 1, end).replace(/''/g, "'");
      regex += literal.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
      i = end + 1;
    } else if (c === '[') {
      optionalDepth++;
      regex += '(?:';
      i++;
    } else if (c === ']') {
      if (optionalDepth === 0) throw new SyntaxError("unbalanced ']'");
      optionalDepth--;
      regex += ')?';
      i++;
    } else if (c === '{' || c === '}' || c === '#') {
      throw new SyntaxError(`reserved character '${c}'`);
    } else {
      regex += c.replace(/[\\^$.*+?()|/]/g, '\\$&');
      i++;
    }
  }
  if (optionalDepth !== 0) throw new SyntaxError("unbalanced '['");
  const compiled = new RegExp(`^${regex}$`);

  return {
    description: `the format ${pattern}`,
    parse(text: string): ParsedDateTime {
      const m = compiled.exec(text);
      if (!m) return NO_RESULT;
      return resolveFields(fields, m);
    },
  };
}

function resolveFields(fields: readonly FormatToken[], m: RegExpExecArray): ParsedDateTime {
  const values: Partial<Record<FieldName, string>> = {};
  fields.forEach((token, index) => {
    const value = m[index + 1];
    if (value !== undefined && token.field !== 'ignored') values[token.field] = value;
  });

  let year: number | undefined = values.year !== undefined ? Number(values.year) : undefined;
  if (year === undefined && values.yearReduced !== undefined) year = 2000 + Number(values.yearReduced);
  let month: number | undefined;
  if (values.month !== undefined) month = /^\d+$/.test(values.month) ? Number(values.month) : monthFromName(values.month);
  if (values.month !== undefined && month === undefined) return NO_RESULT;

  let hour: number | undefined;
  if (values.hour !== undefined) hour = Number(values.hour);
  else if (values.hour24k !== undefined) hour = Number(values.hour24k) % 24;
  else if ((values.hour12 !== undefined || values.hourK !== undefined) && values.ampm !== undefined) {
    const h = values.hour12 !== undefined ? Number(values.hour12) % 12 : Number(values.hourK);
    if (h > 11) return NO_RESULT;
    hour = h + (values.ampm.toLowerCase() === 'pm' ? 12 : 0);
  }
  const minute = values.minute !== undefined ? Number(values.minute) : 0;
  const second = values.second !== undefined ? Number(values.second) : 0;
  const nanos = values.fraction !== undefined ? fractionToNanos(values.fraction) : values.nano !== undefined ? Number(values.nano) : 0;

  let dateWall: number | undefined;
  if (year !== undefined && values.dayOfYear !== undefined) {
    const jan1 = wallFromFields(year, 1, 1);
    dateWall = jan1 === undefined ? undefined : jan1 + (Number(values.dayOfYear) - 1) * DAY;
  } else if (year !== undefined && month !== undefined && values.day !== undefined) {
    dateWall = wallFromFields(year, month, Number(values.day));
  }

  if (dateWall !== undefined && hour !== undefined) {
    const timeWall = wallFromFields(1970, 1, 1, hour, minute, second, nanos);
    if (timeWall === undefined) return NO_RESULT;
    const local = dateWall + timeWall;
    let offset: number | undefined;
    if (values.offset !== undefined) offset = parseOffset(values.offset === 'GMT' ? 'Z' : values.offset);
    else if (values.zoneId !== undefined) offset = parseOffset(values.zoneId) ?? zoneOffsetAtWall(values.zoneId, local);
    return { zoned: offset === undefined ? undefined : zoned(local, offset), local };
  }
  // Dates without a time, year-months and years resolve to the start of their first day.
  if (dateWall !== undefined) return { zoned: undefined, local: dateWall };
  if (year !== undefined && month !== undefined && values.day === undefined) {
    return { zoned: undefined, local: wallFromFields(year, month, 1) };
  }
  if (year !== undefined && month === undefined && values.day === undefined && values.dayOfYear === undefined) {
    return { zoned: undefined, local: wallFromFields(year, 1, 1) };
  }
  return NO_RESULT;
}

/** WireMock's DateTimeUnit, plus singular spellings. */
export type DateTimeUnit = 'seconds' | 'minutes' | 'hours' | 'days' | 'months' | 'years';

export const DATE_TIME_UNITS: readonly DateTimeUnit[] = ['seconds', 'minutes', 'hours', 'days', 'months', 'years'];

export function parseDateTimeUnit(text: string): DateTimeUnit | undefined {
  const lower = text.toLowerCase();
  const plural = lower.endsWith('s') ? lower : lower + 's';
  return (DATE_TIME_UNITS as readonly string[]).includes(plural) ? (plural as DateTimeUnit) : undefined;
}

export interface DateTimeOffset {
  readonly amount: number;
  readonly unit: DateTimeUnit;
}

/**
 * Recognizes WireMock's `now`-relative expressions: `now`, `now +3 days`, `now -2 hours`,
 * `+3 days`, `5 minutes`. Answers undefined for anything else (a literal date).
 * Throws a SyntaxError for a now-expression with an unknown unit.
 */
export function parseNowExpression(spec: string): DateTimeOffset | undefined {
  const trimmed = spec.trim();
  if (trimmed.toLowerCase() === 'now') return { amount: 0, unit: 'seconds' };
  const m = /^(?:now\s+)?([+-]?\d+)\s+([a-zA-Z]+)$/i.exec(trimmed);
  if (!m) return undefined;
  const unit = parseDateTimeUnit(m[2]!);
  if (unit === undefined) throw new SyntaxError(`unknown unit "${m[2]}"; must be one of ${DATE_TIME_UNITS.join(', ')}`);
  return { amount: Number(m[1]), unit };
}

/** Adds an offset to a wall clock; months and years clamp the day of month (Jan 31 + 1 month = Feb 28). */
export function shiftWall(wallMs: number, offset: DateTimeOffset): number {
  switch (offset.unit) {
    case 'seconds':
      return wallMs + offset.amount * 1000;
    case 'minutes':
      return wallMs + offset.amount * MINUTE;
    case 'hours':
      return wallMs + offset.amount * HOUR;
    case 'days':
      return wallMs + offset.amount * DAY;
    case 'months':
    case 'years': {
      const d = new Date(wallMs);
      const months = offset.unit === 'months' ? offset.amount : offset.amount * 12;
      const totalMonths = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
      const year = Math.floor(totalMonths / 12);
      const monthIndex = totalMonths - year * 12;
      const day = Math.min(d.getUTCDate(), daysInMonth(year, monthIndex));
      return utcDate(year, monthIndex, day) + (wallMs - startOfDay(wallMs));
    }
  }
}

/** A truncation of a wall clock, named as in WireMock's DateTimeTruncation. */
export type Truncation = (wallMs: number) => number;

function startOfDay(wallMs: number): number {
  return Math.floor(wallMs / DAY) * DAY;
}

function firstOfMonth(wallMs: number, monthDelta: number): number {
  const d = new Date(wallMs);
  return utcDate(d.getUTCFullYear(), d.getUTCMonth() + monthDelta, 1);
}

export const TRUNCATIONS: Readonly<Record<string, Truncation>> = {
  'first second of minute': (w) => Math.floor(w / MINUTE) * MINUTE,
  'first minute of hour': (w) => Math.floor(w / HOUR) * HOUR,
  'first hour of day': startOfDay,
  'first day of month': (w) => firstOfMonth(w, 0),
  'first day of next month': (w) => firstOfMonth(w, 1),
  'last day of month': (w) => firstOfMonth(w, 1) - DAY,
  'first day of year': (w) => wallFromFields(new Date(w).getUTCFullYear(), 1, 1)!,
  'first day of next year': (w) => wallFromFields(new Date(w).getUTCFullYear() + 1, 1, 1)!,
  'last day of year': (w) => wallFromFields(new Date(w).getUTCFullYear(), 12, 31)!,
};

/** Accepts `first day of month` and `FIRST_DAY_OF_MONTH`, as WireMock does. */
export function parseTruncation(text: string): Truncation | undefined {
  return TRUNCATIONS[text.toLowerCase().replace(/_/g, ' ').trim()];
}

export function truncateZoned(value: ZonedTime, truncation: Truncation): ZonedTime {
  const wall = value.epochMs + value.offsetMinutes * MINUTE;
  return zoned(truncation(wall), value.offsetMinutes);
}

export function shiftZoned(value: ZonedTime, offset: DateTimeOffset): ZonedTime {
  const wall = value.epochMs + value.offsetMinutes * MINUTE;
  return zoned(shiftWall(wall, offset), value.offsetMinutes);
}

/** The wall clock of a zoned value. */
export function wallOf(value: ZonedTime): number {
  return value.epochMs + value.offsetMinutes * MINUTE;
}

const TWO_YEARS = 2 * 365 * DAY;

/** WireMock's date near-miss distance: |Δ| / (|Δ| + 2 years). */
export function timeDistance(a: number, b: number): number {
  const delta = Math.abs(a - b);
  return delta / (delta + TWO_YEARS);
}
