/**
 * What an HTTP header value may hold on the wire. Node's http module refuses (with an exception, so a
 * 500 on every request) any character outside HTAB, visible ASCII, space and obs-text
 * (RFC 9110 section 5.5: field-value = *(HTAB / SP / VCHAR / obs-text)); obs-text, U+0080 to U+00FF,
 * goes out as one Latin-1 byte. A static header value is checked when the stub loads; a value that
 * depends on the request cannot be refused then, so it is made safe instead.
 */

const INVALID = /[^\t\x20-\x7e\x80-\xff]/;
const INVALID_ALL = /[^\t\x20-\x7e\x80-\xff]+/g;

/** The first character a header value cannot carry, described for an error message (`"€" (U+20AC)`), or undefined. */
export function invalidHeaderChar(value: string): string | undefined {
  const m = INVALID.exec(value);
  if (m === null) return undefined;
  const cp = value.codePointAt(m.index)!;
  const shown = cp < 0x20 || cp === 0x7f ? '' : `${JSON.stringify(String.fromCodePoint(cp))} `;
  return `${shown}(U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * A header value as it can be sent: each run of characters a header cannot carry (line breaks, NUL,
 * other controls, anything above U+00FF) is percent-encoded as UTF-8, so `€` becomes `%E2%82%AC`
 * and no value can split the header or end the head.
 */
export function safeHeaderValue(value: string): string {
  // Hot path: a valid value (nearly always) is returned as it is, after one regex test.
  if (!INVALID.test(value)) return value;
  return value.replace(INVALID_ALL, (run) => {
    let out = '';
    for (const byte of Buffer.from(run, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    return out;
  });
}
