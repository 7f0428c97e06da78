import assert from 'node:assert/strict';
import { eventIdOf, eventNumberOf, nextEventNumber } from '../../../../src/core/state/event-id.js';

describe('serve event ids', () => {
  it('are distinct UUIDs in the version 4 layout (what WireMock clients parse), made in order within a process', () => {
    const ids = Array.from({ length: 10_000 }, () => eventIdOf(nextEventNumber()));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids.map((id) => id.slice(0, 24))).size, 1, 'one random part per process');
  });

  it('give back the number they were made from, and -1 for an id this process did not make', () => {
    const n = nextEventNumber();
    assert.equal(eventNumberOf(eventIdOf(n)), n);
    assert.equal(eventNumberOf('3fa85f64-5717-4562-b3fc-2c963f66afa6'), -1);
    assert.equal(eventNumberOf(`${eventIdOf(n).slice(0, 24)}zzzzzzzzzzzz`), -1);
    assert.equal(eventNumberOf(`${eventIdOf(n)}0`), -1);
  });
});
