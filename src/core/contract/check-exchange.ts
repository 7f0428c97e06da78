/**
 * A real exchange (a request and the answer it got, from a recording or the journal) checked against
 * API contracts: drift, the real API answering what its contract does not say, or a client sending
 * what it does not allow.
 */
import {
  documentedCodes, documentedMedia, documentedResponse, isJsonMediaType, operationsForPath, parameterProblem, schemaViolations,
  type Contract, type ContractOperation, type ContractViolation,
} from './contract.js';

export interface ContractExchange {
  method: string;
  /** Path and query, as sent. */
  url: string;
  requestHeaders?: Record<string, string | string[] | undefined>;
  requestBody?: string;
  status: number;
  responseHeaders?: Record<string, string | string[] | undefined>;
  responseBody?: string;
}

export function checkExchangeAgainstContract(ex: ContractExchange, contracts: Contract | readonly Contract[]): ContractViolation[] {
  const all = Array.isArray(contracts) ? contracts as readonly Contract[] : [contracts as Contract];
  const [rawPath, rawQuery] = ex.url.split('?', 2) as [string, string | undefined];
  const path = rawPath.replace(/^[a-z]+:\/\/[^/]+/i, '') || '/';
  let contract: Contract | undefined;
  let atPath: ContractOperation[] = [];
  for (const c of all) {
    atPath = operationsForPath(c, path);
    if (atPath.length) { contract = c; break; }
  }
  const names = all.map((c) => c.name).join(', ');
  if (!contract) return [{ rule: 'path', field: 'request.url', contract: names, message: `request path ${path} is not a path of the contract (no operation of ${names} has it)` }];
  // The most literal operation: `/pets/mine` before `/pets/{petId}`.
  const literal = (op: ContractOperation) => op.segments.filter((s) => 'literal' in s && !/\{/.test(s.literal)).length;
  const best = Math.max(...atPath.map(literal));
  const fitting = atPath.filter((op) => literal(op) === best);
  const op = fitting.find((o) => o.definition.method.toUpperCase() === ex.method.toUpperCase()) ?? atPath.find((o) => o.definition.method.toUpperCase() === ex.method.toUpperCase());
  if (!op) {
    return [{ rule: 'method', field: 'request.method', contract: contract.name, message: `request.method ${ex.method.toUpperCase()} is not documented for ${fitting[0]!.definition.path} (documented: ${[...new Set(atPath.map((o) => o.definition.method.toUpperCase()))].join(', ')})` }];
  }
  const base = { contract: contract.name, operation: op.label };
  const out: ContractViolation[] = [];
  const query = new URLSearchParams(rawQuery ?? '');
  const pathValues = path.split('/').filter((s, i) => i > 0 || s !== '');
  for (const p of op.definition.parameters) {
    let value: string | undefined;
    if (p.in === 'query') value = query.get(p.name) ?? undefined;
    else if (p.in === 'header') value = header(ex.requestHeaders, p.name);
    else {
      const i = op.segments.findIndex((s) => 'param' in s && s.param === p.name);
      value = i >= 0 ? safeDecode(pathValues[i] ?? '') : undefined;
    }
    const field = p.in === 'path' ? 'request.url' : p.in === 'query' ? `request.query.${p.name}` : `request.headers.${p.name}`;
    if (value === undefined) {
      if (p.required) out.push({ ...base, rule: 'request-parameter', field, message: `${p.in} parameter ${p.name} is required by ${op.label}, and the request has none` });
      continue;
    }
    const problem = parameterProblem(contract, p.schema, value);
    if (problem) out.push({ ...base, rule: 'request-parameter', field, message: `${p.in} parameter ${p.name} ${problem}` });
  }
  const body = op.definition.requestBody;
  if (body) {
    const type = header(ex.requestHeaders, 'content-type');
    if (!ex.requestBody) {
      if (body.required) out.push({ ...base, rule: 'request-body', field: 'request.body', message: `${op.label} requires a request body, and the request has none` });
    } else if (type !== undefined) {
      const media = documentedMedia(Object.entries(body.content).map(([t, schema]) => ({ type: t, schema })), type);
      if (!media) out.push({ ...base, rule: 'request-body', field: 'request.headers.Content-Type', message: `request Content-Type ${type} is not one ${op.label} accepts (documented: ${Object.keys(body.content).join(', ')})` });
      else if (isJsonMediaType(type) && media.schema !== undefined && media.schema !== true) {
        const value = parseJson(ex.requestBody);
        if (value === undefined) out.push({ ...base, rule: 'request-body', field: 'request.body', message: `request.body is not JSON, but its Content-Type is ${type}` });
        else {
          const errors = contract.schema(media.schema)?.validate(value.value);
          if (errors) out.push(...schemaViolations(errors, 'request.body', 'request.body', base, 'request-body'));
        }
      }
    }
  }
  const documented = documentedResponse(op.definition, ex.status);
  if (!documented) {
    out.push({ ...base, rule: 'status', field: 'response.status', message: `response.status ${ex.status} is not a documented response of ${op.label} (documented: ${documentedCodes(op.definition)})` });
    return out;
  }
  if (!ex.responseBody || documented.media.length === 0) return out;
  // A journal logs a stub's own headers only: a JSON body without a Content-Type is read as JSON.
  const type = header(ex.responseHeaders, 'content-type') ?? (parseJson(ex.responseBody) ? 'application/json' : 'application/octet-stream');
  const media = documentedMedia(documented.media, type);
  if (!media) {
    out.push({ ...base, rule: 'media-type', field: 'response.headers.Content-Type', message: `response Content-Type ${type} is not documented for response ${documented.code} of ${op.label} (documented: ${documented.media.map((m) => m.type).join(', ')})` });
    return out;
  }
  if (isJsonMediaType(type) && media.schema !== undefined) {
    const value = parseJson(ex.responseBody);
    if (value === undefined) out.push({ ...base, rule: 'response-body', field: 'response.body', message: `response.body is not JSON, but its Content-Type is ${type}` });
    else {
      const errors = contract.schema(media.schema)?.validate(value.value);
      if (errors) out.push(...schemaViolations(errors, 'response.body', 'response.body', base));
    }
  }
  return out;
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

function header(headers: ContractExchange['requestHeaders'], name: string): string | undefined {
  if (!headers) return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name.toLowerCase() && v !== undefined) return Array.isArray(v) ? v[0] : v;
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
