/**
 * Differential test through WireMock's own Java client: a Java program (compiled with `javac` against the
 * standalone jar of the `wiremock` package) calls every public method of `com.github.tomakehurst.wiremock.client.WireMock`
 * that talks to a server, step by step, once against the real WireMock 3.13.2 and once against Decoy. Each step's
 * outcome (what the client returned, or the exception it threw; what a plain HTTP client saw for the stubs'
 * traffic) must be the same on both. One `it` per step, named after the step.
 *
 * Both servers get the same root folder content (a few `__files`), and the same upstream (a node:http server whose
 * answers depend only on the request path) for proxying and recording.
 *
 * Normalised on both sides before comparing (these differ between any two runs of the same server):
 * - UUIDs the servers generate become `<uuid>` (WireMock's are random, Decoy's recorded stubs get name-based ones);
 *   the ids the steps choose (`00000000-0000-0000-0000-0000000000nn`) stay;
 * - the server's own address `127.0.0.1:<port>` becomes `<server>`, a `port` field equal to it `<port>`;
 * - `loggedDate` (epoch ms) and `loggedDateString`, ISO timestamps with fractions of a second and 13-digit epoch
 *   milliseconds inside messages, `Date` headers in logged responses, `timing` values: clocks;
 * - `matchResult.distance` of near misses: WireMock's own weighting of the differences (a float from its internal
 *   weights); which stubs or requests are near misses, and in what order, is compared;
 * - `timeOffsetNanos` of serve events' `subEvents`: when, after the request arrived, each server noted the sub-event.
 * Two deliberate differences, which the admin API reference lists ("Where Decoy differs from WireMock, on purpose"), are taken out:
 * - the text of the not-matched report (in a 404's body and in a REQUEST_NOT_MATCHED sub-event) is compared by its
 *   title (or, with no stubs, WireMock's one sentence) only: Decoy's table says each matcher in words, names the
 *   stub's file and suggests a stub;
 * - serve events' `decoy.*` sub-events (faults, status messages, proxying) exist only on Decoy.
 * Nothing else: status codes, headers, bodies, exception classes and messages are compared as they are. (The Java
 * program leaves out of the stub traffic it reports only the headers that frame a message on its connection, and
 * reports Content-Type by meaning; it says why.)
 *
 * To read both runs side by side, set DECOY_JAVA_CLIENT_DUMP to a folder: each run's lines are written there as
 * they came (wiremock.raw.jsonl, decoy.raw.jsonl) and as compared (wiremock.jsonl, decoy.jsonl).
 *
 * Run it alone:
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 60000 --exit test/integration/java-client-differential.test.ts
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDecoy, type Decoy } from '../../src/index.js';
import { compileJavaClient, javaClientStepNames, runJavaClient, type JavaClientRun, type StepOutcome } from '../support/java-client.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { startWireMock, type WireMockProcess } from '../support/wiremock.js';

/** The root folder both servers start from (mappings/ stays empty; the steps write and remove files there). */
function makeRoot(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `java-client-differential-${label}-`));
  mkdirSync(path.join(dir, 'mappings'));
  mkdirSync(path.join(dir, '__files', 'sub'), { recursive: true });
  writeFileSync(path.join(dir, '__files', 'hello.txt'), 'Hello from a file\n');
  writeFileSync(path.join(dir, '__files', 'data.json'), '{"from":"file","n":[1,2]}');
  writeFileSync(path.join(dir, '__files', 'sub', 'nested.txt'), 'nested');
  writeFileSync(path.join(dir, '__files', 'tpl.txt'), 'Hi {{request.query.name}}');
  return dir;
}

/**
 * The upstream for proxying and recording: `/echo...` answers what it received (only the parts that do not depend
 * on which server forwarded it); any other path a fixed answer. No Date header, so recordings are the same.
 */
function upstreamHandler(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
  res.sendDate = false;
  const url = req.url ?? '';
  if (url.startsWith('/echo') || url.startsWith('/api/echo')) {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Upstream': 'echo' });
    res.end(JSON.stringify({ method: req.method, url, body: body.toString('utf8'), xAdded: req.headers['x-added'] ?? null, xRemoved: req.headers['x-removed'] ?? null }));
  } else if (url === '/rec/a') {
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-Rec': 'a' });
    res.end('{"name":"a"}');
  } else if (url === '/rec/b') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('bee');
  } else if (url === '/rec/json') {
    res.writeHead(201, { 'Content-Type': 'application/json' });
    res.end('{"created":true}');
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('no such thing upstream');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Normalisation (see the header comment for why each rule exists).
// ---------------------------------------------------------------------------------------------------------------

/** Any UUID but the ones the steps choose (`00000000-0000-0000-0000-0000000000nn`). */
const GENERATED_UUID = /(?!00000000-0000-0000-0000-)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ISO_WITH_FRACTION = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+(Z|[+-]\d{2}:?\d{2})?/g;
const EPOCH_MS = /\b1\d{12}\b/g;
const CLOCK_KEYS = new Set(['loggedDate', 'loggedDateString', 'timeOffsetNanos']);

/** The title every not-matched report starts with (WireMock's and Decoy's alike); what follows is compared by it only. */
const NOT_MATCHED_TITLE = /^(\s*Request was not matched\s*\n\s*=+\s*\n|No response could be served as there are no stub mappings in this WireMock instance\.)[\s\S]*$/;

function normalize(doc: unknown, port: number): unknown {
  const str = (s: string): string =>
    s.replace(NOT_MATCHED_TITLE, '$1<the report>').split(`127.0.0.1:${port}`).join('<server>').split(`localhost:${port}`).join('<server>')
      .replace(GENERATED_UUID, '<uuid>').replace(ISO_WITH_FRACTION, '<timestamp>').replace(EPOCH_MS, '<epoch-ms>');
  const walk = (v: unknown, parentKey: string | undefined): unknown => {
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) {
      const items = parentKey === 'subEvents' ? v.filter((e) => !String((e as { type?: unknown })?.type ?? '').startsWith('decoy.')) : v;
      return items.map((item) => walk(item, parentKey));
    }
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      const value = (v as Record<string, unknown>)[key];
      if (CLOCK_KEYS.has(key) && value !== null) out[key] = `<clock ${typeof value}>`;
      else if (key === 'timing' && value !== null && typeof value === 'object') {
        out[key] = Object.fromEntries(Object.entries(value).map(([k, t]) => [k, typeof t === 'number' ? '<ms>' : t]));
      } else if (key === 'port' && value === port) out[key] = '<port>';
      else if (key === 'distance' && parentKey === 'matchResult' && typeof value === 'number') out[key] = '<distance>';
      else if (parentKey === 'headers' && key.toLowerCase() === 'date') out[key] = '<date>';
      else out[key] = walk(value, key);
    }
    return out;
  };
  return walk(doc, undefined);
}

function shown(outcome: StepOutcome | undefined): string {
  if (outcome === undefined) return '(no outcome: the program never reached this step)';
  const text = JSON.stringify(outcome.ok ? { ok: outcome.value } : { threw: outcome.error }, null, 2);
  return text.length > 20_000 ? `${text.slice(0, 20_000)}\n... (${text.length - 20_000} more characters)` : text;
}

// ---------------------------------------------------------------------------------------------------------------
// The suite.
// ---------------------------------------------------------------------------------------------------------------

const stepNames = javaClientStepNames();

describe('WireMock Java client differential: every client call answers alike on WireMock 3.13.2 and Decoy', function () {
  this.timeout(30_000);

  let wireMock: WireMockProcess | undefined;
  let decoy: Decoy | undefined;
  let upstream: Upstream | undefined;
  const roots: string[] = [];
  let wmRun: JavaClientRun;
  let dcRun: JavaClientRun;
  let wmPort = 0;
  let dcPort = 0;

  before(async function () {
    this.timeout(240_000);
    const classPath = compileJavaClient();
    const wmRoot = makeRoot('wiremock');
    const dcRoot = makeRoot('decoy');
    roots.push(wmRoot, dcRoot);
    upstream = await startUpstream(upstreamHandler);
    const [started] = await Promise.all([
      startWireMock(wmRoot),
      (async () => {
        decoy = createDecoy({ port: 0, host: '127.0.0.1', watch: false, stubsDir: dcRoot });
        await decoy.start();
      })(),
    ]);
    wireMock = started;
    wmPort = wireMock.port;
    dcPort = decoy!.port;
    // One JVM per server, both at once: the steps of one run never touch the other server.
    [wmRun, dcRun] = await Promise.all([
      runJavaClient(classPath, '127.0.0.1', wmPort, wmRoot, upstream.url),
      runJavaClient(classPath, '127.0.0.1', dcPort, dcRoot, upstream.url),
    ]);
    const dump = process.env.DECOY_JAVA_CLIENT_DUMP;
    if (dump) {
      mkdirSync(dump, { recursive: true });
      for (const [name, run, port] of [['wiremock', wmRun, wmPort], ['decoy', dcRun, dcPort]] as const) {
        const outcomes = [...run.outcomes.values()];
        writeFileSync(path.join(dump, `${name}.raw.jsonl`), outcomes.map((o) => JSON.stringify(o)).join('\n') + '\n');
        writeFileSync(path.join(dump, `${name}.jsonl`), outcomes.map((o) => JSON.stringify(normalize(o, port))).join('\n') + '\n');
      }
    }
  });

  after(async () => {
    await Promise.all([wireMock?.stop(), decoy?.stop(), upstream?.close()]);
    for (const dir of roots) rmSync(dir, { recursive: true, force: true });
  });

  it('the program ran every step on both servers, and only the steps it lists', () => {
    for (const [side, run] of [['WireMock', wmRun], ['Decoy', dcRun]] as const) {
      const missing = stepNames.filter((name) => !run.outcomes.has(name));
      const extra = [...run.outcomes.keys()].filter((name) => !stepNames.includes(name));
      assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `against ${side}:\n${run.problems}`);
    }
  });

  for (const name of stepNames) {
    it(name, () => {
      const wmOutcome = wmRun.outcomes.get(name);
      const dcOutcome = dcRun.outcomes.get(name);
      assert.ok(wmOutcome, `no outcome from the run against WireMock:\n${wmRun.problems}`);
      assert.ok(dcOutcome, `no outcome from the run against Decoy:\n${dcRun.problems}`);
      const expected = normalize(wmOutcome.ok ? { ok: wmOutcome.value } : { threw: wmOutcome.error }, wmPort);
      const actual = normalize(dcOutcome.ok ? { ok: dcOutcome.value } : { threw: dcOutcome.error }, dcPort);
      assert.deepStrictEqual(actual, expected,
        `the client saw something else from Decoy (actual) than from WireMock (expected)\n--- WireMock ---\n${shown(wmOutcome)}\n--- Decoy ---\n${shown(dcOutcome)}`);
    });
  }
});
