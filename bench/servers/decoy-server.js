// Decoy under test for the benchmark, run as a child process by bench/run.js:
//   node bench/servers/decoy-server.js <stubsDir> <port>
// Prints "READY <url>" on stdout once it serves.
import { createDecoy } from '../../dist/index.js';

const [stubsDir, port] = process.argv.slice(2);
const decoy = createDecoy({ stubsDir, port: Number(port), host: '127.0.0.1', watch: false });
await decoy.start();
process.stdout.write(`READY ${decoy.url}\n`);

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
