/**
 * Turns the stub schema into its validator. Compiling it with ajv (and importing ajv) takes about a
 * tenth of a second, which a server that must be ready in 200 ms cannot spend at every start: the CLI
 * bundle replaces this module with the validator ajv generates from the same schema and the same
 * options when the bundle is built (ajv's standalone code), so only the library and the tests compile
 * it here, on the first stub validated.
 */
import { createRequire } from 'node:module';
import type { Ajv, Options, ValidateFunction } from 'ajv';

/** The options the stub schema is compiled with, here and in the bundle's generated validator. */
export const STUB_SCHEMA_AJV_OPTIONS: Options = { allErrors: true, strict: false };

export function compileStubSchema(schema: object): ValidateFunction {
  const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as { Ajv: typeof Ajv };
  return new AjvClass(STUB_SCHEMA_AJV_OPTIONS).compile(schema);
}
