/**
 * Decoy's `requestSchema`: what a request to a stub must look like (path, query and header
 * parameters, body), written as in OpenAPI. The OpenAPI importer writes it when requests are to be
 * validated; a request the stub matched but that breaks it is answered 400 with a JSON list of every
 * violation instead of the stub's response.
 *
 * The check runs only for stubs that have one (it is part of their response), so other stubs pay
 * nothing. Everything is compiled at load: one ajv validator per parameter and per body media type.
 * Parameters arrive as text, so they are validated with type coercion ("5" is an integer); bodies
 * are validated as sent.
 */
import type { Ajv, AnySchema, ErrorObject, ValidateFunction } from 'ajv';
import { DecoyError, joinPointer, valueAtPointer } from './errors.js';
import type { WireResponse } from './response/wire-response.js';
import type { DecoyRequest } from './request.js';
import { compileSchema } from './response/schema-response.js';
import { createSchemaAjv } from './schema-ajv.js';

export interface RequestParameterDefinition {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: unknown;
  /** For an array written in one value (`?ids=1,2,3`): the separator. */
  delimiter?: string;
}

export interface RequestSchemaDefinition {
  /** How the operation is named in the 400 answer (e.g. `GET /pets/{petId} (showPetById)`). */
  operation?: string;
  parameters?: RequestParameterDefinition[];
  /** The body: whether one is required, and a schema per media type (`true`: anything). */
  body?: { required?: boolean; content: Record<string, unknown> };
}

/** One way a request breaks its schema. */
export interface Violation {
  in: 'path' | 'query' | 'header' | 'body';
  /** The parameter's name (for path, query and header). */
  name?: string;
  /** JSON pointer inside the value (`/tags/0/name`); '' for the value itself. */
  pointer: string;
  message: string;
  expected?: unknown;
  got?: unknown;
}

export interface RequestSchema {
  /** The violations of a request (empty when it is valid). */
  check(req: DecoyRequest, pathParams: Record<string, string>): Violation[];
  /** The 400 answer for violations. */
  answer(violations: Violation[]): WireResponse;
}

let coercing: Ajv | undefined;

/** Parameters are text: "5" must pass as an integer, "a" as an array of one. Formats as for bodies. */
function coercingAjv(): Ajv {
  return (coercing ??= createSchemaAjv({ draft: '2020', validateFormats: true, coerceTypes: true }));
}

function describe(v: unknown): unknown {
  if (typeof v === 'string' && v.length > 100) return v.slice(0, 97) + '...';
  return v;
}

export function violationsOf(errors: ErrorObject[], where: Violation['in'], name: string | undefined, value: unknown, strip = ''): Violation[] {
  return errors.filter((e) => !(e.keyword === 'anyOf' || e.keyword === 'oneOf') || errors.length === 1).map((e) => {
    const pointer = e.instancePath.startsWith(strip) ? e.instancePath.slice(strip.length) : e.instancePath;
    const got = valueAtPointer(value, e.instancePath);
    const expected = e.keyword === 'type' ? (e.params as { type: unknown }).type
      : e.keyword === 'enum' ? (e.params as { allowedValues: unknown }).allowedValues
        : e.keyword === 'required' ? `property ${(e.params as { missingProperty: string }).missingProperty}`
          : e.keyword === 'additionalProperties' ? `no property ${(e.params as { additionalProperty: string }).additionalProperty}`
            : e.message;
    return {
      in: where, ...(name !== undefined ? { name } : {}), pointer,
      message: `${name !== undefined ? `${where} parameter ${name}` : 'body'}${pointer ? ` at ${pointer}` : ''} ${e.message ?? 'is invalid'}`,
      expected, got: describe(got),
    };
  });
}

function mediaMatches(declared: string, actual: string): boolean {
  const [dt, ds] = declared.toLowerCase().split(';')[0]!.trim().split('/');
  const [at, as] = actual.toLowerCase().split(';')[0]!.trim().split('/');
  return (dt === '*' || dt === at) && (ds === '*' || ds === as);
}

/** Compiles a stub's `requestSchema` written at `pointer`; a bad schema is a load error there. */
export function compileRequestSchema(def: RequestSchemaDefinition, pointer: string): RequestSchema {
  const ajv = coercingAjv();
  const params = (def.parameters ?? []).map((p, i) => {
    const at = joinPointer(pointer, 'parameters', i);
    if (!['path', 'query', 'header'].includes(p.in) || typeof p.name !== 'string') {
      throw new DecoyError('DECOY_ERR_STUB_INVALID', `requestSchema.parameters[${i}] needs "in" (path, query or header) and a "name"`, { source: { pointer: at } });
    }
    const schema = p.schema ?? {};
    compileSchema(schema, joinPointer(at, 'schema'));
    const isArray = typeof schema === 'object' && schema !== null && (schema as { type?: unknown }).type === 'array';
    let validate: ValidateFunction;
    try {
      const holder = { type: 'object', properties: { v: schema } } as AnySchema;
      validate = ajv.compile(holder);
      // Not kept in ajv's cache: reloads would pile up compiled schemas.
      ajv.removeSchema(holder);
    } catch (e) {
      throw new DecoyError('DECOY_ERR_SCHEMA_INVALID', `requestSchema.parameters[${i}].schema does not compile: ${(e as Error).message}`, { source: { pointer: joinPointer(at, 'schema') } });
    }
    return { ...p, isArray, validate, lower: p.name.toLowerCase() };
  });
  const body = def.body === undefined ? undefined : {
    required: def.body.required === true,
    content: Object.entries(def.body.content ?? {}).map(([type, schema]) => {
      const at = joinPointer(pointer, 'body', 'content', type);
      const compiled = schema === true ? undefined : compileSchema(schema, at);
      // Form fields are text, like parameters: validated with coercion.
      const form = compiled && /x-www-form-urlencoded/i.test(type) ? ajv.compile(schema as AnySchema) : undefined;
      if (form) ajv.removeSchema(schema as AnySchema);
      return { type, compiled, form };
    }),
  };

  return {
    check(req, pathParams) {
      const out: Violation[] = [];
      for (const p of params) {
        let values: string[] | undefined;
        if (p.in === 'path') values = pathParams[p.name] === undefined ? undefined : [pathParams[p.name]!];
        else if (p.in === 'query') values = req.query.get(p.name);
        else values = req.header(p.lower);
        if (values === undefined || values.length === 0) {
          if (p.required) out.push({ in: p.in, name: p.name, pointer: '', message: `${p.in} parameter ${p.name} is required`, expected: 'present', got: null });
          continue;
        }
        if (p.isArray && p.delimiter !== undefined) values = values.flatMap((v) => v.split(p.delimiter!));
        const holder = { v: p.isArray || values.length > 1 ? [...values] : values[0] };
        // What the client sent, for the answer: ajv converts the holder's text in place.
        const sent = { v: Array.isArray(holder.v) ? [...holder.v] : holder.v };
        if (!p.validate(holder)) for (const v of violationsOf(p.validate.errors ?? [], p.in, p.name, sent, '/v')) out.push(v);
      }
      if (body) {
        const type = req.header('content-type')?.[0];
        if (req.body.length === 0) {
          if (body.required) out.push({ in: 'body', pointer: '', message: 'a request body is required', expected: body.content.map((c) => c.type), got: null });
        } else if (body.content.length) {
          const media = type === undefined ? undefined : body.content.find((c) => mediaMatches(c.type, type));
          if (!media) {
            out.push({ in: 'header', name: 'Content-Type', pointer: '', message: `Content-Type must be one of ${body.content.map((c) => c.type).join(', ')}`, expected: body.content.map((c) => c.type), got: type ?? null });
          } else if (media.compiled) {
            let value: unknown;
            let parsed = true;
            if (/[/+]json\b/i.test(media.type) || /[/+]json\b/i.test(type ?? '')) {
              try { value = JSON.parse(req.body.toString('utf8')); } catch (e) {
                parsed = false;
                out.push({ in: 'body', pointer: '', message: `body is not valid JSON: ${(e as Error).message}`, expected: 'JSON', got: describe(req.body.toString('utf8')) });
              }
            } else if (/x-www-form-urlencoded/i.test(media.type)) {
              value = Object.fromEntries([...req.formParameters].map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
            } else {
              parsed = false; // XML, multipart, binary: the schema is not checked
            }
            if (parsed) {
              const errors = media.form ? (media.form(value) ? undefined : media.form.errors ?? []) : media.compiled.validate(value);
              if (errors) for (const v of violationsOf(errors, 'body', undefined, value)) out.push(v);
            }
          }
        }
      }
      return out;
    },
    answer(violations) {
      const body = Buffer.from(JSON.stringify({
        error: 'the request does not match the API description',
        ...(def.operation ? { operation: def.operation } : {}),
        violations,
      }, null, 2) + '\n', 'utf8');
      return { status: 400, headers: ['Content-Type', 'application/json', 'Content-Length', String(body.length)], body };
    },
  };
}
