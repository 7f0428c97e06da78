/**
 * API stub changes shared between engines (replicas): what one engine's admin API changes, the others
 * apply through their compile hook, and a change applied that way is not told back. The State port's
 * shared-stub member is played by a small bus between in-memory states (the Redis adapter passes the
 * same changes through Redis; its own tests cover that part).
 */
import assert from 'node:assert/strict';
import { MockEngine } from '../../../src/core/engine.js';
import { DecoyRequest } from '../../../src/core/request.js';
import { MemoryState } from '../../../src/core/state/memory-state.js';
import type { SharedStubStore, StubChange } from '../../../src/core/state/state.js';
import { compileStub, type Stub } from '../../../src/core/stub.js';
import type { StubDefinition } from '../../../src/core/stub-definition.js';

const CONNECTION = { clientIp: '10.0.0.7', localAddress: '127.0.0.1', localPort: 8080, scheme: 'http' as const };

/** Engines joined by a bus: each publish reaches every other follower; `log` keeps the compacted history a joiner reads. */
function fleet(): { join(files?: StubDefinition[]): Promise<MockEngine>; published: StubChange[] } {
  const followers = new Set<{ origin: object; apply: (c: StubChange) => void }>();
  const published: StubChange[] = [];
  const history = new Map<string, Record<string, unknown> | 'removed'>();
  let removedAll = false;
  const join = async (files: StubDefinition[] = []): Promise<MockEngine> => {
    const origin = {};
    const stubs: SharedStubStore = {
      shared: true,
      publish: (change) => {
        published.push(change);
        if (change.kind === 'put') for (const d of change.definitions) history.set(String(d.id), d);
        if (change.kind === 'remove') for (const id of change.ids) history.set(id, 'removed');
        if (change.kind === 'remove-all' || change.kind === 'reset') { history.clear(); removedAll = change.kind === 'remove-all'; }
        for (const f of followers) if (f.origin !== origin) f.apply(change);
      },
      follow: (apply) => {
        const f = { origin, apply };
        apply({ kind: 'sync', removedAll, definitions: [...history.values()].filter((d) => d !== 'removed') as Array<Record<string, unknown>>,
          removedIds: [...history].filter(([, d]) => d === 'removed').map(([id]) => id) });
        followers.add(f);
        return () => followers.delete(f);
      },
    };
    const state = Object.assign(new MemoryState(), { stubs });
    const engine = new MockEngine({ state });
    engine.setFileStubs(files.map((d, i) => compileStub(d, { sequence: engine.nextSequence(), origin: { file: `f${i}.yaml` } })));
    await engine.followSharedStubs((def, replacing) => compileStub(def, { sequence: replacing?.sequence ?? engine.nextSequence(), origin: {} }));
    return engine;
  };
  return { join, published };
}

function body(engine: MockEngine, url: string): string | number {
  const x = engine.serve(DecoyRequest.fromRaw('GET', url, ['Host', 'x'], Buffer.alloc(0)), CONNECTION);
  assert.ok(!(x instanceof Promise));
  return x.stub === undefined ? x.response.status : x.response.body.toString();
}

const api = (engine: MockEngine, def: StubDefinition): Stub => compileStub(def, { sequence: engine.nextSequence(), origin: {} });
const FILE: StubDefinition = { id: 'file-1', request: { url: '/file' }, response: { body: 'from the file' } };

describe('engine: API stub changes shared with other replicas', () => {
  it('a stub put, edited and removed on one engine is put, edited and removed on the others', async () => {
    const f = fleet();
    const [a, b] = [await f.join(), await f.join()];
    a.putStub(api(a, { id: 's', request: { url: '/x' }, response: { body: 'one' } }));
    assert.equal(body(b, '/x'), 'one');
    a.putStub(api(a, { id: 's', request: { url: '/x' }, response: { body: 'two' } }));
    assert.equal(body(b, '/x'), 'two');
    b.removeStub('s');
    assert.equal(body(a, '/x'), 404);
    assert.equal(f.published.length, 3, 'each change told once: none is told back by the engines that applied it');
  });

  it('remove-all hides the file stubs of every engine, and reset brings them back', async () => {
    const f = fleet();
    const [a, b] = [await f.join([FILE]), await f.join([FILE])];
    a.removeAllStubs();
    assert.equal(body(b, '/file'), 404);
    a.resetStubs();
    assert.equal(body(b, '/file'), 'from the file');
  });

  it('an engine that joins later gets the API changes so far: created stubs, edits and deletions of file stubs', async () => {
    const f = fleet();
    const a = await f.join([FILE, { id: 'file-2', request: { url: '/gone' }, response: { body: 'x' } }]);
    a.putStubs([api(a, { id: 'new', request: { url: '/new' }, response: { body: 'new' } }), api(a, { ...FILE, response: { body: 'edited' } })]);
    a.removeStub('file-2');
    const late = await f.join([FILE, { id: 'file-2', request: { url: '/gone' }, response: { body: 'x' } }]);
    assert.equal(body(late, '/new'), 'new');
    assert.equal(body(late, '/file'), 'edited');
    assert.equal(body(late, '/gone'), 404);
    assert.deepEqual(late.unsavedChanges().edited.map((e) => e.base.id), ['file-1'], 'the edit stands beside the file\'s version, as on the engine that made it');
  });

  it('an in-memory engine publishes nothing and needs no compile hook', async () => {
    const engine = new MockEngine();
    assert.equal(engine.state.stubs.shared, false);
    assert.equal(engine.followSharedStubs(() => { throw new Error('not called'); }), undefined);
    engine.putStub(api(engine, { id: 's', request: { url: '/x' }, response: { body: 'one' } }));
    assert.equal(body(engine, '/x'), 'one');
  });
});
