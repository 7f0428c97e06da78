import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Decoy, StubDefinition } from '../../src/index.js';
import { parse as parseYaml } from 'yaml';
import { DecoyClient } from '../../src/client/index.js';
import { importOpenApi } from '../../src/sources/importers/openapi.js';
import { eventually, get, startDecoy, tempStubs } from '../support/decoy.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/openapi');
const PETSTORE = path.join(fixtures, 'petstore-3.0.yaml');
const SWAGGER2 = path.join(fixtures, 'petstore-swagger-2.0.yaml');
const OAS31 = path.join(fixtures, 'petstore-3.1.yaml');
const MULTI = path.join(fixtures, 'multi-file/openapi.yaml');
/** A large real-world document, as published on npm: Blockfrost's Cardano API (OpenAPI 3.0, 129 operations). */
const BLOCKFROST = createRequire(import.meta.url).resolve('@blockfrost/openapi/openapi.yaml');

type AddFormats = (ajv: Ajv2020) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

/** An ajv of the test's own, independent of Decoy's, with formats asserted. */
function checker(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  for (const f of ['int32', 'int64', 'float', 'double', 'byte', 'binary', 'password']) ajv.addFormat(f, true);
  return ajv;
}

/** The request path of a stub: its template with every parameter filled in. */
function concretePath(def: StubDefinition, value = '1'): string {
  return def.request!.path!.replace(/:(?:"[^"]+"|[A-Za-z_$][\w$]*)/g, value).replace(/\\(.)/g, '$1');
}

function variant(def: StubDefinition): string {
  return (def.metadata as { openapi: { variant: string } }).openapi.variant;
}

/**
 * Mocks a document end to end: every operation gets its request, and the answer must have the
 * operation's status and a body the operation's schema accepts (checked with ajv) or its example.
 */
async function mockEveryOperation(file: string): Promise<number> {
  const { stubs } = await importOpenApi([file]);
  const { decoy } = await startDecoy({ openapi: [file], seed: 7 });
  const ajv = checker();
  const failures: string[] = [];
  let operations = 0;
  try {
    for (const def of stubs.filter((s) => variant(s) === 'default')) {
      operations++;
      const res = await fetch(decoy.url + concretePath(def), { method: def.request!.method as string });
      const text = await res.text();
      const expected = def.response!;
      if (res.status !== expected.status) failures.push(`${def.name}: status ${res.status}, expected ${expected.status}`);
      if (res.headers.get('decoy-warning')) failures.push(`${def.name}: ${res.headers.get('decoy-warning')}`);
      if (expected.schema !== undefined) {
        const contentType = res.headers.get('content-type') ?? '';
        const value = /json/.test(contentType) ? JSON.parse(text) : text;
        if (!ajv.validate(expected.schema as object, value)) failures.push(`${def.name}: ${ajv.errorsText(ajv.errors)} in ${text.slice(0, 200)}`);
      } else if (expected.jsonBody !== undefined) {
        assert.deepEqual(JSON.parse(text), expected.jsonBody, def.name);
      }
    }
  } finally {
    await decoy.stop();
  }
  assert.deepEqual(failures, []);
  return operations;
}

describe('OpenAPI documents mocked end to end', function () {
  this.timeout(120_000);

  it('the Petstore (OpenAPI 3.0): every operation answers with a schema-valid response', async () => {
    assert.equal(await mockEveryOperation(PETSTORE), 19);
  });

  it('a Swagger 2.0 document, under its basePath', async () => {
    assert.equal(await mockEveryOperation(SWAGGER2), 3);
    const { decoy } = await startDecoy({ openapi: [SWAGGER2] });
    try {
      const created = await get(`${decoy.url}/v2/pets`, { method: 'POST', body: '{"name":"Rex"}', headers: { 'Content-Type': 'application/json' } });
      assert.equal(created.status, 201);
      assert.deepEqual(JSON.parse(created.text), { id: 1, name: 'Rex', tag: 'dog' }, 'the document\'s example, not generated data');
      assert.equal((await get(`${decoy.url}/pets`)).status, 404, 'paths live under the basePath');
    } finally {
      await decoy.stop();
    }
  });

  it('an OpenAPI 3.1 document, under its server\'s path, with response headers from examples', async () => {
    assert.equal(await mockEveryOperation(OAS31), 2);
    const { decoy } = await startDecoy({ openapi: [OAS31] });
    try {
      const list = await get(`${decoy.url}/v1/pets`);
      assert.equal(list.status, 200);
      assert.equal(list.headers.get('x-next'), '/v1/pets?page=2');
    } finally {
      await decoy.stop();
    }
  });

  it('a document split over files, with $refs across them', async () => {
    assert.equal(await mockEveryOperation(MULTI), 2);
  });

  it('a large real-world document from npm (Blockfrost, 129 operations): every operation answers schema-valid', async () => {
    assert.equal(await mockEveryOperation(BLOCKFROST), 129);
  });
});

describe('OpenAPI: choosing the answer', function () {
  this.timeout(60_000);
  let decoy: Decoy;
  before(async () => {
    ({ decoy } = await startDecoy({ openapi: [PETSTORE], seed: 1 }));
  });
  after(async () => {
    await decoy.stop();
  });

  it('the first example by default; Prefer: example=name picks another', async () => {
    const dog = await get(`${decoy.url}/api/v3/pet/10`);
    assert.equal(dog.status, 200);
    assert.equal(JSON.parse(dog.text).name, 'doggie');
    const cat = await get(`${decoy.url}/api/v3/pet/10`, { headers: { Prefer: 'example=kitty' } });
    assert.equal(JSON.parse(cat.text).name, 'kitty');
  });

  it('Prefer: code=404 answers the 404 response of the operation', async () => {
    const missing = await get(`${decoy.url}/api/v3/pet/10`, { headers: { Prefer: 'code=404' } });
    assert.equal(missing.status, 404);
    assert.deepEqual(JSON.parse(missing.text), { code: '404', message: 'Pet not found' });
    // A code without a body, among other preferences.
    assert.equal((await get(`${decoy.url}/api/v3/user/logout`, { headers: { Prefer: 'return=minimal, code=200' } })).status, 200);
    assert.equal((await get(`${decoy.url}/api/v3/store/order/3`, { headers: { Prefer: 'code=400' } })).status, 400);
  });

  it('Accept picks the media type: JSON by default, XML when asked', async () => {
    const json = await get(`${decoy.url}/api/v3/store/order/3`, { headers: { Accept: 'application/json' } });
    assert.equal(json.headers.get('content-type'), 'application/json');
    const xml = await get(`${decoy.url}/api/v3/store/order/3`, { headers: { Accept: 'application/xml' } });
    assert.equal(xml.headers.get('content-type'), 'application/xml');
    assert.match(xml.text, /^<\?xml version="1.0" encoding="UTF-8"\?><order><id>-?\d+<\/id>.*<\/order>$/);
    // A browser's Accept lists HTML first (and XML later): it gets the default, JSON.
    const browser = await get(`${decoy.url}/api/v3/store/order/3`, { headers: { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    assert.equal(browser.headers.get('content-type'), 'application/json');
  });

  it('a literal path wins over a template that also fits (/pet/findByStatus is not /pet/{petId})', async () => {
    const found = await get(`${decoy.url}/api/v3/pet/findByStatus?status=sold`);
    assert.equal(found.status, 200);
    assert.ok(Array.isArray(JSON.parse(found.text)));
  });

  it('the stubs show in /__admin/mappings with metadata naming the document and the operation', async () => {
    const { mappings } = await (await fetch(`${decoy.url}/__admin/mappings`)).json() as { mappings: Array<{ name: string; priority: number; metadata?: { openapi?: { document: string; operationId: string } } }> };
    const getPet = mappings.find((m) => m.name === 'getPetById');
    assert.ok(getPet);
    assert.equal(getPet.metadata?.openapi?.operationId, 'getPetById');
    assert.equal(getPet.metadata?.openapi?.document, PETSTORE);
    assert.ok(mappings.every((m) => m.priority > 5), 'hand-written stubs (priority 5) win over the document\'s');
  });
});

describe('OpenAPI: request validation (--validate-requests)', function () {
  this.timeout(60_000);
  let decoy: Decoy;
  before(async () => {
    ({ decoy } = await startDecoy({ openapi: [SWAGGER2, PETSTORE], validateRequests: true }));
  });
  after(async () => {
    await decoy.stop();
  });

  async function violations(url: string, init?: RequestInit) {
    const res = await get(url, init);
    assert.equal(res.status, 400, res.text);
    assert.equal(res.headers.get('content-type'), 'application/json');
    return JSON.parse(res.text) as { error: string; operation: string; violations: Array<{ in: string; name?: string; pointer: string; message: string; expected: unknown; got: unknown }> };
  }

  it('a valid request gets the normal answer', async () => {
    const ok = await get(`${decoy.url}/v2/pets/5`, { headers: { 'X-Request-Id': 'abc' } });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await get(`${decoy.url}/v2/pets?limit=10&tags=a,b`)).status, 200);
  });

  it('every violation of path, query and header parameters is listed', async () => {
    const body = await violations(`${decoy.url}/v2/pets/0`);
    assert.equal(body.operation, 'GET /pets/{petId} (showPetById)');
    assert.deepEqual(body.violations.map((v) => [v.in, v.name]), [['path', 'petId'], ['header', 'X-Request-Id']]);
    assert.match(body.violations[0]!.message, /path parameter petId must be >= 1/);
    assert.equal(body.violations[0]!.got, '0', 'what the client sent');
    assert.deepEqual(body.violations[1], { in: 'header', name: 'X-Request-Id', pointer: '', message: 'header parameter X-Request-Id is required', expected: 'present', got: null });
    const query = await violations(`${decoy.url}/v2/pets?limit=500&tags=a`);
    assert.deepEqual(query.violations.map((v) => [v.in, v.name, v.expected, v.got]), [['query', 'limit', 'must be <= 100', '500']]);
    const notNumber = await violations(`${decoy.url}/v2/pets?limit=lots`);
    assert.deepEqual(notNumber.violations.map((v) => [v.in, v.name, v.expected, v.got]), [['query', 'limit', 'integer', 'lots']]);
  });

  it('a body that breaks the schema, a missing body and a wrong Content-Type are listed with JSON pointers', async () => {
    const bad = await violations(`${decoy.url}/v2/pets`, { method: 'POST', body: '{"tag":7}', headers: { 'Content-Type': 'application/json' } });
    assert.deepEqual(bad.violations.map((v) => [v.in, v.pointer, v.expected]).sort(), [['body', '', 'property name'], ['body', '/tag', ['string', 'null']]].sort());
    const missing = await violations(`${decoy.url}/v2/pets`, { method: 'POST' });
    assert.deepEqual(missing.violations.map((v) => v.message), ['a request body is required']);
    const wrongType = await violations(`${decoy.url}/v2/pets`, { method: 'POST', body: 'name=Rex', headers: { 'Content-Type': 'text/plain' } });
    assert.deepEqual(wrongType.violations.map((v) => [v.in, v.name, v.got]), [['header', 'Content-Type', 'text/plain']]);
    const notJson = await violations(`${decoy.url}/v2/pets`, { method: 'POST', body: '{name', headers: { 'Content-Type': 'application/json' } });
    assert.match(notJson.violations[0]!.message, /body is not valid JSON/);
  });

  it('OpenAPI 3.0: an enum query parameter, and a nested body property', async () => {
    const status = await violations(`${decoy.url}/api/v3/pet/findByStatus?status=lost`);
    assert.deepEqual(status.violations.map((v) => [v.in, v.name, v.got]), [['query', 'status', 'lost']]);
    assert.deepEqual(status.violations[0]!.expected, ['available', 'pending', 'sold']);
    const pet = await violations(`${decoy.url}/api/v3/pet`, { method: 'POST', body: JSON.stringify({ name: 'Rex', photoUrls: [], category: { id: 'one' } }), headers: { 'Content-Type': 'application/json' } });
    assert.deepEqual(pet.violations.map((v) => [v.in, v.pointer, v.got]), [['body', '/category/id', 'one']]);
    const ok = await get(`${decoy.url}/api/v3/pet`, { method: 'POST', body: JSON.stringify({ name: 'Rex', photoUrls: [] }), headers: { 'Content-Type': 'application/json' } });
    assert.equal(ok.status, 200, ok.text);
    // A form body: fields are text, checked with coercion like parameters.
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    assert.equal((await get(`${decoy.url}/api/v3/pet`, { method: 'POST', body: 'name=Rex&photoUrls=a.png&id=7', headers: form })).status, 200);
    const badForm = await violations(`${decoy.url}/api/v3/pet`, { method: 'POST', body: 'photoUrls=a.png&id=seven', headers: form });
    assert.deepEqual(badForm.violations.map((v) => [v.in, v.pointer, v.expected]).sort(), [['body', '', 'property name'], ['body', '/id', 'integer']]);
  });

  it('stubs not from a document are not validated', async () => {
    const res = await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify({ request: { method: 'GET', urlPath: '/plain' }, response: { status: 204 } }) });
    assert.equal(res.status, 201);
    assert.equal((await get(`${decoy.url}/plain?anything=goes`)).status, 204);
  });
});

describe('OpenAPI: at run time over the admin API', function () {
  this.timeout(60_000);
  let decoy: Decoy;
  before(async () => {
    ({ decoy } = await startDecoy({}));
  });
  after(async () => {
    await decoy.stop();
  });

  it('POST /__admin/decoy/openapi with a YAML document adds its operations as stubs', async () => {
    const res = await fetch(`${decoy.url}/__admin/decoy/openapi?name=pets`, { method: 'POST', body: readFileSync(OAS31, 'utf8') });
    assert.equal(res.status, 201);
    const body = await res.json() as { document: string; mappings: Array<{ id: string; name: string }>; warnings: string[] };
    assert.equal(body.document, 'pets');
    assert.deepEqual(body.mappings.map((m) => m.name).sort(), ['listPets', 'showPetById', 'showPetById (code=404)']);
    const pet = await get(`${decoy.url}/v1/pets/12`);
    assert.equal(pet.status, 200);
    assert.ok(checker().validate({ type: 'object', required: ['id', 'name'] }, JSON.parse(pet.text)));
    const missing = await get(`${decoy.url}/v1/pets/12`, { headers: { Prefer: 'code=404' } });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json');
  });

  it('the typed client: addOpenApi(document)', async () => {
    const client = new DecoyClient(decoy.url);
    const added = await client.addOpenApi(parseYaml(readFileSync(SWAGGER2, 'utf8')) as Record<string, unknown>, { name: 'swagger' });
    assert.ok(added.mappings.some((m) => m.name === 'listPets'));
    assert.equal((await get(`${decoy.url}/v2/pets`)).status, 200);
    await assert.rejects(client.addOpenApi({ swagger: '1.2' }), (e: Error & { status?: number }) => e.status === 422);
  });

  it('a body that is not an OpenAPI document is a 422 problem', async () => {
    const res = await fetch(`${decoy.url}/__admin/decoy/openapi`, { method: 'POST', body: '{"hello":"world"}' });
    assert.equal(res.status, 422);
    const problem = await res.json() as { title: string; errors?: Array<{ detail: string }> };
    assert.match(JSON.stringify(problem), /not an OpenAPI document/);
  });
});

describe('OpenAPI: a document edited while served', function () {
  this.timeout(30_000);

  it('is re-imported on change, with the files it references; a broken version keeps the previous one serving', async () => {
    const doc = (example: string) => `openapi: 3.0.3
info: { title: t, version: '1' }
paths:
  /greeting:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: { $ref: 'schemas.yaml#/Greeting' }
              example: { text: ${example} }
`;
    const t = tempStubs({ 'api.yaml': doc('hello'), 'schemas.yaml': 'Greeting: { type: object, properties: { text: { type: string } } }\n' });
    const { decoy, log } = await startDecoy({ openapi: [path.join(t.dir, 'api.yaml')], watch: true });
    try {
      assert.equal(JSON.parse((await get(`${decoy.url}/greeting`)).text).text, 'hello');
      t.write('api.yaml', doc('bonjour'));
      await eventually(async () => JSON.parse((await get(`${decoy.url}/greeting`)).text).text === 'bonjour', 5000, 'the edited example');
      t.write('api.yaml', 'openapi: 3.0.3\npaths: [\n');
      await eventually(() => /api\.yaml:3:1 DECOY_ERR_OPENAPI_INVALID not valid YAML or JSON: .*; still serving its previous 1 stub/.test(log.text()), 5000, 'the broken version reported');
      assert.equal(JSON.parse((await get(`${decoy.url}/greeting`)).text).text, 'bonjour');
      // A referenced file counts too: without an example, the answer is generated from the schema file.
      t.write('api.yaml', doc('hi').replace(/\n\s+example: .*\n/, '\n'));
      await eventually(() => (log.text().match(/api\.yaml reloaded/g) ?? []).length === 2, 5000, 'the second reload');
      t.write('schemas.yaml', 'Greeting: { type: object, required: [n], properties: { n: { const: 42 } } }\n');
      await eventually(async () => JSON.parse((await get(`${decoy.url}/greeting`)).text).n === 42, 5000, 'the body after the schema file changed');
    } finally {
      await decoy.stop();
      t.cleanup();
    }
  });
});

describe('OpenAPI: documents that cannot be read', function () {
  this.timeout(30_000);

  it('a missing file, a YAML syntax error, and a document of another kind fail start-up with the file named', async () => {
    await assert.rejects(startDecoy({ openapi: [path.join(fixtures, 'nope.yaml')] }), /DECOY_ERR_OPENAPI_INVALID|cannot read/);
    const t = tempStubs({ 'broken.yaml': 'openapi: 3.0.0\npaths: [\n', 'other.yaml': 'hello: world\n' });
    try {
      await assert.rejects(startDecoy({ openapi: [path.join(t.dir, 'broken.yaml')] }), (e: Error & { format?: () => string }) => {
        assert.match(e.format!(), /broken\.yaml:\d+:\d+ DECOY_ERR_OPENAPI_INVALID not valid YAML or JSON/);
        return true;
      });
      await assert.rejects(startDecoy({ openapi: [path.join(t.dir, 'other.yaml')] }), /not an OpenAPI document/);
    } finally {
      t.cleanup();
    }
  });
});
