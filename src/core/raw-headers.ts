/**
 * Headers as Node and the recorder hold them: a flat `[name, value, name, value, ...]` list, names in
 * the case they were sent, compared case-insensitively (RFC 9110 section 5.1).
 */

/** The first value of header `name`, whatever its case in the list. */
export function rawHeader(headers: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i]!.toLowerCase() === lower) return headers[i + 1];
  return undefined;
}

/** The list without any header called `name`. */
export function withoutRawHeader(headers: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i]!.toLowerCase() !== lower) out.push(headers[i]!, headers[i + 1]!);
  return out;
}
