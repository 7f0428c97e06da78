import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createBodyView } from '../../../../src/core/matching/body-view.js';

describe('BodyView', () => {
  it('decodes the text once', () => {
    const view = createBodyView(Buffer.from('héllo', 'utf8'));
    assert.equal(view.text, 'héllo');
    assert.equal(view.text, view.text);
  });

  it('parses JSON at most once and remembers failures', () => {
    const view = createBodyView(Buffer.from('{"a":[1,2]}'));
    const first = view.json();
    assert.deepEqual(first, { ok: true, value: { a: [1, 2] } });
    assert.equal(view.json(), first, 'the same result object: parsed once');
    const bad = createBodyView(Buffer.from('{nope'));
    assert.deepEqual(bad.json(), { ok: false });
    assert.equal(bad.json(), bad.json());
  });

  it('parses XML at most once, undefined when not XML', () => {
    const view = createBodyView(Buffer.from('<a><b>x</b></a>'));
    const doc = view.xml();
    assert.ok(doc !== undefined);
    assert.equal(view.xml(), doc);
    assert.equal(createBodyView(Buffer.from('{"a":1}')).xml(), undefined);
    assert.equal(createBodyView(Buffer.from('<a><b>')).xml(), undefined);
    assert.equal(createBodyView(Buffer.alloc(0)).xml(), undefined);
  });

  it('refuses entities instead of resolving them (no XXE, no entity expansion)', () => {
    const external = '<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>';
    assert.equal(createBodyView(Buffer.from(external)).xml(), undefined);
    const internal = '<!DOCTYPE a [<!ENTITY x "boom">]><a>&x;&x;</a>';
    assert.equal(createBodyView(Buffer.from(internal)).xml(), undefined);
  });

  it('keeps the bytes as given', () => {
    const bytes = Buffer.from([0xff, 0x00]);
    assert.equal(createBodyView(bytes).bytes, bytes);
  });
});
