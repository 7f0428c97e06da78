/**
 * The UI's event hub without sockets: per-stub match counts, the per-second traffic ring (including
 * after it wraps around), the live rows it hands to subscribers, and a subscriber that falls behind
 * being dropped.
 */
import assert from 'node:assert/strict';
import { EventHub, type HubMessage } from '../../src/admin/event-hub.js';
import { MockEngine, type Exchange } from '../../src/core/engine.js';
import { ServeEvent } from '../../src/core/state/journal.js';
import { compileStub, type Stub } from '../../src/core/stub.js';

const CONNECTION = { clientIp: '127.0.0.1', localAddress: '127.0.0.1', localPort: 8080, scheme: 'http' as const };

function served(engine: MockEngine, at: number, status: number | undefined, stub?: Stub, url = '/x'): void {
  const response = status === undefined ? undefined : { status, headers: [], body: Buffer.alloc(0) };
  const event = new ServeEvent(at, 'GET', url, [], Buffer.alloc(0), CONNECTION, '1.1', stub, response, 0,
    status === 503 ? [{ source: 'chaos-rule', action: 'status', description: 'error response 503' }] : undefined);
  engine.complete({ event, stub, delivery: { kind: 'send' } } as unknown as Exchange);
}

describe('EventHub', () => {
  const stub = compileStub({ name: 'orders', request: { urlPath: '/orders' }, response: { status: 200 } }, { sequence: 1, origin: {} });

  it('forgets the match counts of stubs the engine no longer has', () => {
    const engine = new MockEngine();
    engine.setFileStubs([stub]);
    const hub = new EventHub(engine);
    served(engine, Date.now(), 200, stub);
    assert.deepEqual(hub.matchCounts(), { [stub.id]: 1 });
    engine.setFileStubs([]);
    assert.deepEqual(hub.matchCounts(), {});
    hub.close();
  });

  it('counts matches per stub and requests per second by status class', () => {
    const engine = new MockEngine();
    engine.setFileStubs([stub]);
    let now = 1_000_000_000_000;
    const hub = new EventHub(engine, () => now);
    served(engine, now - 2000, 200, stub);
    served(engine, now - 2000, 200, stub);
    served(engine, now - 1000, 404);
    served(engine, now, 503);
    served(engine, now, undefined);
    assert.deepEqual(hub.matchCounts(), { [stub.id]: 2 });
    const t = hub.traffic(3);
    assert.equal(t.seconds, 3);
    assert.equal(t.endsAt, now);
    assert.deepEqual(t.series, { '2xx': [2, 0, 0], '3xx': [0, 0, 0], '4xx': [0, 1, 0], '5xx': [0, 0, 1], none: [0, 0, 1] });
    // Five minutes and more later, the ring's slots were reused: old seconds are not counted again.
    now += 301_000;
    served(engine, now, 200, stub);
    const later = hub.traffic(300);
    assert.equal(later.series['2xx'].reduce((a, b) => a + b, 0), 1);
    assert.equal(later.series['4xx'].reduce((a, b) => a + b, 0), 0);
    assert.equal(hub.traffic(10_000).seconds, 300, 'at most five minutes');
    hub.close();
  });

  it('hands subscribers a row per served request, and drops one that falls behind', () => {
    const engine = new MockEngine();
    const hub = new EventHub(engine);
    const got: HubMessage[] = [];
    let ended = 0;
    hub.subscribe({ write: (m) => { got.push(m); return true; }, end: () => { ended++; } });
    let slowEnded = false;
    hub.subscribe({ write: () => false, end: () => { slowEnded = true; } });
    served(engine, Date.now(), 503, stub, '/orders?id=1');
    assert.equal(got.length, 1);
    const row = got[0]!;
    assert.equal(row.type, 'served');
    if (row.type !== 'served') return;
    assert.deepEqual({ ...row.data, id: typeof row.data.id, time: typeof row.data.time, durationMs: typeof row.data.durationMs }, {
      id: 'string', time: 'number', method: 'GET', url: '/orders?id=1', status: 503, durationMs: 'number', matched: true,
      stub: { id: stub.id, name: 'orders' }, faults: ['error response 503'],
    });
    assert.equal(slowEnded, true, 'the subscriber that did not keep up was ended');
    assert.equal(hub.subscribers, 1);
    hub.close();
    assert.equal(ended, 1, 'close ends the others');
    assert.equal(hub.subscribers, 0);
    served(engine, Date.now(), 200, stub);
    assert.equal(got.length, 1, 'nothing after close');
  });
});
