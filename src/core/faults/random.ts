/**
 * Seeded randomness for faults and delay distributions. mulberry32: a 32-bit generator with a full
 * period of 2^32, plenty for picking faults, and fast enough to draw on every request. With a seed the
 * same sequence of requests gets the same faults; without one, the seed is itself random.
 */
export type Random = () => number;

export function createRandom(seed?: number): Random {
  let a = (seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw (Box-Muller), for lognormal delays. */
export function standardNormal(random: Random): number {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
