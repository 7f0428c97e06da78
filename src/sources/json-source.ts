/**
 * JSON text for a YAML/JSON node that keeps numbers as written. Parsing to JavaScript values turns
 * `1.0` into `1`, `10.50` into `10.5` and 9007199254740993 into 9007199254740992; WireMock writes a
 * `jsonBody` with its numbers as written, and so does Decoy, by reading them from the source.
 */
import type { Document, Node as YamlNode } from 'yaml';
import { yamlLib } from './yaml-lib.js';

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * `2.5E-7` → `0.00000025`, `1.5e3` → `1500`: WireMock (Jackson reading decimals as BigDecimal and
 * writing them plain) spells numbers without exponents; the digits written are kept.
 */
export function toPlainDecimal(source: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?[eE]([+-]?\d+)$/.exec(source);
  if (!m) return source;
  const [, sign, int, frac = '', exp] = m;
  const digits = int! + frac;
  const point = int!.length + Number(exp);
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  // Leading zeros of the integer part go (`0025.5` → `25.5`), but keep one before the point.
  out = out.replace(/^0+(?=\d)/, '');
  return sign + out;
}

export function nodeToJson(node: unknown, doc: Document): string | undefined {
  if (node === null || node === undefined) return 'null';
  const { isAlias, isMap, isScalar, isSeq } = yamlLib();
  if (isAlias(node)) return nodeToJson(node.resolve(doc), doc);
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'number' && typeof node.source === 'string' && JSON_NUMBER.test(node.source)) return toPlainDecimal(node.source);
    if (v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return undefined; // not representable: let the caller fall back
    return JSON.stringify(v);
  }
  if (isMap(node)) {
    const parts: string[] = [];
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      const value = nodeToJson(pair.value, doc);
      if (key === undefined || value === undefined) return undefined;
      parts.push(`${JSON.stringify(key)}:${value}`);
    }
    return `{${parts.join(',')}}`;
  }
  if (isSeq(node)) {
    const parts: string[] = [];
    for (const item of node.items) {
      const value = nodeToJson(item, doc);
      if (value === undefined) return undefined;
      parts.push(value);
    }
    return `[${parts.join(',')}]`;
  }
  return undefined;
}

/** The node at a JSON pointer, or undefined. */
export function nodeAt(doc: Document, pointer: string): YamlNode | undefined {
  const path = pointer === '' ? [] : pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')).map((t) => (/^\d+$/.test(t) ? Number(t) : t));
  return (path.length === 0 ? doc.contents : doc.getIn(path, true)) as YamlNode | undefined;
}
