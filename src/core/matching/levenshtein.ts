/**
 * Normalized Levenshtein distance, the near-miss measure WireMock uses for `equalTo`:
 * edit distance divided by the longer length, so 0 is identical and 1 is nothing in common.
 *
 * Only asked for when no stub matched, but bodies can be large: above MAX_CELLS the quadratic
 * algorithm is replaced by a linear estimate (edits needed outside the common prefix and suffix),
 * which is an upper bound of the true distance and keeps a near-miss report cheap.
 */

const MAX_CELLS = 4_000_000;

export function normalizedLevenshtein(a: string | undefined, b: string | undefined): number {
  if (a === undefined || b === undefined) return 1;
  if (a === b) return 0;
  const longest = Math.max(a.length, b.length);
  if (a.length === 0 || b.length === 0) return 1;
  if (a.length * b.length > MAX_CELLS) return estimateByAffixes(a, b) / longest;
  return levenshtein(a, b) / longest;
}

function estimateByAffixes(a: string, b: string): number {
  let start = 0;
  const min = Math.min(a.length, b.length);
  while (start < min && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let end = 0;
  while (end < min - start && a.charCodeAt(a.length - 1 - end) === b.charCodeAt(b.length - 1 - end)) end++;
  return Math.max(a.length, b.length) - start - end;
}

/** Classic two-row dynamic programme over UTF-16 code units (as Java's String does). */
export function levenshtein(s: string, t: string): number {
  if (s.length > t.length) [s, t] = [t, s];
  const n = s.length;
  const m = t.length;
  if (n === 0) return m;
  const row = new Uint32Array(n + 1);
  for (let i = 0; i <= n; i++) row[i] = i;
  for (let j = 1; j <= m; j++) {
    let upperLeft = row[0]!;
    const tj = t.charCodeAt(j - 1);
    row[0] = j;
    for (let i = 1; i <= n; i++) {
      const upper = row[i]!;
      const cost = s.charCodeAt(i - 1) === tj ? 0 : 1;
      row[i] = Math.min(row[i - 1]! + 1, upper + 1, upperLeft + cost);
      upperLeft = upper;
    }
  }
  return row[n]!;
}
