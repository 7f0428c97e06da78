/**
 * The line of each stub in a JSON stub file that JSON.parse read, found by one pass over its text while
 * it is loaded, so that no stub keeps the file's text (about 0.25 KB per stub of a WireMock mappings file)
 * to find its line later.
 *
 * The lines are those the YAML parser's positions give (`locate` in stub-file.ts, which reads files with a
 * problem): the line of the first character of the stub's value, counting `\n` as the only line break. For
 * a text that parser could place differently (a lone `\r`, which JSON allows between tokens and the YAML
 * parser does not count; a top-level `mappings` key given twice, where JSON.parse keeps the last and
 * `locate` finds the first), this gives up and the caller keeps the text and asks the YAML parser instead.
 */

/** Where a file's stubs are: the file is one stub, a list of stubs, or `{ "mappings": [...] }`. */
export type JsonStubLayout = 'single' | 'list' | 'mappings';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The line of each of the file's `count` stubs, in order; undefined when they cannot be told apart from
 * the text alone (see above). `text` must be JSON that JSON.parse read.
 */
export function jsonEntryLines(text: string, layout: JsonStubLayout, count: number): number[] | undefined {
  if (/\r(?!\n)/.test(text)) return undefined;
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  // The depth of the stubs' values (inside the list that holds them); -1 until that list is found.
  let entryDepth = layout === 'list' ? 1 : layout === 'single' ? 0 : -1;
  // A value starting next is a stub.
  let expectEntry = layout === 'single';
  // Inside the top-level object (`mappings` layout): a string next is a key, and the last key read.
  let expectKey = false;
  let key: string | undefined;
  let mappingsSeen = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      if (c === NEWLINE) line++;
      continue;
    }
    if (expectEntry && c !== 0x5d) {
      lines.push(line);
      expectEntry = false;
      if (layout === 'single') return lines;
    }
    if (c === QUOTE) {
      // JSON strings hold no raw line breaks: skip to the closing quote.
      let end = i + 1;
      for (;;) {
        const q = text.indexOf('"', end);
        let backslashes = 0;
        while (text.charCodeAt(q - 1 - backslashes) === BACKSLASH) backslashes++;
        end = q + 1;
        if (backslashes % 2 === 0) break;
      }
      if (expectKey) {
        const raw = text.slice(i, end);
        key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        expectKey = false;
      }
      i = end - 1;
    } else if (c === 0x7b || c === 0x5b) {
      // `{` or `[`
      if (layout === 'mappings' && depth === 1 && key === 'mappings') {
        if (mappingsSeen || c !== 0x5b) return undefined;
        mappingsSeen = true;
        entryDepth = 2;
      }
      depth++;
      if (depth === entryDepth && c === 0x5b) expectEntry = true;
      if (layout === 'mappings' && depth === 1) expectKey = true;
    } else if (c === 0x7d || c === 0x5d) {
      // `}` or `]`: an empty list ends before a stub was seen; no list after `mappings` holds stubs
      if (depth === entryDepth) {
        expectEntry = false;
        if (layout === 'mappings') entryDepth = -1;
      }
      depth--;
    } else if (c === COMMA) {
      if (depth === entryDepth && entryDepth > 0) expectEntry = true;
      if (layout === 'mappings' && depth === 1) {
        expectKey = true;
        key = undefined;
      }
    } else if (c === COLON) {
      // the value of `key` follows
    } else if (layout === 'mappings' && depth === 1 && key === 'mappings') {
      // `"mappings": 1`, `null`, ...: not a list; JSON.parse's reading decides what that means
      return undefined;
    }
  }
  return lines.length === count ? lines : undefined;
}
