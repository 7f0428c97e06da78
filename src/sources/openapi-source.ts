/**
 * OpenAPI documents served as stubs (`--openapi FILE`, `POST /__admin/decoy/openapi`): imported into
 * stub definitions, then compiled like any stub. A stub that does not compile is reported with the
 * document and operation and left out; the document's other operations are served.
 *
 * Documents given at start-up are watched like stub files: a change to the document or to a file it
 * references re-imports it, and a version that cannot be read is reported while the previous one
 * keeps serving.
 */
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { DecoyError, isDecoyError } from '../core/errors.js';
import { schemaGeneratorReady } from '../core/response/schema-response.js';
import { compileStub, type Stub } from '../core/stub.js';
import type { StubDefinition } from '../core/stub-definition.js';
import type { Logger } from '../observability/logger.js';
import { importOpenApiDocument, type OpenApiImportOptions } from './importers/openapi.js';

/** Compiles imported definitions; `document` names where they came from in messages and origins. */
export async function compileImported(defs: StubDefinition[], document: string, nextSequence: () => number): Promise<{ stubs: Stub[]; errors: DecoyError[] }> {
  const stubs: Stub[] = [];
  const errors: DecoyError[] = [];
  for (const def of defs) {
    try {
      stubs.push(compileStub(def, { sequence: nextSequence(), origin: { file: document } }));
    } catch (e) {
      if (!isDecoyError(e)) throw e;
      e.message = `operation ${def.name ?? def.id}: ${e.message}`;
      e.source = { ...e.source, file: document };
      errors.push(e);
    }
  }
  // Generated bodies serve once their generator is loaded.
  await schemaGeneratorReady();
  return { stubs, errors };
}

/** How long after a document is imported its check against the OpenAPI specification runs. */
const CONFORMANCE_DELAY_MS = 5000;

/** How long to gather file events before re-importing (an editor's save is often several events). */
const SETTLE_MS = 50;

interface LoadedDocument {
  stubs: Stub[];
  files: string[];
}

export class OpenApiDocuments {
  readonly #files: string[];
  readonly #options: OpenApiImportOptions;
  readonly #nextSequence: () => number;
  readonly #logger: Logger;
  readonly #onChange: (stubs: Stub[]) => void;
  readonly #loaded = new Map<string, LoadedDocument>();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  readonly #pending = new Set<string>();
  #reloading: Promise<void> = Promise.resolve();
  /** Set by close(): a reload still running finishes without reporting. */
  #closed = false;

  constructor(options: { files: string[]; importOptions: OpenApiImportOptions; nextSequence: () => number; logger: Logger; onChange: (stubs: Stub[]) => void }) {
    this.#files = options.files;
    this.#options = options.importOptions;
    this.#nextSequence = options.nextSequence;
    this.#logger = options.logger;
    this.#onChange = options.onChange;
  }

  /** Every document's stubs, in the order the documents were given. */
  stubs(): Stub[] {
    return this.#files.flatMap((f) => this.#loaded.get(f)?.stubs ?? []);
  }

  async #import(file: string): Promise<LoadedDocument> {
    const imported = await importOpenApiDocument(file, { ...this.#options, documentName: file, deferConformance: true });
    for (const w of imported.warnings) this.#logger.warn(w);
    // Checked once the server is up, not before: it takes seconds on a large document and changes
    // nothing that is served (the delay keeps it off start-up's own work).
    const check = imported.conformance;
    if (check) {
      setTimeout(() => {
        if (this.#closed) return;
        void check().then((problem) => { if (problem && !this.#closed) this.#logger.warn(problem); });
      }, CONFORMANCE_DELAY_MS).unref();
    }
    const { stubs, errors } = await compileImported(imported.stubs, file, this.#nextSequence);
    for (const e of errors) this.#logger.error(e.format());
    return { stubs, files: imported.files.length ? imported.files : [path.resolve(file)] };
  }

  /** Imports every document; one that cannot be read throws (a start-up error). */
  async load(): Promise<void> {
    for (const file of this.#files) {
      const doc = await this.#import(file);
      this.#loaded.set(file, doc);
      this.#logger.info(`${file}: ${doc.stubs.length} stub(s) from the OpenAPI document`);
    }
  }

  /** Watches every file the documents are made of; resolves once the watcher is ready. */
  async watch(): Promise<void> {
    if (this.#watcher) return;
    const watcher = watch(this.#watchedFiles(), { ignoreInitial: true, atomic: false });
    this.#watcher = watcher;
    const onEvent = (p: string) => {
      if (this.#closed) return;
      this.#pending.add(path.resolve(p));
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#reloading = this.#reloading.then(() => this.#reload());
      }, SETTLE_MS);
    };
    watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent);
    watcher.on('error', (e) => this.#logger.error(`watching OpenAPI documents failed: ${(e as Error).message}; they stay as they are`));
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  #watchedFiles(): string[] {
    return [...new Set([...this.#loaded.values()].flatMap((d) => d.files))];
  }

  async #reload(): Promise<void> {
    const changed = [...this.#pending];
    this.#pending.clear();
    let any = false;
    for (const file of this.#files) {
      if (this.#closed) return;
      const doc = this.#loaded.get(file);
      if (!doc || !doc.files.some((f) => changed.includes(f))) continue;
      try {
        const next = await this.#import(file);
        this.#loaded.set(file, next);
        any = true;
        this.#logger.info(`${file} reloaded (${next.stubs.length} stub(s))`);
        // A document may now reference other files.
        this.#watcher?.add(next.files.filter((f) => !doc.files.includes(f)));
      } catch (e) {
        this.#logger.error(`${isDecoyError(e) ? e.format() : (e as Error).message}; still serving its previous ${doc.stubs.length} stub(s)`);
      }
    }
    if (any && !this.#closed) this.#onChange(this.stubs());
  }

  /** Resolves once pending changes have been applied (for tests). */
  async settled(): Promise<void> {
    while (this.#timer !== undefined || this.#pending.size > 0) await new Promise((r) => setTimeout(r, SETTLE_MS));
    await this.#reloading;
  }

  /** Stops watching; resolves once a reload in progress has finished (it reports nothing after this). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
    await this.#watcher?.close();
    await this.#reloading;
  }
}
