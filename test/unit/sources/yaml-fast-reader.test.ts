import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isScalar, parseDocument, visit } from 'yaml';
import { loadFastYamlReader, readYamlFast } from '../../../src/sources/stub-file.js';

/**
 * What `yaml` (the reader that reports positions, and the reference) makes of a text, as a stub file's reader
 * uses it; undefined when that refuses the text (an error, a key that is a list or a map, an alias it cannot resolve).
 */
function asYamlReadsIt(text: string): { value: unknown } | undefined {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return undefined;
  let collectionKey = false;
  visit(doc, { Pair: (_key, pair) => { if (pair.key !== null && !isScalar(pair.key)) collectionKey = true; } });
  if (collectionKey) return undefined;
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch {
    return undefined;
  }
}

/** js-yaml agrees with `yaml` whenever the fast path reads a text with it, and never reads one `yaml` refuses. */
function assertAgrees(text: string): boolean {
  const fast = readYamlFast(text);
  if (fast === undefined) return false;
  const reference = asYamlReadsIt(text);
  assert.ok(reference, `js-yaml read a text yaml refuses:\n${text}`);
  assert.deepStrictEqual(fast.value, reference.value, `js-yaml reads this otherwise than yaml:\n${text}`);
  return true;
}

/** A small seeded generator (mulberry32): the same documents on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['request', 'response', 'method', 'url', 'Content-Type', 'x.y', '$k', '_k', 'a/b', '1', '0', '007', '12', 'true', 'True', 'NULL', 'null',
  '~', '__proto__', 'a b', '"q"', "'q'", '1.5', 'k:', 'a#b', '-k', '.k', 'k ', '? k', '&a k', 'caf\u00e9', 'constructor', 'yes'];
const SCALARS = ['GET', '/a/b', 'http://x:8080/y', 'a #c', 'a#b', "'it''s'", "''", '""', '"dq"', '"a\\tb"', "'unterminated", '"unterminated', '200', '0', '007',
  '-1', '1.5', '1e3', '.inf', '.nan', 'true', 'True', 'TRUE', 'tRue', 'false', 'yes', 'no', 'on', 'null', 'Null', '~', 'NULL', 'a: b', 'a:', 'a:b', 'a :b',
  '[1, 2]', '{a: 1}', '&x a', '*x', '!t a', '!!str 1', '|', '>', '@a', '`a', '%a', 'a b   ', 'caf\u00e9', 'nb\u00a0', 'nb\u00a0 #c', 'emoji \u{1F600}',
  '"a # b"', "'a # b'", '"x"y', "'x' y", "'x' #c", '"x"#c', '- a', '-a', '?', '?a', ':', ',a', 'a,b', 'a]', 'a}', '123456789012345', '1234567890123456',
  '0x1F', '0o7', '+1', '2001-12-14', '12:30', 'a\ttab', 'a\rb', '<<', '=', 'a  b', "it's", 'say "hi"', 'back\\slash', '#', 'a\u2028b', 'x---y'];
/** What most stub files are made of, drawn more often than the rest so that many documents are in the reader's subset. */
const COMMON_KEYS = ['request', 'response', 'method', 'url', 'Content-Type', 'status', 'body', 'x.y', '1', 'a/b'];
const COMMON_SCALARS = ['GET', '/a/b', 'http://x:8080/y', 'a #c', "'it''s'", '"dq"', '200', '0', 'true', 'null', '~', 'application/json', "'{\"ok\":true}'", 'a b'];
const FLOW_SCALARS = ['GET', '/a/b', 'http://x:8080/y', "'it''s, ok'", '"a, b"', '200', 'true', 'null', '~', 'a b', 'a:b', 'a: b', 'a:', '-1', '1.5',
  "'x'y", '"q"', '#c', 'a #c', '', 'x}', 'y]', '*x', '&a x', '!t x', '?', 'yes'];
const FLOW_KEYS = ['method', 'url', 'equalTo', 'Content-Type', '1', 'true', 'null', '"q"', "'q'", 'a b', '__proto__', '', '? k'];

/** A flow collection on one line, now and then with something only the full readers take. */
function flow(r: () => number, depth: number): string {
  const count = Math.floor(r() * 4);
  const items: string[] = [];
  const isMap = r() < 0.6;
  for (let k = 0; k < count; k++) {
    const value = depth < 2 && r() < 0.25 ? flow(r, depth + 1) : pick(r, r() < 0.8 ? FLOW_SCALARS.slice(0, 10) : FLOW_SCALARS);
    const sep = r() < 0.05 ? ':' : ': ';
    items.push(isMap ? `${pick(r, r() < 0.85 ? FLOW_KEYS.slice(0, 4) : FLOW_KEYS)}${sep}${value}` : value);
  }
  const comma = r() < 0.1 ? ',' : ', ';
  const trailing = r() < 0.05 ? ',' : '';
  const pad = r() < 0.5 ? ' ' : '';
  return isMap ? `{${pad}${items.join(comma)}${trailing}${pad}}` : `[${pad}${items.join(comma)}${trailing}${pad}]`;
}

const LITERAL_HEADERS = ['|', '|-', '|+', '|2', '| # c', '|#c', '>', '>-', '|  '];
const LITERAL_LINES = ['text', "it's: a # line", '  more indented', '', '', '# not a comment', '   ', '- item', 'a: b', '{x}', 'end'];

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)]!;
}

/** A random document of nested mappings, sequences, scalars, literal blocks, comments and blank lines, now and then badly indented. */
function generate(r: () => number): string {
  const lines: string[] = [];
  const pad = (n: number): string => ' '.repeat(Math.max(0, n));
  const noise = (indent: number): void => {
    const x = r();
    if (x < 0.05) lines.push('');
    else if (x < 0.08) lines.push(`${pad(Math.floor(r() * (indent + 3)))}# a comment: with - things`);
    else if (x < 0.085) lines.push(pad(2));
  };
  const literal = (indent: number): string[] => {
    const inner = indent + 1 + Math.floor(r() * 3);
    const out: string[] = [];
    const count = 1 + Math.floor(r() * 4);
    for (let k = 0; k < count; k++) {
      const l = pick(r, LITERAL_LINES);
      out.push(l === '' ? '' : `${pad(r() < 0.05 ? inner - 1 : inner)}${l}`);
    }
    return out;
  };
  /** Writes a value after `head` (a key with its colon, or a dash) at `indent`. */
  const value = (head: string, indent: number, depth: number, ofKey: boolean): void => {
    const x = r();
    if (x < 0.37 || depth > 3) {
      lines.push(`${pad(indent)}${head} ${pick(r, r() < 0.85 ? COMMON_SCALARS : SCALARS)}${r() < 0.1 ? '   # trailing' : ''}`);
    } else if (x < 0.45) {
      lines.push(`${pad(indent)}${head} ${flow(r, 0)}${r() < 0.1 ? '   # trailing' : ''}${r() < 0.03 ? ' x' : ''}`);
    } else if (x < 0.55) {
      lines.push(`${pad(indent)}${head} ${pick(r, LITERAL_HEADERS)}`);
      lines.push(...literal(indent));
    } else if (x < 0.6) {
      lines.push(`${pad(indent)}${head}${r() < 0.5 ? '' : ' # empty'}`);
    } else {
      lines.push(`${pad(indent)}${head}`);
      const sameIndent = ofKey && r() < 0.2;
      const inner = sameIndent ? indent : indent + (r() < 0.1 ? 1 : 2) + (r() < 0.1 ? 2 : 0);
      node(inner, depth + 1, sameIndent ? 'sequence' : undefined);
    }
  };
  const node = (indent: number, depth: number, kind?: 'mapping' | 'sequence'): void => {
    const count = 1 + Math.floor(r() * 4);
    const asSequence = kind === 'sequence' || (kind === undefined && r() < 0.35);
    for (let k = 0; k < count; k++) {
      noise(indent);
      const at = r() < 0.03 ? indent + 1 : indent;
      if (!asSequence) {
        value(`${pick(r, r() < 0.85 ? COMMON_KEYS : KEYS)}:`, at, depth, true);
      } else if (r() < 0.35 && depth < 3) {
        // `- key: value` and the entries under it, lined up with the first key.
        const spaces = 1 + (r() < 0.2 ? 2 : 0);
        const first = lines.length;
        node(at + 1 + spaces, depth + 1, r() < 0.85 ? 'mapping' : 'sequence');
        const line = lines[first];
        if (line !== undefined) lines[first] = `${pad(at)}-${line.slice(at + 1)}`;
      } else {
        value('-', at, depth, false);
      }
    }
  };
  node(r() < 0.05 ? 2 : 0, 0);
  if (r() < 0.3) lines.push('');
  return lines.join('\n');
}

describe('the YAML texts js-yaml reads, read as yaml reads them', () => {
  before(() => loadFastYamlReader());

  const refused: Array<[string, string]> = [
    ['an empty key in a flow mapping (js-yaml: "null", yaml: "")', 'request: { : x }\n'],
    ['an empty key in a block mapping', '- : x\n'],
    ['an empty explicit key', 'a: [ ? ]\n'],
    ['a line of spaces (the two keep it differently at the end of a block scalar)', 'a: |\n  x\n   \n'],
    ['a block scalar with an indentation indicator', 'a: |2\n    x\n'],
    ['an anchor and an alias', 'a: &x b\nc: *x\n'],
    ['a %YAML directive', '%YAML 1.1\n---\na: yes\n'],
    ['a key spelt null', 'null: 1\n'],
  ];
  for (const [what, text] of refused) {
    it(`leaves ${what} to yaml`, () => {
      assert.equal(readYamlFast(text), undefined);
    });
  }

  it('reads 5,000 generated documents as yaml does, or leaves them to yaml', function () {
    this.timeout(60_000);
    const r = random(22);
    let read = 0;
    let valid = 0;
    for (let n = 0; n < 5000; n++) {
      const text = generate(r);
      if (asYamlReadsIt(text)) valid++;
      if (assertAgrees(text)) read++;
    }
    // The generator writes plenty js-yaml must take: a fast path that gave up on everything would pass the rest.
    assert.ok(valid > 1000, `only ${valid} of the generated documents are valid YAML`);
    assert.ok(read > valid / 2, `js-yaml read only ${read} of ${valid} valid documents`);
  });

  it('reads the shipped example stubs and templates as yaml does', () => {
    const files = ['stubs/users.yaml', ...readdirSync('templates/init').filter((f) => f.endsWith('.yaml')).map((f) => `templates/init/${f}`)];
    assert.ok(files.length > 1);
    for (const file of files) assert.ok(assertAgrees(readFileSync(file, 'utf8')), file);
  });
});
