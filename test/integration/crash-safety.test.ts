/**
 * Crash safety: a child process saves stubs over and over (new files, files edited in place, files
 * removed) and is SIGKILLed at random moments, several times over the same folder. After every kill,
 * each stub file must be complete (it loads without error: the old version or the new, never a
 * partial one), no temp file may be read as a stub, and the next start must load every file the
 * child reported saved. Also: a watcher error and a throwing request never stop the server.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, utimesSync, watch } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'mocha';
import type { Decoy } from '../../src/index.js';
import type { Stub } from '../../src/core/stub.js';
import { StubFolder } from '../../src/sources/stub-folder.js';
import { captureLog, eventually, startDecoy, tempStubs } from '../support/decoy.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SAVE_LOOP = path.join(here, '../support/save-loop.js');
const KILLS = 6;

describe('crash safety', function () {
  this.timeout(60_000);
  const children: ChildProcess[] = [];
  let folder: ReturnType<typeof tempStubs> | undefined;
  let decoy: Decoy | undefined;
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await decoy?.stop();
    decoy = undefined;
    folder?.cleanup();
    folder = undefined;
  });

  it(`SIGKILL during saves and recordings, ${KILLS} times: every file is whole and the next start loads everything saved`, async () => {
    folder = tempStubs({ 'seed.yaml': '- { name: seed, request: { url: /seed }, response: { status: 200, body: seed } }\n' });
    // A fixed sequence of kill moments, so a failure can be replayed.
    let s = 20_260_101;
    const nextDelay = () => 15 + ((s = (s * 1103515245 + 12345) >>> 0) % 250);
    const everSaved = new Set<string>();
    let totalSaves = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = spawn(process.execPath, [SAVE_LOOP, folder.dir, String(k + 1)], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      let err = '';
      child.stdout!.on('data', (c) => (out += c));
      child.stderr!.on('data', (c) => (err += c));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      await eventually(() => /READY/.test(out) || child.exitCode !== null, 20_000, `the child to start (${err})`);
      assert.equal(child.exitCode, null, `the child failed: ${out}${err}`);
      // Aim at the writes: killed from inside the n-th file-system event in the folder (a file created,
      // written or renamed), which is as close to the middle of a write as a parent can get.
      const nth = 1 + (nextDelay() % 60);
      await new Promise<void>((resolve) => {
        let events = 0;
        const kill = () => { watcher.close(); clearTimeout(fallback); child.kill('SIGKILL'); resolve(); };
        const watcher = watch(folder!.dir, () => { if (++events === nth) kill(); });
        const fallback = setTimeout(kill, 5000);
      });
      await exited;
      for (const line of out.split('\n')) {
        const m = /^SAVED (.*)$/.exec(line);
        if (!m) continue;
        totalSaves++;
        for (const f of JSON.parse(m[1]!) as string[]) everSaved.add(f);
      }
      assert.doesNotMatch(out, /FAILED/);

      // Every stub file on disk is complete and valid, and every body file it names is there.
      const { logger } = captureLog();
      const check = new StubFolder({ dir: folder.dir, logger, nextSequence: (() => { let n = 0; return () => n++; })(), onChange: () => undefined });
      const report = await check.load();
      assert.deepEqual(report.errors.map((e) => e.format()), [], `after kill ${k + 1}, some files are not whole`);
      const files = readdirSync(folder.dir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.split(path.sep).some((p) => p.startsWith('.')));
      // A file cut short can still parse (YAML is forgiving, an empty file holds no stubs): every file Decoy
      // writes holds at least one stub and ends with a newline.
      const loaded = new Set(check.stubs().map((st) => st.origin.path));
      for (const rel of files.filter((f) => !f.startsWith('__files'))) {
        const text = readFileSync(path.join(folder.dir, rel), 'utf8');
        assert.ok(text.endsWith('\n'), `${rel} after kill ${k + 1} is cut short`);
        assert.ok(loaded.has(path.join(check.root, rel)), `${rel} after kill ${k + 1} holds no stub`);
      }
    }
    assert.ok(totalSaves > 0, 'saves happened');

    // The next start loads every file there, with no problem; leftover temp files are not stubs.
    const temps = readdirSync(folder.dir).filter((f) => f.endsWith('.tmp'));
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    assert.deepEqual(decoy.loadReport!.errors.map((e) => e.format()), []);
    const onDisk = readdirSync(folder.dir).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith('.'));
    assert.ok(onDisk.some((f) => f.startsWith('get-rec-')), 'recordings were written');
    assert.ok(readdirSync(path.join(folder.dir, '__files')).some((f) => f.endsWith('.bin')), 'with body files');
    assert.equal(decoy.loadReport!.files, onDisk.length);
    for (const t of temps) assert.ok(t.startsWith('.'), `temp file ${t} is hidden, so never loaded`);
    // Every stub served from each saved file that is still there (deletions remove files on purpose).
    const stubs = decoy.engine.stubs.all;
    for (const f of onDisk) {
      assert.ok(stubs.some((st) => st.origin.file?.endsWith(f)), `${f} loaded`);
    }
    assert.equal((await fetch(`${decoy.url}/seed`)).status, 200);
    assert.ok(everSaved.size > 0);
  });

  it('temp files left by a write that was cut short are removed at the next start once a minute old; younger ones are left alone', async () => {
    folder = tempStubs({ 'ok.yaml': 'request: { url: /ok }\nresponse: { status: 200 }\n' });
    folder.write('.ok.yaml.0123456789ab.tmp', 'request: { url: /ok }\nresponse: { sta');
    folder.write('__files/.body.json.abcdefabcdef.tmp', '{"half":');
    folder.write('.young.yaml.aaaaaaaaaaaa.tmp', 'request:');
    folder.write('.not-ours.tmp', 'kept');
    const old = new Date(Date.now() - 5 * 60_000);
    for (const f of ['.ok.yaml.0123456789ab.tmp', '__files/.body.json.abcdefabcdef.tmp', '.not-ours.tmp']) utimesSync(path.join(folder.dir, f), old, old);
    const started = await startDecoy({ stubsDir: folder.dir });
    decoy = started.decoy;
    const log = started.log;
    assert.equal(existsSync(path.join(folder.dir, '.ok.yaml.0123456789ab.tmp')), false);
    assert.equal(existsSync(path.join(folder.dir, '__files/.body.json.abcdefabcdef.tmp')), false);
    assert.equal(existsSync(path.join(folder.dir, '.young.yaml.aaaaaaaaaaaa.tmp')), true, 'a write in progress elsewhere is not touched');
    assert.equal(existsSync(path.join(folder.dir, '.not-ours.tmp')), true, 'only the atomic writer\'s names');
    assert.match(log.text(), /removed .*\.ok\.yaml\.0123456789ab\.tmp, left by a write that was cut short/);
    assert.equal(decoy.loadReport!.errors.length, 0);
  });

  it('an exception thrown while answering one request is a 500 for that request only; the server keeps serving', async () => {
    folder = tempStubs({ 'ok.yaml': 'request: { url: /ok }\nresponse: { status: 200, body: fine }\n' });
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
    const original = decoy.engine.serve.bind(decoy.engine);
    decoy.engine.serve = ((req: Parameters<typeof original>[0], ...rest: [Parameters<typeof original>[1]]) => {
      if (req.url === '/boom') throw new Error('boom in the matcher');
      return original(req, ...rest);
    }) as typeof decoy.engine.serve;
    const boom = await fetch(`${decoy.url}/boom`);
    assert.equal(boom.status, 500);
    assert.match(await boom.text(), /boom in the matcher/);
    const boomWithBody = await fetch(`${decoy.url}/boom`, { method: 'POST', body: 'x' });
    assert.equal(boomWithBody.status, 500);
    assert.equal((await fetch(`${decoy.url}/ok`)).status, 200);
  });

  it('a watcher error is logged and the folder keeps serving and reloading', async () => {
    folder = tempStubs({ 'ok.yaml': 'request: { url: /ok }\nresponse: { status: 200, body: fine }\n' });
    const { logger, log } = captureLog();
    let current: Stub[] = [];
    const stubFolder = new StubFolder({ dir: folder.dir, logger, nextSequence: (() => { let n = 0; return () => n++; })(), onChange: (stubs) => (current = stubs) });
    try {
      await stubFolder.load();
      await stubFolder.watch();
      // chokidar reports errors (EMFILE, EACCES on a folder) as 'error' events on its watcher.
      stubFolder.watcher!.emit('error', Object.assign(new Error('EMFILE: too many open files, watch'), { code: 'EMFILE' }));
      assert.match(log.text(), /watching .* failed: EMFILE: too many open files, watch; stubs stay as they are/);
      assert.equal(current.length, 1);
      folder.write('more.yaml', 'request: { url: /more }\nresponse: { status: 201 }\n');
      await eventually(() => current.length === 2, 5000, 'the new file to load after the error');
    } finally {
      await stubFolder.close();
    }
  });
});
