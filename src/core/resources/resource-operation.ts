/**
 * One operation of a resource, compiled at load: what it answers for a request, reading and writing
 * the collection's items through the State port (which may answer later, with a shared store). The
 * seed and the schema are checked here, so a bad seed item is a load error, not a 500 later.
 */
import { then, type Awaitable } from '../awaitable.js';
import { DecoyError, joinPointer } from '../errors.js';
import type { Random } from '../faults/random.js';
import type { DecoyRequest } from '../request.js';
import { violationsOf, type Violation } from '../request-schema.js';
import { compileSchema } from '../response/schema-response.js';
import type { WireResponse } from '../response/wire-response.js';
import type { ResourceCollection, ResourceItem, ResourceStore } from '../state/resource-store.js';
import { mergePatch } from './merge-patch.js';
import type { ResourceOperationName, ResourceOperationSpec } from './resource.js';

/** What an operation needs at request time, from the engine. */
export interface ResourceServeContext {
  readonly request: DecoyRequest;
  readonly random: Random;
  readonly resources: ResourceStore;
  /** The next number of a counter, atomic across replicas sharing a store (sequential ids). */
  readonly nextNumber: (key: string) => Awaitable<number>;
  /** The stub's path parameters (`id`). */
  readonly pathParams: Record<string, string>;
}

export interface CompiledResourceOperation {
  readonly collection: ResourceCollection;
  readonly operation: ResourceOperationName;
  readonly idField: string;
  /**
   * Items as the admin API sets them: each checked (an object with an id, the schema), the ids unique.
   * Throws a DecoyError with a pointer into the list.
   */
  toItems(values: unknown, pointer: string): ResourceItem[];
  respond(ctx: ResourceServeContext): Awaitable<WireResponse>;
  explain(): string;
}

/** Query parameters that page a list; every other one filters it by a field. */
const PAGING = new Set(['page', 'limit', 'offset']);

export function compileResourceOperation(spec: ResourceOperationSpec, pointer: string, stubHeaders: readonly string[]): CompiledResourceOperation {
  const { collection: name, operation, idField, ids } = spec;
  const schema = spec.schema === undefined ? undefined : compileSchema(spec.schema, joinPointer(pointer, 'schema'));
  const violations = (value: unknown): Violation[] => {
    const errors = schema?.validate(value);
    return errors === undefined ? [] : violationsOf(errors, 'body', undefined, value);
  };

  const toItems = (values: unknown, at: string): ResourceItem[] => {
    if (!Array.isArray(values)) throw new DecoyError('DECOY_ERR_STUB_INVALID', `the items of ${name} must be a list of objects`, { source: { pointer: at } });
    if (values.length > spec.maxItems) throw new DecoyError('DECOY_ERR_STUB_INVALID', `${name} holds at most ${spec.maxItems} items (maxItems); got ${values.length}`, { source: { pointer: at } });
    const seen = new Set<string>();
    return values.map((value, i) => {
      const where = joinPointer(at, i);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DecoyError('DECOY_ERR_STUB_INVALID', `an item of ${name} must be an object`, { source: { pointer: where } });
      const id = idOf(value as Record<string, unknown>);
      if (id === undefined) throw new DecoyError('DECOY_ERR_STUB_INVALID', `an item of ${name} needs its id in ${idField} (a string or a number)`, { source: { pointer: where } });
      if (seen.has(id)) throw new DecoyError('DECOY_ERR_STUB_INVALID', `two items of ${name} have the id ${JSON.stringify(id)}`, { source: { pointer: joinPointer(where, idField) } });
      seen.add(id);
      const bad = violations(value);
      if (bad.length > 0) throw new DecoyError('DECOY_ERR_STUB_INVALID', `an item of ${name} breaks its schema: ${bad.map((v) => v.message).join('; ')}`, { source: { pointer: where } });
      return { id, value: value as Record<string, unknown> };
    });
  };

  const idOf = (value: Record<string, unknown>): string | undefined => {
    const id = value[idField];
    return typeof id === 'string' && id !== '' ? id : typeof id === 'number' && Number.isFinite(id) ? String(id) : undefined;
  };

  let seed: ResourceItem[] = [];
  try {
    if (spec.items !== undefined) seed = toItems(spec.items, joinPointer(pointer, 'items'));
  } catch (e) {
    // An item of a seed file: the pointer is into the file's list, so the message names the file.
    if (e instanceof DecoyError && spec.seed !== undefined) e.message = `seed file ${spec.seed}, item ${e.source?.pointer?.split('/items/')[1] ?? ''}: ${e.message}`;
    throw e;
  }
  const collection: ResourceCollection = { name, seed, maxItems: spec.maxItems };

  const json = (status: number, value: unknown, extra: readonly string[] = []): WireResponse => {
    const body = Buffer.from(JSON.stringify(value), 'utf8');
    return { status, headers: ['Content-Type', 'application/json', 'Content-Length', String(body.length), ...extra, ...stubHeaders], body };
  };
  const problem = (status: number, error: string, more: Record<string, unknown> = {}): WireResponse => json(status, { error, resource: name, ...more });
  const notFound = (id: string): WireResponse => problem(404, `no item ${JSON.stringify(id)} in ${name}`);
  const invalid = (bad: Violation[]): WireResponse => problem(422, `the item does not match the schema of ${name}`, { violations: bad });

  /** The request's body as an object, or the 400 that says why not. */
  const bodyObject = (request: DecoyRequest): Record<string, unknown> | WireResponse => {
    let value: unknown;
    try {
      value = JSON.parse(request.body.toString('utf8'));
    } catch {
      return problem(400, 'the body must be a JSON object', { got: request.body.length === 0 ? 'an empty body' : 'text that is not JSON' });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return problem(400, 'the body must be a JSON object', { got: Array.isArray(value) ? 'a list' : typeof value });
    return value as Record<string, unknown>;
  };

  const full = (): WireResponse => problem(507, `${name} holds its maximum of ${spec.maxItems} items (maxItems)`, {
    hint: 'delete items, reset the resource (POST /__admin/decoy/resources/{name}/reset), or raise maxItems',
  });

  const list = (ctx: ResourceServeContext): Awaitable<WireResponse> => {
    const filters: Array<[string[], string[]]> = [];
    let page: number | undefined;
    let limit: number | undefined;
    let offset: number | undefined;
    for (const [key, values] of ctx.request.query) {
      if (PAGING.has(key)) {
        const n = Number(values[0]);
        const min = key === 'offset' ? 0 : 1;
        if (!Number.isInteger(n) || n < min) return problem(400, `${key} must be an integer of at least ${min} (got ${JSON.stringify(values[0])})`);
        if (key === 'page') page = n; else if (key === 'limit') limit = n; else offset = n;
      } else {
        filters.push([key.split('.'), values]);
      }
    }
    return then(ctx.resources.list(collection), (items) => {
      const matching = filters.length === 0 ? items : items.filter((item) => filters.every(([path, values]) => values.includes(textAt(item.value, path) ?? '\0')));
      let start = 0;
      let count = matching.length;
      if (page !== undefined || limit !== undefined || offset !== undefined) {
        count = limit ?? spec.pageSize;
        start = offset ?? ((page ?? 1) - 1) * count;
      }
      return json(200, matching.slice(start, start + count).map((i) => i.value), ['X-Total-Count', String(matching.length)]);
    });
  };

  const create = (ctx: ResourceServeContext): Awaitable<WireResponse> => {
    const body = bodyObject(ctx.request);
    if (isWire(body)) return body;
    const answer = (item: ResourceItem) => (outcome: string): Awaitable<WireResponse> => {
      if (outcome === 'created') return json(201, item.value, ['Location', `${name}/${encodeURIComponent(item.id)}`]);
      if (outcome === 'full') return full();
      return problem(409, `${name} already has an item ${JSON.stringify(item.id)}`);
    };
    const checked = (value: Record<string, unknown>): ResourceItem | WireResponse => {
      const bad = violations(value);
      return bad.length > 0 ? invalid(bad) : { id: idOf(value)!, value };
    };
    if (ids === 'body') {
      if (idOf(body) === undefined) return invalid([{ in: 'body', pointer: joinPointer('', idField), message: `body at /${idField} must hold the new item's id (a string or a number)` }]);
      const item = checked(body);
      return isWire(item) ? item : then(ctx.resources.insert(collection, item), answer(item));
    }
    if (ids === 'uuid') {
      const item = checked({ ...body, [idField]: uuid(ctx.random) });
      return isWire(item) ? item : then(ctx.resources.insert(collection, item), answer(item));
    }
    // Sequential: the next number of a counter shared by the fleet; a number a seed item holds is skipped.
    const attempt = (tries: number): Awaitable<WireResponse> => then(ctx.nextNumber(`resource-id:${name}`), (n) => {
      const item = checked({ ...body, [idField]: n });
      if (isWire(item)) return item;
      return then(ctx.resources.insert(collection, item), (outcome) => (outcome === 'exists' && tries < spec.maxItems ? attempt(tries + 1) : answer(item)(outcome)));
    });
    return attempt(0);
  };

  const read = (ctx: ResourceServeContext): Awaitable<WireResponse> => {
    const id = ctx.pathParams.id ?? '';
    return then(ctx.resources.get(collection, id), (item) => (item === undefined ? notFound(id) : json(200, item.value)));
  };

  /** Replace and patch: the new value from the stored one; the id stays as it was. */
  const change = (ctx: ResourceServeContext, next: (stored: Record<string, unknown>) => unknown): Awaitable<WireResponse> => {
    const id = ctx.pathParams.id ?? '';
    return then(ctx.resources.get(collection, id), (stored) => {
      if (stored === undefined) return notFound(id);
      const value = next(stored.value);
      if (isWire(value)) return value;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return problem(400, 'the patched item must be a JSON object');
      const item = { ...(value as Record<string, unknown>), [idField]: stored.value[idField] };
      const bad = violations(item);
      if (bad.length > 0) return invalid(bad);
      return then(ctx.resources.replace(collection, { id, value: item }), (done) => (done ? json(200, item) : notFound(id)));
    });
  };

  const replace = (ctx: ResourceServeContext): Awaitable<WireResponse> => {
    const body = bodyObject(ctx.request);
    return isWire(body) ? body : change(ctx, () => body);
  };

  const patch = (ctx: ResourceServeContext): Awaitable<WireResponse> => {
    let patchValue: unknown;
    try {
      patchValue = JSON.parse(ctx.request.body.toString('utf8'));
    } catch {
      return problem(400, 'the body must be a JSON Merge Patch (RFC 7396): a JSON object');
    }
    return change(ctx, (stored) => mergePatch(stored, patchValue));
  };

  const remove = (ctx: ResourceServeContext): Awaitable<WireResponse> => {
    const id = ctx.pathParams.id ?? '';
    return then(ctx.resources.delete(collection, id), (done) => (done ? { status: 204, headers: [...stubHeaders], body: EMPTY } : notFound(id)));
  };

  const respond = { list, create, read, replace, patch, delete: remove }[operation];
  return {
    collection, operation, idField, toItems, respond,
    explain: () => `resource ${name}: ${operation}`,
  };
}

const EMPTY = Buffer.alloc(0);

function isWire(v: unknown): v is WireResponse {
  return typeof v === 'object' && v !== null && Buffer.isBuffer((v as WireResponse).body) && typeof (v as WireResponse).status === 'number';
}

/** A field's value (by a dotted path) as a query parameter compares it: text. */
function textAt(value: Record<string, unknown>, path: readonly string[]): string | undefined {
  let cur: unknown = value;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur === undefined || cur === null ? undefined : typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** A version 4 UUID from the engine's random source: `--seed` makes created ids reproducible. */
function uuid(random: Random): string {
  const h = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  h[12] = '4';
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
