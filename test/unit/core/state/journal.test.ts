import assert from 'node:assert/strict';
import { Journal, ServeEvent } from '../../../../src/core/state/journal.js';

const CONNECTION = { clientIp: '127.0.0.1', localAddress: '127.0.0.1', localPort: 8080, scheme: 'http' as const };
const STUB_RESPONSE = { status: 200, headers: ['Content-Type', 'text/plain'], body: Buffer.from('ok') };

function event(url: string, rawHeaders: readonly string[] = ['Host', 'h']): ServeEvent {
  return new ServeEvent(1_700_000_000_123, 'GET', url, rawHeaders, Buffer.from('b'), CONNECTION, '1.1', undefined, STUB_RESPONSE, 7);
}

/** What a reader sees of an event (all of it but the connection and the stub, which are kept by reference). */
function shown(e: ServeEvent): unknown {
  return { id: e.id, loggedAt: e.loggedAt, method: e.method, url: e.url, rawHeaders: [...e.rawHeaders], body: e.body.toString(), httpVersion: e.httpVersion,
    response: e.response, totalMs: e.totalMs, delayMs: e.delayMs, faults: e.faults, proxiedTo: e.proxiedTo, namespace: e.namespace };
}

describe('the journal\'s compact record', () => {
  it('gives back every part of an event as it was appended, with the id it had or gets when first read', () => {
    const journal = new Journal(10);
    const plain = event('/plain?q=1', ['Host', 'h', 'X-Dup', '1', 'x-dup', '2', 'X-Empty', '']);
    const rich = event('/rich');
    rich.delayMs = 25;
    rich.proxiedTo = 'http://upstream:1';
    rich.namespace = 'team-a';
    const rare = new ServeEvent(1, 'PATCH', '/f', [], Buffer.alloc(0), CONNECTION, '2.0', undefined, undefined, 3,
      [{ source: 'stub', action: 'fault', fault: 'CONNECTION_RESET_BY_PEER', description: 'd' }] as never);
    const idBefore = rich.id;
    for (const e of [plain, rich, rare]) journal.append(e);
    const read = journal.newestFirst();
    assert.deepEqual(read.map(shown), [rare, rich, plain].map(shown));
    assert.equal(read[1]!.id, idBefore);
    assert.deepEqual(journal.newestFirst().map((e) => e.id), read.map((e) => e.id), 'ids stable across reads');
    // An event's id read after it was journaled (as the live log does) is the one the journal gives.
    assert.equal(plain.id, read[2]!.id);
    assert.equal(journal.get(read[0]!.id)?.method, 'PATCH');
    assert.equal(journal.get('3fa85f64-5717-4562-b3fc-2c963f66afa6'), undefined);
  });

  it('keeps an event another replica served under its own id', () => {
    const journal = new Journal(3);
    journal.append(ServeEvent.withId(event('/elsewhere'), 'from-another-replica'));
    journal.append(event('/here'));
    assert.deepEqual(journal.newestFirst().map((e) => e.url), ['/here', '/elsewhere']);
    assert.equal(journal.get('from-another-replica')?.url, '/elsewhere');
  });

  it('keeps header names, values and URLs that hold a line feed (not from Node\'s parser) as they were', () => {
    const journal = new Journal(3);
    journal.append(event('/a\nb', ['X-A', 'one\ntwo', 'X\nB', '']));
    journal.append(event('/c', ['X-C', 'three\n']));
    const [c, a] = journal.newestFirst();
    assert.equal(a!.url, '/a\nb');
    assert.deepEqual(a!.rawHeaders, ['X-A', 'one\ntwo', 'X\nB', '']);
    assert.deepEqual(c!.rawHeaders, ['X-C', 'three\n']);
  });

  it('a request repeated and then varied by one part comes back as each was sent', () => {
    const journal = new Journal(20);
    // Fresh strings with the same contents, as Node's parser makes them for each request.
    const fresh = (text: string) => [...text].join('');
    const sent: Array<[string, string, string, string[]]> = [
      ['GET', '1.1', '/r', ['Host', 'h', 'X-A', '1']],
      ['GET', '1.1', fresh('/r'), ['Host', fresh('h'), 'X-A', fresh('1')]],
      ['GET', '1.1', '/r', ['Host', 'h', 'X-A', '2']],
      ['GET', '1.1', '/r', ['Host', 'h', 'x-a', '2']],
      ['GET', '1.1', '/r', ['Host', 'h', 'x-a', '2', 'X-B', '']],
      ['GET', '1.1', '/r', ['Host', 'h', 'x-a', '2']],
      ['POST', '1.1', '/r', ['Host', 'h', 'x-a', '2']],
      ['POST', '1.0', '/r', ['Host', 'h', 'x-a', '2']],
      ['POST', '1.0', '/r?x', ['Host', 'h', 'x-a', '2']],
      ['POST', '1.0', '/r?x', ['Host', 'h\nx', 'x-a', '2']],
      ['POST', '1.0', '/r?x', ['Host', 'h\nx', 'x-a', '2']],
      ['POST', '1.0', '/r?x', ['Host', 'h', 'x-a', '2']],
    ];
    for (const [method, version, url, raw] of sent) {
      journal.append(new ServeEvent(1, method, url, raw, Buffer.alloc(0), CONNECTION, version, undefined, undefined, 1));
    }
    assert.deepEqual(journal.newestFirst().reverse().map((e) => [e.method, e.httpVersion, e.url, [...e.rawHeaders]]), sent);
  });

  it('an odd-length or empty header list comes back as it went in', () => {
    const journal = new Journal(3);
    journal.append(event('/none', []));
    journal.append(event('/odd', ['X-Alone']));
    journal.append(event('/empty-name', ['', '']));
    assert.deepEqual(journal.newestFirst().map((e) => [...e.rawHeaders]), [['', ''], ['X-Alone'], []]);
  });

  it('a view (--redact-journal) gets the same event each time, so its masked copy is made once', () => {
    const journal = new Journal(3);
    let made = 0;
    const views = new WeakMap<ServeEvent, ServeEvent>();
    journal.view = (e) => {
      let v = views.get(e);
      if (v === undefined) {
        made++;
        v = e.withContents(e.url.toUpperCase(), e.rawHeaders, e.body, e.response, e.proxiedTo);
        views.set(e, v);
      }
      return v;
    };
    journal.append(event('/x'));
    journal.append(event('/y'));
    assert.deepEqual(journal.newestFirst().map((e) => e.url), ['/Y', '/X']);
    journal.newestFirst();
    journal.get(journal.newestFirst()[0]!.id);
    assert.equal(made, 2);
    journal.remove((e) => e.url === '/X');
    assert.deepEqual(journal.newestFirst().map((e) => e.url), ['/Y']);
    assert.equal(made, 2, 'the kept event is the same after a remove');
  });

  it('its columns grow as the ring fills and keep every event\'s numbers through growing and coming round', () => {
    const journal = new Journal(150);
    const ids: string[] = [];
    for (let i = 0; i < 400; i++) {
      const e = new ServeEvent(1_000 + i, 'GET', `/${i}`, ['N', String(i)], Buffer.alloc(0), CONNECTION, '1.1', undefined, undefined, i % 7);
      e.delayMs = i % 5;
      journal.append(e);
      ids.push(e.id);
    }
    const kept = journal.newestFirst();
    assert.equal(kept.length, 150);
    assert.deepEqual(journal.newestFirst(3).map((e) => e.url), ['/399', '/398', '/397']);
    assert.deepEqual(journal.newestFirst(0), []);
    kept.forEach((e, k) => {
      const i = 399 - k;
      assert.deepEqual([e.url, e.loggedAt, e.totalMs, e.delayMs, e.rawHeaders[1], e.id], [`/${i}`, 1_000 + i, i % 7, i % 5, String(i), ids[i]]);
    });
  });
});
