import assert from 'node:assert/strict';
import { compileStub } from '../../../../src/core/stub.js';
import { bracketNumericSegments } from '../../../../src/core/response/template-response.js';
import { javaHashMapOrder, javaMultiValueMap } from '../../../../src/core/response/template-values.js';
import { formatDate, parseDate, parseDateOffset } from '../../../../src/core/response/template-dates.js';

describe('templates: WireMock spellings', () => {
  const cases: Array<[string, string]> = [
    ['{{parts.0}}', '{{parts.[0]}}'],
    ['{{a.b.0.c}}', '{{a.b.[0].c}}'],
    ['{{a.0.1}}', '{{a.[0].[1]}}'],
    ["{{math 10 '-' 2.5}}", "{{math 10 '-' 2.5}}"],
    ["{{regexExtract request.body 'a.5'}}", "{{regexExtract request.body 'a.5'}}"],
    ['{{request.path.[1]}} text.0 outside', '{{request.path.[1]}} text.0 outside'],
    ['{{#each items.0}}{{this}}{{/each}}', '{{#each items.[0]}}{{this}}{{/each}}'],
  ];
  for (const [input, expected] of cases) {
    it(`reads ${input} as ${expected}`, () => assert.equal(bracketNumericSegments(input), expected));
  }
});

describe('templates: dates', () => {
  const at = Date.UTC(2024, 0, 5, 7, 8, 9, 45);
  const formats: Array<[string | undefined, string | undefined, string]> = [
    [undefined, undefined, '2024-01-05T07:08:09Z'],
    ['yyyy-MM-dd HH:mm:ss.SSS', undefined, '2024-01-05 07:08:09.045'],
    ["yyyy-MM-dd'T'HH:mm:ssXXX", 'Australia/Sydney', '2024-01-05T18:08:09+11:00'],
    ['EEE, d MMM yyyy HH:mm:ss Z', 'America/New_York', 'Fri, 5 Jan 2024 02:08:09 -0500'],
    ['EEEE MMMM h a', undefined, 'Friday January 7 AM'],
    ['epoch', undefined, String(at)],
    ['unix', undefined, String(Math.floor(at / 1000))],
  ];
  for (const [format, zone, expected] of formats) {
    it(`formats ${format ?? 'the default'}${zone ? ` in ${zone}` : ''}`, () => assert.equal(formatDate(at, format, zone), expected));
  }

  it('applies offsets in WireMock units, months clamped to the month end', () => {
    assert.equal(new Date(parseDateOffset('3 days')(at)).toISOString(), '2024-01-08T07:08:09.045Z');
    assert.equal(new Date(parseDateOffset('-24 seconds')(at)).toISOString(), '2024-01-05T07:07:45.045Z');
    assert.equal(new Date(parseDateOffset('1 months')(Date.UTC(2024, 0, 31))).toISOString(), '2024-02-29T00:00:00.000Z');
    assert.throws(() => parseDateOffset('3 fortnights'), /offset unit "fortnights" must be one of/);
  });

  it('parses ISO dates, epoch milliseconds and Java patterns', () => {
    assert.equal(parseDate('2024-01-05T07:08:09Z')!.epochMs, Date.UTC(2024, 0, 5, 7, 8, 9));
    assert.equal(parseDate('2024-01-05T07:08:09')!.epochMs, Date.UTC(2024, 0, 5, 7, 8, 9));
    assert.equal(parseDate('1704438489000')!.epochMs, 1704438489000);
    assert.equal(parseDate('05/01/2024 07:08 PM', 'dd/MM/yyyy hh:mm a')!.epochMs, Date.UTC(2024, 0, 5, 19, 8));
    assert.equal(parseDate('not a date'), undefined);
  });
});

describe('templates: static responses stay static', () => {
  it('attaches no renderer to a response without templating, or with nothing to render', () => {
    const plain = compileStub({ request: { urlPath: '/a' }, response: { body: 'plain' } }, { sequence: 1 });
    const global = compileStub({ request: { urlPath: '/a' }, response: { body: 'plain', headers: { 'X-A': 'b' } } }, { sequence: 2, globalTemplating: true });
    const templated = compileStub({ request: { urlPath: '/a' }, response: { body: '{{request.method}}' } }, { sequence: 3, globalTemplating: true });
    assert.equal(plain.responses[0]!.render, undefined);
    assert.equal(global.responses[0]!.render, undefined);
    assert.equal(typeof templated.responses[0]!.render, 'function');
    assert.match(templated.explain(), /templated/);
  });
});

describe('query parameters in WireMock\'s (Java HashMap) order', () => {
  it('orders keys as the jar printed them: {zeta=1, aa=6, b=5, alpha=2, mid=3, Beta=4}', () => {
    assert.deepEqual(javaHashMapOrder(['zeta', 'alpha', 'mid', 'Beta', 'b', 'aa']), ['zeta', 'aa', 'b', 'alpha', 'mid', 'Beta']);
  });

  it('prints a multi-valued map with first values, and iterates all of each', () => {
    const m = javaMultiValueMap(new Map([['b', ['1', '3']], ['a', ['2']]]));
    assert.equal(String(m), '{a=2, b=1}');
    assert.deepEqual([...m.b!], ['1', '3']);
  });
});
