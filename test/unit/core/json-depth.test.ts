import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { jsonTextTooDeep, MAX_JSON_DEPTH, valueTooDeep, xmlTextTooDeep } from '../../../src/core/json-depth.js';

describe('nesting limits', () => {
  const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it('JSON text: exactly the limit passes, one more is too deep; brackets inside strings do not count', () => {
    assert.equal(jsonTextTooDeep(arrays(MAX_JSON_DEPTH)), false);
    assert.equal(jsonTextTooDeep(arrays(MAX_JSON_DEPTH + 1)), true);
    assert.equal(jsonTextTooDeep(`{"a":"${'['.repeat(1000)}"}`), false);
    assert.equal(jsonTextTooDeep(`{"a":"\\"${'['.repeat(1000)}"}`), false, 'an escaped quote does not end the string');
    assert.equal(jsonTextTooDeep(arrays(3), 2), true);
    assert.equal(jsonTextTooDeep('[1, [2], {"a": [3]}]', 3), false);
  });

  it('parsed values: counted without recursion, so any depth is safe to ask about', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    assert.equal(valueTooDeep(deep), true);
    assert.equal(valueTooDeep({ a: [{ b: 1 }] }, 3), false);
    assert.equal(valueTooDeep({ a: [{ b: [] }] }, 3), true);
    assert.equal(valueTooDeep('scalar', 0), false);
  });

  it('XML text: elements opened and not yet closed; self-closing elements, comments and declarations do not count', () => {
    assert.equal(xmlTextTooDeep('<a><b/><c></c></a>', 1), true);
    assert.equal(xmlTextTooDeep('<a><b/><c></c></a>', 2), false);
    assert.equal(xmlTextTooDeep('<?xml version="1.0"?><!-- <x><y> --><a><![CDATA[<b><c>]]></a>', 1), false);
    assert.equal(xmlTextTooDeep('<a>'.repeat(MAX_JSON_DEPTH + 1)), true);
  });
});
