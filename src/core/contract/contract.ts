/**
 * An API contract (an OpenAPI document, read by the OpenAPI importer into plain data) and what a stub
 * or a real exchange must do to keep it (issue 20: mocks that never lie about the contract).
 *
 * The document comes in as a `ContractDefinition`: per operation its method, its full path (base path
 * included, `{param}` syntax), its responses with their media types and JSON Schemas (2020-12, as the
 * importer converts them) and its parameters. `compileContract()` turns each path into a matcher once;
 * schemas are compiled on first use by the same compiler as generated bodies.
 */
import type { ErrorObject } from 'ajv';
import { compileSchema, type CompiledSchema } from '../response/schema-response.js';

/** One operation of a contract, as data. */
export interface ContractOperationDefinition {
  method: string;
  /** The path as the document writes it (`/pets/{petId}`), for messages. */
  path: string;
  /** The path a request has: the base path (first server's path, Swagger's basePath) then `path`. */
  fullPath: string;
  operationId?: string;
  /** Documented responses by code (`200`, `4XX`, `default`), each with its media types and schemas. */
  responses: Array<{ code: string; media: Array<{ type: string; schema?: unknown }> }>;
  parameters: Array<{ in: 'path' | 'query' | 'header'; name: string; required: boolean; schema?: unknown }>;
  requestBody?: { required: boolean; content: Record<string, unknown> };
}

export interface ContractDefinition {
  /** How the document is named in messages (its file as given). */
  name: string;
  operations: ContractOperationDefinition[];
}

export interface ContractOperation {
  readonly definition: ContractOperationDefinition;
  /** `GET /pets/{petId} (showPetById)`. */
  readonly label: string;
  /** The full path's segments: a literal, or a parameter's name. */
  readonly segments: ReadonlyArray<{ literal: string } | { param: string }>;
  /** The full path as a regex over a request's path. */
  readonly regex: RegExp;
}

export interface Contract {
  readonly name: string;
  readonly operations: readonly ContractOperation[];
  /** A compiled schema of the contract (by its text: operations share them). */
  schema(schema: unknown): CompiledSchema | undefined;
}

/** The checks, by name (what a violation's `rule` says). */
export type ContractRule = 'path' | 'method' | 'status' | 'media-type' | 'response-body' | 'request-parameter' | 'request-body';

export interface ContractViolation {
  rule: ContractRule;
  /** Where in the stub (`response.jsonBody/items/0/id`, `request.queryParameters.limit`) or the exchange. */
  field: string;
  /** One sentence naming the field, what the contract says (the schema rule) and what was found. */
  message: string;
  /** The operation checked against, when one was found. */
  operation?: string;
  /** The contract's name (its file). */
  contract: string;
}

export function compileContract(definition: ContractDefinition): Contract {
  const schemas = new Map<string, CompiledSchema | undefined>();
  return {
    name: definition.name,
    operations: definition.operations.map((op) => {
      const segments = splitPath(op.fullPath).map((s) => {
        const m = /^\{([^{}]+)\}$/.exec(s);
        return m ? { param: m[1]!.replace(/^[+#./;?&]/, '') } : { literal: s };
      });
      // A segment with a parameter inside (`{name}.{ext}`) is matched by a regex per segment.
      const source = splitPath(op.fullPath).map((s) => s.split(/(\{[^{}]+\})/).map((part) => (/^\{[^{}]+\}$/.test(part) ? '[^/]+' : escapeRegex(part))).join('')).join('/');
      return {
        definition: op,
        label: `${op.method.toUpperCase()} ${op.path}${op.operationId ? ` (${op.operationId})` : ''}`,
        segments,
        regex: new RegExp(`^/${source}/?$`),
      };
    }),
    schema(schema) {
      if (schema === undefined) return undefined;
      const key = JSON.stringify(schema);
      if (!schemas.has(key)) {
        let compiled: CompiledSchema | undefined;
        try {
          compiled = compileSchema(schema, '/schema');
        } catch {
          // A schema the importer could not make valid is not checked (the import reported it).
          compiled = undefined;
        }
        schemas.set(key, compiled);
      }
      return schemas.get(key);
    },
  };
}

export function splitPath(p: string): string[] {
  return p.split('/').filter((s, i, all) => s !== '' || (i > 0 && i < all.length - 1));
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The operations whose path a concrete request path (no query) is. */
export function operationsForPath(contract: Contract, requestPath: string): ContractOperation[] {
  let decoded = requestPath;
  try {
    decoded = decodeURI(requestPath);
  } catch {
    // Keep it as sent.
  }
  return contract.operations.filter((op) => op.regex.test(decoded) || op.regex.test(requestPath));
}

/** The documented response for a status: the exact code, its range (`4XX`), else `default`. */
export function documentedResponse(op: ContractOperationDefinition, status: number): ContractOperationDefinition['responses'][number] | undefined {
  const byCode = (c: string) => op.responses.find((r) => r.code.toUpperCase() === c);
  return byCode(String(status)) ?? byCode(`${String(status)[0]}XX`) ?? byCode('DEFAULT');
}

export function documentedCodes(op: ContractOperationDefinition): string {
  return op.responses.map((r) => r.code).join(', ') || 'none';
}

/** The documented media type a Content-Type falls under (exact, then `type/*`, then `*\/*`). */
export function documentedMedia(media: Array<{ type: string; schema?: unknown }>, contentType: string): { type: string; schema?: unknown } | undefined {
  const t = contentType.split(';')[0]!.trim().toLowerCase();
  return media.find((m) => m.type.toLowerCase() === t)
    ?? media.find((m) => m.type.toLowerCase() === `${t.split('/')[0]}/*`)
    ?? media.find((m) => m.type === '*/*');
}

export function isJsonMediaType(t: string): boolean {
  return /^application\/(?:[\w.+-]*\+)?json\b|[/+]json\b/i.test(t);
}

/** Violations for a body that breaks a schema: one per error (a few at most), naming the field and the schema rule. */
export function schemaViolations(errors: ErrorObject[], field: string, subject: string, base: Omit<ContractViolation, 'field' | 'message' | 'rule'>, rule: ContractRule = 'response-body'): ContractViolation[] {
  return errors.slice(0, 5).map((e) => {
    const at = e.instancePath;
    return {
      ...base,
      rule,
      field: `${field}${at}`,
      message: `${subject}${at ? ` at ${at}` : ''} ${e.message ?? 'is invalid'} (schema rule ${e.keyword} at ${e.schemaPath})`,
    };
  });
}

/** A parameter's value (text on the wire) as its schema's type would read it. */
export function parameterValue(value: string, schema: unknown): unknown {
  const type = typeof schema === 'object' && schema !== null ? (schema as { type?: unknown }).type : undefined;
  const types = Array.isArray(type) ? type : [type];
  if ((types.includes('integer') || types.includes('number')) && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  if (types.includes('array')) return value.split(',');
  return value;
}

/** Why a parameter value breaks its schema, or undefined. */
export function parameterProblem(contract: Contract, schema: unknown, value: string): string | undefined {
  const compiled = contract.schema(schema);
  if (!compiled) return undefined;
  const e = compiled.validate(parameterValue(value, schema))?.[0];
  return e ? `${JSON.stringify(value)} ${e.message ?? 'is invalid'} (schema rule ${e.keyword})` : undefined;
}
