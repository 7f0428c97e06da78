/**
 * A real redis-server (Debian's) for tests: on a free port, in its own temporary folder, with
 * persistence on (append-only file, flushed to disk every second as Redis does by default: a stop with
 * SIGTERM writes the rest), so a restart keeps what was written. Not `appendfsync always`: Redis then sends
 * a change's reply and its pub/sub message only after a disk flush, which on a busy machine delayed the
 * fleet's changes by up to 170 ms. `stop()` kills it and removes
 * the folder; `restart()` stops it (SIGTERM: it writes its data) and starts it again on the same port.
 * `startSentinel()` and `startCluster()` make the two other topologies `--store` reaches.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Decoy } from '../../src/index.js';
import { startDecoy, tempStubs } from './decoy.js';
import { closedPort } from './upstream.js';

const execFileAsync = promisify(execFile);

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops it and starts it again on the same port with the same data. */
  restart(downMs?: number): Promise<void>;
  /** Stops it (SIGTERM) without removing its data. */
  kill(): Promise<void>;
  /** Starts it again after kill(). */
  revive(): Promise<void>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'decoy-redis-'));
  const port = await closedPort();
  let child: ChildProcess | undefined;
  let stderr = '';
  const launch = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--save', '', '--protected-mode', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const failed = new Promise<never>((_, reject) => child!.once('error', (e) => reject(new Error(`redis-server could not start (is Debian's redis-server installed?): ${e.message}`))));
    await Promise.race([waitForPort(port, 5000), failed]).catch((e: Error) => { throw new Error(`${e.message}\n${stderr}`); });
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    await new Promise<void>((resolve) => { c.once('exit', () => resolve()); c.kill('SIGTERM'); });
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    revive: launch,
    async restart(downMs = 0) {
      await kill();
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await launch();
    },
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A redis-server process on a free port in `dir`, with extra arguments (a config file first, when given). */
async function launchServer(dir: string, port: number, args: string[], what: string): Promise<() => Promise<void>> {
  let stderr = '';
  const child = spawn('redis-server', [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--protected-mode', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  const failed = new Promise<never>((_, reject) => child.once('error', (e) => reject(new Error(`${what} could not start (is Debian's redis-server installed?): ${e.message}`))));
  await Promise.race([waitForPort(port, 5000), failed]).catch((e: Error) => { child.kill('SIGKILL'); throw new Error(`${e.message}\n${stderr}`); });
  return async () => {
    if (child.exitCode !== null) return;
    await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
  };
}

export interface RedisSentinel {
  /** `redis-sentinel://127.0.0.1:<sentinel port>/mymaster`. */
  readonly url: string;
  readonly master: RedisServer;
  readonly sentinelPort: number;
  stop(): Promise<void>;
}

/**
 * A master (startRedis) watched by one Sentinel: Debian's redis-server in sentinel mode (`--sentinel`, the
 * same binary), with its config file in a temp folder (Sentinel rewrites it, so it must be writable).
 */
export async function startSentinel(master = 'mymaster'): Promise<RedisSentinel> {
  const server = await startRedis();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'decoy-sentinel-'));
  const port = await closedPort();
  const conf = path.join(dir, 'sentinel.conf');
  await writeFile(conf, `sentinel monitor ${master} 127.0.0.1 ${server.port} 1\nsentinel down-after-milliseconds ${master} 5000\n`);
  let stopSentinel: () => Promise<void>;
  try {
    stopSentinel = await launchServer(dir, port, [conf, '--sentinel'], 'redis-server --sentinel');
  } catch (e) {
    await server.stop();
    throw e;
  }
  return {
    url: `redis-sentinel://127.0.0.1:${port}/${master}`,
    master: server,
    sentinelPort: port,
    async stop() {
      await stopSentinel();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisCluster {
  /** `redis-cluster://127.0.0.1:<port>,...`. */
  readonly url: string;
  readonly ports: number[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` nodes (no replicas) made by `redis-cli --cluster create` (Debian's redis-tools),
 * each node on a free port with its cluster bus on another free one, in a temp folder; resolves once every
 * node says `cluster_state:ok`.
 */
export async function startCluster(masters = 3): Promise<RedisCluster> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'decoy-cluster-'));
  const ports: number[] = [];
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    await Promise.all(stops.map((s) => s()));
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const dir = path.join(root, `node-${i}`);
      await mkdir(dir);
      const port = await closedPort();
      const bus = await closedPort();
      ports.push(port);
      stops.push(await launchServer(dir, port, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(bus),
        '--cluster-node-timeout', '5000', '--appendonly', 'no', '--save', ''], 'redis-server (cluster node)'));
    }
    await execFileAsync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 15_000 })
      .catch((e: Error & { stdout?: string; stderr?: string }) => {
        throw new Error(`redis-cli --cluster create failed (is Debian's redis-tools installed?): ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      });
    const until = Date.now() + 10_000;
    for (const port of ports) {
      for (;;) {
        const { stdout } = await execFileAsync('redis-cli', ['-p', String(port), 'cluster', 'info']);
        if (/cluster_state:ok/.test(stdout)) break;
        if (Date.now() > until) throw new Error(`the cluster node on ${port} is not ok:\n${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, ports, stop };
}

/** Two Decoys serving one stubs folder that share a Redis under a fresh prefix (`tag-xxxxxxxx`): the smallest fleet. */
export async function startTwoReplicas(redis: RedisServer, stubsDir: string, tag: string): Promise<[Decoy, Decoy]> {
  const prefix = `${tag}-${randomUUID().slice(0, 8)}`;
  const { decoy: a } = await startDecoy({ stubsDir, store: { url: redis.url, prefix } });
  const { decoy: b } = await startDecoy({ stubsDir, store: { url: redis.url, prefix } });
  return [a, b];
}

/**
 * For a suite of two replicas on one real redis-server, serving the same stub files: Redis and the folder
 * for the whole suite; the two Decoys for the whole suite, or (`each: 'test'`) fresh for each test. All
 * of it is stopped and removed afterwards.
 */
export function twoReplicasOnRedis(files: Record<string, string>, tag: string, each: 'suite' | 'test' = 'suite'): {
  readonly redis: RedisServer;
  readonly folder: ReturnType<typeof tempStubs>;
  readonly a: Decoy;
  readonly b: Decoy;
} {
  let redis: RedisServer | undefined;
  let folder: ReturnType<typeof tempStubs> | undefined;
  let replicas: [Decoy, Decoy] | undefined;
  const start = async (): Promise<void> => { replicas = await startTwoReplicas(redis!, folder!.dir, tag); };
  const stop = async (): Promise<void> => {
    for (const d of replicas ?? []) await d.stop();
    replicas = undefined;
  };
  before(async () => {
    redis = await startRedis();
    folder = tempStubs(files);
    if (each === 'suite') await start();
  });
  if (each === 'test') {
    beforeEach(start);
    afterEach(stop);
  }
  after(async () => {
    await stop();
    await redis?.stop();
    folder?.cleanup();
  });
  return {
    get redis() { return redis!; },
    get folder() { return folder!; },
    get a() { return replicas![0]; },
    get b() { return replicas![1]; },
  };
}
