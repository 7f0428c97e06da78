// What the benchmarks share: the load generator (wrk pinned to its own core where it is installed, else
// autocannon) and a free port for each server under test.
import { execFile, execFileSync } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';

/**
 * The load generator of the throughput part: wrk pinned to its own core (the servers on the other) where
 * Debian's wrk and taskset are installed and there are two cores or more; autocannon in this process
 * otherwise (it then shares the cores with the server, which flatters ratios). BENCH_LOAD=autocannon forces it.
 */
export function loadGenerator() {
  const has = (cmd) => { try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; } };
  if (process.env.BENCH_LOAD !== 'autocannon' && os.cpus().length >= 2 && has('wrk') && has('taskset')) {
    return { name: 'wrk', pinned: true, describe: 'wrk (1 thread, pinned to core 1; servers pinned to core 0)' };
  }
  return { name: 'autocannon', pinned: false, describe: 'autocannon (in this process)' };
}

/** A wrk run pinned to the second core: its summary, with latency percentiles. */
export function wrk(url, seconds, connections) {
  return new Promise((resolve, reject) => {
    // wrk takes whole seconds only.
    const args = ['-c', '1', 'wrk', '-t1', `-c${connections}`, `-d${Math.max(1, Math.round(seconds))}s`, '--latency', url];
    execFile('taskset', args, { timeout: (seconds + 30) * 1000 }, (err, stdout) => (err ? reject(err) : resolve(parseWrk(stdout))));
  });
}

/** wrk's text: requests, duration, non-2xx/3xx responses, socket errors, the 50% and 99% latencies (in ms). */
export function parseWrk(text) {
  const ms = (v, unit) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit] ?? 1);
  const lat = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)`, 'm').exec(text);
    return m ? ms(m[1], m[2]) : NaN;
  };
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(text);
  if (!total) throw new Error(`wrk: no summary in its output:\n${text}`);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const durationS = ms(total[2], total[3]) / 1000;
  return {
    requests: Number(total[1]), durationS, non2xx,
    errors: errors ? Number(errors[1]) + Number(errors[2]) + Number(errors[3]) : 0,
    timeouts: errors ? Number(errors[4]) : 0,
    p50Ms: lat(50), p99Ms: lat(99),
  };
}

/** A port on 127.0.0.1 free a moment ago, for a server under test. */
export function freePort() {
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
