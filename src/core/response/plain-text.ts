/**
 * Plain-text answers Decoy writes itself (the near-miss 404, 413, 500, a proxy's 500/504): UTF-8, with
 * a Content-Length, as a flat header list the journal can keep.
 */

export interface PlainText {
  headers: string[];
  body: Buffer;
}

/** `text` exactly as given (callers add a final newline where they want one). */
export function plainText(text: string, extraHeaders: readonly string[] = []): PlainText {
  const body = Buffer.from(text, 'utf8');
  return { headers: ['Content-Type', 'text/plain; charset=utf-8', 'Content-Length', String(body.length), ...extraHeaders], body };
}
