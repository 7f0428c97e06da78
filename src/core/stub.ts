/**
 * `compileStub()` turns a StubDefinition (data, as written) into a Stub (runtime, precompiled).
 * Everything that can be worked out before the first request is worked out here; a problem found
 * here is a load error, never a 500 later, except where WireMock loads the stub and fails each of its
 * requests (a template that does not parse): such a stub loads with a warning.
 */
import { hash } from 'node:crypto';
import { safeHeaderValue } from './response/header-value.js';
import { DecoyError, type ErrorSource } from './errors.js';
import { compileRequestPattern, type RequestMatcher } from './matching/request-pattern.js';
import { compileResponse, type PreparedResponse, type ResponseCompileContext } from './response/static-response.js';
import type { RenderContext } from './response/wire-response.js';
import { RESPONSE_TEMPLATE_TRANSFORMER } from './response/templated.js';
import { compileStubChaos, type StubChaos } from './faults/stub-chaos.js';
import { compileRequestSchema } from './request-schema.js';
import type { DecoyRequest } from './request.js';
import { DEFAULT_PRIORITY, type StubDefinition } from './stub-definition.js';
import type { WireResponse } from './response/wire-response.js';
import { UNSUPPORTED_REQUEST_KEYS, UNSUPPORTED_RESPONSE_KEYS, UNSUPPORTED_STUB_KEYS } from './stub-schema.js';
import { compileWebhooks, foreignListeners, type CompiledWebhook } from './webhooks/webhook.js';
import { compileEventStream, type CompiledEventStream } from './response/event-stream.js';
import { checkOperationSpec } from './resources/resource.js';
import { compileStateListeners, STATE_MATCHER } from './wiremock-state/state-extension.js';
import { compileResourceOperation, type CompiledResourceOperation } from './resources/resource-operation.js';

/** Where a stub came from: a file (with its position) or the admin API. */
export interface StubOrigin {
  /** The file as named in messages (relative to the working directory when inside it). Absent for stubs created at run time. */
  file?: string;
  /** The file's absolute path, for saving edits back into it. */
  path?: string;
  /** JSON pointer of this stub inside its file ('' when the file is the stub). */
  pointer?: string;
  line?: number;
}

export interface Stub {
  readonly id: string;
  readonly name: string | undefined;
  readonly priority: number;
  /** Insertion order: among equal priorities, the highest (most recently added) wins, as in WireMock. */
  readonly sequence: number;
  readonly definition: StubDefinition;
  readonly origin: StubOrigin;
  readonly request: RequestMatcher;
  /**
   * The responses, ready for the wire: one, or (Decoy) a sequence served one per request. Their
   * headers include WireMock's `Matched-Stub-Id` (and `Matched-Stub-Name`).
   */
  readonly responses: readonly PreparedResponse[];
  /** After the last response of a sequence: repeat it, or cycle back to the first. */
  readonly afterLastResponse: 'repeat' | 'cycle';
  /** Decoy's per-stub chaos entries, if any. */
  readonly chaos: StubChaos | undefined;
  /**
   * With a `requestSchema`: the 400 (listing every violation) for a request that breaks it, undefined
   * for one that does not. The engine asks before it picks a response, so a rejected request gets
   * only this plain answer: no proxying, delay, fault or chaos of the stub, no step of its sequence.
   */
  readonly rejectRequest?: (request: DecoyRequest) => WireResponse | undefined;
  readonly scenario: { name: string; requiredState: string | undefined; newState: string | undefined } | undefined;
  /** The callbacks made after each response (WireMock's webhooks and Decoy's `webhooks`); undefined when none. */
  readonly webhooks?: readonly CompiledWebhook[];
  /** Decoy: the response is a stream of server-sent events (`response.stream`). */
  readonly stream?: CompiledEventStream;
  /** Decoy: an operation of a resource (`response.resource`, generated from a resource declaration); its answer comes from here. */
  readonly resource?: CompiledResourceOperation;
  /** WireMock's state extension: the recordState and deleteState listeners, run once the response is worked out. */
  readonly stateListeners?: ReturnType<typeof compileStateListeners>;
  /** Keys the stub uses that this version of Decoy accepts but does not act on. */
  readonly ignoredKeys: readonly string[];
  /** What is wrong with the stub but loads anyway, as in WireMock (a template that does not parse answers 500). */
  readonly warnings: readonly string[];
  explain(): string;
}

export interface CompileStubOptions extends ResponseCompileContext {
  sequence: number;
  origin?: StubOrigin;
  /** Where the stub sits in its document, to prefix pointers in errors (e.g. `/mappings/3`). */
  pointer?: string;
  /**
   * The id of a stub that names none, derived by the caller from where it was written (`deriveStubId` of its
   * file and position), so the id survives reloads.
   */
  derivedId?: string;
}

/**
 * A stable id for a stub that names none: derived from where it was written, so a file's stubs keep
 * their ids across reloads and restarts. Shaped as a UUID (version 5 style) for WireMock clients.
 */
export function deriveStubId(seed: string): string {
  // The one-shot hash: a Hash object per stub cost about as much as the rest of deriving the id, at every start.
  const h = hash('sha1', seed, 'hex');
  // Joined, not concatenated: a template literal leaves a tree of string pieces (about 300 bytes) that
  // every stub would keep; join() makes one flat 36-character string.
  return [h.slice(0, 8), h.slice(8, 12), '5' + h.slice(13, 16), ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16) + h.slice(17, 20), h.slice(20, 32)].join('-');
}

/** Shared by every stub that has none: an empty list or origin is not worth an object per stub. */
const NONE: readonly string[] = Object.freeze([]);
const NO_ORIGIN: StubOrigin = Object.freeze({});

export function compileStub(def: StubDefinition, options: CompileStubOptions): Stub {
  const base = options.pointer ?? '';
  const withBase = (e: unknown): never => {
    if (e instanceof DecoyError) {
      const src: ErrorSource = e.source ?? {};
      e.source = { ...src, pointer: base + (src.pointer ?? '') };
    }
    throw e;
  };
  let request: RequestMatcher;
  let responses: PreparedResponse[];
  const warnings: string[] = [];
  if (def.response !== undefined && def.responses !== undefined) {
    withBase(new DecoyError('DECOY_ERR_STUB_INVALID', 'stub has both response and responses; use response for one answer, responses for a sequence', { source: { pointer: '/responses' } }));
  }
  if (def.afterLastResponse !== undefined && def.responses === undefined) {
    withBase(new DecoyError('DECOY_ERR_STUB_INVALID', 'afterLastResponse needs a responses sequence', { source: { pointer: '/afterLastResponse' } }));
  }
  const origin = options.origin ?? NO_ORIGIN;
  const id = def.id ?? def.uuid ?? options.derivedId ?? deriveStubId(`api#${options.sequence}#${JSON.stringify(def)}`);
  const name = def.name;
  const stubHeaders = ['Matched-Stub-Id', id];
  if (name !== undefined) stubHeaders.push('Matched-Stub-Name', safeHeaderValue(name));
  let chaos: StubChaos | undefined;
  let rejectRequest: Stub['rejectRequest'];
  let webhooks: readonly CompiledWebhook[] | undefined;
  let stream: CompiledEventStream | undefined;
  let resource: CompiledResourceOperation | undefined;
  let stateListeners: ReturnType<typeof compileStateListeners>;
  try {
    stateListeners = compileStateListeners(def);
    if (def.response?.resource !== undefined) {
      if (def.responses !== undefined) throw new DecoyError('DECOY_ERR_STUB_INVALID', 'a resource operation works in response, not in a responses sequence', { source: { pointer: '/responses' } });
      resource = compileResourceOperation(checkOperationSpec(def.response.resource, '/response/resource'), '/response/resource', stubHeaders);
    }
    webhooks = compileWebhooks(def);
    if (def.response?.stream !== undefined) stream = compileEventStream(def.response.stream, '/response/stream');
    const inSequence = def.responses?.findIndex((r) => r.stream !== undefined) ?? -1;
    if (inSequence >= 0) throw new DecoyError('DECOY_ERR_STUB_INVALID', 'stream works in response, not in a responses sequence', { source: { pointer: `/responses/${inSequence}/stream` } });
    chaos = compileStubChaos(def.chaos, '/chaos');
    request = compileRequestPattern(def.request ?? {}, '/request');
    const requestSchema = def.requestSchema === undefined ? undefined : compileRequestSchema(def.requestSchema, '/requestSchema');
    const matcher = request;
    if (requestSchema) {
      rejectRequest = (req) => {
        const violations = requestSchema.check(req, matcher.pathParams(req));
        if (violations.length === 0) return undefined;
        const w = requestSchema.answer(violations);
        return { ...w, headers: [...w.headers, ...stubHeaders] };
      };
    }
    // A resource operation's delays and faults are its response's; the answer itself comes from the operation.
    const defs = def.responses ?? [resource ? withoutKey(def.response!, 'resource') : def.response ?? {}];
    responses = defs.map((r, i) => {
      const prepared = compileResponse(r, { ...options, pathParams: (req: DecoyRequest) => matcher.pathParams(req), warn: (m) => warnings.push(m) }, def.responses ? `/responses/${i}` : '/response');
      const { render } = prepared;
      return {
        ...prepared, headers: prepared.headers.concat(stubHeaders),
        // A response's own renderer hands back a fresh header list: extended in place, not copied a second time.
        ...(render ? { render: render === prepared.render
          ? (ctx: RenderContext) => { const w = render(ctx); (w.headers as string[]).push(...stubHeaders); return w; }
          : (ctx: RenderContext) => { const w = render(ctx); return { ...w, headers: [...w.headers, ...stubHeaders] }; } } : {}),
      };
    });
  } catch (e) {
    return withBase(e);
  }
  if (def.id !== undefined && def.uuid !== undefined && def.id !== def.uuid) {
    withBase(new DecoyError('DECOY_ERR_STUB_INVALID', `stub has both id ${JSON.stringify(def.id)} and uuid ${JSON.stringify(def.uuid)}; they name the same thing, keep one`, { source: { pointer: '/uuid' } }));
  }
  const scenario = def.scenarioName === undefined ? undefined : {
    name: def.scenarioName, requiredState: def.requiredScenarioState, newState: def.newScenarioState,
  };
  if (!scenario && (def.requiredScenarioState !== undefined || def.newScenarioState !== undefined)) {
    withBase(new DecoyError('DECOY_ERR_STUB_INVALID', 'requiredScenarioState and newScenarioState need a scenarioName', { source: { pointer: def.requiredScenarioState !== undefined ? '/requiredScenarioState' : '/newScenarioState' } }));
  }
  const custom = def.request?.customMatcher;
  if (custom !== undefined && custom.name !== 'graphql-body-matcher' && custom.name !== STATE_MATCHER) {
    warnings.push(`request.customMatcher ${JSON.stringify(custom.name ?? '')} is a WireMock Java extension that Decoy cannot run: the stub never matches, as in a WireMock without that extension`);
  }
  const ignoredKeys = ignoredKeysOf(def);
  return {
    id, name, priority: def.priority ?? DEFAULT_PRIORITY, sequence: options.sequence, definition: def, origin,
    request, responses, afterLastResponse: def.afterLastResponse ?? 'repeat', chaos, scenario,
    ignoredKeys, warnings: warnings.length === 0 ? NONE : warnings,
    ...(rejectRequest ? { rejectRequest } : {}),
    ...(webhooks ? { webhooks } : {}),
    ...(stream ? { stream } : {}),
    ...(resource ? { resource } : {}),
    ...(stateListeners ? { stateListeners } : {}),
    explain: explainStub,
  };
}

/**
 * Keys the stub uses that this version of Decoy accepts but does not act on. Written as plain loops: this runs
 * for every stub at every start, in code not yet optimized, where each spread, filter and closure costs.
 */
function ignoredKeysOf(def: StubDefinition): readonly string[] {
  let out: string[] | undefined;
  const add = (key: string): void => {
    (out ??= []).push(key);
  };
  for (const k of UNSUPPORTED_STUB_KEYS) if (def[k] !== undefined) add(k);
  // Listeners other than the webhook are WireMock Java extensions.
  for (const l of foreignListeners(def)) add(l);
  const request = def.request as Record<string, unknown> | undefined;
  for (const k of UNSUPPORTED_REQUEST_KEYS) if (request?.[k] !== undefined) add(`request.${k}`);
  const responses = def.responses ?? [def.response];
  const at = (i: number): string => (def.responses ? `responses[${i}]` : 'response');
  for (let i = 0; i < responses.length; i++) {
    for (const k of UNSUPPORTED_RESPONSE_KEYS) if (responses[i]?.[k] !== undefined) add(`${at(i)}.${k}`);
  }
  // Transformers other than WireMock's response-template are Java extensions Decoy cannot run.
  for (let i = 0; i < responses.length; i++) {
    const transformers = responses[i]?.transformers;
    if (Array.isArray(transformers)) for (const t of transformers) if (t !== RESPONSE_TEMPLATE_TRANSFORMER) add(`${at(i)}.transformers "${t}"`);
  }
  return out ?? NONE;
}

/** What every stub's explain() says, shared: it reads the stub, so no stub keeps a closure for it. */
function explainStub(this: Stub): string {
  const { name, request, resource, responses } = this;
  return `${name ? `"${name}": ` : ''}${request.explain()} → ${resource ? resource.explain() : responses.length === 1
    ? responses[0]!.explain()
    : `a sequence of ${responses.length} responses (${responses.map((r) => r.status).join(', ')}), then ${this.afterLastResponse === 'cycle' ? 'from the start again' : 'the last again'}`}`;
}

function withoutKey<T extends Record<string, unknown>>(value: T, key: string): T {
  const { [key]: _omitted, ...rest } = value;
  return rest as T;
}
