import assert from 'node:assert/strict';
import { escapePointerToken, joinPointer } from '../../../src/core/errors.js';

describe('JSON pointers in messages (RFC 6901)', () => {
  it('escapes ~ as ~0 and / as ~1, in that order, and leaves other tokens as they are', () => {
    assert.equal(escapePointerToken('a/b'), 'a~1b');
    assert.equal(escapePointerToken('m~n'), 'm~0n');
    assert.equal(escapePointerToken('~1'), '~01');
    assert.equal(escapePointerToken('/~/'), '~1~0~1');
    assert.equal(escapePointerToken('Content-Type'), 'Content-Type');
    assert.equal(escapePointerToken(3), '3');
  });

  it('joins tokens under a base, numbers and names alike', () => {
    assert.equal(joinPointer('/request', 'headers', 'X/Y', 0), '/request/headers/X~1Y/0');
    assert.equal(joinPointer('', 'url'), '/url');
    assert.equal(joinPointer('/mappings/2'), '/mappings/2');
  });
});
