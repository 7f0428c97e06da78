import assert from 'node:assert/strict';
import { StubSet } from '../../../src/core/matching/stub-index.js';
import { DecoyRequest } from '../../../src/core/request.js';
import { compileStub, type Stub } from '../../../src/core/stub.js';
import type { StubDefinition } from '../../../src/core/stub-definition.js';

let seq = 0;
const stub = (def: Partial<StubDefinition>): Stub => compileStub({ response: {}, request: {}, ...def } as StubDefinition, { sequence: ++seq });
const find = (set: StubSet, method: string, url: string) => set.find(new DecoyRequest(method, url, {}))?.name;

describe('StubSet', () => {
  it('orders by priority, then most recent first, across exact, segment and catch-all buckets', () => {
    const set = new StubSet([
      stub({ name: 'exact-old', request: { urlPath: '/users/1' } }),
      stub({ name: 'template', request: { path: '/users/:id' } }),
      stub({ name: 'catch-all', request: { method: 'ANY' } }),
      stub({ name: 'exact-new', request: { urlPath: '/users/2' } }),
      stub({ name: 'regex-priority', priority: 2, request: { urlPathPattern: '/users/9.*' } }),
    ]);
    assert.equal(find(set, 'GET', '/users/1'), 'catch-all'); // newer than exact-old, same priority
    assert.equal(find(set, 'GET', '/users/2'), 'exact-new');
    assert.equal(find(set, 'GET', '/users/99'), 'regex-priority');
    assert.equal(find(set, 'GET', '/other'), 'catch-all');
  });

  it('finds the first- and last-added of 10,000 exact stubs and a template among them', () => {
    const stubs = Array.from({ length: 10_000 }, (_, i) => stub({ name: `item-${i}`, request: { method: 'GET', urlPath: `/items/${i}` } }));
    stubs.splice(5000, 0, stub({ name: 'user', request: { method: 'GET', path: '/users/:id' } }));
    const set = new StubSet(stubs);
    assert.equal(find(set, 'GET', '/items/0'), 'item-0');
    assert.equal(find(set, 'GET', '/items/9999'), 'item-9999');
    assert.equal(find(set, 'GET', '/users/5'), 'user');
    assert.equal(find(set, 'POST', '/items/1'), undefined);
  });

  it('the accept predicate skips stubs (scenario state) and the search goes on', () => {
    const set = new StubSet([stub({ name: 'older', request: { urlPath: '/s' } }), stub({ name: 'newer', request: { urlPath: '/s' } })]);
    assert.equal(set.find(new DecoyRequest('GET', '/s', {}), (s) => s.name !== 'newer')?.name, 'older');
  });
});
