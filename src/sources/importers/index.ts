/**
 * The importers, by kind: each turns another format (an OpenAPI document, a HAR file, a Pact contract) into ordinary stub
 * definitions. Loaded on demand: an importer's libraries cost start-up only when it is used.
 */
import type { ImportResult } from './import-result.js';

export type { ImportResult } from './import-result.js';

export type Importer = (files: string[], options?: Record<string, unknown>) => Promise<ImportResult>;

export const IMPORTERS: Record<string, () => Promise<Importer>> = {
  openapi: async () => (await import('./openapi.js')).importOpenApi as Importer,
  har: async () => (await import('./har.js')).importHar as Importer,
  pact: async () => (await import('./pact.js')).importPact as Importer,
};

/** The importer for a kind; throws with the list of kinds when there is none. */
export async function importerFor(kind: string): Promise<Importer> {
  const load = Object.hasOwn(IMPORTERS, kind) ? IMPORTERS[kind] : undefined;
  if (!load) throw new Error(`unknown import kind ${JSON.stringify(kind)}; one of: ${Object.keys(IMPORTERS).join(', ')}`);
  return load();
}
