/**
 * Java regular expressions (java.util.regex.Pattern, as WireMock mappings are written) translated
 * into JavaScript RegExp.
 *
 * The pattern is parsed once, left to right, into pieces (literal characters, character classes,
 * groups, back references, raw JavaScript syntax), which are then written out for the JavaScript
 * mode the pattern needs: plain, `u` (Unicode properties, code points beyond U+FFFF) or `v`
 * (class set operations). What it handles:
 *   - leading inline flags `(?i)`, `(?s)`, `(?m)`, `(?u)`, `(?d)`, `(?x)` (JavaScript has no inline
 *     flags on Node 20); `(?x)` (COMMENTS) drops unescaped whitespace and `#...` comments up to the
 *     end of the line, inside character classes too, as Java does;
 *   - `\A`, `\z`, `\Z` anchors; `\Q...\E` literal quoting; `\h`, `\v`, `\R`; octal `\0nn`; `\cX`;
 *   - POSIX and Java classes `\p{Alpha}`, `\p{Digit}`, `\p{javaLowerCase}`, ... and Unicode ones
 *     such as `\p{L}` (which switch the result to the `u` flag);
 *   - character classes with nested classes (`[a-z[0-9]]`) and intersections (`[a-z&&[^aeiou]]`),
 *     written as `v`-flag class set expressions (`[[a-z]&&[^aeiou]]`) when they cannot be flattened;
 *     as in Java 9 and later, a leading `^` negates the whole class;
 *   - atomic groups `(?>X)` and possessive quantifiers (`a*+`, `a++`, `a?+`, `a{n,m}+`), emulated
 *     exactly with a lookahead that captures and a back reference that consumes what it captured:
 *     `(?:(?=(?<__atomic1>X))\k<__atomic1>)`. The generated groups are numbered too, so numbered
 *     back references (`\1`) are renumbered to the groups they meant;
 *   - numbered back references with Java's rules (`\12` is `\1` then `2` when there are fewer than
 *     twelve groups; a reference to a group that does not exist never matches).
 * Anything Java rejects that JavaScript would quietly accept (an unknown escape such as `\y`, a
 * dangling quantifier) and anything JavaScript cannot express (`\G`, `\X`, Unicode blocks, scoped
 * flags `(?i:...)`) throws a SyntaxError, which callers report as a compile error naming the regex.
 */

/** A Java regex translated to JavaScript, before anchoring. */
export interface TranslatedRegex {
  source: string;
  flags: string;
}

export interface TranslateOptions {
  /** Prefix of the named groups generated for atomic groups and possessive quantifiers (default `__atomic`). */
  groupPrefix?: string;
  /** Write the result for at least this JavaScript mode, e.g. to join it with another translation. */
  mode?: RegexMode;
}

/** The JavaScript regex syntax a translation is written in: plain, `u` or `v` (unicodeSets). */
export type RegexMode = '' | 'u' | 'v';

/** POSIX and java.lang.Character classes, as Java character class contents. */
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
const LINE_BREAK = '(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])';

/** `\A`, `\z` and `\Z` hold whatever the `m` flag says about `^` and `$`. */
const START_OF_INPUT = '(?<![\\s\\S])';
const END_OF_INPUT = '(?![\\s\\S])';
const END_BEFORE_FINAL_TERMINATOR = '(?=(?:\\r\\n|[\\n\\r\\x85\\u2028\\u2029])?(?![\\s\\S]))';

/** Characters escaped outside a class: JavaScript's syntax characters and `/`, valid escapes in every mode. */
const OUTSIDE_CLASS_ESCAPED = new Set('^$\\.*+?()[]{}|/'.split(''));
/** Characters escaped inside a plain or `u`-mode class. */
const CLASS_ESCAPED = new Set('\\]-^['.split(''));
/**
 * Characters escaped inside a `v`-mode class: the class set syntax characters, the reserved
 * punctuators (so that no reserved double punctuator such as `&&` appears by accident) and the
 * remaining syntax characters; each of them has a valid `\` escape in `v` mode.
 */
const V_CLASS_ESCAPED = new Set('()[]{}/-\\|&!#%,:;<=>@`~^$.*+?'.split(''));

/** Java's ASCII whitespace, which the COMMENTS flag ignores. */
const JAVA_SPACE = new Set([' ', '\t', '\n', '\x0B', '\f', '\r']);
const JAVA_LINE_END = new Set(['\n', '\r', '\u0085', '\u2028', '\u2029']);

/** Letters Java accepts after a backslash (anything else alphabetic is an error in Java). */
const ESCAPE_LETTERS = new Set('AbBcdDeEfGhHknNpPQrRsStuvVwWxXzZ'.split('').concat(['a']));

// ---------------------------------------------------------------------------------------------------
// Parsed form.
// ---------------------------------------------------------------------------------------------------

type ClassItem =
  | { kind: 'char'; cp: number }
  | { kind: 'range'; from: number; to: number }
  /** `\d`, `\w`, `\s`, their negations, `\p{...}`: valid as they are in every mode (`\p` with u or v). */
  | { kind: 'escape'; text: string }
  | { kind: 'class'; node: ClassNode };

/** A Java character class: the intersection of its `&&` operands, each a union of items. */
interface ClassNode {
  negated: boolean;
  operands: ClassItem[][];
}

type Piece =
  | { kind: 'raw'; text: string }
  | { kind: 'char'; cp: number }
  | { kind: 'class'; node: ClassNode }
  /** An opening parenthesis (or generated prefix); `captures` says whose numbered group it opens, if any. */
  | { kind: 'open'; text: string; captures: 'user' | 'generated' | 'none' }
  /** A numbered back reference, by the user's group number. */
  | { kind: 'backref'; group: number };

interface Frame {
  /** Index of the frame's opening piece (-1 for the whole pattern). */
  openAt: number;
  /** What closes it. */
  closeText: string;
  /** A lookaround, which JavaScript only quantifies inside a group. */
  isLookaround: boolean;
  /** Index of the first piece of the last quantifiable atom, or -1. */
  lastAtom: number;
  /** Whether that atom must be put in a group to be quantified (anchors, lookarounds). */
  lastAtomNeedsGroup: boolean;
}

function hex4(cp: number): string {
  return `\\u${cp.toString(16).padStart(4, '0')}`;
}

/** A literal character in source text that may end up inside a regex literal: no raw control or line-break characters. */
function safeLiteral(cp: number): string | undefined {
  if (cp < 0x20 || cp === 0x7f || cp === 0x85 || cp === 0x2028 || cp === 0x2029) return hex4(cp);
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// The COMMENTS flag.
// ---------------------------------------------------------------------------------------------------

/**
 * Java's COMMENTS flag: whitespace and `#` comments (to the end of the line) are ignored, in and
 * out of character classes; escaped characters and `\Q...\E` are kept. A `^` that follows ignored
 * whitespace right after `[` is no longer at the start of the class, so Java reads it as a literal.
 */
function stripComments(pattern: string): string {
  let out = '';
  let skipped = false;
  let afterClassOpen = false;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      let stop = i + 2;
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        stop = end < 0 ? pattern.length : end + 2;
      }
      out += pattern.slice(i, stop);
      i = stop;
      skipped = afterClassOpen = false;
      continue;
    }
    if (JAVA_SPACE.has(c)) {
      i++;
      skipped = true;
      continue;
    }
    if (c === '#') {
      while (i < pattern.length && !JAVA_LINE_END.has(pattern[i]!)) i++;
      skipped = true;
      continue;
    }
    out += c === '^' && afterClassOpen && skipped ? '\\^' : c;
    afterClassOpen = c === '[';
    skipped = false;
    i++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Parsing.
// ---------------------------------------------------------------------------------------------------

class JavaRegexParser {
  private i = 0;
  readonly pieces: Piece[] = [];
  private readonly frames: Frame[] = [{ openAt: -1, closeText: '', isLookaround: false, lastAtom: -1, lastAtomNeedsGroup: false }];
  /** User capturing groups opened so far (Java numbers groups by their opening parenthesis). */
  userGroups = 0;
  private readonly names = new Set<string>();
  private generated = 0;
  needsUnicode = false;

  constructor(
    private readonly src: string,
    private readonly groupPrefix: string,
  ) {}

  private get frame(): Frame {
    return this.frames[this.frames.length - 1]!;
  }

  private atom(start: number, needsGroup = false): void {
    this.frame.lastAtom = start;
    this.frame.lastAtomNeedsGroup = needsGroup;
  }

  private pushAtom(piece: Piece, needsGroup = false): void {
    this.atom(this.pieces.length, needsGroup);
    this.pieces.push(piece);
  }

  private pushChar(cp: number): void {
    if (cp > 0xffff) this.needsUnicode = true;
    this.pushAtom({ kind: 'char', cp });
  }

  parse(): void {
    const src = this.src;
    while (this.i < src.length) {
      const c = src[this.i]!;
      switch (c) {
        case '\\':
          this.escape();
          break;
        case '[': {
          const node = this.parseClass();
          this.pushAtom({ kind: 'class', node });
          break;
        }
        case '(':
          this.openGroup();
          break;
        case ')':
          this.closeGroup();
          break;
        case '|':
          this.pieces.push({ kind: 'raw', text: '|' });
          this.frame.lastAtom = -1;
          this.i++;
          break;
        case '^':
        case '$':
          this.pushAtom({ kind: 'raw', text: c }, true);
          this.i++;
          break;
        case '.':
          this.pushAtom({ kind: 'raw', text: '.' });
          this.i++;
          break;
        case '*':
        case '+':
        case '?':
          this.quantifier(c, 1);
          break;
        case '{': {
          const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(this.i));
          if (m === null) {
            // Java rejects this ("Illegal repetition"); Decoy has always read it as a literal brace.
            this.pushChar(0x7b);
            this.i++;
            break;
          }
          if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(m[1])) throw new SyntaxError(`illegal repetition range ${m[0]}`);
          this.quantifier(m[0], m[0].length);
          break;
        }
        default: {
          const cp = src.codePointAt(this.i)!;
          this.pushChar(cp);
          this.i += cp > 0xffff ? 2 : 1;
        }
      }
    }
    if (this.frames.length > 1) throw new SyntaxError('unclosed group');
  }

  private quantifier(text: string, length: number): void {
    this.i += length;
    let q = text;
    let possessive = false;
    if (this.src[this.i] === '?') {
      q += '?';
      this.i++;
    } else if (this.src[this.i] === '+') {
      possessive = true;
      this.i++;
    }
    const frame = this.frame;
    if (frame.lastAtom < 0) throw new SyntaxError(`dangling quantifier ${text}`);
    const start = frame.lastAtom;
    if (frame.lastAtomNeedsGroup) {
      this.pieces.splice(start, 0, { kind: 'open', text: '(?:', captures: 'none' });
      this.pieces.push({ kind: 'raw', text: ')' });
    }
    if (possessive) {
      // X*+ is (?>X*): capture what the greedy quantifier takes in a lookahead, then consume exactly that.
      const name = this.nextGeneratedName();
      this.pieces.splice(start, 0, { kind: 'open', text: `(?:(?=(?<${name}>`, captures: 'generated' });
      this.pieces.push({ kind: 'raw', text: q });
      this.pieces.push({ kind: 'raw', text: `))\\k<${name}>)` });
    } else {
      this.pieces.push({ kind: 'raw', text: q });
    }
    frame.lastAtom = -1;
  }

  private nextGeneratedName(): string {
    this.generated++;
    return `${this.groupPrefix}${this.generated}`;
  }

  private openGroup(): void {
    const rest = this.src.slice(this.i);
    let open: Piece & { kind: 'open' };
    let closeText = ')';
    let isLookaround = false;
    let length: number;
    if (!rest.startsWith('(?')) {
      open = { kind: 'open', text: '(', captures: 'user' };
      this.userGroups++;
      length = 1;
    } else if (rest.startsWith('(?:')) {
      open = { kind: 'open', text: '(?:', captures: 'none' };
      length = 3;
    } else if (rest.startsWith('(?>')) {
      const name = this.nextGeneratedName();
      open = { kind: 'open', text: `(?:(?=(?<${name}>`, captures: 'generated' };
      closeText = `))\\k<${name}>)`;
      length = 3;
    } else if (/^\(\?(?:=|!|<=|<!)/.test(rest)) {
      length = rest[2] === '<' ? 4 : 3;
      open = { kind: 'open', text: rest.slice(0, length), captures: 'none' };
      isLookaround = true;
    } else if (rest.startsWith('(?<')) {
      const m = /^\(\?<([^>]*)>/.exec(rest);
      if (m === null) throw new SyntaxError("named capturing group is missing trailing '>'");
      const name = m[1]!;
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw new SyntaxError(`invalid group name <${name}>: Java names are a Latin letter followed by letters and digits`);
      if (this.names.has(name)) throw new SyntaxError(`named capturing group <${name}> is already defined`);
      this.names.add(name);
      this.userGroups++;
      open = { kind: 'open', text: m[0], captures: 'user' };
      length = m[0].length;
    } else if (/^\(\?[a-zA-Z-]*\)/.test(rest)) {
      throw new SyntaxError('inline flags are only supported at the start of the regex');
    } else if (/^\(\?[a-zA-Z-]*:/.test(rest)) {
      throw new SyntaxError('scoped inline flags such as (?i:...) are not supported');
    } else {
      throw new SyntaxError(`unknown group construct ${rest.slice(0, 3)}`);
    }
    this.frames.push({ openAt: this.pieces.length, closeText, isLookaround, lastAtom: -1, lastAtomNeedsGroup: false });
    this.pieces.push(open);
    this.i += length;
  }

  private closeGroup(): void {
    if (this.frames.length === 1) throw new SyntaxError("unmatched closing ')'");
    const frame = this.frames.pop()!;
    this.pieces.push({ kind: 'raw', text: frame.closeText });
    this.atom(frame.openAt, frame.isLookaround);
    this.i++;
  }

  // -- escapes -------------------------------------------------------------------------------------

  private escape(): void {
    const src = this.src;
    const n = src[this.i + 1];
    if (n === undefined) throw new SyntaxError('trailing backslash');
    if (n === 'Q') {
      const end = src.indexOf('\\E', this.i + 2);
      const literal = end < 0 ? src.slice(this.i + 2) : src.slice(this.i + 2, end);
      for (const ch of literal) this.pushChar(ch.codePointAt(0)!);
      this.i = end < 0 ? src.length : end + 2;
      return;
    }
    if (n >= '1' && n <= '9') {
      // Java: the longest number that names a group opened so far, or the first digit alone.
      let group = Number(n);
      let j = this.i + 2;
      while (j < src.length && src[j]! >= '0' && src[j]! <= '9' && group * 10 + Number(src[j]) <= this.userGroups) {
        group = group * 10 + Number(src[j]);
        j++;
      }
      this.pushAtom({ kind: 'backref', group });
      this.i = j;
      return;
    }
    if (n === 'k') {
      const m = /^\\k<([^>]*)>/.exec(src.slice(this.i));
      if (m === null) throw new SyntaxError('\\k is not followed by <name>');
      if (!this.names.has(m[1]!)) throw new SyntaxError(`named capturing group <${m[1]}> does not exist`);
      this.pushAtom({ kind: 'raw', text: m[0] });
      this.i += m[0].length;
      return;
    }
    const anchor = n === 'A' ? START_OF_INPUT : n === 'z' ? END_OF_INPUT : n === 'Z' ? END_BEFORE_FINAL_TERMINATOR : n === 'b' || n === 'B' ? `\\${n}` : undefined;
    if (anchor !== undefined) {
      this.pushAtom({ kind: 'raw', text: anchor }, true);
      this.i += 2;
      return;
    }
    if (n === 'R') {
      this.pushAtom({ kind: 'raw', text: LINE_BREAK });
      this.i += 2;
      return;
    }
    if (n === 'G' || n === 'X' || n === 'N') throw new SyntaxError(`\\${n} is not supported`);
    const item = this.classEscape(false);
    if (item.kind === 'char') this.pushChar(item.cp);
    else if (item.kind === 'escape') this.pushAtom({ kind: 'raw', text: item.text });
    else if (item.kind === 'class') this.pushAtom({ kind: 'class', node: item.node });
  }

  /**
   * An escape that stands for characters: a character class escape (`\d`, `\p{...}`, `\h`) or one
   * character (`\t`, `\x41`, `\u0041`, `\x{1F600}`, `\0101`, `\cA`, `\.`). Advances past it.
   */
  private classEscape(inClass: boolean): ClassItem {
    const src = this.src;
    const n = src[this.i + 1];
    if (n === undefined) throw new SyntaxError('trailing backslash');
    const simple = ({ t: 0x09, n: 0x0a, r: 0x0d, f: 0x0c, a: 0x07, e: 0x1b } as Record<string, number>)[n];
    if (simple !== undefined) {
      this.i += 2;
      return { kind: 'char', cp: simple };
    }
    if ('dDwWsS'.includes(n)) {
      this.i += 2;
      return { kind: 'escape', text: `\\${n}` };
    }
    if (n === 'h' || n === 'H' || n === 'v' || n === 'V') {
      this.i += 2;
      const node = parseClassBody(n === 'h' || n === 'H' ? HORIZONTAL_SPACE : VERTICAL_SPACE);
      return { kind: 'class', node: { ...node, negated: n === 'H' || n === 'V' } };
    }
    if (n === 'p' || n === 'P') return this.property(n === 'P');
    if (n === 'x') {
      if (src[this.i + 2] === '{') {
        const close = src.indexOf('}', this.i + 3);
        if (close < 0) throw new SyntaxError('unclosed \\x{...}');
        const digits = src.slice(this.i + 3, close);
        const cp = /^[0-9a-fA-F]{1,8}$/.test(digits) ? parseInt(digits, 16) : NaN;
        if (!(cp <= 0x10ffff)) throw new SyntaxError(`illegal hexadecimal escape \\x{${digits}}`);
        this.i = close + 1;
        return { kind: 'char', cp };
      }
      const digits = src.slice(this.i + 2, this.i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(digits)) throw new SyntaxError('illegal hexadecimal escape sequence');
      this.i += 4;
      return { kind: 'char', cp: parseInt(digits, 16) };
    }
    if (n === 'u') {
      const digits = src.slice(this.i + 2, this.i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw new SyntaxError('illegal Unicode escape sequence');
      this.i += 6;
      let cp = parseInt(digits, 16);
      // A surrogate pair written as two escapes is one code point, as in Java.
      const low = /^\\u([dD][c-fC-F][0-9a-fA-F]{2})/.exec(src.slice(this.i));
      if (cp >= 0xd800 && cp <= 0xdbff && low !== null) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (parseInt(low[1]!, 16) - 0xdc00);
        this.i += 6;
      }
      return { kind: 'char', cp };
    }
    if (n === '0') {
      // Java octal: \0n, \0nn, \0mnn with m <= 3.
      const m = /^[0-3][0-7]{2}|^[0-7]{1,2}/.exec(src.slice(this.i + 2));
      if (m === null) throw new SyntaxError('illegal octal escape sequence');
      this.i += 2 + m[0].length;
      return { kind: 'char', cp: parseInt(m[0], 8) };
    }
    if (n === 'c') {
      const control = src[this.i + 2];
      if (control === undefined) throw new SyntaxError('illegal control escape sequence');
      this.i += 3;
      return { kind: 'char', cp: control.charCodeAt(0) ^ 64 };
    }
    if (/[A-Za-z0-9]/.test(n)) {
      if (n === 'E') throw new SyntaxError('\\E without a \\Q before it');
      if (inClass && (ESCAPE_LETTERS.has(n) || /[0-9]/.test(n))) throw new SyntaxError(`\\${n} is not supported in a character class`);
      throw new SyntaxError(ESCAPE_LETTERS.has(n) ? `\\${n} is not supported` : `\\${n} is not a Java escape sequence`);
    }
    // A backslash before any other character makes it literal.
    const cp = src.codePointAt(this.i + 1)!;
    this.i += cp > 0xffff ? 3 : 2;
    return { kind: 'char', cp };
  }

  /** `\p{Name}`, `\pL`, `\P{Name}`. */
  private property(negate: boolean): ClassItem {
    const src = this.src;
    let name: string;
    if (src[this.i + 2] === '{') {
      const close = src.indexOf('}', this.i + 3);
      if (close < 0) throw new SyntaxError('unclosed \\p{...}');
      name = src.slice(this.i + 3, close);
      this.i = close + 1;
    } else {
      name = src[this.i + 2] ?? '';
      if (!/^[A-Za-z]$/.test(name)) throw new SyntaxError('\\p must be followed by a property name');
      this.i += 3;
    }
    const posix = POSIX_CLASSES[name];
    if (posix !== undefined) {
      const node = parseClassBody(posix);
      if (containsUnicodeProperty(node)) this.needsUnicode = true;
      return { kind: 'class', node: { ...node, negated: negate } };
    }
    this.needsUnicode = true;
    return { kind: 'escape', text: `\\${negate ? 'P' : 'p'}{${javaUnicodePropertyToJs(name)}}` };
  }

  // -- character classes ---------------------------------------------------------------------------

  /** A Java character class starting at `[`; advances past its `]`. */
  parseClass(): ClassNode {
    const src = this.src;
    this.i++;
    const negated = src[this.i] === '^';
    if (negated) this.i++;
    const operands: ClassItem[][] = [[]];
    let hasAny = false;
    for (;;) {
      const c = src[this.i];
      if (c === undefined) throw new SyntaxError('unclosed character class');
      const current = operands[operands.length - 1]!;
      if (c === ']' && hasAny) {
        this.i++;
        break;
      }
      hasAny = true;
      if (c === '[') {
        current.push({ kind: 'class', node: this.parseClass() });
        continue;
      }
      if (c === '&' && src[this.i + 1] === '&') {
        operands.push([]);
        this.i += 2;
        continue;
      }
      if (c === '\\' && src[this.i + 1] === 'Q') {
        const end = src.indexOf('\\E', this.i + 2);
        const literal = end < 0 ? src.slice(this.i + 2) : src.slice(this.i + 2, end);
        for (const ch of literal) current.push(this.classChar(ch.codePointAt(0)!));
        this.i = end < 0 ? src.length : end + 2;
        continue;
      }
      const item = this.classAtom();
      const after = src[this.i + 1];
      if (item.kind === 'char' && src[this.i] === '-' && after !== undefined && after !== ']' && after !== '[') {
        this.i++;
        const end = this.classAtom();
        if (end.kind !== 'char' || end.cp < item.cp) throw new SyntaxError('illegal character range');
        current.push({ kind: 'range', from: item.cp, to: end.cp });
        continue;
      }
      current.push(item);
    }
    const nonEmpty = operands.filter((operand) => operand.length > 0);
    if (nonEmpty.length === 0) throw new SyntaxError('bad character class syntax');
    return { negated, operands: nonEmpty };
  }

  private classChar(cp: number): ClassItem {
    if (cp > 0xffff) this.needsUnicode = true;
    return { kind: 'char', cp };
  }

  private classAtom(): ClassItem {
    const src = this.src;
    if (src[this.i] === '\\') {
      const item = this.classEscape(true);
      if (item.kind === 'char' && item.cp > 0xffff) this.needsUnicode = true;
      return item;
    }
    const cp = src.codePointAt(this.i)!;
    this.i += cp > 0xffff ? 2 : 1;
    return this.classChar(cp);
  }
}

/** Parses the contents of a class (no brackets), for the built-in POSIX and space classes. */
function parseClassBody(body: string): ClassNode {
  const parser = new JavaRegexParser(`[${body}]`, '');
  return parser.parseClass();
}

function containsUnicodeProperty(node: ClassNode): boolean {
  return node.operands.some((operand) =>
    operand.some((item) => (item.kind === 'escape' && /^\\[pP]/.test(item.text)) || (item.kind === 'class' && containsUnicodeProperty(item.node))),
  );
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

// ---------------------------------------------------------------------------------------------------
// Writing JavaScript.
// ---------------------------------------------------------------------------------------------------

/** The union's items with non-negated nested classes flattened into it; undefined when that cannot be written without `v`. */
function flatItems(node: ClassNode): ClassItem[] | undefined {
  if (node.operands.length !== 1) return undefined;
  const out: ClassItem[] = [];
  for (const item of node.operands[0]!) {
    if (item.kind !== 'class') {
      out.push(item);
      continue;
    }
    if (item.node.negated) return undefined;
    const inner = flatItems(item.node);
    if (inner === undefined) return undefined;
    out.push(...inner);
  }
  return out;
}

function needsSetNotation(node: ClassNode): boolean {
  return flatItems(node) === undefined;
}

function classCharText(cp: number, escaped: ReadonlySet<string>): string {
  const ch = String.fromCodePoint(cp);
  if (escaped.has(ch)) return `\\${ch}`;
  return safeLiteral(cp) ?? ch;
}

function writeItem(item: ClassItem, mode: RegexMode): string {
  const escaped = mode === 'v' ? V_CLASS_ESCAPED : CLASS_ESCAPED;
  switch (item.kind) {
    case 'char':
      return classCharText(item.cp, escaped);
    case 'range':
      return `${classCharText(item.from, escaped)}-${classCharText(item.to, escaped)}`;
    case 'escape':
      return item.text;
    case 'class':
      return writeClass(item.node, mode);
  }
}

function writeClass(node: ClassNode, mode: RegexMode): string {
  const negation = node.negated ? '^' : '';
  if (mode !== 'v') {
    const items = flatItems(node)!;
    return `[${negation}${items.map((item) => writeItem(item, mode)).join('')}]`;
  }
  if (node.operands.length === 1) return `[${negation}${node.operands[0]!.map((item) => writeItem(item, mode)).join('')}]`;
  // Each operand of && must be a class (or one character) in v mode; ranges and unions are nested.
  const operands = node.operands.map((operand) =>
    operand.length === 1 && operand[0]!.kind === 'class' ? writeClass(operand[0]!.node, mode) : `[${operand.map((item) => writeItem(item, mode)).join('')}]`,
  );
  return `[${negation}${operands.join('&&')}]`;
}

function writeCharOutsideClass(cp: number): string {
  const ch = String.fromCodePoint(cp);
  if (OUTSIDE_CLASS_ESCAPED.has(ch)) return `\\${ch}`;
  return safeLiteral(cp) ?? ch;
}

function write(parser: JavaRegexParser, mode: RegexMode): string {
  const pieces = parser.pieces;
  // Numbered groups in the output: the user's, shifted by the generated ones that open before them.
  const jsGroupOf: number[] = [];
  let jsGroups = 0;
  let userGroups = 0;
  for (const piece of pieces) {
    if (piece.kind !== 'open' || piece.captures === 'none') continue;
    jsGroups++;
    if (piece.captures === 'user') jsGroupOf[++userGroups] = jsGroups;
  }
  let out = '';
  for (let p = 0; p < pieces.length; p++) {
    const piece = pieces[p]!;
    switch (piece.kind) {
      case 'raw':
      case 'open':
        out += piece.text;
        break;
      case 'char':
        out += writeCharOutsideClass(piece.cp);
        break;
      case 'class':
        out += writeClass(piece.node, mode);
        break;
      case 'backref': {
        const target = jsGroupOf[piece.group];
        if (target === undefined) {
          // Java accepts a reference to a group that does not exist; it never matches.
          out += '(?!)';
          break;
        }
        const next = pieces[p + 1];
        const digitFollows = next?.kind === 'char' && next.cp >= 0x30 && next.cp <= 0x39;
        out += digitFollows ? `(?:\\${target})` : `\\${target}`;
        break;
      }
    }
  }
  return out;
}

function anyClass(pieces: readonly Piece[], test: (node: ClassNode) => boolean): boolean {
  return pieces.some((piece) => piece.kind === 'class' && test(piece.node));
}

/**
 * Translates a Java regex into a JavaScript source and flags. Throws a SyntaxError when Java
 * would reject the pattern, when JavaScript cannot express it, or when the result is not a valid
 * JavaScript regex.
 */
export function translateJavaRegex(pattern: string, baseFlags = '', options: TranslateOptions = {}): TranslatedRegex {
  const flags = new Set(baseFlags.split('').filter(Boolean));
  let mode: RegexMode = options.mode ?? '';
  if (flags.delete('v')) mode = 'v';
  if (flags.delete('u') && mode === '') mode = 'u';
  let i = 0;
  let comments = false;
  // Leading inline flag groups: `(?i)`, `(?is)`, possibly repeated.
  for (;;) {
    const m = /^\(\?([imsudx]+)\)/.exec(pattern.slice(i));
    if (!m) break;
    for (const f of m[1]!) {
      if (f === 'i' || f === 'm' || f === 's') flags.add(f);
      else if (f === 'u') flags.add('i');
      else if (f === 'x') comments = true;
      // 'd' (UNIX_LINES) has no JavaScript equivalent and changes nothing for \n-only input.
    }
    i += m[0].length;
  }
  const body = comments ? stripComments(pattern.slice(i)) : pattern.slice(i);

  const parser = new JavaRegexParser(body, options.groupPrefix ?? '__atomic');
  parser.parse();
  if (anyClass(parser.pieces, needsSetNotation)) mode = 'v';
  else if (parser.needsUnicode && mode === '') mode = 'u';

  const source = write(parser, mode);
  const flagString = ['i', 'm', 's'].filter((f) => flags.has(f)).join('') + mode;
  // Validate now so that callers get the error at load time.
  new RegExp(source, flagString);
  return { source, flags: flagString };
}

/** The JavaScript mode a translation was written for, from its flags. */
export function regexModeOf(flags: string): RegexMode {
  return flags.includes('v') ? 'v' : flags.includes('u') ? 'u' : '';
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
