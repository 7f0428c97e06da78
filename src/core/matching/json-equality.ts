/**
 * Semantic JSON equality for `equalToJson`, with WireMock's (JsonUnit's) options and placeholders.
 *
 * The expected document is compiled once into a tree in which JsonUnit placeholders are resolved:
 *   `${json-unit.ignore}` (any value, key present), `${json-unit.ignore-element}` (may be missing),
 *   `${json-unit.any-string}`, `${json-unit.any-number}`, `${json-unit.any-boolean}`,
 *   `${json-unit.regex}<java regex>` (whole-string match, strings only); `#{...}` is accepted too.
 * Numbers compare by value (1 equals 1.0). `ignoreArrayOrder` compares arrays as multisets, using a
 * bipartite matching so that overlapping element patterns are paired correctly; `ignoreExtraElements`
 * allows extra object fields and extra trailing array items (any extra items when order is ignored);
 * `ignoreNullElements` treats null fields as absent on both sides.
 */
import { compileWholeMatchRegex } from './java-regex.js';
import { isPlainObject } from './matcher-support.js';

export interface JsonEqualityOptions {
  readonly ignoreArrayOrder: boolean;
  readonly ignoreExtraElements: boolean;
  readonly ignoreNullElements: boolean;
}

type ExpectedNode =
  | { readonly kind: 'ignore' }
  | { readonly kind: 'ignoreElement' }
  | { readonly kind: 'anyString' }
  | { readonly kind: 'anyNumber' }
  | { readonly kind: 'anyBoolean' }
  | { readonly kind: 'regex'; readonly regex: RegExp }
  | { readonly kind: 'literal'; readonly value: null | boolean | number | string }
  | { readonly kind: 'array'; readonly items: readonly ExpectedNode[]; readonly size: number }
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, ExpectedNode]>; readonly keys: ReadonlySet<string>; readonly size: number };

const PLACEHOLDER = /^[$#]\{json-unit\.(ignore|ignore-element|any-string|any-number|any-boolean|regex)\}([\s\S]*)$/;

/** Thrown at compile time for an unusable placeholder (e.g. a bad regex). */
export class JsonPlaceholderError extends Error {}

function compileNode(value: unknown, options: JsonEqualityOptions): ExpectedNode {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return { kind: 'literal', value };
  if (typeof value === 'string') {
    const m = PLACEHOLDER.exec(value);
    if (m === null) return { kind: 'literal', value };
    const [, name, rest] = m;
    if (name === 'regex') {
      try {
        return { kind: 'regex', regex: compileWholeMatchRegex(rest!) };
      } catch (err) {
        throw new JsonPlaceholderError(`\${json-unit.regex} has an invalid regex ${JSON.stringify(rest)}: ${(err as Error).message}`);
      }
    }
    if (rest !== '') return { kind: 'literal', value };
    switch (name) {
      case 'ignore':
        return { kind: 'ignore' };
      case 'ignore-element':
        return { kind: 'ignoreElement' };
      case 'any-string':
        return { kind: 'anyString' };
      case 'any-number':
        return { kind: 'anyNumber' };
      default:
        return { kind: 'anyBoolean' };
    }
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => compileNode(item, options));
    return { kind: 'array', items, size: 1 + items.reduce((sum, item) => sum + nodeSize(item), 0) };
  }
  const entries: Array<readonly [string, ExpectedNode]> = [];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (options.ignoreNullElements && child === null) continue;
    entries.push([key, compileNode(child, options)]);
  }
  return {
    kind: 'object',
    entries,
    keys: new Set(entries.map(([key]) => key)),
    size: 1 + entries.reduce((sum, [, child]) => sum + nodeSize(child), 0),
  };
}

/** `$.name`, or `$['odd key']` for a name that is not an identifier. */
function childPath(at: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key).replace(/^"|"$/g, "'")}]`;
}

/** A value in a sentence: scalars as JSON, containers by kind and size. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (isPlainObject(value)) return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function describeNode(node: ExpectedNode): string {
  switch (node.kind) {
    case 'ignore': case 'ignoreElement': return 'any value';
    case 'anyString': return 'any string';
    case 'anyNumber': return 'any number';
    case 'anyBoolean': return 'any boolean';
    case 'regex': return `a string matching ${node.regex.source}`;
    case 'literal': return describeValue(node.value);
    case 'array': return `an array of ${node.items.length}`;
    case 'object': return 'an object';
  }
}

function nodeSize(node: ExpectedNode): number {
  return node.kind === 'array' || node.kind === 'object' ? node.size : 1;
}

function valueSize(value: unknown): number {
  if (Array.isArray(value)) {
    let size = 1;
    for (const item of value) size += valueSize(item);
    return size;
  }
  if (typeof value === 'object' && value !== null) {
    let size = 1;
    for (const key in value) if (Object.hasOwn(value, key)) size += valueSize((value as Record<string, unknown>)[key]);
    return size;
  }
  return 1;
}

/** A compiled expectation: test() answers equality, distance() a 0..1 near-miss measure. */
export class JsonEquality {
  private readonly root: ExpectedNode;

  constructor(
    expected: unknown,
    private readonly options: JsonEqualityOptions,
  ) {
    this.root = compileNode(expected, options);
  }

  // Hot path: a recursive walk that stops at the first difference and allocates nothing unless an
  // unordered array needs a matching.
  test(actual: unknown): boolean {
    return this.equal(this.root, actual);
  }

  /** Differences weighted by the size of the subtrees involved, over the larger document's size. */
  distance(actual: unknown): number {
    if (this.equal(this.root, actual)) return 0;
    const differences = this.countDifferences(this.root, actual);
    const total = Math.max(nodeSize(this.root), valueSize(actual));
    return Math.min(1, differences / total);
  }

  /**
   * Where the document first differs, as a JSONPath and a sentence (`$.items[1].id is 5, expected 2`),
   * for near-miss reports; undefined when it is equal. Not on the hot path.
   */
  firstDifference(actual: unknown): string | undefined {
    return this.equal(this.root, actual) ? undefined : this.differenceAt(this.root, actual, '$');
  }

  private differenceAt(expected: ExpectedNode, actual: unknown, at: string): string {
    if (expected.kind === 'object' && isPlainObject(actual)) {
      const { ignoreExtraElements, ignoreNullElements } = this.options;
      for (const [key, child] of expected.entries) {
        const path = childPath(at, key);
        if (!Object.hasOwn(actual, key) || (ignoreNullElements && actual[key] === null)) {
          if (child.kind === 'ignoreElement') continue;
          return `${path} is missing, expected ${describeNode(child)}`;
        }
        if (!this.equal(child, actual[key])) return this.differenceAt(child, actual[key], path);
      }
      if (!ignoreExtraElements) {
        for (const key of Object.keys(actual)) {
          if (expected.keys.has(key) || (ignoreNullElements && actual[key] === null)) continue;
          return `${childPath(at, key)} is not expected (${describeValue(actual[key])})`;
        }
      }
    } else if (expected.kind === 'array' && Array.isArray(actual)) {
      const { ignoreArrayOrder, ignoreExtraElements } = this.options;
      if (ignoreArrayOrder) {
        for (let i = 0; i < expected.items.length; i++) {
          if (!actual.some((a) => this.equal(expected.items[i]!, a))) return `${at} has no item like ${describeNode(expected.items[i]!)} (expected at [${i}], in any order)`;
        }
        if (actual.length < expected.items.length || !ignoreExtraElements) return `${at} has ${actual.length} item(s), expected ${expected.items.length} (in any order)`;
      } else {
        const shared = Math.min(expected.items.length, actual.length);
        for (let i = 0; i < shared; i++) if (!this.equal(expected.items[i]!, actual[i])) return this.differenceAt(expected.items[i]!, actual[i], `${at}[${i}]`);
        if (actual.length < expected.items.length) return `${at}[${actual.length}] is missing, expected ${describeNode(expected.items[actual.length]!)}`;
        return `${at}[${expected.items.length}] is not expected (${describeValue(actual[expected.items.length])})`;
      }
    }
    return `${at} is ${describeValue(actual)}, expected ${describeNode(expected)}`;
  }

  private equal(expected: ExpectedNode, actual: unknown): boolean {
    switch (expected.kind) {
      case 'ignore':
      case 'ignoreElement':
        return actual !== undefined;
      case 'anyString':
        return typeof actual === 'string';
      case 'anyNumber':
        return typeof actual === 'number';
      case 'anyBoolean':
        return typeof actual === 'boolean';
      case 'regex':
        return typeof actual === 'string' && expected.regex.test(actual);
      case 'literal':
        return actual === expected.value;
      case 'array':
        return Array.isArray(actual) && this.arraysEqual(expected.items, actual);
      case 'object':
        return isPlainObject(actual) && this.objectsEqual(expected, actual);
    }
  }

  private objectsEqual(expected: Extract<ExpectedNode, { kind: 'object' }>, actual: Record<string, unknown>): boolean {
    const { ignoreExtraElements, ignoreNullElements } = this.options;
    for (const [key, child] of expected.entries) {
      if (!Object.hasOwn(actual, key) || (ignoreNullElements && actual[key] === null)) {
        if (child.kind === 'ignoreElement') continue;
        return false;
      }
      if (!this.equal(child, actual[key])) return false;
    }
    if (!ignoreExtraElements) {
      for (const key in actual) {
        if (!Object.hasOwn(actual, key) || expected.keys.has(key)) continue;
        if (ignoreNullElements && actual[key] === null) continue;
        return false;
      }
    }
    return true;
  }

  private arraysEqual(items: readonly ExpectedNode[], actual: readonly unknown[]): boolean {
    const { ignoreArrayOrder, ignoreExtraElements } = this.options;
    if (ignoreExtraElements ? actual.length < items.length : actual.length !== items.length) return false;
    if (!ignoreArrayOrder) {
      for (let i = 0; i < items.length; i++) if (!this.equal(items[i]!, actual[i])) return false;
      return true;
    }
    return this.maximumMatching(items, actual) === items.length;
  }

  /**
   * Kuhn's augmenting-path bipartite matching between expected items and actual items: the number of
   * expected items that can each be paired with a distinct equal actual item.
   */
  private maximumMatching(items: readonly ExpectedNode[], actual: readonly unknown[]): number {
    const compatible: number[][] = items.map((item) => {
      const candidates: number[] = [];
      for (let j = 0; j < actual.length; j++) if (this.equal(item, actual[j])) candidates.push(j);
      return candidates;
    });
    const owner = new Int32Array(actual.length).fill(-1);
    const tryAssign = (i: number, seen: Uint8Array): boolean => {
      for (const j of compatible[i]!) {
        if (seen[j]) continue;
        seen[j] = 1;
        if (owner[j] === -1 || tryAssign(owner[j]!, seen)) {
          owner[j] = i;
          return true;
        }
      }
      return false;
    };
    let matched = 0;
    for (let i = 0; i < items.length; i++) if (tryAssign(i, new Uint8Array(actual.length))) matched++;
    return matched;
  }

  private countDifferences(expected: ExpectedNode, actual: unknown): number {
    if (this.equal(expected, actual)) return 0;
    if (expected.kind === 'object' && isPlainObject(actual)) {
      let count = 0;
      for (const [key, child] of expected.entries) {
        if (!Object.hasOwn(actual, key)) count += child.kind === 'ignoreElement' ? 0 : nodeSize(child);
        else count += this.countDifferences(child, actual[key]);
      }
      if (!this.options.ignoreExtraElements) {
        for (const key of Object.keys(actual)) if (!expected.keys.has(key)) count += valueSize(actual[key]);
      }
      return Math.max(count, 1);
    }
    if (expected.kind === 'array' && Array.isArray(actual)) {
      let count = 0;
      if (this.options.ignoreArrayOrder) {
        const matched = this.maximumMatching(expected.items, actual);
        count += expected.items.length - matched;
        if (!this.options.ignoreExtraElements) count += Math.max(0, actual.length - matched);
      } else {
        const shared = Math.min(expected.items.length, actual.length);
        for (let i = 0; i < shared; i++) count += this.countDifferences(expected.items[i]!, actual[i]);
        for (let i = shared; i < expected.items.length; i++) count += nodeSize(expected.items[i]!);
        if (!this.options.ignoreExtraElements) for (let i = shared; i < actual.length; i++) count += valueSize(actual[i]);
      }
      return Math.max(count, 1);
    }
    return Math.max(nodeSize(expected), valueSize(actual));
  }
}
