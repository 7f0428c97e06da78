import type { StubDefinition } from '../../core/stub-definition.js';

/** What an importer makes of its input: ordinary stub definitions, and what it could not carry over. */
export interface ImportResult {
  stubs: StubDefinition[];
  warnings: string[];
}
