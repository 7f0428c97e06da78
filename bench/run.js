// Decoy benchmark: `npm run bench` (builds, then runs this file with node).
//
// Everything runs on loopback. autocannon runs in this process; each server under test runs in its own child
// process and is loaded one at a time (the others sit idle), so the baseline and Decoy get the same conditions.
//
//   1. baseline: a raw node:http server returning the same bytes Decoy returns for the stub
//   2. Decoy with 1 stub
//   3. Decoy with 10,000 exact-path stubs, hitting the first-added and the last-added one
//   4. Decoy with 10,000 stubs, hitting a path-template stub (`path: /users/:id`) among them
//   5. startup: spawn the CLI on 1,000 stub files, time to the first successful stub response
//
// The machine (2 shared vCPUs) switches between a fast and a slow regime, often 2x apart, from one second to the
// next, so after a warm-up each row is measured in ROUNDS short interleaved rounds (baseline, 1 stub, 10k first,
// 10k last, template, baseline, ...), and the best round of each row is reported (see "Aggregate" below).
// Results are printed as a table and written to .bench/results.json.
//
// Environment knobs:
//   BENCH_ROUNDS=9 BENCH_DURATION=1.5 BENCH_WARMUP=1 BENCH_CONNECTIONS=50   rounds, seconds, connections
//   BENCH_STARTUP_RUNS=5   startup repetitions
//   BENCH_CPU_PROF=1       run the Decoy children with --cpu-prof (profiles in .bench/prof/)
//   BENCH_FAKE_DECOY=1     stand-in raw servers instead of Decoy (only to test this harness)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RAW_SERVER = path.join(ROOT, 'bench', 'servers', 'raw-server.js');
const DECOY_SERVER = path.join(ROOT, 'bench', 'servers', 'decoy-server.js');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const OUT_DIR = path.join(ROOT, '.bench');

const DURATION = Number(process.env.BENCH_DURATION ?? 1.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const FAKE = process.env.BENCH_FAKE_DECOY === '1';

const STUB_BODY = '{"ok":true}';
const STUB_COUNT = 10_000;
const STARTUP_FILES = 1_000;
const CLOCK_TICKS = 100; // USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux
const TARGETS = { oneStub: 0.8, manyStubs: 0.7, startupMs: 1000 };

// ---------------------------------------------------------------------------------------------------------
// child processes and cleanup

const children = new Set();
let tmpRoot;

function cleanup() {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  if (tmpRoot) {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
    tmpRoot = undefined;
  }
}

process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping children\n`);
    cleanup();
    process.exit(130);
  });
}

function sleep(ms, { unref = false } = {}) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    if (unref) t.unref();
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function nodeArgs(label) {
  if (!CPU_PROF) return [];
  const dir = path.join(OUT_DIR, 'prof');
  fs.mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`];
}

/** Spawns `node ...args`, keeps stdout/stderr drained, remembers the last stderr/stdout lines for errors. */
function spawnNode(args, { label, onLine } = {}) {
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  proc.tail = '';
  const keep = (chunk) => {
    proc.tail = (proc.tail + chunk.toString()).slice(-2000);
  };
  let buffered = '';
  proc.stdout.on('data', (chunk) => {
    keep(chunk);
    if (!onLine) return;
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  proc.stderr.on('data', keep);
  proc.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal });
    });
  });
  proc.label = label;
  return proc;
}

/** Starts a server child that prints "READY <url>"; resolves with { proc, url }. */
async function startServer(args, label, timeoutMs = 60_000) {
  let onReady;
  const ready = new Promise((resolve) => {
    onReady = resolve;
  });
  const proc = spawnNode(args, {
    label,
    onLine: (line) => {
      const m = /^READY (\S+)/.exec(line);
      if (m) onReady(m[1]);
    },
  });
  const result = await Promise.race([
    ready.then((url) => ({ url })),
    proc.exited.then((e) => ({ exited: e })),
    sleep(timeoutMs, { unref: true }).then(() => ({ timeout: true })),
  ]);
  if (!result.url) {
    await stopServer(proc);
    const why = result.timeout ? `not ready after ${timeoutMs} ms` : `exited (${result.exited.code ?? result.exited.signal})`;
    throw new Error(`${label}: ${why}\n${proc.tail.trim()}`);
  }
  return { proc, url: result.url.replace(/\/$/, '') };
}

async function stopServer(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  const done = await Promise.race([proc.exited.then(() => true), sleep(3000, { unref: true }).then(() => false)]);
  if (!done) {
    proc.kill('SIGKILL');
    await proc.exited;
  }
}

// ---------------------------------------------------------------------------------------------------------
// HTTP helpers

/** One GET with its own socket; resolves { status, rawHeaders, body } or rejects. */
function get(url, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function expectStub(url) {
  const res = await get(url);
  const body = res.body.toString();
  if (res.status !== 200 || body !== STUB_BODY) {
    throw new Error(`GET ${url} answered ${res.status} ${JSON.stringify(body.slice(0, 300))}, expected 200 ${STUB_BODY}`);
  }
  return res;
}

const HOP_HEADERS = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** The response Decoy gives for the stub, as a spec for the raw baseline server. */
function baselineSpec(res) {
  const headers = [];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    if (!HOP_HEADERS.has(res.rawHeaders[i].toLowerCase())) headers.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
  }
  return { status: res.status, headers, body: res.body.toString('base64') };
}

// ---------------------------------------------------------------------------------------------------------
// load measurement

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function cannon(url, seconds, record) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections: CONNECTIONS, pipelining: 1, duration: seconds }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
    if (record) {
      instance.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) record(responseTime);
      });
    }
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is no /proc. */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * One measured run; latencies are recorded here at sub-millisecond resolution. With the server's pid, also the
 * server's CPU time per request.
 */
async function measure(url, pid) {
  const cpu0 = cpuMs(pid);
  let latencies = new Float64Array(1 << 18);
  let n = 0;
  const result = await cannon(url, DURATION, (ms) => {
    if (n === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[n++] = ms;
  });
  const cpu1 = cpuMs(pid);
  const sorted = latencies.slice(0, n).sort();
  const ok = result['2xx'];
  return {
    latencies: sorted,
    reqPerSec: ok / result.duration,
    serverCpuUsPerReq: cpu0 === undefined || cpu1 === undefined || ok === 0 ? undefined : ((cpu1 - cpu0) * 1000) / ok,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
  };
}

// ---------------------------------------------------------------------------------------------------------
// stub folders

function stub(urlPath) {
  return {
    request: { method: 'GET', url: urlPath },
    response: { status: 200, headers: { 'Content-Type': 'application/json' }, body: STUB_BODY },
  };
}

function yamlTemplateStub(template) {
  return [
    '- request:',
    '    method: GET',
    `    path: ${template}`,
    '  response:',
    '    status: 200',
    '    headers:',
    '      Content-Type: application/json',
    `    body: '${STUB_BODY}'`,
    '',
  ].join('\n');
}

function writeStubDirs(root) {
  const one = path.join(root, 'one');
  fs.mkdirSync(one);
  fs.writeFileSync(path.join(one, 'items.json'), JSON.stringify({ mappings: [stub('/items/0')] }, null, 2));

  // 10,000 exact paths, split in two files around a YAML file with the path-template stub, so that the
  // template sits among them in load order (files load in name order).
  const many = path.join(root, 'many');
  fs.mkdirSync(many);
  const half = STUB_COUNT / 2;
  const items = (from, to) => Array.from({ length: to - from }, (_, i) => stub(`/items/${from + i}`));
  fs.writeFileSync(path.join(many, 'a-items.json'), JSON.stringify({ mappings: items(0, half) }, null, 2));
  fs.writeFileSync(path.join(many, 'b-users.yaml'), yamlTemplateStub('/users/:id'));
  fs.writeFileSync(path.join(many, 'c-items.json'), JSON.stringify({ mappings: items(half, STUB_COUNT) }, null, 2));

  // 1,000 files with one stub each, half WireMock JSON, half Decoy YAML.
  const startup = path.join(root, 'startup');
  fs.mkdirSync(startup);
  for (let i = 0; i < STARTUP_FILES; i++) {
    const name = `stub-${String(i).padStart(4, '0')}`;
    if (i % 2 === 0) {
      fs.writeFileSync(path.join(startup, `${name}.json`), JSON.stringify(stub(`/startup/${i}`), null, 2));
    } else {
      const yaml = [
        'request:',
        '  method: GET',
        `  url: /startup/${i}`,
        'response:',
        '  status: 200',
        '  headers:',
        '    Content-Type: application/json',
        `  body: '${STUB_BODY}'`,
        '',
      ].join('\n');
      fs.writeFileSync(path.join(startup, `${name}.yaml`), yaml);
    }
  }
  return { one, many, startup };
}

// ---------------------------------------------------------------------------------------------------------
// servers under test

async function startDecoy(stubsDir, label) {
  const port = await freePort();
  if (FAKE) {
    return startServer([RAW_SERVER, JSON.stringify({ port, body: Buffer.from(STUB_BODY).toString('base64') })], `fake ${label}`);
  }
  return startServer([...nodeArgs(label), DECOY_SERVER, stubsDir, String(port)], `decoy ${label}`);
}

function cliArgs(stubsDir, port) {
  if (FAKE) return [RAW_SERVER, JSON.stringify({ port, body: Buffer.from(STUB_BODY).toString('base64') })];
  return [CLI, '--stubs', stubsDir, '--port', String(port), '--host', '127.0.0.1', '--no-watch'];
}

/** Time from spawning the CLI to the first successful stub response (polled every 5 ms). */
async function startupOnce(stubsDir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/startup/${STARTUP_FILES - 1}`;
  const t0 = performance.now();
  const proc = spawnNode(cliArgs(stubsDir, port), { label: 'cli' });
  let exited = false;
  proc.exited.then(() => {
    exited = true;
  });
  try {
    while (!exited && performance.now() - t0 < 15_000) {
      const attempt = performance.now();
      try {
        const res = await get(url, 100);
        if (res.status === 200 && res.body.toString() === STUB_BODY) return performance.now() - t0;
      } catch {
        // not listening yet
      }
      const wait = 5 - (performance.now() - attempt);
      if (wait > 0) await sleep(wait);
    }
    throw new Error(`CLI gave no stub response (${exited ? 'exited' : 'timed out'})\n${proc.tail.trim()}`);
  } finally {
    await stopServer(proc);
  }
}

// ---------------------------------------------------------------------------------------------------------
// output

function fmt(n, digits = 0) {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

function printTable(rows, header) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// ---------------------------------------------------------------------------------------------------------
// main

async function main() {
  if (!FAKE && !fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/index.js is missing: run `npm run build` (or `npm run bench`)');
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg()[0],
    decoy: pkg.version,
    fake: FAKE,
    settings: { connections: CONNECTIONS, pipelining: 1, warmupS: WARMUP, sliceS: DURATION, rounds: ROUNDS },
  };
  console.log(`Decoy ${env.decoy} benchmark${FAKE ? ' (FAKE Decoy: harness test only)' : ''}`);
  console.log(`date ${env.date}  node ${env.node}  ${env.platform}  load average ${env.loadAverage.toFixed(2)}`);
  console.log(`cpu ${env.cpu} x ${env.cores}`);
  console.log(
    `autocannon in this process, ${CONNECTIONS} connections, pipelining 1, loopback; each server in its own child process,\n` +
      `loaded one at a time: ${WARMUP} s warm-up per row, then ${ROUNDS} rounds of ${DURATION} s per row, baseline first\n`,
  );

  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'decoy-bench-'));
  const dirs = writeStubDirs(tmpRoot);
  const failures = [];
  const fail = (name, err) => {
    if (!failures.some((f) => f.name === name)) failures.push({ name, error: err.message });
    process.stderr.write(`bench: ${name} FAILED: ${err.message}\n`);
  };

  const rows = [
    { name: 'baseline: raw node:http', server: 'baseline', path: '/items/0', target: null },
    { name: 'decoy: 1 stub', server: 'one', path: '/items/0', target: TARGETS.oneStub },
    { name: 'decoy: 10k stubs, first-added', server: 'many', path: '/items/0', target: TARGETS.manyStubs },
    { name: 'decoy: 10k stubs, last-added', server: 'many', path: `/items/${STUB_COUNT - 1}`, target: TARGETS.manyStubs },
    { name: 'decoy: 10k stubs, template /users/:id', server: 'many', path: '/users/42', target: TARGETS.manyStubs },
  ].map((r) => ({ ...r, rounds: [] }));
  const servers = {};
  const readyMs = {};

  async function start(label, fn) {
    process.stderr.write(`bench: starting ${label} ...\n`);
    const t0 = performance.now();
    try {
      servers[label] = await fn();
      readyMs[label] = performance.now() - t0;
    } catch (err) {
      servers[label] = { error: err };
      fail(label, err);
    }
  }

  // Decoy with 1 stub first: the baseline sends exactly what it answers (status, headers, body).
  let spec = { status: 200, headers: [['Content-Type', 'application/json']], body: Buffer.from(STUB_BODY).toString('base64') };
  let specFrom = 'default (Decoy did not answer)';
  await start('one', () => startDecoy(dirs.one, 'one'));
  if (servers.one.url) {
    try {
      spec = baselineSpec(await expectStub(`${servers.one.url}/items/0`));
      specFrom = 'Decoy response to GET /items/0';
    } catch (err) {
      fail('one', err);
    }
  }
  await start('baseline', () => startServer([RAW_SERVER, JSON.stringify(spec)], 'baseline'));
  await start('many', () => startDecoy(dirs.many, 'many'));

  // Each row: check the answer, warm up. Then interleaved rounds: the servers stay up (idle when not loaded),
  // so every row is measured in every round, a few seconds from its baseline slice.
  const live = (r) => !r.error && servers[r.server]?.url;
  for (const r of rows) {
    if (servers[r.server].error) r.error = servers[r.server].error.message;
    if (!live(r)) continue;
    try {
      await expectStub(`${servers[r.server].url}${r.path}`);
      if (WARMUP > 0) await cannon(`${servers[r.server].url}${r.path}`, WARMUP);
    } catch (err) {
      r.error = err.message;
      fail(r.name, err);
    }
  }
  for (let round = 1; round <= ROUNDS; round++) {
    process.stderr.write(`bench: round ${round}/${ROUNDS}\n`);
    for (const r of rows) {
      if (!live(r)) continue;
      try {
        r.rounds.push(await measure(`${servers[r.server].url}${r.path}`, servers[r.server].proc.pid));
      } catch (err) {
        r.error = err.message;
        fail(r.name, err);
      }
    }
  }
  for (const { proc } of Object.values(servers)) if (proc) await stopServer(proc);

  // Aggregate. This VM alternates between a fast and a slow regime (often 2x apart) from one second to the
  // next, whatever the load, so a row's req/s is its best round (interference only ever slows a round down) and
  // its ratio is best / best baseline. The median over the rounds of (row req/s / baseline req/s in the same
  // round) is shown as well ("paired"); when the two disagree much, the run was too noisy to tell.
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const base = rows[0];
  for (const r of rows) {
    if (r.rounds.length === 0) continue;
    const best = r.rounds.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
    const rates = r.rounds.map((x) => x.reqPerSec);
    const cpu = r.rounds.map((x) => x.serverCpuUsPerReq).filter((v) => v !== undefined);
    Object.assign(r, {
      reqPerSec: best.reqPerSec,
      p50Ms: best.p50Ms,
      p99Ms: best.p99Ms,
      medianReqPerSec: median(rates),
      minReqPerSec: Math.min(...rates),
      maxReqPerSec: Math.max(...rates),
      serverCpuUsPerReq: cpu.length ? Math.min(...cpu) : undefined,
      bad: r.rounds.reduce((n, x) => n + x.non2xx + x.errors + x.timeouts, 0),
    });
    for (const x of r.rounds) delete x.latencies;
    if (r !== base && base.reqPerSec) {
      r.ratio = r.reqPerSec / base.reqPerSec;
      r.meetsTarget = r.ratio >= r.target;
      if (base.rounds.length === r.rounds.length) {
        r.roundRatios = r.rounds.map((x, i) => x.reqPerSec / base.rounds[i].reqPerSec);
        r.pairedRatio = median(r.roundRatios);
      }
    }
  }

  // Startup.
  process.stderr.write(`bench: startup x ${STARTUP_RUNS} ...\n`);
  const startup = { files: STARTUP_FILES, runsMs: [], target: TARGETS.startupMs };
  try {
    for (let i = 0; i < STARTUP_RUNS; i++) startup.runsMs.push(await startupOnce(dirs.startup));
    startup.medianMs = median(startup.runsMs);
    startup.maxMs = Math.max(...startup.runsMs);
    startup.meetsTarget = startup.maxMs < TARGETS.startupMs;
  } catch (err) {
    startup.error = err.message;
    fail('startup', err);
  }

  console.log('');
  printTable(
    rows.map((r) => [
      r.name,
      r.reqPerSec === undefined ? 'FAILED' : fmt(r.reqPerSec),
      fmt(r.p50Ms, 2),
      fmt(r.p99Ms, 2),
      r === base ? (r.reqPerSec === undefined ? '' : '1.00x') : r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
      r.target === null ? '' : `>= ${r.target.toFixed(1)}x`,
      r.meetsTarget === undefined ? '' : r.meetsTarget ? 'ok' : 'MISS',
      r === base ? '' : r.pairedRatio === undefined ? '-' : `${r.pairedRatio.toFixed(2)}x`,
      r.rounds.length ? `${fmt(r.minReqPerSec)}-${fmt(r.maxReqPerSec)}` : '',
      fmt(r.serverCpuUsPerReq, 1),
      r.bad ? `${r.bad} non-2xx/errors` : '',
    ]),
    ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'target', '', 'paired', 'req/s range', 'srv CPU us/req', ''],
  );
  console.log(
    'req/s, p50, p99: the best round; ratio: best req/s / best baseline req/s; paired: median over the rounds of\n' +
      'req/s / baseline req/s in the same round; req/s range: over the rounds; srv CPU us/req: the least CPU time the\n' +
      'server process used per request in a round.',
  );
  if (base.rounds.length > 1 && base.maxReqPerSec / base.minReqPerSec > 1.3) {
    console.log(
      `WARNING: noisy machine: the baseline ranged ${fmt(base.minReqPerSec)}-${fmt(base.maxReqPerSec)} req/s over the rounds ` +
        `(load average now ${os.loadavg()[0].toFixed(2)}); rerun when it is idle.`,
    );
  }
  if (readyMs.many !== undefined) console.log(`10k-stub Decoy child: spawn to ready ${fmt(readyMs.many)} ms`);
  console.log('');
  if (startup.error) {
    console.log(`startup (CLI, ${STARTUP_FILES} stub files): FAILED`);
  } else {
    console.log(
      `startup (CLI, ${STARTUP_FILES} stub files, spawn to first stub response, ${STARTUP_RUNS} runs): ` +
        `median ${fmt(startup.medianMs)} ms, max ${fmt(startup.maxMs)} ms  target < ${TARGETS.startupMs} ms  ` +
        `${startup.meetsTarget ? 'ok' : 'MISS'}  [${startup.runsMs.map((ms) => fmt(ms)).join(', ')}]`,
    );
  }
  console.log(`baseline response = ${specFrom}: ${spec.status}, ${spec.headers.map(([n, v]) => `${n}: ${v}`).join('; ')}`);

  fs.mkdirSync(OUT_DIR, { recursive: true });
  const outFile = path.join(OUT_DIR, 'results.json');
  const results = { env, baselineResponse: { from: specFrom, ...spec }, scenarios: rows, readyMs, startup, failures };
  fs.writeFileSync(outFile, JSON.stringify(results, null, 2) + '\n');
  console.log(`results written to ${path.relative(process.cwd(), outFile) || outFile}`);
  if (failures.length > 0) {
    for (const f of failures) console.error(`FAILED ${f.name}: ${f.error.split('\n')[0]}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (err) {
  console.error(`bench: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
