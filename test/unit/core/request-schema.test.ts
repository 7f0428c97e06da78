import assert from 'node:assert/strict';
import { DecoyError } from '../../../src/core/errors.js';
import { DecoyRequest } from '../../../src/core/request.js';
import { compileRequestSchema, type RequestSchemaDefinition } from '../../../src/core/request-schema.js';

const SCHEMA: RequestSchemaDefinition = {
  operation: 'GET /items/{id}',
  parameters: [
    { in: 'path', name: 'id', required: true, schema: { type: 'integer', minimum: 1 } },
    { in: 'query', name: 'ids', schema: { type: 'array', items: { type: 'integer' } }, delimiter: ',' },
    { in: 'query', name: 'tag', schema: { type: 'array', items: { type: 'string' }, maxItems: 2 } },
    { in: 'query', name: 'flag', schema: { type: 'boolean' } },
    { in: 'header', name: 'X-Trace', required: true, schema: { type: 'string', pattern: '^[a-f0-9]{4}$' } },
  ],
  body: { required: false, content: { 'application/json': { type: 'object', required: ['n'], properties: { n: { type: 'number' } } }, 'text/*': true } },
};

function request(url: string, headers: Record<string, string> = { 'x-trace': 'ab12' }, body = ''): DecoyRequest {
  return new DecoyRequest(body ? 'POST' : 'GET', url, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]])), Buffer.from(body));
}

describe('requestSchema', () => {
  const schema = compileRequestSchema(SCHEMA, '/requestSchema');
  const cases: Array<[string, DecoyRequest, Record<string, string>, Array<[string, string | undefined, string]>]> = [
    ['a valid request', request('/items/3?ids=1,2&tag=a&tag=b&flag=true'), { id: '3' }, []],
    ['text coerced: "3" is an integer, one tag is an array of one', request('/items/3?tag=a'), { id: '3' }, []],
    ['a path parameter out of range', request('/items/0'), { id: '0' }, [['path', 'id', '']]],
    ['one bad item of a delimited array, by pointer', request('/items/1?ids=1,x,3'), { id: '1' }, [['query', 'ids', '/1']]],
    ['too many repeated values', request('/items/1?tag=a&tag=b&tag=c'), { id: '1' }, [['query', 'tag', '']]],
    ['a boolean that is not one', request('/items/1?flag=maybe'), { id: '1' }, [['query', 'flag', '']]],
    ['a missing required header, and a bad one', request('/items/1', {}), { id: '1' }, [['header', 'X-Trace', '']]],
    ['a header against its pattern', request('/items/1', { 'x-trace': 'XYZ' }), { id: '1' }, [['header', 'X-Trace', '']]],
    ['a JSON body missing a property', request('/items/1', { 'x-trace': 'ab12', 'content-type': 'application/json' }, '{"m":1}'), { id: '1' }, [['body', undefined, '']]],
    ['a JSON body with a wrong type, by pointer', request('/items/1', { 'x-trace': 'ab12', 'content-type': 'application/json; charset=utf-8' }, '{"n":"one"}'), { id: '1' }, [['body', undefined, '/n']]],
    ['a wildcard media type accepts any text, unchecked', request('/items/1', { 'x-trace': 'ab12', 'content-type': 'text/csv' }, 'a,b'), { id: '1' }, []],
    ['an undeclared media type', request('/items/1', { 'x-trace': 'ab12', 'content-type': 'application/xml' }, '<a/>'), { id: '1' }, [['header', 'Content-Type', '']]],
  ];
  for (const [name, req, params, expected] of cases) {
    it(name, () => {
      assert.deepEqual(schema.check(req, params).map((v) => [v.in, v.name, v.pointer]), expected);
    });
  }

  it('the answer is a 400 with the operation and every violation, as JSON', () => {
    const violations = schema.check(request('/items/0', {}), { id: '0' });
    const answer = schema.answer(violations);
    assert.equal(answer.status, 400);
    const body = JSON.parse(answer.body.toString());
    assert.equal(body.operation, 'GET /items/{id}');
    assert.equal(body.violations.length, 2);
    assert.deepEqual(body.violations[1], { in: 'header', name: 'X-Trace', pointer: '', message: 'header parameter X-Trace is required', expected: 'present', got: null });
  });

  it('a schema that does not compile is a load error at its pointer', () => {
    assert.throws(() => compileRequestSchema({ parameters: [{ in: 'query', name: 'q', schema: { type: 'strnig' } }] }, '/requestSchema'), (e: DecoyError) => {
      assert.equal(e.code, 'DECOY_ERR_SCHEMA_INVALID');
      assert.equal(e.source?.pointer, '/requestSchema/parameters/0/schema/type');
      return true;
    });
  });
});
