// A round-robin TCP balancer for the benchmark's fleet rows, run as a child process by bench/run.js:
//   node bench/servers/balancer.js <port> <backend port>,<backend port>,...
// Each new connection goes to the next backend. Prints "READY <url>" once it listens.
import net from 'node:net';

const [port, backends] = process.argv.slice(2);
const ports = backends.split(',').map(Number);
let next = 0;
const server = net.createServer((client) => {
  const upstream = net.connect(ports[next++ % ports.length], '127.0.0.1');
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen(Number(port), '127.0.0.1', () => process.stdout.write(`READY http://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
