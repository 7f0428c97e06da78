// Baseline server for the benchmark: a raw node:http server that answers every request
// with the same status, headers and body. Run as a child process by bench/run.js:
//   node bench/servers/raw-server.js '<json spec>'
// spec: { status, headers: [[name, value], ...], body: base64 }
// Prints "READY <url>" on stdout once listening.
import http from 'node:http';

const spec = JSON.parse(process.argv[2] ?? '{}');
const status = spec.status ?? 200;
const body = Buffer.from(spec.body ?? '', 'base64');
const headers = spec.headers ?? [['Content-Type', 'application/json']];
const hasLength = headers.some(([n]) => n.toLowerCase() === 'content-length');
const flat = [];
for (const [n, v] of headers) flat.push(n, v);

const server = http.createServer((req, res) => {
  // Drain any request body, like a real server would.
  req.resume();
  res.writeHead(status, flat);
  res.end(body);
});
server.keepAliveTimeout = 5000;

server.listen(Number(spec.port ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`READY http://127.0.0.1:${port} ${hasLength ? 'content-length' : 'no-content-length'}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
