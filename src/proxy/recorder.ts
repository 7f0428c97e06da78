/**
 * The recorder: while a recording runs, requests no stub matches are proxied to the target and each
 * exchange is kept (bounded); stopping turns them into stubs (redacted first), served at once and, with
 * `persist`, written as stub files. A snapshot does the same from the journal's proxied entries.
 */
import type { Awaitable } from '../core/awaitable.js';
import type { MockEngine } from '../core/engine.js';
import { DecoyError } from '../core/errors.js';
import { randomUUID } from 'node:crypto';
import { recordedName, requestKey, scenarioNameFor, toStub, type RecordedExchange, type RecordOptions, type RecordedStub, type RedactedPair, type RequestBodyPatternSpec } from '../core/recording/to-stub.js';
import { parseRedaction, Redactor, type RedactionReport } from '../core/recording/redaction.js';
import { compileProxySpec } from '../core/response/static-response.js';
import { compileStub, type Stub } from '../core/stub.js';
import { formatViolation, markViolations, type ContractChecker } from '../core/contract/check-stub.js';
import type { StubDefinition } from '../core/stub-definition.js';
import type { StubFolder } from '../sources/stub-folder.js';
import { compileRequestPattern, type RequestMatcher } from '../core/matching/request-pattern.js';
import { DecoyRequest } from '../core/request.js';
import { splitGraphqlBatch } from '../core/graphql/record.js';
import type { RequestPatternDefinition } from '../core/stub-definition.js';
import { validateRequestPattern } from '../core/stub-schema.js';

export type RecordingStatus = 'NeverStarted' | 'Recording' | 'Stopped';

/** What stopping a recording or taking a snapshot made: the stubs, the files written, what was redacted. */
export interface RecordingResult {
  stubs: Stub[];
  written: string[];
  redaction: RedactionReport;
}

export interface RecordingSpec {
  options: RecordOptions;
  /** WireMock's `filters`: only exchanges whose request matches are recorded. */
  filter: RequestMatcher | undefined;
  /** WireMock's `filters.ids`: a snapshot of only these serve events (lower-case ids). */
  ids: ReadonlySet<string> | undefined;
  persist: boolean;
  repeatsAsScenarios: boolean;
  format: 'yaml' | 'json' | undefined;
}

/** How many exchanges are redacted between two turns of the event loop. */
const YIELD_EVERY = 50;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function invalid(message: string, pointer: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer } });
}

/** The body matchers WireMock's recording spec knows (`requestBodyPattern.matcher`), plus Decoy's `none`. */
const BODY_MATCHERS = ['auto', 'equalTo', 'equalToJson', 'equalToXml', 'none'] as const;

/**
 * A size as WireMock reads one: a number of bytes, or a text like "10 Kb", "1.5 MB", "10k" (binary
 * multiples). Not given means never (WireMock's Long.MAX_VALUE).
 */
function parseSize(v: unknown, pointer: string): number {
  if (v === undefined || v === null) return Infinity;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.floor(v);
  const m = typeof v === 'string' ? /^([\d.]+)\s*([kmg])?b?$/i.exec(v.trim().replace(/,/g, '.')) : null;
  if (!m || Number.isNaN(Number(m[1]))) throw invalid(`a size must be a number of bytes or like "10 Kb" (got ${JSON.stringify(v)})`, pointer);
  return Math.floor(Number(m[1]) * ({ k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1));
}

function optionalFlag(o: Record<string, unknown>, key: string, pointer: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw invalid(`${key} must be true or false (got ${JSON.stringify(v)})`, `${pointer}/${key}`);
  return v;
}

/** Reads WireMock's recording spec (plus Decoy's `redact` and `format`), validating as it goes. */
export function parseRecordingSpec(body: Record<string, unknown>): RecordingSpec {
  const captureHeaders = new Map<string, { caseInsensitive?: boolean }>();
  if (body.captureHeaders !== undefined && body.captureHeaders !== null) {
    if (typeof body.captureHeaders !== 'object' || Array.isArray(body.captureHeaders)) throw invalid('captureHeaders must be an object of header names', '/captureHeaders');
    for (const [name, v] of Object.entries(body.captureHeaders as Record<string, unknown>)) {
      const spec = typeof v === 'object' && v !== null ? v as Record<string, unknown> : {};
      const caseInsensitive = optionalFlag(spec, 'caseInsensitive', `/captureHeaders/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      // The name as given: WireMock's stub matches the header under that spelling.
      captureHeaders.set(name, caseInsensitive === undefined ? {} : { caseInsensitive });
    }
  }
  // WireMock's Java client sends it as `requestBodyPatternFactory` (its getter's name); WireMock reads both.
  const rbpKey = body.requestBodyPattern !== undefined || body.requestBodyPatternFactory === undefined ? 'requestBodyPattern' : 'requestBodyPatternFactory';
  const rbpValue = body[rbpKey];
  if (rbpValue !== undefined && rbpValue !== null && (typeof rbpValue !== 'object' || Array.isArray(rbpValue))) throw invalid(`${rbpKey} must be an object like {"matcher": "auto"}`, `/${rbpKey}`);
  const rbp = (rbpValue ?? {}) as Record<string, unknown>;
  const matcher = rbp.matcher ?? 'auto';
  if (!(BODY_MATCHERS as readonly unknown[]).includes(matcher)) throw invalid(`${rbpKey}.matcher must be one of ${BODY_MATCHERS.map((m) => `"${m}"`).join(', ')} (got ${JSON.stringify(matcher)})`, `/${rbpKey}/matcher`);
  const requestBodyPattern: RequestBodyPatternSpec = { matcher: matcher as RequestBodyPatternSpec['matcher'] };
  for (const flag of ['ignoreArrayOrder', 'ignoreExtraElements', 'caseInsensitive'] as const) {
    const v = optionalFlag(rbp, flag, `/${rbpKey}`);
    if (v !== undefined) requestBodyPattern[flag] = v;
  }
  // WireMock extracts no body without extractBodyCriteria, and a threshold left out means never; Decoy's
  // defaults without it keep stub files readable (a body over 64 KiB of text or 16 KiB binary goes to __files).
  const extract = body.extractBodyCriteria as Record<string, unknown> | undefined;
  const format = body.format as 'yaml' | 'json' | undefined;
  let filter: RequestMatcher | undefined;
  let ids: ReadonlySet<string> | undefined;
  if (body.filters !== undefined && body.filters !== null) {
    if (typeof body.filters !== 'object' || Array.isArray(body.filters)) throw invalid('filters must be a request pattern object', '/filters');
    // WireMock's filters: a request pattern, plus `ids` (serve event ids, for snapshots) and `allowNonProxied`.
    const { ids: idList, allowNonProxied: _a, ...pattern } = body.filters as Record<string, unknown>;
    if (idList !== undefined && idList !== null) {
      if (!Array.isArray(idList) || idList.some((id) => typeof id !== 'string')) throw invalid('filters.ids must be a list of serve event ids', '/filters/ids');
      ids = new Set((idList as string[]).map((id) => id.toLowerCase()));
    }
    if (Object.keys(pattern).length > 0) {
      const problems = validateRequestPattern(pattern, '/filters');
      if (problems.length) throw invalid(problems.map((p) => p.message).join('; '), problems[0]!.pointer);
      filter = compileRequestPattern(pattern as RequestPatternDefinition, '/filters');
    }
  }
  if (format !== undefined && format !== 'yaml' && format !== 'json') throw invalid(`format must be "yaml" or "json" (got ${JSON.stringify(format)})`, '/format');
  if (body.repeatsAsScenarios !== undefined && body.repeatsAsScenarios !== null && typeof body.repeatsAsScenarios !== 'boolean') throw invalid('repeatsAsScenarios must be true or false', '/repeatsAsScenarios');
  return {
    options: {
      captureHeaders,
      requestBodyPattern,
      redaction: parseRedaction(body.redact, '/redact'),
      extractTextOver: extract === undefined || extract === null ? 64 * 1024 : parseSize(extract.textSizeThreshold, '/extractBodyCriteria/textSizeThreshold'),
      extractBinaryOver: extract === undefined || extract === null ? 16 * 1024 : parseSize(extract.binarySizeThreshold, '/extractBodyCriteria/binarySizeThreshold'),
    },
    filter,
    ids,
    persist: body.persist !== false,
    // WireMock 3 records repeats as a scenario unless told not to.
    repeatsAsScenarios: body.repeatsAsScenarios !== false,
    format,
  };
}

/**
 * Recordings over the State port: what runs and what it captured is run-time state (so every Decoy
 * sharing the state records what it proxies); turning captures into stubs and files is this class's job.
 */
export class Recorder {
  constructor(private readonly engine: MockEngine, private readonly folder: StubFolder | undefined, private readonly contract?: ContractChecker) {}

  get status(): RecordingStatus {
    return this.engine.state.recordings.current().status;
  }

  /** Starts recording; throws DecoyError (with a pointer) for a bad spec, or when one already runs. */
  start(body: Record<string, unknown>): Awaitable<void> {
    if (this.status === 'Recording') throw new DecoyError('DECOY_ERR_OPTION_INVALID', 'a recording is already running; stop it first');
    // Validated before it is stored: a bad spec starts nothing. As in WireMock, a recording without a target records what proxy stubs forward.
    if (body.targetBaseUrl !== undefined) compileProxySpec(body.targetBaseUrl, {}, '/targetBaseUrl');
    parseRecordingSpec(body);
    return this.engine.state.recordings.start(body);
  }

  async stop(): Promise<RecordingResult> {
    const { status, spec } = this.engine.state.recordings.current();
    if (status !== 'Recording' || spec === undefined) throw new DecoyError('DECOY_ERR_OPTION_INVALID', 'no recording is running');
    const exchanges = await this.engine.state.recordings.stop() as RecordedExchange[];
    return this.#make(exchanges, parseRecordingSpec(spec));
  }

  snapshot(exchanges: RecordedExchange[], body: Record<string, unknown>): Promise<RecordingResult> {
    return this.#make(exchanges, parseRecordingSpec(body));
  }

  /**
   * Exchanges (oldest first) → redacted stub definitions, as WireMock makes them: a request made again
   * becomes a scenario that replays its answers in the order they came (or, without `repeatsAsScenarios`,
   * is recorded once, with its newest answer). The stubs are added newest first, as WireMock adds them
   * (so a stub list shows them as WireMock's does), and returned in the order of the traffic, oldest
   * first (WireMock's answer lists them newest first).
   */
  async #make(exchanges: RecordedExchange[], spec: RecordingSpec): Promise<RecordingResult> {
    const kept = exchanges.filter((e) => (spec.ids === undefined || (e.id !== undefined && spec.ids.has(e.id.toLowerCase())))
      && (spec.filter === undefined || spec.filter.test(DecoyRequest.fromRaw(e.method, e.url, e.requestHeaders, e.requestBody))))
      // A GraphQL batch is recorded as one stub per operation, matched by operation.
      .flatMap(splitGraphqlBatch);
    // Two passes: every secret of every exchange is known before any exchange is written, so a token a
    // later answer hands out is masked in the earlier requests that carried it too.
    const redactor = new Redactor(spec.options.redaction);
    // Redaction is CPU work per exchange: the event loop gets a turn every few exchanges, so a long
    // recording stopping does not hold up the requests being served meanwhile.
    for (let i = 0; i < kept.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) await turn();
      redactor.learn(kept[i]!);
    }
    type Pair = RedactedPair & { counts: ReturnType<Redactor['redact']>['counts']; key: string };
    const pairs: Pair[] = [];
    for (let i = 0; i < kept.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) await turn();
      const e = kept[i]!;
      const { exchange, counts } = redactor.redact(e);
      pairs.push({ original: e, redacted: exchange, counts, key: requestKey(exchange, spec.options) });
    }
    const groups = new Map<string, Pair[]>();
    const chosen: Pair[] = [];
    for (const p of pairs.reverse()) {
      const group = groups.get(p.key);
      if (group !== undefined && !spec.repeatsAsScenarios) continue;
      if (group === undefined) groups.set(p.key, [p]);
      else group.push(p);
      chosen.push(p);
    }
    // Scenarios are numbered in the order their newest request came, newest first; each starts at its oldest answer.
    const steps = new Map<Pair, { step: number; scenario: Pick<StubDefinition, 'scenarioName' | 'requiredScenarioState' | 'newScenarioState'> }>();
    let scenarioIndex = 0;
    for (const group of groups.values()) {
      if (group.length < 2) continue;
      const scenarioName = scenarioNameFor(++scenarioIndex, group[0]!.redacted.url.split('?')[0]!);
      [...group].reverse().forEach((p, i) => steps.set(p, {
        step: i + 1,
        scenario: {
          scenarioName,
          requiredScenarioState: i === 0 ? 'Started' : `${scenarioName}-${i + 1}`,
          ...(i + 1 < group.length ? { newScenarioState: `${scenarioName}-${i + 2}` } : {}),
        },
      }));
    }
    const recorded: Array<RecordedStub & { name: string }> = chosen.map((p) => {
      const step = steps.get(p);
      // File names stay Decoy's (method, path, hash: the same request rewrites the same file); the stub's name is WireMock's.
      const name = recordedName(p.redacted, p.key) + (step ? `-${step.step}` : '');
      redactor.count(p.counts);
      const r = toStub(p, spec.options, name);
      r.definition = { id: randomUUID(), ...r.definition, ...(spec.persist ? { persistent: true } : {}), ...step?.scenario };
      return { ...r, name };
    });
    if (spec.persist && this.folder) {
      const written = await this.folder.saveRecorded(recorded, spec.format);
      const byId = new Map(written.stubs.map((s) => [s.id, s]));
      const stubs = recorded.map((r) => byId.get(r.definition.id!)).filter((s) => s !== undefined);
      return { stubs: stubs.reverse(), written: written.files, redaction: redactor.report() };
    }
    const stubs: Stub[] = [];
    for (const r of recorded) {
      if (r.bodyFile) {
        // Without files, a large body stays inline.
        delete r.definition.response!.bodyFileName;
        r.definition.response!.base64Body = r.bodyFile.bytes.toString('base64');
      }
      // A recording is what the real API answered: never refused by a contract, only marked and reported (drift).
      const violations = this.contract?.check(r.definition as StubDefinition) ?? [];
      for (const v of violations) this.contract!.warn?.(`recorded ${formatViolation(r.definition as StubDefinition, v)}`);
      const definition = violations.length ? markViolations(r.definition as StubDefinition, violations) : r.definition as StubDefinition;
      stubs.push(compileStub(definition, { sequence: this.engine.nextSequence() }));
    }
    // One rebuild of the stub index for the whole recording.
    this.engine.putStubs(stubs);
    return { stubs: stubs.reverse(), written: [], redaction: redactor.report() };
  }
}
