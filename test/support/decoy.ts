/**
 * Test helpers: temp stub folders, a Decoy on port 0 with its log captured, and cleanup.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createDecoy, createLogger, type Decoy, type DecoyOptions } from '../../src/index.js';

export interface LogCapture {
  lines: string[];
  text(): string;
}

export function captureLog(): { logger: ReturnType<typeof createLogger>; log: LogCapture } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(l);
      cb();
    },
  });
  const logger = createLogger({ format: 'pretty', destination: sink, level: 'debug' });
  return { logger, log: { lines, text: () => lines.join('\n') } };
}

/**
 * A temp folder with the given files (path → content); removed by `cleanup()`. With `fixedDir`, the
 * folder is that path (emptied first), so file names in user-facing text are the same every run.
 */
export function tempStubs(files: Record<string, string> = {}, fixedDir?: string): { dir: string; write(rel: string, content: string): void; cleanup(): void } {
  if (fixedDir) rmSync(fixedDir, { recursive: true, force: true });
  const dir = fixedDir ? (mkdirSync(fixedDir, { recursive: true }), fixedDir) : mkdtempSync(path.join(tmpdir(), 'decoy-test-'));
  const write = (rel: string, content: string) => {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  };
  for (const [rel, content] of Object.entries(files)) write(rel, content);
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startDecoy(options: DecoyOptions): Promise<{ decoy: Decoy; log: LogCapture }> {
  const { logger, log } = captureLog();
  const decoy = createDecoy({ port: 0, host: '127.0.0.1', watch: false, logger, ...options });
  await decoy.start();
  return { decoy, log };
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 3000, what = 'condition'): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function get(url: string, init?: RequestInit): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/**
 * For a suite whose tests each start their own Decoy on the same stub files: a fresh temp folder before
 * each test; after it, the Decoy the test started with `start()` (if any) is stopped and the folder removed.
 */
export function decoyPerTest(files: Record<string, string>): {
  readonly folder: ReturnType<typeof tempStubs>;
  start(options?: DecoyOptions): Promise<{ decoy: Decoy; log: LogCapture }>;
} {
  let folder: ReturnType<typeof tempStubs> | undefined;
  let started: Decoy | undefined;
  beforeEach(() => { folder = tempStubs(files); });
  afterEach(async () => {
    await started?.stop();
    started = undefined;
    folder?.cleanup();
  });
  return {
    get folder() {
      return folder!;
    },
    async start(options = {}) {
      const result = await startDecoy({ stubsDir: folder!.dir, ...options });
      started = result.decoy;
      return result;
    },
  };
}
