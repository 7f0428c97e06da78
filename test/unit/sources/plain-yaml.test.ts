import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { isScalar, parseDocument, visit } from 'yaml';
import { NOT_PLAIN, readPlainYaml } from '../../../src/sources/plain-yaml.js';
import { parseStubFile } from '../../../src/sources/stub-file.js';

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

/** The plain reader agrees with `yaml` whenever it reads a text, and never reads one `yaml` refuses. */
function assertAgrees(text: string): boolean {
  const plain = readPlainYaml(text);
  if (plain === NOT_PLAIN) return false;
  const reference = asYamlReadsIt(text);
  assert.ok(reference, `the plain reader read a text yaml refuses:\n${text}`);
  assert.deepStrictEqual(plain, reference.value, `the plain reader reads this otherwise than yaml:\n${text}`);
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
    if (x < 0.45 || depth > 3) {
      lines.push(`${pad(indent)}${head} ${pick(r, r() < 0.85 ? COMMON_SCALARS : SCALARS)}${r() < 0.1 ? '   # trailing' : ''}`);
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

describe('the plain block YAML reader', () => {
  const read: Array<[string, string, unknown]> = [
    ['a stub in block style', 'request:\n  method: GET\n  url: /startup/1\nresponse:\n  status: 200\n  headers:\n    Content-Type: application/json\n  body: \'{"ok":true}\'\n',
      { request: { method: 'GET', url: '/startup/1' }, response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' } }],
    ['a list of stubs, with comments and blank lines', '# stubs\n- request:\n    method: GET   # why not\n    url: /a\n\n  response:\n    status: 201\n# between\n- request:\n    urlPath: /b\n  response:\n    status: 204\n',
      [{ request: { method: 'GET', url: '/a' }, response: { status: 201 } }, { request: { urlPath: '/b' }, response: { status: 204 } }]],
    ['a sequence at its key\'s indentation', 'a:\n- x\n- y: 1\n  z: ~\nb: null\n', { a: ['x', { y: 1, z: null }], b: null }],
    ['literal block scalars', 'a: |\n  one\n\n    two\n  # three\n\nb: |-\n  four\nc: x\n', { a: 'one\n\n  two\n# three\n', b: 'four', c: 'x' }],
    ['quoted scalars', 'a: \'it\'\'s # not a comment\'\nb: "say \'hi\'"   # a comment\nc: \'\'\n', { a: "it's # not a comment", b: "say 'hi'", c: '' }],
    ['booleans, nulls and integers of the core schema', 'a: True\nb: FALSE\nc: ~\nd: Null\ne:\nf: 0\ng: 404\nh: yes\n', { a: true, b: false, c: null, d: null, e: null, f: 0, g: 404, h: 'yes' }],
  ];
  for (const [what, text, expected] of read) {
    it(`reads ${what} as yaml does`, () => {
      assert.deepStrictEqual(readPlainYaml(text), expected);
      if (expected !== NOT_PLAIN) assert.ok(assertAgrees(text));
    });
  }

  const refused: Array<[string, string]> = [
    ['a tab', 'a:\tb\n'],
    ['a carriage return', 'a: b\r\n'],
    ['a flow mapping', 'request: { method: GET }\n'],
    ['an anchor and an alias', 'a: &x b\nc: *x\n'],
    ['a %YAML directive', '%YAML 1.1\n---\na: yes\n'],
    ['a number that is not a plain integer', 'a: 1.0\n'],
    ['a key yaml reads as null', 'null: 1\n'],
    ['a repeated key', 'a: 1\na: 2\n'],
    ['an escape in double quotes', 'a: "x\\ty"\n'],
    ['a plain scalar on two lines', 'a: one\n  two\n'],
    ['a folded block scalar', 'a: >\n  one\n  two\n'],
    ['an empty text', ''],
    ['a scalar document', 'hello\n'],
  ];
  for (const [what, text] of refused) {
    it(`leaves ${what} to the full readers`, () => {
      assert.equal(readPlainYaml(text), NOT_PLAIN);
    });
  }

  it('reads 5,000 generated documents as yaml does, or leaves them to the full readers', () => {
    const r = random(22);
    let read = 0;
    let valid = 0;
    for (let n = 0; n < 5000; n++) {
      const text = generate(r);
      if (asYamlReadsIt(text)) valid++;
      if (assertAgrees(text)) read++;
    }
    // The generator writes plenty the reader must take: a reader that gave up on everything would pass the rest.
    assert.ok(valid > 1000, `only ${valid} of the generated documents are valid YAML`);
    assert.ok(read > valid / 3, `the plain reader read only ${read} of ${valid} valid documents`);
  });

  it('a stub file of block mappings nested deeper than 256 levels is still refused with its message', () => {
    const depth = 300;
    const lines = ['request:', '  url: /deep', 'response:', '  jsonBody:'];
    for (let d = 0; d < depth; d++) lines.push(`${' '.repeat(4 + 2 * d)}k${d}:`);
    lines.push(`${' '.repeat(4 + 2 * depth)}leaf: 1`);
    const text = `${lines.join('\n')}\n`;
    assert.notEqual(readPlainYaml(text), NOT_PLAIN);
    const parsed = parseStubFile(text, { displayPath: 'deep.yaml', idSeed: 'deep.yaml', sequenceFor: () => 0, readBodyFile: () => { throw new Error('no body files'); } });
    assert.equal(parsed.stubs.length, 0);
    assert.match(parsed.errors[0]!.format(), /^deep\.yaml DECOY_ERR_STUB_INVALID the file nests lists and objects more than 256 levels deep/);
  });

  it('reads the shipped example stubs and templates as yaml does', () => {
    const files = ['stubs/users.yaml', ...readdirSync('templates/init').filter((f) => f.endsWith('.yaml')).map((f) => `templates/init/${f}`)];
    assert.ok(files.length > 1);
    for (const file of files) assertAgrees(readFileSync(file, 'utf8'));
  });
});
