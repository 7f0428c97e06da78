import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Decoy } from '../../src/index.js';
import { get, startDecoy, tempStubs, type LogCapture } from '../support/decoy.js';

describe('stub files', () => {
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let log: LogCapture;
  afterEach(async () => {
    await decoy?.stop();
    folder?.cleanup();
  });

  describe('a WireMock root folder', () => {
    beforeEach(async () => {
      folder = tempStubs({
        'mappings/single.json': JSON.stringify({
          id: '8c5db8b0-2db4-4ad7-a99f-38c9b00da3f7',
          request: { method: 'GET', url: '/single' },
          response: { status: 200, body: 'single mapping' },
        }),
        'mappings/many.json': JSON.stringify({
          mappings: [
            { uuid: 'b1c2d3e4-0000-4000-8000-000000000001', request: { method: 'GET', urlPath: '/file' }, response: { status: 200, bodyFileName: 'payload.json', headers: { 'Content-Type': 'application/json' } } },
            { request: { method: 'POST', urlPathPattern: '/things/[0-9]+' }, response: { status: 201, jsonBody: { created: true } } },
            { request: { method: 'GET', url: '/b64' }, response: { status: 200, base64Body: Buffer.from([0, 1, 2, 255]).toString('base64') } },
          ],
        }),
        'mappings/nested/deeper.json': JSON.stringify({ request: { method: 'GET', urlPathTemplate: '/orders/{id}' }, response: { status: 200, statusMessage: 'Fine Thanks', body: 'order' } }),
        '__files/payload.json': '{"from":"__files"}',
        // A WireMock root loads only mappings/: this would be a broken stub if it were read.
        'README.json': '{ not a stub',
      });
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    });

    it('loads every mapping style and answers each', async () => {
      assert.equal(decoy.loadReport?.stubs, 5, log.text());
      assert.deepEqual(decoy.loadReport?.errors, []);
      const single = await get(`${decoy.url}/single`);
      assert.equal(single.status, 200);
      assert.equal(single.text, 'single mapping');
      assert.equal(single.headers.get('matched-stub-id'), '8c5db8b0-2db4-4ad7-a99f-38c9b00da3f7');

      const file = await get(`${decoy.url}/file?x=1`);
      assert.equal(file.text, '{"from":"__files"}');
      assert.equal(file.headers.get('content-type'), 'application/json');
      assert.equal(file.headers.get('matched-stub-id'), 'b1c2d3e4-0000-4000-8000-000000000001');

      const created = await get(`${decoy.url}/things/42`, { method: 'POST', body: 'x' });
      assert.equal(created.status, 201);
      assert.equal(created.text, '{"created":true}');

      const b64 = await fetch(`${decoy.url}/b64`);
      assert.deepEqual([...new Uint8Array(await b64.arrayBuffer())], [0, 1, 2, 255]);

      const order = await fetch(`${decoy.url}/orders/7`);
      assert.equal(order.status, 200);
      assert.equal(order.statusText, 'Fine Thanks');
      assert.equal(await order.text(), 'order');
    });
  });

  describe("Decoy's own layout", () => {
    it('loads YAML and JSON recursively, resolves body files in __files/ then beside the stub', async () => {
      folder = tempStubs({
        'api/users.yaml': [
          '- request: { method: GET, path: /a }',
          '  response: { bodyFileName: shared.txt }',
          '- request: { method: GET, path: /b }',
          '  response: { bodyFileName: local.txt }',
        ].join('\n'),
        'api/local.txt': 'beside the stub',
        '__files/shared.txt': 'from __files',
        // JSON files in __files/ are bodies, not stubs.
        '__files/data.json': '{"not": "a stub"}',
        'one.yml': 'request: { url: /one }\nresponse: { status: 204 }\n',
      });
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
      assert.equal(decoy.loadReport?.errors.length, 0, log.text());
      assert.equal((await get(`${decoy.url}/a`)).text, 'from __files');
      assert.equal((await get(`${decoy.url}/b`)).text, 'beside the stub');
      assert.equal((await get(`${decoy.url}/one`)).status, 204);
    });

    it('rejects a body file that escapes the stubs folder, and serves the other files', async () => {
      folder = tempStubs({
        'inner/stubs/escape.yaml': 'request: { path: /escape }\nresponse: { bodyFileName: ../../secret.txt }\n',
        'inner/stubs/absolute.yaml': `request: { path: /abs }\nresponse: { bodyFileName: ${JSON.stringify(path.resolve('/etc/hostname'))} }\n`,
        'inner/stubs/good.yaml': 'request: { path: /good }\nresponse: { body: fine }\n',
        'secret.txt': 'top secret',
      });
      const stubsDir = path.join(folder.dir, 'inner/stubs');
      symlinkSync(path.join(folder.dir, 'secret.txt'), path.join(stubsDir, 'link.txt'));
      writeFileSync(path.join(stubsDir, 'link.yaml'), 'request: { path: /link }\nresponse: { bodyFileName: link.txt }\n');
      ({ decoy, log } = await startDecoy({ stubsDir }));
      const errors = decoy.loadReport!.errors.map((e) => e.format());
      assert.equal(errors.length, 3, errors.join('\n'));
      assert.match(errors.find((e) => e.includes('escape.yaml'))!, /escape\.yaml:2:\d+ DECOY_ERR_BODY_FILE_ESCAPE bodyFileName "\.\.\/\.\.\/secret\.txt" points outside the stubs folder/);
      assert.match(errors.find((e) => e.includes('absolute.yaml'))!, /DECOY_ERR_BODY_FILE_ESCAPE .* must be a relative path/);
      assert.match(errors.find((e) => e.includes('link.yaml'))!, /DECOY_ERR_BODY_FILE_ESCAPE .* symlink .* outside the stubs folder/);
      assert.match(log.text(), /escape\.yaml:2:\d+ DECOY_ERR_BODY_FILE_ESCAPE/);
      assert.equal((await get(`${decoy.url}/escape`)).status, 404);
      assert.equal((await get(`${decoy.url}/link`)).status, 404);
      assert.equal((await get(`${decoy.url}/good`)).text, 'fine');
    });

    it('starts with a broken file, names file, line and column, and serves the good files', async () => {
      folder = tempStubs({
        'good.yaml': 'request: { path: /ok }\nresponse: { body: ok }\n',
        'syntax.yaml': 'request:\n  path: /x\n  method: [GET\nresponse: {}\n',
        'schema.yaml': [
          '- request: { path: /fine }',
          '  response: { body: fine }',
          '- request:',
          '    path: /typo',
          '  response:',
          '    status: "200"',
          '    bodyy: hello',
        ].join('\n'),
        'broken.json': '{\n  "request": { "url": "/j" }\n  "response": {}\n}',
        'regex.yaml': 'request: { urlPathPattern: "/a/(unclosed" }\nresponse: {}\n',
      });
      ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
      const text = log.text();
      assert.match(text, /syntax\.yaml:\d+:\d+ DECOY_ERR_STUB_SYNTAX/);
      assert.match(text, /schema\.yaml:6:13 DECOY_ERR_STUB_INVALID response\.status must be an integer \(got "200"\)/);
      assert.match(text, /schema\.yaml:7:5 DECOY_ERR_STUB_INVALID response has an unknown key "bodyy" \(did you mean "body"\?\)/);
      assert.match(text, /broken\.json:3:3 DECOY_ERR_STUB_SYNTAX Missing , between flow map items/);
      assert.match(text, /regex\.yaml:1:\d+ DECOY_ERR_STUB_COMPILE invalid regular expression "\/a\/\(unclosed"/);
      assert.equal((await get(`${decoy.url}/ok`)).text, 'ok');
      // The good stub of a file with a bad one loads (only a broken edit of a file that loaded completely keeps its previous version).
      assert.match(text, /schema\.yaml: 2 problem\(s\); loaded 1 of its 2 stub\(s\)/);
      assert.equal((await get(`${decoy.url}/fine`)).text, 'fine');
    });
  });

  it('a missing stubs folder is a clear error', async () => {
    folder = tempStubs();
    await assert.rejects(startDecoy({ stubsDir: path.join(folder.dir, 'nope') }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'DECOY_ERR_STUBS_DIR');
      assert.match(e.message, /does not exist/);
      return true;
    });
  });

  it('skips hidden files and folders (editor temp files, .git)', async () => {
    folder = tempStubs({ '.hidden.yaml': 'not: valid: yaml: [', 'visible.yaml': 'request: { path: /v }\nresponse: {}\n' });
    mkdirSync(path.join(folder.dir, '.git'));
    writeFileSync(path.join(folder.dir, '.git', 'x.json'), '{');
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    assert.equal(decoy.loadReport?.files, 1);
    assert.deepEqual(decoy.loadReport?.errors, []);
  });
});
