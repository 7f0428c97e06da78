/**
 * A folder of stub files, loaded and kept in sync with the disk.
 *
 * Two layouts: a WireMock root (it has `mappings/`: stubs come from `mappings/`, body files from
 * `__files/`) and Decoy's own (every .yaml/.yml/.json file under the folder except `__files/`; body
 * files from `__files/`, then the stub file's own folder).
 *
 * Each file is its own unit: a file that fails to parse, validate or compile is reported and keeps
 * the stubs it had before; the other files are unaffected. Changes are batched for a few
 * milliseconds (an editor's save is often unlink + add, or several writes) and applied as one swap.
 */
import { displayPath } from './display-path.js';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { mkdir, readdir, realpath, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import { DecoyError } from '../core/errors.js';
import type { Stub } from '../core/stub.js';
import type { StubDefinition } from '../core/stub-definition.js';
import type { Logger } from '../observability/logger.js';
import { removeStaleTempFiles, writeFileAtomic } from './atomic-write.js';
import { loadFastYamlReader, parseStubFile } from './stub-file.js';
import { FolderWatcher } from './folder-watcher.js';
import { isInside, relativePath } from './is-inside.js';
import { applyToFile, confineWrite, stubFileName, stubFileText } from './stub-file-writer.js';
import { SERVICE_FILE_NAMES } from './service-file.js';
import type { ContractChecker } from '../core/contract/check-stub.js';

const STUB_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** A file name a stub file may have: a stub extension, and not a service file's name. */
function hasStubFileName(name: string): boolean {
  return STUB_EXTENSIONS.has(path.extname(name).toLowerCase()) && !SERVICE_FILE_NAMES.includes(name);
}
/** Temp files of atomic writes older than this, found at the first load, were left by a crash. */
const STALE_TEMP_MS = 60_000;

export interface StubFolderOptions {
  dir: string;
  logger: Logger;
  nextSequence: () => number;
  /**
   * Called after every change with the folder's complete, current list of stubs. `saved` is true
   * when the change is Decoy's own save (so API changes now in files are not "dropped").
   */
  onChange: (stubs: Stub[], saved: boolean) => void;
  /** Told how many problems a reload after a change on disk found (each is logged too). */
  onReloadProblems?: (problems: number) => void;
  /** Template every response (`--global-templating`). */
  globalTemplating?: boolean;
  /** Folders inside `dir` that are not part of it (other services' stub folders). */
  exclude?: readonly string[];
  /** API contracts every stub is checked against (`--contract`). */
  contract?: ContractChecker;
}

interface FileState {
  stubs: Stub[];
  bodyFiles: Set<string>;
  errors: DecoyError[];
}

export interface LoadReport {
  files: number;
  stubs: number;
  errors: DecoyError[];
}

export class StubFolder {
  readonly root: string;
  readonly layout: 'wiremock' | 'decoy';
  readonly stubsRoot: string;
  readonly filesRoot: string;
  readonly #options: StubFolderOptions;
  readonly #files = new Map<string, FileState>();
  /** Set while watching. */
  #watching: FolderWatcher | undefined;
  /** What each file looked like when it was last read (mtime and size), for the recheck. */
  readonly #readStats = new Map<string, string>();
  #swept = false;
  /**
   * Each stub id's insertion sequence. A stub keeps its place when its file is reloaded or saved, as a
   * WireMock stub keeps its place when edited; a stub with a new id is the most recently added.
   */
  readonly #sequences = new Map<string, number>();
  /**
   * Files this process wrote from a recording: what the real API answered is never refused by a
   * contract (`--contract-strict`), only marked; a restart reads them as any other stub file.
   */
  readonly #recordedFiles = new Set<string>();

  constructor(options: StubFolderOptions) {
    this.#options = options;
    const dir = path.resolve(options.dir);
    let st;
    try {
      st = statSync(dir);
    } catch {
      throw new DecoyError('DECOY_ERR_STUBS_DIR', `the stubs folder ${dir} does not exist`, { hint: 'create it, or pass another folder with --stubs DIR' });
    }
    if (!st.isDirectory()) throw new DecoyError('DECOY_ERR_STUBS_DIR', `${dir} is not a folder`, { hint: 'pass a folder with --stubs DIR' });
    this.root = realpathSync(dir);
    const mappings = path.join(this.root, 'mappings');
    this.layout = existsSync(mappings) && statSync(mappings).isDirectory() ? 'wiremock' : 'decoy';
    this.stubsRoot = this.layout === 'wiremock' ? mappings : this.root;
    this.filesRoot = path.join(this.root, '__files');
    this.#excluded = (options.exclude ?? []).map((d) => {
      try { return realpathSync(path.resolve(d)); } catch { return path.resolve(d); }
    });
  }

  readonly #excluded: string[];

  #isExcluded(abs: string): boolean {
    for (const d of this.#excluded) if (isInside(d, abs)) return true;
    return false;
  }

  /** Stubs of every file, in load order. */
  stubs(): Stub[] {
    const out: Stub[] = [];
    for (const f of this.#files.values()) out.push(...f.stubs);
    return out;
  }

  /** Current problems, by file. */
  errors(): DecoyError[] {
    const out: DecoyError[] = [];
    for (const f of this.#files.values()) out.push(...f.errors);
    return out;
  }

  /** A path relative to the stubs folder, with forward slashes. */
  relative(abs: string): string {
    return path.relative(this.root, abs).split(path.sep).join('/');
  }

  /** Whether a path is one of this folder's stub files (not a body file, a service file, hidden, or another service's). */
  #isStubFile(abs: string): boolean {
    if (!hasStubFileName(path.basename(abs))) return false;
    if (!isInside(this.stubsRoot, abs)) return false;
    if (this.#excluded.length > 0 && this.#isExcluded(abs)) return false;
    if (this.layout === 'decoy' && isInside(this.filesRoot, abs)) return false;
    return !path.relative(this.stubsRoot, abs).split(path.sep).some((part) => part.startsWith('.'));
  }

  async #listStubFiles(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true });
      for (const e of entries) {
        if (e.name.startsWith('.')) continue; // editor temp files, .git, Kubernetes' ..data
        const abs = path.join(dir, e.name);
        if (this.layout === 'decoy' && abs === this.filesRoot) continue;
        if (this.#excluded.length > 0 && this.#isExcluded(abs)) continue;
        let isDir = e.isDirectory();
        let isFile = e.isFile();
        if (e.isSymbolicLink()) {
          try {
            const real = await realpath(abs);
            if (!isInside(this.root, real)) {
              this.#options.logger.error(`${displayPath(abs)} DECOY_ERR_STUBS_DIR is a symlink to ${real}, outside the stubs folder; skipped`);
              continue;
            }
            const s = await stat(abs);
            isDir = s.isDirectory();
            isFile = s.isFile();
          } catch {
            continue; // a dangling link
          }
        }
        if (isDir) await walk(abs);
        // The name is all #isStubFile has left to check: the walk already ensures the rest (under the stubs
        // folder, no hidden part, not in __files/ nor an excluded folder), which cost path work for each of 1,000 files.
        else if (isFile && hasStubFileName(e.name)) out.push(abs);
      }
    };
    if (existsSync(this.stubsRoot)) await walk(this.stubsRoot);
    return out.sort();
  }

  /** Resolves `bodyFileName` for a stub in `stubFile`, confined to the stubs folder. */
  #readBodyFile(stubFile: string, name: string, pointer: string, only?: string[]): { bytes: Buffer; path: string } {
    const bases = only ?? (this.layout === 'wiremock' ? [this.filesRoot] : [this.filesRoot, path.dirname(stubFile)]);
    if (path.isAbsolute(name) || name.includes('\0')) {
      throw new DecoyError('DECOY_ERR_BODY_FILE_ESCAPE', `bodyFileName ${JSON.stringify(name)} must be a relative path inside the stubs folder`, { source: { pointer } });
    }
    const tried: string[] = [];
    for (const base of bases) {
      const abs = path.resolve(base, name);
      if (!isInside(this.root, abs)) {
        throw new DecoyError('DECOY_ERR_BODY_FILE_ESCAPE', `bodyFileName ${JSON.stringify(name)} points outside the stubs folder ${displayPath(this.root)}`, {
          source: { pointer }, hint: 'body files must live under the stubs folder, e.g. in __files/',
        });
      }
      tried.push(displayPath(abs));
      let real: string;
      try {
        real = realpathSync(abs);
      } catch {
        continue;
      }
      if (!isInside(this.root, real)) {
        throw new DecoyError('DECOY_ERR_BODY_FILE_ESCAPE', `bodyFileName ${JSON.stringify(name)} is a symlink to ${real}, outside the stubs folder`, { source: { pointer } });
      }
      if (!statSync(real).isFile()) continue;
      return { bytes: readFileSync(real), path: real };
    }
    throw new DecoyError('DECOY_ERR_BODY_FILE_NOT_FOUND', `body file ${JSON.stringify(name)} not found (looked for ${tried.join(' and ')})`, { source: { pointer } });
  }

  /**
   * Reads a body file whose name a template worked out from a request: from the files folder only
   * (as WireMock confines it), with no dot segments or hidden names, nothing in an excluded folder,
   * no symlink out. The name comes from a client, so the errors (which reach the client in the 500)
   * name no server path.
   */
  #readBodyFileAtRequest(name: string, pointer = '/response/bodyFileName'): Buffer {
    const refuse = (why: string): never => {
      throw new DecoyError('DECOY_ERR_BODY_FILE_ESCAPE', `bodyFileName ${JSON.stringify(name)} ${why}`, { source: { pointer } });
    };
    if (name === '' || name.includes('\0') || name.includes('\\') || path.isAbsolute(name) || path.posix.isAbsolute(name)) refuse('must be a relative path inside the files folder');
    if (name.split('/').some((part) => part.startsWith('.'))) refuse('must not contain . or .. segments or hidden names');
    const abs = path.resolve(this.filesRoot, name);
    if (!isInside(this.filesRoot, abs)) refuse('points outside the files folder');
    let real: string;
    let realRoot: string;
    try {
      real = realpathSync(abs);
      realRoot = realpathSync(this.filesRoot);
    } catch {
      throw new DecoyError('DECOY_ERR_BODY_FILE_NOT_FOUND', `body file ${JSON.stringify(name)} not found in the files folder`, { source: { pointer } });
    }
    if (!isInside(realRoot, real) || (this.#excluded.length > 0 && (this.#isExcluded(abs) || this.#isExcluded(real)))) refuse('points outside the files folder');
    if (!statSync(real).isFile()) {
      throw new DecoyError('DECOY_ERR_BODY_FILE_NOT_FOUND', `body file ${JSON.stringify(name)} not found in the files folder`, { source: { pointer } });
    }
    return readFileSync(real);
  }

  /** Bumped on every file event that is not a stub file: body files read per request are read again after it. */
  #filesVersion = 0;

  /** Reads a body file for a stub created over the admin API: from `__files/` only, as a name worked out per request is. */
  readApiBodyFile(name: string, pointer: string): Buffer {
    // The admin API is reachable from the network, and its templated names come from requests: as strict as those.
    return this.#readBodyFileAtRequest(name, pointer);
  }

  /**
   * Writes what the admin API changed into the folder, atomically, file by file:
   * - stubs created over the API go to new files (JSON in a WireMock root's mappings/, YAML otherwise);
   * - edits and single deletions of stubs from files are applied inside those files (YAML keeps its
   *   comments and layout), but only when the file on disk is still the version Decoy loaded:
   *   otherwise nothing at all is written and the conflict is reported.
   * The written files are reloaded at once, so the stubs become file stubs.
   */
  async save(changes: { created: Stub[]; edited: Array<{ base: Stub; stub: Stub }>; deleted: Stub[] }): Promise<{ written: string[] }> {
    type FilePlan = { abs: string; edits: Array<{ pointer: string; def: unknown }>; deletions: string[] };
    const plans = new Map<string, FilePlan>();
    const plan = (abs: string): FilePlan => {
      let p = plans.get(abs);
      if (!p) plans.set(abs, (p = { abs, edits: [], deletions: [] }));
      return p;
    };
    for (const { base, stub } of changes.edited) if (base.origin.path) plan(base.origin.path).edits.push({ pointer: base.origin.pointer ?? '', def: { id: stub.id, ...stub.definition } });
    for (const base of changes.deleted) if (base.origin.path) plan(base.origin.path).deletions.push(base.origin.pointer ?? '');

    // Check every file first: one conflict and nothing is written.
    const conflicts: string[] = [];
    const outputs: Array<{ abs: string; content: string | undefined }> = [];
    for (const p of plans.values()) {
      let stamp = 'gone';
      try { stamp = fileStamp(p.abs); } catch { /* gone */ }
      if (stamp !== this.#readStats.get(p.abs) || (this.#files.get(p.abs)?.errors.length ?? 0) > 0) {
        conflicts.push(`${displayPath(p.abs)} changed on disk since Decoy loaded it`);
        continue;
      }
      outputs.push({ abs: p.abs, content: applyToFile(readFileSync(p.abs, 'utf8'), p.abs, p.edits, p.deletions) });
    }
    if (conflicts.length) {
      throw new DecoyError('DECOY_ERR_SAVE_CONFLICT', `not saved: ${conflicts.join('; ')}`, { hint: 'the file on disk wins: reload it (POST /__admin/mappings/reset) and redo the change' });
    }
    // Saved stubs keep their place in the matching order.
    for (const stub of changes.created) this.#sequences.set(stub.id, stub.sequence);
    for (const { stub } of changes.edited) this.#sequences.set(stub.id, stub.sequence);
    const written: string[] = [];
    const dir = this.stubsRoot;
    const taken = new Set<string>();
    for (const stub of changes.created) {
      const ext = this.layout === 'wiremock' ? '.json' : '.yaml';
      let file = path.join(dir, `${stubFileName(stub)}${ext}`);
      for (let i = 2; existsSync(file) || taken.has(file); i++) file = path.join(dir, `${stubFileName(stub)}-${i}${ext}`);
      taken.add(file);
      // As WireMock writes saved stubs: marked persistent.
      const def = { id: stub.id, ...stub.definition, persistent: true };
      outputs.push({ abs: file, content: stubFileText(def, ext) });
    }
    // Every target is checked before anything is written: a refused save writes nothing.
    for (const o of outputs) confineWrite(this.root, o.abs);
    for (const o of outputs) {
      if (o.content === undefined) await unlink(o.abs);
      else {
        await mkdir(path.dirname(o.abs), { recursive: true });
        await writeFileAtomic(o.abs, o.content);
      }
      written.push(this.relative(o.abs));
      this.#loadFile(o.abs);
    }
    this.#options.onChange(this.stubs(), true);
    return { written };
  }

  /**
   * Writes recorded stubs, one file each (YAML, or JSON in a WireMock root or on request), and their
   * body files under `__files/`, atomically; loads them at once. Redaction happened before: nothing
   * secret reaches even a temp file.
   */
  async saveRecorded(recorded: Array<{ name: string; definition: StubDefinition; bodyFile?: { name: string; bytes: Buffer } }>, format?: 'yaml' | 'json'): Promise<{ files: string[]; stubs: Stub[] }> {
    const ext = (format ?? (this.layout === 'wiremock' ? 'json' : 'yaml')) === 'json' ? '.json' : '.yaml';
    const files: string[] = [];
    const written: string[] = [];
    for (const r of recorded) {
      if (r.bodyFile) confineWrite(this.root, path.join(this.filesRoot, r.bodyFile.name));
      confineWrite(this.root, path.join(this.stubsRoot, `${r.name}${ext}`));
    }
    for (const r of recorded) {
      if (r.bodyFile) {
        const bodyPath = path.join(this.filesRoot, r.bodyFile.name);
        await mkdir(path.dirname(bodyPath), { recursive: true });
        await writeFileAtomic(bodyPath, r.bodyFile.bytes);
        files.push(this.relative(bodyPath));
      }
      const file = path.join(this.stubsRoot, `${r.name}${ext}`);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, stubFileText(r.definition, ext));
      files.push(this.relative(file));
      written.push(file);
      this.#recordedFiles.add(file);
    }
    for (const f of written) this.#loadFile(f);
    this.#options.onChange(this.stubs(), true);
    const ids = new Set(written);
    return { files, stubs: this.stubs().filter((s) => s.origin.path !== undefined && ids.has(s.origin.path)) };
  }

  /** Reads one stub file; on any problem, logs it and keeps what the file had before. */
  #loadFile(abs: string): void {
    const display = displayPath(abs);
    let text: string;
    try {
      // Stat before reading: if the file changes while being read, the recheck sees a newer stamp. One open
      // for both: a stat by path and a read by path looked the path up twice.
      const fd = openSync(abs, 'r');
      try {
        this.#readStats.set(abs, stampOf(fstatSync(fd, { bigint: true })));
        text = readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') { this.#files.delete(abs); this.#readStats.delete(abs); return; }
      this.#options.logger.error(`${display} could not be read: ${(e as Error).message}`);
      return;
    }
    const parsed = parseStubFile(text, {
      displayPath: display,
      absolutePath: abs,
      idSeed: relativePath(this.stubsRoot, abs).split(path.sep).join('/'),
      sequenceFor: (id) => {
        let seq = this.#sequences.get(id);
        if (seq === undefined) this.#sequences.set(id, (seq = this.#options.nextSequence()));
        return seq;
      },
      readBodyFile: (name, pointer) => this.#readBodyFile(abs, name, pointer),
      // A templated bodyFileName is resolved per request, from the files folder only (as in WireMock).
      readBodyFileAtRequest: (name) => this.#readBodyFileAtRequest(name),
      bodyFilesVersion: () => this.#filesVersion,
      ...(this.#options.globalTemplating ? { globalTemplating: true } : {}),
      ...(this.#options.contract ? { contract: this.#recordedFiles.has(abs) && this.#options.contract.strict ? { ...this.#options.contract, strict: false } : this.#options.contract } : {}),
    });
    const previous = this.#files.get(abs);
    for (const w of parsed.warnings) this.#options.logger.warn(w.format());
    for (const stub of parsed.stubs) {
      for (const w of stub.warnings) this.#options.logger.warn(`${display}${stub.origin.line ? `:${stub.origin.line}` : ''} stub ${stub.name ?? stub.id}: ${w}`);
      if (stub.ignoredKeys.length) {
        this.#options.logger.warn(`${display}${stub.origin.line ? `:${stub.origin.line}` : ''} stub ${stub.name ?? stub.id} uses ${stub.ignoredKeys.join(', ')}, which this version of Decoy does not support yet; ignored`);
      }
    }
    if (parsed.errors.length) {
      for (const e of parsed.errors) this.#options.logger.error(e.format());
      // An edit that breaks a file that loaded completely keeps the previous version (a half-edited file
      // never serves); otherwise the good stubs load, and only the bad ones are missing.
      const keep = previous !== undefined && previous.errors.length === 0 && previous.stubs.length > 0;
      const stubs = keep ? previous.stubs : parsed.stubs;
      const outcome = keep ? `still serving its previous ${stubs.length} stub(s)`
        : stubs.length ? `loaded ${stubs.length} of its ${parsed.definitions} stub(s)` : 'no stubs loaded from it';
      this.#options.logger.warn(`${display}: ${parsed.errors.length} problem(s); ${outcome}`);
      this.#files.set(abs, { stubs, bodyFiles: keep ? previous.bodyFiles : parsed.bodyFiles, errors: parsed.errors });
      return;
    }
    this.#files.set(abs, { stubs: parsed.stubs, bodyFiles: parsed.bodyFiles, errors: [] });
  }

  /** Reads every stub file (again); files gone from disk since the last load are dropped. */
  async load(): Promise<LoadReport> {
    if (!this.#swept) {
      this.#swept = true;
      for (const f of await removeStaleTempFiles(this.root, STALE_TEMP_MS)) this.#options.logger.info(`removed ${displayPath(f)}, left by a write that was cut short`);
    }
    const files = await this.#listStubFiles();
    if (files.some((f) => !f.toLowerCase().endsWith('.json'))) await loadFastYamlReader();
    const present = new Set(files);
    for (const known of [...this.#files.keys()]) if (!present.has(known)) this.#files.delete(known);
    for (const f of files) this.#loadFile(f);
    this.#options.onChange(this.stubs(), false);
    const stubs = this.stubs().length;
    return { files: files.length, stubs, errors: this.errors() };
  }

  /** Starts watching; resolves once the watcher is ready. */
  async watch(): Promise<void> {
    if (this.#watching) return;
    this.#watching = new FolderWatcher({
      root: this.root, logger: this.#options.logger,
      isExcluded: (abs) => this.#excluded.length > 0 && this.#isExcluded(abs),
      apply: (paths) => this.#apply(paths),
      changedSinceRead: (file) => {
        let stamp: string;
        try { stamp = fileStamp(file); } catch { stamp = 'gone'; }
        return stamp !== (this.#readStats.get(file) ?? 'gone');
      },
    });
    await this.#watching.start();
  }

  /** The live file watcher, once watching (for diagnostics and tests). */
  get watcher(): FSWatcher | undefined {
    return this.#watching?.watcher;
  }

  /** Resolves when no file events are pending (for tests and the admin API). */
  settled(): Promise<void> {
    return this.#watching?.settled() ?? Promise.resolve();
  }

  /** Applies a batch of changed paths (stub files, body files, folders); returns the stub files it read. */
  #apply(paths: string[]): string[] {
    if (paths.some((p) => !this.#isStubFile(p))) this.#filesVersion++;
    const reload = new Set<string>();
    for (const p of paths) {
      // A removed or renamed folder: drop the files under it that are gone.
      for (const known of this.#files.keys()) {
        if (isInside(p, known) && !existsSync(known)) reload.add(known);
      }
      let isFile = false;
      let isDir = false;
      try {
        const s = statSync(p);
        isFile = s.isFile();
        isDir = s.isDirectory();
      } catch { /* gone */ }
      if (isDir) {
        // A ConfigMap volume mounted (or copied in) after watching started: watch it for its `..data` swaps too.
        this.#watching?.watchVolumeSwaps(p);
        // A folder moved in or swapped (a ConfigMap update): chokidar reports a moved folder's files
        // too, but a quick scan costs little and is certain. Stubs whose body files are in it are reread.
        for (const f of this.#scanSync(p)) reload.add(f);
        for (const [file, state] of this.#files) {
          for (const b of state.bodyFiles) if (isInside(p, b)) reload.add(file);
        }
        continue;
      }
      if (this.#isStubFile(p) && (isFile || this.#files.has(p))) reload.add(p);
      // A body file changed: reload the stub files that read it.
      for (const [file, state] of this.#files) {
        if (state.bodyFiles.has(p) || (isFile && state.errors.some((e) => e.code === 'DECOY_ERR_BODY_FILE_NOT_FOUND'))) reload.add(file);
      }
    }
    if (reload.size === 0) return [];
    const sorted = [...reload].sort();
    let problems = 0;
    for (const f of sorted) {
      const existed = this.#files.has(f);
      this.#loadFile(f);
      const now = this.#files.get(f);
      const verb = !now ? 'removed' : existed ? 'reloaded' : 'added';
      if (!now || now.errors.length === 0) this.#options.logger.info(`${displayPath(f)} ${verb}${now ? ` (${now.stubs.length} stub(s))` : ''}`);
      problems += now?.errors.length ?? 0;
    }
    this.#options.onChange(this.stubs(), false);
    if (problems > 0) this.#options.onReloadProblems?.(problems);
    return sorted;
  }

  #scanSync(dir: string): string[] {
    const out: string[] = [];
    try {
      for (const e of readdirSyncRecursive(dir)) if (this.#isStubFile(e)) out.push(e);
    } catch { /* gone again */ }
    return out;
  }

  async close(): Promise<void> {
    const w = this.#watching;
    this.#watching = undefined;
    await w?.close();
  }

}

function fileStamp(abs: string): string {
  return stampOf(statSync(abs, { bigint: true }));
}

function stampOf(s: BigIntStats): string {
  return `${s.mtimeNs}:${s.size}:${s.ino}`;
}

function readdirSyncRecursive(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((rel) => path.join(dir, rel));
}
