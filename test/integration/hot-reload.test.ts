import assert from 'node:assert/strict';
import { renameSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Decoy } from '../../src/index.js';
import { eventually, get, startDecoy, tempStubs, type LogCapture } from '../support/decoy.js';

const stub = (p: string, body: string) => `request: { method: GET, path: ${p} }\nresponse: { body: ${JSON.stringify(body)} }\n`;

describe('hot reload', () => {
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  let log: LogCapture;

  beforeEach(async () => {
    folder = tempStubs({ 'a.yaml': stub('/a', 'first'), '__files/body.txt': 'body v1', 'b.yaml': 'request: { path: /b }\nresponse: { bodyFileName: body.txt }\n' });
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir, watch: true }));
  });
  afterEach(async () => {
    await decoy.stop();
    folder.cleanup();
  });

  const body = async (p: string) => {
    const r = await get(`${decoy.url}${p}`);
    return r.status === 200 ? r.text : `(${r.status})`;
  };
  // The bound: a change takes effect within 500 ms.
  const within500 = (p: string, want: string) => eventually(async () => (await body(p)) === want, 500, `${p} to answer ${want}`);

  it('picks up an added file', async () => {
    folder.write('new.yaml', stub('/new', 'added'));
    await within500('/new', 'added');
  });

  it('picks up a changed file', async () => {
    folder.write('a.yaml', stub('/a', 'second'));
    await within500('/a', 'second');
  });

  it('picks up a renamed file (and its stubs keep answering)', async () => {
    renameSync(path.join(folder.dir, 'a.yaml'), path.join(folder.dir, 'renamed.yaml'));
    await eventually(async () => decoy.engine.stubs.all.some((s) => s.origin.file?.endsWith('renamed.yaml')), 500, 'the renamed file');
    assert.equal(await body('/a'), 'first');
    assert.ok(!decoy.engine.stubs.all.some((s) => s.origin.file?.endsWith('a.yaml')));
  });

  it('drops the stubs of a deleted file', async () => {
    unlinkSync(path.join(folder.dir, 'a.yaml'));
    await within500('/a', '(404)');
  });

  it('reloads a stub when its body file changes', async () => {
    assert.equal(await body('/b'), 'body v1');
    folder.write('__files/body.txt', 'body v2');
    await within500('/b', 'body v2');
  });

  it('keeps the last good version of a file that breaks, and logs file and line', async () => {
    folder.write('a.yaml', 'request: { method: GET, path: /a }\nresponse: { status: nope }\n');
    await eventually(() => /a\.yaml:2:21 DECOY_ERR_STUB_INVALID response\.status must be an integer/.test(log.text()), 1000, 'the error in the log');
    assert.match(log.text(), /a\.yaml: 1 problem\(s\); still serving its previous 1 stub\(s\)/);
    assert.equal(await body('/a'), 'first');
    // Fixing the file brings the new version in.
    folder.write('a.yaml', stub('/a', 'fixed'));
    await within500('/a', 'fixed').catch((e) => { console.log(log.text()); throw e; });
  });

  it('does not drop a request in flight while files change', async () => {
    // A request whose body is still arriving is in flight across the reload.
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${decoy.url}/a`, { method: 'GET', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: b }));
      });
      req.on('error', reject);
      req.write('part one');
      folder.write('a.yaml', stub('/a', 'during'));
      setTimeout(() => req.end('part two'), 300);
    });
    const { status, body: text } = await answer;
    assert.equal(status, 200);
    assert.ok(text === 'first' || text === 'during', text);
  });
});
