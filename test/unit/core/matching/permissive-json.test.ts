import assert from 'node:assert/strict';
import { parsePermissiveJson } from '../../../../src/core/matching/permissive-json.js';

// What json-smart's permissive mode (Jayway JsonPath's default, as WireMock 3.13.2 uses it) reads.
describe('permissive JSON (json-smart)', () => {
  const reads: Array<[string, unknown]> = [
    ['{"a":[1,2.5,"x",true,null]}', { a: [1, 2.5, 'x', true, null] }],
    ['not json', 'not json'],
    ['  hello world \n', 'hello world'],
    ['a,b}', 'a,b}'], // an unquoted top-level value runs to the end
    ['12a', '12a'],
    ['01', 1],
    ['true x', 'true x'],
    ['  ', ''],
    ["{a: x y, 'b': 'q'}", { a: 'x y', b: 'q' }],
    ['{"a":1,}', { a: 1 }],
    ['{,}', {}],
    ['[1,,2]', [1, 2]],
    ['[,]', []],
    ['["a" "b" c d, e]', ['a', 'b', 'c d', 'e']],
    ['[a:b, c}d]', ['a:b', 'c}d']],
    ['{"a":1} trailing', { a: 1 }],
    ['"abc" def', 'abc'],
    ['"a\\u0041\\n"', 'aA\n'],
    ['null', null],
  ];
  for (const [text, value] of reads) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parsePermissiveJson(text), { ok: true, value }));
  }

  for (const text of ['{broken', '[1,2', '"abc', "'abc", ':x', ']x', '}x', '{"a":"x" "b":"y"}', '{"a"}', '["a" }]', '[1}']) {
    it(`rejects ${JSON.stringify(text)}`, () => assert.deepEqual(parsePermissiveJson(text), { ok: false }));
  }
});
