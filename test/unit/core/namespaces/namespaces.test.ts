/**
 * The namespace registry in memory, with a clock of its own: names, the cap, idle expiry, reset and
 * drop, and what a namespace shares with the default engine (file stubs as they are reloaded, chaos
 * rules, the order of stubs) and what it keeps to itself.
 */
import assert from 'node:assert/strict';
import { MockEngine, type Exchange } from '../../../../src/core/engine.js';
import { isDecoyError } from '../../../../src/core/errors.js';
import { MemoryNamespaceStore } from '../../../../src/core/namespaces/memory-namespaces.js';
import { namespaceNameProblem } from '../../../../src/core/namespaces/namespace-name.js';
import { Namespaces, type NamespaceScope } from '../../../../src/core/namespaces/namespaces.js';
import { DecoyRequest } from '../../../../src/core/request.js';
import { compileStub } from '../../../../src/core/stub.js';
import type { StubDefinition } from '../../../../src/core/stub-definition.js';

const CONNECTION = { clientIp: '10.0.0.7', localAddress: '127.0.0.1', localPort: 8080, scheme: 'http' as const };

function stub(def: StubDefinition, sequence: number) {
  return compileStub(def, { sequence, origin: {} });
}

function serve(engine: MockEngine, method: string, url: string): Exchange {
  const r = DecoyRequest.fromRaw(method, url, ['Host', 'localhost'], Buffer.alloc(0));
  r.httpVersion = '1.1';
  const x = engine.serve(r, CONNECTION);
  assert.ok(!(x instanceof Promise));
  engine.complete(x);
  return x;
}

const text = (x: Exchange) => x.response.body.toString();

function setup(options: { max?: number; idleMs?: number } = {}) {
  let now = 1_000_000;
  const root = new MockEngine({ seed: 1 });
  root.setFileStubs([
    stub({ request: { method: 'GET', url: '/file' }, response: { status: 200, body: 'file v1' } }, root.nextSequence()),
    stub({ request: { method: 'POST', url: '/step' }, scenarioName: 's', newScenarioState: 'done', response: { status: 201 } }, root.nextSequence()),
    stub({ request: { method: 'GET', url: '/step' }, scenarioName: 's', requiredScenarioState: 'done', response: { status: 200, body: 'done' } }, root.nextSequence()),
    stub({ request: { method: 'GET', url: '/step' }, scenarioName: 's', requiredScenarioState: 'Started', response: { status: 200, body: 'started' } }, root.nextSequence()),
  ]);
  const namespaces = new Namespaces(root, {
    maxNamespaces: options.max ?? 10, idleTimeoutMs: options.idleMs ?? 1000,
    store: new MemoryNamespaceStore(root.state, { journalSize: 100 }), now: () => now,
  });
  const scope = (name: string) => namespaces.scope(name, 'test') as NamespaceScope;
  return { root, namespaces, scope, advance: (ms: number) => { now += ms; } };
}

describe('namespaces (in memory)', () => {
  it('accepts plain names of up to 64 characters and says what is wrong with any other', () => {
    const rows: Array<[string, RegExp | undefined]> = [
      ['run-42', undefined], ['ci_1234.unit', undefined], ['A', undefined], ['9'.repeat(64), undefined],
      ['', /empty/], ['x'.repeat(65), /65 characters long; at most 64/], ['run 42', /may hold only/], ['-run', /must start with a letter or a digit/],
      ['../etc', /may hold only/], ['run/1', /may hold only/], ['ünï', /may hold only/],
    ];
    for (const [name, problem] of rows) {
      const found = namespaceNameProblem(name);
      if (problem === undefined) assert.equal(found, undefined, name);
      else assert.match(found ?? '', problem, name);
    }
  });

  it('a namespace serves the file stubs with its own scenario state, journal and API stubs', () => {
    const { root, scope } = setup();
    const a = scope('a').engine;
    const b = scope('b').engine;
    serve(a, 'POST', '/step');
    assert.equal(text(serve(a, 'GET', '/step')), 'done');
    assert.equal(text(serve(b, 'GET', '/step')), 'started');
    assert.equal(text(serve(root, 'GET', '/step')), 'started');
    a.putStub(stub({ request: { method: 'GET', url: '/mine' }, response: { status: 200, body: 'a' } }, a.nextSequence()));
    assert.equal(serve(a, 'GET', '/mine').response.status, 200);
    assert.equal(serve(b, 'GET', '/mine').response.status, 404);
    assert.equal(serve(root, 'GET', '/mine').response.status, 404);
    assert.equal(a.journal.size, 3);
    assert.equal(b.journal.size, 2);
    assert.equal(root.journal.size, 2);
    assert.equal(a.journal.newestFirst()[0]!.namespace, 'a');
    assert.equal(root.journal.newestFirst()[0]!.namespace, undefined);
  });

  it('a namespace\'s stub of the same priority wins over a file stub: it takes its place in the default engine\'s order', () => {
    const { scope } = setup();
    const a = scope('a').engine;
    a.putStub(stub({ request: { method: 'GET', url: '/file' }, response: { status: 200, body: 'mine' } }, a.nextSequence()));
    assert.equal(text(serve(a, 'GET', '/file')), 'mine');
  });

  it('a namespace takes the reloaded file stubs on its next use', () => {
    const { root, scope } = setup();
    assert.equal(text(serve(scope('a').engine, 'GET', '/file')), 'file v1');
    root.setFileStubs([stub({ request: { method: 'GET', url: '/file' }, response: { status: 200, body: 'file v2' } }, root.nextSequence())]);
    assert.equal(text(serve(scope('a').engine, 'GET', '/file')), 'file v2');
  });

  it('chaos rules are the default engine\'s, and a namespace\'s reset keeps them', () => {
    const { root, scope, namespaces } = setup();
    root.chaosRules.add({ request: { url: '/file' }, status: 503 });
    assert.equal(serve(scope('a').engine, 'GET', '/file').response.status, 503);
    namespaces.reset('a');
    assert.equal(root.chaosRules.size, 1);
    assert.equal(serve(scope('a').engine, 'GET', '/file').response.status, 503);
  });

  it('the cap refuses one namespace more with DECOY_ERR_NAMESPACE_LIMIT, after idle ones made what room they could', () => {
    const { scope, namespaces, advance } = setup({ max: 2, idleMs: 1000 });
    scope('one');
    scope('two');
    assert.throws(() => scope('three'), (e: unknown) => isDecoyError(e) && e.code === 'DECOY_ERR_NAMESPACE_LIMIT' && /2 namespaces exist already.*--max-namespaces 2/.test(e.message));
    assert.equal(namespaces.size, 2);
    advance(600);
    scope('two');
    advance(600);
    // "one" is idle now: it makes room; "two" was used 600 ms ago and stays.
    scope('three');
    assert.deepEqual((namespaces.list() as Array<{ name: string }>).map((n) => n.name), ['three', 'two']);
  });

  it('sweep drops the namespaces idle for longer than the timeout', () => {
    const { scope, namespaces, advance } = setup({ idleMs: 1000 });
    scope('idle');
    scope('busy');
    advance(800);
    scope('busy');
    advance(400);
    assert.deepEqual(namespaces.sweep(), ['idle']);
    assert.equal(namespaces.find('idle'), undefined);
    assert.ok(namespaces.find('busy'));
  });

  it('a bad name throws DECOY_ERR_NAMESPACE_INVALID saying where it came from, and makes nothing', () => {
    const { scope, namespaces } = setup();
    assert.throws(() => scope('bad name'), (e: unknown) => isDecoyError(e) && e.code === 'DECOY_ERR_NAMESPACE_INVALID' && e.message.startsWith('test: '));
    assert.equal(namespaces.size, 0);
  });

  it('reset and drop answer false for a namespace that does not exist', () => {
    const { namespaces } = setup();
    assert.equal(namespaces.reset('nope'), false);
    assert.equal(namespaces.drop('nope'), false);
  });
});
