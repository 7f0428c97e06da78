/**
 * Levenshtein distance scaled to 0..1 by the longer string's length: the "how far off" measure that
 * WireMock also uses to rank near misses. Only computed when no stub matched, never on the hot path.
 */
export function normalizedLevenshtein(a: string, b: string): number {
  if (a === b) return 0;
  const max = Math.max(a.length, b.length);
  if (max === 0) return 0;
  // Cap the work on huge values: near-miss ranking needs an estimate, not an exact figure.
  if (a.length * b.length > 4_000_000) return a.length === b.length ? 0.5 : Math.min(1, 0.5 + Math.abs(a.length - b.length) / max / 2);
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const cost = ca === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]! / max;
}
