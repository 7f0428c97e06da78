/**
 * JSON Schema validation for `matchesJsonSchema`, on ajv 8 with ajv-formats.
 *
 * One ajv instance per draft, created on first use (an instance costs ~10 ms; a compile ~2 ms).
 * Each compiled schema is removed from its instance's registry right away, so reloading stubs does
 * not accumulate schemas and two stubs may use the same `$id`. The draft is chosen by the schema's
 * own `$schema`, else by WireMock's `schemaVersion`, else 2020-12 (WireMock's default).
 * As in WireMock (networknt), `format` is asserted for drafts 4 to 7 and only an annotation for
 * 2019-09 and 2020-12, as those drafts specify.
 * Draft 4 and 6 schemas are validated with the draft-07 vocabulary, which reads them the same way
 * except for draft 4's boolean `exclusiveMinimum` / `exclusiveMaximum`.
 */
import type { Ajv, AnySchema, ValidateFunction } from 'ajv';
import { createSchemaAjv, type SchemaDraft } from '../schema-ajv.js';

/** WireMock's JsonSchemaVersion values. */
export const JSON_SCHEMA_VERSIONS = ['V4', 'V6', 'V7', 'V201909', 'V202012'] as const;

type Draft = SchemaDraft;

export interface JsonSchemaValidator {
  /** The number of validation errors (0 = valid). */
  errors(value: unknown): number;
  /** How many properties the schema declares, for the near-miss distance (WireMock's measure). */
  readonly propertyCount: number;
}

const instances = new Map<Draft, Ajv>();

function instanceFor(draft: Draft): Ajv {
  let ajv = instances.get(draft);
  if (ajv === undefined) {
    // Like WireMock's validator: formats are assertions up to draft 7, annotations from 2019-09 on.
    ajv = createSchemaAjv({ draft, validateFormats: draft === '07' });
    instances.set(draft, ajv);
  }
  return ajv;
}

function draftOf(schema: unknown, version: string | undefined): Draft {
  const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (typeof declared === 'string') {
    if (declared.includes('2020-12')) return '2020';
    if (declared.includes('2019-09')) return '2019';
    if (/draft-0[467]/.test(declared)) return '07';
  }
  if (version === 'V4' || version === 'V6' || version === 'V7') return '07';
  if (version === 'V201909') return '2019';
  return '2020';
}

function countProperties(schema: unknown): number {
  if (typeof schema !== 'object' || schema === null) return 0;
  let count = 0;
  const properties = (schema as { properties?: unknown }).properties;
  if (typeof properties === 'object' && properties !== null) {
    for (const child of Object.values(properties)) count += 1 + countProperties(child);
  }
  const items = (schema as { items?: unknown }).items;
  if (typeof items === 'object' && items !== null) count += countProperties(items);
  return count;
}

/** Compiles a schema (throws with ajv's message when the schema itself is invalid). */
export function compileJsonSchema(schema: unknown, version: string | undefined): JsonSchemaValidator {
  const draft = draftOf(schema, version);
  const ajv = instanceFor(draft);
  let compiled = schema;
  const declared = typeof schema === 'object' && schema !== null ? (schema as { $schema?: unknown }).$schema : undefined;
  if (typeof declared === 'string' && /draft-0[46]/.test(declared)) {
    // ajv ships no draft-04/06 meta-schemas; validate with draft-07's, which reads them the same way.
    const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
    compiled = rest;
  }
  const validate: ValidateFunction = ajv.compile(compiled as AnySchema);
  ajv.removeSchema(compiled as AnySchema);
  return {
    propertyCount: countProperties(schema),
    // Hot path: ajv's generated validator; errors are only counted.
    errors(value: unknown): number {
      return validate(value) ? 0 : Math.max(1, validate.errors?.length ?? 1);
    },
  };
}
