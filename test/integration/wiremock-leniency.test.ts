/**
 * WireMock's lenient JSON reading, matched: the same WireMock root folder, whose mapping files each lean
 * on one thing WireMock's reader lets through, is served by the real WireMock jar and by Decoy; both
 * must load the same stubs and answer the same requests alike, and Decoy must name each leniency with
 * file:line:column so the file can be cleaned. Decoy's YAML stays strict, and a file's good stubs load
 * beside a bad one.
 *
 * Run it alone (the JVM starts once, in about two seconds):
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 20000 --exit test/integration/wiremock-leniency.test.ts
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Decoy } from '../../src/index.js';
import { eventually, startDecoy, tempStubs, type LogCapture } from '../support/decoy.js';
import { startWireMock, type WireMockProcess } from '../support/wiremock.js';

const id = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Each file leans on one leniency; its warning is expected at the line and column given. */
const FILES: Record<string, string> = {
  'mappings/comments.json': [
    '{',
    '  // A comment where a key would be: WireMock skips it.',
    '  // And a second line of it.',
    `  "id": "${id(1)}",`,
    '  "request": { "method": "GET", "url": "/comments" /* after a value */ },',
    '  "response": { "status": 200, "body": "commented // not a comment" },',
    '  "priority": 2 //the number stays a number',
    '}',
  ].join('\r\n'),
  'mappings/trailing.json': `{\n  "id": "${id(2)}",\n  "request": { "url": "/trailing" },\n  "response": { "body": "trailing" }\n}\n}\n}`,
  'mappings/second-object.json': `{ "id": "${id(3)}", "request": { "url": "/first" }, "response": { "body": "first" } }\n{ "request": { "url": "/second" }, "response": { "body": "second" } }`,
  'mappings/single-quotes.json': `{ 'id': '${id(4)}', 'request': { 'url': '/single' }, 'response': { 'body': 'it\\'s "quoted"' } }`,
  'mappings/status-string.json': `{\n  "id": "${id(5)}",\n  "request": { "url": "/status" },\n  "response": {\n    "status": "201",\n    "body": "created"\n  }\n}`,
  'mappings/numbers.json': JSON.stringify({ id: id(6), priority: '1', request: { url: '/numbers' }, response: { status: 202.9, fixedDelayMilliseconds: '20', body: 'numbers' } }, null, 2),
  'mappings/numbers-loser.json': JSON.stringify({ id: id(7), priority: 3, request: { url: '/numbers' }, response: { body: 'lower priority' } }, null, 2),
  'mappings/basic-auth.json': JSON.stringify({ id: id(8), request: { url: '/auth', basicAuth: { username: 'u', password: 'p' } }, response: { body: 'authorised' } }, null, 2),
  'mappings/two-operators.json': JSON.stringify({ mappings: [
    { id: id(9), request: { url: '/json-first', bodyPatterns: [{ matchesJsonPath: '$.a', contains: 'zzz' }] }, response: { body: 'json first' } },
    { id: id(10), request: { url: '/contains-first', bodyPatterns: [{ contains: 'zzz', matchesJsonPath: '$.a' }] }, response: { body: 'contains first' } },
  ] }, null, 2),
  'mappings/unknown-option.json': JSON.stringify({ id: id(11), request: { url: '/option', bodyPatterns: [{ matchesJsonPath: '$.title', expectedValue: 'foo' }] }, response: { body: 'any title' } }, null, 2),
  'mappings/id-and-uuid.json': JSON.stringify({ id: id(12), uuid: id(13), request: { url: '/ids' }, response: { body: 'ids' } }, null, 2),
  'mappings/schema-hint.json': JSON.stringify({ $schema: 'https://example.com/stub-mapping.json', id: id(15), request: { url: '/hint' }, response: { body: 'hint' } }),
  'mappings/bom.json': `\uFEFF{ "id": "${id(14)}", "request": { "url": "/bom" }, "response": { "body": "bom" } }`,
};

/** What Decoy must say about each file: `file:line:column` and the start of the message. */
const WARNINGS: Array<[string, RegExp]> = [
  ['comments.json:2:3', /2 comments in a row \(the first: "\/\/ A comment where a key wo\.\.\."\); JSON has no comments, WireMock's reader skips them/],
  ['comments.json:5:52', /a comment \("\/\* after a value \*\/"\)/],
  ['comments.json:7:17', /a comment \("\/\/the number stays a number"\)/],
  ['trailing.json:6:1', /text after the end of the top-level value \("\} \}"\); WireMock reads the first JSON value and skips the rest/],
  ['second-object.json:2:1', /text after the end of the top-level value/],
  ['single-quotes.json:1:3', /8 single-quoted strings \(the first: 'id'\); JSON strings take double quotes, WireMock's reader accepts single ones/],
  ['status-string.json:5:15', /"status" is a string \("201"\); WireMock reads it as the number 201/],
  ['numbers.json:3:15', /"priority" is a string \("1"\); WireMock reads it as the number 1/],
  ['numbers.json:8:15', /"status" is 202\.9, not a whole number; WireMock drops the fraction \(202\)/],
  ['numbers.json:9:31', /"fixedDelayMilliseconds" is a string \("20"\)/],
  ['basic-auth.json:5:5', /"basicAuth" is WireMock's older spelling of "basicAuthCredentials"/],
  ['two-operators.json:10:13', /the pattern has more than one operator \(matchesJsonPath, contains\); WireMock applies only "matchesJsonPath" and skips "contains"/],
  ['two-operators.json:25:13', /the pattern has more than one operator \(contains, matchesJsonPath\); WireMock applies only "contains" and skips "matchesJsonPath"/],
  ['unknown-option.json:8:9', /"expectedValue" is not an option of matchesJsonPath; WireMock's reader skips it/],
  ['id-and-uuid.json:2:3', /"id" and "uuid" differ .*; WireMock takes the one written last, "uuid"/],
];

interface Exchange { method?: string; path: string; headers?: Record<string, string>; body?: string }

const REQUESTS: Exchange[] = [
  { path: '/comments' },
  { path: '/trailing' },
  { path: '/first' },
  { path: '/second' },
  { path: '/single' },
  { path: '/status' },
  { path: '/numbers' },
  { path: '/auth', headers: { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` } },
  { path: '/auth', headers: { authorization: `Basic ${Buffer.from('u:wrong').toString('base64')}` } },
  { method: 'POST', path: '/json-first', body: '{"a": 1}' },
  { method: 'POST', path: '/json-first', body: 'zzz' },
  { method: 'POST', path: '/contains-first', body: '{"a": 1}' },
  { method: 'POST', path: '/contains-first', body: 'zzz' },
  { method: 'POST', path: '/option', body: '{"title": "bar"}' },
  { path: '/ids' },
  { path: '/bom' },
  { path: '/hint' },
];

async function send(base: string, x: Exchange): Promise<{ status: number; body: string }> {
  const res = await fetch(base + x.path, { method: x.method ?? 'GET', headers: x.headers ?? {}, ...(x.body !== undefined ? { body: x.body } : {}) });
  const body = await res.text();
  // An unmatched request is compared by status: the near-miss reports are worded differently.
  return { status: res.status, body: res.status === 404 ? '(not matched)' : body };
}

async function mappingIds(base: string): Promise<string[]> {
  const list = await (await fetch(`${base}/__admin/mappings`)).json() as { mappings: Array<{ id: string }> };
  return list.mappings.map((m) => m.id).sort();
}

describe('WireMock\'s lenient JSON reading, against the real WireMock', function () {
  this.timeout(60_000);
  let folder: ReturnType<typeof tempStubs>;
  let wiremock: WireMockProcess;
  let decoy: Decoy;
  let log: LogCapture;

  before(async () => {
    folder = tempStubs(FILES);
    [wiremock, { decoy, log }] = await Promise.all([startWireMock(folder.dir), startDecoy({ stubsDir: folder.dir })]);
  });
  after(async () => {
    await Promise.all([wiremock?.stop(), decoy?.stop()]);
    folder?.cleanup();
  });

  it('both load the same stubs, under the same ids', async () => {
    const [w, d] = await Promise.all([mappingIds(wiremock.url), mappingIds(decoy.url)]);
    assert.equal(w.length, 14);
    assert.deepEqual(d, w);
  });

  for (const x of REQUESTS) {
    it(`${x.method ?? 'GET'} ${x.path}${x.body ? ` ${x.body}` : ''}${x.headers ? ' (credentials)' : ''}: the same answer`, async () => {
      const [w, d] = await Promise.all([send(wiremock.url, x), send(decoy.url, x)]);
      assert.deepEqual(d, w);
    });
  }

  it('the stubs read through a leniency mean what WireMock made of them', async () => {
    // Pins the comparisons above to the behaviour they are about, so two equal 404s cannot pass for agreement.
    assert.deepEqual(await send(decoy.url, { path: '/status' }), { status: 201, body: 'created' });
    assert.deepEqual(await send(decoy.url, { path: '/numbers' }), { status: 202, body: 'numbers' });
    assert.deepEqual(await send(decoy.url, { path: '/second' }), { status: 404, body: '(not matched)' });
    assert.deepEqual(await send(decoy.url, { method: 'POST', path: '/contains-first', body: 'zzz' }), { status: 200, body: 'contains first' });
    assert.deepEqual(await send(decoy.url, { path: '/single' }), { status: 200, body: 'it\'s "quoted"' });
  });

  it('names every leniency used with file:line:column, and logs no error', () => {
    const text = log.text();
    for (const [where, what] of WARNINGS) {
      const line = log.lines.find((l) => l.includes(`${where} DECOY_WARN_WIREMOCK_LENIENCY`));
      assert.ok(line, `no warning at ${where}:\n${text.split('\n').filter((l) => l.includes('DECOY_WARN')).join('\n')}`);
      assert.match(line, what);
      assert.match(line, /\bWARN\b/);
    }
    assert.doesNotMatch(text, /DECOY_ERR_/);
    assert.doesNotMatch(text, /(bom|schema-hint)\.json.*DECOY_WARN/);
  });
});

describe('WireMock\'s leniency is for JSON mapping files only', () => {
  let folder: ReturnType<typeof tempStubs> | undefined;
  let decoy: Decoy | undefined;
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    folder?.cleanup();
  });

  it('Decoy\'s YAML stays strict: a status as a string and basicAuth are errors there', async () => {
    folder = tempStubs({
      'strict.yaml': 'request: { path: /strict, basicAuth: { username: u, password: p } }\nresponse: { status: "200" }\n',
    });
    let log: LogCapture;
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    assert.match(log.text(), /strict\.yaml:1:\d+ DECOY_ERR_STUB_INVALID request has an unknown key "basicAuth"/);
    assert.match(log.text(), /strict\.yaml:2:21 DECOY_ERR_STUB_INVALID response\.status must be an integer \(got "200"\)/);
    assert.doesNotMatch(log.text(), /DECOY_WARN_WIREMOCK_LENIENCY/);
  });

  it('a bad stub in a JSON file does not cost the file its good stubs; a bad comment is an error with its place', async () => {
    folder = tempStubs({
      'mappings/mixed.json': JSON.stringify({ mappings: [
        { request: { url: '/good' }, response: { status: '200', body: 'good' } },
        { request: { url: '/bad' }, response: { status: 'two hundred' } },
      ] }, null, 2),
      'mappings/open-comment.json': '{ "request": { "url": "/open" },\n  /* never closed\n  "response": {} }',
    });
    let log: LogCapture;
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    const text = log.text();
    assert.match(text, /mixed\.json:8:19 DECOY_WARN_WIREMOCK_LENIENCY "status" is a string \("200"\); WireMock reads it as the number 200/);
    assert.match(text, /mixed\.json:17:19 DECOY_ERR_STUB_INVALID response\.status must be an integer \(got "two hundred"\)/);
    assert.match(text, /mixed\.json: 1 problem\(s\); loaded 1 of its 2 stub\(s\)/);
    assert.match(text, /open-comment\.json:2:3 DECOY_ERR_STUB_SYNTAX a \/\* comment is not closed with \*\//);
    assert.equal(await (await fetch(`${decoy.url}/good`)).text(), 'good');
    assert.equal((await fetch(`${decoy.url}/bad`)).status, 404);
  });

  it('a file that was already partly broken serves the good stubs of each new version; one that loaded completely keeps its last version', async () => {
    const two = (good: string, bad: unknown) => JSON.stringify({ mappings: [
      { request: { url: '/good' }, response: { body: good } },
      { request: { url: '/bad' }, response: { status: bad } },
    ] });
    folder = tempStubs({ 'mappings/two.json': two('v1', 'x') });
    let log: LogCapture;
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir, watch: true }));
    const body = async (p: string) => { const r = await fetch(`${decoy!.url}${p}`); return r.status === 404 ? '(404)' : r.text(); };
    assert.equal(await body('/good'), 'v1');
    folder.write('mappings/two.json', two('v2', 'x'));
    await eventually(async () => (await body('/good')) === 'v2', 2000, 'the new good stub');
    folder.write('mappings/two.json', two('v3', 418));
    await eventually(async () => (await body('/bad')) === '', 2000, 'the fixed stub');
    assert.equal(await body('/good'), 'v3');
    folder.write('mappings/two.json', two('v4', 'x'));
    await eventually(() => /two\.json: 1 problem\(s\); still serving its previous 2 stub\(s\)/.test(log.text()), 2000, 'the broken edit reported');
    assert.equal(await body('/good'), 'v3');
  });

  it('saving an edited stub rewrites a commented JSON file as plain JSON, which then loads without warnings', async () => {
    folder = tempStubs({
      'mappings/edit.json': `{\n  // to be edited\n  "id": "${id(21)}",\n  "request": { "url": "/edit" },\n  "response": { "status": "200", "body": "before" }\n}\n}`,
    });
    let log: LogCapture;
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    const put = await fetch(`${decoy.url}/__admin/mappings/${id(21)}`, {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ request: { url: '/edit' }, response: { status: 200, body: 'after' } }),
    });
    assert.equal(put.status, 200, await put.text());
    const save = await fetch(`${decoy.url}/__admin/mappings/save`, { method: 'POST' });
    assert.equal(save.status, 200, await save.text());
    const written = readFileSync(path.join(folder.dir, 'mappings/edit.json'), 'utf8');
    assert.deepEqual(JSON.parse(written), { id: id(21), request: { url: '/edit' }, response: { status: 200, body: 'after' } });
    const before = log.lines.length;
    await decoy.stop();
    ({ decoy, log } = await startDecoy({ stubsDir: folder.dir }));
    assert.equal(await (await fetch(`${decoy.url}/edit`)).text(), 'after');
    assert.doesNotMatch(log.text(), /DECOY_WARN|DECOY_ERR/, `(${before} lines before the restart)`);
  });
});
