/**
 * `decoy init [DIR]`: the example folder it writes loads without a problem and every example answers as
 * its comments say; it never overwrites a file. The README's one-minute tour, which starts from it, is run too.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliUrl, killCliRuns, ROOT, runCli } from '../support/cli.js';
import { get } from '../support/decoy.js';

const EXAMPLES = ['01-matching.yaml', '02-template.yaml', '03-fault.yaml', '04-sequence.yaml', '05-schema.yaml'];

describe('decoy init', function () {
  this.timeout(30_000);
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'decoy-init-'));
  });
  afterEach(() => {
    killCliRuns();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('writes one commented YAML example of each main feature and says what to run next', async () => {
    const p = runCli(['init', 'mocks/api'], { cwd });
    assert.equal(await p.exited, 0, p.output());
    const dir = path.join(cwd, 'mocks', 'api');
    assert.deepEqual(readdirSync(dir).sort(), EXAMPLES);
    for (const f of EXAMPLES) {
      const text = readFileSync(path.join(dir, f), 'utf8');
      assert.match(text, /^# .+\n# Try it/m, `${f} starts with a comment saying what it shows and how to try it`);
    }
    assert.match(p.output(), /Wrote 5 example stub files to mocks\/api/);
    assert.match(p.output(), /npx decoy --stubs mocks\/api /);
    assert.match(p.output(), /curl .*localhost:8080\/users\/1/);
  });

  it('without DIR it writes ./stubs, which plain `decoy` then serves', async () => {
    assert.equal(await runCli(['init'], { cwd }).exited, 0);
    assert.deepEqual(readdirSync(path.join(cwd, 'stubs')).sort(), EXAMPLES);
    const s = runCli(['--port', '0', '--host', '127.0.0.1', '--no-watch'], { cwd });
    const url = await cliUrl(s);
    assert.match(s.output(), /serving 7 stub\(s\) from 5 file\(s\) in \.\/stubs/);
    assert.equal((await get(`${url}/users/1`, { headers: { Accept: 'application/json' } })).status, 200);
  });

  it('every example it writes loads and answers as its comment says', async () => {
    assert.equal(await runCli(['init', 'stubs'], { cwd }).exited, 0);
    const s = runCli(['--port', '0', '--host', '127.0.0.1', '--no-watch', '--stubs', 'stubs', '--seed', '3'], { cwd });
    const url = await cliUrl(s);
    assert.doesNotMatch(s.output(), /problem|DECOY_ERR|DECOY_WARN/, s.output());

    // The matched stub: the path template, its digits-only parameter and the Accept header.
    const user = await get(`${url}/users/1`, { headers: { Accept: 'application/json' } });
    assert.equal(user.status, 200);
    assert.deepEqual(JSON.parse(user.text), { id: 1, name: 'Ada' });
    assert.equal(user.headers.get('content-type'), 'application/json');
    assert.equal((await get(`${url}/users/abc`, { headers: { Accept: 'application/json' } })).status, 404);
    assert.equal((await get(`${url}/users/1`)).status, 404, 'no Accept header, no match');
    assert.equal(JSON.parse((await get(`${url}/users?q=ada`)).text).users.length, 2);

    // The template.
    const greeting = await get(`${url}/greetings/ann`, { method: 'POST', body: '{"item":"tea"}' });
    assert.equal(greeting.status, 201);
    const g = JSON.parse(greeting.text);
    assert.equal(g.message, 'Hello ann');
    assert.equal(g.item, 'tea');
    assert.match(g.at, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(g.ticket, /^[A-Z0-9]{8}$/);

    // The fault: 503 first, then 200s after the fixed delay, a reset now and then; /reset always resets.
    const first = await get(`${url}/inventory`);
    assert.deepEqual([first.status, first.text], [503, 'warming up']);
    let ok;
    for (let i = 0; i < 20 && !ok; i++) {
      const started = Date.now();
      try {
        const r = await get(`${url}/inventory`);
        if (r.status === 200) ok = { body: JSON.parse(r.text), ms: Date.now() - started };
      } catch { /* the 10% reset */ }
    }
    assert.ok(ok, 'a normal answer came');
    assert.deepEqual(ok.body, { items: [] });
    assert.ok(ok.ms >= 190, `the 200 ms delay (took ${ok.ms} ms)`);
    await assert.rejects(fetch(`${url}/reset`), (e: Error & { cause?: { code?: string } }) => e.cause?.code === 'ECONNRESET');

    // The sequence.
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(`${url}/payments`, { method: 'POST' })).status);
    assert.deepEqual(statuses, [503, 503, 201, 201]);

    // The generated body.
    const customer = await get(`${url}/customers/42`);
    assert.equal(customer.status, 200);
    const c = JSON.parse(customer.text);
    assert.ok(['free', 'pro', 'enterprise'].includes(c.tier), customer.text);
    assert.match(c.email, /@/);
    assert.match(c.id, /^[0-9a-f-]{36}$/);
  });

  it('refuses to overwrite an existing file: a clear error naming it, and nothing written', async () => {
    assert.equal(await runCli(['init', 'other'], { cwd }).exited, 0);
    const mine = 'request: { urlPath: /mine }\nresponse: { status: 200 }\n';
    writeFileSync(path.join(cwd, 'other', '03-fault.yaml'), mine);
    rmSync(path.join(cwd, 'other', '01-matching.yaml'));
    const p = runCli(['init', 'other'], { cwd });
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /DECOY_ERR_INIT_EXISTS other already has 02-template\.yaml, 03-fault\.yaml, 04-sequence\.yaml, 05-schema\.yaml: nothing was written/);
    assert.match(p.output(), /never overwrites/);
    assert.equal(readFileSync(path.join(cwd, 'other', '03-fault.yaml'), 'utf8'), mine, 'the user\'s file is untouched');
    assert.ok(!existsSync(path.join(cwd, 'other', '01-matching.yaml')), 'not even the missing files were written');
  });

  it('refuses a DIR that is a file', async () => {
    writeFileSync(path.join(cwd, 'stubs'), 'not a folder');
    const p = runCli(['init', 'stubs'], { cwd });
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /DECOY_ERR_STUBS_DIR stubs is a file, not a folder/);
  });

  it('the README\'s one-minute tour, run as written: init, serve, and each curl answers as its comment says', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const tour = readme.slice(readme.indexOf('## A one-minute tour'), readme.indexOf('## Read next'));
    const [setup, curls] = [...tour.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.split('\n').filter(Boolean));
    const commands = setup!.map((l) => l.split('#')[0]!.trim().split(/\s+/));
    assert.deepEqual(commands.map((c) => c.slice(0, 2)), [['npx', 'decoy-mock'], ['npx', 'decoy-mock']]);
    assert.equal(await runCli(commands[0]!.slice(2), { cwd }).exited, 0);
    const s = runCli([...commands[1]!.slice(2), '--port', '0', '--host', '127.0.0.1'], { cwd });
    const url = await cliUrl(s);
    assert.ok(curls!.length >= 4);
    for (const line of curls!) {
      const [command, comment] = line.split(/\s+#\s+/) as [string, string];
      const headers: Record<string, string> = {};
      for (const h of command.matchAll(/-H "([^:]+): ([^"]+)"/g)) headers[h[1]!] = h[2]!;
      const method = /-X (\w+)/.exec(command)?.[1] ?? 'GET';
      const target = /localhost:8080(\S*)/.exec(command)![1]!;
      const res = await get(`${url}${target}`, { method, headers });
      const expectedStatus = /\b([1-5]\d\d)\b/.exec(comment.split('then')[0]!)?.[1];
      if (comment.startsWith('{')) {
        const expected = comment.replace(/,\.\.\.\}$/, '}');
        const body = JSON.parse(res.text) as Record<string, unknown>;
        for (const [k, v] of Object.entries(JSON.parse(expected) as Record<string, unknown>)) assert.deepEqual(body[k], v, `${line}: ${res.text}`);
        assert.equal(res.status, 200, line);
      } else {
        assert.ok(expectedStatus, `${line}: the comment names the status`);
        assert.equal(res.status, Number(expectedStatus), `${line}: ${res.text.slice(0, 200)}`);
      }
      if (/closest stub/.test(comment)) assert.match(res.text, /closest|Closest/, line);
      if (/"warming up"/.test(comment)) assert.equal(res.text, 'warming up');
    }
  });
});
