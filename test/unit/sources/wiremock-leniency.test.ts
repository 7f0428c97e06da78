import assert from 'node:assert/strict';
import { parseWireMockJson, relaxJsonText, relaxWireMockRequestPattern, relaxWireMockStub } from '../../../src/sources/wiremock-leniency.js';

describe('WireMock-flavoured JSON text made strict, lines and columns kept', () => {
  it('blanks // and /* */ comments, keeping every line break, and reports a run of comments once', () => {
    const text = '{\n  // one\n  // two\n  "a": 1, /* three\n  lines */ "b": "x // not a comment /* nor this */"\n}';
    const r = relaxJsonText(text);
    assert.equal(r.text.length, text.length);
    assert.equal(r.text.split('\n').length, text.split('\n').length);
    assert.deepEqual(JSON.parse(r.text), { a: 1, b: 'x // not a comment /* nor this */' });
    assert.equal(r.leniencies.length, 2);
    assert.equal(r.leniencies[0]!.offset, text.indexOf('// one'));
    assert.match(r.leniencies[0]!.message, /^2 comments in a row \(the first: "\/\/ one"\); JSON has no comments/);
    assert.match(r.leniencies[1]!.message, /^a comment \("\/\* three lines \*\/"\)/);
  });

  it('a comment after a value on its line ("priority": 2 //...) leaves the number', () => {
    const r = relaxJsonText('{\r\n  "priority": 2 //trocar a prioridade\r\n}');
    assert.deepEqual(JSON.parse(r.text), { priority: 2 });
  });

  it('blanks everything after the first top-level value, as Jackson never reads it', () => {
    const text = '{"a": {"b": [1]}}\n}\n}';
    const r = relaxJsonText(text);
    assert.deepEqual(JSON.parse(r.text), { a: { b: [1] } });
    assert.equal(r.leniencies.length, 1);
    assert.equal(r.leniencies[0]!.offset, text.indexOf('\n}') + 1);
    assert.match(r.leniencies[0]!.message, /^text after the end of the top-level value \("\} \}"\); WireMock reads the first JSON value and skips the rest$/);
  });

  it('a second object, or garbage that is not even JSON, after the first is skipped too', () => {
    assert.deepEqual(JSON.parse(relaxJsonText('[1] {"x": 2} \'unclosed').text), [1]);
  });

  it('turns single-quoted strings into JSON strings (Jackson escapes: \\\' is a quote, " needs none)', () => {
    const r = relaxJsonText(`{'url': '/it\\'s "here"', 'n': 'a\\nb'}`);
    assert.deepEqual(JSON.parse(r.text), { url: `/it's "here"`, n: 'a\nb' });
    assert.match(r.leniencies[0]!.message, /^4 single-quoted strings \(the first: 'url'\); JSON strings take double quotes/);
  });

  it('a byte order mark is read past without a warning', () => {
    const r = relaxJsonText('\uFEFF{"a": 1}');
    assert.deepEqual(JSON.parse(r.text), { a: 1 });
    assert.deepEqual(r.leniencies, []);
  });

  it('an unclosed /* comment or single-quoted string is a problem, as in WireMock', () => {
    assert.deepEqual(relaxJsonText('{"a": 1 /* open').problems, [{ offset: 8, message: 'a /* comment is not closed with */' }]);
    assert.equal(relaxJsonText("{'a\n': 1}").problems[0]!.message, 'a single-quoted string is not closed on its line');
  });

  it('strict JSON passes through unchanged and without warnings', () => {
    const text = '{"a": [1, 2.50, "//x"], "b": null}';
    assert.deepEqual(relaxJsonText(text), { text, leniencies: [], problems: [] });
  });
});

describe('a stub definition read as WireMock reads it', () => {
  const relax = (def: Record<string, unknown>) => ({ def, uses: relaxWireMockStub(def) });

  it('numbers written as strings (trimmed, signed) become numbers; fractions of whole-number fields are dropped', () => {
    const { def, uses } = relax({ priority: '2', request: { url: '/x' }, response: { status: ' 201 ', fixedDelayMilliseconds: 20.9, chunkedDribbleDelay: { numberOfChunks: '+2', totalDuration: '10' } } });
    assert.deepEqual(def, { priority: 2, request: { url: '/x' }, response: { status: 201, fixedDelayMilliseconds: 20, chunkedDribbleDelay: { numberOfChunks: 2, totalDuration: 10 } } });
    assert.deepEqual(uses.map((u) => u.pointer), ['/priority', '/response/status', '/response/fixedDelayMilliseconds', '/response/chunkedDribbleDelay/numberOfChunks', '/response/chunkedDribbleDelay/totalDuration']);
    assert.equal(uses[1]!.message, '"status" is a string (" 201 "); WireMock reads it as the number 201');
    assert.equal(uses[2]!.message, '"fixedDelayMilliseconds" is 20.9, not a whole number; WireMock drops the fraction (20)');
  });

  it('an empty or "null" number is not set; "2.0", "2e2" and templates stay as they are (WireMock refuses the first two)', () => {
    const { def, uses } = relax({ priority: '', request: {}, response: { status: 'null', fixedDelayMilliseconds: '2.0' } });
    assert.deepEqual(def, { request: {}, response: { fixedDelayMilliseconds: '2.0' } });
    assert.equal(uses.length, 2);
    const t = relax({ request: {}, response: { status: '{{request.query.code}}' } });
    assert.deepEqual(t.uses, []);
  });

  it('booleans as strings or 0/1, strings as numbers', () => {
    const { def, uses } = relax({ persistent: 'TRUE', name: 5, scenarioName: 7, request: { url: 5 }, response: { statusMessage: 5 } });
    assert.deepEqual(def, { persistent: true, name: '5', scenarioName: '7', request: { url: '5' }, response: { statusMessage: '5' } });
    assert.equal(uses[0]!.message, '"persistent" is "TRUE", not a boolean; WireMock reads it as true');
    assert.equal(relax({ persistent: 0, request: {} }).def.persistent, false);
  });

  it('an id and a uuid that differ: the one written last is the stub\'s id', () => {
    const a = relax({ id: 'd5a7a1de-e32b-4be4-a0f2-b22114f91033', uuid: '70579590-1cc3-4827-bfcd-25adfb3bbb2a', request: {} });
    assert.deepEqual(a.def, { uuid: '70579590-1cc3-4827-bfcd-25adfb3bbb2a', request: {} });
    assert.deepEqual(a.uses.map((u) => u.pointer), ['/id']);
    const b = relax({ uuid: '70579590-1cc3-4827-bfcd-25adfb3bbb2a', id: 'd5a7a1de-e32b-4be4-a0f2-b22114f91033', request: {} });
    assert.deepEqual(b.def, { id: 'd5a7a1de-e32b-4be4-a0f2-b22114f91033', request: {} });
    assert.deepEqual(relax({ id: 'x', uuid: 'x', request: {} }).uses, []);
  });

  it('basicAuth is the older spelling of basicAuthCredentials, which wins when both are there', () => {
    const a = relax({ request: { basicAuth: { username: 'u', password: 'p' } } });
    assert.deepEqual(a.def, { request: { basicAuthCredentials: { username: 'u', password: 'p' } } });
    assert.deepEqual(a.uses, [{ pointer: '/request/basicAuth', message: '"basicAuth" is WireMock\'s older spelling of "basicAuthCredentials"', atKey: true }]);
    const b = relax({ request: { basicAuth: { username: 'u', password: 'p' }, basicAuthCredentials: { username: 'x', password: 'y' } } });
    assert.deepEqual(b.def, { request: { basicAuthCredentials: { username: 'x', password: 'y' } } });
  });

  it('a pattern with two operators keeps the first as written; a body pattern keeps binaryEqualTo wherever it is', () => {
    const { def, uses } = relax({ request: {
      bodyPatterns: [{ matchesJsonPath: '$.a', contains: 'x' }, { contains: 'x', matchesJsonPath: '$.a' }, { contains: 'x', binaryEqualTo: 'YQ==' }],
      headers: { X: { matches: 'b.*', equalTo: 'a' } },
    } });
    assert.deepEqual(def, { request: {
      bodyPatterns: [{ matchesJsonPath: '$.a' }, { contains: 'x' }, { binaryEqualTo: 'YQ==' }],
      headers: { X: { matches: 'b.*' } },
    } });
    const first = uses.find((u) => u.pointer === '/request/bodyPatterns/0/contains');
    assert.equal(first?.message, 'the pattern has more than one operator (matchesJsonPath, contains); WireMock applies only "matchesJsonPath" and skips "contains"');
    assert.deepEqual(uses.map((u) => u.pointer).sort(), ['/request/bodyPatterns/0/contains', '/request/bodyPatterns/1/matchesJsonPath', '/request/bodyPatterns/2/contains', '/request/headers/X/equalTo']);
  });

  it('keys that are not options of the operator are dropped, in nested patterns too; options are kept', () => {
    const { def, uses } = relax({ request: {
      bodyPatterns: [
        { matchesJsonPath: '$.title', expectedValue: 'foo' },
        { matchesJsonPath: { expression: '$.a', equalTo: '1', foo: 2, contains: '9' } },
        { and: [{ contains: 'a', caseInsensitive: true }, { not: { equalTo: 'b', caseInsensitive: true, x: 1 } }] },
      ],
      queryParameters: { q: { hasExactly: [{ equalTo: 'a', junk: 1 }] } },
    } });
    assert.deepEqual(def, { request: {
      bodyPatterns: [
        { matchesJsonPath: '$.title' },
        { matchesJsonPath: { expression: '$.a', equalTo: '1' } },
        { and: [{ contains: 'a' }, { not: { equalTo: 'b', caseInsensitive: true } }] },
      ],
      queryParameters: { q: { hasExactly: [{ equalTo: 'a' }] } },
    } });
    assert.equal(uses[1]!.message, '"expectedValue" is not an option of matchesJsonPath; WireMock\'s reader skips it');
    assert.deepEqual(uses.map((u) => u.pointer), [
      '/request/queryParameters/q/hasExactly/0/junk',
      '/request/bodyPatterns/0/expectedValue',
      '/request/bodyPatterns/1/matchesJsonPath/foo',
      '/request/bodyPatterns/1/matchesJsonPath/contains',
      '/request/bodyPatterns/2/and/0/caseInsensitive',
      '/request/bodyPatterns/2/and/1/not/x',
    ]);
  });

  it('a request pattern on its own (verification, find) is read the same way, pointers below it', () => {
    const pattern = { url: 5, basicAuth: { username: 'u', password: 'p' }, bodyPatterns: [{ contains: 'a', matches: 'b' }] };
    assert.deepEqual(relaxWireMockRequestPattern(pattern).map((u) => u.pointer), ['/basicAuth', '/url', '/bodyPatterns/0/matches']);
    assert.deepEqual(pattern, { url: '5', basicAuthCredentials: { username: 'u', password: 'p' }, bodyPatterns: [{ contains: 'a' }] });
  });

  it('an editor\'s "$schema" hint is dropped without a warning, as WireMock does', () => {
    const { def, uses } = relax({ $schema: 'https://example.com/s.json', request: {} });
    assert.deepEqual(def, { request: {} });
    assert.deepEqual(uses, []);
  });

  it('Decoy\'s own keys and a pattern without an operator are left for the schema and the compiler', () => {
    const def = { request: { headers: { X: { bogus: 1 } } }, responses: [{ status: '200' }] };
    assert.deepEqual(relaxWireMockStub(def), []);
    assert.deepEqual(def, { request: { headers: { X: { bogus: 1 } } }, responses: [{ status: '200' }] });
  });
});

describe('parseWireMockJson (for request bodies)', () => {
  it('gives the value and each leniency with its line and column', () => {
    const { value, warnings } = parseWireMockJson('{\n  // hi\n  "a": 1\n} x');
    assert.deepEqual(value, { a: 1 });
    assert.deepEqual(warnings.map((w) => w.format()), [
      'DECOY_WARN_WIREMOCK_LENIENCY a comment ("// hi"); JSON has no comments, WireMock\'s reader skips them',
      'DECOY_WARN_WIREMOCK_LENIENCY text after the end of the top-level value ("x"); WireMock reads the first JSON value and skips the rest',
    ]);
    assert.deepEqual(warnings.map((w) => [w.source.line, w.source.column]), [[2, 3], [4, 3]]);
  });

  it('throws a SyntaxError with line and column for what WireMock refuses too', () => {
    assert.throws(() => parseWireMockJson('{"a": 1 /* open'), /a \/\* comment is not closed with \*\/ at line 1, column 9/);
    assert.throws(() => parseWireMockJson('{"a": 1,}'), SyntaxError);
  });
});
