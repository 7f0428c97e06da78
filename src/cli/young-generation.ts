/**
 * V8's memory in the `decoy` command: the young generation's size, and one collection after a large load
 * (collectLoadGarbage, below).
 *
 * Keeps V8's young generation at its starting size in the `decoy` command (imported first by main.ts, before
 * anything allocates). V8 doubles the young generation's semi-spaces, up to 16 MiB each on 64-bit, whenever
 * many objects survive a scavenge: loading thousands of stubs, or a journal filling up, is just that, and the
 * 32 MiB it grows to stay resident for good (about 25 MB of the RSS with 10,000 stubs and a full journal).
 * A mock's requests make short-lived garbage, which a small young generation collects as cheaply: measured
 * side by side under load, the CPU per request did not change (docs/reference/performance.md, "Memory per
 * stub and per journal entry"). `--max-semi-space-size` can only be set when Node starts; the growth factor
 * is read each time V8 would grow, so it is set here. A user's own young-generation flags (on the command
 * line or in NODE_OPTIONS) win; the library (createDecoy in someone's process) never sets it.
 */
import v8 from 'node:v8';

const ownFlags = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)];
if (!ownFlags.some((f) => /^--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor)\b/.test(f.replace(/_/g, '-')))) {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

/** From this many stubs loaded at start, the garbage the load leaves is worth a collection (about 0.8 KB per stub). */
const COLLECT_AFTER_LOADING = 2000;

/**
 * One full garbage collection once the command has loaded many stubs, before it serves. Loading them leaves
 * megabytes of garbage in the old generation (the files' text, the parsers' and compilers' intermediate
 * objects promoted while the load ran), which V8 would collect only at its next full collection: under a
 * light load, or idle, that comes tens of seconds later, and meanwhile the requests' own objects take new
 * pages, so the garbage stays in the RSS. The collection takes a few tens of milliseconds once, at start.
 * V8 hands out its `gc` function only to contexts made while `--expose-gc` is set: one is made for it, and
 * the flag is unset again (the user's own context never sees a `gc`).
 */
export function collectLoadGarbage(stubs: number): void {
  if (stubs < COLLECT_AFTER_LOADING) return;
  const exposed = typeof (globalThis as { gc?: unknown }).gc === 'function';
  if (!exposed) v8.setFlagsFromString('--expose-gc');
  try {
    // node:vm is loaded here, by the few starts that collect, not by every start (some 1.5 ms of CPU).
    (process.getBuiltinModule('node:vm').runInNewContext('gc') as () => void)();
  } finally {
    if (!exposed) v8.setFlagsFromString('--no-expose-gc');
  }
}
