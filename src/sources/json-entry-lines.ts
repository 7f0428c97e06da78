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

const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/** What each ASCII character is to the scan; anything else (whitespace, `:`, numbers, literals) is skipped. */
const SKIP = 0;
const LINE_BREAK = 1;
const CARRIAGE_RETURN = 2;
const QUOTE = 3;
const OPEN = 4;
const CLOSE = 5;
const COMMA = 6;
const KIND = new Uint8Array(128);
KIND[0x0a] = LINE_BREAK;
KIND[0x0d] = CARRIAGE_RETURN;
KIND[0x22] = QUOTE;
KIND[0x7b] = OPEN;
KIND[0x5b] = OPEN;
KIND[0x7d] = CLOSE;
KIND[0x5d] = CLOSE;
KIND[0x2c] = COMMA;

/**
 * The line of each of the file's `count` stubs, in order; undefined when they cannot be told apart from
 * the text alone (see above). `text` must be JSON that JSON.parse read.
 */
export function jsonEntryLines(text: string, layout: JsonStubLayout, count: number): number[] | undefined {
  if (layout === 'single') {
    // The value starts at the first character that is not whitespace.
    const first = /\S/.exec(text);
    if (first === null || count !== 1 || /\r(?!\n)/.test(text)) return undefined;
    let line = 1;
    for (let at = text.indexOf('\n'); at !== -1 && at < first.index; at = text.indexOf('\n', at + 1)) line++;
    return [line];
  }
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  // The depth of the stubs' values (inside the list that holds them); -1 until that list is found.
  let entryDepth = layout === 'list' ? 1 : -1;
  // A value starting next is a stub.
  let expectEntry = false;
  // Inside the top-level object (`mappings` layout): a string next is a key, and the last key read.
  let expectKey = false;
  let key: string | undefined;
  let mappingsSeen = false;
  // A plain loop over a table of character kinds: about half of what JSON.parse takes on the same text.
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const kind = c < 128 ? KIND[c]! : SKIP;
    if (kind === SKIP) continue;
    if (kind === LINE_BREAK) {
      line++;
      continue;
    }
    if (kind === CARRIAGE_RETURN) {
      if (text.charCodeAt(i + 1) !== NEWLINE) return undefined;
      continue;
    }
    if (expectEntry && c !== 0x5d) {
      // A stub that is not an object fails to load: its line is never asked for.
      if (c !== 0x7b) return undefined;
      lines.push(line);
      expectEntry = false;
    }
    if (kind === QUOTE) {
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
      } else if (depth === 1 && key === 'mappings') {
        return undefined;
      }
      i = end - 1;
    } else if (kind === OPEN) {
      if (layout === 'mappings' && depth === 1 && key === 'mappings') {
        if (mappingsSeen || c !== 0x5b) return undefined;
        mappingsSeen = true;
        entryDepth = 2;
      }
      depth++;
      if (depth === entryDepth && c === 0x5b) expectEntry = true;
      if (layout === 'mappings' && depth === 1) expectKey = true;
    } else {
      // `}`, `]` or `,`. A `mappings` whose value was no list (a number, true, null) ends here.
      if (layout === 'mappings' && depth === 1 && key === 'mappings' && !mappingsSeen) return undefined;
      if (kind === COMMA) {
        if (depth === entryDepth) expectEntry = true;
        if (layout === 'mappings' && depth === 1) {
          expectKey = true;
          key = undefined;
        }
      } else {
        // An empty list ends before a stub was seen; no list after `mappings` holds stubs.
        if (depth === entryDepth) {
          expectEntry = false;
          if (layout === 'mappings') entryDepth = -1;
        }
        depth--;
      }
    }
  }
  return lines.length === count ? lines : undefined;
}
