import assert from 'node:assert/strict';
import {
  compileDateTimeFormat,
  DEFAULT_DATE_TIME_PARSER,
  parseNowExpression,
  parseTruncation,
  shiftWall,
  timeDistance,
  truncateZoned,
} from '../../../../src/core/matching/date-time.js';

const utc = (iso: string) => Date.parse(iso);

describe('date-time parsing', () => {
  const zonedCases: Array<[string, string, number]> = [
    ['2021-06-14T12:13:14Z', '2021-06-14T12:13:14Z', 0],
    ['2021-06-14T12:13:14.123456789+02:00', '2021-06-14T10:13:14.123Z', 120],
    ['2021-06-14T12:13-05:30', '2021-06-14T17:43:00Z', -330],
    ['Mon, 14 Jun 2021 12:13:14 GMT', '2021-06-14T12:13:14Z', 0],
    ['Mon, 14 Jun 2021 12:13:14 +0200', '2021-06-14T10:13:14Z', 120],
    ['Monday, 14-Jun-21 12:13:14 PDT', '2021-06-14T19:13:14Z', -420],
    ['Mon Jun 14 12:13:14 2021', '2021-06-14T12:13:14Z', 0],
  ];
  for (const [text, instant, offset] of zonedCases) {
    it(`reads ${text} as a zoned value`, () => {
      const parsed = DEFAULT_DATE_TIME_PARSER.parse(text);
      assert.deepEqual(parsed.zoned, { epochMs: utc(instant), offsetMinutes: offset });
      assert.equal(parsed.local, undefined);
    });
  }

  const localCases: Array<[string, string]> = [
    ['2021-06-14T12:13:14', '2021-06-14T12:13:14Z'],
    ['2021-06-14T12:13', '2021-06-14T12:13:00Z'],
    ['2021-06-14', '2021-06-14T00:00:00Z'],
    ['2021-06', '2021-06-01T00:00:00Z'],
    ['2021', '2021-01-01T00:00:00Z'],
    ['0099-03-01', '0099-03-01T00:00:00Z'],
  ];
  for (const [text, wall] of localCases) {
    it(`reads ${text} as a local value`, () => {
      const parsed = DEFAULT_DATE_TIME_PARSER.parse(text);
      assert.equal(parsed.zoned, undefined);
      assert.equal(parsed.local, utc(wall));
    });
  }

  for (const text of ['2021-02-30', '2021-13-01', '2021-06-14T24:00:00Z', 'yesterday', '', '14/06/2021']) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const parsed = DEFAULT_DATE_TIME_PARSER.parse(text);
      assert.equal(parsed.zoned, undefined);
      assert.equal(parsed.local, undefined);
    });
  }
});

describe('java.time patterns', () => {
  const cases: Array<[string, string, { zoned?: string; local?: string } | undefined]> = [
    ['dd/MM/yyyy', '14/06/2021', { local: '2021-06-14T00:00:00Z' }],
    ['d/M/yy', '4/6/21', { local: '2021-06-04T00:00:00Z' }],
    ['yyyyMMddHHmmss', '20210614121314', { local: '2021-06-14T12:13:14Z' }],
    ['yyyy-MM-dd HH:mm:ss.SSS', '2021-06-14 12:13:14.250', { local: '2021-06-14T12:13:14.250Z' }],
    ['yyyy-MM-dd hh:mm a', '2021-06-14 12:05 AM', { local: '2021-06-14T00:05:00Z' }],
    ['yyyy-MM-dd hh:mm a', '2021-06-14 12:05 pm', { local: '2021-06-14T12:05:00Z' }],
    ["yyyy-MM-dd'T'HH:mm:ssXXX", '2021-06-14T12:13:14+02:00', { zoned: '2021-06-14T10:13:14Z', local: '2021-06-14T12:13:14Z' }],
    ["yyyy-MM-dd'T'HH:mm:ssX", '2021-06-14T12:13:14Z', { zoned: '2021-06-14T12:13:14Z', local: '2021-06-14T12:13:14Z' }],
    ['yyyy-MM-dd HH:mm Z', '2021-06-14 12:13 -0100', { zoned: '2021-06-14T13:13:00Z', local: '2021-06-14T12:13:00Z' }],
    ['yyyy-MM-dd HH:mm VV', '2021-06-14 12:13 Europe/Paris', { zoned: '2021-06-14T10:13:00Z', local: '2021-06-14T12:13:00Z' }],
    ['yyyy-MM-dd HH:mm VV', '2021-01-14 12:13 Europe/Paris', { zoned: '2021-01-14T11:13:00Z', local: '2021-01-14T12:13:00Z' }],
    ['EEEE, MMMM d, yyyy', 'Monday, June 14, 2021', { local: '2021-06-14T00:00:00Z' }],
    ['yyyy-DDD', '2021-165', { local: '2021-06-14T00:00:00Z' }],
    ['MM/yyyy', '06/2021', { local: '2021-06-01T00:00:00Z' }],
    ["'at' HH:mm 'on' dd.MM.yyyy", 'at 12:13 on 14.06.2021', { local: '2021-06-14T12:13:00Z' }],
    ['yyyy-MM-dd[ HH:mm]', '2021-06-14', { local: '2021-06-14T00:00:00Z' }],
    ['yyyy-MM-dd[ HH:mm]', '2021-06-14 08:30', { local: '2021-06-14T08:30:00Z' }],
    ['dd/MM/yyyy', '2021-06-14', undefined],
    ['dd/MM/yyyy', '31/02/2021', undefined],
    ['unix', '1623672794', { zoned: '2021-06-14T12:13:14Z', local: '2021-06-14T12:13:14Z' }],
    ['epoch', '1623672794000', { zoned: '2021-06-14T12:13:14Z', local: '2021-06-14T12:13:14Z' }],
    ['unix', '12.5', undefined],
  ];
  for (const [pattern, text, expected] of cases) {
    it(`${pattern} reads ${text}`, () => {
      const parsed = compileDateTimeFormat(pattern).parse(text);
      if (expected === undefined) {
        assert.equal(parsed.zoned, undefined);
        assert.equal(parsed.local, undefined);
        return;
      }
      assert.equal(parsed.zoned?.epochMs, expected.zoned === undefined ? undefined : utc(expected.zoned));
      assert.equal(parsed.local, expected.local === undefined ? undefined : utc(expected.local));
    });
  }

  for (const bad of ['yyyy-QQ', "yyyy-'MM", 'yyyy]', 'yyyy[', 'zzzz', 'V', 'MMMMM', 'ddd', '{yyyy}']) {
    it(`rejects the pattern ${bad}`, () => assert.throws(() => compileDateTimeFormat(bad), SyntaxError));
  }
});

describe('now expressions, offsets and truncations', () => {
  it('reads now-expressions and nothing else', () => {
    assert.deepEqual(parseNowExpression('now'), { amount: 0, unit: 'seconds' });
    assert.deepEqual(parseNowExpression('NOW +3 days'), { amount: 3, unit: 'days' });
    assert.deepEqual(parseNowExpression('now -2 hours'), { amount: -2, unit: 'hours' });
    assert.deepEqual(parseNowExpression('5 minutes'), { amount: 5, unit: 'minutes' });
    assert.deepEqual(parseNowExpression('now +1 month'), { amount: 1, unit: 'months' });
    assert.equal(parseNowExpression('2021-06-14'), undefined);
    assert.throws(() => parseNowExpression('now +1 weeks'), /unknown unit "weeks"/);
  });

  it('shifts months and years with end-of-month clamping', () => {
    assert.equal(shiftWall(utc('2024-01-31T10:00:00Z'), { amount: 1, unit: 'months' }), utc('2024-02-29T10:00:00Z'));
    assert.equal(shiftWall(utc('2023-01-31T10:00:00Z'), { amount: 1, unit: 'months' }), utc('2023-02-28T10:00:00Z'));
    assert.equal(shiftWall(utc('2024-02-29T00:00:00Z'), { amount: 1, unit: 'years' }), utc('2025-02-28T00:00:00Z'));
    assert.equal(shiftWall(utc('2024-03-15T00:00:00Z'), { amount: -3, unit: 'months' }), utc('2023-12-15T00:00:00Z'));
    assert.equal(shiftWall(utc('2024-03-15T00:00:00Z'), { amount: 90, unit: 'seconds' }), utc('2024-03-15T00:01:30Z'));
  });

  it('truncates in the zone the value was written in', () => {
    const paris = { epochMs: utc('2021-06-14T23:30:00Z'), offsetMinutes: 120 }; // 01:30 on the 15th in +02:00
    const truncated = truncateZoned(paris, parseTruncation('first hour of day')!);
    assert.deepEqual(truncated, { epochMs: utc('2021-06-14T22:00:00Z'), offsetMinutes: 120 });
  });

  it('knows every WireMock truncation, in both spellings', () => {
    const wall = utc('2024-05-15T10:30:45Z');
    const expected: Array<[string, string]> = [
      ['first second of minute', '2024-05-15T10:30:00Z'],
      ['FIRST_MINUTE_OF_HOUR', '2024-05-15T10:00:00Z'],
      ['first hour of day', '2024-05-15T00:00:00Z'],
      ['first day of month', '2024-05-01T00:00:00Z'],
      ['first day of next month', '2024-06-01T00:00:00Z'],
      ['last day of month', '2024-05-31T00:00:00Z'],
      ['first day of year', '2024-01-01T00:00:00Z'],
      ['first day of next year', '2025-01-01T00:00:00Z'],
      ['LAST_DAY_OF_YEAR', '2024-12-31T00:00:00Z'],
    ];
    for (const [name, result] of expected) assert.equal(parseTruncation(name)!(wall), utc(result), name);
    assert.equal(parseTruncation('first day of week'), undefined);
  });

  it('measures time distance as WireMock does', () => {
    assert.equal(timeDistance(0, 0), 0);
    const twoYears = 2 * 365 * 86_400_000;
    assert.equal(timeDistance(0, twoYears), 0.5);
  });
});
