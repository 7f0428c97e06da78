/**
 * GraphQL stubs as they load and as the index finds them: every problem in a `graphql:` key is a load
 * error that says where (the pointer, and the line and column inside a query or a schema), and stubs
 * found by operation name keep WireMock's order against every other stub.
 */
import assert from 'node:assert/strict';
import { DecoyError } from '../../../src/core/errors.js';
import { StubSet } from '../../../src/core/matching/stub-index.js';
import { DecoyRequest } from '../../../src/core/request.js';
import { compileStub } from '../../../src/core/stub.js';
import type { StubDefinition } from '../../../src/core/stub-definition.js';

const SDL = 'type Query { user(id: ID!): User } type User { id: ID! name: String email: String }';

function loadError(def: StubDefinition): DecoyError {
  try {
    compileStub(def, { sequence: 1 });
  } catch (e) {
    assert.ok(e instanceof DecoyError, String(e));
    return e;
  }
  assert.fail('the stub loaded');
}

const post = (body: unknown, url = '/graphql') => new DecoyRequest('POST', url, { 'content-type': ['application/json'] }, Buffer.from(JSON.stringify(body)));

describe('GraphQL stubs', () => {
  describe('load errors say where', () => {
    const cases: Array<[string, StubDefinition, string, RegExp]> = [
      ['a query that does not parse', { request: { graphql: { query: '{\n  user { name ' } } },
        '/request/graphql/query', /the GraphQL query does not parse \(line 2, column 15 of the query\)/],
      ['several operations and no operationName', { request: { graphql: { query: 'query A { a } query B { b }' } } },
        '/request/graphql/query', /several operations \(A, B\); name the one to match with operationName/],
      ['an operationName the query does not have', { request: { graphql: { operationName: 'C', query: 'query A { a }' } } },
        '/request/graphql/query', /no operation named "C" \(it has A\)/],
      ['an unknown key', { request: { graphql: { operation: 'A' } } },
        '/request/graphql/operation', /unknown key "operation"; valid keys: operationName/],
      ['a bad operationType', { request: { graphql: { operationType: 'read' } } } as unknown as StubDefinition,
        '/request/graphql/operationType', /must be one of query, mutation, subscription/],
      ['a bad variable pattern', { request: { graphql: { variables: { id: { matches: '(' } } } } },
        '/request/graphql/variables/id/matches', /invalid regex/],
      ['graphql-body-matcher without a query', { request: { customMatcher: { name: 'graphql-body-matcher', parameters: { variables: {} } } } },
        '/request/customMatcher/parameters/query', /needs a query/],
      ['graphql-body-matcher with expectedJson that is not JSON', { request: { customMatcher: { name: 'graphql-body-matcher', parameters: { expectedJson: '{ query: ' } } } },
        '/request/customMatcher/parameters/expectedJson', /expectedJson is not JSON/],
      ['a schema that does not build', { request: {}, response: { graphql: { schema: 'type Query {\n  user: Usr\n}' } } },
        '/response/graphql/schema', /Unknown type "Usr"/],
      ['an override of a field the schema does not have', { request: {}, response: { graphql: { schema: SDL, overrides: { 'User.emial': 'x' } } } },
        '/response/graphql/overrides/User.emial', /type User has no field emial \(did you mean email\?\)/],
      ['an override of a type the schema does not have', { request: {}, response: { graphql: { schema: SDL, overrides: { Usr: 'x' } } } },
        '/response/graphql/overrides/Usr', /the schema has no type Usr \(did you mean User\?\)/],
      ['an error on a field the schema does not have', { request: {}, response: { graphql: { schema: SDL, errors: [{ field: 'User.age' }] } } },
        '/response/graphql/errors/0/field', /type User has no field age/],
      ['an unknown faker function', { request: {}, response: { graphql: { schema: SDL, overrides: { 'User.name': { faker: 'person.nope' } } } } },
        '/response/graphql/overrides/User.name/faker', /not a faker function/],
      ['two schemas', { request: {}, response: { graphql: { schema: SDL, schemaFile: 'x.graphql' } } },
        '/response/graphql/schemaFile', /more than one schema/],
      ['graphql beside another body', { request: {}, response: { body: 'x', graphql: { errors: ['x'] } } },
        '/response/graphql', /more than one body/],
      ['an error by field without a schema', { request: {}, response: { graphql: { errors: [{ field: 'User.name' }] } } },
        '/response/graphql/errors', /needs a schema/],
    ];
    for (const [what, def, pointer, message] of cases) {
      it(what, () => {
        const e = loadError(def);
        assert.equal(e.source?.pointer, pointer, e.message);
        assert.match(e.message, message);
      });
    }
  });

  it('a stub with graphql-body-matcher loads without the "cannot run this extension" warning', () => {
    const stub = compileStub({ request: { customMatcher: { name: 'graphql-body-matcher', parameters: { query: '{ a }' } } } }, { sequence: 1 });
    assert.deepEqual(stub.warnings, []);
    const other = compileStub({ request: { customMatcher: { name: 'my-matcher' } } }, { sequence: 2 });
    assert.equal(other.warnings.length, 1);
  });

  describe('answers from a schema', () => {
    const answer = (def: StubDefinition['response'], query: string): any => {
      const stub = compileStub({ request: {}, response: def }, { sequence: 1 });
      const w = stub.responses[0]!.render!({ request: post({ query }), random: () => 0.5, stub, stableSeed: 7 });
      return JSON.parse(w.body.toString('utf8'));
    };
    const SHOP = 'scalar DateTime type Query { users: [User!]!, me: User } type User { name: String!, tags: [String!]!, seen: [DateTime!]!, best: User }';

    it('a type\'s override gives each item of a list of that type, not the list', () => {
      const out = answer({ graphql: { schema: SHOP, overrides: { DateTime: '2024-01-01T00:00:00Z', User: { name: 'Ada' } }, listLength: 2 } }, '{ users { name seen } me { name } }');
      assert.deepEqual(out.data.users, [{ name: 'Ada', seen: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'] }, { name: 'Ada', seen: ['2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z'] }]);
      assert.equal(out.data.me.name, 'Ada');
    });

    it('a field\'s override gives the field: a whole list, a list\'s length, a faker value for each item', () => {
      const out = answer({ graphql: { schema: SHOP, overrides: { 'User.tags': ['a', 'b', 'c'], 'Query.users': { length: 4 }, 'User.name': { faker: 'person.firstName' } } } }, '{ users { name tags } }');
      assert.equal(out.data.users.length, 4);
      assert.ok(out.data.users.every((u: { name: string; tags: string[] }) => typeof u.name === 'string' && u.name.length > 0 && u.tags.join() === 'a,b,c'));
    });

    it('the same request and seed give the same answer', () => {
      const def = { graphql: { schema: SHOP } };
      assert.deepEqual(answer(def, '{ users { name tags best { name } } }'), answer(def, '{ users { name tags best { name } } }'));
    });
  });

  describe('the index by operation name', () => {
    const opStub = (name: string, sequence: number, priority?: number) => compileStub({
      id: `op-${name}`, ...(priority ? { priority } : {}),
      request: { method: 'POST', urlPath: '/graphql', graphql: { operationName: name } }, response: { body: name },
    }, { sequence });

    it('finds the stub of the operation among a thousand', () => {
      const stubs = Array.from({ length: 1000 }, (_, i) => opStub(`Op${i}`, i + 1));
      const set = new StubSet(stubs);
      assert.equal(set.find(post({ query: 'query Op737 { a }' }))?.id, 'op-Op737');
      assert.equal(set.find(post({ query: '{ a }', operationName: 'Op5' }))?.id, 'op-Op5');
      assert.equal(set.find(post({ query: 'query Nope { a }' })), undefined);
    });

    it('keeps WireMock\'s order against stubs outside the index: priority first, then the newest', () => {
      const catchAll = compileStub({ id: 'catch-all', priority: 1, request: { urlPath: '/graphql' }, response: { body: 'all' } }, { sequence: 1 });
      const anyPath = compileStub({ id: 'any', request: {}, response: { body: 'any' } }, { sequence: 3 });
      const indexed = opStub('A', 2);
      assert.equal(new StubSet([catchAll, indexed, anyPath]).find(post({ query: 'query A { a }' }))?.id, 'catch-all', 'priority 1 beats the indexed stub');
      assert.equal(new StubSet([indexed, anyPath]).find(post({ query: 'query A { a }' }))?.id, 'any', 'among equal priorities the newest wins');
      assert.equal(new StubSet([anyPath, opStub('A', 4)]).find(post({ query: 'query A { a }' }))?.id, 'op-A');
      assert.equal(new StubSet([anyPath, opStub('A', 4)]).find(post({ query: 'query A { a }' }, '/other'))?.id, 'any', 'the indexed stub keeps its path');
    });

    it('finds an indexed stub that names no path, on any path', () => {
      const stub = compileStub({ id: 'no-path', request: { graphql: { operationName: 'A' } }, response: {} }, { sequence: 1 });
      assert.equal(new StubSet([stub]).find(post({ query: 'query A { a }' }, '/api/v2/graphql'))?.id, 'no-path');
    });

    it('looks at no header or body of a request on a path no GraphQL stub is on', () => {
      const set = new StubSet([opStub('A', 1)]);
      let headerReads = 0;
      const rest = new DecoyRequest('POST', '/orders', () => { headerReads++; return { 'content-type': ['application/json'] }; }, Buffer.from('{"query":"query A { a }"}'));
      assert.equal(set.find(rest), undefined);
      assert.equal(headerReads, 0, 'the request was not read as GraphQL');
      assert.equal(set.find(post({ query: 'query A { a }' }))?.id, 'op-A');
    });
  });
});
