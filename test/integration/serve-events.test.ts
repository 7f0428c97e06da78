/**
 * The engine's serve-event listeners (what the UI's live log and the metrics build on): every finished
 * request is told once, plain, delayed, faulted or unmatched, with its final duration; with the journal
 * off too; and a listener that throws does not touch serving.
 */
import assert from 'node:assert/strict';
import type { Decoy } from '../../src/index.js';
import type { ServeEvent } from '../../src/core/state/journal.js';
import { decoyPerTest, eventually } from '../support/decoy.js';

const STUBS = [
  '- { request: { method: GET, url: /plain }, response: { status: 200, body: fine } }',
  '- { request: { method: GET, url: /late }, response: { status: 201, body: late, fixedDelayMilliseconds: 200 } }',
  '- { request: { method: GET, url: /reset }, response: { status: 200, fault: CONNECTION_RESET_BY_PEER } }',
].join('\n');

describe('serve-event listeners', () => {
  const suite = decoyPerTest({ 'stubs.yaml': STUBS });
  let decoy: Decoy | undefined;

  for (const journalSize of [10, 0]) {
    it(`tells each finished request once, with its outcome (journal size ${journalSize})`, async () => {
      ({ decoy } = await suite.start({ journalSize }));
      const seen: ServeEvent[] = [];
      decoy.engine.onServed(() => { throw new Error('a broken listener'); });
      const off = decoy.engine.onServed((e) => seen.push(e));
      assert.equal((await fetch(`${decoy.url}/plain`)).status, 200);
      const late = await fetch(`${decoy.url}/late`);
      assert.equal(late.status, 201, 'a throwing listener does not break serving');
      await late.text();
      await fetch(`${decoy.url}/reset`).catch(() => undefined);
      assert.equal((await fetch(`${decoy.url}/nothing`)).status, 404);
      await eventually(() => seen.length >= 4, 2_000, 'four serve events');
      const byUrl = new Map(seen.map((e) => [e.url, e]));
      assert.equal(seen.length, 4, 'one event per request');
      assert.equal(byUrl.get('/plain')?.response?.status, 200);
      assert.equal(byUrl.get('/plain')?.stub?.definition.request?.url, '/plain');
      assert.ok(byUrl.get('/late')!.totalMs >= 190, `the delayed request's duration is final (${byUrl.get('/late')!.totalMs} ms)`);
      assert.deepEqual(byUrl.get('/reset')?.faults?.map((f) => f.action), ['fault']);
      assert.equal(byUrl.get('/nothing')?.stub, undefined);
      assert.equal(byUrl.get('/nothing')?.response?.status, 404);
      assert.equal(decoy.engine.journal.size, Math.min(journalSize, 4));
      off();
      await fetch(`${decoy.url}/plain`);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(seen.length, 4, 'an unsubscribed listener hears nothing more');
    });
  }
});
