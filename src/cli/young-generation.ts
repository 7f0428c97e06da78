/**
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
