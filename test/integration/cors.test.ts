/**
 * `--cors`: browsers' preflights answered, CORS headers on every answer (stubs, 404s, faults' error
 * answers), credentials allowed; without it, Decoy adds nothing. Real preflight requests, as a browser sends them.
 */
import assert from 'node:assert/strict';
import type { Decoy } from '../../src/index.js';
import { decoyPerTest } from '../support/decoy.js';

const STUBS = [
  '- { request: { method: PUT, url: /orders/1 }, response: { status: 200, headers: { X-Order-Version: "7", Content-Type: application/json }, body: "{}" } }',
  '- { request: { method: GET, url: /own }, response: { status: 200, headers: { Access-Control-Allow-Origin: "https://stub.example" }, body: own } }',
].join('\n');

const ORIGIN = 'http://localhost:3000';

function preflight(url: string, origin = ORIGIN) {
  return fetch(url, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type, x-trace-id' },
  });
}

describe('CORS', () => {
  const suite = decoyPerTest({ 'stubs.yaml': STUBS });
  let decoy: Decoy | undefined;

  it('answers a preflight with 204, echoing the origin, method and headers asked for', async () => {
    ({ decoy } = await suite.start({ cors: true }));
    const res = await preflight(`${decoy.url}/orders/1`);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(res.headers.get('access-control-allow-methods'), 'PUT');
    assert.equal(res.headers.get('access-control-allow-headers'), 'content-type, x-trace-id');
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    assert.match(res.headers.get('vary') ?? '', /Origin/);
    assert.equal(await res.text(), '');
  });

  it('adds the CORS headers to stub answers, exposing their headers, and to 404s', async () => {
    ({ decoy } = await suite.start({ cors: true }));
    const res = await fetch(`${decoy.url}/orders/1`, { method: 'PUT', headers: { Origin: ORIGIN } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), ORIGIN);
    assert.equal(res.headers.get('vary'), 'Origin');
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /X-Order-Version/);
    assert.equal(res.headers.get('x-order-version'), '7');

    const miss = await fetch(`${decoy.url}/nothing-here`, { headers: { Origin: ORIGIN } });
    assert.equal(miss.status, 404);
    assert.equal(miss.headers.get('access-control-allow-origin'), ORIGIN);
    // A stub's own CORS header wins over the one Decoy adds.
    const own = await fetch(`${decoy.url}/own`, { headers: { Origin: ORIGIN } });
    assert.equal(own.headers.get('access-control-allow-origin'), 'https://stub.example');
    // A request without Origin (not from a browser) gets nothing added.
    const plain = await fetch(`${decoy.url}/orders/1`, { method: 'PUT' });
    assert.equal(plain.headers.get('access-control-allow-origin'), null);
  });

  it('with a list of origins, answers only those', async () => {
    ({ decoy } = await suite.start({ cors: { origins: [ORIGIN] } }));
    assert.equal((await preflight(`${decoy.url}/orders/1`)).status, 204);
    const refused = await preflight(`${decoy.url}/orders/1`, 'https://evil.example');
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    assert.match(await refused.text(), /origin https:\/\/evil\.example is not in --cors-origins/);
    const other = await fetch(`${decoy.url}/orders/1`, { method: 'PUT', headers: { Origin: 'https://evil.example' } });
    assert.equal(other.status, 200);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('without --cors, adds nothing and matches OPTIONS against the stubs, as WireMock does', async () => {
    ({ decoy } = await suite.start());
    const res = await preflight(`${decoy.url}/orders/1`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const put = await fetch(`${decoy.url}/orders/1`, { method: 'PUT', headers: { Origin: ORIGIN } });
    assert.equal(put.headers.get('access-control-allow-origin'), null);
  });
});
