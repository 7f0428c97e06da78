/**
 * Fuzzing with fast-check (fixed seed, bounded runs): random and mutated stub files through the
 * loader, random admin API bodies, and random URLs, headers and bodies against a server with a varied
 * stub set. Nothing may crash the process or answer 500: a stub file gets a clear load error or loads,
 * an admin body a 2xx or a 4xx problem document, a request an answer (a 400 from the parser for what
 * is not HTTP). Each crash found is fixed and pinned by a regression test named after it.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { after, before, describe, it } from 'mocha';
import { DecoyError, isDecoyError } from '../../src/core/errors.js';
import type { Decoy } from '../../src/index.js';
import { parseStubFile } from '../../src/sources/stub-file.js';
import { startDecoy, tempStubs } from '../support/decoy.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(here, '../fixtures/differential');
/** Fixed in `npm test`; set DECOY_FUZZ_SEED and DECOY_FUZZ_SCALE (a run multiplier) to fuzz longer locally. */
const SEED = Number(process.env.DECOY_FUZZ_SEED ?? 9_2026);
const SCALE = Number(process.env.DECOY_FUZZ_SCALE ?? 1);
const runs = (n: number) => ({ seed: SEED, numRuns: Math.round(n * SCALE) });

/** Every stub file of the fixtures and the shipped examples: the seeds that mutations start from. */
function sampleFiles(): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== '__files') walk(abs);
      else if (/\.(json|ya?ml)$/.test(e.name)) out.push({ name: e.name, text: readFileSync(abs, 'utf8') });
    }
  };
  walk(path.join(FIXTURES, 'mappings'));
  walk(path.join(here, '../../stubs'));
  return out;
}

const samples = sampleFiles();

/** A text mutated the way files get broken: cut, spliced, characters inserted, flipped or duplicated. */
const mutated = fc.tuple(
  fc.constantFrom(...samples),
  fc.array(fc.tuple(fc.constantFrom('cut', 'insert', 'flip', 'duplicate', 'truncate'), fc.nat(), fc.nat({ max: 40 }), fc.string({ unit: fc.constantFrom(...'{}[]:,"\'-&*!|>\n #\\ 0a%@`'.split('')), maxLength: 6 })), { minLength: 1, maxLength: 4 }),
).map(([sample, edits]) => {
  let t = sample.text;
  for (const [kind, at, len, s] of edits) {
    const i = t.length === 0 ? 0 : at % t.length;
    if (kind === 'cut') t = t.slice(0, i) + t.slice(i + len);
    else if (kind === 'insert') t = t.slice(0, i) + s + t.slice(i);
    else if (kind === 'flip') t = t.slice(0, i) + (s[0] ?? '') + t.slice(i + 1);
    else if (kind === 'duplicate') t = t.slice(0, i + len) + t.slice(i, i + len) + t.slice(i + len);
    else t = t.slice(0, i);
  }
  return { name: sample.name, text: t };
});

const jsonValue = fc.jsonValue({ maxDepth: 4 });

/** Stub-shaped documents: real keys with random values, so validation and compilation are reached. */
const stubShaped = fc.record({
  request: fc.oneof(jsonValue, fc.record({
    method: fc.oneof(fc.constantFrom('GET', 'POST', 'ANY'), jsonValue),
    url: fc.oneof(fc.string(), jsonValue), urlPattern: fc.string(), urlPathTemplate: fc.string(),
    headers: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(jsonValue, fc.record({ matches: fc.string() }), fc.record({ equalToJson: jsonValue }))),
    queryParameters: fc.dictionary(fc.string({ maxLength: 8 }), jsonValue),
    bodyPatterns: fc.array(fc.dictionary(fc.constantFrom('equalToJson', 'matchesJsonPath', 'equalToXml', 'matchesXPath', 'matches', 'binaryEqualTo', 'matchesJsonSchema', 'and', 'or', 'before', 'ignoreArrayOrder'), jsonValue, { maxKeys: 2 }), { maxLength: 2 }),
  }, { requiredKeys: [] })),
  response: fc.oneof(jsonValue, fc.record({
    status: fc.oneof(fc.integer({ min: -10, max: 1000 }), jsonValue),
    body: fc.string(), jsonBody: jsonValue, base64Body: fc.string(), bodyFileName: fc.string({ maxLength: 20 }),
    headers: fc.dictionary(fc.string({ maxLength: 8 }), jsonValue),
    fixedDelayMilliseconds: fc.oneof(fc.integer({ min: -5, max: 20 }), jsonValue),
    fault: fc.oneof(fc.constantFrom('HANG', 'EMPTY_RESPONSE', 'NOPE'), jsonValue),
    transformers: fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }),
  }, { requiredKeys: [] })),
  priority: fc.oneof(fc.integer(), jsonValue),
  scenarioName: fc.oneof(fc.string(), jsonValue),
  metadata: jsonValue,
}, { requiredKeys: [] });

function load(name: string, text: string) {
  return parseStubFile(text, {
    displayPath: name, idSeed: name, sequenceFor: () => 0,
    readBodyFile: (file, pointer) => { throw new DecoyError('DECOY_ERR_BODY_FILE_NOT_FOUND', `body file ${JSON.stringify(file)} not found`, { source: { pointer } }); },
  });
}

describe('fuzz', function () {
  this.timeout(30_000);

  describe('stub files', () => {
    it('a mutated stub file loads or gets load errors that name the file; it never throws', () => {
      fc.assert(fc.property(mutated, ({ name, text }) => {
        let parsed;
        try {
          parsed = load(name, text);
        } catch (e) {
          assert.fail(`${name} threw ${(e as Error).stack}\n--- text ---\n${text}`);
        }
        for (const e of parsed.errors) {
          assert.ok(isDecoyError(e));
          assert.equal(e.source?.file, name);
          assert.ok(e.format().startsWith(name));
        }
        assert.ok(parsed.errors.length > 0 || parsed.stubs.length >= 0);
      }), runs(300));
    });

    it('random stub-shaped documents, as JSON and as YAML, load or get load errors; never a throw', () => {
      fc.assert(fc.property(fc.oneof(stubShaped, fc.array(stubShaped, { maxLength: 3 }), fc.record({ mappings: fc.oneof(fc.array(stubShaped, { maxLength: 3 }), jsonValue) })), (doc) => {
        const text = JSON.stringify(doc) ?? 'null';
        for (const name of ['fuzz.json', 'fuzz.yaml']) {
          try {
            const parsed = load(name, text);
            for (const e of parsed.errors) assert.ok(isDecoyError(e));
          } catch (e) {
            assert.fail(`${name} threw ${(e as Error).stack}\n--- text ---\n${text}`);
          }
        }
      }), runs(300));
    });
  });

  describe('against a running server', () => {
    let decoy: Decoy;
    // A copy of the fixtures: admin calls (a PUT of a file stub with persistent: true, a snapshot) may write into the folder.
    let copy: string;
    before(async () => {
      copy = mkdtempSync(path.join(tmpdir(), 'decoy-fuzz-'));
      cpSync(FIXTURES, copy, { recursive: true });
      ({ decoy } = await startDecoy({ stubsDir: copy, maxHangMs: 50, maxBodyBytes: 64 * 1024 }));
    });
    after(async () => {
      await decoy.stop();
      rmSync(copy, { recursive: true, force: true });
    });

    const alive = async () => {
      const r = await fetch(`${decoy.url}/__admin/health`);
      assert.equal(r.status, 200, 'the server still answers');
    };

    it('admin API bodies: always a 2xx or a 4xx problem document, never a 500', async () => {
      const routes = ['POST /mappings', 'PUT /mappings/6e1f1a36-6a5b-4d37-9b8c-1f0b1e9a0002', 'POST /mappings/import', 'POST /mappings/find-by-metadata',
        'POST /mappings/remove-by-metadata', 'POST /requests/count', 'POST /requests/find', 'POST /requests/remove', 'POST /requests/remove-by-metadata',
        'POST /near-misses/request', 'POST /near-misses/request-pattern', 'PUT /scenarios/fuzz/state', 'POST /settings', 'POST /recordings/snapshot', 'POST /decoy/chaos'];
      const body = fc.oneof(
        stubShaped.map((d) => JSON.stringify(d)),
        fc.record({ mappings: fc.array(stubShaped, { maxLength: 2 }) }).map((d) => JSON.stringify(d)),
        jsonValue.map((d) => JSON.stringify(d)),
        mutated.map((m) => m.text),
        fc.string({ maxLength: 60 }),
      );
      await fc.assert(fc.asyncProperty(fc.constantFrom(...routes), body, async (route, text) => {
        const [method, p] = route.split(' ') as [string, string];
        const res = await fetch(`${decoy.url}/__admin${p}`, { method, body: text, headers: { 'Content-Type': 'application/json' } });
        const answer = await res.text();
        assert.ok(res.status < 500, `${route} answered ${res.status}: ${answer}\n--- body ---\n${text}`);
        // An unknown id is WireMock's empty 404; every other error is WireMock's errors document.
        if (res.status >= 400 && !(res.status === 404 && answer === '')) assert.match(answer, /"errors"/, `${route} ${res.status} is a problem document`);
      }), runs(250));
      // What the fuzz added is not kept: the next suites see the fixtures only.
      await fetch(`${decoy.url}/__admin/reset`, { method: 'POST' });
      await alive();
    });

    it('random URLs, headers and bodies: never a 500, and the server keeps answering', async () => {
      const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-0123456789'.split('')), minLength: 1, maxLength: 12 });
      const headerValue = fc.string({ unit: fc.constantFrom(...'abc XYZ/=;,"*.:0123456789{}[]'.split('')), maxLength: 30 });
      const request = fc.record({
        method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'FUZZ'),
        path: fc.oneof(fc.webPath(), fc.constantFrom('/greeting', '/orders/1', '/json', '/xml', '/form', '/headers', '/query', '/cart', '/toggle', '/datetime', '/logical', '/java-regex/a')),
        query: fc.webQueryParameters(),
        headers: fc.dictionary(token, headerValue, { maxKeys: 5 }),
        contentType: fc.constantFrom(undefined, 'application/json', 'application/xml', 'application/x-www-form-urlencoded', 'text/plain'),
        encoding: fc.constantFrom(undefined, undefined, 'gzip', 'deflate', 'br'),
        body: fc.oneof(fc.constant(undefined), fc.string({ maxLength: 100 }), jsonValue.map((j) => JSON.stringify(j)), fc.constant('<a><b>1</b></a>'), fc.constant('a=1&b=%zz')),
      });
      await fc.assert(fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = { ...r.headers };
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.encoding && r.body !== undefined) headers['content-encoding'] = r.encoding;
        const url = `${decoy.url}${r.path.startsWith('/') ? '' : '/'}${r.path}${r.query ? `?${r.query}` : ''}`;
        let status: number;
        try {
          const res = await fetch(url, { method: r.method, headers, ...(r.body !== undefined && r.method !== 'GET' ? { body: r.body } : {}) });
          status = res.status;
          await res.arrayBuffer().catch(() => undefined);
        } catch {
          // A fault stub (an empty response, a reset) answers with a broken connection: that is what it is for.
          return;
        }
        assert.ok(status !== 500, `${r.method} ${url} answered 500`);
      }), runs(250));
      await alive();
    });

    describe('regressions', () => {
      const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

      it('regression: a request body of 5,000 nested JSON arrays overflowed the stack in equalToJson, matchesJsonPath and the near-miss report (500)', async () => {
        for (const p of ['/json', '/greeting', '/no-such-stub']) {
          for (const depth of [300, 5000, 200_000]) {
            const r = await fetch(`${decoy.url}${p}`, { method: 'POST', body: nested(depth), headers: { 'Content-Type': 'application/json' } });
            assert.ok(r.status !== 500, `${p} depth ${depth}: ${r.status}`);
            await r.arrayBuffer();
          }
        }
        await alive();
      });

      it('regression: an XML request body of 20,000 nested elements overflowed the stack in the XML matchers (500)', async () => {
        const r = await fetch(`${decoy.url}/xml`, { method: 'POST', body: nested(20_000, '<a>', '</a>'), headers: { 'Content-Type': 'application/xml' } });
        assert.notEqual(r.status, 500);
        await r.arrayBuffer();
      });

      it('regression: an admin body of 5,000 nested arrays was a 500; it is a 422 that says why', async () => {
        const r = await fetch(`${decoy.url}/__admin/mappings`, { method: 'POST', body: `{"request":{"bodyPatterns":[{"equalToJson":${nested(5000)}}]},"response":{"status":200}}` });
        assert.equal(r.status, 422);
        assert.match(await r.text(), /nests arrays and objects more than 256 levels deep/);
      });

      it('regression: a JSON stub file of 100,000 nested arrays threw a RangeError out of the loader; it is a load error', () => {
        for (const name of ['deep.json', 'deep.yaml']) {
          const parsed = load(name, `{"request": {"url": "/x"}, "response": {"status": 200, "jsonBody": ${nested(100_000)}}}`);
          assert.equal(parsed.stubs.length, 0);
          assert.match(parsed.errors[0]!.format(), new RegExp(`^${name} DECOY_ERR_STUB_INVALID the file nests lists and objects more than 256 levels deep`));
        }
      });

      it('regression: a YAML key that is a list or a map made the YAML library print a process warning; it is a load error', async () => {
        const warnings: string[] = [];
        const onWarning = (w: Error) => warnings.push(w.message);
        process.on('warning', onWarning);
        try {
          for (const text of ['request: {url: /x}\nresponse: {status: 200, jsonBody: { {a: 1}: x }}', '? [a, b]\n: 1\n', 'a: &k [1]\nb: { *k : 2 }\n']) {
            const parsed = load('key.yaml', text);
            assert.equal(parsed.stubs.length, 0);
            assert.match(parsed.errors[0]!.format(), /^key\.yaml:\d+:\d+ DECOY_ERR_STUB_SYNTAX a key must be a plain value/, text);
          }
          await new Promise((r) => setImmediate(r));
        } finally {
          process.off('warning', onWarning);
        }
        assert.deepEqual(warnings, []);
      });

      it('any nesting depth, in a body or a stub file: an answer or a load error, never a throw or a 500', async () => {
        await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 30_000 }), fc.constantFrom('[]', '{}', '<>'), async (depth, kind) => {
          const body = kind === '[]' ? nested(depth) : kind === '{}' ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : nested(depth, '<a>', '</a>');
          const r = await fetch(`${decoy.url}/json`, { method: 'POST', body });
          assert.notEqual(r.status, 500, `depth ${depth} ${kind}`);
          await r.arrayBuffer();
          if (kind !== '<>') load('deep.json', `{"request": {"url": "/x", "bodyPatterns": [{"equalToJson": ${body}}]}, "response": {"status": 200}}`);
        }), runs(40));
      });
    });

    it('random bytes as a request on a raw socket: a 400 or an answer, never a crash', async () => {
      const prefix = fc.constantFrom('', 'GET / HTTP/1.1\r\n', 'POST /json HTTP/1.1\r\nContent-Length: 5\r\n', 'GET /greeting HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      const bytes = fc.uint8Array({ maxLength: 200 });
      await fc.assert(fc.asyncProperty(prefix, bytes, async (p, b) => {
        const reply = await new Promise<string>((resolve) => {
          const chunks: Buffer[] = [];
          const socket = net.connect(decoy.port, '127.0.0.1', () => {
            socket.write(Buffer.concat([Buffer.from(p), Buffer.from(b), Buffer.from('\r\n\r\n')]));
          });
          const timer = setTimeout(() => socket.destroy(), 300);
          socket.on('data', (c: Buffer) => chunks.push(c));
          socket.on('error', () => undefined);
          socket.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')); });
        });
        assert.doesNotMatch(reply, /^HTTP\/1\.1 500 /);
      }), runs(120));
      await alive();
    });
  });
  describe('clients that leave at any moment', () => {
    let decoy: Decoy;
    let upstream: http.Server;
    let folder: ReturnType<typeof tempStubs>;
    before(async () => {
      // A slow upstream: half the body, then the rest 30 ms later.
      upstream = http.createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('x'.repeat(5000));
        setTimeout(() => res.end('y'.repeat(5000)), 30);
      });
      await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
      const up = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
      const body = 'z'.repeat(20_000);
      folder = tempStubs({
        'faults.yaml': [
          `- { request: { url: /delay }, response: { status: 200, body: "${body}", fixedDelayMilliseconds: 20 } }`,
          `- { request: { url: /dribble }, response: { status: 200, body: "${body}", chunkedDribbleDelay: { numberOfChunks: 5, totalDuration: 40 } } }`,
          `- { request: { url: /throttle }, response: { status: 200, body: "${body}", bytesPerSecond: 200000 } }`,
          `- { request: { url: /stall }, response: { status: 200, body: "${body}", fault: STALL_BODY } }`,
          '- { request: { url: /hang }, response: { status: 200, fault: HANG } }',
          '- { request: { url: /reset }, response: { fault: CONNECTION_RESET_BY_PEER } }',
          '- { request: { url: /malformed }, response: { fault: MALFORMED_RESPONSE_CHUNK } }',
          `- { request: { urlPathPattern: "/proxy/.*" }, response: { proxyBaseUrl: "${up}" } }`,
          `- { request: { url: /templated }, response: { status: 200, body: "{{request.url}} ${'w'.repeat(1000)}", transformers: [response-template], fixedDelayMilliseconds: 5 } }`,
          '- { request: { url: /ok }, response: { status: 200, body: fine } }',
        ].join('\n'),
      });
      ({ decoy } = await startDecoy({ stubsDir: folder.dir, maxHangMs: 100, maxHungSockets: 5 }));
    });
    after(async () => {
      await decoy.stop();
      upstream.close();
      folder.cleanup();
    });

    it('a client that sends part of a request, or leaves mid-answer, never stops the server', async () => {
      const paths = ['/delay', '/dribble', '/throttle', '/stall', '/hang', '/reset', '/malformed', '/proxy/a', '/templated', '/ok', '/none'];
      const scenario = fc.record({
        path: fc.constantFrom(...paths),
        method: fc.constantFrom('GET', 'POST'),
        // How much of the request is sent before leaving (a fraction of its bytes), and when the client leaves.
        sent: fc.double({ min: 0, max: 1, noNaN: true }),
        leaveAfterMs: fc.integer({ min: 0, max: 60 }),
        how: fc.constantFrom('end', 'destroy', 'reset'),
      });
      await fc.assert(fc.asyncProperty(scenario, async (sc) => {
        const body = sc.method === 'POST' ? '{"a":1}' : '';
        const request = `${sc.method} ${sc.path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
        await new Promise<void>((resolve) => {
          const socket = net.connect(decoy.port, '127.0.0.1', () => {
            socket.write(request.slice(0, Math.ceil(request.length * sc.sent)));
            setTimeout(() => {
              if (sc.how === 'end') socket.end();
              else if (sc.how === 'reset') socket.resetAndDestroy();
              else socket.destroy();
            }, sc.leaveAfterMs);
          });
          socket.on('error', () => undefined);
          socket.on('data', () => undefined);
          socket.on('close', () => resolve());
        });
      }), runs(100));
      await new Promise((r) => setTimeout(r, 150));
      const r = await fetch(`${decoy.url}/ok`);
      assert.equal(r.status, 200);
      assert.equal(await r.text(), 'fine');
      const t = await fetch(`${decoy.url}/templated`);
      assert.equal(t.status, 200);
      assert.match(await t.text(), /^\/templated w/);
    });
  });
});
