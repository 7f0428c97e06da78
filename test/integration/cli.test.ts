import assert from 'node:assert/strict';
import http from 'node:http';
import { cliUrl, killCliRuns, ROOT, runCli } from '../support/cli.js';
import { eventually, get, tempStubs } from '../support/decoy.js';

const root = ROOT;
const run = (args: string[], cwd = root) => runCli(args, { cwd });

/** Starts the CLI on a free port and waits until it serves. */
async function serve(args: string[], cwd?: string) {
  const p = run(['--port', '0', '--host', '127.0.0.1', ...args], cwd);
  return { ...p, url: await cliUrl(p) };
}

describe('CLI', function () {
  this.timeout(30_000);
  afterEach(killCliRuns);

  it('--help lists every option', async () => {
    const p = run(['--help']);
    assert.equal(await p.exited, 0);
    for (const flag of ['--port', '--host', '--stubs', '--no-watch', '--verbose', '--log-format', '--max-body-size', '--global-templating']) {
      assert.match(p.output(), new RegExp(flag), `--help lacks ${flag}`);
    }
  });

  it('--global-templating templates every response, faker included, from the built CLI', async () => {
    const folder = tempStubs({ 'g.yaml': "request: { path: /hello/:name }\nresponse: { body: \"Hi {{request.path.name}}, I am {{faker 'person.firstName'}}\" }\n" });
    try {
      const s = await serve(['--stubs', folder.dir, '--no-watch', '--global-templating', '--seed', '1']);
      assert.match((await get(`${s.url}/hello/ann`)).text, /^Hi ann, I am [A-Z][a-z]+/);
    } finally {
      folder.cleanup();
    }
  });

  it('rejects a bad flag value with a clear message', async () => {
    const p = run(['--port', 'eighty']);
    assert.notEqual(await p.exited, 0);
    assert.match(p.output(), /option '-p, --port <port>' argument 'eighty' is invalid\. must be a whole number from 0 to 65535/);
  });

  it('serves the example stubs in stubs/ and answers the health check', async () => {
    const s = await serve(['--stubs', 'stubs', '--no-watch']);
    const health = await get(`${s.url}/__admin/health`);
    assert.equal(health.status, 200);
    assert.equal(JSON.parse(health.text).status, 'healthy');
    const users = await get(`${s.url}/users?page=1`);
    assert.equal(users.status, 200);
    assert.equal(users.headers.get('content-type'), 'application/json');
    assert.deepEqual(JSON.parse(users.text).users[0], { id: 1, name: 'Ada' });
    const user = await get(`${s.url}/users/1`);
    assert.equal(JSON.parse(user.text).name, 'Ada');
    assert.equal((await get(`${s.url}/users/abc`)).status, 404);
  });

  it('logs one line per request with --verbose', async () => {
    const s = await serve(['--stubs', 'stubs', '--no-watch', '--verbose']);
    await get(`${s.url}/health`);
    await eventually(() => /GET \/health → 200/.test(s.output()), 2000, 'the request log line');
  });

  it('on SIGTERM lets an in-flight request finish, then exits 0', async () => {
    const folder = tempStubs({ 'slow.yaml': 'request: { method: POST, path: /slow }\nresponse: { body: done }\n' });
    try {
      const s = await serve(['--stubs', folder.dir]);
      const answer = new Promise<string>((resolve, reject) => {
        const req = http.request(`${s.url}/slow`, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve(`${res.statusCode} ${b}`));
        });
        req.on('error', reject);
        req.write('the body starts');
        // The request is in flight (its body not finished) when the signal arrives.
        setTimeout(() => s.child.kill('SIGTERM'), 150);
        setTimeout(() => req.end(' and ends'), 600);
      });
      assert.equal(await answer, '200 done');
      assert.equal(await s.exited, 0, s.output());
      assert.match(s.output(), /SIGTERM received/);
    } finally {
      folder.cleanup();
    }
  });

  it('falls back to the bundled example stubs when ./stubs is missing', async () => {
    const folder = tempStubs();
    try {
      const s = await serve(['--no-watch'], folder.dir);
      assert.match(s.output(), /serving Decoy's example stubs/);
      assert.equal((await get(`${s.url}/health`)).status, 200);
    } finally {
      folder.cleanup();
    }
  });
});
