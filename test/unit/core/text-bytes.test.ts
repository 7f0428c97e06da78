import assert from 'node:assert/strict';
import { isUtf8Text } from '../../../src/core/text-bytes.js';

describe('isUtf8Text: one answer to "is this body text?"', () => {
  it('valid UTF-8 without NUL is text; invalid UTF-8 or a NUL byte is binary', () => {
    assert.equal(isUtf8Text(Buffer.from('hello € ✓\n', 'utf8')), true);
    assert.equal(isUtf8Text(Buffer.alloc(0)), true);
    assert.equal(isUtf8Text(Buffer.from([0x68, 0x00, 0x69])), false);
    assert.equal(isUtf8Text(Buffer.from([0xe2, 0x82])), false, 'a cut-off sequence');
    assert.equal(isUtf8Text(Buffer.from([0x89, 0x50, 0x4e, 0x47])), false, 'a PNG header');
    assert.equal(isUtf8Text(Buffer.from([0xed, 0xa0, 0x80])), false, 'an encoded surrogate');
  });
});
