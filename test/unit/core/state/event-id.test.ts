import assert from 'node:assert/strict';
import { nextEventId } from '../../../../src/core/state/event-id.js';

describe('serve event ids', () => {
  it('are distinct UUIDs in the version 4 layout (what WireMock clients parse), made in order within a process', () => {
    const ids = Array.from({ length: 10_000 }, nextEventId);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(ids.map((id) => id.slice(0, 24))).size, 1, 'one random part per process');
  });
});
