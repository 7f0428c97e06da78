import assert from 'node:assert/strict';
import { DecoyClientError } from '../../src/client/index.js';

/** The rejection of `p`, checked to be a DecoyClientError. */
export async function clientError(p: Promise<unknown>): Promise<DecoyClientError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DecoyClientError, `expected a DecoyClientError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}
