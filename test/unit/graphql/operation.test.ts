/**
 * GraphQL operations as matching sees them: which requests carry one, and the normal form two
 * operations share when they ask for the same thing.
 */
import assert from 'node:assert/strict';
import { graphqlCall, isGraphqlError, parseQuery } from '../../../src/core/graphql/operation.js';
import { DecoyRequest } from '../../../src/core/request.js';

const normal = (query: string, operationName?: string) => graphqlCall({ query, ...(operationName ? { operationName } : {}) }).normalized();

describe('GraphQL operations', () => {
  describe('normal form: what does not change the meaning does not count', () => {
    const same: Array<[string, string, string]> = [
      ['whitespace and commas', '{ user(id: 1) { name email } }', 'query {\n  user(id: 1) {\n    name,\n    email\n  }\n}'],
      ['field order', '{ user(id: 1) { name email } }', '{ user(id: 1) { email name } }'],
      ['argument order', '{ users(first: 2, after: "x") { id } }', '{ users(after: "x", first: 2) { id } }'],
      ['input object field order', '{ f(input: { a: 1, b: 2 }) { id } }', '{ f(input: { b: 2, a: 1 }) { id } }'],
      ['order of aliased fields', '{ a: user(id: 1) { id } b: user(id: 2) { id } }', '{ b: user(id: 2) { id } a: user(id: 1) { id } }'],
      ['a fragment spread', 'query { user(id: 1) { ...U } } fragment U on User { name email }', '{ user(id: 1) { email name } }'],
      ['an inline fragment on the field\'s own type', '{ user(id: 1) { ... on User { name } id } }', '{ user(id: 1) { id name } }'],
      ['a field selected twice', '{ user(id: 1) { name } user(id: 1) { email } }', '{ user(id: 1) { email name } }'],
      ['variable definition order', 'query Q($b: Int, $a: Int) { f(a: $a, b: $b) }', 'query Q($a: Int, $b: Int) { f(b: $b, a: $a) }'],
      ['the operation name (compared on its own)', 'query A { f }', 'query B { f }'],
    ];
    for (const [what, a, b] of same) {
      it(`ignores ${what}`, () => assert.equal(normal(a), normal(b)));
    }

    const different: Array<[string, string, string]> = [
      ['another field', '{ user(id: 1) { name } }', '{ user(id: 1) { email } }'],
      ['another argument value', '{ user(id: 1) { name } }', '{ user(id: 2) { name } }'],
      ['an alias', '{ user(id: 1) { name } }', '{ user(id: 1) { fullName: name } }'],
      ['a mutation instead of a query', 'query { f }', 'mutation { f }'],
      ['fragments on two types of a union kept apart', '{ search { ... on User { name } ... on Order { id } } }', '{ search { ... on User { id } ... on Order { name } } }'],
    ];
    for (const [what, a, b] of different) {
      it(`tells apart ${what}`, () => assert.notEqual(normal(a), normal(b)));
    }

    it('picks the operation operationName names from a document with several', () => {
      const doc = 'query A { a } query B { b }';
      assert.equal(normal(doc, 'B'), normal('{ b }'));
      assert.equal(normal(doc), undefined, 'no operation runs without a name');
    });

    it('does not loop on a fragment that spreads itself', () => {
      assert.ok(normal('{ a { ...F } } fragment F on A { b ...F }')?.includes('b'));
    });
  });

  describe('which requests carry GraphQL', () => {
    const json = (body: unknown, type = 'application/json') => new DecoyRequest('POST', '/graphql', { 'content-type': [type] }, Buffer.from(JSON.stringify(body)));

    it('a POST with a JSON body holding query, operationName and variables', () => {
      const p = json({ query: 'query Q { a }', operationName: 'Q', variables: { id: 1 } }).graphql;
      assert.equal(p?.batch, false);
      assert.equal(p?.calls[0]?.name, 'Q');
      assert.deepEqual(p?.calls[0]?.variables, { id: 1 });
    });

    it('takes the operation name from the query when operationName is not sent', () => {
      assert.equal(json({ query: 'mutation Rename { a }' }).graphql?.calls[0]?.name, 'Rename');
      assert.equal(json({ query: 'mutation Rename { a }' }).graphql?.calls[0]?.type, 'mutation');
    });

    it('a POST of application/graphql: the body is the query', () => {
      const req = new DecoyRequest('POST', '/graphql?operationName=Q', { 'content-type': ['application/graphql'] }, Buffer.from('query Q { a }'));
      assert.equal(req.graphql?.calls[0]?.query, 'query Q { a }');
      assert.equal(req.graphql?.calls[0]?.name, 'Q');
    });

    it('a GET with query, variables and operationName parameters', () => {
      const q = new URLSearchParams({ query: 'query Q($id: ID) { a(id: $id) }', variables: '{"id":"7"}' });
      const req = new DecoyRequest('GET', `/graphql?${q}`, {});
      assert.equal(req.graphql?.calls[0]?.name, 'Q');
      assert.deepEqual(req.graphql?.calls[0]?.variables, { id: '7' });
    });

    it('a batch: a JSON array of operations', () => {
      const p = json([{ query: '{ a }' }, { query: 'query B { b }' }]).graphql;
      assert.equal(p?.batch, true);
      assert.deepEqual(p?.calls.map((c) => c.name), [undefined, 'B']);
    });

    const none: Array<[string, DecoyRequest]> = [
      ['JSON without a query', json({ name: 'x' })],
      ['an array that is not operations', json([1, 2])],
      ['a form post', new DecoyRequest('POST', '/graphql', { 'content-type': ['application/x-www-form-urlencoded'] }, Buffer.from('query=x'))],
      ['a GET without a query parameter', new DecoyRequest('GET', '/graphql?x=1', {})],
      ['a PUT', new DecoyRequest('PUT', '/graphql', { 'content-type': ['application/json'] }, Buffer.from('{"query":"{a}"}'))],
    ];
    for (const [what, req] of none) {
      it(`not ${what}`, () => assert.equal(req.graphql, undefined));
    }

    it('parses a request\'s query at most once, however many stubs look at it', () => {
      const req = json({ query: '{ a }' });
      const call = req.graphql!.calls[0]!;
      assert.equal(req.graphql, req.graphql);
      assert.equal(call.document(), call.document());
    });
  });

  describe('a query text sent again is not parsed again', () => {
    it('the same text gives the same document, and each of two operations of it keeps its own normal form', () => {
      const text = 'query A { a { id } } query B { b { name id } }';
      assert.equal(parseQuery(text), parseQuery(text));
      assert.equal(graphqlCall({ query: text, operationName: 'A' }).normalized(), normal('query A { a { id } }', 'A'));
      assert.equal(graphqlCall({ query: text, operationName: 'B' }).normalized(), normal('query B { b { id name } }', 'B'));
      assert.equal(graphqlCall({ query: text, operationName: 'A' }).normalized(), normal('query A { a { id } }', 'A'));
    });

    it('a text that does not parse gives its syntax error every time', () => {
      const first = parseQuery('{ user(id: 1) { name ');
      const again = parseQuery('{ user(id: 1) { name ');
      assert.ok(isGraphqlError(first) && isGraphqlError(again));
      assert.equal(again.message, first.message);
      assert.deepEqual(again.locations, first.locations);
    });

    it('keeps a bounded number of texts: the oldest is parsed again once many others came after it', () => {
      const oldest = '{ oldestOfAll { id } }';
      const doc = parseQuery(oldest);
      for (let i = 0; i < 1000; i++) parseQuery(`{ f${i} { id } }`);
      const later = parseQuery(oldest);
      assert.notEqual(later, doc, 'the cache held 1,000 more texts');
      assert.deepEqual(JSON.parse(JSON.stringify(later)), JSON.parse(JSON.stringify(doc)));
    });

    it('a very long text is parsed each time it comes (not kept)', () => {
      const long = `{ a { ${Array.from({ length: 3000 }, (_, i) => `f${i}`).join(' ')} } }`;
      assert.ok(long.length > 16 * 1024);
      assert.notEqual(parseQuery(long), parseQuery(long));
    });
  });
});
