/**
 * JSON as WireMock's matchesJsonPath reads it: Jayway JsonPath's default provider, json-smart, in
 * its permissive mode. It accepts every JSON document, and also what is not JSON at all:
 *   - a body that is not JSON is one unquoted string (`not json` → "not json", trimmed), so a path
 *     below the root finds nothing rather than failing;
 *   - unquoted and single-quoted strings and keys (`{a: 'x'}`), leading zeros (`01`), `NaN`;
 *   - useless commas (`[1,,2]`, `{"a":1,}`), and no comma at all between array items (`["a" "b"]`);
 *   - anything after a complete top-level object, array or quoted string (`{"a":1} trailing`).
 * It still rejects an unterminated object, array or quoted string (`{broken`, `[1,2`, `"abc`), a
 * document that starts with `:`, `]` or `}`, and, for JSONPath's sake, a document that is `null`.
 *
 * Written from json-smart's observable behaviour (verified against wiremock-standalone 3.13.2); it
 * is only consulted when the strict parser has already refused the text.
 */

export type PermissiveJsonParse = { ok: true; value: unknown } | { ok: false };

class ParseFailure extends Error {}

/** Characters json-smart skips between tokens. */
function isBlank(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

/** Java's String.trim(): strips every character up to U+0020 at both ends. */
function javaTrim(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) <= 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) <= 0x20) end--;
  return text.slice(start, end);
}

/** json-smart's number syntax, leading zeros and a leading `+`-less sign included. */
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseDocument(): unknown {
    // Top level: an unquoted value runs to the end of the input; anything after a complete
    // container or quoted string is ignored.
    return this.value('');
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private skipBlanks(): void {
    while (isBlank(this.peek())) this.pos++;
  }

  /** One value; an unquoted one stops before any character of `stops` (or the end). */
  private value(stops: string): unknown {
    this.skipBlanks();
    const c = this.peek();
    if (c === undefined) return javaTrim('');
    if (c === ':' || c === ']' || c === '}') throw new ParseFailure(`unexpected ${c}`);
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"' || c === "'") return this.quoted(c);
    return this.unquoted(stops);
  }

  private unquoted(stops: string): unknown {
    const start = this.pos;
    while (this.pos < this.text.length && !stops.includes(this.text[this.pos]!)) this.pos++;
    const token = javaTrim(this.text.slice(start, this.pos));
    if (token === 'null') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (NUMBER.test(token)) return Number(token);
    return token;
  }

  private quoted(quote: string): string {
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined) throw new ParseFailure('unterminated string');
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.pos++];
      if (e === undefined) throw new ParseFailure('unterminated string');
      if (e === 'u') {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new ParseFailure('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 4;
        continue;
      }
      const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      out += simple[e] ?? e;
    }
  }

  /** After a value inside a container: blanks, then one of `stops`, which is left in place. */
  private expectStop(stops: string): void {
    this.skipBlanks();
    const c = this.peek();
    if (c === undefined || !stops.includes(c)) throw new ParseFailure(c === undefined ? 'unexpected end' : `unexpected ${c}`);
  }

  private array(): unknown[] {
    this.pos++;
    const items: unknown[] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === undefined) throw new ParseFailure('unterminated array');
      if (c === ']') {
        this.pos++;
        return items;
      }
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ':' || c === '}') throw new ParseFailure(`unexpected ${c}`);
      // Values need no comma between them: `["a" "b"]` is two strings.
      items.push(this.value(',]'));
    }
  }

  private object(): Record<string, unknown> {
    this.pos++;
    const fields: Record<string, unknown> = {};
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === undefined) throw new ParseFailure('unterminated object');
      if (c === '}') {
        this.pos++;
        return fields;
      }
      if (c === ',') {
        this.pos++;
        continue;
      }
      let key: string;
      if (c === '"' || c === "'") {
        key = this.quoted(c);
      } else {
        if (c === ':' || c === ']' || c === '[' || c === '{') throw new ParseFailure(`unexpected ${c}`);
        const start = this.pos;
        while (this.pos < this.text.length && this.text[this.pos] !== ':') this.pos++;
        key = javaTrim(this.text.slice(start, this.pos));
      }
      this.expectStop(':');
      this.pos++;
      const value = this.value(',}');
      if (this.pos >= this.text.length) throw new ParseFailure('unterminated object');
      this.expectStop(',}');
      Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
}

/** Parses `text` as json-smart's permissive mode does; `{ ok: false }` when even that fails. */
export function parsePermissiveJson(text: string): PermissiveJsonParse {
  try {
    return { ok: true, value: new Parser(text).parseDocument() };
  } catch (err) {
    if (err instanceof ParseFailure) return { ok: false };
    throw err;
  }
}
