/**
 * The CLI as users run it: the built bin from package.json (`npm test` builds first), started as a child
 * process. Every CLI started here is remembered, so `killCliRuns()` (in an afterEach) ends the ones a
 * failed assertion left running.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './decoy.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
export const BIN = path.join(ROOT, pkg.bin.decoy!);

export interface CliRun {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  exited: Promise<number | null>;
}

const running = new Set<ChildProcess>();

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, ...(options.env ? { env: options.env } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    running.delete(child);
    resolve(code);
  }));
  return { child, output: () => out, exited };
}

/** The URL the CLI says it serves on, once it says so; fails with its output when it exits first. */
export async function cliUrl(p: CliRun, pattern = /on (http:\/\/127\.0\.0\.1:\d+)/, timeoutMs = 10_000): Promise<string> {
  let url = '';
  await eventually(() => {
    const m = pattern.exec(p.output());
    if (m) url = m[1]!;
    return url !== '' || p.child.exitCode !== null;
  }, timeoutMs, 'the CLI to start');
  assert.ok(url, `the CLI did not start:\n${p.output()}`);
  return url;
}

/** Kills every CLI started by runCli that is still running. */
export function killCliRuns(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
