import assert from 'node:assert/strict';
import { compileFindRegex, compileWholeMatchRegex, translateJavaRegex } from '../../../../src/core/matching/java-regex.js';

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

  // Each of these is rejected by java.util.regex.Pattern too, or cannot be expressed in JavaScript.
  for (const bad of ['(', '[a-', 'a(?i)b', '(?i:a)', '[&&]', '\\p{InGreek}', '\\G', '\\y', 'a\\Eb', 'a**', '*a', '[b-a]', 'a{2,1}', '[\\1]', '(?<a_b>x)', '\\k<zz>(?<zz>a)']) {
    it(`rejects ${bad}`, () => assert.throws(() => translateJavaRegex(bad), SyntaxError));
  }

  // Expectations checked against java.util.regex on Java 17 (Pattern.compile(p, DOTALL).matcher(s).matches()).
  describe('atomic groups and possessive quantifiers (no backtracking into them)', () => {
    const rows: Array<[string, string, boolean]> = [
      ['(?>a|ab)c', 'abc', false],
      ['(?>a|ab)c', 'ac', true],
      ['(?>a+)a', 'aaa', false],
      ['a*+a', 'aaa', false],
      ['a*+', 'aaa', true],
      ['a++b', 'aab', true],
      ['a?+a', 'a', false],
      ['a{1,3}+a', 'aaaa', true],
      ['a{1,3}+a', 'aaa', false],
      ['a{2}+a', 'aaa', true],
      ['[a-z]++[0-9]', 'abc1', true],
      ['[a-z]++[a-z]', 'abc', false],
      ['(a|ab)++c', 'ababc', false],
      ['(?>a|b)*+c', 'abc', true],
      ['(?i)(?>A|AB)C', 'abc', false],
      ['a|(?>b|bc)d', 'bcd', false],
    ];
    for (const [pattern, value, expected] of rows) {
      it(`${pattern} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
        assert.equal(compileWholeMatchRegex(pattern).test(value), expected);
      });
    }

    it('emulates them with a lookahead that captures and a back reference that consumes', () => {
      assert.deepEqual(translateJavaRegex('(?>a|ab)c'), { source: '(?:(?=(?<__atomic1>a|ab))\\k<__atomic1>)c', flags: '' });
      assert.deepEqual(translateJavaRegex('a{1,2}+b*+'), {
        source: '(?:(?=(?<__atomic1>a{1,2}))\\k<__atomic1>)(?:(?=(?<__atomic2>b*))\\k<__atomic2>)',
        flags: '',
      });
      assert.equal(translateJavaRegex('(?>a)', '', { groupPrefix: '__open' }).source, '(?:(?=(?<__open1>a))\\k<__open1>)');
    });

    it('renumbers numbered back references after the generated groups', () => {
      assert.equal(translateJavaRegex('(?>x)(a)\\1').source, '(?:(?=(?<__atomic1>x))\\k<__atomic1>)(a)\\2');
      // The generated group opens before the user's group that it wraps.
      assert.equal(translateJavaRegex('(a)++\\1').source, '(?:(?=(?<__atomic1>(a)+))\\k<__atomic1>)\\2');
      const cases: Array<[string, string, boolean]> = [
        ['(a)(?>b)\\1', 'aba', true],
        ['(?>x)(a)\\1', 'xaa', true],
        ['(?>x)(a)\\1', 'xax', false],
        ['(a)++\\1', 'aaa', false], // the possessive a++ leaves nothing for \1
        ['(?>(a))(b)\\2\\1', 'abba', true],
        ['(?<n>a)(?>b)\\k<n>\\1', 'abaa', true],
        ['(?>x)(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10', 'xabcdefghijj', true],
        ['(a)\\10', 'aa0', true], // Java: \1 then 0 when there are fewer than ten groups
        ['(a)\\2', 'a', false], // a group that does not exist never matches
      ];
      for (const [pattern, value, expected] of cases) assert.equal(compileWholeMatchRegex(pattern).test(value), expected, `${pattern} on ${value}`);
    });
  });

  describe('the (?x) COMMENTS flag', () => {
    const rows: Array<[string, string, boolean]> = [
      ['(?x) a b  # spaces and comments are ignored', 'ab', true],
      ['(?x) a b  # spaces and comments are ignored', 'a b', false],
      ['(?x)a#comment\nb', 'ab', true],
      ['(?x)a\\ b', 'a b', true], // an escaped space is kept
      ['(?x)a\\#b', 'a#b', true],
      ['(?x)a\\Q b\\E', 'a b', true], // so is quoted text
      ['(?x)a + +', 'aa', true], // a possessive quantifier across whitespace
      ['(?ix) A B', 'ab', true],
      ['(?x)[ a]+', 'a', true], // Java ignores whitespace inside classes too
      ['(?x)[ a]+', ' ', false],
      ['(?x)[ ^a]', '^', true], // ... so this ^ is no longer first, and literal
      ['(?x)[ ^a]', 'b', false],
    ];
    for (const [pattern, value, expected] of rows) {
      it(`${JSON.stringify(pattern)} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
        assert.equal(compileWholeMatchRegex(pattern).test(value), expected);
      });
    }
  });

  describe('character class intersection and nesting', () => {
    const rows: Array<[string, string, boolean]> = [
      ['[a-z&&[^aeiou]]+', 'bcd', true],
      ['[a-z&&[^aeiou]]+', 'abc', false],
      ['[a-z&&def]+', 'def', true],
      ['[a-z&&def]+', 'dea', false],
      ['[^a-z&&[aeiou]]', 'b', true], // the ^ negates the whole intersection (Java 9+)
      ['[^a-z&&[aeiou]]', 'a', false],
      ['[^a[b]]', 'b', false],
      ['[abc&&b-d[x]]', 'b', true],
      ['[abc&&b-d[x]]', 'x', false],
      ['[&&a]', 'a', true],
      ['[a&&]', 'b', false],
      ['[a-z[0-9]]+', 'a5', true],
      ['[\\w&&\\D]+', 'a1', false],
      ['[\\p{Alpha}&&[^a]]', 'b', true],
      ['[\\p{Alpha}&&[^a]]', 'a', false],
      ['[\\p{L}&&[^\\p{Lu}]]+', 'été', true],
      ['[\\P{Alpha}x]', 'x', true],
      ['[\\P{Alpha}x]', 'a', false],
      ['[\\H]', ' ', false],
      ['[a-z&&[^x]][(){}/|\\\\\\-&!#%,:;<=>@`~.$^*+?]+', 'a(){}/|\\-&!#%,:;<=>@`~.$^*+?', true],
      ['[a-z&&[^aeiou]]{2}+', 'bc', true],
    ];
    for (const [pattern, value, expected] of rows) {
      it(`${pattern} ${expected ? 'matches' : 'does not match'} ${JSON.stringify(value)}`, () => {
        assert.equal(compileWholeMatchRegex(pattern).test(value), expected);
      });
    }

    it('writes an intersection as a v-flag class set expression', () => {
      assert.deepEqual(translateJavaRegex('[a-z&&[^aeiou]]'), { source: '[[a-z]&&[^aeiou]]', flags: 'v' });
      assert.deepEqual(translateJavaRegex('[a-c&&[&-]]'), { source: '[[a-c]&&[\\&\\-]]', flags: 'v' });
    });

    it('flattens nested classes when no v flag is needed', () => {
      assert.deepEqual(translateJavaRegex('[a[b-c]]'), { source: '[ab-c]', flags: '' });
    });
  });
});
