/**
 * OpenAPI documents served as stubs (`--openapi FILE`, `POST /__admin/decoy/openapi`): imported into
 * stub definitions, then compiled like any stub. A stub that does not compile is reported with the
 * document and operation and left out; the document's other operations are served.
 */
import { DecoyError, isDecoyError } from '../core/errors.js';
import { schemaGeneratorReady } from '../core/response/schema-response.js';
import { compileStub, type Stub } from '../core/stub.js';
import type { StubDefinition } from '../core/stub-definition.js';
import { importOpenApiDocument, type OpenApiImportOptions } from './importers/openapi.js';

export interface OpenApiStubs {
  stubs: Stub[];
  warnings: string[];
  errors: DecoyError[];
}

/** Compiles imported definitions; `document` names where they came from in messages and origins. */
export async function compileImported(defs: StubDefinition[], document: string, nextSequence: () => number): Promise<Omit<OpenApiStubs, 'warnings'>> {
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

/** Reads, imports and compiles each document file; a document that cannot be read at all throws. */
export async function loadOpenApiFiles(files: string[], options: OpenApiImportOptions, nextSequence: () => number): Promise<OpenApiStubs> {
  const out: OpenApiStubs = { stubs: [], warnings: [], errors: [] };
  for (const file of files) {
    const imported = await importOpenApiDocument(file, { ...options, documentName: file });
    const compiled = await compileImported(imported.stubs, file, nextSequence);
    out.stubs.push(...compiled.stubs);
    out.errors.push(...compiled.errors);
    out.warnings.push(...imported.warnings);
  }
  return out;
}
