// Peers benchmark: `npm run bench:peers` (optional, not in CI; it installs mockttp without saving it when missing). Decoy side by side with the real WireMock
// (the jar the differential tests use), mockttp from npm and a raw node:http server returning the same bytes,
// on the same stubs, in one run:
//   - 1 stub; 1,000 and 10,000 stubs, hitting the first-added and the last-added one;
//   - a stub with a 100 ms delay under 500 connections (p50/p99 against the 100 ms asked for).
// Each server runs in its own child process; the load generator is wrk pinned to its own core where it is
// installed (the servers on the other), autocannon otherwise (named in the output). Rows are measured in
// interleaved rounds and each keeps its best round (this VM's speed swings from one second to the next).
//
// Knobs: PEERS_ROUNDS=3 PEERS_DURATION=2 PEERS_CONNECTIONS=50 PEERS_WARMUP=3 (seconds per server and scenario, before
// the rounds) PEERS_ONLY=decoy,wiremock (servers)
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort, loadGenerator, wrk } from './load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.env.PEERS_ROUNDS ?? 3);
const DURATION = Number(process.env.PEERS_DURATION ?? 2);
const CONNECTIONS = Number(process.env.PEERS_CONNECTIONS ?? 50);
/** Seconds of load each server gets on a scenario before it is measured: the JVM compiles WireMock's hot code. */
const WARMUP = Number(process.env.PEERS_WARMUP ?? 3);
const DELAY_MS = 100;
const DELAY_CONNECTIONS = 500;
const BODY = '{"id":1,"name":"item"}';
const LOAD = loadGenerator();
const JAR = fs.readdirSync(path.join(ROOT, 'node_modules/wiremock/build')).find((f) => f.endsWith('.jar'));
const SERVERS = (process.env.PEERS_ONLY ?? 'raw,decoy,wiremock,mockttp').split(',');
const children = new Set();

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A WireMock root with `count` stubs (and the delayed one): Decoy reads the same folder. */
function writeRoot(count) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `decoy-peers-${count}-`));
  fs.mkdirSync(path.join(dir, 'mappings'));
  const mappings = Array.from({ length: count }, (_, i) => ({
    request: { method: 'GET', url: `/items/${i}` },
    response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: BODY },
  }));
  mappings.push({ request: { method: 'GET', url: '/slow' }, response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: BODY, fixedDelayMilliseconds: DELAY_MS } });
  fs.writeFileSync(path.join(dir, 'mappings', 'stubs.json'), JSON.stringify({ mappings }));
  return dir;
}

/** Starts a server child; resolves with its base URL once it answers GET `probe` with 200. */
async function start(name, cmd, args, probe, pinned = LOAD.pinned) {
  const [c, a] = pinned ? ['taskset', ['-c', '0', cmd, ...args]] : [cmd, args];
  const proc = spawn(c, a, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let tail = '';
  proc.stdout.on('data', (d) => { tail = (tail + d).slice(-2000); });
  proc.stderr.on('data', (d) => { tail = (tail + d).slice(-2000); });
  const url = `http://127.0.0.1:${args.port}`;
  const until = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited:\n${tail}`);
    try {
      if ((await fetch(`${url}${probe}`)).status === 200) break;
    } catch { /* not listening yet */ }
    if (Date.now() > until) throw new Error(`${name} not ready after 120 s:\n${tail}`);
    await sleep(50);
  }
  return { name, proc, url };
}

async function startServer(name, count, root) {
  const port = await freePort();
  const probe = '/items/0';
  const withPort = (args) => Object.assign(args, { port });
  switch (name) {
    case 'raw': {
      const spec = { port, status: 200, headers: [['Content-Type', 'application/json']], body: Buffer.from(BODY).toString('base64') };
      const server = await start('raw', process.execPath, withPort([path.join(ROOT, 'bench/servers/raw-server.js'), JSON.stringify(spec)]), probe);
      const slowPort = await freePort();
      const slow = await start('raw (delayed)', process.execPath, Object.assign([path.join(ROOT, 'bench/servers/raw-server.js'), JSON.stringify({ ...spec, port: slowPort, delayMs: DELAY_MS })], { port: slowPort }), probe);
      return { ...server, slowUrl: slow.url, extra: slow.proc };
    }
    case 'decoy':
      return start('decoy', process.execPath, withPort([path.join(ROOT, 'dist/cli/main.js'), '--stubs', root, '--port', String(port), '--host', '127.0.0.1', '--no-watch']), probe);
    case 'wiremock':
      return start('wiremock', 'java', withPort(['-jar', path.join(ROOT, 'node_modules/wiremock/build', JAR), '--port', String(port), '--bind-address', '127.0.0.1', '--root-dir', root, '--disable-banner']), probe);
    case 'mockttp':
      return start('mockttp', process.execPath, withPort([path.join(ROOT, 'bench/servers/mockttp-server.js'), String(port), JSON.stringify({ count, body: BODY, delayPath: '/slow', delayMs: DELAY_MS })]), probe);
    default:
      throw new Error(`unknown server ${name}`);
  }
}

function stop(proc) {
  return new Promise((resolve) => {
    if (!proc || proc.exitCode !== null) return resolve();
    proc.once('exit', resolve);
    proc.kill('SIGTERM');
    setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
  });
}

async function measure(url, connections, seconds) {
  if (LOAD.name === 'wrk') {
    const w = await wrk(url, seconds, connections);
    return { reqPerSec: (w.requests - w.non2xx) / w.durationS, p50Ms: w.p50Ms, p99Ms: w.p99Ms, bad: w.non2xx + w.errors + w.timeouts };
  }
  const r = await new Promise((resolve, reject) => autocannon({ url, connections, duration: seconds }, (e, res) => (e ? reject(e) : resolve(res))));
  return { reqPerSec: r['2xx'] / r.duration, p50Ms: r.latency.p50, p99Ms: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts };
}

const fmt = (n, d = 0) => (n === undefined || Number.isNaN(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist/cli/main.js'))) throw new Error('dist/ is missing: npm run build first');
  // mockttp is installed unsaved by `npm run bench:peers` (and removed by `npm ci`): without it, say so before minutes of runs.
  if (SERVERS.includes('mockttp')) {
    try {
      createRequire(path.join(ROOT, 'package.json')).resolve('mockttp');
    } catch {
      throw new Error('mockttp is not installed: run `npm run bench:peers` (it installs mockttp without saving it), or leave it out with PEERS_ONLY=raw,decoy,wiremock');
    }
  }
  console.log(`Decoy peers benchmark  ${new Date().toISOString()}  node ${process.version}  ${os.cpus()[0].model} x ${os.cpus().length}`);
  console.log(`load: ${LOAD.describe}; ${WARMUP} s warm-up, then ${ROUNDS} rounds of ${DURATION} s, ${CONNECTIONS} connections (the delay row: ${DELAY_CONNECTIONS}); WireMock ${JAR}\n`);
  const results = [];
  for (const count of [1, 1000, 10000]) {
    const root = writeRoot(count);
    const servers = {};
    try {
      for (const name of SERVERS) {
        process.stderr.write(`peers: starting ${name} with ${count} stubs ...\n`);
        const t0 = Date.now();
        try {
          servers[name] = await startServer(name, count, root);
          servers[name].readyMs = Date.now() - t0;
        } catch (e) {
          servers[name] = { error: e.message };
          process.stderr.write(`peers: ${name}: ${e.message}\n`);
        }
      }
      const scenarios = count === 1
        ? [{ label: '1 stub', path: '/items/0' }, { label: `${DELAY_MS} ms delay, ${DELAY_CONNECTIONS} connections`, path: '/slow', delay: true }]
        : [{ label: `${count.toLocaleString('en-US')} stubs, first-added`, path: '/items/0' }, { label: `${count.toLocaleString('en-US')} stubs, last-added`, path: `/items/${count - 1}` }];
      for (const sc of scenarios) {
        const rows = SERVERS.filter((n) => servers[n]?.url).map((n) => ({ server: n, rounds: [] }));
        for (const row of rows) {
          const s = servers[row.server];
          const base = sc.delay && row.server === 'raw' ? s.slowUrl : s.url;
          if (WARMUP > 0) await measure(`${base}${sc.path}`, sc.delay ? DELAY_CONNECTIONS : CONNECTIONS, WARMUP).catch(() => undefined);
        }
        for (let round = 0; round < ROUNDS; round++) {
          for (const row of rows) {
            const s = servers[row.server];
            const base = sc.delay && row.server === 'raw' ? s.slowUrl : s.url;
            try {
              row.rounds.push(await measure(`${base}${sc.path}`, sc.delay ? DELAY_CONNECTIONS : CONNECTIONS, DURATION));
            } catch (e) {
              row.error = e.message;
            }
          }
        }
        for (const row of rows) {
          const best = row.rounds.reduce((a, b) => (b.reqPerSec > (a?.reqPerSec ?? -1) ? b : a), undefined);
          results.push({ scenario: sc.label, server: row.server, stubs: count, readyMs: servers[row.server].readyMs, ...best, error: row.error });
        }
      }
    } finally {
      for (const s of Object.values(servers)) {
        await stop(s.proc);
        await stop(s.extra);
      }
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  const header = ['scenario', 'server', 'req/s', 'x raw', 'p50 ms', 'p99 ms', 'errors', 'ready ms'];
  const table = results.map((r) => {
    const raw = results.find((x) => x.scenario === r.scenario && x.server === 'raw')
      ?? results.find((x) => x.server === 'raw' && x.stubs === 1 && !x.scenario.includes('delay'));
    return [r.scenario, r.server, fmt(r.reqPerSec), raw?.reqPerSec ? `${(r.reqPerSec / raw.reqPerSec).toFixed(2)}x` : '-', fmt(r.p50Ms, 2), fmt(r.p99Ms, 2), r.error ? 'FAILED' : fmt(r.bad), fmt(r.readyMs)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => String(t[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const t of table) console.log(line(t));
  console.log('\nx raw: req/s over the raw node:http server\'s in the same scenario (it has no stubs: the same answer whatever the path); ready ms: spawn to the first answer.');
  fs.mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, '.bench/peers.json'), JSON.stringify({ date: new Date().toISOString(), load: LOAD.describe, results }, null, 2));
}

const cleanup = () => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); };
process.on('exit', cleanup);
process.on('SIGINT', () => { cleanup(); process.exit(130); });
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
