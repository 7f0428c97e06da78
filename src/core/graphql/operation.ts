/**
 * GraphQL requests as Decoy sees them: the operations a request carries (GraphQL over HTTP: a POST
 * with a JSON body, a POST with an `application/graphql` body, a GET with `query`, `variables` and
 * `operationName` parameters, or a batch: a JSON array of operations), each parsed at most once, and
 * the normal form of an operation that matching compares, so that whitespace, the order of fields and
 * arguments, and fragments do not count.
 */
import type {
  GraphQLError,
  ArgumentNode, DocumentNode, FieldNode, FragmentDefinitionNode, InlineFragmentNode,
  OperationDefinitionNode, SelectionNode, SelectionSetNode, ValueNode,
} from 'graphql';
import { graphqlLib } from './graphql-lib.js';

/** The kinds of AST nodes this module builds and reads (the values of graphql's `Kind`). */
const Kind = {
  OPERATION_DEFINITION: 'OperationDefinition', FRAGMENT_DEFINITION: 'FragmentDefinition', SELECTION_SET: 'SelectionSet',
  FIELD: 'Field', FRAGMENT_SPREAD: 'FragmentSpread', INLINE_FRAGMENT: 'InlineFragment', OBJECT: 'ObjectValue', LIST: 'ListValue',
} as unknown as typeof import('graphql').Kind;

const print = (node: Parameters<typeof import('graphql').print>[0]): string => graphqlLib().print(node);

/** Whether a parse result is the syntax error. */
export function isGraphqlError(v: unknown): v is GraphQLError {
  return v instanceof graphqlLib().GraphQLError;
}

/** One operation as sent: its text, its name and its variables; parsed and normalized on first use. */
export interface GraphqlCall {
  /** The query text, or undefined for a persisted query sent by hash only. */
  readonly query: string | undefined;
  /** `operationName` as sent (undefined when absent or null). */
  readonly operationName: string | undefined;
  /** The variables as sent; `{}` when absent. */
  readonly variables: Readonly<Record<string, unknown>>;
  /** The raw JSON object of this operation (for a batch: its element). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** The parsed document, or the syntax error. */
  document(): DocumentNode | GraphQLError;
  /** The operation that runs: the one `operationName` names, or the only one; undefined when none fits. */
  operation(): OperationDefinitionNode | undefined;
  /** The name of the operation that runs (`operationName`, else the operation's own name). */
  readonly name: string | undefined;
  /** `query`, `mutation` or `subscription` (undefined when the query does not parse). */
  readonly type: string | undefined;
  /** The operation in normal form (see `normalizeOperation`), or undefined when it does not parse. */
  normalized(): string | undefined;
  /** Every field path the operation selects (`user`, `user.name`), for near-miss reports. */
  fieldPaths(): readonly string[];
}

/** What a request carries: one operation, or a batch of them. */
export interface GraphqlPayload {
  readonly calls: readonly GraphqlCall[];
  /** The body was a JSON array: the answer is an array too, one result per operation. */
  readonly batch: boolean;
}

const NOT_PARSED = Symbol('not parsed');

class Call implements GraphqlCall {
  readonly query: string | undefined;
  readonly operationName: string | undefined;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly raw: Readonly<Record<string, unknown>>;
  #document: DocumentNode | GraphQLError | typeof NOT_PARSED = NOT_PARSED;
  #operation: OperationDefinitionNode | undefined | typeof NOT_PARSED = NOT_PARSED;
  #normalized: string | undefined | typeof NOT_PARSED = NOT_PARSED;
  #paths: readonly string[] | undefined;

  constructor(raw: Record<string, unknown>) {
    this.raw = raw;
    this.query = typeof raw.query === 'string' ? raw.query : undefined;
    this.operationName = typeof raw.operationName === 'string' && raw.operationName !== '' ? raw.operationName : undefined;
    const v = raw.variables;
    this.variables = v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {};
  }

  document(): DocumentNode | GraphQLError {
    if (this.#document === NOT_PARSED) this.#document = parseQuery(this.query ?? '');
    return this.#document;
  }

  operation(): OperationDefinitionNode | undefined {
    if (this.#operation === NOT_PARSED) {
      const doc = this.document();
      this.#operation = isGraphqlError(doc) ? undefined : selectOperation(doc, this.operationName);
    }
    return this.#operation;
  }

  get name(): string | undefined {
    // The name as sent costs nothing; only a request without one has its query parsed to find it.
    return this.operationName ?? (this.query === undefined ? undefined : this.operation()?.name?.value);
  }

  get type(): string | undefined {
    return this.operation()?.operation;
  }

  normalized(): string | undefined {
    if (this.#normalized === NOT_PARSED) {
      const doc = this.document();
      const op = this.operation();
      if (isGraphqlError(doc) || op === undefined) this.#normalized = undefined;
      else {
        // An operation node belongs to one cached document (see parseQuery): its normal form is worked out once.
        let normal = normalizedOperations.get(op);
        if (normal === undefined) normalizedOperations.set(op, normal = normalizeOperation(doc, op));
        this.#normalized = normal;
      }
    }
    return this.#normalized;
  }

  fieldPaths(): readonly string[] {
    if (this.#paths === undefined) {
      const doc = this.document();
      const op = this.operation();
      this.#paths = isGraphqlError(doc) || op === undefined ? [] : fieldPathsOf(doc, op);
    }
    return this.#paths;
  }
}

/**
 * Query texts parsed lately, with what they parsed to: clients send the same few queries over and over, and
 * nothing changes a document once parsed (matching, validation and execution only read it). Bounded in
 * entries and in the length of a text kept, the oldest going first.
 */
const parsedQueries = new Map<string, DocumentNode | GraphQLError>();
const PARSED_QUERIES = 512;
const PARSED_QUERY_MAX_LENGTH = 16 * 1024;
/** The normal form of each operation of a parsed document, made on first use. */
const normalizedOperations = new WeakMap<OperationDefinitionNode, string>();

/** Parses query text (or finds it parsed lately); a syntax error is returned (with its location), not thrown. */
export function parseQuery(text: string): DocumentNode | GraphQLError {
  const known = parsedQueries.get(text);
  if (known !== undefined) return known;
  const parsed = parseNew(text);
  if (text.length <= PARSED_QUERY_MAX_LENGTH) {
    if (parsedQueries.size >= PARSED_QUERIES) parsedQueries.delete(parsedQueries.keys().next().value!);
    parsedQueries.set(text, parsed);
  }
  return parsed;
}

function parseNew(text: string): DocumentNode | GraphQLError {
  try {
    return graphqlLib().parse(text, { maxTokens: 50_000 });
  } catch (e) {
    if (isGraphqlError(e)) return e;
    return new (graphqlLib().GraphQLError)(String((e as Error).message ?? e));
  }
}

/** The operation a document runs: the one named, or the only one. */
export function selectOperation(doc: DocumentNode, name: string | undefined): OperationDefinitionNode | undefined {
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (name !== undefined) return ops.find((o) => o.name?.value === name);
  return ops.length === 1 ? ops[0] : undefined;
}

/** A call built from a plain object (`{ query, variables, operationName }`). */
export function graphqlCall(raw: Record<string, unknown>): GraphqlCall {
  return new Call(raw);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether a JSON value is an operation: an object with a string `query`, or a persisted query's hash. */
function isOperation(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false;
  if (typeof v.query === 'string') return true;
  const ext = v.extensions;
  return isObject(ext) && isObject(ext.persistedQuery);
}

function parseJsonParam(text: string | undefined): unknown {
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a request needs to be read as GraphQL; the request class hands in its lazy views. */
export interface GraphqlSource {
  readonly method: string;
  readonly contentType: string | undefined;
  query(name: string): string | undefined;
  bodyLength: number;
  bodyText(): string;
  bodyJson(): { ok: true; value: unknown } | { ok: false };
}

/**
 * The GraphQL operations of a request, or undefined when it is not a GraphQL request. Reads the body
 * only for a POST whose body could be GraphQL (JSON or `application/graphql`).
 */
export function readGraphqlPayload(src: GraphqlSource): GraphqlPayload | undefined {
  if (src.method === 'GET') {
    const query = src.query('query');
    if (query === undefined) return undefined;
    const raw: Record<string, unknown> = { query };
    const name = src.query('operationName');
    if (name !== undefined) raw.operationName = name;
    const variables = parseJsonParam(src.query('variables'));
    if (variables !== undefined) raw.variables = variables;
    return { calls: [new Call(raw)], batch: false };
  }
  if (src.method !== 'POST' || src.bodyLength === 0) return undefined;
  const type = (src.contentType ?? '').toLowerCase();
  if (type.startsWith('application/graphql') && !type.startsWith('application/graphql-response')) {
    const raw: Record<string, unknown> = { query: src.bodyText() };
    const name = src.query('operationName');
    if (name !== undefined) raw.operationName = name;
    const variables = parseJsonParam(src.query('variables'));
    if (variables !== undefined) raw.variables = variables;
    return { calls: [new Call(raw)], batch: false };
  }
  if (type !== '' && !/[/+]json\b/.test(type)) return undefined;
  const json = src.bodyJson();
  if (!json.ok) return undefined;
  const value = json.value;
  if (isOperation(value)) return { calls: [new Call(value)], batch: false };
  if (Array.isArray(value) && value.length > 0 && value.every(isOperation)) {
    return { calls: value.map((v) => new Call(v as Record<string, unknown>)), batch: true };
  }
  return undefined;
}

/*
 * Normal form. Two operations that ask for the same thing print the same:
 *  - fragment spreads are replaced by their fragment's selections;
 *  - an inline fragment (or spread fragment) without directives is merged into its parent when it is the
 *    only type condition at that level (a fragment on the field's own type, the common case); on a union or
 *    interface with several type conditions each keeps its own `... on T` group;
 *  - fields with the same response key (alias or name) and the same arguments are merged;
 *  - selections are sorted by response key, arguments and input object fields by name, variable
 *    definitions by name; the operation's name is left out (it is compared on its own).
 */

interface Merged {
  fields: Map<string, { node: FieldNode; children: SelectionNode[] }>;
  fragments: Map<string, { node: InlineFragmentNode; children: SelectionNode[] }>;
}

function sortValue(v: ValueNode): ValueNode {
  if (v.kind === Kind.OBJECT) {
    return { ...v, loc: undefined, fields: [...v.fields].sort((a, b) => a.name.value.localeCompare(b.name.value)).map((f) => ({ ...f, loc: undefined, value: sortValue(f.value) })) };
  }
  if (v.kind === Kind.LIST) return { ...v, loc: undefined, values: v.values.map(sortValue) };
  return { ...v, loc: undefined };
}

function sortArguments(args: readonly ArgumentNode[] | undefined): ArgumentNode[] {
  return [...(args ?? [])].sort((a, b) => a.name.value.localeCompare(b.name.value)).map((a) => ({ ...a, loc: undefined, value: sortValue(a.value) }));
}

function argumentsKey(args: readonly ArgumentNode[]): string {
  return args.map((a) => `${a.name.value}:${print(a.value)}`).join(',');
}

function normalizeSelectionSet(set: SelectionSetNode | undefined, fragments: ReadonlyMap<string, FragmentDefinitionNode>, seen: ReadonlySet<string>): SelectionSetNode | undefined {
  if (set === undefined) return undefined;
  // First expand spreads into inline fragments, so both are treated alike.
  const expanded: SelectionNode[] = [];
  for (const s of set.selections) {
    if (s.kind === Kind.FRAGMENT_SPREAD) {
      const f = fragments.get(s.name.value);
      if (f === undefined || seen.has(s.name.value)) continue;
      const inner = normalizeSelectionSet(f.selectionSet, fragments, new Set([...seen, s.name.value]));
      expanded.push({ kind: Kind.INLINE_FRAGMENT, typeCondition: f.typeCondition, directives: s.directives ?? [], selectionSet: inner! });
    } else {
      expanded.push(s);
    }
  }
  const conditions = new Set(expanded.filter((s): s is InlineFragmentNode => s.kind === Kind.INLINE_FRAGMENT && (s.directives ?? []).length === 0).map((s) => s.typeCondition?.name.value ?? ''));
  const flattenable = conditions.size <= 1 || (conditions.size === 2 && conditions.has(''));
  const merged: Merged = { fields: new Map(), fragments: new Map() };
  const add = (s: SelectionNode): void => {
    if (s.kind === Kind.FIELD) {
      const args = sortArguments(s.arguments);
      const key = `${s.alias?.value ?? s.name.value}(${s.name.value}|${argumentsKey(args)}|${(s.directives ?? []).map((d) => print(d)).join(' ')})`;
      const prev = merged.fields.get(key);
      const children = s.selectionSet?.selections ?? [];
      if (prev) prev.children.push(...children);
      else merged.fields.set(key, { node: { ...s, loc: undefined, arguments: args, ...(s.alias?.value === s.name.value ? { alias: undefined } : {}) }, children: [...children] });
      return;
    }
    if (s.kind === Kind.INLINE_FRAGMENT) {
      const plain = (s.directives ?? []).length === 0;
      if (plain && (flattenable || s.typeCondition === undefined)) {
        for (const c of s.selectionSet.selections) add(c);
        return;
      }
      const key = `${s.typeCondition?.name.value ?? ''}|${(s.directives ?? []).map((d) => print(d)).join(' ')}`;
      const prev = merged.fragments.get(key);
      if (prev) prev.children.push(...s.selectionSet.selections);
      else merged.fragments.set(key, { node: s, children: [...s.selectionSet.selections] });
    }
  };
  for (const s of expanded) add(s);
  const fieldEntries = [...merged.fields.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const fragmentEntries = [...merged.fragments.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const selections: SelectionNode[] = [
    ...fieldEntries.map(([, { node, children }]) => ({
      ...node,
      selectionSet: children.length === 0 && node.selectionSet === undefined ? undefined
        : normalizeSelectionSet({ kind: Kind.SELECTION_SET, selections: children }, fragments, seen),
    }) as FieldNode),
    ...fragmentEntries.map(([, { node, children }]) => ({
      ...node, loc: undefined, selectionSet: normalizeSelectionSet({ kind: Kind.SELECTION_SET, selections: children }, fragments, seen)!,
    }) as InlineFragmentNode),
  ];
  return { kind: Kind.SELECTION_SET, selections };
}

function fragmentsOf(doc: DocumentNode): Map<string, FragmentDefinitionNode> {
  const out = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) out.set(d.name.value, d);
  return out;
}

/** The normal form of one operation of a document, as text. */
export function normalizeOperation(doc: DocumentNode, op: OperationDefinitionNode): string {
  const normal: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: op.operation,
    variableDefinitions: [...(op.variableDefinitions ?? [])].sort((a, b) => a.variable.name.value.localeCompare(b.variable.name.value))
      .map((v) => ({ ...v, loc: undefined, ...(v.defaultValue ? { defaultValue: sortValue(v.defaultValue) as typeof v.defaultValue } : {}) })),
    directives: op.directives ?? [],
    selectionSet: normalizeSelectionSet(op.selectionSet, fragmentsOf(doc), new Set())!,
  };
  return print(normal);
}

/** Every field path of an operation, fragments expanded (`user`, `user.name`, `user.friends.id`). */
export function fieldPathsOf(doc: DocumentNode, op: OperationDefinitionNode): string[] {
  const fragments = fragmentsOf(doc);
  const out = new Set<string>();
  const walk = (set: SelectionSetNode | undefined, prefix: string, seen: ReadonlySet<string>): void => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.FIELD) {
        const path = prefix + (s.alias?.value ?? s.name.value);
        out.add(path);
        walk(s.selectionSet, `${path}.`, seen);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        walk(s.selectionSet, prefix, seen);
      } else {
        const f = fragments.get(s.name.value);
        if (f && !seen.has(s.name.value)) walk(f.selectionSet, prefix, new Set([...seen, s.name.value]));
      }
    }
  };
  walk(op.selectionSet, '', new Set());
  return [...out];
}
