import assert from 'node:assert/strict';
import { DecoyError } from '../../../../src/core/errors.js';
import { DecoyRequest } from '../../../../src/core/request.js';
import { compileSchema, generateValid, loadSchemaGenerator, requestSeed, toXml } from '../../../../src/core/response/schema-response.js';

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
    ['a $ref that leads back to itself (ajv would overflow its stack on first use)', { $ref: '#/$defs/A', $defs: { A: { $ref: '#/$defs/B' }, B: { $ref: '#/$defs/A' } } }, '/response/schema/$ref'],
    ['a property that refers to itself', { type: 'object', properties: { x: { $ref: '#/properties/x' } } }, '/response/schema/properties/x/$ref'],
    ['a patternProperties name that is not a regex', { type: 'object', patternProperties: { '[z-a]': { type: 'string' } } }, '/response/schema/patternProperties/[z-a]'],
    ['a named schema that breaks the meta-schema', { $ref: '#/$defs/A', $defs: { A: { type: 'object', properties: { n: { type: 'integer', minimum: 'one' } } } } }, '/response/schema/$defs/A/properties/n/minimum'],
  ];
  for (const [name, schema, pointer] of bad) {
    it(`a bad schema is DECOY_ERR_SCHEMA_INVALID at its pointer: ${name}`, () => {
      assert.throws(() => compileSchema(schema, '/response/schema'), (e: DecoyError) => e.code === 'DECOY_ERR_SCHEMA_INVALID' && e.source?.pointer === pointer);
    });
  }

  it('a named schema shared by two schemas (the same object, as an OpenAPI document\'s operations share them) is still reported in the second', () => {
    const Bad = { type: 'string', maxLength: -1 };
    assert.throws(() => compileSchema({ $ref: '#/$defs/Bad', $defs: { Bad } }, '/a'), (e: DecoyError) => e.source?.pointer === '/a/$defs/Bad/maxLength');
    assert.throws(() => compileSchema({ type: 'array', items: { $ref: '#/$defs/Bad' }, $defs: { Bad } }, '/b'), (e: DecoyError) => e.source?.pointer === '/b/$defs/Bad/maxLength');
    const Good = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } };
    assert.equal(compileSchema({ $ref: '#/$defs/Good', $defs: { Good } }, '/c').validate({ id: 'x' })?.[0]?.instancePath, '/id');
    assert.equal(compileSchema({ type: 'array', items: { $ref: '#/$defs/Good' }, $defs: { Good } }, '/d').validate([{}])?.[0]?.keyword, 'required');
  });

  it('a schema too deep for ajv is a load error or, past the checks at load, accepts values and says it checks nothing: never an exception at request time', () => {
    // How deep ajv's code generator or the checks run out of stack depends on the stack left: every depth must end one of the two ways.
    for (const depth of [100, 300, 500, 700, 900, 1500, 3000]) {
      let deep: object = { type: 'string' };
      for (let i = 0; i < depth; i++) deep = { type: 'object', properties: { a: deep } };
      let compiled;
      try {
        compiled = compileSchema(deep, '/response/schema');
      } catch (e) {
        assert.ok(e instanceof DecoyError && e.code === 'DECOY_ERR_SCHEMA_INVALID', `depth ${depth}: ${String(e)}`);
        continue;
      }
      const errors = compiled.validate({ a: 1 });
      const because = compiled.uncheckedBecause?.();
      if (because === undefined) {
        assert.equal(errors?.[0]?.keyword, 'type', `depth ${depth}`);
        continue;
      }
      assert.equal(errors, undefined);
      assert.match(because, /does not compile/);
      assert.match(generateValid(compiled, 7).unchecked ?? '', /does not compile/);
    }
  });

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
