/**
 * JSONPath as WireMock evaluates it (Jayway JsonPath), on top of jsonpath-plus.
 *
 * Expressions are compiled once: the path is split into segments (jsonpath-plus's parser), Jayway
 * filter syntax is rewritten into the JavaScript subset jsonpath-plus's safe evaluator runs
 *   `@.a =~ /re/i` → whole-string regex test (Jayway uses Matcher.matches()),
 *   `@.a in [..]`, `nin`, `size n`, `empty true|false`, `@.list.length()`,
 * and each filter is test-run so a syntax error is a load error, not a silent non-match.
 *
 * Evaluation walks the segments itself for plain names, indexes (including Jayway's negative
 * indexes) and wildcards, and hands filters, unions, slices and deep scans to jsonpath-plus.
 * As in Jayway, a filter applied to an object tests the object itself rather than its members, so
 * `$[?(@.a == 1)]` matches the document `{"a":1}`. A trailing function (`length()`, `size()`,
 * `min()`, `max()`, `avg()`, `sum()`, `stddev()`, `first()`, `last()`, `keys()`) is applied to the
 * result.
 */
import { createRequire } from 'node:module';
import type { JSONPath as JsonPathFunction } from 'jsonpath-plus';
import { translateJavaRegex } from './java-regex.js';
import { JavaDouble } from './json-render.js';
import { isPlainObject } from './matcher-support.js';

let loadedJsonPath: typeof JsonPathFunction | undefined;
/**
 * jsonpath-plus, loaded when the first JSONPath is compiled: most stub sets have none, and it brings
 * node:vm with it, which start-up should not pay for. A synchronous require keeps compiling synchronous.
 */
export function jsonPathLibrary(): typeof JsonPathFunction {
  return (loadedJsonPath ??= (createRequire(import.meta.url)('jsonpath-plus') as { JSONPath: typeof JsonPathFunction }).JSONPath);
}

export interface CompiledJsonPath {
  readonly expression: string;
  /** Jayway's notion: a path that can select at most one value (no wildcard, filter, union, slice, deep scan). */
  readonly isDefinite: boolean;
  /** The selected values; a definite path yields at most one. */
  evaluate(root: unknown): unknown[];
}

const TRAILING_FUNCTIONS = new Set(['length', 'size', 'min', 'max', 'avg', 'sum', 'stddev', 'first', 'last', 'keys']);
const UNSUPPORTED_FILTER_OPERATORS = /\s(subsetof|anyof|noneof)\s/;
const OPERAND = String.raw`(?:@|\$)(?:\.[\w$-]+|\[[^\]\u0000]*\]|\[\u0000\d+\u0000\])*`;

/** Jayway's `$` inside a filter (the document root) becomes this sandbox variable. */
const ROOT_VARIABLE = '__root';

/** jsonpath-plus reads its sandbox as a plain object of variables (its typings say Map). */
function rootSandbox(root: unknown): Map<string, unknown> {
  return { [ROOT_VARIABLE]: root } as unknown as Map<string, unknown>;
}

type Segment =
  | { kind: 'name'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'filter'; path: string; usesRoot: boolean }
  | { kind: 'delegate'; path: string; usesRoot: boolean };

/** Finds the index of the ')' closing the '(' at `open`, skipping quoted strings and regex literals. */
function findClosingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      i = skipQuoted(text, i);
      continue;
    }
    if (c === '/' && isRegexStart(text, i)) {
      i = skipQuoted(text, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

function skipQuoted(text: string, start: number): number {
  const quoteChar = text[start]!;
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quoteChar) return i;
  }
  throw new SyntaxError(`unterminated ${quoteChar === '/' ? 'regex' : 'string'} literal`);
}

function isRegexStart(text: string, index: number): boolean {
  let j = index - 1;
  while (j >= 0 && text[j] === ' ') j--;
  return j < 0 || '~(,=!&|'.includes(text[j]!);
}

/** A Jayway `/regex/flags` literal (whole-string match, Java syntax) as a JavaScript regex literal. */
function jaywayRegexToJs(source: string, flags: string): string {
  const { source: translated, flags: jsFlags } = translateJavaRegex(source, flags.replace(/[^ims]/g, ''));
  let escaped = '';
  for (let i = 0; i < translated.length; i++) {
    const c = translated[i]!;
    if (c === '\\') {
      escaped += c + (translated[i + 1] ?? '');
      i++;
    } else {
      escaped += c === '/' ? '\\/' : c;
    }
  }
  return `/^(?:${escaped})$/${jsFlags}`;
}

/** Rewrites the body of one Jayway filter `?(...)` into jsonpath-plus's JavaScript dialect. */
function translateFilter(body: string): string {
  // Set string and regex literals aside so that the rewrites below only touch code.
  const literals: string[] = [];
  let code = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "'" || c === '"' || (c === '/' && isRegexStart(body, i))) {
      const end = skipQuoted(body, i);
      let literal = body.slice(i, end + 1);
      if (c === '/') {
        const flags = /^[a-z]*/.exec(body.slice(end + 1))![0];
        literal = jaywayRegexToJs(body.slice(i + 1, end), flags);
        i = end + flags.length;
      } else {
        i = end;
      }
      literals.push(literal);
      code += `\u0000${literals.length - 1}\u0000`;
      continue;
    }
    code += c;
  }
  if (UNSUPPORTED_FILTER_OPERATORS.test(` ${code} `)) {
    throw new SyntaxError(`the filter operator ${UNSUPPORTED_FILTER_OPERATORS.exec(` ${code} `)![1]} is not supported`);
  }
  const literal = String.raw`\u0000\d+\u0000`;
  code = code
    // Jayway reads `@.['name']` as `@['name']` (a dot before a bracket is allowed); JavaScript does not.
    .replace(/([\w$\]@])\.\[/g, '$1[')
    .replace(/\.length\(\)/g, '.length')
    .replace(/\.size\(\)/g, '.length')
    .replace(new RegExp(`(${OPERAND})\\s*=~\\s*(${literal})`, 'g'), '$2.test($1)')
    .replace(new RegExp(`(${OPERAND}|${literal})\\s+nin\\s+(\\[[^\\]]*\\])`, 'g'), '!$2.includes($1)')
    .replace(new RegExp(`(${OPERAND}|${literal})\\s+in\\s+(\\[[^\\]]*\\])`, 'g'), '$2.includes($1)')
    .replace(new RegExp(`(${OPERAND})\\s+size\\s+(\\d+|${OPERAND})`, 'g'), '$1.length == $2')
    .replace(new RegExp(`(${OPERAND})\\s+empty\\s+(true|false)`, 'g'), '($1.length == 0) == $2')
    .replace(/(^|[^@\w])\$(?=[.[])/g, `$1${ROOT_VARIABLE}`);
  return code.replace(/\u0000(\d+)\u0000/g, (_, index: string) => literals[Number(index)]!);
}

/** Replaces each `?(...)` filter in the path by its translation. */
function translateFilters(path: string): string {
  let out = '';
  let i = 0;
  while (i < path.length) {
    const start = path.indexOf('?(', i);
    if (start < 0) break;
    const close = findClosingParen(path, start + 1);
    if (close < 0) throw new SyntaxError('unbalanced parentheses in a filter');
    out += path.slice(i, start) + '?(' + translateFilter(path.slice(start + 2, close)) + ')';
    i = close + 1;
  }
  return out + path.slice(i);
}

/** Brackets and quotes must balance outside filters; jsonpath-plus's parser would guess otherwise. */
function checkBrackets(path: string): void {
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === "'" || c === '"') {
      i = skipQuoted(path, i);
    } else if (c === '(') {
      const close = findClosingParen(path, i);
      if (close < 0) throw new SyntaxError('unbalanced parentheses');
      i = close;
    } else if (c === '[') {
      depth++;
    } else if (c === ']') {
      if (--depth < 0) throw new SyntaxError("unexpected ']'");
    }
  }
  if (depth !== 0) throw new SyntaxError("missing ']'");
  if (/\.\.$|\.$/.test(path) || /[^.]\.{3,}/.test(path)) throw new SyntaxError('the path ends with a dot');
}

/** Runs a translated filter once on a dummy value so that syntax errors surface at load time. */
function checkFilter(segment: string): void {
  try {
    jsonPathLibrary()({ path: `$[${segment}]`, json: [{}], wrap: true, ignoreEvalErrors: false, eval: 'safe', sandbox: rootSandbox({}) });
  } catch (err) {
    const message = (err as Error).message;
    if (/at character \d+|is not defined|Unexpected|Invalid left-hand side/.test(message)) {
      throw new SyntaxError(`invalid filter ${segment}: ${message.replace(/^jsonPath: /, '')}`);
    }
  }
}

function toSegments(path: string): Segment[] {
  const raw = jsonPathLibrary().toPathArray(path).slice();
  if (raw[0] !== '$') throw new SyntaxError('a JSONPath starts with $');
  const segments: Segment[] = [];
  for (let i = 1; i < raw.length; i++) {
    const part = String(raw[i]);
    if (part === '..') {
      const next = raw[i + 1];
      if (next === undefined) throw new SyntaxError('a deep scan (..) needs something after it');
      const nextPart = String(next);
      if (nextPart.startsWith('?(')) checkFilter(nextPart);
      segments.push({ kind: 'delegate', path: `$..${bracketed(nextPart)}`, usesRoot: nextPart.includes(ROOT_VARIABLE) });
      i++;
    } else if (part === '*') {
      segments.push({ kind: 'wildcard' });
    } else if (part.startsWith('?(')) {
      checkFilter(part);
      segments.push({ kind: 'filter', path: `$[${part}]`, usesRoot: part.includes(ROOT_VARIABLE) });
    } else if (part === '~' || part === '^' || /^@.*\(\)$/.test(part) || part.startsWith('`')) {
      throw new SyntaxError(`${part} is not JSONPath as WireMock knows it`);
    } else if (/^-?\d+$/.test(part)) {
      segments.push({ kind: 'index', index: Number(part) });
    } else if (part.includes(',') || part.includes(':') || part.startsWith('(')) {
      segments.push({ kind: 'delegate', path: `$[${part}]`, usesRoot: part.includes(ROOT_VARIABLE) });
    } else if (part === '') {
      throw new SyntaxError('empty property name');
    } else {
      segments.push({ kind: 'name', name: part });
    }
  }
  return segments;
}

/** One segment written back as a bracketed path step, as jsonpath-plus parses it. */
function bracketed(part: string): string {
  if (part === '*') return '*';
  if (part.startsWith('?(') || part.startsWith('(') || /^-?\d+$/.test(part) || part.includes(':') || part.includes(',')) return `[${part}]`;
  return `['${part}']`;
}

function delegate(node: unknown, segment: { path: string; usesRoot: boolean }, root: unknown, out: unknown[]): void {
  if (typeof node !== 'object' || node === null) return;
  const options = { path: segment.path, json: node, wrap: true, ignoreEvalErrors: true, eval: 'safe' as const };
  const JSONPath = jsonPathLibrary();
  const found = (segment.usesRoot ? JSONPath({ ...options, sandbox: rootSandbox(root) }) : JSONPath(options)) as unknown[];
  for (const value of found) out.push(value);
}

// Hot path: a loop over precompiled segments; only filters, unions, slices and deep scans call
// into jsonpath-plus.
function walk(root: unknown, segments: readonly Segment[]): unknown[] {
  let current: unknown[] = [root];
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const node of current) {
      switch (segment.kind) {
        case 'name':
          if (isPlainObject(node) && Object.hasOwn(node, segment.name)) next.push(node[segment.name]);
          break;
        case 'index':
          if (Array.isArray(node)) {
            const index = segment.index < 0 ? node.length + segment.index : segment.index;
            if (index >= 0 && index < node.length) next.push(node[index]);
          } else if (isPlainObject(node) && Object.hasOwn(node, String(segment.index))) {
            next.push(node[String(segment.index)]);
          }
          break;
        case 'wildcard':
          if (Array.isArray(node)) for (const item of node) next.push(item);
          else if (isPlainObject(node)) for (const key of Object.keys(node)) next.push(node[key]);
          break;
        case 'filter':
          // Jayway applies a filter on an object to the object itself, on an array to its items.
          if (Array.isArray(node)) delegate(node, segment, root, next);
          else if (isPlainObject(node)) delegate([node], segment, root, next);
          break;
        case 'delegate':
          delegate(node, segment, root, next);
          break;
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

function applyFunction(name: string, value: unknown): unknown {
  if (name === 'keys') return isPlainObject(value) ? Object.keys(value) : undefined;
  if (name === 'length' || name === 'size') {
    if (Array.isArray(value) || typeof value === 'string') return value.length;
    if (isPlainObject(value)) return Object.keys(value).length;
    return undefined;
  }
  if (!Array.isArray(value) || value.length === 0) return undefined;
  if (name === 'first') return value[0];
  if (name === 'last') return value[value.length - 1];
  const numbers = value.filter((item): item is number => typeof item === 'number');
  if (numbers.length === 0) return undefined;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  // Loops, not Math.min(...numbers): a request's array may be longer than the call stack allows.
  for (const n of numbers) {
    sum += n;
    if (n < min || Number.isNaN(n)) min = n;
    if (n > max || Number.isNaN(n)) max = n;
  }
  // Jayway computes these as doubles, which WireMock then writes as 6.0 rather than 6.
  switch (name) {
    case 'min':
      return new JavaDouble(min);
    case 'max':
      return new JavaDouble(max);
    case 'sum':
      return new JavaDouble(sum);
    case 'avg':
      return new JavaDouble(sum / numbers.length);
    default: {
      const mean = sum / numbers.length;
      return new JavaDouble(Math.sqrt(numbers.reduce((acc, n) => acc + (n - mean) ** 2, 0) / numbers.length));
    }
  }
}

/**
 * Compiles a JSONPath expression (Jayway dialect). Throws a SyntaxError naming the problem when
 * the expression cannot be used.
 */
export function compileJsonPath(expression: string): CompiledJsonPath {
  let path = expression.trim();
  if (path === '') throw new SyntaxError('the expression is empty');
  if (!path.startsWith('$')) path = path.startsWith('[') ? '$' + path : '$.' + path;

  let fn: string | undefined;
  const trailing = /\.([A-Za-z]+)\(\)$/.exec(path);
  if (trailing !== null) {
    if (!TRAILING_FUNCTIONS.has(trailing[1]!)) throw new SyntaxError(`the function ${trailing[1]}() is not supported`);
    fn = trailing[1];
    path = path.slice(0, trailing.index);
  } else if (/\.[A-Za-z]+\([^)]*\)$/.test(path)) {
    throw new SyntaxError('functions with arguments are not supported');
  }

  checkBrackets(path);
  const segments = toSegments(translateFilters(path));
  const isDefinite = fn !== undefined || segments.every((s) => s.kind === 'name' || s.kind === 'index');
  const pathIsDefinite = segments.every((s) => s.kind === 'name' || s.kind === 'index');

  return {
    expression,
    isDefinite,
    evaluate(root: unknown): unknown[] {
      const found = walk(root, segments);
      if (fn === undefined) return found;
      if (pathIsDefinite && found.length === 0) return [];
      const result = applyFunction(fn, pathIsDefinite ? found[0] : found);
      return result === undefined ? [] : [result];
    },
  };
}
