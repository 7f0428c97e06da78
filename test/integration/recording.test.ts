/**
 * Record and replay, end to end: a real upstream (node:http, and node:https with a self-signed
 * certificate), Decoy recording what no stub answers (`POST /__admin/recordings/start` / `stop`), or
 * snapshotting the journal's proxied traffic (`POST /__admin/recordings/snapshot`); the stub files it
 * writes (names, YAML/JSON, `__files/`, redaction); and replay from those files by a fresh Decoy on the
 * same folder with the upstream gone: same status, byte-identical bodies, the headers that matter.
 *
 * Clients use undici's `request` (no redirects followed, no decompression), so what is compared is
 * exactly what went over the wire.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import type { Decoy, DecoyOptions } from '../../src/index.js';
import { eventually, startDecoy, tempStubs } from '../support/decoy.js';
import { closedPort, echoHandler, selfSignedCert, startUpstream, type Upstream, type UpstreamHandler } from '../support/upstream.js';
import { admin, WireClients } from '../support/wire.js';

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Every byte value 0..255, `times` times over, scrambled (so no run of text survives). */
function allByteValues(times = 1): Buffer {
  const out = Buffer.alloc(256 * times);
  for (let i = 0; i < out.length; i++) out[i] = (i * 167 + (i >> 8)) & 0xff;
  return out;
}

/** Every file under `dir`, recursively, as paths relative to it with `/` separators, sorted. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.push(path.relative(dir, abs).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** The stub files (not body files, not hidden files) under `dir`. */
function stubFiles(dir: string): string[] {
  return listFiles(dir).filter((f) => !f.startsWith('__files/') && !path.basename(f).startsWith('.'));
}

/** A header's single value (undici gives arrays for repeated headers). */
function one(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** A recorded stub file, parsed (YAML or JSON). */
function readStub(dir: string, rel: string): any {
  const text = readFileSync(path.join(dir, rel), 'utf8');
  return rel.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
}

/** The response header names of a stub definition, lower-cased. */
function headerNames(def: any): string[] {
  return Object.keys(def?.response?.headers ?? {}).map((h) => h.toLowerCase());
}

const FILE_NAME = /^(?:mappings\/)?[a-z]+-[a-z0-9-]*-[0-9a-f]{8}(?:-\d+)?\.(?:yaml|json)$/;

describe('recording and replay (/__admin/recordings)', function () {
  this.timeout(8_000);
  let clients: WireClients;
  const decoys: Decoy[] = [];
  const upstreams: Upstream[] = [];
  const cleanups: Array<() => void> = [];
  let tls: { key: string; cert: string };

  before(async function () {
    this.timeout(20_000);
    tls = await selfSignedCert();
  });

  async function newUpstream(handler: UpstreamHandler = echoHandler, withTls?: { key: string; cert: string }): Promise<Upstream> {
    const u = await startUpstream(handler, withTls);
    upstreams.push(u);
    return u;
  }

  async function closeUpstream(u: Upstream): Promise<void> {
    await u.close();
    const i = upstreams.indexOf(u);
    if (i !== -1) upstreams.splice(i, 1);
  }

  /** A temp stubs folder, removed after the test. */
  function folder(files: Record<string, string> = {}) {
    const t = tempStubs(files);
    cleanups.push(t.cleanup);
    return t;
  }

  /** A Decoy on `dir` with the watcher on, stopped after the test. */
  async function newDecoy(dir: string | undefined, options: DecoyOptions = {}): Promise<Decoy> {
    const { decoy } = await startDecoy({ shutdownGraceMs: 200, watch: true, ...(dir !== undefined ? { stubsDir: dir } : {}), ...options });
    decoys.push(decoy);
    return decoy;
  }

  async function stopDecoy(d: Decoy): Promise<void> {
    await d.stop();
    const i = decoys.indexOf(d);
    if (i !== -1) decoys.splice(i, 1);
  }

  const send = (url: string, init?: Parameters<WireClients['send']>[1]) => clients.send(url, init);

  async function startRecording(decoy: Decoy, spec: Record<string, unknown>): Promise<void> {
    const r = await admin(decoy.url, 'POST', '/recordings/start', spec);
    assert.equal(r.status, 200, `recording did not start: ${r.status} ${r.text}`);
  }

  async function stopRecording(decoy: Decoy): Promise<{ mappings: any[]; written?: string[] }> {
    const r = await admin(decoy.url, 'POST', '/recordings/stop');
    assert.equal(r.status, 200, `recording did not stop: ${r.status} ${r.text}`);
    assert.ok(Array.isArray(r.json?.mappings), `stop answered no mappings list: ${r.text}`);
    return r.json;
  }

  beforeEach(() => {
    clients = new WireClients();
  });
  afterEach(async () => {
    await clients.close();
    await Promise.all(decoys.splice(0).map((d) => d.stop()));
    await Promise.all(upstreams.splice(0).map((u) => u.close()));
    for (const c of cleanups.splice(0)) c();
  });

  describe('recording JSON, binary, gzip, chunked, large and redirect responses', () => {
    const json = Buffer.from(JSON.stringify({ id: 1, name: 'Zoë', tags: ['a', 'b'], nested: { ok: true } }));
    const smallBinary = allByteValues(1);
    const binary = allByteValues(16);
    const gzipped = gzipSync(Buffer.from(JSON.stringify({ compressed: true, items: [1, 2, 3] })));
    const large = randomBytes(10 * MiB);
    const chunks = ['first chunk\n', 'second chunk\n', 'third chunk\n'];

    const handler: UpstreamHandler = async (req, res) => {
      const p = (req.url ?? '/').split('?')[0];
      if (p === '/api/json') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': 'json' });
        res.end(json);
      } else if (p === '/api/small-binary') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(smallBinary);
      } else if (p === '/api/binary') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(binary);
      } else if (p === '/api/gzip') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
        res.end(gzipped);
      } else if (p === '/api/chunked') {
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        for (const c of chunks) {
          res.write(c);
          await new Promise((r) => setTimeout(r, 10));
        }
        res.end();
      } else if (p === '/api/large') {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(large);
      } else if (p === '/api/redirect') {
        res.writeHead(302, { Location: '/api/json?via=redirect' });
        res.end();
      } else {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('upstream: no such path');
      }
    };

    /** What each path returns, as the client saw it while recording. */
    async function recordAll(decoy: Decoy) {
      const seen: Record<string, Awaited<ReturnType<typeof send>>> = {};
      for (const p of ['/api/json', '/api/small-binary', '/api/binary', '/api/gzip', '/api/chunked', '/api/large', '/api/redirect']) {
        seen[p] = await send(`${decoy.url}${p}`);
      }
      return seen;
    }

    function assertSeenLikeUpstream(seen: Record<string, Awaited<ReturnType<typeof send>>>, when: string) {
      assert.equal(seen['/api/json']!.status, 200, when);
      assert.ok(seen['/api/json']!.body.equals(json), `${when}: JSON body differs`);
      assert.equal(one(seen['/api/json']!.headers, 'content-type'), 'application/json', when);
      assert.equal(seen['/api/small-binary']!.status, 200, when);
      assert.ok(seen['/api/small-binary']!.body.equals(smallBinary), `${when}: the 256 byte values differ`);
      assert.equal(one(seen['/api/small-binary']!.headers, 'content-type'), 'application/octet-stream', when);
      assert.ok(seen['/api/binary']!.body.equals(binary), `${when}: the 4 KiB binary body differs`);
      assert.equal(seen['/api/gzip']!.status, 200, when);
      assert.ok(seen['/api/gzip']!.body.equals(gzipped), `${when}: the gzip bytes differ`);
      assert.equal(one(seen['/api/gzip']!.headers, 'content-encoding'), 'gzip', when);
      assert.equal(one(seen['/api/gzip']!.headers, 'content-type'), 'application/json', when);
      assert.deepEqual(JSON.parse(gunzipSync(seen['/api/gzip']!.body).toString()), { compressed: true, items: [1, 2, 3] }, when);
      assert.equal(seen['/api/chunked']!.text, chunks.join(''), `${when}: the chunked body differs`);
      assert.equal(one(seen['/api/chunked']!.headers, 'content-type'), 'text/plain; charset=utf-8', when);
      assert.equal(seen['/api/large']!.body.length, large.length, `${when}: the 10 MiB body's length differs`);
      assert.equal(sha256(seen['/api/large']!.body), sha256(large), `${when}: the 10 MiB body differs`);
      assert.equal(seen['/api/redirect']!.status, 302, when);
      assert.equal(one(seen['/api/redirect']!.headers, 'location'), '/api/json?via=redirect', when);
      assert.equal(seen['/api/redirect']!.body.length, 0, when);
    }

    it('writes one stub file per exchange (YAML, named <method>-<path>-<hash8>), big bodies under __files, and replays them byte for byte with the upstream gone', async () => {
      const upstream = await newUpstream(handler);
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir, { maxBodyBytes: 64 * MiB });
      await startRecording(decoy, {
        targetBaseUrl: upstream.url,
        extractBodyCriteria: { textSizeThreshold: '10 Kb', binarySizeThreshold: '1 Kb' },
      });
      const seen = await recordAll(decoy);
      assertSeenLikeUpstream(seen, 'while recording');
      assert.equal(upstream.requests.length, 7, 'each request went to the upstream once');

      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 7, `7 stubs expected, got ${stopped.mappings.length}`);
      assert.ok(Array.isArray(stopped.written), `stop should list the written files: ${JSON.stringify(stopped)}`);

      const files = listFiles(stubs.dir);
      const stubsWritten = stubFiles(stubs.dir);
      assert.equal(stubsWritten.length, 7, `7 stub files expected: ${files.join(', ')}`);
      for (const f of stubsWritten) assert.match(f, FILE_NAME, `${f} is not named <method>-<path>-<hash8>.yaml`);
      for (const f of stubsWritten) assert.ok(f.endsWith('.yaml'), `a plain folder gets YAML: ${f}`);
      for (const f of stopped.written!) assert.ok(files.includes(f) || files.some((x) => f.endsWith(x)), `written lists ${f}, which is not on disk (${files.join(', ')})`);
      const byPath = (p: string) => {
        const f = stubsWritten.find((x) => x.startsWith(`get-${p}-`));
        assert.ok(f, `no stub file for get /${p}: ${stubsWritten.join(', ')}`);
        return readStub(stubs.dir, f!);
      };
      // JSON stays readable text; the 256 byte values inline as base64; gzip byte for byte with its encoding.
      const jsonStub = byPath('api-json');
      assert.equal(jsonStub.request.method, 'GET');
      assert.equal(jsonStub.response.status, 200);
      assert.equal(jsonStub.response.body, json.toString('utf8'), 'a small JSON body is recorded as text');
      const small = byPath('api-small-binary');
      assert.equal(Buffer.from(small.response.base64Body, 'base64').toString('hex'), smallBinary.toString('hex'));
      const gz = byPath('api-gzip');
      assert.ok(Buffer.from(gz.response.base64Body ?? '', 'base64').equals(gzipped), 'the gzip body is stored byte for byte as base64Body');
      const gzHeaders = Object.fromEntries(Object.entries(gz.response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      assert.equal(gzHeaders['content-encoding'], 'gzip');
      // WireMock's rule: Connection, Transfer-Encoding and Content-Length are not recorded, Date and
      // Keep-Alive are (node's upstream sends all of them).
      for (const f of stubsWritten) {
        const names = headerNames(readStub(stubs.dir, f));
        for (const h of ['content-length', 'transfer-encoding', 'connection']) {
          assert.ok(!names.includes(h), `${f} records ${h}: ${names.join(', ')}`);
        }
      }
      assert.deepEqual(headerNames(jsonStub).filter((h) => h === 'date' || h === 'keep-alive').sort(), ['date', 'keep-alive']);
      const redirect = byPath('api-redirect');
      assert.equal(redirect.response.status, 302);
      // Bodies over the thresholds live in __files/, byte for byte.
      const bin = byPath('api-binary');
      const large_ = byPath('api-large');
      assert.ok(bin.response.bodyFileName, `the 4 KiB binary body should be a body file (binarySizeThreshold 1 Kb): ${JSON.stringify(bin.response).slice(0, 200)}`);
      assert.ok(large_.response.bodyFileName, 'the 10 MiB body should be a body file');
      const binFile = readFileSync(path.join(stubs.dir, '__files', bin.response.bodyFileName));
      assert.ok(binFile.equals(binary), 'the binary body file is byte for byte');
      const largeFile = readFileSync(path.join(stubs.dir, '__files', large_.response.bodyFileName));
      assert.equal(sha256(largeFile), sha256(large), 'the large body file is byte for byte');

      // Replay: the upstream is gone; a fresh Decoy on the same folder answers the same.
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir, { maxBodyBytes: 64 * MiB });
      assert.deepEqual(replay.loadReport?.errors.map((e) => e.message), [], 'the recorded files load without problems');
      assert.equal(replay.loadReport?.stubs, 7);
      const again = await recordAll(replay);
      assertSeenLikeUpstream(again, 'on replay');
      const unknown = await send(`${replay.url}/api/not-recorded`);
      assert.equal(unknown.status, 404, 'what was not recorded is not matched');
    });

    it('serves the recorded stubs at once, before any restart, and a stub file that matches is served, not recorded', async () => {
      const upstream = await newUpstream(handler);
      const stubs = folder({ 'existing.yaml': 'request:\n  method: GET\n  url: /api/json\nresponse:\n  status: 203\n  body: from the stub file\n' });
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url });
      const fromStub = await send(`${decoy.url}/api/json`);
      assert.equal(fromStub.status, 203);
      assert.equal(fromStub.text, 'from the stub file');
      const proxied = await send(`${decoy.url}/api/redirect`);
      assert.equal(proxied.status, 302);
      assert.equal(upstream.requests.length, 1, 'only the unmatched request went upstream');
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 1, `only the proxied exchange is recorded: ${JSON.stringify(stopped.mappings)}`);
      assert.deepEqual(stubFiles(stubs.dir).filter((f) => f !== 'existing.yaml').length, 1);
      await closeUpstream(upstream);
      const replay = await send(`${decoy.url}/api/redirect`);
      assert.equal(replay.status, 302, 'the recorded stub is served by the same Decoy right after stop');
      assert.equal(one(replay.headers, 'location'), '/api/json?via=redirect');
    });

    it('records in a WireMock root as JSON under mappings/, with body files in __files/', async () => {
      const upstream = await newUpstream(handler);
      const stubs = folder({ 'mappings/.keep': '' });
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, extractBodyCriteria: { binarySizeThreshold: '1 Kb' } });
      await send(`${decoy.url}/api/json`);
      await send(`${decoy.url}/api/binary`);
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 2);
      const files = stubFiles(stubs.dir);
      assert.equal(files.length, 2, files.join(', '));
      for (const f of files) {
        assert.ok(f.startsWith('mappings/') && f.endsWith('.json'), `a WireMock root gets JSON in mappings/: ${f}`);
        assert.match(f, FILE_NAME);
      }
      assert.ok(listFiles(stubs.dir).some((f) => f.startsWith('__files/')), 'the binary body is under __files/');
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      const j = await send(`${replay.url}/api/json`);
      assert.ok(j.body.equals(json));
      const b = await send(`${replay.url}/api/binary`);
      assert.ok(b.body.equals(binary));
    });

    it('writes JSON in a plain folder with format: "json"', async () => {
      const upstream = await newUpstream(handler);
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, format: 'json' });
      await send(`${decoy.url}/api/json`);
      await stopRecording(decoy);
      const files = stubFiles(stubs.dir);
      assert.equal(files.length, 1);
      assert.match(files[0]!, /^get-api-json-[0-9a-f]{8}\.json$/);
      const def = readStub(stubs.dir, files[0]!);
      assert.equal(def.response.body, json.toString('utf8'));
    });
  });

  it('records from an HTTPS upstream with a self-signed certificate (proxyInsecure) and replays without it', async () => {
    const upstream = await newUpstream((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"secure":true}');
    }, tls);
    assert.ok(upstream.url.startsWith('https://'));
    const stubs = folder();
    const decoy = await newDecoy(stubs.dir, { proxyInsecure: true });
    await startRecording(decoy, { targetBaseUrl: upstream.url });
    const live = await send(`${decoy.url}/tls/thing?x=1`);
    assert.equal(live.status, 200, live.text);
    assert.equal(live.text, '{"secure":true}');
    await stopRecording(decoy);
    assert.equal(stubFiles(stubs.dir).length, 1);
    assert.match(stubFiles(stubs.dir)[0]!, /^get-tls-thing-[0-9a-f]{8}\.yaml$/);
    await closeUpstream(upstream);
    await stopDecoy(decoy);
    const replay = await newDecoy(stubs.dir);
    const r = await send(`${replay.url}/tls/thing?x=1`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"secure":true}');
    assert.equal(one(r.headers, 'content-type'), 'application/json');
    assert.equal((await send(`${replay.url}/tls/thing?x=2`)).status, 404, 'the query is part of the recorded request');
  });

  describe('redaction', () => {
    const SECRETS = ['SECRET-TOKEN-123', 'SECRET-COOKIE-456', 'SECRET-QUERY-789', 'secret@example.com', 'SECRET-XAPIKEY-321', 'SECRET-NAMED-654'];

    /** Echoes every secret back: in the JSON body, in headers, in Set-Cookie; a 20 KiB text variant goes to __files. */
    const leakyEcho: UpstreamHandler = (req, res, body) => {
      const echo = {
        url: req.url,
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
        apiKey: req.headers['x-api-key'],
        sessionToken: req.headers['x-session-token'],
        rawBody: body.toString('utf8'),
        received: body.length ? JSON.parse(body.toString('utf8')) : null,
      };
      const headers: Array<[string, string]> = [
        ['Set-Cookie', 'session=SECRET-COOKIE-456; Path=/; HttpOnly'],
        ['Set-Cookie', 'token=SECRET-TOKEN-123; Path=/'],
        ['X-Echo-Url', String(req.url)],
        ['X-Echo-Auth', String(req.headers.authorization)],
      ];
      if ((req.url ?? '').startsWith('/gzip-echo')) {
        res.writeHead(200, [...headers.flat(), 'Content-Type', 'application/json', 'Content-Encoding', 'gzip']);
        res.end(gzipSync(Buffer.from(JSON.stringify(echo))));
        return;
      }
      if ((req.url ?? '').startsWith('/big-echo')) {
        res.writeHead(200, [...headers.flat(), 'Content-Type', 'text/plain']);
        res.end(`${JSON.stringify(echo)}\n`.repeat(80));
        return;
      }
      res.writeHead(200, [...headers.flat(), 'Content-Type', 'application/json']);
      res.end(JSON.stringify(echo));
    };

    const secretHeaders = {
      authorization: 'Bearer SECRET-TOKEN-123',
      cookie: 'session=SECRET-COOKIE-456',
      'x-api-key': 'SECRET-XAPIKEY-321',
      'x-session-token': 'SECRET-NAMED-654',
      'content-type': 'application/json',
    };
    const secretBody = JSON.stringify({ customer: { email: 'secret@example.com', name: 'Ada' }, items: [1, 2] });
    const spec = (target: string) => ({
      targetBaseUrl: target,
      captureHeaders: { Authorization: {}, Cookie: {}, 'X-Api-Key': {}, 'X-Session-Token': {} },
      extractBodyCriteria: { textSizeThreshold: '10 Kb', binarySizeThreshold: '1 Kb' },
      redact: { headers: ['X-Session-Token'], queryParameters: ['apiKey'], jsonPaths: ['$.customer.email'] },
    });

    async function recordSecrets() {
      const upstream = await newUpstream(leakyEcho);
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, spec(upstream.url));
      const getHeaders: Record<string, string> = { ...secretHeaders };
      delete getHeaders['content-type'];
      const profile = await send(`${decoy.url}/profile?apiKey=SECRET-QUERY-789&page=2`, { headers: getHeaders });
      assert.equal(profile.status, 200, profile.text);
      const live = await send(`${decoy.url}/orders?apiKey=SECRET-QUERY-789&page=2`, { method: 'POST', headers: secretHeaders, body: secretBody });
      assert.equal(live.status, 200, live.text);
      // The client itself sees the real values while recording: redaction is about what is written.
      assert.ok(live.text.includes('SECRET-TOKEN-123') && live.text.includes('secret@example.com'));
      const gz = await send(`${decoy.url}/gzip-echo?apiKey=SECRET-QUERY-789`, { headers: getHeaders });
      assert.equal(one(gz.headers, 'content-encoding'), 'gzip');
      assert.ok(gunzipSync(gz.body).toString().includes('SECRET-TOKEN-123'), 'the client sees the gzip echo as sent');
      const big = await send(`${decoy.url}/big-echo?apiKey=SECRET-QUERY-789`, { method: 'POST', headers: secretHeaders, body: secretBody });
      assert.equal(big.status, 200);
      assert.ok(big.body.length > 10 * 1024);
      const stopped = await stopRecording(decoy);
      return { upstream, stubs, decoy, stopped };
    }

    it('writes no secret anywhere under the stubs folder (stub files and __files), though the upstream echoes them all back', async () => {
      const { stubs, stopped } = await recordSecrets();
      const files = listFiles(stubs.dir);
      assert.equal(stubFiles(stubs.dir).length, 4, files.join(', '));
      assert.ok(files.some((f) => f.startsWith('__files/')), `the 20 KiB echo should be a body file: ${files.join(', ')}`);
      for (const f of files) {
        const text = readFileSync(path.join(stubs.dir, f)).toString('latin1');
        for (const s of SECRETS) assert.ok(!text.includes(s), `${f} contains ${s}:\n${text.slice(0, 2000)}`);
      }
      // Nor hidden in an encoded body: base64 bodies decoded (and gunzipped when they are gzip) hold none either.
      for (const f of stubFiles(stubs.dir)) {
        const def = readStub(stubs.dir, f);
        if (typeof def.response?.base64Body !== 'string') continue;
        const bytes = Buffer.from(def.response.base64Body, 'base64');
        let decoded = bytes.toString('latin1');
        try { decoded = gunzipSync(bytes).toString('latin1'); } catch { /* not gzip */ }
        for (const s of SECRETS) assert.ok(!decoded.includes(s), `${f}'s base64Body, decoded, contains ${s}`);
      }
      const answer = JSON.stringify(stopped);
      for (const s of SECRETS) assert.ok(!answer.includes(s), `the stop answer contains ${s}`);
      // The redacted request header / query parameter are recorded as present (matches .+).
      const def = readStub(stubs.dir, stubFiles(stubs.dir).find((f) => f.startsWith('post-orders-'))!);
      assert.deepEqual(def.request.queryParameters?.apiKey, { matches: '.+' }, JSON.stringify(def.request));
      const reqHeaders = Object.fromEntries(Object.entries(def.request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      assert.deepEqual(reqHeaders.authorization, { matches: '.+' }, JSON.stringify(def.request.headers));
      assert.deepEqual(reqHeaders['x-session-token'], { matches: '.+' }, JSON.stringify(def.request.headers));
    });

    it('replays for other real values of the redacted headers, cookie and query parameter', async () => {
      const { upstream, stubs, decoy } = await recordSecrets();
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      const other: Record<string, string> = { authorization: 'Bearer OTHER-TOKEN', cookie: 'session=OTHER-COOKIE', 'x-api-key': 'OTHER-KEY', 'x-session-token': 'OTHER-NAMED' };
      const r = await send(`${replay.url}/profile?apiKey=OTHER-QUERY&page=2`, { headers: other });
      assert.equal(r.status, 200, `GET /profile?apiKey=OTHER-QUERY&page=2 with other credentials: ${r.status} ${r.text.slice(0, 600)}`);
      assert.equal(one(r.headers, 'content-type'), 'application/json');
      for (const s of SECRETS) assert.ok(!r.text.includes(s), `the replayed body contains ${s}`);
      for (const [name, value] of Object.entries(r.headers)) {
        for (const s of SECRETS) assert.ok(!String(value).includes(s), `the replayed header ${name} contains ${s}`);
      }
      // The gzip echo held secrets: it is replayed decoded and redacted (no Content-Encoding), still JSON.
      const gz = await send(`${replay.url}/gzip-echo?apiKey=OTHER-QUERY`, { headers: other });
      assert.equal(gz.status, 200, gz.text.slice(0, 600));
      assert.equal(one(gz.headers, 'content-encoding'), undefined, 'a redacted compressed body is stored and served decoded');
      const gzJson = JSON.parse(gz.text);
      assert.equal(gzJson.url, '/gzip-echo?apiKey=<redacted>');
      for (const s of SECRETS) assert.ok(!gz.text.includes(s), `the replayed gzip echo contains ${s}`);
      const noAuth: Record<string, string> = { ...other };
      delete noAuth.authorization;
      assert.equal((await send(`${replay.url}/profile?apiKey=OTHER-QUERY&page=2`, { headers: noAuth })).status, 404, 'a captured header must be present');
      assert.equal((await send(`${replay.url}/profile?page=2`, { headers: other })).status, 404, 'the redacted query parameter must be present');
      assert.equal((await send(`${replay.url}/profile?apiKey=OTHER-QUERY&page=3`, { headers: other })).status, 404, 'an unredacted query parameter keeps its value');
    });

    it('leaks no secret through a body not labelled as text (no Content-Type, application/octet-stream, application/x-ndjson), inline or under __files', async () => {
      const upstream = await newUpstream((req, res) => {
        const line = `auth=${req.headers.authorization} cookie=${req.headers.cookie} url=${req.url}\n`;
        const p = (req.url ?? '').split('?')[0]!;
        const text = line.repeat(p.endsWith('-big') ? 1_000 : 1);
        const type = p.startsWith('/none') ? undefined : p.startsWith('/octet') ? 'application/octet-stream' : 'application/x-ndjson';
        res.writeHead(200, type ? { 'Content-Type': type } : {});
        res.end(text);
      });
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, redact: { queryParameters: ['apiKey'] } });
      for (const p of ['/none', '/octet', '/ndjson', '/octet-big']) {
        const r = await send(`${decoy.url}${p}?apiKey=SECRET-QUERY-789`, { headers: { authorization: 'Bearer SECRET-TOKEN-123', cookie: 'session=SECRET-COOKIE-456' } });
        assert.equal(r.status, 200);
      }
      await stopRecording(decoy);
      const leaks: string[] = [];
      for (const f of listFiles(stubs.dir)) {
        const texts = [readFileSync(path.join(stubs.dir, f)).toString('latin1')];
        if (!f.startsWith('__files/')) {
          const b64 = readStub(stubs.dir, f)?.response?.base64Body;
          if (typeof b64 === 'string') texts.push(Buffer.from(b64, 'base64').toString('latin1'));
        }
        for (const s of ['SECRET-TOKEN-123', 'SECRET-COOKIE-456', 'SECRET-QUERY-789']) {
          if (texts[0]!.includes(s)) leaks.push(`${f}: ${s} in the file`);
          else if (texts[1]?.includes(s)) leaks.push(`${f}: ${s} in its base64Body, decoded`);
        }
      }
      assert.deepEqual(leaks, []);
    });

    it('keeps a compressed body with nothing to redact byte for byte, with its Content-Encoding, even with redaction configured', async () => {
      const gz = gzipSync(Buffer.from(JSON.stringify({ customer: { name: 'Ada' }, public: true })));
      const upstream = await newUpstream((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
        res.end(gz);
      });
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { ...spec(upstream.url), captureHeaders: {} });
      await send(`${decoy.url}/public`, { headers: { authorization: 'Bearer SECRET-TOKEN-123' } });
      await stopRecording(decoy);
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      const r = await send(`${replay.url}/public`);
      assert.equal(r.status, 200);
      assert.equal(one(r.headers, 'content-encoding'), 'gzip');
      assert.ok(r.body.equals(gz), 'byte for byte');
    });

    it('replays for another real value of the redacted JSON body field ($.customer.email)', async () => {
      const { upstream, stubs, decoy } = await recordSecrets();
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      const other = { ...secretHeaders, authorization: 'Bearer OTHER-TOKEN', cookie: 'session=OTHER-COOKIE', 'x-api-key': 'OTHER-KEY', 'x-session-token': 'OTHER-NAMED' };
      const original = await send(`${replay.url}/orders?apiKey=OTHER-QUERY&page=2`, { method: 'POST', headers: other, body: secretBody });
      assert.equal(original.status, 200, `POST /orders with the body as recorded (customer.email secret@example.com): ${original.status} ${original.text.slice(0, 1200)}`);
      const otherBody = JSON.stringify({ customer: { email: 'other@example.com', name: 'Ada' }, items: [1, 2] });
      const r = await send(`${replay.url}/orders?apiKey=OTHER-QUERY&page=2`, { method: 'POST', headers: other, body: otherBody });
      assert.equal(r.status, 200, `POST /orders with customer.email other@example.com: ${r.status} ${r.text.slice(0, 600)}`);
      // The unredacted part of the body still matters.
      const otherName = JSON.stringify({ customer: { email: 'other@example.com', name: 'Bob' }, items: [1, 2] });
      assert.equal((await send(`${replay.url}/orders?apiKey=OTHER-QUERY&page=2`, { method: 'POST', headers: other, body: otherName })).status, 404);
    });
  });

  describe('repeats and identical requests', () => {
    for (const [label, extra] of [['by default (as WireMock 3)', {}], ['with repeatsAsScenarios: true', { repeatsAsScenarios: true }]] as const) it(`${label}, a request made again becomes a scenario: its answers replay in order and then stay in the last state (1, 2, 3, 3)`, async () => {
      let n = 0;
      const upstream = await newUpstream((_req, res) => {
        n++;
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(String(n));
      });
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, ...extra });
      const live: string[] = [];
      for (let i = 0; i < 3; i++) live.push((await send(`${decoy.url}/counter`)).text);
      assert.deepEqual(live, ['1', '2', '3']);
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 3);
      const files = stubFiles(stubs.dir);
      assert.equal(files.length, 3, files.join(', '));
      for (const f of files) assert.match(f, FILE_NAME);
      const defs = files.map((f) => readStub(stubs.dir, f));
      assert.equal(new Set(defs.map((d) => d.scenarioName)).size, 1, 'one scenario');
      assert.ok(defs.some((d) => d.requiredScenarioState === 'Started'));
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      const got: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await send(`${replay.url}/counter`);
        got.push(`${r.status} ${r.text}`);
      }
      assert.deepEqual(got, ['200 1', '200 2', '200 3', '200 3']);
    });

    it('with repeatsAsScenarios: false, records identical requests once (one stub, one file)', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, repeatsAsScenarios: false });
      for (let i = 0; i < 3; i++) assert.equal((await send(`${decoy.url}/same?q=1`)).status, 200);
      await send(`${decoy.url}/same?q=2`);
      assert.equal(upstream.requests.length, 4, 'every request went upstream while recording');
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 2, `/same?q=1 once, /same?q=2 once: ${JSON.stringify(stopped.mappings.map((m) => m.request))}`);
      const files = stubFiles(stubs.dir);
      assert.equal(files.length, 2, files.join(', '));
      assert.ok(files.every((f) => /^get-same-[0-9a-f]{8}\.yaml$/.test(f)), files.join(', '));
    });

    it('with repeatsAsScenarios: false, records the same request with different values of a captured, redacted header once (the stub matches any value)', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, captureHeaders: { Authorization: {} }, repeatsAsScenarios: false });
      await send(`${decoy.url}/me`, { headers: { authorization: 'Bearer SECRET-TOKEN-AAA' } });
      await send(`${decoy.url}/me`, { headers: { authorization: 'Bearer SECRET-TOKEN-BBB' } });
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 1, JSON.stringify(stopped.mappings.map((m) => m.request)));
      assert.equal(stubFiles(stubs.dir).length, 1);
      const text = readFileSync(path.join(stubs.dir, stubFiles(stubs.dir)[0]!), 'utf8');
      assert.ok(!text.includes('SECRET-TOKEN-AAA') && !text.includes('SECRET-TOKEN-BBB'), text);
    });

    it('records concurrent traffic: 20 requests in parallel, 10 distinct, give 10 files (repeatsAsScenarios: false)', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, repeatsAsScenarios: false });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => send(`${decoy.url}/par/${i % 10}`)));
      assert.ok(results.every((r) => r.status === 200));
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 10);
      const files = stubFiles(stubs.dir);
      assert.equal(files.length, 10, files.join(', '));
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      for (let i = 0; i < 10; i++) {
        const r = await send(`${replay.url}/par/${i}`);
        assert.equal(r.status, 200);
        assert.equal(JSON.parse(r.text).url, `/par/${i}`);
      }
    });

    it('names files safely from any path: nothing is written outside the stubs folder', async () => {
      const upstream = await newUpstream();
      const stubs = folder({ 'inner/.keep': '' });
      const inner = path.join(stubs.dir, 'inner');
      const decoy = await newDecoy(inner);
      await startRecording(decoy, { targetBaseUrl: upstream.url });
      const raw = await clients.raw(decoy.port, 'GET /a/..%2F..%2F..%2Fescape/%00x/Caf%C3%A9?q=..%2F..%2F HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 3_000);
      assert.match(raw.bytes.toString('latin1'), /^HTTP\/1\.1 200/);
      await stopRecording(decoy);
      const all = listFiles(stubs.dir).filter((f) => f !== 'inner/.keep');
      assert.equal(all.length, 1, all.join(', '));
      assert.ok(all[0]!.startsWith('inner/'), `written outside the stubs folder: ${all[0]}`);
      assert.match(path.basename(all[0]!), /^get-[a-z0-9-]+-[0-9a-f]{8}\.yaml$/);
    });

    it('matches recorded JSON request bodies (requestBodyPattern auto): another body is not the same request', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url });
      const body = JSON.stringify({ a: 1, b: [1, 2] });
      const live = await send(`${decoy.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(live.status, 200);
      await stopRecording(decoy);
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      const same = await send(`${replay.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ b: [1, 2], a: 1 }) });
      assert.equal(same.status, 200, 'the same JSON (keys reordered) matches');
      assert.ok(same.body.equals(live.body), 'byte-identical replay');
      const other = await send(`${replay.url}/things`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 2, b: [1, 2] }) });
      assert.equal(other.status, 404);
    });
  });

  describe('snapshots', () => {
    it('turns traffic proxied by proxyAll into stub files, replayed with the upstream gone', async () => {
      const upstream = await newUpstream((req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ path: req.url }));
      });
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir, { proxyAll: upstream.url });
      assert.equal((await send(`${decoy.url}/snap/a`)).text, '{"path":"/snap/a"}');
      await send(`${decoy.url}/snap/b?x=1`);
      await send(`${decoy.url}/snap/b?x=1`);
      const r = await admin(decoy.url, 'POST', '/recordings/snapshot', {});
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.mappings.length, 3, `/snap/a, and /snap/b twice as a scenario: ${r.text.slice(0, 500)}`);
      assert.deepEqual(r.json.mappings.map((m: any) => [m.name, m.requiredScenarioState ?? null]), [['snap_b', 'scenario-1-snap-b-2'], ['snap_b', 'Started'], ['snap_a', null]]);
      const files = stubFiles(stubs.dir);
      assert.equal(files.length, 3, files.join(', '));
      for (const f of files) assert.match(f, FILE_NAME);
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      assert.equal((await send(`${replay.url}/snap/a`)).text, '{"path":"/snap/a"}');
      const b = await send(`${replay.url}/snap/b?x=1`);
      assert.equal(b.status, 200);
      assert.equal(b.text, '{"path":"/snap/b?x=1"}');
      assert.equal(one(b.headers, 'content-type'), 'application/json');
    });

    it('snapshots bodies the journal kept whole (up to 64 KiB) and leaves out larger ones rather than truncate them', async () => {
      const small = randomBytes(60 * 1024);
      const big = randomBytes(100 * 1024);
      const upstream = await newUpstream((req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(req.url === '/snap/small' ? small : big);
      });
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir, { proxyAll: upstream.url });
      assert.ok((await send(`${decoy.url}/snap/small`)).body.equals(small));
      assert.ok((await send(`${decoy.url}/snap/big`)).body.equals(big), 'the client gets the whole big body');
      const r = await admin(decoy.url, 'POST', '/recordings/snapshot', {});
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.mappings.length, 1, `only /snap/small: ${JSON.stringify(r.json.mappings.map((m: any) => m.request))}`);
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      const again = await send(`${replay.url}/snap/small`);
      assert.equal(again.status, 200);
      assert.ok(again.body.equals(small), 'byte for byte (from __files)');
      assert.equal((await send(`${replay.url}/snap/big`)).status, 404, 'not a truncated stub');
    });

    it('a second snapshot of the same traffic rewrites the same files (no duplicates)', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir, { proxyAll: upstream.url });
      await send(`${decoy.url}/twice/a`);
      const first = await admin(decoy.url, 'POST', '/recordings/snapshot', {});
      assert.equal(first.status, 200, first.text);
      const before_ = stubFiles(stubs.dir);
      assert.equal(before_.length, 1);
      const second = await admin(decoy.url, 'POST', '/recordings/snapshot', {});
      assert.equal(second.status, 200, second.text);
      assert.deepEqual(stubFiles(stubs.dir), before_);
      const r = await send(`${decoy.url}/twice/a`);
      assert.equal(r.status, 200);
      assert.equal(upstream.requests.length, 1, 'after the snapshot, the recorded stub answers (not proxied)');
    });

    it('turns traffic through a proxyBaseUrl stub into stubs (snapshot with no body)', async () => {
      const upstream = await newUpstream((_req, res) => {
        res.writeHead(201, { 'Content-Type': 'text/plain' });
        res.end('via proxy stub');
      });
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      const created = await admin(decoy.url, 'POST', '/mappings', { request: { method: 'ANY', urlPathPattern: '/via/.*' }, response: { proxyBaseUrl: upstream.url } });
      assert.equal(created.status, 201, created.text);
      assert.equal((await send(`${decoy.url}/via/one`)).status, 201);
      const res = await fetch(`${decoy.url}/__admin/recordings/snapshot`, { method: 'POST' });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.equal(JSON.parse(text).mappings.length, 1, text);
      assert.equal(stubFiles(stubs.dir).length, 1);
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      const r = await send(`${replay.url}/via/one`);
      assert.equal(r.status, 201);
      assert.equal(r.text, 'via proxy stub');
    });
  });

  describe('failures and options', () => {
    it('answers 500 (as WireMock) when the upstream is down and records nothing for it', async () => {
      const upstream = await newUpstream((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end('up');
      });
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url });
      assert.equal((await send(`${decoy.url}/while-up`)).status, 200);
      await closeUpstream(upstream);
      const down = await send(`${decoy.url}/while-down`);
      assert.equal(down.status, 500, down.text);
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 1, `only the exchange with a live upstream: ${JSON.stringify(stopped.mappings.map((m) => m.request))}`);
      const files = stubFiles(stubs.dir);
      assert.equal(files.length, 1, files.join(', '));
      assert.match(files[0]!, /^get-while-up-/);
    });

    it('records nothing when the target never answers (connection refused): 500, no files', async () => {
      const port = await closedPort();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: `http://127.0.0.1:${port}` });
      assert.equal((await send(`${decoy.url}/nobody`)).status, 500);
      const stopped = await stopRecording(decoy);
      assert.deepEqual(stopped.mappings, []);
      assert.deepEqual(listFiles(stubs.dir), []);
      assert.equal((await send(`${decoy.url}/nobody`)).status, 404, 'after stop, nothing is proxied and nothing was recorded');
    });

    it('with persist: false, serves the recorded stubs and writes no file', async () => {
      const upstream = await newUpstream((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(allByteValues(8));
      });
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, persist: false, extractBodyCriteria: { binarySizeThreshold: '1 Kb' } });
      await send(`${decoy.url}/ephemeral`);
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 1);
      assert.ok(stopped.written === undefined || stopped.written.length === 0, JSON.stringify(stopped.written));
      assert.deepEqual(listFiles(stubs.dir), []);
      await closeUpstream(upstream);
      const r = await send(`${decoy.url}/ephemeral`);
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(allByteValues(8)), 'served from memory, byte for byte (even above the body-file threshold)');
    });

    it('with persist: false and no stubs folder, still serves the recorded stubs', async () => {
      const upstream = await newUpstream();
      const decoy = await newDecoy(undefined);
      await startRecording(decoy, { targetBaseUrl: upstream.url, persist: false });
      const live = await send(`${decoy.url}/memory?x=1`);
      await stopRecording(decoy);
      await closeUpstream(upstream);
      const r = await send(`${decoy.url}/memory?x=1`);
      assert.equal(r.status, 200);
      assert.ok(r.body.equals(live.body));
    });

    it('reports the status through the lifecycle; stop without start is 400, start twice leaves the recording running (200, as WireMock), a bad targetBaseUrl 422 at /targetBaseUrl (none is a recording of proxy stubs)', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      const status = async () => (await admin(decoy.url, 'GET', '/recordings/status')).json?.status;
      assert.equal(await status(), 'NeverStarted');
      const early = await admin(decoy.url, 'POST', '/recordings/stop');
      assert.equal(early.status, 400, early.text);
      assert.equal(await status(), 'NeverStarted');

      const bad = await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: 'not a url' });
      assert.equal(bad.status, 422, bad.text);
      assert.ok((bad.json?.errors ?? []).some((e: any) => e?.source?.pointer === '/targetBaseUrl'), `pointer /targetBaseUrl expected: ${bad.text}`);
      assert.equal(await status(), 'NeverStarted', 'a rejected start changes nothing');

      await startRecording(decoy, { targetBaseUrl: upstream.url });
      assert.equal(await status(), 'Recording');
      const twice = await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream.url });
      assert.equal(twice.status, 200, twice.text);
      assert.equal(await status(), 'Recording');
      await send(`${decoy.url}/lifecycle`);
      await stopRecording(decoy);
      assert.equal(await status(), 'Stopped');
      const again = await admin(decoy.url, 'POST', '/recordings/stop');
      assert.equal(again.status, 400, again.text);
      assert.equal(await status(), 'Stopped');
      // A new recording starts afresh: the previous one's exchanges are not recorded again.
      await startRecording(decoy, { targetBaseUrl: upstream.url });
      assert.equal(await status(), 'Recording');
      const second = await stopRecording(decoy);
      assert.deepEqual(second.mappings, []);
      assert.equal(await status(), 'Stopped');
    });
  });

  describe('matching options', () => {
    it('captureHeaders with caseInsensitive: replay matches the value in any case, not another value; uncaptured headers do not matter', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, captureHeaders: { 'X-Tenant': { caseInsensitive: true }, Accept: {} } });
      await send(`${decoy.url}/tenant`, { headers: { 'x-tenant': 'Acme', accept: 'application/json', 'x-other': 'a' } });
      await stopRecording(decoy);
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      assert.equal((await send(`${replay.url}/tenant`, { headers: { 'x-tenant': 'ACME', accept: 'application/json', 'x-other': 'b' } })).status, 200);
      assert.equal((await send(`${replay.url}/tenant`, { headers: { 'x-tenant': 'Globex', accept: 'application/json' } })).status, 404);
      assert.equal((await send(`${replay.url}/tenant`, { headers: { 'x-tenant': 'Acme', accept: 'text/html' } })).status, 404, 'Accept is captured case-sensitively');
    });

    it('requestBodyPattern none: the request body does not matter on replay', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, requestBodyPattern: { matcher: 'none' }, repeatsAsScenarios: false });
      await send(`${decoy.url}/anybody`, { method: 'POST', body: 'first' });
      await send(`${decoy.url}/anybody`, { method: 'POST', body: 'second' });
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 1, 'bodies do not split requests either');
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      assert.equal((await send(`${replay.url}/anybody`, { method: 'POST', body: 'something else' })).status, 200);
    });

    it('redact.replacement is what masked values become', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, redact: { queryParameters: ['apiKey'], replacement: 'XXXX-MASKED' } });
      await send(`${decoy.url}/masked?apiKey=SECRET-QUERY-789`, { headers: { authorization: 'Bearer SECRET-TOKEN-123' } });
      await stopRecording(decoy);
      const text = readFileSync(path.join(stubs.dir, stubFiles(stubs.dir)[0]!), 'utf8');
      assert.ok(!text.includes('SECRET-QUERY-789') && !text.includes('SECRET-TOKEN-123'), text);
      assert.ok(text.includes('XXXX-MASKED'), text);
      assert.ok(!text.includes('<redacted>'), text);
    });

    it('rejects a bad spec with 422 and a pointer: requestBodyPattern (and the Java client\'s requestBodyPatternFactory), extractBodyCriteria, format, redact lists, filters.ids, captureHeaders flags', async () => {
      const upstream = await newUpstream();
      const decoy = await newDecoy(folder().dir);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ requestBodyPattern: { matcher: 'fuzzy' } }, '/requestBodyPattern/matcher'],
        [{ requestBodyPatternFactory: { matcher: 'fuzzy' } }, '/requestBodyPatternFactory/matcher'],
        [{ requestBodyPattern: { matcher: 'equalToJson', ignoreArrayOrder: 'no' } }, '/requestBodyPattern/ignoreArrayOrder'],
        [{ captureHeaders: { 'X-Cap': { caseInsensitive: 'yes' } } }, '/captureHeaders/X-Cap/caseInsensitive'],
        [{ filters: { ids: 'abc' } }, '/filters/ids'],
        [{ repeatsAsScenarios: 'yes' }, '/repeatsAsScenarios'],
        [{ extractBodyCriteria: { textSizeThreshold: 'big' } }, '/extractBodyCriteria/textSizeThreshold'],
        [{ format: 'xml' }, '/format'],
        [{ redact: { headers: 'Authorization' } }, '/redact/headers'],
      ];
      for (const [extra, pointer] of cases) {
        const r = await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream.url, ...extra });
        assert.equal(r.status, 422, `${JSON.stringify(extra)}: ${r.text}`);
        assert.ok((r.json?.errors ?? []).some((e: any) => String(e?.source?.pointer ?? '').startsWith(pointer)), `${JSON.stringify(extra)}: pointer ${pointer} expected: ${r.text}`);
      }
      assert.equal((await admin(decoy.url, 'GET', '/recordings/status')).json?.status, 'NeverStarted');
    });
  });

  describe('extractBodyCriteria sizes (read as WireMock reads them)', () => {
    it('takes numbers and sizes like "1.5 KB" or "2k"; a threshold left out extracts nothing of that kind', async () => {
      const text = 'x'.repeat(3000);
      const upstream = await newUpstream((req, res) => {
        if (req.url === '/text') {
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.end(text);
        } else {
          res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
          res.end(Buffer.alloc(3000, 1));
        }
      });
      const cases: Array<[Record<string, unknown>, { text: boolean; bin: boolean }]> = [
        [{ textSizeThreshold: 2048 }, { text: true, bin: false }],
        [{ textSizeThreshold: '1.5 KB', binarySizeThreshold: '4k' }, { text: true, bin: false }],
        [{ binarySizeThreshold: '2k' }, { text: false, bin: true }],
        [{ textSizeThreshold: '3 Kb', binarySizeThreshold: '1 MB' }, { text: false, bin: false }],
      ];
      for (const [criteria, expected] of cases) {
        const stubs = folder();
        const decoy = await newDecoy(stubs.dir);
        await startRecording(decoy, { targetBaseUrl: upstream.url, extractBodyCriteria: criteria });
        await send(`${decoy.url}/text`);
        await send(`${decoy.url}/bin`);
        const stopped = await stopRecording(decoy);
        const extracted = (name: string) => stopped.mappings.find((m) => m.name === name)?.response?.bodyFileName !== undefined;
        assert.deepEqual({ text: extracted('text'), bin: extracted('bin') }, expected, JSON.stringify(criteria));
        await stopDecoy(decoy);
      }
    });
  });

  describe('filters (WireMock\'s request pattern)', () => {
    it('records only the requests the filter matches; the others are still proxied', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir);
      await startRecording(decoy, { targetBaseUrl: upstream.url, filters: { urlPathPattern: '/api/.*', method: 'GET' } });
      assert.equal((await send(`${decoy.url}/api/a?x=1`)).status, 200);
      assert.equal((await send(`${decoy.url}/api/b`, { method: 'POST', body: 'x' })).status, 200, 'POST /api/b is proxied');
      assert.equal((await send(`${decoy.url}/other`)).status, 200, 'GET /other is proxied');
      assert.equal(upstream.requests.length, 3, 'every request went upstream');
      const stopped = await stopRecording(decoy);
      assert.equal(stopped.mappings.length, 1, `only GET /api/a: ${JSON.stringify(stopped.mappings.map((m) => m.request))}`);
      const files = stubFiles(stubs.dir);
      assert.equal(files.length, 1, files.join(', '));
      assert.match(files[0]!, /^get-api-a-[0-9a-f]{8}\.yaml$/);
      await closeUpstream(upstream);
      await stopDecoy(decoy);
      const replay = await newDecoy(stubs.dir);
      assert.equal((await send(`${replay.url}/api/a?x=1`)).status, 200);
      assert.equal((await send(`${replay.url}/other`)).status, 404);
    });

    it('filters a snapshot too', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const decoy = await newDecoy(stubs.dir, { proxyAll: upstream.url });
      await send(`${decoy.url}/keep/1`);
      await send(`${decoy.url}/drop/1`);
      const r = await admin(decoy.url, 'POST', '/recordings/snapshot', { filters: { urlPathPattern: '/keep/.*' } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.mappings.length, 1, r.text.slice(0, 500));
      assert.deepEqual(stubFiles(stubs.dir).map((f) => f.replace(/-[0-9a-f]{8}\.yaml$/, '')), ['get-keep-1']);
    });

    it('rejects an invalid filter with 422 and a pointer under /filters, and does not start', async () => {
      const upstream = await newUpstream();
      const decoy = await newDecoy(folder().dir);
      const notObject = await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream.url, filters: 'GET /api' });
      assert.equal(notObject.status, 422, notObject.text);
      assert.ok((notObject.json?.errors ?? []).some((e: any) => String(e?.source?.pointer ?? '').startsWith('/filters')), notObject.text);
      const badMethod = await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream.url, filters: { method: 42 } });
      assert.equal(badMethod.status, 422, badMethod.text);
      assert.ok((badMethod.json?.errors ?? []).some((e: any) => String(e?.source?.pointer ?? '').startsWith('/filters')), badMethod.text);
      assert.equal((await admin(decoy.url, 'GET', '/recordings/status')).json?.status, 'NeverStarted');
    });
  });

  describe('decoy record (CLI)', function () {
    this.timeout(8_000);
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const BIN = path.join(root, 'dist/cli/main.js');
    const children: ChildProcess[] = [];

    before(function () {
      this.timeout(120_000);
      try {
        execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe', timeout: 110_000 });
      } catch (e) {
        // Other work in progress may not type-check; tsc still emits. The bin must exist and know `record`.
        if (!existsSync(BIN)) throw e;
      }
      // The bin is the bundle of the command that `npm run build` makes after tsc (tsc's own main.js is not what users run).
      execFileSync(process.execPath, ['scripts/bundle-cli.js'], { cwd: root, stdio: 'pipe', timeout: 110_000 });
      assert.match(execFileSync(process.execPath, [BIN, '--help'], { cwd: root, encoding: 'utf8', timeout: 20_000 }), /decoy record/, 'dist/cli/main.js has no record command');
    });
    afterEach(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      children.length = 0;
    });

    function run(args: string[]) {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (c) => (out += c));
      child.stderr!.on('data', (c) => (out += c));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      return { child, output: () => out, exited };
    }

    /** `decoy record` on a free port; resolves once it logs its URL. */
    async function record(args: string[]) {
      const p = run(['record', '--port', '0', '--host', '127.0.0.1', ...args]);
      let url = '';
      await eventually(() => {
        const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(p.output());
        if (m) url = m[1]!;
        return url !== '' || p.child.exitCode !== null;
      }, 5_000, 'decoy record to start');
      assert.ok(url, `decoy record did not start:\n${p.output()}`);
      return { ...p, url };
    }

    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      it(`records until ${signal}, then writes the stubs (redacted) and exits 0; they replay with the upstream gone`, async () => {
        const gz = gzipSync(Buffer.from('{"zipped":true}'));
        const upstream = await newUpstream((req, res, body) => {
          if (req.url === '/cli/gzip') {
            res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
            res.end(gz);
            return;
          }
          if (req.url === '/cli/binary') {
            res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
            res.end(allByteValues(1));
            return;
          }
          echoHandler(req, res, body);
        });
        const stubs = folder();
        const dir = path.join(stubs.dir, 'new', 'recorded');
        const rec = await record(['--target', upstream.url, '--stubs', dir, '--redact-query', 'apiKey', '--capture-header', 'X-Tenant', '--redact-json-path', '$.customer.email',
          ...(signal === 'SIGTERM' ? ['--format', 'json'] : [])]);
        const live = await send(`${rec.url}/cli/echo?apiKey=SECRET-QUERY-789`, { headers: { authorization: 'Bearer SECRET-TOKEN-123', 'x-tenant': 'acme' } });
        assert.equal(live.status, 200, live.text);
        assert.ok(live.text.includes('SECRET-TOKEN-123'), 'the client sees the real echo while recording');
        assert.ok((await send(`${rec.url}/cli/gzip`)).body.equals(gz));
        assert.ok((await send(`${rec.url}/cli/binary`)).body.equals(allByteValues(1)));
        const posted = await send(`${rec.url}/cli/echo`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-tenant': 'acme' }, body: '{"customer":{"email":"secret@example.com"}}' });
        assert.equal(posted.status, 200);
        assert.equal(upstream.requests.length, 4);
        rec.child.kill(signal);
        const { code } = await Promise.race([rec.exited, new Promise<never>((_, rej) => setTimeout(() => rej(new Error(`no exit after ${signal}:\n${rec.output()}`)), 5_000))]);
        assert.equal(code, 0, rec.output());
        const files = stubFiles(dir);
        assert.equal(files.length, 4, `${files.join(', ')}\n${rec.output()}`);
        const ext = signal === 'SIGTERM' ? 'json' : 'yaml';
        for (const f of files) assert.match(f, new RegExp(`^(get|post)-cli-[a-z]+-[0-9a-f]{8}\\.${ext}$`));
        for (const f of listFiles(dir)) {
          const text = readFileSync(path.join(dir, f), 'latin1');
          for (const secret of ['SECRET-QUERY-789', 'SECRET-TOKEN-123', 'secret@example.com']) assert.ok(!text.includes(secret), `${f} contains ${secret}`);
        }
        await closeUpstream(upstream);
        const replay = await newDecoy(dir);
        const echo = await send(`${replay.url}/cli/echo?apiKey=OTHER`, { headers: { authorization: 'Bearer OTHER', 'x-tenant': 'acme' } });
        assert.equal(echo.status, 200, echo.text.slice(0, 600));
        assert.equal(JSON.parse(echo.text).url, '/cli/echo?apiKey=<redacted>');
        assert.equal((await send(`${replay.url}/cli/echo?apiKey=OTHER`, { headers: { 'x-tenant': 'other' } })).status, 404, 'the captured X-Tenant is matched');
        const g = await send(`${replay.url}/cli/gzip`);
        assert.equal(one(g.headers, 'content-encoding'), 'gzip');
        assert.ok(g.body.equals(gz));
        assert.ok((await send(`${replay.url}/cli/binary`)).body.equals(allByteValues(1)));
      });
    }

    it('exits non-zero with a message without --target', async () => {
      const p = run(['record', '--port', '0', '--host', '127.0.0.1', '--stubs', folder().dir]);
      const { code } = await p.exited;
      assert.notEqual(code, 0);
      assert.match(p.output(), /--target/);
    });

    it('writes nothing and exits 0 when nothing was recorded', async () => {
      const upstream = await newUpstream();
      const stubs = folder();
      const rec = await record(['--target', upstream.url, '--stubs', stubs.dir]);
      rec.child.kill('SIGINT');
      const { code } = await rec.exited;
      assert.equal(code, 0, rec.output());
      assert.deepEqual(listFiles(stubs.dir), []);
    });
  });
});
