import assert from 'node:assert/strict';
import { compileJsonPath } from '../../../../src/core/matching/json-path.js';
import { JavaDouble, javaNumber, renderJacksonPretty, renderJavaString } from '../../../../src/core/matching/json-render.js';

const doc = {
  store: {
    book: [
      { title: 'A', price: 8.95, tags: ['x'] },
      { title: 'B', price: 12.99, isbn: '123' },
      { title: 'C', price: 8.99 },
    ],
    bicycle: { color: 'red', price: 19.95 },
  },
  'odd.key': 1,
};

describe('JSONPath (Jayway dialect)', () => {
  const cases: Array<[string, unknown[], boolean]> = [
    ['$.store.bicycle.color', ['red'], true],
    ['store.bicycle.color', ['red'], true],
    ["$['odd.key']", [1], true],
    ['$.store.book[0].title', ['A'], true],
    ['$.store.book[-1].title', ['C'], true],
    ['$.store.book[5].title', [], true],
    ['$.store.book[*].title', ['A', 'B', 'C'], false],
    ['$.store.book[0,2].title', ['A', 'C'], false],
    ['$.store.book[:2].title', ['A', 'B'], false],
    ['$..price', [8.95, 12.99, 8.99, 19.95], false],
    ['$.store.book[?(@.price < 10)].title', ['A', 'C'], false],
    ['$.store.book[?(@.isbn)].title', ['B'], false],
    ["$.store.book[?(@.title =~ /[ab]/i)].title", ['A', 'B'], false],
    ["$.store.book[?(@.title in ['A','C'])].title", ['A', 'C'], false],
    // Spring Cloud Contract's bracket form of a filter operand, `@.['name']`.
    ["$.store.book[?(@.['title'] =~ /[AB]/)].title", ['A', 'B'], false],
    ["$.store.book[?(@.['price'] > 10)].title", ['B'], false],
    ["$.store.book[?(@.title nin ['A','C'])].title", ['B'], false],
    ['$.store.book[?(@.tags size 1)].title', ['A'], false],
    ['$.store.book[?(@.price > $.store.bicycle.price)]', [], false],
    ['$.store.bicycle[?(@.color == "red")].price', [19.95], false],
    ['$.store.book.length()', [3], true],
    ['$.store.book[*].price.min()', [new JavaDouble(8.95)], true],
    ['$.store.bicycle.keys()', [['color', 'price']], true],
    ['$.store.book[0].title.length()', [1], true],
    ['$.nothing.length()', [], true],
  ];
  for (const [path, expected, definite] of cases) {
    it(`${path} selects ${JSON.stringify(expected)}`, () => {
      const compiled = compileJsonPath(path);
      assert.deepEqual(compiled.evaluate(doc), expected);
      assert.equal(compiled.isDefinite, definite);
    });
  }

  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['$.a[', /missing '\]'/],
    ['$.a]', /unexpected '\]'/],
    ['$.a.', /ends with a dot/],
    ['$[?(@.a ==)]', /invalid filter/],
    ['$[?(@.a == 1]', /unbalanced/],
    ['$[?(@.a subsetof [1])]', /subsetof is not supported/],
    ['$[?(nope(1))]', /invalid filter/],
    ['$.a.concat("x")', /functions with arguments/],
    ['$.a.foo()', /foo\(\) is not supported/],
    ["$[?(@.a == 'x)]", /unterminated string/],
  ];
  for (const [path, message] of bad) {
    it(`rejects ${JSON.stringify(path)}`, () => assert.throws(() => compileJsonPath(path), message));
  }

  it('never evaluates code outside the safe sandbox', () => {
    const path = compileJsonPath("$[?(@.constructor.constructor('return process')())]");
    assert.deepEqual(path.evaluate([{ a: 1 }]), []);
  });
});

describe('rendering JSONPath results as WireMock does', () => {
  it('writes objects with Jackson\'s pretty printer', () => {
    assert.equal(renderJacksonPretty({ a: 1, b: [1, 'x'], c: { d: true }, e: {}, f: [] }), '{\n  "a" : 1,\n  "b" : [ 1, "x" ],\n  "c" : {\n    "d" : true\n  },\n  "e" : { },\n  "f" : [ ]\n}');
    assert.equal(renderJacksonPretty([{ id: 1 }, { id: 2 }]), '[ {\n  "id" : 1\n}, {\n  "id" : 2\n} ]');
  });

  it('writes list elements with Java\'s toString', () => {
    assert.equal(renderJavaString({ a: 1, b: ['x', null], c: { d: 'e' } }), '{a=1, b=[x, null], c={d=e}}');
  });

  it('writes numbers as Java doubles do', () => {
    assert.equal(javaNumber(1.5), '1.5');
    assert.equal(javaNumber(12), '12');
    assert.equal(javaNumber(0.0001), '1.0E-4');
    assert.equal(javaNumber(12345678.9), '1.23456789E7');
    assert.equal(renderJavaString(new JavaDouble(6)), '6.0');
  });
});
