/**
 * Values generated from a JSON Schema (2020-12, as stubs and the OpenAPI importer write it) for mock
 * responses: realistic by default, and small where the schema nests deep or refers to itself.
 *
 * A value is built by walking the schema once:
 * - a string takes its shape from `format` (an e-mail, a date, a UUID), else from `pattern` (via
 *   randexp), else from the property's name (`email`, `city`, `createdAt`, `id`...) through faker,
 *   else a word; it is then fitted to `minLength`/`maxLength`;
 * - a number lies within its bounds (and a range its name suggests: an `age`, a `price`, a `latitude`);
 * - an array has a few items (one to three, within `minItems`/`maxItems`);
 * - an object has every property except `writeOnly` ones (a response does not carry them);
 * - `allOf` is merged, `oneOf`/`anyOf` take one branch (naming it in the `discriminator` property when
 *   there is one), a type array (`nullable`) takes one of its types.
 * Past a few levels of nesting, or on entering a named schema that is already being generated (a
 * recursive schema), generation turns minimal: objects get their required properties only, arrays
 * their `minItems`, a type that allows null is null, and `oneOf`/`anyOf` take the cheapest branch.
 * That is what makes a recursive schema end with a valid value instead of an arbitrary one.
 *
 * The caller validates what comes out (a generator cannot see every constraint: `not`, `oneOf`'s
 * "exactly one", `uniqueItems` across objects...) and asks again with another seed or `minimal`.
 */
import type { Faker } from '@faker-js/faker';

type Schema = Record<string, unknown>;

/** What Decoy uses of randexp (a CommonJS module whose typings do not import cleanly as ESM). */
export interface PatternGenerator {
  max: number;
  defaultRange: { subtract(from: number, to: number): PatternGenerator['defaultRange'] };
  randInt(a: number, b: number): number;
  gen(): string;
}

export interface GeneratorLibraries {
  faker: Faker;
  RandExp: new (pattern: string) => PatternGenerator;
}

export interface GenerateOptions {
  /** Required properties only and the fewest items everywhere, not only past the depth limit. */
  minimal?: boolean;
}

/** Object nesting after which only required properties are generated: keeps deep documents' answers small. */
const FULL_DEPTH = 5;
/** Nesting at which generation gives up (a schema whose required properties form a cycle). */
const MAX_DEPTH = 40;
/** Values generated in one answer after which the rest is minimal. */
const BUDGET = 1500;
/** How often `*` and `+` repeat in a generated pattern match. */
const PATTERN_REPEAT = 6;

const isObject = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Generates one value for `schema` (its `$ref`s point inside it, `#/$defs/...`) from `seed`. */
export function generateValue(schema: unknown, seed: number, libs: GeneratorLibraries, options: GenerateOptions = {}): unknown {
  libs.faker.seed(seed);
  return new Generation(schema, libs).value(schema, { depth: 0, refs: [], name: '', minimal: options.minimal === true });
}

interface Context {
  depth: number;
  /** The `$ref`s being generated on the way here: one seen again is recursion. */
  refs: string[];
  /** The property name the value is for (shapes strings and numbers). */
  name: string;
  minimal: boolean;
}

class Generation {
  readonly #root: unknown;
  readonly #faker: Faker;
  readonly #RandExp: GeneratorLibraries['RandExp'];
  #produced = 0;

  constructor(root: unknown, libs: GeneratorLibraries) {
    this.#root = root;
    this.#faker = libs.faker;
    this.#RandExp = libs.RandExp;
  }

  value(raw: unknown, ctx: Context): unknown {
    this.#produced++;
    if (raw === true || raw === undefined) return this.#string({}, ctx);
    if (!isObject(raw)) return null;
    if (ctx.depth > MAX_DEPTH) return null;
    if (this.#produced > BUDGET && !ctx.minimal) ctx = { ...ctx, minimal: true };
    const { schema, refs } = this.#flatten(raw, ctx.refs);
    if (refs.length > ctx.refs.length && refs.slice(ctx.refs.length).some((r) => ctx.refs.includes(r)) && !ctx.minimal) ctx = { ...ctx, refs, minimal: true };
    else ctx = { ...ctx, refs };
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) {
      const choices = ctx.minimal && schema.enum.includes(null) ? [null] : schema.enum.filter((v) => v !== null);
      return this.#faker.helpers.arrayElement(choices.length ? choices : schema.enum);
    }
    const branches = Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : undefined;
    if (branches && branches.length > 0) return this.#branch(schema, branches, ctx);
    switch (this.#typeOf(schema, ctx)) {
      case 'null': return null;
      case 'boolean': return this.#faker.datatype.boolean();
      case 'integer': return this.#number(schema, ctx, true);
      case 'number': return this.#number(schema, ctx, false);
      case 'array': return this.#array(schema, ctx);
      case 'object': return this.#object(schema, ctx);
      default: return this.#string(schema, ctx);
    }
  }

  /** Follows `$ref`s and merges `allOf` into one schema; returns the references it went through. */
  #flatten(schema: Schema, refs: string[], depth = 0): { schema: Schema; refs: string[] } {
    let current = schema;
    let seen = refs;
    if (typeof current.$ref === 'string' && depth < 50) {
      const ref = current.$ref;
      const target = this.#resolve(ref);
      const { $ref: _ref, ...rest } = current;
      seen = [...seen, ref];
      const inner = this.#flatten(isObject(target) ? target : {}, seen, depth + 1);
      seen = inner.refs;
      current = Object.keys(rest).length ? merge(inner.schema, rest) : inner.schema;
    }
    if (Array.isArray(current.allOf) && depth < 50) {
      const { allOf, ...rest } = current;
      let merged: Schema = rest;
      for (const part of allOf as unknown[]) {
        if (!isObject(part)) continue;
        const inner = this.#flatten(part, seen, depth + 1);
        seen = inner.refs;
        merged = merge(merged, inner.schema);
      }
      current = merged;
    }
    return { schema: current, refs: seen };
  }

  #resolve(ref: string): unknown {
    if (!ref.startsWith('#')) return undefined;
    let cur: unknown = this.#root;
    for (const raw of ref.slice(1).split('/').slice(1)) {
      const token = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isObject(cur) && !Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[token];
    }
    return cur;
  }

  #typeOf(schema: Schema, ctx: Context): string {
    const t = schema.type;
    if (typeof t === 'string') return t;
    if (Array.isArray(t) && t.length > 0) {
      if (ctx.minimal && t.includes('null')) return 'null';
      const concrete = t.filter((x) => x !== 'null') as string[];
      return concrete.length ? this.#faker.helpers.arrayElement(concrete) : 'null';
    }
    if (schema.properties !== undefined || schema.required !== undefined || schema.additionalProperties !== undefined) return 'object';
    if (schema.items !== undefined || schema.prefixItems !== undefined) return 'array';
    if (schema.minimum !== undefined || schema.maximum !== undefined || schema.multipleOf !== undefined) return 'number';
    return 'string';
  }

  #branch(schema: Schema, branches: unknown[], ctx: Context): unknown {
    const { oneOf: _o, anyOf: _a, discriminator, ...rest } = schema;
    let chosen: unknown;
    if (ctx.minimal) {
      // The cheapest branch: null, then a scalar, then a reference not already being generated.
      const cost = (b: unknown): number => {
        if (!isObject(b)) return 3;
        if (b.type === 'null') return 0;
        if (typeof b.$ref === 'string') return ctx.refs.includes(b.$ref) ? 4 : 2;
        return b.type === 'object' || b.type === 'array' ? 2 : 1;
      };
      chosen = [...branches].sort((a, b) => cost(a) - cost(b))[0];
    } else {
      const concrete = branches.filter((b) => !(isObject(b) && b.type === 'null'));
      chosen = this.#faker.helpers.arrayElement(concrete.length ? concrete : branches);
    }
    const base = Object.keys(rest).length ? (isObject(chosen) ? { allOf: [rest, chosen] } : rest) : chosen;
    const value = this.value(base, ctx);
    // The discriminator names the branch: the mapping's key for it, else the schema's name.
    if (isObject(discriminator) && typeof discriminator.propertyName === 'string' && isObject(value) && isObject(chosen) && typeof chosen.$ref === 'string') {
      const ref = chosen.$ref;
      const mapping = isObject(discriminator.mapping) ? discriminator.mapping : {};
      const key = Object.entries(mapping).find(([, v]) => v === ref || ref.endsWith(`/${String(v)}`))?.[0];
      (value as Schema)[discriminator.propertyName] = key ?? ref.slice(ref.lastIndexOf('/') + 1);
    }
    return value;
  }

  #object(schema: Schema, ctx: Context): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    const minimal = ctx.minimal || ctx.depth >= FULL_DEPTH;
    const child = (name: string): Context => ({ depth: ctx.depth + 1, refs: ctx.refs, name, minimal });
    for (const [name, sub] of Object.entries(properties)) {
      if (!required.has(name)) {
        if (minimal || sub === false) continue;
        // A response does not carry what only requests send.
        if (isObject(sub) && sub.writeOnly === true) continue;
      }
      out[name] = this.value(sub, child(name));
    }
    const extra = isObject(schema.additionalProperties) ? schema.additionalProperties : schema.additionalProperties === false ? undefined : {};
    for (const name of required) {
      if (!(name in out)) out[name] = this.value(extra ?? {}, child(name));
    }
    // A map (`additionalProperties` and no properties) gets a couple of entries.
    const min = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
    const wanted = Math.max(min, !minimal && Object.keys(properties).length === 0 && isObject(schema.additionalProperties) ? 2 : 0);
    for (let i = 0; Object.keys(out).length < wanted && extra !== undefined && i < wanted + 5; i++) {
      const key = this.#faker.lorem.word() + (i > 2 ? String(i) : '');
      if (!(key in out)) out[key] = this.value(extra, child(key));
    }
    const max = typeof schema.maxProperties === 'number' ? schema.maxProperties : Infinity;
    for (const name of Object.keys(out)) {
      if (Object.keys(out).length <= max) break;
      if (!required.has(name)) delete out[name];
    }
    return out;
  }

  #array(schema: Schema, ctx: Context): unknown[] {
    const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
    const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : Infinity;
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    let count: number;
    if (ctx.minimal) count = minItems;
    else {
      const low = Math.max(minItems, 1);
      count = Math.min(maxItems, this.#faker.number.int({ min: low, max: Math.max(low, 3) }));
    }
    count = Math.max(count, Math.min(prefix.length, maxItems));
    const items = schema.items === false ? undefined : schema.items;
    const out: unknown[] = [];
    const seen = new Set<string>();
    for (let i = 0, tries = 0; out.length < count && tries < count * 4 + 4; tries++) {
      const sub = i < prefix.length ? prefix[i] : items;
      const value = this.value(sub, { ...ctx, depth: ctx.depth + 1, name: singular(ctx.name) });
      if (schema.uniqueItems === true) {
        const key = JSON.stringify(value);
        if (seen.has(key)) continue;
        seen.add(key);
      }
      out.push(value);
      i++;
    }
    return out;
  }

  #number(schema: Schema, ctx: Context, integer: boolean): number {
    const f = this.#faker;
    let low = -Infinity;
    let high = Infinity;
    if (typeof schema.minimum === 'number') low = schema.minimum;
    if (typeof schema.exclusiveMinimum === 'number') low = Math.max(low, schema.exclusiveMinimum + (integer ? 1 : 1e-6));
    if (typeof schema.maximum === 'number') high = schema.maximum;
    if (typeof schema.exclusiveMaximum === 'number') high = Math.min(high, schema.exclusiveMaximum - (integer ? 1 : 1e-6));
    if (schema.format === 'int32') { low = Math.max(low, -(2 ** 31)); high = Math.min(high, 2 ** 31 - 1); }
    if (integer) { low = Math.ceil(low); high = Math.floor(high); }
    // The range a person expects for the name, where the schema's bounds allow it.
    const [likeLow, likeHigh, decimals] = numberRange(ctx.name, integer);
    let lo = Math.max(low, likeLow);
    let hi = Math.min(high, likeHigh);
    if (lo > hi) {
      lo = Number.isFinite(low) ? low : Number.isFinite(high) ? high - 100 : 0;
      hi = Number.isFinite(high) ? high : lo + 100;
      if (hi > lo + 1e6 && Number.isFinite(hi)) hi = lo + 1e6;
    }
    const step = typeof schema.multipleOf === 'number' && schema.multipleOf > 0 ? schema.multipleOf : undefined;
    if (step !== undefined) {
      const first = Math.ceil(lo / step);
      const last = Math.floor(hi / step);
      const k = last >= first ? f.number.int({ min: first, max: Math.min(last, first + 1000) }) : first;
      return Number((k * step).toPrecision(12));
    }
    if (integer) return f.number.int({ min: lo, max: hi });
    const v = f.number.float({ min: lo, max: hi, fractionDigits: decimals });
    return Math.min(hi, Math.max(lo, v));
  }

  #string(schema: Schema, ctx: Context): string {
    const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
    const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
    let value: string | undefined;
    if (typeof schema.format === 'string') value = formatValue(this.#faker, schema.format, ctx.name);
    if (value === undefined && typeof schema.pattern === 'string') {
      value = this.#fromPattern(schema.pattern, minLength, maxLength);
      if (value !== undefined) return value;
    }
    value ??= nameValue(this.#faker, ctx.name) ?? this.#faker.lorem.word();
    if (value.length < minLength) value += this.#faker.string.alpha(minLength - value.length);
    if (value.length > maxLength) value = value.slice(0, maxLength);
    return value;
  }

  /** A string matching `pattern` (and the length bounds), or undefined when none was found. */
  #fromPattern(pattern: string, minLength: number, maxLength: number): string | undefined {
    let regex: RegExp;
    try {
      regex = new RegExp(pattern, 'u');
    } catch {
      return undefined;
    }
    const fits = (s: string) => regex.test(s) && [...s].length >= minLength && [...s].length <= maxLength;
    let gen: PatternGenerator;
    try {
      gen = new this.#RandExp(forRandExp(pattern));
    } catch {
      return fits('') ? '' : undefined;
    }
    gen.max = Math.max(PATTERN_REPEAT, Math.min(minLength, 64));
    gen.randInt = (a: number, b: number) => this.#faker.number.int({ min: a, max: b });
    // Printable ASCII for `.` and negated classes: what a person reads in a mock.
    gen.defaultRange.subtract(0, 31).subtract(127, 0x10ffff);
    for (let i = 0; i < 6; i++) {
      let s: string;
      try {
        s = gen.gen();
      } catch {
        break;
      }
      if (fits(s)) return s;
    }
    return fits('') ? '' : undefined;
  }
}

/** Two schemas that must both hold, as one (for `allOf` and `$ref` with siblings): the stricter bound wins. */
function merge(a: Schema, b: Schema): Schema {
  const out: Schema = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const mine = out[k];
    if (mine === undefined) { out[k] = v; continue; }
    switch (k) {
      case 'properties':
        if (isObject(mine) && isObject(v)) {
          const props: Schema = { ...mine };
          for (const [p, s] of Object.entries(v)) props[p] = props[p] === undefined ? s : { allOf: [props[p], s] };
          out[k] = props;
        }
        break;
      case 'required':
        out[k] = [...new Set([...(mine as string[]), ...(v as string[])])];
        break;
      case 'minimum': case 'minLength': case 'minItems': case 'minProperties': case 'exclusiveMinimum':
        out[k] = Math.max(mine as number, v as number);
        break;
      case 'maximum': case 'maxLength': case 'maxItems': case 'maxProperties': case 'exclusiveMaximum':
        out[k] = Math.min(mine as number, v as number);
        break;
      case 'type': {
        const left = Array.isArray(mine) ? mine : [mine];
        const right = Array.isArray(v) ? v : [v];
        const both = left.filter((t) => right.includes(t) || (t === 'integer' && right.includes('number')));
        const also = right.filter((t) => t === 'integer' && left.includes('number'));
        const types = [...new Set([...both, ...also])];
        out[k] = types.length === 1 ? types[0] : types.length ? types : mine;
        break;
      }
      case 'enum':
        if (Array.isArray(mine) && Array.isArray(v)) {
          const common = mine.filter((x) => v.some((y) => JSON.stringify(x) === JSON.stringify(y)));
          out[k] = common.length ? common : mine;
        }
        break;
      case 'items': case 'additionalProperties':
        if (isObject(mine) && isObject(v)) out[k] = { allOf: [mine, v] };
        else if (mine === false || v === false) out[k] = false;
        break;
      default:
        // Keep the first: `oneOf` of two parts, two patterns... the validator has the last word.
        break;
    }
  }
  return out;
}

/**
 * A JavaScript `u`-mode pattern as randexp reads it: it knows no `\p{...}`, so Unicode properties
 * become the ASCII characters of that kind (generation only: the value is tested against the real
 * pattern).
 */
function forRandExp(pattern: string): string {
  const inClass: Record<string, string> = { L: 'a-zA-Z', Lu: 'A-Z', Ll: 'a-z', Lt: 'A-Z', Lo: 'a-z', Letter: 'a-zA-Z', N: '0-9', Nd: '0-9', Z: ' ', Zs: ' ', P: '.,\\-', S: '+', M: 'a', Alphabetic: 'a-zA-Z' };
  let out = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const m = /^\\([pP])\{([^}]*)\}/.exec(pattern.slice(i));
      if (m) {
        const chars = m[1] === 'P' ? 'a-zA-Z0-9' : inClass[m[2]!.replace(/^(?:General_Category|gc)=/, '')] ?? 'a-z';
        out += depth > 0 ? chars : `[${chars}]`;
        i += m[0].length - 1;
        continue;
      }
      const u = /^\\u\{([0-9a-fA-F]+)\}/.exec(pattern.slice(i));
      if (u) {
        const code = parseInt(u[1]!, 16);
        out += code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : 'x';
        i += u[0].length - 1;
        continue;
      }
      out += c + (pattern[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '[') depth++;
    else if (c === ']' && depth > 0) depth--;
    out += c;
  }
  return out;
}

function singular(name: string): string {
  if (/ies$/i.test(name)) return name.slice(0, -3) + 'y';
  if (/(?:ss|us)$/i.test(name)) return name;
  return name.replace(/s$/i, '');
}

function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toLowerCase();
}

/** The range (and decimals) of a number named so: `[low, high, fractionDigits]`. */
function numberRange(name: string, integer: boolean): [number, number, number] {
  const n = words(name);
  if (/(?:^|_)(?:lat|latitude)$/.test(n)) return [-90, 90, 6];
  if (/(?:^|_)(?:lon|lng|long|longitude)$/.test(n)) return [-180, 180, 6];
  if (/(?:^|_)age$/.test(n)) return [18, 90, 0];
  if (/(?:^|_)year$/.test(n)) return [1990, 2030, 0];
  if (/(?:^|_)month$/.test(n)) return [1, 12, 0];
  if (/(?:^|_)day$/.test(n)) return [1, 28, 0];
  if (/(?:^|_)port$/.test(n)) return [1024, 65535, 0];
  if (/(?:price|amount|cost|total|balance|fee|salary)$/.test(n)) return [1, 500, 2];
  if (/(?:percent|percentage|ratio|rate|score)$/.test(n)) return [0, 100, 2];
  if (/(?:count|size|limit|page|quantity|qty|number|total|offset|length|index)$/.test(n)) return [1, 100, 0];
  if (/(?:^|_)id$|_?ids?$/.test(n)) return [1, 10000, 0];
  return integer ? [1, 1000, 0] : [0, 1000, 2];
}

/** A value of a string `format`; undefined for formats Decoy does not know (the name decides then). */
function formatValue(f: Faker, format: string, name: string): string | undefined {
  const when = () => f.date.between({ from: '2020-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' });
  switch (format) {
    case 'date-time': case 'google-datetime': return when().toISOString();
    case 'date': return when().toISOString().slice(0, 10);
    case 'time': return `${when().toISOString().slice(11, 19)}Z`;
    case 'duration': return `P${f.number.int({ min: 1, max: 30 })}D`;
    case 'google-duration': return `${f.number.int({ min: 1, max: 600 })}s`;
    case 'email': case 'idn-email': return f.internet.email().toLowerCase();
    case 'uri': case 'url': case 'iri': return f.internet.url();
    case 'uri-reference': case 'iri-reference': return `/${f.lorem.slug(2)}`;
    case 'uri-template': return `${f.internet.url()}/{id}`;
    case 'hostname': case 'idn-hostname': return f.internet.domainName();
    case 'ipv4': return f.internet.ipv4();
    case 'ipv6': return f.internet.ipv6();
    case 'uuid': return f.string.uuid();
    case 'byte': return Buffer.from(f.lorem.words(2)).toString('base64');
    case 'binary': return f.lorem.word();
    case 'password': return f.internet.password({ length: 12 });
    case 'regex': return '^[a-z]+$';
    case 'json-pointer': return `/${f.lorem.word()}`;
    case 'relative-json-pointer': return '0';
    case 'int32': case 'int64': case 'uint32': case 'uint64': case 'integer': return String(f.number.int({ min: 1, max: 100000 }));
    case 'float': case 'double': case 'decimal': case 'number': return String(f.number.float({ min: 0, max: 1000, fractionDigits: 2 }));
    case 'phone': return f.phone.number({ style: 'international' });
    default: return /date/i.test(format) && !/time/i.test(format) ? when().toISOString().slice(0, 10) : nameValue(f, name);
  }
}

/** A string that fits a property's name (`email`, `city`, `createdAt`...), or undefined. */
function nameValue(f: Faker, name: string): string | undefined {
  const n = words(name);
  if (n === '') return undefined;
  const last = n.slice(n.lastIndexOf('_') + 1);
  if (/e_?mail/.test(n)) return f.internet.email().toLowerCase();
  if (/(?:^|_)(?:first_name|given_name|firstname|givenname)$/.test(n)) return f.person.firstName();
  if (/(?:^|_)(?:last_name|family_name|surname|lastname|familyname)$/.test(n)) return f.person.lastName();
  if (/(?:^|_)(?:user_?name|login|handle|nickname)$/.test(n)) return f.internet.username();
  if (/(?:^|_)(?:file_?name)$/.test(n)) return f.system.fileName();
  if (/(?:^|_)(?:host_?name|domain|host)$/.test(n)) return f.internet.domainName();
  if (/(?:^|_)(?:company|organization|organisation|employer|company_name|org_name)$/.test(n)) return f.company.name();
  if (/(?:^|_)product(?:_name)?$/.test(n)) return f.commerce.productName();
  if (/(?:^|_)(?:name|full_name|display_name|fullname|displayname|author|owner|contact)$/.test(n)) return f.person.fullName();
  if (/(?:^|_)(?:phone|mobile|telephone|tel|fax|phone_number|cell)$/.test(n)) return f.phone.number({ style: 'international' });
  if (/(?:^|_)(?:city|town)$/.test(n)) return f.location.city();
  if (/(?:^|_)country_code$/.test(n)) return f.location.countryCode();
  if (/(?:^|_)country$/.test(n)) return f.location.country();
  if (/(?:^|_)(?:state|province|region)$/.test(n)) return f.location.state();
  if (/(?:^|_)(?:street|address|address_line\d?|street_address|address\d)$/.test(n)) return f.location.streetAddress();
  if (/(?:^|_)(?:zip|zip_code|zipcode|postal_code|postcode|postalcode)$/.test(n)) return f.location.zipCode('#####');
  if (/(?:^|_)(?:avatar|image|photo|picture|icon|logo|thumbnail)(?:_url)?$/.test(n)) return f.image.url();
  if (/(?:^|_)(?:url|uri|link|href|website|homepage|web_url|html_url)$/.test(n)) return f.internet.url();
  if (/(?:^|_)(?:uuid|guid)$/.test(n)) return f.string.uuid();
  if (last === 'id' || /^ids?$/.test(n)) return f.string.alphanumeric({ length: 12, casing: 'lower' });
  if (/(?:created|updated|modified|deleted|expires|expired|published|issued|started|ended|completed|last_login|timestamp)(?:_(?:at|on|time|date))?$|(?:^|_)(?:date_time|datetime|timestamp)$/.test(n)) return f.date.between({ from: '2020-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' }).toISOString();
  if (/(?:^|_)(?:date|birthday|birth_date|dob)$/.test(n)) return f.date.between({ from: '1960-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' }).toISOString().slice(0, 10);
  if (/(?:^|_)(?:description|summary|comment|comments|note|notes|bio|about|message|text|body|content|details)$/.test(n)) return f.lorem.sentence();
  if (/(?:^|_)(?:title|subject|headline|caption)$/.test(n)) return f.lorem.sentence({ min: 2, max: 5 }).replace(/\.$/, '');
  if (/(?:^|_)(?:currency|currency_code)$/.test(n)) return f.finance.currencyCode();
  if (/(?:^|_)(?:language|lang|locale)$/.test(n)) return f.helpers.arrayElement(['en', 'en-US', 'fr', 'de', 'es']);
  if (/(?:^|_)(?:timezone|time_zone|tz)$/.test(n)) return f.location.timeZone();
  if (/(?:^|_)(?:color|colour)$/.test(n)) return f.color.human();
  if (/(?:^|_)version$/.test(n)) return f.system.semver();
  if (/(?:^|_)(?:ip|ip_address|ipaddress)$/.test(n)) return f.internet.ipv4();
  if (/(?:^|_)(?:password|secret)$/.test(n)) return f.internet.password({ length: 12 });
  if (/(?:^|_)(?:token|api_key|access_token)$/.test(n)) return f.string.alphanumeric(24);
  if (/(?:^|_)(?:slug)$/.test(n)) return f.lorem.slug(2);
  if (/(?:^|_)(?:gender|sex)$/.test(n)) return f.person.sex();
  if (/(?:^|_)(?:job|job_title|occupation)$/.test(n)) return f.person.jobTitle();
  if (/(?:^|_)(?:price|amount|cost|total|balance)$/.test(n)) return f.commerce.price();
  if (/(?:^|_)(?:mime_type|content_type|media_type)$/.test(n)) return f.system.mimeType();
  if (/(?:^|_)(?:status|state)$/.test(n)) return f.helpers.arrayElement(['active', 'pending', 'inactive']);
  if (/(?:^|_)(?:code|sku)$/.test(n)) return f.string.alphanumeric({ length: 6, casing: 'upper' });
  if (/(?:^|_)(?:iban)$/.test(n)) return f.finance.iban();
  return undefined;
}
