/**
 * Hostile input and hostile folders: stubs, body files, saved stubs and recordings stay inside the stubs
 * folder; `__proto__`/`constructor`/`prototype` keys pollute nothing; YAML alias bombs are refused; the
 * admin token is never logged; `adminHost` binds the admin API to one interface only.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'mocha';
import { createDecoy, type Decoy } from '../../src/index.js';
import { parseStubFile } from '../../src/sources/stub-file.js';
import { eventually, startDecoy, tempStubs, type LogCapture } from '../support/decoy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function polluted(): boolean {
  return ({} as Record<string, unknown>).polluted !== undefined || (Object.prototype as Record<string, unknown>).polluted !== undefined;
}

async function admin(base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${base}/__admin${p}`, {
    method, headers: { 'Content-Type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
}

describe('security', function () {
  this.timeout(30_000);
  let decoy: Decoy | undefined;
  let log: LogCapture | undefined;
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    for (const c of cleanups.splice(0)) c();
    assert.equal(polluted(), false, 'Object.prototype was polluted');
  });

  /** A stubs folder and, beside it, an "outside" folder holding a secret. */
  const folders = (files: Record<string, string> = {}) => {
    const f = tempStubs(files);
    const outside = mkdtempSync(path.join(tmpdir(), 'decoy-outside-'));
    writeFileSync(path.join(outside, 'secret.txt'), 'TOP-SECRET');
    cleanups.push(() => { f.cleanup(); rmSync(outside, { recursive: true, force: true }); });
    return { ...f, outside };
  };

  describe('confinement of stub files and body files', () => {
    it('bodyFileName with .. , an absolute path, or a symlink out is a load error; the secret is never served', async () => {
      const f = folders({
        'dotdot.yaml': `request: { url: /dotdot }\nresponse: { status: 200, bodyFileName: ../${'x'}/secret.txt }\n`,
        'ok.yaml': 'request: { url: /ok }\nresponse: { status: 200, body: fine }\n',
      });
      f.write('dotdot.yaml', `request: { url: /dotdot }\nresponse: { status: 200, bodyFileName: "../${path.basename(f.outside)}/secret.txt" }\n`);
      f.write('absolute.yaml', `request: { url: /absolute }\nresponse: { status: 200, bodyFileName: "${path.join(f.outside, 'secret.txt')}" }\n`);
      mkdirSync(path.join(f.dir, '__files'), { recursive: true });
      symlinkSync(path.join(f.outside, 'secret.txt'), path.join(f.dir, '__files', 'link.txt'));
      f.write('symlink.yaml', 'request: { url: /symlink }\nresponse: { status: 200, bodyFileName: link.txt }\n');
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      const codes = decoy.loadReport!.errors.map((e) => `${path.basename(e.source!.file!)} ${e.code}`).sort();
      assert.deepEqual(codes, ['absolute.yaml DECOY_ERR_BODY_FILE_ESCAPE', 'dotdot.yaml DECOY_ERR_BODY_FILE_ESCAPE', 'symlink.yaml DECOY_ERR_BODY_FILE_ESCAPE']);
      for (const p of ['/dotdot', '/absolute', '/symlink']) {
        const r = await fetch(decoy.url + p);
        assert.equal(r.status, 404);
        assert.doesNotMatch(await r.text(), /TOP-SECRET/);
      }
      assert.equal((await fetch(`${decoy.url}/ok`)).status, 200, 'the good file still loads');
    });

    it('a stub file or a folder that is a symlink out of the stubs folder is skipped with an error', async () => {
      const f = folders({ 'ok.yaml': 'request: { url: /ok }\nresponse: { status: 200, body: fine }\n' });
      writeFileSync(path.join(f.outside, 'evil.yaml'), 'request: { url: /evil }\nresponse: { status: 200, body: evil }\n');
      mkdirSync(path.join(f.outside, 'more'));
      writeFileSync(path.join(f.outside, 'more', 'evil2.yaml'), 'request: { url: /evil2 }\nresponse: { status: 200, body: evil }\n');
      symlinkSync(path.join(f.outside, 'evil.yaml'), path.join(f.dir, 'evil.yaml'));
      symlinkSync(path.join(f.outside, 'more'), path.join(f.dir, 'more'));
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      assert.equal((await fetch(`${decoy.url}/evil`)).status, 404);
      assert.equal((await fetch(`${decoy.url}/evil2`)).status, 404);
      assert.equal((await fetch(`${decoy.url}/ok`)).status, 200);
      assert.match(log.text(), /evil\.yaml DECOY_ERR_STUBS_DIR is a symlink to .*outside the stubs folder; skipped/);
      assert.match(log.text(), /more DECOY_ERR_STUBS_DIR is a symlink/);
    });

    it('a templated bodyFileName cannot reach outside the stubs folder, whatever the request puts in it', async () => {
      const f = folders({ 'tpl.yaml': 'request: { urlPath: /tpl }\nresponse: { status: 200, bodyFileName: "{{request.query.f}}", transformers: [response-template] }\n' });
      mkdirSync(path.join(f.dir, '__files'), { recursive: true });
      writeFileSync(path.join(f.dir, '__files', 'inside.txt'), 'inside');
      symlinkSync(path.join(f.outside, 'secret.txt'), path.join(f.dir, '__files', 'link.txt'));
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      assert.equal(await (await fetch(`${decoy.url}/tpl?f=inside.txt`)).text(), 'inside');
      const outside = path.basename(f.outside);
      for (const name of [`../../${outside}/secret.txt`, `..%2F..%2F${outside}%2Fsecret.txt`, encodeURIComponent(path.join(f.outside, 'secret.txt')), 'link.txt', '%2Fetc%2Fpasswd']) {
        const r = await fetch(`${decoy.url}/tpl?f=${name}`);
        const text = await r.text();
        assert.notEqual(r.status, 200, `${name}: ${text}`);
        assert.doesNotMatch(text, /TOP-SECRET|root:/, name);
      }
    });

    it('a stub created over the admin API cannot read a body file outside __files', async () => {
      const f = folders();
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      for (const name of [`../../${path.basename(f.outside)}/secret.txt`, path.join(f.outside, 'secret.txt'), '../../../../../../etc/passwd']) {
        const r = await admin(decoy.url, 'POST', '/mappings', { request: { url: '/x' }, response: { status: 200, bodyFileName: name } });
        assert.ok(r.status >= 400 && r.status < 500, `${name}: ${r.status}`);
        assert.match(r.text, /DECOY_ERR_BODY_FILE_ESCAPE/);
        assert.doesNotMatch(r.text, /TOP-SECRET|root:/);
      }
    });
  });

  describe('confinement of writes (save and recordings)', () => {
    it('a save into a mappings folder that is a symlink out is refused and writes nothing outside', async () => {
      const f = folders();
      symlinkSync(f.outside, path.join(f.dir, 'mappings'));
      // The symlinked mappings/ makes this a WireMock root whose stubs folder is the outside one: refused at once.
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      await admin(decoy.url, 'POST', '/mappings', { request: { url: '/saved' }, response: { status: 200 } });
      const r = await admin(decoy.url, 'POST', '/mappings/save');
      assert.equal(r.status, 422, r.text);
      assert.match(r.text, /DECOY_ERR_WRITE_ESCAPE/);
      assert.deepEqual(readdirSync(f.outside), ['secret.txt']);
    });

    it('saving over a stub file that is a symlink out is refused', async () => {
      const f = folders();
      writeFileSync(path.join(f.outside, 'linked.yaml'), 'request: { url: /linked }\nresponse: { status: 200 }\n');
      // Inside the folder, a stub file; then swapped for a symlink to the outside file after loading.
      f.write('linked.yaml', 'id: 6e1f1a36-6a5b-4d37-9b8c-1f0b1e9a0001\nrequest: { url: /linked }\nresponse: { status: 200 }\n');
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      rmSync(path.join(f.dir, 'linked.yaml'));
      symlinkSync(path.join(f.outside, 'linked.yaml'), path.join(f.dir, 'linked.yaml'));
      await admin(decoy.url, 'PUT', '/mappings/6e1f1a36-6a5b-4d37-9b8c-1f0b1e9a0001', { request: { url: '/linked' }, response: { status: 201 } });
      const r = await admin(decoy.url, 'POST', '/mappings/save');
      assert.ok(r.status === 409 || r.status === 422, `${r.status} ${r.text}`);
      assert.equal(readFileSync(path.join(f.outside, 'linked.yaml'), 'utf8'), 'request: { url: /linked }\nresponse: { status: 200 }\n');
    });

    it('a recording snapshot with __files symlinked out writes no body file outside', async () => {
      const upstream = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(Buffer.alloc(64 * 1024, 7)));
      await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
      cleanups.push(() => upstream.close());
      const f = folders();
      symlinkSync(f.outside, path.join(f.dir, '__files'));
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      const port = (upstream.address() as { port: number }).port;
      assert.equal((await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: `http://127.0.0.1:${port}` })).status, 200);
      assert.equal((await fetch(`${decoy.url}/download`)).status, 200);
      const r = await admin(decoy.url, 'POST', '/recordings/stop');
      assert.equal(r.status, 422, r.text);
      assert.match(r.text, /DECOY_ERR_WRITE_ESCAPE/);
      assert.deepEqual(readdirSync(f.outside), ['secret.txt']);
    });
  });

  describe('prototype pollution', () => {
    it('JSON and YAML stub files with __proto__, constructor and prototype keys pollute nothing and still load', async () => {
      const json = JSON.stringify({
        request: { method: 'POST', url: '/proto-json', headers: { 'X-A': { equalTo: 'a' } }, bodyPatterns: [{ equalToJson: { __proto__: { polluted: 1 }, constructor: { prototype: { polluted: 1 } }, a: 1 } }] },
        response: { status: 200, jsonBody: { __proto__: { polluted: 1 }, ok: true } },
        metadata: { __proto__: { polluted: 1 }, constructor: { prototype: { polluted: 1 } } },
      }).replace('"equalToJson":{', '"equalToJson":{"__proto__":{"polluted":1},');
      const yaml = [
        'request: { url: /proto-yaml }',
        'response: { status: 200, jsonBody: { __proto__: { polluted: 1 }, constructor: { prototype: { polluted: 1 } }, ok: true } }',
        'metadata:',
        '  __proto__: { polluted: 1 }',
        '  prototype: { polluted: 1 }',
      ].join('\n');
      const f = folders({ 'proto.json': json, 'proto.yaml': yaml, 'top.json': '{"__proto__": {"polluted": 1}, "request": {"url": "/top"}, "response": {"status": 204}}' });
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      assert.equal(polluted(), false);
      const y = await fetch(`${decoy.url}/proto-yaml`);
      assert.equal(y.status, 200);
      assert.equal((await y.json() as { ok: boolean }).ok, true);
      const j = await fetch(`${decoy.url}/proto-json`, { method: 'POST', headers: { 'X-A': 'a' }, body: '{"a":1}' });
      assert.ok(j.status === 200 || j.status === 404, `served or not matched, never failed: ${j.status}`);
      // A __proto__ key where a stub's own keys go is an unknown key, named in a load error, not a prototype.
      const top = decoy.loadReport!.errors.find((e) => e.source?.file?.endsWith('top.json'));
      assert.match(top!.format(), /DECOY_ERR_STUB_INVALID stub has an unknown key "__proto__"/);
      assert.equal((await fetch(`${decoy.url}/top`)).status, 404);
      assert.equal(decoy.loadReport!.errors.length, 1, decoy.loadReport!.errors.map((e) => e.format()).join('\n'));
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    });

    it('admin API bodies with __proto__ keys pollute nothing, and the stub is served', async () => {
      const f = folders();
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      const raw = '{"__proto__":{"polluted":1},"request":{"url":"/api-proto","__proto__":{"polluted":1},"headers":{"__proto__":{"equalTo":"x"}}},"response":{"status":200,"headers":{"__proto__":"x"},"jsonBody":{"__proto__":{"polluted":1}}},"metadata":{"constructor":{"prototype":{"polluted":1}}}}';
      const r = await admin(decoy.url, 'POST', '/mappings', raw);
      assert.ok(r.status < 500, `${r.status} ${r.text}`);
      assert.equal(polluted(), false);
      for (const p of ['/mappings/find-by-metadata', '/requests/find', '/requests/count', '/near-misses/request-pattern']) {
        const q = await admin(decoy.url, 'POST', p, '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}');
        assert.ok(q.status < 500, `${p}: ${q.status} ${q.text}`);
      }
      assert.equal(polluted(), false);
      await fetch(`${decoy.url}/api-proto`, { method: 'POST', body: '{"__proto__":{"polluted":1}}', headers: { 'Content-Type': 'application/json' } });
      assert.equal(polluted(), false);
    });
  });

  describe('YAML alias bombs', () => {
    it('a billion-laughs file is refused quickly with a clear load error', () => {
      const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      for (let i = 1; i < 10; i++) {
        const prev = String.fromCharCode(96 + i);
        const cur = String.fromCharCode(97 + i);
        lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      lines.push('request: { url: /lol }', 'response: { status: 200, jsonBody: *j }');
      const started = Date.now();
      const parsed = parseStubFile(lines.join('\n'), { displayPath: 'bomb.yaml', idSeed: 'bomb.yaml', sequenceFor: () => 0, readBodyFile: () => { throw new Error('no body files'); } });
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.equal(parsed.stubs.length, 0);
      assert.equal(parsed.errors[0]?.code, 'DECOY_ERR_STUB_SYNTAX');
      assert.match(parsed.errors[0]!.format(), /bomb\.yaml .*DECOY_ERR_STUB_SYNTAX .*alias/i);
    });

    it('a server with a bomb file in its folder starts, serves the other files and reports the bomb', async () => {
      const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', ...'bcdefghij'.split('').map((c, i) => `${c}: &${c} [${Array(10).fill(`*${'abcdefghij'[i]}`).join(',')}]`), 'request: { url: /lol }', 'response: { status: 200 }'].join('\n');
      const f = folders({ 'bomb.yaml': bomb, 'ok.yaml': 'request: { url: /ok }\nresponse: { status: 200 }\n' });
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir }));
      assert.equal((await fetch(`${decoy.url}/ok`)).status, 200);
      assert.equal(decoy.loadReport!.errors.length, 1);
      assert.match(decoy.loadReport!.errors[0]!.format(), /bomb\.yaml.*DECOY_ERR_STUB_SYNTAX/);
    });
  });

  describe('the admin token is never logged', () => {
    const TOKEN = 'tok-7f3a9c1e-SECRET-b6d2';

    for (const format of ['pretty', 'json']) {
      it(`not by the CLI with --verbose and --log-format ${format}, whatever the requests carry`, async () => {
        const f = folders({ 'ok.yaml': 'request: { url: /ok }\nresponse: { status: 200 }\n', 'bad.yaml': 'request: [' });
        const child = spawn(process.execPath, [path.join(root, 'dist/cli/main.js'), '--port', '0', '--host', '127.0.0.1', '--stubs', f.dir,
          '--admin-token', TOKEN, '--verbose', '--log-format', format], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c) => (out += c));
        child.stderr.on('data', (c) => (out += c));
        cleanups.push(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
        let url = '';
        await eventually(() => {
          url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] ?? '';
          return url !== '';
        }, 10_000, 'the CLI to start');
        const auth = { Authorization: `Bearer ${TOKEN}` };
        await fetch(`${url}/ok`, { headers: auth });
        await fetch(`${url}/missing?token=x`, { headers: auth });
        await admin(url, 'GET', '/mappings', undefined, auth);
        await admin(url, 'GET', '/mappings', undefined, { Authorization: `Bearer ${TOKEN}x` });
        await admin(url, 'POST', '/mappings', '{not json', auth);
        await admin(url, 'POST', '/mappings', { request: { url: '/t' }, response: { status: 999 } }, auth);
        await admin(url, 'POST', '/mappings/save', undefined, auth);
        writeFileSync(path.join(f.dir, 'ok.yaml'), 'request: { url: /ok }\nresponse: { status: "x" }\n');
        await eventually(() => /problem/.test(out), 5000, 'the reload error to be logged');
        await admin(url, 'POST', '/shutdown', undefined, auth);
        await eventually(() => child.exitCode !== null, 10_000, 'the CLI to exit');
        assert.ok(out.length > 0);
        assert.ok(!out.includes(TOKEN), `the token appears in the log:\n${out}`);
        assert.ok(!out.includes('SECRET'), 'no part of the token appears either');
      });
    }
  });

  describe('--admin-host', () => {
    it('binds the admin port to another interface, and /__admin is no longer served on the stub port', async () => {
      const f = folders({ 'ok.yaml': 'request: { url: /ok }\nresponse: { status: 200 }\n' });
      ({ decoy, log } = await startDecoy({ stubsDir: f.dir, host: '127.0.0.1', adminPort: 0, adminHost: '127.0.0.2' }));
      assert.match(decoy.adminUrl!, /^http:\/\/127\.0\.0\.2:\d+$/);
      assert.equal((await fetch(`${decoy.adminUrl}/__admin/mappings`)).status, 200);
      const onStubPort = await fetch(`${decoy.url}/__admin/mappings`);
      assert.equal(onStubPort.status, 404);
      assert.match(await onStubPort.text(), /not served on this port/);
      assert.equal((await fetch(`${decoy.url}/ok`)).status, 200);
      // The admin port is not listening on the stubs' interface.
      const adminPortOnStubHost = `http://127.0.0.1:${new URL(decoy.adminUrl!).port}/__admin/mappings`;
      await assert.rejects(fetch(adminPortOnStubHost), /fetch failed/);
    });

    it('the other services of that Decoy stop serving /__admin on their stub ports too; their admin APIs stay reachable through the admin port', async () => {
      const f = folders({ 'main.yaml': 'request: { url: /x }\nresponse: { status: 200 }\n', 'inventory/i.yaml': 'request: { url: /x }\nresponse: { status: 201 }\n' });
      ({ decoy, log } = await startDecoy({
        stubsDir: f.dir, discoverServices: false, host: '127.0.0.1', adminPort: 0, adminHost: '127.0.0.2',
        services: [{ name: 'inventory', port: 0, stubsDir: `${f.dir}/inventory` }],
      }));
      const inventory = decoy.service('inventory')!;
      assert.equal((await fetch(`${inventory.url}/x`)).status, 201);
      assert.equal((await fetch(`${inventory.url}/__admin/mappings`)).status, 404);
      assert.equal((await fetch(`${decoy.url}/__admin/decoy/services/inventory/mappings`)).status, 404);
      const viaAdmin = await fetch(`${decoy.adminUrl}/__admin/decoy/services/inventory/mappings`);
      assert.equal(viaAdmin.status, 200);
      assert.equal(((await viaAdmin.json()) as { mappings: unknown[] }).mappings.length, 1);
    });

    it('without --admin-host, /__admin stays served on the stub port as well', async () => {
      ({ decoy, log } = await startDecoy({ adminPort: 0 }));
      assert.equal((await fetch(`${decoy.url}/__admin/mappings`)).status, 200);
      assert.equal((await fetch(`${decoy.adminUrl}/__admin/mappings`)).status, 200);
    });

    it('needs --admin-port, and an address of this machine', async () => {
      assert.throws(() => createDecoy({ adminHost: '127.0.0.1' }), /DECOY_ERR_OPTION_INVALID|needs adminPort/);
      const d = createDecoy({ port: 0, host: '127.0.0.1', adminPort: 0, adminHost: '192.0.2.254' });
      await assert.rejects(d.start(), (e: Error & { code?: string }) => e.code === 'DECOY_ERR_OPTION_INVALID' && /not an address of this machine/.test(e.message));
      await d.stop();
      assert.equal(existsSync(root), true);
    });
  });
});
