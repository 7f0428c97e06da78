// Decoy under test for the benchmark, run as a child process by bench/run.js:
//   node bench/servers/decoy-server.js <stubsDir> <port> ['<json: more createDecoy options>']
// Prints "READY <url>" on stdout once it serves. On SIGUSR2 prints "MEM <json>" (process.memoryUsage(), after a
// full GC when node runs with --expose-gc).
import { createDecoy } from '../../dist/index.js';

const [stubsDir, port, extra] = process.argv.slice(2);
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
