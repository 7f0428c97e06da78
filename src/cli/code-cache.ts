/**
 * Runs the command's start chunk (CommonJS, built by scripts/bundle-cli.js) with a V8 code cache on Node 20,
 * which has no compile cache of its own (Node >= 22.1 has module.enableCompileCache, which the entry turns
 * on instead). V8 then skips compiling the chunk's top-level code at each start after the first
 * (docs/reference/performance.md#ready-spawn-to-the-first-served-request).
 *
 * A cache is only ever an aid: a missing, stale or foreign one is rejected by V8 (it checks V8's version,
 * flags and the source) and the chunk is compiled as without it; a cache folder that cannot be made or
 * written (a read-only or shared temp folder) means no cache, never a failed start. The cache lives in a
 * folder of the user's own (mode 0700) under the system's temp folder: bytecode from a folder another user
 * can write to would run as this user's code. The chunk has no import() (the bundler checks): code from a
 * cache loses the callback Node 20 would need for it.
 */
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';

interface InternalModule {
  filename: string;
  paths: string[];
  exports: unknown;
  loaded: boolean;
}
type ModuleClass = (new (id: string, parent?: unknown) => InternalModule) & {
  _nodeModulePaths(dir: string): string[];
  _cache: Record<string, InternalModule>;
  wrap(source: string): string;
};

/** Loads `file` as CommonJS, as `require(file)` would, compiled with the cached code when there is some. */
export function requireWithCodeCache(file: string): void {
  const Module = module.Module as unknown as ModuleClass;
  const source = readFileSync(file, 'utf8');
  const folder = ownCacheFolder();
  const cacheFile = folder === undefined ? undefined : path.join(folder, `${path.basename(file)}-${process.version}-${process.arch}.bin`);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile !== undefined) cachedData = readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  const script = new vm.Script(Module.wrap(source), {
    filename: file,
    ...(cachedData !== undefined ? { cachedData } : {}),
  });
  // Made before the chunk runs: the command sets a V8 flag as it starts (src/cli/young-generation.ts), and V8
  // rejects a cache made under other flags than those it is read under.
  const made = cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true) ? script.createCachedData() : undefined;
  const m = new Module(file, undefined);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  // In require's cache first: the lazily loaded chunks require this one, and must get this copy, not a second.
  Module._cache[file] = m;
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  try {
    wrapper.call(m.exports, m.exports, module.createRequire(file), m, file, path.dirname(file));
  } catch (e) {
    delete Module._cache[file];
    throw e;
  }
  m.loaded = true;
  // Written once the start is done, off its path; a second start that finds it compiles nothing of the top level.
  if (made !== undefined && cacheFile !== undefined) setTimeout(() => writeCache(cacheFile, made), 1000).unref();
}

/** The user's own cache folder, made if need be; undefined when there is none that only this user can write. */
function ownCacheFolder(): string | undefined {
  if (typeof process.getuid !== 'function') return undefined;
  const folder = path.join(os.tmpdir(), `decoy-code-cache-${process.getuid()}`);
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const s = lstatSync(folder);
    if (!s.isDirectory() || s.uid !== process.getuid() || (s.mode & 0o022) !== 0) return undefined;
    return folder;
  } catch {
    return undefined;
  }
}

function writeCache(cacheFile: string, data: Buffer): void {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, cacheFile);
  } catch {
    rmSync(temp, { force: true });
  }
}
