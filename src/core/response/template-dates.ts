/**
 * Dates for the `now`, `date`, `parseDate` and `truncateDate` helpers, with WireMock's conventions:
 * offsets such as `3 days` or `-24 seconds`, Java DateTimeFormatter patterns (`yyyy-MM-dd'T'HH:mm:ss`),
 * `epoch` (milliseconds) and `unix` (seconds), and IANA time zones. Without a format the ISO form
 * WireMock prints is used: `2024-01-15T10:00:00Z`.
 */
import { parseDateTimeUnit, parseTruncation, shiftWall, DATE_TIME_UNITS } from '../matching/date-time.js';

const MINUTE = 60_000;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** An instant as a template holds it: prints in the ISO form, and `date` can reformat it. */
export class TemplateDate {
  constructor(readonly epochMs: number, readonly zone: string | undefined = undefined) {}
  toString(): string {
    return formatDate(this.epochMs, undefined, this.zone);
  }
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** The offset from UTC of an IANA zone at an instant, in minutes; throws a RangeError for an unknown zone. */
export function zoneOffsetMinutes(zone: string | undefined, epochMs: number): number {
  if (zone === undefined || zone === 'UTC' || zone === 'Z' || zone === 'GMT') return 0;
  let f = offsetFormatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    if (offsetFormatters.size < 200) offsetFormatters.set(zone, f);
  }
  const name = f.formatToParts(new Date(epochMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
  if (!m) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

/** Parses WireMock's offset: `3 days`, `-24 seconds`, `+1 months` (weeks and milliseconds too). */
export function parseDateOffset(text: string): (epochMs: number) => number {
  const m = /^\s*([+-]?\d+)\s+([a-zA-Z]+)\s*$/.exec(text);
  if (!m) throw new Error(`offset ${JSON.stringify(text)} must read like "3 days" or "-24 seconds"`);
  const amount = Number(m[1]);
  const word = m[2]!.toLowerCase();
  if (word.startsWith('week')) return (ms) => ms + amount * 7 * 86_400_000;
  if (word.startsWith('millisecond')) return (ms) => ms + amount;
  const unit = parseDateTimeUnit(word);
  if (unit === undefined) throw new Error(`offset unit "${m[2]}" must be one of ${[...DATE_TIME_UNITS, 'weeks', 'milliseconds'].join(', ')}`);
  return (ms) => shiftWall(ms, { amount, unit });
}

function pad(n: number, width: number): string {
  return String(Math.abs(n)).padStart(width, '0');
}

function offsetText(minutes: number, colon: boolean, zForZero: boolean): string {
  if (minutes === 0 && zForZero) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60), 2)}${colon ? ':' : ''}${pad(Math.abs(minutes) % 60, 2)}`;
}

/** Formats an instant with a Java DateTimeFormatter pattern (the common letters), `epoch` or `unix`. */
export function formatDate(epochMs: number, format: string | undefined, zone: string | undefined): string {
  if (format === 'epoch') return String(epochMs);
  if (format === 'unix') return String(Math.floor(epochMs / 1000));
  const offset = zoneOffsetMinutes(zone, epochMs);
  const d = new Date(epochMs + offset * MINUTE);
  if (format === undefined) {
    const iso = d.toISOString().slice(0, 19);
    return iso + offsetText(offset, true, true);
  }
  let out = '';
  for (let i = 0; i < format.length;) {
    const c = format[i]!;
    if (c === "'") {
      const end = format.indexOf("'", i + 1);
      const literal = format.slice(i + 1, end === -1 ? format.length : end);
      out += literal === '' ? "'" : literal;
      i = end === -1 ? format.length : end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) { out += c; i++; continue; }
    let n = 1;
    while (format[i + n] === c) n++;
    i += n;
    switch (c) {
      case 'y': case 'u': out += n === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), n); break;
      case 'M': case 'L': out += n >= 4 ? MONTHS[d.getUTCMonth()]! : n === 3 ? MONTHS[d.getUTCMonth()]!.slice(0, 3) : pad(d.getUTCMonth() + 1, n); break;
      case 'd': out += pad(d.getUTCDate(), n); break;
      case 'D': out += pad(Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, n); break;
      case 'E': out += n >= 4 ? DAYS[d.getUTCDay()]! : DAYS[d.getUTCDay()]!.slice(0, 3); break;
      case 'H': out += pad(d.getUTCHours(), n); break;
      case 'h': out += pad(d.getUTCHours() % 12 || 12, n); break;
      case 'm': out += pad(d.getUTCMinutes(), n); break;
      case 's': out += pad(d.getUTCSeconds(), n); break;
      case 'S': out += pad(d.getUTCMilliseconds(), 3).padEnd(n, '0').slice(0, n); break;
      case 'a': out += d.getUTCHours() < 12 ? 'AM' : 'PM'; break;
      case 'Z': out += n === 4 ? `GMT${offsetText(offset, true, false)}` : n === 5 ? offsetText(offset, true, true) : offsetText(offset, false, false); break;
      case 'X': out += offsetText(offset, n >= 3, true); break;
      case 'x': out += offsetText(offset, n >= 3, false); break;
      case 'z': case 'V': out += zone ?? 'UTC'; break;
      default: throw new Error(`the date pattern letter '${c}' is not supported`);
    }
  }
  return out;
}

/** Parses a date: ISO 8601 (with or without a zone; without one it is UTC), epoch milliseconds, or a Java pattern. */
export function parseDate(text: string, format?: string): TemplateDate | undefined {
  if (format === undefined) {
    if (/^-?\d{10,}$/.test(text)) return new TemplateDate(Number(text));
    const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : /T/.test(text) ? `${text}Z` : text;
    const ms = Date.parse(withZone);
    return Number.isNaN(ms) ? undefined : new TemplateDate(ms);
  }
  if (format === 'epoch') return new TemplateDate(Number(text));
  if (format === 'unix') return new TemplateDate(Number(text) * 1000);
  // Pattern letters become capture groups; everything else must match as written.
  const fields: string[] = [];
  let re = '';
  for (let i = 0; i < format.length;) {
    const c = format[i]!;
    if (c === "'") {
      const end = format.indexOf("'", i + 1);
      re += format.slice(i + 1, end === -1 ? format.length : end).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i = end === -1 ? format.length : end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) { re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); i++; continue; }
    let n = 1;
    while (format[i + n] === c) n++;
    i += n;
    fields.push(c);
    re += c === 'M' && n >= 3 ? '([A-Za-z]+)' : c === 'E' ? '([A-Za-z]+)' : c === 'a' ? '(AM|PM|am|pm)' : /[XZx]/.test(c) ? '(Z|[+-]\\d{2}:?\\d{2})' : '(\\d+)';
  }
  const m = new RegExp(`^${re}$`).exec(text);
  if (!m) return undefined;
  const f: Record<string, number> = { y: 1970, M: 1, d: 1, H: 0, m: 0, s: 0, S: 0 };
  let offset = 0;
  let pm = false;
  fields.forEach((c, k) => {
    const v = m[k + 1]!;
    if (c === 'M' && /[A-Za-z]/.test(v)) f.M = MONTHS.findIndex((name) => name.toLowerCase().startsWith(v.toLowerCase().slice(0, 3))) + 1;
    else if (c === 'a') pm = v.toUpperCase() === 'PM';
    else if (/[XZx]/.test(c)) offset = v === 'Z' ? 0 : (v[0] === '-' ? -1 : 1) * (Number(v.slice(1, 3)) * 60 + Number(v.slice(-2)));
    else if (c === 'u') f.y = Number(v);
    else if (c === 'h') f.H = Number(v) % 12;
    else if (c !== 'E') f[c] = Number(v);
  });
  if (pm) f.H! += 12;
  return new TemplateDate(Date.UTC(f.y!, f.M! - 1, f.d!, f.H!, f.m!, f.s!, f.S!) - offset * MINUTE);
}

/** WireMock's truncateDate: `first day of month`, `first hour of day`, ... (in UTC). */
export function truncateDate(date: TemplateDate, truncation: string): TemplateDate {
  const t = parseTruncation(truncation);
  if (!t) throw new Error(`unknown truncation ${JSON.stringify(truncation)}`);
  const offset = zoneOffsetMinutes(date.zone, date.epochMs);
  return new TemplateDate(t(date.epochMs + offset * MINUTE) - offset * MINUTE, date.zone);
}
