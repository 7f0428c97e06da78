// Decoy under the soak test, run as a child process (with an IPC channel) by bench/soak.js:
//   node bench/servers/soak-server.js '<json: createDecoy options>'
// Sends { ready: url } once it serves. On the message 'stats' it answers with what the process costs
// now: RSS and heap, open file descriptors (from /proc/self/fd), the event loop's delay (p50/p99/max in
// ms since the previous reading), sockets held by faults, and the journal's length. Warnings and errors
// go to stderr as log lines, which the parent counts.
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createDecoy, createLogger } from '../../dist/index.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const decoy = createDecoy({ ...options, logger: createLogger({ level: 'warn', format: 'json' }) });
await decoy.start();

const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const openFds = () => {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1; // not Linux
  }
};

process.on('message', (msg) => {
  if (msg !== 'stats') return;
  const mem = process.memoryUsage();
  process.send({
    stats: {
      rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20, fds: openFds(),
      loopP50Ms: delay.percentile(50) / 1e6, loopP99Ms: delay.percentile(99) / 1e6, loopMaxMs: delay.max / 1e6,
      journal: decoy.engine.journal.size,
    },
  });
  delay.reset();
});
process.on('disconnect', () => void decoy.stop().finally(() => process.exit(0)));
process.send({ ready: decoy.url });
