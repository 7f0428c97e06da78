import assert from 'node:assert/strict';
import { importOpenApiDocument } from '../../../src/sources/importers/openapi.js';

/** A small OpenAPI 3.0 document with the faults real ones have (issue 20). */
const DOC = {
  openapi: '3.0.3',
  info: { title: 'faults', version: '1' },
  paths: {
    '/tags/{arn}': {
      get: {
        operationId: 'listTags',
        parameters: [{ name: 'arn', in: 'path', required: true, schema: { type: 'string', pattern: '[\\p{all}]*' } }],
        responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string', pattern: '^\\p{XDigit}+$' }, code: { type: 'string', pattern: '(?<!x' } } } } } } },
      },
    },
    '/events/{id}': {
      get: {
        operationId: 'getEvent',
        responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: { day: { type: 'string', format: 'date' } } }, example: { day: '2024-05-01T10:00:00Z' } } } } },
      },
    },
    '/snippets/{w}/{id}/comments': { get: { operationId: 'comments', responses: { 200: { description: 'ok' } } } },
    '/snippets/{w}/{id}/{node}': { get: { operationId: 'node', responses: { 200: { description: 'ok' } } } },
  },
};

describe('OpenAPI import: what real documents need', () => {
  it('a Java pattern is translated (\\p{all}, \\p{XDigit}); one that compiles in neither is dropped with one warning naming the operation, never the operation', async () => {
    const { stubs, warnings } = await importOpenApiDocument(structuredClone(DOC), { documentName: 'faults', validateRequests: true });
    const tags = stubs.find((s) => s.name === 'listTags')!;
    const props = (tags.response!.schema as { properties: Record<string, { pattern?: string }> }).properties;
    const hex = new RegExp(props.name!.pattern!, 'u');
    assert.ok(hex.test('ab12') && !hex.test('xyz'), props.name!.pattern);
    assert.equal(props.code!.pattern, undefined);
    assert.equal(tags.requestSchema!.parameters![0]!.schema && (tags.requestSchema!.parameters![0]!.schema as { pattern: string }).pattern, '[\\s\\S]*');
    assert.deepEqual(warnings.filter((w) => /pattern/.test(w)), ['faults: GET /tags/{arn}: pattern "(?<!x" compiles neither as a JavaScript nor as a Java regular expression; ignored for generation and validation']);
  });

  it('an example that breaks its own schema is not served: the body is generated, with a warning at load', async () => {
    const { stubs, warnings } = await importOpenApiDocument(structuredClone(DOC), { documentName: 'faults' });
    const event = stubs.find((s) => s.name === 'getEvent')!;
    assert.equal(event.response!.jsonBody, undefined);
    assert.ok(event.response!.schema);
    assert.ok(warnings.includes('faults: GET /events/{id} (getEvent): the example "default" of response 200 (application/json) breaks its schema (/day must match format "date"); a generated body is served instead'), warnings.join('\n'));
  });

  it('a template with fewer parameters comes first (/snippets/{w}/{id}/comments before /snippets/{w}/{id}/{node})', async () => {
    const { stubs } = await importOpenApiDocument(structuredClone(DOC), { documentName: 'faults' });
    const priority = (name: string) => stubs.find((s) => s.name === name)!.priority!;
    assert.ok(priority('comments') < priority('node'));
  });
});

describe('OpenAPI import: readOnly and writeOnly', () => {
  const doc = {
    openapi: '3.0.3', info: { title: 'users', version: '1' },
    paths: {
      '/users': {
        post: {
          operationId: 'createUser',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } },
          responses: { 201: { description: 'created', content: { 'application/json': { schema: { $ref: '#/components/schemas/User' } } } } },
        },
      },
    },
    components: { schemas: { User: { type: 'object', required: ['id', 'name', 'password'], properties: { id: { type: 'integer', readOnly: true }, name: { type: 'string' }, password: { type: 'string', writeOnly: true } } } } },
  };

  it('a required readOnly property is not required in a request, a required writeOnly one not in a response (nor generated)', async () => {
    const { stubs } = await importOpenApiDocument(structuredClone(doc), { documentName: 'users', validateRequests: true });
    const create = stubs.find((s) => s.name === 'createUser')!;
    const requestUser = (create.requestSchema!.body!.content as Record<string, { $defs: { User: { required: string[] } } }>)['application/json']!.$defs.User;
    assert.deepEqual(requestUser.required, ['name', 'password']);
    const responseUser = (create.response!.schema as { $defs: { User: { required: string[] } } }).$defs.User;
    assert.deepEqual(responseUser.required, ['id', 'name']);
  });
});
