/**
 * The one place ajv instances are made: `matchesJsonSchema` (matching/json-schema.ts), generated
 * bodies (response/schema-response.ts) and `requestSchema` (request-schema.ts) all validate with the
 * same formats, so a value is judged the same way wherever it is checked.
 *
 * Every instance knows ajv-formats' formats and OpenAPI's (`int32`, `int64`, `float`, `double`, `byte`,
 * `binary`, `password`) with their ranges; whether formats are asserted at all is the caller's choice
 * (WireMock treats them as annotations from draft 2019-09 on). Unknown formats pass: documents invent
 * their own.
 */
import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';
import type { Ajv2019 } from 'ajv/dist/2019.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';

/** The vocabulary: draft-07 (also used for drafts 4 and 6), 2019-09 or 2020-12. */
export type SchemaDraft = '07' | '2019' | '2020';

export interface SchemaAjvOptions {
  draft: SchemaDraft;
  /** Whether `format` is checked (true) or only an annotation (false). */
  validateFormats: boolean;
  /** Text in, typed values out ("5" is an integer): for parameters and form fields, which arrive as text. */
  coerceTypes?: boolean;
  /**
   * For many schemas that share registered definitions (an OpenAPI document's named schemas): each
   * definition compiled once and called, not inlined into every schema that uses it, and not checked
   * against the meta-schema (the caller has, or accepts a compile error instead).
   */
  sharedDefinitions?: boolean;
}

type AddFormats = (ajv: Ajv) => unknown;
interface AjvRuntime {
  Ajv: typeof Ajv;
  Ajv2019: typeof Ajv2019;
  Ajv2020: typeof Ajv2020;
  addFormats: AddFormats;
}
let loadedAjv: AjvRuntime | undefined;
/**
 * ajv and ajv-formats, loaded when the first schema is compiled: most stub sets have none, and start-up
 * should not pay for importing them. They are CommonJS, so a synchronous require keeps compiling a stub
 * synchronous.
 */
function ajvRuntime(): AjvRuntime {
  if (loadedAjv !== undefined) return loadedAjv;
  const load = createRequire(import.meta.url);
  const formats = load('ajv-formats') as { default?: AddFormats } & AddFormats;
  return (loadedAjv = {
    Ajv: (load('ajv') as { Ajv: typeof Ajv }).Ajv,
    Ajv2019: (load('ajv/dist/2019.js') as { Ajv2019: typeof Ajv2019 }).Ajv2019,
    Ajv2020: (load('ajv/dist/2020.js') as { Ajv2020: typeof Ajv2020 }).Ajv2020,
    addFormats: formats.default ?? formats,
  });
}

/**
 * OpenAPI's formats, which ajv-formats does not know. `int64` allows 2^63 itself: that is what
 * 9223372036854775807 becomes as a JavaScript number.
 */
const OPENAPI_FORMATS: Record<string, { type: 'number' | 'string'; validate: (v: never) => boolean }> = {
  int32: { type: 'number', validate: (v: number) => Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 },
  int64: { type: 'number', validate: (v: number) => Number.isInteger(v) && v >= -(2 ** 63) && v <= 2 ** 63 },
  float: { type: 'number', validate: (v: number) => Number.isFinite(v) },
  double: { type: 'number', validate: (v: number) => Number.isFinite(v) },
  byte: { type: 'string', validate: (v: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(v) },
  binary: { type: 'string', validate: () => true },
  password: { type: 'string', validate: () => true },
};

/** A new ajv instance (an instance costs ~10 ms: callers keep theirs). */
export function createSchemaAjv(options: SchemaAjvOptions): Ajv {
  const settings = {
    strict: false, allErrors: true, logger: false as const, validateFormats: options.validateFormats,
    ...(options.coerceTypes ? { coerceTypes: 'array' as const } : {}),
    ...(options.sharedDefinitions ? { inlineRefs: false, validateSchema: false } : {}),
  };
  const { Ajv, Ajv2019, Ajv2020, addFormats } = ajvRuntime();
  const ajv = options.draft === '2020' ? new Ajv2020(settings) : options.draft === '2019' ? new Ajv2019(settings) : new Ajv(settings);
  addFormats(ajv);
  for (const [name, f] of Object.entries(OPENAPI_FORMATS)) ajv.addFormat(name, { type: f.type, validate: f.validate } as never);
  return ajv as Ajv;
}
