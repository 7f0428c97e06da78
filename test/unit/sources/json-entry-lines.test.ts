/**
 * The stub lines of a JSON stub file, found in one pass over its text at load (so that no stub keeps the
 * text), against the YAML parser's positions (`locate`), which the loader used before and still uses for
 * files with a problem: the same line for every stub, whatever the layout, indentation, line endings and
 * string contents; and no answer where the two readings could differ.
 */
import assert from 'node:assert/strict';
import { LineCounter, parseDocument } from 'yaml';
import { jsonEntryLines, type JsonStubLayout } from '../../../src/sources/json-entry-lines.js';
import { locate } from '../../../src/sources/stub-file.js';

/** What the YAML parser says: the line of each stub's pointer. */
function yamlLines(text: string, pointers: string[]): Array<number | undefined> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  return pointers.map((p) => locate(doc, lines, p)?.line);
}

function layoutOf(data: unknown): { layout: JsonStubLayout; pointers: string[] } {
  if (Array.isArray(data)) return { layout: 'list', pointers: data.map((_, i) => `/${i}`) };
  const mappings = (data as { mappings?: unknown[] }).mappings;
  if (mappings) return { layout: 'mappings', pointers: mappings.map((_, i) => `/mappings/${i}`) };
  return { layout: 'single', pointers: [''] };
}

const stub = (i: number) => ({
  request: { method: 'GET', urlPattern: `/items/${i}/[a-z]+`, headers: { Accept: { contains: '}{][' } } },
  response: { status: 200, jsonBody: { quote: 'say "hi" \\ [', nested: [[{}], [], { a: [1, { b: null }] }], text: 'line\u2028sep\u00e9 \u{1F600}' } },
});

/** The same stubs written the ways files are: pretty (2, 4, tab), minified, CRLF, wrapped in other keys. */
function variants(): string[] {
  const stubs = Array.from({ length: 7 }, (_, i) => stub(i));
  const out: string[] = [];
  for (const data of [{ mappings: stubs }, stubs, stubs[0], { meta: { total: 7, list: [1, [2]] }, mappings: stubs, importOptions: { duplicatePolicy: 'IGNORE' } }, { mappings: [] }, []]) {
    for (const indent of [2, 4, '\t', undefined]) {
      const text = JSON.stringify(data, null, indent);
      out.push(text, `\n\n  ${text}\n`, text.replace(/\n/g, '\r\n'));
    }
  }
  // Hand-written: several stubs on a line, blank lines between, a stub on the line of `[`.
  out.push('{ "mappings": [ {"request": {"url": "/a"}, "response": {}}, {"request": {"url": "/b"}, "response": {}},\n\n\n   {"request": {"url": "/c"},\n "response": {}}\n] }');
  out.push('[{"request":{"url":"/a"},"response":{}}\n,\n{"request":{"url":"/b"},"response":{}}]');
  out.push('{"request":{"url":"/\\"mappings\\""},"response":{"body":"\\\\"}}');
  out.push('{"mappin\\u0067s": [\n{"request":{"url":"/a"},"response":{}},\n{"request":{"url":"/b"},"response":{}}]}');
  return out;
}

describe('stub lines of a JSON stub file, found while it loads', () => {
  it('are the lines the YAML parser gives each stub, in every layout, indentation and line ending', () => {
    let checked = 0;
    for (const text of variants()) {
      const data: unknown = JSON.parse(text);
      const { layout, pointers } = layoutOf(data);
      const lines = jsonEntryLines(text, layout, pointers.length);
      assert.deepEqual(lines, yamlLines(text, pointers), text.slice(0, 200));
      checked += pointers.length;
    }
    assert.ok(checked > 100);
  });

  it('gives no answer where the YAML parser could read the text differently: a lone CR, a second mappings key, mappings not a list', () => {
    assert.equal(jsonEntryLines('{"mappings":\r[{"request":{}}]}', 'mappings', 1), undefined);
    assert.equal(jsonEntryLines('{"mappings": [{"a": 1}],\n"mappings": [{"b": 1}]}', 'mappings', 1), undefined);
    assert.equal(jsonEntryLines('{"mappings": 7}', 'mappings', 0), undefined);
    assert.equal(jsonEntryLines('{"request": {},\r"response": {}}', 'single', 1), undefined);
    assert.equal(jsonEntryLines('[{"request": {}},\r{"request": {}}]', 'list', 2), undefined);
  });
});
