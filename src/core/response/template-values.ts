/**
 * The values templates see, shaped as WireMock's Handlebars (handlebars-java) renders them: a
 * multi-valued query parameter prints its first value and iterates all; a JSON object found by
 * `jsonPath` prints as Jackson's pretty JSON; a list prints as Java's `[a, b]`. JavaScript values
 * print through `toString`, so each wrapper carries its own, as a non-enumerable own property
 * (Handlebars refuses prototype properties, and `each` must not see it).
 */
import { javaNumber, renderJacksonPretty, renderJavaString } from '../matching/json-render.js';

function define(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: false, configurable: true, writable: true });
}

/** An array that prints as Java's List.toString: `[a, b]`. */
export function javaList<T>(items: T[]): T[] {
  define(items, 'toString', () => renderJavaString(items));
  return items;
}

/**
 * WireMock's multi-valued request fields (query parameters, headers, cookies): prints its first
 * value (as WireMock 3 does, also when there are several); `.[1]`, `.first`, `.last`, `size` and `each` reach the others.
 */
export function multiValue(values: readonly string[]): string[] {
  const list = [...values];
  define(list, 'toString', () => list[0] ?? '');
  define(list, 'first', list[0]);
  define(list, 'last', list[list.length - 1]);
  return list;
}

/**
 * A parsed JSON value as templates see it (`jsonPath` results, `parseJson`): the value itself is
 * iterable and indexable; printed, an object reads as pretty JSON and an array as compact JSON at the
 * top, and nested values as Java's String.valueOf (what WireMock prints).
 */
export function jsonValue(value: unknown, top = true): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = jsonValue(value[i], false);
    define(value, 'toString', top ? () => JSON.stringify(value) : () => renderJavaString(value));
    return value;
  }
  if (typeof value === 'object' && value !== null) {
    for (const k of Object.keys(value)) (value as Record<string, unknown>)[k] = jsonValue((value as Record<string, unknown>)[k], false);
    define(value, 'toString', top ? () => renderJacksonPretty(value) : () => renderJavaString(value));
    return value;
  }
  return value;
}

/** Prints a value as a template output would. */
export function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return javaNumber(value);
  return String(value);
}

/** Java's String.hashCode (over UTF-16 code units, in 32-bit arithmetic). */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Keys in the order a java.util.HashMap holding them iterates: by bucket (the spread hash masked to
 * the table size the map grew to), then by insertion within a bucket. WireMock keeps query parameters
 * in a HashMap, and templates that print or iterate them see this order.
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucket = (k: string): number => {
    const h = javaStringHash(k);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return keys.map((k, i) => ({ k, i, b: bucket(k) })).sort((x, y) => x.b - y.b || x.i - y.i).map((e) => e.k);
}

/**
 * Multi-valued fields by name (WireMock's query parameters), keyed in Java's HashMap order and
 * printed as Java's Map.toString with each field's first value: `{a=1, b=2}`.
 */
export function javaMultiValueMap(map: ReadonlyMap<string, readonly string[]>): Record<string, string[]> {
  const out = Object.create(JAVA_MAP_PROTOTYPE) as Record<string, string[]>;
  for (const k of javaHashMapOrder([...map.keys()])) {
    Object.defineProperty(out, k, { value: multiValue(map.get(k)!), enumerable: true, configurable: true, writable: true });
  }
  // handlebars-java calls the map's toString for `query.toString`, unless a parameter has that name.
  if (!Object.hasOwn(out, 'toString')) define(out, 'toString', () => printJavaMap.call(out));
  return out;
}

function printJavaMap(this: Record<string, string[]>): string {
  return `{${Object.keys(this).map((k) => `${k}=${this[k]![0] ?? ''}`).join(', ')}}`;
}

/**
 * The prototype of a request's map of fields, in place of Object.prototype: a field may be named
 * `toString`, `constructor` or `__proto__` and is then an own property like any other. Printing goes
 * through Symbol.toPrimitive, which a field name cannot shadow.
 */
const JAVA_MAP_PROTOTYPE = Object.create(null, { [Symbol.toPrimitive]: { value: printJavaMap } }) as object;

/** An empty map of request fields by name with no inherited names (a field may be named `__proto__` or `toString`). */
export function fieldMap(): Record<string, string[]> {
  return Object.create(null) as Record<string, string[]>;
}
