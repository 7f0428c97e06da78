/**
 * Logs: `--verbose` writes one structured line per finished request (final status and duration, after
 * delays and faults); `--log-format json` writes JSON lines only; load errors are logged without
 * `--verbose`; the admin token never appears in the log.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createDecoy, createLogger, type Decoy } from '../../src/index.js';
import { cliUrl, killCliRuns, runCli } from '../support/cli.js';
import { eventually, get, tempStubs } from '../support/decoy.js';


const STUBS = [
  '- { id: ok, name: the ok stub, request: { method: GET, urlPath: /ok }, response: { status: 200, body: fine } }',
  '- { id: late, request: { method: GET, url: /late }, response: { status: 202, fixedDelayMilliseconds: 200 } }',
  '- { id: reset, request: { method: GET, url: /reset }, response: { fault: CONNECTION_RESET_BY_PEER } }',
  '- { id: orders, name: orders, request: { method: GET, urlPath: /orders }, response: { status: 200 } }',
].join('\n');

function jsonSink(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(l);
      cb();
    },
  });
  return { lines, stream };
}

describe('request and load logs', () => {
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy | undefined;

  beforeEach(() => { folder = tempStubs({ 'stubs.yaml': STUBS }); });
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    killCliRuns();
    folder.cleanup();
  });

  it('--verbose: one JSON line per finished request with its final status, duration, stub and faults', async () => {
    const sink = jsonSink();
    decoy = createDecoy({ stubsDir: folder.dir, port: 0, host: '127.0.0.1', watch: false, verbose: true, logger: createLogger({ format: 'json', destination: sink.stream }) });
    await decoy.start();
    await get(`${decoy.url}/ok?x=1`);
    await get(`${decoy.url}/late`);
    await fetch(`${decoy.url}/reset`).catch(() => undefined);
    await get(`${decoy.url}/order`);
    await eventually(() => sink.lines.filter((l) => l.includes('durationMs')).length === 4, 2_000, 'four request lines');
    const records = sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => 'durationMs' in r);
    const byUrl = new Map(records.map((r) => [r.url, r]));
    assert.deepEqual(byUrl.get('/ok?x=1'), {
      ...byUrl.get('/ok?x=1'), level: 30, method: 'GET', status: 200, stubId: 'ok', stubName: 'the ok stub',
    });
    assert.equal(typeof byUrl.get('/ok?x=1')!.msg, 'string');
    const late = byUrl.get('/late')!;
    assert.equal(late.status, 202);
    assert.ok((late.durationMs as number) >= 190, `the line is written once the delayed response is done (${late.durationMs} ms)`);
    assert.deepEqual(late.faults, ["a 200 ms delay (the stub's)"]);
    const reset = byUrl.get('/reset')!;
    assert.equal(reset.status, undefined, 'a reset sends no status');
    assert.equal(reset.fault, 'CONNECTION_RESET_BY_PEER');
    const miss = byUrl.get('/order')!;
    assert.equal(miss.status, 404);
    assert.equal(miss.unmatched, true);
    assert.equal(miss.closestStub, 'orders');
    assert.equal(miss.stubId, undefined);
  });

  it("--verbose: a namespaced miss names the closest of that namespace's stubs, not only the file stubs", async () => {
    const sink = jsonSink();
    decoy = createDecoy({ stubsDir: folder.dir, port: 0, host: '127.0.0.1', watch: false, verbose: true, logger: createLogger({ format: 'json', destination: sink.stream }) });
    await decoy.start();
    const ns = { 'X-Decoy-Namespace': 'run-7' };
    const added = await fetch(`${decoy.url}/__admin/mappings`, {
      method: 'POST', headers: { ...ns, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'run-7 invoices', request: { method: 'GET', urlPath: '/invoices/2024' }, response: { status: 200 } }),
    });
    assert.equal(added.status, 201);
    await get(`${decoy.url}/invoices/2025`, { headers: ns });
    await get(`${decoy.url}/order`, { headers: ns });
    await eventually(() => sink.lines.some((l) => l.includes('"/order"')), 2_000, 'the request lines');
    const records = sink.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const miss = records.find((r) => r.url === '/invoices/2025')!;
    assert.equal(miss.namespace, 'run-7');
    assert.equal(miss.unmatched, true);
    assert.equal(miss.closestStub, 'run-7 invoices');
    // The namespace serves the file stubs too, so they can be the closest.
    assert.equal(records.find((r) => r.url === '/order')!.closestStub, 'orders');
  });

  it('no request lines without --verbose', async () => {
    const sink = jsonSink();
    decoy = createDecoy({ stubsDir: folder.dir, port: 0, host: '127.0.0.1', watch: false, logger: createLogger({ format: 'json', destination: sink.stream }) });
    await decoy.start();
    await get(`${decoy.url}/ok`);
    await get(`${decoy.url}/nothing`);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(sink.lines.filter((l) => l.includes('durationMs')), []);
  });

  it('the pretty format reads as a sentence', async () => {
    const sink = jsonSink();
    decoy = createDecoy({ stubsDir: folder.dir, port: 0, host: '127.0.0.1', watch: false, verbose: true, logger: createLogger({ format: 'pretty', destination: sink.stream }) });
    await decoy.start();
    await get(`${decoy.url}/ok`);
    await get(`${decoy.url}/order`);
    await eventually(() => sink.lines.length >= 2, 2_000, 'two lines');
    assert.match(sink.lines[0]!, /^\d\d:\d\d:\d\d\.\d{3} INFO  GET \/ok → 200 in \d+ ms \(stub the ok stub\) stubId=ok$/);
    assert.match(sink.lines[1]!, /^\d\d:\d\d:\d\d\.\d{3} INFO  GET \/order → 404 in \d+ ms \(no stub matched; closest: orders\)$/);
  });

  it('the CLI with --log-format json writes only JSON lines: start-up, load errors (without --verbose), and never the admin token', async () => {
    folder.write('broken.yaml', 'request: { method: GET, url: /x }\nresponse: { status: "two hundred" }\n');
    const cli = runCli(['--stubs', folder.dir, '--port', '0', '--host', '127.0.0.1', '--no-watch', '--log-format', 'json', '--admin-token', 'tok-3141']);
    const url = await cliUrl(cli);
    assert.equal((await get(`${url}/__admin/mappings`, { headers: { Authorization: 'Bearer tok-3141' } })).status, 200);
    assert.equal((await get(`${url}/__admin/mappings`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await get(`${url}/ok`)).status, 200);
    cli.child.kill('SIGTERM');
    await cli.exited;
    const out = cli.output();
    const records = out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { level: number; msg: string });
    const error = records.find((r) => r.level === 50);
    assert.match(error?.msg ?? '', /broken\.yaml:2:\d+ DECOY_ERR_STUB_INVALID/, 'the load error is logged without --verbose');
    assert.ok(records.some((r) => r.level === 30 && /serving 4 stub\(s\)/.test(r.msg)));
    assert.ok(!records.some((r) => 'durationMs' in r), 'no request lines without --verbose');
    assert.doesNotMatch(out, /tok-3141/, 'the admin token is never logged');
  });
});
