import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Decoy } from '../../src/index.js';
import { STUB_SCHEMA } from '../../src/core/stub-schema.js';
import { cliUrl, killCliRuns, runCli } from '../support/cli.js';
import { get, startDecoy, tempStubs } from '../support/decoy.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** README.md and every page under docs/ but the recipes (their own test runs them, with their own stubs). */
function docPages(): string[] {
  const pages = ['README.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== 'recipes') walk(path.join(dir, e.name));
      else if (e.name.endsWith('.md')) pages.push(path.join(dir, e.name));
    }
  };
  walk('docs');
  return pages;
}
const read = (page: string) => readFileSync(path.join(root, page), 'utf8');
/** Every ```yaml and ```json block in the README and the docs that looks like a stub file. */
const blocks = docPages().flatMap((page) => [...read(page).matchAll(/```(yaml|json)\n([\s\S]*?)```/g)]
  .map((m) => ({ page, ext: m[1]!, text: m[2]! })))
  .filter((b) => /request/.test(b.text) && /response/.test(b.text));

describe('README and docs examples', () => {
  let folder: ReturnType<typeof tempStubs>;
  let decoy: Decoy;
  before(async () => {
    const files: Record<string, string> = { '__files/user.json': '{"id":1}', '__files/invoice-7.json': '{"invoice": {{request.pathSegments.[1]}} }' };
    blocks.forEach((b, i) => (files[`${b.page.replace(/[/.]/g, '_')}-${i}.${b.ext}`] = b.text));
    folder = tempStubs(files);
    ({ decoy } = await startDecoy({ stubsDir: folder.dir }));
  });
  after(async () => {
    await decoy.stop();
    folder.cleanup();
  });

  it('every stub example in the README and the docs loads without a problem', () => {
    assert.ok(blocks.length >= 9, `found ${blocks.length} stub examples`);
    for (const page of ['docs/guides/stubbing.md', 'docs/guides/faults-and-chaos.md', 'docs/guides/templates-and-data.md', 'docs/getting-started.md']) {
      assert.ok(blocks.some((b) => b.page === page), `the stub examples of ${page} are found`);
    }
    assert.deepEqual(decoy.loadReport!.errors.map((e) => e.format()), []);
    assert.ok(decoy.loadReport!.stubs >= 3);
  });

  it('the shorthand example: path template, plain-string header, object body as JSON', async () => {
    const ok = await get(`${decoy.url}/users/1`, { headers: { Accept: 'application/json' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'application/json');
    assert.deepEqual(JSON.parse(ok.text), { id: 1, name: 'Ada' });
    // pathParameters constrain the template; the header shorthand is equalTo.
    assert.equal((await get(`${decoy.url}/users/ada`, { headers: { Accept: 'application/json' } })).status, 404);
    assert.equal((await get(`${decoy.url}/users/1`, { headers: { Accept: 'text/html' } })).status, 404);
  });

  it('the templating example: request model, helpers, templated status and body file', async () => {
    const r = await get(`${decoy.url}/greetings/ann`, { method: 'POST', headers: { 'X-Request-Id': 'r-1' }, body: JSON.stringify({ item: 'tea', qty: 3 }) });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('x-request-id'), 'r-1');
    const body = JSON.parse(r.text);
    assert.equal(body.message, 'Hello ann');
    assert.equal(body.item, 'tea');
    assert.equal(body.quantity, '6');
    assert.match(body.at, /^\d{4}-\d{2}-\d{2}$/);
    assert.match(body.ticket, /^[A-Z0-9]{8}$/);
    assert.match(body.by, /^[A-Z]/);
    assert.equal((await get(`${decoy.url}/greetings/ann?dryRun=true`, { method: 'POST', body: '{"qty":1}' })).status, 200);
    assert.deepEqual(JSON.parse((await get(`${decoy.url}/invoices/7`)).text), { invoice: 7 });
  });

  it('the method list and wildcard example', async () => {
    assert.equal((await fetch(`${decoy.url}/files/a/b/c`, { method: 'HEAD' })).status, 204);
    assert.equal((await get(`${decoy.url}/files/x`)).status, 204);
    assert.equal((await get(`${decoy.url}/files/x`, { method: 'DELETE' })).status, 404);
  });

  it('the response sequence example: fails twice, then succeeds', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(`${decoy.url}/payments`, { method: 'POST' })).status);
    assert.deepEqual(statuses, [503, 503, 201, 201]);
  });

  it('the faults example: a reset, a first-request 503, then the normal answer', async () => {
    await assert.rejects(fetch(`${decoy.url}/reset`), (e: Error & { cause?: { code?: string } }) => e.cause?.code === 'ECONNRESET');
    assert.equal((await get(`${decoy.url}/inventory`)).status, 503);
    // Then 85% normal, 15% faults: a few tries find a normal answer.
    let normal = false;
    for (let i = 0; i < 20 && !normal; i++) {
      try { normal = (await get(`${decoy.url}/inventory`)).status === 200; } catch { /* a reset */ }
    }
    assert.ok(normal);
  });

  it('the generated data example: a customer generated from its schema', async () => {
    const res = await get(`${decoy.url}/customers/42`);
    assert.equal(res.status, 200);
    const customer = JSON.parse(res.text);
    assert.ok(['free', 'pro', 'enterprise'].includes(customer.tier), res.text);
    assert.match(customer.address.zip, /^[0-9]{5}$/);
  });

  it('the requestSchema example: a request that breaks it gets a 400 listing the violation', async () => {
    const bad = await get(`${decoy.url}/orders?limit=500&ids=1,x`);
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.text).violations.map((v: { name: string; pointer: string }) => [v.name, v.pointer]), [['limit', ''], ['ids', '/1']]);
    assert.equal((await get(`${decoy.url}/orders?limit=5&ids=1,2`)).status, 200);
  });

  it('the WireMock JSON example', async () => {
    const res = await get(`${decoy.url}/health`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200);
    assert.equal(res.text, '{"status":"UP"}');
  });
});

describe('docs/getting-started.md, followed to the letter', function () {
  this.timeout(30_000);
  const page = read('docs/getting-started.md');
  // Inside the repository (whose package.json says "type": "module", as step 1 does), so that
  // `decoy-mock/client` resolves to this package by its own name, as it does from node_modules in the reader's project.
  const work = path.join(root, 'test-output', `getting-started-${process.pid}`);
  afterEach(() => {
    killCliRuns();
    rmSync(work, { recursive: true, force: true });
  });

  it('the stub with a fault, started as the page says, passes the page\'s client check and prints what the page says', async () => {
    const stub = /```yaml\n# (stubs\/\S+)\n([\s\S]*?)```/.exec(page);
    const check = /```js\n\/\/ (\S+\.js)\n([\s\S]*?)```/.exec(page);
    assert.ok(stub && check, 'the page has the stub file and the check script');
    const start = /```sh\n(npx decoy [^\n]*)\n```/.exec(page)![1]!;
    const printed = /It prints `([^`]+)`/.exec(page)![1]!;
    mkdirSync(path.join(work, path.dirname(stub[1]!)), { recursive: true });
    writeFileSync(path.join(work, stub[1]!), stub[2]!);
    writeFileSync(path.join(work, check[1]!), check[2]!);
    const args = start.split(/\s+/).slice(2);
    assert.deepEqual(args, ['--stubs', 'stubs']);
    const decoy = runCli([...args, '--port', '0', '--host', '127.0.0.1'], { cwd: work });
    const url = await cliUrl(decoy);
    assert.match(decoy.output(), /serving 1 stub\(s\) from 1 file\(s\) in stubs/);
    const out = await new Promise<string>((resolve, reject) => execFile(process.execPath, [check[1]!], { cwd: work, env: { ...process.env, DECOY_URL: url } },
      (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout))));
    assert.equal(out.trim(), printed);
  });
});

describe('the reference tables match the code', () => {
  it('docs/reference/stub-keys.md lists every key of a stub, its request and its response, and no other', () => {
    const page = read('docs/reference/stub-keys.md');
    const section = (title: string) => {
      const from = page.indexOf(`\n## ${title}`);
      const to = page.indexOf('\n## ', from + 1);
      const text = page.slice(from, to === -1 ? undefined : to);
      return new Set([...text.matchAll(/^\| ([^|]+) \|/gm)].flatMap((r) => [...r[1]!.matchAll(/`([$\w]+)`/g)].map((x) => x[1]!)));
    };
    const schema = STUB_SCHEMA as unknown as { properties: Record<string, { properties?: Record<string, unknown> }> };
    assert.deepEqual([...section('The stub')].sort(), Object.keys(schema.properties).sort());
    assert.deepEqual([...section('`request`')].sort(), Object.keys(schema.properties.request!.properties!).sort());
    assert.deepEqual([...section('`response`')].sort(), Object.keys(schema.properties.response!.properties!).sort());
  });

  it('the runtime-dependency table names every dependency in package.json, and no other', () => {
    const page = read('docs/reference/dependencies.md');
    const table = page.slice(page.indexOf('Runtime dependencies'), page.indexOf('Development:'));
    const listed = [...table.matchAll(/^\| ([^|]+) \|/gm)].flatMap((r) => [...r[1]!.matchAll(/`([@\w./-]+)`/g)].map((x) => x[1]!));
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    assert.deepEqual(listed.sort(), Object.keys(pkg.dependencies).sort());
  });

  it('every name a TypeScript or JavaScript example imports from decoy-mock is exported by it', async () => {
    const modules: Record<string, Record<string, unknown>> = {
      'decoy-mock': await import('../../src/index.js'),
      'decoy-mock/client': await import('../../src/client/index.js'),
    };
    const typeOnly = new Set(Object.keys(modules)); // types are erased at run time; checked by name in the .d.ts below
    let seen = 0;
    for (const p of docPages()) {
      for (const block of read(p).matchAll(/```(?:ts|js)\n([\s\S]*?)```/g)) {
        for (const imp of block[1]!.matchAll(/import (?:type )?\{([^}]+)\} from '(decoy[^']*)'/g)) {
          const from = imp[2]!;
          assert.ok(from in modules, `${p} imports from '${from}', which the package does not export`);
          for (const raw of imp[1]!.split(',').map((n) => n.trim()).filter(Boolean)) {
            const name = raw.replace(/^type /, '').split(/\s+as\s+/)[0]!;
            seen++;
            if (raw.startsWith('type ')) continue;
            const source = read(from === 'decoy-mock' ? 'src/index.ts' : 'src/client/index.ts');
            assert.ok(name in modules[from]! || (typeOnly.has(from) && new RegExp(`\\b${name}\\b`).test(source)), `${p}: '${from}' has no export ${name}`);
          }
        }
      }
    }
    assert.ok(seen >= 5, `found ${seen} imported names`);
  });
});
