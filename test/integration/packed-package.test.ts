/**
 * The package as a user gets it: `npm pack`, then the tarball installed into an empty project with runtime
 * dependencies only. A file missing from `files`, a devDependency imported at run time, or an install that
 * tries to build (no TypeScript there) fails here rather than for the first user.
 *
 * The install reads npm's normal cache first (`--prefer-offline`): after `npm ci` every runtime dependency is
 * in it, so the test needs the registry only for what the cache lacks.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string; version: string; bin: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string>;
};
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Starts the installed `decoy` on a free port and resolves with its URL once it logs that it is serving. */
function startInstalledCli(project: string, args: string[]): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(path.join(project, 'node_modules', '.bin', 'decoy'), ['--port', '0', '--host', '127.0.0.1', '--no-watch', ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`decoy did not start in 20 s:\n${log}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      const m = / on (http:\/\/[^\s;]+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, log: () => log });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`decoy exited with ${code}:\n${log}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('the packed npm package, installed into an empty project', function () {
  this.timeout(240_000);
  let work: string;
  let project: string;
  let tarball: string;

  before(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'decoy-pack-'));
    project = path.join(work, 'project');
    // The suite builds first (pretest); --ignore-scripts packs that build instead of rebuilding it mid-suite.
    const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    tarball = path.join(work, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
    await run('mkdir', ['-p', project]);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'decoy-user', version: '1.0.0', private: true, type: 'module' }));
    await run(npm, ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], { cwd: project, maxBuffer: 64 * 1024 * 1024 });
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is named decoy-mock (the name decoy on the registry is another project) and installs the decoy command', () => {
    assert.equal(pkg.name, 'decoy-mock');
    assert.deepEqual(Object.keys(pkg.bin), ['decoy']);
    assert.ok(existsSync(path.join(project, 'node_modules', '.bin', 'decoy')));
  });

  it('installs runtime dependencies only and does not build on install', () => {
    const installed = new Set(readdirSync(path.join(project, 'node_modules')));
    for (const dev of ['typescript', 'mocha', 'vite', 'tsx', 'playwright-core', 'wiremock']) assert.ok(!installed.has(dev), `${dev} is a devDependency but was installed`);
    for (const dep of Object.keys(pkg.dependencies)) {
      const top = dep.startsWith('@') ? dep.split('/')[0]! : dep;
      assert.ok(installed.has(top) || existsSync(path.join(project, 'node_modules', 'decoy-mock', 'node_modules', dep)), `runtime dependency ${dep} is missing`);
    }
    assert.ok(existsSync(path.join(project, 'node_modules', 'decoy-mock', 'dist', 'index.d.ts')), 'the type declarations are in the package');
    assert.ok(!existsSync(path.join(project, 'node_modules', 'decoy-mock', 'src')), 'the TypeScript sources stay out of the package');
  });

  it('npx decoy --version prints the package version', async () => {
    const { stdout } = await run(npm, ['exec', '--no', '--', 'decoy', '--version'], { cwd: project });
    assert.equal(stdout.trim(), pkg.version);
  });

  it('decoy with no arguments serves the bundled example stubs and the web UI', async () => {
    const { child, url, log } = await startInstalledCli(project, []);
    try {
      assert.match(log(), /example stubs/);
      const user = await fetch(`${url}/users/1`);
      assert.equal(user.status, 200);
      assert.deepEqual(await user.json(), JSON.parse(readFileSync(path.join(root, 'stubs', '__files', 'user.json'), 'utf8')));
      const health = await fetch(`${url}/health`);
      assert.equal(health.status, 200, 'the WireMock-style example is served too');
      const ui = await fetch(`${url}/__admin/ui/`);
      assert.equal(ui.status, 200, 'the web admin UI is built into the package');
      assert.match(await ui.text(), /<script/);
    } finally {
      await stop(child);
    }
  });

  it('decoy init writes the example stubs from the installed package (the templates are shipped), and decoy serves them', async () => {
    await run(path.join(project, 'node_modules', '.bin', 'decoy'), ['init', 'my-stubs'], { cwd: project });
    assert.equal(readdirSync(path.join(project, 'my-stubs')).filter((f) => f.endsWith('.yaml')).length, 5);
    const { child, url } = await startInstalledCli(project, ['--stubs', 'my-stubs']);
    try {
      assert.equal((await fetch(`${url}/payments`, { method: 'POST' })).status, 503);
    } finally {
      await stop(child);
    }
  });

  it('import { createDecoy } from "decoy-mock" starts a Decoy that the typed client from "decoy-mock/client" drives', async () => {
    writeFileSync(path.join(project, 'use.mjs'), `
import { createDecoy } from 'decoy-mock';
import { DecoyClient } from 'decoy-mock/client';
const server = createDecoy({ port: 0, host: '127.0.0.1', stubsDir: 'node_modules/decoy-mock/stubs', watch: false });
await server.start();
const client = new DecoyClient(server.url);
await client.createStub({ request: { method: 'GET', urlPath: '/ping' }, response: { status: 200, jsonBody: { pong: true } } });
const ping = await fetch(server.url + '/ping');
const out = { status: ping.status, body: await ping.json(), count: await client.count({ method: 'GET', urlPath: '/ping' }), stubs: server.loadReport.stubs };
await server.stop();
console.log(JSON.stringify(out));
`);
    const { stdout } = await run(process.execPath, ['use.mjs'], { cwd: project });
    const out = JSON.parse(stdout) as { status: number; body: unknown; count: number; stubs: number };
    assert.equal(out.status, 200);
    assert.deepEqual(out.body, { pong: true });
    assert.equal(out.count, 1);
    assert.ok(out.stubs >= 2, 'the bundled stubs loaded');
  });

  it('every runtime dependency Decoy loads lazily resolves from the installed package', async () => {
    // Imported from inside the installed package, so Node resolves each one as Decoy's own modules do.
    const probe = path.join(project, 'node_modules', 'decoy-mock', 'dist', 'probe-dependencies.mjs');
    writeFileSync(probe, `
const missing = [];
for (const dep of ${JSON.stringify(Object.keys(pkg.dependencies))}) {
  try { await import(dep); } catch (e) { missing.push(dep + ': ' + e.message); }
}
console.log(JSON.stringify(missing));
`);
    const { stdout } = await run(process.execPath, [probe], { cwd: project });
    assert.deepEqual(JSON.parse(stdout), []);
  });
});
