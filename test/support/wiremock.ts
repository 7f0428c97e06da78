/**
 * Starts the real WireMock (the standalone jar that the `wiremock` npm package bundles) as a child JVM, for tests
 * that compare Decoy's answers with WireMock's.
 *
 * The package's own main module starts a server on port 8080 as soon as it is loaded, so it is never imported:
 * the jar is located on disk and run with `java -jar`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** A running WireMock. */
export interface WireMockProcess {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:43117`. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the JVM (SIGTERM, then SIGKILL after a grace period). Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartWireMockOptions {
  /** How long to wait for the JVM to listen and answer its health check. */
  startTimeoutMs?: number;
  /** Extra command-line flags passed to WireMock. */
  extraArgs?: readonly string[];
}

const packageBuildDir = fileURLToPath(new URL('../../node_modules/wiremock/build/', import.meta.url));

/** Every JVM this module started and has not seen exit yet. */
const liveChildren = new Set<ChildProcess>();
let isExitHookInstalled = false;

/**
 * Kills every WireMock still running. Runs synchronously because it is also called from the `exit` event, where
 * nothing asynchronous happens any more.
 */
function killAllNow(): void {
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
    }
  }
  liveChildren.clear();
}

/**
 * A JVM is a separate process: if the test run ends without `after` hooks running (an uncaught error, Ctrl-C,
 * `mocha --exit`), the server would keep its port and keep running. These hooks make sure it cannot outlive us.
 */
function installExitHooks(): void {
  if (isExitHookInstalled) return;
  isExitHookInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllNow();
      process.removeListener(signal, onSignal);
      // Re-raise so that the process ends the way it would have without this listener; when other listeners are
      // left (mocha has its own), they have already been told and decide what happens.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Finds the standalone jar in the `wiremock` package, whatever its version. */
export function findWireMockJar(): string {
  const jar = readdirSync(packageBuildDir).find((name) => /^wiremock-standalone-.*\.jar$/.test(name));
  if (jar === undefined) {
    throw new Error(`no wiremock-standalone-*.jar in ${packageBuildDir}; is the "wiremock" dev dependency installed?`);
  }
  return path.join(packageBuildDir, jar);
}

/**
 * Starts WireMock on a dynamic port, serving the root folder `rootDir` (its `mappings/` and `__files/`), and
 * resolves once `GET /__admin/health` answers 200.
 *
 * `--port 0` lets the JVM pick a free port itself (no race between choosing a port and binding it); WireMock
 * prints the port it bound on standard output, also with `--disable-banner`.
 */
export async function startWireMock(rootDir: string, options: StartWireMockOptions = {}): Promise<WireMockProcess> {
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  installExitHooks();

  const args = [
    '-jar',
    findWireMockJar(),
    '--port',
    '0',
    '--bind-address',
    '127.0.0.1',
    '--root-dir',
    path.resolve(rootDir),
    '--disable-banner',
    '--disable-request-logging',
    ...(options.extraArgs ?? []),
  ];
  const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);

  // Keep the last few kilobytes of output for error messages. The pipes must be drained at all times, or a
  // chatty JVM blocks on a full pipe.
  let output = '';
  const remember = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout!.on('data', remember);
  child.stderr!.on('data', remember);

  // 'close' rather than 'exit': it also comes when the JVM could not be spawned at all (no `java` on the PATH).
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      liveChildren.delete(child);
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });

  let isStopped = false;
  const stop = async (): Promise<void> => {
    if (isStopped) return;
    isStopped = true;
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      await exited;
      return;
    }
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    const port = await waitForPort(child, () => output, () => spawnError, startTimeoutMs);
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, child, () => output, startTimeoutMs);
    return { url, port, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function waitForPort(child: ChildProcess, output: () => string, spawnError: () => Error | undefined, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`WireMock did not report its port within ${timeoutMs} ms`)), timeoutMs);
    const onData = (): void => {
      const match = /^port:\s+(\d+)\s*$/m.exec(output());
      if (match) finish(undefined, Number(match[1]));
    };
    const onClose = (code: number | null, signal: string | null): void => {
      const cause = spawnError();
      finish(new Error(cause ? `could not run java: ${cause.message}` : `WireMock exited before listening (code ${code}, signal ${signal})`));
    };
    function finish(error?: Error, port?: number): void {
      clearTimeout(timer);
      child.stdout!.removeListener('data', onData);
      child.removeListener('close', onClose);
      if (error) reject(new Error(`${error.message}\n--- WireMock output ---\n${output()}`));
      else resolve(port!);
    }
    // Registered after the `remember` listener, so output() already includes the chunk that triggered this.
    child.stdout!.on('data', onData);
    child.once('close', onClose);
  });
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`WireMock exited while starting (code ${child.exitCode})\n--- WireMock output ---\n${output()}`);
    }
    try {
      const response = await fetch(`${url}/__admin/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      lastProblem = `health check answered ${response.status}`;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`WireMock at ${url} was not healthy within ${timeoutMs} ms (${lastProblem})\n--- WireMock output ---\n${output()}`);
}
