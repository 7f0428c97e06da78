import assert from 'node:assert/strict';
import { compileStub } from '../../../src/core/stub.js';
import type { StubDefinition } from '../../../src/core/stub-definition.js';

describe('a stub\'s ignored keys (WireMock extensions Decoy cannot run)', () => {
  const cases: Array<[string, unknown, string[]]> = [
    ['none: a plain stub', { request: { url: '/a' }, response: { status: 200 } }, []],
    ['a response\'s Java transformer (response-template is Decoy\'s own)', { request: { url: '/a' }, response: { status: 200, transformers: ['response-template', 'java-one'] } },
      ['response.transformers "java-one"']],
    ['each transformer of a sequence, by its place', { request: { url: '/a' }, responses: [{ status: 200, transformers: ['java-one'] }, { status: 201 }, { status: 202, transformers: ['java-two', 'java-three'] }] },
      ['responses[0].transformers "java-one"', 'responses[2].transformers "java-two"', 'responses[2].transformers "java-three"']],
    ['listeners other than the webhook, first', {
      request: { url: '/a' }, response: { status: 200, transformers: ['java-one'] },
      serveEventListeners: [{ name: 'webhook', parameters: { url: 'http://127.0.0.1:1/x' } }, { name: 'java-listener' }],
      postServeActions: { 'java-action': {} },
    }, ['serveEventListeners "java-listener"', 'postServeActions "java-action"', 'response.transformers "java-one"']],
  ];
  for (const [what, def, expected] of cases) {
    it(what, () => {
      const stub = compileStub(def as StubDefinition, { sequence: 1 });
      assert.deepEqual(stub.ignoredKeys, expected);
    });
  }
});
