/**
 * Watching a stubs folder: file events gathered for a few milliseconds (an editor's save is often
 * unlink + add, or several writes) and handed over as one batch; Kubernetes ConfigMap volume swaps;
 * and a second look at the files a batch read, for the writes chokidar drops.
 */
import { readdirSync, watch as watchDir, type FSWatcher as DirWatcher } from 'node:fs';
import path from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { Logger } from '../observability/logger.js';
import { displayPath } from './display-path.js';

/** How long to gather file events before applying them. */
const SETTLE_MS = 30;
/**
 * chokidar drops a second `change` event for the same file within 50 ms of the first, so a file
 * written twice in quick succession could keep its first version. After each batch, the files it
 * read are checked again once that window has passed, and reloaded if they changed meanwhile.
 */
const RECHECK_MS = 80;

export interface FolderWatcherOptions {
  root: string;
  logger: Logger;
  /** Folders (and what is under them) that are not watched, besides hidden entries. */
  isExcluded(abs: string): boolean;
  /** Applies one batch of changed paths (files and folders, some gone); returns the files it read. */
  apply(paths: string[]): string[];
  /** Whether a file read by a batch is no longer the version that was read. */
  changedSinceRead(file: string): boolean;
}

export class FolderWatcher {
  readonly #options: FolderWatcherOptions;
  #watcher: FSWatcher | undefined;
  /** Watchers of the folders that are Kubernetes ConfigMap (or Secret) volumes: they tell of the `..data` swap. */
  #dataWatchers: DirWatcher[] = [];
  /** The folders those watchers watch. */
  readonly #volumeFolders = new Set<string>();
  readonly #pending = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #recheck: NodeJS.Timeout | undefined;
  #settled: Array<() => void> = [];

  constructor(options: FolderWatcherOptions) {
    this.#options = options;
  }

  /** Starts watching; resolves once the watcher is ready. */
  async start(): Promise<void> {
    const { root, isExcluded } = this.#options;
    // Imported here, not at start-up: watching starts once the first request can be served.
    const { watch } = await import('chokidar');
    const watcher = watch(root, {
      ignoreInitial: true,
      // Prompt unlink events (chokidar's atomic mode holds them ~100 ms); batching covers editors' swaps.
      atomic: false,
      ignored: (p: string) => p !== root && (path.basename(p).startsWith('.') || isExcluded(path.resolve(p))),
    });
    this.#watcher = watcher;
    const onEvent = (p: string) => this.#schedule(path.resolve(p));
    watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent).on('unlinkDir', onEvent).on('addDir', onEvent);
    watcher.on('error', (e) => this.#options.logger.error(`watching ${displayPath(root)} failed: ${(e as Error).message}; stubs stay as they are`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    this.watchVolumeSwaps(root);
  }

  /**
   * A Kubernetes ConfigMap volume changes by one rename: a new `..data` symlink (to a new hidden
   * timestamped folder) replaces the old, while the visible `name -> ..data/name` links stay as they
   * were. The file watcher skips hidden entries (editor temp files, and those very timestamped
   * copies, which must not load twice), so each folder under `under` holding a `..data` is also
   * watched for that rename, and rescanned when it happens.
   */
  watchVolumeSwaps(under: string): void {
    for (const dir of findVolumeFolders(under)) {
      if (this.#volumeFolders.has(dir)) continue;
      this.#volumeFolders.add(dir);
      try {
        const w = watchDir(dir, (_event, name) => {
          if (name === null || name === '..data') this.#schedule(dir);
        });
        w.on('error', (e) => this.#options.logger.error(`watching ${displayPath(dir)} failed: ${e.message}; stubs stay as they are`));
        this.#dataWatchers.push(w);
      } catch (e) {
        this.#options.logger.error(`watching ${displayPath(dir)} failed: ${(e as Error).message}; its ConfigMap updates will not be reloaded`);
      }
    }
  }

  /** The live file watcher (for diagnostics and tests). */
  get watcher(): FSWatcher | undefined {
    return this.#watcher;
  }

  /** Resolves when no file events are pending. */
  settled(): Promise<void> {
    if (this.#pending.size === 0 && this.#timer === undefined) return Promise.resolve();
    return new Promise((resolve) => this.#settled.push(resolve));
  }

  #schedule(abs: string): void {
    this.#pending.add(abs);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const paths = [...this.#pending];
      this.#pending.clear();
      try {
        const read = this.#options.apply(paths);
        if (read.length) this.#recheckLater(read);
      } catch (e) {
        this.#options.logger.error(`reloading stubs failed: ${(e as Error).stack ?? e}`);
      }
      const waiters = this.#settled;
      this.#settled = [];
      for (const w of waiters) w();
    }, SETTLE_MS);
  }

  #recheckLater(files: string[]): void {
    if (this.#recheck) clearTimeout(this.#recheck);
    this.#recheck = setTimeout(() => {
      this.#recheck = undefined;
      for (const f of files) if (this.#options.changedSinceRead(f)) this.#schedule(f);
    }, RECHECK_MS);
    this.#recheck.unref();
  }

  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#recheck) clearTimeout(this.#recheck);
    this.#timer = undefined;
    for (const d of this.#dataWatchers) d.close();
    this.#dataWatchers = [];
    this.#volumeFolders.clear();
    const w = this.#watcher;
    this.#watcher = undefined;
    if (w) await w.close();
  }
}

/** The folders under `root` (itself included) that hold a `..data` entry: mounted ConfigMap or Secret volumes. */
function findVolumeFolders(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => e.name === '..data')) out.push(dir);
    if (depth >= 8) return;
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) walk(path.join(dir, e.name), depth + 1);
  };
  walk(root, 0);
  return out;
}
