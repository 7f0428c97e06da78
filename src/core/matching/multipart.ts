/**
 * Splits a multipart body (RFC 2046 section 5.1, as multipart/form-data sends it, RFC 7578) into its
 * parts: each part's headers by lower-cased name and its body bytes. Parsed only when a stub with
 * `multipartPatterns` looks at the request, and at most once per request.
 */

/** One part of a multipart body, as sent. */
export interface RawPart {
  /** Lower-cased header name → values, in order. */
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
}

/** The boundary a `multipart/...` Content-Type declares, or undefined when the type is not multipart or names none. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^\s*multipart\//i.test(contentType)) return undefined;
  const m = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/**
 * The most parts a body is read as. A body with more is not read as multipart at all (it matches no
 * `multipartPatterns`): matching its first parts only could say "every part" of parts never looked at.
 */
export const MAX_PARTS = 1000;

function parseHeaderBlock(block: string): Record<string, string[]> {
  // No prototype: a part may name a header `constructor` or `__proto__`.
  const headers: Record<string, string[]> = Object.create(null);
  // Folded lines (obsolete, RFC 5322 section 2.2.3) are joined to the header they continue.
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    (headers[line.slice(0, colon).trim().toLowerCase()] ??= []).push(line.slice(colon + 1).trim());
  }
  return headers;
}

/**
 * The parts of a multipart body, or undefined when the body is not multipart (no boundary in the
 * Content-Type, no delimiter in the body, or more than MAX_PARTS parts). A part without the blank line after its headers is
 * read as headers only.
 */
export function parseMultipart(body: Buffer, contentType: string | undefined): RawPart[] | undefined {
  const boundary = multipartBoundary(contentType);
  if (boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  let at = body.indexOf(delimiter);
  if (at === -1) return undefined;
  const parts: RawPart[] = [];
  for (;;) {
    if (parts.length === MAX_PARTS) {
      // Only a closing delimiter may follow the last part allowed.
      const close = at + delimiter.length;
      return body[close] === 0x2d && body[close + 1] === 0x2d ? parts : undefined;
    }
    let start = at + delimiter.length;
    // `--boundary--` closes the body.
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    // The rest of the delimiter line (transport padding) ends with CRLF (or a bare LF).
    const eol = body.indexOf(0x0a, start);
    if (eol === -1) break;
    start = eol + 1;
    const next = body.indexOf(delimiter, start);
    if (next === -1) break;
    // The CRLF before the next delimiter belongs to the delimiter.
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    const content = body.subarray(start, Math.max(start, end));
    let split = content.indexOf('\r\n\r\n');
    let gap = 4;
    const lf = content.indexOf('\n\n');
    if (lf !== -1 && (split === -1 || lf < split)) { split = lf; gap = 2; }
    if (content.length > 0 && (content[0] === 0x0d || content[0] === 0x0a)) {
      // No headers: the part is all body after the blank line.
      const skip = content[0] === 0x0d ? 2 : 1;
      parts.push({ headers: Object.create(null) as Record<string, string[]>, body: content.subarray(skip) });
    } else if (split === -1) {
      parts.push({ headers: parseHeaderBlock(content.toString('utf8')), body: Buffer.alloc(0) });
    } else {
      parts.push({ headers: parseHeaderBlock(content.subarray(0, split).toString('utf8')), body: content.subarray(split + gap) });
    }
    at = next;
  }
  return parts;
}

/** The `name` parameter of a part's Content-Disposition, for reports. */
export function partName(headers: Record<string, string[]>): string | undefined {
  const disposition = headers['content-disposition']?.[0];
  if (disposition === undefined) return undefined;
  const m = /;\s*name\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(disposition);
  return m?.[1] ?? m?.[2];
}
