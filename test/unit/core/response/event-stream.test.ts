/**
 * The plan of a server-sent event stream, without sockets: the wire format of each event, repeat,
 * the faults (counted per connection), the resume after Last-Event-ID, and the load errors.
 */
import assert from 'node:assert/strict';
import { isDecoyError } from '../../../../src/core/errors.js';
import { createRandom } from '../../../../src/core/faults/random.js';
import { DecoyRequest } from '../../../../src/core/request.js';
import { compileEventStream } from '../../../../src/core/response/event-stream.js';

function plan(def: unknown, headers: string[] = []) {
  const request = DecoyRequest.fromRaw('GET', '/s?x=7', ['Host', 'localhost', ...headers], Buffer.alloc(0));
  return compileEventStream(def, '/response/stream').plan(request, createRandom(1), 0, {});
}

const FOUR = { events: [{ id: '1', data: 'a' }, { id: '2', data: 'b' }, { id: '3', data: 'c' }, { id: '4', data: 'd' }] };

describe('event streams (core)', () => {
  it('writes event, id, retry and one data line per line, with a blank line after each', () => {
    const p = plan({ events: [{ event: 'tick', id: 7, retry: 100, data: 'x{{request.query.x}}\ny', delayMs: 20 }] });
    assert.deepEqual(p, { chunks: [{ waitMs: 20, text: 'event: tick\nid: 7\nretry: 100\ndata: x7\ndata: y\n\n' }], end: 'close' });
  });

  it('repeat writes the list again; keepOpen ends it open', () => {
    const p = plan({ events: [{ data: 'a' }], repeat: 3, keepOpen: true });
    assert.equal(p.chunks.length, 3);
    assert.equal(p.end, 'keep-open');
  });

  it('cutAfter and stallAfter count the events of this connection, after the resume point', () => {
    assert.deepEqual(plan({ ...FOUR, cutAfter: 2 }).chunks.map((c) => c.text), ['id: 1\ndata: a\n\n', 'id: 2\ndata: b\n\n']);
    const resumed = plan({ ...FOUR, cutAfter: 2 }, ['Last-Event-ID', '2']);
    assert.deepEqual(resumed.chunks.map((c) => c.text), ['id: 3\ndata: c\n\n', 'id: 4\ndata: d\n\n']);
    assert.equal(resumed.end, 'cut');
    assert.equal(plan({ ...FOUR, stallAfter: 1 }).end, 'stall');
  });

  it('an unknown Last-Event-ID starts from the first event', () => {
    assert.equal(plan(FOUR, ['Last-Event-ID', 'nope']).chunks.length, 4);
  });

  it('malformedAt halves that event\'s data; noFinalBlankLine leaves the last event unfinished', () => {
    assert.equal(plan({ events: [{ data: { a: 1, b: 2 } }], malformedAt: 1 }).chunks[0]!.text, 'data: {"a":1\n\n');
    assert.equal(plan({ events: [{ data: 'a' }, { data: 'b' }], noFinalBlankLine: true }).chunks[1]!.text, 'data: b\n');
  });

  const errors: Array<[string, unknown, string, RegExp]> = [
    ['no events', { events: [] }, '/response/stream/events', /at least one event/],
    ['an unknown key', { events: [{ data: 'a' }], cutafter: 1 }, '/response/stream/cutafter', /unknown stream key "cutafter"/],
    ['an unknown event key', { events: [{ dta: 'a' }] }, '/response/stream/events/0/dta', /unknown event key "dta"/],
    ['cutAfter beyond the events', { events: [{ data: 'a' }], cutAfter: 5 }, '/response/stream/cutAfter', /from 0 to 1/],
    ['cut and stall together', { events: [{ data: 'a' }], cutAfter: 1, stallAfter: 1 }, '/response/stream/stallAfter', /exclude each other/],
  ];
  for (const [name, def, pointer, message] of errors) {
    it(`load error: ${name}`, () => {
      assert.throws(() => compileEventStream(def, '/response/stream'), (e: unknown) => {
        assert.ok(isDecoyError(e));
        assert.equal(e.source?.pointer, pointer);
        assert.match(e.message, message);
        return true;
      });
    });
  }
});
