import assert from 'node:assert/strict';
import { createJournalRedaction } from '../../../src/core/recording/journal-redaction.js';
import { Journal, ServeEvent, type JournalResponse } from '../../../src/core/state/journal.js';
import type { RequestConnection } from '../../../src/core/request.js';
import type { Stub } from '../../../src/core/stub.js';

const connection = { clientIp: '127.0.0.1', scheme: 'http' } as unknown as RequestConnection;

function event(url: string, headers: string[], response?: JournalResponse, stubId?: string): ServeEvent {
  const stub = stubId === undefined ? undefined : ({ id: stubId } as unknown as Stub);
  return new ServeEvent(Date.now(), 'GET', url, headers, Buffer.alloc(0), connection, '1.1', stub, response, 1);
}

describe('the journal\'s masked view (--redact-journal)', () => {
  const token = 'tok-4f9a8b7c6d5e4f3a';
  const handsOutToken = (): ServeEvent => event('/login', [], { status: 200, headers: ['Content-Type', 'application/json'], body: Buffer.from(`{"access_token":"${token}"}`) });

  it('a newly learnt secret keeps the views of events that do not hold it, and masks again the ones that do', () => {
    const view = createJournalRedaction();
    const unrelated = event('/health', ['Accept', 'text/plain']);
    const carrier = event('/orders', ['X-Trace', token]);
    const unrelatedView = view(unrelated);
    const carrierBefore = view(carrier);
    assert.ok(carrierBefore.rawHeaders.includes(token), 'not a secret yet: nothing says so');
    view(handsOutToken());
    assert.equal(view(unrelated), unrelatedView, 'the view of an event without the new secret is kept, not made again');
    const carrierAfter = view(carrier);
    assert.notEqual(carrierAfter, carrierBefore);
    assert.ok(!carrierAfter.rawHeaders.includes(token), carrierAfter.rawHeaders.join(','));
    assert.equal(view(carrier), carrierAfter, 'and kept from then on');
  });

  it('the stubs that served are read from the events as served, without making any masked view', () => {
    const journal = new Journal(10);
    journal.append(event('/a', [], undefined, 'stub-a'));
    journal.append(event('/b', []));
    journal.view = () => { throw new Error('a masked view was made'); };
    assert.deepEqual([...journal.servedStubIds()], ['stub-a']);
  });
});
