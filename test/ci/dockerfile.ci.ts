/**
 * The Dockerfile's own commands, run outside Docker (no engine on CI runners or here): each stage gets a
 * temp folder as its `/`; COPY, WORKDIR, ENV and RUN are carried out as written (npm ci, build, prune);
 * then the ENTRYPOINT starts as the image's unprivileged user (uid 1000, `node` in the Node images) with the
 * image's DECOY_* variables, a temp stubs folder standing in for the /stubs mount. The HEALTHCHECK command
 * must pass, a proxy stub must reach its upstream, and SIGTERM must let an in-flight request finish and
 * exit 0. Every module Decoy loads lazily (on first use, so a missing one shows only then) must resolve.
 *
 * Slow (a clean npm install), so not part of `npm test`: .ci/run runs it, on Node 24 like the image.
 * Run alone (as root, for the user switch): npx mocha --no-config --node-option import=tsx --extension ts --timeout 600000 --exit test/ci/dockerfile.ci.ts
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { all, commandOf, envPairs, parseDockerfile, type Stage } from '../support/dockerfile.js';
import { eventually } from '../support/decoy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The Node images' `node` user. */
const USERS: Record<string, number> = { node: 1000, root: 0 };

interface Built { dir: string; workdir: string; env: Record<string, string>; user: string | undefined }

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

function chownTree(p: string, uid: number): void {
  chownSync(p, uid, uid);
  if (statSync(p).isDirectory()) for (const e of readdirSync(p)) chownTree(path.join(p, e), uid);
}

/** Carries out one stage's instructions in `dir` (its `/`); `built` holds the earlier stages by name. */
function runStage(stage: Stage, dir: string, built: Map<string, Built>): Built {
  const inRoot = (p: string) => path.join(dir, p);
  let workdir = '/';
  let user: string | undefined;
  const env: Record<string, string> = {};
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'WORKDIR':
        workdir = path.posix.resolve(workdir, ins.args);
        mkdirSync(inRoot(workdir), { recursive: true });
        break;
      case 'ENV':
        Object.assign(env, envPairs(ins.args));
        break;
      case 'USER':
        user = ins.args;
        break;
      case 'COPY': {
        const parts = ins.args.split(/\s+/);
        const dest = parts.pop()!;
        const from = ins.flags.from === undefined ? undefined : built.get(ins.flags.from);
        if (ins.flags.from !== undefined && !from) throw new Error(`Dockerfile line ${ins.line}: no stage ${ins.flags.from}`);
        const target = inRoot(path.posix.resolve(workdir, dest));
        for (const src of parts) {
          const source = from ? path.join(from.dir, path.posix.resolve(from.workdir, src)) : path.join(root, src);
          const to = dest.endsWith('/') || parts.length > 1 ? path.join(target, path.basename(src)) : target;
          cpSync(source, to, { recursive: true, verbatimSymlinks: true });
          if (ins.flags.chown) chownTree(to, USERS[ins.flags.chown.split(':')[0]!] ?? Number(ins.flags.chown.split(':')[0]));
        }
        break;
      }
      case 'RUN': {
        const [cmd, ...args] = commandOf(ins.args);
        const r = spawnSync(cmd!, args, { cwd: inRoot(workdir), env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
        assert.equal(r.status, 0, `Dockerfile line ${ins.line}: RUN ${ins.args} failed`);
        break;
      }
      default: // EXPOSE, HEALTHCHECK, STOPSIGNAL, ENTRYPOINT, CMD describe the container; checked below
    }
  }
  return { dir, workdir, env, user };
}

describe('the Dockerfile, run outside Docker', function () {
  this.timeout(600_000);
  const stages = parseDockerfile(readFileSync(path.join(root, 'Dockerfile'), 'utf8'));
  const runtime = stages[stages.length - 1]!;
  let base: string;
  let image: Built;

  before(function () {
    if (process.getuid?.() !== 0) this.skip(); // switching to the image's user needs root (CI containers are)
    base = mkdtempSync(path.join(tmpdir(), 'decoy-dockerfile-'));
    chmodSync(base, 0o755); // the unprivileged user must reach the runtime stage's files
    const built = new Map<string, Built>();
    stages.forEach((stage, i) => {
      const dir = path.join(base, `stage-${i}`);
      mkdirSync(dir, { mode: 0o755 });
      const b = runStage(stage, dir, built);
      if (stage.name) built.set(stage.name, b);
      if (i === stages.length - 1) image = b;
    });
  });
  after(() => { if (base) rmSync(base, { recursive: true, force: true }); });

  it('leaves only production dependencies and the built JavaScript in the runtime stage', () => {
    const app = path.join(image.dir, image.workdir);
    // The command is the bundle: its entry and the chunks it imports on first use.
    assert.ok(existsSync(path.join(app, 'dist/cli/main.js')));
    assert.ok(existsSync(path.join(app, 'dist/cli/chunks')));
    assert.ok(existsSync(path.join(app, 'node_modules/commander')));
    for (const dev of ['typescript', 'mocha', 'tsx', 'wiremock']) assert.ok(!existsSync(path.join(app, 'node_modules', dev)), `${dev} is in the image`);
    assert.ok(!existsSync(path.join(app, 'src')));
    assert.ok(existsSync(path.join(app, 'dist/admin-ui/index.html')), 'the web admin UI is not in the image');
  });

  it('resolves every module Decoy loads lazily (proxying, the admin API, templating, generated data, OpenAPI, metrics, HTTPS, schemas, XML, GraphQL, redaction, the store)', () => {
    const lazy = ['undici', 'express', 'handlebars', '@faker-js/faker', 'randexp', '@apidevtools/swagger-parser', 'prom-client', 'selfsigned',
      'ajv', 'ajv-formats', 'xpath', '@xmldom/xmldom', 'graphql', 'jsonpath-plus', 'jsonc-parser', 'redis'];
    const script = `for (const m of ${JSON.stringify(lazy)}) await import(m);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.join(image.dir, image.workdir), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  it('starts as the unprivileged user with the image\'s variables, passes its health check, and on SIGTERM finishes in-flight requests and exits 0', async () => {
    const uid = USERS[image.user ?? 'root'] ?? Number(image.user);
    assert.notEqual(uid, 0, 'the image runs as root');
    // The /stubs mount: a folder of the test's own, readable by that user.
    const stubs = path.join(image.dir, 'stubs');
    rmSync(stubs, { recursive: true, force: true });
    mkdirSync(stubs);
    writeFileSync(path.join(stubs, 'slow.yaml'), '- { request: { method: GET, url: /slow }, response: { status: 200, body: finished, fixedDelayMilliseconds: 700 } }\n');
    // A proxy stub: forwarding loads undici at run time, so it must be a production dependency.
    const upstream = http.createServer((req, res) => res.end(`upstream saw ${req.url}`));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as net.AddressInfo).port;
    writeFileSync(path.join(stubs, 'proxy.yaml'), `- { request: { method: GET, urlPath: /up }, response: { proxyBaseUrl: "http://127.0.0.1:${upstreamPort}" } }\n`);
    chownTree(stubs, uid);

    const port = await freePort();
    // The image's variables, with paths inside the stage and loopback on a free port instead of 0.0.0.0:8080.
    const env: Record<string, string> = {
      PATH: process.env.PATH!, HOME: '/tmp',
      ...Object.fromEntries(Object.entries(image.env).map(([k, v]) => [k, v.startsWith('/') ? path.join(image.dir, v) : v])),
      DECOY_PORT: String(port), DECOY_HOST: '127.0.0.1',
    };
    assert.equal(env.DECOY_STUBS, stubs);
    const asUser = ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--'];
    const [cmd, ...args] = [...asUser, ...commandOf(all(runtime, 'ENTRYPOINT')[0]!.args), ...all(runtime, 'CMD').flatMap((c) => commandOf(c.args))];
    const child = spawn(cmd!, args, { cwd: path.join(image.dir, image.workdir), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually(() => /serving 2 stub/.test(out) || child.exitCode !== null, 15_000, 'Decoy to start');
      assert.match(out, /serving 2 stub/, out);
      // setpriv execs node: the process is Decoy itself, running as that user.
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s`, 'm'));

      const health = commandOf(all(runtime, 'HEALTHCHECK')[0]!.args.replace(/^CMD\s+/, ''));
      const check = spawnSync(asUser[0]!, [...asUser.slice(1), ...health], { env, timeout: 10_000 });
      assert.equal(check.status, 0, `HEALTHCHECK failed: ${check.stderr}`);

      const proxied = await fetch(`http://127.0.0.1:${port}/up`);
      assert.equal(`${proxied.status} ${await proxied.text()}`, '200 upstream saw /up', out);

      const answer = new Promise<string>((resolve, reject) => {
        http.get(`http://127.0.0.1:${port}/slow`, (res) => {
          let b = '';
          res.on('data', (c) => (b += c)).on('end', () => resolve(`${res.statusCode} ${b}`));
        }).on('error', reject);
      });
      await new Promise((r) => setTimeout(r, 200));
      child.kill(all(runtime, 'STOPSIGNAL')[0]?.args as NodeJS.Signals ?? 'SIGTERM');
      assert.equal(await answer, '200 finished');
      assert.equal(await exited, 0, out);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      upstream.close();
    }
  });
});
