// Hung-connection clients for the benchmark, run as a child process by bench/run.js:
//   node bench/servers/hang-clients.js '<json {host, port, path, count, window, idle}>'
// Opens `count` TCP connections (at most `window` connecting at a time); each sends one `GET path` and then
// waits for an answer that, against a HANG stub, never comes. With `idle: true` they send nothing at all
// (connections opened and left idle). Line protocol:
//   stdout "OPENED <connected> <failed> <ms> <first error or ->"  once every connection has connected or failed
//   stdin  "status"  ->  stdout "STATUS <open> <closedByServer> <bytesReceived> <errors> <first error or ->"
//   stdin  "close"   ->  every socket is closed (FIN, as a client that gives up does), then
//                        stdout "CLOSED <n>" and the process exits
// The parent kills this process by pid on any error, which closes every socket with it.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';

const { host = '127.0.0.1', port, path = '/hang', count, window = 200, idle = false } = JSON.parse(process.argv[2]);
const request = `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: decoy-bench-hang\r\nAccept: */*\r\n\r\n`;

const sockets = new Set();
let started = 0;
let settled = 0;
let connected = 0;
let failed = 0;
let closedByServer = 0;
let bytesReceived = 0;
let errors = 0;
let firstError = '-';
let closing = false;
const t0 = performance.now();

function openOne() {
  started++;
  const socket = net.connect({ host, port });
  let done = false;
  const settle = () => {
    if (done) return;
    done = true;
    settled++;
    if (started < count) openOne();
    else if (settled === count) {
      process.stdout.write(`OPENED ${connected} ${failed} ${Math.round(performance.now() - t0)} ${firstError}\n`);
    }
  };
  socket.setNoDelay(true);
  socket.on('connect', () => {
    connected++;
    sockets.add(socket);
    if (!idle) socket.write(request);
    settle();
  });
  socket.on('data', (chunk) => {
    bytesReceived += chunk.length;
  });
  socket.on('error', (err) => {
    errors++;
    if (firstError === '-') firstError = err.code ?? err.message.replace(/\s+/g, '_');
    if (!done) failed++;
    settle();
  });
  socket.on('close', () => {
    if (sockets.delete(socket) && !closing) closedByServer++;
  });
}

for (let i = 0; i < Math.min(window, count); i++) openOne();
if (count === 0) process.stdout.write('OPENED 0 0 0 -\n');

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'status') {
    process.stdout.write(`STATUS ${sockets.size} ${closedByServer} ${bytesReceived} ${errors} ${firstError}\n`);
  } else if (cmd === 'close') {
    closing = true;
    const n = sockets.size;
    for (const s of sockets) s.destroy();
    sockets.clear();
    process.stdout.write(`CLOSED ${n}\n`, () => process.exit(0));
  }
});
process.stdin.on('end', () => process.exit(0)); // the parent went away
