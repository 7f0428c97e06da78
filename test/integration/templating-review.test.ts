/**
 * Regressions from a review of response templating: each test is named after the bug it pins, and
 * runs a real Decoy on port 0 asked by a real client.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import type { Decoy } from '../../src/index.js';
import { configMapWrite } from '../support/configmap.js';
import { eventually, get, startDecoy, tempStubs } from '../support/decoy.js';

const tpl = (p: string, response: string) => `- request: { urlPath: ${p} }\n  response:\n    transformers: [response-template]\n${response.split('\n').map((l) => `    ${l}`).join('\n')}\n`;

describe('templating review regressions', () => {
  let decoy: Decoy | undefined;
  let folder: ReturnType<typeof tempStubs> | undefined;
  afterEach(async () => {
    await decoy?.stop();
    decoy = undefined;
    folder?.cleanup();
    folder = undefined;
  });
  const start = async (files: Record<string, string>, options: Record<string, unknown> = {}) => {
    folder = tempStubs(files);
    const started = await startDecoy({ stubsDir: folder.dir, ...options });
    decoy = started.decoy;
    return started;
  };

  it('a stub named with € or a control character answered 500 on every request: its Matched-Stub-Name is percent-encoded', async () => {
    await start({ 'named.yaml': '- name: "prix €\\u0001"\n  request: { urlPath: /named }\n  response: { body: ok }\n' });
    const res = await get(`${decoy!.url}/named`);
    assert.equal(res.status, 200);
    assert.equal(res.text, 'ok');
    assert.equal(res.headers.get('matched-stub-name'), 'prix %E2%82%AC%01');
  });

  it('a templated bodyFileName cannot read stub files, dot files or other folders: only the files folder, and its 500 names no server path', async () => {
    await start({
      'stubs.yaml': tpl('/file', 'bodyFileName: "{{request.query.f}}"') + tpl('/sub', 'bodyFileName: "docs/{{request.query.f}}"'),
      '.env': 'SECRET=hunter2',
      'other/service.yaml': '- request: { urlPath: /other }\n  response: { body: private-stub }\n',
      'own.txt': 'beside the stub file',
      '__files/a.txt': 'file a {{request.method}}',
      '__files/.hidden': 'hidden',
      '__files/docs/d.txt': 'doc d',
    });
    assert.equal((await get(`${decoy!.url}/file?f=a.txt`)).text, 'file a GET');
    assert.equal((await get(`${decoy!.url}/sub?f=d.txt`)).text, 'doc d');
    for (const f of ['../.env', '../other/service.yaml', '..%2F.env', '.hidden', '../stubs.yaml', 'own.txt', '/etc/hostname', 'docs/../a.txt']) {
      const r = await get(`${decoy!.url}/file?f=${f}`);
      assert.equal(r.status, 500, f);
      assert.doesNotMatch(r.text, /hunter2|private-stub|beside the stub|hidden$/, f);
      assert.ok(!r.text.includes(folder!.dir), `${f}: the answer names no server path: ${r.text}`);
    }
    const missing = await get(`${decoy!.url}/file?f=nope.txt`);
    assert.equal(missing.status, 500);
    assert.match(missing.text, /body file "nope.txt" not found in the files folder/);
    assert.ok(!missing.text.includes(folder!.dir), missing.text);
  });

  it('a header value Node cannot send (non-Latin-1, control characters) no longer answers 500: rendered values are percent-encoded, static ones are load errors', async () => {
    const { log } = await start({
      'ok.yaml': tpl('/hdr', 'headers: { X-V: "v={{request.query.v}}" }\nbody: ok'),
      'bad.yaml': '- request: { urlPath: /static }\n  response: { headers: { X-E: "€" }, body: x }\n',
    });
    for (const [q, want] of [['%E2%82%AC', 'v=%E2%82%AC'], ['%01', 'v=%01'], ['a%0D%0ASet-Cookie:%20x', 'v=a%0D%0ASet-Cookie: x'], ['caf%C3%A9', 'v=café']]) {
      const r = await fetch(`${decoy!.url}/hdr?v=${q}`);
      assert.equal(r.status, 200, q);
      assert.equal(await r.text(), 'ok');
      assert.equal(Buffer.from(r.headers.get('x-v')!, 'latin1').toString(r.headers.get('x-v')!.includes('é') ? 'latin1' : 'utf8'), want, q);
      assert.equal(r.headers.get('set-cookie'), null);
    }
    const errors = decoy!.loadReport!.errors.map((e) => e.format());
    assert.equal(errors.length, 1, log.text());
    assert.match(errors[0]!, /bad\.yaml:2:\d+ DECOY_ERR_STUB_INVALID response header X-E contains "€" \(U\+20AC\), which an HTTP header value cannot carry/);
    assert.equal((await get(`${decoy!.url}/static`)).status, 404);
  });

  it('a schema response with a templated header keeps its generated body', async () => {
    await start({ 'schema.yaml': tpl('/gen', 'headers: { X-Id: "id-{{request.query.id}}" }\nschema: { type: object, required: [n], properties: { n: { type: integer, minimum: 1, maximum: 9 } } }') });
    // Uncompressed, so the Content-Length is the body's (a client accepting gzip gets it gzipped, as from WireMock).
    const r = await get(`${decoy!.url}/gen?id=7`, { headers: { 'accept-encoding': 'identity' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-id'), 'id-7');
    assert.equal(r.headers.get('content-type'), 'application/json');
    const body = JSON.parse(r.text) as { n: number };
    assert.ok(Number.isInteger(body.n) && body.n >= 1 && body.n <= 9, r.text);
    assert.equal(Number(r.headers.get('content-length')), Buffer.byteLength(r.text));
  });

  it('sizes from the request are capped: randomValue length, padding sizes and wrap widths answer 500 fast instead of blocking the server', async () => {
    await start({
      'sizes.yaml': tpl('/rv', "body: \"{{randomValue length=request.query.n}}\"") + tpl('/pad', "body: \"{{ljust 'x' size=request.query.n}}{{rjust 'x' size=request.query.n}}{{center 'x' size=request.query.n}}\""),
    });
    for (const p of ['/rv', '/pad']) {
      const t0 = Date.now();
      const r = await get(`${decoy!.url}${p}?n=300000000`);
      assert.equal(r.status, 500, p);
      assert.match(r.text, /must be at most 1,000,000/);
      assert.ok(Date.now() - t0 < 5_000, 'answered without building the value');
      assert.equal((await get(`${decoy!.url}${p}?n=3`)).status, 200);
    }
  });

  it('client input that broke helpers with a 500 (a 20,000-deep JSON body, malformed percent-encoding) is treated as not JSON or given back', async () => {
    await start({
      'input.yaml': tpl('/jp', "body: \"{{jsonPath request.body '$.a' default='none'}}\"") + tpl('/ue', "body: \"{{urlEncode request.query.v decode=true}}\""),
    });
    const deep = '{"a":' + '['.repeat(20000) + ']'.repeat(20000) + '}';
    const r = await get(`${decoy!.url}/jp`, { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
    assert.deepEqual([r.status, r.text], [200, 'none']);
    const u = await get(`${decoy!.url}/ue?v=%25E0%25A4%25A`);
    assert.deepEqual([u.status, u.text], [200, '%E0%A4%A']);
  });

  it('request.scheme was always http and request.clientIp was missing: they follow the connection', async () => {
    await start({ 'conn.yaml': tpl('/c', 'body: "{{request.scheme}}|{{request.clientIp}}|{{request.baseUrl}}"') }, { httpsPort: 0 });
    const plain = await get(`${decoy!.url}/c`);
    assert.equal(plain.text, `http|127.0.0.1|${decoy!.url}`);
    const agent = new Agent({ connect: { ca: decoy!.certificate! } });
    try {
      const secure = await undiciFetch(`${decoy!.httpsUrl}/c`, { dispatcher: agent });
      assert.equal(await secure.text(), `https|127.0.0.1|${decoy!.httpsUrl}`);
    } finally {
      await agent.close();
    }
  });

  it('a body file read for a templated bodyFileName was cached forever: an edit is served after the reload, and a file added after a miss is found', async () => {
    await start({ 'f.yaml': tpl('/f', 'bodyFileName: "{{request.query.n}}.txt"'), '__files/a.txt': 'v1 {{request.method}}' }, { watch: true });
    assert.equal((await get(`${decoy!.url}/f?n=a`)).text, 'v1 GET');
    assert.equal((await get(`${decoy!.url}/f?n=b`)).status, 500);
    folder!.write('__files/a.txt', 'v2 {{request.method}}');
    folder!.write('__files/b.txt', 'b here');
    await eventually(async () => (await get(`${decoy!.url}/f?n=a`)).text === 'v2 GET', 5_000, 'the edited body file');
    await eventually(async () => (await get(`${decoy!.url}/f?n=b`)).text === 'b here', 5_000, 'the added body file');
  });

  it('jsonRemove walked __proto__: it removes own properties of the document only', async () => {
    await start({ 'j.yaml': tpl('/j', "body: \"{{jsonRemove '{}' '$.__proto__.toString'}}|{{jsonRemove '{\\\"a\\\":{\\\"b\\\":1}}' '$.a.constructor'}}\"") });
    const r = await get(`${decoy!.url}/j`);
    assert.deepEqual([r.status, r.text], [200, '{}|{"a":{"b":1}}']);
    assert.equal(typeof Object.prototype.toString, 'function');
    assert.equal(String({}), '[object Object]');
  });

  it('the log helper wrote request text to stdout: it renders nothing; a partial is a load error, not a 500 per request', async () => {
    const { log } = await start({
      'log.yaml': tpl('/log', "body: \"a{{log request.query.x}}b\""),
      'partial.yaml': tpl('/p', 'body: "{{> header}}"'),
    });
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => { writes.push(String(chunk)); return (original as (...a: unknown[]) => boolean)(chunk, ...rest); }) as typeof process.stdout.write;
    let r;
    try {
      r = await get(`${decoy!.url}/log?x=INJECTED`);
    } finally {
      process.stdout.write = original;
    }
    assert.equal(r.text, 'ab');
    assert.ok(!writes.some((w) => w.includes('INJECTED')), writes.join(''));
    const errors = decoy!.loadReport!.errors.map((e) => e.format());
    assert.equal(errors.length, 1, log.text());
    assert.match(errors[0]!, /partial\.yaml:\d+:\d+ DECOY_ERR_TEMPLATE_INVALID partials \(\{\{> name\}\}\) are not supported in response\.body/);
  });

  it('a stub header content-length (lower case) stayed fixed while the rendered body changed length', async () => {
    await start({ 'cl.yaml': tpl('/cl', "headers: { content-length: '5' }\nbody: \"x{{request.query.v}}\"") });
    for (const v of ['abcdefgh', '']) {
      const r = await get(`${decoy!.url}/cl?v=${v}`, { headers: { 'accept-encoding': 'identity' } });
      assert.equal(r.text, `x${v}`);
      assert.equal(r.headers.get('content-length'), String(1 + v.length));
    }
  });

  it('a templated or generated response copied its headers twice to add Matched-Stub-Id: added once, on every request, also to a render failure', async () => {
    await start({
      'ids.yaml': [
        "- id: 11111111-1111-4111-8111-111111111111\n  name: tpl\n  request: { urlPath: /t }\n  response: { transformers: [response-template], headers: { X-M: '{{request.method}}' }, body: '{{request.query.v}}' }",
        '- id: 22222222-2222-4222-8222-222222222222\n  request: { urlPath: /g }\n  response: { schema: { type: integer } }',
        "- id: 33333333-3333-4333-8333-333333333333\n  request: { urlPath: /bad }\n  response: { transformers: [response-template], status: '{{request.query.s}}' }",
      ].join('\n'),
    });
    for (let i = 0; i < 3; i++) {
      const t = await get(`${decoy!.url}/t?v=${i}`);
      assert.deepEqual([t.text, t.headers.get('x-m'), t.headers.get('matched-stub-id'), t.headers.get('matched-stub-name')], [String(i), 'GET', '11111111-1111-4111-8111-111111111111', 'tpl']);
      const g = await get(`${decoy!.url}/g`);
      assert.equal(g.headers.get('matched-stub-id'), '22222222-2222-4222-8222-222222222222');
      const bad = await get(`${decoy!.url}/bad?s=x`);
      assert.equal(bad.status, 500);
      assert.equal(bad.headers.get('matched-stub-id'), '33333333-3333-4333-8333-333333333333');
    }
  });

  it('a ConfigMap volume folder created after watching started was never watched for its ..data swap', async () => {
    await start({ 'root.yaml': '- request: { urlPath: /root }\n  response: { body: root }\n' }, { watch: true });
    const volume = path.join(folder!.dir, 'team');
    mkdirSync(volume);
    configMapWrite(volume, { 'orders.yaml': 'request: { urlPath: /orders }\nresponse: { body: v1 }\n' });
    await eventually(async () => (await get(`${decoy!.url}/orders`)).text === 'v1', 5_000, 'the new volume to load');
    configMapWrite(volume, { 'orders.yaml': 'request: { urlPath: /orders }\nresponse: { body: v2 }\n' }, { keepOldFolder: true });
    await eventually(async () => (await get(`${decoy!.url}/orders`)).text === 'v2', 5_000, 'the swap in the new volume');
  });
});
