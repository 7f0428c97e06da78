import assert from 'node:assert/strict';
import { compileSchema, generateValid, loadSchemaGenerator } from '../../../../src/core/response/schema-response.js';

/** A value generated (and validated) from `schema` with `seed`. */
function generated(schema: object, seed = 1): unknown {
  const { value, problem } = generateValid(compileSchema(schema, '/schema'), seed);
  assert.equal(problem, undefined, `not valid: ${problem} in ${JSON.stringify(value)}`);
  return value;
}

describe('generated data: realistic and always valid', () => {
  before(() => loadSchemaGenerator());

  const byName: Array<[string, RegExp]> = [
    ['email', /^[^@\s]+@[^@\s]+\.[a-z]+$/],
    ['name', /^\S+(?: \S+)+$/],
    ['firstName', /^[A-Z][a-z'-]+/],
    ['city', /^[A-Z]/],
    ['createdAt', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/],
    ['website', /^https?:\/\//],
    ['phone', /^\+?[\d\s().-]+$/],
    ['country_code', /^[A-Z]{2}$/],
  ];
  for (const [name, shape] of byName) {
    it(`a string property named ${name} looks like one`, () => {
      const v = generated({ type: 'object', required: [name], properties: { [name]: { type: 'string' } } }) as Record<string, string>;
      assert.match(v[name]!, shape);
    });
  }

  it('format comes before the name; lengths and bounds are kept; arrays have one to three items', () => {
    for (let seed = 0; seed < 20; seed++) {
      const v = generated({
        type: 'object', required: ['id', 'code', 'age', 'tags', 'day'],
        properties: {
          id: { type: 'string', format: 'uuid' }, code: { type: 'string', maxLength: 3, minLength: 3 },
          age: { type: 'integer' }, tags: { type: 'array', items: { type: 'string' } }, day: { type: 'string', format: 'date' },
        },
      }, seed) as { id: string; code: string; age: number; tags: string[]; day: string };
      assert.match(v.id, /^[0-9a-f-]{36}$/);
      assert.equal(v.code.length, 3);
      assert.ok(v.age >= 18 && v.age <= 90);
      assert.ok(v.tags.length >= 1 && v.tags.length <= 3);
      assert.match(v.day, /^\d{4}-\d\d-\d\d$/);
    }
  });

  it('a recursive schema ends with its smallest valid value', () => {
    const tree = { $ref: '#/$defs/Node', $defs: { Node: { type: 'object', required: ['name', 'children'], properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/$defs/Node' } }, parent: { anyOf: [{ $ref: '#/$defs/Node' }, { type: 'null' }] } } } } };
    for (let seed = 0; seed < 10; seed++) generated(tree, seed);
  });

  it('a pattern with Unicode properties is matched; writeOnly properties are left out of a response', () => {
    const v = generated({ type: 'object', required: ['label'], properties: { label: { type: 'string', pattern: '^[\\p{L}\\p{N}_-]{3,12}$' }, password: { type: 'string', writeOnly: true } } }) as Record<string, unknown>;
    assert.match(v.label as string, /^[\p{L}\p{N}_-]{3,12}$/u);
    assert.equal('password' in v, false);
  });

  it('oneOf with a discriminator names the branch it took; allOf is merged; a type array gives one of its types', () => {
    const schema = {
      type: 'object', required: ['pet', 'both', 'maybe'],
      properties: {
        pet: { oneOf: [{ $ref: '#/$defs/Cat' }, { $ref: '#/$defs/Dog' }], discriminator: { propertyName: 'kind', mapping: { cat: '#/$defs/Cat', dog: '#/$defs/Dog' } } },
        both: { allOf: [{ type: 'object', required: ['a'], properties: { a: { type: 'integer' } } }, { type: 'object', required: ['b'], properties: { b: { type: 'boolean' } } }] },
        maybe: { type: ['string', 'null'] },
      },
      $defs: {
        Cat: { type: 'object', required: ['kind', 'meows'], properties: { kind: { type: 'string' }, meows: { type: 'boolean' } } },
        Dog: { type: 'object', required: ['kind', 'barks'], properties: { kind: { type: 'string' }, barks: { type: 'boolean' } } },
      },
    };
    for (let seed = 0; seed < 10; seed++) {
      const v = generated(schema, seed) as { pet: Record<string, unknown>; both: Record<string, unknown>; maybe: unknown };
      assert.equal(v.pet.kind, 'meows' in v.pet ? 'cat' : 'dog');
      assert.equal(typeof v.both.a, 'number');
      assert.equal(typeof v.both.b, 'boolean');
      assert.ok(typeof v.maybe === 'string' || v.maybe === null);
    }
  });

  it('seeded and stable: the same seed, the same value', () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, n: { type: 'number' } } };
    assert.deepEqual(generated(schema, 42), generated(schema, 42));
    assert.notDeepEqual(generated(schema, 42), generated(schema, 43));
  });
});
