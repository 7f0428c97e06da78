import assert from 'node:assert/strict';
import { pathToRegexp } from 'path-to-regexp';
import { importOpenApiDocument, toPathTemplate } from '../../../src/sources/importers/openapi.js';

describe('OpenAPI import', () => {
  const templates: Array<[string, string, string]> = [
    ['/pets', '/pets', '/pets'],
    ['/pets/{petId}', '/pets/:petId', '/pets/12'],
    ['/files/{name}.{ext}', '/files/:name.:ext', '/files/report.pdf'],
    ['/users/{user-id}/keys', '/users/:"user-id"/keys', '/users/u-1/keys'],
    ['/search(v2)/{q}', '/search\\(v2\\)/:q', '/search(v2)/cats'],
    ['/a+b/*', '/a\\+b/\\*', '/a+b/*'],
  ];
  for (const [openApi, template, example] of templates) {
    it(`path ${openApi} → template ${template}`, () => {
      assert.equal(toPathTemplate(openApi), template);
      assert.ok(pathToRegexp(template).regexp.test(example), `${template} does not fit ${example}`);
    });
  }

  it('converts OpenAPI 3.0 schemas to JSON Schema 2020-12: nullable, boolean exclusive bounds, named schemas under $defs', async () => {
    const { stubs } = await importOpenApiDocument({
      openapi: '3.0.3', info: { title: 't', version: '1' },
      paths: { '/x': { get: { operationId: 'x', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/A' } } } } } } } },
      components: {
        schemas: {
          A: { type: 'object', properties: { n: { type: 'integer', minimum: 0, exclusiveMinimum: true, nullable: true }, b: { $ref: '#/components/schemas/B' } } },
          B: { type: 'array', items: { $ref: '#/components/schemas/A' }, example: [] },
          Unused: { type: 'string' },
        },
      },
    });
    assert.deepEqual(stubs[0]!.response!.schema, {
      $ref: '#/$defs/A',
      $defs: {
        A: { type: 'object', properties: { n: { type: ['integer', 'null'], exclusiveMinimum: 0 }, b: { $ref: '#/$defs/B' } } },
        B: { type: 'array', items: { $ref: '#/$defs/A' } },
      },
    });
  });

  it('one stub per operation and variant, with stable ids, names, priorities and header matchers', async () => {
    const doc = {
      openapi: '3.1.0', info: { title: 't', version: '1' },
      paths: {
        '/p/{id}': {
          get: {
            operationId: 'getP',
            responses: {
              200: { description: 'ok', content: { 'application/xml': { schema: { type: 'string' } }, 'application/json': { examples: { one: { value: 1 }, two: { value: 2 } } } } },
              404: { description: 'no' },
            },
          },
        },
      },
    };
    const a = await importOpenApiDocument(doc, { documentName: 'd' });
    const b = await importOpenApiDocument(doc, { documentName: 'd' });
    assert.deepEqual(a.stubs.map((s) => s.id), b.stubs.map((s) => s.id));
    assert.deepEqual(a.stubs.map((s) => [s.name, s.priority, Object.keys(s.request!.headers ?? {})]), [
      ['getP', 20, []],
      ['getP (accept=application/xml)', 19, ['Accept']],
      ['getP (code=404)', 18, ['Prefer']],
      ['getP (example=one)', 17, ['Prefer']],
      ['getP (example=two)', 17, ['Prefer']],
    ]);
    assert.deepEqual(a.stubs[0]!.response, { status: 200, jsonBody: 1, headers: { 'Content-Type': 'application/json' } });
    assert.deepEqual(a.stubs[4]!.response!.jsonBody, 2);
  });
});
