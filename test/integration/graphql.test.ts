/**
 * GraphQL as a GraphQL client sees it (graphql-request, over real HTTP): operations matched by meaning,
 * answers from a schema, introspection, errors with locations, GraphQL-shaped failures (stub errors and
 * chaos rules per operation), batches, WireMock's GraphQL extension's stub files, the near-miss report,
 * and recording. `graphql` itself is the reference: it builds the schema back from Decoy's
 * introspection answer and validates queries the way a real server does. The contract is
 * docs/guides/graphql.md.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildClientSchema, buildSchema, getIntrospectionQuery, graphqlSync, parse, printSchema, validate,
  type IntrospectionQuery,
} from 'graphql';
import { ClientError, GraphQLClient, gql } from 'graphql-request';
import type { Decoy } from '../../src/index.js';
import { startDecoy, tempStubs } from '../support/decoy.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { admin } from '../support/wire.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'graphql');
const SCHEMA_SDL = readFileSync(path.join(FIXTURES, 'schema.graphql'), 'utf8');

const STUBS = `
- name: GetUser 1
  request:
    method: POST
    urlPath: /graphql
    graphql:
      operationName: GetUser
      variables: { id: "1" }
  response:
    status: 200
    body: { data: { user: { name: Ada, email: ada@example.com } } }
- name: GetUser in the nineties
  request:
    method: [GET, POST]
    urlPath: /graphql
    graphql:
      operationName: GetUser
      variables: { id: { matches: "9[0-9]" } }
  response:
    status: 200
    body: { data: { user: { name: Nine, email: nine@example.com } } }
- name: anonymous user 2 by its query
  request:
    method: POST
    urlPath: /graphql
    graphql:
      query: '{ user(id: "2") { name email } }'
  response:
    status: 200
    body: { data: { user: { name: Two, email: two@example.com } } }
- name: the shop, from its schema
  request:
    method: [GET, POST]
    urlPath: /shop
  response:
    graphql:
      schemaFile: schema.graphql
      listLength: 2
      overrides:
        User.name: Ada Lovelace
        Query.users: { length: 3 }
        User.email: { faker: internet.email }
        DateTime: "2024-05-01T12:00:00Z"
- name: Profile with a private email
  priority: 1
  request:
    method: POST
    urlPath: /shop
    graphql: { operationName: Profile }
  response:
    graphql:
      schemaFile: schema.graphql
      overrides: { User.name: Grace }
      errors:
        - { field: User.email, message: email is private, code: FORBIDDEN }
- name: Bubble, a non-null field failing
  priority: 1
  request:
    method: POST
    urlPath: /shop
    graphql: { operationName: Bubble }
  response:
    graphql:
      schemaFile: schema.graphql
      errors:
        - { path: user.name, message: name service down, code: INTERNAL_SERVER_ERROR }
- name: Down
  request:
    method: POST
    urlPath: /graphql
    graphql: { operationName: Down }
  response:
    graphql:
      errors:
        - { message: Service unavailable, code: SERVICE_UNAVAILABLE }
- name: Partial
  request:
    method: POST
    urlPath: /graphql
    graphql: { operationName: Partial }
  response:
    graphql:
      data: { user: { name: Ada, email: ada@example.com } }
      errors:
        - { path: user.email, message: email is private, code: FORBIDDEN }
`;

const GET_USER = gql`
  query GetUser($id: ID!) {
    user(id: $id) { name email }
  }
`;

describe('GraphQL (docs/guides/graphql.md)', function () {
  let decoy: Decoy;
  let folder: ReturnType<typeof tempStubs>;
  let graphqlUrl: string;
  let shopUrl: string;

  before(async () => {
    folder = tempStubs({ 'graphql.yaml': STUBS, '__files/schema.graphql': SCHEMA_SDL });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, stableData: true }));
    graphqlUrl = `${decoy.url}/graphql`;
    shopUrl = `${decoy.url}/shop`;
  });
  after(async () => {
    await decoy.stop();
    folder.cleanup();
  });
  afterEach(async () => {
    await admin(decoy.url, 'DELETE', '/decoy/chaos');
  });

  describe('matching by meaning', () => {
    it('matches an operation by its name and variables, however the client writes the query', async () => {
      const client = new GraphQLClient(graphqlUrl);
      const data = await client.request<{ user: { name: string } }>(GET_USER, { id: '1' });
      assert.deepEqual(data, { user: { name: 'Ada', email: 'ada@example.com' } });
      const reordered = gql`query GetUser($id: ID!) { user(id: $id) { email, name } }`;
      assert.equal((await client.request<{ user: { name: string } }>(reordered, { id: '1' })).user.name, 'Ada');
    });

    it('matches a variable with a value pattern', async () => {
      const data = await new GraphQLClient(graphqlUrl).request<{ user: { name: string } }>(GET_USER, { id: '93' });
      assert.equal(data.user.name, 'Nine');
    });

    it('matches a GET with query, variables and operationName parameters', async () => {
      const data = await new GraphQLClient(graphqlUrl, { method: 'GET' }).request<{ user: { name: string } }>(GET_USER, { id: '95' });
      assert.equal(data.user.name, 'Nine');
    });

    it('matches a query by its normal form: field order, whitespace and fragments do not count', async () => {
      const withFragment = gql`
        query { user(id: "2") { ...Contact } }
        fragment Contact on User { email
          name }
      `;
      const data = await new GraphQLClient(graphqlUrl).request<{ user: { name: string } }>(withFragment);
      assert.equal(data.user.name, 'Two');
    });

    it('matches a POST of application/graphql', async () => {
      const res = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/graphql' }, body: '{user(id:"2"){email name}}' });
      assert.equal(res.status, 200);
      assert.equal((await res.json()).data.user.name, 'Two');
    });

    it('answers a batch per operation, in order', async () => {
      const res = await fetch(graphqlUrl, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { query: 'query GetUser($id: ID!) { user(id: $id) { name email } }', variables: { id: '91' } },
          { query: '{ user(id: "2") { name email } }' },
          { query: 'query Down { user(id: "1") { name } }' },
        ]),
      });
      assert.equal(res.status, 200);
      const results = await res.json() as Array<{ data?: { user: { name: string } }; errors?: Array<{ extensions: { code: string } }> }>;
      assert.deepEqual(results.map((r) => r.data?.user.name ?? r.errors?.[0]?.extensions.code), ['Nine', 'Two', 'SERVICE_UNAVAILABLE']);
      // The journal counts the batch as served (by its first operation's stub), not as an unmatched request.
      const unmatched = await admin(decoy.url, 'GET', '/requests/unmatched');
      assert.ok(!(unmatched.json.requests as Array<{ body?: string }>).some((r) => r.body?.includes('query Down')), 'the batch is not unmatched');
      const served = await admin(decoy.url, 'GET', '/requests');
      const entry = (served.json.requests as Array<{ request: { body?: string }; stubMapping?: { name?: string } }>).find((r) => r.request.body?.includes('query Down'));
      assert.equal(entry?.stubMapping?.name, 'GetUser in the nineties');
    });

    it('a batch with an operation nothing matches is a 404 whose report is about that operation', async () => {
      const res = await fetch(graphqlUrl, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { query: '{ user(id: "2") { name email } }' },
          { query: 'query GetUser($id: ID!) { user(id: $id) { name email } }', variables: { id: '42' } },
        ]),
      });
      assert.equal(res.status, 404);
      const report = await res.text();
      assert.match(report, /Operation 2 of the batch of 2 \(GetUser\) was not matched; the others were\./);
      assert.match(report, /GraphQL does not match: variable \$id is "42"/);
      assert.match(report, /    graphql:\n      operationName: GetUser\n      variables:\n        id: "42"\n/, 'the suggested stub is for that operation');
    });

    it('the near-miss report names the operation and the part that differed', async () => {
      const field = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ user(id: "2") { name avatar } }' }) });
      assert.equal(field.status, 404);
      const report = await field.text();
      assert.match(report, /GraphQL does not match: field user\.email is not in the request's query \(it asks for user\.avatar instead\)/);

      const variable = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query GetUser($id: ID!) { user(id: $id) { name } }', variables: { id: '7' } }) });
      assert.match(await variable.text(), /GraphQL does not match: variable \$id is "7"; expected it/);

      const name = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query GetUsr($id: ID!) { user(id: $id) { name email } }', variables: { id: '1' } }) });
      const nameReport = await name.text();
      assert.match(nameReport, /operation name "GetUsr" is not "GetUser"/);
      assert.match(nameReport, /A stub that would match this request:\n\n  request:\n    method: POST\n    urlPath: \/graphql\n    graphql:\n      operationName: GetUsr\n      variables:\n        id: "1"\n/);
    });
  });

  describe('answers from a schema', () => {
    it('answers any valid query with data of the right shape and the overrides', async () => {
      const data = await new GraphQLClient(shopUrl).request<{ users: Array<{ id: string; name: string; email: string; role: string; createdAt: string; orders: Array<{ total: number; items: string[]; paid: boolean }> }> }>(gql`
        { users { id name email role createdAt orders { total items paid } } }
      `);
      assert.equal(data.users.length, 3, 'Query.users: { length: 3 }');
      for (const u of data.users) {
        assert.equal(u.name, 'Ada Lovelace');
        assert.match(u.email, /@/);
        assert.ok(['ADMIN', 'CUSTOMER', 'GUEST'].includes(u.role), u.role);
        assert.equal(u.createdAt, '2024-05-01T12:00:00Z');
        assert.equal(u.orders.length, 2, 'listLength: 2');
        for (const o of u.orders) {
          assert.equal(typeof o.total, 'number');
          assert.equal(typeof o.paid, 'boolean');
          assert.ok(o.items.every((i) => typeof i === 'string'));
        }
      }
    });

    it('answers the same request with the same data (stable data)', async () => {
      const body = JSON.stringify({ query: '{ search(text: "x") { __typename ... on User { id role } ... on Order { id total } } }' });
      const a = await (await fetch(shopUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text();
      const b = await (await fetch(shopUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text();
      assert.equal(a, b);
      const results = JSON.parse(a).data.search as Array<{ __typename: string }>;
      assert.ok(results.every((r) => r.__typename === 'User' || r.__typename === 'Order'), a);
    });

    it('answers introspection from the schema: graphql builds the same schema back', async () => {
      const data = await new GraphQLClient(shopUrl).request<IntrospectionQuery>(getIntrospectionQuery());
      assert.equal(printSchema(buildClientSchema(data)), printSchema(buildSchema(SCHEMA_SDL)));
    });

    it('answers an invalid query with the errors a GraphQL server gives, with locations', async () => {
      const query = '{ user(id: "1") { nmae } }';
      const expected = validate(buildSchema(SCHEMA_SDL), parse(query)).map((e) => e.toJSON());
      await assert.rejects(new GraphQLClient(shopUrl).request(query), (e: unknown) => {
        assert.ok(e instanceof ClientError);
        assert.equal(e.response.status, 200);
        assert.deepEqual(e.response.errors, expected);
        assert.deepEqual(e.response.errors?.[0]?.locations, [{ line: 1, column: 19 }]);
        return true;
      });
    });

    it('answers a syntax error with its location', async () => {
      const res = await fetch(shopUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ user(id: "1") { name }' }) });
      const body = await res.json() as { errors: Array<{ message: string; locations: unknown }> };
      assert.match(body.errors[0]!.message, /^Syntax Error/);
      assert.deepEqual(body.errors[0]!.locations, [{ line: 1, column: 25 }]);
    });

    it('refuses a mutation sent with GET with a 405, as GraphQL over HTTP says', async () => {
      const res = await fetch(`${shopUrl}?${new URLSearchParams({ query: 'mutation { renameUser(id: "1", name: "X") { id } }' })}`);
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'POST');
      assert.match((await res.json()).errors[0].message, /mutation/);
      const query = await fetch(`${shopUrl}?${new URLSearchParams({ query: '{ users { id } }' })}`);
      assert.equal(query.status, 200, 'a query may be sent with GET');
    });

    it('runs a mutation against the schema', async () => {
      const data = await new GraphQLClient(shopUrl).request<{ renameUser: { id: string; name: string } }>(gql`mutation { renameUser(id: "1", name: "X") { id name } }`);
      assert.equal(data.renameUser.name, 'Ada Lovelace');
    });
  });

  describe('GraphQL-shaped failures', () => {
    it('one field fails: null with its error, the rest of the data is there', async () => {
      const client = new GraphQLClient(shopUrl, { errorPolicy: 'all' });
      const res = await client.rawRequest<{ user: { name: string; email: string | null; role: string } }>(gql`query Profile { user(id: "1") { name email role } }`);
      assert.equal(res.data.user.name, 'Grace');
      assert.equal(res.data.user.email, null);
      assert.ok(res.data.user.role);
      assert.deepEqual(res.errors?.map((e) => ({ message: e.message, path: e.path, code: e.extensions?.code })), [{ message: 'email is private', path: ['user', 'email'], code: 'FORBIDDEN' }]);
      assert.ok(res.errors?.[0]?.locations?.length, 'the error says where the field is in the query');
    });

    it('a failing non-null field nulls its nearest nullable parent, as a GraphQL server does', async () => {
      const client = new GraphQLClient(shopUrl, { errorPolicy: 'all' });
      const res = await client.rawRequest<{ user: null }>(gql`query Bubble { user(id: "1") { id name } }`);
      assert.equal(res.data.user, null);
      assert.deepEqual(res.errors?.[0]?.path, ['user', 'name']);
    });

    it('an errors array with HTTP 200 and extensions.code, which clients branch on', async () => {
      await assert.rejects(new GraphQLClient(graphqlUrl).request(gql`query Down { user(id: "1") { name } }`), (e: unknown) => {
        assert.ok(e instanceof ClientError);
        assert.equal(e.response.status, 200);
        assert.equal(e.response.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE');
        assert.equal(e.response.data, undefined);
        return true;
      });
    });

    it('partial written data with an error on a path', async () => {
      const res = await new GraphQLClient(graphqlUrl, { errorPolicy: 'all' }).rawRequest<{ user: { name: string; email: null } }>(gql`query Partial { user(id: "1") { name email } }`);
      assert.deepEqual(res.data, { user: { name: 'Ada', email: null } });
      assert.deepEqual(res.errors?.[0]?.path, ['user', 'email']);
    });

    it('a chaos rule per operation answers GraphQL errors for that operation only', async () => {
      const rule = await admin(decoy.url, 'POST', '/decoy/chaos', {
        request: { graphql: { operationName: 'GetUser' } },
        graphql: { errors: [{ message: 'slow down', code: 'RATE_LIMITED' }] },
      });
      assert.equal(rule.status, 201, rule.text);
      const client = new GraphQLClient(graphqlUrl);
      await assert.rejects(client.request(GET_USER, { id: '1' }), (e: unknown) => e instanceof ClientError && e.response.status === 200 && e.response.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
      const other = await client.request<{ user: { name: string } }>(gql`{ user(id: "2") { name email } }`);
      assert.equal(other.user.name, 'Two');
    });

    it('a chaos rule fails one field of the answer the operation gets anyway (written data)', async () => {
      const rule = await admin(decoy.url, 'POST', '/decoy/chaos', {
        request: { graphql: { operationName: 'GetUser' } },
        graphql: { errors: [{ path: 'user.email', message: 'email is private', code: 'FORBIDDEN' }] },
        hits: 1,
      });
      assert.equal(rule.status, 201, rule.text);
      const client = new GraphQLClient(graphqlUrl, { errorPolicy: 'all' });
      const failed = await client.rawRequest<{ user: { name: string; email: string | null } }>(GET_USER, { id: '1' });
      assert.deepEqual(failed.data, { user: { name: 'Ada', email: null } });
      assert.deepEqual(failed.errors?.map((e) => [e.message, e.path, e.extensions?.code]), [['email is private', ['user', 'email'], 'FORBIDDEN']]);
      const next = await client.rawRequest<{ user: { email: string } }>(GET_USER, { id: '1' });
      assert.equal(next.data.user.email, 'ada@example.com', 'hits: 1, so the next answer is whole again');
    });

    it('a chaos rule fails a field in every item of a generated list', async () => {
      const rule = await admin(decoy.url, 'POST', '/decoy/chaos', {
        request: { urlPath: '/shop', graphql: { operationName: 'Team' } },
        graphql: { errors: [{ path: 'users.email', message: 'mail server down', code: 'UNAVAILABLE' }] },
      });
      assert.equal(rule.status, 201, rule.text);
      const res = await new GraphQLClient(shopUrl, { errorPolicy: 'all' }).rawRequest<{ users: Array<{ name: string; email: string | null }> }>(gql`query Team { users { name email } }`);
      assert.equal(res.data.users.length, 3);
      assert.ok(res.data.users.every((u) => u.name === 'Ada Lovelace' && u.email === null));
      assert.deepEqual(res.errors?.map((e) => e.path), [['users', 0, 'email'], ['users', 1, 'email'], ['users', 2, 'email']]);
    });

    it('a chaos rule per operation can break the connection (every HTTP fault applies)', async () => {
      const rule = await admin(decoy.url, 'POST', '/decoy/chaos', { request: { graphql: { operationName: 'GetUser' } }, fault: 'CONNECTION_RESET_BY_PEER' });
      assert.equal(rule.status, 201, rule.text);
      await assert.rejects(new GraphQLClient(graphqlUrl).request(GET_USER, { id: '1' }), (e: unknown) => !(e instanceof ClientError));
    });
  });
});

describe('WireMock GraphQL extension stub files (graphql-body-matcher)', function () {
  let decoy: Decoy;
  before(async () => {
    ({ decoy } = await startDecoy({ stubsDir: path.join(FIXTURES, 'wiremock-extension') }));
  });
  after(async () => decoy.stop());

  it('expectedJson as a JSON text: the query matches after normalizing, the variables as JSON', async () => {
    const data = await new GraphQLClient(`${decoy.url}/graphql`).request<{ hero: { name: string } }>(gql`
      query HeroInfo($id: Int) { hero(id: $id) { friends { name } name } }
    `, { id: 1 });
    assert.equal(data.hero.name, 'R2-D2');
  });

  it('query, variables and operationName parameters (the extension from 0.8 on)', async () => {
    const data = await new GraphQLClient(`${decoy.url}/graphql`).request<{ hero: { name: string } }>(gql`query HeroInfo($id: Int) { hero(id: $id) { name } }`, { id: 2 });
    assert.equal(data.hero.name, 'C-3PO');
  });

  it('a stub without variables matches a request without any, and not one with some', async () => {
    const client = new GraphQLClient(`${decoy.url}/graphql`);
    const data = await client.request<{ demo: unknown[] }>(gql`{ demo { name id } }`);
    assert.equal(data.demo.length, 1);
    await assert.rejects(client.request(gql`{ demo { name id } }`, { extra: 1 }), (e: unknown) => e instanceof ClientError && e.response.status === 404);
  });

  it('query parameters without variables or operationName (0.8 on): the request must send neither, and name its operation as the stub does', async () => {
    const post = (body: unknown) => fetch(`${decoy.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await post({ query: 'query Villain {\n  villain { name }\n}' });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).data.villain.name, 'Vader');
    assert.equal((await post({ query: 'query Villain { villain { name } }', variables: {} })).status, 404, 'variables: {} is sending variables');
    const named = await post({ query: 'query Villain { villain { name } }', operationName: 'Villain' });
    assert.equal(named.status, 404, 'an operationName the stub does not name');
    assert.match(await named.text(), /a graphql-body-matcher without operationName matches only requests that send none/);
    assert.equal((await post({ query: 'query Baddie { villain { name } }' })).status, 404, 'another name in the query');
  });

  it('different variables do not match', async () => {
    await assert.rejects(new GraphQLClient(`${decoy.url}/graphql`).request(gql`query HeroInfo($id: Int) { hero(id: $id) { name } }`, { id: 3 }),
      (e: unknown) => e instanceof ClientError && e.response.status === 404);
  });
});

describe('recording GraphQL traffic', function () {
  let upstream: Upstream;
  let decoy: Decoy;
  let folder: ReturnType<typeof tempStubs>;
  const schema = buildSchema(SCHEMA_SDL);
  before(async () => {
    // A real GraphQL server: graphql executes each query against the shop schema.
    upstream = await startUpstream((_req, res, body) => {
      type Operation = { query: string; variables?: Record<string, unknown>; operationName?: string };
      const run = ({ query, variables, operationName }: Operation) => graphqlSync({
        schema, source: query, variableValues: variables, operationName,
        rootValue: { user: ({ id }: { id: string }) => ({ id, name: `user ${id}`, email: `u${id}@example.com`, role: 'GUEST' }) },
      });
      const sent = JSON.parse(body.toString('utf8')) as Operation | Operation[];
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(Array.isArray(sent) ? sent.map(run) : run(sent)));
    });
    folder = tempStubs();
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
  });
  after(async () => {
    await decoy.stop();
    await upstream.close();
    folder.cleanup();
  });

  it('records a proxied operation as a graphql: stub that replays the operation however it is written', async () => {
    const started = await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream.url });
    assert.equal(started.status, 200, started.text);
    const client = new GraphQLClient(`${decoy.url}/graphql`);
    const live = await client.request<{ user: { name: string } }>(GET_USER, { id: '5' });
    assert.equal(live.user.name, 'user 5');
    const stopped = await admin(decoy.url, 'POST', '/recordings/stop');
    assert.equal(stopped.status, 200, stopped.text);
    const recorded = (stopped.json.mappings as Array<{ request: Record<string, unknown> }>)[0]!;
    assert.equal(recorded.request.bodyPatterns, undefined, 'no exact-body pattern');
    assert.deepEqual(recorded.request.graphql, { operationName: 'GetUser', query: GET_USER, variables: { id: '5' } });

    const before = upstream.requests.length;
    const replay = await client.request<{ user: { name: string; email: string } }>(gql`query GetUser($id: ID!) { user(id: $id) { email name } }`, { id: '5' });
    assert.deepEqual(replay.user, { name: 'user 5', email: 'u5@example.com' });
    assert.equal(upstream.requests.length, before, 'the replay came from the recorded stub');
  });

  it('records a batch as one graphql: stub per operation, and replays a batch (in any order) from them', async () => {
    const started = await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream.url });
    assert.equal(started.status, 200, started.text);
    const batch = (ops: unknown[]) => fetch(`${decoy.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ops) });
    const a = { query: 'query A($id: ID!) { user(id: $id) { name } }', operationName: 'A', variables: { id: '7' } };
    const b = { query: 'query B { user(id: "8") { email } }', operationName: 'B' };
    const live = await (await batch([a, b])).json() as unknown[];
    assert.deepEqual(live, [{ data: { user: { name: 'user 7' } } }, { data: { user: { email: 'u8@example.com' } } }]);
    const stopped = await admin(decoy.url, 'POST', '/recordings/stop');
    assert.equal(stopped.status, 200, stopped.text);
    const operations = (stopped.json.mappings as Array<{ request: { graphql?: { operationName?: string } } }>).map((m) => m.request.graphql?.operationName).sort();
    assert.deepEqual(operations, ['A', 'B']);
    const before = upstream.requests.length;
    const replay = await (await batch([b, a])).json() as unknown[];
    assert.deepEqual(replay, [live[1], live[0]]);
    assert.equal(upstream.requests.length, before, 'the replay came from the recorded stubs');
  });
});

describe('the GraphQL examples of the README and the cookbook, run for real', function () {
  const root = path.join(FIXTURES, '..', '..', '..');
  const yamlBlocks = (file: string) => [...readFileSync(path.join(root, file), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  let decoy: Decoy;
  let folder: ReturnType<typeof tempStubs>;
  before(async () => {
    const cookbook = yamlBlocks('docs/recipes/fault-injection.md').find((b) => b.startsWith('# stubs/graphql.yaml'));
    const readme = yamlBlocks('README.md').find((b) => b.includes('graphql:'));
    assert.ok(cookbook && readme, 'the examples are where the test looks');
    folder = tempStubs({ 'cookbook.yaml': cookbook, 'readme.yaml': readme.replace('urlPath: /graphql', 'urlPath: /readme/graphql') });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    assert.deepEqual(decoy.loadReport!.errors.map((e) => e.format()), []);
  });
  after(async () => {
    await decoy.stop();
    folder.cleanup();
  });

  it('make one field of a query fail: the field is null with its error, the rest is there', async () => {
    const res = await new GraphQLClient(`${decoy.url}/graphql`, { errorPolicy: 'all' })
      .rawRequest<{ user: { name: string; email: null; plan: string } }>(gql`query Profile { user(id: "1") { name email plan } }`);
    assert.equal(res.status, 200);
    assert.equal(res.data.user.name, 'Ada');
    assert.equal(res.data.user.email, null);
    assert.equal(typeof res.data.user.plan, 'string');
    assert.deepEqual(res.errors?.map((e) => [e.message, e.path, e.extensions?.code]), [['email is private', ['user', 'email'], 'FORBIDDEN']]);
  });

  it('the README example', async () => {
    const res = await new GraphQLClient(`${decoy.url}/readme/graphql`, { errorPolicy: 'all' })
      .rawRequest<{ user: { name: string; email: null } }>(GET_USER, { id: '1' });
    assert.deepEqual(res.data, { user: { name: 'Ada', email: null } });
    assert.equal(res.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });
});
