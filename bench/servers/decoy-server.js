// Decoy under test for the benchmark, run as a child process by bench/run.js:
//   node bench/servers/decoy-server.js <stubsDir> <port> ['<json: more createDecoy options>'] [<dist folder of another build>]
// Prints "READY <url>" on stdout once it serves. On SIGUSR2 prints "MEM <json>" (process.memoryUsage(), after a
// full GC when node runs with --expose-gc).
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [stubsDir, port, extra, dist] = process.argv.slice(2);
// Another build (BENCH_COMPARE_DIST) is measured in the same run as this one, for a before/after ratio.
const { createDecoy } = await import(dist ? pathToFileURL(path.resolve(dist, 'index.js')).href : '../../dist/index.js');
const decoy = createDecoy({ stubsDir, port: Number(port), host: '127.0.0.1', watch: false, ...JSON.parse(extra ?? '{}') });
await decoy.start();
process.stdout.write(`READY ${decoy.url}\n`);

process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  process.stdout.write(`MEM ${JSON.stringify(process.memoryUsage())}\n`);
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  try {
    await decoy.stop();
  } finally {
    process.exit(0);
  }
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
