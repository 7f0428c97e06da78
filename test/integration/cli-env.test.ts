/**
 * Every CLI flag `--some-flag` is also the environment variable `DECOY_SOME_FLAG` (containers, CI): the CLI
 * run with environment variables only; a flag on the command line wins; on/off variables set to "false"
 * stay off; HTTPS, CORS and services from the command line.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { buildProgram, buildRecordProgram, envVarOf } from '../../src/cli/main.js';
import { cliUrl, killCliRuns, ROOT, runCli } from '../support/cli.js';
import { tempStubs } from '../support/decoy.js';


/** The CLI with only the given environment (plus PATH), no inherited DECOY_* variables. */
function run(args: string[], env: Record<string, string>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DECOY_')));
  return runCli(args, { env: { ...clean, ...env } });
}

const started = (p: ReturnType<typeof run>, pattern?: RegExp) => cliUrl(p, pattern);

describe('CLI configuration by environment variables', function () {
  this.timeout(30_000);
  let folder: ReturnType<typeof tempStubs>;
  beforeEach(() => {
    folder = tempStubs({ 'hello.yaml': '- { request: { method: GET, url: /hello }, response: { status: 200, body: hi } }\n' });
  });
  afterEach(() => {
    killCliRuns();
    folder.cleanup();
  });

  it('gives every option of decoy and decoy record a DECOY_ variable, shown in --help', async () => {
    for (const program of [buildProgram(), buildRecordProgram()]) {
      for (const option of program.options) {
        if (option.long === '--version' || option.long === '--help') continue;
        assert.equal(option.envVar, envVarOf(option.long!), `${option.long} has no environment variable`);
      }
    }
    assert.equal(envVarOf('--max-body-size'), 'DECOY_MAX_BODY_SIZE');
    assert.equal(envVarOf('--no-watch'), 'DECOY_NO_WATCH');
    const help = run(['--help'], {});
    assert.equal(await help.exited, 0);
    for (const v of ['DECOY_PORT', 'DECOY_STUBS', 'DECOY_HTTPS_PORT', 'DECOY_CORS', 'DECOY_ADMIN_TOKEN', 'DECOY_NO_WATCH']) assert.match(help.output(), new RegExp(`env:\\s+${v}\\)`));
  });

  it('starts with environment variables only: port, host, stubs, HTTPS, CORS, admin token, journal size', async () => {
    const p = run([], {
      DECOY_PORT: '0', DECOY_HOST: '127.0.0.1', DECOY_STUBS: folder.dir, DECOY_NO_WATCH: 'true', DECOY_VERBOSE: 'false',
      DECOY_HTTPS_PORT: '0', DECOY_CORS: '1', DECOY_ADMIN_TOKEN: 's3cret', DECOY_JOURNAL_SIZE: '1', DECOY_LOG_FORMAT: 'json',
    });
    const url = await started(p);
    const httpsUrl = await started(p, /HTTPS on (https:\/\/127\.0\.0\.1:\d+)/);
    const res = await fetch(`${url}/hello`, { headers: { Origin: 'http://localhost:3000' } });
    assert.equal(await res.text(), 'hi');
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.equal((await fetch(`${url}/__admin/requests`)).status, 401);
    const auth = { authorization: 'Bearer s3cret' };
    const pem = await (await fetch(`${url}/__admin/decoy/tls/certificate`, { headers: auth })).text();
    const agent = new Agent({ connect: { ca: pem } });
    try {
      assert.equal(await (await undiciFetch(`${httpsUrl}/hello`, { dispatcher: agent })).text(), 'hi');
    } finally {
      await agent.close();
    }
    const journal = await (await fetch(`${url}/__admin/requests`, { headers: auth })).json() as { requests: unknown[] };
    assert.equal(journal.requests.length, 1);
    assert.match(p.output(), /"level":30/); // JSON logs
    assert.doesNotMatch(p.output(), /watching for changes/);
    assert.doesNotMatch(p.output(), /GET \/hello →/); // DECOY_VERBOSE=false leaves it off
  });

  it('lets a flag on the command line win over its variable, and names the variable of a bad value', async () => {
    const bad = run([], { DECOY_PORT: 'eighty' });
    assert.notEqual(await bad.exited, 0);
    assert.match(bad.output(), /'eighty' from env 'DECOY_PORT' is invalid/);
    const p = run(['--port', '0', '--stubs', folder.dir], { DECOY_PORT: 'eighty', DECOY_HOST: '127.0.0.1', DECOY_STUBS: '/no/such/folder' });
    const url = await started(p);
    assert.equal(await (await fetch(`${url}/hello`)).text(), 'hi');
  });

  it('serves a --service on its own port, listed by the admin API', async () => {
    folder.write('billing/b.yaml', '- { request: { method: GET, url: /invoice }, response: { status: 200, body: due } }\n');
    const p = run(['--port', '0', '--host', '127.0.0.1', '--stubs', folder.dir, '--no-watch', '--service', `billing=0:${path.join(folder.dir, 'billing')}`], {});
    const url = await started(p);
    const billing = await started(p, /service billing: 1 stub\(s\) from .* on (http:\/\/127\.0\.0\.1:\d+)/);
    assert.equal(await (await fetch(`${billing}/invoice`)).text(), 'due');
    assert.equal((await fetch(`${url}/invoice`)).status, 404);
    const listed = await (await fetch(`${url}/__admin/decoy/services`)).json() as { services: Array<{ name: string; url: string }> };
    assert.deepEqual(listed.services.map((s) => s.name), ['default', 'billing']);
    const bad = run(['--service', 'billing:8081'], {});
    assert.notEqual(await bad.exited, 0);
    assert.match(bad.output(), /expected NAME=PORT:DIR/);
  });

  it('refuses TLS files without --https-port, and an unreadable certificate, with clear errors', async () => {
    const p = run(['--port', '0', '--stubs', folder.dir, '--tls-cert', 'x.pem'], {});
    assert.equal(await p.exited, 1);
    assert.match(p.output(), /DECOY_ERR_TLS --tls-cert, --tls-key, --tls-ca and --mtls need --https-port/);
    const q = run(['--port', '0', '--stubs', folder.dir, '--https-port', '0', '--tls-cert', 'missing.pem', '--tls-key', 'missing.key'], {});
    assert.equal(await q.exited, 1);
    assert.match(q.output(), /DECOY_ERR_TLS --tls-cert missing\.pem cannot be read: ENOENT/);
  });
});
