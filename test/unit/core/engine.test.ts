/**
 * The engine's decision for one request, without sockets: each row loads stubs (and run-time state),
 * serves requests, and reads what the transport would be told to do (the Exchange), then what
 * completing it leaves in the journal and the recording.
 */
import assert from 'node:assert/strict';
import { MockEngine, type EngineOptions, type Exchange, type FileAnswer } from '../../../src/core/engine.js';
import { DecoyRequest } from '../../../src/core/request.js';
import { compileProxySpec } from '../../../src/core/response/static-response.js';
import { compileStub } from '../../../src/core/stub.js';
import type { StubDefinition } from '../../../src/core/stub-definition.js';

const CONNECTION = { clientIp: '10.0.0.7', localAddress: '127.0.0.1', localPort: 8080, scheme: 'http' as const };

function engineWith(defs: StubDefinition[], options: EngineOptions = {}): MockEngine {
  const engine = new MockEngine({ seed: 1, ...options });
  engine.setFileStubs(defs.map((d, i) => compileStub(d, { sequence: i + 1, origin: {} })));
  return engine;
}

function request(method: string, url: string, body = ''): DecoyRequest {
  const r = DecoyRequest.fromRaw(method, url, ['Host', 'localhost:8080'], Buffer.from(body));
  r.httpVersion = '1.1';
  return r;
}

/** Serves and completes a request as a transport would; the exchange must be decided at once (in-memory state). */
function serve(engine: MockEngine, method: string, url: string, body = ''): Exchange {
  const x = engine.serve(request(method, url, body), CONNECTION);
  assert.ok(!(x instanceof Promise), 'an in-memory engine decides at once');
  engine.complete(x);
  return x;
}

/** What a row expects of an exchange; only the fields given are checked. */
interface Expected {
  stub?: string | null;
  status?: number;
  delivery?: Exchange['delivery']['kind'];
  fault?: string;
  minDelayMs?: number;
  proxy?: string;
  record?: boolean;
  body?: RegExp;
}

function check(x: Exchange, e: Expected, row: string): void {
  if (e.stub !== undefined) assert.equal(x.stub?.name ?? null, e.stub, `${row}: the stub`);
  if (e.status !== undefined) assert.equal(x.response.status, e.status, `${row}: the status`);
  if (e.delivery !== undefined) assert.equal(x.delivery.kind, e.delivery, `${row}: the delivery`);
  const plan = x.delivery.kind === 'deliver' || x.delivery.kind === 'file' ? x.delivery.plan : undefined;
  if (e.fault !== undefined) assert.equal(plan?.fault, e.fault, `${row}: the fault`);
  if (e.minDelayMs !== undefined) {
    const delay = x.delivery.kind === 'forward' ? x.delivery.delayMs : plan?.delayMs ?? 0;
    assert.ok(delay >= e.minDelayMs, `${row}: a delay of at least ${e.minDelayMs} ms (got ${delay})`);
  }
  if (e.proxy !== undefined) assert.equal(x.delivery.kind === 'forward' ? x.delivery.proxy.baseUrl : undefined, e.proxy, `${row}: forwarded to`);
  if (e.record !== undefined) assert.equal(x.delivery.kind === 'forward' && x.delivery.record, e.record, `${row}: recorded`);
  if (e.body !== undefined) assert.match(x.response.body.toString(), e.body, `${row}: the body`);
}

const ok = (name: string, url: string, extra: Partial<StubDefinition> = {}): StubDefinition =>
  ({ name, request: { method: 'GET', url }, response: { status: 200, body: name }, ...extra });

interface Row {
  name: string;
  stubs: StubDefinition[];
  options?: EngineOptions;
  /** Run-time state changed before the requests. */
  before?: (engine: MockEngine) => void | Promise<void>;
  /** Requests in order, each with what its exchange must say. */
  requests: Array<[method: string, url: string, expected: Expected]>;
}

const ROWS: Row[] = [
  {
    name: 'a plain stub is sent at once',
    stubs: [ok('plain', '/a')],
    requests: [['GET', '/a', { stub: 'plain', status: 200, delivery: 'send', body: /plain/ }]],
  },
  {
    name: 'nothing matches: the near-miss 404, sent at once',
    stubs: [ok('plain', '/a')],
    requests: [['GET', '/b', { stub: null, status: 404, delivery: 'send', body: /Request was not matched[\s\S]*plain/ }]],
  },
  {
    name: 'a stub fault is delivered by the transport',
    stubs: [{ name: 'reset', request: { url: '/r' }, response: { fault: 'CONNECTION_RESET_BY_PEER' } }],
    requests: [['GET', '/r', { stub: 'reset', delivery: 'deliver', fault: 'CONNECTION_RESET_BY_PEER' }]],
  },
  {
    name: 'a stub delay plans a wait',
    stubs: [{ name: 'slow', request: { url: '/s' }, response: { status: 200, fixedDelayMilliseconds: 50 } }],
    requests: [['GET', '/s', { stub: 'slow', delivery: 'deliver', minDelayMs: 50 }]],
  },
  {
    name: 'a proxy stub forwards, unrecorded when no recording runs',
    stubs: [{ name: 'proxy', request: { url: '/p' }, response: { proxyBaseUrl: 'http://upstream.test' } }],
    requests: [['GET', '/p', { stub: 'proxy', delivery: 'forward', proxy: 'http://upstream.test', record: false }]],
  },
  {
    name: 'proxy-all forwards what no stub matches; stubs still answer',
    stubs: [ok('plain', '/a')],
    options: { proxyAll: compileProxySpec('http://real.test', {}, '--proxy-all') },
    requests: [
      ['GET', '/other', { stub: null, delivery: 'forward', proxy: 'http://real.test', record: false }],
      ['GET', '/a', { stub: 'plain', delivery: 'send' }],
    ],
  },
  {
    name: 'while recording with a target, what no stub matches is forwarded there and recorded',
    stubs: [ok('plain', '/a')],
    before: (e) => e.state.recordings.start({ targetBaseUrl: 'http://target.test' }),
    requests: [
      ['GET', '/new', { stub: null, delivery: 'forward', proxy: 'http://target.test', record: true }],
      ['GET', '/a', { stub: 'plain', delivery: 'send' }],
    ],
  },
  {
    name: 'while recording without a target, what proxy stubs forward is recorded',
    stubs: [{ name: 'proxy', request: { url: '/p' }, response: { proxyBaseUrl: 'http://upstream.test' } }],
    before: (e) => e.state.recordings.start({}),
    requests: [['GET', '/p', { stub: 'proxy', delivery: 'forward', record: true }]],
  },
  {
    name: 'a chaos rule error response replaces the proxying',
    stubs: [{ name: 'proxy', request: { url: '/p' }, response: { proxyBaseUrl: 'http://upstream.test' } }],
    before: (e) => { e.chaosRules.add({ request: { url: '/p' }, status: 503 }); },
    requests: [['GET', '/p', { stub: 'proxy', status: 503, delivery: 'deliver' }]],
  },
  {
    name: 'a chaos rule bounded by hits applies that many times',
    stubs: [ok('plain', '/a')],
    before: (e) => { e.chaosRules.add({ fault: 'EMPTY_RESPONSE', hits: 2 }); },
    requests: [
      ['GET', '/a', { delivery: 'deliver', fault: 'EMPTY_RESPONSE' }],
      ['GET', '/a', { delivery: 'deliver', fault: 'EMPTY_RESPONSE' }],
      ['GET', '/a', { delivery: 'send', status: 200 }],
    ],
  },
  {
    name: 'the global delay applies to stubbed answers, not to misses',
    stubs: [ok('plain', '/a')],
    before: (e) => e.updateSettings({ fixedDelay: 30 }),
    requests: [
      ['GET', '/a', { delivery: 'deliver', minDelayMs: 30 }],
      ['GET', '/zzz', { stub: null, delivery: 'send', status: 404 }],
    ],
  },
  {
    name: 'a scenario moves on when its stub serves, and the next request matches in the new state',
    stubs: [
      { name: 'first', scenarioName: 'flow', requiredScenarioState: 'Started', newScenarioState: 'Done', request: { url: '/s' }, response: { status: 201 } },
      { name: 'then', scenarioName: 'flow', requiredScenarioState: 'Done', request: { url: '/s' }, response: { status: 200 } },
    ],
    requests: [
      ['GET', '/s', { stub: 'first', status: 201 }],
      ['GET', '/s', { stub: 'then', status: 200 }],
      ['GET', '/s', { stub: 'then', status: 200 }],
    ],
  },
  {
    name: 'a response sequence repeats its last answer',
    stubs: [{ name: 'seq', request: { url: '/q' }, responses: [{ status: 500 }, { status: 200 }] } as StubDefinition],
    requests: [['GET', '/q', { status: 500 }], ['GET', '/q', { status: 200 }], ['GET', '/q', { status: 200 }]],
  },
  {
    name: 'a response sequence with afterLastResponse: cycle starts over',
    stubs: [{ name: 'seq', request: { url: '/q' }, responses: [{ status: 500 }, { status: 200 }], afterLastResponse: 'cycle' } as StubDefinition],
    requests: [['GET', '/q', { status: 500 }], ['GET', '/q', { status: 200 }], ['GET', '/q', { status: 500 }]],
  },
  {
    name: 'a stub chaos entry for the first requests, then the stub\'s own answer',
    stubs: [{ name: 'flaky', request: { url: '/f' }, response: { status: 200 }, chaos: [{ firstRequests: 2, status: 503 }] } as StubDefinition],
    requests: [['GET', '/f', { status: 503, delivery: 'deliver' }], ['GET', '/f', { status: 503 }], ['GET', '/f', { status: 200, delivery: 'send' }]],
  },
  {
    name: 'a request the requestSchema rejects gets a plain 400: no fault, and the scenario stays',
    stubs: [
      { name: 'checked', scenarioName: 'c', requiredScenarioState: 'Started', newScenarioState: 'Moved', request: { urlPath: '/orders' },
        requestSchema: { parameters: [{ in: 'query', name: 'limit', required: true, schema: { type: 'integer' } }] },
        response: { status: 200, fault: 'EMPTY_RESPONSE' } } as StubDefinition,
    ],
    requests: [
      ['GET', '/orders?limit=x', { stub: 'checked', status: 400, delivery: 'send' }],
      ['GET', '/orders?limit=5', { stub: 'checked', delivery: 'deliver', fault: 'EMPTY_RESPONSE' }],
    ],
  },
];

describe('engine.serve: one decision per request', () => {
  for (const row of ROWS) {
    it(row.name, async () => {
      const engine = engineWith(row.stubs, row.options);
      await row.before?.(engine);
      row.requests.forEach(([method, url, expected], i) => check(serve(engine, method, url), expected, `request ${i + 1} ${method} ${url}`));
    });
  }

  it('a file of the files folder answers a GET no stub matches: held files are sent, large ones streamed', () => {
    const small: FileAnswer = { response: { status: 200, headers: [], body: Buffer.from('hi') }, journal: { status: 200, headers: [], body: Buffer.from('hi') }, streamed: false };
    const large: FileAnswer = { ...small, streamed: true };
    const engine = engineWith([], { files: (p) => (p === '/small.txt' ? small : p === '/large.bin' ? large : undefined) });
    check(serve(engine, 'GET', '/small.txt'), { stub: null, status: 200, delivery: 'send', body: /hi/ }, 'small');
    const x = serve(engine, 'GET', '/large.bin');
    assert.equal(x.delivery.kind, 'file');
    assert.equal(x.delivery.kind === 'file' && x.delivery.file, large);
    check(serve(engine, 'POST', '/small.txt'), { status: 404 }, 'only GETs are served from files');
  });

  it('the journal gets each exchange once it is completed, with what the client got', () => {
    const engine = engineWith([ok('plain', '/a'), { name: 'reset', request: { url: '/r' }, response: { fault: 'EMPTY_RESPONSE' } }]);
    const x = engine.serve(request('GET', '/a'), CONNECTION) as Exchange;
    assert.equal(engine.journal.size, 0, 'not journaled before it is carried out');
    engine.complete(x);
    serve(engine, 'GET', '/r');
    const [reset, plain] = engine.journal.newestFirst();
    assert.equal(plain!.stub?.name, 'plain');
    assert.equal(plain!.response?.status, 200);
    assert.equal(plain!.clientIp, '10.0.0.7');
    assert.equal(reset!.response, undefined, 'a socket fault sends no response');
    assert.deepEqual(reset!.faults?.map((f) => f.fault), ['EMPTY_RESPONSE']);
  });

  it('a forwarded exchange keeps the upstream answer, and a recording captures it whole', async () => {
    const engine = engineWith([]);
    await engine.state.recordings.start({ targetBaseUrl: 'http://target.test' });
    const x = engine.serve(request('POST', '/orders', '{"a":1}'), CONNECTION) as Exchange;
    engine.complete(x, { kind: 'forwarded', result: { status: 201, headers: ['X', '1'], upstreamHeaders: ['X', '1', 'Keep-Alive', 'timeout=5'], body: Buffer.from('made'), complete: true } });
    const cut = engine.serve(request('GET', '/big'), CONNECTION) as Exchange;
    engine.complete(cut, { kind: 'forwarded', result: { status: 200, headers: [], upstreamHeaders: [], body: Buffer.from('part'), complete: false } });
    assert.equal(engine.journal.newestFirst()[1]!.response?.status, 201);
    assert.equal(engine.journal.newestFirst()[1]!.proxiedTo, 'http://target.test');
    const captured = await engine.state.recordings.stop() as Array<{ url: string; status: number; responseHeaders: string[] }>;
    assert.deepEqual(captured.map((c) => [c.url, c.status]), [['/orders', 201]], 'a cut-off body is not recorded');
    assert.deepEqual(captured[0]!.responseHeaders, ['X', '1', 'Keep-Alive', 'timeout=5']);
  });

  it('with the journal off and nobody listening, no serve event is made', () => {
    const engine = engineWith([ok('plain', '/a')], { journalSize: 0 });
    assert.equal(serve(engine, 'GET', '/a').event, undefined);
    const seen: string[] = [];
    engine.onServed((e) => seen.push(e.url));
    assert.notEqual(serve(engine, 'GET', '/a').event, undefined);
    assert.deepEqual(seen, ['/a']);
  });

  it('a stub that is replaced starts its sequence again; bulk changes rebuild the index once', () => {
    const def = { name: 'seq', request: { url: '/q' }, responses: [{ status: 500 }, { status: 200 }] } as StubDefinition;
    const engine = engineWith([]);
    const changes: number[] = [];
    engine.onChange((c) => { if (c.kind === 'stubs') changes.push(c.stubs); });
    engine.putStubs([compileStub({ ...def, id: 'a0000000-0000-4000-8000-000000000001' }, { sequence: 1 }), compileStub(ok('x', '/x'), { sequence: 2 })]);
    assert.deepEqual(changes, [2], 'one change event for the bulk add');
    assert.equal(serve(engine, 'GET', '/q').response.status, 500);
    assert.equal(serve(engine, 'GET', '/q').response.status, 200);
    engine.putStub(compileStub({ ...def, id: 'a0000000-0000-4000-8000-000000000001' }, { sequence: 3 }));
    assert.equal(serve(engine, 'GET', '/q').response.status, 500, 'the replacement starts from its first response');
  });

  it('state changes reach change listeners: chaos rules, settings, scenarios', () => {
    const engine = engineWith([]);
    const kinds: string[] = [];
    engine.onChange((c) => kinds.push(c.kind));
    engine.chaosRules.add({ fault: 'HANG' });
    engine.updateSettings({ fixedDelay: 5 });
    void engine.scenarios.set('s', 'x');
    engine.resetAll();
    assert.deepEqual(kinds.slice(0, 3), ['chaos-rules', 'settings', 'scenario']);
    assert.ok(kinds.includes('stubs') && kinds.includes('scenarios-reset') && kinds.includes('journal-cleared'), kinds.join(', '));
  });

  it('an invalid global delay is refused and changes nothing', () => {
    const engine = engineWith([]);
    assert.throws(() => engine.updateSettings({ delayDistribution: { type: 'nope' } }), /delayDistribution/);
    assert.deepEqual(engine.settings(), { proxyPassThrough: true });
  });
});
