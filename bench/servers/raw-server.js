// Baseline server for the benchmark: a raw node:http server that answers every request
// with the same status, headers and body. Run as a child process by bench/run.js:
//   node bench/servers/raw-server.js '<json spec>'
// spec: { status, headers: [[name, value], ...], body: base64,
//         delayMs?: answer after setTimeout(delayMs),
//         hangPath?: requests whose URL starts with this are never answered (the socket stays open until the
//                    client closes it),
//         bigPath?, bigBytes?: requests whose URL starts with bigPath get a JSON body of exactly bigBytes bytes
//                    instead (bigBody() below; same status and Content-Type, its own Content-Length) }
// Prints "READY <url>" on stdout once listening. On SIGUSR2 prints "MEM <json>" (process.memoryUsage(), after a
// full GC when node runs with --expose-gc).
import http from 'node:http';

const spec = JSON.parse(process.argv[2] ?? '{}');
const status = spec.status ?? 200;
const body = Buffer.from(spec.body ?? '', 'base64');
const headers = spec.headers ?? [['Content-Type', 'application/json']];
const hasLength = headers.some(([n]) => n.toLowerCase() === 'content-length');
const delayMs = Number(spec.delayMs ?? 0);
const hangPath = spec.hangPath;
const flat = [];
for (const [n, v] of headers) flat.push(n, v);
const bigPath = spec.bigPath;
const big = bigPath === undefined ? undefined : bigBody(Number(spec.bigBytes ?? 1024 * 1024));
const bigFlat = [];
if (big) {
  for (const [n, v] of headers) if (n.toLowerCase() !== 'content-length') bigFlat.push(n, v);
  bigFlat.push('Content-Length', String(big.length));
}

/** `{"data":"xxx...x"}`, `bytes` long in all (bench/run.js builds the same to check what it receives). */
function bigBody(bytes) {
  const buf = Buffer.alloc(bytes, 'x');
  buf.write('{"data":"', 0);
  buf.write('"}', bytes - 2);
  return buf;
}

const answer = (res) => {
  if (big && res.req.url.startsWith(bigPath)) {
    res.writeHead(status, bigFlat);
    res.end(big);
    return;
  }
  res.writeHead(status, flat);
  res.end(body);
};

const server = http.createServer((req, res) => {
  // Drain any request body, like a real server would.
  req.resume();
  if (hangPath !== undefined && req.url.startsWith(hangPath)) return; // never answered
  if (delayMs > 0) setTimeout(answer, delayMs, res);
  else answer(res);
});
server.keepAliveTimeout = 5000;

server.listen(Number(spec.port ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`READY http://127.0.0.1:${port} ${hasLength ? 'content-length' : 'no-content-length'}\n`);
});

process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
  process.stdout.write(`MEM ${JSON.stringify(process.memoryUsage())}\n`);
});

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
