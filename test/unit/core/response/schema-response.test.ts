import assert from 'node:assert/strict';
import { DecoyError } from '../../../../src/core/errors.js';
import { DecoyRequest } from '../../../../src/core/request.js';
import { compileSchema, loadSchemaGenerator, requestSeed, toXml } from '../../../../src/core/response/schema-response.js';

describe('schema responses', () => {
  before(() => loadSchemaGenerator());

  it('the same seed generates the same value; another seed another', () => {
    const s = compileSchema({ type: 'object', required: ['a', 'b'], properties: { a: { type: 'string' }, b: { type: 'number' } } }, '/response/schema');
    assert.deepEqual(s.generate(5), s.generate(5));
    assert.notDeepEqual(s.generate(5), s.generate(6));
  });

  const bad: Array<[string, unknown, string]> = [
    ['a wrong keyword value', { type: 'object', properties: { a: { minLength: -1 } } }, '/response/schema/properties/a/minLength'],
    ['a $ref to nothing', { properties: { a: { $ref: '#/$defs/Nope' } } }, '/response/schema/properties/a/$ref'],
    ['not a schema at all', 'string', '/response/schema'],
  ];
  for (const [name, schema, pointer] of bad) {
    it(`a bad schema is DECOY_ERR_SCHEMA_INVALID at its pointer: ${name}`, () => {
      assert.throws(() => compileSchema(schema, '/response/schema'), (e: DecoyError) => e.code === 'DECOY_ERR_SCHEMA_INVALID' && e.source?.pointer === pointer);
    });
  }

  it('a request seed depends on method, URL and body, and the seed', () => {
    const r = (m: string, u: string, b = '') => new DecoyRequest(m, u, {}, Buffer.from(b));
    const base = requestSeed(r('GET', '/a?x=1'), 0);
    assert.equal(requestSeed(r('GET', '/a?x=1'), 0), base);
    for (const other of [requestSeed(r('POST', '/a?x=1'), 0), requestSeed(r('GET', '/a?x=2'), 0), requestSeed(r('GET', '/a?x=1', 'b'), 0), requestSeed(r('GET', '/a?x=1'), 1)]) {
      assert.notEqual(other, base);
    }
  });

  it('XML for XML media types: elements by property, arrays repeated, text escaped', () => {
    assert.equal(toXml({ id: 1, tags: ['a<b', 'c'], owner: null }, 'pet'), '<?xml version="1.0" encoding="UTF-8"?><pet><id>1</id><tags>a&lt;b</tags><tags>c</tags><owner/></pet>');
    assert.equal(toXml([{ id: 1 }], 'pet'), '<?xml version="1.0" encoding="UTF-8"?><pets><pet><id>1</id></pet></pets>');
  });
});
