import assert from 'node:assert/strict';
import { MockEngine } from '../../../src/core/engine.js';
import { Recorder } from '../../../src/proxy/recorder.js';

describe('making stubs of many recorded exchanges', () => {
  it('gives the event loop a turn while it redacts, so requests served meanwhile are not held up until it ends', async () => {
    const exchanges = Array.from({ length: 2_000 }, (_, i) => ({
      method: 'GET', url: `/items/${i}?access_token=tok-${i}-abcdefgh`, requestHeaders: ['Accept', 'application/json'], requestBody: Buffer.alloc(0),
      status: 200, responseHeaders: ['Content-Type', 'application/json'], responseBody: Buffer.from(JSON.stringify({ id: i, name: `item ${i}` })),
    }));
    const recorder = new Recorder(new MockEngine(), undefined);
    let turns = 0;
    let done = false;
    const tick = (): void => { if (!done) { turns++; setImmediate(tick); } };
    setImmediate(tick);
    const result = await recorder.snapshot(exchanges, { persist: false, repeatsAsScenarios: false });
    done = true;
    assert.equal(result.stubs.length, 2_000);
    // Two passes over 2,000 exchanges, a turn every 50: about 80 turns (without them: none until the end).
    assert.ok(turns >= 40, `${turns} turns of the event loop while redacting`);
  });
});
