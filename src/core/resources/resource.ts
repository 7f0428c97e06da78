/**
 * Resources: a collection declared in a stub file (`resource: /orders`) that Decoy serves with the
 * conventional operations (create, read, list, replace, patch, delete), remembering what clients
 * created. A declaration is expanded at load into one ordinary stub per operation, so each appears in
 * the stub list, can be overridden by a stub of higher priority, gets delays, faults and chaos like any
 * other, and is journaled. The items live behind the State port (shared across replicas with a store).
 * See docs/guides/stateful-mocks.md.
 */
import { DecoyError, joinPointer } from '../errors.js';
import type { StubDefinition } from '../stub-definition.js';

/** A resource as declared in a stub file. */
export interface ResourceDefinition {
  /** The collection's path: `/orders`. Items are at `/orders/{id}`. */
  resource: string;
  /** The field of an item that holds its id. Default `id`. */
  idField?: string;
  /** How the id of a created item is made: a random UUID (default), the next number, or taken from the body. */
  ids?: ResourceIdKind;
  /** A file of the initial items (a JSON or YAML list), read by the stub source. */
  seed?: string;
  /** The initial items, written inline. */
  items?: unknown[];
  /** A JSON Schema every item must satisfy (on create, replace and patch). */
  schema?: unknown;
  /** How many items the collection may hold. Default 10,000. */
  maxItems?: number;
  /** Items on a page when a list asks for `page` without `limit`. Default 20. */
  pageSize?: number;
  /** The operations served; default all six. */
  operations?: ResourceOperationName[];
  /** The generated stubs' priority (default 5): a hand-written stub of a smaller number wins over them. */
  priority?: number;
  /** Applied to every operation, as in any stub. */
  fixedDelayMilliseconds?: number;
  delayDistribution?: Record<string, unknown>;
  chaos?: Array<Record<string, unknown>>;
  metadata?: Record<string, unknown>;
}

export type ResourceIdKind = 'uuid' | 'sequential' | 'body';
export type ResourceOperationName = 'list' | 'create' | 'read' | 'replace' | 'patch' | 'delete';

export const RESOURCE_OPERATIONS: readonly ResourceOperationName[] = ['list', 'create', 'read', 'replace', 'patch', 'delete'];
const ID_KINDS: readonly ResourceIdKind[] = ['uuid', 'sequential', 'body'];

/** The most items a collection holds unless it says otherwise: a runaway test cannot grow memory without limit. */
export const DEFAULT_MAX_ITEMS = 10_000;
export const DEFAULT_PAGE_SIZE = 20;

/**
 * What a generated stub's `response.resource` holds: the operation and everything it needs, as data
 * (the stub list shows it; the admin API can post it back).
 */
export interface ResourceOperationSpec {
  collection: string;
  operation: ResourceOperationName;
  idField: string;
  ids: ResourceIdKind;
  maxItems: number;
  pageSize: number;
  schema?: unknown;
  /** The initial items (inline, or read from the seed file by the source). */
  items?: unknown[];
  /** The seed file's name, as written (shown; the source reads it into `items`). */
  seed?: string;
}

const DECLARATION_KEYS = new Set(['resource', 'idField', 'ids', 'seed', 'items', 'schema', 'maxItems', 'pageSize', 'operations', 'priority',
  'fixedDelayMilliseconds', 'delayDistribution', 'chaos', 'metadata', 'name']);

/** Whether a stub file's entry declares a resource rather than a stub. */
export function isResourceDefinition(value: unknown): value is ResourceDefinition {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'resource' in value;
}

/** The problems of a declaration, each with a pointer inside it (empty when it is good). */
export function validateResourceDefinition(def: Record<string, unknown>): Array<{ pointer: string; message: string }> {
  const out: Array<{ pointer: string; message: string }> = [];
  for (const key of Object.keys(def)) {
    if (!DECLARATION_KEYS.has(key)) out.push({ pointer: `/${key}`, message: `unknown resource key ${key} (valid: ${[...DECLARATION_KEYS].join(', ')})` });
  }
  const path = def.resource;
  if (typeof path !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) {
    out.push({ pointer: '/resource', message: `resource must be a path such as /orders or /api/v1/orders (letters, digits, . _ ~ -), got ${JSON.stringify(path)}` });
  }
  if (def.idField !== undefined && (typeof def.idField !== 'string' || def.idField === '')) out.push({ pointer: '/idField', message: 'idField must be a field name' });
  if (def.ids !== undefined && !ID_KINDS.includes(def.ids as ResourceIdKind)) out.push({ pointer: '/ids', message: `ids must be one of ${ID_KINDS.join(', ')} (got ${JSON.stringify(def.ids)})` });
  if (def.seed !== undefined && typeof def.seed !== 'string') out.push({ pointer: '/seed', message: 'seed must be the name of a file of items (JSON or YAML)' });
  if (def.seed !== undefined && def.items !== undefined) out.push({ pointer: '/items', message: 'a resource has seed (a file) or items (inline), not both' });
  if (def.items !== undefined && !Array.isArray(def.items)) out.push({ pointer: '/items', message: 'items must be a list of objects' });
  for (const key of ['maxItems', 'pageSize'] as const) {
    const v = def[key];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1)) out.push({ pointer: `/${key}`, message: `${key} must be a positive integer (got ${JSON.stringify(v)})` });
  }
  if (def.operations !== undefined) {
    if (!Array.isArray(def.operations)) out.push({ pointer: '/operations', message: `operations must be a list of ${RESOURCE_OPERATIONS.join(', ')}` });
    else def.operations.forEach((op, i) => {
      if (!RESOURCE_OPERATIONS.includes(op as ResourceOperationName)) out.push({ pointer: `/operations/${i}`, message: `operation must be one of ${RESOURCE_OPERATIONS.join(', ')} (got ${JSON.stringify(op)})` });
    });
  }
  if (def.priority !== undefined && !Number.isInteger(def.priority)) out.push({ pointer: '/priority', message: 'priority must be an integer' });
  if (def.chaos !== undefined && !Array.isArray(def.chaos)) out.push({ pointer: '/chaos', message: 'chaos must be a list of chaos entries' });
  return out;
}

const METHODS: Record<ResourceOperationName, string> = { list: 'GET', create: 'POST', read: 'GET', replace: 'PUT', patch: 'PATCH', delete: 'DELETE' };

/**
 * The stubs a declaration stands for, one per operation, as ordinary definitions. `items` are the
 * initial items (read from the seed file by the source, or written inline).
 */
export function expandResource(def: ResourceDefinition, items: unknown[] | undefined): Array<{ operation: ResourceOperationName; definition: StubDefinition }> {
  const collection = def.resource;
  const spec = {
    collection, idField: def.idField ?? 'id', ids: def.ids ?? 'uuid', maxItems: def.maxItems ?? DEFAULT_MAX_ITEMS, pageSize: def.pageSize ?? DEFAULT_PAGE_SIZE,
    ...(def.schema !== undefined ? { schema: def.schema } : {}),
    ...(def.seed !== undefined ? { seed: def.seed } : {}),
    ...(items !== undefined ? { items } : {}),
  };
  const delays = {
    ...(def.fixedDelayMilliseconds !== undefined ? { fixedDelayMilliseconds: def.fixedDelayMilliseconds } : {}),
    ...(def.delayDistribution !== undefined ? { delayDistribution: def.delayDistribution } : {}),
  };
  return (def.operations ?? RESOURCE_OPERATIONS).map((operation) => {
    const one = operation === 'list' || operation === 'create';
    const definition: StubDefinition = {
      name: `${collection} ${operation}`,
      ...(def.priority !== undefined ? { priority: def.priority } : {}),
      request: { method: METHODS[operation], ...(one ? { urlPath: collection } : { path: `${collection}/:id` }) },
      response: { ...delays, resource: { ...spec, operation } },
      ...(def.chaos !== undefined ? { chaos: def.chaos } : {}),
      metadata: { ...def.metadata, resource: collection },
    };
    return { operation, definition };
  });
}

/** Checks a generated stub's `response.resource` (it may come back through the admin API). */
export function checkOperationSpec(value: unknown, pointer: string): ResourceOperationSpec {
  const spec = value as ResourceOperationSpec;
  const bad = (message: string, at = ''): never => { throw new DecoyError('DECOY_ERR_STUB_INVALID', message, { source: { pointer: joinPointer(pointer) + at } }); };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('response.resource must be an object (what a resource declaration generates)');
  if (typeof spec.collection !== 'string' || !spec.collection.startsWith('/')) bad('response.resource.collection must be the collection path', '/collection');
  if (!RESOURCE_OPERATIONS.includes(spec.operation)) bad(`response.resource.operation must be one of ${RESOURCE_OPERATIONS.join(', ')}`, '/operation');
  if (!ID_KINDS.includes(spec.ids)) bad(`response.resource.ids must be one of ${ID_KINDS.join(', ')}`, '/ids');
  if (typeof spec.idField !== 'string') bad('response.resource.idField must be a field name', '/idField');
  if (!Number.isInteger(spec.maxItems) || spec.maxItems < 1) bad('response.resource.maxItems must be a positive integer', '/maxItems');
  if (!Number.isInteger(spec.pageSize) || spec.pageSize < 1) bad('response.resource.pageSize must be a positive integer', '/pageSize');
  if (spec.seed !== undefined && spec.items === undefined) {
    bad(`the seed file ${JSON.stringify(spec.seed)} is read when a stub file is loaded; over the admin API, give the items inline (items)`, '/seed');
  }
  if (spec.items !== undefined && !Array.isArray(spec.items)) bad('response.resource.items must be a list of objects', '/items');
  return spec;
}
