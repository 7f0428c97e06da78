/**
 * How WireMock turns JSONPath results into strings before a nested pattern sees them, so that
 * `contains` / `equalTo` / `matches` against a found object behave as they do in WireMock:
 *   - objects (and arrays for equalToJson) are written by Jackson's default pretty printer:
 *     `{\n  "a" : 1,\n  "b" : [ 1, 2 ]\n}`;
 *   - elements of a found list are written by Java's String.valueOf: `{a=1, b=[1, 2]}`;
 *   - numbers follow Java's Double.toString for fractions (1.0E-4, 1.23456789E7).
 * JavaScript cannot tell `1.0` from `1` after parsing, so integral numbers are always written `1`.
 */

/**
 * A number known to be a Java double (the result of JSONPath's min(), max(), avg(), sum(),
 * stddev()), which Java writes with a fraction: 6.0, not 6.
 */
export class JavaDouble {
  constructor(readonly value: number) {}
}

function javaDouble(n: number): string {
  const text = javaNumber(n);
  return /^-?\d+$/.test(text) ? `${text}.0` : text;
}

/** Java's Double.toString for non-integral numbers; integers as plain digits. */
export function javaNumber(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : n < 0 ? '-Infinity' : 'NaN';
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) return String(n);
  const [mantissa, exponent] = n.toExponential().split('e') as [string, string];
  const withPoint = mantissa.includes('.') ? mantissa : mantissa + '.0';
  return `${withPoint}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

function scalar(value: unknown): string {
  if (value instanceof JavaDouble) return javaDouble(value.value);
  if (typeof value === 'number') return javaNumber(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}

/** Jackson's DefaultPrettyPrinter layout (two-space object indent, inline arrays). */
export function renderJacksonPretty(value: unknown, depth = 0): string {
  if (value instanceof JavaDouble) return javaDouble(value.value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    return `[ ${value.map((item) => renderJacksonPretty(item, depth)).join(', ')} ]`;
  }
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value);
    if (keys.length === 0) return '{ }';
    const inner = '  '.repeat(depth + 1);
    const fields = keys.map((key) => `${inner}${JSON.stringify(key)} : ${renderJacksonPretty((value as Record<string, unknown>)[key], depth + 1)}`);
    return `{\n${fields.join(',\n')}\n${'  '.repeat(depth)}}`;
  }
  return scalar(value);
}

/** Java's String.valueOf for a json-smart value: `{a=1, b=[x, y]}`. */
export function renderJavaString(value: unknown): string {
  if (value instanceof JavaDouble) return javaDouble(value.value);
  if (Array.isArray(value)) return `[${value.map(renderJavaString).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).map(([key, child]) => `${key}=${renderJavaString(child)}`).join(', ')}}`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return javaNumber(value);
  return String(value);
}
