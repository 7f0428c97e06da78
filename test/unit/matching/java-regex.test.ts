import assert from 'node:assert/strict';
import { compileFindRegex, compileWholeMatchRegex, translateJavaRegex } from '../../../src/core/matching/java-regex.js';

describe('Java regex translation', () => {
  const cases: Array<[string, string, boolean]> = [
    ['abc', 'abc', true],
    ['b', 'abc', false],
    ['a|b', 'a', true],
    ['(?i)héllo', 'HÉLLO', true],
    ['(?is)a.b', 'A\nB', true],
    ['\\p{Lower}+', 'abc', true],
    ['\\p{Upper}+', 'abc', false],
    ['[\\p{Digit}x]+', '1x2', true],
    ['\\P{Digit}+', 'abc', true],
    ['\\p{javaLowerCase}+', 'été', true],
    ['\\p{IsLatin}+', 'abc', true],
    ['\\p{Lu}\\p{Ll}+', 'Abc', true],
    ['\\Q(a+b)\\E', '(a+b)', true],
    ['\\Q(a+b)', '(a+b)', true],
    ['a*+b', 'aaab', true],
    ['a{1,2}+', 'aa', true],
    ['(?>x|xy)z', 'xz', true],
    ['\\Aabc\\Z', 'abc', true],
    ['\\h+', ' \t', true],
    ['a\\Rb', 'a\r\nb', true],
    ['\\x{e9}', 'é', true],
    ['\\-\\_', '-_', true], // needless escapes are fine in Java
    ['[]a]+', ']a', true],
    ['\\p{L}\\-', 'a-', true], // Unicode mode still accepts Java's escapes
  ];
  for (const [pattern, value, expected] of cases) {
    it(`${pattern} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
      assert.equal(compileWholeMatchRegex(pattern).test(value), expected);
    });
  }

  it('finds anywhere with find semantics', () => {
    assert.equal(compileFindRegex('\\d+').test('ab12'), true);
  });

  for (const bad of ['(', '[a-', '(?x)a b', 'a(?i)b', '[a&&[b]]', '\\p{InGreek}', '\\G']) {
    it(`rejects ${bad}`, () => assert.throws(() => translateJavaRegex(bad), SyntaxError));
  }
});
