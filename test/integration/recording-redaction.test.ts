/**
 * Issue 14: recordings never write a secret (or, with --mask-pii, personal data) to disk by default.
 * The corpus plants over 40 secrets and a handful of personal values in
 * every place a real exchange carries them; it goes through a real upstream by each way Decoy turns
 * traffic into files (`decoy record`, /__admin/recordings start and stop, a snapshot of the journal,
 * `decoy import har`), and then:
 * - every byte written under the output folder, decoded every way it could be (base64 bodies, gzip,
 *   br, deflate), holds none of them, in any of their spellings (URL-encoded, JSON-escaped, base64);
 * - a fresh Decoy on that folder, with the upstream stopped, answers every recorded request.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Decoy, DecoyOptions } from '../../src/index.js';
import { startDecoy, tempStubs } from '../support/decoy.js';
import { cliUrl, killCliRuns, runCli } from '../support/cli.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { admin, WireClients } from '../support/wire.js';
import { corpusRequests, corpusUpstream, decodings, P, PERSONAL, S, SECRETS, spellings, type CorpusRequest, type Needle } from '../fixtures/secret-corpus/corpus.js';

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out.push(abs);
    }
  };
  walk(dir);
  return out;
}

/** Every text a file could reveal: its bytes decoded every way, and each string value (base64 bodies decoded) of a stub in it. */
function revealed(file: string): string[] {
  const bytes = readFileSync(file);
  const texts: string[] = [];
  for (const b of decodings(bytes)) texts.push(b.toString('latin1'), b.toString('utf8'));
  let parsed: unknown;
  try {
    parsed = file.endsWith('.json') ? JSON.parse(bytes.toString('utf8')) : /\.ya?ml$/.test(file) ? parseYaml(bytes.toString('utf8')) : undefined;
  } catch { /* not a stub file */ }
  const visit = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      texts.push(v);
      if (key === 'base64Body') for (const b of decodings(Buffer.from(v, 'base64'))) texts.push(b.toString('latin1'), b.toString('utf8'));
    } else if (Array.isArray(v)) v.forEach((x) => visit(x));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, k);
  };
  visit(parsed);
  return texts;
}

/** Where each needle (in any spelling) shows up under `dir`. */
function leaks(dir: string, needles: Needle[]): string[] {
  const found: string[] = [];
  for (const file of listFiles(dir)) {
    const texts = revealed(file);
    for (const n of needles) {
      const spelling = spellings(n.value).find((s) => texts.some((t) => t.includes(s)));
      if (spelling !== undefined) found.push(`${path.relative(dir, file)}: ${n.where} (${JSON.stringify(spelling)})`);
    }
  }
  return found;
}

describe('recordings never write a secret to disk (issue 14)', function () {
  this.timeout(30_000);
  let clients: WireClients;
  let upstream: Upstream | undefined;
  const decoys: Decoy[] = [];
  const cleanups: Array<() => void> = [];

  beforeEach(async () => {
    clients = new WireClients();
    upstream = await startUpstream(corpusUpstream);
  });
  afterEach(async () => {
    killCliRuns();
    await clients.close();
    await Promise.all(decoys.splice(0).map((d) => d.stop()));
    await upstream?.close();
    upstream = undefined;
    for (const c of cleanups.splice(0)) c();
  });

  function folder(): string {
    const t = tempStubs();
    cleanups.push(t.cleanup);
    return t.dir;
  }

  async function newDecoy(options: DecoyOptions): Promise<Decoy> {
    const { decoy } = await startDecoy({ shutdownGraceMs: 200, ...options });
    decoys.push(decoy);
    return decoy;
  }

  /** Sends the corpus; returns each request's status. Every answer must be the upstream's. */
  async function sendCorpus(base: string, requests = corpusRequests()): Promise<number[]> {
    const statuses: number[] = [];
    for (const r of requests) {
      const res = await clients.send(`${base}${r.path}`, { method: r.method, headers: r.headers, ...(r.body ? { body: r.body } : {}) });
      statuses.push(res.status);
    }
    return statuses;
  }

  /** Stops the upstream, serves `dir` with a fresh Decoy, and checks every request is answered as recorded. */
  async function replay(dir: string, requests = corpusRequests()): Promise<void> {
    await upstream!.close();
    upstream = undefined;
    const decoy = await newDecoy({ stubsDir: dir, watch: false });
    const misses: string[] = [];
    for (const r of requests) {
      const res = await clients.send(`${decoy.url}${r.path}`, { method: r.method, headers: r.headers, ...(r.body ? { body: r.body } : {}) });
      if (res.status !== 200) misses.push(`${r.method} ${r.path}: ${res.status} ${res.text.slice(0, 300)}`);
    }
    assert.deepEqual(misses, [], 'every recorded request is answered on replay');
  }

  it('the corpus plants at least 40 secrets and personal values, all different', () => {
    const all = [...SECRETS, ...PERSONAL].map((n) => n.value);
    assert.ok(SECRETS.length >= 40, `${SECRETS.length} secrets`);
    assert.equal(new Set(all).size, all.length);
  });

  it('decoy record (CLI) with default settings writes none of the secrets, and the recording replays with the upstream stopped', async () => {
    const dir = folder();
    const cli = runCli(['record', '--target', upstream!.url, '--stubs', dir, '--port', '0', '--host', '127.0.0.1',
      '--capture-header', 'Authorization', '--capture-header', 'X-Api-Key', '--capture-header', 'Cookie', '--capture-header', 'X-Deploy-Note']);
    const url = await cliUrl(cli, /Recording: (http:\/\/127\.0\.0\.1:\d+)/);
    const statuses = await sendCorpus(url);
    assert.deepEqual(statuses, corpusRequests().map(() => 200));
    assert.equal(upstream!.requests.length, corpusRequests().length);
    cli.child.kill('SIGINT');
    assert.equal(await cli.exited, 0, cli.output());
    assert.match(cli.output(), /redacted \d+ values in \d+ exchanges: .*headers.*JSON members.*repeated occurrences/, cli.output());
    assert.deepEqual(leaks(dir, SECRETS), []);
    // The output of the CLI holds none either.
    assert.deepEqual(SECRETS.filter((n) => cli.output().includes(n.value)).map((n) => n.where), []);
    await replay(dir);
  });

  it('decoy record --mask-pii writes none of the personal values either: same-shape fakes, the same fake for the same value', async () => {
    const dir = folder();
    const cli = runCli(['record', '--target', upstream!.url, '--stubs', dir, '--port', '0', '--host', '127.0.0.1', '--mask-pii', '--format', 'json']);
    const url = await cliUrl(cli, /Recording: (http:\/\/127\.0\.0\.1:\d+)/);
    await sendCorpus(url);
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited, 0, cli.output());
    assert.match(cli.output(), /e-mail address/);
    assert.deepEqual(leaks(dir, [...SECRETS, ...PERSONAL]), []);
    // The e-mail of the login body, the login answer and the URL path gets one fake, of an e-mail's shape.
    const all = listFiles(dir).map((f) => readFileSync(f, 'utf8')).join('\n');
    const fakes = new Set(all.match(/user\.[a-z0-9]+@example\.com/g) ?? []);
    assert.equal(fakes.size, 1, [...fakes].join(', '));
    await replay(dir);
  });

  it('/__admin/recordings start and stop: the answer reports the redaction and holds no secret; nothing leaks to disk; replay works', async () => {
    const dir = folder();
    const decoy = await newDecoy({ stubsDir: dir, watch: true });
    const start = await admin(decoy.url, 'POST', '/recordings/start', {
      targetBaseUrl: upstream!.url, captureHeaders: { Authorization: {}, 'X-Api-Key': {}, Cookie: {} }, extractBodyCriteria: { textSizeThreshold: '8 Kb' },
    });
    assert.equal(start.status, 200, start.text);
    await sendCorpus(decoy.url);
    const stop = await admin(decoy.url, 'POST', '/recordings/stop');
    assert.equal(stop.status, 200, stop.text);
    assert.ok(Array.isArray(stop.json.mappings) && stop.json.mappings.length === corpusRequests().length, stop.text.slice(0, 500));
    assert.match(stop.json.redaction?.summary ?? '', /^redacted \d+ values in \d+ exchanges: /);
    assert.ok(stop.json.redaction.counts.header >= 4 && stop.json.redaction.counts['JSON member'] >= 5, JSON.stringify(stop.json.redaction));
    assert.deepEqual(SECRETS.filter((n) => spellings(n.value).some((s) => stop.text.includes(s))).map((n) => n.where), []);
    assert.ok(listFiles(dir).some((f) => f.includes('__files')), 'the big answer went to a body file');
    assert.deepEqual(leaks(dir, SECRETS), []);
    await decoy.stop();
    decoys.splice(decoys.indexOf(decoy), 1);
    await replay(dir);
  });

  it('recording without persist, then saving (POST /__admin/mappings/save), writes no secret either', async () => {
    const dir = folder();
    const decoy = await newDecoy({ stubsDir: dir, watch: true });
    await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream!.url, persist: false, redact: { maskPii: true } });
    await sendCorpus(decoy.url);
    const stop = await admin(decoy.url, 'POST', '/recordings/stop');
    assert.equal(stop.status, 200, stop.text);
    assert.ok((stop.json.redaction.counts['e-mail address'] ?? 0) >= 1, stop.json.redaction.summary);
    assert.deepEqual(listFiles(dir), []);
    // In memory, and through the admin API, they are redacted already.
    const mappings = await admin(decoy.url, 'GET', '/mappings');
    assert.deepEqual([...SECRETS, ...PERSONAL].filter((n) => mappings.text.includes(n.value)).map((n) => n.where), []);
    const saved = await admin(decoy.url, 'POST', '/mappings/save');
    assert.equal(saved.status, 200, saved.text);
    assert.ok(listFiles(dir).length > 0);
    assert.deepEqual(leaks(dir, [...SECRETS, ...PERSONAL]), []);
  });

  it('a snapshot of proxied traffic (/__admin/recordings/snapshot) writes no secret; it replays', async () => {
    const dir = folder();
    const decoy = await newDecoy({ stubsDir: dir, watch: true, proxyAll: upstream!.url });
    await sendCorpus(decoy.url);
    const snap = await admin(decoy.url, 'POST', '/recordings/snapshot', {});
    assert.equal(snap.status, 200, snap.text);
    assert.match(snap.json.redaction?.summary ?? '', /^redacted \d+ values/);
    assert.deepEqual(leaks(dir, SECRETS), []);
    await decoy.stop();
    decoys.splice(decoys.indexOf(decoy), 1);
    // The journal keeps 64 KiB of a proxied body, so the big answer is left out of a snapshot (not cut short).
    await replay(dir, corpusRequests().filter((r) => r.path !== '/api/big'));
  });

  it('decoy import har: a HAR of the corpus (cookies, tokens and all) gives stubs with none of the secrets, which replay', async () => {
    const entries = [];
    for (const r of corpusRequests()) {
      const res = await clients.send(`${upstream!.url}${r.path}`, { method: r.method, headers: r.headers, ...(r.body ? { body: r.body } : {}) });
      const coding = String(res.headers['content-encoding'] ?? '');
      const body = decodings(res.body)[coding ? 1 : 0] ?? res.body;
      const binary = !/json|text|xml/.test(String(res.headers['content-type']));
      const requestText = r.body ? (r.headers['content-encoding'] === 'gzip' ? decodings(r.body)[1]! : r.body).toString('utf8') : undefined;
      entries.push({
        _resourceType: 'fetch',
        request: {
          method: r.method, url: `${upstream!.url}${r.path}`, httpVersion: 'HTTP/1.1',
          headers: Object.entries(r.headers).map(([name, value]) => ({ name, value })),
          ...(requestText !== undefined ? { postData: { mimeType: r.headers['content-type'] ?? '', text: requestText } } : {}),
        },
        response: {
          status: res.status, headers: Object.entries(res.headers).flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ name, value: String(value) }))),
          content: { mimeType: String(res.headers['content-type'] ?? ''), ...(binary ? { text: body.toString('base64'), encoding: 'base64' } : { text: body.toString('utf8') }) },
        },
      });
    }
    const har = path.join(folder(), 'session.har');
    writeFileSync(har, JSON.stringify({ log: { version: '1.2', creator: { name: 'corpus', version: '1' }, entries } }));
    const out = folder();
    const cli = runCli(['import', 'har', har, '--out', out]);
    assert.equal(await cli.exited, 0, cli.output());
    assert.match(cli.output(), /redacted \d+ values in \d+ exchanges/);
    assert.deepEqual(leaks(out, SECRETS), []);
    await replay(out);
  });

  it('decoy import har --mask-pii masks the personal values too', async () => {
    const har = path.join(folder(), 'pii.har');
    writeFileSync(har, JSON.stringify({ log: { entries: [{
      request: { method: 'GET', url: `http://api.test/api/users/${P.email}`, headers: [{ name: 'Cookie', value: `session=${S.sessionCookie}` }] },
      response: { status: 200, headers: [{ name: 'Content-Type', value: 'application/json' }], content: { mimeType: 'application/json', text: JSON.stringify({ email: P.email, card: P.card, iban: P.iban }) } },
    }] } }));
    const out = folder();
    const cli = runCli(['import', 'har', har, '--out', out, '--mask-pii']);
    assert.equal(await cli.exited, 0, cli.output());
    assert.deepEqual(leaks(out, [...SECRETS, ...PERSONAL]), []);
  });

  it('decoy import refuses redaction flags for files that are not recorded traffic (OpenAPI, Pact), saying why', async () => {
    const cli = runCli(['import', 'pact', path.join(folder(), 'orders.pact.json'), '--out', folder(), '--mask-pii']);
    assert.notEqual(await cli.exited, 0);
    assert.match(cli.output(), /--mask-pii applies to HAR files \(recorded traffic\); pact files are written by hand/);
  });

  it('only an explicit --no-default-redaction turns the defaults off (then only what is named is masked)', async () => {
    const dir = folder();
    const decoy = await newDecoy({ stubsDir: dir, watch: true });
    await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream!.url, redact: { defaults: false, names: ['password'] } });
    await sendCorpus(decoy.url, corpusRequests().slice(0, 1));
    const stop = await admin(decoy.url, 'POST', '/recordings/stop');
    assert.equal(stop.status, 200, stop.text);
    const found = leaks(dir, SECRETS).join('\n');
    assert.ok(!found.includes('password of the JSON login body'), found);
    assert.ok(found.includes('access_token of the login answer'), found);
  });

  it('the warning for an answer too large to record does not log the secrets of its URL', async () => {
    const { decoy, log } = await startDecoy({ shutdownGraceMs: 200, maxBodyBytes: 1024, stubsDir: folder(), watch: true });
    decoys.push(decoy);
    await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream!.url });
    const res = await clients.send(`${decoy.url}/api/big?access_token=${S.queryAccessToken}&hook=${S.slack}`);
    assert.equal(res.status, 200);
    await admin(decoy.url, 'POST', '/recordings/stop');
    assert.match(log.text(), /GET \/api\/big\?access_token=%3Credacted%3E&hook=%3Credacted%3E: not recorded/);
    assert.ok(!log.text().includes(S.queryAccessToken) && !log.text().includes(S.slack), log.text());
  });

  it('a recorded XML answer stays well-formed (the mask XML-escaped) and a recorded JSON answer keeps every byte but the masked value; both replay', async () => {
    await upstream!.close();
    const xml = '<?xml version="1.0"?><Login><User>ada</User><Password>xml-Only-Pass-3141</Password><Session token="xml-Only-Token-2718" lang="en"/></Login>';
    const json = '{ "id": 12345678901234567890, "price": 1.10, "huge": 1e999, "password": "json-Only-Pass-1618" }';
    upstream = await startUpstream((req, res) => {
      if (req.url === '/xml') { res.writeHead(200, { 'Content-Type': 'application/xml' }); return res.end(xml); }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(json);
    });
    const dir = folder();
    const decoy = await newDecoy({ stubsDir: dir, watch: false });
    assert.equal((await admin(decoy.url, 'POST', '/recordings/start', { targetBaseUrl: upstream.url })).status, 200);
    await clients.send(`${decoy.url}/xml`);
    await clients.send(`${decoy.url}/json`);
    assert.equal((await admin(decoy.url, 'POST', '/recordings/stop')).status, 200);
    await decoy.stop();
    decoys.splice(decoys.indexOf(decoy), 1);
    await upstream.close();
    upstream = undefined;
    const replayed = await newDecoy({ stubsDir: dir, watch: false });
    const xmlAnswer = await clients.send(`${replayed.url}/xml`);
    assert.equal(xmlAnswer.status, 200);
    assert.equal(xmlAnswer.text, '<?xml version="1.0"?><Login><User>ada</User><Password>&lt;redacted&gt;</Password><Session token="&lt;redacted&gt;" lang="en"/></Login>');
    const jsonAnswer = await clients.send(`${replayed.url}/json`);
    assert.equal(jsonAnswer.status, 200);
    assert.equal(jsonAnswer.text, '{ "id": 12345678901234567890, "price": 1.10, "huge": 1e999, "password": "<redacted>" }');
  });

  describe('the journal', () => {
    it('stays raw by default, as WireMock\'s does', async () => {
      const decoy = await newDecoy({ proxyAll: upstream!.url });
      await sendCorpus(decoy.url, corpusRequests().slice(0, 2));
      const journal = await admin(decoy.url, 'GET', '/requests');
      assert.ok(journal.text.includes(S.loginPassword) && journal.text.includes(S.apiKeyHeader), 'the journal shows requests as sent');
    });

    it('decoy --redact-journal: the journal and the --verbose log show the requests with their secrets masked', async () => {
      const cli = runCli(['--port', '0', '--host', '127.0.0.1', '--stubs', folder(), '--proxy-all', upstream!.url, '--redact-journal', '--verbose', '--no-watch']);
      const url = await cliUrl(cli);
      await sendCorpus(url, corpusRequests().slice(0, 2));
      const journal = await admin(url, 'GET', '/requests');
      assert.equal(journal.json.requests.length, 2, journal.text.slice(0, 300));
      const leaked = SECRETS.filter((n) => spellings(n.value).some((sp) => journal.text.includes(sp) || cli.output().includes(sp)));
      assert.deepEqual(leaked.map((n) => n.where), []);
      assert.match(cli.output(), /GET \/api\/profile\?apiKey=%3Credacted%3E&access_token=%3Credacted%3E&page=2 → 200/);
    });

    it('with redactJournal, the journal, each request, the UI\'s log and the request log hold no secret; a snapshot of it still replays', async () => {
      const dir = folder();
      const { decoy, log } = await startDecoy({ shutdownGraceMs: 200, proxyAll: upstream!.url, redactJournal: true, verbose: true, stubsDir: dir, watch: true });
      decoys.push(decoy);
      await sendCorpus(decoy.url);
      const journal = await admin(decoy.url, 'GET', '/requests');
      assert.equal(journal.status, 200);
      assert.equal(journal.json.requests.length, corpusRequests().length);
      const shown = [journal.text, log.text(), (await admin(decoy.url, 'GET', '/decoy/log')).text];
      for (const r of journal.json.requests) shown.push((await admin(decoy.url, 'GET', `/requests/${r.id}`)).text);
      const leaked = SECRETS.filter((n) => shown.some((t) => spellings(n.value).some((sp) => t.includes(sp))));
      assert.deepEqual(leaked.map((n) => n.where), []);
      assert.ok(journal.text.includes('<redacted>'));
      // Masked request values in the journal become "any value" matchers, so the snapshot replays the real requests.
      const snap = await admin(decoy.url, 'POST', '/recordings/snapshot', {});
      assert.equal(snap.status, 200, snap.text);
      assert.deepEqual(leaks(dir, SECRETS), []);
      await decoy.stop();
      decoys.splice(decoys.indexOf(decoy), 1);
      await replay(dir, corpusRequests().filter((r) => r.path !== '/api/big'));
    });
  });
});
