import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkExchangeAgainstContract, type ContractExchange } from '../../../../src/core/contract/check-exchange.js';
import { checkStubAgainstContract, fieldPointer, markViolations, unmark } from '../../../../src/core/contract/check-stub.js';
import type { Contract } from '../../../../src/core/contract/contract.js';
import type { StubDefinition } from '../../../../src/core/stub-definition.js';
import { loadContracts } from '../../../../src/sources/contract-source.js';

const ORDERS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/openapi/contract/orders.yaml');

describe('contract checks: a stub against an OpenAPI document', () => {
  let contract: Contract;
  before(async () => {
    contract = (await loadContracts([ORDERS])).contracts[0]!;
  });

  const keeps: Array<[string, StubDefinition]> = [
    ['a documented GET with a body its schema accepts', { request: { method: 'GET', urlPath: '/api/orders/7' }, response: { status: 200, jsonBody: { id: 7, status: 'paid', total: 12.5 } } }],
    ['a template path for the parameter', { request: { method: 'GET', path: '/api/orders/:id' }, response: { status: 404 } }],
    ['a literal path that is its own operation (/orders/mine, not /orders/{orderId})', { request: { method: 'GET', url: '/api/orders/mine' }, response: { status: 200, jsonBody: [] } }],
    ['a required query parameter matched by value', { request: { method: 'GET', urlPath: '/api/orders', queryParameters: { limit: { equalTo: '10' } } }, response: { status: 200, jsonBody: [] } }],
    ['an exact url carrying the required query parameter', { request: { method: 'GET', url: '/api/orders?limit=5' }, response: { status: 200, jsonBody: [] } }],
    ['a templated body (not checked: known only per request)', { request: { method: 'GET', urlPath: '/api/orders/1' }, response: { status: 200, body: '{"id": {{request.path.2}}}', transformers: ['response-template'] } }],
    ['a fault (nothing answered to check)', { request: { method: 'GET', urlPath: '/api/orders/1' }, response: { fault: 'CONNECTION_RESET_BY_PEER' } }],
    ['a body as a JSON string', { request: { method: 'POST', urlPath: '/api/orders' }, response: { status: 201, headers: { 'Content-Type': 'application/json' }, body: '{"id":1,"status":"open","total":0}' } }],
    ['a stub for any path (no URL matcher)', { request: { method: 'GET' }, response: { status: 500 } }],
  ];
  for (const [name, stub] of keeps) {
    it(`keeps the contract: ${name}`, () => {
      assert.deepEqual(checkStubAgainstContract(stub, contract), []);
    });
  }

  const breaks: Array<[string, StubDefinition, { rule: string; field: string; message: RegExp }]> = [
    ['an undocumented path', { request: { method: 'GET', urlPath: '/api/customers' }, response: { status: 200 } },
      { rule: 'path', field: 'request.urlPath', message: /request\.urlPath "\/api\/customers" is not a path of the contract/ }],
    ['an undocumented method', { request: { method: 'DELETE', urlPath: '/api/orders/3' }, response: { status: 204 } },
      { rule: 'method', field: 'request.method', message: /DELETE is not documented for \/orders\/\{orderId\} \(documented: GET\)/ }],
    ['a status the operation does not list', { name: 'teapot', request: { method: 'GET', urlPath: '/api/orders/3' }, response: { status: 418 } },
      { rule: 'status', field: 'response.status', message: /response\.status 418 is not a documented response of GET \/orders\/\{orderId\} \(getOrder\) \(documented: 200, 404\)/ }],
    ['a body that breaks the schema (a wrong enum value)', { request: { method: 'GET', urlPath: '/api/orders/3' }, response: { status: 200, jsonBody: { id: 3, status: 'lost', total: 1 } } },
      { rule: 'response-body', field: 'response.jsonBody/status', message: /at \/status must be equal to one of the allowed values \(schema rule enum at/ }],
    ['a body missing a required property', { request: { method: 'GET', urlPath: '/api/orders/3' }, response: { status: 200, jsonBody: { id: 3, status: 'paid' } } },
      { rule: 'response-body', field: 'response.jsonBody', message: /must have required property 'total' \(schema rule required/ }],
    ['a step of a response sequence', { request: { method: 'GET', urlPath: '/api/orders/3' }, responses: [{ status: 404 }, { status: 503 }] },
      { rule: 'status', field: 'responses[1].status', message: /503 is not a documented response/ }],
    ['a media type the response does not document', { request: { method: 'GET', urlPath: '/api/orders/3' }, response: { status: 200, headers: { 'Content-Type': 'text/plain' }, body: 'order 3' } },
      { rule: 'media-type', field: 'response.headers.Content-Type', message: /sends text\/plain, which response 200 of GET \/orders\/\{orderId\} \(getOrder\) does not document \(documented: application\/json\)/ }],
    ['a literal path parameter its schema refuses', { request: { method: 'GET', urlPath: '/api/orders/abc' }, response: { status: 404 } },
      { rule: 'request-parameter', field: 'request.urlPath', message: /path parameter orderId "abc" must be integer \(schema rule type\)/ }],
    ['a required query parameter the matcher requires to be absent', { request: { method: 'GET', urlPath: '/api/orders', queryParameters: { limit: { absent: true } } }, response: { status: 200, jsonBody: [] } },
      { rule: 'request-parameter', field: 'request.queryParameters.limit', message: /requires query parameter limit to be absent, but GET \/orders \(listOrders\) requires it/ }],
    ['an exact url without the required query parameter', { request: { method: 'GET', url: '/api/orders' }, response: { status: 200, jsonBody: [] } },
      { rule: 'request-parameter', field: 'request.url', message: /matches only requests without query parameter limit, which GET \/orders \(listOrders\) requires/ }],
    ['a query value its schema refuses', { request: { method: 'GET', urlPath: '/api/orders', queryParameters: { limit: { equalTo: '500' } } }, response: { status: 200, jsonBody: [] } },
      { rule: 'request-parameter', field: 'request.queryParameters.limit', message: /query parameter limit "500" must be <= 100/ }],
    ['a required header the matcher requires to be absent', { request: { method: 'POST', urlPath: '/api/orders', headers: { 'x-tenant': { absent: true } } }, response: { status: 422 } },
      { rule: 'request-parameter', field: 'request.headers.x-tenant', message: /header parameter X-Tenant to be absent/ }],
  ];
  for (const [name, stub, expected] of breaks) {
    it(`breaks the contract: ${name}`, () => {
      const violations = checkStubAgainstContract(stub, contract);
      assert.equal(violations.length >= 1, true, `no violation for ${name}`);
      const v = violations.find((x) => x.rule === expected.rule)!;
      assert.ok(v, JSON.stringify(violations));
      assert.equal(v.field, expected.field);
      assert.match(v.message, expected.message);
      assert.equal(v.contract, ORDERS);
    });
  }

  it('marks a stub (answer header, metadata.decoy.contract) and a second check replaces the marks', () => {
    const stub: StubDefinition = { request: { method: 'GET', urlPath: '/api/orders/3' }, response: { status: 418, headers: { A: 'b' } }, metadata: { team: 'x' } };
    const marked = markViolations(stub, checkStubAgainstContract(stub, contract));
    assert.equal(marked.response!.headers!['X-Decoy-Contract'], 'violated');
    assert.equal(((marked.metadata!.decoy as { contract: { violations: unknown[] } }).contract.violations).length, 1);
    assert.deepEqual(unmark(marked), stub);
    assert.deepEqual(checkStubAgainstContract(unmark(marked), contract).length, 1);
  });

  it('the pointer of a violation field in the stub', () => {
    assert.equal(fieldPointer('response.jsonBody/items/0'), '/response/jsonBody/items/0');
    assert.equal(fieldPointer('responses[1].status'), '/responses/1/status');
    assert.equal(fieldPointer('request.queryParameters.limit'), '/request/queryParameters/limit');
  });
});

describe('contract checks: a real exchange against an OpenAPI document (drift)', () => {
  let contract: Contract;
  before(async () => {
    contract = (await loadContracts([ORDERS])).contracts[0]!;
  });
  const json = { 'Content-Type': 'application/json' };
  const ok: ContractExchange = { method: 'GET', url: '/api/orders/3', status: 200, responseHeaders: json, responseBody: '{"id":3,"status":"paid","total":4}' };

  it('an exchange that keeps the contract has no violations', () => {
    assert.deepEqual(checkExchangeAgainstContract(ok, contract), []);
    assert.deepEqual(checkExchangeAgainstContract({ method: 'POST', url: '/api/orders', requestHeaders: { 'X-Tenant': 'a', ...json }, requestBody: '{"items":["x"]}', status: 201, responseHeaders: json, responseBody: '{"id":1,"status":"open","total":0}' }, contract), []);
  });

  const drifts: Array<[string, ContractExchange, string, RegExp]> = [
    ['a field the API renamed', { ...ok, responseBody: '{"id":3,"state":"paid","total":4}' }, 'response-body', /must have required property 'status'/],
    ['an undocumented status', { ...ok, status: 410, responseBody: '' }, 'status', /410 is not a documented response/],
    ['a missing required query parameter', { method: 'GET', url: '/api/orders', status: 200, responseHeaders: json, responseBody: '[]' }, 'request-parameter', /query parameter limit is required/],
    ['a request body that breaks its schema', { method: 'POST', url: '/api/orders', requestHeaders: { 'X-Tenant': 'a', ...json }, requestBody: '{"items":[]}', status: 201, responseHeaders: json, responseBody: '{"id":1,"status":"open","total":0}' }, 'request-body', /must NOT have fewer than 1 items/],
    ['an undocumented path', { method: 'GET', url: '/api/refunds', status: 200 }, 'path', /\/api\/refunds is not a path of the contract/],
  ];
  for (const [name, ex, rule, message] of drifts) {
    it(`reports drift: ${name}`, () => {
      const v = checkExchangeAgainstContract(ex, contract).find((x) => x.rule === rule);
      assert.ok(v, JSON.stringify(checkExchangeAgainstContract(ex, contract)));
      assert.match(v.message, message);
    });
  }
});
