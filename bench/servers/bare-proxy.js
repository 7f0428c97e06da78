// The floor for proxying in Node, for the benchmark's proxy part: a bare proxy with nothing but the forwarding.
// A node:http server whose every request goes to the upstream through one undici Agent (kept-alive connections
// per origin) with a dispatch handler, the answer's chunks written straight back: what Decoy's forwarder does,
// without matching, journal, metrics, timeouts of its own, hop-by-hop filtering beyond Connection, or errors
// answered with a reason. Run as a child process by bench/run.js:
//   node bench/servers/bare-proxy.js <upstream origin> <port>
// Prints "READY <url>" on stdout once listening.
import http from 'node:http';
import { Agent } from 'undici';

const [upstream, port] = [process.argv[2], Number(process.argv[3] ?? 0)];
const agent = new Agent();
const SKIP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding']);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const headers = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if (!SKIP.has(raw[i].toLowerCase())) headers.push(raw[i], raw[i + 1]);
    agent.dispatch({ origin: upstream, path: req.url, method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }, {
      onConnect() {},
      onHeaders(status, rawHeaders, resume) {
        const out = [];
        for (let i = 0; i < rawHeaders.length; i += 2) {
          const name = rawHeaders[i].toString('latin1');
          if (!SKIP.has(name.toLowerCase())) out.push(name, rawHeaders[i + 1].toString('latin1'));
        }
        res.writeHead(status, out);
        res.on('drain', resume);
        return true;
      },
      onData: (chunk) => res.write(chunk),
      onComplete: () => res.end(),
      onError: () => {
        if (!res.headersSent) res.statusCode = 502;
        res.end();
      },
    });
  });
});

server.listen(port, '127.0.0.1', () => process.stdout.write(`READY http://127.0.0.1:${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
