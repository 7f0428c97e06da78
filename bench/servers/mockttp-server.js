// mockttp under test for the peers benchmark, run as a child process by bench/peers.js:
//   node bench/servers/mockttp-server.js <port> '<json: { count, body, delayPath?, delayMs? }>'
// One rule per stub (GET /items/<i>, as the other servers have them) and, with delayPath, a delayed one.
// Prints "READY <url>" once listening.
import { getLocal } from 'mockttp';

const [port, specText] = process.argv.slice(2);
const spec = JSON.parse(specText);
const server = getLocal();
await server.start(Number(port));
const headers = { 'Content-Type': 'application/json' };
for (let i = 0; i < spec.count; i++) await server.forGet(`/items/${i}`).thenReply(200, spec.body, headers);
if (spec.delayPath) await server.forGet(spec.delayPath).delay(spec.delayMs).thenReply(200, spec.body, headers);
process.stdout.write(`READY ${server.url}\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
