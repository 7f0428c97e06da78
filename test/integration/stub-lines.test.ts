/**
 * The line a message gives for a stub loaded from a file is the line the stub was on when it was loaded,
 * also after the file changed on disk without being reloaded (no --watch): in the near-miss answer to an
 * unmatched request and in the admin API's stub list. A JSON file's stub lines are found while it loads
 * (the stubs do not keep its text); a YAML file's when first asked.
 */
import assert from 'node:assert/strict';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

const mappings = (urls: string[]) => JSON.stringify({
  mappings: urls.map((url) => ({ name: `stub ${url}`, request: { method: 'GET', url }, response: { status: 200, body: url } })),
}, null, 2);

/** The line of each stub's `{` in the pretty-printed file, counted here from the text itself. */
function objectLines(text: string): number[] {
  return text.split('\n').flatMap((l, i) => (/^ {4}\{$/.test(l) ? [i + 1] : []));
}

describe('stub lines in messages, for a stub file edited after it was loaded', () => {
  let decoy: Decoy | undefined;
  let folder: ReturnType<typeof tempStubs> | undefined;
  afterEach(async () => {
    await decoy?.stop();
    folder?.cleanup();
    decoy = undefined;
  });

  for (const kind of ['json', 'yaml'] as const) {
    it(`a ${kind.toUpperCase()} file: the near-miss answer and the stub list name the line the stub was loaded from`, async () => {
      const urls = ['/alpha/one', '/beta/two', '/gamma/three'];
      const text = kind === 'json'
        ? mappings(urls)
        : urls.map((u) => `- name: stub ${u}\n  request:\n    method: GET\n    url: ${u}\n  response:\n    status: 200\n    body: ${u}\n`).join('\n');
      const lines = kind === 'json' ? objectLines(text) : [1, 9, 17];
      assert.equal(lines.length, 3);
      folder = tempStubs({ [`stubs.${kind}`]: text });
      ({ decoy } = await startDecoy({ stubsDir: folder.dir }));

      // The file changes on disk (stubs moved down and reordered); without --watch, what was loaded is served.
      folder.write(`stubs.${kind}`, kind === 'json' ? `\n\n\n\n\n${mappings([urls[2]!, urls[0]!, urls[1]!, '/delta'])}` : `# moved\n\n\n${text}`);

      for (const [i, url] of urls.entries()) {
        const res = await get(`${decoy.url}${url}x`);
        assert.equal(res.status, 404);
        assert.match(res.text, new RegExp(`stub ${url}\\s*\\|?\\s*\\n?\\s*\\([^)]*stubs\\.${kind}:${lines[i]}\\)`), res.text);
      }
      const list = await get(`${decoy.url}/__admin/decoy/stubs`);
      const stubs = (JSON.parse(list.text) as { stubs: Array<{ name: string; line?: number }> }).stubs;
      assert.deepEqual(urls.map((u) => stubs.find((s) => s.name === `stub ${u}`)?.line), lines);
    });
  }
});
