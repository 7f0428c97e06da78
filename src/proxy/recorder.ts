/**
 * The recorder: while a recording runs, requests no stub matches are proxied to the target and each
 * exchange is kept (bounded); stopping turns them into stubs (redacted first), served at once and, with
 * `persist`, written as stub files. A snapshot does the same from the journal's proxied entries.
 */
import type { MockEngine } from '../core/engine.js';
import { DecoyError } from '../core/errors.js';
import { recordedName, requestKey, toStub, type RecordedExchange, type RecordOptions, type RecordedStub, type RedactedPair } from '../core/recording/to-stub.js';
import { parseRedaction, Redactor, type RedactionReport } from '../core/recording/redaction.js';
import { compileProxySpec, type ProxySpec } from '../core/response/static-response.js';
import { compileStub, type Stub } from '../core/stub.js';
import type { StubDefinition } from '../core/stub-definition.js';
import type { StubFolder } from '../sources/stub-folder.js';
import { compileRequestPattern, type RequestMatcher } from '../core/matching/request-pattern.js';
import { DecoyRequest } from '../core/request.js';
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
  persist: boolean;
  repeatsAsScenarios: boolean;
  format: 'yaml' | 'json' | undefined;
}

/** The most exchanges one recording keeps (oldest dropped): memory stays bounded however long it runs. */
const MAX_EXCHANGES = 10_000;

function invalid(message: string, pointer: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer } });
}

/** Reads WireMock's recording spec (plus Decoy's `redact` and `format`), validating as it goes. */
export function parseRecordingSpec(body: Record<string, unknown>): RecordingSpec {
  const captureHeaders = new Map<string, { caseInsensitive: boolean }>();
  if (body.captureHeaders !== undefined) {
    if (typeof body.captureHeaders !== 'object' || body.captureHeaders === null) throw invalid('captureHeaders must be an object of header names', '/captureHeaders');
    for (const [name, v] of Object.entries(body.captureHeaders as Record<string, unknown>)) {
      captureHeaders.set(name.toLowerCase(), { caseInsensitive: typeof v === 'object' && v !== null && (v as { caseInsensitive?: unknown }).caseInsensitive === true });
    }
  }
  const rbp = body.requestBodyPattern as { matcher?: unknown } | undefined;
  const matcher = rbp?.matcher ?? 'auto';
  if (!['auto', 'equalTo', 'equalToJson', 'none'].includes(String(matcher))) throw invalid(`requestBodyPattern.matcher must be one of "auto", "equalTo", "equalToJson", "none" (got ${JSON.stringify(matcher)})`, '/requestBodyPattern/matcher');
  const size = (v: unknown, fallback: number): number => {
    if (v === undefined) return fallback;
    const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(String(v).trim());
    if (!m) throw invalid(`a size must be like "10 Kb" (got ${JSON.stringify(v)})`, '/extractBodyCriteria');
    return Number(m[1]) * ({ kb: 1024, mb: 1024 * 1024 }[(m[2] ?? 'b').toLowerCase()] ?? 1);
  };
  const extract = (body.extractBodyCriteria ?? {}) as { textSizeThreshold?: unknown; binarySizeThreshold?: unknown };
  const format = body.format as 'yaml' | 'json' | undefined;
  let filter: RequestMatcher | undefined;
  if (body.filters !== undefined) {
    if (typeof body.filters !== 'object' || body.filters === null || Array.isArray(body.filters)) throw invalid('filters must be a request pattern object', '/filters');
    // WireMock's filters are a request pattern plus `ids` and `allowNonProxied`, which only make sense for its journal.
    const { ids: _ids, allowNonProxied: _a, ...pattern } = body.filters as Record<string, unknown>;
    const problems = validateRequestPattern(pattern, '/filters');
    if (problems.length) throw invalid(problems.map((p) => p.message).join('; '), problems[0]!.pointer);
    filter = compileRequestPattern(pattern as RequestPatternDefinition, '/filters');
  }
  if (format !== undefined && format !== 'yaml' && format !== 'json') throw invalid(`format must be "yaml" or "json" (got ${JSON.stringify(format)})`, '/format');
  return {
    options: {
      captureHeaders,
      requestBodyPattern: matcher as RecordOptions['requestBodyPattern'],
      redaction: parseRedaction(body.redact, '/redact'),
      extractTextOver: size(extract.textSizeThreshold, 64 * 1024),
      extractBinaryOver: size(extract.binarySizeThreshold, 16 * 1024),
    },
    filter,
    persist: body.persist !== false,
    repeatsAsScenarios: body.repeatsAsScenarios === true,
    format,
  };
}

export class Recorder {
  status: RecordingStatus = 'NeverStarted';
  target: ProxySpec | undefined;
  #spec: RecordingSpec | undefined;
  #exchanges: RecordedExchange[] = [];

  constructor(private readonly engine: MockEngine, private readonly folder: StubFolder | undefined) {}

  start(body: Record<string, unknown>): void {
    if (this.status === 'Recording') throw new DecoyError('DECOY_ERR_OPTION_INVALID', 'a recording is already running; stop it first');
    // As in WireMock, a recording without a target records what proxy stubs forward.
    const target = body.targetBaseUrl === undefined ? undefined : compileProxySpec(body.targetBaseUrl, {}, '/targetBaseUrl');
    this.#spec = parseRecordingSpec(body);
    this.target = target;
    this.#exchanges = [];
    this.status = 'Recording';
  }

  /** Keeps one proxied exchange of the running recording. */
  capture(e: RecordedExchange): void {
    if (this.status !== 'Recording') return;
    this.#exchanges.push(e);
    if (this.#exchanges.length > MAX_EXCHANGES) this.#exchanges.shift();
  }

  async stop(): Promise<RecordingResult> {
    if (this.status !== 'Recording') throw new DecoyError('DECOY_ERR_OPTION_INVALID', 'no recording is running');
    this.status = 'Stopped';
    this.target = undefined;
    return this.#make(this.#exchanges, this.#spec!);
  }

  snapshot(exchanges: RecordedExchange[], body: Record<string, unknown>): Promise<RecordingResult> {
    return this.#make(exchanges, parseRecordingSpec(body));
  }

  /** Exchanges → redacted stub definitions: identical requests once, or in order as a scenario. */
  async #make(exchanges: RecordedExchange[], spec: RecordingSpec): Promise<RecordingResult> {
    const kept = spec.filter ? exchanges.filter((e) => spec.filter!.test(DecoyRequest.fromRaw(e.method, e.url, e.requestHeaders, e.requestBody))) : exchanges;
    // Two passes: every secret of every exchange is known before any exchange is written, so a token a
    // later answer hands out is masked in the earlier requests that carried it too.
    const redactor = new Redactor(spec.options.redaction);
    for (const e of kept) redactor.learn(e);
    const groups = new Map<string, Array<RedactedPair & { counts: ReturnType<Redactor['redact']>['counts'] }>>();
    for (const e of kept) {
      const { exchange, counts } = redactor.redact(e);
      const key = requestKey(exchange, spec.options);
      const list = groups.get(key) ?? [];
      list.push({ original: e, redacted: exchange, counts });
      groups.set(key, list);
    }
    const recorded: Array<RecordedStub & { name: string }> = [];
    for (const [key, list] of groups) {
      const base = recordedName(list[0]!.redacted, key);
      // Successive different responses to the same request, as a scenario that replays them in order.
      const distinct = spec.repeatsAsScenarios
        ? list.filter((p, i) => i === 0 || !(p.redacted.status === list[i - 1]!.redacted.status && p.redacted.responseBody.equals(list[i - 1]!.redacted.responseBody)))
        : [list[0]!];
      distinct.forEach((p, i) => {
        const name = distinct.length === 1 ? base : `${base}-${i + 1}`;
        redactor.count(p.counts);
        const r = toStub(p, spec.options, name);
        if (distinct.length > 1) {
          r.definition.scenarioName = base;
          r.definition.requiredScenarioState = i === 0 ? 'Started' : `${base}-${i + 1}`;
          if (i + 1 < distinct.length) r.definition.newScenarioState = `${base}-${i + 2}`;
        }
        recorded.push({ ...r, name });
      });
    }
    if (spec.persist && this.folder) {
      const written = await this.folder.saveRecorded(recorded, spec.format);
      return { stubs: written.stubs, written: written.files, redaction: redactor.report() };
    }
    const stubs: Stub[] = [];
    for (const r of recorded) {
      if (r.bodyFile) {
        // Without files, a large body stays inline.
        delete r.definition.response!.bodyFileName;
        r.definition.response!.base64Body = r.bodyFile.bytes.toString('base64');
      }
      const stub = compileStub(r.definition as StubDefinition, { sequence: this.engine.nextSequence(), idSeed: `recorded#${r.name}` });
      this.engine.putStub(stub);
      stubs.push(stub);
    }
    return { stubs, written: [], redaction: redactor.report() };
  }
}
