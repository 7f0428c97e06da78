import assert from 'node:assert/strict';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

describe('OpenAPI schemas that do not compile: reported at load', function () {
  this.timeout(30_000);
  const started: Decoy[] = [];
  const folders: Array<ReturnType<typeof tempStubs>> = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((d) => d.stop()));
    for (const f of folders.splice(0)) f.cleanup();
  });

  it('an OpenAPI operation whose schema loops through $refs is reported at load with the operation and the schema pointer; the other operations serve', async () => {
    const folder = tempStubs({
      'api.json': JSON.stringify({
        openapi: '3.0.3', info: { title: 't', version: '1' },
        paths: {
          '/loop': { get: { operationId: 'getLoop', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } } } } },
          '/fine': { get: { operationId: 'getFine', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } } } } } } } },
        },
        components: { schemas: { A: { $ref: '#/components/schemas/B' }, B: { $ref: '#/components/schemas/A' } } },
      }),
    });
    folders.push(folder);
    const { decoy, log } = await startDecoy({ openapi: [`${folder.dir}/api.json`], seed: 1 });
    started.push(decoy);
    assert.match(log.text(), /api\.json.*operation getLoop: \$ref "#\/\$defs\/A" leads back to itself/);
    assert.match(log.text(), /\/response\/schema\/\$ref/);
    const fine = await get(`${decoy.url}/fine`);
    assert.equal(fine.status, 200);
    assert.equal(typeof JSON.parse(fine.text).id, 'number');
  });

  it('a document with no $ref to other files is read without the parser\'s bundle: a $ref whose pointer leads through another $ref still resolves', async () => {
    const folder = tempStubs({
      'api.json': JSON.stringify({
        openapi: '3.0.3', info: { title: 't', version: '1' },
        paths: {
          '/thing': { get: { operationId: 'getThing', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/responses/Ok/content/application~1json/schema' } } } } } } },
        },
        components: {
          responses: {
            Ok: { $ref: '#/components/responses/Base' },
            Base: { description: 'base', content: { 'application/json': { schema: { type: 'object', required: ['id', 'kind'], properties: { id: { type: 'integer' }, kind: { enum: ['thing'] } } } } } },
          },
        },
      }),
    });
    folders.push(folder);
    const { decoy, log } = await startDecoy({ openapi: [`${folder.dir}/api.json`], seed: 1 });
    started.push(decoy);
    const res = await get(`${decoy.url}/thing`);
    assert.equal(res.status, 200, log.text());
    const body = JSON.parse(res.text) as { id: unknown; kind: unknown };
    assert.equal(typeof body.id, 'number');
    assert.equal(body.kind, 'thing');
  });
});
