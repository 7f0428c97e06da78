/**
 * WireMock's state extension (wiremock/wiremock-state-extension), as its stub files spell it, without the
 * Java jar: `serveEventListeners` named `recordState` and `deleteState` write a context's state (a map of
 * properties) and list; the `state-matcher` custom matcher matches on a context's existence, update count
 * and list size; the `{{state ...}}` helper reads them. Every parameter is a template with the request
 * (and, in listeners, the response) as its model.
 *
 * Contexts live behind the State port as the items of one collection (so replicas sharing a store share
 * them, and `POST /__admin/reset` forgets them); matching and templates read the local copy.
 */
import { then, type Awaitable } from '../awaitable.js';
import { DecoyError, joinPointer } from '../errors.js';
import type { Random } from '../faults/random.js';
import type { DecoyRequest } from '../request.js';
import type { TemplateRenderData } from '../response/template-helpers.js';
import { compileTemplate, requestModel } from '../response/template-response.js';
import type { ResourceStore } from '../state/resource-store.js';
import { contextIn, STATE_CONTEXTS, type StateContext } from './state-contexts.js';

export { STATE_CONTEXTS };
import type { StubDefinition } from '../stub-definition.js';

export const RECORD_STATE = 'recordState';
export const DELETE_STATE = 'deleteState';
export const STATE_MATCHER = 'state-matcher';

type Render = (root: Record<string, unknown>, data: TemplateRenderData) => string;

function template(value: unknown, field: string, pointer: string): Render {
  if (typeof value !== 'string') {
    const text = value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    return () => text;
  }
  if (!value.includes('{{')) return () => value;
  const t = compileTemplate(value, field, pointer);
  return (root, data) => t.render(root, data);
}

/** An object whose string values (at any depth) are templates; rendered into strings. */
function objectTemplate(value: unknown, field: string, pointer: string): (root: Record<string, unknown>, data: TemplateRenderData) => Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${field} must be an object of properties`, pointer);
  const fields = Object.entries(value).map(([k, v]) => [k, typeof v === 'object' && v !== null && !Array.isArray(v)
    ? objectTemplate(v, `${field}.${k}`, joinPointer(pointer, k))
    : template(v, `${field}.${k}`, joinPointer(pointer, k))] as const);
  return (root, data) => Object.fromEntries(fields.map(([k, f]) => [k, f(root, data)]));
}

function invalid(message: string, pointer: string): DecoyError {
  return new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer } });
}

type ListChange =
  | { kind: 'addLast' | 'addFirst'; item: ReturnType<typeof objectTemplate> }
  | { kind: 'deleteFirst' | 'deleteLast' }
  | { kind: 'deleteIndex'; index: Render }
  | { kind: 'deleteWhere'; property: Render; value: Render };

interface CompiledListener {
  readonly kind: 'record' | 'delete';
  readonly context: Render;
  readonly state?: ReturnType<typeof objectTemplate>;
  readonly list?: ListChange;
}

/** The stub's recordState and deleteState listeners, compiled; undefined when it has none. */
export function compileStateListeners(def: StubDefinition): readonly CompiledListener[] | undefined {
  const listeners = def.serveEventListeners;
  if (!Array.isArray(listeners)) return undefined;
  const out: CompiledListener[] = [];
  listeners.forEach((l: unknown, i) => {
    const name = (l as { name?: unknown })?.name;
    if (name !== RECORD_STATE && name !== DELETE_STATE) return;
    const at = `/serveEventListeners/${i}/parameters`;
    const p = (l as { parameters?: unknown }).parameters as Record<string, unknown> | undefined;
    if (typeof p !== 'object' || p === null) throw invalid(`${name} needs parameters (context, and state or list)`, at);
    if (typeof p.context !== 'string' || p.context === '') throw invalid(`${name} needs a context (a template such as "{{jsonPath response.body '$.id'}}")`, joinPointer(at, 'context'));
    const context = template(p.context, `${name}.context`, joinPointer(at, 'context'));
    const list = p.list === undefined ? undefined : compileListChange(name, p.list, joinPointer(at, 'list'));
    if (name === RECORD_STATE) {
      if (p.state === undefined && list === undefined) throw invalid('recordState needs state or list', at);
      const state = p.state === undefined ? undefined : objectTemplate(p.state, 'recordState.state', joinPointer(at, 'state'));
      out.push({ kind: 'record', context, ...(state ? { state } : {}), ...(list ? { list } : {}) });
    } else {
      out.push({ kind: 'delete', context, ...(list ? { list } : {}) });
    }
  });
  return out.length === 0 ? undefined : out;
}

function compileListChange(listener: string, value: unknown, pointer: string): ListChange {
  if (typeof value !== 'object' || value === null) throw invalid(`${listener}.list must be an object`, pointer);
  const v = value as Record<string, unknown>;
  if (listener === RECORD_STATE) {
    if (v.addLast !== undefined) return { kind: 'addLast', item: objectTemplate(v.addLast, 'list.addLast', joinPointer(pointer, 'addLast')) };
    if (v.addFirst !== undefined) return { kind: 'addFirst', item: objectTemplate(v.addFirst, 'list.addFirst', joinPointer(pointer, 'addFirst')) };
    throw invalid('recordState.list must hold addLast or addFirst', pointer);
  }
  // The extension reads one option, in this order.
  if (v.deleteFirst === true) return { kind: 'deleteFirst' };
  if (v.deleteLast === true) return { kind: 'deleteLast' };
  if (v.deleteIndex !== undefined) return { kind: 'deleteIndex', index: template(v.deleteIndex, 'list.deleteIndex', joinPointer(pointer, 'deleteIndex')) };
  const where = v.deleteWhere as Record<string, unknown> | undefined;
  if (where !== undefined) {
    if (typeof where !== 'object' || where === null || where.property === undefined || where.value === undefined) throw invalid('deleteWhere needs property and value', joinPointer(pointer, 'deleteWhere'));
    return { kind: 'deleteWhere', property: template(where.property, 'deleteWhere.property', joinPointer(pointer, 'deleteWhere', 'property')), value: template(where.value, 'deleteWhere.value', joinPointer(pointer, 'deleteWhere', 'value')) };
  }
  throw invalid('deleteState.list must hold deleteFirst, deleteLast, deleteIndex or deleteWhere', pointer);
}

/** What a listener sees of the exchange. */
export interface ListenerInput {
  readonly request: DecoyRequest;
  readonly pathParams: Record<string, string>;
  readonly response: { readonly headers: readonly string[]; readonly body: Buffer };
  readonly random: Random;
  readonly store: ResourceStore;
  readonly resourceItems: (name: string) => readonly unknown[];
}

/**
 * Runs the listeners in order, each on the state the one before left (so a `{{state ...}}` in a listener
 * reads the state before its own change). A listener whose template fails changes nothing.
 */
export function runStateListeners(listeners: readonly CompiledListener[], input: ListenerInput): Awaitable<void> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < input.response.headers.length; i += 2) (headers[input.response.headers[i]!] ??= []).push(input.response.headers[i + 1]!);
  const root: Record<string, unknown> = {
    request: requestModel(input.request, input.pathParams, input.request.connection),
    response: { body: input.response.body.toString('utf8'), headers },
  };
  const data: TemplateRenderData = { random: input.random, now: Date.now(), root, fakerSeed: undefined, resourceItems: input.resourceItems };
  const step = (i: number): Awaitable<void> => {
    if (i >= listeners.length) return undefined;
    let change: Awaitable<unknown>;
    try {
      change = applyListener(listeners[i]!, root, data, input.store);
    } catch {
      change = undefined;
    }
    return then(change, () => step(i + 1));
  };
  return step(0);
}

function applyListener(l: CompiledListener, root: Record<string, unknown>, data: TemplateRenderData, store: ResourceStore): Awaitable<unknown> {
  const name = l.context(root, data);
  const state = l.state?.(root, data);
  const list = l.list;
  const listArg = list === undefined ? undefined
    : list.kind === 'addLast' || list.kind === 'addFirst' ? list.item(root, data)
      : list.kind === 'deleteIndex' ? list.index(root, data)
        : list.kind === 'deleteWhere' ? [list.property(root, data), list.value(root, data)] : undefined;
  return then(store.get(STATE_CONTEXTS, name), (found) => {
    const old = found?.value as StateContext | undefined;
    if (l.kind === 'delete' && list === undefined) return old === undefined ? false : store.delete(STATE_CONTEXTS, name);
    const next: StateContext = { context: name, state: old?.state, list: [...(old?.list ?? [])], updateCount: old?.updateCount ?? 0 };
    if (l.kind === 'record') {
      if (state !== undefined) next.state = { ...next.state, ...state };
      if (list?.kind === 'addLast') next.list.push(listArg as Record<string, unknown>);
      if (list?.kind === 'addFirst') next.list.unshift(listArg as Record<string, unknown>);
      next.updateCount++;
    } else if (old === undefined) {
      return false;
    } else if (list?.kind === 'deleteFirst') {
      next.list.shift();
    } else if (list?.kind === 'deleteLast') {
      next.list.pop();
    } else if (list?.kind === 'deleteIndex') {
      const n = Number(listArg);
      const index = n < 0 ? next.list.length + n : n;
      if (Number.isInteger(n) && index >= 0 && index < next.list.length) next.list.splice(index, 1);
    } else if (list?.kind === 'deleteWhere') {
      const [property, value] = listArg as [string, string];
      const index = next.list.findIndex((item) => String(item[property]) === value);
      if (index >= 0) next.list.splice(index, 1);
    }
    const item = { id: name, value: next as unknown as Record<string, unknown> };
    return old === undefined ? store.insert(STATE_CONTEXTS, item) : store.replace(STATE_CONTEXTS, item);
  });
}

/** The `state-matcher` custom matcher: a test on the contexts as this Decoy last saw them. */
export interface StateMatcher {
  test(req: DecoyRequest, pathParams: Record<string, string>): boolean;
  readonly expected: string;
}

const COUNT_TESTS: Record<string, (a: number, b: number) => boolean> = {
  updateCountEqualTo: (a, b) => a === b, updateCountLessThan: (a, b) => a < b, updateCountMoreThan: (a, b) => a > b,
  listSizeEqualTo: (a, b) => a === b, listSizeLessThan: (a, b) => a < b, listSizeMoreThan: (a, b) => a > b,
};

export function compileStateMatcher(parameters: unknown, pointer: string): StateMatcher {
  const p = (parameters ?? {}) as Record<string, unknown>;
  if (typeof p !== 'object' || Array.isArray(p)) throw invalid('state-matcher parameters must be an object', pointer);
  const has = p.hasContext !== undefined;
  if (has === (p.hasNotContext !== undefined)) throw invalid('state-matcher needs exactly one of hasContext and hasNotContext', pointer);
  const key = has ? 'hasContext' : 'hasNotContext';
  const context = template(p[key], key, joinPointer(pointer, key));
  const counts = Object.keys(COUNT_TESTS).filter((k) => p[k] !== undefined).map((k) => ({ k, test: COUNT_TESTS[k]!, value: template(p[k], k, joinPointer(pointer, k)) }));
  for (const k of Object.keys(p)) {
    if (k !== key && COUNT_TESTS[k] === undefined) throw invalid(`state-matcher has no parameter ${k} (valid: hasContext, hasNotContext, ${Object.keys(COUNT_TESTS).join(', ')})`, joinPointer(pointer, k));
  }
  return {
    expected: `${key} ${String(p[key])}${counts.map((c) => `, ${c.k} ${String(p[c.k])}`).join('')}`,
    test(req, pathParams) {
      const lookup = req.resourceItems;
      const root = { request: requestModel(req, pathParams, req.connection) };
      const data: TemplateRenderData = { random: Math.random, now: Date.now(), root, fakerSeed: undefined, resourceItems: lookup };
      let ctx: StateContext | undefined;
      try {
        ctx = contextIn(lookup?.(STATE_CONTEXTS.name) ?? [], context(root, data));
        if (!has) return ctx === undefined;
        if (ctx === undefined) return false;
        for (const c of counts) {
          const actual = c.k.startsWith('list') ? ctx.list.length : ctx.updateCount;
          if (!c.test(actual, Number(c.value(root, data)))) return false;
        }
        return true;
      } catch {
        return false;
      }
    },
  };
}
