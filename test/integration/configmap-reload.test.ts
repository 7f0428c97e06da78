/**
 * Hot reload of a Kubernetes ConfigMap volume. The kubelet never writes the visible files: it writes a
 * new hidden timestamped folder, points a new `..data_tmp` symlink at it, renames that over `..data`
 * (one atomic swap), adds and removes the visible `name -> ..data/name` links, then deletes the old
 * folder. The visible links themselves do not change, so a watcher of ordinary files sees nothing.
 * This reproduces that exact sequence with real symlinks and renames.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Decoy } from '../../src/index.js';
import { configMapWrite } from '../support/configmap.js';
import { eventually, get, startDecoy, tempStubs } from '../support/decoy.js';

const stub = (p: string, body: string) => `request: { method: GET, path: ${p} }\nresponse: { body: ${JSON.stringify(body)} }\n`;

describe('hot reload of a Kubernetes ConfigMap volume (the ..data symlink swap)', () => {
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy | undefined;

  beforeEach(() => {
    folder = tempStubs();
  });
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    folder.cleanup();
  });

  const start = async () => {
    ({ decoy } = await startDecoy({ stubsDir: folder.dir, watch: true }));
    return decoy!;
  };
  const body = async (p: string) => {
    const r = await get(`${decoy!.url}${p}`);
    return r.status === 200 ? r.text : `(${r.status})`;
  };
  const serves = (p: string, want: string, what = `${p} to answer ${want}`) => eventually(async () => (await body(p)) === want, 3_000, what);
  const mappingCount = async () => JSON.parse((await get(`${decoy!.url}/__admin/mappings`)).text).meta.total as number;

  // Regression: the visible links resolve into `..2026_.../`, which was taken for a path outside the folder (it starts with `..`).
  it('loads the visible files once (not the hidden timestamped copies) and follows repeated swaps', async () => {
    configMapWrite(folder.dir, { 'orders.yaml': stub('/orders', 'v1') });
    await start();
    assert.equal(await body('/orders'), 'v1');
    assert.equal(await mappingCount(), 1, 'the stub is loaded once, not again from ..data/ or ..2026_*/');
    for (const version of ['v2', 'v3', 'v4']) {
      configMapWrite(folder.dir, { 'orders.yaml': stub('/orders', version) });
      await serves('/orders', version);
      assert.equal(await mappingCount(), 1);
    }
  });

  it('reloads at the ..data rename itself, before the old folder is deleted', async () => {
    configMapWrite(folder.dir, { 'orders.yaml': stub('/orders', 'v1') });
    await start();
    // Nothing a file watcher sees happens to the visible files: only the hidden ..data link is replaced.
    configMapWrite(folder.dir, { 'orders.yaml': stub('/orders', 'v2') }, { keepOldFolder: true });
    await serves('/orders', 'v2');
  });

  it('adds and removes stubs when keys are added to and removed from the ConfigMap', async () => {
    configMapWrite(folder.dir, { 'orders.yaml': stub('/orders', 'v1') });
    await start();
    configMapWrite(folder.dir, { 'orders.yaml': stub('/orders', 'v1'), 'users.yaml': stub('/users', 'u1') });
    await serves('/users', 'u1');
    configMapWrite(folder.dir, { 'users.yaml': stub('/users', 'u2') });
    await serves('/users', 'u2');
    await serves('/orders', '(404)', 'the removed key\'s stub to be gone');
    assert.equal(await mappingCount(), 1);
  });

  it('keeps the last good version when a swap brings a broken file, and takes the next good one', async () => {
    configMapWrite(folder.dir, { 'orders.yaml': stub('/orders', 'good') });
    await start();
    configMapWrite(folder.dir, { 'orders.yaml': 'request: { method: GET, path: /orders }\nresponse: { status: "two hundred" }\n' });
    await eventually(async () => JSON.parse((await get(`${decoy!.url}/__admin/decoy/load-errors`)).text).errors.length === 1, 3_000, 'the load error');
    assert.equal(await body('/orders'), 'good', 'the previous stubs stay served');
    configMapWrite(folder.dir, { 'orders.yaml': stub('/orders', 'fixed') });
    await serves('/orders', 'fixed');
    assert.equal(JSON.parse((await get(`${decoy!.url}/__admin/decoy/load-errors`)).text).errors.length, 0);
  });

  it('reloads a ConfigMap mounted as a subfolder of the stubs folder, and body files from one', async () => {
    mkdirSync(path.join(folder.dir, 'payments'));
    mkdirSync(path.join(folder.dir, '__files'));
    configMapWrite(path.join(folder.dir, 'payments'), { 'pay.yaml': stub('/pay', 'p1') });
    configMapWrite(path.join(folder.dir, '__files'), { 'report.txt': 'report v1' });
    folder.write('report.yaml', 'request: { path: /report }\nresponse: { bodyFileName: report.txt }\n');
    await start();
    assert.equal(await body('/pay'), 'p1');
    assert.equal(await body('/report'), 'report v1');
    configMapWrite(path.join(folder.dir, 'payments'), { 'pay.yaml': stub('/pay', 'p2') });
    await serves('/pay', 'p2');
    configMapWrite(path.join(folder.dir, '__files'), { 'report.txt': 'report v2' });
    await serves('/report', 'report v2');
  });
});
