// The soak test (`npm run soak`): a Decoy child process under mixed traffic for a bounded time, on
// loopback only, then 10,000 idle and hung connections while a normal client keeps calling.
//
//   node bench/soak.js [--duration 60] [--workers 32] [--idle 10000] [--idle-seconds 10]
//
// Traffic mix: matched static stubs, unmatched requests (near-miss reports), a templated stub, a
// delayed stub, faults (connection reset; HANG, abandoned by the client), a POST matched on its JSON
// body, proxying to a loopback upstream, admin calls (journal queries, stub create and delete), and a
// stub file rewritten every second (hot reload). The journal is filled to its limit before measuring.
// Every 2 s the server reports RSS, open file descriptors and its event loop's delay; at the end the
// first and last thirds of the run are compared. Exits 1 when something unexpected happened (a wrong
// answer, an error where none was due, a warning or error logged by the server) or RSS or fds grew.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((a) => a.trim().split(/\s+/)).map(([k, v]) => [k, Number(v)]));
const DURATION_S = args.duration ?? Number(process.env.SOAK_DURATION ?? 60);
const WORKERS = args.workers ?? 32;
const IDLE = args.idle ?? 10_000;
const IDLE_S = args['idle-seconds'] ?? 10;
const JOURNAL = 10_000;
const SAMPLE_MS = 2000;

const dir = mkdtempSync(path.join(os.tmpdir(), 'decoy-soak-'));
const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
const cleanup = () => { for (const c of cleanups.splice(0).reverse()) try { c(); } catch { /* best effort */ } };
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));

// A loopback upstream for the proxied share of the traffic.
const upstream = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"upstream":true,"url":${JSON.stringify(req.url)}}`));
});
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
cleanups.push(() => upstream.close());
const upstreamPort = upstream.address().port;

const file = (name, text) => writeFileSync(path.join(dir, name), text);
file('static.yaml', `- request: { method: GET, url: /soak/static }\n  response: { status: 200, jsonBody: { items: [${Array.from({ length: 40 }, (_, i) => `{ id: ${i}, name: item-${i} }`).join(', ')}] } }\n`);
file('templated.yaml', '- request: { method: GET, urlPathTemplate: "/soak/hello/{name}" }\n  response: { status: 200, body: "Hello {{request.path.name}}", transformers: [response-template] }\n');
file('delayed.yaml', '- request: { method: GET, url: /soak/slow }\n  response: { status: 200, body: slow, fixedDelayMilliseconds: 20 }\n');
file('faults.yaml', '- request: { method: GET, url: /soak/reset }\n  response: { fault: CONNECTION_RESET_BY_PEER }\n- request: { method: GET, url: /soak/hang }\n  response: { status: 200, fault: HANG }\n');
file('post.yaml', '- request: { method: POST, url: /soak/orders, bodyPatterns: [{ equalToJson: { kind: order }, ignoreExtraElements: true }] }\n  response: { status: 201, jsonBody: { created: true } }\n');
file('proxied.yaml', `- request: { method: ANY, urlPathPattern: "/soak/proxy/.*" }\n  response: { proxyBaseUrl: "http://127.0.0.1:${upstreamPort}" }\n`);
let reloads = 0;
const writeReloaded = () => file('reloaded.yaml', `- request: { method: GET, url: /soak/reload }\n  response: { status: 200, body: "version ${reloads++}" }\n`);
writeReloaded();

const server = fork(path.join(ROOT, 'bench/servers/soak-server.js'), [JSON.stringify({
  stubsDir: dir, port: 0, host: '127.0.0.1', watch: true, journalSize: JOURNAL, maxHangMs: 60_000, shutdownGraceMs: 500,
})], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
cleanups.push(() => server.kill('SIGKILL'));
const serverLog = [];
readline.createInterface({ input: server.stderr }).on('line', (l) => serverLog.push(l));
const base = await new Promise((resolve, reject) => {
  server.once('message', (m) => resolve(m.ready));
  server.once('exit', (code) => reject(new Error(`the server exited with ${code}: ${serverLog.join('\n')}`)));
});
const stats = () => new Promise((resolve) => {
  const on = (m) => { if (m.stats) { server.off('message', on); resolve(m.stats); } };
  server.on('message', on);
  server.send('stats');
});

const agent = new Agent({ connections: WORKERS * 2, keepAliveTimeout: 4000 });
const counts = {};
const unexpected = [];
const count = (kind, ok, detail) => {
  const c = (counts[kind] ??= { ok: 0, failed: 0 });
  if (ok) c.ok++;
  else {
    c.failed++;
    if (unexpected.length < 20) unexpected.push(`${kind}: ${detail}`);
  }
};

async function call(url, init = {}) {
  const res = await fetch(base + url, { dispatcher: agent, ...init });
  const text = await res.text();
  return { status: res.status, text };
}

let seed = 20_261_122;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

/** One request of the mix; its outcome is counted as expected or not. */
async function oneRequest() {
  const r = random();
  try {
    if (r < 0.30) {
      const a = await call('/soak/static');
      count('matched', a.status === 200 && a.text.includes('item-39'), a.status);
    } else if (r < 0.40) {
      const a = await call(`/soak/missing/${Math.floor(random() * 1000)}`);
      count('unmatched', a.status === 404, a.status);
    } else if (r < 0.48) {
      const name = `n${Math.floor(random() * 100)}`;
      const a = await call(`/soak/hello/${name}`);
      count('templated', a.status === 200 && a.text === `Hello ${name}`, `${a.status} ${a.text.slice(0, 60)}`);
    } else if (r < 0.55) {
      const a = await call('/soak/slow');
      count('delayed', a.status === 200 && a.text === 'slow', a.status);
    } else if (r < 0.62) {
      const a = await call('/soak/orders', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ kind: 'order', id: random(), lines: [1, 2, 3] }) });
      count('post-json', a.status === 201, a.status);
    } else if (r < 0.72) {
      const a = await call(`/soak/proxy/${Math.floor(random() * 50)}`);
      count('proxied', a.status === 200 && a.text.includes('"upstream":true'), `${a.status} ${a.text.slice(0, 80)}`);
    } else if (r < 0.76) {
      try {
        await call('/soak/reset');
        count('fault-reset', false, 'answered instead of a reset');
      } catch {
        count('fault-reset', true);
      }
    } else if (r < 0.78) {
      try {
        await call('/soak/hang', { signal: AbortSignal.timeout(150) });
        count('fault-hang', false, 'answered instead of hanging');
      } catch (e) {
        count('fault-hang', e.name === 'TimeoutError' || e.name === 'AbortError', e.name);
      }
    } else if (r < 0.83) {
      const a = await call('/soak/reload');
      count('hot-reloaded', a.status === 200 && a.text.startsWith('version '), a.status);
    } else {
      const kind = Math.floor(random() * 4);
      if (kind === 0) {
        const a = await call('/__admin/requests?limit=5');
        count('admin', a.status === 200, `requests ${a.status}`);
      } else if (kind === 1) {
        const a = await call('/__admin/requests/count', { method: 'POST', body: '{"method":"GET","urlPath":"/soak/static"}' });
        count('admin', a.status === 200, `count ${a.status}`);
      } else if (kind === 2) {
        const a = await call('/__admin/mappings', { method: 'POST', body: JSON.stringify({ request: { url: `/soak/api/${random()}` }, response: { status: 200 } }) });
        const id = a.status === 201 ? JSON.parse(a.text).id : undefined;
        const d = id ? await call(`/__admin/mappings/${id}`, { method: 'DELETE' }) : { status: 0 };
        count('admin', a.status === 201 && d.status === 200, `create ${a.status} delete ${d.status}`);
      } else {
        const a = await call('/__admin/mappings?limit=10');
        count('admin', a.status === 200, `mappings ${a.status}`);
      }
    }
  } catch (e) {
    count('network', false, `${e.name}: ${e.cause?.code ?? e.message}`);
  }
}

let running = true;
let done = 0;
const worker = async () => { while (running) { await oneRequest(); done++; } };

const log = (s) => process.stdout.write(`${s}\n`);
log(`soak: Decoy child on ${base}, ${WORKERS} concurrent clients, ${DURATION_S} s of mixed traffic after filling the journal (${JOURNAL}), then ${IDLE} idle/hung connections for ${IDLE_S} s`);
log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`);

const workers = Array.from({ length: WORKERS }, worker);
const reloader = setInterval(writeReloaded, 1000);

// Warm-up: until the journal is full, so memory is measured with it at its limit.
const warmStart = performance.now();
for (;;) {
  await new Promise((r) => setTimeout(r, 500));
  if ((await stats()).journal >= JOURNAL) break;
  if (performance.now() - warmStart > 120_000) throw new Error('the journal did not fill in 2 minutes');
}
log(`warm-up: journal full after ${((performance.now() - warmStart) / 1000).toFixed(1)} s (${done} requests)`);
await stats(); // resets the loop-delay histogram

const samples = [];
const t0 = performance.now();
const done0 = done;
while (performance.now() - t0 < DURATION_S * 1000) {
  await new Promise((r) => setTimeout(r, SAMPLE_MS));
  const s = await stats();
  samples.push({ t: (performance.now() - t0) / 1000, ...s });
  log(`  t=${samples.at(-1).t.toFixed(0)}s rss=${s.rssMb.toFixed(1)} MB heap=${s.heapMb.toFixed(1)} MB fds=${s.fds} loop p99=${s.loopP99Ms.toFixed(1)} ms journal=${s.journal}`);
}
running = false;
clearInterval(reloader);
await Promise.all(workers);
const mixedRequests = done - done0;
const mixedSeconds = (performance.now() - t0) / 1000;

const third = Math.max(1, Math.floor(samples.length / 3));
const mean = (xs, k) => xs.reduce((a, s) => a + s[k], 0) / xs.length;
const first = samples.slice(0, third);
const last = samples.slice(-third);
const rssGrowth = mean(last, 'rssMb') - mean(first, 'rssMb');
const fdGrowth = mean(last, 'fds') - mean(first, 'fds');
const loopP99 = Math.max(...samples.map((s) => s.loopP99Ms));
const loopP99Median = samples.map((s) => s.loopP99Ms).sort((a, b) => a - b)[Math.floor(samples.length / 2)];
const rssFlat = rssGrowth < Math.max(20, 0.15 * mean(first, 'rssMb'));
const fdsFlat = fdGrowth <= 10;

// Idle and hung connections: a normal client's latency before and while they are open.
async function latency(seconds) {
  const ms = [];
  const end = performance.now() + seconds * 1000;
  let failed = 0;
  while (performance.now() < end) {
    const s = performance.now();
    try {
      const a = await call('/soak/static');
      if (a.status !== 200) failed++;
    } catch {
      failed++;
    }
    ms.push(performance.now() - s);
  }
  ms.sort((a, b) => a - b);
  return { n: ms.length, failed, p50: ms[Math.floor(ms.length * 0.5)], p99: ms[Math.floor(ms.length * 0.99)] };
}

function openClients(countN, idle) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bench/servers/hang-clients.js'), JSON.stringify({ port: Number(new URL(base).port), path: '/soak/hang', count: countN, window: 500, idle })], { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanups.push(() => child.kill('SIGKILL'));
  const lines = readline.createInterface({ input: child.stdout });
  const next = (prefix) => new Promise((resolve) => {
    const on = (l) => { if (l.startsWith(prefix)) { lines.off('line', on); resolve(l.split(' ')); } };
    lines.on('line', on);
  });
  return { child, next, send: (cmd) => child.stdin.write(`${cmd}\n`) };
}

const before = await latency(3);
const statsBefore = await stats();
const idleN = Math.floor(IDLE / 2);
const hungN = IDLE - idleN;
const idleClients = openClients(idleN, true);
const hungClients = openClients(hungN, false);
const [opened1, opened2] = await Promise.all([idleClients.next('OPENED'), hungClients.next('OPENED')]);
const connected = Number(opened1[1]) + Number(opened2[1]);
await new Promise((r) => setTimeout(r, 500));
const during = await latency(IDLE_S);
const statsDuring = await stats();
idleClients.send('status');
hungClients.send('status');
const [st1, st2] = await Promise.all([idleClients.next('STATUS'), hungClients.next('STATUS')]);
const stillOpen = Number(st1[1]) + Number(st2[1]);
idleClients.send('close');
hungClients.send('close');
await Promise.all([idleClients.next('CLOSED'), hungClients.next('CLOSED')]);
await new Promise((r) => setTimeout(r, 1500));
const statsAfter = await stats();

const serverProblems = serverLog.filter((l) => /"level":(40|50|60)/.test(l));
const unexpectedTotal = Object.values(counts).reduce((a, c) => a + c.failed, 0);
const starved = during.failed > 0 || during.p99 > Math.max(250, before.p99 * 20);
const released = statsAfter.fds <= statsBefore.fds + 10;

log('');
log('mixed traffic');
log(`  requests: ${mixedRequests} in ${mixedSeconds.toFixed(0)} s (${Math.round(mixedRequests / mixedSeconds)} req/s), hot reloads: ${reloads - 1}`);
log(`  by kind: ${Object.entries(counts).map(([k, c]) => `${k} ${c.ok}${c.failed ? ` (${c.failed} unexpected)` : ''}`).join(', ')}`);
log(`  RSS: ${mean(first, 'rssMb').toFixed(1)} MB (first third) -> ${mean(last, 'rssMb').toFixed(1)} MB (last third): ${rssFlat ? 'flat' : 'GREW'} (${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MB)`);
log(`  open fds: ${mean(first, 'fds').toFixed(0)} -> ${mean(last, 'fds').toFixed(0)}: ${fdsFlat ? 'flat' : 'GREW'}`);
log(`  event-loop delay p99: median 2 s window ${loopP99Median.toFixed(1)} ms, worst ${loopP99.toFixed(1)} ms (machine load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores); journal ${samples.at(-1)?.journal} entries (full)`);
log(`  unexpected outcomes: ${unexpectedTotal}; server warnings/errors logged: ${serverProblems.length}`);
for (const u of unexpected) log(`    ${u}`);
for (const l of serverProblems.slice(0, 10)) log(`    server: ${l}`);
log(`idle and hung connections (${idleN} idle + ${hungN} hung on HANG)`);
log(`  connected: ${connected}, still open after ${IDLE_S} s: ${stillOpen}; server fds ${statsBefore.fds} -> ${statsDuring.fds} -> ${statsAfter.fds} after the clients left (${released ? 'released' : 'NOT released'})`);
log(`  server RSS ${statsBefore.rssMb.toFixed(1)} -> ${statsDuring.rssMb.toFixed(1)} MB with them open; loop p99 ${statsDuring.loopP99Ms.toFixed(1)} ms`);
log(`  a normal client's latency: before p50 ${before.p50.toFixed(2)} ms p99 ${before.p99.toFixed(2)} ms (${before.n} calls); with them open p50 ${during.p50.toFixed(2)} ms p99 ${during.p99.toFixed(2)} ms (${during.n} calls, ${during.failed} failed): ${starved ? 'STARVED' : 'not starved'}`);

await agent.close();
server.disconnect();
await new Promise((r) => server.once('exit', r));
const ok = unexpectedTotal === 0 && serverProblems.length === 0 && rssFlat && fdsFlat && !starved && released && connected === IDLE;
log(ok ? 'soak: PASS' : 'soak: FAIL');
cleanup();
process.exit(ok ? 0 : 1);
