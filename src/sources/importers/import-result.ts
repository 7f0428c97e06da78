import type { StubDefinition } from '../../core/stub-definition.js';

/** What an importer (OpenAPI, HAR, Pact, ...) produces: ordinary stub definitions, and what it could not carry over. */
export interface ImportResult {
  stubs: StubDefinition[];
  warnings: string[];
  /** What else the user should know (a HAR import's redaction report). */
  notes?: string[];
}
