import assert from 'node:assert/strict';
import { invalidHeaderChar, safeHeaderValue } from '../../../../src/core/response/header-value.js';

describe('header values', () => {
  const cases: Array<[string, string | undefined, string]> = [
    ['plain ASCII', undefined, 'plain ASCII'],
    ['tab\tand Latin-1 café', undefined, 'tab\tand Latin-1 café'],
    ['euro €', '"€" (U+20AC)', 'euro %E2%82%AC'],
    ['ctl \u0001', '(U+0001)', 'ctl %01'],
    ['a\r\nSet-Cookie: x', '(U+000D)', 'a%0D%0ASet-Cookie: x'],
    ['nul \0 del \u007f', '(U+0000)', 'nul %00 del %7F'],
    ['emoji 😀', '"😀" (U+1F600)', 'emoji %F0%9F%98%80'],
  ];
  for (const [value, bad, safe] of cases) {
    it(`${JSON.stringify(value)}: ${bad ?? 'valid'}`, () => {
      assert.equal(invalidHeaderChar(value), bad);
      assert.equal(safeHeaderValue(value), safe);
      assert.equal(invalidHeaderChar(safeHeaderValue(value)), undefined);
    });
  }
});
