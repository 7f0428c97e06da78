/**
 * A reader for the plain block YAML most stub files are written in, tried before js-yaml.
 *
 * js-yaml 5 spends some 60 µs on an eight-line stub file even once its code is optimized (it spreads its
 * options into a new state object for each file and reads through an event list), and about twice that in
 * the cold code of a start: half the cost of loading a YAML stub file. This reader takes only what it can
 * read exactly as `yaml` does (YAML 1.2, core schema) and hands everything else back, so the caller reads
 * that with js-yaml or `yaml` as before. What it reads:
 *
 * - block mappings with plain keys (`Content-Type:`, not quoted, not numbers other than plain integers,
 *   nor `true`, `null` and the like, which `yaml` turns into other keys) and block sequences, including a
 *   mapping or a sequence that starts on a `- ` line and a sequence at its key's indentation;
 * - plain scalars on one line (strings; `true`/`false`, `null`/`~` in their three spellings; integers
 *   of up to 15 digits), single-quoted scalars and double-quoted ones without escapes, on one line;
 * - literal block scalars (`|` and `|-`);
 * - comments and blank lines.
 *
 * Anything else (a tab or carriage return anywhere, control characters, directives and document
 * markers, flow collections, anchors, tags, escapes, folded or kept scalars, other numbers, keys that
 * repeat, a line continuing a plain scalar, lines of spaces in a block scalar) makes it give up on the
 * file: it never guesses.
 */

/** Returned when the text is not in the subset this reader takes. */
export const NOT_PLAIN: unique symbol = Symbol('not plain block YAML');

/** Thrown inside the reader to give up on the text. */
const GIVE_UP: unique symbol = Symbol('give up');

function giveUp(): never {
  throw GIVE_UP;
}

/** Tabs, carriage returns, other control characters, line and paragraph separators, a byte order mark. */
const UNSAFE_CHARACTER = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;
/** A key spelt so that `yaml` reads it as a string with the same spelling. */
const PLAIN_KEY = /^(?:[A-Za-z_$][\w$./-]*|0|[1-9]\d{0,14})$/;
/** Keys `yaml` reads as a boolean or null: their JavaScript key is spelt otherwise. */
const OTHER_KEY = /^(?:true|false|null)$/i;
/** A plain scalar that starts with one of these is an indicator, a number or another special value. */
const SPECIAL_START = /^[-?:,[\]{}#&*!|>'"%@`+.0-9]/;
const PLAIN_INTEGER = /^(?:0|[1-9]\d{0,14})$/;

/**
 * The value of a YAML text in the subset described above, as `yaml` reads it, or `NOT_PLAIN`.
 */
export function readPlainYaml(text: string): unknown {
  if (UNSAFE_CHARACTER.test(text)) return NOT_PLAIN;
  try {
    return new PlainYamlReader(text).document();
  } catch (e) {
    // A deep file may overflow the stack here as anywhere; the full readers then say what they say.
    if (e === GIVE_UP || e instanceof RangeError) return NOT_PLAIN;
    throw e;
  }
}

class PlainYamlReader {
  /** Each line without its indentation. */
  readonly #bodies: string[];
  /** Each line's indentation (spaces). */
  readonly #indents: number[];
  readonly #lines: string[];
  /** The next line to read. */
  #at = 0;

  constructor(text: string) {
    const lines = text.split('\n');
    const bodies = new Array<string>(lines.length);
    const indents = new Array<number>(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      let k = 0;
      while (line.charCodeAt(k) === 32) k++;
      // `---`, `...` (document markers) and `%` (a directive) at the start of a line.
      if (k === 0 && (line.startsWith('---') || line.startsWith('...') || line.startsWith('%'))) giveUp();
      indents[i] = k;
      bodies[i] = k === 0 ? line : line.slice(k);
    }
    this.#lines = lines;
    this.#bodies = bodies;
    this.#indents = indents;
  }

  document(): unknown {
    const first = this.#next();
    if (first < 0) giveUp(); // an empty file: the caller knows what that means
    const value = this.#block(this.#indents[first]!);
    if (this.#next() >= 0) giveUp();
    return value;
  }

  /** The next line that is neither blank nor a comment, or -1; reading goes on from it. */
  #next(): number {
    const bodies = this.#bodies;
    while (this.#at < bodies.length) {
      const body = bodies[this.#at]!;
      if (body !== '' && body.charCodeAt(0) !== 35 /* # */) return this.#at;
      this.#at++;
    }
    return -1;
  }

  /** The mapping or sequence whose first line is the next one, at `indent`. */
  #block(indent: number): unknown {
    return isEntry(this.#bodies[this.#at]!) ? this.#sequence(indent) : this.#mapping(indent);
  }

  #mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (;;) {
      const i = this.#next();
      if (i < 0 || this.#indents[i]! < indent) return out;
      const body = this.#bodies[i]!;
      if (this.#indents[i]! > indent || isEntry(body)) giveUp();
      const colon = keyEnd(body);
      if (colon < 0) giveUp();
      const key = body.slice(0, colon);
      if (!PLAIN_KEY.test(key) || OTHER_KEY.test(key) || key === '__proto__' || Object.hasOwn(out, key)) giveUp();
      this.#at = i + 1;
      out[key] = this.#value(body.slice(colon + 1), indent, true);
    }
  }

  #sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (;;) {
      const i = this.#next();
      if (i < 0 || this.#indents[i]! < indent) return out;
      const body = this.#bodies[i]!;
      if (this.#indents[i]! > indent) giveUp();
      // A line at this indentation that is not an entry ends a sequence written at its key's indentation.
      if (!isEntry(body)) return out;
      const start = skipSpaces(body, 1);
      const item = body.slice(start);
      if (item !== '' && item.charCodeAt(0) !== 35 /* # */ && (isEntry(item) || keyEnd(item) >= 0)) {
        // `- key: value` or `- - item`: a mapping or a sequence whose lines are indented to where it starts.
        this.#indents[i] = indent + start;
        this.#bodies[i] = item;
        this.#at = i;
        out.push(this.#block(indent + start));
        continue;
      }
      this.#at = i + 1;
      out.push(this.#value(body.slice(1), indent, false));
    }
  }

  /** The value after `key:` or `-` (`rest`, with its leading spaces) of a node at `indent`. */
  #value(rest: string, indent: number, ofKey: boolean): unknown {
    const start = skipSpaces(rest, 0);
    if (start === rest.length || rest.charCodeAt(start) === 35 /* # */) {
      const i = this.#next();
      if (i >= 0 && this.#indents[i]! > indent) return this.#block(this.#indents[i]!);
      // `key:` then `- item` at the key's own indentation: the sequence is the key's value.
      if (ofKey && i >= 0 && this.#indents[i] === indent && isEntry(this.#bodies[i]!)) return this.#sequence(indent);
      return null;
    }
    const v = start === 0 ? rest : rest.slice(start);
    if (v.charCodeAt(0) === 124 /* | */) return this.#literal(v, indent);
    return scalar(v);
  }

  /** A literal block scalar (`|` or `|-`) under a node at `indent`. */
  #literal(header: string, indent: number): string {
    const strip = header.charCodeAt(1) === 45; /* - */
    const after = strip ? 2 : 1;
    const tail = skipSpaces(header, after);
    if (tail < header.length && (tail === after || header.charCodeAt(tail) !== 35 /* # */)) giveUp();
    const content: string[] = [];
    let contentIndent = -1;
    let i = this.#at;
    for (; i < this.#lines.length; i++) {
      const line = this.#lines[i]!;
      if (line === '') {
        content.push('');
        continue;
      }
      // A line of spaces: whether it is content depends on rules this reader does not need.
      if (this.#bodies[i] === '') giveUp();
      const lineIndent = this.#indents[i]!;
      if (contentIndent < 0) {
        if (lineIndent <= indent) giveUp(); // an empty block scalar
        contentIndent = lineIndent;
      }
      if (lineIndent < contentIndent) break;
      content.push(line.slice(contentIndent));
    }
    if (contentIndent < 0) giveUp();
    this.#at = i;
    let end = content.length;
    while (end > 0 && content[end - 1] === '') end--;
    const text = content.slice(0, end).join('\n');
    return strip ? text : `${text}\n`;
  }
}

/** A sequence entry: `-` alone or followed by a space. */
function isEntry(body: string): boolean {
  return body.charCodeAt(0) === 45 /* - */ && (body.length === 1 || body.charCodeAt(1) === 32);
}

/** Where a `key:` ends (the colon followed by a space or the end of the line), or -1. */
function keyEnd(body: string): number {
  for (let k = body.indexOf(':'); k >= 0; k = body.indexOf(':', k + 1)) {
    if (k + 1 === body.length || body.charCodeAt(k + 1) === 32) return k;
  }
  return -1;
}

function skipSpaces(s: string, from: number): number {
  while (s.charCodeAt(from) === 32) from++;
  return from;
}

/** A scalar on one line (`v` starts with no space), as the core schema reads it. */
function scalar(v: string): unknown {
  const first = v.charCodeAt(0);
  if (first === 39 /* ' */) {
    let out = '';
    for (let k = 1; ;) {
      const quote = v.indexOf("'", k);
      if (quote < 0) giveUp(); // it goes on on the next line
      if (v.charCodeAt(quote + 1) === 39) {
        out += v.slice(k, quote + 1);
        k = quote + 2;
        continue;
      }
      return afterQuoted(v, quote + 1, out + v.slice(k, quote));
    }
  }
  if (first === 34 /* " */) {
    const quote = v.indexOf('"', 1);
    if (quote < 0) giveUp();
    const s = v.slice(1, quote);
    if (s.includes('\\')) giveUp();
    return afterQuoted(v, quote + 1, s);
  }
  let end = v.indexOf(' #');
  if (end < 0) end = v.length;
  while (end > 0 && v.charCodeAt(end - 1) === 32) end--;
  const s = end === v.length ? v : v.slice(0, end);
  // `a: b` in a value is a mapping where one cannot start (an error); `a:` at the end, a key.
  if (s.includes(': ') || s.endsWith(':')) giveUp();
  if (SPECIAL_START.test(s)) {
    if (PLAIN_INTEGER.test(s)) return Number(s);
    giveUp();
  }
  switch (s) {
    case 'true': case 'True': case 'TRUE': return true;
    case 'false': case 'False': case 'FALSE': return false;
    case 'null': case 'Null': case 'NULL': case '~': return null;
    default: return s;
  }
}

/** A quoted scalar's value, if nothing but spaces and a comment follow its closing quote. */
function afterQuoted(v: string, from: number, value: string): string {
  const k = skipSpaces(v, from);
  if (k === v.length || (k > from && v.charCodeAt(k) === 35 /* # */)) return value;
  return giveUp();
}
