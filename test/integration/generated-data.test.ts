import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

type AddFormats = (ajv: Ajv2020) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

const USER_SCHEMA = {
  type: 'object',
  required: ['id', 'email', 'name', 'roles', 'address', 'createdAt'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', format: 'uuid' },
    email: { type: 'string', format: 'email' },
    name: { type: 'string', minLength: 1, maxLength: 40 },
    age: { type: 'integer', minimum: 18, maximum: 99 },
    roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['admin', 'editor', 'viewer'] } },
    address: { $ref: '#/$defs/Address' },
    createdAt: { type: 'string', format: 'date-time' },
    manager: { anyOf: [{ $ref: '#' }, { type: 'null' }] },
  },
  $defs: {
    Address: {
      type: 'object',
      required: ['street', 'zip'],
      properties: { street: { type: 'string' }, zip: { type: 'string', pattern: '^[0-9]{5}$' } },
    },
  },
};

const STUBS = {
  'users.yaml': `
- request: { method: GET, path: /users/:id }
  response:
    status: 200
    schema: ${JSON.stringify(USER_SCHEMA)}
- request: { method: GET, path: /tags }
  response:
    headers: { Content-Type: text/plain }
    schema: { type: string, pattern: '^tag-[a-z]{4}$' }
- request: { method: GET, path: /pets }
  response:
    schema: { $ref: 'schemas/pet.schema.yaml' }
`,
  '__files/schemas/pet.schema.yaml': `
type: array
minItems: 2
items: { $ref: '#/$defs/Pet' }
$defs:
  Pet:
    type: object
    required: [name, owner]
    properties:
      name: { type: string }
      owner: { $ref: 'owner.schema.json' }
`,
  '__files/schemas/owner.schema.json': '{ "type": "object", "required": ["email"], "properties": { "email": { "type": "string", "format": "email" } } }',
};

function validator(schema: object) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

async function bodies(decoy: Decoy, paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) out.push((await get(decoy.url + p)).text);
  return out;
}

describe('generated data (response.schema)', function () {
  this.timeout(30_000);
  let folder: ReturnType<typeof tempStubs>;
  const started: Decoy[] = [];
  const start = async (options: Parameters<typeof startDecoy>[0]) => {
    const { decoy, log } = await startDecoy({ stubsDir: folder.dir, ...options });
    started.push(decoy);
    return { decoy, log };
  };
  before(() => {
    folder = tempStubs(STUBS);
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((d) => d.stop()));
  });
  after(() => folder.cleanup());

  it('every generated body is valid against its schema (checked with ajv), as JSON', async () => {
    const { decoy } = await start({});
    assert.deepEqual(decoy.loadReport!.errors.map((e) => e.format()), []);
    const validate = validator(USER_SCHEMA);
    for (let i = 0; i < 40; i++) {
      const res = await get(`${decoy.url}/users/${i}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(res.headers.get('decoy-warning'), null);
      const user = JSON.parse(res.text);
      assert.ok(validate(user), `${JSON.stringify(validate.errors)} in ${res.text}`);
    }
  });

  it('a string schema with a non-JSON Content-Type is sent as the text itself', async () => {
    const { decoy } = await start({});
    const res = await get(`${decoy.url}/tags`);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.match(res.text, /^tag-[a-z]{4}$/);
  });

  it('$refs to schema files (under __files/, and from there relative to the file) are bundled in', async () => {
    const { decoy } = await start({});
    const pets = JSON.parse((await get(`${decoy.url}/pets`)).text) as Array<{ name: string; owner: { email: string } }>;
    assert.ok(pets.length >= 2);
    for (const pet of pets) assert.match(pet.owner.email, /^[^@\s]+@[^@\s]+$/);
    // The stub is shown as written: the reference stays a reference.
    const { mappings } = await (await fetch(`${decoy.url}/__admin/mappings`)).json() as { mappings: Array<{ request: { urlPathTemplate?: string; path?: string }; response: { schema?: unknown } }> };
    assert.ok(mappings.some((m) => JSON.stringify(m.response.schema) === '{"$ref":"schemas/pet.schema.yaml"}'), JSON.stringify(mappings.map((m) => m.response)));
  });

  it('--seed: two servers with the same seed answer the same sequence of requests with the same data', async () => {
    const paths = ['/users/1', '/users/2', '/users/1', '/tags', '/pets'];
    const a = await bodies((await start({ seed: 42 })).decoy, paths);
    const b = await bodies((await start({ seed: 42 })).decoy, paths);
    const c = await bodies((await start({ seed: 43 })).decoy, paths);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.notEqual(a[0], a[2], 'without stable data, a repeated request draws new data');
  });

  it('--stable-data: the same request always gets the same data, in any order and on another server', async () => {
    const one = (await start({ stableData: true })).decoy;
    const two = (await start({ stableData: true })).decoy;
    const first = await bodies(one, ['/users/1', '/users/2', '/users/1']);
    assert.equal(first[0], first[2]);
    assert.notEqual(first[0], first[1], 'another request, other data');
    assert.deepEqual(await bodies(two, ['/users/2', '/users/1']), [first[1], first[0]]);
    // The seed still picks the data set.
    const seeded = (await start({ stableData: true, seed: 9 })).decoy;
    assert.notEqual((await bodies(seeded, ['/users/1']))[0], first[0]);
  });

  it('a stub posted over the admin API with a schema serves generated data at once', async () => {
    const { decoy } = await start({});
    const res = await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: JSON.stringify({ request: { urlPath: '/count' }, response: { schema: { type: 'integer', minimum: 5, maximum: 9 } } }) });
    assert.equal(res.status, 201);
    const n = JSON.parse((await get(`${decoy.url}/count`)).text);
    assert.ok(Number.isInteger(n) && n >= 5 && n <= 9, String(n));
  });
});

describe('generated data: a bad schema is a load error', function () {
  this.timeout(30_000);

  it('names the file, line and JSON pointer; the other files still load', async () => {
    const folder = tempStubs({
      'good.yaml': 'request: { path: /ok }\nresponse: { schema: { type: boolean } }\n',
      'bad-type.yaml': 'request: { path: /a }\nresponse:\n  schema:\n    type: object\n    properties:\n      id: { type: integr }\n',
      'bad-ref.yaml': 'request: { path: /b }\nresponse:\n  schema:\n    type: object\n    properties:\n      owner:\n        $ref: "#/$defs/Owner"\n',
      'missing-file.yaml': 'request: { path: /c }\nresponse:\n  schema: { $ref: nowhere.schema.json }\n',
      'two-bodies.yaml': 'request: { path: /d }\nresponse:\n  body: hi\n  schema: { type: string }\n',
    });
    const { decoy } = await startDecoy({ stubsDir: folder.dir });
    try {
      const errors = decoy.loadReport!.errors.map((e) => e.format().replace(folder.dir + '/', '')).sort();
      assert.equal(errors.length, 4, errors.join('\n'));
      assert.match(errors[0]!, /^bad-ref\.yaml:7:\d+ DECOY_ERR_SCHEMA_INVALID \$ref "#\/\$defs\/Owner" points at nothing in the schema/);
      assert.match(errors[1]!, /^bad-type\.yaml:6:\d+ DECOY_ERR_SCHEMA_INVALID the schema is not valid JSON Schema: properties\.id\.type/);
      assert.match(errors[2]!, /^missing-file\.yaml:3:\d+ DECOY_ERR_BODY_FILE_NOT_FOUND body file "nowhere\.schema\.json" not found/);
      assert.match(errors[3]!, /^two-bodies\.yaml:4:\d+ DECOY_ERR_STUB_INVALID response has more than one body \(body, schema\)/);
      assert.equal((await get(`${decoy.url}/ok`)).status, 200);
    } finally {
      await decoy.stop();
      folder.cleanup();
    }
  });
});
