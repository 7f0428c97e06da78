/**
 * Regressions from review A for generated data, OpenAPI and request validation: each test is named
 * after the bug it pins down.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { stringify as stringifyYaml } from 'yaml';
import type { Decoy } from '../../src/index.js';
import { importOpenApi } from '../../src/sources/importers/openapi.js';
import { writeImported } from '../../src/sources/importers/write-stubs.js';
import { OpenApiDocuments } from '../../src/sources/openapi-source.js';
import { captureLog, get, startDecoy, tempStubs } from '../support/decoy.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

const SECRET = 'TOP-SECRET-7f3a';

/** A minimal OpenAPI 3.0 document whose one response schema is `schema`. */
function docWith(schema: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    openapi: '3.0.3', info: { title: 't', version: '1' }, ...extra,
    paths: { '/x': { get: { operationId: 'getX', responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } } } } },
  };
}

describe('review A: OpenAPI $refs read no files they should not (item 2)', function () {
  this.timeout(30_000);
  let decoy: Decoy;
  let folder: ReturnType<typeof tempStubs>;
  before(async () => {
    folder = tempStubs({
      'secret.yaml': `type: string\nenum: ["${SECRET}"]\n`,
      'secret.env': `PASSWORD=${SECRET}\n`,
      'api/openapi.yaml': '',
      'api/schemas/pet.yaml': 'type: object\nrequired: [id]\nproperties: { id: { type: integer, minimum: 1 } }\n',
    });
    ({ decoy } = await startDecoy({}));
  });
  after(async () => {
    await decoy.stop();
    folder.cleanup();
  });

  it('a document posted to /__admin/decoy/openapi cannot read files through absolute or relative $refs', async () => {
    for (const ref of [path.join(folder.dir, 'secret.yaml'), path.join(folder.dir, 'secret.env'), '../../../../../..' + path.join(folder.dir, 'secret.yaml'), 'secret.yaml']) {
      const res = await fetch(`${decoy.url}/__admin/decoy/openapi`, { method: 'POST', body: JSON.stringify(docWith({ $ref: ref })), headers: { 'content-type': 'application/json' } });
      const text = await res.text();
      assert.ok(res.status === 201 || res.status === 422, `${ref}: ${res.status} ${text}`);
      assert.ok(!text.includes(SECRET), `${ref}: the file's contents came back: ${text}`);
      const served = await get(`${decoy.url}/x`);
      assert.ok(!served.text.includes(SECRET), `${ref}: the file's contents are served: ${served.text}`);
    }
  });

  it('review B item 1: a deeply nested document posted to /__admin/decoy/openapi ran the process out of memory; now a 422', async () => {
    for (const [open, close] of [['[', ']'], ['{"a":', '}']]) {
      const body = `{"openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{},"x":${open.repeat(2_000)}1${close.repeat(2_000)}}`;
      const res = await fetch(`${decoy.url}/__admin/decoy/openapi`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 422);
      assert.match(await res.text(), /nests deeper than 256 levels/);
    }
    assert.equal((await fetch(`${decoy.url}/__admin/health`)).status, 200, 'the server is still up');
  });

  it('review B item 12: a document without info or paths was "[object Object] is not a valid Openapi API definition"; now the missing members are named', async () => {
    for (const [doc, expected] of [
      [{ openapi: '3.0.0' }, /lacks required members: info, paths/],
      [{ openapi: '3.0.3', info: { title: 't' }, paths: {} }, /lacks required member: info\.version/],
      [{ swagger: '2.0', info: { title: 't', version: '1' } }, /lacks required member: paths/],
      [{ openapi: '3.1.0', info: { title: 't', version: '1' } }, /lacks required member: paths \(or webhooks or components\)/],
    ] as const) {
      const res = await fetch(`${decoy.url}/__admin/decoy/openapi`, { method: 'POST', body: JSON.stringify(doc), headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 422);
      assert.match(await res.text(), expected);
    }
  });

  it('a document given as a file may $ref files in its folder, but not absolute paths or files outside it', async () => {
    const doc = path.join(folder.dir, 'api/openapi.yaml');
    writeFileSync(doc, stringifyYaml(docWith({ $ref: 'schemas/pet.yaml' })));
    const ok = await importOpenApi([doc]);
    assert.ok(ok.stubs.length > 0);
    // The document itself may be a symlink to another folder; a ConfigMap's `..data/` folder is inside.
    const linked = path.join(folder.dir, 'linked');
    mkdirSync(path.join(linked, '..data/schemas'), { recursive: true });
    writeFileSync(path.join(linked, '..data/schemas/pet.yaml'), 'type: object\n');
    writeFileSync(path.join(folder.dir, 'elsewhere.yaml'), stringifyYaml(docWith({ $ref: '..data/schemas/pet.yaml' })));
    symlinkSync(path.join(folder.dir, 'elsewhere.yaml'), path.join(linked, 'openapi.yaml'));
    assert.ok((await importOpenApi([path.join(linked, 'openapi.yaml')])).stubs.length > 0);
    for (const ref of ['../secret.yaml', path.join(folder.dir, 'secret.yaml'), 'schemas/../../secret.env']) {
      writeFileSync(doc, stringifyYaml(docWith({ $ref: ref })));
      await assert.rejects(importOpenApi([doc]), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'DECOY_ERR_OPENAPI_INVALID', e.message);
        assert.match(e.message, /outside the document's folder/);
        assert.ok(!e.message.includes(SECRET), e.message);
        return true;
      }, ref);
    }
  });
});

describe('review A: requestSchema is checked before anything else of the stub (items 4 and 14)', function () {
  this.timeout(30_000);
  let decoy: Decoy;
  let upstream: Upstream;
  let folder: ReturnType<typeof tempStubs>;
  const schema = { body: { required: true, content: { 'application/json': { type: 'object', required: ['a'] } } } };
  const post = (p: string, body: unknown) => fetch(`${decoy.url}${p}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  before(async () => {
    upstream = await startUpstream();
    folder = tempStubs({
      'stubs.json': JSON.stringify([
        { request: { method: 'POST', urlPath: '/proxied' }, requestSchema: schema, response: { proxyBaseUrl: upstream.url } },
        { request: { method: 'POST', urlPath: '/reset' }, requestSchema: schema, response: { status: 200, fault: 'CONNECTION_RESET_BY_PEER' } },
        { request: { method: 'POST', urlPath: '/slow' }, requestSchema: schema, response: { status: 200, fixedDelayMilliseconds: 10_000 } },
        { request: { method: 'POST', urlPath: '/chaotic' }, requestSchema: schema, chaos: [{ probability: 1, fault: 'EMPTY_RESPONSE' }], response: { status: 200 } },
        { request: { method: 'POST', urlPath: '/sequence' }, requestSchema: schema, responses: [{ status: 200, body: 'first' }, { status: 200, body: 'second' }] },
        { request: { method: 'POST', urlPath: '/checkout' }, requestSchema: schema, scenarioName: 'cart', newScenarioState: 'paid', response: { status: 200 } },
      ]),
    });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
  });
  after(async () => {
    await decoy.stop();
    await upstream.close();
    folder.cleanup();
  });

  it('requestSchema ignored on proxy stubs: an invalid request is answered 400 and not forwarded', async () => {
    const bad = await post('/proxied', { b: 1 });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /must have required property 'a'/);
    assert.equal(upstream.requests.length, 0, 'nothing reached the upstream');
    const good = await post('/proxied', { a: 1 });
    assert.equal(good.status, 200);
    assert.equal(good.headers.get('x-upstream'), 'echo');
    await good.text();
    assert.equal(upstream.requests.length, 1);
  });

  it('a request failing requestSchema moved the stub\'s scenario on: now only an accepted request does', async () => {
    const state = async () => ((await (await fetch(`${decoy.url}/__admin/scenarios`)).json()) as { scenarios: Array<{ name: string; state: string }> })
      .scenarios.find((x) => x.name === 'cart')?.state;
    assert.equal(await state(), 'Started');
    const bad = await post('/checkout', { b: 1 });
    assert.equal(bad.status, 400);
    await bad.text();
    assert.equal(await state(), 'Started', 'a rejected request leaves the scenario as it was');
    const good = await post('/checkout', { a: 1 });
    assert.equal(good.status, 200);
    await good.text();
    assert.equal(await state(), 'paid');
  });

  it('a request failing requestSchema still got the stub\'s fault, delay and chaos: now a plain 400', async () => {
    const reset = await post('/reset', { b: 1 });
    assert.equal(reset.status, 400, 'not a reset');
    await reset.text();
    const started = Date.now();
    const slow = await post('/slow', { b: 1 });
    assert.equal(slow.status, 400);
    await slow.text();
    assert.ok(Date.now() - started < 5000, 'the stub\'s 10 s delay was not applied');
    const chaotic = await post('/chaotic', { b: 1 });
    assert.equal(chaotic.status, 400, 'not the chaos entry\'s empty response');
    assert.match(await chaotic.text(), /violations/);
    await assert.rejects(post('/reset', { a: 1 }), 'a valid request still gets the fault');
  });

  it('a request failing requestSchema advanced the stub\'s response sequence: now it does not', async () => {
    assert.equal((await post('/sequence', { b: 1 })).status, 400);
    assert.equal((await post('/sequence', {})).status, 400);
    const first = await post('/sequence', { a: 1 });
    assert.equal(await first.text(), 'first');
    assert.equal(await (await post('/sequence', { a: 1 })).text(), 'second');
  });
});

describe('review A: OpenAPI formats are enforced the same way everywhere (item 20)', function () {
  this.timeout(30_000);
  it('int32 = 2^40 passed request validation: now a 400; int64 within range passes', async () => {
    const folder = tempStubs({
      'stub.yaml': stringifyYaml({
        request: { method: 'POST', urlPath: '/n' },
        requestSchema: {
          parameters: [{ in: 'query', name: 'n', schema: { type: 'integer', format: 'int32' } }],
          body: { content: { 'application/json': { type: 'object', properties: { big: { type: 'integer', format: 'int64' } } } } },
        },
        response: { status: 204 },
      }),
    });
    const { decoy } = await startDecoy({ stubsDir: folder.dir });
    try {
      const json = { 'content-type': 'application/json' };
      assert.equal((await get(`${decoy.url}/n?n=2147483647`, { method: 'POST', body: '{"big":9007199254740993}', headers: json })).status, 204);
      const tooBig = await get(`${decoy.url}/n?n=${2 ** 40}`, { method: 'POST', body: '{}', headers: json });
      assert.equal(tooBig.status, 400, tooBig.text);
      assert.match(JSON.parse(tooBig.text).violations[0].message, /query parameter n must match format "int32"/);
      const body = await get(`${decoy.url}/n`, { method: 'POST', body: '{"big":1e30}', headers: json });
      assert.equal(body.status, 400, body.text);
      assert.match(JSON.parse(body.text).violations[0].message, /body at \/big must match format "int64"/);
    } finally {
      await decoy.stop();
      folder.cleanup();
    }
  });
});

describe('review A: the Decoy-Warning header carries only what Node accepts in a header (item 6)', function () {
  this.timeout(30_000);
  it('a schema property name with € or a control character in the warning made every request 500', async () => {
    // Impossible to satisfy (three characters and at least five): the warning names the property.
    const impossible = { type: 'string', pattern: '^a{3}$', minLength: 5 };
    const folder = tempStubs({
      'stub.json': JSON.stringify([
        { request: { urlPath: '/euro' }, response: { schema: { type: 'object', required: ['€uro'], properties: { '€uro': impossible } } } },
        { request: { urlPath: '/ctl' }, response: { schema: { type: 'object', required: ['a\u0001b\u007f'], properties: { 'a\u0001b\u007f': impossible } } } },
      ]),
    });
    const { decoy } = await startDecoy({ stubsDir: folder.dir, seed: 1 });
    try {
      for (const p of ['/euro', '/ctl']) {
        const res = await get(decoy.url + p);
        assert.equal(res.status, 200, res.text);
        const warning = res.headers.get('decoy-warning') ?? '';
        assert.match(warning, /generated body does not satisfy the schema/);
        assert.match(warning, /^[\x20-\x7e]*$/, warning);
      }
      assert.match((await get(decoy.url + '/euro')).headers.get('decoy-warning')!, /%E2%82%ACuro/);
    } finally {
      await decoy.stop();
      folder.cleanup();
    }
  });
});

describe('review A: OpenAPI import edge cases (items 16 and 17)', function () {
  this.timeout(30_000);
  it('a malformed servers[0].url threw URIError: now a 422 naming the document problem', async () => {
    const { decoy } = await startDecoy({});
    try {
      const res = await fetch(`${decoy.url}/__admin/decoy/openapi`, { method: 'POST', body: JSON.stringify(docWith({ type: 'string' }, { servers: [{ url: 'http://h/api%E0%A4%A' }] })) });
      const text = await res.text();
      assert.equal(res.status, 422, text);
      assert.match(text, /servers\[0\]\.url/);
    } finally {
      await decoy.stop();
    }
  });

  it('an operationId starting with "." was written as a hidden file the loader skips: now it loads', async () => {
    const folder = tempStubs({});
    try {
      const doc = docWith({ type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' } } });
      (doc.paths as { '/x': { get: { operationId: string } } })['/x'].get.operationId = '.well-known';
      writeFileSync(path.join(folder.dir, 'doc.json'), JSON.stringify(doc));
      const { stubs } = await importOpenApi([path.join(folder.dir, 'doc.json')]);
      const out = path.join(folder.dir, 'stubs');
      mkdirSync(out);
      const written = await writeImported(stubs, out, 'yaml');
      assert.ok(written.every((f) => !f.startsWith('.')), written.join(', '));
      assert.deepEqual(readdirSync(out).sort(), [...written].sort());
      const { decoy } = await startDecoy({ stubsDir: out });
      try {
        const res = await get(`${decoy.url}/x`);
        assert.equal(res.status, 200, res.text);
        assert.equal(typeof JSON.parse(res.text).ok, 'boolean');
      } finally {
        await decoy.stop();
      }
    } finally {
      folder.cleanup();
    }
  });
});

describe('review A: closing the OpenAPI documents waits for a reload in progress (item 24)', function () {
  this.timeout(60_000);
  it('onChange fired after close(): now close() waits for the reload, and nothing is reported after it', async () => {
    // A large document, so that its re-import is still running when close() is called.
    const source = createRequire(import.meta.url).resolve('@blockfrost/openapi/openapi.yaml');
    const folder = tempStubs({});
    const file = path.join(folder.dir, 'openapi.yaml');
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(source, 'utf8');
    writeFileSync(file, text);
    const { logger } = captureLog();
    let changes = 0;
    const docs = new OpenApiDocuments({ files: [file], importOptions: {}, nextSequence: (() => { let n = 0; return () => ++n; })(), logger, onChange: () => { changes++; } });
    try {
      await docs.load();
      await docs.watch();
      writeFileSync(file, text.replace(/title: .*/, 'title: edited'));
      // The change is picked up after ~50 ms; the re-import takes far longer.
      await new Promise((r) => setTimeout(r, 200));
      await docs.close();
      const atClose = changes;
      // Long enough for the re-import to finish, had it been left running.
      await new Promise((r) => setTimeout(r, 4000));
      assert.equal(changes, atClose, 'no change reported after close()');
    } finally {
      await docs.close();
      folder.cleanup();
    }
  });
});
