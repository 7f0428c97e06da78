/**
 * The `decoy` command is one bundled file (dist/cli/main.js, built by scripts/bundle-cli.js) whose rarely
 * used parts are chunks imported on first use. These tests run that artefact, as `npm start`, the
 * Dockerfile and the package do, and use every part that is loaded lazily, so a part the bundle lost
 * or cannot load fails here.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawn } from 'node:child_process';
import { BIN, ROOT, cliUrl, killCliRuns, runCli } from '../support/cli.js';
import { eventually, get, tempStubs } from '../support/decoy.js';

interface Received { method: string; url: string; contentType: string; body: string }

/** One local server for what the CLI calls out to: OTLP traces, webhooks, and the upstream of --proxy-all. */
async function startSink(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('latin1') });
      if (req.url === '/v1/traces') res.writeHead(200, { 'Content-Type': String(req.headers['content-type']) }).end();
      else res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`upstream answered ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function httpsGet(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    }).on('error', reject);
  });
}

const OPENAPI = `openapi: 3.0.3
info: { title: pets, version: '1' }
paths:
  /pets:
    get:
      responses:
        '200':
          description: the pets
          content:
            application/json:
              schema: { type: array, items: { type: string } }
              example: [rex, tom]
`;

describe('the bundled decoy command', function () {
  this.timeout(60_000);
  afterEach(killCliRuns);

  it('is one entry file that imports only its own chunks and Node, with source maps beside them', () => {
    assert.equal(path.relative(path.dirname(BIN), BIN), 'main.js', 'the bin is dist/cli/main.js');
    const entry = readFileSync(BIN, 'utf8');
    const imported = [...entry.matchAll(/^import\b[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    assert.ok(imported.length > 0);
    for (const spec of imported) assert.match(spec, /^(node:|\.\/chunks\/)/, `the entry imports ${spec}, which is not part of the bundle`);
    assert.ok(existsSync(`${BIN}.map`), 'the entry has its source map');
    const chunks = readdirSync(path.join(path.dirname(BIN), 'chunks'));
    for (const chunk of chunks.filter((c) => c.endsWith('.js'))) assert.ok(chunks.includes(`${chunk}.map`), `${chunk} has no source map`);
  });

  it('serves its first request from its entry and one start file, without the Redis adapter, the admin API, a YAML reader, pino, zlib, DNS or vm', async () => {
    const folder = tempStubs({ 'one.json': '{ "request": { "method": "GET", "url": "/one" }, "response": { "status": 200, "body": "one" } }' });
    const logDir = mkdtempSync(path.join(os.tmpdir(), 'decoy-load-log-'));
    const log = path.join(logDir, 'loaded.txt');
    try {
      const hook = pathToFileURL(fileURLToPath(new URL('../support/load-log.mjs', import.meta.url))).href;
      const run = runCli(['--stubs', folder.dir, '--port', '0', '--host', '127.0.0.1', '--no-watch'],
        { env: { ...process.env, NODE_OPTIONS: `--import=${hook}`, DECOY_LOAD_LOG: log } });
      const url = await cliUrl(run);
      assert.equal((await get(`${url}/one`)).text, 'one');
      const dist = path.resolve(path.dirname(BIN), '..');
      const lines = readFileSync(log, 'utf8').split('\n');
      // Node's modules a plain stub does not need are loaded on first use (process.getBuiltinModule).
      for (const builtin of ['node:zlib', 'node:dns/promises', 'node:vm', 'node:worker_threads']) assert.ok(!lines.includes(builtin), `${builtin} is imported at start`);
      assert.ok(lines.includes('node:http'), 'the hook logs Node\'s modules too');
      const loaded = lines.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u))
        .filter((f) => !f.includes(`${path.sep}test${path.sep}support${path.sep}`));
      const outside = loaded.filter((f) => !f.startsWith(dist + path.sep));
      assert.deepEqual(outside, [], 'a start loads no module from outside the bundle (node_modules, tsc output)');
      // A generous bound: esbuild alone made 16 start files; the second pass makes them one (scripts/bundle-cli.js).
      assert.ok(loaded.length <= 3, `a start loaded ${loaded.length} files of the bundle: ${loaded.map((f) => path.relative(dist, f)).join(', ')}`);
      const sources = loaded.flatMap((f) => (JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] }).sources);
      // The modules only some stubs need are chunks of their own, loaded by the first stub that calls them (scripts/bundle-cli.js, LAZY_MODULES).
      for (const lazy of ['template-response', 'graphql-response', 'graphql-matcher', 'resource-operation', 'check-stub', 'json-path', 'java-regex']) {
        assert.ok(!loaded.some((f) => path.basename(f).startsWith(`${lazy}-`)), `${lazy} is loaded before the first request`);
      }
      for (const lazy of ['src/store/redis-state.ts', 'src/admin/admin-app.ts', 'node_modules/js-yaml/', 'node_modules/express/', 'node_modules/redis/', 'node_modules/pino/', 'node_modules/thread-stream/', 'node_modules/handlebars/', 'src/core/response/template-helpers.ts']) {
        assert.ok(!sources.some((s) => s.includes(lazy)), `${lazy} is loaded before the first request`);
      }
      assert.ok(sources.some((s) => s.endsWith('src/core/engine.ts')), 'the check reads the start files\' sources');
      // The libraries bundled as one CommonJS file each (yaml, pino) are required on first use only.
      assert.deepEqual(loaded.filter((f) => f.endsWith('.cjs')), [], 'a start on a JSON stub file with the pretty log format requires no library');
    } finally {
      folder.cleanup();
      rmSync(logDir, { recursive: true, force: true });
    }
  });

  it('serves the stubs whose code is loaded on first use: templates, GraphQL matching and answers, resources, JSONPath and Java regexes', async () => {
    const folder = tempStubs({
      'features.yaml': [
        '- request: { method: GET, urlPath: /hello }',
        '  response: { status: 200, body: "hi {{request.query.name}}", transformers: [response-template] }',
        '- request: { method: POST, urlPath: /graphql, graphql: { operationName: Profile } }',
        '  response:',
        '    graphql:',
        '      schema: "type Query { user(id: ID!): User } type User { id: ID!, name: String! }"',
        '      overrides: { User.name: Ada }',
        '- request: { method: POST, url: /json-path, bodyPatterns: [{ matchesJsonPath: "$.items[?(@.n > 2)]" }] }',
        '  response: { status: 200, body: json path matched }',
        '- request: { method: GET, urlPattern: "/regex/\\\\p{Alpha}+" }',
        '  response: { status: 200, body: java regex matched }',
        '',
      ].join('\n'),
      'orders.yaml': 'resource: /orders\nids: sequential\nitems: [{ id: 1, customer: ada }]\n',
    });
    try {
      const run = runCli(['--stubs', folder.dir, '--port', '0', '--host', '127.0.0.1', '--no-watch']);
      const url = await cliUrl(run);
      assert.equal((await get(`${url}/hello?name=ann`)).text, 'hi ann');
      const answer = await get(`${url}/graphql`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"query Profile { user(id: \\"1\\") { name } }"}' });
      assert.deepEqual(JSON.parse(answer.text), { data: { user: { name: 'Ada' } } });
      assert.equal((await get(`${url}/json-path`, { method: 'POST', body: '{"items":[{"n":1},{"n":3}]}' })).text, 'json path matched');
      assert.equal((await get(`${url}/json-path`, { method: 'POST', body: '{"items":[{"n":1}]}' })).status, 404);
      assert.equal((await get(`${url}/regex/abc`)).text, 'java regex matched');
      assert.equal((await get(`${url}/regex/123`)).status, 404, '\\p{Alpha} is Java\'s ASCII letters');
      assert.equal((JSON.parse((await get(`${url}/orders/1`)).text) as { customer: string }).customer, 'ada');
      assert.doesNotMatch(run.output(), /Error|ERR_/, run.output());
    } finally {
      folder.cleanup();
    }
  });

  it('serves every lazily loaded part: YAML and WireMock JSON files, templates, faker, generated bodies, JSON Schema and XPath matching, OpenAPI, webhooks, proxying, HTTPS, traces, the admin API and the UI, watching', async () => {
    const sink = await startSink();
    const folder = tempStubs({
      'plain.json': '{ "request": { "method": "GET", "url": "/json" }, // WireMock reads comments\n  "response": { "status": 200, "body": "from json" } }\n',
      'features.yaml': [
        '- request: { method: GET, url: /yaml }',
        '  response: { status: 200, body: from yaml }',
        '- request: { method: GET, urlPath: /hello }',
        "  response: { status: 200, body: \"hi {{request.query.name}}, I am {{faker 'person.firstName'}}\", transformers: [response-template] }",
        '- request: { method: GET, url: /generated }',
        '  response: { status: 200, schema: { type: object, properties: { n: { type: integer, minimum: 1 } }, required: [n] } }',
        '- request: { method: POST, url: /schema, bodyPatterns: [{ matchesJsonSchema: { type: object, required: [id] } }] }',
        '  response: { status: 200, body: schema matched }',
        '- request: { method: POST, url: /xml, bodyPatterns: [{ matchesXPath: /order/id }] }',
        '  response: { status: 200, body: xpath matched }',
        '- request: { method: GET, url: /hook }',
        '  response: { status: 200, body: hooked }',
        `  webhooks: [{ method: POST, url: "${sink.url}/hook-received", body: called }]`,
        '',
      ].join('\n'),
      'aliases.yaml': 'request: { method: GET, url: /alias, headers: &h { X-A: { equalTo: "1" } } }\nresponse: { status: 200, body: alias }\n',
      'broken.yaml': 'request: { method: GET, url: /broken }\nresponse:\n  status: "two hundred"\n',
    });
    const documents = tempStubs({ 'pets.openapi.yaml': OPENAPI });
    const openapi = path.join(documents.dir, 'pets.openapi.yaml');
    try {
      const run = runCli(['--stubs', folder.dir, '--port', '0', '--host', '127.0.0.1', '--https-port', '0', '--openapi', openapi,
        '--otlp-endpoint', sink.url, '--proxy-all', sink.url, '--seed', '7']);
      const url = await cliUrl(run);
      const httpsUrl = await cliUrl(run, /HTTPS on (https:\/\/127\.0\.0\.1:\d+)/);

      assert.match(run.output(), /broken\.yaml:3:11 DECOY_ERR_STUB_INVALID response\.status/, 'a bad stub is reported with its line and column');
      assert.equal((await get(`${url}/json`)).text, 'from json');
      assert.equal((await get(`${url}/yaml`)).text, 'from yaml');
      assert.equal((await get(`${url}/alias`, { headers: { 'X-A': '1' } })).text, 'alias');
      assert.match((await get(`${url}/hello?name=ann`)).text, /^hi ann, I am [A-Z][a-z]+$/);
      assert.ok(Number.isInteger((JSON.parse((await get(`${url}/generated`)).text) as { n: number }).n));
      assert.equal((await get(`${url}/schema`, { method: 'POST', body: '{"id":1}' })).text, 'schema matched');
      assert.equal((await get(`${url}/xml`, { method: 'POST', body: '<order><id>1</id></order>' })).text, 'xpath matched');
      assert.deepEqual(JSON.parse((await get(`${url}/pets`)).text), ['rex', 'tom']);
      assert.equal((await get(`${url}/not-stubbed`)).text, 'upstream answered /not-stubbed', '--proxy-all forwards what no stub matches');
      assert.equal((await httpsGet(`${httpsUrl}/yaml`)).text, 'from yaml', 'HTTPS with a generated certificate');

      assert.equal((await get(`${url}/hook`)).text, 'hooked');
      await eventually(() => sink.received.some((r) => r.url === '/hook-received' && r.body === 'called'), 10_000, 'the webhook');
      await eventually(() => sink.received.some((r) => r.method === 'POST' && r.url === '/v1/traces'), 15_000, 'a trace export');

      const mappings = JSON.parse((await get(`${url}/__admin/mappings`)).text) as { meta: { total: number } };
      assert.equal(mappings.meta.total, 9, 'the admin API lists the stubs of the files and the OpenAPI document');
      const page = await get(`${url}/__admin/ui/`);
      assert.equal(page.status, 200);
      const script = /src="(\/__admin\/ui\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
      assert.ok(script, 'the UI page names its script');
      assert.equal((await get(`${url}${script}`)).status, 200, 'the UI assets are served');

      folder.write('later.yaml', 'request: { method: GET, url: /later }\nresponse: { status: 200, body: watched }\n');
      await eventually(async () => (await get(`${url}/later`)).text === 'watched', 10_000, 'the new file to be served');
    } finally {
      folder.cleanup();
      documents.cleanup();
      await sink.close();
    }
  });

  it('prints the version from package.json', async () => {
    const run = runCli(['--version']);
    assert.equal(await run.exited, 0);
    assert.equal(run.output().trim(), (JSON.parse(readFileSync(path.resolve(path.dirname(BIN), '../../package.json'), 'utf8')) as { version: string }).version);
  });
});

/** Runs the bundler as `npm run build` does after tsc, from `cwd`; resolves with its exit code and output. */
function runBundler(cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'bundle-cli.js')], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** The command's files: the entry and each chunk, with its content. */
function commandFiles(): Map<string, string> {
  const cli = path.dirname(BIN);
  const files = new Map([['main.js', readFileSync(BIN, 'utf8')]]);
  for (const f of readdirSync(path.join(cli, 'chunks'))) files.set(`chunks/${f}`, readFileSync(path.join(cli, 'chunks', f), 'utf8'));
  return files;
}

describe('building the bundled decoy command (scripts/bundle-cli.js)', function () {
  this.timeout(120_000);
  afterEach(killCliRuns);

  it('builds the same command when run from another working directory', async () => {
    const before = commandFiles();
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'decoy-bundle-cwd-'));
    try {
      const { code, output } = await runBundler(elsewhere);
      assert.equal(code, 0, output);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    assert.deepEqual([...commandFiles().keys()].sort(), [...before.keys()].sort(), 'the same files (the names hash the contents)');
    const run = runCli(['--version']);
    assert.equal(await run.exited, 0, run.output());
  });

  it('leaves the command it had when a build fails, and no scratch folders', async function () {
    // An esbuild that cannot start (its documented ESBUILD_BINARY_PATH, here a program that fails) fails
    // the build at its first pass, after the old bundler had already deleted the chunks.
    if (!existsSync('/bin/false')) this.skip();
    const before = commandFiles();
    const { code } = await runBundler(ROOT, { ...process.env, ESBUILD_BINARY_PATH: '/bin/false' });
    assert.notEqual(code, 0, 'the build failed');
    assert.deepEqual(commandFiles(), before, 'the command is as it was');
    assert.deepEqual(readdirSync(path.join(ROOT, 'dist')).filter((f) => f.startsWith('.cli-')), [], 'no scratch folder is left in dist/');
    const run = runCli(['--version']);
    assert.equal(await run.exited, 0, run.output());
  });
});
