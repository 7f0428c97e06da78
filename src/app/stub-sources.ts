/**
 * Where one service's file stubs come from: its stubs folder and its OpenAPI documents. Both land in the
 * engine's file stubs (a reset keeps them), the documents' first; both are watched for changes.
 */
import type { MockEngine } from '../core/engine.js';
import type { Stub } from '../core/stub.js';
import type { OpenApiDocuments } from '../sources/openapi-source.js';
import { StubFolder, type LoadReport } from '../sources/stub-folder.js';
import type { ServiceConfig } from './config.js';
import type { ContractChecker } from '../core/contract/check-stub.js';

export class StubSources {
  readonly #engine: MockEngine;
  readonly #config: ServiceConfig;
  readonly #onReloadProblems: (problems: number) => void;
  #folder: StubFolder | undefined;
  #documents: OpenApiDocuments | undefined;
  #openApiStubs: Stub[] = [];
  #contract: ContractChecker | undefined;

  constructor(engine: MockEngine, config: ServiceConfig, onReloadProblems: (problems: number) => void) {
    this.#engine = engine;
    this.#config = config;
    this.#onReloadProblems = onReloadProblems;
  }

  /** The stubs folder, when the service has one (saving, body files and static files need it). */
  get folder(): StubFolder | undefined {
    return this.#folder;
  }

  /** The contracts stubs are checked against (`--contract`), once loaded. */
  get contract(): ContractChecker | undefined {
    return this.#contract;
  }

  /**
   * Reads the OpenAPI documents, then the stubs folder (leaving out `exclude`, the folders of other
   * services). A document or folder that cannot be read throws; a bad stub file is only reported.
   */
  async load(exclude: string[]): Promise<LoadReport | undefined> {
    const { options, logger } = this.#config;
    if (options.openapi?.length) {
      // Loaded only when asked for: the OpenAPI parser is slow to import.
      const { OpenApiDocuments } = await import('../sources/openapi-source.js');
      this.#documents = new OpenApiDocuments({
        files: options.openapi, importOptions: { validateRequests: options.validateRequests ?? false },
        nextSequence: this.#engine.nextSequence, logger,
        onChange: (stubs) => {
          this.#openApiStubs = stubs;
          this.#apply(this.#folder?.stubs() ?? [], false);
        },
      });
      await this.#documents.load();
      this.#openApiStubs = this.#documents.stubs();
      this.#engine.setFileStubs(this.#openApiStubs);
    }
    if (options.contract?.length) {
      // Loaded only when asked for, before the stub files that are checked against it.
      const { loadContractChecker } = await import('../sources/contract-source.js');
      const loaded = await loadContractChecker(options.contract, { strict: options.contractStrict ?? false, warn: (m) => logger.warn(m) });
      for (const w of loaded.warnings) logger.warn(w);
      this.#contract = loaded.checker;
    }
    if (options.stubsDir === undefined) return undefined;
    this.#folder = new StubFolder({
      ...(this.#contract ? { contract: this.#contract } : {}),
      dir: options.stubsDir, logger, nextSequence: this.#engine.nextSequence, onChange: (stubs, saved) => this.#apply(stubs, saved), exclude,
      onReloadProblems: this.#onReloadProblems, ...(options.globalTemplating ? { globalTemplating: true } : {}),
    });
    return this.#folder.load();
  }

  /** The folder's stubs, after the documents', become the engine's file stubs. */
  #apply(stubs: Stub[], saved: boolean): void {
    const dropped = this.#engine.setFileStubs(this.#openApiStubs.length ? [...this.#openApiStubs, ...stubs] : stubs);
    if (saved) return;
    for (const d of dropped) {
      this.#config.logger.warn(`${d.file ?? 'a stub file'} changed on disk: the unsaved API ${d.kind} of stub ${d.id} is dropped; the file wins`);
    }
  }

  /** Follows changes to the files from now on (unless watching is off). */
  async watch(): Promise<void> {
    if (!this.#config.watch) return;
    await this.#folder?.watch();
    await this.#documents?.watch();
  }

  /** Resolves once pending file changes have been applied. */
  async settled(): Promise<void> {
    await this.#folder?.settled();
    await this.#documents?.settled();
  }

  async close(): Promise<void> {
    await this.#folder?.close();
    await this.#documents?.close();
  }
}
