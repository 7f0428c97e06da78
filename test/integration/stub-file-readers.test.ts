/**
 * A YAML stub file is read by the plain block reader when it is in its subset, by js-yaml when not (imported
 * at the first such file), and by `yaml` when js-yaml might read it differently. Which reader read a file
 * must not show: the same stubs, ids, order, lines and messages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Decoy } from '../../src/index.js';
import { deriveStubId } from '../../src/core/stub.js';
import { cliUrl, killCliRuns, runCli } from '../support/cli.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

const PLAIN = [
  '# block style, as most stub files are written',
  '- name: plain one',
  '  request:',
  '    method: GET',
  '    url: /plain/one',
  '  response:',
  '    status: 200',
  '    headers:',
  '      Content-Type: text/plain',
  "    body: 'plain # one'",
  '',
  '- name: plain two',
  '  request:',
  '    method: GET',
  '    url: /plain/two',
  '  response:',
  '    status: 201',
  '    body: |',
  '      line one',
  '      line two',
  '',
].join('\n');
/** Flow style: js-yaml reads it. */
const FLOW = 'request: { method: GET, url: /flow }\nresponse: { status: 200, body: flow }\n';
/** A number to keep as written: `yaml` reads it. */
const PRECISE = 'request:\n  method: GET\n  url: /precise\nresponse:\n  status: 200\n  jsonBody:\n    price: 10.50\n';

/** The modules of the bundle a CLI start loaded before it served `path` (module-load hooks log each one). */
async function modulesLoadedBefore(files: Record<string, string>, paths: Record<string, string>): Promise<string[]> {
  const folder = tempStubs(files);
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'decoy-load-log-'));
  const log = path.join(logDir, 'loaded.txt');
  try {
    const hook = pathToFileURL(fileURLToPath(new URL('../support/load-log.mjs', import.meta.url))).href;
    const run = runCli(['--stubs', folder.dir, '--port', '0', '--host', '127.0.0.1', '--no-watch'],
      { env: { ...process.env, NODE_OPTIONS: `--import=${hook}`, DECOY_LOAD_LOG: log } });
    const url = await cliUrl(run);
    for (const [p, body] of Object.entries(paths)) assert.equal((await get(`${url}${p}`)).text, body);
    const loaded = readFileSync(log, 'utf8').split('\n').filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u));
    return loaded.filter((f) => existsMap(f)).flatMap((f) => (JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] }).sources);
  } finally {
    folder.cleanup();
    rmSync(logDir, { recursive: true, force: true });
  }
}

function existsMap(file: string): boolean {
  try {
    readFileSync(`${file}.map`);
    return true;
  } catch {
    return false;
  }
}

describe('YAML stub files and the reader that reads each', function () {
  this.timeout(60_000);
  let decoy: Decoy | undefined;
  let folder: ReturnType<typeof tempStubs> | undefined;
  afterEach(async () => {
    killCliRuns();
    await decoy?.stop();
    folder?.cleanup();
    decoy = undefined;
  });

  it('a folder of plain block YAML files is served without importing js-yaml', async () => {
    const sources = await modulesLoadedBefore({ 'a.yaml': PLAIN, 'b.json': '{ "request": { "url": "/json" }, "response": { "body": "json" } }' },
      { '/plain/one': 'plain # one', '/plain/two': 'line one\nline two\n', '/json': 'json' });
    assert.ok(!sources.some((s) => s.includes('node_modules/js-yaml/')), 'js-yaml was imported');
    assert.ok(sources.some((s) => s.endsWith('src/sources/plain-yaml.ts')), 'the check reads the loaded files\' sources');
  });

  it('js-yaml is imported at the first YAML file the plain reader leaves, and every file is served', async () => {
    const sources = await modulesLoadedBefore({ 'a.yaml': PLAIN, 'b.yaml': FLOW, 'c.yaml': PLAIN.replaceAll('/plain/', '/later/') },
      { '/plain/one': 'plain # one', '/flow': 'flow', '/later/two': 'line one\nline two\n' });
    assert.ok(sources.some((s) => s.includes('node_modules/js-yaml/')), 'js-yaml was not imported');
  });

  it('stubs read by each reader keep their ids, load order and lines', async () => {
    folder = tempStubs({ 'a-plain.yaml': PLAIN, 'b-flow.yaml': FLOW, 'c-precise.yaml': PRECISE, 'd-plain.yaml': PLAIN.replaceAll('/plain/', '/later/') });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    const expected: Array<{ path: string; id: string; line: number; status?: number }> = [
      { path: '/plain/one', id: deriveStubId('a-plain.yaml#/0'), line: 2 },
      { path: '/plain/two', id: deriveStubId('a-plain.yaml#/1'), line: 12, status: 201 },
      { path: '/flow', id: deriveStubId('b-flow.yaml#'), line: 1 },
      { path: '/precise', id: deriveStubId('c-precise.yaml#'), line: 1 },
      { path: '/later/one', id: deriveStubId('d-plain.yaml#/0'), line: 2 },
      { path: '/later/two', id: deriveStubId('d-plain.yaml#/1'), line: 12, status: 201 },
    ];
    for (const e of expected) {
      const res = await get(`${decoy.url}${e.path}`);
      assert.equal(res.status, e.status ?? 200, e.path);
      assert.equal(res.headers.get('matched-stub-id'), e.id, e.path);
    }
    assert.equal((await get(`${decoy.url}/precise`)).text, '{"price":10.50}');
    const list = JSON.parse((await get(`${decoy.url}/__admin/decoy/stubs`)).text) as { stubs: Array<{ id: string; line?: number }> };
    const byId = new Map(list.stubs.map((s) => [s.id, s]));
    assert.deepEqual(expected.map((e) => byId.get(e.id)?.line), expected.map((e) => e.line));
    // Files load in name order and each stub is added after the ones before it: the newest first, as WireMock lists them.
    const mappings = JSON.parse((await get(`${decoy.url}/__admin/mappings`)).text) as { mappings: Array<{ id: string }> };
    assert.deepEqual(mappings.mappings.map((m) => m.id), expected.map((e) => e.id).reverse());
  });

  it('a problem in a plain block YAML file is reported at its line and column, and the file\'s other stubs load', async () => {
    folder = tempStubs({ 'bad.yaml': PLAIN.replace('    status: 201', '    status: two hundred') });
    let log;
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    assert.match(log.text(), /bad\.yaml:17:13 DECOY_ERR_STUB_INVALID response\.status/);
    assert.equal((await get(`${decoy.url}/plain/one`)).text, 'plain # one');
    assert.equal((await get(`${decoy.url}/plain/two`)).status, 404);
  });
});
