import assert from 'node:assert/strict';
import { parseDocument } from 'yaml';
import { nodeToJson, toPlainDecimal } from '../../../src/sources/json-source.js';

describe('JSON from the source, numbers as written', () => {
  const cases: Array<[string, string]> = [
    ['{"price": 1.0, "total": 10.50, "id": 9007199254740993}', '{"price":1.0,"total":10.50,"id":9007199254740993}'],
    ['[1e3, 2.5E-7, -1.25e+2, 0, -0.5]', '[1000,0.00000025,-125,0,-0.5]'],
    ['a: 1.0\nb: [x, true, null]\nc: { d: "e" }', '{"a":1.0,"b":["x",true,null],"c":{"d":"e"}}'],
    ['a: 0x1F\nb: &n 5\nc: *n', '{"a":31,"b":5,"c":5}'],
  ];
  for (const [src, want] of cases) {
    it(`${src.replace(/\n/g, ' ')} → ${want}`, () => {
      const doc = parseDocument(src);
      assert.equal(nodeToJson(doc.contents, doc), want);
    });
  }
  it('plain decimals', () => {
    assert.equal(toPlainDecimal('2.5E-7'), '0.00000025');
    assert.equal(toPlainDecimal('1.50E2'), '150');
    assert.equal(toPlainDecimal('1.5E1'), '15');
    assert.equal(toPlainDecimal('12.345E1'), '123.45');
    assert.equal(toPlainDecimal('10.50'), '10.50');
  });
  it('gives up (undefined) on what JSON cannot hold, so the caller falls back', () => {
    const doc = parseDocument('a: .inf');
    assert.equal(nodeToJson(doc.contents, doc), undefined);
  });
});
