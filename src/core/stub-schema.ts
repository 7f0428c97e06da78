/**
 * The JSON Schema of a stub definition, and a validator that reports every problem with a JSON
 * pointer and a sentence a person can act on. Operator-level checks (is this regex valid, is this a
 * known matcher) happen when the stub compiles; the schema catches shapes, types and unknown keys.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { valueAtPointer } from './errors.js';
import { compileStubSchema } from './stub-schema-compiler.js';

/** Keys that WireMock defines and that this version of Decoy accepts but does not act on yet. */
export const UNSUPPORTED_STUB_KEYS: readonly string[] = [];
export const UNSUPPORTED_REQUEST_KEYS: readonly string[] = [];
export const UNSUPPORTED_RESPONSE_KEYS: readonly string[] = [];

const listener = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, parameters: { type: 'object' } } };
const valuePattern = { type: ['string', 'object'] };
const patternMap = { type: 'object', additionalProperties: valuePattern };
const headerValue = { type: ['string', 'number', 'boolean'] };

const requestKeys = {
  method: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }] },
  url: { type: 'string' },
  urlPattern: { type: 'string' },
  urlPath: { type: 'string' },
  urlPathPattern: { type: 'string' },
  urlPathTemplate: { type: 'string' },
  path: { type: 'string', minLength: 1 },
  pathParameters: patternMap,
  headers: patternMap,
  queryParameters: patternMap,
  cookies: patternMap,
  formParameters: patternMap,
  basicAuthCredentials: {
    type: 'object',
    required: ['username', 'password'],
    properties: { username: { type: 'string' }, password: { type: 'string' } },
    additionalProperties: false,
  },
  bodyPatterns: { type: 'array', items: valuePattern },
  host: valuePattern,
  port: { anyOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'string', pattern: '^[0-9]+$' }] },
  scheme: { type: 'string', minLength: 1 },
  clientIp: valuePattern,
  // Checked key by key when the stub compiles (the GraphQL pattern's own messages name the bad key).
  graphql: { type: 'object' },
  customMatcher: { type: 'object', properties: { name: { type: 'string' }, parameters: { type: 'object' } } },
  multipartPatterns: {
    type: 'array',
    items: {
      type: 'object',
      properties: { name: { type: 'string' }, matchingType: { enum: ['ANY', 'ALL'] }, headers: patternMap, bodyPatterns: { type: 'array', items: valuePattern } },
      additionalProperties: false,
    },
  },
} as Record<string, unknown>;
for (const k of UNSUPPORTED_REQUEST_KEYS) requestKeys[k] = {};

const responseKeys = {
  status: { type: 'integer', minimum: 100, maximum: 599 },
  statusMessage: { type: 'string' },
  headers: { type: 'object', additionalProperties: { anyOf: [headerValue, { type: 'array', items: headerValue }] } },
  body: {},
  jsonBody: {},
  base64Body: { type: 'string' },
  bodyFileName: { type: 'string', minLength: 1 },
  schema: { type: ['object', 'boolean'] },
  graphql: { type: 'object' },
  fixedDelayMilliseconds: { type: 'integer', minimum: 0 },
  delayDistribution: { type: 'object' },
  chunkedDribbleDelay: { type: 'object' },
  fault: { enum: ['CONNECTION_RESET_BY_PEER', 'EMPTY_RESPONSE', 'MALFORMED_RESPONSE_CHUNK', 'RANDOM_DATA_THEN_CLOSE', 'HANG', 'STALL_BODY'] },
  bytesPerSecond: { type: 'integer', minimum: 1 },
  proxyBaseUrl: { type: 'string', minLength: 1 },
  additionalProxyRequestHeaders: { type: 'object', additionalProperties: headerValue },
  removeProxyRequestHeaders: { type: 'array', items: { type: 'string' } },
  proxyUrlPrefixToRemove: { type: 'string' },
  // WireMock's response transformers: `response-template` turns templating on; others are accepted and ignored.
  transformers: { type: 'array', items: { type: 'string' } },
  transformerParameters: { type: 'object' },
  // Decoy: server-sent events; checked when the stub compiles.
  stream: { type: 'object' },
  resource: { type: 'object' },
} as Record<string, unknown>;
for (const k of UNSUPPORTED_RESPONSE_KEYS) responseKeys[k] = {};

const stubKeys = {
  id: { type: 'string', minLength: 1 },
  uuid: { type: 'string', minLength: 1 },
  name: { type: 'string' },
  priority: { type: 'integer', minimum: 1 },
  persistent: { type: 'boolean' },
  insertionIndex: { type: 'integer' },
  request: { type: 'object', properties: requestKeys, additionalProperties: false },
  response: { type: 'object', properties: responseKeys, additionalProperties: false },
  responses: { type: 'array', minItems: 1, items: { type: 'object', properties: responseKeys, additionalProperties: false } },
  afterLastResponse: { enum: ['repeat', 'cycle'] },
  chaos: { type: 'array', items: { type: 'object' } },
  scenarioName: { type: 'string', minLength: 1 },
  requiredScenarioState: { type: 'string', minLength: 1 },
  newScenarioState: { type: 'string', minLength: 1 },
  metadata: { type: 'object' },
  // Webhooks: WireMock's listener lists (and WireMock 2's map by name), Decoy's list; the parameters are checked when the stub compiles.
  serveEventListeners: { type: 'array', items: listener },
  postServeActions: { anyOf: [{ type: 'array', items: listener }, { type: 'object', additionalProperties: { type: 'object' } }] },
  webhooks: { type: 'array', items: { type: 'object' } },
  // A hint for editors (`"$schema": "https://.../stub-mapping.json"`); WireMock skips it, and so does Decoy.
  $schema: { type: 'string' },
  requestSchema: {
    type: 'object',
    properties: {
      operation: { type: 'string' },
      parameters: { type: 'array', items: { type: 'object', required: ['in', 'name'], properties: { in: { enum: ['path', 'query', 'header'] }, name: { type: 'string', minLength: 1 }, required: { type: 'boolean' }, schema: { type: ['object', 'boolean'] }, delimiter: { type: 'string', minLength: 1 } }, additionalProperties: false } },
      body: { type: 'object', required: ['content'], properties: { required: { type: 'boolean' }, content: { type: 'object', additionalProperties: { type: ['object', 'boolean'] } } }, additionalProperties: false },
    },
    additionalProperties: false,
  },
} as Record<string, unknown>;
for (const k of UNSUPPORTED_STUB_KEYS) stubKeys[k] = {};

export const STUB_SCHEMA = {
  $id: 'https://decoy.dev/schemas/stub.json',
  type: 'object',
  required: ['request'],
  properties: stubKeys,
  additionalProperties: false,
};

export interface SchemaProblem {
  /** JSON pointer of the offending value (for an unknown key: of that key). */
  pointer: string;
  message: string;
  /** The problem is the key itself (an unknown key), not its value. */
  atKey?: boolean;
}

let compiled: ValidateFunction | undefined;

/** Validates one stub definition; returns every problem found, or an empty list. */
export function validateStubDefinition(definition: unknown): SchemaProblem[] {
  const validate = (compiled ??= compileStubSchema(STUB_SCHEMA));
  if (validate(definition)) return [];
  // Decoy: a templated response may spell its status as a template ("{{request.query.code}}").
  const errors = (validate.errors ?? []).filter((e) => !(e.keyword === 'type' && /^\/respons(?:e|es\/\d+)\/status$/.test(e.instancePath)
    && typeof valueAtPointer(definition, e.instancePath) === 'string' && String(valueAtPointer(definition, e.instancePath)).includes('{{')));
  return errors.length ? describeErrors(errors, definition) : [];
}

/** `/response/status` → `response.status`; the root is `stub`. */
function dotted(pointer: string): string {
  if (pointer === '') return 'stub';
  return pointer.split('/').slice(1).map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((t, i) => (/^\d+$/.test(t) ? `[${t}]` : (i === 0 ? t : `.${t}`))).join('');
}

function describeGot(v: unknown): string {
  if (v === undefined) return 'nothing';
  const json = JSON.stringify(v);
  return json.length > 60 ? json.slice(0, 57) + '...' : json;
}

/**
 * Validates a request pattern on its own (for verification, near misses and chaos rules); pointers
 * are relative to the pattern, prefixed with `base`.
 */
export function validateRequestPattern(pattern: unknown, base = ''): SchemaProblem[] {
  return validateStubDefinition({ request: pattern, response: {} })
    .filter((p) => p.pointer.startsWith('/request'))
    .map((p) => ({ ...p, pointer: base + p.pointer.slice('/request'.length), message: p.message.replace(/^request\b/, 'the request pattern') }));
}

/** Plain edit distance, for "did you mean" hints on misspelt keys. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** Suggests the closest of `candidates` to a misspelt `word`, if one is close enough. */
export function closestWord(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function describeErrors(errors: ErrorObject[], root: unknown): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let pointer = e.instancePath;
    let message: string;
    let atKey = false;
    const where = dotted(pointer);
    const got = describeGot(valueAtPointer(root, pointer));
    switch (e.keyword) {
      case 'additionalProperties': {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        const schemaPath = e.schemaPath.replace(/\/additionalProperties$/, '');
        const props = schemaPath === '#' ? stubKeys : schemaPath.includes('/properties/request') ? requestKeys : responseKeys;
        const valid = Object.keys(props);
        const guess = closestWord(key, valid);
        pointer = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        atKey = true;
        message = `${where} has an unknown key "${key}"` + (guess ? ` (did you mean "${guess}"?)` : '') + `; valid keys: ${valid.join(', ')}`;
        break;
      }
      case 'required':
        message = `${where} must have "${(e.params as { missingProperty: string }).missingProperty}"`;
        break;
      case 'type':
        message = `${where} must be ${articled(String((e.params as { type: string }).type))} (got ${got})`;
        break;
      case 'minimum':
      case 'maximum':
        message = `${where} must be ${e.keyword === 'minimum' ? '>=' : '<='} ${(e.params as { limit: number }).limit} (got ${got})`;
        break;
      case 'enum':
        message = `${where} must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')} (got ${got})`;
        break;
      case 'minLength':
        message = `${where} must not be empty`;
        break;
      case 'minItems':
        message = `${where} must have at least ${(e.params as { limit: number }).limit} item(s)`;
        break;
      case 'anyOf':
        message = `${where} has the wrong type (got ${got})`;
        break;
      default:
        message = `${where} ${e.message ?? 'is invalid'} (got ${got})`;
    }
    // anyOf reports every branch's failure; one sentence per place is enough.
    if (e.keyword !== 'anyOf' && e.schemaPath.includes('/anyOf/')) continue;
    if (seen.has(pointer + message)) continue;
    seen.add(pointer + message);
    out.push(atKey ? { pointer, message, atKey } : { pointer, message });
  }
  return out;
}

function articled(type: string): string {
  return type.split(',').map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)).join(' or ');
}
