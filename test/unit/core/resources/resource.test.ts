import assert from 'node:assert/strict';
import { then } from '../../../../src/core/awaitable.js';
import { createRandom } from '../../../../src/core/faults/random.js';
import { DecoyRequest } from '../../../../src/core/request.js';
import { expandResource, validateResourceDefinition, type ResourceOperationName } from '../../../../src/core/resources/resource.js';
import { compileResourceOperation, type CompiledResourceOperation } from '../../../../src/core/resources/resource-operation.js';
import { MemoryResources } from '../../../../src/core/state/memory-state.js';
import { checkOperationSpec } from '../../../../src/core/resources/resource.js';
import type { WireResponse } from '../../../../src/core/response/wire-response.js';

describe('resources in the core', () => {
  describe('a declaration', () => {
    const cases: Array<[string, Record<string, unknown>, string[]]> = [
      ['a path and nothing else is enough', { resource: '/orders' }, []],
      ['a path must start with a slash', { resource: 'orders' }, ['/resource']],
      ['a path takes no template syntax', { resource: '/orders/:id' }, ['/resource']],
      ['ids are one of three kinds', { resource: '/o', ids: 'random' }, ['/ids']],
      ['seed and items exclude each other', { resource: '/o', seed: 'a.yaml', items: [] }, ['/items']],
      ['maxItems is a positive integer', { resource: '/o', maxItems: 0 }, ['/maxItems']],
      ['operations come from the six', { resource: '/o', operations: ['list', 'upsert'] }, ['/operations/1']],
      ['an unknown key is named', { resource: '/o', idfield: 'code' }, ['/idfield']],
    ];
    for (const [name, def, pointers] of cases) {
      it(name, () => assert.deepEqual(validateResourceDefinition(def).map((p) => p.pointer), pointers));
    }

    it('expands into one stub per operation, on the collection path and its item path', () => {
      const stubs = expandResource({ resource: '/orders', priority: 3, operations: ['list', 'read', 'delete'] }, [{ id: 1 }]);
      assert.deepEqual(stubs.map((s) => [s.operation, s.definition.request]), [
        ['list', { method: 'GET', urlPath: '/orders' }],
        ['read', { method: 'GET', path: '/orders/:id' }],
        ['delete', { method: 'DELETE', path: '/orders/:id' }],
      ]);
      assert.equal(stubs[0]!.definition.priority, 3);
      assert.deepEqual((stubs[0]!.definition.response!.resource as { items: unknown[] }).items, [{ id: 1 }]);
    });
  });

  describe('operations against the in-memory store', () => {
    const spec = (operation: ResourceOperationName, extra: Record<string, unknown> = {}) => checkOperationSpec({
      collection: '/things', operation, idField: 'code', ids: 'body', maxItems: 3, pageSize: 2, items: [{ code: 'a', n: 1 }, { code: 'b', n: 2 }], ...extra,
    }, '/response/resource');
    const store = new MemoryResources(() => {});
    const ops = new Map<string, CompiledResourceOperation>();
    const op = (name: ResourceOperationName) => ops.get(name) ?? ops.set(name, compileResourceOperation(spec(name), '/response/resource', ['Matched-Stub-Id', 'x'])).get(name)!;
    const serve = async (name: ResourceOperationName, url: string, body?: unknown, id?: string): Promise<{ status: number; body: unknown; headers: readonly string[] }> => {
      const req = new DecoyRequest(name === 'list' || name === 'read' ? 'GET' : 'POST', url, {}, body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body)));
      const w = await then(op(name).respond({ request: req, random: createRandom(1), resources: store, nextNumber: () => 1, pathParams: id === undefined ? {} : { id } }), (x: WireResponse) => x);
      return { status: w.status, body: w.body.length ? JSON.parse(w.body.toString()) : undefined, headers: w.headers };
    };

    it('creates with the id from the body, refuses a taken one and a full collection', async () => {
      store.reset();
      assert.equal((await serve('create', '/things', { code: 'c', n: 3 })).status, 201);
      assert.equal((await serve('create', '/things', { code: 'a' })).status, 409);
      assert.equal((await serve('create', '/things', { code: 'd' })).status, 507);
    });

    it('lists in pages and by field; reads; patches by merge patch keeping the id', async () => {
      store.reset();
      const page = await serve('list', '/things?page=1');
      assert.deepEqual(page.body, [{ code: 'a', n: 1 }, { code: 'b', n: 2 }]);
      assert.deepEqual((await serve('list', '/things?n=2')).body, [{ code: 'b', n: 2 }]);
      assert.equal((await serve('read', '/things/zz', undefined, 'zz')).status, 404);
      const patched = await serve('patch', '/things/a', { n: null, code: 'other', tag: 'x' }, 'a');
      assert.deepEqual(patched.body, { code: 'a', tag: 'x' });
      assert.ok(patched.headers.includes('Matched-Stub-Id'), 'the stub headers are on every answer');
    });

    it('a bad seed is a load error with a pointer into the items', () => {
      assert.throws(() => compileResourceOperation(spec('list', { items: [{ code: 'a' }, { code: 'a' }] }), '/response/resource', []),
        (e: Error & { source?: { pointer?: string } }) => /two items of \/things have the id "a"/.test(e.message) && e.source?.pointer === '/response/resource/items/1/code');
    });
  });
});
