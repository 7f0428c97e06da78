/**
 * Java regular expressions (java.util.regex.Pattern, as WireMock mappings are written) translated
 * into JavaScript RegExp.
 *
 * Translation is a single left-to-right scan that tracks escapes, character classes and `\Q...\E`
 * quoting. It handles what stub authors write in practice:
 *   - leading inline flags `(?i)`, `(?s)`, `(?m)`, `(?u)`, `(?d)` (JavaScript has no inline flags on Node 20);
 *   - `\A`, `\z`, `\Z` anchors; `\Q...\E` literal quoting; `\h` horizontal whitespace;
 *   - POSIX and Java classes `\p{Alpha}`, `\p{Digit}`, `\p{javaLowerCase}`, ... (Unicode ones such as
 *     `\p{L}` switch the result to the `u` flag, and needless escapes are then unescaped);
 *   - possessive quantifiers (`a*+`) and atomic groups (`(?>...)`), which become their greedy,
 *     backtracking equivalents: the same language for every pattern without catastrophic intent.
 * Anything JavaScript still rejects surfaces as a compile error naming the regex.
 */

/** A Java regex translated to JavaScript, before anchoring. */
export interface TranslatedRegex {
  source: string;
  flags: string;
}

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
  javaLowerCase: '\\p{Ll}',
  javaUpperCase: '\\p{Lu}',
  javaWhitespace: '\\s',
  javaMirrored: '\\p{Bidi_M}',
  IsAlphabetic: '\\p{Alphabetic}',
  IsLetter: '\\p{L}',
  IsDigit: '\\p{Nd}',
  IsUppercase: '\\p{Uppercase}',
  IsLowercase: '\\p{Lowercase}',
  IsWhite_Space: '\\p{White_Space}',
  IsPunctuation: '\\p{P}',
};

const HORIZONTAL_SPACE = ' \\t\\xA0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000';
const VERTICAL_SPACE = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';

/** Characters that may be escaped in a `u`-flag JavaScript regex outside a class. */
const U_SYNTAX_CHARS = new Set('^$\\.*+?()[]{}|/-'.split(''));

function escapeLiteral(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/**
 * Translates a Java regex into a JavaScript source and flags. Throws a SyntaxError (from the RegExp
 * constructor) when the result is not a valid JavaScript regex.
 */
export function translateJavaRegex(pattern: string, baseFlags = ''): TranslatedRegex {
  const flags = new Set(baseFlags.split('').filter(Boolean));
  let i = 0;
  // Leading inline flag groups: `(?i)`, `(?is)`, possibly repeated.
  for (;;) {
    const m = /^\(\?([imsudx]+)\)/.exec(pattern.slice(i));
    if (!m) break;
    for (const f of m[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags.add(f);
      else if (f === 'u') flags.add('i');
      else if (f === 'x') throw new SyntaxError('the (?x) comments flag is not supported');
      // 'd' (UNIX_LINES) has no JavaScript equivalent and changes nothing for \n-only input.
    }
    i += m[0].length;
  }

  let out = '';
  let inClass = 0;
  let needsUnicode = false;
  const len = pattern.length;
  while (i < len) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) throw new SyntaxError('trailing backslash');
      if (n === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = end < 0 ? pattern.slice(i + 2) : pattern.slice(i + 2, end);
        out += escapeLiteral(literal);
        i = end < 0 ? len : end + 2;
        continue;
      }
      if (n === 'A' && !inClass) {
        out += '^';
        i += 2;
        continue;
      }
      if ((n === 'z' || n === 'Z') && !inClass) {
        out += n === 'Z' ? '(?=\\n?$)' : '$';
        i += 2;
        continue;
      }
      const set = n === 'h' ? HORIZONTAL_SPACE : n === 'v' ? VERTICAL_SPACE : undefined;
      if (set !== undefined) {
        out += inClass ? set : `[${set}]`;
        i += 2;
        continue;
      }
      if ((n === 'H' || n === 'V') && !inClass) {
        out += `[^${n === 'H' ? HORIZONTAL_SPACE : VERTICAL_SPACE}]`;
        i += 2;
        continue;
      }
      if (n === 'R' && !inClass) {
        out += `(?:\\r\\n|[${VERTICAL_SPACE}])`;
        i += 2;
        continue;
      }
      if (n === 'e' || n === 'a') {
        out += n === 'e' ? '\\x1B' : '\\x07';
        i += 2;
        continue;
      }
      if (n === 'x' && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        if (close < 0) throw new SyntaxError('unclosed \\x{...}');
        out += `\\u{${pattern.slice(i + 3, close)}}`;
        needsUnicode = true;
        i = close + 1;
        continue;
      }
      if (n === 'G' || n === 'X' || n === 'N') {
        throw new SyntaxError(`\\${n} is not supported`);
      }
      if ((n === 'p' || n === 'P') && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        if (close < 0) throw new SyntaxError('unclosed \\p{...}');
        const name = pattern.slice(i + 3, close);
        const mapped = POSIX_CLASSES[name];
        const negate = n === 'P';
        if (mapped !== undefined) {
          if (mapped.includes('\\p{')) needsUnicode = true;
          if (inClass) {
            if (negate) throw new SyntaxError(`\\P{${name}} inside a character class is not supported`);
            out += mapped;
          } else {
            out += negate ? `[^${mapped}]` : `[${mapped}]`;
          }
        } else {
          out += `\\${n}{${javaUnicodePropertyToJs(name)}}`;
          needsUnicode = true;
        }
        i = close + 1;
        continue;
      }
      out += c + n;
      i += 2;
      continue;
    }
    if (c === '[') {
      inClass++;
      out += c;
      i++;
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      // A leading ']' is a literal in Java.
      if (pattern[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === ']' && inClass) {
      inClass--;
      out += c;
      i++;
      continue;
    }
    if (inClass) {
      if (c === '&' && pattern[i + 1] === '&') throw new SyntaxError('character class intersection (&&) is not supported');
      if (c === '[') throw new SyntaxError('nested character classes are not supported');
      out += c;
      i++;
      continue;
    }
    if (c === '(' && pattern.startsWith('(?>', i)) {
      out += '(?:';
      i += 3;
      continue;
    }
    if (c === '(' && /^\(\?[imsdux-]+\)/.test(pattern.slice(i))) {
      throw new SyntaxError('inline flags are only supported at the start of the regex');
    }
    if ((c === '*' || c === '+' || c === '?' || c === '}') && pattern[i + 1] === '+') {
      // Possessive quantifier: keep the greedy quantifier, drop the possessive marker.
      out += c;
      i += 2;
      continue;
    }
    out += c;
    i++;
  }

  if (needsUnicode) {
    flags.add('u');
    out = unescapeForUnicodeMode(out);
  }
  const flagString = ['i', 'm', 's', 'u'].filter((f) => flags.has(f)).join('');
  // Validate now so that callers get the error at load time.
  new RegExp(out, flagString);
  return { source: out, flags: flagString };
}

/**
 * Java spells Unicode properties `\p{Lu}` / `\p{IsLu}` (categories), `\p{IsLatin}` (scripts),
 * `\p{IsAlphabetic}` (binary properties) and `\p{InGreek}` (blocks); JavaScript knows the first
 * three, scripts as `Script=Latin`, and no blocks.
 */
function javaUnicodePropertyToJs(name: string): string {
  if (name.startsWith('In') && name.length > 2) throw new SyntaxError(`Unicode blocks such as \\p{${name}} are not supported`);
  const bare = name.startsWith('Is') ? name.slice(2) : name;
  if (/^[A-Z][a-z&]?$/.test(bare)) return bare;
  if (name.startsWith('Is')) {
    try {
      new RegExp(`\\p{${bare}}`, 'u');
      return bare;
    } catch {
      return `Script=${bare}`;
    }
  }
  return bare;
}

/** Java accepts `\` before any non-letter; a `u`-mode JavaScript regex only before syntax characters. */
function unescapeForUnicodeMode(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\' && i + 1 < source.length) {
      const n = source[i + 1]!;
      const allowed = U_SYNTAX_CHARS.has(n) && (n !== '-' || inClass);
      out += !/[A-Za-z0-9]/.test(n) && !allowed ? n : c + n;
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return out;
}

/**
 * Compiles a Java regex that must match a whole value (Java's `Matcher.matches()`, with DOTALL as
 * WireMock sets it).
 */
export function compileWholeMatchRegex(pattern: string, extraFlags = ''): RegExp {
  const { source, flags } = translateJavaRegex(pattern, 's' + extraFlags);
  return new RegExp(`^(?:${source})$`, flags);
}

/** Compiles a Java regex for `Matcher.find()` semantics (anywhere in the value). */
export function compileFindRegex(pattern: string): RegExp {
  const { source, flags } = translateJavaRegex(pattern);
  return new RegExp(source, flags);
}
