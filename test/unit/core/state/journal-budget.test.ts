import assert from 'node:assert/strict';
import { EVENT_OVERHEAD_BYTES, Journal, ServeEvent } from '../../../../src/core/state/journal.js';

const CONNECTION = { clientIp: '127.0.0.1', localAddress: '127.0.0.1', localPort: 8080, scheme: 'http' as const };

function event(url: string, bodyBytes: number): ServeEvent {
  return new ServeEvent(Date.now(), 'POST', url, [], Buffer.alloc(bodyBytes), CONNECTION, '1.1', undefined, { status: 200, headers: [], body: Buffer.alloc(0) }, 0);
}

describe('the journal\'s byte budget', () => {
  it('drops the oldest entries until the bodies kept fit, and counts what it keeps', () => {
    const journal = new Journal(100, undefined, 3 * (1000 + EVENT_OVERHEAD_BYTES));
    for (let i = 1; i <= 5; i++) journal.append(event(`/${i}`, 1000));
    assert.deepEqual(journal.newestFirst().map((e) => e.url), ['/5', '/4', '/3']);
    assert.equal(journal.bytes, 3 * (1000 + EVENT_OVERHEAD_BYTES));
  });

  it('always keeps the newest entry, even one larger than the budget', () => {
    const journal = new Journal(100, undefined, 4096);
    journal.append(event('/small', 10));
    journal.append(event('/huge', 100_000));
    assert.deepEqual(journal.newestFirst().map((e) => e.url), ['/huge']);
  });

  it('the count still bounds it, and overwriting, removing and clearing keep the byte count right', () => {
    const journal = new Journal(2, undefined, 1_000_000);
    for (let i = 1; i <= 4; i++) journal.append(event(`/${i}`, 100));
    assert.deepEqual(journal.newestFirst().map((e) => e.url), ['/4', '/3']);
    assert.equal(journal.bytes, 2 * (100 + EVENT_OVERHEAD_BYTES));
    journal.remove((e) => e.url === '/3');
    assert.equal(journal.bytes, 100 + EVENT_OVERHEAD_BYTES);
    journal.clear();
    assert.equal(journal.bytes, 0);
  });
});
