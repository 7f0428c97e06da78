/**
 * Headers as Node and the recorder hold them: a flat `[name, value, name, value, ...]` list, names in
 * the case they were sent, compared case-insensitively (RFC 9110 section 5.1).
 */

/** Whether a name from the list is `lower` (a lower-case name), whatever its case; the length is compared first. */
function isNamed(name: string, lower: string): boolean {
  return name.length === lower.length && name.toLowerCase() === lower;
}

/** The first value of header `name`, whatever its case in the list (from the entry at index `from` on). */
export function rawHeader(headers: readonly string[], name: string, from = 0): string | undefined {
  const lower = name.toLowerCase();
  for (let i = from; i + 1 < headers.length; i += 2) if (isNamed(headers[i]!, lower)) return headers[i + 1];
  return undefined;
}

/**
 * Every value of header `name` joined with `, `, as Node's `req.headers` gives a header it does not know
 * (undefined when absent). Read from the list: `req.headers` is built on first use, and the hot path does
 * not build it for one header.
 */
export function rawHeaderJoined(headers: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  let value: string | undefined;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (isNamed(headers[i]!, lower)) value = value === undefined ? headers[i + 1]! : `${value}, ${headers[i + 1]!}`;
  }
  return value;
}

/** The list without any header called `name`. */
export function withoutRawHeader(headers: readonly string[], name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) if (headers[i]!.toLowerCase() !== lower) out.push(headers[i]!, headers[i + 1]!);
  return out;
}
