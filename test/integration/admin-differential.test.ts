/**
 * Differential test of the ADMIN API: the same sequence of `/__admin` calls (with stub traffic in between, so the
 * journal has content) is sent to the real WireMock 3.13.2 (the jar from the `wiremock` package, one JVM for the
 * whole run) and to Decoy, and every answer is compared.
 *
 * Each server serves its own temporary copy of `test/fixtures/admin-differential/` (two file stubs), because
 * `POST /__admin/mappings/save` writes into the root folder and WireMock's `DELETE /__admin/mappings` deletes mapping
 * files. Before every test both copies get their `mappings/` back as in the fixture, and both servers get
 * `POST /__admin/reset`.
 *
 * What is compared, for every admin call:
 * - the status code;
 * - the media type of the answer (Content-Type without its parameters: WireMock sends `application/json`, Decoy
 *   `application/json; charset=utf-8`, and the charset is UTF-8 either way);
 * - the body: when both are JSON, the documents after the normalisation below, recursively: the same keys, the same
 *   value types and the same values, lists in the same order. Otherwise the raw text.
 *
 * Normalised (replaced by a placeholder on both sides, or dropped), and why:
 * - generated ids: version-4 UUIDs (WireMock and Decoy both generate random v4 ids) become `<uuid>`. Ids the tests
 *   choose are never v4 (`0000000a-0000-0000-0000-000000000001`…) and are compared as they are.
 * - timestamps: `loggedDate` (epoch ms) and `loggedDateString` (ISO 8601) record when each server saw the request;
 *   only their type and format are checked.
 * - the Host/port: each server listens on its own port, so `127.0.0.1:<port>` inside any string (absoluteUrl, the
 *   Host header) becomes `<server>` and a `port` field equal to the server's own port becomes `<port>`.
 * - the `User-Agent` request header: whatever the client library says; it is not the server's answer.
 * - `timing` values: durations measured by each server; the keys and the number type are checked.
 * - `subEvents` (the diagnostic event log on serve events and match results): only the types are compared (the
 *   data are each server's own words, such as the near-miss report), and Decoy's documented additions (`decoy.*`)
 *   are left out. `insertionIndex` (WireMock's internal ordering counter) and `matchResult.diffDescriptions`
 *   (WireMock's diagnostic list) are dropped on both sides.
 * - `matchResult.distance`: WireMock's own weighting of the differences (a float that depends on its internal
 *   weights); only its type is checked. Which stubs/requests are listed as near misses, and in what order, is
 *   compared.
 * - error wording: `errors[].detail` (free text: Jackson's message in WireMock, Decoy's own explanation) is not
 *   compared. The error's `code`, `title` and `source.pointer` are, and so is everything else in an error answer
 *   (a member that only one server sends, such as an RFC 9457 `type` or `status` at the top level, is a difference).
 * - health and version: `version` is each product's own version number, `message` names the product,
 *   `uptimeInSeconds` and `timestamp` are clocks; only their types are checked (see the test).
 *
 * WireMock bugs that the tests step around (they answer 500 with a Jetty HTML page, so there is nothing to compare):
 * `importOptions` without `deleteAllNotInImport` (NullPointerException), `GET /__admin/mappings?offset=` beyond the
 * end (IndexOutOfBounds), `?limit=abc` / `?limit=-1`. Not sent either: the paths Decoy keeps for older clients that
 * WireMock 3.13 no longer serves (`POST /__admin/requests/reset`, `POST /__admin/scenarios/{name}/state`).
 *
 * Not normalised: the letter case of header names in logged requests, Content-Length headers in logged responses,
 * list order. To keep messages readable, lists of stubs / serve events / near misses are paired up by chosen id or by
 * request method and URL (a different order is reported once, as such), and keys that differ only in case are
 * reported once per object, with their values still compared.
 *
 * A test sends all its steps even after a difference and fails at the end, listing every step that differed with
 * the request, the differences found, and both raw answers.
 *
 * Run it alone (the JVM starts once, in about two seconds):
 *   npx mocha --no-config --node-option import=tsx --extension ts --timeout 30000 --exit test/integration/admin-differential.test.ts
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDecoy, type Decoy } from '../../src/index.js';
import { startWireMock, type WireMockProcess } from '../support/wiremock.js';

const fixtureRoot = fileURLToPath(new URL('../fixtures/admin-differential/', import.meta.url));
const fixtureMappingFiles = new Set(readdirSync(path.join(fixtureRoot, 'mappings')));

// ---------------------------------------------------------------------------------------------------------------
// The two servers.
// ---------------------------------------------------------------------------------------------------------------

type SideName = 'WireMock' | 'Decoy';

interface Side {
  name: SideName;
  /** Base URL without a trailing slash; stubs and `/__admin` are both served there. */
  url: string;
  port: number;
  /** The server's root folder (a temporary copy of the fixture). */
  root: string;
}

let wireMock: WireMockProcess | undefined;
let decoy: Decoy | undefined;
let wm: Side;
let dc: Side;
const tempDirs: string[] = [];

function copyFixture(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `admin-differential-${label}-`));
  tempDirs.push(dir);
  cpSync(fixtureRoot, dir, { recursive: true });
  return dir;
}

/**
 * Puts the root folder's `mappings/` back as in the fixture: removes what `POST /__admin/mappings/save` wrote and
 * restores what WireMock deleted (its `DELETE /__admin/mappings` deletes the mapping files from disk too).
 */
function restoreMappingFiles(side: Side): void {
  const dir = path.join(side.root, 'mappings');
  for (const name of readdirSync(dir)) {
    if (!fixtureMappingFiles.has(name)) rmSync(path.join(dir, name), { recursive: true, force: true });
  }
  cpSync(path.join(fixtureRoot, 'mappings'), dir, { recursive: true });
}

// ---------------------------------------------------------------------------------------------------------------
// Sending calls and reading answers.
// ---------------------------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  /** Media type without parameters, lower case; '' when the answer has no Content-Type. */
  mediaType: string;
  /** The raw Content-Type header, for messages. */
  contentType: string;
  text: string;
  /** The parsed body, when it is JSON. */
  json?: unknown;
}

type Body = string | Record<string, unknown> | unknown[];
/** A path, or one per server (for ids that each server generated itself). */
type PathSpec = string | ((side: SideName) => string);

async function send(side: Side, method: string, pathSpec: PathSpec, body?: Body): Promise<Answer> {
  const target = typeof pathSpec === 'function' ? pathSpec(side.name) : pathSpec;
  const init: RequestInit = { method, signal: AbortSignal.timeout(10_000) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'Content-Type': 'application/json' };
  }
  const res = await fetch(side.url + target, init);
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const answer: Answer = { status: res.status, mediaType: contentType.split(';')[0]!.trim().toLowerCase(), contentType, text };
  if (text.trim() !== '') {
    try {
      answer.json = JSON.parse(text);
    } catch {
      // Not JSON: compared as text.
    }
  }
  return answer;
}

// ---------------------------------------------------------------------------------------------------------------
// Normalisation (see the header comment for why each rule exists).
// ---------------------------------------------------------------------------------------------------------------

const V4_UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/gi;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;
/** Keys WireMock sends that are its internals (see the header comment); dropped on both sides. */
const WIREMOCK_INTERNAL_KEYS = new Set(['insertionIndex', 'diffDescriptions']);

interface NormalizeOptions {
  /** Keys (anywhere in the document) whose values legitimately differ; their values are replaced by their type. */
  volatileKeys?: readonly string[];
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function normalize(doc: unknown, side: Side, options: NormalizeOptions = {}): unknown {
  const volatileKeys = new Set(options.volatileKeys ?? []);
  const hostPort = `127.0.0.1:${side.port}`;

  const str = (s: string): string =>
    s.split(hostPort).join('<server>').replace(V4_UUID, '<uuid>');

  const walk = (v: unknown, parentKey: string | undefined): unknown => {
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) return v.map((item) => walk(item, parentKey));
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) {
      const value = (v as Record<string, unknown>)[key];
      if (WIREMOCK_INTERNAL_KEYS.has(key)) continue;
      if (key === 'subEvents' && Array.isArray(value)) {
        // Which sub-events, by type; their data are each server's diagnostics (the near-miss report's words differ),
        // and Decoy's own (decoy.*) are its documented additions.
        out[key] = value.map((e) => (e !== null && typeof e === 'object' ? (e as { type?: unknown }).type : e)).filter((t) => !(typeof t === 'string' && t.startsWith('decoy.')));
        continue;
      }
      if (volatileKeys.has(key)) {
        out[key] = `<volatile ${typeName(value)}>`;
      } else if (key === 'timing' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
        out[key] = Object.fromEntries(Object.entries(value).map(([k, t]) => [k, typeof t === 'number' ? '<ms>' : t]));
      } else if (key === 'loggedDate' && typeof value === 'number') {
        out[key] = '<epoch-ms>';
      } else if (key === 'loggedDateString' && typeof value === 'string' && ISO_DATE.test(value)) {
        out[key] = '<iso-date>';
      } else if (key === 'port' && value === side.port) {
        out[key] = '<port>';
      } else if (key === 'distance' && parentKey === 'matchResult' && typeof value === 'number') {
        out[key] = '<distance>';
      } else if (key === 'detail' && parentKey === 'errors' && typeof value === 'string') {
        out[key] = '<detail>';
      } else if (parentKey === 'headers' && key.toLowerCase() === 'user-agent') {
        out[key] = '<user-agent>';
      } else {
        out[key] = walk(value, key);
      }
    }
    return out;
  };
  return walk(doc, undefined);
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing.
// ---------------------------------------------------------------------------------------------------------------

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/**
 * What identifies an item of a list, for pairing items up: a chosen id (stubs, scenarios), else the request's method
 * and URL (serve events, logged requests) and the stub's chosen id (near misses). Generated ids are all `<uuid>`
 * after normalisation and identify nothing.
 */
function identity(item: unknown): string | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const o = item as Record<string, unknown>;
  const sub = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const chosen = (v: unknown): string | undefined => (typeof v === 'string' && v !== '<uuid>' ? v : undefined);
  const id = chosen(o.id);
  if (id !== undefined) return id;
  const request = sub(o.request);
  const parts = [
    typeof o.method === 'string' && typeof o.url === 'string' ? `${o.method} ${o.url}` : undefined,
    typeof request.method === 'string' && typeof request.url === 'string' ? `${request.method} ${request.url}` : undefined,
    chosen(sub(o.stubMapping).id),
  ].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(' | ') : undefined;
}

/** The identities of a list's items, when every item has one and no two share it. */
function identities(list: unknown[]): string[] | undefined {
  if (list.length === 0) return undefined;
  const ids = list.map(identity);
  if (ids.some((id) => id === undefined) || new Set(ids).size !== ids.length) return undefined;
  return ids as string[];
}

/** Every difference between two normalised documents: keys only on one side, types, values, list lengths. */
function diffJson(a: unknown, b: unknown, at: string, out: string[]): void {
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta !== tb) {
    out.push(`${at || '/'}: WireMock has ${ta} ${short(a)}, Decoy has ${tb} ${short(b)}`);
    return;
  }
  const ia = ta === 'array' ? identities(a as unknown[]) : undefined;
  const ib = tb === 'array' ? identities(b as unknown[]) : undefined;
  if (ia !== undefined && ib !== undefined) {
    // Stubs, serve events, near misses: say which items are missing, extra or out of order, then compare each
    // item with its counterpart (instead of a cascade of differences at every position after the first one).
    if (ia.join('\n') !== ib.join('\n')) {
      const isSameSet = ia.length === ib.length && ia.every((id) => ib.includes(id));
      out.push(`${at || '/'}: ${isSameSet ? 'the same items in a different order' : 'different items'}: WireMock lists ${JSON.stringify(ia)}, Decoy ${JSON.stringify(ib)}`);
    }
    ia.forEach((id, i) => {
      const j = ib.indexOf(id);
      if (j !== -1) diffJson((a as unknown[])[i], (b as unknown[])[j], `${at}/[${id}]`, out);
    });
    return;
  }
  if (ta === 'array') {
    const la = (a as unknown[]).length;
    const lb = (b as unknown[]).length;
    if (la !== lb) out.push(`${at || '/'}: WireMock lists ${la} item(s), Decoy ${lb}`);
    for (let i = 0; i < Math.min(la, lb); i++) diffJson((a as unknown[])[i], (b as unknown[])[i], `${at}/${i}`, out);
    return;
  }
  if (ta === 'object') {
    const oa = a as Record<string, unknown>;
    const ob = b as Record<string, unknown>;
    const onlyA = Object.keys(oa).filter((k) => !(k in ob));
    const onlyB = Object.keys(ob).filter((k) => !(k in oa));
    // Keys that differ only in letter case (header names) are reported once, and their values still compared.
    const caseTwins = new Map<string, string>();
    for (const k of onlyA) {
      const twin = onlyB.find((x) => x.toLowerCase() === k.toLowerCase() && ![...caseTwins.values()].includes(x));
      if (twin !== undefined) caseTwins.set(k, twin);
    }
    for (const k of onlyA) if (!caseTwins.has(k)) out.push(`${at}/${k}: only WireMock has it: ${short(oa[k])}`);
    for (const k of onlyB) if (![...caseTwins.values()].includes(k)) out.push(`${at}/${k}: only Decoy has it: ${short(ob[k])}`);
    if (caseTwins.size > 0) {
      out.push(`${at || '/'}: key names differ in case: WireMock ${JSON.stringify([...caseTwins.keys()])}, Decoy ${JSON.stringify([...caseTwins.values()])}`);
    }
    for (const k of Object.keys(oa)) {
      if (k in ob) diffJson(oa[k], ob[k], `${at}/${k}`, out);
      else if (caseTwins.has(k)) diffJson(oa[k], ob[caseTwins.get(k)!], `${at}/${k}`, out);
    }
    return;
  }
  if (a !== b) out.push(`${at || '/'}: WireMock ${short(a)}, Decoy ${short(b)}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Deliberate deviations: where Decoy answers differently on purpose. Each rule is narrow and says why; what it does
// not touch is still compared. They are documented for users in the admin API reference ("Where Decoy differs from WireMock, on purpose").
// ---------------------------------------------------------------------------------------------------------------

function isRecord(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Applies the general deviations to copies of both documents. */
function withDeliberateDeviations(wDoc: unknown, dDoc: unknown): [unknown, unknown] {
  const w = structuredClone(wDoc) as any;
  const d = structuredClone(dDoc) as any;
  if (isRecord(w) && isRecord(d) && Array.isArray(w.errors) && Array.isArray(d.errors)) {
    // 1. Errors have WireMock's shape on both sides (Decoy sends RFC 9457 members only when asked for
    //    application/problem+json), and everything but the free text is compared.
    w.errors.forEach((e: any, i: number) => {
      const de = d.errors[i];
      if (!isRecord(e) || !isRecord(de)) return;
      // 2. WireMock's `detail` is Jackson's free text; Decoy's explains in its own words, and also where WireMock
      //    gives only a title (which state a scenario has, say). Not compared.
      delete e.detail;
      delete de.detail;
      // 3. For unparseable JSON, Jackson's pointer is the innermost object it had opened (or an empty source);
      //    Decoy gives none (it says where in the detail, by line and column).
      if (e.title === 'Error parsing JSON' && de.title === e.title && de.source === undefined) delete e.source;
    });
  }
  // 4. Decoy's health answer also says how many stubs it serves.
  if (isRecord(d) && d.status === 'healthy') delete d.stubs;
  // 5. Decoy's recording stop and snapshot answers also report what redaction masked (beside WireMock's mappings).
  if (isRecord(d) && Array.isArray(d.mappings) && isRecord(d.redaction) && !('redaction' in (w ?? {}))) delete d.redaction;
  return [w, d];
}

function compareAnswers(w: Answer, d: Answer, options: NormalizeOptions): string[] {
  const out: string[] = [];
  if (w.status !== d.status) out.push(`status: WireMock ${w.status}, Decoy ${d.status}`);
  if (w.mediaType !== d.mediaType) out.push(`content type: WireMock ${JSON.stringify(w.mediaType)}, Decoy ${JSON.stringify(d.mediaType)}`);
  if (w.json !== undefined && d.json !== undefined) {
    const [wj, dj] = withDeliberateDeviations(w.json, d.json);
    diffJson(normalize(wj, wm, options), normalize(dj, dc, options), '', out);
  } else if (w.text !== d.text) {
    const describe = (a: Answer): string => (a.text === '' ? 'an empty body' : a.json !== undefined ? `JSON ${short(a.json)}` : `text ${short(a.text)}`);
    out.push(`body: WireMock sent ${describe(w)}, Decoy sent ${describe(d)}`);
  }
  return out;
}

function showAnswer(a: Answer): string {
  const body = a.text.length > 2500 ? `${a.text.slice(0, 2500)}... (${a.text.length} chars)` : a.text;
  return `${a.status} ${a.contentType || '(no Content-Type)'} ${body === '' ? '(empty body)' : body}`;
}

// ---------------------------------------------------------------------------------------------------------------
// A session: the steps of one test, with every difference collected.
// ---------------------------------------------------------------------------------------------------------------

interface Both {
  wm: Answer;
  dc: Answer;
}

class Session {
  private readonly failures: string[] = [];

  /** Sends one admin call to both servers (WireMock first) and compares the answers. */
  async call(method: string, pathSpec: PathSpec, body?: Body, options: NormalizeOptions = {}): Promise<Both> {
    const w = await send(wm, method, pathSpec, body);
    const d = await send(dc, method, pathSpec, body);
    const differences = compareAnswers(w, d, options);
    if (differences.length > 0) {
      const shownPath = typeof pathSpec === 'function' ? `${pathSpec('WireMock')} (WireMock) / ${pathSpec('Decoy')} (Decoy)` : pathSpec;
      const shownBody = body === undefined ? '' : ` ${typeof body === 'string' ? JSON.stringify(body) : JSON.stringify(body)}`;
      this.failures.push([
        `${method} ${shownPath}${shownBody}`,
        ...differences.slice(0, 60).map((x) => `    - ${x}`),
        ...(differences.length > 60 ? [`    - ... and ${differences.length - 60} more`] : []),
        `    WireMock: ${showAnswer(w)}`,
        `    Decoy:    ${showAnswer(d)}`,
      ].join('\n'));
    }
    return { wm: w, dc: d };
  }

  /**
   * Stub traffic: the same request to both servers' stub ports. The status must agree (a different status would
   * make the journal comparisons that follow meaningless); for matched requests the body must agree too.
   */
  async hit(method: string, target: string, init: { headers?: Record<string, string>; body?: string; statusOnly?: boolean } = {}): Promise<void> {
    const answers: Array<{ status: number; text: string }> = [];
    for (const side of [wm, dc]) {
      const res = await fetch(side.url + target, { method, headers: init.headers, body: init.body, signal: AbortSignal.timeout(10_000) });
      answers.push({ status: res.status, text: await res.text() });
    }
    const [w, d] = answers as [{ status: number; text: string }, { status: number; text: string }];
    if (w.status !== d.status || (w.status !== 404 && !init.statusOnly && w.text !== d.text)) {
      this.failures.push(`stub traffic ${method} ${target}: WireMock ${w.status} ${short(w.text)}, Decoy ${d.status} ${short(d.text)}`);
    }
  }

  /**
   * A step where Decoy differs from WireMock on purpose: both answers are checked, each against what its own server
   * should answer, so the step still fails if either server changes.
   */
  async deviation(why: string, method: string, pathSpec: PathSpec, body: Body | undefined, check: (w: Answer, d: Answer) => void): Promise<Both> {
    const w = await send(wm, method, pathSpec, body);
    const d = await send(dc, method, pathSpec, body);
    try {
      check(w, d);
    } catch (e) {
      this.failures.push([`${method} ${typeof pathSpec === 'string' ? pathSpec : pathSpec('Decoy')} (deliberate deviation: ${why})`,
        `    - ${(e as Error).message.split('\n')[0]}`, `    WireMock: ${showAnswer(w)}`, `    Decoy:    ${showAnswer(d)}`].join('\n'));
    }
    return { wm: w, dc: d };
  }

  /**
   * The ids of the stubs in each server's `mappings/` folder on disk (what a restart would load); the two lists
   * must agree, or be what `expected` says for each server when they differ on purpose. File names are each
   * server's own and not compared.
   */
  files(step: string, expected?: Record<SideName, string[]>): void {
    const ids = (side: Side): string[] => readdirSync(path.join(side.root, 'mappings')).filter((f) => f.endsWith('.json'))
      .map((f) => (JSON.parse(readFileSync(path.join(side.root, 'mappings', f), 'utf8')) as { id?: string }).id ?? f).sort();
    const w = ids(wm);
    const d = ids(dc);
    const want = expected ?? { WireMock: w, Decoy: w };
    if (JSON.stringify(w) !== JSON.stringify([...want.WireMock].sort()) || JSON.stringify(d) !== JSON.stringify([...want.Decoy].sort())) {
      this.failures.push(`mapping files ${step}: WireMock has ${JSON.stringify(w)}, Decoy ${JSON.stringify(d)}${expected ? ` (expected ${JSON.stringify(expected)})` : ''}`);
    }
  }

  /** The stub with this id as each server's `mappings/` folder holds it: its response must agree. */
  fileResponse(step: string, id: string): void {
    const read = (side: Side): unknown => {
      for (const f of readdirSync(path.join(side.root, 'mappings')).filter((n) => n.endsWith('.json'))) {
        const stub = JSON.parse(readFileSync(path.join(side.root, 'mappings', f), 'utf8')) as { id?: string; response?: unknown };
        if (stub.id === id) return stub.response;
      }
      return undefined;
    };
    const w = JSON.stringify(read(wm));
    const d = JSON.stringify(read(dc));
    if (w !== d) this.failures.push(`the file of stub ${id} ${step}: WireMock's response is ${w}, Decoy's ${d}`);
  }

  /** Fails the test with every difference seen. */
  done(): void {
    if (this.failures.length > 0) {
      assert.fail(`WireMock and Decoy answered differently (${this.failures.length} step(s)):\n\n${this.failures.join('\n\n')}`);
    }
  }
}

/**
 * Near misses are ranked by each server's own weights; the closest ones agree, but among the stubs that are all far
 * off (the third of three here) the ranking differs, so only the closest two per request are compared.
 */
const NEAR_MISS_RANKING = 'near-miss ranking beyond the closest two';
function topNearMisses(a: Answer, n: number): string[] {
  const byRequest = new Map<string, string[]>();
  for (const m of (a.json as any).nearMisses as any[]) {
    const key = `${m.request.method} ${m.request.url}`;
    const list = byRequest.get(key) ?? [];
    list.push(m.stubMapping.id);
    byRequest.set(key, list);
  }
  return [...byRequest].flatMap(([k, ids]) => ids.slice(0, n).map((id) => `${k} → ${id}`));
}

/** A test: runs `steps` in a session and fails when any step differed. */
function diffTest(title: string, steps: (s: Session) => Promise<void>): void {
  it(title, async () => {
    const s = new Session();
    await steps(s);
    s.done();
  });
}

/** The ids of each server's journal, as `GET /__admin/requests` lists them (newest first). */
async function journalIds(): Promise<Record<SideName, string[]>> {
  const ids = async (side: Side): Promise<string[]> => {
    const res = await fetch(`${side.url}/__admin/requests`);
    const body = (await res.json()) as { requests: Array<{ id: string }> };
    return body.requests.map((r) => r.id);
  };
  return { WireMock: await ids(wm), Decoy: await ids(dc) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Stubs the tests create. Chosen ids are never version-4 UUIDs, so they are compared as they are.
// ---------------------------------------------------------------------------------------------------------------

const FILE_GREETING_ID = '0000000f-0000-0000-0000-000000000001';
const FILE_PRIORITY_ID = '0000000f-0000-0000-0000-000000000002';
const UNKNOWN_ID = '0000dead-0000-0000-0000-000000000000';

const userStub = {
  id: '0000000a-0000-0000-0000-000000000001',
  name: 'Get user',
  request: { method: 'GET', urlPath: '/users/1' },
  response: { status: 200, jsonBody: { id: 1, name: 'Ada' }, headers: { 'Content-Type': 'application/json' } },
  metadata: { team: 'users', tags: ['read'], owner: { name: 'ada' } },
};
const createOrderStub = {
  id: '0000000a-0000-0000-0000-000000000002',
  name: 'Create order',
  request: { method: 'POST', url: '/orders', bodyPatterns: [{ equalToJson: { item: 'book' } }] },
  response: { status: 201, body: 'created', headers: { Location: '/orders/7' } },
  metadata: { team: 'orders' },
};
const formStub = {
  id: '0000000a-0000-0000-0000-000000000003',
  request: { method: 'POST', urlPath: '/login', formParameters: { user: { equalTo: 'ada' } } },
  response: { status: 204 },
};
const lowPriorityStub = {
  id: '0000000a-0000-0000-0000-000000000004',
  name: 'Catch-all',
  priority: 9,
  request: { urlPattern: '/.*' },
  response: { status: 200, body: 'anything' },
};

const checkoutStubs = [
  {
    id: '0000000c-0000-0000-0000-000000000001', name: 'Pay', scenarioName: 'Checkout', requiredScenarioState: 'Started', newScenarioState: 'Paid',
    request: { method: 'POST', url: '/pay' }, response: { status: 201, body: 'paid' },
  },
  {
    id: '0000000c-0000-0000-0000-000000000002', name: 'Order after paying', scenarioName: 'Checkout', requiredScenarioState: 'Paid', newScenarioState: 'Shipped',
    request: { method: 'GET', url: '/order' }, response: { status: 200, body: 'paid, not shipped' },
  },
  {
    id: '0000000c-0000-0000-0000-000000000003', name: 'Order after shipping', scenarioName: 'Checkout', requiredScenarioState: 'Shipped',
    request: { method: 'GET', url: '/order' }, response: { status: 200, body: 'shipped' },
  },
];
const otherScenarioStub = {
  id: '0000000c-0000-0000-0000-000000000004', scenarioName: 'Other', requiredScenarioState: 'Started',
  request: { method: 'GET', url: '/other' }, response: { status: 200 },
};

async function createStubs(s: Session, ...stubs: Array<Record<string, unknown>>): Promise<void> {
  for (const stub of stubs) await s.call('POST', '/__admin/mappings', stub);
}

/** Traffic that exercises the journal's fields: query, cookies, a JSON body, a form, a miss, a near miss. */
async function varietyTraffic(s: Session): Promise<void> {
  await s.hit('GET', '/users/1?x=1&x=2&y=z', { headers: { Cookie: 'session=abc; theme=dark', 'X-Trace': 't-1' } });
  await s.hit('POST', '/orders', { headers: { 'Content-Type': 'application/json' }, body: '{"item":"book"}' });
  await s.hit('POST', '/login', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'user=ada&remember=yes' });
  await s.hit('POST', '/nowhere', { headers: { 'Content-Type': 'application/json' }, body: '{"lost":true}' });
  await s.hit('PUT', '/users/1');
  await s.hit('GET', '/file/greeting');
}

// ---------------------------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------------------------

describe('Admin API differential: WireMock 3.13.2 and Decoy answer the same admin calls alike', function () {
  this.timeout(30_000);

  before(async function () {
    this.timeout(60_000);
    const wmRoot = copyFixture('wiremock');
    const dcRoot = copyFixture('decoy');
    const [started] = await Promise.all([
      startWireMock(wmRoot),
      (async () => {
        decoy = createDecoy({ port: 0, host: '127.0.0.1', watch: false, stubsDir: dcRoot });
        await decoy.start();
      })(),
    ]);
    wireMock = started;
    wm = { name: 'WireMock', url: wireMock.url, port: wireMock.port, root: wmRoot };
    dc = { name: 'Decoy', url: decoy!.url, port: decoy!.port, root: dcRoot };
  });

  after(async () => {
    await Promise.all([wireMock?.stop(), decoy?.stop()]);
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    for (const side of [wm, dc]) {
      restoreMappingFiles(side);
      const res = await fetch(`${side.url}/__admin/reset`, { method: 'POST' });
      await res.arrayBuffer();
      assert.equal(res.status, 200, `${side.name}: POST /__admin/reset answered ${res.status}`);
    }
  });

  // ---- mappings ----

  describe('mappings', () => {
    diffTest('GET /__admin/mappings: the file stubs after a reset, in matching order (priority first)', async (s) => {
      await s.call('GET', '/__admin/mappings');
    });

    diffTest('POST /__admin/mappings: creates a stub with a chosen id (201), then GET /__admin/mappings/{id}', async (s) => {
      await s.call('POST', '/__admin/mappings', userStub);
      await s.call('GET', `/__admin/mappings/${userStub.id}`);
      await s.hit('GET', '/users/1');
    });

    diffTest('POST /__admin/mappings: without an id, one is generated (id and uuid)', async (s) => {
      await s.call('POST', '/__admin/mappings', { request: { method: 'GET', url: '/generated' }, response: { status: 200, body: 'g' } });
      await s.call('POST', '/__admin/mappings', { request: { url: '/any-method' }, response: { status: 202 } });
    });

    diffTest('POST /__admin/mappings: an id that is taken (an API stub, a file stub, by uuid) is refused (422, code 109), the stub unchanged', async (s) => {
      await createStubs(s, userStub);
      await s.call('POST', '/__admin/mappings', { ...userStub, response: { status: 500 } });
      await s.call('POST', '/__admin/mappings', { uuid: userStub.id, request: { url: '/other' }, response: { status: 500 } });
      await s.call('POST', '/__admin/mappings', { id: FILE_GREETING_ID, request: { url: '/other' }, response: { status: 500 } });
      await s.call('GET', `/__admin/mappings/${userStub.id}`);
      await s.hit('GET', '/users/1');
      await s.hit('GET', '/file/greeting');
    });

    diffTest('POST /__admin/mappings: a bodyFileName that is not there yet is accepted; 500 until the file appears, then the file', async (s) => {
      const name = `late-${Date.now()}.txt`;
      await s.call('POST', '/__admin/mappings', { id: '0000000a-0000-0000-0000-000000000031', request: { method: 'GET', url: '/late' }, response: { status: 200, bodyFileName: name, headers: { 'X-Late': '1' } } });
      // WireMock's 500 is Jetty's HTML error page; Decoy's is plain text with WireMock's message.
      await s.hit('GET', '/late', { statusOnly: true });
      for (const side of [wm, dc]) writeFileSync(path.join(side.root, '__files', name), 'it came');
      try {
        await s.hit('GET', '/late');
      } finally {
        for (const side of [wm, dc]) rmSync(path.join(side.root, '__files', name), { force: true });
      }
    });

    diffTest('GET /__admin/mappings?limit&offset: pages of the list, total unchanged', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub, lowPriorityStub);
      await s.call('GET', '/__admin/mappings');
      await s.call('GET', '/__admin/mappings?limit=2');
      await s.call('GET', '/__admin/mappings?limit=2&offset=1');
      await s.call('GET', '/__admin/mappings?offset=4');
      await s.call('GET', '/__admin/mappings?limit=0');
    });

    diffTest('GET /__admin/mappings/{id}: a file stub, an unknown id (404), an id that is not a UUID (400)', async (s) => {
      await s.call('GET', `/__admin/mappings/${FILE_GREETING_ID}`);
      await s.call('GET', `/__admin/mappings/${UNKNOWN_ID}`);
      await s.call('GET', '/__admin/mappings/not-a-uuid');
    });

    diffTest('PUT /__admin/mappings/{id}: edits in place (the id in the path wins), unknown id → 404', async (s) => {
      await createStubs(s, userStub, createOrderStub);
      await s.call('PUT', `/__admin/mappings/${userStub.id}`, {
        id: '0000000a-0000-0000-0000-0000000000ff', name: 'Get user, edited',
        request: { method: 'GET', urlPath: '/users/1' }, response: { status: 200, body: 'edited' },
      });
      await s.call('GET', `/__admin/mappings/${userStub.id}`);
      await s.call('GET', '/__admin/mappings/0000000a-0000-0000-0000-0000000000ff');
      // The edited stub keeps its place in the list.
      await s.call('GET', '/__admin/mappings');
      await s.hit('GET', '/users/1');
      await s.call('PUT', `/__admin/mappings/${UNKNOWN_ID}`, { request: { url: '/x' }, response: { status: 200 } });
    });

    diffTest('DELETE /__admin/mappings/{id}: an API stub, a file stub, then the same id again (404)', async (s) => {
      await createStubs(s, userStub);
      await s.call('DELETE', `/__admin/mappings/${userStub.id}`);
      await s.call('DELETE', `/__admin/mappings/${FILE_GREETING_ID}`);
      await s.call('GET', '/__admin/mappings');
      await s.call('DELETE', `/__admin/mappings/${userStub.id}`);
      await s.hit('GET', '/file/greeting');
    });

    diffTest('DELETE /__admin/mappings: removes every stub, file stubs included, from memory and from disk', async (s) => {
      const persistentStub = { ...userStub, id: '0000000b-0000-0000-0000-000000000009', persistent: true, request: { url: '/kept' } };
      await createStubs(s, userStub, createOrderStub, persistentStub);
      await s.call('DELETE', '/__admin/mappings');
      // The persistent stub's file is gone from both; WireMock deletes the other mapping files too.
      s.files('after DELETE /__admin/mappings', { WireMock: [], Decoy: [FILE_GREETING_ID, FILE_PRIORITY_ID] });
      await s.call('GET', '/__admin/mappings');
      await s.hit('GET', '/users/1');
      await s.hit('GET', '/file/greeting');
      // WireMock deleted every mapping file as well, so a reset brings nothing back. Decoy deletes only persistent
      // stubs' files on a delete-all: the other file stubs are hidden until the reset brings them back.
      await s.call('POST', '/__admin/mappings/reset');
      await s.deviation('DELETE /__admin/mappings does not delete stub files that are not persistent', 'GET', '/__admin/mappings', undefined, (w, d) => {
        assert.deepEqual((w.json as any).mappings, []);
        assert.deepEqual((d.json as any).mappings.map((m: any) => m.id).sort(), [FILE_GREETING_ID, FILE_PRIORITY_ID]);
      });
    });

    diffTest('POST /__admin/mappings/reset: back to the file stubs (WireMock also empties the journal)', async (s) => {
      await createStubs(s, userStub);
      await s.call('DELETE', `/__admin/mappings/${FILE_GREETING_ID}`);
      await s.hit('GET', '/users/1');
      await s.call('POST', '/__admin/mappings/reset');
      await s.call('GET', '/__admin/mappings');
      await s.call('POST', '/__admin/requests/count', { method: 'GET', url: '/users/1' });
      await s.hit('GET', '/file/greeting');
    });

    diffTest('POST /__admin/mappings/save: API stubs become persistent and survive a reset', async (s) => {
      // The files written are removed again by the next test's beforeEach.
      await createStubs(s, userStub, { ...createOrderStub, name: undefined });
      // Decoy says which files it wrote; WireMock answers an empty 200.
      await s.deviation('save lists the files it wrote', 'POST', '/__admin/mappings/save', undefined, (w, d) => {
        assert.equal(w.status, 200);
        assert.equal(w.text, '');
        assert.equal(d.status, 200);
        assert.equal((d.json as any).written.length, 2);
      });
      await s.call('GET', `/__admin/mappings/${userStub.id}`);
      // WireMock's save rewrites the file stubs too and marks every stub persistent; Decoy leaves files it did not
      // change alone. And after the reset, WireMock re-reads its files in its own order, while Decoy's stubs keep
      // their places. So only the set of stubs, and the saved stubs' persistence, are compared here.
      const ids = (a: Answer) => ((a.json as any).mappings as any[]).map((m) => m.id).sort();
      await s.deviation('save leaves unchanged stub files alone', 'GET', '/__admin/mappings', undefined, (w, d) => {
        assert.deepEqual(ids(d), ids(w));
        for (const m of (d.json as any).mappings) if (m.id.startsWith('0000000a')) assert.equal(m.persistent, true, m.id);
      });
      await s.call('POST', '/__admin/reset');
      await s.deviation('stubs keep their places across a reset', 'GET', '/__admin/mappings', undefined, (w, d) => {
        assert.deepEqual(ids(d), ids(w));
      });
      await s.hit('GET', '/users/1');
    });

    diffTest('POST /__admin/mappings/import: without importOptions (OVERWRITE), duplicates replaced, list order', async (s) => {
      await createStubs(s, userStub);
      await s.call('POST', '/__admin/mappings/import', {
        mappings: [{ ...userStub, response: { status: 200, body: 'imported' } }, createOrderStub, formStub],
      });
      await s.call('GET', '/__admin/mappings');
      await s.hit('GET', '/users/1');
    });

    diffTest('POST /__admin/mappings/import: duplicatePolicy OVERWRITE', async (s) => {
      await createStubs(s, userStub);
      await s.call('POST', '/__admin/mappings/import', {
        mappings: [createOrderStub, { ...userStub, response: { status: 200, body: 'overwritten' } }],
        importOptions: { duplicatePolicy: 'OVERWRITE', deleteAllNotInImport: false },
      });
      await s.call('GET', '/__admin/mappings');
      await s.hit('GET', '/users/1');
    });

    diffTest('POST /__admin/mappings/import: duplicatePolicy IGNORE keeps the existing stub', async (s) => {
      await createStubs(s, userStub);
      await s.call('POST', '/__admin/mappings/import', {
        mappings: [{ ...userStub, response: { status: 200, body: 'ignored' } }, formStub],
        importOptions: { duplicatePolicy: 'IGNORE', deleteAllNotInImport: false },
      });
      await s.call('GET', '/__admin/mappings');
      await s.hit('GET', '/users/1');
    });

    diffTest('POST /__admin/mappings/import: deleteAllNotInImport removes every other stub, file stubs included', async (s) => {
      await createStubs(s, userStub, createOrderStub);
      await s.call('POST', '/__admin/mappings/import', {
        mappings: [{ ...userStub, response: { status: 200, body: 'kept' } }, formStub],
        importOptions: { duplicatePolicy: 'OVERWRITE', deleteAllNotInImport: true },
      });
      await s.call('GET', '/__admin/mappings');
      await s.hit('GET', '/file/greeting');
    });

    diffTest('POST /__admin/mappings/import: one invalid stub (422, pointer into the list) imports nothing', async (s) => {
      await s.call('POST', '/__admin/mappings/import', {
        mappings: [formStub, { request: { url: '/bad' }, response: { status: 'abc' } }],
        importOptions: { duplicatePolicy: 'IGNORE', deleteAllNotInImport: false },
      });
      await s.call('GET', '/__admin/mappings');
    });

    diffTest('POST /__admin/mappings/find-by-metadata: JSONPath, JSONPath with a matcher, equalToJson, no match', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub);
      await s.call('POST', '/__admin/mappings/find-by-metadata', { matchesJsonPath: '$.team' });
      await s.call('POST', '/__admin/mappings/find-by-metadata', { matchesJsonPath: { expression: '$.team', equalTo: 'orders' } });
      await s.call('POST', '/__admin/mappings/find-by-metadata', { matchesJsonPath: '$.owner.name' });
      await s.call('POST', '/__admin/mappings/find-by-metadata', { equalToJson: { source: 'file', team: 'core' } });
      await s.call('POST', '/__admin/mappings/find-by-metadata', { matchesJsonPath: '$.nothing' });
    });

    diffTest('POST /__admin/mappings/remove-by-metadata: removes the matching stubs only', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub);
      await s.call('POST', '/__admin/mappings/remove-by-metadata', { matchesJsonPath: { expression: '$.team', equalTo: 'users' } });
      await s.call('GET', '/__admin/mappings');
      await s.call('POST', '/__admin/mappings/remove-by-metadata', { matchesJsonPath: '$.team' });
      await s.call('GET', '/__admin/mappings');
    });

    diffTest('POST /__admin/mappings/remove: by id only that stub, whatever its request; else every stub with an equal request pattern', async (s) => {
      const twin = { ...userStub, id: '0000000a-0000-0000-0000-000000000011', request: { urlPath: '/users/1', method: 'GET' }, response: { status: 202 } };
      await createStubs(s, userStub, twin, createOrderStub, lowPriorityStub);
      // An id that is taken: that stub goes, though the request differs.
      await s.call('POST', '/__admin/mappings/remove', { id: createOrderStub.id, request: { url: '/something-else' }, response: { status: 500 } });
      await s.call('GET', '/__admin/mappings');
      // No id: every stub whose pattern is equal (the keys in another order), not the similar ones.
      await s.call('POST', '/__admin/mappings/remove', { request: { urlPath: '/users/1', method: 'GET' } });
      await s.call('GET', '/__admin/mappings');
      await s.hit('GET', '/users/1');
      // An unknown id falls back to the pattern; a pattern without a method means ANY.
      await s.call('POST', '/__admin/mappings/remove', { id: UNKNOWN_ID, request: { urlPattern: '/.*', method: 'ANY' } });
      await s.call('GET', '/__admin/mappings');
      // Nothing equal: nothing removed, still 200.
      await s.call('POST', '/__admin/mappings/remove', { request: { method: 'DELETE', url: '/none' } });
      await s.call('GET', '/__admin/mappings');
    });

    diffTest('POST /__admin/mappings/remove: a file stub by id; invalid JSON, an id that is not a UUID, a bad pattern (422)', async (s) => {
      await s.call('POST', '/__admin/mappings/remove', { id: FILE_GREETING_ID });
      await s.call('GET', '/__admin/mappings');
      await s.hit('GET', '/file/greeting');
      await s.call('POST', '/__admin/mappings/remove', '{"request":');
      await s.call('POST', '/__admin/mappings/remove', { id: 'nope' });
      await s.call('POST', '/__admin/mappings/remove', { request: { url: '/x', method: 5 } });
      await s.call('GET', '/__admin/mappings');
    });

    diffTest('removing a persistent stub deletes its file (DELETE by id, remove by id, remove-by-metadata); a reset does not bring it back', async (s) => {
      const persistent = (n: number, extra: Record<string, unknown> = {}) => ({
        id: `0000000b-0000-0000-0000-00000000000${n}`, persistent: true, request: { method: 'GET', url: `/kept/${n}` }, response: { status: 200, body: `kept ${n}` }, ...extra,
      });
      await createStubs(s, persistent(1), persistent(2), persistent(3, { metadata: { team: 'gone' } }), persistent(4));
      s.files('after creating four persistent stubs');
      await s.call('DELETE', `/__admin/mappings/${persistent(1).id}`);
      s.files('after DELETE /__admin/mappings/{id}');
      await s.call('POST', '/__admin/mappings/remove', { id: persistent(2).id });
      s.files('after POST /__admin/mappings/remove by id');
      await s.call('POST', '/__admin/mappings/remove-by-metadata', { matchesJsonPath: '$.team' });
      s.files('after remove-by-metadata');
      // A file stub that is not persistent is removed from memory only, in both.
      await s.call('DELETE', `/__admin/mappings/${FILE_GREETING_ID}`);
      s.files('after deleting a stub that is not persistent');
      // WireMock finds a persistent stub's file by the body's id only: a removal by pattern leaves it.
      await s.call('POST', '/__admin/mappings/remove', { request: { method: 'GET', url: '/kept/4' } });
      s.files('after POST /__admin/mappings/remove by pattern');
      // An import that deletes every stub not in it deletes the persistent ones' files too.
      await createStubs(s, persistent(5));
      s.files('after creating one more persistent stub');
      await s.call('POST', '/__admin/mappings/import', { mappings: [userStub], importOptions: { duplicatePolicy: 'OVERWRITE', deleteAllNotInImport: true } });
      s.files('after an import with deleteAllNotInImport');
      await s.call('POST', '/__admin/mappings/reset');
      for (const n of [1, 2, 3, 4, 5]) await s.hit('GET', `/kept/${n}`);
      await s.hit('GET', '/file/greeting');
    });

    diffTest('changing a persistent stub rewrites its file at once (PUT, import); a reset serves what the files hold', async (s) => {
      const id = '0000000b-0000-0000-0000-000000000021';
      const importedId = '0000000b-0000-0000-0000-000000000022';
      await createStubs(s, { id, persistent: true, request: { method: 'GET', url: '/versioned' }, response: { status: 200, body: 'v1' } });
      s.fileResponse('after creating it', id);
      await s.call('PUT', `/__admin/mappings/${id}`, { persistent: true, request: { method: 'GET', url: '/versioned' }, response: { status: 200, body: 'v2' } });
      s.fileResponse('after PUT', id);
      await s.call('POST', '/__admin/mappings/import', {
        mappings: [{ id: importedId, persistent: true, request: { method: 'GET', url: '/imported' }, response: { status: 200, body: 'imported' } }],
        importOptions: { duplicatePolicy: 'OVERWRITE', deleteAllNotInImport: false },
      });
      s.files('after an import of a persistent stub');
      s.fileResponse('after the import', importedId);
      await s.call('POST', '/__admin/mappings/reset');
      await s.hit('GET', '/versioned');
      await s.hit('GET', '/imported');
    });

    diffTest('GET and DELETE /__admin/mappings/unmatched: stubs no journal entry matched', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub);
      await s.call('GET', '/__admin/mappings/unmatched');
      await s.hit('GET', '/users/1');
      await s.hit('GET', '/file/greeting');
      await s.hit('GET', '/missing');
      await s.call('GET', '/__admin/mappings/unmatched');
      await s.call('DELETE', '/__admin/mappings/unmatched');
      await s.call('GET', '/__admin/mappings');
    });
  });

  // ---- requests (the journal) ----

  describe('requests', () => {
    diffTest('GET /__admin/requests: serve events (matched, unmatched, query, cookies, JSON and form bodies)', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub);
      await s.call('GET', '/__admin/requests');
      await varietyTraffic(s);
      await s.call('GET', '/__admin/requests');
    });

    diffTest('GET /__admin/requests?limit: the newest first, total unchanged', async (s) => {
      await createStubs(s, userStub);
      await s.hit('GET', '/users/1?n=1');
      await s.hit('GET', '/users/1?n=2');
      await s.hit('GET', '/nothing?n=3');
      await s.call('GET', '/__admin/requests?limit=2');
      await s.call('GET', '/__admin/requests?limit=0');
    });

    diffTest('GET /__admin/requests?since: only what came after; a bad date (400)', async (s) => {
      await createStubs(s, userStub);
      await s.hit('GET', '/users/1?before=1');
      await s.hit('GET', '/before');
      await sleep(50);
      const since = new Date().toISOString();
      await sleep(50);
      await s.hit('GET', '/users/1?after=1');
      await s.hit('GET', '/after');
      await s.call('GET', `/__admin/requests?since=${encodeURIComponent(since)}`);
      await s.call('GET', `/__admin/requests?since=${encodeURIComponent(since)}&limit=1`);
      await s.call('GET', '/__admin/requests?since=2099-01-01T00:00:00Z');
      await s.call('GET', '/__admin/requests?since=not-a-date');
    });

    diffTest('GET /__admin/requests?unmatched=true and ?matchingStub=ID: filtered, total counts the filtered, with since and limit', async (s) => {
      await createStubs(s, userStub, createOrderStub);
      await s.hit('GET', '/users/1');
      await s.hit('GET', '/nope');
      await s.hit('GET', '/users/1?again=1');
      await s.hit('POST', '/orders', { headers: { 'Content-Type': 'application/json' }, body: '{"item":"book"}' });
      await sleep(50);
      const since = new Date().toISOString();
      await sleep(50);
      await s.hit('GET', '/users/1?late=1');
      await s.hit('GET', '/late-miss');
      await s.call('GET', '/__admin/requests?unmatched=true');
      await s.call('GET', '/__admin/requests?unmatched=true&limit=1');
      await s.call('GET', `/__admin/requests?unmatched=true&since=${encodeURIComponent(since)}`);
      // Only `true`, spelt so, filters.
      await s.call('GET', '/__admin/requests?unmatched=false');
      await s.call('GET', '/__admin/requests?unmatched=TRUE');
      await s.call('GET', `/__admin/requests?matchingStub=${userStub.id}`);
      await s.call('GET', `/__admin/requests?matchingStub=${userStub.id}&limit=2`);
      await s.call('GET', `/__admin/requests?matchingStub=${userStub.id}&since=${encodeURIComponent(since)}`);
      await s.call('GET', `/__admin/requests?matchingStub=${userStub.id}&unmatched=true`);
      await s.call('GET', `/__admin/requests?matchingStub=${UNKNOWN_ID}`);
      await s.call('GET', '/__admin/requests?matchingStub=not-a-uuid');
    });

    diffTest('GET and DELETE /__admin/requests/{id}: one event; unknown id (404); not a UUID', async (s) => {
      await createStubs(s, userStub);
      await s.hit('GET', '/users/1');
      await s.hit('GET', '/unmatched');
      const ids = await journalIds();
      const nth = (i: number) => (side: SideName) => `/__admin/requests/${ids[side][i]}`;
      await s.call('GET', nth(0));
      await s.call('GET', nth(1));
      await s.call('DELETE', nth(1));
      await s.call('GET', nth(1));
      await s.call('GET', '/__admin/requests');
      await s.call('GET', `/__admin/requests/${UNKNOWN_ID}`);
      await s.call('DELETE', `/__admin/requests/${UNKNOWN_ID}`);
      await s.call('GET', '/__admin/requests/not-a-uuid');
    });

    diffTest('DELETE /__admin/requests: empties the journal', async (s) => {
      await createStubs(s, userStub);
      await s.hit('GET', '/users/1');
      await s.hit('GET', '/nope');
      await s.call('DELETE', '/__admin/requests');
      await s.call('GET', '/__admin/requests');
      await s.call('POST', '/__admin/requests/count', { method: 'ANY', urlPattern: '/.*' });
    });

    diffTest('POST /__admin/requests/count: by method and URL, by header, by body, none', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub);
      await varietyTraffic(s);
      await s.call('POST', '/__admin/requests/count', { method: 'GET', urlPath: '/users/1' });
      await s.call('POST', '/__admin/requests/count', { method: 'ANY', urlPathPattern: '/users/.*' });
      await s.call('POST', '/__admin/requests/count', { method: 'GET', urlPath: '/users/1', headers: { 'X-Trace': { equalTo: 't-1' } } });
      await s.call('POST', '/__admin/requests/count', { method: 'POST', bodyPatterns: [{ matchesJsonPath: '$.lost' }] });
      await s.call('POST', '/__admin/requests/count', { method: 'DELETE', url: '/users/1' });
    });

    diffTest('POST /__admin/requests/find: logged requests matching a pattern, newest first', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub);
      await varietyTraffic(s);
      await s.call('POST', '/__admin/requests/find', { method: 'ANY', urlPathPattern: '/users/.*' });
      await s.call('POST', '/__admin/requests/find', { method: 'POST', url: '/login', formParameters: { user: { equalTo: 'ada' } } });
      await s.call('POST', '/__admin/requests/find', { method: 'GET', url: '/never' });
    });

    diffTest('POST /__admin/requests/remove: removes matching events and answers them', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub);
      await varietyTraffic(s);
      await s.call('POST', '/__admin/requests/remove', { method: 'POST', urlPattern: '/(orders|nowhere)' });
      await s.call('GET', '/__admin/requests');
    });

    diffTest('POST /__admin/requests/remove-by-metadata: removes events served by stubs with that metadata', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub);
      await varietyTraffic(s);
      await s.call('POST', '/__admin/requests/remove-by-metadata', { matchesJsonPath: { expression: '$.team', equalTo: 'users' } });
      await s.call('GET', '/__admin/requests');
    });

    diffTest('GET /__admin/requests/unmatched: the logged requests no stub matched', async (s) => {
      await createStubs(s, userStub, createOrderStub, formStub);
      await varietyTraffic(s);
      await s.call('GET', '/__admin/requests/unmatched');
    });

    diffTest('GET /__admin/requests/unmatched/near-misses: the closest stubs for each unmatched request', async (s) => {
      await createStubs(s, userStub, createOrderStub);
      await s.hit('GET', '/users/2');
      await s.hit('POST', '/orders', { headers: { 'Content-Type': 'application/json' }, body: '{"item":"pen"}' });
      await s.deviation(NEAR_MISS_RANKING, 'GET', '/__admin/requests/unmatched/near-misses', undefined, (w, d) => {
        assert.deepEqual(topNearMisses(d, 2), topNearMisses(w, 2));
      });
    });
  });

  // ---- near misses ----

  describe('near-misses', () => {
    diffTest('POST /__admin/near-misses/request: closest stubs for a logged request', async (s) => {
      await createStubs(s, userStub, createOrderStub);
      await s.call('POST', '/__admin/near-misses/request', { url: '/users/2', method: 'GET', headers: { Accept: 'application/json' } });
      await s.deviation(NEAR_MISS_RANKING, 'POST', '/__admin/near-misses/request', { url: '/orders', method: 'POST', body: '{"item":"pen"}' }, (w, d) => {
        assert.deepEqual(topNearMisses(d, 2), topNearMisses(w, 2));
      });
    });

    diffTest('POST /__admin/near-misses/request-pattern: closest journal entries for a pattern', async (s) => {
      await createStubs(s, userStub);
      await s.hit('GET', '/users/1');
      await s.hit('GET', '/users/22');
      await s.hit('POST', '/accounts', { body: 'x' });
      await s.call('POST', '/__admin/near-misses/request-pattern', { method: 'GET', url: '/users/2' });
    });
  });

  // ---- scenarios ----

  describe('scenarios', () => {
    diffTest('GET /__admin/scenarios: states and stubs per scenario, following traffic', async (s) => {
      await createStubs(s, ...checkoutStubs, otherScenarioStub);
      await s.call('GET', '/__admin/scenarios');
      await s.hit('POST', '/pay');
      await s.hit('GET', '/order');
      await s.call('GET', '/__admin/scenarios');
    });

    diffTest('POST /__admin/scenarios/reset: every scenario back to Started', async (s) => {
      await createStubs(s, ...checkoutStubs);
      await s.hit('POST', '/pay');
      await s.call('POST', '/__admin/scenarios/reset');
      await s.call('GET', '/__admin/scenarios');
      await s.hit('GET', '/order');
    });

    diffTest('PUT /__admin/scenarios/{name}/state: sets a state; traffic follows it', async (s) => {
      await createStubs(s, ...checkoutStubs);
      await s.call('PUT', '/__admin/scenarios/Checkout/state', { state: 'Shipped' });
      await s.call('GET', '/__admin/scenarios');
      await s.hit('GET', '/order');
    });

    diffTest('PUT /__admin/scenarios/{name}/state: without a body the scenario is reset', async (s) => {
      await createStubs(s, ...checkoutStubs);
      await s.hit('POST', '/pay');
      await s.call('PUT', '/__admin/scenarios/Checkout/state');
      await s.call('GET', '/__admin/scenarios');
    });

    diffTest('PUT /__admin/scenarios/{name}/state: a state the scenario does not have (422)', async (s) => {
      await createStubs(s, ...checkoutStubs);
      await s.call('PUT', '/__admin/scenarios/Checkout/state', { state: 'Lost' });
      await s.call('GET', '/__admin/scenarios');
    });

    diffTest('PUT /__admin/scenarios/{name}/state: an unknown scenario (404)', async (s) => {
      await createStubs(s, ...checkoutStubs);
      await s.call('PUT', '/__admin/scenarios/Nowhere/state', { state: 'Started' });
    });
  });

  // ---- system ----

  describe('system', () => {
    diffTest('POST /__admin/reset: API stubs, journal and scenario states gone; file stubs back', async (s) => {
      await createStubs(s, userStub, ...checkoutStubs);
      await s.call('DELETE', `/__admin/mappings/${FILE_PRIORITY_ID}`);
      await s.hit('GET', '/users/1');
      await s.hit('POST', '/pay');
      await s.call('POST', '/__admin/reset');
      await s.call('GET', '/__admin/mappings');
      await s.call('GET', '/__admin/requests');
      await s.call('GET', '/__admin/scenarios');
      await s.hit('GET', '/file/teapot');
    });

    diffTest('GET /__admin/health', async (s) => {
      // `version` is each product's own version, `message` names the product ("Wiremock is ok"), uptime and
      // timestamp are clocks: their values legitimately differ, their presence and types are compared.
      await s.call('GET', '/__admin/health', undefined, { volatileKeys: ['version', 'message', 'uptimeInSeconds', 'timestamp'] });
    });

    diffTest('GET /__admin/version', async (s) => {
      // Each product reports its own version number.
      await s.call('GET', '/__admin/version', undefined, { volatileKeys: ['version'] });
    });

    diffTest('GET and POST /__admin/settings: plain and wrapped forms, a wrong type (422)', async (s) => {
      await s.call('GET', '/__admin/settings');
      await s.call('POST', '/__admin/settings', { fixedDelay: 0 });
      await s.call('GET', '/__admin/settings');
      await s.call('POST', '/__admin/settings', { settings: { fixedDelay: 0, extended: { team: 'qa' } } });
      await s.call('GET', '/__admin/settings');
      await s.call('POST', '/__admin/settings', { fixedDelay: 'slow' });
      await s.call('GET', '/__admin/settings');
      // Leave no delay behind (settings survive a reset on both servers).
      await s.call('POST', '/__admin/settings', {});
    });
  });

  // ---- errors ----

  describe('errors', () => {
    diffTest('POST /__admin/mappings: invalid JSON', async (s) => {
      await s.call('POST', '/__admin/mappings', '{"request": {"url": "/x"');
      await s.call('GET', '/__admin/mappings');
    });

    diffTest('POST /__admin/mappings: empty body', async (s) => {
      await s.call('POST', '/__admin/mappings', '');
    });

    diffTest('POST /__admin/mappings: a JSON array instead of a stub', async (s) => {
      await s.call('POST', '/__admin/mappings', '[]');
    });

    diffTest('POST /__admin/mappings: response.status of the wrong type (422, pointer /response/status)', async (s) => {
      await s.call('POST', '/__admin/mappings', { request: { url: '/x' }, response: { status: 'abc' } });
      await s.call('GET', '/__admin/mappings');
    });

    diffTest('POST /__admin/mappings: request.method of the wrong type (422, pointer /request/method)', async (s) => {
      await s.call('POST', '/__admin/mappings', { request: { url: '/x', method: 5 }, response: { status: 200 } });
    });

    diffTest('POST /__admin/mappings: equalTo with a number (422, pointer /request/headers/X-Api-Key)', async (s) => {
      // Decoy reads a number where a string is expected as that string (YAML writes `equalTo: 5` easily); WireMock
      // rejects it.
      await s.deviation('a number operand is accepted as a string', 'POST', '/__admin/mappings', { request: { url: '/x', headers: { 'X-Api-Key': { equalTo: 5 } } }, response: { status: 200 } }, (w, d) => {
        assert.equal(w.status, 422);
        assert.equal((w.json as any).errors[0].source.pointer, '/request/headers/X-Api-Key');
        assert.equal(d.status, 201);
      });
    });

    diffTest('PUT /__admin/mappings/{id}: an invalid stub (422) leaves the stub as it was', async (s) => {
      await createStubs(s, userStub);
      await s.call('PUT', `/__admin/mappings/${userStub.id}`, { request: { url: '/x' }, response: { status: 'abc' } });
      await s.call('GET', `/__admin/mappings/${userStub.id}`);
    });

    diffTest('POST /__admin/requests/count: invalid JSON, and a pattern with a wrong type (422, pointer /method)', async (s) => {
      await s.call('POST', '/__admin/requests/count', '{"url":');
      await s.call('POST', '/__admin/requests/count', { url: '/x', method: 5 });
    });

    diffTest('POST /__admin/mappings/find-by-metadata: not a matcher (422)', async (s) => {
      // The same 422; Decoy's pointer names the unknown operator (/nope), WireMock's the whole body (/).
      await s.call('POST', '/__admin/mappings/find-by-metadata', { nope: 1 }, { volatileKeys: ['pointer'] });
    });

    diffTest('POST /__admin/mappings reads a body as leniently as WireMock reads mapping files (comments, single quotes, numbers as strings, basicAuth, trailing text)', async (s) => {
      const lenient = `{
  // a real mapping file, posted as it is
  "id": "5c0f1e3a-2b4d-4e6f-8a9b-0c1d2e3f4a5b",
  "priority": "3",
  "request": { "method": "GET", "url": "/lenient", 'basicAuth': { "username": "u", "password": "p" } },
  /* WireMock reads these strings as numbers */
  "response": { "status": "201", "fixedDelayMilliseconds": "1", "body": "ok" }
}
}`;
      await s.call('POST', '/__admin/mappings', lenient);
      await s.call('GET', '/__admin/mappings/5c0f1e3a-2b4d-4e6f-8a9b-0c1d2e3f4a5b');
      await s.call('POST', '/__admin/requests/count', '{ "url": "/lenient", /* any method */ "method": "GET" }');
    });

    diffTest('POST /__admin/recordings/stop when not recording: 400, code 30 (the Java client\'s NotRecordingException)', async (s) => {
      await s.call('POST', '/__admin/recordings/stop');
    });

    diffTest('POST /__admin/recordings/start while recording: the recording goes on (200); stop answers the (empty) recording', async (s) => {
      await s.call('POST', '/__admin/recordings/start', { targetBaseUrl: 'http://127.0.0.1:9' });
      await s.call('POST', '/__admin/recordings/start', { targetBaseUrl: 'http://127.0.0.1:9' });
      await s.call('GET', '/__admin/recordings/status');
      await s.call('POST', '/__admin/recordings/stop');
      await s.call('GET', '/__admin/recordings/status');
    });

    diffTest('unknown ids: GET/PUT/DELETE /__admin/mappings/{id} and GET/DELETE /__admin/requests/{id}', async (s) => {
      await s.call('GET', `/__admin/mappings/${UNKNOWN_ID}`);
      await s.call('PUT', `/__admin/mappings/${UNKNOWN_ID}`, { request: { url: '/x' }, response: { status: 200 } });
      await s.call('DELETE', `/__admin/mappings/${UNKNOWN_ID}`);
      await s.call('GET', `/__admin/requests/${UNKNOWN_ID}`);
      await s.call('DELETE', `/__admin/requests/${UNKNOWN_ID}`);
    });
  });
});
