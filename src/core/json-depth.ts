/**
 * How deeply JSON (and XML) may nest. Matching, validating and explaining JSON walk it recursively, and a body
 * of 5,000 nested arrays (10 KB) overflows the call stack; so JSON nested deeper than this is refused
 * where it comes in: a request body deeper than it is matched as not JSON, a stub file or an admin
 * body deeper than it is a clear error. 256 levels is far beyond any real document.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * Whether JSON text nests deeper than `max` arrays and objects: one pass over the characters, strings
 * skipped, no parse. Text that is not JSON gets an answer too (brackets are counted all the same).
 */
export function jsonTextTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return false;
}

/**
 * Whether a parsed value nests deeper than `max` arrays and objects (iterative: safe on any depth). Two
 * stacks and indexed loops rather than a pair and an iterator per value: it runs on every stub at every start.
 */
export function valueTooDeep(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const d = depths.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) return true;
    const children = Array.isArray(v) ? v : Object.values(v);
    for (let i = 0; i < children.length; i++) {
      const child: unknown = children[i];
      if (child !== null && typeof child === 'object') {
        values.push(child);
        depths.push(d + 1);
      }
    }
  }
  return false;
}

/**
 * Whether XML text nests elements deeper than `max` (the XML matchers and XPath walk the tree
 * recursively): `<x` opens, `</x` and `/>` close; comments, CDATA and processing instructions are
 * not counted. An approximation that errs only on malformed text, which does not parse anyway.
 */
export function xmlTextTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  for (let i = text.indexOf('<'); i !== -1 && i < text.length; i = text.indexOf('<', i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (text.startsWith('<!--', i) || text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(text[i + 2] === '-' ? '-->' : ']]>', i);
      if (end === -1) break;
      i = end;
    } else if (next === 47 /* / */) depth--;
    else if (next !== 33 /* ! */ && next !== 63 /* ? */) {
      const end = text.indexOf('>', i);
      if (end === -1) break;
      if (text.charCodeAt(end - 1) !== 47 && ++depth > max) return true;
      i = end;
    }
  }
  return false;
}
