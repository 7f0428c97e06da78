/**
 * The Handlebars helpers of response templates, under WireMock 3's names and argument conventions
 * (its own helpers plus the handlebars-java string and conditional helpers it registers), and
 * Decoy's `faker`. Every helper is pure but for the per-request data Handlebars hands it in
 * `options.data.decoy`: the engine's seeded random source, the clock and the template's root context.
 *
 * Helpers answer WireMock's `[ERROR: ...]` text where WireMock does (a regex that matches nothing,
 * an unknown math operator); anything else that goes wrong throws, and the response becomes a 500.
 */
import type { HelperDelegate } from 'handlebars';
import { createRequire } from 'node:module';
import type { Random } from '../faults/random.js';
import { jsonTextTooDeep } from '../json-depth.js';
import { compileJsonPath, type CompiledJsonPath } from '../matching/json-path.js';
import { compileFindRegex, compileWholeMatchRegex } from '../matching/java-regex.js';
import { JavaDouble, javaNumber, renderJacksonPretty } from '../matching/json-render.js';
import { parseXml, renderXPathNode } from '../matching/xml-document.js';
import { xpathRuntime } from '../matching/xml-matchers.js';
import { formatDate, parseDate, parseDateOffset, TemplateDate, truncateDate } from './template-dates.js';
import { asText, javaList, jsonValue } from './template-values.js';
import { contextIn, STATE_CONTEXTS, stateHelperValue } from '../wiremock-state/state-contexts.js';

/** What every helper of one rendering can reach. */
export interface TemplateRenderData {
  readonly random: Random;
  readonly now: number;
  /** The root context, for helpers that assign variables (`regexExtract ... 'parts'`, `assign`). */
  readonly root: Record<string, unknown>;
  /** A seed for faker, drawn from `random` once per rendering that uses faker. */
  readonly fakerSeed: number | undefined;
  /** A resource's items by collection path (Decoy's resources), when the engine renders. */
  readonly resourceItems?: ((name: string) => readonly unknown[]) | undefined;
  /** A scenario's current state by name (`Started` when never moved), when the engine renders. */
  readonly scenarioState?: ((name: string) => string) | undefined;
}

/** Handlebars' options argument; `fn` is there only for block calls. */
interface Options {
  fn?: (context: unknown) => string;
  inverse: (context: unknown) => string;
  hash: Record<string, unknown>;
  name: string;
  data: { decoy: TemplateRenderData };
}

function split(args: unknown[]): [unknown[], Options] {
  return [args.slice(0, -1), args[args.length - 1] as Options];
}

function decoyData(options: Options): TemplateRenderData {
  return options.data.decoy;
}

function str(v: unknown): string {
  return asText(v);
}

function num(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : Number(str(v).trim());
  if (Number.isNaN(n) || str(v).trim() === '') throw new Error(`${what} must be a number (got ${JSON.stringify(str(v))})`);
  return n;
}

function isTruthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== false && v !== '' && v !== 0 && v !== 'false';
}

/** A block helper answers with its blocks, an inline one with its value. */
function conditional(options: Options, result: boolean, context: unknown): unknown {
  if (options.fn) return result ? options.fn(context) : options.inverse(context);
  return result;
}

function numberOf(v: unknown): number | undefined {
  return typeof v === 'number' ? v : v instanceof JavaDouble ? v.value : undefined;
}

/**
 * gt, gte, lt, lte as handlebars-java compares: two numbers as numbers, two strings as strings
 * (`'10'` is less than `'9'`, as in WireMock). For anything else (a number and a string, a query
 * value) WireMock fails the response; Decoy compares as numbers when both read as numbers, else as text.
 */
function compare(a: unknown, b: unknown): number {
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  const sa = str(a);
  const sb = str(b);
  if (!(typeof a === 'string' && typeof b === 'string')) {
    const xa = na ?? Number(sa);
    const xb = nb ?? Number(sb);
    if (sa.trim() !== '' && sb.trim() !== '' && !Number.isNaN(xa) && !Number.isNaN(xb)) return xa - xb;
  }
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * eq and neq as in WireMock: numbers equal by value (`1` and `1.0`), a number never equals a string
 * (`eq 1 '1'` is false), strings by their text. Decoy compares other values (a query value, the
 * method) by what they print, where WireMock finds them unequal to any string.
 */
function equals(a: unknown, b: unknown): boolean {
  if (a === b || ((a === undefined || a === null) && (b === undefined || b === null))) return true;
  if (a === undefined || a === null || b === undefined || b === null) return false;
  const na = numberOf(a);
  const nb = numberOf(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  if ((na !== undefined && typeof b === 'string') || (nb !== undefined && typeof a === 'string')) return false;
  return str(a) === str(b);
}

const jsonPaths = new Map<string, CompiledJsonPath>();
function jsonPathOf(expression: string): CompiledJsonPath {
  let p = jsonPaths.get(expression);
  if (!p) {
    p = compileJsonPath(expression);
    if (jsonPaths.size < 1000) jsonPaths.set(expression, p);
  }
  return p;
}

/** Compiled regexes by pattern, for patterns written in templates (bounded: a pattern can come from a request). */
function regexCache(compile: (pattern: string) => RegExp): (pattern: string) => RegExp {
  const cache = new Map<string, RegExp>();
  return (pattern) => {
    let r = cache.get(pattern);
    if (!r) {
      r = compile(pattern);
      if (cache.size < 1000) cache.set(pattern, r);
    }
    return r;
  };
}

/** regexExtract's regex: global, and used from index 0 (lastIndex reset) by each call. */
const extractRegex = regexCache((pattern) => { const r = compileFindRegex(pattern); return new RegExp(r.source, r.flags.replace('g', '') + 'g'); });
const wholeMatchRegex = regexCache(compileWholeMatchRegex);

/** Sizes and widths read from templates (often from the request) are capped, as range is: a huge one would block the server. */
const MAX_SIZE = 1_000_000;

function size(v: unknown, what: string): number {
  const n = num(v, what);
  if (n > MAX_SIZE) throw new Error(`${what} must be at most ${MAX_SIZE.toLocaleString('en')} (got ${str(v)})`);
  return n;
}

/** JSON read by a helper; text nested deeper than the JSON depth limit is refused as not JSON (it would overflow the stack). */
function parseJsonInput(input: unknown): unknown {
  if (typeof input === 'object' && input !== null) return input;
  const text = str(input);
  if (text.trim() === '') return undefined;
  if (jsonTextTooDeep(text)) throw new SyntaxError('the JSON nests too deeply');
  return JSON.parse(text);
}

/** The property names and indexes of a JSONPath made of names and indexes only (`$.a.b[0]`, `$['a']`), or undefined. */
function definitePath(expression: string): Array<string | number> | undefined {
  const text = expression.trim();
  if (!text.startsWith('$')) return undefined;
  const out: Array<string | number> = [];
  const segment = /\.([^.[\]'"*()?@$\s]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;
  let at = 1;
  while (at < text.length) {
    segment.lastIndex = at;
    const m = segment.exec(text);
    if (m === null) return undefined;
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3] ?? m[4])!);
    at = segment.lastIndex;
  }
  return out;
}

/** Names that would reach past a parsed document into JavaScript's object model. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** The value at `key` of `target`, own properties only. */
function ownChild(target: unknown, key: string | number): unknown {
  if (typeof target !== 'object' || target === null) return undefined;
  if (Array.isArray(target)) return typeof key === 'number' ? target[key] : undefined;
  return typeof key === 'string' && !UNSAFE_KEYS.has(key) && Object.hasOwn(target, key) ? (target as Record<string, unknown>)[key] : undefined;
}

/** Java BigDecimal-like arithmetic: the result keeps the scale of its operands, as WireMock's math helper does. */
function scaleOf(v: unknown): number {
  const s = typeof v === 'number' ? String(v) : str(v).trim();
  const dot = s.indexOf('.');
  return dot === -1 || /e/i.test(s) ? 0 : s.length - dot - 1;
}

function roundHalfUp(n: number, scale: number): number {
  const f = 10 ** scale;
  return Math.sign(n) * Math.round(Math.abs(n) * f + 1e-9) / f;
}


interface XmlNodeLike { nodeType: number; nodeName: string; nodeValue: string | null; textContent: string | null }

function xmlNodeValue(node: XmlNodeLike): unknown {
  // Text and attribute nodes print their value; elements print as XML (and offer .text and .name).
  if (node.nodeType === 2 || node.nodeType === 3 || node.nodeType === 4) return node.nodeValue ?? '';
  const value = { text: node.textContent ?? '', name: node.nodeName };
  Object.defineProperty(value, 'toString', { value: () => renderXPathNode(node as never), enumerable: false });
  return value;
}

let loadedFaker: Record<string, unknown> | undefined;
/**
 * @faker-js/faker, loaded the first time a template that uses it is compiled: it is large, and most
 * stub sets never need it. It is an ES module; Node 20.19+ loads it synchronously with require.
 */
export function fakerRuntime(): Record<string, unknown> & { seed(n: number): void } {
  loadedFaker ??= (createRequire(import.meta.url)('@faker-js/faker') as { faker: Record<string, unknown> }).faker;
  return loadedFaker as Record<string, unknown> & { seed(n: number): void };
}

/** The faker function a dotted path names (`person.firstName`), or undefined. */
export function fakerFunction(path: string): ((...args: unknown[]) => unknown) | undefined {
  let target: unknown = fakerRuntime();
  let owner: unknown;
  for (const part of path.split('.')) {
    if (typeof target !== 'object' || target === null || part === '__proto__' || part === 'constructor' || part.startsWith('_')) return undefined;
    owner = target;
    target = (target as Record<string, unknown>)[part];
  }
  return typeof target === 'function' ? (target as (...args: unknown[]) => unknown).bind(owner) : undefined;
}

const RANDOM_CHARS: Readonly<Record<string, string>> = {
  ALPHABETIC: 'abcdefghijklmnopqrstuvwxyz',
  ALPHANUMERIC: 'abcdefghijklmnopqrstuvwxyz0123456789',
  NUMERIC: '0123456789',
  HEXADECIMAL: '0123456789abcdef',
  ALPHANUMERIC_AND_SYMBOLS: 'abcdefghijklmnopqrstuvwxyz0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
};

function randomUuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function toDate(v: unknown): TemplateDate {
  if (v instanceof TemplateDate) return v;
  if (v instanceof Date) return new TemplateDate(v.getTime());
  const parsed = parseDate(str(v));
  if (!parsed) throw new Error(`${JSON.stringify(str(v))} is not a date`);
  return parsed;
}

function renderDate(epochMs: number, hash: Record<string, unknown>): string {
  let ms = epochMs;
  if (hash.offset !== undefined) ms = parseDateOffset(str(hash.offset))(ms);
  return formatDate(ms, hash.format === undefined ? undefined : str(hash.format), hash.timezone === undefined ? undefined : str(hash.timezone));
}

function jackson(value: unknown): string {
  return renderJacksonPretty(value);
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || b === null || Array.isArray(b)) return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

function javaFormat(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%(-)?(0)?(\d+)?(?:\.(\d+))?([sdfxXn%])/g, (_m, left: string | undefined, zero: string | undefined, width: string | undefined, precision: string | undefined, conv: string) => {
    if (conv === '%') return '%';
    if (conv === 'n') return '\n';
    const v = args[i++];
    let s: string;
    if (conv === 'd') s = String(Math.trunc(num(v, 'a %d argument')));
    else if (conv === 'f') s = num(v, 'a %f argument').toFixed(precision === undefined ? 6 : Number(precision));
    else if (conv === 'x' || conv === 'X') s = Math.trunc(num(v, 'a %x argument')).toString(16);
    else s = precision === undefined ? str(v) : str(v).slice(0, Number(precision));
    if (conv === 'X') s = s.toUpperCase();
    if (width !== undefined && s.length < Number(width)) s = left ? s.padEnd(Number(width)) : s.padStart(Number(width), zero ? '0' : ' ');
    return s;
  });
}

/** The helpers, by name. Each takes Handlebars' arguments: the parameters, then the options. */
export const TEMPLATE_HELPERS: Readonly<Record<string, HelperDelegate>> = {
  // --- WireMock's request helpers ---
  jsonPath(...args: unknown[]) {
    const [[input, expression], options] = split(args);
    const fallback = options.hash.default;
    let root: unknown;
    try {
      root = parseJsonInput(input);
    } catch {
      return fallback ?? '';
    }
    if (root === undefined) return fallback ?? '';
    const path = jsonPathOf(str(expression));
    const found = path.evaluate(root);
    const value = path.isDefinite ? found[0] : found;
    if (value === undefined || value === null) return fallback ?? '';
    return jsonValue(structuredClone(value));
  },
  xPath(...args: unknown[]) {
    const [[input, expression], options] = split(args);
    const doc = parseXml(str(input));
    if (!doc) return options.hash.default ?? '';
    const result = xpathRuntime().select(str(expression), doc);
    if (Array.isArray(result)) {
      if (result.length === 0) return options.hash.default ?? '';
      const values = (result as XmlNodeLike[]).map(xmlNodeValue);
      return values.length === 1 ? values[0] : javaList(values);
    }
    return typeof result === 'number' ? javaNumber(result) : str(result);
  },
  regexExtract(...args: unknown[]) {
    const [[input, pattern, variable], options] = split(args);
    const source = extractRegex(str(pattern));
    source.lastIndex = 0;
    const text = str(input);
    if (variable === undefined) {
      const m = source.exec(text);
      if (m) return m[0];
      return options.hash.default ?? `[ERROR: Nothing matched ${str(pattern)}]`;
    }
    const m = source.exec(text);
    if (!m) return options.hash.default ?? `[ERROR: Nothing matched ${str(pattern)}]`;
    decoyData(options).root[str(variable)] = javaList(m.length > 1 ? m.slice(1).map((g) => g ?? '') : [m[0]]);
    return '';
  },
  parseJson(...args: unknown[]) {
    const [params, options] = split(args);
    let text: unknown;
    let variable: unknown;
    if (options.fn) {
      text = options.fn(this);
      variable = params[0];
    } else {
      [text, variable] = params;
    }
    const value = jsonValue(typeof text === 'object' && text !== null ? structuredClone(text) : parseJsonInput(str(text)) ?? JSON.parse(str(text)));
    if (variable !== undefined) {
      decoyData(options).root[str(variable)] = value;
      return '';
    }
    return value;
  },
  /**
   * Decoy: a resource's items (`{{#each (resource '/orders')}}`, `{{toJson (resource '/orders')}}`), or one
   * item by id (`{{resource '/orders' id=request.path.[1]}}`; `idField=` when it is not `id`).
   */
  resource(...args: unknown[]) {
    const [[name], options] = split(args);
    const items = decoyData(options).resourceItems?.(str(name)) ?? [];
    if (options.hash.id === undefined) return items;
    const field = options.hash.idField === undefined ? 'id' : str(options.hash.idField);
    return items.find((i) => str((i as Record<string, unknown>)[field]) === str(options.hash.id));
  },
  /**
   * Decoy: a scenario's current state (`{{scenarioState 'checkout'}}`, `Started` when it never moved), so a
   * hand-written answer can say where a flow is, or branch on it with `{{#eq (scenarioState 'checkout') 'Paid'}}`.
   */
  scenarioState(...args: unknown[]) {
    const [[name], options] = split(args);
    return decoyData(options).scenarioState?.(str(name)) ?? 'Started';
  },
  /** WireMock's state extension: `{{state context=... property=...}}` or `list='[0].name'`, with an optional `default`. */
  state(...args: unknown[]) {
    const [, options] = split(args);
    const items = decoyData(options).resourceItems?.(STATE_CONTEXTS.name) ?? [];
    return stateHelperValue(contextIn(items, str(options.hash.context ?? '')), options.hash);
  },
  toJson(...args: unknown[]) {
    const [[value]] = split(args);
    return jackson(value ?? null);
  },
  formatJson(...args: unknown[]) {
    const [[value], options] = split(args);
    const input = options.fn ? options.fn(this) : value;
    return jackson(parseJsonInput(input) ?? null);
  },
  jsonMerge(...args: unknown[]) {
    const [[a, b]] = split(args);
    return JSON.stringify(deepMerge(parseJsonInput(a), parseJsonInput(b)));
  },
  jsonRemove(...args: unknown[]) {
    const [[input, expression]] = split(args);
    let root: unknown;
    try {
      root = structuredClone(parseJsonInput(input));
    } catch {
      return `[ERROR: Input JSON string is not valid JSON ('${str(input)}')]`;
    }
    const path = definitePath(str(expression));
    if (path === undefined) throw new Error(`jsonRemove: ${JSON.stringify(str(expression))} is not supported: use a path of names and indexes, such as $.items[0].id`);
    // Own properties only: a path naming __proto__ or constructor finds nothing (and changes nothing outside the document).
    let target: unknown = root;
    for (const key of path.slice(0, -1)) target = ownChild(target, key);
    const last = path[path.length - 1];
    if (last !== undefined && ownChild(target, last) !== undefined) {
      if (Array.isArray(target)) target.splice(last as number, 1);
      else delete (target as Record<string, unknown>)[last];
    }
    return JSON.stringify(root);
  },
  jsonArrayAdd(...args: unknown[]) {
    const [[input, item], options] = split(args);
    let root: unknown;
    try {
      root = structuredClone(parseJsonInput(input));
    } catch {
      root = undefined;
    }
    if (root === undefined) return `[ERROR: Base JSON is not valid JSON ('${str(input)}')]`;
    const itemText = options.fn ? options.fn(this) : str(item);
    let added: unknown;
    try {
      added = typeof item === 'object' && item !== null && !options.fn ? structuredClone(item) : parseJsonInput(itemText);
    } catch {
      added = undefined;
    }
    if (added === undefined) return `[ERROR: Item-to-add JSON is not valid JSON ('${itemText}')]`;
    let target: unknown = root;
    if (options.hash.jsonPath !== undefined) {
      const path = definitePath(str(options.hash.jsonPath));
      if (path === undefined) throw new Error(`jsonArrayAdd: jsonPath ${JSON.stringify(str(options.hash.jsonPath))} is not supported: use a path of names and indexes, such as $.items`);
      for (const key of path) target = ownChild(target, key);
      if (!Array.isArray(target)) return `[ERROR: Target JSON is not a JSON array (root: '${str(input)}', jsonPath: '${str(options.hash.jsonPath)}')]`;
    } else if (!Array.isArray(target)) {
      return `[ERROR: Target JSON is not a JSON array ('${str(input)}')]`;
    }
    const list = target as unknown[];
    if (options.hash.flatten === true && Array.isArray(added)) for (const item of added) list.push(item);
    else list.push(added);
    if (options.hash.maxItems !== undefined) {
      const max = Math.max(0, Math.trunc(num(options.hash.maxItems, 'jsonArrayAdd maxItems')));
      // The newest items stay, as in WireMock.
      list.splice(0, Math.max(0, list.length - max));
    }
    return JSON.stringify(root);
  },

  // --- dates ---
  now(...args: unknown[]) {
    const [, options] = split(args);
    return renderDate(decoyData(options).now, options.hash);
  },
  date(...args: unknown[]) {
    const [[value], options] = split(args);
    const d = toDate(value);
    return renderDate(d.epochMs, { timezone: d.zone, ...options.hash });
  },
  parseDate(...args: unknown[]) {
    const [[value], options] = split(args);
    const d = parseDate(str(value), options.hash.format === undefined ? undefined : str(options.hash.format));
    if (!d) throw new Error(`parseDate: ${JSON.stringify(str(value))} does not read as a date${options.hash.format === undefined ? '' : ` in the format ${str(options.hash.format)}`}`);
    return d;
  },
  truncateDate(...args: unknown[]) {
    const [[value, truncation]] = split(args);
    return truncateDate(toDate(value), str(truncation));
  },

  // --- random values (from the engine's seeded source) ---
  randomValue(...args: unknown[]) {
    const [, options] = split(args);
    const random = decoyData(options).random;
    const type = str(options.hash.type ?? 'ALPHANUMERIC').toUpperCase();
    if (type === 'UUID') return randomUuid(random);
    const chars = RANDOM_CHARS[type];
    if (chars === undefined) throw new Error(`randomValue type must be one of ${[...Object.keys(RANDOM_CHARS), 'UUID'].join(', ')} (got ${type})`);
    const length = options.hash.length === undefined ? 36 : size(options.hash.length, 'randomValue length');
    let out = '';
    for (let i = 0; i < length; i++) out += chars[Math.floor(random() * chars.length)];
    return options.hash.uppercase === true ? out.toUpperCase() : out;
  },
  randomInt(...args: unknown[]) {
    const [, options] = split(args);
    const lower = options.hash.lower === undefined ? -(2 ** 31) : Math.trunc(num(options.hash.lower, 'randomInt lower'));
    const upper = options.hash.upper === undefined ? 2 ** 31 - 1 : Math.trunc(num(options.hash.upper, 'randomInt upper'));
    if (upper <= lower) throw new Error(`randomInt upper (${upper}) must be above lower (${lower})`);
    // As WireMock: lower inclusive, upper exclusive (checked against WireMock 3.13.2).
    return lower + Math.floor(decoyData(options).random() * (upper - lower));
  },
  randomDecimal(...args: unknown[]) {
    const [, options] = split(args);
    const lower = options.hash.lower === undefined ? -1e9 : num(options.hash.lower, 'randomDecimal lower');
    const upper = options.hash.upper === undefined ? 1e9 : num(options.hash.upper, 'randomDecimal upper');
    return lower + decoyData(options).random() * (upper - lower);
  },
  pickRandom(...args: unknown[]) {
    const [params, options] = split(args);
    const items = params.length === 1 && Array.isArray(params[0]) ? (params[0] as unknown[]) : params;
    if (items.length === 0) throw new Error('pickRandom needs at least one value');
    const random = decoyData(options).random;
    if (options.hash.count === undefined) return items[Math.floor(random() * items.length)];
    const pool = [...items];
    const picked: unknown[] = [];
    const count = Math.min(num(options.hash.count, 'pickRandom count'), pool.length);
    for (let i = 0; i < count; i++) picked.push(pool.splice(Math.floor(random() * pool.length), 1)[0]);
    return javaList(picked);
  },
  faker(...args: unknown[]) {
    const [[path, ...rest], options] = split(args);
    const fn = fakerFunction(str(path));
    if (!fn) throw new Error(`faker has no function ${str(path)}`);
    const seed = decoyData(options).fakerSeed;
    if (seed !== undefined) fakerRuntime().seed(seed);
    const hasHash = Object.keys(options.hash).length > 0;
    const value = fn(...rest, ...(hasHash ? [options.hash] : []));
    return value instanceof Date ? new TemplateDate(value.getTime()) : value;
  },

  // --- numbers ---
  math(...args: unknown[]) {
    const [[a, op, b]] = split(args);
    const x = num(a, 'math operand');
    const y = num(b, 'math operand');
    const scale = Math.max(scaleOf(a), scaleOf(b));
    let r: number;
    switch (str(op)) {
      case '+': r = roundHalfUp(x + y, scale); break;
      case '-': r = roundHalfUp(x - y, scale); break;
      case '*': r = roundHalfUp(x * y, scaleOf(a) + scaleOf(b)); return r.toFixed(scaleOf(a) + scaleOf(b));
      case '/':
        if (y === 0) throw new Error('math: division by zero');
        r = roundHalfUp(x / y, scaleOf(a));
        return r.toFixed(scaleOf(a));
      case '%':
        if (y === 0) throw new Error('math: division by zero');
        r = x % y; break;
      default: return `[ERROR: ${str(op)} is not a valid mathematical operator]`;
    }
    return r.toFixed(scale);
  },
  isOdd(...args: unknown[]) {
    const [[v], options] = split(args);
    const odd = Math.abs(num(v, 'isOdd value')) % 2 === 1;
    return options.fn ? (odd ? options.fn(this) : options.inverse(this)) : odd ? 'odd' : '';
  },
  isEven(...args: unknown[]) {
    const [[v], options] = split(args);
    const even = Math.abs(num(v, 'isEven value')) % 2 === 0;
    return options.fn ? (even ? options.fn(this) : options.inverse(this)) : even ? 'even' : '';
  },

  // --- encoding ---
  base64(...args: unknown[]) {
    const [[value], options] = split(args);
    const input = options.fn ? options.fn(this) : str(value);
    if (options.hash.decode === true) return Buffer.from(input, 'base64').toString('utf8');
    const encoded = Buffer.from(input, 'utf8').toString('base64');
    return options.hash.padding === false ? encoded.replace(/=+$/, '') : encoded;
  },
  urlEncode(...args: unknown[]) {
    const [[value], options] = split(args);
    const input = options.fn ? options.fn(this) : str(value);
    if (options.hash.decode === true) {
      try {
        return decodeURIComponent(input.replace(/\+/g, ' '));
      } catch {
        // Malformed percent-encoding from a client: given back as it came (WireMock fails the response).
        return input;
      }
    }
    // Java's URLEncoder: spaces as +, and *-._ left as they are.
    return encodeURIComponent(input).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  },

  // --- strings (handlebars-java's StringHelpers, plus WireMock's) ---
  upper: (...args: unknown[]) => str(args[0]).toUpperCase(),
  lower: (...args: unknown[]) => str(args[0]).toLowerCase(),
  trim(...args: unknown[]) {
    const [[value], options] = split(args);
    return (options.fn ? options.fn(this) : str(value)).trim();
  },
  capitalize: (...args: unknown[]) => str(args[0]).split(/(\s+)/).map((w) => (w.trim() ? w[0]!.toUpperCase() + w.slice(1) : w)).join(''),
  capitalizeFirst: (...args: unknown[]) => { const s = str(args[0]); return s ? s[0]!.toUpperCase() + s.slice(1) : s; },
  abbreviate(...args: unknown[]) {
    const [[value, width]] = split(args);
    const s = str(value);
    const w = num(width, 'abbreviate width');
    // As commons-lang (WireMock's): the width must leave room for one character and the dots.
    if (w < 4) throw new Error('abbreviate: Minimum abbreviation width is 4');
    return s.length <= w ? s : s.slice(0, w - 3) + '...';
  },
  center(...args: unknown[]) {
    const [[value], options] = split(args);
    const s = str(value);
    const width = size(options.hash.size ?? s.length, 'center size');
    const padChar = str(options.hash.pad ?? ' ') || ' ';
    const total = Math.max(0, width - s.length);
    const left = Math.floor(total / 2);
    return padChar.repeat(left) + s + padChar.repeat(total - left);
  },
  ljust(...args: unknown[]) {
    const [[value], options] = split(args);
    return str(value).padEnd(size(options.hash.size ?? 0, 'ljust size'), str(options.hash.pad ?? ' ') || ' ');
  },
  rjust(...args: unknown[]) {
    const [[value], options] = split(args);
    return str(value).padStart(size(options.hash.size ?? 0, 'rjust size'), str(options.hash.pad ?? ' ') || ' ');
  },
  cut(...args: unknown[]) {
    const [[value, what]] = split(args);
    return str(value).split(what === undefined ? ' ' : str(what)).join('');
  },
  defaultIfEmpty(...args: unknown[]) {
    const [[value, fallback]] = split(args);
    return isTruthy(value) && str(value) !== '' ? value : fallback;
  },
  replace(...args: unknown[]) {
    const [[value, target, replacement], options] = split(args);
    const input = options.fn ? options.fn(this) : str(value);
    const [from, to] = options.fn ? [value, target] : [target, replacement];
    return input.split(str(from)).join(str(to));
  },
  substring(...args: unknown[]) {
    const [[value, start, end]] = split(args);
    const s = str(value);
    return end === undefined ? s.slice(num(start, 'substring start')) : s.slice(num(start, 'substring start'), num(end, 'substring end'));
  },
  slugify: (...args: unknown[]) => str(args[0]).trim().toLowerCase().replace(/[^\w\s-]/g, '').replace(/[\s_-]+/g, '-').replace(/^-+|-+$/g, ''),
  stripTags: (...args: unknown[]) => str(args[0]).replace(/<[^>]*>/g, ''),
  wordWrap(...args: unknown[]) {
    const [[value, width]] = split(args);
    const w = size(width, 'wordWrap width');
    const lines: string[] = [];
    let line = '';
    for (const word of str(value).split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > w) { lines.push(line); line = word; } else line = line ? `${line} ${word}` : word;
    }
    if (line) lines.push(line);
    return lines.join('\n');
  },
  yesno(...args: unknown[]) {
    const [[value], options] = split(args);
    if (value === undefined || value === null) return str(options.hash.maybe ?? 'maybe');
    return isTruthy(value) ? str(options.hash.yes ?? 'yes') : str(options.hash.no ?? 'no');
  },
  stringFormat(...args: unknown[]) {
    const [[format, ...rest]] = split(args);
    return javaFormat(str(format), rest);
  },
  join(...args: unknown[]) {
    const [params, options] = split(args);
    let items: unknown[];
    let separator: string;
    if (Array.isArray(params[0])) {
      items = params[0] as unknown[];
      separator = params.length > 1 ? str(params[1]) : ',';
    } else {
      items = params.slice(0, -1);
      separator = str(params[params.length - 1]);
    }
    const block = options.fn;
    const parts = block ? items.map((item) => block(item)) : items.map(str);
    return str(options.hash.prefix ?? '') + parts.join(separator) + str(options.hash.suffix ?? '');
  },
  arrayJoin(...args: unknown[]) {
    const [[separator, ...rest], options] = split(args);
    if (typeof separator !== 'string') return '[ERROR: Separator parameter must be a String]';
    let items: unknown[];
    if (rest.length === 1 && Array.isArray(rest[0])) items = rest[0] as unknown[];
    else if (rest.length === 1 || rest.length === 0) return '[ERROR: The parameter must be list]';
    else items = rest;
    const block = options.fn;
    const parts = block ? items.map((item) => block(item)) : items.map(str);
    return str(options.hash.prefix ?? '') + parts.join(separator) + str(options.hash.suffix ?? '');
  },
  contains(...args: unknown[]) {
    const [[haystack, needle], options] = split(args);
    const found = Array.isArray(haystack) ? haystack.some((v) => str(v) === str(needle)) : str(haystack).includes(str(needle));
    return conditional(options, found, this);
  },
  matches(...args: unknown[]) {
    const [[value, pattern], options] = split(args);
    const regex = wholeMatchRegex(str(pattern));
    regex.lastIndex = 0;
    return conditional(options, regex.test(str(value)), this);
  },
  size(...args: unknown[]) {
    const [[value]] = split(args);
    if (Array.isArray(value) || typeof value === 'string') return value.length;
    if (typeof value === 'object' && value !== null) return Object.keys(value).length;
    return value === undefined || value === null ? 0 : str(value).length;
  },

  // --- lists and variables ---
  array(...args: unknown[]) {
    const [params] = split(args);
    return javaList(params);
  },
  range(...args: unknown[]) {
    const [[from, to]] = split(args);
    const a = Math.trunc(num(from, 'range start'));
    const b = Math.trunc(num(to, 'range end'));
    if (Math.abs(b - a) > 100_000) throw new Error('range: at most 100,000 numbers');
    const out: number[] = [];
    for (let i = a; i <= b; i++) out.push(i);
    return javaList(out);
  },
  arrayAdd(...args: unknown[]) {
    const [[list, item], options] = split(args);
    const out = [...(Array.isArray(list) ? list : [])];
    const at = options.hash.position;
    if (at === undefined || at === 'end') out.push(item);
    else if (at === 'start') out.unshift(item);
    else out.splice(num(at, 'arrayAdd position'), 0, item);
    return javaList(out);
  },
  arrayRemove(...args: unknown[]) {
    const [[list], options] = split(args);
    const out = [...(Array.isArray(list) ? list : [])];
    const at = options.hash.position;
    if (at === 'start') out.shift();
    else if (at === undefined || at === 'end') out.pop();
    else out.splice(num(at, 'arrayRemove position'), 1);
    return javaList(out);
  },
  val(...args: unknown[]) {
    const [[value], options] = split(args);
    const v = value === undefined || value === null ? options.hash.default : value;
    if (options.hash.assign !== undefined) {
      decoyData(options).root[str(options.hash.assign)] = v;
      return '';
    }
    return v ?? '';
  },
  assign(...args: unknown[]) {
    const [[name], options] = split(args);
    decoyData(options).root[str(name)] = options.fn ? options.fn(this) : '';
    return '';
  },

  // --- conditionals (handlebars-java's ConditionalHelpers) ---
  eq(...args: unknown[]) { const [[a, b], o] = split(args); return conditional(o, equals(a, b), this); },
  neq(...args: unknown[]) { const [[a, b], o] = split(args); return conditional(o, !equals(a, b), this); },
  gt(...args: unknown[]) { const [[a, b], o] = split(args); return conditional(o, compare(a, b) > 0, this); },
  gte(...args: unknown[]) { const [[a, b], o] = split(args); return conditional(o, compare(a, b) >= 0, this); },
  lt(...args: unknown[]) { const [[a, b], o] = split(args); return conditional(o, compare(a, b) < 0, this); },
  lte(...args: unknown[]) { const [[a, b], o] = split(args); return conditional(o, compare(a, b) <= 0, this); },
  and(...args: unknown[]) { const [params, o] = split(args); return conditional(o, params.every(isTruthy), this); },
  or(...args: unknown[]) { const [params, o] = split(args); return conditional(o, params.some(isTruthy), this); },
  not(...args: unknown[]) { const [[v], o] = split(args); return conditional(o, !isTruthy(v), this); },

  // Handlebars' own log would write text from requests to stdout on every request, past the logger
  // (and break JSON logs); WireMock's renders nothing either, so templates using it still work.
  log: () => '',
};

/** Handlebars' own helpers that templates may use. */
export const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup'] as const;

/** Every helper name a template may call, sorted, for load errors. */
export const KNOWN_HELPERS: readonly string[] = [...BUILTIN_HELPERS, ...Object.keys(TEMPLATE_HELPERS)].sort();
