import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { DecoyError } from '../../../../src/core/errors.js';
import { createBodyView } from '../../../../src/core/matching/body-view.js';
import {
  compileMultiValueMatcher,
  compileValueMatcher,
  MULTI_VALUE_OPERATORS,
  VALUE_OPERATOR_OPTIONS,
  VALUE_OPERATORS,
} from '../../../../src/core/matching/value-matchers.js';

/** 2024-05-15T10:30:00Z, a Wednesday. */
const NOW = Date.UTC(2024, 4, 15, 10, 30, 0);
const clock = { now: () => NOW };

/** [pattern, value (undefined = missing), expected match] */
type Row = [unknown, string | undefined, boolean];

/** Runs rows as plain values (headers, parameters) and, for body-ish operators, through a BodyView too. */
function table(title: string, rows: Row[], options: { body?: boolean } = {}): void {
  describe(title, () => {
    for (const [def, value, expected] of rows) {
      const label = `${JSON.stringify(def)} ${expected ? 'matches' : 'does not match'} ${value === undefined ? '(missing)' : JSON.stringify(value)}`;
      it(label, () => {
        const matcher = compileValueMatcher(def, '/request/x', clock);
        assert.equal(matcher.test(value), expected, 'as a plain value');
        if (options.body && value !== undefined) {
          const body = createBodyView(Buffer.from(value, 'utf8'));
          assert.equal(matcher.test(body.text, body), expected, 'as a body');
        }
        const distance = matcher.distance(value);
        assert.ok(distance >= 0 && distance <= 1, `distance ${distance} within 0..1`);
        if (expected) assert.equal(distance, 0, 'a match has distance 0');
        else assert.ok(distance > 0, 'a non-match has a positive distance');
        assert.ok(matcher.explain().length > 0);
      });
    }
  });
}

function compileFails(def: unknown, pointer: string, message: RegExp): void {
  assert.throws(
    () => compileValueMatcher(def, '/request/headers/Accept', clock),
    (err: unknown) => {
      assert.ok(err instanceof DecoyError, 'a DecoyError');
      assert.equal(err.code, 'DECOY_ERR_STUB_COMPILE');
      assert.equal(err.source?.pointer, pointer);
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('value matchers', () => {
  table('equalTo', [
    ['foo', 'foo', true], // Decoy shorthand
    ['foo', 'Foo', false],
    [{ equalTo: 'foo' }, 'foo', true],
    [{ equalTo: 'foo' }, 'foo ', false],
    [{ equalTo: 'foo' }, undefined, false],
    [{ equalTo: '' }, '', true],
    [{ equalTo: 'FoO', caseInsensitive: true }, 'fOo', true],
    [{ equalTo: 'FoO', caseInsensitive: true }, 'fOoo', false],
    [{ equalTo: 'a.b', caseInsensitive: true }, 'AxB', false], // the expected text is literal, not a regex
    [{ equalTo: 'ÉTÉ', caseInsensitive: true }, 'été', true],
    [{ equalTo: 'x', caseInsensitive: true }, undefined, false],
    [{ equalTo: 'x', caseInsensitive: false }, 'X', false],
    [{ equalTo: 200 }, '200', true], // YAML numbers are read as their text
  ]);

  table('contains and doesNotContain', [
    [{ contains: 'ell' }, 'hello', true],
    [{ contains: 'ELL' }, 'hello', false],
    [{ contains: 'x' }, undefined, false],
    [{ doesNotContain: 'x' }, 'hello', true],
    [{ doesNotContain: 'ell' }, 'hello', false],
    [{ doesNotContain: 'x' }, undefined, true], // WireMock: a missing value contains nothing
  ]);

  table('matches and doesNotMatch (Java regex, whole value)', [
    [{ matches: 'a.*z' }, 'abcz', true],
    [{ matches: 'b' }, 'abc', false], // must match the whole value
    [{ matches: 'a.c' }, 'a\nc', true], // DOTALL, as WireMock compiles
    [{ matches: '(?i)abc' }, 'ABC', true],
    [{ matches: 'a|b' }, 'b', true], // alternation stays inside the anchors
    [{ matches: 'a|b' }, 'ab', false],
    [{ matches: '\\p{Alpha}+\\p{Digit}' }, 'abc1', true],
    [{ matches: '\\p{L}+' }, 'héllo', true],
    [{ matches: '\\Qa.b\\E' }, 'a.b', true],
    [{ matches: '\\Qa.b\\E' }, 'axb', false],
    [{ matches: 'a++b' }, 'aab', true], // possessive quantifier
    [{ matches: '(?>ab)c' }, 'abc', true], // atomic group
    [{ matches: '\\Aab\\z' }, 'ab', true],
    [{ matches: '\\d+' }, undefined, false],
    [{ doesNotMatch: '\\d+' }, 'abc', true],
    [{ doesNotMatch: '\\d+' }, '123', false],
    [{ doesNotMatch: 'b' }, 'abc', true], // whole-value semantics for the negation too
    [{ doesNotMatch: '.*' }, undefined, true], // verified against WireMock 3.13.2
  ]);

  table('absent and anything', [
    [{ absent: true }, undefined, true],
    [{ absent: true }, '', false],
    [{ absent: true }, 'x', false],
    [{ absent: false }, undefined, true], // WireMock reads the key, not its value
    [{ anything: true }, 'x', true],
    [{ anything: true }, undefined, true],
  ]);

  table(
    'equalToJson',
    [
      [{ equalToJson: '{"a":1,"b":[1,2]}' }, '{ "b": [1, 2], "a": 1 }', true],
      [{ equalToJson: { a: 1, b: [1, 2] } }, '{"a":1,"b":[1,2]}', true], // inline JSON
      [{ equalToJson: { a: 1 } }, '{"a":1.0}', true], // numbers by value
      [{ equalToJson: { a: 1e2 } }, '{"a":100}', true],
      [{ equalToJson: { a: 1 } }, '{"a":"1"}', false],
      [{ equalToJson: { a: 1 } }, '{"a":1,"b":2}', false],
      [{ equalToJson: { a: null } }, '{}', false],
      [{ equalToJson: {} }, '', false],
      [{ equalToJson: {} }, 'not json', false],
      [{ equalToJson: '"abc"' }, '"abc"', true],
      [{ equalToJson: [1, 2] }, '[2,1]', false],
      [{ equalToJson: [1, 2], ignoreArrayOrder: true }, '[2,1]', true],
      [{ equalToJson: [1, 1, 2], ignoreArrayOrder: true }, '[1,2,2]', false], // a multiset, not a set
      [{ equalToJson: { a: [{ x: [1, 2] }, { x: [3] }] }, ignoreArrayOrder: true }, '{"a":[{"x":[3]},{"x":[2,1]}]}', true],
      [{ equalToJson: { a: { b: 1 } }, ignoreExtraElements: true }, '{"a":{"b":1,"c":2},"d":3}', true],
      [{ equalToJson: { a: { b: 1 } }, ignoreExtraElements: true }, '{"a":{"c":2}}', false],
      [{ equalToJson: [1, 2], ignoreExtraElements: true }, '[1,2,3]', true],
      [{ equalToJson: [2, 3], ignoreExtraElements: true }, '[1,2,3]', false], // extra items only at the end
      [{ equalToJson: [3, 1], ignoreExtraElements: true, ignoreArrayOrder: true }, '[1,2,3]', true],
      [{ equalToJson: [{ a: 1 }], ignoreExtraElements: true }, '[{"a":1,"b":2},{"a":5}]', true],
      [{ equalToJson: { a: 1, b: null }, ignoreNullElements: true }, '{"a":1}', true],
      [{ equalToJson: { a: 1 }, ignoreNullElements: true }, '{"a":1,"z":null}', true],
      [{ equalToJson: { a: 1 }, ignoreNullElements: false }, '{"a":1,"z":null}', false],
    ],
    { body: true },
  );

  table(
    'equalToJson placeholders',
    [
      [{ equalToJson: { id: '${json-unit.any-string}' } }, '{"id":"x1"}', true],
      [{ equalToJson: { id: '${json-unit.any-string}' } }, '{"id":1}', false],
      [{ equalToJson: { n: '${json-unit.any-number}' } }, '{"n":1.5}', true],
      [{ equalToJson: { n: '${json-unit.any-number}' } }, '{"n":"1.5"}', false],
      [{ equalToJson: { b: '${json-unit.any-boolean}' } }, '{"b":false}', true],
      [{ equalToJson: { b: '${json-unit.any-boolean}' } }, '{"b":"false"}', false],
      [{ equalToJson: { a: '${json-unit.ignore}', b: 1 } }, '{"a":null,"b":1}', true],
      [{ equalToJson: { a: '${json-unit.ignore}', b: 1 } }, '{"b":1}', false], // the key must be there
      [{ equalToJson: { a: '#{json-unit.ignore}' } }, '{"a":[1]}', true],
      [{ equalToJson: { a: '${json-unit.ignore-element}', b: 1 } }, '{"b":1}', true],
      [{ equalToJson: { a: '${json-unit.regex}\\d+' } }, '{"a":"123"}', true],
      [{ equalToJson: { a: '${json-unit.regex}\\d+' } }, '{"a":"12x"}', false],
      [{ equalToJson: { a: '${json-unit.regex}\\d+' } }, '{"a":123}', false], // strings only
      [{ equalToJson: { a: '${json-unit.regex}b' } }, '{"a":"abc"}', false], // whole string
      [{ equalToJson: '{"a":"${json-unit.any-string}"}' }, '{"a":"z"}', true],
      [{ equalToJson: [1, '${json-unit.ignore}'] }, '[1,{"q":1}]', true],
    ],
    { body: true },
  );

  table(
    'matchesJsonPath, simple form',
    [
      [{ matchesJsonPath: '$.a' }, '{"a":1}', true],
      [{ matchesJsonPath: '$.a' }, '{"b":1}', false],
      [{ matchesJsonPath: '$.a' }, '{"a":null}', false],
      [{ matchesJsonPath: '$.a' }, '{"a":false}', true],
      [{ matchesJsonPath: '$.a' }, '{"a":[]}', false], // WireMock 3.13: empty is not found
      [{ matchesJsonPath: '$.a' }, '{"a":{}}', false],
      [{ matchesJsonPath: '$.a' }, '<a/>', false], // XML is not read as JSON
      [{ matchesJsonPath: '$.a' }, 'nope', false],
      [{ matchesJsonPath: '$' }, 'nope', true], // one string
      [{ matchesJsonPath: '$' }, 'null', false],
      [{ matchesJsonPath: '$.a' }, undefined, false],
      [{ matchesJsonPath: 'a.b' }, '{"a":{"b":1}}', true], // $. is implied
      [{ matchesJsonPath: '$..c' }, '{"a":{"b":{"c":1}}}', true],
      [{ matchesJsonPath: '$..c' }, '{"a":{"b":{"d":1}}}', false],
      [{ matchesJsonPath: '$[?(@.a == 1)]' }, '{"a":1}', true], // a filter on an object tests the object
      [{ matchesJsonPath: '$[?(@.a == 2)]' }, '{"a":1}', false],
      [{ matchesJsonPath: '$.items[?(@.id > 1)]' }, '{"items":[{"id":1},{"id":2}]}', true],
      [{ matchesJsonPath: '$.items[?(@.id > 5)]' }, '{"items":[{"id":1},{"id":2}]}', false],
      [{ matchesJsonPath: "$.items[?(@.name == 'b' && @.id == 2)]" }, '{"items":[{"id":2,"name":"b"}]}', true],
      [{ matchesJsonPath: '$[?(@.a =~ /ab.*/i)]' }, '{"a":"ABc"}', true],
      [{ matchesJsonPath: '$[?(@.a =~ /b/)]' }, '{"a":"abc"}', false], // Jayway regexes match the whole value
      [{ matchesJsonPath: '$.items[?(@.id in [5,2])]' }, '{"items":[{"id":1},{"id":2}]}', true],
      [{ matchesJsonPath: '$.items[?(@.id nin [1,2])]' }, '{"items":[{"id":1},{"id":2}]}', false],
      [{ matchesJsonPath: '$[?(@.items size 2)]' }, '{"items":[1,2]}', true],
      [{ matchesJsonPath: '$[?(@.items empty false)]' }, '{"items":[1]}', true],
      [{ matchesJsonPath: '$[?(@.items empty true)]' }, '{"items":[1]}', false],
      [{ matchesJsonPath: '$.items[?(@.id == $.want)]' }, '{"want":2,"items":[{"id":1},{"id":2}]}', true],
      [{ matchesJsonPath: '$.items[?(@.missing.deeper == 1)]' }, '{"items":[{"id":1}]}', false],
    ],
    { body: true },
  );

  table(
    'matchesJsonPath, advanced form',
    [
      [{ matchesJsonPath: { expression: '$.a', equalTo: 'x' } }, '{"a":"x"}', true],
      [{ matchesJsonPath: { expression: '$.a', equalTo: 'x' } }, '{"a":"y"}', false],
      [{ matchesJsonPath: { expression: '$.n', equalTo: '12' } }, '{"n":12}', true],
      [{ matchesJsonPath: { expression: '$.n', equalTo: '1.5' } }, '{"n":1.50}', true],
      [{ matchesJsonPath: { expression: '$.s', matches: 'h.*o' } }, '{"s":"hello"}', true],
      [{ matchesJsonPath: { expression: '$.s', and: [{ contains: 'he' }, { contains: 'lo' }] } }, '{"s":"hello"}', true],
      [{ matchesJsonPath: { expression: '$.tags', equalTo: 'b' } }, '{"tags":["a","b"]}', true], // any element
      [{ matchesJsonPath: { expression: '$.tags', equalTo: '["a","b"]' } }, '{"tags":["a","b"]}', false],
      [{ matchesJsonPath: { expression: '$.tags', equalToJson: ['a', 'b'] } }, '{"tags":["a","b"]}', true], // the list as JSON
      [{ matchesJsonPath: { expression: '$.o', equalToJson: { x: 1 } } }, '{"o":{"x":1.0}}', true],
      [{ matchesJsonPath: { expression: '$.o', contains: '"x" : 1' } }, '{"o":{"x":1}}', true], // Jackson's layout
      [{ matchesJsonPath: { expression: '$.o', contains: '{"x":1}' } }, '{"o":{"x":1}}', false],
      [{ matchesJsonPath: { expression: '$.items[*]', equalTo: '{id=1}' } }, '{"items":[{"id":1}]}', true], // Java's toString
      [{ matchesJsonPath: { expression: '$.items[*].id', equalTo: '2' } }, '{"items":[{"id":1},{"id":2}]}', true],
      [{ matchesJsonPath: { expression: '$.a[0,2]', equalTo: '3' } }, '{"a":[1,2,3]}', true],
      [{ matchesJsonPath: { expression: '$.a[1:]', equalTo: '1' } }, '{"a":[1,2,3]}', false],
      [{ matchesJsonPath: { expression: '$.a[-1]', equalTo: '3' } }, '{"a":[1,2,3]}', true],
      [{ matchesJsonPath: { expression: '$.tags.length()', equalTo: '2' } }, '{"tags":["a","b"]}', true],
      [{ matchesJsonPath: { expression: '$.a.sum()', equalTo: '6.0' } }, '{"a":[1,2,3]}', true], // a Java double
      [{ matchesJsonPath: { expression: '$.a.max()', equalTo: '3.0' } }, '{"a":[1,2,3]}', true],
      [{ matchesJsonPath: { expression: '$.zz', absent: true } }, '{"a":1}', true],
      [{ matchesJsonPath: { expression: '$.a', absent: true } }, '{"a":1}', false],
      [{ matchesJsonPath: { expression: '$.zz', doesNotMatch: 'x' } }, '{"a":1}', false], // nothing to test
      // Text that is not JSON is read as json-smart's permissive mode does (checked against WireMock
      // 3.13.2): one string, in which $.debug finds nothing; only broken JSON, XML and null fail.
      [{ matchesJsonPath: { expression: '$.debug', absent: true } }, 'not json', true],
      [{ matchesJsonPath: { expression: '$.debug', absent: true } }, undefined, true], // a missing value finds nothing
      [{ matchesJsonPath: { expression: '$.debug', absent: true } }, 'name=Tom&age=42', true],
      [{ matchesJsonPath: { expression: '$.debug', absent: true } }, '{broken', false],
      [{ matchesJsonPath: { expression: '$.debug', absent: true } }, '[1,2', false],
      [{ matchesJsonPath: { expression: '$.debug', absent: true } }, '<debug/>', false],
      [{ matchesJsonPath: { expression: '$.debug', absent: true } }, 'null', false],
      [{ matchesJsonPath: { expression: '$.debug', doesNotMatch: 'x' } }, 'not json', false],
      [{ matchesJsonPath: { expression: '$', equalTo: 'not json' } }, '  not json ', true],
      [{ matchesJsonPath: { expression: '$.a', equalTo: 'x y' } }, "{a: x y, 'b': 1}", true],
      [{ matchesJsonPath: { expression: '$[2]', equalTo: 'c' } }, '["a" b,, c]', true],
      [{ matchesJsonPath: { expression: '$.a', equalTo: '1' } }, '{"a":1} trailing', true],
      [{ matchesJsonPath: { expression: '$', matches: '.*' } }, '[null]', false], // WireMock fails on a null element
      [{ matchesJsonPath: { expression: '$[*]', matches: '.*' } }, '[1,null]', false],
    ],
    { body: true },
  );

  table(
    'matchesJsonSchema',
    [
      [{ matchesJsonSchema: { type: 'object', required: ['a'] } }, '{"a":1}', true],
      [{ matchesJsonSchema: { type: 'object', required: ['a'] } }, '{"b":1}', false],
      [{ matchesJsonSchema: '{"type":"array","minItems":1}' }, '[1]', true],
      [{ matchesJsonSchema: '{"type":"array","minItems":1}' }, '[]', false],
      [{ matchesJsonSchema: { type: 'string' } }, '123', true], // retried as the string it also is
      [{ matchesJsonSchema: { type: 'integer', minimum: 100 } }, '123', true],
      [{ matchesJsonSchema: { type: 'integer', minimum: 200 } }, '123', false],
      [{ matchesJsonSchema: { type: 'string', minLength: 3 } }, 'abc', true], // not JSON: a string
      [{ matchesJsonSchema: { type: 'string', minLength: 4 } }, 'abc', false],
      [{ matchesJsonSchema: { type: 'string' } }, undefined, false],
      // 2020-12 (the default) treats format as an annotation, draft 7 asserts it, as in WireMock
      [{ matchesJsonSchema: { type: 'string', format: 'email' } }, '"nope"', true],
      [{ matchesJsonSchema: { type: 'string', format: 'email' }, schemaVersion: 'V7' }, '"nope"', false],
      [{ matchesJsonSchema: { type: 'string', format: 'email' }, schemaVersion: 'V7' }, '"a@b.com"', true],
      [{ matchesJsonSchema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } }, '{}', true],
      [{ matchesJsonSchema: { $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object' } }, '[]', false],
    ],
    { body: true },
  );

  table(
    'equalToXml',
    [
      [{ equalToXml: '<a x="1" y="2"><b>t</b></a>' }, '<a  y="2" x="1">\n  <b>t</b>\n</a>', true],
      [{ equalToXml: '<a/>' }, '<?xml version="1.0" encoding="UTF-8"?><a/>', true],
      [{ equalToXml: '<p:a xmlns:p="urn:x"><p:b>t</p:b></p:a>' }, '<q:a xmlns:q="urn:x"><q:b>t</q:b></q:a>', true],
      [{ equalToXml: '<a xmlns="urn:x"><b>t</b></a>' }, '<q:a xmlns:q="urn:x"><q:b>t</q:b></q:a>', true],
      [{ equalToXml: '<a xmlns="urn:x"><b>t</b></a>' }, '<a xmlns="urn:y"><b>t</b></a>', false],
      [{ equalToXml: '<a><b>1</b><c>2</c></a>' }, '<a><c>2</c><b>1</b></a>', true], // differently named siblings
      [{ equalToXml: '<a><b>1</b><b>2</b></a>' }, '<a><b>2</b><b>1</b></a>', false], // same-named keep order
      [{ equalToXml: '<a><b>1</b><b>2</b></a>', ignoreOrderOfSameNode: true }, '<a><b>2</b><b>1</b></a>', true],
      [{ equalToXml: '<a><b>t</b></a>' }, '<a><b>  t  </b></a>', true],
      [{ equalToXml: '<a><b>t u</b></a>' }, '<a><b>t  u</b></a>', false],
      [{ equalToXml: '<a><b>t</b></a>' }, '<a><b><![CDATA[t]]></b></a>', false],
      [{ equalToXml: '<a><b>t</b></a>' }, '<a><!-- note --><b>t</b></a>', true],
      [{ equalToXml: '<a><b>t</b></a>' }, '<a z="1"><b>t</b></a>', false],
      [{ equalToXml: '<a><b>t</b></a>' }, '<a><b>t</b><c/></a>', false],
      [{ equalToXml: '<a x="1"/>' }, '<a x="2"/>', false],
      [{ equalToXml: '<a xmlns:p="urn:x" p:x="1"/>' }, '<a xmlns:q="urn:x" q:x="1"/>', true],
      [{ equalToXml: '<a>&amp;</a>' }, '<a>&#38;</a>', true],
      [{ equalToXml: '<a>hi <b>x</b></a>' }, '<a>hi <b>x</b></a>', true],
      [{ equalToXml: '<a/>' }, '{}', false],
      [{ equalToXml: '<a/>' }, '', false],
      [{ equalToXml: '<a/>' }, undefined, false],
      [{ equalToXml: '<a><b/></a>' }, '<a><c/></a>', false],
      [{ equalToXml: '<a><b/></a>', exemptedComparisons: ['ELEMENT_TAG_NAME'] }, '<a><c/></a>', true],
      [{ equalToXml: '<a xmlns="urn:x"><b>t</b></a>', exemptedComparisons: ['NAMESPACE_URI'] }, '<a xmlns="urn:y"><b>t</b></a>', true],
      [{ equalToXml: '<a><b>t</b></a>', exemptedComparisons: ['TEXT_VALUE'] }, '<a><b>q</b></a>', true],
      [{ equalToXml: '<p:a xmlns:p="urn:x"/>', namespaceAwareness: 'NONE' }, '<q:a xmlns:q="urn:x"/>', false],
      [{ equalToXml: '<p:a xmlns:p="urn:x"/>', namespaceAwareness: 'LEGACY' }, '<q:a xmlns:q="urn:y"/>', true],
    ],
    { body: true },
  );

  table(
    'equalToXml placeholders',
    [
      [{ equalToXml: '<a><b>${xmlunit.ignore}</b></a>', enablePlaceholders: true }, '<a><b>anything</b></a>', true],
      [{ equalToXml: '<a><b>${xmlunit.ignore}</b></a>', enablePlaceholders: true }, '<a><b/></a>', true],
      [{ equalToXml: '<a><b>${xmlunit.ignore}</b></a>' }, '<a><b>anything</b></a>', false], // not enabled
      [{ equalToXml: '<a><b>${xmlunit.matchesRegex(\\d+)}</b></a>', enablePlaceholders: true }, '<a><b>123</b></a>', true],
      [{ equalToXml: '<a><b>${xmlunit.matchesRegex(^\\d+$)}</b></a>', enablePlaceholders: true }, '<a><b>12x</b></a>', false],
      [{ equalToXml: '<a><b>${xmlunit.isNumber}</b></a>', enablePlaceholders: true }, '<a><b>1.5</b></a>', true],
      [{ equalToXml: '<a><b>${xmlunit.isNumber}</b></a>', enablePlaceholders: true }, '<a><b>one</b></a>', false],
      [{ equalToXml: '<a><b>${xmlunit.isDateTime}</b></a>', enablePlaceholders: true }, '<a><b>2024-05-01T10:00:00Z</b></a>', true],
      [{ equalToXml: '<a><b>${xmlunit.isDateTime(dd/MM/yyyy)}</b></a>', enablePlaceholders: true }, '<a><b>01/05/2024</b></a>', true],
      [{ equalToXml: '<a><b>${xmlunit.isDateTime(dd/MM/yyyy)}</b></a>', enablePlaceholders: true }, '<a><b>2024-05-01</b></a>', false],
      [{ equalToXml: '<a id="${xmlunit.ignore}"/>', enablePlaceholders: true }, '<a id="9"/>', true],
      [
        { equalToXml: '<a><b>[[xmlunit.ignore]]</b></a>', enablePlaceholders: true, placeholderOpeningDelimiterRegex: '\\[\\[', placeholderClosingDelimiterRegex: ']]' },
        '<a><b>zz</b></a>',
        true,
      ],
      [
        // Delimiters that need generated groups and the v flag still share one regex.
        { equalToXml: '<a><b>#(xmlunit.ignore)#</b></a>', enablePlaceholders: true, placeholderOpeningDelimiterRegex: '(?>#)[(&&[^a]]', placeholderClosingDelimiterRegex: '(?>\\))#' },
        '<a><b>zz</b></a>',
        true,
      ],
    ],
    { body: true },
  );

  table(
    'matchesXPath',
    [
      [{ matchesXPath: '/a/b' }, '<a><b>x</b></a>', true],
      [{ matchesXPath: '/a/c' }, '<a><b>x</b></a>', false],
      [{ matchesXPath: '//b[@id="7"]' }, '<a><b id="7">x</b></a>', true],
      [{ matchesXPath: '/a/b' }, '<a xmlns="urn:x"><b>x</b></a>', true], // namespace-blind without xPathNamespaces
      [{ matchesXPath: '/t:a/t:b', xPathNamespaces: { t: 'urn:x' } }, '<s:a xmlns:s="urn:x"><s:b>x</s:b></s:a>', true],
      [{ matchesXPath: '/t:a/t:b', xPathNamespaces: { t: 'urn:y' } }, '<s:a xmlns:s="urn:x"><s:b>x</s:b></s:a>', false],
      [{ matchesXPath: '/a/b', xPathNamespaces: { t: 'urn:x' } }, '<a xmlns="urn:x"><b>x</b></a>', false],
      [{ matchesXPath: "//*[local-name()='Body']" }, '<s:Env xmlns:s="urn:s"><s:Body/></s:Env>', true],
      [{ matchesXPath: 'count(//b) = 1' }, '<a><b>x</b></a>', true],
      [{ matchesXPath: 'count(//b) = 5' }, '<a><b>x</b></a>', false],
      [{ matchesXPath: '//b' }, '{"b":1}', false],
      [{ matchesXPath: '//b' }, '<a><b>', false],
      [{ matchesXPath: '//b' }, undefined, false],
      [{ matchesXPath: { expression: '//b/text()', equalTo: 'x' } }, '<a><b>x</b></a>', true],
      [{ matchesXPath: { expression: '//b/text()', equalTo: 'y' } }, '<a><b>x</b><b>y</b></a>', true], // any node
      [{ matchesXPath: { expression: '//b/text()', equalTo: 'a & b' } }, '<a><b>a &amp; b</b></a>', true],
      [{ matchesXPath: { expression: '//b/@id', equalTo: '7' } }, '<a><b id="7">x</b></a>', true],
      [{ matchesXPath: { expression: 'string(//b)', equalTo: 'x' } }, '<a><b>x</b></a>', true],
      [{ matchesXPath: { expression: 'count(//b)', equalTo: '2' } }, '<a><b/><b/></a>', true],
      [{ matchesXPath: { expression: 'sum(//n)', equalTo: '1,234.5' } }, '<a><n>1000</n><n>234.5</n></a>', true],
      [{ matchesXPath: { expression: '//b', equalTo: 'x' } }, '<a><b>x</b></a>', false], // an element is rendered as XML
      [{ matchesXPath: { expression: '//b', equalTo: '<b>x</b>\n' } }, '<a><b>x</b></a>', true],
      [{ matchesXPath: { expression: '/a', equalTo: '<a x="1">\n  <b y="2">t</b>\n  <c/>\n</a>\n' } }, '<a x="1"><b y="2">t</b><c/></a>', true],
      [{ matchesXPath: { expression: '//b', equalToXml: '<b>x</b>' } }, '<a><b>x</b></a>', true],
      [{ matchesXPath: { expression: '//b', contains: '<b>x' } }, '<a><b>x</b></a>', true],
      [{ matchesXPath: { expression: '//t:b/text()', xPathNamespaces: { t: 'urn:x' }, equalTo: 'x' } }, '<a xmlns="urn:x"><b>x</b></a>', true],
      [{ matchesXPath: { expression: '//c', absent: true } }, '<a><b>x</b></a>', false], // nothing to test, as in WireMock
    ],
    { body: true },
  );

  describe('binaryEqualTo', () => {
    it('compares the body bytes', () => {
      const matcher = compileValueMatcher({ binaryEqualTo: 'AAEC/w==' }, '/b');
      const bytes = Buffer.from([0, 1, 2, 255]);
      const body = createBodyView(bytes);
      assert.equal(matcher.test(body.text, body), true);
      const other = createBodyView(Buffer.from([0, 1, 2, 254]));
      assert.equal(matcher.test(other.text, other), false);
      assert.equal(matcher.distance(other.text, other), 1);
      assert.match(matcher.explain(), /AAEC\/w== \(4 bytes, base64\)/);
    });

    table('binaryEqualTo on text values', [
      [{ binaryEqualTo: 'YWJj' }, 'abc', true],
      [{ binaryEqualTo: 'YWJj' }, 'abd', false],
      [{ binaryEqualTo: 'w6k=' }, 'é', true],
      [{ binaryEqualTo: 'YWJj' }, undefined, false],
    ], { body: true });
  });

  table('before, after and equalToDateTime', [
    [{ before: '2021-06-14T12:13:14Z' }, '2021-06-01T00:00:00Z', true],
    [{ before: '2021-06-14T12:13:14Z' }, '2021-07-01T00:00:00Z', false],
    [{ before: '2021-06-14T12:13:14Z' }, 'garbage', false],
    [{ before: '2021-06-14T12:13:14Z' }, undefined, false],
    [{ after: '2021-06-14T15:30:00Z' }, '2021-06-14T15:30:00Z', false],
    [{ after: '2021-06-14T15:30:00' }, '2021-06-14T15:30:01', true], // local with local
    [{ equalToDateTime: '2021-06-14T12:13:14' }, '2021-06-14T12:13:14+05:00', true], // local with the actual's wall clock
    [{ equalToDateTime: '2021-06-14T12:13:14Z' }, '2021-06-14T12:13:14', true], // a local actual read as UTC
    [{ equalToDateTime: '2021-06-14T12:13:14+02:00' }, '2021-06-14T10:13:14Z', true],
    [{ equalToDateTime: '2021-06-14T12:13:14+02:00[Europe/Paris]' }, '2021-06-14T10:13:14Z', true],
    [{ equalToDateTime: '2021-06-14' }, '2021-06-14T00:00:00', true],
    [{ equalToDateTime: '2021-06' }, '2021-06-01T00:00:00Z', true],
    [{ equalToDateTime: '2021-06-14T12:13:14.500Z' }, '2021-06-14T12:13:14.5Z', true],
    [{ equalToDateTime: '2021-06-14T12:13Z' }, '2021-06-14T12:13:00Z', true],
    [{ equalToDateTime: '2021-06-01T15:16:17Z' }, 'Tue, 01 Jun 2021 15:16:17 GMT', true], // RFC 1123
    [{ equalToDateTime: '2021-06-01T15:16:17Z' }, 'Tue, 1 Jun 2021 15:16:17 GMT', true],
    [{ equalToDateTime: '2021-06-01T15:16:17Z' }, 'Tuesday, 01-Jun-21 15:16:17 GMT', true], // RFC 1036
    [{ equalToDateTime: '2021-06-01T15:16:17Z' }, 'Tue Jun  1 15:16:17 2021', true], // asctime
    [{ equalToDateTime: 'Mon, 14 Jun 2021 15:30:00 GMT' }, '2021-06-14T15:30:00Z', true],
    [{ equalToDateTime: '2021-06-14T12:13:14+01:00' }, '2021-06-14T12:13:14 01:00', true], // a '+' lost in a query string
    [{ equalToDateTime: '2021-06-14T00:00:00', actualFormat: 'dd/MM/yyyy' }, '14/06/2021', true],
    [{ equalToDateTime: '2021-06-14T00:00:00', actualFormat: 'dd/MM/yyyy' }, '2021-06-14', false],
    [{ equalToDateTime: '2021-06-14T10:00:00Z', actualFormat: 'dd/MM/yyyy HH:mm XXX' }, '14/06/2021 12:00 +02:00', true],
    [{ equalToDateTime: '2021-06-14T10:00:00Z', actualFormat: 'unix' }, '1623664800', true],
    [{ equalToDateTime: '2021-06-14T10:00:00Z', actualFormat: 'epoch' }, '1623664800000', true],
    [{ equalToDateTime: '2021-06-14T10:00:00Z', actualFormat: 'epoch' }, '1623664800001', false],
    [{ equalToDateTime: '2021-06-14', actualFormat: 'yyyyMMdd' }, '20210614', true],
    [{ equalToDateTime: '2021-06-14T15:30:00', actualFormat: 'yyyy-MM-dd hh:mm a' }, '2021-06-14 03:30 PM', true],
    [{ equalToDateTime: '2021-06-14T15:30:00Z', actualFormat: 'EEE, dd MMM yyyy HH:mm:ss z' }, 'Mon, 14 Jun 2021 15:30:00 GMT', true],
    [{ equalToDateTime: '2021-06-14T15:30:00', actualFormat: "yyyy-MM-dd'T'HH:mm" }, '2021-06-14T15:30', true],
    [{ equalToDateTime: '2021-06-14', actualFormat: 'dd MMM yyyy' }, '14 Jun 2021', true],
    [{ equalToDateTime: '2021-06-01T00:00:00Z', truncateActual: 'first day of month' }, '2021-06-14T12:00:00Z', true],
    [{ equalToDateTime: '2021-06-01T00:00:00Z', truncateActual: 'FIRST_DAY_OF_MONTH' }, '2021-07-14T12:00:00Z', false],
  ]);

  table('now-relative dates (clock fixed at 2024-05-15T10:30:00Z)', [
    [{ before: 'now' }, '2024-05-15T10:29:59Z', true],
    [{ before: 'now' }, '2024-05-15T10:30:01Z', false],
    [{ after: 'now +3 days' }, '2024-05-18T10:30:01Z', true],
    [{ after: 'now +3 days' }, '2024-05-18T10:29:59Z', false],
    [{ before: 'now -2 hours' }, '2024-05-15T08:29:00Z', true],
    [{ before: '-2 hours' }, '2024-05-15T08:31:00Z', false],
    [{ after: 'now +1 months' }, '2024-06-15T10:30:01Z', true],
    [{ before: 'now -1 years' }, '2023-05-15T10:29:00Z', true],
    [{ equalToDateTime: 'now', truncateExpected: 'first day of year', truncateActual: 'first day of year' }, '2024-03-01T10:00:00Z', true],
    [{ equalToDateTime: 'now', truncateExpected: 'first day of year', truncateActual: 'first day of year' }, '2023-12-31T10:00:00Z', false],
    [{ equalToDateTime: 'now', truncateExpected: 'first hour of day' }, '2024-05-15T00:00:00Z', true],
    [{ equalToDateTime: 'now', truncateExpected: 'first minute of hour' }, '2024-05-15T10:00:00Z', true],
    [{ equalToDateTime: 'now', truncateExpected: 'first second of minute' }, '2024-05-15T10:30:00Z', true],
    [{ equalToDateTime: 'now', truncateExpected: 'last day of month' }, '2024-05-31T00:00:00Z', true],
    [{ equalToDateTime: 'now', truncateExpected: 'first day of next month' }, '2024-06-01T00:00:00Z', true],
    [{ equalToDateTime: 'now', truncateExpected: 'first day of next year' }, '2025-01-01T00:00:00Z', true],
    [{ equalToDateTime: 'now', truncateExpected: 'last day of year' }, '2024-12-31T00:00:00Z', true],
    [{ equalToDateTime: 'now', expectedOffset: 3, expectedOffsetUnit: 'days' }, '2024-05-18T10:30:00Z', true],
    [{ equalToDateTime: 'now +1 days', expectedOffset: -1, expectedOffsetUnit: 'hours' }, '2024-05-15T09:30:00Z', true], // the option wins
    [{ before: '2000-01-01T00:00:00Z', expectedOffset: 1, expectedOffsetUnit: 'days' }, '2000-01-01T12:00:00Z', false], // ignored for a literal
    // truncate then shift (default) versus shift then truncate
    [{ equalToDateTime: 'now -15 days', truncateExpected: 'first day of month' }, '2024-04-16T00:00:00Z', true],
    [{ equalToDateTime: 'now -15 days', truncateExpected: 'first day of month' }, '2024-04-01T00:00:00Z', false],
    [{ equalToDateTime: 'now -15 days', truncateExpected: 'first day of month', applyTruncationLast: true }, '2024-04-01T00:00:00Z', true],
    [{ equalToDateTime: 'now +1 months', truncateExpected: 'last day of month' }, '2024-06-30T00:00:00Z', true], // May 31 + 1 month
  ]);

  table('and, or, not', [
    [{ and: [{ contains: 'a' }, { contains: 'b' }] }, 'ab', true],
    [{ and: [{ contains: 'a' }, { contains: 'b' }] }, 'a', false],
    [{ and: [{ absent: true }, { doesNotContain: 'a' }] }, undefined, true],
    [{ or: [{ equalTo: 'x' }, { equalTo: 'y' }] }, 'y', true],
    [{ or: [{ equalTo: 'x' }, { equalTo: 'y' }] }, 'z', false],
    [{ or: [{ equalTo: 'x' }, { absent: true }] }, undefined, true],
    [{ not: { contains: 'x' } }, 'abc', true],
    [{ not: { contains: 'x' } }, 'xyz', false],
    [{ not: { equalTo: 'abc' } }, undefined, true], // verified against WireMock 3.13.2
    [{ not: { absent: true } }, undefined, false],
    [{ not: { absent: true } }, 'x', true],
    [{ and: ['a', { or: [{ absent: true }, { matches: 'a' }] }] }, 'a', true], // nesting, shorthand inside
  ]);

  describe('distance', () => {
    it('equalTo uses the normalized Levenshtein distance', () => {
      const matcher = compileValueMatcher({ equalTo: 'kitten' }, '/x');
      assert.equal(matcher.distance('sitting'), 3 / 7);
      assert.equal(matcher.distance(undefined), 1);
      assert.equal(compileValueMatcher({ equalTo: 'ABC', caseInsensitive: true }, '/x').distance('abd'), 1 / 3);
    });

    it('doesNotMatch is 0 or 1, the inverse of matches', () => {
      const matcher = compileValueMatcher({ doesNotMatch: 'a.*' }, '/x');
      assert.equal(matcher.distance('abc'), 1);
      assert.equal(matcher.distance('xyz'), 0);
    });

    it('and averages its operands, or takes the closest', () => {
      const and = compileValueMatcher({ and: [{ equalTo: 'abcd' }, { contains: 'zz' }] }, '/x');
      assert.equal(and.distance('abcx'), (0.25 + 1) / 2);
      const or = compileValueMatcher({ or: [{ equalTo: 'abcd' }, { contains: 'zz' }] }, '/x');
      assert.equal(or.distance('abcx'), 0.25);
    });

    it('equalToJson grows with the differences', () => {
      const matcher = compileValueMatcher({ equalToJson: { a: 1, b: [1, 2, 3], c: { d: 'x' } } }, '/x');
      const near = matcher.distance('{"a":1,"b":[1,2,3],"c":{"d":"y"}}');
      const far = matcher.distance('{"z":true}');
      assert.ok(near > 0 && near < far && far <= 1, `${near} < ${far}`);
      assert.equal(matcher.distance('not json'), 1);
    });

    it('equalToXml is the share of differing comparisons', () => {
      const matcher = compileValueMatcher({ equalToXml: '<a><b>1</b><c>2</c></a>' }, '/x');
      const near = matcher.distance('<a><b>1</b><c>3</c></a>');
      const far = matcher.distance('<z/>');
      assert.ok(near > 0 && near < far, `${near} < ${far}`);
      assert.equal(matcher.distance('{}'), 1);
    });

    it('dates are closer when nearer in time', () => {
      const matcher = compileValueMatcher({ before: '2021-01-01T00:00:00Z' }, '/x');
      const day = matcher.distance('2021-01-02T00:00:00Z');
      const year = matcher.distance('2022-01-01T00:00:00Z');
      assert.ok(day > 0 && day < year && year < 1);
      assert.equal(matcher.distance('nonsense'), 1);
    });

    it('matchesJsonPath takes the nested distance of the closest value', () => {
      const matcher = compileValueMatcher({ matchesJsonPath: { expression: '$.a', equalTo: 'abcd' } }, '/x');
      assert.equal(matcher.distance('{"a":"abcx"}'), 0.25);
      assert.equal(matcher.distance('{"b":1}'), 1);
    });

    it('matchesJsonSchema counts errors against the declared properties', () => {
      const matcher = compileValueMatcher(
        { matchesJsonSchema: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' }, c: { type: 'string' }, d: { type: 'string' } } } },
        '/x',
      );
      assert.equal(matcher.distance('{"a":1}'), 0.25);
      assert.equal(matcher.distance('{"a":1,"b":2}'), 0.5);
    });
  });

  describe('explain()', () => {
    const cases: Array<[unknown, string]> = [
      ['foo', 'is equal to "foo"'],
      [{ equalTo: 'foo', caseInsensitive: true }, 'is equal to "foo" (case-insensitive)'],
      [{ contains: 'x' }, 'contains "x"'],
      [{ doesNotContain: 'x' }, 'does not contain "x"'],
      [{ matches: '^a.*' }, 'matches the regex ^a.*'],
      [{ doesNotMatch: 'a' }, 'does not match the regex a'],
      [{ absent: true }, 'is absent'],
      [{ anything: true }, 'is anything'],
      [{ equalToJson: { a: [1, 2] }, ignoreArrayOrder: true }, 'is JSON equal to {"a":[1,2]} (ignoring array order)'],
      [{ matchesJsonPath: '$.a' }, 'has JSONPath $.a'],
      [{ matchesJsonPath: { expression: '$.a', equalTo: 'x' } }, 'has JSONPath $.a equal to "x"'],
      [{ matchesJsonPath: { expression: '$.a', contains: 'x' } }, 'has JSONPath $.a that contains "x"'],
      [{ matchesJsonSchema: { type: 'object' } }, 'matches the JSON schema {"type":"object"}'],
      [{ equalToXml: '<a>\n  <b/>\n</a>' }, 'is XML equal to <a> <b/> </a>'],
      [{ matchesXPath: '//a', xPathNamespaces: { s: 'urn:s' } }, 'has XPath //a (namespaces s=urn:s)'],
      [{ matchesXPath: { expression: '//a/text()', matches: 'x.*' } }, 'has XPath //a/text() that matches the regex x.*'],
      [{ binaryEqualTo: 'AAEC' }, 'is binary equal to AAEC (3 bytes, base64)'],
      [{ before: 'now -2 hours' }, 'is before now -2 hours'],
      [{ after: '2021-01-01T00:00:00Z', actualFormat: 'dd/MM/yyyy', truncateActual: 'first day of month' },
        'is after 2021-01-01T00:00:00Z (read with format dd/MM/yyyy, actual truncated to first day of month)'],
      [{ equalToDateTime: 'now', expectedOffset: 3, expectedOffsetUnit: 'days' }, 'is the same date-time as now +3 days'],
      [{ and: [{ contains: 'a' }, { contains: 'b' }] }, 'contains "a" and contains "b"'],
      [{ or: [{ equalTo: 'a' }, { absent: true }] }, 'either is equal to "a" or is absent'],
      [{ not: { contains: 'x' } }, 'does not satisfy: contains "x"'],
    ];
    for (const [def, sentence] of cases) {
      it(sentence, () => assert.equal(compileValueMatcher(def, '/x').explain(), sentence));
    }

    it('shortens long values', () => {
      const sentence = compileValueMatcher({ equalTo: 'x'.repeat(500) }, '/x').explain();
      assert.ok(sentence.length < 120, sentence);
      assert.ok(sentence.includes('…'));
    });
  });

  describe('compile errors', () => {
    it('names the valid operators for an unknown one', () =>
      compileFails({ foo: 1 }, '/request/headers/Accept/foo', /unknown match operator "foo"; must be one of equalTo, contains, .*, not$/));
    it('rejects an empty pattern', () => compileFails({}, '/request/headers/Accept', /an empty pattern; must be one of/));
    it('rejects a non-object', () => compileFails(42, '/request/headers/Accept', /must be a string or an object with one operator \(got number 42\)/));
    it('rejects two operators', () =>
      compileFails({ equalTo: 'a', contains: 'b' }, '/request/headers/Accept/contains', /has 2 \(equalTo, contains\)/));
    it('rejects unknown options, naming the valid ones', () =>
      compileFails({ equalTo: 'a', caseInsensitiv: true }, '/request/headers/Accept/caseInsensitiv', /must be one of caseInsensitive, templated/));
    it('rejects options on an operator without any', () =>
      compileFails({ contains: 'a', caseInsensitive: true }, '/request/headers/Accept/caseInsensitive', /contains takes no options/));
    it('rejects a non-string operand', () => compileFails({ contains: { a: 1 } }, '/request/headers/Accept/contains', /contains must be a string \(got an object\)/));
    it('rejects a bad regex', () => compileFails({ matches: '(' }, '/request/headers/Accept/matches', /matches has an invalid regex "\("/));
    it('rejects a bad regex in doesNotMatch', () => compileFails({ doesNotMatch: '[a-' }, '/request/headers/Accept/doesNotMatch', /invalid regex/));
    it('rejects a bad boolean option', () => compileFails({ equalTo: 'a', caseInsensitive: 'yes' }, '/request/headers/Accept/caseInsensitive', /true or false/));
    it('rejects bad JSON', () => compileFails({ equalToJson: '{a' }, '/request/headers/Accept/equalToJson', /not valid JSON/));
    it('rejects a bad JSON placeholder regex', () =>
      compileFails({ equalToJson: { a: '${json-unit.regex}(' } }, '/request/headers/Accept/equalToJson', /json-unit.regex/));
    it('rejects a bad JSONPath', () => compileFails({ matchesJsonPath: '$.a[' }, '/request/headers/Accept/matchesJsonPath', /invalid JSONPath "\$\.a\["/));
    it('rejects a bad JSONPath filter', () =>
      compileFails({ matchesJsonPath: '$[?(@.a ==)]' }, '/request/headers/Accept/matchesJsonPath', /invalid filter/));
    it('rejects an unsupported JSONPath operator', () =>
      compileFails({ matchesJsonPath: '$[?(@.a subsetof [1])]' }, '/request/headers/Accept/matchesJsonPath', /subsetof is not supported/));
    it('points into the advanced JSONPath form', () =>
      compileFails({ matchesJsonPath: { expression: '$.a', matches: '(' } }, '/request/headers/Accept/matchesJsonPath/matches', /invalid regex/));
    it('needs an expression in the advanced JSONPath form', () =>
      compileFails({ matchesJsonPath: { equalTo: 'x' } }, '/request/headers/Accept/matchesJsonPath/expression', /needs an expression/));
    it('rejects a bad JSON schema', () =>
      compileFails({ matchesJsonSchema: { type: 'strin' } }, '/request/headers/Accept/matchesJsonSchema', /not a usable JSON schema/));
    it('rejects an unknown schemaVersion', () =>
      compileFails({ matchesJsonSchema: {}, schemaVersion: 'V3' }, '/request/headers/Accept/schemaVersion', /must be one of V4, V6, V7, V201909, V202012/));
    it('rejects malformed XML', () => compileFails({ equalToXml: '<a>' }, '/request/headers/Accept/equalToXml', /not well-formed XML: unclosed xml tag\(s\): a/));
    it('rejects an unknown exempted comparison', () =>
      compileFails({ equalToXml: '<a/>', exemptedComparisons: ['NOPE'] }, '/request/headers/Accept/exemptedComparisons/0', /must be one of ATTR_VALUE_EXPLICITLY_SPECIFIED/));
    it('rejects an unknown namespaceAwareness', () =>
      compileFails({ equalToXml: '<a/>', namespaceAwareness: 'LAX' }, '/request/headers/Accept/namespaceAwareness', /STRICT, NONE, LEGACY/));
    it('rejects a bad XPath', () => compileFails({ matchesXPath: '//[' }, '/request/headers/Accept/matchesXPath', /invalid XPath/));
    it('rejects bad xPathNamespaces', () => compileFails({ matchesXPath: '//a', xPathNamespaces: ['x'] }, '/request/headers/Accept/xPathNamespaces', /prefix: URI/));
    it('rejects bad base64', () => compileFails({ binaryEqualTo: 'not base64!' }, '/request/headers/Accept/binaryEqualTo', /base64/));
    it('rejects a bad date', () => compileFails({ before: 'yesterday' }, '/request/headers/Accept/before', /"yesterday" is not a date-time/));
    it('rejects an unknown offset unit', () => compileFails({ before: 'now +3 fortnights' }, '/request/headers/Accept/before', /unknown unit "fortnights"/));
    it('rejects an unknown truncation', () =>
      compileFails({ after: 'now', truncateActual: 'first day of week' }, '/request/headers/Accept/truncateActual', /must be one of first second of minute/));
    it('rejects a bad actualFormat', () =>
      compileFails({ after: 'now', actualFormat: 'yyyy-QQ' }, '/request/headers/Accept/actualFormat', /unsupported pattern letter 'Q'/));
    it('rejects expectedOffset without a unit', () =>
      compileFails({ after: 'now', expectedOffset: 3 }, '/request/headers/Accept/expectedOffsetUnit', /needs expectedOffsetUnit/));
    it('rejects an unknown expectedOffsetUnit', () =>
      compileFails({ after: 'now', expectedOffset: 3, expectedOffsetUnit: 'weeks' }, '/request/headers/Accept/expectedOffsetUnit', /must be one of seconds/));
    it('rejects and without a list', () => compileFails({ and: {} }, '/request/headers/Accept/and', /array of patterns/));
    it('rejects an empty or', () => compileFails({ or: [] }, '/request/headers/Accept/or', /at least one/));
    it('points into nested patterns', () =>
      compileFails({ and: [{ equalTo: 'a' }, { matches: '(' }] }, '/request/headers/Accept/and/1/matches', /invalid regex/));
    it('points into not', () => compileFails({ not: { nope: 1 } }, '/request/headers/Accept/not/nope', /unknown match operator/));
    it('keeps hasExactly to multi-valued fields', () =>
      compileFails({ hasExactly: ['a'] }, '/request/headers/Accept/hasExactly', /only applies to headers, query parameters and form parameters/));
  });

  it('exports the operator keys and their options for the stub schema', () => {
    assert.ok(VALUE_OPERATORS.includes('equalTo') && VALUE_OPERATORS.includes('matchesXPath') && VALUE_OPERATORS.includes('not'));
    assert.equal(VALUE_OPERATORS.length, 19);
    assert.deepEqual(VALUE_OPERATOR_OPTIONS['equalTo'], ['caseInsensitive', 'templated']);
    assert.deepEqual(VALUE_OPERATOR_OPTIONS['matchesXPath'], ['xPathNamespaces']);
    assert.deepEqual(MULTI_VALUE_OPERATORS, ['hasExactly', 'includes']);
    for (const op of VALUE_OPERATORS) assert.ok(Array.isArray(VALUE_OPERATOR_OPTIONS[op]), op);
  });

  it('keeps the definition as written and the operator as type', () => {
    const def = { equalTo: 'x', caseInsensitive: true };
    const matcher = compileValueMatcher(def, '/x');
    assert.equal(matcher.type, 'equalTo');
    assert.equal(matcher.definition, def);
    assert.equal(compileValueMatcher('x', '/x').type, 'equalTo');
  });
});

describe('multi-value matchers', () => {
  const rows: Array<[unknown, readonly string[] | undefined, boolean]> = [
    ['a', ['a'], true],
    ['a', ['b', 'a'], true], // any value may match
    ['a', ['b'], false],
    ['a', undefined, false],
    [{ absent: true }, undefined, true],
    [{ absent: true }, [], true],
    [{ absent: true }, ['x'], false],
    [{ doesNotMatch: 'a' }, ['a', 'b'], true], // 'b' does not match
    [{ doesNotMatch: 'a' }, ['a'], false],
    [{ doesNotMatch: 'abc' }, undefined, true], // WireMock 3.13.2: a missing header passes doesNotMatch
    [{ doesNotContain: 'x' }, undefined, true],
    [{ not: { equalTo: 'x' } }, undefined, true],
    [{ hasExactly: [{ equalTo: 'a' }, { equalTo: 'b' }] }, ['b', 'a'], true],
    [{ hasExactly: [{ equalTo: 'a' }, { equalTo: 'b' }] }, ['a', 'b', 'c'], false],
    [{ hasExactly: [{ equalTo: 'a' }, { equalTo: 'b' }] }, ['a', 'c'], false],
    [{ hasExactly: [{ equalTo: 'a' }] }, ['a', 'a'], false], // counts must agree
    [{ hasExactly: ['a', { contains: 'a' }] }, ['a', 'b'], true], // as WireMock: one value may satisfy two patterns
    [{ hasExactly: [{ absent: true }] }, undefined, false],
    [{ hasExactly: [] }, ['x'], false],
    [{ includes: [{ equalTo: 'a' }, { matches: 'b.*' }] }, ['x', 'bee', 'a'], true],
    [{ includes: [{ equalTo: 'a' }, { matches: 'b.*' }] }, ['x', 'a'], false],
    [{ includes: [{ doesNotContain: 'x' }] }, undefined, false], // a missing field never includes anything
    [{ includes: [] }, ['x'], true],
  ];
  for (const [def, values, expected] of rows) {
    it(`${JSON.stringify(def)} ${expected ? 'matches' : 'does not match'} ${values === undefined ? '(missing)' : JSON.stringify(values)}`, () => {
      const matcher = compileMultiValueMatcher(def, '/request/queryParameters/q');
      assert.equal(matcher.test(values), expected);
      const distance = matcher.distance(values);
      if (expected) assert.equal(distance, 0);
      else assert.ok(distance > 0 && distance <= 1, `distance ${distance}`);
    });
  }

  it('explains itself', () => {
    assert.equal(compileMultiValueMatcher({ equalTo: 'a' }, '/q').explain(), 'is equal to "a"');
    assert.equal(
      compileMultiValueMatcher({ hasExactly: ['a', { contains: 'b' }] }, '/q').explain(),
      'has exactly 2 values: one that is equal to "a", one that contains "b"',
    );
    assert.equal(compileMultiValueMatcher({ includes: ['a'] }, '/q').explain(), 'includes values: one that is equal to "a"');
  });

  it('keeps type and definition', () => {
    const def = { includes: ['a'] };
    const matcher = compileMultiValueMatcher(def, '/q');
    assert.equal(matcher.type, 'includes');
    assert.equal(matcher.definition, def);
    assert.equal(compileMultiValueMatcher({ matches: 'x' }, '/q').type, 'matches');
  });

  it('takes the closest value for a near miss', () => {
    assert.equal(compileMultiValueMatcher({ equalTo: 'abcd' }, '/q').distance(['zzzz', 'abcx']), 0.25);
  });

  it('reports errors with pointers into the list', () => {
    assert.throws(
      () => compileMultiValueMatcher({ hasExactly: ['a', { matches: '(' }] }, '/request/headers/X'),
      (err: unknown) => err instanceof DecoyError && err.source?.pointer === '/request/headers/X/hasExactly/1/matches',
    );
    assert.throws(
      () => compileMultiValueMatcher({ includes: 'a' }, '/request/headers/X'),
      (err: unknown) => err instanceof DecoyError && err.source?.pointer === '/request/headers/X/includes' && /array of patterns/.test(err.message),
    );
    assert.throws(
      () => compileMultiValueMatcher({ includes: ['a'], caseInsensitive: true }, '/request/headers/X'),
      (err: unknown) => err instanceof DecoyError && err.source?.pointer === '/request/headers/X/caseInsensitive',
    );
  });
});

describe('why a JSON body does not match: the path that differed, for near-miss reports', () => {
  const cases: Array<[string, unknown, string, string | undefined]> = [
    ['a changed value', { equalToJson: { sku: 'A-1', qty: 1 } }, '{"sku":"A-2","qty":1}', '$.sku is "A-2", expected "A-1"'],
    ['a missing field', { equalToJson: { a: { b: 1 } } }, '{"a":{}}', '$.a.b is missing, expected 1'],
    ['an extra field', { equalToJson: { a: 1 } }, '{"a":1,"odd key":true}', "$['odd key'] is not expected (true)"],
    ['an extra field, ignored', { equalToJson: { a: 1 }, ignoreExtraElements: true }, '{"a":1,"b":2}', undefined],
    ['an array item', { equalToJson: { items: [{ id: 1 }, { id: 2 }] } }, '{"items":[{"id":1},{"id":5}]}', '$.items[1].id is 5, expected 2'],
    ['a missing array item', { equalToJson: [1, 2] }, '[1]', '$[1] is missing, expected 2'],
    ['an array in any order', { equalToJson: [1, 2], ignoreArrayOrder: true }, '[2, 3]', '$ has no item like 1 (expected at [0], in any order)'],
    ['a type change', { equalToJson: { n: 1 } }, '{"n":"1"}', '$.n is "1", expected 1'],
    ['a placeholder', { equalToJson: { id: '${json-unit.any-number}' } }, '{"id":"x"}', '$.id is "x", expected any number'],
    ['not JSON', { equalToJson: { a: 1 } }, 'a=1', 'the body is not JSON'],
    ['matchesJsonPath that finds nothing', { matchesJsonPath: '$.items[?(@.id == 3)]' }, '{"items":[{"id":1}]}', '$.items[?(@.id == 3)] selects nothing'],
    ['matchesJsonPath with a nested matcher', { matchesJsonPath: { expression: '$.sku', equalTo: 'B' } }, '{"sku":"A-2"}', '$.sku is "A-2", which does not fit: is equal to "B"'],
    ['matchesJsonPath on XML', { matchesJsonPath: '$.a' }, '<a/>', 'the body is XML, not JSON'],
  ];
  for (const [title, def, body, expected] of cases) {
    it(`${title}: ${expected ?? 'matches'}`, () => {
      const m = compileValueMatcher(def, '/bodyPatterns/0');
      assert.equal(m.mismatch?.(body), expected);
    });
  }
});
